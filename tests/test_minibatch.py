"""Minibatch training: the two update rules by hand, training, determinism, backends, interrupts."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ufldl_sae import (
    NonFiniteError,
    initialize_parameters,
    sparse_autoencoder_cost,
    sparse_autoencoder_cost_terms,
    train_sparse_autoencoder,
)
from ufldl_sae.beyond.minibatch import (
    SOLVERS,
    EpochPrinter,
    adam_step,
    minimize_minibatch,
    sgd_momentum_step,
    train_sparse_autoencoder_minibatch,
)
from ufldl_sae.beyond.steps import step_rule
from ufldl_sae.data import load_natural_images, normalize_data, sample_images
from ufldl_sae.model import feedforward_autoencoder

V, H, M = 64, 25, 2000
ARGS = (V, H, 1e-4, 0.01, 3.0)  # the course's first exercise
BATCHES = 8  # 2,000 columns in batches of 256: seven full ones and a last one of 208


@pytest.fixture(scope="module")
def patches():
    return normalize_data(sample_images(load_natural_images(), 8, M, rng=0))


def full_cost(theta, data):
    return sparse_autoencoder_cost_terms(theta, *ARGS, data).total


def batch_cost(theta, batch):
    return sparse_autoencoder_cost(theta, *ARGS, batch, check_inputs=False)


def train(data, theta0=None, **options):
    theta0 = initialize_parameters(H, V, 0) if theta0 is None else theta0
    return train_sparse_autoencoder_minibatch(theta0, *ARGS, data, **options)


# --------------------------------------------------------------------------------------------
# The update rules
# --------------------------------------------------------------------------------------------

THETA = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.5, -1.0, 2.0])
G2 = np.array([0.25, 0.5, -1.0])


def test_sgd_momentum_two_steps_by_hand():
    # v1 = -0.1 g1 = [-0.05, 0.1, -0.2];  theta1 = [0.95, -1.9, 0.3]
    # v2 = 0.9 v1 - 0.1 g2 = [-0.07, 0.04, -0.08];  theta2 = [0.88, -1.86, 0.22]
    theta, v = sgd_momentum_step(THETA, G1, np.zeros(3), 0.1, 0.9)
    np.testing.assert_allclose(v, [-0.05, 0.1, -0.2], rtol=1e-15)
    np.testing.assert_allclose(theta, [0.95, -1.9, 0.3], rtol=1e-15)
    theta, v = sgd_momentum_step(theta, G2, v, 0.1, 0.9)
    np.testing.assert_allclose(v, [-0.07, 0.04, -0.08], rtol=1e-14)
    np.testing.assert_allclose(theta, [0.88, -1.86, 0.22], rtol=1e-15)


def test_adam_two_steps_by_hand():
    # Step 1: m = 0.1 g1, v = 0.001 g1^2; the corrections give m_hat = g1, v_hat = g1^2, so
    # each coordinate moves by 0.1 |g| / (|g| + 1e-8):
    # theta1 = [0.900000002, -1.900000001, 0.4000000005].
    # Step 2: m = [0.07, -0.04, 0.08], v = [3.1225e-4, 1.249e-3, 4.996e-3]; m_hat = m / 0.19,
    # v_hat = v / 0.001999 and theta2 = theta1 - 0.1 m_hat / (sqrt(v_hat) + 1e-8), worked out
    # in plain Python floats.
    zeros = np.zeros(3)
    theta, m, v = adam_step(THETA, G1, zeros, zeros, 1, 0.1)
    np.testing.assert_allclose(m, [0.05, -0.1, 0.2], rtol=1e-14)
    np.testing.assert_allclose(v, [2.5e-4, 1e-3, 4e-3], rtol=1e-14)
    np.testing.assert_allclose(theta, [0.900000002, -1.900000001, 0.4000000005], rtol=1e-15)
    theta, m, v = adam_step(theta, G2, m, v, 2, 0.1)
    np.testing.assert_allclose(m, [0.07, -0.04, 0.08], rtol=1e-14)
    np.testing.assert_allclose(v, [3.1225e-4, 1.249e-3, 4.996e-3], rtol=1e-14)
    expected = [0.8067820404774624, -1.873366297370903, 0.37336629670243154]
    np.testing.assert_allclose(theta, expected, rtol=1e-14)


def test_adam_refuses_step_zero():
    with pytest.raises(ValueError, match="t must be an integer >= 1, got 0"):
        adam_step(THETA, G1, G1, G1, 0, 0.1)


def test_step_rule_carries_the_state_from_step_to_step():
    # Two steps of the bound rule are the two steps by hand, the state passed on between them
    # (Adam's counter t runs 1, 2).
    zeros = np.zeros(3)
    sgd = step_rule("sgd", THETA, learning_rate=0.1, momentum=0.9)
    theta1, v = sgd_momentum_step(THETA, G1, zeros, 0.1, 0.9)
    np.testing.assert_array_equal(sgd(THETA, G1), theta1)
    np.testing.assert_array_equal(sgd(theta1, G2), sgd_momentum_step(theta1, G2, v, 0.1, 0.9)[0])
    adam = step_rule("adam", THETA, learning_rate=0.1, beta1=0.8, beta2=0.99, eps=1e-6)
    theta1, m, v = adam_step(THETA, G1, zeros, zeros, 1, 0.1, 0.8, 0.99, 1e-6)
    np.testing.assert_array_equal(adam(THETA, G1), theta1)
    expected = adam_step(theta1, G2, m, v, 2, 0.1, 0.8, 0.99, 1e-6)[0]
    np.testing.assert_array_equal(adam(theta1, G2), expected)
    assert SOLVERS == ("adam", "sgd")
    with pytest.raises(ValueError, match=r"solver must be one of \('adam', 'sgd'\), got 'lbfgs'"):
        step_rule("lbfgs", THETA, learning_rate=0.1)


def test_steps_do_not_touch_their_inputs():
    theta, g, v, m = THETA.copy(), G1.copy(), G2.copy(), G2.copy()
    sgd_momentum_step(theta, g, v, 0.1, 0.9)
    adam_step(theta, g, m, v * v, 3, 0.1)
    for before, after in [(THETA, theta), (G1, g), (G2, v), (G2, m)]:
        np.testing.assert_array_equal(before, after)


vectors = arrays(np.float64, 20, elements=st.floats(-10, 10, allow_subnormal=False))


@settings(max_examples=60, deadline=None)
@given(vectors, vectors, st.floats(1e-4, 1.0))
def test_sgd_without_momentum_is_plain_gradient_descent(theta, grad, lr):
    new, velocity = sgd_momentum_step(theta, grad, np.zeros_like(theta), lr, 0.0)
    np.testing.assert_array_equal(new, theta - lr * grad)
    np.testing.assert_array_equal(velocity, -lr * grad)


@settings(max_examples=60, deadline=None)
@given(vectors, vectors, st.floats(1e-3, 1.0), st.floats(0.0, 0.99))
def test_momentum_doubles_up_on_a_constant_gradient(theta, grad, lr, mu):
    # Two steps along the same g move theta by -lr g (1 + (1 + mu)).
    once, v = sgd_momentum_step(theta, grad, np.zeros_like(theta), lr, mu)
    twice, _ = sgd_momentum_step(once, grad, v, lr, mu)
    np.testing.assert_allclose(twice - theta, -lr * grad * (2 + mu), rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(vectors, vectors, st.floats(1e-4, 0.1))
def test_adam_first_step_moves_each_coordinate_by_the_learning_rate(theta, grad, lr):
    new, _, _ = adam_step(theta, grad, np.zeros_like(theta), np.zeros_like(theta), 1, lr)
    step = new - theta
    assert np.all(np.abs(step) <= lr * (1 + 1e-9))
    big = np.abs(grad) > 1e-3  # where eps = 1e-8 is negligible next to |g|
    np.testing.assert_allclose(step[big], -lr * np.sign(grad[big]), rtol=1e-4)
    assert np.all(step[grad == 0] == 0)


def test_steps_stay_on_the_device_in_float32(backend):
    float32 = backend.xp.float32
    theta, grad = backend.asarray(THETA, float32), backend.asarray(G1, float32)
    zeros = backend.xp.zeros_like(theta)
    sgd = sgd_momentum_step(theta, grad, zeros, 0.1, 0.9)
    adam = adam_step(theta, grad, zeros, zeros, 1, 0.1)
    for out in (*sgd, *adam):
        assert out.dtype == backend.xp.float32 and out.device == theta.device


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def test_adam_lowers_the_cost(patches):
    # From the course's random start the sparsity penalty dominates (rho_hat near 0.5 against
    # rho = 0.01): the full cost is 55.43. Ten epochs of Adam bring it to about 0.52.
    theta0 = initialize_parameters(H, V, 0)
    before = full_cost(theta0, patches)
    assert before == pytest.approx(55.43, abs=0.01)
    result = train(patches, solver="adam", learning_rate=1e-2, epochs=10, monitor=True)
    after = full_cost(result.theta, patches)
    assert after < 0.6  # below 1.1% of the start
    assert result.cost == pytest.approx(after, rel=1e-12)  # the monitor is the full cost
    assert result.success and result.n_iter == result.epochs == 10
    assert result.n_evals == result.evaluations == 10 * BATCHES
    assert [r.epoch for r in result.history] == list(range(1, 11))
    assert result.history[0].cost > 10 > 1 > result.history[-1].cost  # mean minibatch costs


def test_sgd_lowers_the_cost(patches):
    # Plain SGD (learning rate 1, no momentum): 55.43 -> about 0.49 in ten epochs, and the
    # reconstruction term (0.79 at the start) falls too, to about 0.48.
    theta0 = initialize_parameters(H, V, 0)
    result = train(patches, solver="sgd", learning_rate=1.0, momentum=0.0, epochs=10)
    terms = sparse_autoencoder_cost_terms(result.theta, *ARGS, patches)
    assert terms.total < 0.55 and terms.reconstruction < 0.5
    assert sparse_autoencoder_cost_terms(theta0, *ARGS, patches).reconstruction > 0.78
    # With momentum 0.9 a learning rate ten times smaller gets below 1 in ten epochs.
    result = train(patches, solver="sgd", learning_rate=0.1, momentum=0.9, epochs=10)
    assert full_cost(result.theta, patches) < 1.0


def test_short_last_batch_is_kept_and_every_column_seen_once_per_epoch():
    # Row 0 of the data holds each column's index, so the batches say which columns they hold.
    m = 50
    data = np.vstack([np.arange(m, dtype=np.float64), np.ones(m)])
    seen = []

    def fun(theta, batch):
        seen.append(batch[0].astype(int))
        return 0.5 * float(theta @ theta), theta  # cost |theta|^2 / 2 on every batch

    result = minimize_minibatch(fun, np.ones(3), data, solver="sgd", batch_size=16, epochs=3)
    assert [len(s) for s in seen] == [16, 16, 16, 2] * 3
    for epoch in range(3):
        np.testing.assert_array_equal(np.sort(np.concatenate(seen[4 * epoch : 4 * epoch + 4])),
                                      np.arange(m))  # fmt: skip
    assert not np.array_equal(seen[0], seen[4])  # a fresh order each epoch
    assert result.n_evals == 12


def test_full_batch_sgd_step_of_one_lands_on_the_mean():
    # cost = mean_i |theta - x_i|^2 / 2 has gradient theta - mean(x): one step of size 1 with
    # the whole data as the batch ends exactly at the mean of the columns.
    data = np.random.default_rng(0).uniform(size=(4, 30))

    def fun(theta, batch):
        diff = theta[:, None] - batch
        return 0.5 * np.mean(np.sum(diff * diff, axis=0)), np.mean(diff, axis=1)

    result = minimize_minibatch(fun, np.zeros(4), data, solver="sgd", learning_rate=1.0,
                                momentum=0.0, batch_size=30, epochs=1)  # fmt: skip
    np.testing.assert_allclose(result.theta, data.mean(axis=1), rtol=1e-14)
    assert result.history[0].grad_norm == pytest.approx(np.linalg.norm(data.mean(axis=1)))


def test_same_seed_same_theta_other_seed_other_theta(patches):
    a = train(patches, epochs=3, rng=7)
    b = train(patches, epochs=3, rng=np.random.default_rng(7))
    c = train(patches, epochs=3, rng=8)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert np.max(np.abs(a.theta - c.theta)) > 1e-4
    # Without shuffling the seed plays no part.
    d, e = (train(patches, epochs=2, shuffle=False, rng=seed) for seed in (1, 2))
    np.testing.assert_array_equal(d.theta, e.theta)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_every_backend_trains_to_the_same_theta(backend, patches, solver):
    theta0 = initialize_parameters(H, V, 1)
    options = {"solver": solver, "learning_rate": 1e-2 if solver == "adam" else 0.5, "epochs": 3}
    expected = train(patches, theta0, **options)
    devices = set()

    def fun(theta, batch):
        devices.update({theta.device, batch.device})
        return batch_cost(theta, batch)

    data = backend.asarray(patches)
    result = minimize_minibatch(fun, backend.asarray(theta0), data, **options)
    assert devices == {data.device}
    assert isinstance(result.theta, np.ndarray) and result.theta.dtype == np.float64
    np.testing.assert_allclose(result.theta, expected.theta, rtol=0, atol=1e-12)
    assert result.cost == pytest.approx(expected.cost, rel=1e-12)


def test_float32_data_train_in_float32(patches):
    dtypes = set()

    def fun(theta, batch):
        dtypes.update({theta.dtype, batch.dtype})
        return batch_cost(theta, batch)

    theta0 = initialize_parameters(H, V, 2)
    r32 = minimize_minibatch(fun, theta0, patches.astype(np.float32), learning_rate=1e-2, epochs=3)
    r64 = train(patches, theta0, learning_rate=1e-2, epochs=3)
    assert dtypes == {np.dtype(np.float32)}
    assert r32.theta.dtype == np.float64
    assert r32.cost == pytest.approx(r64.cost, rel=1e-5)  # 0.611421 both (1.5e-6 apart)
    np.testing.assert_allclose(r32.theta, r64.theta, atol=1e-5)  # 1.4e-7 apart


def test_progress_lines(patches):
    out = io.StringIO()
    train(patches, epochs=4, monitor=True, progress=EpochPrinter(every=2, stream=out))
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["epoch", "cost", "|grad|", "full", "cost", "time"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "4"]
    assert all(line.endswith("s") for line in lines[1:])


def test_progress_true_prints_to_stdout(patches, capsys):
    train(patches, epochs=2, progress=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["epoch", "cost", "|grad|", "time"] and len(lines) == 3


def test_monitor_records_the_full_cost_at_each_epoch(patches):
    thetas = []
    result = train(patches, epochs=3, learning_rate=1e-2, monitor=True,
                   callback=lambda record, theta: thetas.append(theta.copy()))  # fmt: skip
    for record, theta in zip(result.history, thetas, strict=True):
        assert record.monitor == pytest.approx(full_cost(theta, patches), rel=1e-12)
    assert all(math.isnan(r.monitor) for r in train(patches, epochs=2).history)
    # A callable monitor passes through the course-argument wrapper unchanged.
    result = train(patches, epochs=2, monitor=lambda theta: 7.0)
    assert [r.monitor for r in result.history] == [7.0, 7.0] and result.cost == 7.0


# --------------------------------------------------------------------------------------------
# Minibatch rho_hat: the penalty of the batch estimates is above the full-batch penalty
# --------------------------------------------------------------------------------------------


def test_minibatch_cost_exceeds_the_full_cost_by_the_variance_of_rho_hat(patches):
    # Cut the 2,000 columns into 8 batches of 250. Reconstruction and weight decay average to
    # their full-batch values exactly, and the full-batch rho_hat is the mean of the batches',
    # so by Jensen (KL is convex in rho_hat) the mean batch cost is at least the full cost.
    # The excess is close to beta/2 * sum_j KL''(rho_hat_j) * Var(batch rho_hat_j).
    # After 100 L-BFGS iterations: full cost 0.4187, excess 0.0153, formula 0.0143.
    theta = train_sparse_autoencoder(initialize_parameters(H, V, 0), *ARGS, patches,
                                     max_iter=100).theta  # fmt: skip
    order = np.random.default_rng(1).permutation(M)
    batches = [patches[:, order[k : k + 250]] for k in range(0, M, 250)]
    mean_batch = np.mean([float(batch_cost(theta, X)[0]) for X in batches])
    excess = mean_batch - full_cost(theta, patches)
    assert 0.01 < excess < 0.02
    a2 = [feedforward_autoencoder(theta, H, V, X).mean(axis=1) for X in batches]  # (8, hidden)
    rho_hat, rho, beta = np.mean(a2, axis=0), ARGS[3], ARGS[4]
    kl2 = rho / rho_hat**2 + (1 - rho) / (1 - rho_hat) ** 2
    formula = beta / 2 * np.sum(kl2 * np.var(a2, axis=0))
    assert excess == pytest.approx(formula, rel=0.15)


# --------------------------------------------------------------------------------------------
# Interrupts, StopIteration, non-finite costs
# --------------------------------------------------------------------------------------------


def recorded(thetas):
    return lambda record, theta: thetas.append(theta.copy())


def test_interrupt_returns_the_best_epoch_not_the_last(patches):
    # From epoch 3 on the reported cost is 10 higher (the steps are unchanged), so epoch 2 is
    # the best; Ctrl-C arrives in the middle of epoch 5.
    calls, thetas = [], []

    def fun(theta, batch):
        calls.append(1)
        if len(calls) == 4 * BATCHES + 3:
            raise KeyboardInterrupt
        cost, grad = batch_cost(theta, batch)
        return (cost + 10.0 if len(calls) > 2 * BATCHES else cost), grad

    theta0 = initialize_parameters(H, V, 3)
    result = minimize_minibatch(fun, theta0, patches, learning_rate=1e-2, epochs=20,
                                callback=recorded(thetas))  # fmt: skip
    assert result.interrupted and not result.success
    assert result.n_iter == 4 and result.n_evals == 4 * BATCHES + 3
    np.testing.assert_array_equal(result.theta, thetas[1])
    assert not np.array_equal(result.theta, thetas[3])
    assert result.cost == result.history[1].cost < result.history[3].cost
    assert result.message.startswith(
        "interrupted (KeyboardInterrupt) after 4 epochs; theta is the theta of epoch 2 ("
    )


def test_interrupt_in_the_first_epoch_returns_theta0(patches):
    def fun(theta, batch):
        raise KeyboardInterrupt

    theta0 = initialize_parameters(H, V, 4)
    result = minimize_minibatch(fun, theta0, patches)
    np.testing.assert_array_equal(result.theta, theta0)
    assert result.theta is not theta0 and result.interrupted and math.isnan(result.cost)
    assert "no epoch ended" in result.message


def test_interrupt_by_monitor_keeps_the_best_by_monitor(patches):
    thetas = []

    def monitor(theta):
        if len(thetas) == 3:
            raise KeyboardInterrupt
        return [3.0, 1.0, 2.0][len(thetas)]

    result = minimize_minibatch(batch_cost, initialize_parameters(H, V, 5), patches,
                                monitor=monitor, callback=recorded(thetas))  # fmt: skip
    np.testing.assert_array_equal(result.theta, thetas[1])
    assert result.cost == 1.0 and result.n_iter == 3


def test_stop_iteration_ends_the_run_cleanly(patches):
    thetas = []

    def stop(record, theta):
        thetas.append(theta.copy())
        if record.epoch == 3:
            raise StopIteration

    result = train(patches, epochs=50, callback=stop)
    assert result.n_iter == 3 and not result.interrupted and not result.success
    assert result.message == "stopped by the callback after 3 epochs"
    np.testing.assert_array_equal(result.theta, thetas[-1])
    assert result.cost == result.history[-1].cost


def test_a_nan_cost_raises_with_the_best_theta(patches):
    calls, thetas = [], []

    def fun(theta, batch):
        calls.append(1)
        cost, grad = batch_cost(theta, batch)
        return (cost * np.nan if len(calls) == BATCHES + 4 else cost), grad

    with pytest.raises(NonFiniteError, match=r"epoch 2 has a mean minibatch cost of nan") as caught:
        minimize_minibatch(fun, initialize_parameters(H, V, 6), patches, callback=recorded(thetas))
    np.testing.assert_array_equal(caught.value.best_theta, thetas[0])
    assert "best_theta holds the theta of epoch 1" in str(caught.value)


def test_an_infinite_gradient_in_the_first_epoch_raises_with_theta0(patches):
    # theta turns NaN after the first batch; the second batch's rho_hat is then NaN, which the
    # cost function reports as a ValueError about rho_hat: the driver names the real cause.
    def fun(theta, batch):
        cost, grad = batch_cost(theta, batch)
        return cost, grad * np.inf

    theta0 = initialize_parameters(H, V, 7)
    with (
        np.errstate(invalid="ignore"),
        pytest.raises(NonFiniteError, match=r"theta stopped being finite in epoch 1, before "
                      r"evaluation \d+: .* raised ValueError; best_theta holds theta0"),
    ):  # fmt: skip
        minimize_minibatch(fun, theta0, patches, solver="sgd")


def test_an_infinite_gradient_in_the_last_batch_is_found_at_the_epoch_end(patches):
    calls, thetas = [], []

    def fun(theta, batch):
        calls.append(1)
        cost, grad = batch_cost(theta, batch)
        return cost, (grad * np.inf if len(calls) == 2 * BATCHES else grad)

    with (
        np.errstate(invalid="ignore"),
        pytest.raises(NonFiniteError, match=r"epoch 2 has a .* mean gradient norm of (inf|nan)"),
    ):
        minimize_minibatch(fun, initialize_parameters(H, V, 8), patches, callback=recorded(thetas))


def test_other_errors_of_the_batch_function_pass_through(patches):
    def fun(theta, batch):
        raise ZeroDivisionError("a student's bug")

    with pytest.raises(ZeroDivisionError, match="a student's bug"):
        minimize_minibatch(fun, initialize_parameters(H, V, 9), patches)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"solver": "rmsprop"}, r"solver must be one of \('adam', 'sgd'\), got 'rmsprop'"),
        ({"learning_rate": -0.1}, r"learning_rate must be a real number in \(0, inf\], got -0.1"),
        ({"learning_rate": 0}, r"learning_rate must be a real number in \(0, inf\], got 0"),
        ({"learning_rate": math.inf}, r"learning_rate must be .* got inf"),
        ({"epochs": 0}, r"epochs must be an integer >= 1, got 0"),
        ({"batch_size": 0}, r"batch_size must be an integer >= 1, got 0"),
        ({"batch_size": 2.5}, r"batch_size must be an integer >= 1, got 2.5"),
        ({"batch_size": "all"}, r"batch_size must be an integer >= 1, got 'all'"),
        ({"batch_size": 2001}, r"batch_size must be at most the number of examples m = 2000, "
                               r"got 2001"),  # fmt: skip
        ({"momentum": 1.0}, r"momentum must be a real number in \[0, 1\), got 1.0"),
        ({"momentum": -0.5}, r"momentum must be a real number in \[0, 1\), got -0.5"),
        ({"beta1": 1.0}, r"beta1 must be a real number in \[0, 1\), got 1.0"),
        ({"beta2": -0.1}, r"beta2 must be a real number in \[0, 1\), got -0.1"),
        ({"eps": 0.0}, r"eps must be a real number in \(0, inf\], got 0.0"),
        ({"shuffle": "yes"}, r"shuffle must be True or False, got 'yes'"),
        ({"rng": "seed"}, r"rng must be None, an int seed or a numpy.random.Generator"),
    ],
)
def test_bad_options(patches, options, message):
    theta0 = initialize_parameters(H, V, 0)
    with pytest.raises(ValueError, match=message):
        minimize_minibatch(batch_cost, theta0, patches, **options)
    with pytest.raises(ValueError, match=message):
        train_sparse_autoencoder_minibatch(theta0, *ARGS, patches, **options)


def test_bad_theta0_and_data(patches):
    theta0 = initialize_parameters(H, V, 0)
    with pytest.raises(ValueError, match=r"theta0 must be a 1-D vector of length 3289, got "
                                         r"shape \(10,\)"):  # fmt: skip
        train_sparse_autoencoder_minibatch(np.zeros(10), *ARGS, patches)
    with pytest.raises(ValueError, match=r"batch_fun returned a gradient of shape \(3289,\) for "
                                         r"a theta of shape \(10,\)"):  # fmt: skip
        minimize_minibatch(batch_cost_any, np.zeros(10), patches)
    with pytest.raises(ValueError, match=r"theta0 must be a 1-D vector, got shape \(3289, 1\)"):
        minimize_minibatch(batch_cost, theta0[:, None], patches)
    with pytest.raises(ValueError, match=r"theta0 must be finite"):
        minimize_minibatch(batch_cost, theta0 * np.nan, patches)
    with pytest.raises(ValueError, match=r"data must have 64 rows .* transposing"):
        train_sparse_autoencoder_minibatch(theta0, *ARGS, patches.T)
    with pytest.raises(ValueError, match=r"data must be a 2-D array"):
        minimize_minibatch(batch_cost, theta0, patches[0])
    bad = patches.copy()
    bad[3, 5] = np.nan
    with pytest.raises(ValueError, match=r"data must be finite, but 1 entries .* \(3, 5\)"):
        minimize_minibatch(batch_cost, theta0, bad)


def batch_cost_any(theta, batch):
    """The course's cost at a fixed theta, whatever theta it is given (a wrong-length theta0)."""
    return batch_cost(initialize_parameters(H, V, 0), batch)


def test_theta0_may_be_a_list_and_is_not_modified(patches):
    theta0 = initialize_parameters(H, V, 8)
    before = theta0.copy()
    a = train(patches, theta0, epochs=1)
    b = train(patches, list(theta0), epochs=1)
    np.testing.assert_array_equal(theta0, before)
    np.testing.assert_array_equal(a.theta, b.theta)
