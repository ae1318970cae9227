"""A real network's activations: the hidden layer ``a2`` of the notes' 784-196 sparse
autoencoder on MNIST, the first layer of the stacked exercise.

Interpretability research trains its sparse autoencoders on the activations of a network
somebody else trained; no true features are known there, so the dictionary is judged by its
reconstruction metrics and by looking at what each latent responds to. The network here is the
one the package trains itself: :func:`mnist_activations` either trains the notes' sparse
autoencoder (the vectorization exercise's settings, :data:`NOTES_ENCODER`, on the first
``encoder_images`` training digits for ``encoder_iter`` L-BFGS iterations: the defaults,
5,000 digits and 100 iterations, take about a minute on two cores, where the exercise's
10,000 digits and 400 iterations take several), or reads the weights of a finished
``ufldl-sae train --preset mnist`` run folder (``theta.npz``'s arrays only, never a pickle).
It returns ``a2 = sigmoid(W1 x + b1)`` (196 x m) of the first ``num_images`` training digits
and of the first ``test_examples`` test digits, with their labels and images.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..model import feedforward_autoencoder
from ..optimize import train_sparse_autoencoder
from ..params import initialize_parameters, theta_size, unpack
from ..validation import check_int
from .config import PRESETS, read_config
from .folder import RunFolder
from .mnist_sets import MNIST_SIZES, first_count, load_mnist_sets

__all__ = [
    "DEFAULT_ENCODER_IMAGES",
    "DEFAULT_ENCODER_ITER",
    "MNIST_PIXELS",
    "NOTES_ENCODER",
    "MnistActivations",
    "encoder_from_run",
    "hidden_activations",
    "mnist_activations",
    "train_encoder",
]

MNIST_PIXELS = 784
#: The vectorization exercise's model (the ``mnist`` preset): 196 sigmoid units, rho 0.1,
#: lambda 3e-3, beta 3. Only the number of digits and iterations is cut, to keep it a minute.
NOTES_ENCODER = {k: PRESETS["mnist"][k] for k in ("hidden_size", "sparsity_param", "lambda_",
                                                  "beta")}  # fmt: skip
DEFAULT_ENCODER_IMAGES = 5000
DEFAULT_ENCODER_ITER = 100


@dataclass(frozen=True)
class MnistActivations:
    """The hidden activations of the notes' encoder on training and test digits.

    ``train`` and ``test`` are ``a2`` (hidden x m, float64 on the host), ``*_images`` the
    digits they come from (784 x m, in [0, 1]) and ``*_labels`` their digits 0..9. ``theta``
    is the whole notes' autoencoder ``[W1(:); W2(:); b1; b2]`` (its decoder ``W2`` maps a code
    back to the output's pre-activation); ``encoder`` says where it came from: ``source``
    ``"trained"`` with the digits, iterations, final cost, seconds and the notes' settings, or
    ``"run"`` with the run folder read.
    """

    train: np.ndarray
    train_labels: np.ndarray
    train_images: np.ndarray
    test: np.ndarray
    test_labels: np.ndarray
    test_images: np.ndarray
    theta: np.ndarray
    hidden_size: int
    encoder: dict[str, Any]

    @property
    def W1(self) -> np.ndarray:
        """The encoder's weights (hidden x 784): row j is hidden unit j's filter."""
        return unpack(self.theta, MNIST_PIXELS, self.hidden_size)[0]

    @property
    def W2(self) -> np.ndarray:
        """The notes' decoder (784 x hidden): column j is what unit j adds to ``z3``."""
        return unpack(self.theta, MNIST_PIXELS, self.hidden_size)[1]


def hidden_activations(theta: Any, hidden_size: int, images: Any) -> Any:
    """``a2 = sigmoid(W1 x + b1)`` of ``images`` (784 x m): the notes' feedforward pass
    (:func:`~ufldl_sae.model.feedforward_autoencoder`, which also refuses NaN), the layer a
    classifier or a second autoencoder reads in the stacked exercise."""
    return feedforward_autoencoder(theta, hidden_size, MNIST_PIXELS, images)


def train_encoder(
    images: np.ndarray,
    *,
    max_iter: int = DEFAULT_ENCODER_ITER,
    seed: int = 0,
    progress: bool | Callable[..., Any] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The notes' sparse autoencoder (:data:`NOTES_ENCODER`) trained on ``images`` (784 x m)
    by L-BFGS from the course's random start (seeded): its theta and how it went."""
    n = NOTES_ENCODER
    theta0 = initialize_parameters(n["hidden_size"], MNIST_PIXELS, np.random.default_rng(seed))
    start = time.perf_counter()
    result = train_sparse_autoencoder(
        theta0, MNIST_PIXELS, n["hidden_size"], n["lambda_"], n["sparsity_param"], n["beta"],
        images, max_iter=max_iter, progress=progress,
    )  # fmt: skip
    about = {"source": "trained", "images": int(images.shape[1]), "iterations": result.n_iter,
             "cost": float(result.cost), "seconds": round(time.perf_counter() - start, 3),
             **n}  # fmt: skip
    return np.asarray(result.theta, dtype=np.float64), about


def encoder_from_run(run: str | Path) -> tuple[np.ndarray, int]:
    """The theta and hidden size of a finished ``ufldl-sae train --preset mnist`` run.

    Only a sigmoid 784-h-784 autoencoder qualifies (``config.json`` says so); ``theta.npz`` is
    read as plain arrays and checked for its length and finite values. Anything else is a
    ``ValueError`` (or ``FileNotFoundError``) naming the folder and what was expected.
    """
    config = read_config(run)  # FileNotFoundError: "config.json is missing"
    deep = config.hidden_layer_sizes is not None
    if config.data != "mnist" or deep or config.activation != "sigmoid":
        raise ValueError(
            f"{run} must be a run of the notes' sparse autoencoder on MNIST (ufldl-sae train "
            f"--preset mnist), got data {config.data!r}, activation {config.activation!r}, "
            f"hidden layers {config.hidden_layer_sizes or [config.hidden_size]}"
        )
    folder = RunFolder(run)
    if not folder.exists("theta.npz"):
        raise FileNotFoundError(f"{run} has no theta.npz: the run has not finished")
    theta = folder.read_arrays("theta.npz").get("theta")
    expected = theta_size(MNIST_PIXELS, config.hidden_size)
    if theta is None or theta.shape != (expected,):
        got = "no theta" if theta is None else f"shape {theta.shape}"
        raise ValueError(f"{folder / 'theta.npz'} must hold a theta of length {expected} "
                         f"(784 -> {config.hidden_size}), got {got}")  # fmt: skip
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"{folder / 'theta.npz'}: theta holds NaN or infinite values")
    return np.asarray(theta, dtype=np.float64), config.hidden_size


def mnist_activations(
    *,
    mnist_dir: str | Path | None = None,
    data_home: str | Path | None = None,
    encoder_run: str | Path | None = None,
    num_images: int = 20000,
    test_examples: int = 10000,
    encoder_images: int = DEFAULT_ENCODER_IMAGES,
    encoder_iter: int = DEFAULT_ENCODER_ITER,
    seed: int = 0,
    progress: bool | Callable[..., Any] | None = None,
    mnist: dict[str, np.ndarray] | None = None,
) -> MnistActivations:
    """The hidden activations of the notes' encoder on MNIST (see the module's docstring).

    The encoder is read from ``encoder_run`` when given (checked before MNIST is loaded), else
    trained here on the first ``encoder_images`` training digits. ``mnist`` is
    :func:`~ufldl_sae.runs.mnist_sets.load_mnist_sets`'s result when the caller has it.
    """
    num_images = first_count("num_images", num_images, MNIST_SIZES["train"])
    test_examples = first_count("test_examples", test_examples, MNIST_SIZES["test"])
    if encoder_run is not None:
        theta, hidden = encoder_from_run(encoder_run)
        about: dict[str, Any] = {"source": "run", "run": str(encoder_run)}
    else:
        encoder_images = first_count("encoder_images", encoder_images, MNIST_SIZES["train"])
        check_int("encoder_iter", encoder_iter)
    sets = mnist if mnist is not None else load_mnist_sets(mnist_dir, data_home)
    if encoder_run is None:
        digits = sets["train_images"][:, :encoder_images]
        theta, about = train_encoder(digits, max_iter=encoder_iter, seed=seed, progress=progress)
        hidden = NOTES_ENCODER["hidden_size"]
    train_images = sets["train_images"][:, :num_images]
    test_images = sets["test_images"][:, :test_examples]
    return MnistActivations(
        train=np.asarray(hidden_activations(theta, hidden, train_images)),
        train_labels=sets["train_labels"][:num_images],
        train_images=train_images,
        test=np.asarray(hidden_activations(theta, hidden, test_images)),
        test_labels=sets["test_labels"][:test_examples],
        test_images=test_images,
        theta=theta,
        hidden_size=hidden,
        encoder=about,
    )
