r"""The figures a student looks at: learned filters, the loss curve, reconstructions, activations.

The centre piece is :func:`display_network`, a re-implementation of the course's
``display_network.m``: it tiles the columns of a matrix (the course passes ``W1'``, so each hidden
unit's incoming weights become one small image) into a mosaic with black borders. A trained sparse
autoencoder on natural-image patches shows edge detectors there; on MNIST, pen strokes.

Everything here works on host NumPy arrays: inputs of any backend (CuPy, ``array_api_strict``) are
copied with :func:`ufldl_sae.backend.to_host` first. Figures are built with
:class:`matplotlib.figure.Figure` and written with ``Figure.savefig``, which renders through Agg
without pyplot, a display or a global backend switch, so importing this module changes nothing
in the caller's matplotlib session.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..backend import to_host
from ..validation import check_int, check_real

#: Resolution of every figure written here; a figure of ``w x h`` inches is ``100w x 100h`` pixels.
DPI = 100
#: Size of the line and bar plots (loss, activations, histogram), in inches.
PLOT_FIGSIZE = (6.0, 4.0)
#: Extra height, in pixels, that :func:`save_network` adds above the mosaic for a title.
TITLE_PX = 24
#: Side of one tile in :func:`plot_reconstructions`, in inches, and the margin left for labels.
RECON_TILE_INCHES = 0.8
RECON_LABEL_INCHES = 0.4
#: Activation above which a hidden unit counts as "active" in the course's sparsity discussion.
ACTIVE_THRESHOLD = 0.1


# --- input checks ---------------------------------------------------------------------------------


def _host_float(name: str, x: Any) -> np.ndarray:
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


def _check_ndim(name: str, a: np.ndarray, ndim: int, expected: str) -> None:
    """``a`` has ``ndim`` dimensions and no empty axis; ``expected`` describes the shape wanted."""
    if a.ndim != ndim or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty array of shape {expected}, got {a.shape}")


def _check_png_path(path: str | os.PathLike[str]) -> Path:
    """``path`` ends in ``.png`` and its folder exists (folders are never created silently)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must name a .png file, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist"
        )
    return path


def _save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at :data:`DPI` (Agg, no pyplot) and return ``path``."""
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


# --- the mosaic of display_network.m --------------------------------------------------------------


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
    A = _host_float("A", A)
    _check_ndim("A", A, 2, "(pixels, n) with pixels = sz*sz, one filter per column")
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


def save_network(
    A: Any,
    path: str | os.PathLike[str],
    cols: int | None = None,
    *,
    scale: int = 4,
    title: str | None = None,
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
    scale : int, default 4
        Screen pixels per mosaic pixel.
    title : str, optional
        Drawn in a :data:`TITLE_PX`-pixel strip above the mosaic.

    Returns
    -------
    path : Path
        The file written: ``scale * mosaic.shape[1]`` pixels wide and
        ``scale * mosaic.shape[0]`` (plus :data:`TITLE_PX` with a title) high.
    """
    path = _check_png_path(path)
    scale = check_int("scale", scale)
    mosaic = display_network(A, cols)
    height, width = (side * scale for side in mosaic.shape)
    strip = TITLE_PX if title else 0

    fig = Figure(figsize=_inches(width, height + strip), dpi=DPI)
    ax = fig.add_axes((0.0, 0.0, 1.0, height / (height + strip)))
    ax.imshow(mosaic, cmap="gray", vmin=-1.0, vmax=1.0, interpolation="nearest", aspect="auto")
    ax.set_axis_off()
    if title:
        fig.text(0.5, 1.0 - 0.5 * strip / (height + strip), title, ha="center", va="center")
    return _save(fig, path)


def _inches(width_px: int, height_px: int) -> tuple[float, float]:
    """Figure size in inches for an exact pixel size at :data:`DPI`.

    Agg truncates ``inches * dpi`` to an integer, and ``(w / 100) * 100`` can land just below
    ``w`` in floating point; a quarter pixel more keeps the truncation on ``w``.
    """
    return (width_px + 0.25) / DPI, (height_px + 0.25) / DPI


# --- training and activation plots ----------------------------------------------------------------


def plot_loss(
    iterations: Any,
    cost: Any,
    path: str | os.PathLike[str],
    *,
    terms: Mapping[str, Any] | None = None,
    term_iterations: Any = None,
    title: str | None = None,
) -> Path:
    r"""The cost :math:`J_{sparse}` per L-BFGS iteration, and optionally its three terms.

    The y axis is logarithmic because the cost falls by orders of magnitude early and then
    creeps; on a linear axis the interesting part is a flat line. The terms (reconstruction,
    weight decay, sparsity) are usually measured only every few iterations, hence their own
    ``term_iterations``; they show which penalty dominates, e.g. a sparsity term that does not
    fall means ``beta`` or ``rho`` is fighting the reconstruction. Values <= 0 (a weight decay of
    0 with ``lambda = 0``) cannot be drawn on a log axis and are left out.

    Parameters
    ----------
    iterations : array of shape (k,)
    cost : array of shape (k,)
        :math:`J_{sparse}` after each iteration.
    path : str or path-like
        A ``.png`` file in an existing folder; the figure is :data:`PLOT_FIGSIZE` at :data:`DPI`.
    terms : mapping of str to array of shape (t,), optional
        E.g. ``{"reconstruction": ..., "weight decay": ..., "sparsity": ...}``.
    term_iterations : array of shape (t,), optional
        Iterations at which ``terms`` were measured; default ``iterations``.
    title : str, optional

    Returns
    -------
    path : Path
    """
    path = _check_png_path(path)
    iterations = _host_float("iterations", iterations)
    _check_ndim("iterations", iterations, 1, "(k,)")
    k = iterations.shape[0]
    cost = _host_float("cost", cost)
    if cost.shape != (k,):
        raise ValueError(f"cost must have shape ({k},) like iterations, got {cost.shape}")
    curves = {}
    if terms:
        at = (
            iterations
            if term_iterations is None
            else _host_float("term_iterations", term_iterations)
        )
        _check_ndim("term_iterations", at, 1, "(t,)")
        for name, values in terms.items():
            values = _host_float(f"terms[{name!r}]", values)
            if values.shape != at.shape:
                raise ValueError(
                    f"terms[{name!r}] must have shape {at.shape} like term_iterations, "
                    f"got {values.shape}"
                )
            curves[name] = values

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(iterations, _positive(cost), color="black", label="cost J")
    for name, values in curves.items():
        ax.plot(at, _positive(values), marker="o", markersize=3, linewidth=1, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("L-BFGS iteration")
    ax.set_ylabel("cost J")
    if curves:
        ax.legend()
    if title:
        ax.set_title(title)
    return _save(fig, path)


def _positive(values: np.ndarray) -> np.ndarray:
    """``values`` with entries <= 0 replaced by NaN, which matplotlib leaves out of a log plot."""
    return np.where(values > 0, values, np.nan)


def plot_reconstructions(
    originals: Any,
    reconstructions: Any,
    path: str | os.PathLike[str],
    *,
    patch_shape: tuple[int, int] | None = None,
    n: int = 10,
) -> Path:
    """The first ``n`` examples ``x`` (top row) above their reconstructions ``a3`` (bottom row).

    Both rows share one grey scale (the smallest and largest value shown), so a washed-out
    reconstruction looks washed out rather than being stretched back to full contrast. Patches
    are reshaped column-major, as in :func:`display_network` and the course's data.

    Parameters
    ----------
    originals : array of shape (visible, m)
        Examples as columns, e.g. the course's ``patches``.
    reconstructions : array of shape (visible, m)
        The network's outputs ``a3`` for the same columns.
    path : str or path-like
        A ``.png`` file in an existing folder. The figure is
        ``RECON_TILE_INCHES * n + RECON_LABEL_INCHES`` by ``2 * RECON_TILE_INCHES + 0.4`` inches.
    patch_shape : (int, int), optional
        ``(height, width)`` with ``height * width == visible``; default square.
    n : int, default 10
        Examples to show; fewer when ``m < n``.

    Returns
    -------
    path : Path
    """
    path = _check_png_path(path)
    originals = _host_float("originals", originals)
    _check_ndim("originals", originals, 2, "(visible, m), one example per column")
    reconstructions = _host_float("reconstructions", reconstructions)
    if reconstructions.shape != originals.shape:
        raise ValueError(
            f"reconstructions must have shape {originals.shape} like originals, "
            f"got {reconstructions.shape}"
        )
    visible, m = originals.shape
    if patch_shape is None:
        side = tile_side(visible)
        patch_shape = (side, side)
    elif len(patch_shape) != 2 or patch_shape[0] * patch_shape[1] != visible:
        raise ValueError(
            f"patch_shape must be (height, width) with height * width == {visible} "
            f"(rows of originals), got {patch_shape!r}"
        )
    shown = min(check_int("n", n), m)

    columns = np.concatenate([originals[:, :shown], reconstructions[:, :shown]], axis=1)
    vmin, vmax = float(columns.min()), float(columns.max())
    fig = Figure(figsize=reconstruction_figsize(shown), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, shown, squeeze=False)
    rows = [("original x", originals), ("output a3", reconstructions)]
    for row, (label, data) in enumerate(rows):
        for i, patch in enumerate(as_patches(data[:, :shown], patch_shape)):
            ax = axes[row, i]
            ax.imshow(patch, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label)
    return _save(fig, path)


def as_patches(columns: np.ndarray, patch_shape: tuple[int, int]) -> np.ndarray:
    """The columns of ``columns`` (pixels, m) as ``m`` images of ``patch_shape``, column-major.

    Same rule as ``reshape(x, h, w)`` in MATLAB and in :func:`display_network`: pixel
    ``i + h * j`` of a column goes to row ``i``, column ``j`` of its image.

    Returns
    -------
    patches : ndarray of shape (m, h, w)
    """
    height, width = patch_shape
    return np.reshape(columns.T, (-1, width, height)).transpose(0, 2, 1)  # (m, h, w)


def reconstruction_figsize(shown: int) -> tuple[float, float]:
    """Size in inches of the :func:`plot_reconstructions` figure for ``shown`` examples."""
    return RECON_TILE_INCHES * shown + RECON_LABEL_INCHES, 2 * RECON_TILE_INCHES + 0.4


def plot_activations(
    rho_hat: Any,
    rho: float,
    path: str | os.PathLike[str],
    *,
    fraction_active: float | None = None,
) -> Path:
    r"""Bar chart of each hidden unit's average activation :math:`\hat\rho_j` against :math:`\rho`.

    The sparsity penalty :math:`\beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j)` pulls every bar
    towards the horizontal line at ``rho``; bars far above it are units the penalty has not tamed
    (``beta`` too small), bars at zero are dead units.

    Parameters
    ----------
    rho_hat : array of shape (hidden,)
        :math:`\hat\rho_j = \frac{1}{m}\sum_i a^{(2)}_j(x^{(i)})`.
    rho : float in (0, 1)
        The sparsity target.
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`PLOT_FIGSIZE` at :data:`DPI`.
    fraction_active : float in [0, 1], optional
        Share of all activations ``a2`` above :data:`ACTIVE_THRESHOLD`, written in a corner.

    Returns
    -------
    path : Path
    """
    path = _check_png_path(path)
    rho_hat = _host_float("rho_hat", rho_hat)
    _check_ndim("rho_hat", rho_hat, 1, "(hidden,)")
    rho = check_real("rho", rho, low=0.0, high=1.0, low_open=True, high_open=True)
    if fraction_active is not None:
        fraction_active = check_real("fraction_active", fraction_active, low=0.0, high=1.0)

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.bar(np.arange(rho_hat.shape[0]), rho_hat, width=0.8, color="tab:blue")
    ax.axhline(rho, color="tab:red", linestyle="--", label=f"target rho = {rho:g}")
    ax.set_xlabel("hidden unit j")
    ax.set_ylabel("average activation rho_hat_j")
    ax.legend(loc="upper right")
    if fraction_active is not None:
        text = f"activations > {ACTIVE_THRESHOLD:g}: {100 * fraction_active:.1f}%"
        ax.text(0.02, 0.95, text, transform=ax.transAxes, va="top")
    return _save(fig, path)


def plot_activation_histogram(a2: Any, rho: float, path: str | os.PathLike[str]) -> Path:
    r"""Histogram of every hidden activation :math:`a^{(2)}_j(x^{(i)})`, with ``rho`` marked.

    A sparse code is a spike near 0 and a thin tail towards 1: each unit is off for most
    examples. The count axis is logarithmic so the tail stays visible beside the spike.

    Parameters
    ----------
    a2 : array of shape (hidden, m)
        Hidden activations, one example per column (values in [0, 1]).
    rho : float in (0, 1)
        The sparsity target, drawn as a vertical line.
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`PLOT_FIGSIZE` at :data:`DPI`.

    Returns
    -------
    path : Path
    """
    path = _check_png_path(path)
    a2 = _host_float("a2", a2)
    _check_ndim("a2", a2, 2, "(hidden, m), one example per column")
    rho = check_real("rho", rho, low=0.0, high=1.0, low_open=True, high_open=True)

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.hist(a2.ravel(), bins=50, range=(0.0, 1.0), color="tab:blue", log=True)
    ax.axvline(rho, color="tab:red", linestyle="--", label=f"target rho = {rho:g}")
    ax.set_xlabel("hidden activation a2")
    ax.set_ylabel("count")
    ax.legend(loc="upper right")
    return _save(fig, path)
