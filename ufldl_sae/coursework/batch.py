"""The teacher's side of a class batch: a log that survives the grader, a summary, Gradescope.

- :class:`BatchLog` appends one JSON line when a submission starts and one when its report is
  ready, flushed to disk each time. A grader killed half-way (by a same-user submission, a
  power cut) is rerun with ``--resume``: the finished submissions are not run again, and the one
  that was running when it died is reported as ``killed-grader`` instead of being run again.
- :func:`summarize` and :func:`write_summary`: how many passed, each mistake code with its count
  and the submissions that made it (``summary.csv``), and a bar chart (``mistakes.png``), so a
  teacher sees which slip half the class made.
- :func:`gradescope_results`: Gradescope's autograder ``results.json`` (a top-level ``score``, a
  ``tests`` list with ``name``, ``score``, ``max_score``, ``output``, ``visibility``). Notes for
  the teacher only (a submission using the package's own cost) go in a hidden test.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .grading import Graded, grade, missing, snapshot, validate_limits
from .report import ERROR, NOTE, CheckReport, Finding
from .runner import guess_task

#: Finding codes that concern the teacher rather than the student.
TEACHER_CODES = ("uses-package-cost",)


class BatchLog:
    """JSON lines of a batch: ``{"event": "started", "spec"}`` then the report with ``"spec"``.

    Parameters
    ----------
    path : Path
        The log file. Without ``resume`` it is started afresh; with it, the records already
        there are read back.
    resume : bool
        Keep and read the existing log.
    """

    def __init__(self, path: Path, resume: bool = False) -> None:
        self.path = Path(path)
        self.done: dict[str, dict[str, Any]] = {}
        self.started: set[str] = set()
        self.seed: int | None = None
        if resume and self.path.is_file():
            text = self.path.read_bytes()
            for line in text.decode(errors="replace").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut short when the grader died
                if not isinstance(record, dict) or not isinstance(record.get("spec"), str):
                    continue
                if self.seed is None and type(record.get("seed")) is int:
                    self.seed = record["seed"]
                if record.get("event") == "started":
                    self.started.add(record["spec"])
                else:
                    self.done[record["spec"]] = record
            if text and not text.endswith(b"\n"):  # the last line was cut: start a new one
                with self.path.open("ab") as out:
                    out.write(b"\n")
        elif not resume:
            self.path.write_text("")

    def _append(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as out:
            out.write(json.dumps(record) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def start(self, spec: str, seed: int | None = None) -> None:
        """Record that ``spec`` is about to run (before any of its code does), and the seed."""
        self.started.add(spec)
        self.seed = seed if self.seed is None else self.seed
        self._append({"event": "started", "spec": spec, "seed": seed})

    def finish(self, spec: str, record: dict[str, Any]) -> dict[str, Any]:
        """Record ``spec``'s result (a :meth:`Graded.to_dict`) and return it with ``spec``."""
        record = {"event": "graded", "spec": spec, **record}
        self.done[spec] = record
        self._append(record)
        return record

    def interrupted(self, spec: str) -> bool:
        """True when ``spec`` started in an earlier run of the log and never finished."""
        return spec in self.started and spec not in self.done


def killed_grader_report(spec: str, exercise: str) -> CheckReport:
    """The report of a submission that was running when the grader died."""
    finding = Finding(
        "killed-grader",
        "The grader stopped while checking this submission on an earlier run of this batch (it "
        "was killed, or the machine stopped): it is not run again. A submission that kills the "
        "process checking it fails; if the grader died for another reason, rerun this file "
        "alone.",
    )
    return CheckReport(exercise, spec, [finding], 0.0)


def run_batch(
    specs: list[str],
    exercise: str | None,
    log: BatchLog,
    *,
    time_limit: float,
    memory_limit_mib: int | None,
    speed: bool = True,
    seed: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Grade ``specs`` into ``log``, yielding each record (with ``status``) as it is known.

    Every file is snapshot before any runs. Submissions the log already holds are yielded
    from it; one the log shows as started and unfinished is reported ``killed-grader``. A
    resumed batch keeps its seed, so every student of a class gets the same problems.
    """
    validate_limits(time_limit, memory_limit_mib)
    if seed is None:
        seed = log.seed if log.seed is not None else secrets.randbelow(2**32)
    copies = snapshot(specs)
    for spec, copy in zip(specs, copies, strict=True):
        if spec in log.done:
            yield log.done[spec]
            continue
        if log.interrupted(spec):
            report = killed_grader_report(spec, exercise or guess_task(spec))
            yield log.finish(spec, Graded(report, 1, seed).to_dict())
            continue
        log.start(spec, seed)
        if copy is None:
            graded = missing(spec, exercise)
        else:
            graded = grade(
                spec,
                exercise,
                time_limit=time_limit,
                memory_limit_mib=memory_limit_mib,
                speed=speed,
                seed=seed,
                copy=copy,
            )
        yield log.finish(spec, graded.to_dict())


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Submissions, passed, and per finding code: count and submissions, most common first."""
    by_code: dict[str, list[str]] = {}
    for record in records:
        for code in dict.fromkeys(f.get("code") for f in record.get("findings", [])):
            by_code.setdefault(str(code), []).append(str(record.get("source", record.get("spec"))))
    counts = Counter({code: len(sources) for code, sources in by_code.items()})
    severity = {
        str(f.get("code")): f.get("severity", ERROR)
        for record in records
        for f in record.get("findings", [])
    }
    return {
        "submissions": len(records),
        "passed": sum(bool(r.get("passed")) for r in records),
        "codes": [
            {"code": code, "severity": severity[code], "count": n, "submissions": by_code[code]}
            for code, n in counts.most_common()
        ],
    }


def write_summary(records: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    """``summary.csv`` and ``mistakes.png`` (codes by number of submissions) in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = summarize(records)
    table = folder / "summary.csv"
    with table.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["code", "severity", "submissions", "share", "sources"])
        writer.writerow(["(passed)", "", summary["passed"], _share(summary["passed"], summary), ""])
        for row in summary["codes"]:
            share = _share(row["count"], summary)
            writer.writerow(
                [row["code"], row["severity"], row["count"], share, " ".join(row["submissions"])]
            )
    chart = folder / "mistakes.png"
    _bar_chart(summary, chart)
    return table, chart


def _share(count: int, summary: dict[str, Any]) -> str:
    return f"{count / summary['submissions']:.2f}" if summary["submissions"] else "0"


def _bar_chart(summary: dict[str, Any], path: Path) -> None:
    """Horizontal bars, one per code; errors and notes in two colours. No pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = summary["codes"] or [{"code": "(no findings)", "count": 0, "severity": NOTE}]
    figure = Figure(figsize=(7, 0.4 * len(rows) + 1.2))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    names = [r["code"] for r in rows][::-1]
    counts = [r["count"] for r in rows][::-1]
    colours = ["#c0392b" if r["severity"] == ERROR else "#7f8c8d" for r in rows][::-1]
    axes.barh(names, counts, color=colours)
    axes.set_xlabel("submissions")
    axes.set_title(f"{summary['passed']} of {summary['submissions']} submissions passed")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def gradescope_results(records: list[dict[str, Any]], points: float = 1.0) -> dict[str, Any]:
    """Gradescope's ``results.json``: one test per checked file, ``points`` when it passes.

    The student sees each check's report (``visibility: visible``); teacher notes go into a
    separate test of ``max_score`` 0 that students never see (``visibility: hidden``).
    """
    tests = []
    for record in records:
        report = CheckReport.from_dict(record)
        name = f"{report.exercise} ({Path(report.source.rpartition(':')[0] or report.source).name})"
        student = [f for f in report.findings if f.code not in TEACHER_CODES]
        shown = CheckReport(report.exercise, report.source, student, report.seconds)
        tests.append(
            {
                "name": name,
                "score": points if report.passed else 0.0,
                "max_score": points,
                "output": str(shown),
                "visibility": "visible",
            }
        )
        teacher = [f for f in report.findings if f.code in TEACHER_CODES]
        if teacher:
            tests.append(
                {
                    "name": f"{name}: note for the teacher",
                    "score": 0.0,
                    "max_score": 0.0,
                    "output": "\n".join(str(f) for f in teacher),
                    "visibility": "hidden",
                }
            )
    return {
        "score": sum(t["score"] for t in tests),
        "tests": tests,
        "visibility": "visible",
        "stdout_visibility": "hidden",
    }


def write_gradescope(records: list[dict[str, Any]], path: Path) -> Path:
    """Write :func:`gradescope_results` to ``path`` (``/autograder/results/results.json``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope_results(records), indent=1))
    return path
