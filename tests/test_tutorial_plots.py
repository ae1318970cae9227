"""Tests of the tutorials' plots: the computations against independent ones, the PNGs by size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from ufldl_sae.model import reconstruction_cost
from ufldl_sae.plots import codes as code_plots
from ufldl_sae.plots import network, training
from ufldl_sae.plots.codes import SCATTER_FIGSIZE, pca_project, plot_code_pca, plot_code_scatter
from ufldl_sae.plots.errors import (
    anomaly_threshold,
    fraction_above,
    histogram_bins,
    needs_log_axis,
    plot_cost_vs_time,
    plot_reconstruction_error_histogram,
    reconstruction_errors_host,
)
from ufldl_sae.plots.figure import DPI, PLOT_FIGSIZE
from ufldl_sae.plots.training import mean_activations, plot_mean_activation_bars

#: A 2-D scatter of a few hundred points stays well under this (the README's figures).
MAX_PNG_BYTES = 150_000

seeds = st.integers(0, 2**32 - 1)


def read_png(path: Path, figsize: tuple[float, float]) -> np.ndarray:
    """The PNG at ``path``, checked to be non-empty, small, and ``figsize`` at DPI in pixels."""
    assert path.exists(), f"{path} was not written"
    size = path.stat().st_size
    assert 0 < size < MAX_PNG_BYTES, f"{path.name} is {size} bytes"
    image = mpimg.imread(path)
    assert image.shape[:2] == (round(figsize[1] * DPI), round(figsize[0] * DPI))
    assert image[..., :3].std() > 0.01, f"{path.name} is blank"
    return image


def codes_with_labels(seed: int, hidden: int = 20, m: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Sparse-looking codes (values in (0, 1), mostly small) whose mean depends on a digit."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=m)
    codes = rng.beta(0.5, 8, size=(hidden, m))  # (hidden, m)
    codes[labels % hidden, np.arange(m)] += 0.5  # digit d lights up unit d
    return np.clip(codes, 0, 1), labels


# --- pca_project ----------------------------------------------------------------------------------


def svd_reference(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA written independently: the SVD of the centred matrix, ``Xc = U S V^T``.

    Returns the projections ``S_k V_k^T`` (k, m), the variance shares ``s_i^2 / sum s^2`` and
    all singular values.
    """
    centred = codes - codes.mean(axis=1, keepdims=True)
    U, s, Vt = np.linalg.svd(centred, full_matrices=False)
    shares = s**2 / np.sum(s**2) if np.sum(s**2) > 0 else np.zeros_like(s)
    projected = s[:k, None] * Vt[:k]  # (k, m)
    if k > s.size:  # more components than min(hidden, m): the rest carry no variance
        projected = np.vstack([projected, np.zeros((k - s.size, codes.shape[1]))])
        shares = np.concatenate([shares, np.zeros(k - s.size)])
    return projected, shares[:k], s


@settings(max_examples=80, deadline=None)
@given(hidden=st.integers(1, 8), m=st.integers(2, 30), data=st.data(), seed=seeds)
def test_pca_project_matches_the_svd_up_to_sign(hidden: int, m: int, data, seed: int) -> None:
    k = data.draw(st.integers(1, hidden), label="k")
    codes = np.random.default_rng(seed).normal(size=(hidden, m))
    projected, ratio = pca_project(codes, k)
    expected, shares, s = svd_reference(codes, k)

    assert projected.shape == (k, m) and ratio.shape == (k,)
    np.testing.assert_allclose(ratio, shares, rtol=0, atol=1e-10)
    assert ratio.sum() <= 1 + 1e-12
    assert np.all(np.diff(ratio) <= 1e-12), "shares must come largest first"
    scale = s[0]
    variances = np.concatenate([s**2, np.zeros(max(0, k - s.size))])
    for i in range(k):
        # A component is defined (up to sign) only when its variance is apart from the others'.
        others = np.delete(variances, i)
        if others.size and np.min(np.abs(others - variances[i])) < 1e-6 * scale**2:
            continue
        sign = 1.0 if projected[i] @ expected[i] >= 0 else -1.0
        np.testing.assert_allclose(projected[i], sign * expected[i], rtol=0, atol=1e-7 * scale)


def test_pca_project_matches_scikit_learn() -> None:
    decomposition = pytest.importorskip("sklearn.decomposition")
    codes, _ = codes_with_labels(0, hidden=30, m=400)
    projected, ratio = pca_project(codes, 3)
    reference = decomposition.PCA(n_components=3, svd_solver="full").fit(codes.T)
    np.testing.assert_allclose(ratio, reference.explained_variance_ratio_, rtol=1e-10)
    theirs = reference.transform(codes.T).T  # (3, m): scikit-learn wants examples as rows
    for i in range(3):
        sign = np.sign(projected[i] @ theirs[i])
        np.testing.assert_allclose(projected[i], sign * theirs[i], rtol=0, atol=1e-10)


def test_pca_project_recovers_a_known_plane() -> None:
    """Codes that vary along two known directions, with standard deviations 3 and 1."""
    hidden, m = 12, 200
    rng = np.random.default_rng(1)
    # Two orthonormal example-space vectors orthogonal to the constant one (zero mean).
    Z, _ = np.linalg.qr(np.column_stack([np.ones(m), rng.normal(size=(m, 2))]))
    z = Z[:, 1:] * np.sqrt(m)  # (m, 2): mean 0, variance 1 each, uncorrelated
    # Two orthonormal hidden-space directions, each with its largest entry positive.
    directions, _ = np.linalg.qr(rng.normal(size=(hidden, 2)))
    directions *= np.sign(directions[np.abs(directions).argmax(axis=0), [0, 1]])
    offset = rng.uniform(0.2, 0.4, size=(hidden, 1))
    codes = offset + directions @ np.diag([3.0, 1.0]) @ z.T  # (hidden, m)

    projected, ratio = pca_project(codes, 3)
    np.testing.assert_allclose(ratio, [0.9, 0.1, 0.0], atol=1e-12)  # 9 / (9 + 1), 1 / (9 + 1)
    # The sign convention makes the largest loading positive: the built-in sign, not its flip.
    np.testing.assert_allclose(projected[0], 3.0 * z[:, 0], atol=1e-10)
    np.testing.assert_allclose(projected[1], 1.0 * z[:, 1], atol=1e-10)
    np.testing.assert_allclose(projected[2], 0.0, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(hidden=st.integers(2, 8), m=st.integers(3, 30), seed=seeds)
def test_pca_project_sign_convention_and_example_order(hidden: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    codes = rng.normal(size=(hidden, m))
    projected, ratio = pca_project(codes, 2)
    flipped, flipped_ratio = pca_project(-codes, 2)  # same loadings up to sign: flipped back
    np.testing.assert_allclose(flipped, -projected, atol=1e-8)
    np.testing.assert_allclose(flipped_ratio, ratio, atol=1e-12)
    order = rng.permutation(m)  # shuffling the examples shuffles the points, nothing else
    np.testing.assert_allclose(pca_project(codes[:, order], 2)[0], projected[:, order], atol=1e-8)


def test_pca_project_of_constant_codes_is_zero() -> None:
    projected, ratio = pca_project(np.full((4, 10), 0.3), 2)
    np.testing.assert_array_equal(ratio, [0.0, 0.0])
    np.testing.assert_allclose(projected, 0.0, atol=1e-15)


def test_pca_project_on_every_backend(backend) -> None:
    codes, _ = codes_with_labels(2, hidden=6, m=50)
    projected, ratio = pca_project(backend.asarray(codes), 2)
    assert isinstance(projected, np.ndarray)
    expected = pca_project(codes, 2)
    np.testing.assert_allclose(projected, expected[0], atol=1e-12)
    np.testing.assert_allclose(ratio, expected[1], atol=1e-12)


# --- errors, thresholds, bins ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(visible=st.integers(1, 10), m=st.integers(1, 20), seed=seeds)
def test_reconstruction_errors_match_a_loop(visible: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, x_hat = rng.uniform(size=(visible, m)), rng.uniform(size=(visible, m))
    errors = reconstruction_errors_host(x, x_hat)
    expected = np.empty(m)
    for i in range(m):
        expected[i] = 0.5 * sum((x[v, i] - x_hat[v, i]) ** 2 for v in range(visible))
    assert errors.shape == (m,)
    np.testing.assert_allclose(errors, expected, rtol=1e-12, atol=1e-15)
    # Their mean is the reconstruction term of J_sparse.
    assert errors.mean() == pytest.approx(float(reconstruction_cost(x_hat, x)), rel=1e-12)


def test_reconstruction_errors_known_values() -> None:
    x = np.array([[1.0, 0.0], [2.0, 0.0]])
    x_hat = np.array([[0.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(reconstruction_errors_host(x, x_hat), [2.5, 4.5])


@settings(max_examples=60, deadline=None)
@given(
    errors=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50),
    quantile=st.floats(0, 1),
)
def test_anomaly_threshold_is_numpy_quantile(errors: list[float], quantile: float) -> None:
    threshold = anomaly_threshold(np.array(errors), quantile)
    assert isinstance(threshold, float)
    assert threshold == np.quantile(np.array(errors), quantile)
    share = fraction_above(np.array(errors), threshold)
    assert share == sum(e > threshold for e in errors) / len(errors)


def test_threshold_of_one_to_hundred() -> None:
    errors = np.arange(1.0, 101.0)
    assert anomaly_threshold(errors) == pytest.approx(99.01)  # 1 + 0.99 * 99, interpolated
    assert fraction_above(errors, anomaly_threshold(errors)) == 0.01  # only 100 lies above
    assert anomaly_threshold(errors, 0.5) == 50.5


@settings(max_examples=40, deadline=None)
@given(hidden=st.integers(1, 10), m=st.integers(1, 20), seed=seeds)
def test_mean_activations(hidden: int, m: int, seed: int) -> None:
    a2 = np.random.default_rng(seed).uniform(size=(hidden, m))
    expected = [sum(a2[j, i] for i in range(m)) / m for j in range(hidden)]
    np.testing.assert_allclose(mean_activations(a2), expected, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=40),
    bins=st.integers(1, 30),
    log=st.booleans(),
)
def test_histogram_bins_span_the_values(values: list[float], bins: int, log: bool) -> None:
    edges = histogram_bins(np.array(values), bins, log=log)
    assert edges.shape == (bins + 1,)
    assert np.all(np.diff(edges) > 0)
    assert edges[0] <= min(values) and edges[-1] >= max(values)
    counts, _ = np.histogram(values, bins=edges)
    assert counts.sum() == len(values), "every value falls in a bin"
    steps = np.diff(np.log(edges)) if log else np.diff(edges)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-6)  # evenly spaced (in log)
    if min(values) < max(values):
        assert edges[0] == pytest.approx(min(values)) and edges[-1] == pytest.approx(max(values))


def test_needs_log_axis() -> None:
    assert needs_log_axis(np.array([0.01, 0.5, 2.0]))  # 200 times: more than two decades
    assert not needs_log_axis(np.array([0.02, 0.5, 2.0]))  # exactly 100 times
    assert not needs_log_axis(np.array([0.0, 1e-9, 5.0]))  # a zero error: no log axis
    assert needs_log_axis(np.array([1.0, 11.0]), span=10)


# --- the figures ----------------------------------------------------------------------------------


def test_plot_code_scatter(tmp_path: Path) -> None:
    codes, labels = codes_with_labels(3)
    read_png(plot_code_scatter(codes, tmp_path / "s.png", labels=labels), SCATTER_FIGSIZE)
    read_png(plot_code_scatter(codes, tmp_path / "plain.png", units=(4, 2)), SCATTER_FIGSIZE)
    # Many distinct numeric labels: a colour bar instead of a legend.
    continuous = np.random.default_rng(0).normal(size=codes.shape[1])
    read_png(plot_code_scatter(codes, tmp_path / "c.png", labels=continuous), SCATTER_FIGSIZE)
    # A few string labels: a legend.
    words = np.where(labels < 5, "low", "high")
    read_png(plot_code_scatter(codes, tmp_path / "w.png", labels=words), SCATTER_FIGSIZE)


def test_plot_code_pca(tmp_path: Path, backend) -> None:
    codes, labels = codes_with_labels(4)
    path = plot_code_pca(
        backend.asarray(codes), tmp_path / "pca.png", labels=backend.asarray(labels)
    )
    read_png(path, SCATTER_FIGSIZE)


def test_plot_mean_activation_bars(tmp_path: Path) -> None:
    a2 = np.random.default_rng(5).beta(0.3, 8, size=(400, 200))  # hundreds of units: thin bars
    read_png(plot_mean_activation_bars(a2, 0.05, tmp_path / "sorted.png"), PLOT_FIGSIZE)
    path = plot_mean_activation_bars(a2[:25], None, tmp_path / "l1.png", sort=False)
    read_png(path, PLOT_FIGSIZE)


def test_plot_reconstruction_error_histogram(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    normal, noise = rng.lognormal(0, 1, 2000), rng.lognormal(3, 0.5, 100)
    threshold = anomaly_threshold(normal)
    path = plot_reconstruction_error_histogram(
        normal, tmp_path / "h.png", other=noise, other_label="noise", threshold=threshold
    )
    read_png(path, PLOT_FIGSIZE)
    linear = rng.uniform(1.0, 2.0, 500)
    path = plot_reconstruction_error_histogram(linear, tmp_path / "lin.png", log_x=False)
    read_png(path, PLOT_FIGSIZE)


def test_plot_cost_vs_time(tmp_path: Path) -> None:
    t = np.linspace(0, 10, 60)
    curves = {
        "L-BFGS": (t, 40 * np.exp(-t) + 0.5),
        "Adam": [2 * t, 40 * np.exp(-t / 3) + 0.6],
    }
    read_png(plot_cost_vs_time(curves, tmp_path / "c.png", title="64-25"), PLOT_FIGSIZE)


def test_names_the_run_folders_import_from_codes_are_the_concept_modules_objects() -> None:
    """Re-exported, not duplicated: one definition of each figure."""
    assert code_plots.plot_reconstructions is network.plot_reconstructions
    assert code_plots.plot_reconstructions is training.plot_reconstructions
    assert code_plots.plot_mean_activation_bars is plot_mean_activation_bars
    assert code_plots.mean_activations is mean_activations
    for name in ("anomaly_threshold", "plot_reconstruction_error_histogram", "plot_cost_vs_time"):
        assert getattr(code_plots, name) is globals()[name], name


def test_plots_never_import_pyplot(tmp_path: Path) -> None:
    """Figures are Figure objects saved through Agg: pyplot, and its figure registry, stay out."""
    script = f"""
import sys
import numpy as np
from ufldl_sae.plots import codes as tp, errors, network, training
rng = np.random.default_rng(0)
codes, labels, out = rng.uniform(size=(6, 40)), rng.integers(0, 3, 40), {str(tmp_path)!r}
tp.plot_code_scatter(codes, out + "/a.png", labels=labels)
tp.plot_code_pca(codes, out + "/b.png", labels=labels)
training.plot_mean_activation_bars(codes, 0.1, out + "/c.png")
errors.plot_reconstruction_error_histogram(codes[0], out + "/d.png", threshold=0.5)
errors.plot_cost_vs_time({{"x": (np.arange(3.0), np.ones(3))}}, out + "/e.png")
network.save_network(codes[:4], out + "/f.png")
training.plot_loss(np.arange(3.0), np.ones(3), out + "/g.png")
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
"""
    env = os.environ | {"MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.png"))) == 7


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: pca_project(np.ones(5)), r"codes must be .*\(hidden, m\).*\(5,\)"),
        (lambda p: pca_project(np.ones((3, 0))), r"codes must be .*\(3, 0\)"),
        (lambda p: pca_project(np.ones((3, 4)), 4), r"k must be between 1 and hidden = 3.*4"),
        (lambda p: pca_project(np.ones((3, 4)), 0), r"k must be an integer >= 1"),
        (lambda p: pca_project(np.full((2, 2), np.inf)), r"codes must be finite.*4 entries"),
        (lambda p: plot_code_scatter(np.ones((3, 4)), p, units=(0, 3)), r"units .* \[0, 2\]"),
        (lambda p: plot_code_scatter(np.ones((3, 4)), p, units=(1, 1)), r"two different"),
        (lambda p: plot_code_scatter(np.ones((3, 4)), p, units=(-1, 0)), r"\[0, 2\].*-1"),
        (lambda p: plot_code_scatter(np.ones((3, 4)), p, units=(0,)), r"units .*\(0,\)"),
        (
            lambda p: plot_code_scatter(np.ones((3, 4)), p, labels=[1, 2, 3]),
            r"labels must have shape \(4,\).*\(3,\)",
        ),
        (
            lambda p: plot_code_pca(np.ones((3, 4)), p, labels=[0, 1, 2, np.nan]),
            r"labels must be finite",
        ),
        (
            lambda p: plot_code_scatter(np.ones((2, 12)), p, labels=[f"w{i}" for i in range(12)]),
            r"more than 10 distinct values must be numbers.*12 values",
        ),
        (lambda p: plot_code_pca(np.ones((1, 4)), p), r"at least 2 rows.*\(1, 4\)"),
        (lambda p: plot_code_pca(np.ones((3, 4)), p.with_suffix(".jpg")), r"\.png"),
        (lambda p: plot_mean_activation_bars(np.ones((3, 4)), 1.0, p), r"rho .* \(0, 1\).*1\.0"),
        (lambda p: plot_mean_activation_bars(np.ones((3, 4)), 0.0, p), r"rho .* \(0, 1\)"),
        (lambda p: plot_mean_activation_bars(np.ones(4), 0.1, p), r"a2 must be .*\(4,\)"),
        (
            lambda p: reconstruction_errors_host(np.ones((3, 4)), np.ones((4, 3))),
            r"reconstruction must have shape \(3, 4\) like data, got \(4, 3\)",
        ),
        (lambda p: reconstruction_errors_host(np.ones(3), np.ones(3)), r"data must be .*\(3,\)"),
        (lambda p: anomaly_threshold(np.array([])), r"errors must be .*\(0,\)"),
        (lambda p: anomaly_threshold(np.ones((2, 2))), r"errors must be .*\(2, 2\)"),
        (lambda p: anomaly_threshold(np.ones(3), 1.5), r"quantile .* \[0, 1\].*1\.5"),
        (lambda p: anomaly_threshold([1.0, np.nan]), r"errors must be finite, but 1 entries"),
        (lambda p: anomaly_threshold(["a", "b"]), r"errors must hold real numbers"),
        (lambda p: histogram_bins(np.array([0.0, 1.0]), 5, log=True), r"positive.*smallest is 0"),
        (lambda p: histogram_bins(np.array([1.0]), 0, log=False), r"bins must be an integer"),
        (
            lambda p: plot_reconstruction_error_histogram(np.array([0.0, 1.0]), p, log_x=True),
            r"log_x=True needs positive errors.*smallest is 0",
        ),
        (
            lambda p: plot_reconstruction_error_histogram(np.ones(3), p, other=np.ones((2, 2))),
            r"other must be .*\(2, 2\)",
        ),
        (
            lambda p: plot_reconstruction_error_histogram(
                np.array([1.0, 1e4]), p, threshold=-1.0
            ),
            r"threshold must be a real number in \(0, inf.*-1\.0",
        ),
        (
            lambda p: plot_reconstruction_error_histogram(
                np.ones(3), p, other=np.ones(3), other_label="normal"
            ),
            r"label and other_label must differ",
        ),
        (lambda p: plot_cost_vs_time({}, p), r"curves must be a non-empty mapping"),
        (lambda p: plot_cost_vs_time({"a": (np.ones(3),)}, p), r"curves\['a'\] must be a pair"),
        (
            lambda p: plot_cost_vs_time({"a": (np.arange(3.0), np.ones(2))}, p),
            r"curves\['a'\] costs must have shape \(3,\) .*\(2,\)",
        ),
        (
            lambda p: plot_cost_vs_time({"a": (np.array([0.0, 2.0, 1.0]), np.ones(3))}, p),
            r"curves\['a'\] seconds must be non-decreasing",
        ),
        (
            lambda p: plot_cost_vs_time({"a": (np.arange(2.0), [1.0, np.inf])}, p),
            r"curves\['a'\] costs must be finite",
        ),
    ],
)
def test_bad_input_is_named(tmp_path: Path, call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call(tmp_path / "figure.png")
    assert not (tmp_path / "figure.png").exists()


def test_missing_folder_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plot_cost_vs_time({"a": (np.arange(2.0), np.ones(2))}, tmp_path / "no" / "c.png")
