r"""PCA, PCA whitening and ZCA whitening, as the course's "PCA and whitening" exercise.

The exercise works on 12 x 12 patches of natural images that have *not* been whitened
(``IMAGES_RAW.mat``; here :func:`~ufldl_sae.data.load_natural_images` with ``whitened=False``),
one patch per column of ``x`` (144 x m). Each patch first loses its own mean (its brightness), so
what remains is structure. Then:

* the covariance :math:`\Sigma = \frac{1}{m} x x^T` and its eigenvectors :math:`U` (columns,
  largest eigenvalue first) and eigenvalues :math:`\lambda_i`;
* the rotated data :math:`x_{rot} = U^T x`, whose covariance is diagonal;
* :math:`k`, the fewest components that keep 99% of the variance, and the reconstruction
  :math:`\hat x = U_{:,1:k} U_{:,1:k}^T x`;
* PCA whitening :math:`x_{PCAwhite,i} = x_{rot,i} / \sqrt{\lambda_i + \epsilon}`, whose
  covariance is the identity when :math:`\epsilon = 0`;
* ZCA whitening :math:`x_{ZCAwhite} = U x_{PCAwhite}`, the whitened data rotated back, which
  looks like the images with their edges enhanced.

Removing each patch's mean makes every patch orthogonal to the constant vector, so one
eigenvalue is exactly zero (rounding makes it about 1e-17): whitening without
:math:`\epsilon` is defined only on the components with non-zero variance, and
:func:`pca_whiten` takes ``k`` for that reason. The regularizing :math:`\epsilon` (0.1 in the
course) exists because of such small eigenvalues: it keeps noise from being amplified.

The course computes :math:`U` with ``svd(sigma)``; :math:`\Sigma` is symmetric positive
semi-definite, so its singular vectors are its eigenvectors and ``eigh`` gives the same basis
(up to sign) with the accuracy of a symmetric solver. Everything runs on any array-API
backend with the ``linalg`` extension (NumPy, CuPy, ``array_api_strict``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_namespace, to_host
from ..validation import check_finite, check_int, check_matrix, check_real

__all__ = [
    "covariance",
    "num_components",
    "pca_basis",
    "pca_recover",
    "pca_reduce",
    "pca_rotate",
    "pca_whiten",
    "zca_whiten",
    "zero_mean_patches",
]


def _namespace(name: str, x: Any) -> Any:
    try:
        xp = array_namespace(x)
    except TypeError as error:
        raise ValueError(f"{name} must be an array, got {type(x).__name__}") from error
    check_matrix(name, x, xp)
    return xp


def zero_mean_patches(x: Any) -> Any:
    r"""Each patch (column) minus its own mean: :math:`x^{(i)} - \frac{1}{n}\sum_j x^{(i)}_j`.

    The course's ``x = x - repmat(mean(x, 1), size(x, 1), 1)``: brightness varies from patch
    to patch far more than structure does, and would take the first principal component.
    """
    xp = _namespace("x", x)
    check_finite("x", x, xp)
    return x - xp.mean(x, axis=0, keepdims=True)


def covariance(x: Any) -> Any:
    r"""The covariance :math:`\Sigma = \frac{1}{m} x x^T` of zero-mean data (features x m)."""
    return x @ x.T / x.shape[1]  # (n, n)


def pca_basis(x: Any) -> tuple[Any, Any]:
    r"""The principal directions of ``x`` (n x m, zero mean) and their variances.

    Returns
    -------
    U : array of shape (n, n)
        Eigenvectors of :math:`\Sigma` as columns, largest eigenvalue first.
    s : array of shape (n,)
        The eigenvalues :math:`\lambda_1 \ge \dots \ge \lambda_n \ge 0` (the variance of each
        rotated coordinate). A zero eigenvalue comes out of the solver as rounding noise, of
        either sign, up to about :math:`n \varepsilon \lambda_1`; values below that bound are
        set to exactly 0, so that whitening can tell them apart from real variance.
    """
    xp = _namespace("x", x)
    eigenvalues, eigenvectors = xp.linalg.eigh(covariance(x))  # ascending order
    s = xp.flip(eigenvalues)  # (n,), largest first
    U = xp.flip(eigenvectors, axis=1)  # (n, n), columns in the same order
    noise = x.shape[0] * xp.finfo(x.dtype).eps * s[0]
    return U, xp.where(s > noise, s, xp.zeros_like(s))


def pca_rotate(x: Any, U: Any) -> Any:
    r""":math:`x_{rot} = U^T x`: the data in the basis of principal directions (n x m)."""
    return U.T @ x


def num_components(s: Any, retain: float = 0.99) -> int:
    r"""The smallest :math:`k` with :math:`\sum_{i \le k}\lambda_i \ge` ``retain`` of the total.

    Read on the host: ``s`` has one entry per feature (144 in the exercise).
    """
    check_real("retain", retain, low=0.0, high=1.0, low_open=True)
    values = np.asarray(to_host(s), dtype=np.float64)
    fraction = np.cumsum(values) / values.sum()
    return int(np.searchsorted(fraction, retain - 1e-12) + 1)


def pca_reduce(x: Any, U: Any, k: int) -> Any:
    r""":math:`\tilde x = U_{:,1:k}^T x`: the first ``k`` rotated coordinates (k x m)."""
    k = check_int("k", k)
    return U[:, :k].T @ x


def pca_recover(x_tilde: Any, U: Any) -> Any:
    r""":math:`\hat x = U_{:,1:k}\tilde x`: the data rebuilt from ``k`` components (n x m)."""
    return U[:, : x_tilde.shape[0]] @ x_tilde


def pca_whiten(x: Any, U: Any, s: Any, epsilon: float = 0.0, k: int | None = None) -> Any:
    r"""PCA whitening, :math:`x_{PCAwhite,i} = x_{rot,i} / \sqrt{\lambda_i + \epsilon}`.

    Parameters
    ----------
    x : array of shape (n, m), zero mean
    U, s : from :func:`pca_basis`
    epsilon : float
        Regularization (the course: 0.1). With 0 the covariance of the result is the identity,
        which requires every kept :math:`\lambda_i > 0`.
    k : int, optional
        Keep the first ``k`` components (default all ``n``).

    Returns
    -------
    array of shape (k, m)
    """
    check_real("epsilon", epsilon, low=0.0)
    k = U.shape[1] if k is None else check_int("k", k)
    xp = array_namespace(x, U, s)
    if epsilon == 0 and not bool(xp.all(s[:k] > 0)):
        raise ValueError(
            "epsilon = 0 needs every kept eigenvalue to be positive, but some of the first "
            f"{k} are 0 (patches with their mean removed have one zero-variance direction); "
            "pass k below the rank, or epsilon > 0"
        )
    return pca_reduce(x, U, k) / xp.sqrt(s[:k] + epsilon)[:, None]


def zca_whiten(x: Any, U: Any, s: Any, epsilon: float = 0.1) -> Any:
    r"""ZCA whitening, :math:`x_{ZCAwhite} = U \mathrm{diag}(1/\sqrt{\lambda_i+\epsilon}) U^T x`.

    Of all whitening transforms (any rotation of :math:`x_{PCAwhite}` is white), ZCA is the one
    closest to the original data, so its output still looks like image patches; but the
    high-frequency directions, which have the smallest variance, are amplified the most, so
    smooth regions fade and edges stand out.
    """
    return U @ pca_whiten(x, U, s, epsilon)  # (n, m)
