r"""The course's ``display_network.m``: the columns of a matrix as a mosaic of small images.

The course passes ``W1'``, so each hidden unit's incoming weights become one tile; a trained
sparse autoencoder on natural-image patches shows edge detectors there, on MNIST pen strokes.
:func:`display_network` returns the mosaic as an array (for a notebook's ``imshow``) and
:func:`save_network` writes it as a grey PNG.

The run's other figures (loss, reconstructions, activations) live in
:mod:`ufldl_sae.plots.training`; they are re-exported here because the run folders import them
from this module.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..validation import check_int
from .figure import (
    CAPTION_FONTSIZE,
    DPI,
    MIN_TILE_PX,
    PLOT_FIGSIZE,
    check_ndim,
    check_png_path,
    figsize_for_pixels,
    host_float,
    save_figure,
    tile_side,
    wrap_to_width,
)
from .training import (
    ACTIVE_THRESHOLD,
    RECON_LABEL_INCHES,
    RECON_TILE_INCHES,
    as_patches,
    plot_activation_histogram,
    plot_activations,
    plot_loss,
    plot_reconstructions,
    reconstruction_figsize,
)

__all__ = [
    "LINE_PX",
    "MIN_MOSAIC_PX",
    "MIN_TILE_PX",
    "TITLE_FONTSIZE",
    "TITLE_PX",
    "mosaic_scale",
    "display_network",
    "grid_shape",
    "save_network",
    "tile_side",
    # the run's figures, from .training, where the run folders have always found them
    "ACTIVE_THRESHOLD",
    "DPI",
    "PLOT_FIGSIZE",
    "RECON_LABEL_INCHES",
    "RECON_TILE_INCHES",
    "as_patches",
    "plot_activation_histogram",
    "plot_activations",
    "plot_loss",
    "plot_reconstructions",
    "reconstruction_figsize",
]

#: Extra height, in pixels, that :func:`save_network` adds above the mosaic for a one-line
#: title (and below it for a one-line caption).
TITLE_PX = 30
#: Height, in pixels, of each further line of a title or caption wrapped to the mosaic's width.
LINE_PX = 18
#: Font size of the mosaic's title, in points.
TITLE_FONTSIZE = 12.0
#: Smallest width, in screen pixels, of a mosaic drawn by :func:`save_network`.
MIN_MOSAIC_PX = 480


def grid_shape(n: int, cols: int | None = None) -> tuple[int, int]:
    """``(rows, cols)`` of the grid holding ``n`` tiles.

    By default ``cols = ceil(sqrt(n))`` and ``rows = ceil(n / cols)``: a square grid when ``n`` is
    a perfect square, as in the course (64 hidden units give 8 x 8). For other ``n`` the course
    widens the grid a little further, looking for a ``cols`` that divides ``n``; this simpler rule
    keeps the grid as square as possible and leaves the last row partly empty (black).
    """
    if cols is None:
        cols = math.isqrt(n - 1) + 1  # ceil(sqrt(n)) without floating point
    return -(-n // cols), cols


def display_network(A: Any, cols: int | None = None, *, normalize: bool = True) -> np.ndarray:
    r"""The mosaic of the course's ``display_network.m``: one tile per column of ``A``.

    Parameters
    ----------
    A : array of shape (pixels, n)
        One filter per column, ``pixels = sz * sz``. Pass ``W1.T`` to see the hidden units: row
        ``j`` of ``W1`` holds the weights from every pixel into hidden unit ``j``, i.e. the input
        that excites that unit most (for a bounded input norm).
    cols : int, optional
        Tiles per row of the grid; default ``ceil(sqrt(n))`` (see :func:`grid_shape`).
    normalize : bool, default True
        Scale each tile by its own largest ``|value|`` so it spans ``[-1, 1]``; with ``False``
        all tiles share the scale of the largest ``|value|`` of ``A``, as in the course.

    Returns
    -------
    mosaic : ndarray of shape (rows * (sz + 1) + 1, cols * (sz + 1) + 1)
        Float64 image with values in ``[-1, 1]``: borders, and grid cells left without a tile,
        are ``-1`` (black in a grey map with limits ``[-1, 1]``).

    Notes
    -----
    The steps follow ``display_network.m``:

    1. ``A = A - mean(A(:))``: one mean over the whole matrix, so a tile's grey level is
       relative to the average weight.
    2. Tile ``k`` is ``reshape(A(:,k), sz, sz)``: MATLAB reshapes column-major, so consecutive
       pixels run *down* a tile's columns (``order="F"`` here). The course's patches are stored
       the same way, so a row-major reshape would show every filter transposed.
    3. Tiles fill the grid row by row: tile ``k`` (from 0) lands in grid row ``k // cols``,
       grid column ``k % cols``, after a 1-pixel border (``buf = 1``) on each side.

    The course divides by ``max(abs(A(:,k)))`` unguarded, so a constant filter becomes NaN; here
    a tile that is all zero after step 1 stays zero (mid grey).
    """
    A = host_float("A", A)
    check_ndim("A", A, 2, "(pixels, n) with pixels = sz*sz, one filter per column")
    pixels, n = A.shape
    sz = tile_side(pixels)
    if cols is not None:
        cols = check_int("cols", cols)
    rows, cols = grid_shape(n, cols)

    A = A - A.mean()  # the course's A = A - mean(A(:))
    if normalize:
        scale = np.abs(A).max(axis=0)  # (n,) each tile by its own max |value|
    else:
        scale = np.full(n, np.abs(A).max())  # (n,) one scale for all tiles
    scale[scale == 0] = 1.0  # an all-zero tile stays zero instead of 0/0 = NaN

    step = sz + 1  # a tile plus the border after it
    mosaic = -np.ones((rows * step + 1, cols * step + 1))
    for k in range(n):
        top, left = 1 + (k // cols) * step, 1 + (k % cols) * step
        tile = A[:, k].reshape(sz, sz, order="F") / scale[k]  # (sz, sz), MATLAB's reshape
        mosaic[top : top + sz, left : left + sz] = tile
    return mosaic


def mosaic_scale(mosaic_width: int, sz: int) -> int:
    """Screen pixels per mosaic pixel: each ``sz``-pixel tile at least :data:`MIN_TILE_PX` wide.

    A mosaic is also drawn at least :data:`MIN_MOSAIC_PX` wide, so that a grid of a few small
    tiles (25 filters of 8 x 8) and its title read on a laptop screen like a grid of many large
    ones. The scale is an integer: every filter pixel becomes the same square of screen pixels.
    """
    by_tile = -(-MIN_TILE_PX // sz)
    by_width = -(-MIN_MOSAIC_PX // mosaic_width)
    return max(by_tile, by_width)


def _strip(text: str | None, width_px: int, fontsize: float) -> tuple[str, int]:
    """``text`` wrapped to ``width_px`` and the height in pixels of the strip that holds it."""
    if not text:
        return "", 0
    wrapped = wrap_to_width(text, width_px - 8, fontsize)
    lines = wrapped.count("\n") + 1
    return wrapped, TITLE_PX + LINE_PX * (lines - 1)


def save_network(
    A: Any,
    path: str | os.PathLike[str],
    cols: int | None = None,
    *,
    scale: int | None = None,
    title: str | None = None,
    caption: str | None = None,
) -> Path:
    """Write the :func:`display_network` mosaic of ``A`` as a grey PNG.

    Each mosaic pixel becomes ``scale x scale`` screen pixels (nearest-neighbour, no smoothing),
    so an 8 x 8 filter stays readable. The grey map is fixed to ``[-1, 1]`` like the course's
    ``imagesc(array, [-1 1])``: black borders, mid grey for zero weights.

    Parameters
    ----------
    A : array of shape (pixels, n)
        As for :func:`display_network` (``W1.T`` for the hidden units).
    path : str or path-like
        A ``.png`` file in an existing folder.
    cols : int, optional
        Tiles per grid row, as for :func:`display_network`.
    scale : int, optional
        Screen pixels per mosaic pixel; by default :func:`mosaic_scale`, which makes every tile
        at least :data:`MIN_TILE_PX` pixels across.
    title : str, optional
        Drawn in a strip above the mosaic, :data:`TITLE_PX` high (plus :data:`LINE_PX` for
        each further line when a long title is wrapped to the mosaic's width).
    caption : str, optional
        What to look for, e.g. ``"each tile is one hidden unit's weights, a row of W1:
        oriented edges"``; drawn in a strip below the mosaic, sized like the title's.

    Returns
    -------
    path : Path
        The file written: ``scale * mosaic.shape[1]`` pixels wide and
        ``scale * mosaic.shape[0]`` high, plus the title's and the caption's strips.
    """
    path = check_png_path(path)
    A = host_float("A", A)  # one copy to the host, shared by the mosaic and its scale
    mosaic = display_network(A, cols)
    scale = mosaic_scale(mosaic.shape[1], tile_side(A.shape[0])) if scale is None else scale
    scale = check_int("scale", scale)
    height, width = (side * scale for side in mosaic.shape)
    title, top = _strip(title, width, TITLE_FONTSIZE)
    caption, bottom = _strip(caption, width, CAPTION_FONTSIZE)
    total = top + height + bottom

    fig = Figure(figsize=figsize_for_pixels(width, total), dpi=DPI)
    ax = fig.add_axes((0.0, bottom / total, 1.0, height / total))
    ax.imshow(mosaic, cmap="gray", vmin=-1.0, vmax=1.0, interpolation="nearest", aspect="auto")
    ax.set_axis_off()
    if title:
        y = 1.0 - 0.5 * top / total
        fig.text(0.5, y, title, ha="center", va="center", fontsize=TITLE_FONTSIZE)
    if caption:
        y = 0.5 * bottom / total
        fig.text(
            0.5, y, caption, ha="center", va="center", fontsize=CAPTION_FONTSIZE,
            style="italic", color="0.2",
        )  # fmt: skip
    return save_figure(fig, path)
