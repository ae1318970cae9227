"""A training run on disk: presets, data preparation, checkpoints, artifacts and figures.

A run folder holds everything needed to look at a run again or to continue it:

=====================  ===================================================================
``config.json``        the preset and every hyperparameter, seed, backend and dtype
``history.csv``        iteration, cost, gradient norm, evaluations, elapsed seconds
``terms.csv``          the three cost terms at about 25 log-spaced iterations
``checkpoint.npz``     the latest theta and its iteration, written every few iterations
``theta.npz``          the final W1, W2, b1, b2 and theta; ``theta.mat`` the same for MATLAB
``metrics.json``       final cost and terms, iterations, time, sparsity, versions, status
``*.png``              weights, loss, reconstructions, activations
=====================  ===================================================================

Every file is written to a temporary name and renamed, so an interrupted write never leaves a
half file that looks complete.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import data as data_layer
from ..plots import codes as tutorial_plots
from ..plots import network as visualize
from ..estimator import SparseAutoencoder
from ..optimize import IterationRecord

#: The course's two exercises. ``patches``: the sparse autoencoder exercise (sampleIMAGES, 8x8
#: patches of whitened natural images); ``mnist``: the vectorization exercise (first 10,000
#: MNIST training digits).
PRESETS: dict[str, dict[str, Any]] = {
    "patches": {
        "hidden_size": 25,
        "sparsity_param": 0.01,
        "lambda_": 1e-4,
        "beta": 3.0,
        "max_iter": 400,
        "patch_size": 8,
        "num_patches": 10000,
    },
    "mnist": {
        "data": "mnist",
        "hidden_size": 196,
        "sparsity_param": 0.1,
        "lambda_": 3e-3,
        "beta": 3.0,
        "max_iter": 400,
        "num_images": 10000,
    },
    # The popular tutorials (see TUTORIAL_NOTES): minibatch Adam on all 60,000 training digits,
    # tested on the 10,000 test digits. Penalty weights are the tutorials' numbers; our
    # reconstruction term is the notes' sum over pixels / 2, the tutorials' a mean over pixels.
    "keras-sparse": {
        "data": "mnist",
        "hidden_size": 64,
        "activation": "relu",
        "penalties": "kl=0.05:0.1:sigmoid",
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 256,
        "max_iter": 50,
        "num_images": 60000,
        "test_examples": 10000,
    },
    "keras-deep": {
        "data": "mnist",
        "hidden_layer_sizes": [128, 64, 32, 64, 128],
        "activation": "relu",
        "penalties": "none",
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 256,
        "max_iter": 50,
        "num_images": 60000,
        "test_examples": 10000,
    },
    "keras-tanh-l1": {
        "data": "mnist",
        "hidden_size": 64,
        "activation": "tanh",
        "penalties": "l1w=0.01",
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 256,
        "max_iter": 50,
        "num_images": 60000,
        "test_examples": 10000,
    },
    "patches-adam": {
        "hidden_size": 256,
        "patch_size": 32,
        "num_patches": 10000,
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 128,
        "max_iter": 50,
        "test_examples": 2000,
    },
}

#: What each tutorial preset reproduces, and where it leaves the notes (``train --help``,
#: the README and ``metrics.json`` quote it).
TUTORIAL_NOTES: dict[str, str] = {
    "keras-sparse": "the Keras sparse autoencoder: 784 -> 64 ReLU, sigmoid output, KL "
    "penalty rho 0.05 weight 0.1 taken on sigmoid(a) as the tutorial does (so rho_hat >= 0.5: "
    "the target is unreachable and the penalty only pushes activations to 0), Adam 1e-3, batch "
    "256, 50 epochs",
    "keras-deep": "the Keras deep autoencoder 784-128-64-32-64-128-784: ReLU units, sigmoid "
    "output, no penalty, Adam 1e-3, batch 256, 50 epochs; the code is the 32-unit layer",
    "keras-tanh-l1": "the tanh variant: 784 -> 64 tanh, sigmoid output, L1 penalty 0.01 on the "
    "weights (no KL: tanh units would need it on (a + 1) / 2), Adam 1e-3, batch 256, 50 epochs",
    "patches-adam": "the pseudocode class: 32x32 whitened natural-image patches, 1024 -> 256 "
    "sigmoid with the notes' weight decay and KL penalty, Adam 1e-3, batch 128, 50 epochs",
}


@dataclass
class RunConfig:
    """Everything that defines a run; saved as ``config.json``."""

    preset: str = "patches"
    hidden_size: int = 25
    sparsity_param: float = 0.01
    lambda_: float = 1e-4
    beta: float = 3.0
    max_iter: int = 400
    patch_size: int = 8
    num_patches: int = 10000
    num_images: int = 10000
    images: str | None = None
    whitened: bool = True
    mnist_dir: str | None = None
    data_home: str | None = None
    backend: str = "numpy"
    dtype: str = "float64"
    seed: int = 0
    checkpoint_every: int = 25
    cost_function: str | None = None
    data: str = "patches"
    hidden_layer_sizes: list[int] | None = None
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    penalties: str | None = None
    solver: str = "lbfgs"
    learning_rate: float = 1e-3
    batch_size: int = 256
    test_examples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_preset(cls, preset: str, **overrides: Any) -> RunConfig:
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
        values = {**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
        return cls(preset=preset, **values)


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


def _images(config: RunConfig) -> np.ndarray:
    if config.images:
        return data_layer.load_images_mat(config.images)
    return data_layer.load_natural_images(whitened=config.whitened)


def _mnist_paths(config: RunConfig) -> dict[str, Path]:
    if config.mnist_dir:
        return data_layer.verify_mnist_folder(config.mnist_dir)
    return data_layer.fetch_mnist(config.data_home)


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


def new_run_dir(out: str | os.PathLike[str] | None, preset: str) -> Path:
    """A fresh run folder: ``out`` if given (it must not exist or be empty), else a new
    ``runs/<preset>-<date>-<time>`` (with ``-2``, ``-3``... if that name is taken)."""
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise FileExistsError(
                f"{path} already exists and is not empty; choose another --out "
                "(a run folder is never overwritten) or continue it with --resume"
            )
        path.mkdir(parents=True, exist_ok=True)
        return path
    base = Path("runs") / f"{preset}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    path.mkdir(parents=True)
    return path


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` to ``path`` (atomic on one filesystem)."""
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    write(tmp)
    os.replace(tmp, path)


def write_json(path: Path, obj: Any) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=_plain) + "\n"))


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def read_config(run: Path) -> RunConfig:
    path = run / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"{run} is not a run folder: {path.name} is missing")
    values = json.loads(path.read_text())
    if "data" not in values:  # written before the tutorial presets: the preset named the data
        values["data"] = "patches" if values.get("preset") == "patches" else "mnist"
    return RunConfig(**values)


HISTORY_FIELDS = ("iteration", "cost", "grad_norm", "evaluations", "elapsed")
TERM_FIELDS = ("iteration", "reconstruction", "weight_decay", "sparsity")


def read_csv(path: Path) -> dict[str, np.ndarray]:
    """A CSV of numbers as columns (empty columns when the file has only its header)."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        names = reader.fieldnames or []
    return {name: np.array([float(r[name]) for r in rows]) for name in names}


class Checkpointer:
    """The per-iteration callback of a run: history lines, and theta every few iterations."""

    def __init__(self, run: Path, offset: int, every: int, offset_time: float) -> None:
        self.run, self.offset, self.every, self.offset_time = run, offset, every, offset_time
        path = run / "history.csv"
        fresh = not path.exists()
        self.history = open(path, "a", newline="")  # closed in close()
        self.writer = csv.writer(self.history)
        if fresh:
            self.writer.writerow(HISTORY_FIELDS)

    def __call__(self, record: IterationRecord, theta: np.ndarray) -> None:
        iteration = record.iteration + self.offset
        self.writer.writerow(
            [iteration, repr(record.cost), repr(record.grad_norm), record.evaluations,
             f"{record.elapsed + self.offset_time:.4f}"]
        )  # fmt: skip
        self.history.flush()
        if iteration % self.every == 0:
            self.save(theta, iteration, record.elapsed + self.offset_time)

    def save(self, theta: np.ndarray, iteration: int, elapsed: float) -> None:
        write_atomic(
            self.run / "checkpoint.npz",
            lambda p: np.savez(p, theta=theta, iteration=iteration, elapsed=elapsed),
        )

    def close(self) -> None:
        self.history.close()


def append_terms(run: Path, terms: list[tuple[int, Any]], offset: int) -> None:
    path = run / "terms.csv"
    fresh = not path.exists()
    with open(path, "a", newline="") as f:
        writer = csv.writer(f)
        if fresh:
            writer.writerow(TERM_FIELDS)
        for iteration, t in terms:
            writer.writerow([iteration + offset, t.reconstruction, t.weight_decay, t.sparsity])


def model_for(config: RunConfig, max_iter: int, verbose: int) -> SparseAutoencoder:
    """The estimator a run trains: the notes' model unless the config reaches past it."""
    hidden = config.hidden_layer_sizes
    return SparseAutoencoder(
        hidden_size=config.hidden_size,
        sparsity_param=config.sparsity_param,
        lambda_=config.lambda_,
        beta=config.beta,
        max_iter=max_iter,
        backend=config.backend,
        dtype=config.dtype,
        random_state=np.random.default_rng([config.seed, 1]),
        verbose=verbose,
        hidden_layer_sizes=None if hidden is None else tuple(hidden),
        activation=config.activation,
        output_activation=config.output_activation,
        penalties=config.penalties,
        solver=config.solver,
        learning_rate=config.learning_rate,
        batch_size=config.batch_size,
    )


def train_run(
    config: RunConfig,
    run: Path,
    *,
    verbose: int = 1,
    resume: bool = False,
    cost_function: Callable[..., Any] | None = None,
    data: np.ndarray | None = None,
) -> dict[str, Any]:
    """Train (or continue) the run in ``run``; write every artifact; return the metrics.

    ``data`` is :func:`prepare_data`'s result when the caller already has it. Ctrl-C stops
    within one evaluation: the best theta so far and all artifacts are written and the metrics
    say ``"interrupted": true``. ``max_iter`` counts epochs for the minibatch solvers; resuming
    one restarts Adam's moment estimates (only theta is checkpointed).
    """
    if data is None:
        data = prepare_data(config)
    theta0, done, elapsed = None, 0, 0.0
    if resume:
        theta0, done, elapsed = load_checkpoint(run)
    else:
        write_json(run / "config.json", asdict(config))
    remaining = config.max_iter - done
    if remaining < 1:
        raise ValueError(f"{run} already ran {done} of its {config.max_iter} iterations")
    model = model_for(config, remaining, verbose)
    checkpointer = Checkpointer(run, done, config.checkpoint_every, elapsed)
    try:
        model.fit(data.T, theta0=theta0, callback=checkpointer, cost_function=cost_function)
    finally:
        checkpointer.close()
    result = model.result_
    total_iter = done + result.n_iter
    checkpointer.save(model.theta_, total_iter, elapsed + result.wall_time)
    append_terms(run, model.cost_terms_history_, done)
    metrics = write_results(run, config, model, data, total_iter, elapsed + result.wall_time)
    return metrics


def load_checkpoint(run: Path) -> tuple[np.ndarray, int, float]:
    path = run / "checkpoint.npz"
    if not path.exists():
        raise FileNotFoundError(f"{run} has no checkpoint.npz to resume from")
    with np.load(path, allow_pickle=False) as f:
        return f["theta"], int(f["iteration"]), float(f["elapsed"])


def write_results(
    run: Path,
    config: RunConfig,
    model: SparseAutoencoder,
    data: np.ndarray,
    total_iter: int,
    wall_time: float,
) -> dict[str, Any]:
    """theta.npz, theta.mat, metrics.json and the figures of a finished (or stopped) run."""
    blocks = {f"W{l}": W for l, W in enumerate(model.coefs_, start=1)}
    blocks |= {f"b{l}": b for l, b in enumerate(model.intercepts_, start=1)}
    write_atomic(run / "theta.npz", lambda p: np.savez(p, theta=model.theta_, **blocks))
    write_atomic(run / "theta.mat", lambda p: model.export_mat(p))
    result = model.result_
    report = model.sparsity_report(data.T)
    test = prepare_test_data(config) if config.test_examples else None
    errors = None
    metrics = {
        "status": "interrupted" if result.interrupted else "finished",
        "interrupted": result.interrupted,
        "cost": model.cost_terms_.total,
        "terms": model.cost_terms_._asdict(),
        "iterations": total_iter,
        "evaluations": result.n_evals,
        "wall_time_s": round(wall_time, 3),
        "message": result.message,
        "sparsity": {k: v for k, v in report.items() if k != "rho_hat"},
        "backend": config.backend,
        "dtype": config.dtype,
        "examples": int(data.shape[1]),
        "cost_function": config.cost_function or _cost_name(model),
        "layer_sizes": list(model.layer_sizes_),
        "solver": config.solver,
        "terms_by_name": model.penalty_terms_,
        "versions": versions(),
    }
    if config.preset in TUTORIAL_NOTES:
        metrics["tutorial"] = TUTORIAL_NOTES[config.preset]
    if test is not None:
        errors = held_out_errors(model, data, test)
        test_errors, train_errors = errors
        metrics["test"] = {
            "examples": int(test_errors.size),
            "reconstruction_error": float(test_errors.mean()),
            "train_reconstruction_error": float(train_errors.mean()),
            "cost": model.score(test[0].T),
        }
    write_json(run / "metrics.json", metrics)
    draw_figures(run, config, model, data, report, test, errors)
    return metrics


def _cost_name(model: SparseAutoencoder) -> str:
    if model._is_notes():
        return "ufldl_sae.model.sparse_autoencoder_cost"
    return "ufldl_sae.beyond.deep.autoencoder_cost"


def versions() -> dict[str, str]:
    import scipy

    from .._version import __version__

    return {
        "ufldl_sae": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def draw_figures(
    run: Path,
    config: RunConfig,
    model: SparseAutoencoder,
    data: np.ndarray,
    report: dict[str, Any],
    test: tuple[np.ndarray, np.ndarray | None] | None = None,
    errors: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """weights.png, loss.png, reconstructions.png and activations.png; with held-out data
    also the tutorials' codes.png, codes_pca.png and errors.png.

    ``report`` is ``model.sparsity_report(data.T)``, computed once by the caller; ``test`` is
    :func:`prepare_test_data`'s result when the run has held-out examples, and ``errors``
    :func:`held_out_errors`'s when the caller has them already.
    """
    title = f"{config.preset}: {'-'.join(str(n) for n in model.layer_sizes_)}"
    square = _is_square(model.n_features_in_)
    if square:
        W1 = model.coefs_[0]
        visualize.save_network(W1.T, run / "weights.png", title=f"W1 filters, {title}")
    history = read_csv(run / "history.csv")
    terms = read_csv(run / "terms.csv") if (run / "terms.csv").exists() else None
    if history["iteration"].size:
        visualize.plot_loss(
            history["iteration"],
            history["cost"],
            run / "loss.png",
            terms=None if terms is None else {
                "reconstruction": terms["reconstruction"],
                "weight penalties": terms["weight_decay"],
                "activation penalties": terms["sparsity"],
            },
            term_iterations=None if terms is None else terms["iteration"],
            title=f"cost, {title}" + ("" if config.solver == "lbfgs" else " (x: epochs)"),
        )  # fmt: skip
    shown = data if test is None else test[0]
    if square:
        visualize.plot_reconstructions(
            shown[:, :10], model.reconstruct(shown[:, :10].T).T, run / "reconstructions.png"
        )
    if model._is_notes():
        visualize.plot_activations(
            report["rho_hat"], config.sparsity_param, run / "activations.png",
            fraction_active=report["fraction_active"],
        )  # fmt: skip
    else:  # one column whose mean is rho_hat: the report's, not a second encoding of the data
        rho_hat = report["rho_hat"][:, None]
        tutorial_plots.plot_mean_activation_bars(rho_hat, model.rho_, run / "activations.png")
    if test is not None:
        _draw_test_figures(run, model, test, *(errors or held_out_errors(model, data, test)))


def held_out_errors(
    model: SparseAutoencoder, data: np.ndarray, test: tuple[np.ndarray, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-example reconstruction errors on the held-out and on the training examples."""
    return model.reconstruction_errors(test[0].T), model.reconstruction_errors(data.T)


def _draw_test_figures(
    run: Path,
    model: SparseAutoencoder,
    test: tuple[np.ndarray, Any],
    errors: np.ndarray,
    train_errors: np.ndarray,
) -> None:
    """The tutorials' figures on held-out data: two raw code units, the codes' PCA (coloured
    by digit when labelled), and the reconstruction errors against uniform noise images, with
    the threshold that flags 1% of the training examples as anomalies."""
    X, labels = test
    codes = model.transform(X.T).T  # (code size, m)
    if codes.shape[0] >= 2:
        tutorial_plots.plot_code_scatter(codes, run / "codes.png", labels=labels)
        tutorial_plots.plot_code_pca(codes, run / "codes_pca.png", labels=labels)
    noise = np.random.default_rng(0).uniform(0, 1, (X.shape[1] // 10, X.shape[0]))
    threshold = tutorial_plots.anomaly_threshold(train_errors, 0.99)
    tutorial_plots.plot_reconstruction_error_histogram(
        errors, run / "errors.png", other=model.reconstruction_errors(noise), label="test",
        other_label="uniform noise", threshold=threshold,
    )  # fmt: skip


def _is_square(n: int) -> bool:
    return int(round(n**0.5)) ** 2 == n


def show_run(run: Path) -> dict[str, Any]:
    """Re-draw the figures of a run from its files and return its metrics (no training)."""
    config = read_config(run)
    if not (run / "theta.npz").exists():
        raise FileNotFoundError(f"{run} has no theta.npz yet (the run has not finished)")
    metrics = json.loads((run / "metrics.json").read_text())
    data = prepare_data(config)
    model = model_for(config, max(config.max_iter, 1), 0)
    with np.load(run / "theta.npz", allow_pickle=False) as f:
        model._set_theta(f["theta"], data.shape[0])
    test = prepare_test_data(config) if config.test_examples else None
    draw_figures(run, config, model, data, model.sparsity_report(data.T), test)
    return metrics
