r"""The layout of a deep autoencoder's theta: sizes, blocks, packing and the starting point.

Layers are numbered as in the notes: layer 1 is the input, layer :math:`n_l = L + 1` the output;
:math:`W^{(l)}` and :math:`b^{(l)}` map layer :math:`l` to layer :math:`l + 1`, so there are
:math:`L` of each, :math:`W^{(l)}` of shape (size of layer l+1, size of layer l). theta extends
the course's layout layer by layer, every ``W(:)`` column-major as MATLAB::

    theta = [W1(:); W2(:); ...; WL(:); b1; b2; ...; bL]

For ``(v, h, v)`` this is exactly ``[W1(:); W2(:); b1; b2]`` of :mod:`ufldl_sae.params`.
:mod:`ufldl_sae.beyond.deep` builds the cost on it and re-exports every name here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backend import array_namespace
from ..params import as_rng
from ..validation import check_int
from .activations import Activation, get_activation


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
