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
from ufldl_sae.gradcheck import DEFAULT_THRESHOLD, simple_quadratic_function


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
