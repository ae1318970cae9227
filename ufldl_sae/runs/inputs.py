"""The data of a training run, built as the course builds it, from a :class:`RunConfig`.

Training data come first and always; the held-out examples only when ``test_examples`` asks
for them. Both are visible x m, float64, on the host: the estimator moves them to the backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import data as data_layer
from .config import RunConfig

__all__ = ["prepare_data", "prepare_test_data"]


def prepare_data(config: RunConfig) -> np.ndarray:
    """The training data as the course builds it, visible x m, float64 on the host.

    ``patches``: ``normalize_data(sample_images(images, patch_size, num_patches))`` from the
    embedded whitened images, or from a user's ``IMAGES.mat``. ``mnist``: the first
    ``num_images`` training digits, from a folder the user names or the verified cache.
    """
    rng = np.random.default_rng(config.seed)
    if config.data == "patches":
        patches = data_layer.sample_images(_images(config), config.patch_size, config.num_patches,
                                           rng)  # fmt: skip
        return data_layer.normalize_data(patches)
    images = data_layer.load_mnist_images(_mnist_paths(config)["train_images"])
    if config.num_images > images.shape[1]:
        raise ValueError(
            f"num_images must be at most {images.shape[1]} (the MNIST training set), "
            f"got {config.num_images}"
        )
    return images[:, : config.num_images]


def prepare_test_data(config: RunConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """Held-out examples (visible x ``test_examples``) and their labels, for the test error.

    MNIST: the first digits of the test set, with their labels. Patches: fresh patches drawn
    from the same images with another seed (no labels).
    """
    n = config.test_examples
    if config.data == "patches":
        rng = np.random.default_rng([config.seed, 2])
        patches = data_layer.sample_images(_images(config), config.patch_size, n, rng)
        return data_layer.normalize_data(patches), None
    paths = _mnist_paths(config)
    images = data_layer.load_mnist_images(paths["test_images"])
    if n > images.shape[1]:
        raise ValueError(
            f"test_examples must be at most {images.shape[1]} (the MNIST test set), got {n}"
        )
    labels = data_layer.load_mnist_labels(paths["test_labels"])
    return images[:, :n], labels[:n]


def _images(config: RunConfig) -> np.ndarray:
    if config.images:
        return data_layer.load_images_mat(config.images)
    return data_layer.load_natural_images(whitened=config.whitened)


def _mnist_paths(config: RunConfig) -> dict[str, Path]:
    if config.mnist_dir:
        return data_layer.verify_mnist_folder(config.mnist_dir)
    return data_layer.fetch_mnist(config.data_home)
