"""The run folder of a later exercise: its settings, the history of every stage, its results.

An exercise trains in *stages* (an autoencoder, a softmax, fine-tuning...), each an L-BFGS run.
:class:`ExerciseRun` gives each stage its progress printer and its callback, which adds one
line per iteration to the shared ``history.csv`` (with the stage's name), draws each stage's
cost as ``loss-<stage>.png``, and at the end writes ``theta.npz`` (every stage's parameters)
and ``metrics.json``. All files go through :class:`~ufldl_sae.runs.folder.RunFolder`, as a
training run's do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..optimize import IterationRecord, LbfgsResult, ProgressPrinter
from ..plots import network as visualize
from .folder import RunFolder, choose_run_dir, versions

__all__ = ["ExerciseConfig", "ExerciseRun", "STAGE_FIELDS"]

STAGE_FIELDS = ("stage", "iteration", "cost", "grad_norm", "evaluations", "elapsed")


@dataclass
class ExerciseConfig:
    """The settings of an exercise run, saved as ``config.json`` (course defaults throughout)."""

    exercise: str
    mnist_dir: str | None = None
    data_home: str | None = None
    backend: str = "numpy"
    dtype: str = "float64"
    seed: int = 0
    max_iter: int = 100
    settings: dict[str, Any] = field(default_factory=dict)


def path_str(path: str | Path | None) -> str | None:
    """A path as it is recorded in ``config.json`` (None stays None)."""
    return None if path is None else str(path)


class ExerciseRun:
    """History lines of every stage, parameters, metrics and figures of one exercise run.

    Parameters
    ----------
    out : str or Path, optional
        The folder to create (new or empty); default ``runs/<exercise>-<time>``. It is
        created by the first write, with ``config.json`` first: a value that the exercise's
        functions refuse (they check their arguments once, before computing) leaves nothing.
    config : ExerciseConfig
        The settings, written as ``config.json``.
    progress_every : int
        Print a progress line every so many iterations, and a line per stage (0: silent).
    """

    def __init__(self, out: str | Path | None, config: ExerciseConfig, progress_every: int):
        self.folder = RunFolder(choose_run_dir(out, config.exercise), config=asdict(config))
        self.run = self.folder.path
        self.progress_every = progress_every
        self.stages: dict[str, LbfgsResult] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self._history = self.folder.log("history.csv", STAGE_FIELDS)

    def say(self, text: str) -> None:
        if self.progress_every > 0:
            print(text, flush=True)

    def stage(self, name: str) -> tuple[Any, Callable[[IterationRecord, np.ndarray], None]]:
        """``progress`` and ``callback`` arguments for one L-BFGS run named ``name``."""
        printer = ProgressPrinter(self.progress_every) if self.progress_every > 0 else None

        def callback(record: IterationRecord, theta: np.ndarray) -> None:
            self._history.append(
                [name, record.iteration, repr(record.cost), repr(record.grad_norm),
                 record.evaluations, f"{record.elapsed:.4f}"]
            )  # fmt: skip

        return printer, callback

    def record(self, name: str, result: LbfgsResult) -> dict[str, Any]:
        """Keep a finished stage: a summary line, its ``loss-<name>.png``, its metrics."""
        self.stages[name] = result
        self.say(
            f"{name}: cost {result.cost:.6g} after {result.n_iter} iterations, "
            f"{result.wall_time:.1f} s ({result.message})"
        )
        if result.history:
            iterations = [r.iteration for r in result.history]
            costs = [r.cost for r in result.history]
            self.folder.write(f"loss-{name}.png", lambda p: visualize.plot_loss(
                iterations, costs, p, title=f"cost of stage {name!r}"))  # fmt: skip
        return {
            "cost": result.cost,
            "iterations": result.n_iter,
            "evaluations": result.n_evals,
            "wall_time_s": round(result.wall_time, 3),
            "message": result.message,
        }

    def figure(self, name: str, draw: Callable[[Path], Any]) -> Path:
        """A figure of the run: ``draw(path)`` writes it, atomically (see ``RunFolder.write``)."""
        return self.folder.write(name, draw)

    def finish(self, metrics: dict[str, Any]) -> dict[str, Any]:
        """Close the history; write ``theta.npz`` and ``metrics.json``; return the metrics."""
        self._history.open().close()  # the header at least (PCA has no iterations)
        self.folder.write_arrays("theta.npz", **self.arrays)
        metrics = {**metrics, "run": str(self.run), "versions": versions()}
        self.folder.write_json("metrics.json", metrics)
        return metrics
