"""The documented autograder hooks: otter-grader's test file and nbgrader's test cell.

The otter test's doctest runs with the standard library's :mod:`doctest` always (the same code
otter runs); otter itself runs it only when installed.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from ufldl_sae.coursework.autograder_example import NBGRADER_CELL, OTTER_TEST, passes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes")
CORRECT = (Path(__file__).parent / "submissions" / "correct_cost.py").read_text()


def run_otter_case(folder: Path) -> doctest.TestResults:
    code = OTTER_TEST["suites"][0]["cases"][0]["code"]
    test = doctest.DocTestParser().get_doctest(code, {}, "otter", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        runner.run(test, out=lambda text: None)
    finally:
        os.chdir(cwd)
    return runner.summarize(verbose=False)


def test_otter_case_passes_a_correct_file_and_fails_a_wrong_one(tmp_path):
    path = tmp_path / "sparse_autoencoder_cost.py"
    path.write_text(CORRECT)
    assert run_otter_case(tmp_path).failed == 0
    path.write_text(CORRECT.replace("return float(cost), grad", "return float(cost), 2 * grad"))
    assert run_otter_case(tmp_path).failed == 1


def test_nbgrader_cell_checks_a_notebook_function_in_its_own_process(capsys):
    namespace: dict = {}
    exec(compile(CORRECT, str(Path(__file__).parent / "submissions" / "correct_cost.py"), "exec"),
         namespace)  # fmt: skip
    exec(NBGRADER_CELL, namespace)  # a correct function: the assert holds
    assert passes(namespace["sparse_autoencoder_cost"]) is True
    assert passes(str(Path(__file__).parent / "submissions" / "missing.py")) is False
    assert "file-not-found" in capsys.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("otter") is None, reason="otter-grader not installed")
def test_otter_runs_the_test_file(tmp_path):  # pragma: no cover - only with otter installed
    from otter.execute import check

    (tmp_path / "q.py").write_text(f"OK_FORMAT = True\ntest = {OTTER_TEST!r}\n")
    (tmp_path / "sparse_autoencoder_cost.py").write_text(CORRECT)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = check(str(tmp_path / "q.py"), global_env={})
    finally:
        os.chdir(cwd)
    passed = getattr(result, "passed_all", None)
    assert passed if passed is not None else result.score == result.possible
