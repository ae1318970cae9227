"""How the command line fails: one or two lines, never a traceback unless asked for.

Exit status 2 is a mistake in the command or its files (bad input: nothing was created), 1 a
failure during a run (everything learned so far is written first), 130 Ctrl-C. ``--debug`` or
``UFLDL_SAE_DEBUG=1`` lets the exception through, with its traceback, for a bug report.
"""

from __future__ import annotations

import os
import sys

__all__ = [
    "DEBUG_ENV",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "UsageError",
    "debug_requested",
    "explain",
    "report",
]

#: Exit status after Ctrl-C (128 + SIGINT), once everything learned so far is written.
EXIT_INTERRUPTED = 130
#: Exit status of a run that failed part-way (its best theta, metrics and figures are written).
EXIT_FAILED = 1
#: Exit status of a mistake in the command or its files (nothing is created).
EXIT_USAGE = 2
#: The environment variable that asks for tracebacks, as ``--debug`` does.
DEBUG_ENV = "UFLDL_SAE_DEBUG"


class UsageError(Exception):
    """A mistake in the command or its files: reported in one or two lines, exit status 2."""


def debug_requested(flag: bool) -> bool:
    """``--debug`` given, or ``UFLDL_SAE_DEBUG`` set to anything but ``""`` or ``0``."""
    return flag or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def explain(error: BaseException) -> tuple[int, str]:
    """The exit status and the text (what went wrong; what to do) for an uncaught ``error``.

    Bad input (``ValueError``, a missing or existing file, a ``KeyError`` from a loader) is
    status 2; running out of memory and anything unexpected during a run is status 1, with a
    hint to rerun with ``--debug`` when the cause is not one the command line knows.
    """
    status = getattr(error, "exit_status", None)  # ufldl_sae.runs.RunFailedError: 1
    if isinstance(status, int):
        return status, str(error)
    if isinstance(error, UsageError | ValueError | OSError):
        return EXIT_USAGE, str(error)
    if isinstance(error, KeyError):  # str() of a KeyError is its repr: show the message itself
        return EXIT_USAGE, str(error.args[0]) if error.args else "missing key"
    if isinstance(error, FloatingPointError):  # the solvers' NonFiniteError, outside train
        return EXIT_FAILED, (
            f"{error}\nsmaller weights of the cost's terms (--lambda, --beta) or a smaller step "
            "keep it finite"
        )
    if isinstance(error, MemoryError):
        return EXIT_FAILED, (
            f"out of memory ({error or 'MemoryError'})\n"
            "use fewer examples (--num-patches, --num-images) or fewer hidden units"
        )
    return EXIT_FAILED, (
        f"unexpected {type(error).__name__}: {error}\n"
        f"this is a bug: rerun with --debug (or {DEBUG_ENV}=1) for the traceback and report it"
    )


def report(command: str | None, error: BaseException) -> int:
    """Print :func:`explain`'s text on stderr, prefixed by the command; return its status."""
    status, text = explain(error)
    first, _, rest = text.partition("\n")
    print(f"ufldl-sae {command or ''}: error: {first}".replace("  ", " "), file=sys.stderr)
    if rest:
        print(rest, file=sys.stderr)
    return status
