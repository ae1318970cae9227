r"""Explain a NaN or inf: which term produced it and which quantity left its domain first.

On the checker's small problems (data in [0.1, 0.9], small weights) the notes' computation stays
far from every edge: :math:`|z| < 10`, :math:`\hat\rho \in (0, 1)`. A non-finite result from the
student is traced by the same controlled probes as the rest of the diagnosis: which setting (the
data term alone, each penalty alone) is the first to fail, then, for the sparsity term, whether the
function is finite and right with one example (m = 1), where a sum over the examples equals the
mean: then :math:`\hat\rho` was summed, left (0, 1) as m grew, and
:math:`\log(1 - \hat\rho)` took the log of a negative number.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .calling import StudentFailed
from .compare import CostFunction, Problem, agrees, call_cost, normalize_result, reference
from .known import forward
from .report import Finding
from .source_lines import find_line

#: The words for each term's domain, in the notes' terms.
DOMAINS = {
    "weight decay": (
        "The weight decay term (lambda/2)(sum(W1.^2) + sum(W2.^2)) is where it fails: it has no "
        "log and no division, so look for a division by lambda or an array used before it was "
        "filled in (np.empty)."
    ),
    "sparsity": (
        "The sparsity term is where it fails: KL(rho || rho_hat_j) = rho log(rho/rho_hat_j) + "
        "(1-rho) log((1-rho)/(1-rho_hat_j)) and its derivative -rho/rho_hat + (1-rho)/(1-rho_hat) "
        "are defined only for rho_hat_j in (0, 1), the average activation of hidden unit j "
        "(rho_hat = (1/m) sum_i a2(x_i)); yours leaves that interval."
    ),
}


def _finite(func: CostFunction, problem: Problem, setting: tuple[float, float]) -> bool | None:
    """Whether the student's result at this setting is finite (None: it cannot be read)."""
    theta, data = problem.arrays()
    value = call_cost(func, problem, setting, theta, data)
    result, findings = normalize_result(value, theta.size)
    if result is not None:
        return True
    return False if findings and findings[0].code == "not-finite" else None


def _summed(func: CostFunction, problem: Problem) -> bool:
    """Finite and right with m = 1 (where a sum over the examples is the mean), not with m > 1."""
    one = replace(problem, m=1)
    theta, data = one.arrays()
    setting = one.settings()["full cost"]
    result, _ = normalize_result(call_cost(func, one, setting, theta, data), theta.size)
    return result is not None and agrees(result, reference(one, setting, frozenset()), one)


def explain_not_finite(func: CostFunction, problem: Problem, found: Finding) -> Finding:
    """A ``not-finite`` finding that says which term failed first, and why, when it can tell.

    ``found`` is the plain finding, returned as it is when the probes cannot say more.
    """
    try:
        failing = [
            name
            for name, setting in problem.settings().items()
            if _finite(func, problem, setting) is False
        ]
        summed = bool(failing) and _summed(func, problem)
    except StudentFailed:
        return found
    f = forward(problem)
    if summed:
        largest = float(f["rho_hat"].max()) * problem.m
        why = (
            f"{DOMAINS['sparsity']} With one example (m = 1) your function is finite and right, "
            "where a sum over the examples equals their mean: rho_hat is summed over the m "
            f"examples instead of averaged, so here it reaches about {largest:.3g} and "
            "log(1 - rho_hat) is the log of a negative number. Divide the sum by m."
        )
        where = {"term": "sparsity", "variable": "rho_hat"}
    elif "data term" in failing:
        reach = max(float(np.abs(f["z2"]).max()), float(np.abs(f["z3"]).max()))
        why = (
            "The data term alone (lambda = beta = 0) is already not finite (a NaN times beta = 0 "
            "is still NaN, so the penalties are not ruled out). Here |z| stays below "
            f"{reach:.2g}, so exp(-z) in the sigmoid f(z) = 1/(1 + exp(-z)) cannot overflow: look "
            "for a division by 0, a log, or an array used before it was filled in (np.empty)."
        )
        where = {"term": "data term"}
    elif failing and failing[0] in DOMAINS:
        why, where = DOMAINS[failing[0]], {"term": failing[0]}
    else:
        return found
    line = find_line(func, (where["variable"],)) if "variable" in where else None
    if line is not None:
        where["line"] = line[1]
    return Finding(
        "not-finite",
        "The cost or the gradient contains NaN or inf on a small, well-behaved problem (data in "
        f"[0.1, 0.9], small weights).\n{why}",
        where=where,
    )
