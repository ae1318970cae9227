"""Softmax regression: gradient, closed forms, layout, stability, labels, and a short MNIST run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ufldl_sae.backend import to_host
from ufldl_sae.exercises.softmax import (
    SoftmaxModel,
    accuracy,
    log_softmax,
    matrix_to_theta,
    softmax_cost,
    softmax_predict,
    softmax_train,
    theta_to_matrix,
)
from ufldl_sae.gradcheck import block_differences

K, N, M = 10, 8, 100  # the course's DEBUG problem: 8 inputs, 10 classes, 100 examples


def problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 0.005 * rng.standard_normal(K * N), rng.standard_normal((N, M)), rng.integers(0, K, M)


def reference_cost(theta: np.ndarray, lambda_: float, X: np.ndarray, y: np.ndarray) -> float:
    """An independent NumPy implementation, example by example, with MATLAB's reshape."""
    Theta = theta.reshape(K, N, order="F")
    total = 0.0
    for i in range(X.shape[1]):
        scores = Theta @ X[:, i]
        total -= scores[y[i]] - math.log(np.exp(scores).sum())
    return total / X.shape[1] + lambda_ / 2 * float(np.sum(theta**2))


def test_gradient_matches_numerical_gradient(backend):
    check_gradient(backend, 1e-4)


@pytest.mark.parametrize("lambda_", [0.0, 0.3])
def test_gradient_without_and_with_strong_weight_decay(lambda_):
    import array_api_compat.numpy as xnp
    from conftest import Backend

    check_gradient(Backend("numpy", xnp), lambda_)


def check_gradient(backend, lambda_: float) -> None:
    """Below 1e-9 in float64 with the five-point stencil (epsilon 1e-3)."""
    theta, X, y = problem()
    theta = 0.3 * theta / 0.005  # larger weights: probabilities far from uniform
    t, x, labels = backend.asarray(theta), backend.asarray(X), backend.asarray(y)

    def J(v):
        return softmax_cost(v, K, N, lambda_, x, labels)

    difference = block_differences(J, t, {}, epsilon=1e-3, stencil=4)["overall"]
    assert difference < 1e-9, f"relative difference {difference:.3e}"


def test_cost_matches_an_independent_implementation(backend):
    theta, X, y = problem(1)
    theta = theta * 100
    cost, _ = softmax_cost(
        backend.asarray(theta), K, N, 1e-2, backend.asarray(X), backend.asarray(y)
    )
    assert float(cost) == pytest.approx(reference_cost(theta, 1e-2, X, y), rel=1e-12)


def test_uniform_prediction_costs_log_k():
    # theta = 0 gives every class probability 1/k, whatever the data: J = log(k).
    _, X, y = problem()
    cost, grad = softmax_cost(np.zeros(K * N), K, N, 1e-4, X, y)
    assert float(cost) == pytest.approx(math.log(K), rel=1e-14)
    assert grad.shape == (K * N,)


def test_theta_is_column_major():
    Theta = np.arange(6.0).reshape(2, 3)  # 2 classes, 3 inputs
    theta = matrix_to_theta(Theta)
    np.testing.assert_array_equal(theta, Theta.flatten(order="F"))
    np.testing.assert_array_equal(theta_to_matrix(theta, 2, 3), Theta)


def test_large_scores_do_not_overflow():
    # Scores of 1e4 would overflow exp() without the shift by the column's maximum.
    _, X, y = problem()
    theta = np.full(K * N, 1e3)
    theta[:N] = -1e3
    cost, grad = softmax_cost(theta, K, N, 0.0, X, y)
    assert math.isfinite(float(cost)) and np.all(np.isfinite(grad))
    log_p = log_softmax(np.array([[1e4, -1e4], [0.0, 0.0]]))
    np.testing.assert_allclose(log_p, [[0.0, -1e4], [-1e4, 0.0]])


def test_works_in_float32(backend):
    theta, X, y = problem()
    cost, grad = softmax_cost(
        backend.asarray(theta),
        K,
        N,
        1e-4,
        backend.asarray(X, backend.xp.float32),
        backend.asarray(y),
    )
    assert grad.dtype == backend.xp.float32
    assert float(cost) == pytest.approx(reference_cost(theta, 1e-4, X, y), rel=1e-5)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.full(M, 10), r"\[0, 9\].*not 10.*got values in \[10, 10\]"),
        (np.full(M, -1), r"got values in \[-1, -1\]"),
        (np.zeros(M - 1, dtype=np.int64), r"length 100, got shape \(99,\)"),
        (np.zeros((M, 1), dtype=np.int64), r"1-D array.*got shape \(100, 1\)"),
        (np.zeros(M), "integer dtype"),
    ],
)
def test_bad_labels_are_named(labels, message):
    theta, X, _ = problem()
    with pytest.raises(ValueError, match=message):
        softmax_cost(theta, K, N, 1e-4, X, labels)


def test_other_bad_arguments_are_named():
    theta, X, y = problem()
    with pytest.raises(ValueError, match=r"theta must be a 1-D array of length 80"):
        softmax_cost(theta[:-1], K, N, 1e-4, X, y)
    with pytest.raises(ValueError, match=r"data must have 8 rows"):
        softmax_cost(theta, K, N, 1e-4, X.T, y)
    with pytest.raises(ValueError, match=r"lambda_ must be a real number in \[0, inf\]"):
        softmax_cost(theta, K, N, -1.0, X, y)
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 2"):
        softmax_cost(theta, 1, N, 1e-4, X, y)
    with pytest.raises(ValueError, match=r"length 100"):
        softmax_train(N, K, 1e-4, X, y[:50], max_iter=1)


def test_train_and_predict_separate_easy_classes(backend):
    rng = np.random.default_rng(0)
    centers = 3 * rng.standard_normal((N, 3))
    y = rng.integers(0, 3, 300)
    X = centers[:, y] + 0.3 * rng.standard_normal((N, 300))
    x = backend.asarray(X)
    model = softmax_train(N, 3, 1e-4, x, y, max_iter=50, rng=0)  # host labels are moved
    assert isinstance(model, SoftmaxModel) and model.opt_theta.shape == (3, N)
    assert model.result.n_iter <= 50
    pred = softmax_predict(model, x)
    assert to_host(pred).dtype == np.int64
    assert accuracy(pred, y) == 1.0
    np.testing.assert_array_equal(model.theta, matrix_to_theta(model.opt_theta))


def test_default_theta0_is_the_courses_small_gaussian():
    _, X, y = problem()
    model = softmax_train(N, K, 1e-4, X, y, max_iter=3, rng=3)
    start = 0.005 * np.random.default_rng(3).standard_normal(K * N)  # 0.005 * randn(k*n, 1)
    same = softmax_train(N, K, 1e-4, X, y, max_iter=3, theta0=start)
    np.testing.assert_array_equal(model.opt_theta, same.opt_theta)


def test_labels_from_another_library_are_refused_by_the_cost():
    xs = pytest.importorskip("array_api_strict")
    theta, X, y = problem()
    with pytest.raises(ValueError, match="data and labels must be arrays of one array library"):
        softmax_cost(xs.asarray(theta), K, N, 1e-4, xs.asarray(X), y)


def test_short_mnist_run_beats_chance_by_far(mnist_dir):
    from ufldl_sae.data import load_mnist, verify_mnist_folder

    paths = verify_mnist_folder(mnist_dir)
    images, labels = load_mnist(paths["train_images"], paths["train_labels"])
    train_x, train_y = images[:, :2000], labels[:2000]
    test_x, test_y = images[:, 50000:51000], labels[50000:51000]
    model = softmax_train(784, 10, 1e-4, train_x, train_y, max_iter=40, rng=0)
    assert accuracy(softmax_predict(model, test_x), test_y) > 0.8  # chance: 0.1


def test_accuracy_needs_matching_lengths():
    assert accuracy(np.array([1, 2, 3]), np.array([1, 2, 0])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"one length, got shapes \(3,\) and \(2,\)"):
        accuracy(np.array([1, 2, 3]), np.array([1, 2]))
