r"""ReLU + L1, TopK, BatchTopK and AuxK: costs and hand-derived gradients in flat-theta style.

Every function here takes ``(theta, visible_size, hidden_size, data, ...)`` as the notes'
:func:`~ufldl_sae.model.sparse_autoencoder_cost` does and returns ``(cost, grad)``, ``grad``
in theta's layout (:mod:`~ufldl_sae.beyond.saes.layout`). The shared forward and backward
passes are in :mod:`~ufldl_sae.beyond.saes.core`; each model adds its code :math:`f(z)`, its
gate :math:`\partial f/\partial z` and its penalty.

From the notes to TopK, one change at a time: the notes' sigmoid code and KL penalty become a
ReLU code and an L1 penalty (:func:`relu_l1_cost`); the L1 penalty, which shrinks every active
code towards 0, is replaced by a hard budget of :math:`k` active latents (:func:`topk_cost`),
per example or per batch (:func:`batchtopk_cost`); latents that never win the budget get a
second chance through the auxiliary loss (:func:`auxk_cost`).
"""

from __future__ import annotations

from typing import Any

from ...backend import array_namespace, device_of
from ...validation import check_int, check_real
from .core import (
    backward,
    decoder_norms,
    encoder_pass,
    gate_of,
    pack_gradient,
    reconstruct,
    result,
)

__all__ = [
    "auxk_cost",
    "batchtopk_cost",
    "batchtopk_mask",
    "relu_l1_cost",
    "topk_cost",
    "topk_mask",
]


def _half_mean_square(error: Any, m: int) -> Any:
    xp = array_namespace(error)
    return xp.sum(error * error) / (2 * m)


def relu_l1_cost(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    data: Any,
    l1_coefficient: float,
    *,
    weight_by_decoder_norm: bool = True,
    return_code: bool = False,
) -> tuple:
    r"""ReLU code with an L1 penalty weighted by the decoder columns' norms.

    Parameters
    ----------
    theta : 1-D array
        ``[W1(:); W2(:); b1; b2]`` with ``W1`` the encoder and ``W2`` the decoder.
    visible_size, hidden_size : int
    data : array of shape (visible, m)
    l1_coefficient : float
        :math:`\lambda \ge 0`.
    weight_by_decoder_norm : bool, keyword-only
        Weight each latent's L1 by its decoder column's norm (True), or not (the plain L1,
        which the model can cheat, see Notes).
    return_code : bool, keyword-only
        Also return the code ``f`` and the reconstruction ``x_hat`` (the trainer's use).

    Returns
    -------
    cost : 0-d array
    grad : 1-D array, theta's layout

    Notes
    -----
    .. math:: f = \max(z, 0), \qquad
              J = \frac{1}{2m}\lVert \hat X - X\rVert_F^2
              + \frac{\lambda}{m}\sum_{i,j} f_{ji}\, \lVert d_j\rVert,

    with :math:`d_j` the j-th decoder column (:math:`|f| = f` since :math:`f \ge 0`). The
    gradient of the penalty has two parts: through the code, :math:`\partial P/\partial f_{ji}
    = \lambda\lVert d_j\rVert / m`, which enters :math:`\delta^f` where the unit is active; and
    through the norm, :math:`\partial P/\partial d_j = \frac{\lambda}{m} (\sum_i f_{ji})\,
    d_j/\lVert d_j\rVert`.

    Why the weights: without them (``weight_by_decoder_norm=False``, the plain L1), the model
    lowers the penalty for free by shrinking :math:`f` and growing :math:`d_j` by the same
    factor, since :math:`\hat x` depends only on :math:`f_j d_j`; the decoder norms grow
    without bound and the penalty stops meaning sparsity (the *norm cheat*). Weighting by
    :math:`\lVert d_j\rVert` makes the penalty invariant to that rescaling (Anthropic's
    "Towards Monosemanticity" update of April 2024). The other fix is a unit-norm decoder
    (:func:`~ufldl_sae.beyond.saes.decoder.normalize_decoder`). Either way L1 still *shrinks*
    every active code by about :math:`\lambda`, which TopK does not.
    """
    check_real("l1_coefficient", l1_coefficient, low=0.0)
    xp = array_namespace(theta, data)
    m = data.shape[1]
    p = encoder_pass(theta, visible_size, hidden_size, data)
    active = p.z > 0
    gate = gate_of(active, p.z)
    f = p.z * gate
    error = reconstruct(p.blocks, f) - data
    W2 = p.blocks["W2"]
    if weight_by_decoder_norm:
        norms = decoder_norms(p.blocks)
        totals = xp.sum(f, axis=1)
        penalty = l1_coefficient * xp.sum(totals * norms) / m
        delta_f_extra = (l1_coefficient / m) * norms[:, None]
        W2_extra = (l1_coefficient / m) * W2 * (totals / norms)[None, :]
    else:
        penalty = l1_coefficient * xp.sum(f) / m
        delta_f_extra = xp.full(
            (hidden_size, 1), l1_coefficient / m, dtype=f.dtype, device=device_of(f)
        )
        W2_extra = None
    cost = _half_mean_square(error, m) + penalty
    grads = backward(p, f, gate, error / m, delta_f_extra=delta_f_extra, W2_extra=W2_extra)
    return result(cost, grads, f, error + data, return_code)


#: Up to this k, :func:`topk_mask` finds the k-th largest value by k passes of ``max``
#: (each a cheap reduction) rather than a full sort of each column.
ITERATIVE_TOPK_UP_TO = 16


def topk_mask(z: Any, k: int) -> Any:
    r"""The k largest pre-activations of each column (example), as a boolean mask.

    The array API has no partial sort. For small k (the field's 5 to 64 latents out of
    thousands), the k-th largest value of each column is found by k - 1 passes that each
    remove the column's maximum, then one more ``max``: k reductions instead of a full sort
    of every column. Larger k sorts. Every entry at or above the k-th largest value is kept,
    so a tie at the k-th value keeps more than k (the tests stay away from ties).
    """
    xp = array_namespace(z)
    k = check_int("k", k)
    if k > z.shape[0]:
        raise ValueError(f"k must be at most hidden_size={z.shape[0]}, got {k}")
    if k <= ITERATIVE_TOPK_UP_TO:
        rest = z
        for _ in range(k - 1):
            rest = xp.where(rest >= xp.max(rest, axis=0)[None, :], -xp.inf, rest)
        kth = xp.max(rest, axis=0)
    else:
        # along the last axis: contiguous, no flip; unstable, since only the k-th *value* is
        # read (the array API's default stable sort is some 6 times slower in NumPy)
        kth = -xp.sort(-z.T, axis=1, stable=False)[:, k - 1]
    return z >= kth[None, :]


def batchtopk_mask(z: Any, k: int) -> Any:
    r"""The :math:`k m` largest pre-activations over the whole batch of m examples.

    BatchTopK (Bussmann et al., 2024) keeps the same *average* budget as TopK but lets it
    move between examples: an example with many features present may use more than k latents,
    a simple one fewer.
    """
    xp = array_namespace(z)
    k = check_int("k", k)
    if k > z.shape[0]:
        raise ValueError(f"k must be at most hidden_size={z.shape[0]}, got {k}")
    m = z.shape[1]
    kth = -xp.sort(-xp.reshape(z, (-1,)), stable=False)[k * m - 1]  # a value: order of ties moot
    return z >= kth


def _topk_like(
    mask_of: Any,
    theta: Any,
    visible_size: int,
    hidden_size: int,
    data: Any,
    k: int,
    return_code: bool,
) -> tuple:
    m = data.shape[1]
    p = encoder_pass(theta, visible_size, hidden_size, data)
    gate = gate_of(mask_of(p.z, k) & (p.z > 0), p.z)
    f = p.z * gate
    error = reconstruct(p.blocks, f) - data
    grads = backward(p, f, gate, error / m)
    return result(_half_mean_square(error, m), grads, f, error + data, return_code)


def topk_cost(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    data: Any,
    k: int,
    *,
    return_code: bool = False,
) -> tuple:
    r"""TopK code (Gao et al., 2024): the k largest pre-activations of each example, then ReLU.

    Parameters
    ----------
    theta, visible_size, hidden_size, data
        As :func:`relu_l1_cost`.
    k : int
        The number of latents each example may use, :math:`1 \le k \le h`.
    return_code : bool, keyword-only
        As :func:`relu_l1_cost`.

    Notes
    -----
    .. math:: f = \max(z, 0) \bullet S, \qquad
              S_{ji} = [z_{ji} \text{ among the } k \text{ largest of } z_{:,i}], \qquad
              J = \frac{1}{2m}\lVert \hat X - X\rVert_F^2.

    There is no sparsity penalty: the budget *is* the sparsity, so nothing shrinks the codes.
    Where the selection :math:`S` does not change (away from ties between the k-th and
    (k+1)-th values), :math:`f` is linear in :math:`z` with gate :math:`G = S\bullet[z > 0]`,
    and the gradient flows through the selected units only; the selection itself is piecewise
    constant and carries none. A finite difference agrees with this gradient exactly when the
    step changes no selection, which the gradient check asserts.
    """
    return _topk_like(topk_mask, theta, visible_size, hidden_size, data, k, return_code)


def batchtopk_cost(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    data: Any,
    k: int,
    *,
    return_code: bool = False,
) -> tuple:
    r"""BatchTopK: as :func:`topk_cost` with the :math:`k m` largest over the batch.

    Notes
    -----
    :math:`S_{ji} = [z_{ji} \text{ among the } km \text{ largest of } z]`; the rest is
    :func:`topk_cost`'s. The cost of an example now depends on the other examples of its
    batch; to encode one example alone, the field replaces the batch selection by a global
    threshold estimated during training (:func:`~ufldl_sae.beyond.saes.train.encode`
    evaluates on a whole set at once instead, which keeps the same average budget).
    """
    return _topk_like(batchtopk_mask, theta, visible_size, hidden_size, data, k, return_code)


def auxk_cost(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    data: Any,
    residual: Any,
    dead: Any,
    k_aux: int,
    coefficient: float,
) -> tuple[Any, Any]:
    r"""The AuxK loss: the top ``k_aux`` *dead* latents reconstruct the main model's residual.

    Parameters
    ----------
    theta, visible_size, hidden_size, data
        As :func:`relu_l1_cost`.
    residual : array of shape (visible, m)
        :math:`e = x - \hat x` of the main model, a *constant* here (see Notes).
    dead : boolean array of shape (hidden,)
        The latents counted dead (:class:`~ufldl_sae.beyond.saes.decoder.DeadLatents`).
    k_aux : int
        How many dead latents each example uses (capped at the number of dead ones).
    coefficient : float
        :math:`\alpha \ge 0`, the loss's weight.

    Notes
    -----
    With :math:`D` the dead latents and :math:`S^{aux}` the ``k_aux`` largest :math:`z` among
    them (then ReLU),

    .. math:: f^{aux} = \max(z, 0) \bullet S^{aux}, \qquad \hat e = W_{dec} f^{aux}, \qquad
              J_{aux} = \frac{\alpha}{2m}\lVert \hat e - e\rVert_F^2 .

    The target :math:`e` is held constant (a stop-gradient): the auxiliary loss may move the
    dead latents' encoder rows and decoder columns towards what the live ones miss, but must
    not pull the live latents' reconstruction towards making its own residual easier to fit.
    So the gradient is the backward pass of :math:`\hat e` alone, with
    :math:`\delta^{out} = \alpha(\hat e - e)/m` and no :math:`b_{dec}` in :math:`\hat e` (its
    only :math:`b_{dec}` term is the pre-encoder one). Gao et al. divide by the residual's
    variance; here :math:`\alpha` absorbs that scale. No dead latents: cost and gradient 0.
    """
    xp = array_namespace(theta, data)
    k_aux = check_int("k_aux", k_aux)
    check_real("coefficient", coefficient, low=0.0)
    m = data.shape[1]
    p = encoder_pass(theta, visible_size, hidden_size, data)
    n_dead = int(xp.sum(xp.astype(dead, xp.int64)))
    if n_dead == 0:
        return xp.zeros((), dtype=theta.dtype), xp.zeros_like(theta)
    lowest = xp.min(p.z) - 1.0
    candidates = xp.where(dead[:, None], p.z, lowest)
    selected = topk_mask(candidates, min(k_aux, n_dead)) & dead[:, None] & (p.z > 0)
    gate = gate_of(selected, p.z)
    f = p.z * gate
    error = p.blocks["W2"] @ f - residual
    grads = backward(p, f, gate, (coefficient / m) * error)
    grads["b2"] = -p.blocks["W1"].T @ grads["b1"]  # e_hat has no b_dec
    return coefficient * _half_mean_square(error, m), pack_gradient(grads)
