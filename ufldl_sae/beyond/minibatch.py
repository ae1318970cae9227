r"""Minibatch training: SGD with momentum and Adam, written against the array API.

The course trains on all ``m`` examples at once with L-BFGS (:mod:`ufldl_sae.optimize`). Past a
few hundred thousand examples, or on a GPU whose memory holds the data but not a full-batch
forward pass, one instead takes many cheap steps, each on a ``visible x b`` minibatch of columns.
This module is the driver that runs the two usual steps (:func:`sgd_momentum_step`,
:func:`adam_step`, each beside its equations in :mod:`ufldl_sae.beyond.steps`) over shuffled
epochs: :func:`minimize_minibatch`, and :func:`train_sparse_autoencoder_minibatch`, which takes
the course's arguments.

On the course's own exercise full-batch L-BFGS remains the better tool: with as many passes over
the data it ends lower on the notes' objective, and every one of its steps uses the exact
:math:`\hat\rho` (BENCHMARKS.md, "Minibatch training", has the measured comparison).

The records, progress lines and result are the ones every solver shares
(:mod:`ufldl_sae.results`): ``MinibatchResult`` is :class:`~ufldl_sae.results.TrainingResult`,
as ``LbfgsResult`` is, ``EpochRecord`` is its :class:`~ufldl_sae.results.IterationRecord` and
``EpochPrinter`` its :class:`~ufldl_sae.results.ProgressPrinter`.

Everything stays on the data's device and in its dtype: theta, the gradient and the optimizer's
state. Per epoch, one index vector crosses to the device (the shuffle is drawn on the host with
``numpy.random.Generator``, so a seed gives the same run on every backend) and three figures
cross back (the epoch's cost, its gradient norm and theta, for the history, the best-so-far copy
and the callback). The batch costs and gradients are summed on the device and read once.

Estimating :math:`\hat\rho` on a minibatch
------------------------------------------
The sparsity penalty needs the average activation of each hidden unit,
:math:`\hat\rho_j = \frac{1}{m}\sum_i a^{(2)}_j(x^{(i)})`, over the whole training set. The cost
function sees only the batch it is given, so during minibatch training
:math:`\hat\rho_j` is the mean of :math:`a^{(2)}_j` over the ``b`` examples of the batch: a noisy
estimate of the notes' full-batch value. Its consequences:

* **Spread.** Once the penalty has done its work, :math:`a^{(2)}_j \in (0, 1)` has a mean
  near :math:`\rho` over the data, so its variance is at most :math:`\rho(1-\rho)` (the
  Bernoulli case, all activations 0 or 1), and a batch of ``b`` examples drawn without
  replacement estimates :math:`\hat\rho_j` with a standard deviation of at most
  :math:`\sqrt{\rho(1-\rho)/b}`. For :math:`\rho = 0.05` and ``b = 256`` that bound is 0.0136,
  27% of :math:`\rho`; for the course's :math:`\rho = 0.01` it is 0.0062, 62% of :math:`\rho`.
  Real sigmoid activations spread less than this bound (BENCHMARKS.md gives measured values).
* **Bias of the penalty.** :math:`\mathrm{KL}(\rho \| q)` is convex in :math:`q`, so by Jensen's
  inequality the expected minibatch penalty is at least the penalty of the expected
  :math:`\hat\rho_j`, which is the full-batch one. To second order the excess is
  :math:`\tfrac{1}{2}\,\partial_q^2\mathrm{KL}\,\mathrm{Var}(\hat\rho_j)` with
  :math:`\partial_q^2\mathrm{KL} = \rho/q^2 + (1-\rho)/(1-q)^2`, which is
  :math:`1/(\rho(1-\rho))` at :math:`q = \rho`. With the variance bound above, the excess of
  each unit's KL term is at most about :math:`1/(2b)` whatever :math:`\rho`, and it shrinks like
  :math:`1/b`: for ``b = 256``, :math:`\beta = 3` and 25 hidden units, at most
  :math:`\beta s_2/(2b) = 0.15`.
* **A slightly different objective.** Batches are uniform random subsets, so the minibatch
  gradient is an unbiased estimate of the full-batch gradient of the reconstruction term and
  exact for the weight decay. It is not unbiased for the sparsity term, whose derivative
  :math:`\beta(-\rho/\hat\rho_j + (1-\rho)/(1-\hat\rho_j))` is a nonlinear function of the
  batch estimate. What SGD and Adam descend is the expected minibatch objective
  :math:`\mathbb{E}_B[J_B]`, whose sparsity term also penalizes how much each unit's average
  activation varies from batch to batch. Larger batches bring it closer to the notes' objective.

The epoch cost of each :class:`~ufldl_sae.results.IterationRecord` is the average of the
minibatch costs, so it includes that excess and is taken at parameters that change along the
epoch. To track the notes' own
objective, pass ``monitor``: a function of the (device) theta called once at the end of each
epoch, e.g. ``lambda th: float(sparse_autoencoder_cost(th, ..., data)[0])`` or, cheaper since it
skips the gradient, ``sparse_autoencoder_cost_terms(...).total``;
:func:`train_sparse_autoencoder_minibatch` builds the latter with ``monitor=True``. Its value is
recorded as each record's ``monitor`` and, when present, chooses the best epoch. It costs a
forward pass over the data, two of the five matrix products an epoch makes per example.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import array_namespace, device_of, from_host, to_host
from ..model import sparse_autoencoder_cost, sparse_autoencoder_cost_terms
from ..params import as_rng, theta_size
from ..results import IterationRecord, NonFiniteError, ProgressPrinter, Recorder, TrainingResult
from ..tuning import tuned
from ..validation import (
    check_finite,
    check_int,
    check_matrix,
    check_namespace,
    check_problem,
    check_theta0,
)
from .steps import SOLVERS, adam_step, check_step_options, sgd_momentum_step, step_rule

__all__ = [
    "SOLVERS",
    "EpochPrinter",
    "EpochRecord",
    "MinibatchResult",
    "adam_step",
    "minimize_minibatch",
    "sgd_momentum_step",
    "train_sparse_autoencoder_minibatch",
]

#: The minibatch solvers return the result every solver returns; the names are kept for
#: existing code. An epoch is their step, so their records say ``unit="epoch"``.
MinibatchResult = TrainingResult
EpochRecord = IterationRecord
EpochPrinter = ProgressPrinter

BatchFunction = Callable[[Any, Any], tuple[Any, Any]]


def minimize_minibatch(
    batch_fun: BatchFunction,
    theta0: Any,
    data: Any,
    *,
    solver: str = "adam",
    learning_rate: float = 1e-3,
    epochs: int = 50,
    batch_size: int = 256,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    shuffle: bool = True,
    rng: None | int | np.random.Generator = 0,
    progress: bool | Callable[[IterationRecord], None] | None = None,
    callback: Callable[[IterationRecord, np.ndarray], None] | None = None,
    monitor: Callable[[Any], float] | None = None,
) -> TrainingResult:
    r"""Minimize the mean of ``batch_fun`` over minibatches with SGD (momentum) or Adam.

    Parameters
    ----------
    batch_fun : callable
        ``batch_fun(theta, batch) -> (cost, grad)``: ``theta`` a device vector in the data's
        dtype, ``batch`` a ``visible x b`` device array of columns of ``data``; ``cost`` a 0-d
        array (or float) and ``grad`` a device array shaped like theta, e.g.
        ``lambda th, X: sparse_autoencoder_cost(th, v, h, lam, rho, beta, X, check_inputs=False)``.
    theta0 : array of shape (n,)
        Starting point: a host NumPy vector or a device vector. Not modified.
    data : array of shape (visible, m)
        The examples, one per COLUMN, already on the device; float32 or float64. The updates run
        on its device, in its dtype.
    solver : {"adam", "sgd"}
        Adam (:func:`adam_step`) or SGD with classical momentum (:func:`sgd_momentum_step`).
    learning_rate : float
        Step size, > 0. The default is Adam's usual 1e-3. Plain SGD's step is the gradient's
        size times the learning rate, where Adam's is about the learning rate itself, and
        momentum :math:`\mu` multiplies SGD's steady steps by :math:`1/(1-\mu)`: so the rates
        that suit each rule differ by orders of magnitude (BENCHMARKS.md, "Minibatch
        training", gives rates that work on the course's exercise).
    epochs : int
        Passes over the data, >= 1.
    batch_size : int
        Examples per step, between 1 and ``m``. The last batch of an epoch holds the
        ``m mod batch_size`` examples left over when that is not 0: it is kept, so every
        example is seen once per epoch, and it is a step like the others (its cost and gradient
        are means over its own examples, hence noisier).
    momentum : float
        SGD's :math:`\mu \in [0, 1)` (0: plain SGD). Unused by Adam.
    beta1, beta2, eps : float
        Adam's decay rates, in [0, 1), and its :math:`\epsilon > 0`. Unused by SGD.
    shuffle : bool
        Visit the columns in a fresh random order each epoch (default), or in order.
    rng : None, int or numpy.random.Generator
        The shuffle's source, used on the host; the same seed gives the same run on every
        backend.
    progress : bool or callable
        ``True`` prints a line per epoch (:class:`~ufldl_sae.results.ProgressPrinter`); a
        callable receives each :class:`~ufldl_sae.results.IterationRecord` (``unit="epoch"``).
    callback : callable, optional
        ``callback(record, theta)`` after each epoch, with a host float64 copy of theta (for
        checkpoints). Raising ``StopIteration`` ends the run cleanly.
    monitor : callable, optional
        ``monitor(theta) -> float`` on the device theta at the end of each epoch, e.g. the
        notes' full-batch cost; stored as each record's ``monitor`` and, when given, used to
        choose the best epoch instead of the mean minibatch cost.

    Returns
    -------
    TrainingResult
        ``theta`` (host float64) after the last epoch, and ``cost`` that epoch's monitor value
        when a monitor was given, else its mean minibatch cost; ``n_iter`` counts the epochs
        that ended, ``n_evals`` the calls of ``batch_fun``, and ``success`` is True when every
        epoch asked for ran. On Ctrl-C (``KeyboardInterrupt``, from anywhere in the run) it holds
        the best epoch's theta and ``interrupted=True`` (``cost`` is NaN when no epoch ended):
        the interrupted epoch's partial progress is dropped, nothing else is lost.

    Raises
    ------
    NonFiniteError
        When an epoch's cost, gradient or theta is NaN or infinite; its ``best_theta`` holds the
        best epoch's theta. Batch figures are read once per epoch, so this is found at the end
        of the epoch in which it happened.

    Notes
    -----
    Per epoch, with :math:`B_1, \dots, B_K` the batches and :math:`b_k = |B_k|`:

    .. math:: \theta \leftarrow \mathrm{step}(\theta, \nabla J_{B_k}(\theta)), \quad k = 1..K;
              \qquad \text{cost} = \frac{1}{m}\sum_k b_k J_{B_k}, \qquad
              |\text{grad}| = \Big\lVert \frac{1}{m}\sum_k b_k \nabla J_{B_k} \Big\rVert_2

    Adam's step counter :math:`t` runs on across epochs.
    """
    xp = check_namespace(data=data)
    check_matrix("data", data, xp)
    check_finite("data", data, xp)
    return _minimize(
        batch_fun, theta0, data, xp,
        solver=solver, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
        momentum=momentum, beta1=beta1, beta2=beta2, eps=eps, shuffle=shuffle, rng=rng,
        progress=progress, callback=callback, monitor=monitor,
    )  # fmt: skip


def train_sparse_autoencoder_minibatch(
    theta0: Any,
    visible_size: int,
    hidden_size: int,
    lambda_: float,
    sparsity_param: float,
    beta: float,
    data: Any,
    *,
    monitor: bool | Callable[[Any], float] = False,
    check_inputs: bool = True,
    **options: Any,
) -> TrainingResult:
    """Train the sparse autoencoder on minibatches, with the course's arguments first.

    The minibatch counterpart of :func:`~ufldl_sae.optimize.train_sparse_autoencoder`: the
    arguments are validated once, here, then each batch runs
    :func:`~ufldl_sae.model.sparse_autoencoder_cost` without its per-entry checks.
    ``monitor=True`` records the notes' full-batch cost :math:`J_{sparse}` (one forward pass
    over all of ``data``) at the end of each epoch, and chooses the best epoch by it; a
    callable is passed on as :func:`minimize_minibatch`'s ``monitor``.
    ``options`` are the keyword arguments of :func:`minimize_minibatch` (``solver``,
    ``learning_rate``, ``epochs``, ``batch_size``, ...). Returns its
    :class:`~ufldl_sae.results.TrainingResult`. ``check_inputs=False`` trusts the arguments, as
    :func:`~ufldl_sae.optimize.train_sparse_autoencoder`'s does.
    """
    if check_inputs:
        xp = check_problem(visible_size, hidden_size, lambda_, sparsity_param, beta, data)
    else:
        xp = array_namespace(data)
    theta0 = check_theta0(theta0, size=theta_size(visible_size, hidden_size))
    args = (visible_size, hidden_size, lambda_, sparsity_param, beta)

    def batch_fun(theta: Any, batch: Any) -> tuple[Any, Any]:
        return sparse_autoencoder_cost(theta, *args, batch, check_inputs=False)

    def full_cost(theta: Any) -> float:
        return sparse_autoencoder_cost_terms(theta, *args, data, check_inputs=False).total

    if monitor is True:
        monitor = full_cost
    batch_size = check_int("batch_size", options.get("batch_size", 256))  # sizes the BLAS
    with tuned(visible_size, hidden_size, batch_size, max_age=0.0):
        return _minimize(batch_fun, theta0, data, xp, monitor=monitor or None, **options)


def _best(epoch: int, score: float) -> str:
    """What ``best_theta`` holds, for the messages of :class:`NonFiniteError`."""
    return f"the theta of epoch {epoch} ({score:.6g})" if epoch else "theta0 (no epoch ended)"


def _check_epoch_options(epochs: Any, batch_size: Any, m: int, shuffle: Any) -> None:
    """Validate how the driver walks the data; each message names the option and the value."""
    check_int("epochs", epochs)
    check_int("batch_size", batch_size)
    if batch_size > m:
        raise ValueError(
            f"batch_size must be at most the number of examples m = {m}, got {batch_size}"
        )
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")


def _minimize(
    batch_fun: BatchFunction,
    theta0: Any,
    data: Any,
    xp: Any,
    *,
    solver: str = "adam",
    learning_rate: float = 1e-3,
    epochs: int = 50,
    batch_size: int = 256,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    shuffle: bool = True,
    rng: None | int | np.random.Generator = 0,
    progress: bool | Callable[[IterationRecord], None] | None = None,
    callback: Callable[[IterationRecord, np.ndarray], None] | None = None,
    monitor: Callable[[Any], float] | None = None,
) -> TrainingResult:
    """:func:`minimize_minibatch` on data already validated."""
    m = data.shape[1]
    check_step_options(solver, learning_rate, momentum, beta1, beta2, eps)
    _check_epoch_options(epochs, batch_size, m, shuffle)
    generator = as_rng(rng)
    theta0 = check_theta0(theta0)

    device, dtype = device_of(data), data.dtype
    theta = from_host(theta0, xp, dtype=dtype, device=device)
    step = step_rule(solver, theta, learning_rate=learning_rate, momentum=momentum,
                     beta1=beta1, beta2=beta2, eps=eps)  # fmt: skip
    recorder = Recorder("epoch", progress)
    best_theta, best_score, best_epoch = theta0, math.inf, 0
    evaluations = 0
    message = f"finished {epochs} epochs"
    try:
        for epoch in range(1, epochs + 1):
            # The epoch's order, drawn on the host and moved to the device once.
            order = from_host(generator.permutation(m), xp, device=device) if shuffle else None
            cost_sum = xp.zeros((), dtype=dtype, device=device)
            grad_sum = xp.zeros_like(theta)
            for first in range(0, m, batch_size):
                stop = min(first + batch_size, m)
                if order is None:
                    batch = data[:, first:stop]  # (visible, b), a view
                else:
                    batch = xp.take(data, order[first:stop], axis=1)  # (visible, b)
                evaluations += 1  # counted before the call, as L-BFGS counts them
                try:
                    cost, grad = batch_fun(theta, batch)
                except Exception as error:
                    # A NaN step usually surfaces here, as the next batch's error (a NaN
                    # rho_hat fails the saturation check): say so, on this error path only.
                    if bool(xp.all(xp.isfinite(theta))):
                        raise
                    raise NonFiniteError(
                        f"theta stopped being finite in epoch {epoch}, before evaluation "
                        f"{evaluations}: a batch's cost or gradient was NaN or infinite (or the "
                        f"step overflowed), and the batch function then raised "
                        f"{type(error).__name__}; best_theta holds {_best(best_epoch, best_score)}",
                        best_theta,
                    ) from error
                if evaluations == 1 and tuple(grad.shape) != tuple(theta.shape):
                    raise ValueError(
                        f"batch_fun returned a gradient of shape {tuple(grad.shape)} for a "
                        f"theta of shape {tuple(theta.shape)}; theta0 has the wrong length "
                        "for this batch_fun"
                    )
                if grad.dtype != dtype:
                    grad = xp.astype(grad, dtype)
                b = stop - first
                cost_sum = cost_sum + b * cost  # summed on the device, read once per epoch
                grad_sum = grad_sum + b * grad
                theta = step(theta, grad)

            # End of the epoch: the only reads from the device.
            cost = float(cost_sum) / m
            grad_norm = math.sqrt(float(xp.vecdot(grad_sum, grad_sum))) / m
            theta_host = np.array(to_host(theta), dtype=np.float64)
            if not (math.isfinite(cost) and math.isfinite(grad_norm)) or not np.all(
                np.isfinite(theta_host)
            ):
                raise NonFiniteError(
                    f"epoch {epoch} has a mean minibatch cost of {cost} and a mean gradient "
                    f"norm of {grad_norm}: a batch's cost or gradient stopped being finite "
                    f"during the epoch (by evaluation {evaluations}); best_theta holds "
                    f"{_best(best_epoch, best_score)}",
                    best_theta,
                )
            value = float(monitor(theta)) if monitor is not None else math.nan
            score = value if monitor is not None else cost
            if score < best_score:
                best_theta, best_score, best_epoch = theta_host.copy(), score, epoch
            record = recorder.add(cost, grad_norm, evaluations, value)
            if callback is not None:
                try:
                    callback(record, theta_host)
                except StopIteration:
                    message = f"stopped by the callback after {epoch} epochs"
                    break
    except KeyboardInterrupt:
        return recorder.result(
            best_theta,
            best_score if best_epoch else math.nan,
            evaluations,
            f"interrupted (KeyboardInterrupt) after {len(recorder.history)} epochs; theta is "
            f"{_best(best_epoch, best_score)}",
            success=False,
            interrupted=True,
        )
    last = recorder.history[-1]
    return recorder.result(
        theta_host,
        last.monitor if monitor is not None else last.cost,
        evaluations,
        message,
        success=len(recorder.history) == epochs,
    )
