"""The ``mnist-activations`` preset: a sparse autoencoder of interpretability research trained
on a real network's activations, the hidden layer of the notes' MNIST autoencoder.

This is what the field does with its SAEs: the data are a trained network's activations
(:mod:`~ufldl_sae.runs.mnist_activations`: ``a2``, 196 sigmoid units), no true features are
known, so the dictionary is judged by SAELens's reconstruction metrics on held-out inputs (the
MNIST test digits) and by looking at what each latent responds to: its top-activating digits.
The run folder holds ``config.json``, ``history.csv`` (cost and dead fraction per epoch),
``theta.npz`` (the SAE's ``theta`` and the network's ``encoder_theta``), ``metrics.json``
(the metrics on the training activations at the top level, on the test digits under
``"test"``, the trade-off curve on the test digits, how the network was obtained) and the
figures of :func:`~ufldl_sae.runs.figures.draw_activation_figures`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..backend import to_host
from ..beyond.saes.layout import sae_unpack
from ..beyond.saes.train import SaeOptions, budget_curve, encode, evaluate, train_sae
from ..optimize import ProgressPrinter
from ..params import unpack
from .config import RunConfig
from .figures import draw_activation_figures
from .folder import RunFolder, versions
from .mnist_activations import MNIST_PIXELS, MnistActivations, hidden_activations
from .mnist_activations import mnist_activations as load_activations
from .mnist_sets import Device, load_mnist_sets

__all__ = [
    "ACTIVATION_BUDGETS",
    "decoder_pixels",
    "redraw_activations_run",
    "sae_options",
    "train_activations_run",
]

#: The budgets of the trade-off curve (latents kept per digit).
ACTIVATION_BUDGETS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64)


def sae_options(config: RunConfig) -> SaeOptions:
    """The SAE a ``toy-features`` or ``mnist-activations`` config trains (``max_iter`` epochs;
    the notes' architecture takes ``sparsity_param`` and ``beta`` as its KL target and weight).

    ``SaeOptions`` checks the values (``k`` at most ``hidden_size``...), before anything is
    loaded or created."""
    if config.solver != "adam":
        raise ValueError(
            f"solver must be 'adam' for the {config.preset} preset, got {config.solver!r}: TopK's "
            "selection and JumpReLU's thresholds make the cost piecewise, which L-BFGS's line "
            "search and curvature pairs assume away"
        )
    return SaeOptions(
        architecture=config.architecture, hidden_size=config.hidden_size, k=config.k,
        kl=f"kl={config.sparsity_param!r}:{config.beta!r}", epochs=config.max_iter,
        batch_size=config.batch_size, learning_rate=config.learning_rate, seed=config.seed,
        dtype=config.dtype,
    )  # fmt: skip


def decoder_pixels(sae_theta: Any, options: SaeOptions, network_theta: Any) -> np.ndarray:
    r"""Each latent's decoder direction pushed back to pixel space: ``W2 @ d_j`` (784 x h),
    with ``W2`` the notes' decoder and ``d_j`` the SAE's decoder column (in ``a2`` space).

    What it is: adding ``f_j d_j`` to the hidden layer changes the notes' output
    pre-activation :math:`z^{(3)} = W^{(2)} a^{(2)} + b^{(2)}` by exactly ``f_j W2 d_j``
    (:math:`z^{(3)}` is linear in :math:`a^{(2)}`), so the tile shows which pixels the latent
    writes ink on (positive) or wipes (negative), as the network's own decoder renders it.
    What it is not: the input the latent responds to (that is read through the encoder and its
    sigmoid: look at the top-activating digits for it); nor the output image itself (a sigmoid
    and ``b2`` follow, so the same latent adds different ink to different digits); and any
    part of ``d_j`` that ``W2`` maps to nothing is invisible here.
    """
    W2_net = unpack(network_theta, MNIST_PIXELS, _units(network_theta))[1]
    dictionary = sae_unpack(sae_theta, W2_net.shape[1], options.hidden_size)["W2"]
    return _host(W2_net) @ _host(dictionary)


def _host(a: Any) -> np.ndarray:
    return np.asarray(to_host(a), dtype=np.float64)


def _units(network_theta: Any) -> int:
    """The hidden size of a 784-h-784 theta: its length is 2 * 784 h + h + 784."""
    size = int(network_theta.shape[0])
    units, rest = divmod(size - MNIST_PIXELS, 2 * MNIST_PIXELS + 1)
    if rest or units < 1:
        raise ValueError(f"a theta of length {size} is not a 784-h-784 autoencoder's")
    return units


def _activations(config: RunConfig, verbose: int) -> MnistActivations:
    """The network's activations for ``config``, with progress lines when ``verbose``."""
    if verbose and config.encoder_run is None:
        print(f"training the notes' 784-196 sparse autoencoder on {config.encoder_images} "
              f"digits ({config.encoder_iter} L-BFGS iterations)", flush=True)  # fmt: skip
    every = max(1, config.encoder_iter // 10) * max(verbose, 1)
    return load_activations(
        mnist_dir=config.mnist_dir, data_home=config.data_home, encoder_run=config.encoder_run,
        num_images=config.num_images, test_examples=config.test_examples,
        encoder_images=config.encoder_images, encoder_iter=config.encoder_iter,
        seed=config.seed, progress=ProgressPrinter(every) if verbose else None,
    )  # fmt: skip


def train_activations_run(
    config: RunConfig,
    run: str | os.PathLike[str],
    *,
    verbose: int = 1,
    activations: MnistActivations | None = None,
) -> dict[str, Any]:
    """Train the ``mnist-activations`` run (see the module's docstring); return its metrics.

    Everything is checked and loaded before the folder is created (the SAE's options, the
    encoder run, MNIST), so a refusal leaves nothing on disk. ``activations`` replaces
    :func:`~ufldl_sae.runs.mnist_activations.mnist_activations` when the caller has them.
    """
    options = sae_options(config)
    device = Device(config.backend, config.dtype)
    acts = activations if activations is not None else _activations(config, verbose)
    train, test = device.put(acts.train), device.put(acts.test)
    if verbose:
        print(f"a2 of {acts.train.shape[1]} training and {acts.test.shape[1]} test digits: "
              f"{acts.hidden_size} units, mean activation {acts.train.mean():.4f}; training "
              f"{config.architecture} with {config.hidden_size} latents for {config.max_iter} "
              "epochs", flush=True)  # fmt: skip
    folder = RunFolder(run, config=config.record(), lock=True)
    try:
        result = train_sae(train, options)
        history = folder.log("history.csv", ("epoch", "cost", "dead_fraction"))
        history.extend([h["epoch"], repr(h["cost"]), h["dead_fraction"]] for h in result.history)
        history.close()
        theta = _host(result.theta)
        folder.write_arrays("theta.npz", theta=theta, encoder_theta=acts.theta)
        metrics = {
            "status": "finished", "architecture": config.architecture, **result.metrics,
            "test": evaluate(result.theta, options, test),
            "tradeoff": budget_curve(result.theta, options, test, ACTIVATION_BUDGETS),
            "epochs": config.max_iter, "iterations": config.max_iter,
            "wall_time_s": round(result.seconds, 3), "examples": int(acts.train.shape[1]),
            "test_examples": int(acts.test.shape[1]), "hidden_size": config.hidden_size,
            "network_units": acts.hidden_size, "network": acts.encoder, "dtype": config.dtype,
            "versions": versions(),
        }  # fmt: skip
        if config.architecture in ("topk", "batchtopk"):
            metrics["k"] = config.k
        codes = _host(encode(result.theta, options, test)[0])
        pixels = decoder_pixels(theta, options, acts.theta)
        title = f"{config.architecture}, {config.hidden_size} latents"
        latents = draw_activation_figures(folder, title, metrics, codes, acts.test_images,
                                          acts.test_labels, pixels)  # fmt: skip
        metrics["latents_shown"] = [int(j) for j in latents]
        folder.write_json("metrics.json", metrics)
        return metrics
    finally:
        folder.unlock()


def redraw_activations_run(folder: RunFolder, config: RunConfig, metrics: dict[str, Any]) -> None:
    """Re-draw a ``mnist-activations`` run's figures from ``theta.npz`` (the SAE and the
    network), ``metrics.json`` and the MNIST test digits (loaded again, as in the run)."""
    arrays = folder.read_arrays("theta.npz")
    theta, network = arrays.get("theta"), arrays.get("encoder_theta")
    if theta is None or network is None:
        raise ValueError(f"{folder / 'theta.npz'} must hold theta and encoder_theta")
    for key in ("test", "tradeoff", "network_units"):
        if key not in metrics:
            raise ValueError(f"{folder / 'metrics.json'} has no {key!r}: not a finished run")
    options = sae_options(config)
    sets = load_mnist_sets(config.mnist_dir, config.data_home)
    images = sets["test_images"][:, : config.test_examples]
    acts = hidden_activations(network, _units(network), images)
    codes = _host(encode(theta, options, acts)[0])
    title = f"{config.architecture}, {config.hidden_size} latents"
    draw_activation_figures(folder, title, metrics, codes, images,
                            sets["test_labels"][: config.test_examples],
                            decoder_pixels(theta, options, network))  # fmt: skip
