r"""The data of the course's two exercises: natural-image patches and MNIST digits.

One module per concept:

* :mod:`~ufldl_sae.data.natural_images`: Olshausen and Field's whitening recipe
  (:func:`whiten_images`), the ten embedded whitened images that stand in for ``IMAGES.mat``
  (:func:`load_natural_images`) and a reader for the original file (:func:`load_images_mat`);
* :mod:`~ufldl_sae.data.patches`: patches drawn and normalized exactly as the course's
  ``sampleIMAGES.m`` does (:func:`sample_images`, :func:`normalize_data`);
* :mod:`~ufldl_sae.data.mnist`: MNIST read as the course's ``loadMNISTImages.m`` (784 x N doubles
  in [0, 1], one image per column, flattened column-major), downloaded once and checked against
  the published SHA-256 (:func:`fetch_mnist`, :func:`verify_mnist_folder`);
* :mod:`~ufldl_sae.data.toy_features`: synthetic activations with known features in
  superposition, for the sparse autoencoders of :mod:`ufldl_sae.beyond.saes`
  (:func:`toy_features`).

Everything works on host NumPy arrays and returns float64 NumPy arrays: move the result to a
device once, before training. This layer stands on :mod:`ufldl_sae.validation` and
:mod:`ufldl_sae.params` only, never on the model. Every name is re-exported here, so
``from ufldl_sae.data import sample_images`` keeps working.
"""

from __future__ import annotations

from .mnist import (
    MNIST_FILES,
    MNIST_MIRRORS,
    MNIST_SIZES,
    MnistDownloadError,
    fetch_mnist,
    load_mnist,
    load_mnist_images,
    load_mnist_labels,
    mnist_data_home,
    verify_mnist_folder,
)
from .natural_images import (
    NATURAL_IMAGES_FILE,
    load_images_mat,
    load_natural_images,
    natural_images_metadata,
    standardize_images,
    whiten_images,
    whitening_filter,
)
from .patches import normalize_data, sample_images
from .toy_features import ToyFeatures, toy_feature_probabilities, toy_features

__all__ = [
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "MNIST_SIZES",
    "NATURAL_IMAGES_FILE",
    "MnistDownloadError",
    "ToyFeatures",
    "fetch_mnist",
    "load_images_mat",
    "load_mnist",
    "load_mnist_images",
    "load_mnist_labels",
    "load_natural_images",
    "mnist_data_home",
    "natural_images_metadata",
    "normalize_data",
    "sample_images",
    "standardize_images",
    "toy_feature_probabilities",
    "toy_features",
    "verify_mnist_folder",
    "whiten_images",
    "whitening_filter",
]
