"""Tests of the figures: the display_network.m mosaic exactly, the plots as PNGs that open."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ufldl_sae.plots.network import (
    DPI,
    PLOT_FIGSIZE,
    TITLE_PX,
    as_patches,
    display_network,
    plot_activation_histogram,
    plot_activations,
    plot_loss,
    plot_reconstructions,
    reconstruction_figsize,
    save_network,
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
