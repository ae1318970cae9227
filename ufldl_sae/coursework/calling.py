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
    where = {"line": lineno} if lineno is not None else {}
    if isinstance(error, NotImplementedError):
        return Finding(
            "not-implemented",
            f"Not implemented yet: {what} raised NotImplementedError"
            + (f" at line {lineno}" if lineno else "")
            + ". Replace the `raise NotImplementedError` in the block marked YOUR CODE HERE "
            "with your implementation, then run the check again.",
            where=where,
        )
    if isinstance(error, MemoryError):
        return Finding(
            "memory-limit",
            f"{what} ran out of memory"
            + (f" at line {lineno}" if lineno else "")
            + ". The check's problems are small (at most 64 x 10,000 numbers); an array of "
            "(m, m) or a copy per example grows far beyond that.",
            where=where,
        )
    text = "".join(
        traceback.format_list(shown) + traceback.format_exception_only(type(error), error)
    )
    return Finding(
        "raised-exception",
        f"{what} raised {type(error).__name__}"
        + (f" at line {lineno}" if lineno else "")
        + ":\n"
        + text.rstrip(),
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
    except KeyboardInterrupt:
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
