"""The ``exercise`` and ``check`` subcommands; ``ufldl_sae.cli`` adds them with :func:`register`.

``ufldl-sae exercise init DIR [--exercise sparse-autoencoder|vectorization]`` writes the starter
files. ``ufldl-sae check FILE.py[:FUNCTION] ...`` checks one or many submissions, each in its own
process under ``--time-limit`` and ``--memory-limit``; ``--json`` prints one JSON object per file.
Exit status: 0 when every check passes, 1 when a check fails, 2 when a file cannot be imported or
the function is missing (the highest over all files).

The submission's process only sends numbers back; the verdict is computed here
(:mod:`ufldl_sae.coursework.grading`). For a class: ``--output log.jsonl`` (and ``--resume``),
``--summary DIR`` (CSV and bar chart of mistake codes), ``--gradescope results.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ..coursework.batch import BatchLog, run_batch, write_gradescope, write_summary
from ..coursework.exercise import EXERCISE_FILES, init_exercise
from ..coursework.grading import DEFAULT_MEMORY_LIMIT_MIB, DEFAULT_TIME_LIMIT
from ..coursework.notebook_exercises import write_student_notebooks
from ..coursework.report import HINT_LEVELS, CheckReport, with_hints
from ..coursework.sandbox import harden_grader
from .types import memory_limit, positive_seconds

__all__ = ["check_handler", "exercise_handler", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``exercise`` and ``check`` subcommands; each sets ``func=handler``."""
    exercise = subparsers.add_parser(
        "exercise",
        help="write the exercise's starter files",
        description="Write the exercise's starter files into a folder (existing files are kept).",
    )
    actions = exercise.add_subparsers(dest="exercise_command", required=True)
    init = actions.add_parser("init", help="write the starter files into DIR")
    init.add_argument("dir", metavar="DIR", type=Path, help="folder to write into (created)")
    init.add_argument(
        "--exercise",
        choices=sorted(EXERCISE_FILES),
        default="sparse-autoencoder",
        help="the sparse autoencoder on natural image patches (default), or its vectorized "
        "version on MNIST",
    )
    init.add_argument(
        "--notebooks",
        action="store_true",
        help="also write the teaching notebooks with their exercises blanked, and "
        "SOLUTIONS.md, into DIR/notebooks (needs the repository's notebooks/ folder)",
    )
    init.set_defaults(func=exercise_handler)

    check = subparsers.add_parser(
        "check",
        help="check your exercise code and name the mistake it makes",
        description="Check student functions against ufldl-sae's own implementation. Each file "
        "is copied first, then runs in its own process, folder and limits (as a dedicated user "
        "when run as root) and only sends back numbers: the verdict is computed by this "
        "process. Not a container: see ufldl_sae.coursework.sandbox for what it does not stop. "
        "Exit status 0 all pass, 1 a check failed, 2 a file cannot be imported.",
    )
    check.add_argument("specs", nargs="+", metavar="FILE.py[:FUNCTION]")
    check.add_argument(
        "--exercise",
        default=None,
        help="what the function computes: sparse-autoencoder, vectorization, or a function "
        "name (default: inferred from the function's name)",
    )
    check.add_argument("--json", action="store_true", help="one JSON object per file")
    check.add_argument(
        "--hints",
        choices=HINT_LEVELS,
        default="full",
        help="how much each finding gives away: none (the code only), where (the code, term and "
        "block), full (the explanation, the numbers and the line; default)",
    )
    check.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=DEFAULT_TIME_LIMIT,
        metavar="S",
        help=f"wall-clock seconds per file (default {DEFAULT_TIME_LIMIT:g})",
    )
    check.add_argument(
        "--memory-limit",
        type=memory_limit,
        default=DEFAULT_MEMORY_LIMIT_MIB,
        metavar="MIB",
        help=f"address space per file in MiB, or 'none' (default {DEFAULT_MEMORY_LIMIT_MIB})",
    )
    check.add_argument(
        "--no-speed", action="store_true", help="skip timing the cost at the exercise's size"
    )
    check.add_argument(
        "--seed",
        type=int,
        default=None,
        help="replay the problems of an earlier batch (its reports give the seed; default: a "
        "fresh seed)",
    )
    check.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE.jsonl",
        help="append each file's result to this JSON lines log as soon as it is known",
    )
    check.add_argument(
        "--resume",
        action="store_true",
        help="with --output: skip the files the log already has; a file that was running when "
        "the grader died is reported as killed-grader",
    )
    check.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="DIR",
        help="write summary.csv and mistakes.png (mistake codes by submissions) into DIR",
    )
    check.add_argument(
        "--gradescope",
        type=Path,
        default=None,
        metavar="FILE",
        help="write Gradescope's autograder results.json to FILE",
    )
    check.set_defaults(func=check_handler)


def exercise_handler(args: argparse.Namespace) -> int:
    """Write the starter files; list what was written and what was kept."""
    try:
        written, kept = init_exercise(args.dir, args.exercise)
        if args.notebooks:
            written = [*written, *write_student_notebooks(Path(args.dir) / "notebooks")]
    except (OSError, ValueError) as error:
        print(f"ufldl-sae exercise init: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    for path in kept:
        print(f"kept  {path} (exists; not overwritten)")
    print(f"Next: open {Path(args.dir) / 'README.md'} and follow the steps.")
    return 0


def hinted(record: dict, level: str) -> dict:
    """A batch record with its findings cut to the hint level (the log keeps them whole)."""
    if level == "full" or "findings" not in record:
        return record
    try:
        report = CheckReport.from_dict(record)
    except (KeyError, TypeError, ValueError):
        return record
    return {**record, "findings": with_hints(report, level).to_dict()["findings"]}


def check_handler(args: argparse.Namespace) -> int:
    """Check each file in its own process; print each report as it comes; the worst status."""
    if args.resume and args.output is None:
        print(
            "ufldl-sae check: --resume needs --output FILE.jsonl (the log to resume)",
            file=sys.stderr,
        )
        return 2
    harden_grader()
    worst = 0
    with tempfile.TemporaryDirectory(prefix="ufldl-sae-log-") as scratch:
        log = BatchLog(args.output or Path(scratch) / "batch.jsonl", resume=args.resume)
        records = []
        for record in run_batch(
            args.specs,
            args.exercise,
            log,
            time_limit=args.time_limit,
            memory_limit_mib=args.memory_limit,
            speed=not args.no_speed,
            seed=args.seed,
        ):
            record = hinted(record, args.hints)
            records.append(record)
            worst = max(worst, int(record.get("status", 1)))
            if args.json:
                shown = {k: v for k, v in record.items() if k not in ("event", "spec")}
                print(json.dumps(shown), flush=True)
            else:
                print(CheckReport.from_dict(record), flush=True)
    seeds = sorted({r["seed"] for r in records if isinstance(r.get("seed"), int)})
    if seeds and not args.json:
        print(f"probe seed {seeds[0]} (replay the same problems with --seed {seeds[0]})")
    if args.summary is not None:
        table, chart = write_summary(records, args.summary)
        print(f"summary: {table}, {chart}", file=sys.stderr)
    if args.gradescope is not None:
        print(f"gradescope: {write_gradescope(records, args.gradescope)}", file=sys.stderr)
    return worst
