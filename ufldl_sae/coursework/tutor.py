"""Turn the probes' evidence into findings: one actionable sentence each, in the notes' words.

The rows of :func:`~.probes.probe_rows` (a term and block with its relation) are grouped into
slips: the same relation in several blocks of one term is one slip (a sign flipped in delta2
shows in W1 and b1), and so is the same relation in one block of several terms (W1grad not
divided by m shows in the data term and the sparsity term). Each slip gets a stable code, the
term and block in ``where``, the line of the student's file that assigns the variable it names
(:mod:`.source_lines`), and its sentence. What has no simple relation falls back to
``cost-differs`` / ``gradient-differs`` with what was ruled out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..params import BLOCKS
from .compare import TERMS
from .probes import PLACES, PROBES, Row, describe_numbers, rows_summary
from .report import Finding
from .source_lines import find_line

#: The codes of the relations (``alternative`` rows carry their own).
CODES = {
    "zero": "missing-term",
    "missing": "missing-term",
    "extra": "extra-term",
    "sign": "sign-flipped",
    "factor": "factor",
    "reordered": "reordered",
    "one-example": "one-example",
}

#: What each term adds, in the notes' words, for "missing" sentences.
TERM_GRADIENT = {
    "data term": "(1/m) sum_i delta^(l+1) a^(l)T, the backpropagated data term",
    "weight decay": "lambda * W (lambda * W1 to W1grad, lambda * W2 to W2grad)",
    "sparsity": "beta(-rho/rho_hat + (1-rho)/(1-rho_hat)) inside delta2, before the product with "
    "f'(z2)",
}
TERM_COST = {
    "data term": "(1/m) sum_i (1/2)||h(x_i) - x_i||^2",
    "weight decay": "(lambda/2)(sum(W1.^2) + sum(W2.^2))",
    "sparsity": "beta sum_j KL(rho || rho_hat_j)",
}
SIGN_FIX = {
    "data term": "check the sign of delta3 = -(y - a3) .* f'(z3), with y = x",
    "weight decay": "the notes add + lambda * W to the gradient and + (lambda/2) sum(W.^2) to the "
    "cost",
    "sparsity": "check the sign of -rho/rho_hat + (1-rho)/(1-rho_hat)",
}
SIGN_FIX_COST = {
    "data term": "the notes' data term is (1/m) sum_i (1/2)||a3 - x||^2, never negative",
    "weight decay": "the notes add + (lambda/2)(sum(W1.^2) + sum(W2.^2))",
    "sparsity": "KL(rho || rho_hat_j) = rho log(rho/rho_hat_j) + "
    "(1-rho) log((1-rho)/(1-rho_hat_j)) is never negative",
}
FACTOR_FIX = {
    "m": "divide it by m (the number of columns of data)",
    "1/m": "you divide by m once too often",
    "2": "halve it: check the notes' 1/2",
    "1/2": "double it: there is a 1/2 too many",
    "beta": "beta is applied twice",
    "1/beta": "beta is missing",
    "lambda": "lambda is applied twice",
    "1/lambda": "lambda is missing",
}
#: Candidate variable names for the line, per term, when a finding is about the cost.
COST_NAMES = {
    "data term": ("data_term", "squared_error", "cost"),
    "weight decay": ("decay", "weight_decay", "cost"),
    "sparsity": ("kl", "sparsity_cost", "rho_hat", "cost"),
}


def _key(row: Row) -> tuple[str, str]:
    rel = row.relation
    if row.alternative is not None:
        return row.alternative.code, row.alternative.words
    return CODES.get(rel.kind, "differs"), f"{rel.kind}:{rel.name}"


def group(rows: list[Row]) -> list[list[Row]]:
    """Rows of one slip together: same relation across blocks of a term, then across terms."""
    by_term: dict[tuple, list[Row]] = {}
    for row in rows:
        if row.relation.kind != "none":
            by_term.setdefault((*_key(row), row.term), []).append(row)
    merged: dict[tuple, list[Row]] = {}
    for (code, desc, _), members in by_term.items():
        blocks = frozenset(r.block for r in members)
        merged.setdefault((code, desc, blocks), []).extend(members)
    final: dict[tuple, list[Row]] = {}
    for (code, desc, _), members in merged.items():
        terms = frozenset(r.term for r in members)
        final.setdefault((code, desc, terms), []).extend(members)
    return list(final.values())


def _names(rows: list[Row]) -> tuple[str, ...]:
    row = rows[0]
    if row.alternative is not None:
        return (row.alternative.variable,)
    if row.relation.kind == "one-example":
        return ("rho_hat",)
    if row.relation.kind == "extra" and "factor beta" in row.relation.name:
        return ("cost",) if row.block == "cost" else ("sparsity", "sparsity_delta", "delta2")
    if row.relation.kind == "extra" and "factor lambda" in row.relation.name:
        return ("decay", "cost") if row.block == "cost" else (f"{row.block}grad",)
    blocks = {r.block for r in rows}
    terms = {r.term for r in rows}
    if blocks == {"cost"}:
        return COST_NAMES[row.term] if len(terms) == 1 else ("cost",)
    grads = [b for b in BLOCKS if b in blocks]
    if terms == {"sparsity"} and set(grads) == {"W1", "b1"}:
        return ("sparsity", "sparsity_delta", "delta2")
    if terms == {"data term"} and len(grads) == 4:
        return ("delta3", "grad")
    block = grads[0]
    return (f"{block}grad", f"{block}_grad", f"grad_{block}", "grad")


def _subject(blocks_words: str) -> str:
    """``"Your W1grad"``, ``"Your cost"``: the blocks as the subject of a sentence."""
    return "Your " + blocks_words.replace("the cost", "cost")


def _verb(blocks: list[str], singular: str, plural: str) -> str:
    return singular if len(blocks) == 1 else plural


def _blocks_words(blocks: list[str]) -> str:
    words = [("the cost" if b == "cost" else f"{b}grad") for b in blocks]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _terms_words(terms: str) -> str:
    """``"the data term"``, ``"the sparsity term"``, ``"the data term and the sparsity term"``."""
    words = [t if t.endswith("term") else f"{t} term" for t in terms.split(", ")]
    return " and ".join(f"the {w}" for w in words)


def sentence(rows: list[Row], right: list[str]) -> str:
    """The one sentence for a slip: what the student's values are, and what to do."""
    row = rows[0]
    rel = row.relation
    where = rows_summary(rows)
    terms, blocks = where["term"], [b for b in PLACES if b in where["block"].split(", ")]
    blocks_words = _blocks_words(blocks)
    if row.alternative is not None:
        return f"In {blocks_words} ({terms}): {row.alternative.words}."
    if rel.kind == "sign":
        table = SIGN_FIX_COST if blocks == ["cost"] else SIGN_FIX
        one_term = len({r.term for r in rows}) == 1
        fix = table[row.term] if one_term else "check the sign where these terms meet"
        return (
            f"In {_terms_words(terms)} of {blocks_words}, your values are the negatives of the "
            f"notes' (opposite sign): {fix}."
        )
    if rel.kind == "factor":
        others = [b for b in right if b not in blocks]
        also = f" while {_blocks_words(others)} are right" if others else ""
        fix = FACTOR_FIX.get(rel.name, f"divide it by {rel.name}")
        size = rel.name if rel.name[0].isdigit() else f"{rel.name} = {abs(rel.factor):.4g}"
        return (
            f"{_subject(blocks_words)} {_verb(blocks, 'is', 'are')} {size} times the notes' value "
            f"in {_terms_words(terms)}{also}: {fix}."
        )
    if rel.kind == "zero":
        what = TERM_COST[row.term] if blocks == ["cost"] else TERM_GRADIENT[row.term]
        missing = _terms_words(terms).capitalize()
        return f"{missing} is missing from {blocks_words}: the notes add {what} there."
    if rel.kind == "extra":
        because = (
            " The notes decay the weights only, not the biases."
            if rel.name.startswith("lambda * b")
            else ""
        )
        has = _verb(blocks, "has", "have")
        place = _terms_words(terms)
        if terms == "data term":
            place = "even with lambda = beta = 0 (the data term alone)"
        else:
            place = f"in {place}"
        return f"{_subject(blocks_words)} {has} an extra term {place}: {rel.name}.{because}"
    if rel.kind == "missing":
        lacks = _verb(blocks, "lacks", "lack")
        return f"{_subject(blocks_words)} {lacks} a term in {_terms_words(terms)}: {rel.name}."
    if rel.kind == "reordered":
        return (
            f"{_subject(blocks_words)} {_verb(blocks, 'holds', 'hold')} the notes' entries in "
            f"{rel.name}: write the gradient with ravel(order='F'), as theta is read."
        )
    return (
        f"Your {_terms_words(terms)[4:]} of the cost depends on {rel.name} only: it does not move "
        "when every other column of data changes. rho_hat_j = (1/m) sum_i a2_j(x_i) averages over "
        "all m columns; each term of the cost sums or averages over every example."
    )


def _line(func: Callable[..., Any], rows: list[Row]) -> dict[str, Any]:
    found = find_line(func, _names(rows))
    return {} if found is None else {"variable": found[0], "line": found[1]}


def findings_from_rows(
    rows: list[Row], source: Callable[..., Any], consistency: str
) -> list[Finding]:
    """The findings for the probes' rows: one per slip, then the fallback for the rest."""
    differing = {r.block for r in rows}
    right = [b for b in PLACES if b not in differing and b != "cost"]
    findings = []
    for members in group(rows):
        code = _key(members[0])[0]
        where = {**rows_summary(members), **_line(source, members)}
        rel = members[0].relation
        if rel.kind == "factor":
            where["factor"] = rel.name
        numbers = "; ".join(describe_numbers(r) for r in members[:3])
        message = f"{sentence(members, right)}\nSeen: {numbers}.\n{consistency}"
        findings.append(Finding(code, message, where=where))
    findings.sort(key=lambda f: (TERMS.index(f.where["term"].split(", ")[0]), f.code))
    return findings + fallback([r for r in rows if r.relation.kind == "none"], consistency)


def fallback(rows: list[Row], consistency: str) -> list[Finding]:
    """``cost-differs`` / ``gradient-differs`` for rows with no simple relation."""
    findings = []
    for code, part, words in (
        ("cost-differs", [r for r in rows if r.block == "cost"], "cost differs from the notes' "
         "J_sparse"),
        ("gradient-differs", [r for r in rows if r.block != "cost"], "gradient differs from "
         "the notes'"),
    ):  # fmt: skip
        if not part:
            continue
        ruled: list[str] = []
        for r in part:
            ruled += [x for x in r.relation.ruled_out if x not in ruled]
        detail = "\n".join(describe_numbers(r) for r in part)
        findings.append(
            Finding(
                code,
                f"Your {words} in a way that matches none of the known mistakes and no simple "
                f"relation (tried on problems with m = {PROBES[0].m} and m = {PROBES[1].m}).\n"
                f"{detail}\nRuled out: {'; '.join(ruled)}.\n{consistency}",
                where=rows_summary(part),
            )
        )
    return findings


def slip_place(rows: list[Row], consistent: bool) -> str:
    """Where the slip is: in the cost, in the backpropagation, or in both consistently.

    From the probes (does the cost differ from the notes', does the gradient) and from the
    numerical gradient of the student's own cost (is their gradient its derivative).
    """
    cost = any(r.block == "cost" for r in rows)
    grad = any(r.block != "cost" for r in rows)
    if cost and not grad and not consistent:
        return (
            "Your gradient is the notes', so it does not match the numerical gradient of your own "
            "cost: the slip is in the cost, not in the backpropagation."
        )
    if grad and not cost and not consistent:
        return (
            "Your cost is the notes', and your gradient is not its derivative: the slip is in "
            "the backpropagation."
        )
    if cost and grad and consistent:
        return (
            "Your gradient is the derivative of the cost you wrote: the same slip is in both, "
            "consistently."
        )
    return ""
