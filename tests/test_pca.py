"""PCA and whitening: the exercise's claims about the covariances, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

from ufldl_sae.backend import to_host
from ufldl_sae.data import load_natural_images, sample_images
from ufldl_sae.exercises.pca import (
    covariance,
    num_components,
    pca_basis,
    pca_recover,
    pca_reduce,
    pca_rotate,
    pca_whiten,
    zca_whiten,
    zero_mean_patches,
)


@pytest.fixture(scope="module")
def raw_patches() -> np.ndarray:
    """2,000 patches of 12 x 12 from the raw (unwhitened) embedded images."""
    return sample_images(load_natural_images(whitened=False), 12, 2000, rng=0)


def test_each_patch_loses_its_mean(backend, raw_patches):
    x = to_host(zero_mean_patches(backend.asarray(raw_patches)))
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x, raw_patches - raw_patches.mean(axis=0), atol=1e-12)


def test_rotated_covariance_is_diagonal_and_whitened_is_identity(backend, raw_patches):
    x = zero_mean_patches(backend.asarray(raw_patches))
    U, s = pca_basis(x)
    s_host = to_host(s)
    assert np.all(np.diff(s_host) <= 0), "eigenvalues must come largest first"
    cov_rot = to_host(covariance(pca_rotate(x, U)))
    np.testing.assert_allclose(cov_rot, np.diag(s_host), atol=1e-10)
    k = num_components(s, 0.99)
    assert 50 < k < 144
    white = to_host(covariance(pca_whiten(x, U, s, 0.0, k)))
    assert np.abs(white - np.eye(k)).max() < 1e-6
    # With epsilon the off-diagonal stays zero and the diagonal falls below 1.
    regular = to_host(covariance(pca_whiten(x, U, s, 0.1, k)))
    np.testing.assert_allclose(regular - np.diag(np.diag(regular)), 0.0, atol=1e-10)
    assert np.all(np.diag(regular) < 1) and np.diag(regular)[0] > 0.9


def test_mean_removal_leaves_one_zero_variance_direction(raw_patches):
    U, s = pca_basis(zero_mean_patches(raw_patches))
    assert s[-1] < 1e-10 * s[0] and s[-2] > 1e-6 * s[0]
    np.testing.assert_allclose(np.abs(U[:, -1]), 1 / 12, atol=1e-8)  # the constant patch
    with pytest.raises(ValueError, match="epsilon = 0 needs every kept eigenvalue"):
        pca_whiten(zero_mean_patches(raw_patches), U, s, 0.0)


def test_all_components_rebuild_the_data(raw_patches):
    x = zero_mean_patches(raw_patches)
    U, s = pca_basis(x)
    np.testing.assert_allclose(pca_recover(pca_reduce(x, U, 144), U), x, atol=1e-10)
    k = num_components(s, 0.99)
    x_hat = pca_recover(pca_reduce(x, U, k), U)
    kept = 1 - np.sum((x - x_hat) ** 2) / np.sum(x**2)
    assert kept == pytest.approx(s[:k].sum() / s.sum(), rel=1e-9) and kept >= 0.99


def test_zca_is_pca_whitening_rotated_back(backend, raw_patches):
    x = zero_mean_patches(backend.asarray(raw_patches))
    U, s = pca_basis(x)
    zca = to_host(zca_whiten(x, U, s, 0.1))
    U_h, s_h, x_h = to_host(U), to_host(s), to_host(x)
    W = U_h @ np.diag(1 / np.sqrt(s_h + 0.1)) @ U_h.T  # symmetric: the ZCA matrix
    np.testing.assert_allclose(zca, W @ x_h, atol=1e-10)
    np.testing.assert_allclose(W, W.T, atol=1e-12)


def test_num_components():
    s = np.array([5.0, 3.0, 1.0, 1.0])
    assert num_components(s, 0.5) == 1
    assert num_components(s, 0.8) == 2  # exactly 80% kept
    assert num_components(s, 0.81) == 3
    assert num_components(s, 1.0) == 4
    with pytest.raises(ValueError, match=r"retain must be a real number in \(0, 1\]"):
        num_components(s, 0.0)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"x must be a 2-D array"):
        zero_mean_patches(np.zeros(5))
    with pytest.raises(ValueError, match="x must be finite"):
        zero_mean_patches(np.full((4, 3), np.nan))
