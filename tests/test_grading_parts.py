"""The grader's parts: the wire format's refusals, bounded output, limits, the batch log,
fresh seeds, the teacher's note, the summary and the Gradescope export, the child as the
other tasks' caller, and the API for ``train --cost``."""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import struct
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ufldl_sae.cli.coursework import register
from ufldl_sae.coursework.batch import (
    BatchLog,
    gradescope_results,
    run_batch,
    summarize,
    write_summary,
)
from ufldl_sae.coursework.calling import StudentFailed
from ufldl_sae.coursework.compare import PROBLEMS, make_problems
from ufldl_sae.coursework.grading import grade, quick_check_file, validate_limits
from ufldl_sae.coursework.isolated import student_function
from ufldl_sae.coursework.loader import StudentCodeError
from ufldl_sae.coursework.sandbox import KEEP_BYTES, BoundedOutput
from ufldl_sae.coursework.sources import package_imports
from ufldl_sae.coursework.wire import MAGIC, WireError, read_frame, send_frame

CORRECT = (Path(__file__).parent / "submissions" / "correct_cost.py").read_text()
posix = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes")


def write(folder: Path, text: str, name: str = "sparse_autoencoder_cost.py") -> Path:
    path = folder / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------------------------
# The wire format


def frame(header: bytes, payload: bytes = b"", magic: bytes = MAGIC) -> bytes:
    return magic + struct.pack("<I", len(header)) + header + payload


def read(data: bytes, cap: int = 1 << 20, seconds: float = 2.0):
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    try:
        return read_frame(r, time.monotonic() + seconds, cap)
    finally:
        os.close(r)


def test_a_frame_round_trips_with_shapes_and_exact_values():
    r, w = os.pipe()
    theta = np.random.default_rng(0).normal(size=7)
    send_frame(
        w, {"kind": "returned"}, [("a", theta), ("b", np.float64(2.5))], time.monotonic() + 2
    )
    os.close(w)
    header, arrays = read_frame(r, time.monotonic() + 2, 1 << 20)
    os.close(r)
    assert header["kind"] == "returned"
    assert np.array_equal(arrays["a"], theta) and arrays["b"].shape == ()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (frame(b"{}", magic=b"EVIL"), "protocol-error"),
        (frame(b"{not json"), "protocol-error"),
        (frame(b"[" * 30000 + b"]" * 30000), "protocol-error"),
        (MAGIC + struct.pack("<I", 10**9), "protocol-error"),
        (frame(b'{"arrays": [{"name": "g", "shape": [-3]}]}'), "protocol-error"),
        (frame(b'{"arrays": [{"name": "g", "shape": [1000, 1000]}]}'), "protocol-error"),
        (frame(b'{"arrays": "many"}'), "protocol-error"),
        (frame(b'{"arrays": [{"name": "g", "shape": [4]}]}', b"\0" * 8), "crashed"),
        (b"", "crashed"),
    ],
)
def test_malformed_replies_are_refused_with_their_code(data, code):
    with pytest.raises(WireError) as error:
        read(data, cap=1 << 20)
    assert error.value.code == code


def test_a_silent_child_runs_into_the_deadline():
    r, w = os.pipe()
    try:
        with pytest.raises(WireError) as error:
            read_frame(r, time.monotonic() + 0.2, 1 << 20)
        assert error.value.code == "time-limit"
    finally:
        os.close(r)
        os.close(w)


def test_output_keeps_head_and_tail_and_counts_the_rest():
    r, w = os.pipe()
    output = BoundedOutput(r)
    for i in range(200):
        os.write(w, (f"{i:04d}" * 2500).encode())  # 10 kB each
    os.close(w)
    text = output.text()
    assert output.total == 2_000_000
    assert text.startswith("0000") and text.rstrip().endswith("0199")
    assert "bytes of output left out" in text and len(text) < 2 * KEEP_BYTES + 100


# --------------------------------------------------------------------------------------------
# Limits and the command line


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0, 0.0, 0])
def test_limits_refuse_nan_inf_zero_and_negatives(bad):
    with pytest.raises(ValueError, match="time_limit"):
        validate_limits(bad, 100)
    with pytest.raises(ValueError, match="memory_limit_mib"):
        validate_limits(10.0, bad)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ufldl-sae")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    "flags",
    [
        ["--time-limit", "nan"],
        ["--time-limit", "-3"],
        ["--memory-limit", "0"],
        ["--memory-limit", "inf"],
        ["--time-limit", "0"],
    ],  # fmt: skip
)
def test_cli_refuses_bad_limits_with_the_flag_named(flags, capsys):
    with pytest.raises(SystemExit) as stop:
        parse(["check", "f.py", *flags])
    assert stop.value.code == 2 and flags[0] in capsys.readouterr().err


def test_cli_memory_limit_none_and_resume_needs_output(capsys):
    assert parse(["check", "f.py", "--memory-limit", "none"]).memory_limit is None
    args = parse(["check", "f.py", "--resume"])
    assert args.func(args) == 2 and "--output" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# The batch log, the summary and Gradescope


def record(source: str, codes: list[tuple[str, str]]) -> dict:
    findings = [{"code": c, "message": c, "severity": s, "where": {}} for c, s in codes]
    passed = not any(s == "error" for _, s in codes)
    return {"source": source, "exercise": "sparse_autoencoder_cost", "passed": passed,
            "seconds": 0.1, "findings": findings, "status": 0 if passed else 1}  # fmt: skip


def test_resume_skips_finished_and_reports_the_one_that_killed_the_grader(tmp_path):
    log_path = tmp_path / "log.jsonl"
    done = {"event": "graded", "spec": "a.py", **record("a.py", []), "seed": 777}
    lines = [done, {"event": "started", "spec": "a.py"}, {"event": "started", "spec": "b.py"}]
    log_path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{cut sh")
    log = BatchLog(log_path, resume=True)
    got = list(run_batch(["a.py", "b.py"], None, log, time_limit=5, memory_limit_mib=None))
    assert got[0] == done  # not run again: a.py does not even exist
    assert got[1]["findings"][0]["code"] == "killed-grader" and got[1]["status"] == 1
    assert got[1]["seed"] == 777  # a resumed batch keeps its problems
    again = BatchLog(log_path, resume=True)
    assert set(again.done) == {"a.py", "b.py"} and not again.interrupted("b.py")
    assert BatchLog(log_path).done == {} and log_path.read_text() == ""  # no resume: afresh


def test_summary_counts_codes_by_submission_and_draws_them(tmp_path):
    records = [
        record("s1.py", [("sparsity-missing-from-delta2", "error")]),
        record(
            "s2.py", [("sparsity-missing-from-delta2", "error"), ("grad-column-vector", "note")]
        ),
        record("s3.py", []),
    ]
    summary = summarize(records)
    assert summary["submissions"] == 3 and summary["passed"] == 1
    top = summary["codes"][0]
    assert top["code"] == "sparsity-missing-from-delta2" and top["count"] == 2
    assert top["submissions"] == ["s1.py", "s2.py"]
    table, chart = write_summary(records, tmp_path / "out")
    rows = list(csv.reader(table.open()))
    assert rows[1][:3] == ["(passed)", "", "1"] and rows[2][:3] == [top["code"], "error", "2"]
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_gradescope_results_follow_the_autograder_format():
    records = [
        record("a/sparse_autoencoder_cost.py:sparse_autoencoder_cost", []),
        record("b/sample_patches.py:sample_patches", [("patch-row-major", "error")]),
        record("c/sparse_autoencoder_cost.py:f", [("uses-package-cost", "note")]),
    ]
    results = gradescope_results(records)
    json.dumps(results)
    assert results["score"] == 2.0
    for test in results["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
    hidden = [t for t in results["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1 and "uses-package-cost" in hidden[0]["output"]
    shown = [t["output"] for t in results["tests"] if t["visibility"] == "visible"]
    assert "uses-package-cost" not in "".join(shown) and "patch-row-major" in shown[1]


# --------------------------------------------------------------------------------------------
# Fresh seeds and the teacher's note


def test_fresh_seeds_draw_new_data_and_replay_exactly():
    a, b = make_problems(12345), make_problems(12345)
    assert a == b and a != PROBLEMS and make_problems(None) is PROBLEMS
    assert [(p.visible, p.hidden, p.m) for p in a] == [(p.visible, p.hidden, p.m) for p in PROBLEMS]
    assert not np.array_equal(a[0].arrays()[1], PROBLEMS[0].arrays()[1])
    with pytest.raises(ValueError, match="seed"):
        make_problems(-1)


def test_package_imports_are_found_without_running_the_file():
    source = (
        "import os\nfrom ufldl_sae.model import sparse_autoencoder_cost\n"
        "import ufldl_sae.coursework as c\nname = 'ufldl_sae.model'\nimport numpy\n"
    )
    assert [line for line, _ in package_imports(source)] == [2, 3, 4]
    assert package_imports("import numpy as np\n") == []
    assert package_imports("def broken(:\n") == []


# --------------------------------------------------------------------------------------------
# Through the child: every task, the seed recorded, the API for train --cost


@posix
def test_each_task_is_checked_through_the_child(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from test_coursework import correct_numgrad, correct_patches, edit

    patches = write(tmp_path, edit(correct_patches(), [('ravel(order="F")', "ravel()")]),
                    "sample_patches.py")  # fmt: skip
    numgrad = write(tmp_path, correct_numgrad(), "compute_numerical_gradient.py")
    row_major = grade(str(patches), time_limit=30, speed=False)
    assert row_major.report.error_codes == ["patch-row-major"]
    restored = edit(correct_numgrad(), [("plus = theta.copy()", "plus = theta")])
    assert grade(str(numgrad), time_limit=30).report.error_codes == []
    write(tmp_path, restored, "compute_numerical_gradient.py")
    assert grade(str(numgrad), time_limit=30).report.error_codes == ["theta-not-restored"]


@posix
def test_seed_is_recorded_and_replays_the_same_numbers(tmp_path):
    path = write(
        tmp_path, CORRECT.replace("return float(cost), grad", "return float(cost), 0 * grad")
    )
    first = grade(str(path), time_limit=30, speed=False)
    again = grade(str(path), time_limit=30, speed=False, seed=first.seed)
    assert isinstance(first.seed, int) and not first.report.passed
    assert [f.message for f in again.report.findings] == [f.message for f in first.report.findings]


@posix
def test_a_child_that_stops_reading_hits_the_time_limit(tmp_path):
    stuck = "import os, time\nos.read = lambda *a: time.sleep(3600)\n" + CORRECT
    graded = grade(str(write(tmp_path, stuck)), time_limit=3, speed=True)
    assert graded.report.error_codes == ["time-limit"] and graded.report.seconds < 10


@posix
def test_quick_check_file_and_student_function_for_train(tmp_path):
    todo = write(
        tmp_path,
        CORRECT.replace("h, v = hidden_size", "raise NotImplementedError\n    h, v = hidden_size"),
    )
    quick = quick_check_file(str(todo))
    assert quick.status == 1 and quick.report.error_codes == ["not-implemented"]
    line = todo.read_text().splitlines().index("    raise NotImplementedError") + 1
    assert quick.report.findings[0].where == {"line": line}
    theta, data = PROBLEMS[1].arrays()
    good = write(tmp_path, CORRECT, "mine.py")
    with student_function(f"{good}:sparse_autoencoder_cost") as cost:
        value, grad = cost(theta, 12, 5, 0.02, 0.05, 0.5, data)
    assert grad.shape == theta.shape and np.isfinite(value)
    with pytest.raises(StudentFailed), student_function(str(todo)) as cost:
        cost(theta, 12, 5, 0.02, 0.05, 0.5, data)
    with (
        pytest.raises(StudentCodeError, match="line 1"),
        student_function(str(write(tmp_path, "def sparse_autoencoder_cost(:\n"))),
    ):
        pass


@posix
def test_a_memory_limit_too_low_for_numpy_says_so(tmp_path):
    graded = grade(str(write(tmp_path, CORRECT)), time_limit=30, memory_limit_mib=100)
    assert graded.report.error_codes == ["memory-limit"]
    assert "NumPy alone needs about" in graded.report.findings[0].message


@posix
def test_workspace_goes_even_when_locked_and_links_are_not_followed(tmp_path):
    from ufldl_sae.coursework.sandbox import Snapshot, remove_workspace, workspace

    outside = tmp_path / "teacher.txt"
    outside.write_text("key")
    outside.chmod(0o600)
    root, target = workspace(Snapshot("s.py", b"x = 1\n"), Path(__file__), None)
    assert target.read_bytes() == b"x = 1\n" and (root / "home").is_dir()
    locked = root / "tmp" / "locked"
    locked.mkdir()
    (locked / "f").write_text("y")
    (locked / "link").symlink_to(outside)
    locked.chmod(0o000)
    remove_workspace(root)
    assert not root.exists() and outside.stat().st_mode & 0o777 == 0o600
