r"""Controlled probes: isolate the term, the block and the relation of a slip in the student's cost.

The student's function is called on two probe problems chosen so that the relations cannot be
confused (m = 7 and m = 11, beta = 3 and 0.6, lambda neither 1/m nor 1/2, W non-square), at three
settings: the data term alone (:math:`\lambda = \beta = 0`) and each penalty switched on alone.
Each penalty's contribution is its setting minus the data term alone, so each term is compared
with the notes' separately, block by block (the cost, W1, W2, b1, b2). For each term and block that
differs, :func:`~.relations.relation` names how (sign, factor, order, an extra or missing known
quantity, a known wrong version, zero); the relation must hold on the second problem as well (a
factor m is 7 on the first and 11 on the second). A cost term that still matches nothing is
probed once more: every column but one is redrawn, and a term that does not move depends on
that one example only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..model import sparse_autoencoder_cost
from ..params import BLOCKS, block_slices
from .calling import StudentFailed
from .compare import TERMS, CostFunction, Problem, call_cost, normalize_result, reference
from .known import UNSCALED, Alternative, alternatives, constants, quantities
from .relations import Relation, close, readable_difference, relation

#: The probe problems: m, beta and lambda distinct from each other and from 1, 2 and 1/2.
PROBES = (
    Problem(6, 4, 7, lambda_=0.03, rho=0.1, beta=3.0, seed=11),
    Problem(5, 3, 11, lambda_=0.07, rho=0.15, beta=0.6, seed=12),
)

#: The places a term can differ: the cost, then the gradient's blocks.
PLACES = ("cost", *BLOCKS)

TermValues = dict[str, tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Row:
    """One (term, block) that differs from the notes, with the relation found and the numbers."""

    term: str
    block: str
    relation: Relation
    student: np.ndarray
    notes: np.ndarray
    alternative: Alternative | None = None


def _student_terms(func: CostFunction, problem: Problem, data: np.ndarray | None = None) -> dict:
    """The student's cost and gradient per term (penalties by difference from the data term)."""
    theta, x = problem.arrays()
    x = x if data is None else data
    values = {}
    for term in TERMS:
        setting = problem.settings()[term]
        raw = call_cost(func, problem, setting, theta.copy(), x.copy())
        result, findings = normalize_result(raw, theta.size)
        if result is None:
            raise StudentFailed(findings[0])
        values[term] = result
    return by_difference(values)


def by_difference(values: dict[str, tuple[float, np.ndarray]]) -> TermValues:
    """Each term's (cost, gradient): the data term as it is, each penalty as its setting's
    result minus the data term's (the penalty's own contribution)."""
    base_cost, base_grad = values["data term"]
    out = {"data term": (base_cost, base_grad)}
    for term in TERMS[1:]:
        cost, grad = values[term]
        out[term] = (cost - base_cost, grad - base_grad)
    return out


def _notes_terms(problem: Problem) -> TermValues:
    settings = problem.settings()
    return by_difference({t: reference(problem, settings[t], frozenset()) for t in TERMS})


def _split(values: TermValues, problem: Problem) -> dict[tuple[str, str], np.ndarray]:
    slices = block_slices(problem.visible, problem.hidden)
    out = {}
    for term, (cost, grad) in values.items():
        out[term, "cost"] = np.atleast_1d(cost)
        for block in BLOCKS:
            out[term, block] = grad[slices[block]]
    return out


def _shape(block: str, problem: Problem) -> tuple[int, int] | None:
    return {"W1": (problem.hidden, problem.visible), "W2": (problem.visible, problem.hidden)}.get(
        block
    )


def _relations(
    student: dict, notes: dict, problem: Problem
) -> dict[tuple[str, str], tuple[Relation, Alternative | None]]:
    """The relation of every (term, block) on one problem."""
    known = alternatives(problem)
    additive = quantities(problem)
    named = constants(problem)
    full = max(float(np.linalg.norm(v)) for v in notes.values())
    out = {}
    for key, s in student.items():
        options = known.get(key, [])
        found = relation(
            s,
            notes[key],
            constants=named,
            quantities=additive.get(key, {}),
            alternatives={a.words: a.value for a in options},
            shape=_shape(key[1], problem),
            floor=1e-9 * full,
        )
        picked = next((a for a in options if a.words == found.name), None)
        out[key] = (found, picked if found.kind == "alternative" else None)
    return out


def _same(first: Relation, second: Relation) -> bool:
    """The relation found on the first problem holds on the second (a factor: the same name)."""
    if first.kind != second.kind or first.name != second.name:
        return False
    if first.kind == "factor" and not first.name:
        return abs(first.factor - second.factor) <= 1e-6 * abs(first.factor)
    return True


def _notes_cost_term(problem: Problem, term: str, data: np.ndarray) -> float:
    """The notes' cost term on other data (the data term, or a penalty by difference)."""
    theta, _ = problem.arrays()
    settings = problem.settings()

    def cost(setting: tuple[float, float]) -> float:
        lam, beta = setting
        args = (theta, problem.visible, problem.hidden, lam, problem.rho, beta, data)
        return float(sparse_autoencoder_cost(*args)[0])

    base = cost(settings["data term"])
    return base if term == "data term" else cost(settings[term]) - base


def _one_example(func: CostFunction, problem: Problem, term: str, base: float) -> int | None:
    """Which column alone the student's cost term depends on (every other redrawn), or None.

    Only a term that depends on the data in the notes (the data term, the sparsity term) can
    show it: the notes' term must move when the columns are redrawn, the student's must not.
    """
    _, x = problem.arrays()
    rng = np.random.default_rng(problem.seed + 1000)
    notes = _notes_cost_term(problem, term, x)
    for k in (0, x.shape[1] - 1):
        moved = rng.uniform(0.1, 0.9, x.shape)
        moved[:, k] = x[:, k]
        if close(np.atleast_1d(_notes_cost_term(problem, term, moved)), np.atleast_1d(notes)):
            continue
        cost = _student_terms(func, problem, moved)[term][0]
        if close(np.atleast_1d(cost), np.atleast_1d(base)):
            return k
    return None


def probe_rows(func: CostFunction, probes: tuple[Problem, Problem] = PROBES) -> list[Row]:
    """Every (term, block) where the student's cost differs from the notes', with its relation.

    ``probes`` are the two problems (their m, lambda and beta must differ from each other and
    from 1, 2 and 1/2, so that a factor's name is unique). Raises
    :class:`~.calling.StudentFailed` when a probe call fails.
    """
    if len(probes) != 2:
        raise ValueError(f"probes must be two problems; got {len(probes)}")
    first, second = probes
    student = [_split(_student_terms(func, p), p) for p in probes]
    notes = [_split(_notes_terms(p), p) for p in probes]
    relations = [_relations(s, n, p) for s, n, p in zip(student, notes, probes, strict=True)]
    rows = []
    for term in TERMS:
        for block in PLACES:
            key = (term, block)
            (rel, alt), (rel2, _) = relations[0][key], relations[1][key]
            if rel.kind == "equal" and rel2.kind == "equal":
                continue
            if rel.kind == "equal" or not _same(rel, rel2):
                rel = _unconfirmed(rel, rel2, second)
                alt = None
            if rel.kind == "factor" and not rel.name:
                rel = Relation(
                    "none",
                    ruled_out=(
                        f"a named constant factor (yours is {rel.factor:.4g} times the notes' on "
                        "both problems, which is none of m, 1/m, 2, 1/2, beta, lambda)",
                    ),
                )
            if rel.kind == "none" and block == "cost":
                k = _one_example(func, first, term, float(student[0][key][0]))
                if k is not None:
                    which = "the first" if k == 0 else "the last"
                    rel = Relation("one-example", name=f"{which} example (column {k})")
            s, n = student[0][key], notes[0][key]
            if rel.kind == "factor" and rel.factor < 0:  # a sign slip and a factor slip
                rows.append(Row(term, block, Relation("sign", factor=-1.0), s, n))
                rel = replace(rel, factor=-rel.factor)
            rows.append(Row(term, block, rel, s, n, alt))
    return explained_by_unscaled(rows)


def explained_by_unscaled(rows: list[Row]) -> list[Row]:
    """Drop a penalty's "missing" rows that a data term's unscaled penalty explains.

    A penalty added without its factor (W1 instead of lambda * W1) is there even at lambda = 0,
    so it shows as an extra quantity in the data term alone and as nothing in the penalty's own
    contribution (its setting minus the data term): one slip, named once, by the extra term.
    """
    unscaled = {
        (UNSCALED[factor], r.block)
        for r in rows
        if r.term == "data term" and r.relation.kind == "extra"
        for factor in UNSCALED
        if f"factor {factor}" in r.relation.name
    }
    return [r for r in rows if not (r.relation.kind == "zero" and (r.term, r.block) in unscaled)]


def _unconfirmed(first: Relation, second: Relation, problem: Problem) -> Relation:
    """A relation that did not hold on the second problem: no relation, and what was seen."""
    seen = []
    if first.kind == "factor":
        seen.append(
            f"a factor {first.factor:.4g} on the first problem that is {second.factor:.4g} on a "
            f"second with m = {problem.m}, so no constant"
        )
    elif first.kind not in ("none", "equal"):
        seen.append(f"{first.kind} {first.name}".strip() + " on one problem only")
    return Relation("none", ruled_out=tuple(seen) + first.ruled_out + second.ruled_out)


def describe_numbers(row: Row) -> str:
    """The worst entry and the difference in readable form (for the fallback)."""
    s, r = row.student, row.notes
    k = int(np.argmax(np.abs(s - r)))
    what = "your cost term" if row.block == "cost" else f"worst entry {row.block}[{k}]"
    return (
        f"{row.term}, {row.block}: {what}: yours {s[k]:.6g}, expected {r[k]:.6g} (difference "
        f"{readable_difference(s, r)})"
    )


def rows_summary(rows: list[Row]) -> dict[str, Any]:
    """``term`` and ``block`` of a group of rows, in the notes' order."""
    terms = [t for t in TERMS if any(r.term == t for r in rows)]
    blocks = [b for b in PLACES if any(r.block == b for r in rows)]
    return {"term": ", ".join(terms), "block": ", ".join(blocks)}
