r"""The parameters (W1, W2, b1, b2) and the flat vector theta that the optimizer sees.

The course stores all parameters in one column vector, ``theta = [W1(:); W2(:); b1; b2]``, where
``W(:)`` is MATLAB's column-major flattening. ufldl-sae keeps exactly that layout, so a theta saved
by the course's MATLAB code gives the same cost here and the other way round:

=========  ================  ===========================
block      shape             slice of theta
=========  ================  ===========================
``W1``     hidden x visible  ``[0, h*v)``
``W2``     visible x hidden  ``[h*v, 2*h*v)``
``b1``     hidden            ``[2*h*v, 2*h*v + h)``
``b2``     visible           ``[2*h*v + h, 2*h*v + h + v)``
=========  ================  ===========================

Column-major order without NumPy's ``order="F"`` (which the array API does not have) is the
row-major order of the transpose: ``W(:)`` equals ``reshape(W.T, (-1,))``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .backend import array_namespace
from .validation import check_int

BLOCKS = ("W1", "W2", "b1", "b2")


def theta_size(visible_size: int, hidden_size: int) -> int:
    """Length of theta: ``2*h*v + h + v`` (3,289 for 64-25, 308,308 for 784-196)."""
    return 2 * hidden_size * visible_size + hidden_size + visible_size


def block_slices(visible_size: int, hidden_size: int) -> dict[str, slice]:
    """Where each block lies in theta, in the course's order ``W1, W2, b1, b2``."""
    hv = hidden_size * visible_size
    return {
        "W1": slice(0, hv),
        "W2": slice(hv, 2 * hv),
        "b1": slice(2 * hv, 2 * hv + hidden_size),
        "b2": slice(2 * hv + hidden_size, 2 * hv + hidden_size + visible_size),
    }


def pack(W1: Any, W2: Any, b1: Any, b2: Any) -> Any:
    """Flatten the four blocks into theta, ``[W1(:); W2(:); b1; b2]`` (column-major, as MATLAB).

    Parameters
    ----------
    W1 : array of shape (hidden, visible)
    W2 : array of shape (visible, hidden)
    b1 : array of shape (hidden,)
    b2 : array of shape (visible,)

    Returns
    -------
    theta : array of shape (2*hidden*visible + hidden + visible,)
    """
    xp = array_namespace(W1, W2, b1, b2)
    return xp.concat([xp.reshape(W1.T, (-1,)), xp.reshape(W2.T, (-1,)), b1, b2])


def unpack(theta: Any, visible_size: int, hidden_size: int) -> tuple[Any, Any, Any, Any]:
    """Split theta into ``(W1, W2, b1, b2)``; the inverse of :func:`pack`.

    Each block is a view into theta where the backend allows it (NumPy, CuPy): a column-major
    ``W(:)`` read back is a row-major (visible, hidden) reshape, transposed.

    Returns
    -------
    W1 : array of shape (hidden, visible)
    W2 : array of shape (visible, hidden)
    b1 : array of shape (hidden,)
    b2 : array of shape (visible,)
    """
    xp = array_namespace(theta)
    s = block_slices(visible_size, hidden_size)
    W1 = xp.reshape(theta[s["W1"]], (visible_size, hidden_size)).T  # (hidden, visible)
    W2 = xp.reshape(theta[s["W2"]], (hidden_size, visible_size)).T  # (visible, hidden)
    return W1, W2, theta[s["b1"]], theta[s["b2"]]


def as_rng(rng: None | int | np.random.Generator) -> np.random.Generator:
    """A NumPy Generator from a seed, None (fresh entropy) or a Generator (used as it is).

    Every random draw of the package goes through here, on the host, so one seed gives the same
    numbers on every backend.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be None, an int seed or a numpy.random.Generator, got {rng!r}")


def initialize_parameters(
    hidden_size: int, visible_size: int, rng: None | int | np.random.Generator = None
) -> np.ndarray:
    r"""A random starting theta, as the course's ``initializeParameters.m``.

    Weights are drawn uniformly from :math:`[-r, r]` with
    :math:`r = \sqrt{6} / \sqrt{\text{hidden} + \text{visible} + 1}`, which keeps the initial
    pre-activations small enough that the sigmoids start in their linear range; biases start at 0.

    The draw happens on the host with ``numpy.random.default_rng``, so a seed gives the same theta
    on every backend; move it with :func:`ufldl_sae.backend.from_host`. The course draws ``W1``
    first, then ``W2``, each in MATLAB's column-major order; so do we.

    Returns
    -------
    theta : float64 NumPy array of shape (2*hidden*visible + hidden + visible,)
    """
    hidden_size = check_int("hidden_size", hidden_size)
    visible_size = check_int("visible_size", visible_size)
    rng = as_rng(rng)
    r = math.sqrt(6.0) / math.sqrt(hidden_size + visible_size + 1)
    hv = hidden_size * visible_size
    # Drawing flat vectors fills W(:) directly, i.e. in column-major order like MATLAB's rand.
    w1_flat = rng.random(hv) * 2 * r - r
    w2_flat = rng.random(hv) * 2 * r - r
    return np.concatenate([w1_flat, w2_flat, np.zeros(hidden_size), np.zeros(visible_size)])
