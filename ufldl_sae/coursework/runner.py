"""One submission checked in this process: ``python -m ufldl_sae.coursework.runner FILE.py``.

Kept for debugging a checker change on one file; the grader no longer uses it, because the
report it writes comes from the process that imported the student's code, which can forge it.
:mod:`.grading` runs student code in :mod:`.child` and computes the verdict itself; it uses
:func:`guess_task` and :func:`import_failure` from here. Exit status: 0 passed, 1 a check
failed, 2 the file cannot be imported or the function is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .checker import check, failure_report, task_name
from .loader import StudentCodeError, load_student_function, split_spec
from .report import CheckReport, Finding


def import_failure(spec: str, error: StudentCodeError, exercise: str | None) -> CheckReport:
    """The report for a file that does not import or lacks the function (exit status 2)."""
    where = {"line": error.lineno} if error.lineno is not None else {}
    message = error.details
    if error.code == "import-error":
        line = f" (line {error.lineno})" if error.lineno is not None else ""
        message = f"The file could not be imported{line}:\n{error.details}"
    finding = Finding(error.code, message, where=where)
    return failure_report(exercise or guess_task(spec), spec, finding)


def guess_task(spec: str) -> str:
    """The function a spec is about, from its name or its file's name, for failure reports."""
    path, name = split_spec(spec)
    return task_name(name or path.stem) or "unknown"


def run_one(spec: str, exercise: str | None, speed: bool = True) -> tuple[CheckReport, int]:
    """Load and check one ``FILE.py[:FUNCTION]``; the report and the exit status."""
    start = time.perf_counter()
    try:
        func = load_student_function(spec)
    except StudentCodeError as error:
        return import_failure(spec, error, exercise), 2
    path, name = split_spec(spec)
    try:
        report = check(func, exercise, speed=speed)
    except ValueError as error:  # the exercise cannot be told
        finding = Finding("unknown-exercise", str(error))
        return failure_report(exercise or guess_task(spec), spec, finding), 2
    report.source = f"{path}:{name or func.__name__}"
    report.seconds = time.perf_counter() - start
    return report, 0 if report.passed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ufldl_sae.coursework.runner")
    parser.add_argument("spec", help="FILE.py[:FUNCTION]")
    parser.add_argument("--exercise", default=None)
    parser.add_argument("--result", required=True, help="file to write the JSON report to")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing note")
    args = parser.parse_args(argv)
    report, status = run_one(args.spec, args.exercise, speed=not args.no_speed)
    Path(args.result).write_text(json.dumps({"status": status, "report": report.to_dict()}))
    return status


if __name__ == "__main__":
    sys.exit(main())
