r"""The encoded feature space in 2-D, as the Keras and PyTorch autoencoder tutorials draw it.

Two raw hidden units against each other (:func:`plot_code_scatter`) or the codes on their first
two principal components (:func:`pca_project`, :func:`plot_code_pca`), one colour per digit. As
everywhere in this project, examples are **columns**: codes are ``hidden x m``.

The tutorials' other figures live by concept: the mean activation per hidden unit in
:mod:`ufldl_sae.plots.training` (:func:`~ufldl_sae.plots.training.plot_mean_activation_bars`),
the row of digits above their reconstructions there too
(:func:`~ufldl_sae.plots.training.plot_reconstructions`), and the reconstruction errors, the
anomaly threshold and cost against time in :mod:`ufldl_sae.plots.errors`. They are re-exported
here, where the run folders have always found them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..backend import to_host
from ..validation import check_int
from .errors import (
    anomaly_threshold,
    fraction_above,
    histogram_bins,
    needs_log_axis,
    plot_cost_vs_time,
    plot_reconstruction_error_histogram,
    reconstruction_errors_host,
)
from .figure import DPI, PLOT_FIGSIZE, add_caption, check_png_path, host_columns, save_figure
from .training import mean_activations, plot_mean_activation_bars, plot_reconstructions

__all__ = [
    "MAX_LEGEND_CLASSES",
    "SCATTER_FIGSIZE",
    "pca_project",
    "plot_code_pca",
    "plot_code_scatter",
    # re-exported from .figure, .training and .errors, where the run folders found them
    "DPI",
    "PLOT_FIGSIZE",
    "anomaly_threshold",
    "fraction_above",
    "histogram_bins",
    "mean_activations",
    "needs_log_axis",
    "plot_cost_vs_time",
    "plot_mean_activation_bars",
    "plot_reconstruction_error_histogram",
    "plot_reconstructions",
    "reconstruction_errors_host",
]

#: Size of the two scatter plots, in inches: wider than :data:`PLOT_FIGSIZE` for the legend.
SCATTER_FIGSIZE = (7.0, 5.0)
#: Labels with at most this many distinct values get one colour each and a legend (the ten
#: digits); more values are drawn on a continuous colour map with a colour bar.
MAX_LEGEND_CLASSES = 10


# --- labels ---------------------------------------------------------------------------------------


def _labels(labels: Any, m: int) -> np.ndarray:
    """``labels`` as a host vector of ``m`` entries (digits, or any numbers or strings)."""
    host = to_host(labels) if hasattr(labels, "shape") else np.asarray(labels)
    if host.shape != (m,):
        raise ValueError(
            f"labels must have shape ({m},), one per example (column of codes), got {host.shape}"
        )
    if host.dtype.kind == "f" and not np.all(np.isfinite(host)):
        raise ValueError("labels must be finite, but some entries are NaN or inf")
    return host


# --- the encoded feature space in 2-D -----------------------------------------------------------


def pca_project(codes: Any, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    r"""The codes projected on their first ``k`` principal components, and each one's share.

    Parameters
    ----------
    codes : array of shape (hidden, m)
        Hidden activations ``a2``, one example per column.
    k : int, default 2
        Components kept, ``1 <= k <= hidden``.

    Returns
    -------
    projected : ndarray of shape (k, m)
        :math:`U_k^T (a - \bar a)`: row ``i`` holds every example's coordinate on component ``i``.
    explained_variance_ratio : ndarray of shape (k,)
        :math:`\lambda_i / \sum_j \lambda_j`, largest first; zeros when the codes do not vary.

    Notes
    -----
    The rows (hidden units) are centred over the examples, :math:`\bar a = \frac{1}{m}\sum_i
    a^{(i)}`, and the ``hidden x hidden`` covariance :math:`\Sigma = \frac{1}{m}(a - \bar a)(a -
    \bar a)^T` is split by ``numpy.linalg.eigh`` into eigenvalues :math:`\lambda_i` and unit
    eigenvectors :math:`u_i` (the columns of :math:`U`), sorted by decreasing eigenvalue. The
    ``1/m`` cancels in the ratios, so ``1/(m-1)`` (scikit-learn's choice) gives the same shares.
    Eigenvalues that rounding leaves slightly negative count as 0, and a unit that is constant
    over the examples (a dead unit, say) is centred to exactly 0: the rounding error of its mean
    would otherwise become a "component" that explains 100% of nothing.

    An eigenvector is defined up to its sign. The convention here: the entry of :math:`u_i`
    with the largest absolute value is positive (the first such entry on a tie), so the
    hidden unit that weighs most in a component grows along its axis. Negating the codes
    therefore negates ``projected``, and the same codes always give the same figure.

    This is the PCA of the codes for a plot, on the host; the course's PCA exercise, on any
    backend, is :mod:`ufldl_sae.exercises.pca`.
    """
    codes = host_columns("codes", codes)
    hidden, m = codes.shape
    k = check_int("k", k)
    if k > hidden:
        raise ValueError(f"k must be between 1 and hidden = {hidden} (rows of codes), got {k}")

    centred = codes - codes.mean(axis=1, keepdims=True)  # (hidden, m)
    centred[np.ptp(codes, axis=1) == 0] = 0.0  # a constant unit: no variance, not rounding noise
    sigma = centred @ centred.T / m  # (hidden, hidden)
    eigenvalues, U = np.linalg.eigh(sigma)  # ascending
    order = np.argsort(eigenvalues)[::-1][:k]  # the k largest, largest first
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    U = U[:, order]  # (hidden, k)
    largest = np.argmax(np.abs(U), axis=0)  # (k,) row of each component's largest |entry|
    U = U * np.sign(U[largest, np.arange(k)])  # that entry becomes positive

    total = eigenvalues.sum()
    ratio = eigenvalues[order] / total if total > 0 else np.zeros(k)
    return U.T @ centred, ratio  # (k, m), (k,)


def _scatter(
    fig: Figure, ax: Any, x: np.ndarray, y: np.ndarray, labels: np.ndarray | None
) -> None:
    """Points ``(x, y)``, one colour per label (legend) or a colour map (colour bar)."""
    style = {"s": 6, "alpha": 0.6, "linewidths": 0}
    if labels is None:
        ax.scatter(x, y, color="tab:blue", **style)
        return
    classes = np.unique(labels)
    if classes.size <= MAX_LEGEND_CLASSES:
        for i, value in enumerate(classes):
            keep = labels == value
            text = f"{value:g}" if labels.dtype.kind in "fiu" else str(value)
            ax.scatter(x[keep], y[keep], color=f"C{i}", label=text, **style)
        ax.legend(
            title="label", loc="upper left", bbox_to_anchor=(1.01, 1.0), markerscale=2.5
        )
        return
    if labels.dtype.kind not in "fiub":
        raise ValueError(
            f"labels with more than {MAX_LEGEND_CLASSES} distinct values must be numbers "
            f"(drawn on a colour map), got {classes.size} values of dtype {labels.dtype}"
        )
    points = ax.scatter(x, y, c=labels.astype(np.float64), cmap="viridis", **style)
    fig.colorbar(points, ax=ax, label="label")


def plot_code_scatter(
    codes: Any,
    path: str | os.PathLike[str],
    *,
    units: Sequence[int] = (0, 1),
    labels: Any = None,
) -> Path:
    """Two hidden units against each other: the tutorials' picture of the encoded space.

    Each example (column of ``codes``) is one point at ``(a2[units[0]], a2[units[1]])``. With
    ``labels`` the points take one colour per label and a legend when there are at most
    :data:`MAX_LEGEND_CLASSES` distinct labels (the ten digits), else a colour map and a
    colour bar. Two raw units of a sparse code are mostly near 0, so expect an L-shaped cloud;
    :func:`plot_code_pca` shows the directions of largest variance instead.

    Parameters
    ----------
    codes : array of shape (hidden, m)
        Hidden activations, one example per column.
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`SCATTER_FIGSIZE` at :data:`DPI`.
    units : (int, int), default (0, 1)
        Two different hidden units, each in ``[0, hidden - 1]``: the x and the y axis.
    labels : array of shape (m,), optional
        One label per example, e.g. the digit.

    Returns
    -------
    path : Path
    """
    path = check_png_path(path)
    codes = host_columns("codes", codes)
    hidden, m = codes.shape
    try:
        i, j = (check_int("units", u, minimum=0) for u in units)
    except (TypeError, ValueError):
        i = j = -1
    if not (0 <= i < hidden and 0 <= j < hidden and i != j):
        raise ValueError(
            f"units must be two different hidden units in [0, {hidden - 1}] "
            f"(codes has {hidden} rows), got {units!r}"
        )
    labels = None if labels is None else _labels(labels, m)

    fig = Figure(figsize=SCATTER_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    _scatter(fig, ax, codes[i], codes[j], labels)
    ax.set_xlabel(f"hidden unit {i}: a2[{i}]")
    ax.set_ylabel(f"hidden unit {j}: a2[{j}]")
    ax.set_title(f"codes of {m} examples, two hidden units of {hidden}")
    add_caption(
        fig,
        "Look for: an L-shaped cloud hugging the axes (a sparse code: each unit off for most "
        "examples); labels that separate along a unit.",
    )
    return save_figure(fig, path)


def plot_code_pca(codes: Any, path: str | os.PathLike[str], *, labels: Any = None) -> Path:
    """The codes on their first two principal components (:func:`pca_project`), by label.

    Each axis says its component's share of the codes' variance: when the two shares are
    small, the 2-D picture hides most of the code and overlapping digits mean little.

    Parameters
    ----------
    codes : array of shape (hidden, m)
        Hidden activations, one example per column; at least 2 hidden units.
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`SCATTER_FIGSIZE` at :data:`DPI`.
    labels : array of shape (m,), optional
        One label per example, coloured as in :func:`plot_code_scatter`.

    Returns
    -------
    path : Path
    """
    path = check_png_path(path)
    codes = host_columns("codes", codes)
    hidden, m = codes.shape
    if hidden < 2:
        raise ValueError(
            f"codes must have at least 2 rows (hidden units) for 2 components, "
            f"got shape {codes.shape}"
        )
    labels = None if labels is None else _labels(labels, m)
    projected, ratio = pca_project(codes, 2)

    fig = Figure(figsize=SCATTER_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    _scatter(fig, ax, projected[0], projected[1], labels)
    ax.set_xlabel(f"principal component 1 ({100 * ratio[0]:.1f}% of variance)")
    ax.set_ylabel(f"principal component 2 ({100 * ratio[1]:.1f}% of variance)")
    ax.set_title(f"PCA of the codes: {m} examples, {hidden} hidden units")
    add_caption(
        fig,
        "Look for: one cluster per label; with small variance shares the 2-D view hides most "
        "of the code.",
    )
    return save_figure(fig, path)
