r"""The pieces every dictionary-learning autoencoder shares: encoder pass and backward pass.

All the models of :mod:`ufldl_sae.beyond.saes` compute

.. math:: \bar x = x - b_{dec}, \qquad z = W_{enc}\,\bar x + b_{enc}, \qquad
          f = \sigma(z), \qquad \hat x = W_{dec} f + b_{dec}

with the examples as columns and a code :math:`f = \sigma(z)` that differs from model to model
(ReLU, TopK, BatchTopK, JumpReLU). Their reconstruction term is the notes' squared error,

.. math:: J_{rec} = \frac{1}{2m}\sum_{i=1}^m \lVert \hat x^{(i)} - x^{(i)} \rVert^2,

so the error that flows back is :math:`\delta^{out} = (\hat x - x)/m` (the :math:`1/m` taken
here, once, rather than in each gradient as the notes do). Each code is piecewise linear in
:math:`z`, :math:`\partial f/\partial z = G` with a 0/1 *gate* :math:`G` (the units that pass),
so one backward pass (:func:`backward`) serves them all:

.. math:: \delta^{f} = W_{dec}^T \delta^{out} + \frac{\partial P}{\partial f}, \qquad
          \delta^{z} = \delta^{f} \bullet G,

.. math:: \nabla_{W_{dec}} J = \delta^{out} f^T, \quad \nabla_{W_{enc}} J = \delta^{z}\bar x^T,
          \quad \nabla_{b_{enc}} J = \sum_i \delta^{z}_{:,i}, \quad
          \nabla_{b_{dec}} J = \sum_i \delta^{out}_{:,i} - W_{enc}^T \nabla_{b_{enc}} J.

The last term is the pre-encoder bias: :math:`b_{dec}` enters :math:`z` through
:math:`\bar x = x - b_{dec}`, whose derivative is :math:`-W_{enc}`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ...backend import array_namespace
from ...params import pack
from .layout import sae_unpack

__all__ = [
    "Pass",
    "backward",
    "decoder_norms",
    "encoder_pass",
    "gate_of",
    "pack_gradient",
    "reconstruct",
    "result",
]


class Pass(NamedTuple):
    """The arrays of one forward pass, kept for the backward pass."""

    blocks: dict[str, Any]
    centered: Any  # x - b_dec, visible x m
    z: Any  # pre-activations, hidden x m


def encoder_pass(theta: Any, visible_size: int, hidden_size: int, data: Any) -> Pass:
    r"""The pre-activations :math:`z = W_{enc}(x - b_{dec}) + b_{enc}` of every example."""
    blocks = sae_unpack(theta, visible_size, hidden_size)
    centered = data - blocks["b2"][:, None]
    z = blocks["W1"] @ centered + blocks["b1"][:, None]
    return Pass(blocks, centered, z)


def gate_of(mask: Any, like: Any) -> Any:
    """A boolean mask as 0/1 in ``like``'s dtype (the array API has no bool * float promotion)."""
    xp = array_namespace(like)
    return xp.astype(mask, like.dtype)


def reconstruct(blocks: dict[str, Any], f: Any) -> Any:
    r""":math:`\hat x = W_{dec} f + b_{dec}`."""
    return blocks["W2"] @ f + blocks["b2"][:, None]


def decoder_norms(blocks: dict[str, Any]) -> Any:
    r"""The norm of each decoder column, :math:`\lVert W_{dec,:,j}\rVert_2` (hidden,)."""
    xp = array_namespace(blocks["W2"])
    return xp.sqrt(xp.sum(blocks["W2"] * blocks["W2"], axis=0))


def backward(
    p: Pass,
    f: Any,
    gate: Any,
    delta_out: Any,
    *,
    delta_f: Any = None,
    delta_f_extra: Any = None,
    W2_extra: Any = None,
) -> dict[str, Any]:
    r"""The gradient blocks of :math:`J` from :math:`\delta^{out}`, the code and its gate.

    Parameters
    ----------
    p : Pass
    f, gate : arrays of shape (hidden, m)
        The code and :math:`\partial f/\partial z` (0/1).
    delta_out : array of shape (visible, m)
        :math:`\partial J/\partial \hat x`, the :math:`1/m` included.
    delta_f : array of shape (hidden, m), optional
        :math:`W_{dec}^T \delta_{out}` when the caller has formed it already (JumpReLU's
        threshold gradient needs it too), so the product is not computed twice.
    delta_f_extra : array broadcastable to (hidden, m), optional
        A penalty's :math:`\partial P/\partial f`.
    W2_extra : array of shape (visible, hidden), optional
        A penalty's own :math:`\partial P/\partial W_{dec}` (the decoder-norm weights).
    """
    xp = array_namespace(f)
    W1, W2 = p.blocks["W1"], p.blocks["W2"]
    if delta_f is None:
        delta_f = W2.T @ delta_out
    if delta_f_extra is not None:
        delta_f = delta_f + delta_f_extra
    delta_z = delta_f * gate
    grad_W2 = delta_out @ f.T
    if W2_extra is not None:
        grad_W2 = grad_W2 + W2_extra
    grad_b1 = xp.sum(delta_z, axis=1)
    return {
        "W1": delta_z @ p.centered.T,
        "W2": grad_W2,
        "b1": grad_b1,
        "b2": xp.sum(delta_out, axis=1) - W1.T @ grad_b1,
    }


def pack_gradient(grads: dict[str, Any]) -> Any:
    """The gradient blocks as one vector in theta's layout."""
    xp = array_namespace(grads["W1"])
    flat = pack(grads["W1"], grads["W2"], grads["b1"], grads["b2"])
    if "log_threshold" in grads:
        flat = xp.concat([flat, grads["log_threshold"]])
    return flat


def result(cost: Any, grads: dict[str, Any], f: Any, x_hat: Any, return_code: bool) -> tuple:
    """``(cost, grad)``, or ``(cost, grad, f, x_hat)`` when the caller also wants the code and
    the reconstruction (the trainer's dead-latent count and AuxK, without a second pass)."""
    if return_code:
        return cost, pack_gradient(grads), f, x_hat
    return cost, pack_gradient(grads)
