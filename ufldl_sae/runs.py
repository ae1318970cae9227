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

from . import data as data_layer
from . import visualize
from .estimator import SparseAutoencoder
from .optimize import IterationRecord

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
        "hidden_size": 196,
        "sparsity_param": 0.1,
        "lambda_": 3e-3,
        "beta": 3.0,
        "max_iter": 400,
        "num_images": 10000,
    },
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
    if config.preset == "patches":
        if config.images:
            images = data_layer.load_images_mat(config.images)
        else:
            images = data_layer.load_natural_images(whitened=config.whitened)
        patches = data_layer.sample_images(images, config.patch_size, config.num_patches, rng)
        return data_layer.normalize_data(patches)
    if config.mnist_dir:
        paths = data_layer.verify_mnist_folder(config.mnist_dir)
    else:
        paths = data_layer.fetch_mnist(config.data_home)
    images = data_layer.load_mnist_images(paths["train_images"])
    if config.num_images > images.shape[1]:
        raise ValueError(
            f"num_images must be at most {images.shape[1]} (the MNIST training set), "
            f"got {config.num_images}"
        )
    return images[:, : config.num_images]


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
    return RunConfig(**json.loads(path.read_text()))


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
    say ``"interrupted": true``.
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
    write_atomic(
        run / "theta.npz",
        lambda p: np.savez(p, theta=model.theta_, W1=model.W1_, W2=model.W2_, b1=model.b1_,
                           b2=model.b2_),
    )  # fmt: skip
    write_atomic(run / "theta.mat", lambda p: model.export_mat(p))
    result = model.result_
    report = model.sparsity_report(data.T)
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
        "cost_function": config.cost_function or "ufldl_sae.model.sparse_autoencoder_cost",
        "versions": versions(),
    }
    write_json(run / "metrics.json", metrics)
    draw_figures(run, config, model, data, report)
    return metrics


def versions() -> dict[str, str]:
    import scipy

    from . import __version__

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
) -> None:
    """weights.png, loss.png, reconstructions.png and activations.png.

    ``report`` is ``model.sparsity_report(data.T)``, computed once by the caller.
    """
    title = f"{config.preset}: {model.n_features_in_}-{config.hidden_size}"
    if _is_square(model.n_features_in_):
        visualize.save_network(model.W1_.T, run / "weights.png", title=f"W1 filters, {title}")
    history = read_csv(run / "history.csv")
    terms = read_csv(run / "terms.csv") if (run / "terms.csv").exists() else None
    if history["iteration"].size:
        visualize.plot_loss(
            history["iteration"],
            history["cost"],
            run / "loss.png",
            terms=None if terms is None else {
                "reconstruction": terms["reconstruction"],
                "weight decay": terms["weight_decay"],
                "sparsity": terms["sparsity"],
            },
            term_iterations=None if terms is None else terms["iteration"],
            title=f"cost, {title}",
        )  # fmt: skip
    if _is_square(model.n_features_in_):
        _, a3 = model.reconstruction_columns(data[:, :10].T)
        visualize.plot_reconstructions(data[:, :10], a3, run / "reconstructions.png")
    visualize.plot_activations(
        report["rho_hat"], config.sparsity_param, run / "activations.png",
        fraction_active=report["fraction_active"],
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
    draw_figures(run, config, model, data, model.sparsity_report(data.T))
    return metrics
