"""The stacked autoencoder: layout, the fine-tuning gradient per block, prediction, errors."""

from __future__ import annotations

import numpy as np
import pytest

from ufldl_sae.backend import to_host
from ufldl_sae.exercises.softmax import softmax_cost
from ufldl_sae.exercises.stacked import (
    Layer,
    NetConfig,
    block_slices,
    feedforward_stack,
    params_to_stack,
    stack_to_params,
    stacked_ae_cost,
    stacked_ae_predict,
    stacked_ae_train,
)
from ufldl_sae.gradcheck import block_differences
from ufldl_sae.model import sigmoid

INPUT, H1, H2, K, M = 8, 5, 4, 3, 20
CONFIG = NetConfig(INPUT, (H1, H2))


def problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = 0.5 * rng.standard_normal(K * H2 + CONFIG.stack_size)
    return theta, rng.random((INPUT, M)), rng.integers(0, K, M)


def test_gradient_matches_numerical_gradient_per_block(backend):
    check_gradient(backend, 1e-4)


@pytest.mark.parametrize("lambda_", [0.0, 0.5])
def test_gradient_without_and_with_strong_weight_decay(lambda_):
    import array_api_compat.numpy as xnp
    from conftest import Backend

    check_gradient(Backend("numpy", xnp), lambda_)


def check_gradient(backend, lambda_: float) -> None:
    """Overall and per block below 1e-9 (float64, five-point stencil, epsilon 1e-3)."""
    theta, X, y = problem()
    t, x, labels = backend.asarray(theta), backend.asarray(X), backend.asarray(y)

    def J(v):
        return stacked_ae_cost(v, INPUT, H2, K, CONFIG, lambda_, x, labels)

    differences = block_differences(J, t, block_slices(H2, K, CONFIG), epsilon=1e-3, stencil=4)
    assert list(differences) == ["overall", "softmax_theta", "W1", "b1", "W2", "b2"]
    for name, difference in differences.items():
        assert difference < 1e-9, f"{name}: relative difference {difference:.3e}"


def test_layout_is_softmax_first_then_w_and_b_of_each_layer():
    slices = block_slices(H2, K, CONFIG)
    assert list(slices) == ["softmax_theta", "W1", "b1", "W2", "b2"]
    sizes = [s.stop - s.start for s in slices.values()]
    assert sizes == [K * H2, H1 * INPUT, H1, H2 * H1, H2]
    assert slices["b2"].stop == K * H2 + CONFIG.stack_size


def test_stack_round_trip_is_column_major():
    rng = np.random.default_rng(0)
    stack = [
        Layer(rng.standard_normal((H1, INPUT)), rng.standard_normal(H1)),
        Layer(rng.standard_normal((H2, H1)), rng.standard_normal(H2)),
    ]
    params, config = stack_to_params(stack)
    assert config == CONFIG
    np.testing.assert_array_equal(params[: H1 * INPUT], stack[0].W.flatten(order="F"))
    for layer, back in zip(stack, params_to_stack(params, config), strict=True):
        np.testing.assert_array_equal(back.W, layer.W)
        np.testing.assert_array_equal(back.b, layer.b)


def test_cost_is_softmax_cost_on_the_last_features():
    # Composition, checked against the softmax module: same cost, same softmax gradient.
    theta, X, y = problem(2)
    stack = params_to_stack(theta[K * H2 :], CONFIG)
    features = sigmoid(
        stack[1].W @ sigmoid(stack[0].W @ X + stack[0].b[:, None]) + stack[1].b[:, None]
    )
    cost, grad = stacked_ae_cost(theta, INPUT, H2, K, CONFIG, 0.1, X, y)
    expected, expected_grad = softmax_cost(theta[: K * H2], K, H2, 0.1, features, y)
    assert float(cost) == pytest.approx(float(expected), rel=1e-13)
    np.testing.assert_allclose(grad[: K * H2], expected_grad, rtol=1e-12)
    np.testing.assert_allclose(feedforward_stack(stack, X)[-1], features, rtol=1e-14)


def test_only_the_softmax_weights_are_decayed():
    theta, X, y = problem()
    _, g0 = stacked_ae_cost(theta, INPUT, H2, K, CONFIG, 0.0, X, y)
    _, g1 = stacked_ae_cost(theta, INPUT, H2, K, CONFIG, 1.0, X, y)
    np.testing.assert_allclose(g1[: K * H2] - g0[: K * H2], theta[: K * H2], rtol=1e-12)
    np.testing.assert_array_equal(g1[K * H2 :], g0[K * H2 :])


def test_predict_is_the_arg_max_of_the_network(backend):
    theta, X, _ = problem(3)
    pred = stacked_ae_predict(backend.asarray(theta), INPUT, H2, K, CONFIG, backend.asarray(X))
    stack = params_to_stack(theta[K * H2 :], CONFIG)
    scores = theta[: K * H2].reshape(K, H2, order="F") @ feedforward_stack(stack, X)[-1]
    np.testing.assert_array_equal(to_host(pred), scores.argmax(axis=0))


def test_fine_tuning_lowers_the_cost():
    theta, X, y = problem()
    before = float(stacked_ae_cost(theta, INPUT, H2, K, CONFIG, 1e-4, X, y)[0])
    result = stacked_ae_train(theta, INPUT, H2, K, CONFIG, 1e-4, X, y, max_iter=20)
    assert result.cost < before and result.theta.shape == theta.shape


def test_bad_arguments_are_named():
    theta, X, y = problem()
    with pytest.raises(ValueError, match=r"hidden_size \(5\) must equal the last layer's size"):
        stacked_ae_cost(theta, INPUT, H1, K, CONFIG, 1e-4, X, y)
    with pytest.raises(ValueError, match=r"input_size \(9\) must equal net_config.input_size"):
        stacked_ae_cost(theta, 9, H2, K, CONFIG, 1e-4, X, y)
    with pytest.raises(ValueError, match=r"theta must be a 1-D array of length 81"):
        stacked_ae_cost(theta[:-1], INPUT, H2, K, CONFIG, 1e-4, X, y)
    with pytest.raises(ValueError, match=r"class indices in \[0, 2\].*got values in \[0, 3\]"):
        stacked_ae_cost(theta, INPUT, H2, K, CONFIG, 1e-4, X, np.arange(M) % 4)
    with pytest.raises(ValueError, match=r"length 20, got shape \(19,\)"):
        stacked_ae_cost(theta, INPUT, H2, K, CONFIG, 1e-4, X, y[:-1])
    with pytest.raises(ValueError, match="net_config must be a NetConfig"):
        stacked_ae_cost(theta, INPUT, H2, K, {"input_size": 8}, 1e-4, X, y)
    with pytest.raises(ValueError, match="at least one layer"):
        NetConfig(8, ())
