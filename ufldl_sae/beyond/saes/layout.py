r"""The flat theta of the dictionary-learning autoencoders, and their starting point.

The four blocks keep the notes' layout and names (:mod:`ufldl_sae.params`): ``W1`` is the
encoder :math:`W_{enc}` (hidden x visible), ``W2`` the decoder :math:`W_{dec}` (visible x
hidden), ``b1`` the encoder bias :math:`b_{enc}`, ``b2`` the decoder bias :math:`b_{dec}`, which
these models also subtract before the encoder (the *pre-encoder bias*). JumpReLU appends one
block, ``log_threshold`` (hidden), the logarithm of each latent's threshold: the exponential
keeps the threshold positive without a constraint.

=================  ================  =====================================
block              shape             role
=================  ================  =====================================
``W1``             hidden x visible  :math:`W_{enc}`
``W2``             visible x hidden  :math:`W_{dec}` (its columns: the dictionary)
``b1``             hidden            :math:`b_{enc}`
``b2``             visible           :math:`b_{dec}`, also the pre-encoder bias
``log_threshold``  hidden            JumpReLU only: :math:`\log\theta`
=================  ================  =====================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...backend import array_namespace, device_of, from_host
from ...params import as_rng, block_slices, pack, theta_size, unpack
from ...validation import check_int, check_real

__all__ = [
    "ARCHITECTURES",
    "initialize_sae",
    "sae_blocks",
    "sae_theta_size",
    "sae_unpack",
]

#: The models of :mod:`ufldl_sae.beyond.saes`; ``notes`` is the notes' sigmoid + KL model with a
#: linear decoder (:func:`~ufldl_sae.beyond.deep.autoencoder_cost`), for comparison.
ARCHITECTURES = ("notes", "relu-l1", "topk", "batchtopk", "jumprelu")


def _check_architecture(architecture: str) -> str:
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    return architecture


def sae_theta_size(visible_size: int, hidden_size: int, architecture: str) -> int:
    """Length of theta: the notes' ``2*h*v + h + v``, plus ``h`` thresholds for JumpReLU."""
    extra = hidden_size if _check_architecture(architecture) == "jumprelu" else 0
    return theta_size(visible_size, hidden_size) + extra


def sae_blocks(visible_size: int, hidden_size: int, architecture: str) -> dict[str, slice]:
    """Where each block lies in theta (the notes' four, then JumpReLU's ``log_threshold``)."""
    blocks = block_slices(visible_size, hidden_size)
    if _check_architecture(architecture) == "jumprelu":
        start = theta_size(visible_size, hidden_size)
        blocks["log_threshold"] = slice(start, start + hidden_size)
    return blocks


def sae_unpack(theta: Any, visible_size: int, hidden_size: int) -> dict[str, Any]:
    """The blocks of theta by name; ``log_threshold`` is present when theta is long enough."""
    n = theta_size(visible_size, hidden_size)
    W1, W2, b1, b2 = unpack(theta[:n], visible_size, hidden_size)
    blocks = {"W1": W1, "W2": W2, "b1": b1, "b2": b2}
    if theta.shape[0] == n + hidden_size:
        blocks["log_threshold"] = theta[n:]
    elif theta.shape[0] != n:
        raise ValueError(
            f"theta must have {n} or {n + hidden_size} entries for visible_size={visible_size}, "
            f"hidden_size={hidden_size}, got {theta.shape[0]}"
        )
    return blocks


def initialize_sae(
    data: Any,
    hidden_size: int,
    architecture: str,
    *,
    rng: None | int | np.random.Generator = None,
    threshold: float = 0.1,
) -> Any:
    r"""A starting theta for ``architecture`` on ``data`` (visible x m), in data's namespace.

    Parameters
    ----------
    data : array of shape (visible, m)
        The examples, one per column; sets the namespace, device and dtype.
    hidden_size : int
        The number of latents :math:`h`.
    architecture : str
        One of :data:`ARCHITECTURES`.
    rng : None, int or numpy.random.Generator
        Seeds the random directions.
    threshold : float
        JumpReLU's initial threshold :math:`\theta_0 > 0` (``log_threshold`` starts at
        :math:`\log\theta_0`).

    Notes
    -----
    The decoder columns are random unit vectors, the encoder is the decoder's transpose
    (:math:`W_{enc} = W_{dec}^T`, so each latent starts by reading its own direction), the
    encoder bias is 0, and :math:`b_{dec}` is the data's *mean*. The geometric median is the
    more robust choice (Anthropic, 2023) but needs an iterative solve; on data without gross
    outliers, such as the toy's, the two are close and the mean costs one pass. The notes'
    model starts as the notes do (:func:`~ufldl_sae.params.initialize_parameters` style):
    uniform weights in :math:`\pm\sqrt{6/(h+v+1)}` and zero biases, since its sigmoid code has
    no decoder-norm convention.
    """
    xp = array_namespace(data)
    _check_architecture(architecture)
    hidden_size = check_int("hidden_size", hidden_size)
    threshold = check_real("threshold", threshold, low=0.0, low_open=True)
    visible_size = data.shape[0]
    generator = as_rng(rng)
    device, dtype = device_of(data), data.dtype
    if architecture == "notes":
        r = math.sqrt(6.0 / (hidden_size + visible_size + 1))
        W1 = generator.uniform(-r, r, (hidden_size, visible_size))
        W2 = generator.uniform(-r, r, (visible_size, hidden_size))
        theta = pack(W1, W2, np.zeros(hidden_size), np.zeros(visible_size))
        return from_host(theta, xp, dtype=dtype, device=device)
    directions = generator.standard_normal((visible_size, hidden_size))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    W_dec = from_host(directions, xp, dtype=dtype, device=device)
    b_dec = xp.mean(data, axis=1)
    b_enc = xp.zeros((hidden_size,), dtype=dtype, device=device)
    theta = pack(W_dec.T, W_dec, b_enc, b_dec)
    if architecture == "jumprelu":
        log_t = xp.full((hidden_size,), math.log(threshold), dtype=dtype, device=device)
        theta = xp.concat([theta, log_t])
    return theta
