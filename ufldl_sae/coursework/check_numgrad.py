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

from ..gradcheck import (
    compute_numerical_gradient,
    relative_difference,
    simple_quadratic_function,
)
from .calling import StudentFailed, as_float_array, call_student
from .relations import relation
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
    related = relation_finding(curved, theta)
    if related is not None:
        return findings + [related]
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


#: How a numerical gradient goes wrong by a simple relation, with the words for each.
NUMGRAD_WORDS = {
    "sign": "is the negative of the exact gradient: the difference is taken the wrong way round; "
    "the notes' is J(theta + epsilon e_i) - J(theta - epsilon e_i), over 2 epsilon",
    "2": "is twice the exact gradient: the difference of J(theta + epsilon e_i) and "
    "J(theta - epsilon e_i) spans 2 epsilon, so divide by 2 epsilon, not epsilon",
    "1/2": "is half the exact gradient: divide the centered difference by 2 epsilon, not by "
    "4 epsilon (or take steps of epsilon, not epsilon/2)",
}


def relation_finding(curved: np.ndarray, theta: np.ndarray) -> Finding | None:
    """The simple relation between the student's numerical gradient and the exact one, if any.

    The code stays ``numgrad-differs`` (teachers count it); ``where["relation"]`` says which.

    On the curved test function: the opposite sign, a factor 2 or 1/2 (a step of epsilon over
    2 epsilon, or the other way round), or the centered difference with another epsilon (the
    error grows as epsilon^2, so 1e-2 and 1 are told apart from the notes' 1e-4).
    """
    exact = curved_function(theta)[1]
    steps = {f"the centered difference with epsilon = {e:g}": e for e in (1.0, 0.1, 1e-2)}
    found = relation(
        curved,
        exact,
        constants={"2": 2.0, "1/2": 0.5},
        quantities={},
        alternatives={
            k: compute_numerical_gradient(curved_function, theta, e) for k, e in steps.items()
        },
    )
    if found.kind == "sign":
        return Finding(
            "numgrad-differs",
            f"Your numerical gradient {NUMGRAD_WORDS['sign']}.",
            where={"relation": "sign-flipped"},
        )
    if found.kind == "factor" and found.name in NUMGRAD_WORDS:
        return Finding(
            "numgrad-differs",
            f"Your numerical gradient {NUMGRAD_WORDS[found.name]}.",
            where={"relation": "factor", "factor": found.name},
        )
    if found.kind == "alternative":
        return Finding(
            "numgrad-differs",
            f"Your numerical gradient equals {found.name}: the notes' epsilon is 1e-4, where the "
            "centered difference's error (of order epsilon^2) is about 1e-9; a larger step "
            "measures the curvature instead of the slope.",
            where={"relation": "epsilon", "epsilon": steps[found.name]},
        )
    return None
