r"""Patches as the course's ``sampleIMAGES.m``: random square crops, squashed into [0.1, 0.9].

:func:`sample_images` draws the patches (one per column, flattened column-major like MATLAB's
``patch(:)``) and :func:`normalize_data` maps them into the range a sigmoid output unit can reach.
Both take and return host float64 NumPy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import as_rng
from ..validation import check_finite, check_int
from .natural_images import as_image_stack

__all__ = ["normalize_data", "sample_images"]


def sample_images(
    images: Any,
    patch_size: int = 8,
    num_patches: int = 10000,
    rng: None | int | np.random.Generator = None,
) -> np.ndarray:
    """Random square patches, one per column, as the course's ``sampleIMAGES.m``.

    Each patch comes from an image chosen uniformly, at a top-left corner chosen uniformly over
    every valid position ``0 .. N - patch_size`` (inclusive) in each direction, and is flattened
    column-major like MATLAB's ``patch(:)``, so a column reshaped with ``order="F"`` is the patch.

    All patches are gathered in one fancy-indexing step with broadcast offsets: no image is ever
    copied per patch.

    Parameters
    ----------
    images : array_like of shape (rows, cols, images)
        E.g. :func:`~ufldl_sae.data.natural_images.load_natural_images` or
        :func:`~ufldl_sae.data.natural_images.load_images_mat`; any size; real and finite (NaN
        or inf pixels are refused, naming ``images``).
    patch_size : int
        Side of the square patches (8 in the course).
    num_patches : int
        How many patches (10,000 in the course).
    rng : None, int or numpy.random.Generator
        Source of randomness; an int seeds a fresh generator.

    Returns
    -------
    patches : float64 array of shape (patch_size**2, num_patches)
        Raw pixel values; pass them to :func:`normalize_data`.
    """
    x = as_image_stack("images", images)
    patch_size = check_int("patch_size", patch_size)
    num_patches = check_int("num_patches", num_patches)
    rows, cols, count = x.shape
    if patch_size > min(rows, cols):
        raise ValueError(
            f"patch_size must be at most the image size {rows} x {cols}, got {patch_size}"
        )
    rng = as_rng(rng)
    image = rng.integers(count, size=num_patches)  # (num_patches,)
    top = rng.integers(rows - patch_size + 1, size=num_patches)  # 0 .. rows - p inclusive
    left = rng.integers(cols - patch_size + 1, size=num_patches)
    # Flat index k = i + j * p within a patch (column-major): row offset i, column offset j.
    k = np.arange(patch_size * patch_size)
    i, j = k % patch_size, k // patch_size  # (p*p,)
    return x[top + i[:, None], left + j[:, None], image]  # (p*p, num_patches)


def normalize_data(patches: Any) -> np.ndarray:
    r"""Squash patches into [0.1, 0.9], the range a sigmoid output unit can reach.

    As the course's ``normalizeData`` in ``sampleIMAGES.m``: each patch loses its own mean (the
    autoencoder should learn edges, not brightness), values beyond three standard deviations of
    all values are truncated (a few extreme pixels would otherwise squeeze everything else into a
    narrow band), and [-1, 1] is mapped to [0.1, 0.9], staying clear of the sigmoid's asymptotes.

    Parameters
    ----------
    patches : array_like of shape (pixels, patches)
        One patch per column, e.g. from :func:`sample_images`. Not modified. Must be finite:
        NaN or inf is named as such (not as the "no variance" it would otherwise lead to).

    Returns
    -------
    float64 array of shape (pixels, patches), values in [0.1, 0.9]

    Notes
    -----
    .. math::

        x \leftarrow x - \bar{x}_{\text{patch}}, \qquad
        s = 3 \operatorname{std}(x), \qquad
        x \leftarrow 0.4 \left( \frac{\max(\min(x, s), -s)}{s} + 1 \right) + 0.1

    where std is the sample standard deviation (:math:`N - 1`, as MATLAB's ``std``) of all values.
    """
    x = np.asarray(patches, dtype=np.float64)
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(
            f"patches must be a non-empty 2-D array (pixels, patches), got shape {x.shape}"
        )
    check_finite("patches", x, np)  # NaN has no variance to report: name it as NaN
    x = x - x.mean(axis=0, keepdims=True)  # remove each patch's DC component
    pstd = 3.0 * x.std(ddof=1) if x.size > 1 else 0.0
    if not pstd > 0:
        raise ValueError("patches have no variance after removing each patch's mean")
    x = np.clip(x, -pstd, pstd) / pstd
    return (x + 1.0) * 0.4 + 0.1
