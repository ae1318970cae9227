"""Training a run: one estimator, its per-iteration checkpoints, and the artifacts at the end.

:func:`train_run` builds the one :class:`~ufldl_sae.estimator.SparseAutoencoder` of a run
(:func:`model_for`) and lets its ``fit`` check every parameter, once. The run folder is created
by the first write after that check (the first iteration's history line), so a refused value
leaves nothing on disk; :func:`show_run` re-draws a finished run from its files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..estimator import SparseAutoencoder
from ..optimize import IterationRecord
from .config import TUTORIAL_NOTES, RunConfig, read_config
from .figures import draw_figures, held_out_errors
from .folder import RunFolder, versions
from .inputs import prepare_data, prepare_test_data

__all__ = [
    "HISTORY_FIELDS",
    "TERM_FIELDS",
    "Checkpointer",
    "load_checkpoint",
    "model_for",
    "show_run",
    "train_run",
    "write_results",
]

HISTORY_FIELDS = ("iteration", "cost", "grad_norm", "evaluations", "elapsed")
TERM_FIELDS = ("iteration", "reconstruction", "weight_decay", "sparsity")


def model_for(config: RunConfig, max_iter: int, verbose: int) -> SparseAutoencoder:
    """The estimator a run trains: the notes' model unless the config reaches past it.

    Nothing is checked here: the estimator's ``fit`` (or ``check_params``) does it.
    """
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


class Checkpointer:
    """The per-iteration callback of a run: history lines, and theta every few iterations.

    ``offset`` and ``offset_time`` are the iterations and seconds of the run before this
    session (a resumed run continues its numbering and its clock).
    """

    def __init__(
        self, run: RunFolder | str | os.PathLike[str], offset: int, every: int, offset_time: float
    ) -> None:
        self.run = run if isinstance(run, RunFolder) else RunFolder(run)
        self.offset, self.every, self.offset_time = offset, every, offset_time
        self.history = self.run.log("history.csv", HISTORY_FIELDS)

    def __call__(self, record: IterationRecord, theta: np.ndarray) -> None:
        iteration = record.iteration + self.offset
        self.history.append(
            [iteration, repr(record.cost), repr(record.grad_norm), record.evaluations,
             f"{record.elapsed + self.offset_time:.4f}"]
        )  # fmt: skip
        if iteration % self.every == 0:
            self.save(theta, iteration, record.elapsed + self.offset_time)

    def save(self, theta: np.ndarray, iteration: int, elapsed: float) -> None:
        self.run.write_arrays("checkpoint.npz", theta=theta, iteration=iteration, elapsed=elapsed)

    def close(self) -> None:
        self.history.close()


def load_checkpoint(run: RunFolder | str | os.PathLike[str]) -> tuple[np.ndarray, int, float]:
    """``(theta, iteration, elapsed)`` of the run's latest checkpoint."""
    folder = run if isinstance(run, RunFolder) else RunFolder(run)
    if not folder.exists("checkpoint.npz"):
        raise FileNotFoundError(f"{folder.path} has no checkpoint.npz to resume from")
    saved = folder.read_arrays("checkpoint.npz")
    return saved["theta"], int(saved["iteration"]), float(saved["elapsed"])


def train_run(
    config: RunConfig,
    run: str | os.PathLike[str],
    *,
    verbose: int = 1,
    resume: bool = False,
    cost_function: Callable[..., Any] | None = None,
    data: np.ndarray | None = None,
) -> dict[str, Any]:
    """Train (or continue) the run in ``run``; write every artifact; return the metrics.

    ``run`` is created on the first write if it does not exist (it must be new or empty, see
    :func:`~ufldl_sae.runs.folder.choose_run_dir`, unless ``resume``). ``data`` is
    :func:`~ufldl_sae.runs.inputs.prepare_data`'s result when the caller already has it. Ctrl-C
    stops within one evaluation: the best theta so far and all artifacts are written and the
    metrics say ``"interrupted": true``. ``max_iter`` counts epochs for the minibatch solvers;
    resuming one restarts Adam's moment estimates (only theta is checkpointed).
    """
    if data is None:
        data = prepare_data(config)
    folder = RunFolder(run) if resume else RunFolder(run, config=config.record())
    theta0, done, elapsed = None, 0, 0.0
    if resume:
        theta0, done, elapsed = load_checkpoint(folder)
    remaining = config.max_iter - done
    if remaining < 1:
        raise ValueError(f"{run} already ran {done} of its {config.max_iter} iterations")
    model = model_for(config, remaining, verbose)
    checkpointer = Checkpointer(folder, done, config.checkpoint_every, elapsed)
    try:
        model.fit(data.T, theta0=theta0, callback=checkpointer, cost_function=cost_function)
        checkpointer.history.open()  # the header, even when no iteration ended
    finally:
        checkpointer.close()
    result = model.result_
    total_iter = done + result.n_iter
    checkpointer.save(model.theta_, total_iter, elapsed + result.wall_time)
    terms = folder.log("terms.csv", TERM_FIELDS)
    terms.extend(
        [i + done, t.reconstruction, t.weight_decay, t.sparsity]
        for i, t in model.cost_terms_history_
    )
    terms.close()
    return write_results(folder, config, model, data, total_iter, elapsed + result.wall_time)


def write_results(
    run: RunFolder | str | os.PathLike[str],
    config: RunConfig,
    model: SparseAutoencoder,
    data: np.ndarray,
    total_iter: int,
    wall_time: float,
) -> dict[str, Any]:
    """theta.npz, theta.mat, metrics.json and the figures of a finished (or stopped) run."""
    folder = run if isinstance(run, RunFolder) else RunFolder(run)
    blocks = {f"W{l}": W for l, W in enumerate(model.coefs_, start=1)}
    blocks |= {f"b{l}": b for l, b in enumerate(model.intercepts_, start=1)}
    folder.write_arrays("theta.npz", theta=model.theta_, **blocks)
    folder.write("theta.mat", model.export_mat)
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
        "cost_function": config.cost_function or model.model_.cost_name,
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
    folder.write_json("metrics.json", metrics)
    draw_figures(folder, config, model, data, report, test, errors)
    return metrics


def show_run(run: str | os.PathLike[str]) -> dict[str, Any]:
    """Re-draw the figures of a run from its files and return its metrics (no training)."""
    config = read_config(run)
    folder = RunFolder(run)
    if not folder.exists("theta.npz"):
        raise FileNotFoundError(f"{run} has no theta.npz yet (the run has not finished)")
    metrics = folder.read_json("metrics.json")
    data = prepare_data(config)
    model = model_for(config, max(config.max_iter, 1), 0)
    model._set_theta(folder.read_arrays("theta.npz")["theta"], data.shape[0])
    test = prepare_test_data(config) if config.test_examples else None
    draw_figures(folder, config, model, data, model.sparsity_report(data.T), test)
    return metrics

