"""L-BFGS over the flat parameter vector, as the course's ``train.m`` does with minFunc.

SciPy's L-BFGS-B works on host float64 vectors. The model works on whatever backend holds the
data. :func:`host_objective` is the whole adapter between them: theta to the device, cost and
gradient there, then a Python ``float`` and a host float64 gradient back. Only theta and the
gradient cross, once per evaluation; the data never leave the device.

:func:`minimize_lbfgs` adds what a long run needs: one progress line per iteration (current SciPy
prints nothing by itself), a per-iteration history, a clean stop on Ctrl-C that keeps the best
theta seen, and an error naming the evaluation and the parameter when a cost or gradient stops
being finite.

Defaults follow ``train.m``: 400 iterations. The history size (L-BFGS "corrections") is 100,
minFunc's default ``Corr``, where SciPy's own default is 10: on the classic exercise the longer
history ends at a lower cost (BENCHMARKS.md gives the figures), at more of L-BFGS-B's own time
per iteration, which ``history_size`` trades back where speed matters more. The tolerances
mirror minFunc's ``optTol`` (1e-5 on the gradient) and ``progTol`` (1e-9 on the change in cost).

The run's records, progress lines and result are the ones every solver shares
(:mod:`ufldl_sae.results`): ``LbfgsResult`` is :class:`~ufldl_sae.results.TrainingResult`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.optimize

from .backend import array_namespace, device_of, from_host, to_host_all
from .model import sparse_autoencoder_cost
from .params import block_slices, theta_size
from .results import IterationRecord, NonFiniteError, ProgressPrinter, Recorder, TrainingResult
from .tuning import tuned
from .validation import check_int, check_problem, check_real, check_theta0

HostObjective = Callable[[np.ndarray], tuple[float, np.ndarray]]


#: L-BFGS returns the result every solver returns; the name is kept for existing code.
LbfgsResult = TrainingResult

__all__ = [
    "IterationRecord",
    "LbfgsResult",
    "NonFiniteError",
    "ProgressPrinter",
    "host_objective",
    "minimize_lbfgs",
    "train_sparse_autoencoder",
]


def host_objective(fun: Callable[[Any], tuple[Any, Any]], xp: Any, dtype: Any, device: Any):
    """Wrap a device objective ``fun(theta) -> (cost, grad)`` for SciPy's host float64 vectors."""

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        cost, grad = to_host_all(*fun(from_host(theta, xp, dtype=dtype, device=device)))
        return float(cost), grad.astype(np.float64, copy=False)

    return objective


class _Tracker:
    """The objective and callback given to SciPy, sharing what the run has seen so far.

    The best theta is tracked per evaluation, not per iteration: Ctrl-C may come in the middle
    of a line search that has already found a lower cost than the last accepted point.
    """

    def __init__(
        self,
        objective: HostObjective,
        recorder: Recorder,
        callback: Callable[[IterationRecord, np.ndarray], None] | None,
        blocks: dict[str, slice] | None,
    ) -> None:
        self.objective = objective
        self.recorder = recorder
        self.callback = callback
        self.blocks = blocks
        self.n_evals = 0
        self.last: tuple[np.ndarray, float, np.ndarray] | None = None
        self.best_theta: np.ndarray | None = None
        self.best_cost = math.inf

    def fun(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.n_evals += 1
        cost, grad = self.objective(theta)
        n_iter = len(self.recorder.history)
        if not math.isfinite(cost):
            raise NonFiniteError(
                f"the cost is {cost} at evaluation {self.n_evals} "
                f"(after {n_iter} iterations); the best cost so far was {self.best_cost:.6g}",
                self.best_theta,
            )
        bad = ~np.isfinite(grad)
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            raise NonFiniteError(
                f"the gradient has {int(bad.sum())} non-finite entries at evaluation "
                f"{self.n_evals} (after {n_iter} iterations), the first at "
                f"{self._name(index)} = {grad[index]}",
                self.best_theta,
            )
        if cost < self.best_cost:
            self.best_cost, self.best_theta = cost, theta.copy()
        self.last = (theta, cost, grad)
        return cost, grad

    def _name(self, index: int) -> str:
        for name, s in (self.blocks or {}).items():
            if s.start <= index < s.stop:
                return f"theta[{index}] (block {name}, entry {index - s.start})"
        return f"theta[{index}]"

    def on_iteration(self, intermediate_result: scipy.optimize.OptimizeResult) -> None:
        """SciPy's callback after each accepted step (the parameter name selects this form)."""
        theta = np.array(intermediate_result.x)  # copy: SciPy reuses the buffer
        grad_norm = math.nan
        if self.last is not None and np.array_equal(self.last[0], theta):
            grad_norm = float(np.linalg.norm(self.last[2]))
        record = self.recorder.add(float(intermediate_result.fun), grad_norm, self.n_evals)
        if self.callback is not None:
            self.callback(record, theta)


def minimize_lbfgs(
    objective: HostObjective,
    theta0: np.ndarray,
    *,
    max_iter: int = 400,
    history_size: int = 100,
    max_fun: int | None = None,
    gtol: float = 1e-5,
    ftol: float = 1e-9,
    progress: bool | Callable[[IterationRecord], None] | None = None,
    callback: Callable[[IterationRecord, np.ndarray], None] | None = None,
    blocks: dict[str, slice] | None = None,
) -> LbfgsResult:
    """Minimize a host objective with SciPy's L-BFGS-B, with progress and safe interrupts.

    Parameters
    ----------
    objective : callable
        ``objective(theta) -> (cost: float, grad: float64 ndarray)`` on host vectors.
    theta0 : ndarray
        Starting point (host, float64).
    max_iter : int
        Iterations (``train.m``: 400).
    history_size : int
        Correction pairs kept by L-BFGS (minFunc's default ``Corr`` = 100).
    max_fun : int, optional
        Objective evaluations allowed; default ``max(1000, 3 * max_iter)`` (minFunc: 1000).
    gtol, ftol : float
        Stop when the largest gradient entry is below ``gtol``, or when the relative change in
        cost of a step is below ``ftol``.
    progress : bool or callable
        ``True`` prints a line per iteration (:class:`ProgressPrinter`); a callable receives
        each :class:`IterationRecord`.
    callback : callable, optional
        ``callback(record, theta)`` after each iteration, with a copy of the current theta
        (for checkpoints). Raising ``StopIteration`` ends the run cleanly.
    blocks : dict, optional
        Names of slices of theta, used to say where a non-finite gradient entry lies.

    Returns
    -------
    LbfgsResult
        On Ctrl-C (``KeyboardInterrupt``, from anywhere in the run) the result holds the
        lowest-cost theta evaluated so far and ``interrupted=True``; nothing learned is lost.

    Raises
    ------
    NonFiniteError
        When a cost or gradient is NaN or infinite; its ``best_theta`` holds the best theta seen.
    """
    max_iter = check_int("max_iter", max_iter)
    history_size = check_int("history_size", history_size)
    max_fun = max(1000, 3 * max_iter) if max_fun is None else check_int("max_fun", max_fun)
    check_real("gtol", gtol, low=0.0)
    check_real("ftol", ftol, low=0.0)
    theta0 = np.array(theta0, dtype=np.float64)  # a copy: the caller's array is never touched
    if theta0.ndim != 1:
        raise ValueError(f"theta0 must be a 1-D vector, got shape {theta0.shape}")
    recorder = Recorder("iter", progress)
    tracker = _Tracker(objective, recorder, callback, blocks)
    options = {"maxiter": max_iter, "maxfun": max_fun, "maxcor": history_size}
    options |= {"gtol": gtol, "ftol": ftol}
    try:
        result = scipy.optimize.minimize(
            tracker.fun,
            theta0,
            jac=True,
            method="L-BFGS-B",
            callback=tracker.on_iteration,
            options=options,
        )
    except KeyboardInterrupt:
        best = tracker.best_theta if tracker.best_theta is not None else theta0
        return recorder.result(
            best,
            tracker.best_cost,
            tracker.n_evals,
            f"interrupted (KeyboardInterrupt) after {len(recorder.history)} iterations",
            success=False,
            interrupted=True,
        )
    return recorder.result(
        np.asarray(result.x, dtype=np.float64),
        float(result.fun),
        tracker.n_evals,
        str(result.message),
        success=bool(result.success),
    )


def train_sparse_autoencoder(
    theta0: Any,
    visible_size: int,
    hidden_size: int,
    lambda_: float,
    sparsity_param: float,
    beta: float,
    data: Any,
    *,
    max_iter: int = 400,
    history_size: int = 100,
    progress: bool | Callable[[IterationRecord], None] | None = None,
    callback: Callable[[IterationRecord, np.ndarray], None] | None = None,
    cost_function: Callable[..., tuple[Any, Any]] | None = None,
    check_inputs: bool = True,
) -> LbfgsResult:
    """Train the sparse autoencoder with L-BFGS as ``train.m`` does: the course's arguments first.

    ``data`` (visible x m) may live on any backend and in float32 or float64: the cost runs
    there, in that dtype, while L-BFGS works in host float64. The arguments are validated once,
    here, so each evaluation skips the per-entry checks. ``theta0`` may be a host or device
    vector. ``cost_function`` replaces :func:`~ufldl_sae.model.sparse_autoencoder_cost` (same
    seven arguments), e.g. with a student's own implementation. BLAS thread counts are chosen
    for the problem's size while it runs (:func:`~ufldl_sae.tuning.blas_threads`), and malloc
    is asked to reuse freed memory (:func:`~ufldl_sae.tuning.keep_freed_memory`).

    ``check_inputs=False`` trusts the sizes, hyperparameters and data: for a caller that has
    validated them at its own public edge (the estimator), so that nothing is checked twice.

    Returns the :class:`LbfgsResult` of :func:`minimize_lbfgs`, whose ``theta`` is host float64.
    """
    if check_inputs:
        xp = check_problem(visible_size, hidden_size, lambda_, sparsity_param, beta, data)
    else:
        xp = array_namespace(data)
    theta0 = check_theta0(theta0, size=theta_size(visible_size, hidden_size))

    if cost_function is None:  # validated above, so each evaluation skips the checks
        cost_function = functools.partial(sparse_autoencoder_cost, check_inputs=False)

    def fun(theta: Any) -> tuple[Any, Any]:
        return cost_function(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data)

    with tuned(visible_size, hidden_size, data.shape[1], max_age=0.0):
        return minimize_lbfgs(
            host_objective(fun, xp, data.dtype, device_of(data)),
            theta0,
            max_iter=max_iter,
            history_size=history_size,
            progress=progress,
            callback=callback,
            blocks=block_slices(visible_size, hidden_size),
        )
