r"""How much of the reconstruction error is the encoder's: the best codes on the chosen latents.

A sparse autoencoder does two jobs with one linear map: its encoder *selects* the latents of an
example (the support of :math:`f`) and *sizes* them (the values :math:`f_j`). On data in
superposition the two fail differently. The decoder columns can be the true features (``mcc``
near 1) while the sizes are off, because each pre-activation :math:`w_j^T x` also picks up the
other active features' overlap with :math:`w_j`, and no linear map removes that interference
for every support at once. Keeping the encoder's support :math:`S` and solving for the sizes,

.. math:: c_S = \arg\min_c \lVert x - b_{dec} - W_{dec,S}\, c \rVert^2,

separates the two: the explained variance this reaches, at the same ``l0``, is what the
dictionary and the selection allow; the gap down to the model's own is what the linear sizing
costs. (Replacing the encoder at inference by such an optimization is an idea of the field
too, "inference-time optimization"; here it is a measurement, not a model.)

The sizes are plain least squares, not constrained to be non-negative: the point is the best
reconstruction from those latents, and on the toy almost every refitted size comes out
positive anyway.
"""

from __future__ import annotations

from typing import Any

from ...backend import array_namespace
from .layout import sae_unpack

__all__ = ["support_refit"]


def support_refit(theta: Any, visible_size: int, hidden_size: int, data: Any, f: Any) -> Any:
    r"""The reconstruction of ``data`` (visible x m) from the decoder columns where the code
    ``f`` (hidden x m) is non-zero, each example's sizes solved by least squares.

    Every example has at most ``K`` active latents (the most in any column of ``f``); each one
    gathers ``K`` decoder columns, its active latents' first and then inactive ones to fill up
    to ``K``, masks the inactive ones (a zero column, an identity row in the Gram matrix, so
    their size solves to 0), and solves its ``K x K`` normal equations, all examples in one
    batched ``solve``. Memory is
    ``m * visible * K`` numbers: pass a few thousand examples at a time.
    """
    xp = array_namespace(theta, data, f)
    if data.ndim != 2 or data.shape[0] != visible_size:
        raise ValueError(f"data must be {visible_size} x m, got shape {data.shape}")
    if f.shape != (hidden_size, data.shape[1]):
        raise ValueError(f"f must be {hidden_size} x {data.shape[1]}, got shape {f.shape}")
    blocks = sae_unpack(theta, visible_size, hidden_size)
    W2, b2 = blocks["W2"], blocks["b2"]
    m = data.shape[1]
    on = f != 0
    K = int(xp.max(xp.sum(xp.astype(on, xp.int64), axis=0))) if m else 0
    if K == 0:
        return xp.zeros_like(data) + b2[:, None]
    rows = xp.argsort(xp.astype(on, xp.int8), axis=0, descending=True, stable=True)[:K, :]
    columns = xp.arange(m)[None, :]
    flat = xp.reshape(rows * m + columns, (-1,))  # (K, m) row-major: entry (r, i) at r*m + i
    kept = xp.astype(xp.reshape(xp.take(xp.reshape(on, (-1,)), flat), (K, m)), data.dtype)
    atoms = xp.reshape(xp.take(W2, xp.reshape(rows, (-1,)), axis=1), (visible_size, K, m))
    atoms = xp.permute_dims(atoms, (2, 0, 1)) * xp.permute_dims(kept, (1, 0))[:, None, :]
    target = xp.permute_dims(data - b2[:, None], (1, 0))[:, :, None]  # (m, visible, 1)
    gram = xp.matrix_transpose(atoms) @ atoms  # (m, K, K); a masked latent's row and column: 0
    gram = gram + xp.eye(K, dtype=data.dtype)[None, :, :] * (1.0 - kept.T)[:, None, :]
    sizes = xp.linalg.solve(gram, xp.matrix_transpose(atoms) @ target)  # (m, K, 1)
    return xp.permute_dims((atoms @ sizes)[:, :, 0], (1, 0)) + b2[:, None]
