r"""Check a student's ``sparse_autoencoder_cost`` and name the mistake it makes.

The checks, in order (each stops the next when it fails, since their results would be noise):

1. What comes back: a ``(cost, grad)`` pair, a scalar cost, a gradient of theta's length (a
   column vector is accepted with a note), all finite, and the inputs left unmodified.
2. The cost and gradient against the package's on small problems, at four settings: the data
   term alone (:math:`\lambda = \beta = 0`), each penalty alone, and all three terms.
3. If they disagree: the known mistakes of :mod:`.mistakes`, alone or two together, each
   recognized when the student's numbers equal that mistake's to rounding.
4. If none matches: which term and block disagree and by how much, and whether the student's
   gradient at least matches the numerical gradient of their own cost (the package's
   :func:`~ufldl_sae.gradcheck.compute_numerical_gradient`): that separates "the cost is wrong"
   from "the backpropagation does not match the cost".
5. Speed, at the exercise's size (64 visible, 25 hidden, m = 10,000): a note, never a failure.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..gradcheck import compute_numerical_gradient, relative_difference
from ..model import sparse_autoencoder_cost
from ..params import BLOCKS, block_slices, initialize_parameters
from .calling import StudentFailed, as_float_array, call_student
from .mistakes import MISTAKES, variant_cost
from .report import NOTE, Finding

#: Two results agree when every block's (and the cost's) relative difference is below this. A
#: correct float64 implementation differs from the package's by about 1e-15; every planted
#: mistake by more than 1e-3 on the problems below.
AGREE = 1e-8

#: The student's gradient matches the numerical gradient of their own cost below this (five-point
#: differences on small problems leave about 1e-11).
CONSISTENT = 1e-6

#: The speed note is given when the student's cost is this many times slower than the package's
#: and takes at least :data:`SLOW_SECONDS` at the exercise's size. With one BLAS thread a loop
#: over the 10,000 examples is 15 to 50 times slower than the package; a vectorized cost written
#: less carefully (np.tile, recomputed products) within 3 times.
SLOW_RATIO, SLOW_SECONDS = 5.0, 0.2

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
            got = f"a {type(value).__name__} of length {len(value)}"
        except TypeError:  # no length: a number, None, a 0-d array
            got = f"a {type(value).__name__}"
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
                f"(it is a {type(cost if cost_array is None else grad).__name__}).",
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


def block_differences(a: np.ndarray, b: np.ndarray, problem: Problem) -> dict[str, float]:
    """The relative difference of each block of two gradients."""
    slices = block_slices(problem.visible, problem.hidden)
    return {name: relative_difference(a[slices[name]], b[slices[name]]) for name in BLOCKS}


def cost_difference(a: float, b: float) -> float:
    """|a - b| relative to the larger magnitude (0 when both are 0)."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0.0 else abs(a - b) / scale


def agrees(student: Result, other: Result, problem: Problem) -> bool:
    """The costs and every block of the gradients equal to rounding."""
    if cost_difference(student[0], other[0]) > AGREE:
        return False
    return max(block_differences(student[1], other[1], problem).values()) <= AGREE


Results = dict[tuple[int, str], Result]


def collect(func: CostFunction) -> tuple[Results, list[Finding]]:
    """The student's results on every problem and setting, and findings on the way they came.

    Raises :class:`StudentFailed` on the first exception, or when a result cannot be read.
    """
    results: Results = {}
    notes: dict[str, Finding] = {}
    for p, problem in enumerate(PROBLEMS):
        theta, data = problem.arrays()
        for name, setting in problem.settings().items():
            theta_in, data_in = theta.copy(), data.copy()
            value = call_cost(func, problem, setting, theta_in, data_in)
            result, findings = normalize_result(value, theta.size)
            if result is None:
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


def matching_mistakes(results: Results) -> list[str]:
    """The smallest set of known mistakes (one, else two) whose signature the results match."""
    singles = [(code, sig) for code, mistake in MISTAKES.items() for sig in mistake.signatures]

    def matches(switches: frozenset[str]) -> bool:
        for (p, name), result in results.items():
            problem = PROBLEMS[p]
            if not agrees(result, reference(problem, problem.settings()[name], switches), problem):
                return False
        return True

    found = sorted({code for code, sig in singles if matches(sig)})
    if found:
        return found
    for (c1, s1), (c2, s2) in itertools.combinations(singles, 2):
        if c1 != c2 and matches(s1 | s2):
            return sorted({c1, c2})
    return []


def term_values(results: Results, p: int, switches: frozenset[str] = frozenset()) -> dict:
    """Each term's cost and gradient, by difference from the data term alone.

    For the student's (``switches`` unused) or, with ``results`` empty, the reference's.
    """
    problem = PROBLEMS[p]
    settings = problem.settings()

    def get(name: str) -> Result:
        if results:
            return results[p, name]
        return reference(problem, settings[name], switches)

    base = get("data term")
    terms = {"data term": base}
    for name in ("weight decay", "sparsity"):
        cost, grad = get(name)
        terms[name] = (cost - base[0], grad - base[1])
    return terms


def where_wrong(results: Results, p: int = 0) -> list[dict[str, Any]]:
    """For each term and block that disagrees with the package: how much, and the worst entry."""
    problem = PROBLEMS[p]
    student = term_values(results, p)
    correct = term_values({}, p)
    slices = block_slices(problem.visible, problem.hidden)
    full_cost, full_grad = reference(problem, problem.settings()["full cost"], frozenset())
    found = []
    for term in TERMS:
        (s_cost, s_grad), (r_cost, r_grad) = student[term], correct[term]
        if abs(s_cost - r_cost) > AGREE * (abs(s_cost) + abs(r_cost) + 1e-6 * abs(full_cost)):
            found.append({"term": term, "block": "cost", "student": s_cost, "expected": r_cost})
        for block in BLOCKS:
            s, r = s_grad[slices[block]], r_grad[slices[block]]
            diff = floored_difference(s, r, 1e-6 * float(np.linalg.norm(full_grad)))
            if diff > AGREE:
                k = int(np.argmax(np.abs(s - r)))
                rows = {"W1": problem.hidden, "W2": problem.visible}.get(block)
                coordinate = [k] if rows is None else [k % rows, k // rows]
                found.append(
                    {
                        "term": term,
                        "block": block,
                        "difference": diff,
                        "coordinate": coordinate,
                        "student": float(s[k]),
                        "expected": float(r[k]),
                    }
                )
    return found


def floored_difference(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    """||a - b|| relative to ||a + b|| + ``floor``.

    A term's contribution to a block can be exactly zero (weight decay in the biases), where
    the plain ratio would compare rounding noise with rounding noise; the floor, a small share of
    the whole gradient's norm, keeps such blocks quiet unless something real is there.
    """
    numerator = float(np.linalg.norm(a - b))
    denominator = float(np.linalg.norm(a + b)) + floor
    return 0.0 if numerator == 0.0 else numerator / max(denominator, np.finfo(float).tiny)


def self_consistency(func: CostFunction, p: int = 0) -> dict[str, dict[str, float]]:
    """Per term and block: the student's gradient against the numerical gradient of their cost.

    Uses the package's :func:`compute_numerical_gradient` with the five-point stencil, so that a
    correct backpropagation of whatever cost the student wrote lands far below
    :data:`CONSISTENT`. Each penalty is judged by its own contribution (its setting minus the
    data term alone), so a wrong sparsity derivative is not blamed on the data term.
    """
    problem = PROBLEMS[p]
    theta, data = problem.arrays()
    slices = block_slices(problem.visible, problem.hidden)
    pairs = {}
    for term, setting in problem.settings().items():
        if term == "full cost":
            continue

        def J(t: np.ndarray, setting: tuple[float, float] = setting) -> float:
            value = call_cost(func, problem, setting, t.copy(), data)
            return normalize_result(value, t.size)[0][0]

        numerical = compute_numerical_gradient(J, theta, 1e-3, order=4)
        value = call_cost(func, problem, setting, theta.copy(), data)
        pairs[term] = (numerical, normalize_result(value, theta.size)[0][1])
    base_num, base_grad = pairs["data term"]
    out = {}
    for term, (numerical, grad) in pairs.items():
        if term != "data term":
            numerical, grad = numerical - base_num, grad - base_grad
        full = pairs[term][0]
        floor = 1e-3 * float(np.linalg.norm(full))
        out[term] = {
            name: floored_difference(numerical[s], grad[s], floor) for name, s in slices.items()
        }
    return out


def _where_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``where`` of a finding: the terms and blocks that disagree, and the worst entry."""
    terms = sorted({r["term"] for r in rows}, key=TERMS.index)
    blocks = [b for b in ("cost", *BLOCKS) if any(r["block"] == b for r in rows)]
    where: dict[str, Any] = {"term": ", ".join(terms), "block": ", ".join(blocks)}
    graded = [r for r in rows if "difference" in r]
    if graded:
        worst = max(graded, key=lambda r: abs(r["student"] - r["expected"]))
        where["coordinate"] = f"{worst['block']}{worst['coordinate']}"
    return where


def _describe_rows(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        if r["block"] == "cost":
            lines.append(f"{r['term']}: your cost {r['student']:.6g}, expected {r['expected']:.6g}")
        else:
            lines.append(
                f"{r['term']}, block {r['block']}: relative difference {r['difference']:.2e}; "
                f"worst entry {r['block']}{r['coordinate']}: yours {r['student']:.6g}, "
                f"expected {r['expected']:.6g}"
            )
    return "\n".join(lines)


def _consistency_sentence(consistency: dict[str, dict[str, float]]) -> tuple[bool, str]:
    bad = [
        f"{term} ({', '.join(b for b, d in blocks.items() if d > CONSISTENT)})"
        for term, blocks in consistency.items()
        if any(d > CONSISTENT for d in blocks.values())
    ]
    if not bad:
        return True, (
            "Your gradient does match the numerical gradient of your own cost, so your "
            "backpropagation is right for the cost you wrote: the cost itself is what differs "
            "from the notes."
        )
    return False, (
        "Your gradient does not match the numerical gradient of your own cost in: "
        + "; ".join(bad)
        + ". Check the backpropagation of that term (the cost and its derivative must agree)."
    )


def _seen_in(rows: list[dict[str, Any]]) -> str:
    """One line: the terms and blocks that disagree and the largest relative difference."""
    if not rows:
        return "Seen on the larger test problems."
    where = _where_summary(rows)
    graded = [r["difference"] for r in rows if "difference" in r]
    amount = f"; largest relative difference {max(graded):.2e}" if graded else ""
    return f"Seen in: term {where['term']}; block {where['block']}{amount}."


def diagnose(func: CostFunction, results: Results) -> list[Finding]:
    """The findings for results that disagree with the package: known mistakes, else where."""
    rows = where_wrong(results)
    try:
        _, sentence = _consistency_sentence(self_consistency(func))
    except StudentFailed as failure:
        return [failure.finding]
    codes = matching_mistakes(results)
    where = _where_summary(rows) if rows else {}
    if codes:
        return [
            Finding(code, f"{MISTAKES[code].message()}\n{_seen_in(rows)}\n{sentence}", where=where)
            for code in codes
        ]
    cost_rows = [r for r in rows if r["block"] == "cost"]
    grad_rows = [r for r in rows if r["block"] != "cost"]
    findings = []
    if cost_rows or not rows:
        detail = (
            _describe_rows(cost_rows)
            if cost_rows
            else "Your results agree on the first small problem but not on the others (other "
            "sizes and weights): look for a hard-coded size or constant."
        )
        findings.append(
            Finding(
                "cost-differs",
                "Your cost differs from the notes' J_sparse in a way that matches none of the "
                f"known mistakes.\n{detail}\n{sentence}",
                where=_where_summary(cost_rows) if cost_rows else {},
            )
        )
    if grad_rows:
        findings.append(
            Finding(
                "gradient-differs",
                "Your gradient differs from the notes' in a way that matches none of the known "
                f"mistakes.\n{_describe_rows(grad_rows)}\n{sentence}",
                where=_where_summary(grad_rows),
            )
        )
    return findings


def check_sparse_autoencoder_cost(func: CostFunction, *, speed: bool = True) -> list[Finding]:
    """All the checks of this module on the student's cost function; returns the findings.

    ``speed=False`` skips the timing at the exercise's size (the quick check before training).
    """
    try:
        results, notes = collect(func)
    except StudentFailed as failure:
        return [failure.finding]
    correct = all(
        agrees(
            result, reference(PROBLEMS[p], PROBLEMS[p].settings()[name], frozenset()), PROBLEMS[p]
        )
        for (p, name), result in results.items()
    )
    if not correct:
        return diagnose(func, results) + notes
    return notes + (speed_notes(func) if speed else [])


def speed_notes(func: CostFunction, repeats: int = 3) -> list[Finding]:
    """Time one evaluation at the exercise's size against the package's; a note when far slower.

    Both run on one BLAS thread (threadpoolctl), so that the ratio measures the code and not
    how many cores are free. The package's time is the best of ``repeats``; the student's is one
    call, plus a second only when the first is quick, since a looped version can take seconds.
    """
    visible, hidden, m = 64, 25, 10_000
    rng = np.random.default_rng(0)
    theta = initialize_parameters(hidden, visible, rng)
    data = rng.uniform(0.1, 0.9, (visible, m))
    args = (theta, visible, hidden, 1e-4, 0.01, 3.0, data)

    def student_call(*a: Any) -> Any:
        return call_student(func, *a, what="sparse_autoencoder_cost")

    with threadpool_limits(limits=1):
        package = min(_timed(sparse_autoencoder_cost, args) for _ in range(repeats))
        try:
            student = _timed(student_call, args)
            if student < 1.0:
                student = min(student, _timed(student_call, args))
        except StudentFailed as failure:
            return [failure.finding]
    if student < SLOW_SECONDS or student < SLOW_RATIO * package:
        return []
    return [
        Finding(
            "slow-not-vectorized",
            f"Your cost is correct, but one evaluation at the exercise's size (64 visible, 25 "
            f"hidden, m = 10,000) takes {student:.2f} s against {package * 1e3:.1f} ms for the "
            f"package ({student / package:.0f} times slower): most likely a Python loop over the "
            "examples. Training calls it hundreds of times. The vectorization exercise shows how "
            "to process all m columns at once with matrix products "
            "(ufldl-sae exercise init DIR --exercise vectorization).",
            severity=NOTE,
            where={"seconds": round(student, 3), "package_seconds": round(package, 4)},
        )
    ]


def _timed(func: Callable[..., Any], args: tuple[Any, ...]) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start
