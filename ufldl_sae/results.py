"""What every solver reports: one record per iteration, one progress printer, one result.

Full-batch L-BFGS (:mod:`ufldl_sae.optimize`) and the minibatch solvers
(:mod:`ufldl_sae.beyond.minibatch`) count their steps differently, an L-BFGS iteration or a pass
of SGD or Adam over the data, but a student compares them on the same numbers: the cost, the
gradient's norm, the evaluations of the cost function and the time. So they share one
:class:`IterationRecord` per step, one :class:`ProgressPrinter` and one :class:`TrainingResult`;
:class:`Recorder` builds the history that all three come from. The record's ``unit`` says what
one step is, and the printer's columns follow from it.

:class:`NonFiniteError` lives here too: every solver raises it, with the best theta seen so far,
when a cost or gradient stops being finite.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np

from .validation import check_int

__all__ = [
    "UNITS",
    "IterationRecord",
    "NonFiniteError",
    "ProgressPrinter",
    "Recorder",
    "TrainingResult",
    "as_progress",
    "progress_columns",
]

#: What one record counts: an L-BFGS iteration, or an epoch (one pass over the data) of a
#: minibatch solver.
UNITS = ("iter", "epoch")

Progress = Callable[["IterationRecord"], None]


class NonFiniteError(FloatingPointError):
    """The objective returned a NaN or infinite cost or gradient; the message says where."""

    def __init__(self, message: str, best_theta: np.ndarray | None = None) -> None:
        super().__init__(message)
        #: The lowest-cost theta evaluated before the failure (host float64), to recover from.
        self.best_theta = best_theta


@dataclass(frozen=True)
class IterationRecord:
    """One step of a solver: the numbers a progress line shows.

    Parameters
    ----------
    iteration : int
        The step's number, from 1: the L-BFGS iteration or the minibatch epoch.
    cost : float
        L-BFGS: the cost at the accepted point. Minibatch: the mean of the epoch's batch costs,
        each weighted by its batch's size (so a short last batch counts for the examples it
        holds).
    grad_norm : float
        L-BFGS: the Euclidean norm of the gradient there (NaN in the rare case that SciPy
        accepted a point it did not hand to the objective last). Minibatch: the norm of the
        epoch's mean batch gradient, weighted the same way. The minibatch figures are taken
        along the epoch, at parameters that change from batch to batch: they are not the
        full-batch cost and gradient at the end of the epoch, but they are free (no extra pass),
        and near a minimum the mean gradient's norm falls towards the full gradient's, where a
        single batch's stays as large as its noise.
    evaluations : int
        Calls of the cost function (L-BFGS) or the batch function (minibatch) so far.
    elapsed : float
        Seconds since the start of the run.
    monitor : float
        A minibatch run's monitor (e.g. the notes' full-batch cost) at the end of the epoch;
        NaN without a monitor, and for L-BFGS, whose ``cost`` already is the full cost.
    unit : {"iter", "epoch"}
        What one record counts (see :data:`UNITS`).
    """

    iteration: int
    cost: float
    grad_norm: float
    evaluations: int
    elapsed: float
    monitor: float = math.nan
    unit: str = "iter"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {self.unit!r}")

    @property
    def epoch(self) -> int:
        """``iteration`` under the minibatch solvers' name for their step."""
        return self.iteration


@dataclass
class TrainingResult:
    """What every solver returns: the fields of SciPy's result a student needs, and the history.

    Parameters
    ----------
    theta : ndarray
        Host float64: the last step's, or after Ctrl-C the best seen (see each solver).
    cost : float
        The cost at ``theta`` (a minibatch run with a monitor: the monitor's value; NaN when
        Ctrl-C came before the first epoch ended).
    n_iter : int
        Steps that ended: L-BFGS iterations or minibatch epochs (``len(history)``).
    n_evals : int
        Calls of the cost or batch function.
    message : str
        Why the run stopped.
    success : bool
        L-BFGS: SciPy's verdict. Minibatch: every epoch asked for ran.
    interrupted : bool
        The run ended on Ctrl-C (``KeyboardInterrupt``).
    wall_time : float
        Seconds the run took.
    history : list of IterationRecord
        One record per step.
    """

    theta: np.ndarray
    cost: float
    n_iter: int
    n_evals: int
    message: str
    success: bool
    interrupted: bool
    wall_time: float
    history: list[IterationRecord] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """``n_iter`` under the name a minibatch run uses (``MinibatchResult.epochs``)."""
        return self.n_iter

    @property
    def evaluations(self) -> int:
        """``n_evals`` under the name a minibatch run uses."""
        return self.n_evals


def _counter(record: IterationRecord) -> str:
    return f"{record.iteration:6d}"


def _cost(record: IterationRecord) -> str:
    return f"{record.cost:14.8g}"


def _grad_norm(record: IterationRecord) -> str:
    return f"{record.grad_norm:11.4e}"


def _evaluations(record: IterationRecord) -> str:
    return f"{record.evaluations:6d}"


def _monitor(record: IterationRecord) -> str:
    return f"{record.monitor:14.8g}"


def _elapsed(record: IterationRecord) -> str:
    return f"{record.elapsed:7.2f}s"


Column = tuple[str, int, Callable[[IterationRecord], str]]


def progress_columns(record: IterationRecord) -> list[Column]:
    """The columns of a progress table, as ``(title, width, format)``, chosen by its first record.

    Every table shows the step, the cost, the gradient's norm and the time. An L-BFGS table also
    shows the evaluations, because the line search makes their count per iteration vary (one
    when the first trial step is accepted, more when it is not). An epoch always takes the same
    number of batches, so a minibatch table leaves that column out, and shows the monitor
    ("full cost") instead when the run has one.
    """
    columns: list[Column] = [
        (record.unit, 6, _counter), ("cost", 14, _cost), ("|grad|", 11, _grad_norm),
    ]  # fmt: skip
    if record.unit == "iter":
        columns.append(("evals", 6, _evaluations))
    if not math.isnan(record.monitor):
        columns.append(("full cost", 14, _monitor))
    columns.append(("time", 8, _elapsed))
    return columns


class ProgressPrinter:
    """Prints one line per step (or every ``every`` steps, and the first): a header, then rows.

    The same printer serves every solver; the first record chooses the columns
    (:func:`progress_columns`): ``iter cost |grad| evals time`` for L-BFGS,
    ``epoch cost |grad| [full cost] time`` for a minibatch solver.
    """

    def __init__(self, every: int = 1, stream: TextIO | None = None) -> None:
        self.every = check_int("every", every)
        self.stream = stream
        self._columns: list[Column] | None = None

    def __call__(self, record: IterationRecord) -> None:
        stream = self.stream or sys.stdout
        if self._columns is None:
            self._columns = progress_columns(record)
            print(" ".join(f"{title:>{width}}" for title, width, _ in self._columns), file=stream)
        if record.iteration % self.every == 0 or record.iteration == 1:
            print(" ".join(show(record) for _, _, show in self._columns), file=stream, flush=True)


def as_progress(progress: bool | Progress | None) -> Progress | None:
    """A solver's ``progress`` argument as a function of a record: ``True`` is a fresh printer."""
    if progress is True:
        return ProgressPrinter()
    return progress or None


class Recorder:
    """A run's clock and history: numbers each step, times it, hands it to ``progress``.

    Both solvers build their :class:`IterationRecord` and :class:`TrainingResult` through one
    recorder, so the two cannot drift apart in what they count or how they time it.
    """

    def __init__(self, unit: str, progress: bool | Progress | None = None) -> None:
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        self.unit = unit
        self.progress = as_progress(progress)
        self.start = time.perf_counter()
        self.history: list[IterationRecord] = []

    @property
    def elapsed(self) -> float:
        """Seconds since the recorder was made (the start of the run)."""
        return time.perf_counter() - self.start

    def add(
        self, cost: float, grad_norm: float, evaluations: int, monitor: float = math.nan
    ) -> IterationRecord:
        """Record the next step, show it, and return its record."""
        record = IterationRecord(
            len(self.history) + 1, cost, grad_norm, evaluations, self.elapsed, monitor, self.unit
        )
        self.history.append(record)
        if self.progress is not None:
            self.progress(record)
        return record

    def result(
        self,
        theta: np.ndarray,
        cost: float,
        n_evals: int,
        message: str,
        *,
        success: bool,
        interrupted: bool = False,
    ) -> TrainingResult:
        """The run's result, with the history so far and the time until now."""
        return TrainingResult(
            theta=theta,
            cost=cost,
            n_iter=len(self.history),
            n_evals=n_evals,
            message=message,
            success=success,
            interrupted=interrupted,
            wall_time=self.elapsed,
            history=self.history,
        )
