r"""Reconstruction errors: their histogram, the anomaly threshold, and cost against time.

An autoencoder reconstructs data like its training data well and anything else badly, so the
per-example error :math:`\frac{1}{2}\lVert x^{(i)} - \hat x^{(i)}\rVert^2`
(:func:`reconstruction_errors_host`) is an anomaly score: above a high quantile of the normal
examples' errors (:func:`anomaly_threshold`) an example is flagged
(:func:`plot_reconstruction_error_histogram`). The same cost, measured against the clock, compares
solvers (:func:`plot_cost_vs_time`). Each figure sits beside the small computation it draws
(:func:`fraction_above`, :func:`needs_log_axis`, :func:`histogram_bins`), so the numbers can be
tested without a picture.
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
    DPI,
    PLOT_FIGSIZE,
    add_caption,
    check_png_path,
    host_columns,
    host_float_like,
    host_vector,
    legend_outside,
    positive_or_nan,
    save_figure,
)

__all__ = [
    "LOG_SPAN",
    "anomaly_threshold",
    "fraction_above",
    "histogram_bins",
    "needs_log_axis",
    "plot_cost_vs_time",
    "plot_reconstruction_error_histogram",
    "reconstruction_errors_host",
]

#: :func:`plot_reconstruction_error_histogram` switches to a log x axis by itself when the
#: largest error is more than this many times the smallest (two decades).
LOG_SPAN = 100.0


# --- per-example errors and the threshold ---------------------------------------------------------


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
    data = host_columns("data", data)
    reconstruction = host_float_like("reconstruction", reconstruction, "data", data.shape)
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
    errors = host_vector("errors", errors)
    quantile = check_real("quantile", quantile, low=0.0, high=1.0)
    return float(np.quantile(errors, quantile))


def fraction_above(errors: Any, threshold: float) -> float:
    """Share of ``errors`` strictly above ``threshold``, in [0, 1]."""
    errors = host_vector("errors", errors)
    threshold = check_real("threshold", threshold)
    return float(np.count_nonzero(errors > threshold) / errors.shape[0])


def needs_log_axis(values: Any, span: float = LOG_SPAN) -> bool:
    """Whether ``values`` call for a log axis: all positive, the largest > ``span`` x the smallest.

    Reconstruction errors of normal and anomalous data often differ by orders of magnitude; on
    a linear axis the normal ones then pile up in the first bin.
    """
    values = host_vector("values", values)
    span = check_real("span", span, low=1.0)
    low, high = float(values.min()), float(values.max())
    return low > 0 and high > span * low


def histogram_bins(values: Any, bins: int, *, log: bool) -> np.ndarray:
    """``bins + 1`` edges spanning ``values``: evenly spaced, or evenly spaced in log.

    One set of edges serves every histogram of a figure, so the bars of two groups compare.
    When all values are equal the edges span ``value +- 0.5`` (``value * [0.5, 2]`` in log).
    Log edges need positive values.
    """
    values = host_vector("values", values)
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
    path = check_png_path(path)
    errors = host_vector("errors", errors)
    groups = {label: errors}
    if other is not None:
        groups[other_label] = host_vector("other", other)
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
    ax.set_xlabel(r"reconstruction error $\frac{1}{2}\|x - a_3\|^2$ per example")
    ax.set_ylabel("examples" + (" (log scale)" if max(sizes) > 10 * min(sizes) else ""))
    # Beside the axes: inside, it would hide the bars it describes.
    legend_outside(fig, ax)
    add_caption(
        fig,
        "Look for: the second group's errors to the right of the first's; the dashed "
        "threshold flags what lies beyond it.",
    )
    return save_figure(fig, path)


# --- solvers against the clock ------------------------------------------------------------------


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
    path = check_png_path(path)
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
        seconds = host_vector(f"curves[{name!r}] seconds", seconds)
        costs = host_float_like(f"curves[{name!r}] costs", costs, "its seconds", seconds.shape)
        if np.any(np.diff(seconds) < 0):
            raise ValueError(f"curves[{name!r}] seconds must be non-decreasing (elapsed time)")
        checked[name] = seconds, costs

    fig = Figure(figsize=PLOT_FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for name, (seconds, costs) in checked.items():
        text = f"{name} (final {costs[-1]:.4g} after {seconds[-1]:.3g} s)"
        ax.plot(seconds, positive_or_nan(costs), marker="o", markersize=2, linewidth=1, label=text)
    ax.set_yscale("log")
    ax.set_xlabel("wall-clock time (s)")
    ax.set_ylabel("cost J (log scale)")
    legend_outside(fig, ax)
    if title:
        ax.set_title(title)
    add_caption(fig, "Look for: the lowest curve at the time budget you have; that solver wins.")
    return save_figure(fig, path)
