"""PCA, PCA whitening and ZCA whitening of raw image patches (``pca_gray.m``), end to end, with
a run folder: the numbers that check the exercise's claims, and the figures."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import data as data_layer
from ..backend import to_host
from ..exercises.pca import (
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
from ..plots import network as visualize
from .exercise_run import ExerciseConfig, ExerciseRun
from .mnist_sets import Device

__all__ = ["run_pca"]


def run_pca(
    *,
    patch_size: int = 12,
    num_patches: int = 10000,
    retain: float = 0.99,
    epsilon: float = 0.1,
    seed: int = 0,
    backend: str = "numpy",
    dtype: str = "float64",
    out: str | Path | None = None,
    progress_every: int = 0,
) -> dict[str, Any]:
    """PCA, PCA whitening and ZCA whitening of raw image patches, as ``pca_gray.m``.

    10,000 patches of 12 x 12 pixels from the embedded images *before* whitening, each patch's
    mean removed; ``k`` keeps 99% of the variance; epsilon 0.1. The metrics check the claims
    of the exercise: the covariance of ``x_rot`` is diagonal, and that of the PCA-whitened data
    without epsilon (on the ``k`` kept components) is the identity. Figures: the raw patches,
    their reconstruction from ``k`` components, the ZCA-whitened patches, and the covariance
    matrices. ``retain`` and ``epsilon`` are checked once, by the functions of
    :mod:`ufldl_sae.exercises.pca` that use them, before anything is written.
    """
    settings = {
        "patch_size": patch_size,
        "num_patches": num_patches,
        "retain": retain,
        "epsilon": epsilon,
    }
    config = ExerciseConfig("pca", None, None, backend, dtype, seed, 0, settings)
    device = Device(backend, dtype)
    run = ExerciseRun(out, config, progress_every)
    start = time.perf_counter()
    images = data_layer.load_natural_images(whitened=False)
    patches = data_layer.sample_images(images, patch_size, num_patches, seed)
    x = zero_mean_patches(device.put(patches))  # (n, m)
    n = x.shape[0]

    U, s = pca_basis(x)
    x_rot = pca_rotate(x, U)
    k = num_components(s, retain)
    x_hat = pca_recover(pca_reduce(x, U, k), U)
    white = pca_whiten(x, U, s, 0.0, k)  # epsilon 0: the identity, on the k kept components
    white_eps = pca_whiten(x, U, s, epsilon)
    zca = zca_whiten(x, U, s, epsilon)

    cov_rot = to_host(covariance(x_rot))
    cov_white = to_host(covariance(white))
    cov_white_eps = to_host(covariance(white_eps))
    off = cov_rot - np.diag(np.diag(cov_rot))
    s_host = to_host(s)
    run.arrays.update(U=to_host(U), s=s_host)

    shown = min(100, num_patches)
    for name, value, title in (
        ("raw", x, "raw patches, mean removed"),
        ("pca-reconstructed", x_hat, f"PCA with k = {k} of {n} ({100 * retain:g}% variance)"),
        ("zca-whitened", zca, f"ZCA whitened, epsilon {epsilon:g}"),
    ):
        tiles = to_host(value[:, :shown])
        run.figure(f"{name}.png", partial(visualize.save_network, tiles, title=title))
    covariances = {
        "x_rot": cov_rot,
        "PCA white, epsilon 0": cov_white,
        f"PCA white, epsilon {epsilon:g}": cov_white_eps,
    }
    run.figure("covariance.png", partial(_plot_covariances, covariances))
    identity_error = float(np.abs(cov_white - np.eye(k)).max())
    metrics = {
        "exercise": "pca",
        "k": k,
        "n": n,
        "retained_variance": float(s_host[:k].sum() / s_host.sum()),
        "rotated_offdiagonal_max": float(np.abs(off).max()),
        "rotated_diagonal_max": float(np.abs(np.diag(cov_rot)).max()),
        "whitened_identity_error": identity_error,
        "whitened_epsilon_diagonal_range": [
            float(np.diag(cov_white_eps).min()),
            float(np.diag(cov_white_eps).max()),
        ],
        "zero_eigenvalues": int(np.sum(s_host <= 1e-10 * s_host[0])),
        "wall_time_s": round(time.perf_counter() - start, 3),
        "backend": backend,
        "dtype": dtype,
        **settings,
    }
    run.say(
        f"k = {k} of {n} components keep {100 * metrics['retained_variance']:.2f}% of the "
        f"variance; max |cov(PCA white) - I| = {identity_error:.2e} on those k"
    )
    return run.finish(metrics)


def _plot_covariances(matrices: dict[str, np.ndarray], path: Path) -> Path:
    fig = Figure(figsize=(3.2 * len(matrices), 3.4), dpi=visualize.DPI, layout="constrained")
    for i, (title, C) in enumerate(matrices.items(), start=1):
        ax = fig.add_subplot(1, len(matrices), i)
        image = ax.imshow(C, cmap="viridis")
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.savefig(path, format="png", dpi=visualize.DPI, metadata={"Software": None})
    return path
