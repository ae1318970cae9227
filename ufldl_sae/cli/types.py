"""``argparse`` types of the command line: a word typed by the user, checked as it is parsed."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """An ``argparse`` type: a command-line word as an integer >= 1, or a usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def positive_seconds(text: str) -> float:
    """An ``argparse`` type for a time limit: a finite number of seconds > 0 (``nan``, ``inf``,
    0 and negatives refused: none of them is a limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive, finite number of seconds, got {text!r}"
        )
    return value


def nonnegative_int(text: str) -> int:
    """An ``argparse`` type: an integer >= 0 (0 meaning "none" where the option says so)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def memory_limit(text: str) -> int | None:
    """An ``argparse`` type for ``check --memory-limit``: a whole number of MiB >= 1, or
    ``none`` for no limit.

    0, negatives and ``nan`` are refused: a limit that silently means "no limit" is the one
    mistake a limit must not make, so "no limit" is spelled out.
    """
    if text.strip().lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of MiB (or none), got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of MiB >= 1 (or none), got {text!r}"
        )
    return value
