r"""Check a student's ``compute_numerical_gradient(J, theta)``.

The course first checks the numerical gradient itself on
:math:`h(x) = x_1^2 + 3 x_1 x_2` at (4, 10), where a centered difference with
:math:`\epsilon = 10^{-4}` agrees with the exact gradient to about 2.1452e-12 (relative). A
quadratic hides one-sided differences (their error there is a constant :math:`\epsilon`), so
the check also uses a function with curvature in every direction, where the centered difference
is :math:`10^{-8}` accurate and a forward or backward difference is off by :math:`10^{-4}`.
Last, theta must come back unchanged: the student's loop perturbs one coordinate at a time, and
a coordinate not put back shifts every later estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..gradcheck import relative_difference, simple_quadratic_function
from .calling import StudentFailed, as_float_array, call_student
from .report import NOTE, Finding

#: Relative difference to the exact gradient below which a numerical gradient is right: the
#: course's quadratic gives 2.1452e-12 and the curved test function about 1e-9.
THRESHOLD = 1e-7


def curved_function(x: np.ndarray) -> tuple[float, np.ndarray]:
    r""":math:`\sum_i e^{x_i / 2} + \frac{1}{3}\sum_i x_i^3` and its gradient; curved everywhere."""
    value = float(np.sum(np.exp(x / 2)) + np.sum(x**3) / 3)
    return value, np.exp(x / 2) / 2 + x**2


def one_sided(J: Callable[..., Any], theta: np.ndarray, step: float) -> np.ndarray:
    """A one-sided difference with ``step`` (positive: forward, negative: backward)."""
    base = float(J(theta)[0])
    grad = np.empty_like(theta)
    for i in range(theta.size):
        moved = theta.copy()
        moved[i] += step
        grad[i] = (float(J(moved)[0]) - base) / step
    return grad


def _run(func: Callable[..., Any], J: Callable[..., Any], theta: np.ndarray) -> Any:
    return call_student(func, J, theta, what="compute_numerical_gradient")


def _as_vector(value: Any, n: int) -> tuple[np.ndarray | None, list[Finding]]:
    numgrad = as_float_array(value)
    if numgrad is None:
        numgrad = np.empty(0)  # reported below as the wrong shape
    if numgrad.shape == (n, 1):
        note = Finding(
            "grad-column-vector",
            f"The result is a ({n}, 1) column vector; accepted, though theta's own shape "
            f"({n},) is the usual NumPy form.",
            severity=NOTE,
        )
        return numgrad[:, 0], [note]
    if numgrad.shape != (n,):
        return None, [
            Finding(
                "numgrad-wrong-shape",
                f"The numerical gradient must have theta's shape ({n},); yours has shape "
                f"{numgrad.shape}: one entry per coordinate of theta.",
            )
        ]
    return numgrad, []


def check_compute_numerical_gradient(func: Callable[..., Any]) -> list[Finding]:
    """The course's quadratic check, the one-sided difference check, theta restored."""
    findings: list[Finding] = []
    x = np.array([4.0, 10.0])
    try:
        value = _run(func, simple_quadratic_function, x.copy())
        numgrad, notes = _as_vector(value, 2)
        findings += notes
        if numgrad is None:
            return findings
        exact = simple_quadratic_function(x)[1]
        quadratic = relative_difference(numgrad, exact)
        theta = np.array([0.3, -1.2, 2.0, 0.7])
        work = theta.copy()
        curved = _as_vector(_run(func, curved_function, work), theta.size)[0]
    except StudentFailed as failure:
        return findings + [failure.finding]
    if curved is None:
        return findings + [Finding("numgrad-wrong-shape", "The result's shape depends on theta.")]
    exact_curved = curved_function(theta)[1]
    if not np.array_equal(work, theta):
        change = float(np.max(np.abs(work - theta)))
        findings.append(
            Finding(
                "theta-not-restored",
                f"After your function returned, theta had changed (by up to {change:.3g}). "
                "Perturb a copy (theta_plus = theta.copy(); theta_plus[i] += epsilon), or save "
                "theta[i] and write the saved value back after the two evaluations: adding and "
                "subtracting epsilon again does not always give back the same bits.",
            )
        )
    if quadratic < THRESHOLD and relative_difference(curved, exact_curved) < THRESHOLD:
        return findings
    for step, name, words in (
        (1e-4, "forward", "J(theta + e)"),
        (-1e-4, "backward", "J(theta - e)"),
    ):
        if relative_difference(curved, one_sided(curved_function, theta, step)) < 1e-6:
            findings.append(
                Finding(
                    "forward-difference",
                    f"Your numerical gradient is a one-sided ({name}) difference, "
                    f"({words} - J(theta)) / epsilon, whose error shrinks only as epsilon. The "
                    "notes use the centered difference "
                    "(J(theta + epsilon e_i) - J(theta - epsilon e_i)) / (2 epsilon), whose error "
                    "shrinks as epsilon^2: with epsilon = 1e-4 it agrees with a correct gradient "
                    "to about 1e-9 or better.",
                )
            )
            return findings
    if findings and findings[-1].code == "theta-not-restored":
        return findings  # the later estimates were taken at a moved point: that is the cause
    findings.append(
        Finding(
            "numgrad-differs",
            f"On the course's test function h(x) = x1^2 + 3 x1 x2 at (4, 10) your numerical "
            f"gradient is {np.array2string(numgrad, precision=6)} against the exact "
            f"{np.array2string(exact, precision=6)}: relative difference {quadratic:.4e} (the "
            "course's reference gives 2.1452e-12). Compute, for each i, "
            "(J(theta + epsilon e_i) - J(theta - epsilon e_i)) / (2 epsilon) with "
            "epsilon = 1e-4, where e_i is the i-th unit vector; J returns (cost, grad) and only "
            "the cost is used.",
        )
    )
    return findings
