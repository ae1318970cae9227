"""The gradient check: the course's quadratic, the autoencoder per block and term, planted bugs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import BUGS, reference_cost

from ufldl_sae import (
    check_numerical_gradient,
    compute_numerical_gradient,
    gradient_check,
    initialize_parameters,
    relative_difference,
)
from ufldl_sae.backend import to_host
from ufldl_sae.gradcheck import (
    DEFAULT_THRESHOLD,
    block_differences,
    five_point_difference,
    simple_quadratic_function,
)


def problem(v, h, m, seed):
    """Random weights and biases; data in [0, 0.45] so the output error has one sign and no
    block's gradient is close to zero (a near-zero block makes any relative difference noise)."""
    rng = np.random.default_rng(seed)
    theta = initialize_parameters(h, v, rng)
    theta[2 * h * v :] = rng.normal(0, 0.2, h + v)
    return theta, rng.uniform(0.0, 0.45, (v, m))


def test_course_quadratic_check():
    diff = check_numerical_gradient(verbose=False)
    assert diff < 1e-11
    assert diff == pytest.approx(2.1452e-12, rel=1e-4)  # the figure the course prints


def test_numerical_gradient_accepts_a_cost_alone_and_leaves_theta_alone():
    x = np.array([4.0, 10.0])
    before = x.copy()
    numgrad = compute_numerical_gradient(lambda t: simple_quadratic_function(t)[0], x)
    np.testing.assert_allclose(numgrad, [38.0, 12.0], rtol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_on_each_backend(backend):
    x = backend.asarray(np.array([4.0, 10.0]))
    numgrad = compute_numerical_gradient(simple_quadratic_function, x)
    assert numgrad.device == x.device
    np.testing.assert_allclose(to_host(numgrad), [38.0, 12.0], rtol=1e-9)


def test_five_point_stencil_is_more_accurate():
    J = lambda t: float(np.sum(np.sin(t) * np.exp(t)))  # noqa: E731
    t = np.array([0.3, -1.2, 2.0])
    exact = np.exp(t) * (np.sin(t) + np.cos(t))
    err2 = np.abs(compute_numerical_gradient(J, t, 1e-3) - exact).max()
    err4 = np.abs(compute_numerical_gradient(J, t, 1e-3, order=4) - exact).max()
    assert err4 < err2 / 1000


def test_report_on_the_course_problem_passes_everywhere():
    theta, data = problem(64, 25, 10, 0)
    report = gradient_check(theta, 64, 25, 1e-4, 0.01, 3.0, data)
    assert report.passed, str(report)
    assert report.difference < 1e-9
    assert set(report.blocks) == {"W1", "W2", "b1", "b2"}
    assert all(v < 1e-9 for v in report.blocks.values())
    assert all(v is not None and v < 1e-9 for v in report.terms.values())
    text = str(report)
    assert "block b2" in text and "PASS" in text and "float64" in text and "1e-09" in text


@settings(max_examples=12, deadline=None)
@given(
    v=st.integers(2, 8),
    h=st.integers(1, 5),
    m=st.integers(2, 10),
    lambda_=st.floats(1e-5, 1e-1),
    rho=st.floats(0.01, 0.5),
    beta=st.floats(0.1, 5),
    seed=st.integers(0, 2**16),
)
def test_gradient_passes_for_any_problem(v, h, m, lambda_, rho, beta, seed):
    theta, data = problem(v, h, m, seed)
    report = gradient_check(theta, v, h, lambda_, rho, beta, data)
    assert report.passed, str(report)


def test_terms_with_zero_weight_are_not_checked():
    theta, data = problem(6, 3, 5, 1)
    report = gradient_check(theta, 6, 3, 0.0, 0.1, 0.0, data)
    assert report.terms["+ weight decay"] is None and report.terms["+ sparsity"] is None
    assert report.passed and "not checked" in str(report)


def test_float32_gets_its_own_threshold():
    theta, data = problem(16, 5, 10, 2)
    report = gradient_check(theta.astype(np.float32), 16, 5, 1e-4, 0.05, 3.0,
                            data.astype(np.float32))  # fmt: skip
    assert report.dtype == "float32" and report.threshold == DEFAULT_THRESHOLD["float32"]
    assert report.threshold > 1e-9
    assert report.passed, str(report)
    assert report.difference > 1e-9  # float32 really cannot meet float64's threshold


def test_sparse_check_samples_every_block():
    theta, data = problem(30, 10, 5, 3)
    report = gradient_check(theta, 30, 10, 1e-4, 0.1, 3.0, data, num_checks=4, rng=0)
    assert report.n_checked == 16 and report.n_total == theta.size
    assert report.passed


@pytest.mark.parametrize("bug", [b for b in BUGS if b is not None])
def test_planted_bugs_fail_the_check(bug):
    """Each classic mistake leaves a gradient that disagrees with its own cost."""
    v, h, m = 8, 4, 10
    theta, data = problem(v, h, m, 4)
    J = lambda t: reference_cost(t, v, h, 1e-2, 0.1, 3.0, data, bug=bug)  # noqa: E731
    numerical = compute_numerical_gradient(J, theta, 1e-3, order=4)
    difference = relative_difference(numerical, J(theta)[1])
    assert difference > 1e-6, f"{bug} went unnoticed: {difference:.2e}"
    correct = lambda t: reference_cost(t, v, h, 1e-2, 0.1, 3.0, data)  # noqa: E731
    numerical = compute_numerical_gradient(correct, theta, 1e-3, order=4)
    assert relative_difference(numerical, correct(theta)[1]) < 1e-9


def test_report_names_the_worst_coordinates():
    theta, data = problem(5, 3, 6, 5)
    report = gradient_check(theta, 5, 3, 1e-3, 0.1, 3.0, data, n_worst=2)
    assert len(report.worst) == 2
    for d in report.worst:
        assert d.block in {"W1", "W2", "b1", "b2"}
        assert str(d).startswith(f"theta[{d.index}] = {d.block}[")


def test_bad_arguments_to_the_checker():
    with pytest.raises(ValueError, match="epsilon"):
        compute_numerical_gradient(simple_quadratic_function, np.array([1.0, 2.0]), 0.0)
    with pytest.raises(ValueError, match="order"):
        compute_numerical_gradient(simple_quadratic_function, np.array([1.0, 2.0]), order=3)
    with pytest.raises(ValueError, match="indices"):
        compute_numerical_gradient(simple_quadratic_function, np.array([1.0, 2.0]), indices=[2])
    with pytest.raises(ValueError, match="1-D"):
        compute_numerical_gradient(simple_quadratic_function, np.ones((2, 1)))


# --- The one primitive: compute_numerical_gradient, block_differences ------------------------


def quadratic(A, c):
    """J(t) = t^T A t / 2 + c^T t, with its exact gradient A t + c (A symmetric)."""

    def J(t):
        return 0.5 * t @ A @ t + c @ t, A @ t + c

    return J


def test_centered_difference_is_the_course_formula_on_a_quadratic():
    rng = np.random.default_rng(0)
    B = rng.normal(size=(6, 6))
    J = quadratic(B + B.T, rng.normal(size=6))
    theta, epsilon = rng.normal(size=6), 1e-4
    by_hand = []
    for i in range(6):
        e = np.zeros(6)
        e[i] = epsilon
        by_hand.append((J(theta + e)[0] - J(theta - e)[0]) / (2 * epsilon))
    numgrad = compute_numerical_gradient(J, theta, epsilon)
    np.testing.assert_array_equal(numgrad, by_hand)  # the formula itself, bit for bit
    # and on a quadratic the centered difference has no truncation error: only rounding is left
    np.testing.assert_allclose(numgrad, J(theta)[1], rtol=1e-8, atol=1e-8)


def test_five_point_difference_is_its_formula():
    J = lambda t: float(np.sum(np.sin(t) * np.exp(t)))  # noqa: E731
    t, epsilon = np.array([0.3, -1.2]), 1e-2
    e = np.array([0.0, epsilon])
    expected = (J(t - 2 * e) - 8 * J(t - e) + 8 * J(t + e) - J(t + 2 * e)) / (12 * epsilon)
    assert five_point_difference(J, t, e, epsilon) == expected
    assert compute_numerical_gradient(J, t, epsilon, order=4)[1] == expected


BLOCK_LAYOUT = {"W": slice(0, 12), "b": slice(12, 15), "c": slice(15, 16)}


@pytest.mark.parametrize("planted", list(BLOCK_LAYOUT))
@pytest.mark.parametrize("stencil", [2, 4])
def test_a_planted_error_in_one_block_shows_in_that_block_only(planted, stencil):
    rng = np.random.default_rng(1)
    B = rng.normal(size=(16, 16))
    exact = quadratic(B + B.T, rng.normal(size=16))
    theta = rng.normal(size=16)

    def J(t):  # the right cost, a gradient wrong by 1e-3 in one entry of one block
        cost, grad = exact(t)
        grad = grad.copy()
        grad[BLOCK_LAYOUT[planted].start] += 1e-3
        return cost, grad

    differences = block_differences(J, theta, BLOCK_LAYOUT, epsilon=1e-3, stencil=stencil)
    assert list(differences) == ["overall", *BLOCK_LAYOUT]
    assert differences[planted] > 1e-5, differences
    assert differences["overall"] > 1e-6, differences
    for name in BLOCK_LAYOUT:
        if name != planted:
            assert differences[name] < 1e-9, (name, differences)
    # and with nothing planted every block passes
    clean = block_differences(exact, theta, BLOCK_LAYOUT, epsilon=1e-3, stencil=stencil)
    assert max(clean.values()) < 1e-9, clean


def test_block_differences_on_a_sample_and_with_a_given_gradient():
    rng = np.random.default_rng(2)
    B = rng.normal(size=(16, 16))
    J = quadratic(B + B.T, rng.normal(size=16))
    theta = rng.normal(size=16)
    wrong = J(theta)[1].copy()
    wrong[13] *= 1.01  # in block b
    indices = [0, 5, 12, 15]  # b sampled at 12 only: the error at 13 is not seen
    sampled = block_differences(J, theta, BLOCK_LAYOUT, indices=indices, analytical=wrong)
    assert max(sampled.values()) < 1e-9, sampled
    full = block_differences(J, theta, BLOCK_LAYOUT, analytical=wrong)
    assert full["b"] > 1e-4 and full["W"] < 1e-9 and full["c"] < 1e-9, full
