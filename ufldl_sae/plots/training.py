r"""The figures of a training run: the cost per iteration, reconstructions, hidden activations.

They answer the questions a student asks after ``train.m``: did the cost settle
(:func:`plot_loss`), does the output ``a3`` look like the input ``x``
(:func:`plot_reconstructions`), and did the sparsity penalty do its job, i.e. does every hidden
unit's mean activation :math:`\hat\rho_j` sit near the target :math:`\rho`
(:func:`plot_activation_bars`) while each activation is mostly near 0
(:func:`plot_activation_histogram`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..validation import check_int, check_real
from .figure import (
    CAPTION_FONTSIZE,
    DPI,
    PLOT_FIGSIZE,
    add_caption,
    check_ndim,
    check_png_path,
    host_columns,
    host_float,
    host_float_like,
    legend_outside,
    positive_or_nan,
    save_figure,
    tile_side,
    wrap_to_width,
)

__all__ = [
    "ACTIVE_THRESHOLD",
    "LOSS_CAPTION",
    "RECON_CAPTION",
    "RECON_LABEL_INCHES",
    "RECON_TILE_INCHES",
    "THIN_BARS_ABOVE",
    "as_patches",
    "mean_activations",
    "plot_activation_bars",
    "plot_activation_histogram",
    "plot_activations",
    "plot_loss",
    "plot_mean_activation_bars",
    "plot_reconstructions",
    "reconstruction_figsize",
]

#: Side of one tile in :func:`plot_reconstructions`, in inches (80 pixels), and the margin left
#: for the rows' labels.
RECON_TILE_INCHES = 0.8
RECON_LABEL_INCHES = 1.1
#: The default caption of :func:`plot_loss`.
LOSS_CAPTION = (
    "Look for: J falling fast, then levelling off; the terms show which penalty dominates."
)
#: The default caption of :func:`plot_reconstructions`.
RECON_CAPTION = (
    "Each column: an input x, its output a3 on the same grey scale, and a3 stretched to its own "
    "range. A small sparse code keeps the main strokes and edges, so a3 is smoother and fainter "
    "than x: expected, not a failure."
)
#: Activation above which a hidden unit counts as "active" in the course's sparsity discussion.
ACTIVE_THRESHOLD = 0.1
#: Above this many hidden units the bars of :func:`plot_activation_bars` touch (width 1, no
#: edge): 196 or 400 bars on a 600-pixel axis leave no room for gaps.
THIN_BARS_ABOVE = 100


# --- the cost -------------------------------------------------------------------------------------


def plot_loss(
    iterations: Any,
    cost: Any,
    path: str | os.PathLike[str],
    *,
    terms: Mapping[str, Any] | None = None,
    term_iterations: Any = None,
    title: str | None = None,
    caption: str | None = LOSS_CAPTION,
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
    caption : str or None, default :data:`LOSS_CAPTION`
        One line under the axes saying what to look for; ``None`` for none.

    Returns
    -------
    path : Path
    """
    path = check_png_path(path)
    iterations = host_float("iterations", iterations)
    check_ndim("iterations", iterations, 1, "(k,)")
    k = iterations.shape[0]
    cost = host_float_like("cost", cost, "iterations", (k,))
    curves = {}
    if terms:
        at = (
            iterations
            if term_iterations is None
            else host_float("term_iterations", term_iterations)
        )
        check_ndim("term_iterations", at, 1, "(t,)")
        for name, values in terms.items():
            curves[name] = host_float_like(f"terms[{name!r}]", values, "term_iterations", at.shape)

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(iterations, positive_or_nan(cost), color="black", label=r"cost $J_{sparse}$")
    for name, values in curves.items():
        ax.plot(at, positive_or_nan(values), marker="o", markersize=3, linewidth=1, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("L-BFGS iteration")
    ax.set_ylabel(r"cost $J_{sparse}$ (log scale)")
    if curves:
        legend_outside(fig, ax)
    if title:
        ax.set_title(wrap_to_width(title, 0.7 * PLOT_FIGSIZE[0] * DPI, 12.0))
    add_caption(fig, caption)
    return save_figure(fig, path)


# --- reconstructions ------------------------------------------------------------------------------


def plot_reconstructions(
    originals: Any,
    reconstructions: Any,
    path: str | os.PathLike[str],
    *,
    patch_shape: tuple[int, int] | None = None,
    n: int = 10,
    caption: str | None = RECON_CAPTION,
) -> Path:
    """The first ``n`` examples ``x`` above their reconstructions ``a3``, in three rows.

    Row 1 is the input ``x``; row 2 its output ``a3`` on the same grey scale as ``x`` (each
    pair on its own scale, the smallest and largest value of the two), so a washed-out
    reconstruction looks washed out rather than being stretched back to full contrast; row 3 the
    same ``a3`` stretched to its own range, so its structure shows even when it is faint. A
    25-unit code with ``rho = 0.01`` on whitened patches gives faint outputs: row 3 shows they
    still follow the input's main edges. A shared scale over all pairs, as before, let one
    high-contrast patch flatten every other pair to grey. Patches are reshaped column-major
    (:func:`as_patches`), as in :func:`~ufldl_sae.plots.network.display_network` and the
    course's data.

    Parameters
    ----------
    originals : array of shape (visible, m)
        Examples as columns, e.g. the course's ``patches``.
    reconstructions : array of shape (visible, m)
        The network's outputs ``a3`` for the same columns.
    path : str or path-like
        A ``.png`` file in an existing folder, :func:`reconstruction_figsize` inches at
        :data:`DPI`.
    patch_shape : (int, int), optional
        ``(height, width)`` with ``height * width == visible``; default square.
    n : int, default 10
        Examples to show; fewer when ``m < n``.
    caption : str or None, default :data:`RECON_CAPTION`
        What to look for, under the tiles; ``None`` for none.

    Returns
    -------
    path : Path
    """
    path = check_png_path(path)
    originals = host_float("originals", originals)
    check_ndim("originals", originals, 2, "(visible, m), one example per column")
    reconstructions = host_float_like(
        "reconstructions", reconstructions, "originals", originals.shape
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

    x = as_patches(originals[:, :shown], patch_shape)  # (shown, h, w)
    a3 = as_patches(reconstructions[:, :shown], patch_shape)
    pair_low = np.minimum(x.min(axis=(1, 2)), a3.min(axis=(1, 2)))  # (shown,) per pair
    pair_high = np.maximum(x.max(axis=(1, 2)), a3.max(axis=(1, 2)))
    rows = [
        ("input x", x, pair_low, pair_high),
        ("output a3,\nscale of x", a3, pair_low, pair_high),
        ("output a3,\nstretched", a3, a3.min(axis=(1, 2)), a3.max(axis=(1, 2))),
    ]
    fig = Figure(figsize=reconstruction_figsize(shown, caption), dpi=DPI, layout="constrained")
    axes = fig.subplots(len(rows), shown, squeeze=False)
    for row, (label, images, low, high) in enumerate(rows):
        for i in range(shown):
            ax = axes[row, i]
            flat = high[i] <= low[i]  # a constant tile: mid grey, not a division by zero
            ax.imshow(
                images[i], cmap="gray", interpolation="nearest",
                vmin=low[i] - flat, vmax=high[i] + flat,
            )  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(
            label, rotation=0, ha="right", va="center", fontsize=CAPTION_FONTSIZE
        )
    add_caption(fig, caption)
    return save_figure(fig, path)


def as_patches(columns: np.ndarray, patch_shape: tuple[int, int]) -> np.ndarray:
    """The columns of ``columns`` (pixels, m) as ``m`` images of ``patch_shape``, column-major.

    Same rule as ``reshape(x, h, w)`` in MATLAB and in
    :func:`~ufldl_sae.plots.network.display_network`: pixel
    ``i + h * j`` of a column goes to row ``i``, column ``j`` of its image.

    Returns
    -------
    patches : ndarray of shape (m, h, w)
    """
    height, width = patch_shape
    return np.reshape(columns.T, (-1, width, height)).transpose(0, 2, 1)  # (m, h, w)


def reconstruction_figsize(
    shown: int, caption: str | None = RECON_CAPTION
) -> tuple[float, float]:
    """Size in inches of the :func:`plot_reconstructions` figure for ``shown`` examples.

    Three rows of :data:`RECON_TILE_INCHES` tiles, a left margin of :data:`RECON_LABEL_INCHES`
    for the rows' labels, and below them room for the caption's lines, wrapped to the width.
    """
    width = RECON_TILE_INCHES * shown + RECON_LABEL_INCHES
    lines = wrap_to_width(caption, width * DPI - 16, CAPTION_FONTSIZE).count("\n") + 1
    below = 0.2 * lines + 0.1 if caption else 0.0
    return width, 3 * RECON_TILE_INCHES + 0.3 + below


# --- hidden activations ---------------------------------------------------------------------------


def mean_activations(a2: Any) -> np.ndarray:
    r"""Each hidden unit's mean activation :math:`\hat\rho_j = \frac{1}{m}\sum_i a^{(2)}_{ji}`.

    Parameters
    ----------
    a2 : array of shape (hidden, m)
        Hidden activations, one example per column.

    Returns
    -------
    rho_hat : ndarray of shape (hidden,)
    """
    return host_columns("a2", a2).mean(axis=1)


def plot_activation_bars(
    rho_hat: Any,
    path: str | os.PathLike[str],
    *,
    rho: float | None = None,
    sort: bool = False,
    fraction_active: float | None = None,
) -> Path:
    r"""Bars of each hidden unit's mean activation :math:`\hat\rho_j`, and a line at ``rho``.

    The sparsity penalty :math:`\beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j)` pulls every bar
    towards the dashed line at ``rho``; bars far above it are units the penalty has not tamed
    (``beta`` too small), bars at zero are dead units. With ``sort=True`` the bars are sorted,
    largest first: with hundreds of units nobody reads a unit's number off the axis, while the
    sorted profile shows at a glance how many units sit at the target, how many are too active
    and how many are dead (the flat tail at 0). Above :data:`THIN_BARS_ABOVE` units the bars are
    one unit wide without edges, so they stay visible instead of disappearing between their
    outlines.

    Parameters
    ----------
    rho_hat : array of shape (hidden,)
        :math:`\hat\rho_j = \frac{1}{m}\sum_i a^{(2)}_j(x^{(i)})`, e.g. from
        :func:`mean_activations` or the estimator's ``sparsity_report``.
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`PLOT_FIGSIZE` at :data:`DPI`.
    rho : float in (0, 1), optional
        The sparsity target of the KL penalty, drawn as a dashed line; ``None`` when the code
        was trained without one (an L1 penalty on the activations, say): no line.
    sort : bool, default False
        Sort the bars by decreasing :math:`\hat\rho_j` instead of keeping unit order.
    fraction_active : float in [0, 1], optional
        Share of all activations ``a2`` above :data:`ACTIVE_THRESHOLD`, written in the caption
        under the axes (in a corner of the axes it covered the bars).

    Returns
    -------
    path : Path
    """
    path = check_png_path(path)
    rho_hat = host_float("rho_hat", rho_hat)
    check_ndim("rho_hat", rho_hat, 1, "(hidden,)")
    if rho is not None:
        rho = check_real("rho", rho, low=0.0, high=1.0, low_open=True, high_open=True)
    if fraction_active is not None:
        fraction_active = check_real("fraction_active", fraction_active, low=0.0, high=1.0)
    hidden = rho_hat.shape[0]
    heights = np.sort(rho_hat)[::-1] if sort else rho_hat

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    thin = hidden > THIN_BARS_ABOVE
    ax.bar(
        np.arange(hidden),
        heights,
        width=1.0 if thin else 0.8,
        linewidth=0,
        color="tab:blue",
        label=f"$\\hat\\rho_j$ (rho_hat),\nmean over units {rho_hat.mean():.3g}",
    )
    if rho is not None:
        ax.axhline(rho, color="tab:red", linestyle="--", label=f"target $\\rho$ (rho) = {rho:g}")
    ax.set_xlim(-1, hidden)
    ax.set_xlabel("hidden units j, sorted by rho_hat_j" if sort else "hidden unit j")
    ax.set_ylabel(r"mean activation $\hat\rho_j$ (rho_hat)")
    legend_outside(fig, ax)
    add_caption(fig, _bars_caption(rho, fraction_active))
    return save_figure(fig, path)


def _bars_caption(rho: float | None, fraction_active: float | None) -> str:
    """What to look for in :func:`plot_activation_bars`, with the share of active units."""
    if rho is None:
        text = "Look for: few dead units (bars at 0) and no unit far more active than the rest."
    else:
        text = (
            "Look for: bars near the dashed line rho, where the KL penalty pulls them "
            "(far above: a unit not tamed, at 0: a dead unit)."
        )
    if fraction_active is not None:
        text += (
            f" {100 * fraction_active:.1f}% of all activations a2 are above "
            f"{ACTIVE_THRESHOLD:g}."
        )
    return text


def plot_activations(
    rho_hat: Any,
    rho: float,
    path: str | os.PathLike[str],
    *,
    fraction_active: float | None = None,
) -> Path:
    r""":func:`plot_activation_bars` in unit order, for a run of the notes' KL penalty.

    The run folders' call: :math:`\hat\rho_j` of every unit against the target ``rho``
    (required here, since the notes' penalty always has one), with the share of active units.
    """
    if rho is None:
        raise ValueError("rho must be a real number in (0, 1), the sparsity target; got None")
    return plot_activation_bars(rho_hat, path, rho=rho, fraction_active=fraction_active)


def plot_mean_activation_bars(
    a2: Any, rho: float | None, path: str | os.PathLike[str], *, sort: bool = True
) -> Path:
    r""":func:`plot_activation_bars` of :func:`mean_activations` of ``a2``, sorted by default.

    The tutorials' call, from the activations themselves: ``a2`` of shape (hidden, m), one
    example per column, and ``rho`` ``None`` when the code was trained without a target.
    """
    return plot_activation_bars(mean_activations(a2), path, rho=rho, sort=sort)


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
    path = check_png_path(path)
    a2 = host_columns("a2", a2)
    rho = check_real("rho", rho, low=0.0, high=1.0, low_open=True, high_open=True)

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.hist(a2.ravel(), bins=50, range=(0.0, 1.0), color="tab:blue", log=True, label="a2")
    ax.axvline(rho, color="tab:red", linestyle="--", label=f"target $\\rho$ (rho) = {rho:g}")
    ax.set_xlabel(r"hidden activation $a^{(2)}_j(x^{(i)})$ (a2), every unit and example")
    ax.set_ylabel("count (log scale)")
    legend_outside(fig, ax)
    add_caption(
        fig,
        "Look for: a tall spike near 0 and a thin tail towards 1: a sparse code, each unit "
        "off for most examples.",
    )
    return save_figure(fig, path)
