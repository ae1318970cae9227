"""One record, one printer, one result for every solver: L-BFGS, SGD with momentum and Adam."""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import pytest

import ufldl_sae
from ufldl_sae import optimize
from ufldl_sae.beyond import minibatch
from ufldl_sae.beyond.minibatch import minimize_minibatch
from ufldl_sae.optimize import minimize_lbfgs
from ufldl_sae.results import (
    IterationRecord,
    NonFiniteError,
    ProgressPrinter,
    Recorder,
    TrainingResult,
    as_progress,
    progress_columns,
)

TARGET = np.array([1.0, -2.0, 0.5, 3.0])


def quadratic(theta):
    """|theta - TARGET|^2 / 2 on host vectors: L-BFGS's objective."""
    diff = theta - TARGET
    return 0.5 * float(diff @ diff), diff


def batch_quadratic(theta, batch):
    """mean_i |theta - x_i|^2 / 2 over the batch's columns: the minimum is the data's mean."""
    diff = theta[:, None] - batch
    return 0.5 * np.mean(np.sum(diff * diff, axis=0)), np.mean(diff, axis=1)


@pytest.fixture(scope="module")
def columns():
    return TARGET[:, None] + np.random.default_rng(0).normal(0, 0.1, (4, 64))


def run_lbfgs(**options):
    return minimize_lbfgs(quadratic, np.zeros(4), max_iter=5, **options)


def run_minibatch(columns, solver, **options):
    lr = 0.1 if solver == "adam" else 0.5
    return minimize_minibatch(batch_quadratic, np.zeros(4), columns, solver=solver,
                              learning_rate=lr, epochs=3, batch_size=16, **options)  # fmt: skip


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_lbfgs_and_the_minibatch_solvers_return_one_result_type(columns, solver):
    lbfgs, other = run_lbfgs(), run_minibatch(columns, solver)
    assert type(lbfgs) is type(other) is TrainingResult
    assert optimize.LbfgsResult is minibatch.MinibatchResult is TrainingResult
    assert ufldl_sae.LbfgsResult is ufldl_sae.MinibatchResult is TrainingResult
    for result in (lbfgs, other):
        assert result.n_iter == len(result.history) >= 1 and result.n_evals >= result.n_iter
        assert isinstance(result.theta, np.ndarray) and result.theta.dtype == np.float64
        assert not result.interrupted and result.wall_time >= result.history[-1].elapsed
    assert other.n_iter == 3 and other.n_evals == 3 * 4


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_their_records_have_the_same_fields_and_differ_only_in_unit(columns, solver):
    lbfgs, other = run_lbfgs(), run_minibatch(columns, solver)
    names = [f.name for f in dataclasses.fields(IterationRecord)]
    assert names == ["iteration", "cost", "grad_norm", "evaluations", "elapsed", "monitor",
                     "unit"]  # fmt: skip
    assert optimize.IterationRecord is minibatch.EpochRecord is IterationRecord
    for result, unit in ((lbfgs, "iter"), (other, "epoch")):
        assert all(type(r) is IterationRecord for r in result.history)
        assert {r.unit for r in result.history} == {unit}
        assert [r.iteration for r in result.history] == list(range(1, result.n_iter + 1))
        assert [r.epoch for r in result.history] == [r.iteration for r in result.history]
        elapsed = [r.elapsed for r in result.history]
        assert elapsed == sorted(elapsed) and elapsed[0] >= 0
        assert all(math.isnan(r.monitor) for r in result.history)  # no monitor in either run
    assert [r.evaluations for r in other.history] == [4, 8, 12]


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_both_print_through_the_same_printer(columns, solver):
    assert optimize.ProgressPrinter is minibatch.EpochPrinter is ProgressPrinter
    out_lbfgs, out_other = io.StringIO(), io.StringIO()
    lbfgs = run_lbfgs(progress=ProgressPrinter(stream=out_lbfgs))
    other = run_minibatch(columns, solver, progress=ProgressPrinter(stream=out_other))
    for result, out, header in (
        (lbfgs, out_lbfgs, "  iter           cost      |grad|  evals     time"),
        (other, out_other, " epoch           cost      |grad|     time"),
    ):
        lines = out.getvalue().splitlines()
        assert lines[0] == header
        assert [line.split()[0] for line in lines[1:]] == [str(r.iteration) for r in
                                                          result.history]  # fmt: skip
        # Every row is aligned under the header and shows the record's own figures.
        for line, record in zip(lines[1:], result.history, strict=True):
            assert len(line) == len(header) and line.endswith("s")
            assert float(line.split()[1]) == pytest.approx(record.cost, rel=1e-7)
            assert float(line.split()[2]) == pytest.approx(record.grad_norm, rel=1e-3)


def test_progress_true_gives_each_run_a_fresh_printer(columns, capsys):
    run_lbfgs(progress=True)
    run_minibatch(columns, "adam", progress=True)
    lines = capsys.readouterr().out.splitlines()
    headers = [line.split() for line in lines if not line.split()[0].isdigit()]
    assert headers == [["iter", "cost", "|grad|", "evals", "time"],
                       ["epoch", "cost", "|grad|", "time"]]  # fmt: skip


def test_the_rows_by_hand():
    out = io.StringIO()
    printer = ProgressPrinter(every=2, stream=out)
    for k in (1, 2, 3, 4):
        printer(IterationRecord(k, 10.0 / k, 1e-3 * k, 3 * k, 0.5 * k))
    assert out.getvalue().splitlines() == [
        "  iter           cost      |grad|  evals     time",
        "     1             10  1.0000e-03      3    0.50s",
        "     2              5  2.0000e-03      6    1.00s",
        "     4            2.5  4.0000e-03     12    2.00s",
    ]
    out = io.StringIO()
    printer = ProgressPrinter(stream=out)
    printer(IterationRecord(1, 0.125, 2.5, 8, 12.345, monitor=0.1, unit="epoch"))
    assert out.getvalue().splitlines() == [
        " epoch           cost      |grad|      full cost     time",
        "     1          0.125  2.5000e+00            0.1   12.35s",
    ]


def test_the_first_record_chooses_the_columns():
    titles = {
        (unit, monitored): [title for title, _, _ in progress_columns(
            IterationRecord(1, 1.0, 1.0, 1, 0.0, 2.0 if monitored else math.nan, unit))]
        for unit in ("iter", "epoch") for monitored in (False, True)
    }  # fmt: skip
    assert titles == {
        ("iter", False): ["iter", "cost", "|grad|", "evals", "time"],
        ("iter", True): ["iter", "cost", "|grad|", "evals", "full cost", "time"],
        ("epoch", False): ["epoch", "cost", "|grad|", "time"],
        ("epoch", True): ["epoch", "cost", "|grad|", "full cost", "time"],
    }


def test_recorder_numbers_times_and_shows_each_step():
    shown = []
    recorder = Recorder("epoch", shown.append)
    first = recorder.add(3.0, 0.5, 4)
    second = recorder.add(2.0, 0.25, 8, monitor=1.5)
    assert (first.iteration, second.iteration) == (1, 2) and shown == [first, second]
    assert first.unit == second.unit == "epoch" and second.monitor == 1.5
    assert 0 <= first.elapsed <= second.elapsed
    result = recorder.result(np.ones(2), 2.0, 8, "done", success=True)
    assert result.n_iter == 2 and result.n_evals == 8 and result.history == [first, second]
    assert result.wall_time >= second.elapsed and not result.interrupted and result.success


def test_one_non_finite_error_for_every_solver(columns):
    assert optimize.NonFiniteError is ufldl_sae.NonFiniteError is NonFiniteError

    def nan_batch(theta, batch):
        cost, grad = batch_quadratic(theta, batch)
        return cost * np.nan, grad

    with pytest.raises(NonFiniteError, match="epoch 1 has a mean minibatch cost of nan"):
        minimize_minibatch(nan_batch, np.zeros(4), columns, epochs=2, batch_size=16)
    with pytest.raises(NonFiniteError, match="the cost is nan at evaluation 1"):
        minimize_lbfgs(lambda theta: (math.nan, theta), np.zeros(4))


def test_as_progress():
    assert isinstance(as_progress(True), ProgressPrinter)
    assert as_progress(True) is not as_progress(True)  # a fresh header for each run
    assert as_progress(False) is None and as_progress(None) is None
    assert as_progress(print) is print


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ProgressPrinter(every=0), "every must be an integer >= 1, got 0"),
        (lambda: IterationRecord(1, 1.0, 1.0, 1, 0.0, unit="step"),
         r"unit must be one of \('iter', 'epoch'\), got 'step'"),
        (lambda: Recorder("batch"), r"unit must be one of \('iter', 'epoch'\), got 'batch'"),
    ],
)  # fmt: skip
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
