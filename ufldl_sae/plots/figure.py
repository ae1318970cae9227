"""What every figure of this folder shares: host arrays, checked inputs, the PNG, the sizes.

Figures take arrays of any backend (NumPy, CuPy, ``array_api_strict``) and copy them to the host
once (:func:`host_float`), because matplotlib draws NumPy arrays only. They are built as
:class:`matplotlib.figure.Figure` objects and written with ``Figure.savefig``
(:func:`save_figure`), which renders through Agg without pyplot, a display or a global backend
switch: drawing a figure changes nothing in the caller's matplotlib session. Every file is a PNG
in a folder that already exists (:func:`check_png_path`); a typo in a folder name is an error,
never a silently created folder.
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..backend import to_host

__all__ = [
    "CAPTION_FONTSIZE",
    "DPI",
    "MIN_TILE_PX",
    "PLOT_FIGSIZE",
    "add_caption",
    "legend_outside",
    "wrap_to_width",
    "check_ndim",
    "check_png_path",
    "figsize_for_pixels",
    "host_columns",
    "host_float",
    "host_float_like",
    "host_vector",
    "positive_or_nan",
    "save_figure",
    "tile_side",
]

#: Resolution of every figure written here; a figure of ``w x h`` inches is ``100w x 100h`` pixels.
DPI = 100
#: Size of the line and bar plots (loss, activations, histograms, cost against time), in inches:
#: 800 x 480 pixels, wide enough for a legend beside the axes and a caption below them.
PLOT_FIGSIZE = (8.0, 4.8)
#: Font size, in points, of the one-line captions that say what to look for in a figure.
CAPTION_FONTSIZE = 9.0
#: Smallest side, in screen pixels, of one filter or patch in a mosaic: below about 40 pixels an
#: 8 x 8 filter is a few dots on a laptop screen.
MIN_TILE_PX = 40
#: Width of an average character of matplotlib's default font (DejaVu Sans), in ems; a little
#: above the true mean (about 0.55), so that a wrapped line never runs past its width.
_CHAR_EMS = 0.62


# --- input checks ---------------------------------------------------------------------------------


def host_float(name: str, x: Any) -> np.ndarray:
    """``x`` as a finite float64 NumPy array; arrays of any backend are copied to the host."""
    try:
        host = to_host(x) if hasattr(x, "shape") else np.asarray(x)
    except (TypeError, ValueError, RuntimeError, BufferError) as error:
        raise ValueError(f"{name} must be a numeric array, got {type(x).__name__}") from error
    if host.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers, got dtype {host.dtype}")
    host = host.astype(np.float64, copy=False)
    if not np.all(np.isfinite(host)):
        bad = int(np.count_nonzero(~np.isfinite(host)))
        raise ValueError(f"{name} must be finite, but {bad} entries are NaN or inf")
    return host


def check_ndim(name: str, a: np.ndarray, ndim: int, expected: str) -> None:
    """``a`` has ``ndim`` dimensions and no empty axis; ``expected`` describes the shape wanted."""
    if a.ndim != ndim or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty array of shape {expected}, got {a.shape}")


def host_float_like(name: str, x: Any, like: str, shape: tuple[int, ...]) -> np.ndarray:
    """``x`` as :func:`host_float`, with the ``shape`` of the array it is drawn against (named
    ``like``): a cost beside its iterations, a reconstruction beside its data."""
    x = host_float(name, x)
    if x.shape != shape:
        raise ValueError(f"{name} must have shape {shape} like {like}, got {x.shape}")
    return x


def host_columns(name: str, x: Any) -> np.ndarray:
    """``x`` as a finite float64 host matrix, one example per column (codes, data, ``a2``)."""
    x = host_float(name, x)
    check_ndim(name, x, 2, "(hidden, m), one example per column")
    return x


def host_vector(name: str, x: Any) -> np.ndarray:
    """``x`` as a finite, non-empty float64 host vector."""
    x = host_float(name, x)
    check_ndim(name, x, 1, "(m,)")
    return x


def check_png_path(path: str | os.PathLike[str]) -> Path:
    """``path`` ends in ``.png`` and its folder exists (folders are never created silently)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must name a .png file, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist"
        )
    return path


# --- drawing and saving ---------------------------------------------------------------------------


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at :data:`DPI` (Agg, no pyplot) and return ``path``.

    The ``Software`` stamp is left out, so that a PNG records its pixels and not the matplotlib
    version that drew them.
    """
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """``values`` with entries <= 0 replaced by NaN, which matplotlib leaves out of a log plot."""
    return np.where(values > 0, values, np.nan)


# --- text that fits ------------------------------------------------------------------------------


def wrap_to_width(text: str, width_px: float, fontsize: float) -> str:
    """``text`` broken into lines that fit ``width_px`` pixels at ``fontsize`` points.

    The width of a line is estimated from its number of characters (a generous
    average width of the default font), so the wrapping is the same on every machine and needs
    no renderer; the tests measure the drawn text to check the estimate.
    """
    char_px = _CHAR_EMS * fontsize * DPI / 72.0
    columns = max(8, int(width_px // char_px))
    return "\n".join(textwrap.wrap(text, columns)) if text else text


def add_caption(fig: Figure, caption: str | None) -> None:
    """A caption under the axes of a constrained-layout ``fig``: what to look for in it.

    Drawn as the figure's ``supxlabel``, for which constrained layout reserves room below the
    axes and their labels, so the caption can never cover data; wrapped to the figure's width.
    """
    if not caption:
        return
    width_px = fig.get_figwidth() * DPI - 16  # a few pixels of margin on either side
    fig.supxlabel(
        wrap_to_width(caption, width_px, CAPTION_FONTSIZE),
        fontsize=CAPTION_FONTSIZE,
        style="italic",
        color="0.2",
    )


def legend_outside(fig: Figure, ax: Any, *, title: str | None = None) -> None:
    """The legend of ``ax`` to the right of the axes, outside them: it never covers data.

    Constrained layout makes room for a figure legend placed ``outside``; inside the axes a
    legend sits on whatever the data put in its corner (bars, a histogram's tail).
    """
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", fontsize="small", title=title)


# --- sizes ----------------------------------------------------------------------------------------


def figsize_for_pixels(width_px: int, height_px: int) -> tuple[float, float]:
    """Figure size in inches for an exact pixel size at :data:`DPI`.

    Agg truncates ``inches * dpi`` to an integer, and ``(w / 100) * 100`` can land just below
    ``w`` in floating point; a quarter pixel more keeps the truncation on ``w``.
    """
    return (width_px + 0.25) / DPI, (height_px + 0.25) / DPI


def tile_side(pixels: int) -> int:
    """Side ``sz`` of a square tile of ``pixels`` pixels; ``ValueError`` if not a perfect square.

    ``display_network.m`` takes ``sz = sqrt(L)`` and lets ``reshape`` fail later; saying so
    up front, with the number received, is kinder.
    """
    sz = math.isqrt(pixels)
    if sz * sz != pixels:
        raise ValueError(
            f"A must have a perfect-square number of rows (pixels per tile, sz*sz), got {pixels} "
            f"rows (between {sz}^2 = {sz * sz} and {sz + 1}^2 = {(sz + 1) ** 2})"
        )
    return sz
