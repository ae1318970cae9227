"""Tests of the figures: the display_network.m mosaic exactly, the plots as PNGs that open."""

from __future__ import annotations

import ast
import inspect
import math
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from ufldl_sae.plots import codes, network, training
from ufldl_sae.plots.figure import DPI, PLOT_FIGSIZE
from ufldl_sae.plots.network import TITLE_PX, display_network, save_network
from ufldl_sae.plots.training import (
    THIN_BARS_ABOVE,
    as_patches,
    mean_activations,
    plot_activation_bars,
    plot_activation_histogram,
    plot_activations,
    plot_loss,
    plot_mean_activation_bars,
    plot_reconstructions,
    reconstruction_figsize,
)

#: "A few tens of kB at most": the figures go into notebooks and the README.
MAX_PNG_BYTES = 60_000


def matlab_reshape(column: np.ndarray, sz: int) -> np.ndarray:
    """MATLAB's ``reshape(column, sz, sz)`` written out: element ``i + sz*j`` goes to ``[i, j]``."""
    tile = np.empty((sz, sz))
    for j in range(sz):
        for i in range(sz):
            tile[i, j] = column[i + sz * j]
    return tile


def read_png(path: Path) -> np.ndarray:
    """The PNG at ``path`` as an (height, width, channels) array, checking it is small."""
    assert path.exists(), f"{path} was not written"
    size = path.stat().st_size
    assert size < MAX_PNG_BYTES, f"{path.name} is {size} bytes, more than {MAX_PNG_BYTES}"
    return mpimg.imread(path)


def pixels(figsize: tuple[float, float]) -> tuple[int, int]:
    """(height, width) in pixels of a figure of ``figsize`` inches at the module's DPI."""
    return round(figsize[1] * DPI), round(figsize[0] * DPI)


# --- display_network ------------------------------------------------------------------------------


def test_known_column_lands_in_its_tile_column_major() -> None:
    sz, n = 4, 7  # default grid: 3 columns, 3 rows; tile 5 is grid row 1, grid column 2
    A = np.zeros((sz * sz, n))
    A[:, 5] = np.arange(sz * sz) ** 2  # asymmetric: the tile and its transpose differ
    mosaic = display_network(A)

    centred = A[:, 5] - A.mean()  # the course's A - mean(A(:)), over the whole matrix
    expected = matlab_reshape(centred, sz) / np.abs(centred).max()
    top, left = 1 + 1 * (sz + 1), 1 + 2 * (sz + 1)
    tile = mosaic[top : top + sz, left : left + sz]
    np.testing.assert_allclose(tile, expected, rtol=0, atol=1e-12)
    # Column-major: pixel 1 sits below pixel 0, not beside it (a row-major reshape would fail).
    assert tile[1, 0] == pytest.approx(centred[1] / np.abs(centred).max())
    assert not np.allclose(tile, expected.T)


def test_tiles_fill_the_grid_row_by_row() -> None:
    sz, n, cols = 2, 5, 2
    A = np.zeros((sz * sz, n))
    A[0, :] = np.arange(1, n + 1)  # tile k has its largest value, k + 1, in its top-left pixel
    mosaic = display_network(A, cols, normalize=False)
    corners = [mosaic[1 + (k // cols) * 3, 1 + (k % cols) * 3] for k in range(n)]
    assert np.argsort(corners).tolist() == list(range(n))
    # The sixth grid cell (row 2, column 1) has no tile: it stays black.
    assert np.all(mosaic[7:9, 4:6] == -1)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    sz=st.integers(1, 6),
    cols=st.one_of(st.none(), st.integers(1, 12)),
    seed=st.integers(0, 2**32 - 1),
)
def test_mosaic_shape_borders_and_per_tile_scale(
    n: int, sz: int, cols: int | None, seed: int
) -> None:
    A = np.random.default_rng(seed).normal(size=(sz * sz, n))
    mosaic = display_network(A, cols)
    centred = A - A.mean()

    grid_cols = math.ceil(math.sqrt(n)) if cols is None else cols
    grid_rows = math.ceil(n / grid_cols)
    step = sz + 1
    assert mosaic.shape == (grid_rows * step + 1, grid_cols * step + 1)
    assert np.all(mosaic[::step, :] == -1), "horizontal borders must be -1"
    assert np.all(mosaic[:, ::step] == -1), "vertical borders must be -1"
    for k in range(grid_rows * grid_cols):
        top, left = 1 + (k // grid_cols) * step, 1 + (k % grid_cols) * step
        tile = mosaic[top : top + sz, left : left + sz]
        if k < n and np.abs(centred[:, k]).max() > 1e-9:
            assert np.abs(tile).max() == pytest.approx(1.0), f"tile {k} is not scaled to [-1, 1]"
        elif k < n:  # the column is the mean of A (e.g. n = 1, sz = 1): nothing to scale
            assert np.all(np.abs(tile) <= 1.0)
        else:
            assert np.all(tile == -1), f"empty grid cell {k} must be black"


def test_without_normalize_tiles_share_one_scale() -> None:
    A = np.random.default_rng(0).normal(size=(9, 4))
    A[:, 2] *= 10  # one loud filter; the others must stay faint
    mosaic = display_network(A, normalize=False)
    centred = A - A.mean()
    np.testing.assert_allclose(np.abs(mosaic).max(), 1.0)
    expected = matlab_reshape(centred[:, 0], 3) / np.abs(centred).max()  # the global scale
    np.testing.assert_allclose(mosaic[1:4, 1:4], expected)
    assert np.abs(mosaic[1:4, 1:4]).max() < 0.5  # a quiet filter stays quiet


@pytest.mark.parametrize(
    "A",
    [np.zeros((64, 4)), np.ones((64, 4)), np.c_[np.zeros(16), np.arange(16.0)]],
    ids=["all-zero", "constant", "one-zero-column"],
)
def test_zero_tile_stays_finite(A: np.ndarray) -> None:
    mosaic = display_network(A)
    assert np.all(np.isfinite(mosaic))
    assert np.all(np.abs(mosaic) <= 1.0)


def test_matches_numpy_on_every_backend(backend) -> None:
    A = np.random.default_rng(1).normal(size=(25, 6))
    got = display_network(backend.asarray(A))
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, display_network(A))


@pytest.mark.parametrize(
    ("A", "cols", "match"),
    [
        (np.zeros((15, 3)), None, r"perfect-square.*15"),
        (np.zeros(16), None, r"A must be .*shape.*\(16,\)"),
        (np.zeros((16, 0)), None, r"A must be .*\(16, 0\)"),
        (np.full((4, 2), np.nan), None, r"A must be finite"),
        (np.zeros((4, 2)), 0, r"cols must be an integer >= 1"),
    ],
)
def test_display_network_rejects_bad_input(A: np.ndarray, cols: int | None, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        display_network(A, cols)


# --- save_network ---------------------------------------------------------------------------------


def test_save_network_writes_scaled_grey_png(tmp_path: Path) -> None:
    W1 = np.random.default_rng(2).normal(size=(25, 64))  # 25 hidden units of 8 x 8
    path = save_network(W1.T, tmp_path / "w1.png", scale=3)
    image = read_png(path)
    assert image.shape[:2] == (3 * 46, 3 * 46)  # 5 tiles of 8 plus 6 borders, each 3 pixels
    np.testing.assert_allclose(image[0, 0, :3], 0.0, atol=0.01)  # border -1 -> black
    rgb = image[..., :3]
    np.testing.assert_allclose(rgb[..., 0], rgb[..., 2], atol=0.01)  # grey map: r == g == b

    titled = read_png(save_network(W1.T, tmp_path / "titled.png", scale=3, title="W1"))
    assert titled.shape[:2] == (3 * 46 + TITLE_PX, 3 * 46)


def test_save_network_zero_weight_is_mid_grey(tmp_path: Path) -> None:
    A = np.zeros((4, 1))
    image = read_png(save_network(A, tmp_path / "zero.png", scale=10))
    np.testing.assert_allclose(image[15, 15, :3], 0.5, atol=0.02)  # inside the tile


def test_save_network_checks_path_and_scale(tmp_path: Path) -> None:
    A = np.zeros((4, 1))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_network(A, tmp_path / "missing" / "w1.png")
    with pytest.raises(ValueError, match=r"\.png"):
        save_network(A, tmp_path / "w1.jpg")
    with pytest.raises(ValueError, match="scale must be an integer >= 1"):
        save_network(A, tmp_path / "w1.png", scale=0)


# --- plots ----------------------------------------------------------------------------------------


def test_plot_loss(tmp_path: Path) -> None:
    iterations = np.arange(1, 401)
    cost = 40 * np.exp(-iterations / 50) + 0.5
    at = iterations[::20]
    terms = {
        "reconstruction": cost[::20] * 0.8,
        "weight decay": np.zeros(at.size),  # lambda = 0: nothing to draw on a log axis
        "sparsity": cost[::20] * 0.2,
    }
    path = plot_loss(iterations, cost, tmp_path / "loss.png", terms=terms, term_iterations=at)
    assert read_png(path).shape[:2] == pixels(PLOT_FIGSIZE)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cost": np.ones(5)}, r"cost must have shape \(10,\).*\(5,\)"),
        ({"iterations": np.ones((10, 1))}, r"iterations must be .*\(10, 1\)"),
        ({"terms": {"sparsity": np.ones(3)}}, r"terms\['sparsity'\] .*\(10,\).*\(3,\)"),
    ],
)
def test_plot_loss_rejects_bad_shapes(tmp_path: Path, kwargs: dict, match: str) -> None:
    args = {"iterations": np.arange(10), "cost": np.ones(10)} | kwargs
    with pytest.raises(ValueError, match=match):
        plot_loss(path=tmp_path / "loss.png", **args)


def test_plot_reconstructions(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0.1, 0.9, size=(64, 20))
    path = plot_reconstructions(x, 0.5 * x + 0.25, tmp_path / "recon.png", n=6)
    assert read_png(path).shape[:2] == pixels(reconstruction_figsize(6))
    # Fewer examples than n: all of them, and a non-square patch with its shape given.
    x = rng.uniform(size=(12, 3))
    path = plot_reconstructions(x, x, tmp_path / "few.png", patch_shape=(3, 4))
    assert read_png(path).shape[:2] == pixels(reconstruction_figsize(3))


def test_patches_use_matlab_reshape() -> None:
    columns = np.random.default_rng(6).normal(size=(12, 3))
    patches = as_patches(columns, (3, 4))
    assert patches.shape == (3, 3, 4)
    for k in range(3):
        for j in range(4):  # MATLAB's reshape(x, 3, 4): x(i + 3*j) -> (i, j)
            np.testing.assert_array_equal(patches[k, :, j], columns[3 * j : 3 * j + 3, k])


@pytest.mark.parametrize(
    ("originals", "reconstructions", "patch_shape", "match"),
    [
        (np.ones((64, 5)), np.ones((64, 4)), None, r"reconstructions must have shape \(64, 5\)"),
        (np.ones(64), np.ones(64), None, r"originals must be .*\(64,\)"),
        (np.ones((12, 5)), np.ones((12, 5)), None, r"perfect-square.*12"),
        (np.ones((12, 5)), np.ones((12, 5)), (3, 3), r"patch_shape .* == 12"),
    ],
)
def test_plot_reconstructions_rejects_bad_shapes(
    tmp_path: Path, originals, reconstructions, patch_shape, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        plot_reconstructions(
            originals, reconstructions, tmp_path / "r.png", patch_shape=patch_shape
        )


def test_plot_activations(tmp_path: Path) -> None:
    rho_hat = np.random.default_rng(4).uniform(0, 0.1, size=25)
    path = plot_activations(rho_hat, 0.01, tmp_path / "rho.png", fraction_active=0.04)
    assert read_png(path).shape[:2] == pixels(PLOT_FIGSIZE)
    with pytest.raises(ValueError, match=r"rho_hat must be .*\(25, 1\)"):
        plot_activations(rho_hat[:, None], 0.01, tmp_path / "rho.png")
    with pytest.raises(ValueError, match=r"rho must be a real number in \(0, 1\)"):
        plot_activations(rho_hat, 1.5, tmp_path / "rho.png")
    with pytest.raises(ValueError, match=r"fraction_active"):
        plot_activations(rho_hat, 0.01, tmp_path / "rho.png", fraction_active=2.0)


def test_plot_activation_histogram(tmp_path: Path) -> None:
    a2 = np.random.default_rng(5).beta(0.3, 10, size=(25, 500))
    path = plot_activation_histogram(a2, 0.01, tmp_path / "hist.png")
    assert read_png(path).shape[:2] == pixels(PLOT_FIGSIZE)
    with pytest.raises(ValueError, match=r"a2 must be .*\(hidden, m\).*\(12500,\)"):
        plot_activation_histogram(a2.ravel(), 0.01, tmp_path / "hist.png")


# --- one activation-bar function behind the two old names -----------------------------------------


def test_plot_activations_is_the_bar_plot_in_unit_order(tmp_path: Path) -> None:
    rho_hat = np.random.default_rng(7).uniform(0, 0.1, size=25)
    old = plot_activations(rho_hat, 0.01, tmp_path / "old.png", fraction_active=0.04)
    new = plot_activation_bars(rho_hat, tmp_path / "new.png", rho=0.01, fraction_active=0.04)
    assert old.read_bytes() == new.read_bytes()
    with pytest.raises(ValueError, match=r"rho must be a real number in \(0, 1\).*None"):
        plot_activations(rho_hat, None, tmp_path / "none.png")


def test_plot_mean_activation_bars_is_the_sorted_bar_plot_of_the_means(tmp_path: Path) -> None:
    a2 = np.random.default_rng(8).beta(0.3, 8, size=(THIN_BARS_ABOVE + 50, 40))
    old = plot_mean_activation_bars(a2, 0.05, tmp_path / "old.png")
    new = plot_activation_bars(a2.mean(axis=1), tmp_path / "new.png", rho=0.05, sort=True)
    assert old.read_bytes() == new.read_bytes()
    unsorted = plot_activation_bars(mean_activations(a2), tmp_path / "u.png", rho=0.05)
    assert read_png(unsorted).shape == read_png(new).shape
    assert not np.array_equal(read_png(unsorted), read_png(new))  # sort changes the bars


def red_pixels(image: np.ndarray) -> int:
    """Pixels of the target line's colour, tab:red = (0.84, 0.15, 0.16); no bar is red."""
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    return int(np.count_nonzero((r > 0.7) & (g < 0.3) & (b < 0.3)))


def test_plot_activation_bars_without_a_target_draws_no_line(tmp_path: Path) -> None:
    rho_hat = np.linspace(0.2, 0.3, 10)  # all bars above a target of 0.05
    plain = read_png(plot_activation_bars(rho_hat, tmp_path / "plain.png"))
    lined = read_png(plot_activation_bars(rho_hat, tmp_path / "lined.png", rho=0.05))
    assert plain.shape[:2] == lined.shape[:2] == pixels(PLOT_FIGSIZE)
    assert red_pixels(plain) == 0 < red_pixels(lined)
    with pytest.raises(ValueError, match=r"rho_hat must be .*\(hidden,\).*\(10, 1\)"):
        plot_activation_bars(rho_hat[:, None], tmp_path / "bad.png")
    with pytest.raises(ValueError, match=r"fraction_active"):
        plot_activation_bars(rho_hat, tmp_path / "bad.png", fraction_active=-0.1)


# --- the module layout the rest of the package relies on ------------------------------------------


#: What the run folders and the notebooks import from ``plots.network`` and ``plots.codes``,
#: with the parameters they pass: these must keep working from the same module paths.
CALLERS = {
    (network, "display_network"): ["A", "cols", "normalize"],
    (network, "save_network"): ["A", "path", "cols", "scale", "title"],
    (network, "plot_loss"): ["iterations", "cost", "path", "terms", "term_iterations", "title"],
    (network, "plot_reconstructions"): ["originals", "reconstructions", "path", "patch_shape", "n"],
    (network, "plot_activations"): ["rho_hat", "rho", "path", "fraction_active"],
    (codes, "plot_mean_activation_bars"): ["a2", "rho", "path", "sort"],
    (codes, "plot_code_scatter"): ["codes", "path", "units", "labels"],
    (codes, "plot_code_pca"): ["codes", "path", "labels"],
    (codes, "anomaly_threshold"): ["errors", "quantile"],
    (codes, "plot_reconstruction_error_histogram"): [
        "errors", "path", "other", "label", "other_label", "threshold", "log_x", "bins",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("where", "params"),
    list(CALLERS.items()),
    ids=[f"{module.__name__}.{name}" for module, name in CALLERS],
)
def test_callers_names_keep_their_module_and_parameters(where, params: list[str]) -> None:
    module, name = where
    parameters = inspect.signature(getattr(module, name)).parameters
    assert list(parameters)[: len(params)] == params
    # Anything added since (a caption, say) is keyword-only with a default: no caller breaks.
    added = [parameters[p] for p in list(parameters)[len(params) :]]
    assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty for p in added), added
    assert network.DPI == DPI  # the run folders size their own figures with it
    assert codes.plot_reconstructions is training.plot_reconstructions


def test_plot_modules_share_no_private_names() -> None:
    """The shared helpers are public names of plots.figure: no module reaches into another's
    underscore names."""
    reached = []
    for path in sorted((REPO / "ufldl_sae" / "plots").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                reached += [f"{path.name}: {a.name}" for a in node.names if a.name[0] == "_"]
    assert not reached, reached


@pytest.mark.parametrize("folder", ["plots", "data"])
def test_no_module_over_500_lines(folder: str) -> None:
    for path in sorted((REPO / "ufldl_sae" / folder).glob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 500, f"{path.name} has {lines} lines"


#: Every public name ``plots.network`` and ``plots.codes`` had before they were split by concept.
FORMER_NAMES = {
    network: """ACTIVE_THRESHOLD DPI PLOT_FIGSIZE RECON_LABEL_INCHES RECON_TILE_INCHES TITLE_PX
        as_patches display_network grid_shape plot_activation_histogram plot_activations
        plot_loss plot_reconstructions reconstruction_figsize save_network tile_side""",
    codes: """DPI MAX_LEGEND_CLASSES PLOT_FIGSIZE SCATTER_FIGSIZE anomaly_threshold fraction_above
        histogram_bins mean_activations needs_log_axis pca_project plot_code_pca
        plot_code_scatter plot_cost_vs_time plot_mean_activation_bars
        plot_reconstruction_error_histogram plot_reconstructions reconstruction_errors_host""",
}


@pytest.mark.parametrize("module", list(FORMER_NAMES), ids=lambda module: module.__name__)
def test_former_names_stay_importable_from_their_module(module) -> None:
    missing = [name for name in FORMER_NAMES[module].split() if not hasattr(module, name)]
    assert not missing, f"{module.__name__} lost {missing}"
