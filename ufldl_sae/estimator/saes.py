"""The estimator's dictionary-learning architectures: ``SparseAutoencoder(architecture="topk")``.

With ``architecture`` set to ``"relu-l1"``, ``"topk"``, ``"batchtopk"`` or ``"jumprelu"``, the
estimator is a scikit-learn face of :mod:`ufldl_sae.beyond.saes`: ``fit`` builds the
:class:`~ufldl_sae.beyond.saes.train.SaeOptions` of the parameters and trains with
:func:`~ufldl_sae.beyond.saes.train.train_sae`; the fitted methods go through
:func:`~ufldl_sae.beyond.saes.train.encode` and
:func:`~ufldl_sae.beyond.saes.core.reconstruct`. Nothing of the models is derived again here:
this module only moves between the estimator's rows and the models' columns, and sets the
fitted attributes.

What the estimator's other parameters become: ``hidden_size`` is the number of latents,
``max_iter`` the epochs, ``batch_size`` and ``learning_rate`` Adam's, ``dtype`` the training
precision, ``backend`` where it runs, ``random_state`` the seed (an int seed gives exactly
``train_sae``'s run with ``SaeOptions(seed=...)``). ``theta0`` and ``callback`` are refused:
``train_sae`` starts from its own initialization (decoder columns on the unit sphere, encoder
their transpose, ``b_dec`` the data's mean) and takes no per-epoch callback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from ..backend import to_host
from ..beyond.saes.core import reconstruct
from ..beyond.saes.layout import sae_unpack
from ..beyond.saes.train import encode, train_sae
from ..params import as_rng
from .choice import SaeChoice
from .training import device_columns

if TYPE_CHECKING:  # the class imports this module; only its annotations come back here
    from .sparse_autoencoder import SparseAutoencoder

#: Fitted attributes only the dictionary-learning architectures have, and only the notes'
#: family has: a fit of one kind removes the other's, so a refitted model never shows a stale
#: one.
SAE_ONLY = ("metrics_", "threshold_")
NOTES_FAMILY_ONLY = ("cost_terms_history_",)


def sae_seed(random_state: Any) -> int:
    """``SaeOptions.seed`` from the estimator's ``random_state``: an int seed as it is (so the
    fit is ``train_sae``'s with that seed), else one int drawn from the generator (None: fresh
    entropy), as every draw of the package, on the host."""
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        return int(random_state)
    return int(as_rng(random_state).integers(2**63))


def fit_sae(
    model: SparseAutoencoder,
    choice: SaeChoice,
    X: np.ndarray,
    *,
    theta0: Any,
    callback: Callable[..., Any] | None,
) -> None:
    """Train ``choice`` on the checked samples ``X`` (n_samples, n_features) and set the fitted
    attributes on ``model``: ``train_sae`` on the data moved to the backend once, as columns."""
    for name, value in (("theta0", theta0), ("callback", callback)):
        if value is not None:
            raise ValueError(
                f"{name} is not supported for architecture={choice.architecture!r}: "
                "ufldl_sae.beyond.saes.train_sae starts from its own initialization and "
                "hands back no parameters before it ends (the per-epoch history is "
                "result_.history, and verbose prints it as it runs); leave "
                f"{name}=None"
            )
    samples = X.shape[0]
    if model.batch_size > samples:
        raise ValueError(
            f"batch_size={model.batch_size} must be at most the {samples} samples of X: an "
            f"epoch of architecture={choice.architecture!r} is whole minibatches only, so "
            "none would be taken; lower batch_size or pass more samples"
        )
    data = device_columns(X, model.backend, model.dtype)
    options = choice.options(
        epochs=model.max_iter, batch_size=model.batch_size,
        learning_rate=float(model.learning_rate), seed=sae_seed(model.random_state),
        dtype=model.dtype,
    )  # fmt: skip
    every = int(model.verbose)
    printer = epoch_printer(every, options.epochs) if every > 0 else None
    result = train_sae(data, options, progress=printer)
    set_fitted_sae(model, choice, result.theta, X.shape[1])
    model.result_ = result
    model.n_iter_ = len(result.history)
    model.loss_curve_ = [float(h["cost"]) for h in result.history]
    model.metrics_ = result.metrics
    model.cost_terms_, model.penalty_terms_ = choice.cost_terms(result.theta, data)


def epoch_printer(
    every: int, epochs: int, stream: TextIO | None = None
) -> Callable[[dict[str, float]], None]:
    """A progress callback for ``train_sae``: a header, then a line every ``every`` epochs (and
    the first and last) as each ends: epoch, mean minibatch cost, dead latents, seconds."""
    out = stream or sys.stdout
    print(f"{'epoch':>6} {'cost':>12} {'dead':>6} {'time':>8}", file=out, flush=True)

    def show(h: dict[str, float]) -> None:
        epoch = int(h["epoch"])
        if epoch % every == 0 or epoch in (1, epochs):
            line = f"{epoch:>6} {h['cost']:>12.6g} {h['dead_fraction']:>6.1%} {h['seconds']:>7.1f}s"
            print(line, file=out, flush=True)

    return show


def set_fitted_sae(model: SparseAutoencoder, choice: SaeChoice, theta: Any, visible: int) -> None:
    """The fitted model and its blocks (host float64, the notes' shapes and names: ``W1`` the
    encoder, ``W2`` the decoder), and JumpReLU's thresholds as ``threshold_``."""
    for name in NOTES_FAMILY_ONLY + SAE_ONLY:
        model.__dict__.pop(name, None)
    model.model_ = choice
    model.theta_ = np.asarray(to_host(theta), dtype=np.float64)
    model.n_features_in_ = visible
    model.layer_sizes_ = choice.layer_sizes(visible)
    blocks = sae_unpack(model.theta_, visible, choice.hidden_size)
    model.coefs_ = [np.array(blocks["W1"]), np.array(blocks["W2"])]
    model.intercepts_ = [np.array(blocks["b1"]), np.array(blocks["b2"])]
    model.W1_, model.W2_ = model.coefs_
    model.b1_, model.b2_ = model.intercepts_
    if "log_threshold" in blocks:
        model.threshold_ = np.exp(blocks["log_threshold"])


def encode_columns(model: SparseAutoencoder, columns: np.ndarray) -> tuple[Any, Any]:
    """The code ``f`` (hidden x m) and reconstruction (visible x m) of checked host columns, by
    :func:`~ufldl_sae.beyond.saes.train.encode` on the fitted theta (host float64).
    BatchTopK selects over all the columns at once, as it does at evaluation: a sample's code
    then depends on the others passed with it."""
    return encode(model.theta_, model.model_.options(), columns)


def decode_codes(model: SparseAutoencoder, codes: np.ndarray) -> np.ndarray:
    """The linear decoder :math:`W_{dec} f + b_{dec}` of checked codes (n_samples, hidden)."""
    blocks = sae_unpack(model.theta_, model.n_features_in_, model.model_.hidden_size)
    return reconstruct(blocks, codes.T).T


def reconstruction_errors(model: SparseAutoencoder, columns: np.ndarray) -> np.ndarray:
    r"""Each sample's :math:`\frac{1}{2}\lVert \hat x - x\rVert^2` (n_samples,): their mean is
    the cost's reconstruction term, as for the notes' model."""
    error = np.asarray(encode_columns(model, columns)[1]) - columns
    return 0.5 * np.sum(error * error, axis=0)


def sparsity_report(codes: np.ndarray, threshold: float) -> dict[str, Any]:
    """How sparse a code (n_samples, hidden) is: a latent fires when its code is above
    ``threshold`` (0 by default: these codes are exactly 0 when off).

    ``rho`` is None (no KL target); ``l0`` the mean number of latents firing per sample,
    ``fraction_active`` the share of all (sample, latent) pairs firing (``l0 / hidden``),
    ``firing_frequency`` each latent's share of samples, and ``dead_fraction`` the share of
    latents that never fire on these samples.
    """
    fires = codes > threshold
    frequency = fires.mean(axis=0)
    return {
        "rho": None,
        "threshold": float(threshold),
        "l0": float(fires.sum(axis=1).mean()),
        "fraction_active": float(fires.mean()),
        "firing_frequency": frequency,
        "dead_fraction": float(np.mean(frequency == 0)),
    }
