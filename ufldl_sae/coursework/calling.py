"""Call the student's function so that any failure becomes a finding instead of a crash.

A ``NotImplementedError`` means the starter file's marked block is still empty: the finding says
"not implemented yet" with the line. Any other exception (``SystemExit`` included) is reported with
the student's own frames of the traceback and their line number.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .report import Finding


class StudentFailed(Exception):
    """Raised by :func:`call_student` when the student's function raised: carries the finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


class SessionEnded(Exception):
    """The submission's process cannot answer any more (crash, time limit, garbage sent).

    Raised by the grader's stand-in for the student's function (:mod:`.remote`); no check
    catches it, so it ends the whole check with its finding.
    """

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


class Unreadable:
    """What the student returned when it was not numbers, known only by its type's name.

    Built by the grader from the child's description; ``len()`` works when the object had one.
    """

    def __init__(self, type_name: str, length: int | None) -> None:
        self.type_name, self.length = type_name, length

    def __len__(self) -> int:
        if self.length is None:
            raise TypeError(f"object of type {self.type_name} has no len()")
        return self.length


def type_name(value: Any) -> str:
    """The name of the student's value's type (the original's, for an :class:`Unreadable`)."""
    return value.type_name if isinstance(value, Unreadable) else type(value).__name__


def _student_file(func: Callable[..., Any]) -> str | None:
    code = getattr(func, "__code__", None)
    return code.co_filename if code is not None else None


def describe_failure(func: Callable[..., Any], error: BaseException, what: str) -> Finding:
    """A finding for an exception raised inside the student's function.

    Only the frames in the student's file are kept (the checker's frames are noise to them);
    when there are none (the error came from NumPy called with a bad shape) the last frame is.
    """
    filename = _student_file(func)
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if filename and Path(f.filename) == Path(filename)]
    shown = own or frames[-1:]
    lineno = own[-1].lineno if own else None
    text = "".join(
        traceback.format_list(shown) + traceback.format_exception_only(type(error), error)
    )
    return failure_finding(type(error).__name__, text, lineno, what)


def failure_finding(error_type: str, text: str, lineno: int | None, what: str) -> Finding:
    """The finding for an exception known by its type's name, its short traceback and line.

    Shared by a call in this process and a call in a submission's process, whose exception
    arrives as text (:mod:`.remote`).
    """
    where = {"line": lineno} if lineno is not None else {}
    at = f" at line {lineno}" if lineno else ""
    if error_type == "NotImplementedError":
        return Finding(
            "not-implemented",
            f"Not implemented yet: {what} raised NotImplementedError{at}. Replace the `raise "
            "NotImplementedError` in the block marked YOUR CODE HERE with your implementation, "
            "then run the check again.",
            where=where,
        )
    if error_type == "MemoryError":
        return Finding(
            "memory-limit",
            f"{what} ran out of memory{at}. The check's problems are small (at most 64 x 10,000 "
            "numbers); an array of (m, m) or a copy per example grows far beyond that.",
            where=where,
        )
    return Finding(
        "raised-exception",
        f"{what} raised {error_type}{at}:\n" + text.rstrip(),
        where=where,
    )


def call_student(func: Callable[..., Any], *args: Any, what: str = "your function") -> Any:
    """``func(*args)`` with NumPy warnings silenced; failures raise :class:`StudentFailed`.

    Overflow and division warnings are silenced because the checker judges results (and reports
    NaN or inf as a finding), and a page of warnings would bury the verdict.
    """
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return func(*args)
    except (KeyboardInterrupt, StudentFailed, SessionEnded):
        raise
    except BaseException as error:  # noqa: BLE001 - SystemExit from student code included
        raise StudentFailed(describe_failure(func, error, what)) from None


def as_float_array(value: Any) -> np.ndarray | None:
    """The student's result as a float64 array, or None when it is not numbers at all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
