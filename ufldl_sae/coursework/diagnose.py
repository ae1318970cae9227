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
from .layouts import LAYOUTS, in_layout
from .mistakes import MISTAKES
from .probes import by_difference, probe_rows
from .report import Finding
from .source_lines import find_line
from .tutor import findings_from_rows, slip_place

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

    return by_difference({name: get(name) for name in TERMS})


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
            result, findings = normalize_result(value, t.size)
            if result is None:  # unreadable or not finite at a perturbed theta: say so
                raise StudentFailed(findings[0])
            return result

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


#: The variable each known mistake is made in, where there is only one place it can be.
CATALOG_VARIABLES = {
    "rho-hat-per-example": ("sparsity", "delta2"),
    "sparsity-missing-from-delta2": ("delta2",),
    "sparsity-outside-derivative": ("delta2",),
}


def _catalog_line(func: CostFunction, code: str) -> dict[str, Any]:
    """``variable`` and ``line`` for a known mistake made in one known place (else nothing)."""
    found = find_line(func, CATALOG_VARIABLES.get(code, ()))
    return {} if found is None else {"variable": found[0], "line": found[1]}


def layout_score(func: CostFunction, problem: Problem, results: Results | None = None) -> int:
    """How many (setting, cost or block) of the first problem agree with the notes'.

    ``results`` gives the student's own numbers (the notes' layout); without it the function is
    called. A result that cannot be read scores nothing.
    """
    theta, data = problem.arrays()
    slices = block_slices(problem.visible, problem.hidden)
    score = 0
    for name, setting in problem.settings().items():
        if results is not None:
            result: Result | None = results[0, name]
        else:
            raw = call_cost(func, problem, setting, theta.copy(), data.copy())
            result = normalize_result(raw, theta.size)[0]
        if result is None:
            continue
        expected = reference(problem, setting, frozenset())
        score += cost_agrees(result[0], expected[0])
        blocks = differences_by_block(result[1], expected[1], slices)
        score += sum(blocks[b] <= AGREE for b in BLOCKS)
    return score


def cost_agrees(a: float, b: float) -> bool:
    """Two costs equal to rounding."""
    return abs(a - b) <= AGREE * max(abs(a), abs(b), 1e-12)


def find_layout(
    func: CostFunction, results: Results, problems: tuple[Problem, ...] = PROBLEMS
) -> tuple[str | None, bool]:
    """The reading of theta under which the student's function agrees best with the notes.

    Returns the layout's name (None: the notes' own layout is the best reading) and whether the
    function agrees everywhere under it (then the layout is the only slip).
    """
    problem = problems[0]
    best, best_score = None, layout_score(func, problem, results)
    full = 5 * len(problem.settings())
    for layout in LAYOUTS:
        score = layout_score(in_layout(func, layout), problem)
        if score > best_score:
            best, best_score = layout, score
    return best, best_score == full


def layout_finding(func: CostFunction, layout: str) -> Finding:
    """The finding naming the student's layout and how to fix it; the line reading W1."""
    found = find_line(func, ("W1", "Theta1", "theta1"))
    line = {} if found is None else {"variable": found[0], "line": found[1]}
    where = {"term": "all terms", "block": "theta", "layout": layout, **line}
    if layout == "row-major":
        return Finding("theta-row-major", MISTAKES["theta-row-major"].message(), where=where)
    return Finding(
        "reordered",
        f"Your function reads theta in another layout ({layout}), and is diagnosed below in "
        f"that layout.\n{LAYOUTS[layout]}",
        where=where,
    )


def diagnose(
    func: CostFunction, results: Results, problems: tuple[Problem, ...] = PROBLEMS
) -> list[Finding]:
    """The findings for results that disagree with the package.

    Known mistakes first (alone or two together, exact); else the layout of theta (row-major,
    biases first, W1 and W2 swapped) and, in the student's own layout, the probes of
    :mod:`.probes`, whose rows :mod:`.tutor` turns into one finding per slip.
    """
    rows = where_wrong(results, problems=problems)
    try:
        consistent, sentence = _consistency_sentence(self_consistency(func, problems=problems))
    except StudentFailed as failure:
        return [failure.finding]
    codes = matching_mistakes(results, problems)
    where = _where_summary(rows) if rows else {}
    if codes:
        return [
            Finding(
                code,
                f"{MISTAKES[code].message()}\n{_seen_in(rows)}\n{sentence}",
                where={**where, **_catalog_line(func, code)},
            )
            for code in codes
        ]
    try:
        layout, only = find_layout(func, results, problems)
        if layout is not None and only:
            return [layout_finding(func, layout)]
        target = func if layout is None else in_layout(func, layout)
        probed = probe_rows(target)
    except StudentFailed as failure:
        return [failure.finding]
    found = [] if layout is None else [layout_finding(func, layout)]
    if probed:
        place = slip_place(probed, consistent)
        # A cost-only slip: "check the backpropagation" would send the student the wrong way.
        told = place if "slip is in the cost" in place else f"{sentence} {place}".strip()
        return found + findings_from_rows(probed, func, told)
    return found + unexplained(rows, sentence)


def unexplained(rows: list[dict[str, Any]], sentence: str) -> list[Finding]:
    """Differences the probes cannot see: only on the larger problems (a hard-coded size)."""
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
