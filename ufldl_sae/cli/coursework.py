"""The ``exercise`` and ``check`` subcommands; ``ufldl_sae.cli`` adds them with :func:`register`.

``ufldl-sae exercise init DIR [--exercise sparse-autoencoder|vectorization]`` writes the starter
files. ``ufldl-sae check FILE.py[:FUNCTION] ...`` checks one or many submissions, each in its own
process under ``--time-limit`` and ``--memory-limit``; ``--json`` prints one JSON object per file.
Exit status: 0 when every check passes, 1 when a check fails, 2 when a file cannot be imported or
the function is missing (the highest over all files).

The checked code runs with your rights: the limits catch accidents, they are no sandbox.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..coursework.checker import check, quick_check
from ..coursework.exercise import EXERCISE_FILES, init_exercise
from ..coursework.grading import DEFAULT_MEMORY_LIMIT_MIB, DEFAULT_TIME_LIMIT, grade_many
from ..coursework.loader import StudentCodeError, load_student_function

#: What ``ufldl_sae.cli`` uses: ``register`` for the subcommands, and for ``train --cost`` the
#: loader (raising :class:`StudentCodeError`, a ``ValueError``) and the quick check.
__all__ = [
    "StudentCodeError",
    "check",
    "check_handler",
    "exercise_handler",
    "load_student_function",
    "quick_check",
    "register",
]


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
    init.set_defaults(func=exercise_handler)

    check = subparsers.add_parser(
        "check",
        help="check your exercise code and name the mistake it makes",
        description="Check student functions against ufldl-sae's own implementation. Each file "
        "runs in its own process with your rights: the limits catch accidents, they are no "
        "sandbox. Exit status 0 all pass, 1 a check failed, 2 a file cannot be imported.",
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
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        metavar="S",
        help=f"seconds per file (default {DEFAULT_TIME_LIMIT:g})",
    )
    check.add_argument(
        "--memory-limit",
        type=int,
        default=DEFAULT_MEMORY_LIMIT_MIB,
        metavar="MIB",
        help=f"address space per file in MiB, 0 for none (default {DEFAULT_MEMORY_LIMIT_MIB})",
    )
    check.add_argument(
        "--no-speed", action="store_true", help="skip timing the cost at the exercise's size"
    )
    check.set_defaults(func=check_handler)


def exercise_handler(args: argparse.Namespace) -> int:
    """Write the starter files; list what was written and what was kept."""
    try:
        written, kept = init_exercise(args.dir, args.exercise)
    except (OSError, ValueError) as error:
        print(f"ufldl-sae exercise init: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    for path in kept:
        print(f"kept  {path} (exists; not overwritten)")
    print(f"Next: open {Path(args.dir) / 'README.md'} and follow the steps.")
    return 0


def check_handler(args: argparse.Namespace) -> int:
    """Check each file in its own process; print each report as it comes; the worst status."""
    if args.time_limit <= 0:
        print("ufldl-sae check: --time-limit must be positive", file=sys.stderr)
        return 2
    memory = args.memory_limit if args.memory_limit and args.memory_limit > 0 else None
    worst = 0
    results = grade_many(
        args.specs,
        args.exercise,
        time_limit=args.time_limit,
        memory_limit_mib=memory,
        speed=not args.no_speed,
    )
    for graded in results:
        worst = max(worst, graded.status)
        if args.json:
            print(json.dumps({**graded.report.to_dict(), "status": graded.status}), flush=True)
        else:
            print(graded.report, flush=True)
    return worst
