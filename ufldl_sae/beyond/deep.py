r"""Deep autoencoders: any stack of layers, any activation, any penalties, one flat theta.

The notes' autoencoder has three layers, ``(visible, hidden, visible)``. This module builds the
same cost and the same hand-derived backpropagation for any stack that starts and ends with the
same size, such as the tutorial's ``(784, 128, 64, 32, 64, 128, 784)``, beside the notes' code
(:mod:`ufldl_sae.model` is left as the course has it).

Layers are numbered as in the notes: layer 1 is the input, :math:`a^{(1)} = x`; layer
:math:`n_l = L + 1` is the output; layers 2 to :math:`L` are hidden. theta extends the course's
layout layer by layer, ``[W1(:); ...; WL(:); b1; ...; bL]`` (:mod:`.deep_layout`, whose names
this module re-exports). For ``(v, h, v)`` this is exactly ``[W1(:); W2(:); b1; b2]``, and
:func:`autoencoder_cost` equals :func:`~ufldl_sae.model.sparse_autoencoder_cost`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..backend import array_namespace
from ..model import reconstruction_cost
from ..tuning import tuned
from ..validation import check_finite, check_matrix, check_namespace, check_theta
from .activations import Activation, get_activation
from .deep_layout import (
    check_layer_sizes,
    deep_block_slices,
    deep_pack,
    deep_theta_size,
    deep_unpack,
    initialize_deep,
)
from .penalties import (
    ACTIVATION_PENALTIES,
    WEIGHT_PENALTIES,
    KLSparsity,
    Penalty,
    WeightDecay,
    check_compatible,
    check_penalties,
)

__all__ = [
    "DEFAULT_PENALTIES",
    "autoencoder_cost",
    "autoencoder_cost_terms",
    "autoencoder_forward",
    "check_layer_sizes",
    "check_sparse_layers",
    "code_layer",
    "deep_block_slices",
    "deep_pack",
    "deep_theta_size",
    "deep_unpack",
    "encode",
    "initialize_deep",
    "reconstruct",
    "reconstruction_errors",
]

#: The course's exercise values: weight decay 1e-4, KL sparsity toward 0.01 with weight 3.
DEFAULT_PENALTIES = (WeightDecay(1e-4), KLSparsity(0.01, 3.0))


# --- Forward pass ---------------------------------------------------------------------------


def autoencoder_forward(
    Ws: Sequence[Any],
    bs: Sequence[Any],
    data: Any,
    activation: str | Activation = "sigmoid",
    output_activation: str | Activation = "sigmoid",
) -> list[Any]:
    r"""The feedforward pass through every layer, over all ``m`` examples at once.

    .. math:: a^{(1)} = x,\qquad z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)},\qquad
              a^{(l+1)} = f(z^{(l+1)})

    with :math:`f` the hidden ``activation`` for layers 2 to :math:`L` and ``output_activation``
    for the output layer :math:`L + 1`.

    Returns
    -------
    a : list of L + 1 arrays
        ``a[l-1]`` is :math:`a^{(l)}`, of shape (size of layer l, m): ``a[0]`` is ``data``,
        ``a[-1]`` the reconstruction.
    """
    hidden, output = get_activation(activation), get_activation(output_activation)
    a = [data]
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        f = output.f if l == len(Ws) else hidden.f
        a.append(f(W @ a[-1] + b[:, None]))  # (size of layer l+1, m)
    return a


# --- Validation at the public edge ----------------------------------------------------------


def code_layer(layer_sizes: Sequence[int]) -> int:
    """The code layer, numbered as in the notes: the smallest hidden layer (nearest the middle
    on a tie). 2 for ``(64, 25, 64)``, 4 for ``(784, 128, 64, 32, 64, 128, 784)``."""
    n_l = len(layer_sizes)
    middle = (n_l + 1) / 2
    return min(range(2, n_l), key=lambda l: (layer_sizes[l - 1], abs(l - middle), l))


def check_sparse_layers(sparse_layers: Any, layer_sizes: Sequence[int]) -> tuple[int, ...]:
    """The hidden layers the activation penalties apply to (default: the code layer)."""
    if sparse_layers is None:
        return (code_layer(layer_sizes),)
    last = len(layer_sizes) - 1
    layers = tuple(sparse_layers)
    for l in layers:
        if isinstance(l, bool) or not isinstance(l, int) or not 2 <= l <= last:
            raise ValueError(
                f"sparse_layers must name hidden layers, numbered as in the notes from 2 (the "
                f"first hidden layer) to {last} (the last), got {l!r} in {layers}"
            )
    if len(set(layers)) != len(layers):
        raise ValueError(f"sparse_layers names a layer twice: {layers}")
    return layers


def _warn_outside_output_range(data: Any, xp: Any, output: Activation) -> None:
    """Warn when data leave the output units' range: those values cannot be reconstructed."""
    if math.isinf(output.low) and math.isinf(output.high):
        return
    low, high = float(xp.min(data)), float(xp.max(data))
    if low < output.low or high > output.high:
        warnings.warn(
            f"data has values in [{low:.4g}, {high:.4g}], outside the range "
            f"[{output.low:g}, {output.high:g}] of the {output.name} output layer, so those values "
            "cannot be reconstructed; rescale the data or use output_activation='identity'",
            UserWarning,
            stacklevel=4,
        )


def _check_arrays(theta: Any, sizes: tuple[int, ...], data: Any, output: Activation) -> Any:
    """Validate theta and the data; return their namespace."""
    xp = check_namespace(theta=theta, data=data)
    check_matrix("data", data, xp, rows=sizes[0])
    check_finite("data", data, xp)
    _warn_outside_output_range(data, xp, output)
    check_theta(theta, xp, size=deep_theta_size(sizes))
    return xp


class _Problem(NamedTuple):
    """Everything a public function needs, validated and unpacked."""

    xp: Any
    sizes: tuple[int, ...]
    hidden: Activation
    output: Activation
    weight_penalties: tuple[Penalty, ...]
    activation_penalties: tuple[Penalty, ...]
    sparse_layers: tuple[int, ...]
    Ws: list[Any]
    bs: list[Any]


def _problem(
    theta: Any,
    layer_sizes: Sequence[int],
    data: Any,
    activation: str | Activation,
    output_activation: str | Activation,
    penalties: str | Sequence[Penalty] = (),
    sparse_layers: Sequence[int] | None = None,
    check_inputs: bool = True,
) -> _Problem:
    """Validate once (the arrays only when ``check_inputs``), cast theta to data's dtype, unpack."""
    sizes = check_layer_sizes(layer_sizes) if check_inputs else tuple(layer_sizes)
    hidden, output = get_activation(activation), get_activation(output_activation)
    penalties = check_penalties(penalties)
    layers = check_sparse_layers(sparse_layers, sizes)
    if check_inputs:
        xp = _check_arrays(theta, sizes, data, output)
        check_compatible(hidden, penalties)
    else:
        xp = array_namespace(theta, data)
    if theta.dtype != data.dtype:
        theta = xp.astype(theta, data.dtype)  # the work runs in the dtype of the data
    Ws, bs = deep_unpack(theta, sizes)
    return _Problem(
        xp,
        sizes,
        hidden,
        output,
        tuple(p for p in penalties if isinstance(p, WEIGHT_PENALTIES)),
        tuple(p for p in penalties if isinstance(p, ACTIVATION_PENALTIES)),
        layers,
        Ws,
        bs,
    )


# --- Cost and backpropagation ---------------------------------------------------------------


def _penalized_forward(
    problem: _Problem, data: Any
) -> tuple[list[Any], Any, dict[str, Any], dict[int, Any]]:
    """Forward pass, the output error ``a - x`` (formed once: the reconstruction term and the
    output delta both use it), each term of the cost (0-d arrays) and the activation penalties'
    delta terms, summed per sparse layer: ``{l: term broadcastable to (size of layer l, m)}``."""
    p = problem
    a = autoencoder_forward(p.Ws, p.bs, data, p.hidden, p.output)
    error = a[-1] - data  # (visible, m), that is -(x - a)
    terms = {"reconstruction": reconstruction_cost(a[-1], data, error=error)}
    for penalty in p.weight_penalties:
        terms[penalty.name] = penalty.cost(p.Ws)
    deltas: dict[int, Any] = {}
    for penalty in p.activation_penalties:
        for l in p.sparse_layers:
            cost, delta = penalty.cost_and_delta(a[l - 1])
            terms[penalty.name] = terms[penalty.name] + cost if penalty.name in terms else cost
            deltas[l] = deltas[l] + delta if l in deltas else delta
    return a, error, terms, deltas


def autoencoder_cost(
    theta: Any,
    layer_sizes: Sequence[int],
    data: Any,
    *,
    activation: str | Activation = "sigmoid",
    output_activation: str | Activation = "sigmoid",
    penalties: str | Sequence[Penalty] = DEFAULT_PENALTIES,
    sparse_layers: Sequence[int] | None = None,
    check_inputs: bool = True,
) -> tuple[Any, Any]:
    r"""The cost of a deep autoencoder and its gradient, by hand-derived backpropagation.

    Parameters
    ----------
    theta : array of shape (deep_theta_size(layer_sizes),)
        The parameters, ``[W1(:); ...; WL(:); b1; ...; bL]`` (see :func:`deep_pack`).
    layer_sizes : sequence of int
        All layer sizes, input first; the last must equal the first.
    data : array of shape (layer_sizes[0], m)
        The examples, one per column. Sets the dtype of the work.
    activation : {"sigmoid", "tanh", "relu", "identity"} or Activation, keyword-only
        The units of the hidden layers 2 to L.
    output_activation : {"sigmoid", "tanh", "relu", "identity"} or Activation, keyword-only
        The units of the output layer; "identity" for data outside (0, 1).
    penalties : sequence of penalties or str, keyword-only
        From :mod:`ufldl_sae.beyond.penalties`, at most one of each kind, or their command-line text
        (``"l2=1e-4,kl=0.01:3"``). Default: the course's ``WeightDecay(1e-4)``,
        ``KLSparsity(0.01, 3)``. :func:`~ufldl_sae.beyond.penalties.check_compatible` refuses a KL
        penalty the hidden units cannot have (ReLU, tanh without its rescale).
    sparse_layers : sequence of int, optional, keyword-only
        The hidden layers, numbered as in the notes (2 to L), that the activation penalties
        (KL, L1 on activations) apply to. Default: the code layer (:func:`code_layer`), the
        smallest hidden layer; for one hidden layer, that layer.
    check_inputs : bool, keyword-only
        Validate the arrays (default); an optimizer validates once and then passes False.

    Returns
    -------
    cost : 0-d array
        :math:`J`, on the arrays' device (``float(cost)`` to read it).
    grad : array of the shape of theta
        :math:`\nabla_\theta J`, in the layout of theta.

    Notes
    -----
    The forward pass (:func:`autoencoder_forward`) gives every :math:`a^{(l)}`. The cost is

    .. math:: J = \frac{1}{m}\sum_{i=1}^m \frac{1}{2}\lVert a^{(L+1)}_i - x_i\rVert^2
              + \sum_{\text{weight penalties}} P(W^{(1)}, \dots, W^{(L)})
              + \sum_{\text{activation penalties}} \sum_{l \in \text{sparse layers}} P(a^{(l)}).

    Backpropagation starts at the output and runs down to layer 2, with :math:`f'` computed
    from the activations (:mod:`ufldl_sae.beyond.activations`):

    .. math:: \delta^{(L+1)} = -(x - a^{(L+1)}) \bullet f_{out}'(z^{(L+1)})

    .. math:: \delta^{(l)} = \left((W^{(l)})^T \delta^{(l+1)} + d^{(l)}\right)
              \bullet f'(z^{(l)}),\qquad l = L, \dots, 2,

    where :math:`d^{(l)}` is the sum of the activation penalties' delta terms on layer
    :math:`l` (0 on a layer outside ``sparse_layers``); for KL it is
    :math:`\beta(-\rho/\hat\rho + (1-\rho)/(1-\hat\rho))`. The gradients average over the
    examples and add each weight penalty's own (the biases are never penalized):

    .. math:: \nabla_{W^{(l)}} J = \frac{1}{m}\delta^{(l+1)} (a^{(l)})^T
              + \sum_{\text{weight penalties}} \frac{\partial P}{\partial W^{(l)}},\qquad
              \nabla_{b^{(l)}} J = \frac{1}{m}\sum_i \delta^{(l+1)}_i.

    For ``layer_sizes = (v, h, v)``, sigmoid units everywhere and
    ``penalties = (WeightDecay(lambda_), KLSparsity(rho, beta))`` every line above is the
    notes': :math:`L = 2`, :math:`f'(z) = a(1-a)`, :math:`d^{(2)}` is the sparsity term and
    :math:`\partial P / \partial W = \lambda W`, so the result equals
    ``sparse_autoencoder_cost(theta, v, h, lambda_, rho, beta, data)`` to rounding.
    """
    p = _problem(
        theta, layer_sizes, data, activation, output_activation, penalties, sparse_layers,
        check_inputs,
    )  # fmt: skip
    with _tuned(p, data):
        return _cost_and_gradient(p, data)


def _tuned(problem: _Problem, data: Any) -> Any:
    """The package's speed settings (:func:`ufldl_sae.tuning.tuned`) for the widest layer."""
    return tuned(problem.sizes[0], max(problem.sizes[1:-1]), data.shape[1])


def _cost_and_gradient(p: _Problem, data: Any) -> tuple[Any, Any]:
    """The body of :func:`autoencoder_cost`, on a validated problem."""
    xp, m = p.xp, data.shape[1]

    # 1. Forward pass, the cost's terms and the activation penalties' delta terms.
    a, error, terms, penalty_deltas = _penalized_forward(p, data)
    cost = sum(terms.values())

    # 2. Backpropagation, output layer first; delta is delta^(l+1) when W^(l) is reached.
    delta = error * p.output.derivative(a[-1])  # delta^(L+1) = -(x - a) . f'(z)
    Wgrads, bgrads = [], []
    for l in range(len(p.Ws), 0, -1):
        W = p.Ws[l - 1]  # (size of layer l+1, size of layer l)
        Wgrad = delta @ a[l - 1].T / m  # (size of layer l+1, size of layer l)
        for penalty in p.weight_penalties:
            Wgrad = Wgrad + penalty.gradient(W)
        Wgrads.insert(0, Wgrad)
        bgrads.insert(0, xp.sum(delta, axis=1) / m)  # (size of layer l+1,)
        if l > 1:
            back = W.T @ delta  # (size of layer l, m)
            if l in penalty_deltas:
                back = back + penalty_deltas[l]
            delta = back * p.hidden.derivative(a[l - 1])  # delta^(l)
    return cost, deep_pack(Wgrads, bgrads)


def autoencoder_cost_terms(
    theta: Any,
    layer_sizes: Sequence[int],
    data: Any,
    *,
    activation: str | Activation = "sigmoid",
    output_activation: str | Activation = "sigmoid",
    penalties: str | Sequence[Penalty] = DEFAULT_PENALTIES,
    sparse_layers: Sequence[int] | None = None,
    check_inputs: bool = True,
) -> dict[str, float]:
    """The terms of :func:`autoencoder_cost`'s cost as Python floats (no gradient).

    Same arguments as the cost. Keys: ``"reconstruction"``, then each penalty's ``name``
    (``"weight_decay"``, ``"l1_weights"``, ``"kl_sparsity"``, ``"l1_activations"``), the
    weight penalties first; an activation penalty is summed over the sparse layers. The values
    add up to the cost.
    """
    p = _problem(
        theta, layer_sizes, data, activation, output_activation, penalties, sparse_layers,
        check_inputs,
    )  # fmt: skip
    with _tuned(p, data):
        _, _, terms, _ = _penalized_forward(p, data)
        return {name: float(value) for name, value in terms.items()}


# --- Using a trained autoencoder ------------------------------------------------------------


def encode(
    theta: Any,
    layer_sizes: Sequence[int],
    data: Any,
    *,
    activation: str | Activation = "sigmoid",
    layer: int | None = None,
    check_inputs: bool = True,
) -> Any:
    """The activations of one hidden layer (default: the code layer), the learned features.

    Runs the forward pass only up to that layer.

    Returns
    -------
    a : array of shape (layer_sizes[layer - 1], m)
    """
    p = _problem(theta, layer_sizes, data, activation, "identity", check_inputs=check_inputs)
    last = len(p.sizes) - 1
    if layer is None:
        layer = code_layer(p.sizes)
    elif isinstance(layer, bool) or not isinstance(layer, int) or not 2 <= layer <= last:
        raise ValueError(
            f"layer must be a hidden layer, numbered as in the notes from 2 to {last}, "
            f"got {layer!r}"
        )
    a = data
    for W, b in zip(p.Ws[: layer - 1], p.bs[: layer - 1], strict=True):
        a = p.hidden.f(W @ a + b[:, None])
    return a


def reconstruct(
    theta: Any,
    layer_sizes: Sequence[int],
    data: Any,
    *,
    activation: str | Activation = "sigmoid",
    output_activation: str | Activation = "sigmoid",
    check_inputs: bool = True,
) -> Any:
    """The reconstruction :math:`a^{(L+1)}` of ``data``, of shape (layer_sizes[0], m)."""
    p = _problem(theta, layer_sizes, data, activation, output_activation, check_inputs=check_inputs)
    return autoencoder_forward(p.Ws, p.bs, data, p.hidden, p.output)[-1]


def reconstruction_errors(
    theta: Any,
    layer_sizes: Sequence[int],
    data: Any,
    *,
    activation: str | Activation = "sigmoid",
    output_activation: str | Activation = "sigmoid",
    check_inputs: bool = True,
) -> Any:
    r"""Each example's squared error :math:`\frac{1}{2}\lVert a^{(L+1)}_i - x_i\rVert^2`.

    Their mean is the reconstruction term of the cost; a large one marks an example unlike the
    training data (anomaly detection).

    Returns
    -------
    errors : array of shape (m,), on the data's device
    """
    p = _problem(theta, layer_sizes, data, activation, output_activation, check_inputs=check_inputs)
    error = autoencoder_forward(p.Ws, p.bs, data, p.hidden, p.output)[-1] - data  # (visible, m)
    return p.xp.sum(error * error, axis=0) / 2
