r"""Deep autoencoders: any stack of layers, any activation, any penalties, one flat theta.

The notes' autoencoder has three layers, ``(visible, hidden, visible)``. This module builds the
same cost and the same hand-derived backpropagation for any stack that starts and ends with the
same size, such as the tutorial's ``(784, 128, 64, 32, 64, 128, 784)``, beside the notes' code
(:mod:`ufldl_sae.model` is left as the course has it).

Layers are numbered as in the notes: layer 1 is the input, :math:`a^{(1)} = x`; layer
:math:`n_l = L + 1` is the output; layers 2 to :math:`L` are hidden. :math:`W^{(l)}` and
:math:`b^{(l)}` map layer :math:`l` to layer :math:`l + 1`, so there are :math:`L` of each,
:math:`W^{(l)}` of shape (size of layer l+1, size of layer l).

theta extends the course's layout layer by layer, every ``W(:)`` column-major as MATLAB::

    theta = [W1(:); W2(:); ...; WL(:); b1; b2; ...; bL]

For ``(v, h, v)`` this is exactly ``[W1(:); W2(:); b1; b2]``: :func:`deep_pack` and
:func:`deep_unpack` then agree bit for bit with :func:`ufldl_sae.params.pack` and
:func:`~ufldl_sae.params.unpack`, and :func:`autoencoder_cost` with
:func:`~ufldl_sae.model.sparse_autoencoder_cost`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..backend import array_namespace
from ..model import reconstruction_cost
from ..params import as_rng
from ..validation import check_finite, check_int, check_matrix, check_namespace, check_vector
from .activations import Activation, get_activation
from .penalties import (
    ACTIVATION_PENALTIES,
    WEIGHT_PENALTIES,
    KLSparsity,
    Penalty,
    WeightDecay,
    check_compatible,
    check_penalties,
)

#: The course's exercise values: weight decay 1e-4, KL sparsity toward 0.01 with weight 3.
DEFAULT_PENALTIES = (WeightDecay(1e-4), KLSparsity(0.01, 3.0))


# --- The layout of theta -------------------------------------------------------------------


def check_layer_sizes(layer_sizes: Any) -> tuple[int, ...]:
    """The sizes as a tuple of ints: at least three layers, the last the size of the first."""
    try:
        sizes = tuple(layer_sizes)
    except TypeError:
        message = f"layer_sizes must be a sequence of integers, got {layer_sizes!r}"
        raise ValueError(message) from None
    if len(sizes) < 3:
        raise ValueError(
            f"layer_sizes must name at least 3 layers (input, hidden..., output), got {sizes}"
        )
    sizes = tuple(check_int(f"layer_sizes[{i}]", s) for i, s in enumerate(sizes))
    if sizes[0] != sizes[-1]:
        raise ValueError(
            f"layer_sizes must end with the size it starts with (an autoencoder reconstructs "
            f"its input), got {sizes}: input {sizes[0]}, output {sizes[-1]}"
        )
    return sizes


def _pairs(layer_sizes: Sequence[int]) -> list[tuple[int, int]]:
    """``(fan_in, fan_out)`` of each weight matrix: (size of layer l, size of layer l+1)."""
    return list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def deep_theta_size(layer_sizes: Sequence[int]) -> int:
    """Length of theta: every ``W`` (fan_out x fan_in) and every ``b`` (fan_out)."""
    return sum(fan_out * (fan_in + 1) for fan_in, fan_out in _pairs(layer_sizes))


def deep_block_slices(layer_sizes: Sequence[int]) -> dict[str, slice]:
    """Where each block lies in theta: ``W1`` ... ``WL``, then ``b1`` ... ``bL``."""
    slices, start = {}, 0
    pairs = _pairs(layer_sizes)
    for l, (fan_in, fan_out) in enumerate(pairs, start=1):
        slices[f"W{l}"] = slice(start, start + fan_out * fan_in)
        start += fan_out * fan_in
    for l, (_, fan_out) in enumerate(pairs, start=1):
        slices[f"b{l}"] = slice(start, start + fan_out)
        start += fan_out
    return slices


def deep_pack(Ws: Sequence[Any], bs: Sequence[Any]) -> Any:
    """Flatten the blocks into ``[W1(:); ...; WL(:); b1; ...; bL]`` (column-major, as MATLAB).

    Parameters
    ----------
    Ws : sequence of L arrays, ``Ws[l-1]`` of shape (size of layer l+1, size of layer l)
    bs : sequence of L arrays, ``bs[l-1]`` of shape (size of layer l+1,)

    Returns
    -------
    theta : array of shape (deep_theta_size(layer_sizes),)
    """
    xp = array_namespace(*Ws, *bs)
    return xp.concat([*(xp.reshape(W.T, (-1,)) for W in Ws), *bs])


def deep_unpack(theta: Any, layer_sizes: Sequence[int]) -> tuple[list[Any], list[Any]]:
    """Split theta into ``(Ws, bs)``, the inverse of :func:`deep_pack`; views where possible."""
    xp = array_namespace(theta)
    s = deep_block_slices(layer_sizes)
    Ws, bs = [], []
    for l, (fan_in, fan_out) in enumerate(_pairs(layer_sizes), start=1):
        Ws.append(xp.reshape(theta[s[f"W{l}"]], (fan_in, fan_out)).T)  # (fan_out, fan_in)
        bs.append(theta[s[f"b{l}"]])  # (fan_out,)
    return Ws, bs


def initialize_deep(
    layer_sizes: Sequence[int],
    activation: str | Activation = "sigmoid",
    rng: None | int | np.random.Generator = None,
    *,
    output_activation: str | Activation = "sigmoid",
) -> np.ndarray:
    r"""A random starting theta on the host, in float64; the biases start at 0.

    Each ``W(:)`` is drawn uniformly from :math:`[-r, r]`, in order ``W1``, ``W2``, ..., as the
    course's ``initializeParameters.m`` draws its two. For layers of sigmoid, tanh or identity
    units it is the course's range,

    .. math:: r = \frac{\sqrt 6}{\sqrt{n_{in} + n_{out} + 1}},

    so ``initialize_deep((v, h, v), "sigmoid", seed)`` is
    ``initialize_parameters(h, v, seed)`` exactly. A layer of ReLU units gets He's range
    :math:`r = \sqrt{6 / n_{in}}` (variance :math:`2/n_{in}`) instead. The reason: a ReLU sets
    about half of its inputs to 0, halving the mean square of the signal at each layer. With
    the course's variance :math:`r^2/3 = 2/(n_{in}+n_{out}+1)`, about :math:`1/n_{in}` for
    layers of similar size, each ReLU layer passes on about half the signal it receives, and a
    stack of six passes on about 1/64: the deep layers start with almost no signal and almost
    no gradient. He's variance doubles it back, :math:`n_{in} \cdot \frac{2}{n_{in}} \cdot
    \frac{1}{2} = 1` per layer.

    Parameters
    ----------
    layer_sizes : sequence of int
        The sizes of all layers, input first, e.g. ``(784, 128, 64, 32, 64, 128, 784)``.
    activation, output_activation : str or Activation
        The units of the hidden layers and of the output layer (which pick each layer's range).
    rng : None, int or numpy.random.Generator
        The seed or generator (the same theta on every backend; move it with ``from_host``).

    Returns
    -------
    theta : float64 NumPy array of shape (deep_theta_size(layer_sizes),)
    """
    sizes = check_layer_sizes(layer_sizes)
    hidden, output = get_activation(activation), get_activation(output_activation)
    rng = as_rng(rng)
    pairs = _pairs(sizes)
    weights = []
    for l, (fan_in, fan_out) in enumerate(pairs, start=1):
        units = output if l == len(pairs) else hidden
        if units.name == "relu":
            r = math.sqrt(6.0 / fan_in)  # He
        else:
            r = math.sqrt(6.0) / math.sqrt(fan_in + fan_out + 1)  # the course
        weights.append(rng.random(fan_out * fan_in) * 2 * r - r)  # fills W(:) column-major
    biases = [np.zeros(fan_out) for _, fan_out in pairs]
    return np.concatenate([*weights, *biases])


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
    n = deep_theta_size(sizes)
    if len(theta.shape) == 2 and 1 in theta.shape and theta.shape[0] * theta.shape[1] == n:
        raise ValueError(
            f"theta must be a 1-D vector of length {n}, got a {tuple(theta.shape)} matrix; "
            "flatten it first (theta[:, 0] for a MATLAB column vector)"
        )
    check_vector("theta", theta, xp, size=n)
    check_finite("theta", theta, xp)
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
) -> tuple[list[Any], dict[str, Any], dict[int, Any]]:
    """Forward pass, then each term of the cost (0-d arrays) and the activation penalties'
    delta terms, summed per sparse layer: ``{l: term broadcastable to (size of layer l, m)}``."""
    p = problem
    a = autoencoder_forward(p.Ws, p.bs, data, p.hidden, p.output)
    terms = {"reconstruction": reconstruction_cost(a[-1], data)}
    for penalty in p.weight_penalties:
        terms[penalty.name] = penalty.cost(p.Ws)
    deltas: dict[int, Any] = {}
    for penalty in p.activation_penalties:
        for l in p.sparse_layers:
            cost, delta = penalty.cost_and_delta(a[l - 1])
            terms[penalty.name] = terms[penalty.name] + cost if penalty.name in terms else cost
            deltas[l] = deltas[l] + delta if l in deltas else delta
    return a, terms, deltas


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
    xp, m = p.xp, data.shape[1]

    # 1. Forward pass, the cost's terms and the activation penalties' delta terms.
    a, terms, penalty_deltas = _penalized_forward(p, data)
    cost = sum(terms.values())

    # 2. Backpropagation, output layer first; delta is delta^(l+1) when W^(l) is reached.
    delta = -(data - a[-1]) * p.output.derivative(a[-1])  # (visible, m)
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
    _, terms, _ = _penalized_forward(p, data)
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
