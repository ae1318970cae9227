"""The cost and gradient against independent computations, on every backend present."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import matlab_theta, reference_cost

from ufldl_sae import initialize_parameters, pack, sparse_autoencoder_cost, unpack
from ufldl_sae.backend import to_host
from ufldl_sae.model import (
    SaturatedUnitsError,
    feedforward_autoencoder,
    sigmoid,
    sparse_autoencoder_cost_terms,
)
from ufldl_sae.params import theta_size


def problem(v=8, h=5, m=12, seed=0, low=0.05, high=0.95):
    rng = np.random.default_rng(seed)
    theta = initialize_parameters(h, v, rng)
    theta[2 * h * v :] = rng.normal(0, 0.1, h + v)  # non-zero biases, so their terms show
    return theta, rng.uniform(low, high, (v, m))


def test_sizes_match_the_course():
    assert theta_size(64, 25) == 3289
    assert theta_size(784, 196) == 308308
    assert initialize_parameters(25, 64, 0).shape == (3289,)


def test_initialization_range_and_zero_biases():
    theta = initialize_parameters(25, 64, 1)
    r = np.sqrt(6) / np.sqrt(25 + 64 + 1)
    weights = theta[: 2 * 25 * 64]
    assert np.all(np.abs(weights) <= r)
    assert weights.max() > 0.95 * r and weights.min() < -0.95 * r
    np.testing.assert_array_equal(theta[2 * 25 * 64 :], 0.0)
    np.testing.assert_array_equal(theta, initialize_parameters(25, 64, 1))


@given(v=st.integers(1, 9), h=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_pack_unpack_is_matlab_column_major(v, h, seed):
    rng = np.random.default_rng(seed)
    W1, W2 = rng.normal(size=(h, v)), rng.normal(size=(v, h))
    b1, b2 = rng.normal(size=h), rng.normal(size=v)
    theta = pack(W1, W2, b1, b2)
    np.testing.assert_array_equal(theta, matlab_theta(W1, W2, b1, b2))
    for got, want in zip(unpack(theta, v, h), (W1, W2, b1, b2), strict=True):
        np.testing.assert_array_equal(got, want)


def test_unpack_returns_views_on_numpy():
    theta = initialize_parameters(3, 4, 0)
    W1, W2, b1, b2 = unpack(theta, 4, 3)
    for block in (W1, W2, b1, b2):
        assert np.shares_memory(block, theta)


def test_cost_matches_the_per_example_reference():
    theta, data = problem()
    cost, grad = sparse_autoencoder_cost(theta, 8, 5, 1e-3, 0.1, 3.0, data)
    ref_cost, ref_grad = reference_cost(theta, 8, 5, 1e-3, 0.1, 3.0, data)
    assert float(cost) == pytest.approx(ref_cost, rel=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-11, atol=1e-14)


def test_all_zero_weights_have_a_closed_form():
    """W = 0, b = 0: every activation is exactly 1/2, so each term is known in closed form."""
    v, h, m, rho, beta, lambda_ = 6, 4, 9, 0.05, 2.0, 0.7
    data = np.random.default_rng(3).uniform(0, 1, (v, m))
    theta = np.zeros(theta_size(v, h))
    cost, grad = sparse_autoencoder_cost(theta, v, h, lambda_, rho, beta, data)
    kl = rho * np.log(rho / 0.5) + (1 - rho) * np.log((1 - rho) / 0.5)
    expected = np.sum((0.5 - data) ** 2) / (2 * m) + beta * h * kl
    assert float(cost) == pytest.approx(expected, rel=1e-14)
    W1g, W2g, b1g, b2g = unpack(grad, v, h)
    delta3 = -(data - 0.5) * 0.25
    np.testing.assert_allclose(b2g, delta3.mean(axis=1), rtol=1e-14)
    np.testing.assert_allclose(W2g, np.tile(0.5 * delta3.mean(axis=1)[:, None], (1, h)))
    sparse = beta * (-rho / 0.5 + (1 - rho) / 0.5) * 0.25  # W2 = 0: delta2 is the sparsity term
    np.testing.assert_allclose(b1g, np.full(h, sparse), rtol=1e-14)
    np.testing.assert_allclose(W1g, sparse * np.tile(data.mean(axis=1), (h, 1)), rtol=1e-13)


def test_cost_terms_add_up_and_biases_are_not_decayed():
    theta, data = problem()
    terms = sparse_autoencoder_cost_terms(theta, 8, 5, 1e-2, 0.1, 3.0, data)
    cost, _ = sparse_autoencoder_cost(theta, 8, 5, 1e-2, 0.1, 3.0, data)
    assert terms.total == pytest.approx(float(cost), rel=1e-14)
    W1, W2, _, _ = unpack(theta, 8, 5)
    assert terms.weight_decay == pytest.approx(5e-3 * (np.sum(W1**2) + np.sum(W2**2)), rel=1e-14)
    bigger_biases = theta.copy()
    bigger_biases[2 * 40 :] *= 3
    decay = sparse_autoencoder_cost_terms(bigger_biases, 8, 5, 1e-2, 0.1, 3.0, data).weight_decay
    assert decay == terms.weight_decay


def test_every_backend_gives_numpy_s_cost_and_gradient(backend):
    theta, data = problem(v=10, h=4, m=15)
    cost, grad = sparse_autoencoder_cost(theta, 10, 4, 1e-3, 0.05, 3.0, data)
    dcost, dgrad = sparse_autoencoder_cost(
        backend.asarray(theta), 10, 4, 1e-3, 0.05, 3.0, backend.asarray(data)
    )
    assert dgrad.device == backend.asarray(theta).device  # the gradient stays where theta was
    assert float(dcost) == pytest.approx(float(cost), rel=1e-12)
    np.testing.assert_allclose(to_host(dgrad), grad, rtol=1e-12, atol=1e-15)


def test_float32_data_runs_in_float32(backend):
    theta, data = problem()
    xp = backend.xp
    cost, grad = sparse_autoencoder_cost(
        backend.asarray(theta), 8, 5, 1e-3, 0.1, 3.0, backend.asarray(data, xp.float32)
    )
    assert grad.dtype == xp.float32
    reference, _ = sparse_autoencoder_cost(theta, 8, 5, 1e-3, 0.1, 3.0, data)
    assert float(cost) == pytest.approx(float(reference), rel=1e-5)


def test_sigmoid_is_stable_at_the_extremes():
    z = np.array([-1e6, -800.0, -40.0, 0.0, 40.0, 800.0, 1e6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = sigmoid(z)
    assert 0.0 < a[0] < 1e-300 and a[-1] == 1.0 and a[3] == 0.5
    assert not np.any(np.isnan(a))
    np.testing.assert_allclose(a[2:5], 1 / (1 + np.exp(-z[2:5])), rtol=1e-15)
    np.testing.assert_allclose(sigmoid(-z) + a, 1.0, rtol=1e-15)  # f(-z) = 1 - f(z)
    assert sigmoid(np.array([-40.0]))[0] == pytest.approx(np.exp(-40) / (1 + np.exp(-40)))


def test_feedforward_autoencoder_gives_the_hidden_activations():
    theta, data = problem()
    W1, _, b1, _ = unpack(theta, 8, 5)
    a2 = feedforward_autoencoder(theta, 5, 8, data)
    np.testing.assert_allclose(a2, 1 / (1 + np.exp(-(W1 @ data + b1[:, None]))), rtol=1e-14)


def test_a_saturated_unit_raises_instead_of_nan():
    theta, data = problem()
    W1, _, b1, _ = unpack(theta, 8, 5)
    W1[2, :] = 1e4  # unit 2 is on for every (positive) example: rho_hat exactly 1
    with pytest.raises(SaturatedUnitsError, match=r"unit 2 \(rho_hat = 1\)"):
        sparse_autoencoder_cost(theta, 8, 5, 1e-4, 0.01, 3.0, data)
    cost, grad = sparse_autoencoder_cost(theta, 8, 5, 1e-4, 0.01, 0.0, data)  # beta 0: no KL
    assert np.isfinite(float(cost)) and np.all(np.isfinite(grad))


@settings(max_examples=25, deadline=None)
@given(
    v=st.integers(1, 8),
    h=st.integers(1, 6),
    m=st.integers(1, 10),
    lambda_=st.floats(0, 1),
    rho=st.floats(0.01, 0.99),
    beta=st.floats(0, 5),
    seed=st.integers(0, 2**16),
)
def test_cost_matches_reference_for_any_shape(v, h, m, lambda_, rho, beta, seed):
    theta, data = problem(v, h, m, seed)
    cost, grad = sparse_autoencoder_cost(theta, v, h, lambda_, rho, beta, data)
    ref_cost, ref_grad = reference_cost(theta, v, h, lambda_, rho, beta, data)
    assert float(cost) == pytest.approx(ref_cost, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-13)


def test_nan_rho_hat_is_named_as_nan_not_as_saturation():
    from ufldl_sae.model import check_unsaturated

    message = r"rho_hat is NaN for 2 hidden unit\(s\) \(first: unit 1\)"
    with pytest.raises(ValueError, match=message):
        check_unsaturated(np.array([0.5, np.nan, np.nan]))
