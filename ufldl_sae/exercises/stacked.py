r"""The stacked autoencoder: sparse autoencoders stacked greedily, a softmax on top, fine-tuned.

The course trains a deep network in two phases. First, greedy layer-wise pretraining: a sparse
autoencoder learns features of the inputs, a second one learns features of those features, and
a softmax classifier learns to read the labels from the last features. Then fine-tuning: the
whole network, encoders and softmax together, is trained by backpropagating the softmax's
cost through every layer (:func:`stacked_ae_cost`).

The network's parameters are kept in one flat vector, in the course's layout
(``stackedAECost.m``, ``stack2params.m``)::

    theta = [softmax_theta(:); W1(:); b1; W2(:); b2; ...]

=================  ======================  =========================================
block              shape                   meaning
=================  ======================  =========================================
``softmax_theta``  num_classes x hidden    the classifier on the last layer (no bias)
``W1``, ``b1``     h1 x input, h1          the first encoder (the first autoencoder's)
``W2``, ``b2``     h2 x h1, h2             the second encoder, and so on
=================  ======================  =========================================

every ``W(:)`` column-major as MATLAB. The stack itself (the ``W``, ``b`` of each encoder) is
described by a :class:`NetConfig`, the course's ``netconfig``: the input size and the size of
each layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..backend import array_namespace, from_host, to_host
from ..model import sigmoid
from ..optimize import IterationRecord, LbfgsResult, host_objective, minimize_lbfgs
from ..tuning import tuned
from ..validation import check_finite, check_int, check_matrix, check_real, check_vector
from .softmax import (
    _check_data_and_labels,
    ground_truth_matrix,
    labels_like,
    log_softmax,
    matrix_to_theta,
    theta_to_matrix,
)

__all__ = [
    "Layer",
    "NetConfig",
    "block_slices",
    "feedforward_stack",
    "params_to_stack",
    "stack_to_params",
    "stacked_ae_cost",
    "stacked_ae_predict",
    "stacked_ae_train",
]


class Layer(NamedTuple):
    """One encoder of the stack: ``a_next = sigmoid(W @ a + b[:, None])``."""

    W: Any  # (size, previous size)
    b: Any  # (size,)


@dataclass(frozen=True)
class NetConfig:
    """The shape of the stack, as the course's ``netconfig``: input size and each layer's size."""

    input_size: int
    layer_sizes: tuple[int, ...]

    def __post_init__(self) -> None:
        check_int("net_config.input_size", self.input_size)
        if len(self.layer_sizes) == 0:
            raise ValueError("net_config.layer_sizes must name at least one layer, got ()")
        for size in self.layer_sizes:
            check_int("net_config.layer_sizes[...]", size)
        object.__setattr__(self, "layer_sizes", tuple(int(s) for s in self.layer_sizes))

    @property
    def stack_size(self) -> int:
        """Length of the stack's part of theta: each layer's ``W`` and ``b``."""
        sizes = (self.input_size, *self.layer_sizes)
        return sum(out * (inp + 1) for inp, out in zip(sizes[:-1], sizes[1:], strict=True))


def stack_to_params(stack: Sequence[Layer]) -> tuple[Any, NetConfig]:
    """Flatten a stack to ``[W1(:); b1; W2(:); b2; ...]`` and describe it, as ``stack2params.m``."""
    if len(stack) == 0:
        raise ValueError("stack must hold at least one layer, got an empty sequence")
    xp = array_namespace(*(a for layer in stack for a in layer))
    parts = []
    for layer in stack:
        parts += [xp.reshape(layer.W.T, (-1,)), layer.b]
    sizes = tuple(int(layer.W.shape[0]) for layer in stack)
    return xp.concat(parts), NetConfig(int(stack[0].W.shape[1]), sizes)


def params_to_stack(params: Any, net_config: NetConfig) -> list[Layer]:
    """The stack of a flat ``[W1(:); b1; W2(:); b2; ...]``, as ``params2stack.m`` (views)."""
    xp = array_namespace(params)
    stack, start = [], 0
    sizes = (net_config.input_size, *net_config.layer_sizes)
    for inp, out in zip(sizes[:-1], sizes[1:], strict=True):
        W = xp.reshape(params[start : start + out * inp], (inp, out)).T  # (out, inp)
        start += out * inp
        stack.append(Layer(W, params[start : start + out]))
        start += out
    return stack


def block_slices(hidden_size: int, num_classes: int, net_config: NetConfig) -> dict[str, slice]:
    """Where each block of the full theta lies: ``softmax_theta``, then ``W1``, ``b1``, ..."""
    slices = {"softmax_theta": slice(0, num_classes * hidden_size)}
    start = num_classes * hidden_size
    sizes = (net_config.input_size, *net_config.layer_sizes)
    for d, (inp, out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        slices[f"W{d}"] = slice(start, start + out * inp)
        slices[f"b{d}"] = slice(start + out * inp, start + out * inp + out)
        start += out * (inp + 1)
    return slices


def _split(
    theta: Any, hidden_size: int, num_classes: int, net_config: NetConfig
) -> tuple[Any, list[Layer]]:
    """``softmax_theta`` (num_classes x hidden) and the stack, from the full theta."""
    n_softmax = num_classes * hidden_size
    softmax_theta = theta_to_matrix(theta[:n_softmax], num_classes, hidden_size)
    return softmax_theta, params_to_stack(theta[n_softmax:], net_config)


def feedforward_stack(stack: Sequence[Layer], data: Any) -> list[Any]:
    r"""The activations of every layer, :math:`a^{(1)} = x`, :math:`a^{(l+1)} = f(W^{(l)} a^{(l)}
    + b^{(l)})`: a list of ``len(stack) + 1`` arrays, the last being the features the softmax
    reads."""
    activations = [data]
    for layer in stack:
        activations.append(sigmoid(layer.W @ activations[-1] + layer.b[:, None]))  # (size, m)
    return activations


# --- the fine-tuning cost ---------------------------------------------------------------------


def stacked_ae_cost(
    theta: Any,
    input_size: int,
    hidden_size: int,
    num_classes: int,
    net_config: NetConfig,
    lambda_: float,
    data: Any,
    labels: Any,
    *,
    check_inputs: bool = True,
) -> tuple[Any, Any]:
    r"""The whole network's cost and gradient, for fine-tuning, as ``stackedAECost.m``.

    Parameters
    ----------
    theta : array
        ``[softmax_theta(:); W1(:); b1; W2(:); b2; ...]`` (see the module's docstring and
        :func:`block_slices`); length ``num_classes * hidden_size + net_config.stack_size``.
    input_size : int
        Size of the input (784 for MNIST); must equal ``net_config.input_size``.
    hidden_size : int
        Size of the last hidden layer, the softmax's input; must equal the last layer size.
    num_classes : int
    net_config : NetConfig
    lambda_ : float
        Weight decay on the softmax's theta.
    data : array of shape (input_size, m)
    labels : integer array of shape (m,)
        Classes ``0 .. num_classes - 1``, in ``data``'s namespace and device.
    check_inputs : bool, keyword-only

    Returns
    -------
    cost : 0-d array
    grad : array of the shape and layout of theta

    Notes
    -----
    Forward through the stack, :math:`a^{(l+1)} = f(W^{(l)} a^{(l)} + b^{(l)})` with
    :math:`a^{(1)} = x`, then softmax on the last activations :math:`a^{(n)}`:

    .. math:: J = -\frac{1}{m}\sum_{i}\sum_j 1\{y^{(i)} = j\}\log p_{ji}
              + \frac{\lambda}{2}\lVert\theta_{softmax}\rVert^2

    The error at the softmax's input is the softmax gradient pulled back through
    :math:`\theta_{softmax}`, then through each sigmoid (:math:`f' = a(1-a)`):

    .. math:: \delta^{(n)} = -\left(\theta_{softmax}^T (G - P)\right) \bullet a^{(n)}(1-a^{(n)}),
              \qquad
              \delta^{(l)} = \left((W^{(l)})^T \delta^{(l+1)}\right) \bullet a^{(l)}(1-a^{(l)})

    .. math:: \nabla_{\theta_{softmax}} J = -\frac{1}{m}(G - P)(a^{(n)})^T
              + \lambda\theta_{softmax},\quad
              \nabla_{W^{(l)}} J = \frac{1}{m}\delta^{(l+1)} (a^{(l)})^T,\quad
              \nabla_{b^{(l)}} J = \frac{1}{m}\sum_i \delta^{(l+1)}_i

    As in the course's ``stackedAECost.m``, only the softmax's weights are decayed: the
    encoders were regularized (weight decay and sparsity) while pretraining, and fine-tuning
    only adjusts them.
    """
    if check_inputs:
        xp = _check_stacked_arguments(
            theta, input_size, hidden_size, num_classes, net_config, lambda_, data, labels
        )
    else:
        xp = array_namespace(theta, data, labels)
    if theta.dtype != data.dtype:
        theta = xp.astype(theta, data.dtype)
    with tuned(input_size, max(net_config.layer_sizes), data.shape[1]):
        return _stacked_cost(xp, theta, hidden_size, num_classes, net_config, lambda_, data, labels)


def _stacked_cost(
    xp: Any,
    theta: Any,
    hidden_size: int,
    num_classes: int,
    net_config: NetConfig,
    lambda_: float,
    data: Any,
    labels: Any,
) -> tuple[Any, Any]:
    """The body of :func:`stacked_ae_cost`, on validated arguments in the data's dtype."""
    softmax_theta, stack = _split(theta, hidden_size, num_classes, net_config)
    m = data.shape[1]

    # 1. Forward: the encoders, then the softmax's log-probabilities on the last features.
    a = feedforward_stack(stack, data)  # a[0] = data, a[l] of shape (size_l, m)
    log_p = log_softmax(softmax_theta @ a[-1])  # (k, m)
    G = ground_truth_matrix(labels, num_classes, data.dtype)  # (k, m)
    cost = -xp.sum(G * log_p) / m + (lambda_ / 2) * xp.sum(softmax_theta * softmax_theta)

    # 2. Backward: the softmax's gradient, then its error pulled back into the last layer.
    error = G - xp.exp(log_p)  # (k, m), G - P
    softmax_grad = -error @ a[-1].T / m + lambda_ * softmax_theta  # (k, hidden)
    delta = -(softmax_theta.T @ error) * a[-1] * (1 - a[-1])  # (hidden, m)

    # 3. Each encoder from the top down: its gradient, then the error one layer lower.
    grads: list[Any] = []
    for d in range(len(stack) - 1, -1, -1):
        W_grad = delta @ a[d].T / m  # (size_{d+1}, size_d)
        b_grad = xp.sum(delta, axis=1) / m  # (size_{d+1},)
        grads = [xp.reshape(W_grad.T, (-1,)), b_grad, *grads]
        if d > 0:
            delta = (stack[d].W.T @ delta) * a[d] * (1 - a[d])  # (size_d, m)
    return cost, xp.concat([matrix_to_theta(softmax_grad), *grads])


def stacked_ae_predict(
    theta: Any,
    input_size: int,
    hidden_size: int,
    num_classes: int,
    net_config: NetConfig,
    data: Any,
) -> Any:
    """The most probable class of each column of ``data``, as ``stackedAEPredict.m``.

    Returns an int64 array of shape (m,) in ``data``'s namespace (classes ``0 .. k - 1``).
    """
    xp = _check_network(theta, input_size, hidden_size, num_classes, net_config, data)
    if theta.dtype != data.dtype:
        theta = xp.astype(theta, data.dtype)
    softmax_theta, stack = _split(theta, hidden_size, num_classes, net_config)
    features = feedforward_stack(stack, data)[-1]
    return xp.astype(xp.argmax(softmax_theta @ features, axis=0), xp.int64)


def _check_network(
    theta: Any,
    input_size: Any,
    hidden_size: Any,
    num_classes: Any,
    net_config: Any,
    data: Any,
) -> Any:
    """The sizes agree with ``net_config``, theta has the right length, data the right rows."""
    input_size = check_int("input_size", input_size)
    hidden_size = check_int("hidden_size", hidden_size)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    if not isinstance(net_config, NetConfig):
        raise ValueError(f"net_config must be a NetConfig, got {type(net_config).__name__}")
    if net_config.input_size != input_size:
        raise ValueError(
            f"input_size ({input_size}) must equal net_config.input_size ({net_config.input_size})"
        )
    if net_config.layer_sizes[-1] != hidden_size:
        raise ValueError(
            f"hidden_size ({hidden_size}) must equal the last layer's size in net_config "
            f"({net_config.layer_sizes})"
        )
    try:
        xp = array_namespace(theta, data)
    except TypeError as error:
        raise ValueError(
            "theta and data must be arrays of one array library, got "
            f"{type(theta).__name__} and {type(data).__name__}"
        ) from error
    check_vector("theta", theta, xp, size=num_classes * hidden_size + net_config.stack_size)
    check_finite("theta", theta, xp)
    check_matrix("data", data, xp, rows=input_size)
    return xp


def _check_stacked_arguments(
    theta: Any,
    input_size: Any,
    hidden_size: Any,
    num_classes: Any,
    net_config: Any,
    lambda_: Any,
    data: Any,
    labels: Any,
) -> Any:
    xp = _check_network(theta, input_size, hidden_size, num_classes, net_config, data)
    check_real("lambda_", lambda_, low=0.0)
    _check_data_and_labels(data, labels, input_size, num_classes)
    return xp


def stacked_ae_train(
    theta0: Any,
    input_size: int,
    hidden_size: int,
    num_classes: int,
    net_config: NetConfig,
    lambda_: float,
    data: Any,
    labels: Any,
    *,
    max_iter: int = 400,
    progress: bool | Callable[[IterationRecord], None] | None = None,
    callback: Callable[[IterationRecord, np.ndarray], None] | None = None,
) -> LbfgsResult:
    """Fine-tune the whole network from ``theta0`` with L-BFGS (the course: 400 iterations).

    ``theta0`` is usually the pretrained ``[softmax_theta(:); stack params]``. The data stay on
    their device; theta crosses once per evaluation (:func:`~ufldl_sae.optimize.host_objective`).
    Returns the optimizer's :class:`~ufldl_sae.optimize.LbfgsResult` (``theta`` host float64).
    """
    try:
        xp = array_namespace(data)
    except TypeError as error:
        raise ValueError(f"data must be an array, got {type(data).__name__}") from error
    labels = labels_like(labels, data)
    host = to_host(theta0) if hasattr(theta0, "__dlpack__") else theta0
    host_theta0 = np.array(host, dtype=np.float64)  # a copy: the caller's array stays as is
    _check_stacked_arguments(
        from_host(host_theta0, xp, dtype=data.dtype, device=data.device),
        input_size,
        hidden_size,
        num_classes,
        net_config,
        lambda_,
        data,
        labels,
    )

    def fun(theta: Any) -> tuple[Any, Any]:
        return stacked_ae_cost(
            theta,
            input_size,
            hidden_size,
            num_classes,
            net_config,
            lambda_,
            data,
            labels,
            check_inputs=False,
        )

    widest = max(net_config.layer_sizes)
    with tuned(input_size, widest, data.shape[1], max_age=0.0):
        return minimize_lbfgs(
            host_objective(fun, xp, data.dtype, data.device),
            host_theta0,
            max_iter=max_iter,
            progress=progress,
            callback=callback,
            blocks=block_slices(hidden_size, num_classes, net_config),
        )
