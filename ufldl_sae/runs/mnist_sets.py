"""What the later exercises share before training: MNIST's four arrays, the course's splits, sizes
checked against the data, and the backend the numbers are moved to (once each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import data as data_layer
from ..backend import from_host, get_dtype, get_namespace
from ..validation import check_int

__all__ = ["MNIST_SIZES", "Device", "first_count", "load_mnist_sets", "self_taught_split"]

#: How many digits each MNIST set holds.
MNIST_SIZES = {"train": 60000, "test": 10000}


def load_mnist_sets(
    mnist_dir: str | Path | None = None, data_home: str | Path | None = None
) -> dict[str, np.ndarray]:
    """The four MNIST arrays: ``train_images`` (784 x 60000), ``train_labels``, ``test_*``.

    From ``mnist_dir`` (a folder holding the four original files, checked by SHA-256) or else
    the download cache (:func:`~ufldl_sae.data.fetch_mnist`). Images in [0, 1], column-major,
    as ``loadMNISTImages.m``; labels the digits 0..9.
    """
    if mnist_dir is not None:
        paths = data_layer.verify_mnist_folder(mnist_dir)
    else:
        paths = data_layer.fetch_mnist(data_home)
    train_images, train_labels = data_layer.load_mnist(paths["train_images"], paths["train_labels"])
    test_images, test_labels = data_layer.load_mnist(paths["test_images"], paths["test_labels"])
    return {
        "train_images": train_images,
        "train_labels": train_labels,
        "test_images": test_images,
        "test_labels": test_labels,
    }


def first_count(name: str, count: int, available: int) -> int:
    """``count`` first examples of ``available``: an integer >= 1 and at most ``available``."""
    count = check_int(name, count)
    if count > available:
        raise ValueError(f"{name} must be at most {available} (what the data hold), got {count}")
    return count


def self_taught_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of ``stlExercise.m``'s three sets, in file order.

    Unlabeled: every digit 5-9 (their labels are never used). Labeled: digits 0-4, the first
    half (rounded) for training the classifier, the rest for testing it.
    """
    unlabeled = np.flatnonzero(labels >= 5)
    labeled = np.flatnonzero(labels <= 4)
    num_train = int(round(labeled.size / 2))
    return unlabeled, labeled[:num_train], labeled[num_train:]


class Device:
    """The chosen backend and dtype; moves host arrays there, once each."""

    def __init__(self, backend: str, dtype: str) -> None:
        self.xp = get_namespace(backend)
        self.dtype = get_dtype(self.xp, dtype)

    def put(self, a: np.ndarray) -> Any:
        """Examples (or parameters) on the backend, in the run's floating dtype."""
        return from_host(a, self.xp, dtype=self.dtype)

    def labels(self, y: np.ndarray) -> Any:
        """Class labels on the backend, as integers."""
        return from_host(np.asarray(y, dtype=np.int64), self.xp)
