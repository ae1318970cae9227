r"""Name what is wrong with a student's cost that disagrees with the package's.

Steps 3 and 4 of :mod:`.check_cost`: first the known mistakes of :mod:`.mistakes`, alone or two
together, each recognized when the student's numbers equal that mistake's to rounding; else which
term and block disagree and by how much, and whether the student's gradient at least matches the
numerical gradient of their own cost (:func:`~ufldl_sae.gradcheck.gradient_pair`, five-point
differences). That separates "the cost is wrong" from "the backpropagation does not match the
cost".
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..gradcheck import differences_by_block, gradient_pair
from ..params import BLOCKS, block_slices
from .calling import StudentFailed
from .compare import (
    AGREE,
    PROBLEMS,
    TERMS,
    CostFunction,
    Problem,
    Result,
    Results,
    agrees,
    call_cost,
    normalize_result,
    reference,
)
from .mistakes import MISTAKES
from .report import Finding

#: The student's gradient matches the numerical gradient of their own cost below this (five-point
#: differences on small problems leave about 1e-11).
CONSISTENT = 1e-6


def matching_mistakes(results: Results, problems: tuple[Problem, ...] = PROBLEMS) -> list[str]:
    """The smallest set of known mistakes (one, else two) whose signature the results match."""
    singles = [(code, sig) for code, mistake in MISTAKES.items() for sig in mistake.signatures]

    def matches(switches: frozenset[str]) -> bool:
        for (p, name), result in results.items():
            problem = problems[p]
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


def term_values(
    results: Results,
    p: int,
    switches: frozenset[str] = frozenset(),
    problems: tuple[Problem, ...] = PROBLEMS,
) -> dict:
    """Each term's cost and gradient, by difference from the data term alone.

    For the student's (``switches`` unused) or, with ``results`` empty, the reference's.
    """
    problem = problems[p]
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


def where_wrong(
    results: Results, p: int = 0, problems: tuple[Problem, ...] = PROBLEMS
) -> list[dict[str, Any]]:
    """For each term and block that disagrees with the package: how much, and the worst entry."""
    problem = problems[p]
    student = term_values(results, p, problems=problems)
    correct = term_values({}, p, problems=problems)
    slices = block_slices(problem.visible, problem.hidden)
    full_cost, full_grad = reference(problem, problem.settings()["full cost"], frozenset())
    found = []
    floor = 1e-6 * float(np.linalg.norm(full_grad))
    for term in TERMS:
        (s_cost, s_grad), (r_cost, r_grad) = student[term], correct[term]
        if abs(s_cost - r_cost) > AGREE * (abs(s_cost) + abs(r_cost) + 1e-6 * abs(full_cost)):
            found.append({"term": term, "block": "cost", "student": s_cost, "expected": r_cost})
        differences = differences_by_block(s_grad, r_grad, slices, floor=floor)
        for block in BLOCKS:
            if differences[block] <= AGREE:
                continue
            s, r = s_grad[slices[block]], r_grad[slices[block]]
            k = int(np.argmax(np.abs(s - r)))
            rows = {"W1": problem.hidden, "W2": problem.visible}.get(block)
            coordinate = [k] if rows is None else [k % rows, k // rows]
            found.append(
                {
                    "term": term,
                    "block": block,
                    "difference": differences[block],
                    "coordinate": coordinate,
                    "student": float(s[k]),
                    "expected": float(r[k]),
                }
            )
    return found


def self_consistency(
    func: CostFunction, p: int = 0, problems: tuple[Problem, ...] = PROBLEMS
) -> dict[str, dict[str, float]]:
    """Per term and block: the student's gradient against the numerical gradient of their cost.

    Uses the package's :func:`~ufldl_sae.gradcheck.gradient_pair` (five-point stencil), so that a
    correct backpropagation of whatever cost the student wrote lands far below
    :data:`CONSISTENT`. Each penalty is judged by its own contribution (its setting minus the
    data term alone), so a wrong sparsity derivative is not blamed on the data term.
    """
    problem = problems[p]
    theta, data = problem.arrays()
    slices = block_slices(problem.visible, problem.hidden)
    pairs = {}
    for term, setting in problem.settings().items():
        if term == "full cost":
            continue

        def J(t: np.ndarray, setting: tuple[float, float] = setting) -> Result:
            value = call_cost(func, problem, setting, t.copy(), data)
            return normalize_result(value, t.size)[0]

        pairs[term] = gradient_pair(J, theta, epsilon=1e-3, stencil=4)
    base_num, base_grad = pairs["data term"]
    out = {}
    for term, (numerical, grad) in pairs.items():
        floor = 1e-3 * float(np.linalg.norm(numerical))
        if term != "data term":
            numerical, grad = numerical - base_num, grad - base_grad
        differences = differences_by_block(numerical, grad, slices, floor=floor)
        out[term] = {name: differences[name] for name in slices}
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


def diagnose(
    func: CostFunction, results: Results, problems: tuple[Problem, ...] = PROBLEMS
) -> list[Finding]:
    """The findings for results that disagree with the package: known mistakes, else where."""
    rows = where_wrong(results, problems=problems)
    try:
        _, sentence = _consistency_sentence(self_consistency(func, problems=problems))
    except StudentFailed as failure:
        return [failure.finding]
    codes = matching_mistakes(results, problems)
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
