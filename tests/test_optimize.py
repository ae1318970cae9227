"""L-BFGS training: progress, monotone accepted steps, interrupts, non-finite errors, backends."""

from __future__ import annotations

import io

import numpy as np
import pytest

from ufldl_sae import NonFiniteError, initialize_parameters, train_sparse_autoencoder
from ufldl_sae.model import sparse_autoencoder_cost
from ufldl_sae.optimize import ProgressPrinter, minimize_lbfgs

V, H, M = 16, 6, 200
ARGS = (V, H, 1e-4, 0.05, 3.0)


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).uniform(0.1, 0.9, (V, M))


def cost_at(theta, data):
    return float(sparse_autoencoder_cost(theta, *ARGS, data)[0])


def test_short_run_lowers_the_cost_at_every_accepted_step(data):
    theta0 = initialize_parameters(H, V, 0)
    out = io.StringIO()
    result = train_sparse_autoencoder(
        theta0, *ARGS, data, max_iter=30, progress=ProgressPrinter(stream=out)
    )
    costs = [r.cost for r in result.history]
    assert result.n_iter == len(costs) == 30 and result.n_evals >= 30
    assert np.all(np.diff(costs) <= 0)
    assert costs[-1] < 0.5 * cost_at(theta0, data)
    assert result.cost == pytest.approx(cost_at(result.theta, data), rel=1e-12)
    assert all(np.isfinite(r.grad_norm) and r.elapsed >= 0 for r in result.history)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["iter", "cost", "|grad|", "evals", "time"]
    assert len(lines) == 31 and lines[-1].split()[0] == "30"
    assert not result.interrupted and "ITERATIONS" in result.message.upper()


def test_theta0_is_not_modified(data):
    theta0 = initialize_parameters(H, V, 1)
    before = theta0.copy()
    train_sparse_autoencoder(theta0, *ARGS, data, max_iter=3)
    np.testing.assert_array_equal(theta0, before)


def test_interrupt_from_the_callback_keeps_the_best_theta(data):
    theta0 = initialize_parameters(H, V, 2)

    def interrupt(record, theta):
        if record.iteration == 5:
            raise KeyboardInterrupt

    result = train_sparse_autoencoder(theta0, *ARGS, data, max_iter=50, callback=interrupt)
    assert result.interrupted and result.n_iter == 5 and not result.success
    assert "interrupted" in result.message
    assert result.cost == pytest.approx(cost_at(result.theta, data), rel=1e-12)
    assert result.cost <= result.history[-1].cost < cost_at(theta0, data)


def test_interrupt_inside_the_objective_keeps_the_best_theta(data):
    theta0 = initialize_parameters(H, V, 3)
    calls = []

    def student_cost(*args):
        calls.append(1)
        if len(calls) == 12:
            raise KeyboardInterrupt
        return sparse_autoencoder_cost(*args)

    result = train_sparse_autoencoder(theta0, *ARGS, data, cost_function=student_cost)
    assert result.interrupted and result.n_evals == 12
    assert result.cost == pytest.approx(cost_at(result.theta, data), rel=1e-12)
    assert result.cost < cost_at(theta0, data)


def test_stop_iteration_ends_the_run_cleanly(data):
    def stop(record, theta):
        if record.iteration == 4:
            raise StopIteration

    result = train_sparse_autoencoder(
        initialize_parameters(H, V, 4), *ARGS, data, max_iter=50, callback=stop
    )
    assert result.n_iter == 4 and not result.interrupted


def test_a_nan_cost_stops_with_an_error_saying_where(data):
    calls = []

    def broken(*args):
        calls.append(1)
        cost, grad = sparse_autoencoder_cost(*args)
        return (cost * np.nan if len(calls) == 7 else cost), grad

    with pytest.raises(NonFiniteError, match=r"the cost is nan at evaluation 7") as caught:
        train_sparse_autoencoder(initialize_parameters(H, V, 5), *ARGS, data, cost_function=broken)
    assert caught.value.best_theta is not None


def test_a_nan_gradient_names_the_block(data):
    def broken(*args):
        cost, grad = sparse_autoencoder_cost(*args)
        grad = grad.copy()
        grad[2 * H * V + 1] = np.inf  # b1[1]
        return cost, grad

    with pytest.raises(NonFiniteError, match=r"block b1, entry 1"):
        train_sparse_autoencoder(initialize_parameters(H, V, 6), *ARGS, data, cost_function=broken)


def test_every_backend_trains_to_the_same_theta(backend, data):
    theta0 = initialize_parameters(H, V, 7)
    expected = train_sparse_autoencoder(theta0, *ARGS, data, max_iter=10)
    result = train_sparse_autoencoder(
        backend.asarray(theta0), *ARGS, backend.asarray(data), max_iter=10
    )
    assert isinstance(result.theta, np.ndarray) and result.theta.dtype == np.float64
    np.testing.assert_allclose(result.theta, expected.theta, rtol=1e-9, atol=1e-12)


def test_float32_run_ends_near_the_float64_run(data):
    theta0 = initialize_parameters(H, V, 8)
    r64 = train_sparse_autoencoder(theta0, *ARGS, data, max_iter=60)
    r32 = train_sparse_autoencoder(theta0, *ARGS, data.astype(np.float32), max_iter=60)
    assert r32.cost == pytest.approx(r64.cost, rel=1e-2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_iter": 0}, "max_iter must be an integer >= 1, got 0"),
        ({"history_size": -1}, "history_size must be an integer >= 1"),
        ({"gtol": -1.0}, "gtol must be a real number"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        minimize_lbfgs(lambda t: (float(t @ t), 2 * t), np.ones(3), **kwargs)


def test_bad_theta0(data):
    with pytest.raises(ValueError, match=r"theta0 must be a 1-D vector of length 214"):
        train_sparse_autoencoder(np.zeros(5), *ARGS, data)
