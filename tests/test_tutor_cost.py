"""The tutor: one realistic slip at a time (then two) in ``sparse_autoencoder_cost``, each named.

Every student file is the package's solution filled into the starter template with one or two
lines changed (as in ``test_coursework``). Each test asserts the code, the term, the block and
the line of the student's file the finding points at, so a tutor that names the wrong relation,
the wrong block or guesses a line fails here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_coursework import check_file, correct_cost, edit, write

from ufldl_sae.coursework import check
from ufldl_sae.coursework.compare import Problem
from ufldl_sae.coursework.layouts import LAYOUTS, in_layout, permutation
from ufldl_sae.coursework.mistakes import variant_cost
from ufldl_sae.coursework.probes import probe_rows
from ufldl_sae.coursework.report import with_hints
from ufldl_sae.model import sparse_autoencoder_cost
from ufldl_sae.params import block_slices


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the text where ``marker`` starts (it must be there once)."""
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1


#: One slip each: edits, then (code, term, block, the marker of the line pointed at).
SINGLE = {
    "sparsity derivative sign": (
        [("sparsity = beta * (-rho", "sparsity = -beta * (-rho")],
        ("sign-flipped", "sparsity", "W1, b1", "sparsity = -beta"),
    ),
    "sign of rho/rho_hat only": (
        [("sparsity = beta * (-rho / rho_hat", "sparsity = beta * (rho / rho_hat")],
        ("sign-flipped", "sparsity", "W1, b1", "sparsity = beta * (rho"),
    ),
    "delta3 sign": (
        [("delta3 = -(data - a3)", "delta3 = (data - a3)")],
        ("sign-flipped", "data term", "W1, W2, b1, b2", "delta3 = (data"),
    ),
    "W1grad not divided by m": (
        [("W1grad = delta2 @ data.T / m", "W1grad = delta2 @ data.T")],
        ("factor", "data term, sparsity", "W1", "W1grad = delta2"),
    ),
    "kl doubled": (
        [
            ("kl = rho * np.log(rho / rho_hat)", "kl = 2 * rho * np.log(rho / rho_hat)"),
            ("(1 - rho) * np.log((1 - rho)", "2 * (1 - rho) * np.log((1 - rho)"),
        ],
        ("factor", "sparsity", "cost", "kl ="),
    ),  # fmt: skip
    "squared error without 1/2": (
        [("data_term = 0.5 * np.sum", "data_term = np.sum")],
        ("factor", "data term", "cost", "data_term ="),
    ),
    "rho_hat from the first example": (
        [("rho_hat = a2.mean(axis=1)", "rho_hat = a2[:, 0]")],
        ("one-example", "sparsity", "cost, W1, b1", "rho_hat = a2"),
    ),
    "rho_hat from the last example": (
        [("rho_hat = a2.mean(axis=1)", "rho_hat = a2[:, -1]")],
        ("one-example", "sparsity", "cost, W1, b1", "rho_hat = a2"),
    ),
    "weight decay on b1 only": (
        [("b1grad = delta2.sum(axis=1) / m", "b1grad = delta2.sum(axis=1) / m + lambda_ * b1")],
        ("extra-term", "weight decay", "b1", "b1grad = delta2"),
    ),
    "weight decay missing from the gradient": (
        [("+ lambda_ * W1", ""), ("+ lambda_ * W2", "")],
        ("missing-term", "weight decay", "W1, W2", "W1grad = delta2"),
    ),
    "f'(z3) as a3 alone": (
        [("delta3 = -(data - a3) * a3 * (1 - a3)", "delta3 = -(data - a3) * a3")],
        ("missing-term", "data term", "W1, W2, b1, b2", "delta3 = -(data"),
    ),
    "f'(z2) as a2 alone": (
        [("* a2 * (1 - a2)", "* a2")],
        ("missing-term", "data term, sparsity", "W1, b1", "delta2 = (W2.T"),
    ),
    "KL with log(rho_hat/rho)": (
        [
            (
                "kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))",
                "kl = rho * np.log(rho_hat / rho) + (1 - rho) * np.log((1 - rho_hat) / (1 - rho))",
            )
        ],
        ("sign-flipped", "sparsity", "cost", "kl ="),
    ),
    "decay of W1 only in the cost": (
        [("(np.sum(W1**2) + np.sum(W2**2))", "np.sum(W1**2)")],
        ("missing-term", "weight decay", "cost", "decay ="),
    ),
    "decay missing from the cost": (
        [("cost = data_term + decay + beta", "cost = data_term + beta")],
        ("missing-term", "weight decay", "cost", "decay ="),
    ),
    "W1grad decay without lambda": (
        [("+ lambda_ * W1", "+ W1")],
        ("extra-term", "data term", "W1", "W1grad = delta2"),
    ),
    "sparsity derivative without beta": (
        [("sparsity = beta * (", "sparsity = (")],
        ("extra-term", "data term", "W1, b1", "sparsity = ("),
    ),
    "no beta in the cost": (
        [("beta * np.sum(kl)", "np.sum(kl)")],
        ("extra-term", "data term", "cost", "cost = data_term"),
    ),
    "rho hard-coded": (
        [("rho_hat = a2.mean(axis=1)", "rho_hat = a2.mean(axis=1)\n    rho = 0.05")],
        ("hard-coded", "sparsity", "cost, W1, b1", "rho = 0.05"),
    ),
    "W2grad transposed": (
        [
            (
                "W2grad = delta3 @ a2.T / m + lambda_ * W2",
                "W2grad = (delta3 @ a2.T / m + lambda_ * W2).T",
            )
        ],
        ("reordered", "data term, weight decay", "W2", "W2grad = (delta3"),
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_single_slip_is_named_with_its_term_block_and_line(tmp_path, name):
    edits, (code, term, block, marker) = SINGLE[name]
    text = edit(correct_cost(), edits)
    report = check_file(write(tmp_path, text), speed=False)
    assert report.error_codes == [code], str(report)
    where = report.findings[0].where
    assert (where["term"], where["block"]) == (term, block), str(report)
    assert where["line"] == line_of(text, marker), str(report)


def test_factor_names_the_constant_and_the_fix(tmp_path):
    text = edit(correct_cost(), SINGLE["W1grad not divided by m"][0])
    finding = check_file(write(tmp_path, text), speed=False).findings[0]
    assert finding.where["factor"] == "m"
    assert "W1grad is m = 7 times the notes' value" in finding.message
    assert "W2grad, b1grad and b2grad are right: divide it by m" in finding.message


def test_opposite_sign_is_said_in_words(tmp_path):
    text = edit(correct_cost(), SINGLE["sparsity derivative sign"][0])
    message = check_file(write(tmp_path, text), speed=False).findings[0].message
    assert "opposite sign" in message and "e+0" not in message
    assert "-rho/rho_hat + (1-rho)/(1-rho_hat)" in message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("sparsity derivative sign", "W1grad not divided by m"),
        ("weight decay on b1 only", "delta3 sign"),
        ("rho_hat from the first example", "squared error without 1/2"),
    ],
)
def test_two_slips_give_two_findings(tmp_path, first, second):
    text = edit(correct_cost(), SINGLE[first][0] + SINGLE[second][0])
    report = check_file(write(tmp_path, text), speed=False)
    expected = {SINGLE[first][1][0], SINGLE[second][1][0]}
    assert set(report.error_codes) == expected and len(report.error_codes) == 2, str(report)
    lines = {f.where["line"] for f in report.findings}
    assert lines == {line_of(text, SINGLE[n][1][3]) for n in (first, second)}, str(report)


def test_row_major_with_a_second_slip_names_both(tmp_path):
    edits = [('order="F")', ")")] + SINGLE["weight decay missing from the gradient"][0]
    report = check_file(write(tmp_path, edit(correct_cost(), edits)), speed=False)
    assert report.error_codes == ["theta-row-major", "missing-term"], str(report)
    assert report.findings[0].where["layout"] == "row-major"
    assert report.findings[1].where["block"] == "W1, W2"


def test_summed_rho_hat_is_explained_not_just_not_finite(tmp_path):
    text = edit(correct_cost(), [("rho_hat = a2.mean(axis=1)", "rho_hat = a2.sum(axis=1)")])
    report = check_file(write(tmp_path, text), speed=False)
    assert report.error_codes == ["not-finite"], str(report)
    finding = report.findings[0]
    assert finding.where["term"] == "sparsity"
    assert finding.where["line"] == line_of(text, "rho_hat = a2")
    assert "summed over the m examples instead of averaged" in finding.message
    assert "log of a negative number" in finding.message


def test_no_simple_relation_falls_back_and_lists_what_was_ruled_out(tmp_path):
    text = edit(correct_cost(), [("delta3 @ a2.T / m", "delta3 @ (a2**2).T / m")])
    report = check_file(write(tmp_path, text), speed=False)
    assert report.error_codes == ["gradient-differs"], str(report)
    message = report.findings[0].message
    assert "matches none of the known mistakes" in message
    assert "Ruled out: the opposite sign" in message and "a constant factor" in message
    assert report.findings[0].where["block"] == "W2"


def test_correct_file_has_no_finding(tmp_path):
    report = check_file(write(tmp_path, correct_cost()), speed=False)
    assert report.passed and report.findings == [], str(report)


# --------------------------------------------------------------------------------------------
# Layouts: the student's own reading of theta, then what remains in it


def in_student_layout(layout: str, slip=None):
    """A student who is right (or makes ``slip`` on the gradient) in another layout of theta."""

    def student(theta, visible, hidden, lambda_, rho, beta, data):
        perm = permutation(layout, visible, hidden)
        notes_theta = np.empty_like(theta)
        notes_theta[perm] = theta
        cost, grad = sparse_autoencoder_cost(notes_theta, visible, hidden, lambda_, rho, beta, data)
        grad = np.asarray(grad).copy()
        if slip is not None:
            grad = slip(grad, visible, hidden)
        return cost, grad[perm]

    student.__name__ = "sparse_autoencoder_cost"
    return student


@pytest.mark.parametrize("layout", sorted(set(LAYOUTS) - {"row-major"}))
def test_another_layout_is_named_and_alone(layout):
    report = check(in_student_layout(layout), speed=False)
    assert report.error_codes == ["reordered"], str(report)
    assert report.findings[0].where["layout"] == layout


def test_bias_first_with_a_sign_slip_names_the_layout_then_the_slip():
    def flip_b1(grad, visible, hidden):
        grad[block_slices(visible, hidden)["b1"]] *= -1
        return grad

    report = check(in_student_layout("bias-first", flip_b1), speed=False)
    assert report.error_codes == ["reordered", "sign-flipped"], str(report)
    assert report.findings[1].where["block"] == "b1"


def test_in_layout_undoes_the_permutation():
    student = in_student_layout("W1-W2-swapped")
    adapted = in_layout(student, "W1-W2-swapped")
    rng = np.random.default_rng(0)
    theta, data = rng.normal(size=2 * 12 + 3 + 4) * 0.1, rng.uniform(0.1, 0.9, (4, 5))
    got = adapted(theta, 4, 3, 0.01, 0.1, 3.0, data)[1]
    np.testing.assert_allclose(got, sparse_autoencoder_cost(theta, 4, 3, 0.01, 0.1, 3.0, data)[1])
    with pytest.raises(ValueError, match="layout must be one of"):
        permutation("diagonal", 4, 3)


# --------------------------------------------------------------------------------------------
# A random sign flip or factor, planted in one random block, is found there and nowhere else


FACTORS = {"sign": lambda m: -1.0, "m": float, "2": lambda m: 2.0, "1/2": lambda m: 0.5}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    block=st.sampled_from(["W1", "W2", "b1", "b2"]),
    factor=st.sampled_from(sorted(FACTORS)),
    seed=st.integers(0, 2**16),
)
def test_planted_sign_or_factor_is_found_in_its_block_only(block, factor, seed):
    def student(theta, visible, hidden, lambda_, rho, beta, data):
        cost, grad = variant_cost(theta, visible, hidden, lambda_, rho, beta, data)
        grad[block_slices(visible, hidden)[block]] *= FACTORS[factor](data.shape[1])
        return cost, grad

    student.__name__ = "sparse_autoencoder_cost"
    report = check(student, speed=False, seed=seed)
    assert report.error_codes == ["sign-flipped" if factor == "sign" else "factor"], str(report)
    where = report.findings[0].where
    assert where["block"] == block, str(report)
    if factor != "sign":
        assert where["factor"] == factor


# --------------------------------------------------------------------------------------------
# Hints in levels


def test_hint_levels_give_away_less(tmp_path):
    text = edit(correct_cost(), SINGLE["W1grad not divided by m"][0])
    report = check_file(write(tmp_path, text), speed=False)
    where = with_hints(report, "where").findings[0]
    assert where.code == "factor" and where.where == {"term": "data term, sparsity", "block": "W1"}
    assert "divide" not in where.message
    none = with_hints(report, "none").findings[0]
    assert none.code == "factor" and none.where == {} and "W1" not in none.message
    assert with_hints(report, "full") is report
    with pytest.raises(ValueError, match="hints must be one of"):
        with_hints(report, "some")


def test_cli_hints_flag(tmp_path, capsys):
    import argparse

    from ufldl_sae.cli.coursework import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    path: Path = write(tmp_path, edit(correct_cost(), SINGLE["weight decay on b1 only"][0]))
    args = parser.parse_args(["check", str(path), "--no-speed", "--hints", "where", "--seed", "1"])
    assert args.func(args) == 1
    out = capsys.readouterr().out
    assert "extra-term" in out and "term weight decay, block b1" in out
    assert "lambda * b1" not in out and "line" not in out


def _distinct(values: list[float]) -> bool:
    return all(
        abs(a - b) > 1e-3 * max(abs(a), abs(b)) for i, a in enumerate(values) for b in values[:i]
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    visible=st.integers(3, 9),
    hidden=st.integers(2, 6),
    ms=st.tuples(st.integers(3, 15), st.integers(3, 15)),
    lambdas=st.tuples(st.floats(0.01, 0.2), st.floats(0.01, 0.2)),
    betas=st.tuples(st.floats(0.3, 5.0), st.floats(0.3, 5.0)),
    block=st.sampled_from(["W1", "W2", "b1", "b2"]),
    factor=st.sampled_from(sorted(FACTORS)),
)
def test_planted_slip_is_found_over_sizes_and_hyperparameters(
    visible, hidden, ms, lambdas, betas, block, factor
):
    probes = tuple(
        Problem(visible, hidden, m, lambda_=lam, rho=0.1, beta=beta, seed=i)
        for i, (m, lam, beta) in enumerate(zip(ms, lambdas, betas, strict=True))
    )
    for p in probes:  # the probes' constants must keep the factors apart, as PROBES do
        named = [p.m, 1 / p.m, 2.0, 0.5, p.beta, 1 / p.beta, p.lambda_, 1 / p.lambda_, 4.0, 0.25]
        assume(_distinct([*named, p.m / 2, 2 / p.m]))
    assume(ms[0] != ms[1])

    def student(theta, visible, hidden, lambda_, rho, beta, data):
        cost, grad = variant_cost(theta, visible, hidden, lambda_, rho, beta, data)
        grad[block_slices(visible, hidden)[block]] *= FACTORS[factor](data.shape[1])
        return cost, grad

    rows = probe_rows(student, probes)
    assert rows and {r.block for r in rows} == {block}
    kinds = {(r.relation.kind, r.relation.name) for r in rows}
    assert kinds == ({("sign", "")} if factor == "sign" else {("factor", factor)}), kinds


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("kl doubled", "the slip is in the cost, not in the backpropagation"),
        ("W1grad not divided by m", "the slip is in the backpropagation"),
    ],
)
def test_the_finding_says_whether_the_slip_is_in_the_cost_or_the_backpropagation(
    tmp_path, name, place
):
    text = edit(correct_cost(), SINGLE[name][0])
    message = check_file(write(tmp_path, text), speed=False).findings[0].message
    assert place in message, message
    if "cost" in place:
        assert "Check the backpropagation" not in message


def test_both_consistently_is_told(tmp_path):
    # beta applied twice in the sparsity term of both the cost and the gradient: consistent.
    edits = [
        ("sparsity = beta * (", "sparsity = beta * beta * ("),
        ("beta * np.sum(kl)", "beta * beta * np.sum(kl)"),
    ]
    report = check_file(write(tmp_path, edit(correct_cost(), edits)), speed=False)
    assert report.error_codes == ["factor"], str(report)
    where = report.findings[0].where
    assert (where["term"], where["block"], where["factor"]) == ("sparsity", "cost, W1, b1", "beta")
    assert "the same slip is in both, consistently" in report.findings[0].message
