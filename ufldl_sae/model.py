r"""The sparse autoencoder of the CS294A notes: forward pass, cost and hand-derived backprop.

Notation follows the notes. ``data`` is ``visible x m``, one example per column; ``W1`` is
``hidden x visible``, ``W2`` is ``visible x hidden``; ``a2`` and ``a3`` are the hidden and output
activations, ``rho_hat`` the average activation of each hidden unit over the batch, ``delta3`` and
``delta2`` the error terms of backpropagation. Equation numbers are not in the notes, so each
docstring quotes the equation instead, in the notes' symbols.

The file reads as the notes do: the sigmoid, the forward pass, the three terms of the cost,
the sparsity term's derivative, then :func:`sparse_autoencoder_cost`, which puts them together and
backpropagates, and :func:`sparse_autoencoder_cost_terms`, which shares its forward pass. The
argument checks live in :mod:`ufldl_sae.validation`.

Every function is written against the Python array API: the namespace comes from the inputs, so
the same lines run on NumPy, CuPy and ``array_api_strict``. The computation runs in the dtype of
``data`` (float64 or float32).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .backend import array_namespace, device_of, to_host
from .params import pack, theta_size, unpack
from .tuning import tuned
from .validation import (
    check_cost_arguments,
    check_finite,
    check_matrix,
    check_namespace,
    check_theta,
)


class SaturatedUnitsError(ValueError):
    """A hidden unit's average activation is 0 or 1, or too close to 0 to be known: its KL
    penalty is infinite, or the finite value the arithmetic would give is wrong."""


class CostTerms(NamedTuple):
    """The three terms of the sparse autoencoder's cost :math:`J_{sparse}`, and their sum."""

    reconstruction: float
    weight_decay: float
    sparsity: float

    @property
    def total(self) -> float:
        return self.reconstruction + self.weight_decay + self.sparsity


def sigmoid(z: Any) -> Any:
    r"""The logistic function :math:`f(z) = 1 / (1 + e^{-z})`, without overflow.

    The textbook form overflows in :math:`e^{-z}` once :math:`-z` exceeds the log of the
    largest float (709.8 in float64, 88.7 in float32), and NumPy warns there. Raising ``z``
    to at least one unit above minus that log keeps the exponential finite: the result is the
    textbook value bit for bit down to that floor, and below it (where the true value is under
    1.5e-308, or 8e-39 in float32) it stays at that tiny positive value instead of 0
    (:func:`check_unsaturated` refuses a unit whose average activation is down there).
    At the other end it reaches exactly 1, and nothing downstream ever sees NaN. The guard
    is one ``maximum``, a single pass over the array (``clip`` would be the obvious spelling,
    but array-api-compat implements it on NumPy as a copy followed by a maximum).
    """
    xp = array_namespace(z)
    lowest = 1.0 - math.log(xp.finfo(z.dtype).max)
    return 1 / (1 + xp.exp(-xp.maximum(z, lowest)))


def forward(W1: Any, W2: Any, b1: Any, b2: Any, data: Any) -> tuple[Any, Any]:
    r"""The feedforward pass over all ``m`` examples at once.

    .. math:: z^{(2)} = W^{(1)} x + b^{(1)},\quad a^{(2)} = f(z^{(2)}),\quad
              z^{(3)} = W^{(2)} a^{(2)} + b^{(2)},\quad a^{(3)} = f(z^{(3)})

    Returns
    -------
    a2 : array of shape (hidden, m)
    a3 : array of shape (visible, m)
    """
    a2 = sigmoid(W1 @ data + b1[:, None])  # (hidden, m)
    a3 = sigmoid(W2 @ a2 + b2[:, None])  # (visible, m)
    return a2, a3


# --- The three terms of the cost -------------------------------------------------------------


def reconstruction_cost(a3: Any, data: Any, *, error: Any = None) -> Any:
    r"""The reconstruction term, the average squared error over the ``m`` examples.

    .. math:: \frac{1}{m}\sum_{i=1}^m \frac{1}{2}\lVert a^{(3)}_i - x_i\rVert^2

    ``error``, keyword-only, is :math:`a^{(3)} - x` when the caller has formed it already (the
    cost needs it again for :math:`\delta^{(3)}`), so it is not formed twice.

    The sum runs row by row, each row a dot product with itself (``vecdot``): the same sum as
    ``sum(error * error)`` without a second ``visible x m`` temporary.
    """
    if error is None:
        error = a3 - data  # (visible, m)
    xp = array_namespace(error)
    m = error.shape[1]
    return xp.sum(xp.vecdot(error, error, axis=-1)) / (2 * m)


def weight_decay_cost(W1: Any, W2: Any, lambda_: float) -> Any:
    r"""Weight decay :math:`\frac{\lambda}{2}(\lVert W^{(1)}\rVert_F^2 + \lVert W^{(2)}\rVert_F^2)`.

    The biases are not decayed: the notes' penalty sums over the weights only.
    """
    xp = array_namespace(W1, W2)
    return (lambda_ / 2) * (xp.sum(W1 * W1) + xp.sum(W2 * W2))


def kl_divergence(rho: float, rho_hat: Any) -> Any:
    r"""The KL divergence between Bernoulli variables of means :math:`\rho` and :math:`\hat\rho_j`.

    .. math:: \mathrm{KL}(\rho \| \hat\rho_j) = \rho \log\frac{\rho}{\hat\rho_j}
              + (1-\rho) \log\frac{1-\rho}{1-\hat\rho_j}

    Zero when :math:`\hat\rho_j = \rho`, growing without bound as :math:`\hat\rho_j` nears 0 or 1.
    """
    xp = array_namespace(rho_hat)
    return rho * xp.log(rho / rho_hat) + (1 - rho) * xp.log((1 - rho) / (1 - rho_hat))


def sparsity_cost(rho: float, rho_hat: Any, beta: float) -> Any:
    r"""The sparsity penalty :math:`\beta \sum_{j=1}^{s_2} \mathrm{KL}(\rho \| \hat\rho_j)`.

    With ``beta = 0`` the penalty is switched off entirely (exactly 0), so a saturated unit, whose
    KL is infinite, does not turn ``0 * inf`` into NaN.
    """
    xp = array_namespace(rho_hat)
    if beta == 0:
        return xp.zeros((), dtype=rho_hat.dtype, device=device_of(rho_hat))
    return beta * xp.sum(kl_divergence(rho, rho_hat))


# --- The sparsity term in backpropagation ----------------------------------------------------


def sparsity_delta(rho: float, rho_hat: Any, beta: float) -> Any:
    r"""The derivative of the sparsity penalty with respect to :math:`\hat\rho_j`.

    .. math:: \beta\left(-\frac{\rho}{\hat\rho_j} + \frac{1-\rho}{1-\hat\rho_j}\right)

    It enters :math:`\delta^{(2)}` inside the parentheses, before the product with
    :math:`f'(z^{(2)})`. Returns an array of shape (hidden,) (zeros when ``beta = 0``).
    """
    if beta == 0:
        return 0 * rho_hat
    return beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))


def smallest_resolved_rho_hat(dtype: Any, xp: Any) -> float:
    r"""The smallest average activation :math:`\hat\rho_j` the sigmoid's floor leaves exact.

    :func:`sigmoid` never goes below its floor :math:`f_{min} = f(1 - \log(\text{max float}))`
    (about 1.5e-308 in float64, 8e-39 in float32): every example whose true activation is below
    it counts as :math:`f_{min}`, so a computed :math:`\hat\rho_j` can be too large by up to
    :math:`f_{min}` in absolute terms. Above :math:`f_{min} / \epsilon_{mach}` (6.8e-293 in
    float64, 6.7e-32 in float32) that is less than the rounding of :math:`\hat\rho_j` itself;
    below it, :math:`\log\hat\rho_j` in the KL term, and so the cost, can be off by any amount
    (the cost comes back finite but wrong).
    """
    finfo = xp.finfo(dtype)
    floor = 1.0 / (1.0 + math.exp(math.log(finfo.max) - 1.0))  # sigmoid(1 - log(max))
    return floor / float(finfo.eps)


def check_unsaturated(rho_hat: Any, theta: Any = None) -> None:
    r"""Raise when a hidden unit's average activation is 0 or 1, too close to 0 to be known, or
    NaN.

    A unit at 0 or 1 makes the KL penalty and its derivative infinite
    (:class:`SaturatedUnitsError`, naming the units). A unit below
    :func:`smallest_resolved_rho_hat` (its inputs pushed hundreds of units below zero on every
    example) is refused too: the sigmoid's floor has replaced its true activations, so its KL
    term would be finite but wrong. Refusing it, rather than computing the KL term from a
    log-sigmoid, keeps :func:`sparse_autoencoder_cost` the notes' equations, and such a unit is
    dead in any case (its KL term alone is about :math:`670\,\rho\,\beta`). Saturation happens
    when the weights have grown so large that the sigmoid rounds on every example: usually a
    learning rate or step far too large, data far outside [0, 1], no weight decay at all, or the
    examples passed as rows where the course's functions take columns. A NaN comes from NaN or
    inf in theta or the data (a plain ``ValueError`` saying so); so does saturation when
    ``theta``, given, is not finite (an infinite weight drives its units to the floor: the cause
    is theta, not the units). Both extra looks at the arrays happen on the error path only.
    """
    xp = array_namespace(rho_hat)
    lowest = smallest_resolved_rho_hat(rho_hat.dtype, xp)
    if bool(xp.all((rho_hat >= lowest) & (rho_hat < 1))):
        return
    values = to_host(rho_hat)  # host copy on the error path only
    not_a_number = [int(j) for j in (values != values).nonzero()[0]]
    if not_a_number:
        raise ValueError(
            f"rho_hat is NaN for {len(not_a_number)} hidden unit(s) (first: unit "
            f"{not_a_number[0]}): theta or the data holds NaN or inf, so the activations do too"
        )
    if theta is not None and not bool(xp.all(xp.isfinite(theta))):
        raise ValueError(
            "theta holds NaN or inf, so the hidden activations and rho_hat are not meaningful "
            "(a diverged step usually: the units it drives to 0 or 1 are its symptom)"
        )
    units = [int(j) for j in ((values < lowest) | (values >= 1)).nonzero()[0]]
    shown = ", ".join(f"unit {j} (rho_hat = {values[j]:g})" for j in units[:5])
    more = f" and {len(units) - 5} more" if len(units) > 5 else ""
    raise SaturatedUnitsError(
        f"{len(units)} hidden unit(s) saturated: {shown}{more}. Their average activation is "
        f"0 or 1, or below {lowest:.3g} where the sigmoid's floor hides its true value, so the "
        "KL sparsity penalty is infinite or unknown. Likely cause: weights so large that the "
        "sigmoid rounds to 0 or 1 on every example (a diverged optimization, data far outside "
        "[0, 1], or lambda_ = 0), or examples passed as rows where the course's functions take "
        "them as columns (transpose the data); restart from smaller weights or rescale the data."
    )


# --- The cost: one forward pass, the terms, backpropagation ----------------------------------


class _Pass(NamedTuple):
    """The forward pass of one evaluation: the weights, the activations, the average ones."""

    W1: Any
    W2: Any
    a2: Any
    a3: Any
    rho_hat: Any


def _namespace(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    lambda_: float,
    sparsity_param: float,
    beta: float,
    data: Any,
    check_inputs: bool,
) -> Any:
    """The arrays' namespace, after validating the seven arguments when ``check_inputs``."""
    if check_inputs:
        return check_cost_arguments(
            theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data
        )
    return array_namespace(theta, data)


def _forward_pass(
    xp: Any, theta: Any, visible_size: int, hidden_size: int, beta: float, data: Any
) -> _Pass:
    r"""Cast theta to the data's dtype, unpack it, and run the forward pass.

    Shared by :func:`sparse_autoencoder_cost` and :func:`sparse_autoencoder_cost_terms`. It
    ends with the average activations :math:`\hat\rho_j = \frac{1}{m}\sum_i a^{(2)}_j(x^{(i)})`
    (all ``m`` examples are needed before any :math:`\delta` can be formed), checked for
    saturation when the sparsity penalty is on.
    """
    if theta.dtype != data.dtype:
        theta = xp.astype(theta, data.dtype)  # the work runs in the dtype of the data
    W1, W2, b1, b2 = unpack(theta, visible_size, hidden_size)
    a2, a3 = forward(W1, W2, b1, b2, data)  # (hidden, m), (visible, m)
    rho_hat = xp.mean(a2, axis=1)  # (hidden,)
    if beta > 0:
        check_unsaturated(rho_hat, theta)
    return _Pass(W1, W2, a2, a3, rho_hat)


def sparse_autoencoder_cost(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    lambda_: float,
    sparsity_param: float,
    beta: float,
    data: Any,
    *,
    check_inputs: bool = True,
) -> tuple[Any, Any]:
    r"""The cost :math:`J_{sparse}(W, b)` and its gradient, as ``sparseAutoencoderCost.m``.

    Parameters
    ----------
    theta : array of shape (2*hidden*visible + hidden + visible,)
        The parameters in the course's layout ``[W1(:); W2(:); b1; b2]``
        (see :mod:`ufldl_sae.params`).
    visible_size, hidden_size : int
        Number of input units and of hidden units.
    lambda_ : float
        Weight decay :math:`\lambda \ge 0`.
    sparsity_param : float
        Target average activation :math:`\rho \in (0, 1)`.
    beta : float
        Weight of the sparsity penalty :math:`\beta \ge 0`.
    data : array of shape (visible, m)
        The training examples, one per column, ideally in [0, 1]. Sets the dtype of the work.
    check_inputs : bool, keyword-only
        Validate the arguments (default). The optimizer validates once and then passes False,
        since checking every entry of ``data`` for NaN on each evaluation is a full extra pass.

    Returns
    -------
    cost : 0-d array
        :math:`J_{sparse}`, left on the arrays' device (``float(cost)`` to read it).
    grad : array of the shape of theta
        :math:`\nabla_\theta J_{sparse}`, in the same layout as theta.

    Raises
    ------
    SaturatedUnitsError
        With ``beta > 0``, when a hidden unit's :math:`\hat\rho_j` is 0 or 1, or below
        :func:`smallest_resolved_rho_hat` (its inputs pushed below the sigmoid's floor on every
        example). The KL term would be infinite, or finite but wrong; the cost raises instead
        of computing that term another way (a log-sigmoid form), so that it stays the notes'
        equations below. See :func:`check_unsaturated`.

    Notes
    -----
    One forward pass over the whole batch gives :math:`a^{(2)}`, :math:`a^{(3)}` and the average
    activations :math:`\hat\rho_j = \frac{1}{m}\sum_i a^{(2)}_j(x^{(i)})`. The cost is

    .. math:: J_{sparse} = \frac{1}{m}\sum_{i=1}^m \frac{1}{2}\lVert a^{(3)}_i - x_i\rVert^2
              + \frac{\lambda}{2}\left(\lVert W^{(1)}\rVert_F^2 + \lVert W^{(2)}\rVert_F^2\right)
              + \beta \sum_{j=1}^{s_2} \mathrm{KL}(\rho \| \hat\rho_j)

    and backpropagation, with :math:`f'(z) = a(1-a)` for the sigmoid, gives

    .. math:: \delta^{(3)} = -(x - a^{(3)}) \bullet a^{(3)}(1 - a^{(3)})

    (the error :math:`a^{(3)} - x` is formed once, for the cost and for :math:`\delta^{(3)}`)

    .. math:: \delta^{(2)} = \left((W^{(2)})^T \delta^{(3)}
              + \beta\left(-\frac{\rho}{\hat\rho} + \frac{1-\rho}{1-\hat\rho}\right)\right)
              \bullet a^{(2)}(1 - a^{(2)})

    .. math:: \nabla_{W^{(l)}} J = \frac{1}{m}\delta^{(l+1)} (a^{(l)})^T + \lambda W^{(l)},\qquad
              \nabla_{b^{(l)}} J = \frac{1}{m}\sum_i \delta^{(l+1)}_i

    (with :math:`a^{(1)} = x`). The biases are not decayed.

    The call runs under the package's speed settings (:func:`ufldl_sae.tuning.tuned`: BLAS
    threads for the length of the call, malloc's thresholds once per process), which change
    no result; see :mod:`ufldl_sae.tuning` to turn them off.
    """
    xp = _namespace(
        theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data, check_inputs
    )
    with tuned(visible_size, hidden_size, data.shape[1]):
        p = _forward_pass(xp, theta, visible_size, hidden_size, beta, data)
        W1, W2, a2, a3 = p.W1, p.W2, p.a2, p.a3
        m, rho = data.shape[1], sparsity_param

        # The cost: reconstruction error + weight decay + sparsity penalty. The error a3 - x is
        # formed once and serves both the reconstruction term and delta3.
        error = a3 - data  # (visible, m), that is -(x - a3)
        cost = (
            reconstruction_cost(a3, data, error=error)
            + weight_decay_cost(W1, W2, lambda_)
            + sparsity_cost(rho, p.rho_hat, beta)
        )

        # Backpropagation: the output error, then the hidden error with the sparsity term inside.
        # delta3 is built in place on the error, which the cost no longer needs.
        delta3 = error  # delta3 = -(x - a3) . a3 (1 - a3), of shape (visible, m)
        delta3 *= a3
        delta3 *= 1 - a3
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, p.rho_hat, beta)[:, None]) * a2 * (1 - a2)

        # Gradients: average over the examples, plus weight decay on the weights only.
        W1grad = delta2 @ data.T / m + lambda_ * W1  # (hidden, visible)
        W2grad = delta3 @ a2.T / m + lambda_ * W2  # (visible, hidden)
        b1grad = xp.sum(delta2, axis=1) / m  # (hidden,)
        b2grad = xp.sum(delta3, axis=1) / m  # (visible,)
        return cost, pack(W1grad, W2grad, b1grad, b2grad)


def sparse_autoencoder_cost_terms(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    lambda_: float,
    sparsity_param: float,
    beta: float,
    data: Any,
    *,
    check_inputs: bool = True,
) -> CostTerms:
    """The three terms of :func:`sparse_autoencoder_cost`'s cost, as Python floats (no gradient).

    For reports and for checking each term on its own; same arguments as the cost, the same
    forward pass, and the same ``check_inputs`` switch for callers that validated the data
    once already.
    """
    xp = _namespace(
        theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data, check_inputs
    )
    with tuned(visible_size, hidden_size, data.shape[1]):
        p = _forward_pass(xp, theta, visible_size, hidden_size, beta, data)
        return CostTerms(
            reconstruction=float(reconstruction_cost(p.a3, data)),
            weight_decay=float(weight_decay_cost(p.W1, p.W2, lambda_)),
            sparsity=float(sparsity_cost(sparsity_param, p.rho_hat, beta)),
        )


# --- Using a trained autoencoder -------------------------------------------------------------


def feedforward_autoencoder(theta: Any, hidden_size: int, visible_size: int, data: Any) -> Any:
    """The hidden activations ``a2`` of a trained autoencoder: the learned features.

    As the course's ``feedForwardAutoencoder.m``, whose argument order (hidden before visible)
    differs from the cost's; kept so that the self-taught learning exercise reads the same.
    ``theta`` and ``data`` must be finite (a ``ValueError`` names the one that is not), since
    NaN features would otherwise flow silently into the classifier trained on them.

    Returns
    -------
    a2 : array of shape (hidden, m)
    """
    xp = check_namespace(theta=theta, data=data)
    check_theta(theta, xp, size=theta_size(visible_size, hidden_size))  # finite too
    check_matrix("data", data, xp, rows=visible_size)
    check_finite("data", data, xp)  # NaN in, NaN features out: refused by name instead
    if theta.dtype != data.dtype:
        theta = xp.astype(theta, data.dtype)
    W1, _, b1, _ = unpack(theta, visible_size, hidden_size)
    return sigmoid(W1 @ data + b1[:, None])
