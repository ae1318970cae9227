"""The notebooks' exercises: each step's check accepts the step and names each known slip, and the
student's copy (blanks in place of the solutions) fails at a wrong line with that slip's name.

The student's-copy tests run the code cells of ``notebooks/0N_name.py`` with the blank filled by
a wrong line, in this process, up to the check cell below the exercise: the check must raise
:class:`WrongStep` and name the slip.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import MNIST_DIR, REPO

from ufldl_sae.coursework.notebook_exercises import (
    STEPS,
    WrongStep,
    blank_source,
    check_step,
    write_student_notebooks,
)
from ufldl_sae.gradcheck import simple_quadratic_function
from ufldl_sae.params import block_slices

NOTEBOOKS_DIR = REPO / "notebooks"


def _context() -> dict:
    """A small 4-3-4 problem holding every quantity a step may need."""
    rng = np.random.default_rng(0)
    v, h, m = 4, 3, 5
    W1, W2 = rng.normal(0, 0.3, (h, v)), rng.normal(0, 0.3, (v, h))
    b1, b2 = rng.normal(0, 0.1, h), rng.normal(0, 0.1, v)
    data = rng.uniform(0.1, 0.9, (v, m))
    z2 = W1 @ data + b1[:, None]
    a2 = 1 / (1 + np.exp(-z2))
    a3 = 1 / (1 + np.exp(-(W2 @ a2 + b2[:, None])))
    rho, beta, lambda_ = 0.1, 3.0, 3e-3
    rho_hat = a2.mean(axis=1)
    sparse = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
    delta3 = -(data - a3) * a3 * (1 - a3)
    delta2 = (W2.T @ delta3 + sparse[:, None]) * a2 * (1 - a2)
    numerical = rng.normal(size=2 * h * v + h + v)
    analytical = numerical + rng.normal(0, 1e-3, numerical.size)
    return dict(
        z2=z2, a2=a2, a3=a3, data=data, rho=rho, rho_hat=rho_hat, beta=beta, W1=W1, W2=W2,
        b1=b1, visible_size=v, hidden_size=h, delta3=delta3, delta2=delta2, lambda_=lambda_,
        J=simple_quadratic_function,
        theta=np.array([4.0, 10.0]), epsilon=1e-4, numerical=numerical,
        analytical=analytical, block=block_slices(v, h)["b2"],
    )


CASES = [(name, slip.code) for name, step in STEPS.items() for slip in step.slips]


@pytest.mark.parametrize("name", sorted(STEPS))
def test_the_reference_passes(name: str) -> None:
    context = _context()
    assert check_step(name, STEPS[name].reference(context), **context) == f"{name}: correct"


@pytest.mark.parametrize(("name", "code"), CASES)
def test_each_slip_is_named(name: str, code: str) -> None:
    context = _context()
    slip = next(s for s in STEPS[name].slips if s.code == code)
    with pytest.raises(WrongStep, match=re.escape(f"[{code}]")):
        check_step(name, slip.compute(context), **context)


def test_the_blank_a_wrong_shape_and_an_unknown_error_are_reported() -> None:
    context = _context()
    with pytest.raises(WrongStep, match="still the blank"):
        check_step("a2", ..., **context)
    with pytest.raises(WrongStep, match="transpose of the expected shape"):
        check_step("a2", STEPS["a2"].reference(context).T, **context)
    with pytest.raises(WrongStep, match="not one of the usual slips"):
        check_step("a2", STEPS["a2"].reference(context) + 0.01, **context)


def test_bad_calls_are_value_errors() -> None:
    with pytest.raises(ValueError, match="step='a3'"):
        check_step("a3", 1.0)
    with pytest.raises(ValueError, match=r"needs \['z2'\]"):
        check_step("a2", np.zeros(3))


def test_the_new_steps_of_notebook_5_match_numbers_worked_out_by_hand() -> None:
    """r, the weight decay it implies and rho_hat over a batch, against independent arithmetic."""
    sizes = dict(visible_size=784, hidden_size=196)
    r = STEPS["init_interval"].reference(sizes)
    assert r == pytest.approx(np.sqrt(6 / 981), rel=1e-15) and 0.0782 < r < 0.0783
    decay = STEPS["weight_decay_at_init"].reference(dict(sizes, lambda_=3e-3))
    assert decay == pytest.approx(3e-3 / 2 * 2 * 784 * 196 * (6 / 981) / 3, rel=1e-12)
    W1, b1 = np.array([[1.0, -1.0], [0.0, 2.0]]), np.array([0.0, -1.0])
    data = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 0.0]])  # z2 columns: (0, -1), (0, 1), (2, -1)
    s = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    expected = [(s(0) + s(0) + s(2)) / 3, (s(-1) + s(1) + s(-1)) / 3]
    rho_hat = STEPS["rho_hat_all"].reference(dict(W1=W1, b1=b1, data=data))
    assert np.allclose(rho_hat, expected, rtol=1e-14, atol=0)


def test_blank_source_swaps_solutions_for_blanks() -> None:
    source = "x = 1\n# YOUR TURN: y\n# BLANK: y = ...\ny = x + 1\n# END YOUR TURN\nz = y\n"
    text, exercises = blank_source(source)
    assert text == "x = 1\n# YOUR TURN: y\ny = ...\nz = y\n"
    assert exercises[0].title == "y" and exercises[0].solution == ("y = x + 1",)
    with pytest.raises(ValueError, match="has no '# END YOUR TURN'"):
        blank_source("# YOUR TURN: y\n# BLANK: y = ...\ny = 2\n")
    with pytest.raises(ValueError, match="must be followed by"):
        blank_source("# YOUR TURN: y\ny = 2\n# END YOUR TURN\n")


@pytest.mark.parametrize("number", ["01", "02", "03", "05"])
def test_notebooks_1_to_3_and_5_have_at_least_three_exercises(number: str) -> None:
    source = next(NOTEBOOKS_DIR.glob(f"{number}_*.py"))
    text, exercises = blank_source(source.read_text(), source.name)
    assert len(exercises) >= 3
    for exercise in exercises:  # the solutions are gone, the blanks are there
        assert all(line in text for line in exercise.blank)
        assert not any(line.strip() and line in text.splitlines() for line in exercise.solution)


def test_student_notebooks_are_written_once(tmp_path: Path) -> None:
    written = write_student_notebooks(tmp_path / "student")
    names = {path.name for path in written}
    assert {"SOLUTIONS.md"} < names and any(name.startswith("01_") for name in names)
    assert "a2 = 1 / (1 + np.exp(-z2))" in (tmp_path / "student" / "SOLUTIONS.md").read_text()
    with pytest.raises(ValueError, match="already holds"):
        write_student_notebooks(tmp_path / "student")
    with pytest.raises(ValueError, match="holds no notebook source"):
        write_student_notebooks(tmp_path / "other", notebooks_dir=tmp_path)


def _code_cells(text: str) -> list[str]:
    """The code cells of a percent-format source, in order."""
    cells, current, is_code = [], [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("# %%"):
            if is_code:
                cells.append("".join(current))
            current, is_code = [], "[markdown]" not in line
        else:
            current.append(line)
    if is_code:
        cells.append("".join(current))
    return cells


def _run_until_check(text: str, marker: str) -> None:
    """Run the code cells of ``text`` up to the first one that calls ``marker``'s check."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__notebook__"}
    for cell in _code_cells(text):
        exec(compile(cell, "<cell>", "exec"), namespace)  # noqa: S102 - the project's own source
        if marker in cell:
            return
    pytest.fail(f"no cell calls {marker}")


# (notebook, the blank's line, a wrong line a student might write, the slip the check names)
WRONG_LINES = [
    ("01", "a2 = ...", "a2 = 1 / (1 + np.exp(z2))", "sigmoid-sign"),
    ("02", "delta3 = ...", "delta3 = (data - a3) * a3 * (1 - a3)", "delta3-sign"),
    ("03", "numgrad = ...", "numgrad = np.array([(h(x + epsilon * e)[0] - h(x)[0]) / epsilon "
     "for e in np.eye(x.size)])", "one-sided"),
    ("04", "sparsity_by_hand = ...", "sparsity_by_hand = beta * np.sum(rho * np.log(rho / a2_bar))",
     "kl-second-term-missing"),
]


@pytest.mark.parametrize(("number", "blank", "wrong", "code"), WRONG_LINES)
def test_a_wrong_line_in_the_students_copy_is_named(
    number: str, blank: str, wrong: str, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(NOTEBOOKS_DIR)
    source = next(NOTEBOOKS_DIR.glob(f"{number}_*.py"))
    text, _ = blank_source(source.read_text(), source.name)
    assert text.count(f"\n{blank}\n") == 1, f"{source.name} has no single blank {blank!r}"
    with pytest.raises(WrongStep, match="still the blank"):
        _run_until_check(text, "check_step(")
    with pytest.raises(WrongStep, match=re.escape(f"[{code}]")):
        _run_until_check(text.replace(f"\n{blank}\n", f"\n{wrong}\n"), "check_step(")


def test_the_outside_version_of_delta2_is_named_in_notebook_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(NOTEBOOKS_DIR)
    text = next(NOTEBOOKS_DIR.glob("02_*.py")).read_text()
    solution = "delta2 = (W2.T @ delta3 + sparse[:, None]) * f_prime2  # (hidden, m)"
    assert text.count(solution) == 1
    wrong = text.replace(solution, "delta2 = (W2.T @ delta3) * f_prime2 + sparse[:, None]")
    with pytest.raises(WrongStep, match=re.escape("[sparsity-outside-derivative]")):
        _run_until_check(wrong, 'check_step("delta2"')


# Notebook 5, the vectorization exercise: (the solution line, a wrong line a student might write,
# the check cell's call, the slip it names). Run in quick mode on the shared MNIST files; the
# last one trains the quick run (25 iterations on 1,000 digits) before its check.
WRONG_LINES_05 = [
    ("r = np.sqrt(6 / (visible_size + hidden_size + 1))",
     "r = np.sqrt(6 / (visible_size + hidden_size))", 'check_step("init_interval"',
     "plus-one-missing"),
    ("weight_decay_by_hand = lambda_ / 2 * 2 * visible_size * hidden_size * r**2 / 3",
     "weight_decay_by_hand = lambda_ / 2 * 2 * visible_size * hidden_size * r**2",
     'check_step("weight_decay_at_init"', "uniform-second-moment"),
    ("a2 = sigmoid(W1 @ images + b1[:, None])  # (196, m)",
     "a2 = sigmoid(W1 @ images)", 'check_step("rho_hat_all"', "bias-missing"),
    ("rho_hat = a2.mean(axis=1)  # (196,)",
     "rho_hat = np.array([a2[:, i] for i in range(1, a2.shape[1])]).sum(axis=0) / a2.shape[1]",
     'check_step("rho_hat_all"', "loop-skips-first"),
]


@pytest.mark.parametrize(("solution", "wrong", "marker", "code"), WRONG_LINES_05)
def test_a_wrong_line_in_notebook_5_is_named(
    solution: str, wrong: str, marker: str, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST files not found in {MNIST_DIR} (set UFLDL_SAE_TEST_MNIST)")
    monkeypatch.setenv("UFLDL_SAE_MNIST_DIR", str(MNIST_DIR))
    monkeypatch.setenv("UFLDL_SAE_NOTEBOOK_QUICK", "1")
    monkeypatch.chdir(NOTEBOOKS_DIR)
    source = next(NOTEBOOKS_DIR.glob("05_*.py"))
    text = source.read_text()
    assert text.count(f"\n{solution}\n") == 1, f"{source.name} has no single line {solution!r}"
    if solution.startswith("r = "):  # the student's copy: the first check finds the blank
        with pytest.raises(WrongStep, match="still the blank"):
            _run_until_check(blank_source(text, source.name)[0], marker)
    with pytest.raises(WrongStep, match=re.escape(f"[{code}]")):
        _run_until_check(text.replace(f"\n{solution}\n", f"\n{wrong}\n"), marker)


def test_an_installed_wheel_finds_its_copy_of_the_sources(tmp_path, monkeypatch):
    """A wheel installs the sources under share/ufldl-sae/notebooks (setup.cfg's data_files);
    the distribution's file list leads there wherever the prefix is."""
    from importlib import metadata

    from ufldl_sae.coursework import notebook_exercises as ne

    folder = tmp_path / "prefix" / "share" / "ufldl-sae" / "notebooks"
    folder.mkdir(parents=True)
    (folder / "01_forward_pass_and_cost.py").write_text("# %%\n")

    class Installed(metadata.PackagePath):
        def locate(self):
            return tmp_path / "prefix" / self

    listed = [Installed("ufldl_sae/__init__.py"),
              Installed("share/ufldl-sae/notebooks/01_forward_pass_and_cost.py")]  # fmt: skip
    monkeypatch.setattr(metadata, "files", lambda name: listed if name == "ufldl-sae" else None)
    assert ne.installed_notebooks_dir() == folder.resolve()
    monkeypatch.setattr(metadata, "files", lambda name: [Installed("ufldl_sae/__init__.py")])
    assert ne.installed_notebooks_dir() is None


def test_setup_cfg_ships_every_notebook_source():
    """The data_files pattern of setup.cfg matches each notebook source of the checkout."""
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    pattern = config["options.data_files"]["share/ufldl-sae/notebooks"].strip()
    shipped = sorted(p.name for p in root.glob(pattern))
    sources = sorted(p.name for p in (root / "notebooks").glob("*.py") if p.name[:2].isdigit())
    assert shipped == sources and len(sources) >= 8
