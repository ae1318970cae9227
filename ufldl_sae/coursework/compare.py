r"""Compare a student's ``sparse_autoencoder_cost`` with the package's on small problems.

The first two checks of :mod:`.check_cost`: what comes back (a ``(cost, grad)`` pair of the
right shapes, finite, the inputs left unmodified), then the numbers against the package's at four
settings of each problem: the data term alone (:math:`\lambda = \beta = 0`), each penalty alone,
and all three terms. The gradients are compared block by block (W1, W2, b1, b2) with
:func:`~ufldl_sae.gradcheck.differences_by_block`, so a wrong bias gradient is not lost in the
weights'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..gradcheck import differences_by_block
from ..model import sparse_autoencoder_cost
from ..params import block_slices, initialize_parameters
from .calling import StudentFailed, as_float_array, call_student, type_name
from .mistakes import variant_cost
from .report import NOTE, Finding

#: Two results agree when every block's (and the cost's) relative difference is below this. A
#: correct float64 implementation differs from the package's by about 1e-15; every planted
#: mistake by more than 1e-3 on the problems below.
AGREE = 1e-8

#: The three terms of the cost and the (lambda, beta) weights that isolate each one.
TERMS = ("data term", "weight decay", "sparsity")


@dataclass(frozen=True)
class Problem:
    """A small sparse autoencoder problem with every parameter and term doing something."""

    visible: int
    hidden: int
    m: int
    lambda_: float
    rho: float
    beta: float
    seed: int

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """theta (biases nonzero, so that decaying them shows) and data in [0.1, 0.9]."""
        rng = np.random.default_rng(self.seed)
        theta = initialize_parameters(self.hidden, self.visible, rng)
        start = 2 * self.hidden * self.visible
        theta[start:] = rng.uniform(-0.5, 0.5, theta.size - start)
        data = rng.uniform(0.1, 0.9, (self.visible, self.m))
        return theta, data

    def settings(self) -> dict[str, tuple[float, float]]:
        """(lambda, beta) for: the data term alone, each penalty alone, and the full cost."""
        return {
            "data term": (0.0, 0.0),
            "weight decay": (self.lambda_, 0.0),
            "sparsity": (0.0, self.beta),
            "full cost": (self.lambda_, self.beta),
        }


#: Small problems: non-square W, m not a multiple of anything in sight, strong penalties.
PROBLEMS = (
    Problem(8, 3, 10, lambda_=0.05, rho=0.1, beta=3.0, seed=1),
    Problem(12, 5, 17, lambda_=0.02, rho=0.05, beta=0.5, seed=2),
    Problem(9, 4, 13, lambda_=0.1, rho=0.2, beta=1.5, seed=3),
)


def make_problems(seed: int | None) -> tuple[Problem, ...]:
    """The problems of :data:`PROBLEMS` with fresh data drawn from ``seed`` (None: as they are).

    The grader draws a new seed for every batch and records it, so a submission cannot carry
    answers for known inputs, and a teacher can replay the exact problems.
    """
    if seed is None:
        return PROBLEMS
    if type(seed) is not int or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    seeds = np.random.SeedSequence(seed).generate_state(len(PROBLEMS), dtype=np.uint32)
    return tuple(replace(p, seed=int(s)) for p, s in zip(PROBLEMS, seeds, strict=True))


Result = tuple[float, np.ndarray]
CostFunction = Callable[..., Any]


def call_cost(
    func: CostFunction, problem: Problem, setting: tuple[float, float], theta: Any, data: Any
) -> Any:
    """The student's raw return value at one setting (their own exceptions become findings)."""
    lam, beta = setting
    return call_student(
        func,
        theta,
        problem.visible,
        problem.hidden,
        lam,
        problem.rho,
        beta,
        data,
        what="sparse_autoencoder_cost",
    )


def normalize_result(value: Any, n: int) -> tuple[Result | None, list[Finding]]:
    """``(cost, grad)`` as a float and a 1-D float64 array, and findings on the way they came.

    Returns ``None`` for the result when it cannot be read (the findings say why).
    """
    if not isinstance(value, tuple | list) or len(value) != 2:
        try:
            got = f"a {type_name(value)} of length {len(value)}"
        except TypeError:  # no length: a number, None, a 0-d array
            got = f"a {type_name(value)}"
        return None, [
            Finding(
                "wrong-return",
                f"sparse_autoencoder_cost must return two things, (cost, grad); it returned {got}. "
                "End the function with `return cost, grad`.",
            )
        ]
    cost, grad = value
    findings = []
    cost_array, grad_array = as_float_array(cost), as_float_array(grad)
    if cost_array is None or grad_array is None:
        which = "cost" if cost_array is None else "grad"
        return None, [
            Finding(
                "wrong-return",
                f"The {which} you returned cannot be read as numbers "
                f"(it is a {type_name(cost if cost_array is None else grad)}).",
            )
        ]
    if cost_array.size != 1:
        return None, [
            Finding(
                "cost-not-scalar",
                f"The cost must be one number, the total J_sparse; yours has shape "
                f"{cost_array.shape}. Sum over the examples and the hidden units.",
            )
        ]
    if cost_array.ndim > 0:
        findings.append(
            Finding(
                "cost-not-scalar",
                f"The cost came back as an array of shape {cost_array.shape}; accepted, but a "
                "plain number (a 0-d array or float) is what the optimizer expects.",
                severity=NOTE,
            )
        )
    if grad_array.shape == (n, 1):
        findings.append(
            Finding(
                "grad-column-vector",
                f"grad came back as a ({n}, 1) column vector, as in MATLAB; accepted. In NumPy a "
                f"1-D array of shape ({n},), like theta, is the usual form.",
                severity=NOTE,
            )
        )
        grad_array = grad_array[:, 0]
    elif grad_array.shape != (n,):
        return None, [
            Finding(
                "grad-wrong-shape",
                f"grad must have theta's shape ({n},): [W1(:); W2(:); b1; b2] with "
                f"2*hidden*visible + hidden + visible entries. Yours has shape "
                f"{grad_array.shape}.",
            )
        ]
    if not (np.isfinite(cost_array).all() and np.isfinite(grad_array).all()):
        return None, [
            Finding(
                "not-finite",
                "The cost or the gradient contains NaN or inf on a small, well-behaved problem "
                "(data in [0.1, 0.9], small weights). Look for a log of 0 or a division by 0, "
                "or an array used before it was filled in.",
            )
        ]
    return (float(cost_array.reshape(())), grad_array), findings


def reference(problem: Problem, setting: tuple[float, float], switches: frozenset[str]) -> Result:
    """The package's result (no switch) or a mistake's, at one problem and setting."""
    theta, data = problem.arrays()
    lam, beta = setting
    if not switches:
        cost, grad = sparse_autoencoder_cost(
            theta, problem.visible, problem.hidden, lam, problem.rho, beta, data
        )
        return float(cost), np.asarray(grad, dtype=np.float64)
    return variant_cost(
        theta, problem.visible, problem.hidden, lam, problem.rho, beta, data, switches
    )


def cost_difference(a: float, b: float) -> float:
    """|a - b| relative to the larger magnitude (0 when both are 0)."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0.0 else abs(a - b) / scale


def agrees(student: Result, other: Result, problem: Problem) -> bool:
    """The costs and every block of the gradients equal to rounding."""
    if cost_difference(student[0], other[0]) > AGREE:
        return False
    blocks = block_slices(problem.visible, problem.hidden)
    return max(differences_by_block(student[1], other[1], blocks).values()) <= AGREE


Results = dict[tuple[int, str], Result]


def collect(
    func: CostFunction, problems: tuple[Problem, ...] = PROBLEMS
) -> tuple[Results, list[Finding]]:
    """The student's results on every problem and setting, and findings on the way they came.

    Raises :class:`StudentFailed` on the first exception, or when a result cannot be read.
    """
    results: Results = {}
    notes: dict[str, Finding] = {}
    for p, problem in enumerate(problems):
        theta, data = problem.arrays()
        for name, setting in problem.settings().items():
            theta_in, data_in = theta.copy(), data.copy()
            value = call_cost(func, problem, setting, theta_in, data_in)
            result, findings = normalize_result(value, theta.size)
            if result is None:
                if findings[0].code == "not-finite":
                    from .nonfinite import explain_not_finite  # it probes with this module

                    raise StudentFailed(explain_not_finite(func, problem, findings[0]))
                raise StudentFailed(findings[0])
            for f in findings:
                notes.setdefault(f.code, f)
            if not (np.array_equal(theta_in, theta) and np.array_equal(data_in, data)):
                changed = "theta" if not np.array_equal(theta_in, theta) else "data"
                raise StudentFailed(
                    Finding(
                        "modifies-inputs",
                        f"Your function changed its argument {changed} in place. The optimizer "
                        "passes the same arrays again and again, so a function that writes into "
                        "them corrupts the search. Work on your own arrays (W1 = W1 + ... rather "
                        "than W1 += ... on a view of theta, or copy theta first).",
                    )
                )
            results[p, name] = result
    return results, list(notes.values())
