r"""The plots of the popular Keras and PyTorch sparse-autoencoder tutorials, for this project.

Those tutorials look at a trained autoencoder in a handful of ways, each one figure here:

* the encoded feature space in 2-D: two raw hidden units against each other
  (:func:`plot_code_scatter`) or the first two principal components of the codes
  (:func:`plot_code_pca`), coloured by digit;
* each hidden unit's mean activation :math:`\hat\rho_j` against the target :math:`\rho`
  (:func:`plot_mean_activation_bars`);
* the per-example reconstruction error, the basis of anomaly detection: a histogram with a
  threshold (:func:`plot_reconstruction_error_histogram`);
* cost against wall-clock time, to compare solvers such as L-BFGS and Adam
  (:func:`plot_cost_vs_time`).

The tutorials' row of ten digits above their reconstructions is
:func:`ufldl_sae.plots.network.plot_reconstructions` (its default ``n`` is 10); it is re-exported
here, not duplicated.

Each figure sits beside the small computation it draws (:func:`pca_project`,
:func:`mean_activations`, :func:`reconstruction_errors_host`, :func:`anomaly_threshold`,
:func:`fraction_above`, :func:`needs_log_axis`, :func:`histogram_bins`), so the numbers can
be tested without a picture.
As everywhere in this project, examples are **columns**: codes are ``hidden x m``, data
``visible x m``. Arrays of any backend are copied to the host first
(:func:`~ufldl_sae.backend.to_host`); figures are :class:`matplotlib.figure.Figure` objects
written through Agg, never pyplot, in the style of :mod:`ufldl_sae.plots.network` (PNG only,
:data:`~ufldl_sae.plots.network.DPI` dots per inch).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..backend import to_host
from ..validation import check_int, check_real
from .network import (
    DPI,
    PLOT_FIGSIZE,
    _check_ndim,
    _check_png_path,
    _host_float,
    _positive,
    _save,
    plot_reconstructions,
)

__all__ = [
    "SCATTER_FIGSIZE",
    "anomaly_threshold",
    "fraction_above",
    "histogram_bins",
    "mean_activations",
    "needs_log_axis",
    "pca_project",
    "plot_code_pca",
    "plot_code_scatter",
    "plot_cost_vs_time",
    "plot_mean_activation_bars",
    "plot_reconstruction_error_histogram",
    "plot_reconstructions",  # from visualize: ten originals above their reconstructions
    "reconstruction_errors_host",
]

#: Size of the two scatter plots, in inches: wider than :data:`PLOT_FIGSIZE` for the legend.
SCATTER_FIGSIZE = (7.0, 5.0)
#: Labels with at most this many distinct values get one colour each and a legend (the ten
#: digits); more values are drawn on a continuous colour map with a colour bar.
MAX_LEGEND_CLASSES = 10
#: Above this many hidden units the bars of :func:`plot_mean_activation_bars` touch (width 1,
#: no edge): 196 or 400 bars on a 600-pixel axis leave no room for gaps.
THIN_BARS_ABOVE = 100
#: :func:`plot_reconstruction_error_histogram` switches to a log x axis by itself when the
#: largest error is more than this many times the smallest (two decades).
LOG_SPAN = 100.0


# --- input checks ---------------------------------------------------------------------------------


def _codes(name: str, x: Any) -> np.ndarray:
    """``x`` as a finite float64 host matrix, one example per column."""
    x = _host_float(name, x)
    _check_ndim(name, x, 2, "(hidden, m), one example per column")
    return x


def _vector(name: str, x: Any) -> np.ndarray:
    """``x`` as a finite, non-empty float64 host vector."""
    x = _host_float(name, x)
    _check_ndim(name, x, 1, "(m,)")
    return x


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


# --- the encoded feature space in 2-D -------------------------------------------------------------


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
    codes = _codes("codes", codes)
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
    path = _check_png_path(path)
    codes = _codes("codes", codes)
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
    return _save(fig, path)


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
    path = _check_png_path(path)
    codes = _codes("codes", codes)
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
    return _save(fig, path)


# --- mean activation per hidden unit --------------------------------------------------------------


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
    return _codes("a2", a2).mean(axis=1)


def plot_mean_activation_bars(
    a2: Any, rho: float | None, path: str | os.PathLike[str], *, sort: bool = True
) -> Path:
    r"""Bars of :math:`\hat\rho_j` for every hidden unit, and a line at the target ``rho``.

    By default the bars are **sorted**, largest first: with hundreds of units nobody reads a
    unit's number off the axis, while the sorted profile shows at a glance how many units sit
    at the target, how many are too active and how many are dead (the flat tail at 0).
    ``sort=False`` keeps unit order, as :func:`ufldl_sae.plots.network.plot_activations` does.
    Above :data:`THIN_BARS_ABOVE` units the bars are one unit wide without edges, so they
    stay visible instead of disappearing between their outlines.

    Parameters
    ----------
    a2 : array of shape (hidden, m)
        Hidden activations, one example per column.
    rho : float in (0, 1), or None
        The sparsity target of the KL penalty, drawn as a dashed line; ``None`` when the code
        was trained without one (an L1 penalty on the activations, say): no line.
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`PLOT_FIGSIZE` at :data:`DPI`.
    sort : bool, default True
        Sort the bars by decreasing :math:`\hat\rho_j`.

    Returns
    -------
    path : Path
    """
    path = _check_png_path(path)
    rho_hat = mean_activations(a2)
    if rho is not None:
        rho = check_real("rho", rho, low=0.0, high=1.0, low_open=True, high_open=True)
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
        label=f"rho_hat_j (mean over units {rho_hat.mean():.3g})",
    )
    if rho is not None:
        ax.axhline(rho, color="tab:red", linestyle="--", label=f"target rho = {rho:g}")
    ax.set_xlim(-1, hidden)
    ax.set_xlabel("hidden units, sorted by rho_hat_j" if sort else "hidden unit j")
    ax.set_ylabel("mean activation rho_hat_j")
    ax.legend(loc="upper right")
    return _save(fig, path)


# --- reconstruction errors and anomalies ----------------------------------------------------------


def reconstruction_errors_host(data: Any, reconstruction: Any) -> np.ndarray:
    r"""Each example's squared error :math:`\frac{1}{2}\lVert x^{(i)} - \hat x^{(i)}\rVert^2`.

    The host-side computation for the plots (the model can compute the same on the device);
    the mean of these errors is the reconstruction term of the cost :math:`J_{sparse}`.

    Parameters
    ----------
    data : array of shape (visible, m)
        Examples :math:`x^{(i)}`, one per column.
    reconstruction : array of shape (visible, m)
        The network's outputs :math:`\hat x^{(i)} = a^{(3)}` for the same columns.

    Returns
    -------
    errors : ndarray of shape (m,)
    """
    data = _codes("data", data)
    reconstruction = _host_float("reconstruction", reconstruction)
    if reconstruction.shape != data.shape:
        raise ValueError(
            f"reconstruction must have shape {data.shape} like data, got {reconstruction.shape}"
        )
    error = data - reconstruction  # (visible, m)
    return 0.5 * np.einsum("vm,vm->m", error, error)  # (m,) column by column


def anomaly_threshold(errors: Any, quantile: float = 0.99) -> float:
    """The ``quantile`` of the reconstruction errors: above it, an example counts as anomalous.

    With the default 0.99, 1% of the (normal) examples the threshold is computed on lie above
    it: the false-alarm rate one accepts. ``numpy.quantile`` with its default linear
    interpolation.

    Parameters
    ----------
    errors : array of shape (m,)
        Per-example errors, e.g. from :func:`reconstruction_errors_host`.
    quantile : float in [0, 1], default 0.99

    Returns
    -------
    threshold : float
    """
    errors = _vector("errors", errors)
    quantile = check_real("quantile", quantile, low=0.0, high=1.0)
    return float(np.quantile(errors, quantile))


def fraction_above(errors: Any, threshold: float) -> float:
    """Share of ``errors`` strictly above ``threshold``, in [0, 1]."""
    errors = _vector("errors", errors)
    threshold = check_real("threshold", threshold)
    return float(np.count_nonzero(errors > threshold) / errors.shape[0])


def needs_log_axis(values: Any, span: float = LOG_SPAN) -> bool:
    """Whether ``values`` call for a log axis: all positive, the largest > ``span`` x the smallest.

    Reconstruction errors of normal and anomalous data often differ by orders of magnitude; on
    a linear axis the normal ones then pile up in the first bin.
    """
    values = _vector("values", values)
    span = check_real("span", span, low=1.0)
    low, high = float(values.min()), float(values.max())
    return low > 0 and high > span * low


def histogram_bins(values: Any, bins: int, *, log: bool) -> np.ndarray:
    """``bins + 1`` edges spanning ``values``: evenly spaced, or evenly spaced in log.

    One set of edges serves every histogram of a figure, so the bars of two groups compare.
    When all values are equal the edges span ``value +- 0.5`` (``value * [0.5, 2]`` in log).
    Log edges need positive values.
    """
    values = _vector("values", values)
    bins = check_int("bins", bins)
    if log and values.min() <= 0:
        raise ValueError(
            f"log-spaced bins need positive values, but the smallest is {values.min():g}"
        )
    low, high = float(values.min()), float(values.max())
    if log:
        if low == high:
            low, high = low / 2, high * 2
        return np.geomspace(low, high, bins + 1)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)


def plot_reconstruction_error_histogram(
    errors: Any,
    path: str | os.PathLike[str],
    *,
    other: Any = None,
    label: str = "normal",
    other_label: str = "anomalous",
    threshold: float | None = None,
    log_x: bool | None = None,
    bins: int = 50,
) -> Path:
    """Histogram of per-example reconstruction errors, with an anomaly threshold.

    An autoencoder reconstructs data like its training data well and anything else badly,
    so the errors of ``other`` data (noise, letters, a digit left out of training) should sit to
    the right of those of the normal data. Both histograms share their bin edges
    (:func:`histogram_bins`); their counts are drawn on a log axis when one group is much
    larger than the other. The threshold's legend entry gives the share of each group above it:
    false alarms for ``errors``, detections for ``other``.

    Parameters
    ----------
    errors : array of shape (m,)
        Per-example errors of the normal data (:func:`reconstruction_errors_host`).
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`PLOT_FIGSIZE` at :data:`DPI`.
    other : array of shape (n,), optional
        Errors of a second group, e.g. anomalous data, overlaid in another colour.
    label, other_label : str
        Legend names of the two groups.
    threshold : float, optional
        A vertical line, e.g. :func:`anomaly_threshold` of ``errors``.
    log_x : bool, optional
        Log-spaced bins on a log x axis. By default chosen by the data
        (:func:`needs_log_axis`): on when every error is positive and the largest is more than
        :data:`LOG_SPAN` times the smallest.
    bins : int, default 50

    Returns
    -------
    path : Path
    """
    path = _check_png_path(path)
    errors = _vector("errors", errors)
    groups = {label: errors}
    if other is not None:
        groups[other_label] = _vector("other", other)
        if other_label == label:
            raise ValueError(f"label and other_label must differ, both are {label!r}")
    bins = check_int("bins", bins)
    everything = np.concatenate(list(groups.values()))
    if log_x is None:
        log_x = needs_log_axis(everything)
    elif log_x and everything.min() <= 0:
        raise ValueError(
            f"log_x=True needs positive errors, but the smallest is {everything.min():g}"
        )
    if threshold is not None:
        threshold = check_real("threshold", threshold, low=0.0 if log_x else None, low_open=True)

    edges = histogram_bins(everything, bins, log=log_x)
    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for (name, values), colour in zip(groups.items(), ("tab:blue", "tab:orange"), strict=False):
        ax.hist(values, bins=edges, color=colour, alpha=0.6, label=f"{name} ({values.size})")
    if threshold is not None:
        shares = "".join(
            f"\n{100 * fraction_above(values, threshold):.1f}% of {name}"
            for name, values in groups.items()
        )
        ax.axvline(
            threshold,
            color="tab:red",
            linestyle="--",
            label=f"threshold {threshold:.3g}, above it:{shares}",
        )
    if log_x:
        ax.set_xscale("log")
    sizes = [values.size for values in groups.values()]
    if max(sizes) > 10 * min(sizes):
        ax.set_yscale("log")
    ax.set_xlabel("reconstruction error (1/2)||x - x_hat||^2 per example")
    ax.set_ylabel("examples")
    # Above the axes, in one row: inside, it would hide the bars it describes.
    fig.legend(loc="outside upper center", ncols=3, fontsize="small")
    return _save(fig, path)


# --- solvers against the clock --------------------------------------------------------------------


def plot_cost_vs_time(
    curves: Mapping[str, tuple[Any, Any]],
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Cost against wall-clock seconds for several solvers on one figure (log cost axis).

    Iterations of L-BFGS and epochs of Adam cost different amounts of time, so the fair
    comparison is the cost reached after so many seconds. Each legend entry gives the solver's
    final cost and time. Costs <= 0 cannot be drawn on the log axis and are left out.

    Parameters
    ----------
    curves : mapping of str to (seconds, costs)
        For each solver, two arrays of shape (k,): the elapsed seconds (non-decreasing) and
        the cost measured then, e.g. ``{"L-BFGS": (t1, J1), "Adam": (t2, J2)}``.
    path : str or path-like
        A ``.png`` file in an existing folder; :data:`PLOT_FIGSIZE` at :data:`DPI`.
    title : str, optional

    Returns
    -------
    path : Path
    """
    path = _check_png_path(path)
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(
            "curves must be a non-empty mapping of solver name to (seconds, costs), "
            f"got {curves!r}"
        )
    checked = {}
    for name, pair in curves.items():
        try:
            seconds, costs = pair
        except (TypeError, ValueError):
            raise ValueError(
                f"curves[{name!r}] must be a pair (seconds, costs), got {type(pair).__name__}"
            ) from None
        seconds = _vector(f"curves[{name!r}] seconds", seconds)
        costs = _host_float(f"curves[{name!r}] costs", costs)
        if costs.shape != seconds.shape:
            raise ValueError(
                f"curves[{name!r}] costs must have shape {seconds.shape} like its seconds, "
                f"got {costs.shape}"
            )
        if np.any(np.diff(seconds) < 0):
            raise ValueError(f"curves[{name!r}] seconds must be non-decreasing (elapsed time)")
        checked[name] = seconds, costs

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for name, (seconds, costs) in checked.items():
        text = f"{name} (final {costs[-1]:.4g} after {seconds[-1]:.3g} s)"
        ax.plot(seconds, _positive(costs), marker="o", markersize=2, linewidth=1, label=text)
    ax.set_yscale("log")
    ax.set_xlabel("wall-clock time (s)")
    ax.set_ylabel("cost J")
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return _save(fig, path)
