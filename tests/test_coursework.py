"""Coursework mode: starter files, the checker's verdicts on planted mistakes, batch grading.

Every student file here is a small text written to ``tmp_path``: the package's solution filled
into the starter template, or that solution with a few lines changed to plant one mistake. Each
mistake must be reported with its own code and with no other error code, so a checker that
confuses two mistakes, or calls a correct file wrong, fails these tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ufldl_sae.cli.coursework import register
from ufldl_sae.coursework import (
    MISTAKES,
    StudentCodeError,
    check,
    exercise_files,
    init_exercise,
    load_student_function,
    quick_check,
)
from ufldl_sae.coursework.check_cost import PROBLEMS
from ufldl_sae.coursework.exercise import BEGIN_MARK, END_MARK
from ufldl_sae.coursework.grading import grade
from ufldl_sae.coursework.mistakes import variant_cost
from ufldl_sae.model import sparse_autoencoder_cost

# --------------------------------------------------------------------------------------------
# The package's solutions, as a student would write them into the templates' marked blocks.

COST_SOLUTION = """\
z2 = W1 @ data + b1[:, None]  # (hidden, m)
a2 = sigmoid(z2)
z3 = W2 @ a2 + b2[:, None]  # (visible, m)
a3 = sigmoid(z3)
rho_hat = a2.mean(axis=1)  # (hidden,)
data_term = 0.5 * np.sum((a3 - data) ** 2) / m
decay = lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2))
kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
cost = data_term + decay + beta * np.sum(kl)
delta3 = -(data - a3) * a3 * (1 - a3)
sparsity = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))  # (hidden,)
delta2 = (W2.T @ delta3 + sparsity[:, None]) * a2 * (1 - a2)
W1grad = delta2 @ data.T / m + lambda_ * W1
W2grad = delta3 @ a2.T / m + lambda_ * W2
b1grad = delta2.sum(axis=1) / m
b2grad = delta3.sum(axis=1) / m
"""

#: The same cost, one example at a time: correct, and about 20 times slower.
LOOPED_COST_SOLUTION = """\
rho_hat = np.zeros(hidden_size)
for i in range(m):
    rho_hat += sigmoid(W1 @ data[:, i] + b1) / m
sparsity = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
cost = lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2)) + beta * np.sum(kl)
for i in range(m):
    x = data[:, i]
    a2 = sigmoid(W1 @ x + b1)
    a3 = sigmoid(W2 @ a2 + b2)
    cost += 0.5 * np.sum((a3 - x) ** 2) / m
    delta3 = -(x - a3) * a3 * (1 - a3)
    delta2 = (W2.T @ delta3 + sparsity) * a2 * (1 - a2)
    W1grad += np.outer(delta2, x) / m
    W2grad += np.outer(delta3, a2) / m
    b1grad += delta2 / m
    b2grad += delta3 / m
W1grad += lambda_ * W1
W2grad += lambda_ * W2
"""

PATCHES_SOLUTION = """\
for i in range(num_patches):
    k = rng.integers(0, n_images)
    r = rng.integers(0, rows - patch_size + 1)
    c = rng.integers(0, cols - patch_size + 1)
    patch = images[r : r + patch_size, c : c + patch_size, k]
    patches[:, i] = patch.ravel(order="F")
"""

NUMGRAD_SOLUTION = """\
for i in range(theta.size):
    plus = theta.copy()
    minus = theta.copy()
    plus[i] += epsilon
    minus[i] -= epsilon
    numgrad[i] = (J(plus)[0] - J(minus)[0]) / (2 * epsilon)
"""

#: Each mistake as edits (old -> new) of the filled cost file; several per code where the
#: mistake has several common forms.
COST_MISTAKES = {
    "rho-hat-per-example": [
        [
            (
                "sparsity = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))",
                "sparsity = beta * (-rho / a2 + (1 - rho) / (1 - a2))",
            ),
            ("sparsity[:, None]", "sparsity"),
        ]
    ],
    "sparsity-missing-from-delta2": [[("W2.T @ delta3 + sparsity[:, None]", "W2.T @ delta3")]],
    "sparsity-outside-derivative": [
        [
            (
                "delta2 = (W2.T @ delta3 + sparsity[:, None]) * a2 * (1 - a2)",
                "delta2 = (W2.T @ delta3) * a2 * (1 - a2) + sparsity[:, None]",
            )
        ]
    ],
    "weight-decay-on-biases": [
        [
            ("np.sum(W2**2))", "np.sum(W2**2) + np.sum(b1**2) + np.sum(b2**2))"),
            ("b1grad = delta2.sum(axis=1) / m", "b1grad = delta2.sum(axis=1) / m + lambda_ * b1"),
            ("b2grad = delta3.sum(axis=1) / m", "b2grad = delta3.sum(axis=1) / m + lambda_ * b2"),
        ]
    ],
    "weight-decay-without-half": [[("decay = lambda_ / 2 *", "decay = lambda_ *")]],
    "not-averaged-over-m": [
        [("np.sum((a3 - data) ** 2) / m", "np.sum((a3 - data) ** 2)")],
        [("@ data.T / m", "@ data.T"), ("@ a2.T / m", "@ a2.T"), ("axis=1) / m", "axis=1)")],
    ],
    "theta-row-major": [[('order="F")', ")")]],
    "sigmoid-derivative-of-z": [
        [("a3 * (1 - a3)", "z3 * (1 - z3)"), ("a2 * (1 - a2)", "z2 * (1 - z2)")]
    ],
}


def fill(template: str, solution: str) -> str:
    """The template with its marked block replaced by ``solution`` (indented as the block)."""
    lines = template.splitlines(keepends=True)
    begin = next(i for i, line in enumerate(lines) if BEGIN_MARK in line)
    end = next(i for i, line in enumerate(lines) if END_MARK in line)
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    body = textwrap.indent(solution, indent)
    return "".join(lines[: begin + 1]) + body + "".join(lines[end:])


def edit(text: str, edits: list[tuple[str, str]]) -> str:
    """Apply each edit, insisting that it changes the text (a stale edit would test nothing)."""
    for old, new in edits:
        assert old in text, f"edit target not found: {old!r}"
        text = text.replace(old, new)
    return text


def template(name: str) -> str:
    return exercise_files("sparse-autoencoder")[name]


def correct_cost() -> str:
    return fill(template("sparse_autoencoder_cost.py"), COST_SOLUTION)


def write(tmp_path: Path, text: str, name: str = "sparse_autoencoder_cost.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def check_file(path: Path, **kwargs):
    return check(load_student_function(str(path)), **kwargs)


# --------------------------------------------------------------------------------------------
# The reference and the mistakes' signatures


def test_variant_without_switches_is_the_package_cost():
    for problem in PROBLEMS:
        theta, data = problem.arrays()
        args = (theta, problem.visible, problem.hidden, problem.lambda_, problem.rho, problem.beta)
        cost, grad = variant_cost(*args, data)
        ref_cost, ref_grad = sparse_autoencoder_cost(*args, data)
        assert cost == pytest.approx(float(ref_cost), rel=1e-13)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("code", sorted(MISTAKES))
def test_every_signature_of_a_mistake_is_named_by_its_code_alone(code):
    for switches in MISTAKES[code].signatures:

        def student(*args, switches=switches):
            return variant_cost(*args, switches=switches)

        report = check(student, "sparse_autoencoder_cost", speed=False)
        assert report.error_codes == [code], (sorted(switches), report.codes)


def test_two_mistakes_at_once_are_both_named():
    def student(*args):
        return variant_cost(*args, switches=frozenset({"fprime_of_z2", "sum_grad"}))

    report = check(student, "sparse_autoencoder_cost", speed=False)
    assert report.error_codes == ["not-averaged-over-m", "sigmoid-derivative-of-z"]


# --------------------------------------------------------------------------------------------
# sparse_autoencoder_cost from student files


def test_correct_cost_passes_with_no_finding_and_is_not_slow(tmp_path):
    report = check_file(write(tmp_path, correct_cost()))
    assert report.passed, str(report)
    assert report.findings == []


def test_correct_looped_cost_passes_with_the_speed_note(tmp_path):
    text = fill(template("sparse_autoencoder_cost.py"), LOOPED_COST_SOLUTION)
    report = check_file(write(tmp_path, text))
    assert report.passed, str(report)
    assert report.codes == ["slow-not-vectorized"]
    assert "vectorization" in report.findings[0].message


@pytest.mark.parametrize(
    ("code", "variant"),
    [(code, k) for code, variants in COST_MISTAKES.items() for k in range(len(variants))],
)
def test_planted_mistake_in_student_file_is_named(tmp_path, code, variant):
    path = write(tmp_path, edit(correct_cost(), COST_MISTAKES[code][variant]))
    report = check_file(path, speed=False)
    assert not report.passed
    assert report.error_codes == [code], str(report)
    finding = report.findings[0]
    assert finding.where.get("term"), finding
    assert MISTAKES[code].title in finding.message


def test_every_mistake_code_has_a_student_file():
    assert set(COST_MISTAKES) == set(MISTAKES)


def test_unknown_mistake_fails_and_says_which_block_and_term(tmp_path):
    path = write(
        tmp_path, edit(correct_cost(), [("delta3.sum(axis=1) / m", "delta3.sum(axis=1) / m * 1.5")])
    )
    report = check_file(path, speed=False)
    assert report.error_codes == ["gradient-differs"], str(report)
    finding = report.findings[0]
    assert finding.where["block"] == "b2"
    assert "data term" in finding.where["term"]
    assert "does not match the numerical gradient of your own cost" in finding.message


def test_wrong_cost_with_consistent_gradient_is_told_apart(tmp_path):
    # The cost is 1.5 times the right one, and so is its gradient: backprop matches the cost.
    text = edit(correct_cost(), [("return cost, grad", "return 1.5 * cost, 1.5 * grad")])
    report = check_file(write(tmp_path, text), speed=False)
    assert report.error_codes == ["cost-differs", "gradient-differs"], str(report)
    assert "does match the numerical gradient of your own cost" in report.findings[0].message


def test_column_vector_gradient_is_accepted_with_a_note(tmp_path):
    text = edit(correct_cost(), [("return cost, grad", "return cost, grad[:, None]")])
    report = check_file(write(tmp_path, text), speed=False)
    assert report.passed and report.codes == ["grad-column-vector"]


@pytest.mark.parametrize(
    ("edits", "code"),
    [
        ([("return cost, grad", "return cost")], "wrong-return"),
        ([("return cost, grad", "return cost, grad[:-1]")], "grad-wrong-shape"),
        ([("return cost, grad", "return cost, grad * np.nan")], "not-finite"),
        (
            [
                (
                    "hv = hidden_size * visible_size",
                    "hv = hidden_size * visible_size\n    data *= 0.5",
                )
            ],
            "modifies-inputs",
        ),
        (
            [("hv = hidden_size * visible_size", "hv = hidden_size * visible_size\n    1 / 0")],
            "raised-exception",
        ),
    ],
)
def test_what_comes_back_is_checked(tmp_path, edits, code):
    report = check_file(write(tmp_path, edit(correct_cost(), edits)), speed=False)
    assert report.error_codes == [code], str(report)


def test_quick_check_skips_the_timing(tmp_path):
    func = load_student_function(str(write(tmp_path, correct_cost())))
    report = quick_check(func, "sparse_autoencoder_cost")
    assert report.passed and report.exercise == "sparse_autoencoder_cost"


# --------------------------------------------------------------------------------------------
# sample_patches and compute_numerical_gradient


def correct_patches() -> str:
    return fill(template("sample_patches.py"), PATCHES_SOLUTION)


@pytest.mark.parametrize(
    ("edits", "code"),
    [
        ([], None),
        ([('ravel(order="F")', "ravel()")], "patch-row-major"),
        ([("rows - patch_size + 1)", "rows - patch_size)")], "offset-off-by-one"),
        ([("cols - patch_size + 1)", "cols - patch_size)")], "offset-off-by-one"),
        ([("rng.integers(0, n_images)", "rng.integers(0, n_images - 1)")], "image-off-by-one"),
    ],
)
def test_sample_patches(tmp_path, edits, code):
    path = write(tmp_path, edit(correct_patches(), edits), "sample_patches.py")
    report = check_file(path)
    assert report.error_codes == ([] if code is None else [code]), str(report)
    assert report.findings == [] or code is not None


def test_sample_patches_ignoring_the_rng_gets_a_note(tmp_path):
    seeded = "rng = np.random.default_rng()\n    for i in range(num_patches):"
    text = edit(correct_patches(), [("for i in range(num_patches):", seeded)])
    report = check_file(write(tmp_path, text, "sample_patches.py"))
    assert report.passed and report.codes == ["ignores-rng"]


def correct_numgrad() -> str:
    return fill(template("compute_numerical_gradient.py"), NUMGRAD_SOLUTION)


@pytest.mark.parametrize(
    ("edits", "code"),
    [
        ([], None),
        (
            [
                (
                    "(J(plus)[0] - J(minus)[0]) / (2 * epsilon)",
                    "(J(plus)[0] - J(theta)[0]) / epsilon",
                )
            ],
            "forward-difference",
        ),
        (
            [("plus = theta.copy()", "plus = theta")],
            "theta-not-restored",
        ),
        ([("/ (2 * epsilon)", "/ epsilon")], "numgrad-differs"),
    ],
)
def test_compute_numerical_gradient(tmp_path, edits, code):
    path = write(tmp_path, edit(correct_numgrad(), edits), "compute_numerical_gradient.py")
    report = check_file(path)
    assert report.error_codes == ([] if code is None else [code]), str(report)


# --------------------------------------------------------------------------------------------
# Starter files


@pytest.mark.parametrize(
    ("name", "solution"),
    [
        ("sample_patches.py", PATCHES_SOLUTION),
        ("sparse_autoencoder_cost.py", COST_SOLUTION),
        ("compute_numerical_gradient.py", NUMGRAD_SOLUTION),
    ],
)
def test_templates_filled_pass_and_unfilled_say_not_implemented(tmp_path, name, solution):
    written, kept = init_exercise(tmp_path / "ex")
    assert kept == [] and {p.name for p in written} == {
        "README.md",
        "sample_patches.py",
        "sparse_autoencoder_cost.py",
        "compute_numerical_gradient.py",
    }
    path = tmp_path / "ex" / name
    unfilled = check_file(path, speed=False)
    assert unfilled.error_codes == ["not-implemented"]
    assert "Not implemented yet" in unfilled.findings[0].message
    assert unfilled.findings[0].where["line"] > 1
    path.write_text(fill(path.read_text(), solution))
    filled = check_file(path, speed=False)
    assert filled.passed and filled.findings == [], str(filled)


def test_init_never_overwrites_and_vectorization_exercise(tmp_path):
    (tmp_path / "sparse_autoencoder_cost.py").write_text("# my work\n")
    written, kept = init_exercise(tmp_path)
    assert kept == [tmp_path / "sparse_autoencoder_cost.py"]
    assert (tmp_path / "sparse_autoencoder_cost.py").read_text() == "# my work\n"
    assert len(written) == 3
    written, _ = init_exercise(tmp_path / "v", "vectorization")
    assert {p.name for p in written} == {"README.md", "sparse_autoencoder_cost.py"}
    starter = (tmp_path / "v" / "sparse_autoencoder_cost.py").read_text()
    assert starter.startswith('r"""Vectorization exercise')
    (tmp_path / "v" / "sparse_autoencoder_cost.py").write_text(fill(starter, COST_SOLUTION))
    filled = check_file(tmp_path / "v" / "sparse_autoencoder_cost.py", exercise="vectorization")
    assert filled.passed and filled.findings == []
    readme = (tmp_path / "v" / "README.md").read_text()
    assert "MNIST" in readme and "no" in readme and "sandbox" in readme


def test_readme_lists_the_steps_in_the_course_order():
    readme = template("README.md")
    steps = ["Sample the patches", "Implement the cost", "Check the gradient", "Train", "filters"]
    positions = [readme.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "ufldl-sae check sample_patches.py" in readme
    assert "not a sandbox" in readme


# --------------------------------------------------------------------------------------------
# Loading student files


def test_syntax_error_is_reported_with_the_students_line(tmp_path):
    path = write(tmp_path, edit(correct_cost(), [("rho_hat = a2.mean(axis=1)", "rho_hat = (")]))
    with pytest.raises(StudentCodeError) as info:
        load_student_function(str(path))
    line = 1 + correct_cost().splitlines().index("    rho_hat = a2.mean(axis=1)  # (hidden,)")
    assert info.value.lineno == line
    assert "SyntaxError" in info.value.details


def test_import_time_exception_shows_only_the_students_frames(tmp_path):
    path = write(tmp_path, "import numpy as np\n\nx = 1\ny = x / 0\n", "student.py")
    with pytest.raises(StudentCodeError) as info:
        load_student_function(f"{path}:sparse_autoencoder_cost")
    assert info.value.lineno == 4
    assert "ZeroDivisionError" in info.value.details
    assert "importlib" not in info.value.details


def test_missing_function_names_what_is_there(tmp_path):
    path = write(tmp_path, "def helper():\n    pass\n", "student.py")
    with pytest.raises(StudentCodeError) as info:
        load_student_function(f"{path}:sparse_autoencoder_cost")
    assert info.value.code == "function-missing" and "helper" in info.value.details


# --------------------------------------------------------------------------------------------
# The command line and batch grading (each file in its own process)


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="ufldl-sae")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status = args.func(args)
    return status, capsys.readouterr().out


def test_cli_exit_status_and_json(tmp_path, capsys):
    good = write(tmp_path, correct_cost())
    bad = write(tmp_path, edit(correct_cost(), COST_MISTAKES["theta-row-major"][0]), "bad.py")
    broken = write(tmp_path, "def sparse_autoencoder_cost(:\n", "broken.py")
    status, out = run_cli(["check", str(good), "--json", "--no-speed"], capsys)
    assert status == 0 and json.loads(out)["passed"] is True
    status, out = run_cli(
        ["check", f"{bad}:sparse_autoencoder_cost", "--no-speed", "--exercise", "vectorization"],
        capsys,
    )
    assert status == 1 and "theta-row-major" in out
    status, out = run_cli(["check", f"{broken}:sparse_autoencoder_cost", "--json"], capsys)
    line = json.loads(out)
    assert status == 2 and line["status"] == 2
    assert line["findings"][0]["code"] == "import-error"
    assert line["findings"][0]["where"] == {"line": 1}
    status, out = run_cli(["check", f"{good}:no_such_function"], capsys)
    assert status == 2 and "function-missing" in out


def test_cli_exercise_init(tmp_path, capsys):
    status, out = run_cli(["exercise", "init", str(tmp_path / "ex")], capsys)
    assert status == 0 and "wrote" in out
    status, out = run_cli(["exercise", "init", str(tmp_path / "ex")], capsys)
    assert status == 0 and out.count("kept") == 4


@pytest.mark.skipif(sys.platform == "win32", reason="resource limits are POSIX only")
def test_batch_reports_hang_crash_and_exit_and_goes_on(tmp_path, capsys):
    folders = {}
    texts = {
        "a_hangs": edit(
            correct_cost(),
            [("m = data.shape[1]", "m = data.shape[1]\n    while True:\n        pass")],
        ),
        "b_crashes": "import os\n\ndef sparse_autoencoder_cost(*args):\n    os.abort()\n",
        "c_exits": "import sys\nsys.exit(3)\n",
        "d_memory": "import numpy as np\n\ndef sparse_autoencoder_cost(*args):\n"
        "    return np.ones((1 << 30,)), None\n",
        "e_good": correct_cost(),
        "f_input": "answer = input('lambda? ')\n",
    }
    for name, text in texts.items():
        folders[name] = tmp_path / name
        folders[name].mkdir()
        write(folders[name], text)
    specs = [str(folders[name] / "sparse_autoencoder_cost.py") for name in texts]
    argv = ["check", *specs, "--json", "--no-speed", "--time-limit", "6", "--memory-limit", "1536"]
    status, out = run_cli(argv, capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 6 and status == 2
    codes = [line["findings"][0]["code"] if line["findings"] else None for line in lines]
    assert codes == ["time-limit", "crashed", "import-error", "memory-limit", None, "import-error"]
    assert [line["status"] for line in lines] == [1, 1, 2, 1, 0, 2]
    assert "EOFError" in lines[5]["findings"][0]["message"]
    assert "sys.exit(3)" in lines[2]["findings"][0]["message"]
    assert "SIGABRT" in lines[1]["findings"][0]["message"]


def test_grade_one_in_a_subprocess(tmp_path):
    graded = grade(str(write(tmp_path, correct_cost())), speed=False)
    assert graded.status == 0 and graded.report.passed


def test_report_round_trips_through_json(tmp_path):
    path = write(tmp_path, edit(correct_cost(), COST_MISTAKES["weight-decay-without-half"][0]))
    report = check_file(path, speed=False)
    again = type(report).from_dict(json.loads(report.to_json()))
    assert again.codes == report.codes and again.passed is False
    assert str(again).splitlines()[1].startswith("  FAIL weight-decay-without-half")


def test_exercise_is_inferred_or_refused():
    def helper(*args):
        return None

    with pytest.raises(ValueError, match="cannot tell"):
        check(helper)
    with pytest.raises(ValueError, match="several functions"):
        check(helper, "sparse-autoencoder")
    with pytest.raises(ValueError, match="unknown exercise"):
        check(helper, "pca")
    assert check(helper, "compute-numerical-gradient").error_codes == ["numgrad-wrong-shape"]


def test_student_code_error_is_a_value_error_for_train_cost(tmp_path):
    # ``ufldl-sae train --cost`` turns ValueError into one line and exit status 2.
    path = write(tmp_path, "x = (\n", "student.py")
    with pytest.raises(ValueError, match="line 1"):
        load_student_function(str(path))


def test_registered_in_the_package_command_line(tmp_path, capsys):
    cli = pytest.importorskip("ufldl_sae.cli")
    if not hasattr(cli, "main"):
        pytest.skip("ufldl_sae.cli has no main yet")
    assert cli.main(["exercise", "init", str(tmp_path / "ex")]) == 0
    assert (tmp_path / "ex" / "sparse_autoencoder_cost.py").is_file()
    assert "wrote" in capsys.readouterr().out


def test_every_mistake_plants_known_switches_and_a_typo_is_refused():
    from ufldl_sae.coursework.mistakes import SWITCHES

    for code, mistake in MISTAKES.items():
        for signature in mistake.signatures:
            assert signature <= set(SWITCHES), (code, signature)
    theta, data = PROBLEMS[0].arrays()
    with pytest.raises(ValueError, match="unknown"):
        variant_cost(theta, 8, 3, 0.05, 0.1, 3.0, data, frozenset({"sum_grads"}))
