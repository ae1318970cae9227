"""Grade submissions: student code only returns numbers, the verdict is computed where none runs.

A teacher runs ``ufldl-sae check submissions/*/sparse_autoencoder_cost.py --json``. Every file
is first copied (a snapshot, before any submission runs, so none can rewrite a classmate's),
then run in a process of its own (:mod:`.sandbox`): a fresh folder, limits, a dedicated user
when the grader is root. That process runs only :mod:`.child`, which imports the student's
file, calls the function on the inputs it is sent and sends back raw float64 arrays
(:mod:`.wire`). This process never imports student code: it draws the problems from a fresh
seed (recorded in the report, ``check(..., seed=...)`` replays them), compares, diagnoses the
mistake and writes the report. A child that sends garbage, too much, or nothing is reported as
``protocol-error``, ``crashed`` or ``time-limit``; the batch goes on.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..validation import check_real
from .calling import SessionEnded
from .checker import check, failure_report, resolve_task
from .isolated import running
from .loader import KNOWN_FUNCTIONS, StudentCodeError, split_spec
from .remote import Session, remote_function
from .report import NOTE, CheckReport, Finding
from .runner import guess_task, import_failure
from .sandbox import Limits, Snapshot
from .sources import package_use_note

#: Default limits per submission: a looped cost at the exercise's size takes a few seconds, and
#: the check itself under 10 s; NumPy and the data fit easily in 2 GiB of address space (the
#: child's peak is about 60 MB; NumPy with one OpenBLAS thread loads under 512 MiB).
DEFAULT_TIME_LIMIT = 120.0
DEFAULT_MEMORY_LIMIT_MIB = 2048
#: Words in a dead process's last output that say it ran out of memory (Python's, the C
#: library's, OpenBLAS's own when the address-space limit is too low for its buffers).
MEMORY_SIGNS = ("memoryerror", "cannot allocate", "memory allocation")
#: NumPy with one OpenBLAS thread needs about this much address space to load (measured:
#: 128 MiB fails, 192 MiB passes); a lower --memory-limit is reported with this hint.
NUMPY_MIB = 192
#: Largest submission file copied and run, in bytes (a solution is a few kB; the copies of a
#: whole class are held in memory).
MAX_SOURCE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Graded:
    """One submission's report, exit status (0 passed, 1 failed, 2 cannot be imported) and how
    it ran: the probe seed, its output (first and last KB) and byte count, the isolation used,
    and how many stray processes were killed after it."""

    report: CheckReport
    status: int
    seed: int | None = None
    output: str = ""
    output_bytes: int = 0
    isolation: str = ""
    processes_killed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The report's JSON fields with ``status``, ``seed`` and how it ran."""
        return {
            **self.report.to_dict(),
            "status": self.status,
            "seed": self.seed,
            "output_bytes": self.output_bytes,
            "isolation": self.isolation,
            "processes_killed": self.processes_killed,
            **self.extra,
        }


def validate_limits(time_limit: float, memory_limit_mib: float | None) -> Limits:
    """The limits, or a ``ValueError`` naming the bad one (NaN, inf, zero, negative).

    ``memory_limit_mib=None`` means no address-space limit; a fraction of a MiB rounds down,
    to 1 MiB at least.
    """
    positive = {"low": 0.0, "low_open": True, "high_open": True}
    seconds = check_real("time_limit", time_limit, **positive)
    if memory_limit_mib is None:
        return Limits(seconds, None)
    memory = check_real("memory_limit_mib", memory_limit_mib, **positive)
    return Limits(seconds, max(1, int(memory)))


def snapshot(specs: list[str]) -> list[Snapshot | None]:
    """Read every submission's file before any runs; None for a missing or too large one."""
    copies: list[Snapshot | None] = []
    for spec in specs:
        path, _ = split_spec(spec)
        try:
            if not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
                copies.append(None)
                continue
            source = path.read_bytes()[: MAX_SOURCE_BYTES + 1]
        except OSError:
            copies.append(None)
            continue
        name = path.name if path.name.isprintable() and path.suffix == ".py" else "submission.py"
        copies.append(Snapshot(name, source) if len(source) <= MAX_SOURCE_BYTES else None)
    return copies


def missing_error(spec: str) -> StudentCodeError:
    """Why a file could not be snapshot (missing, unreadable or too large), as an error."""
    path, _ = split_spec(spec)
    reason = (
        "no such file"
        if not path.is_file()
        else f"larger than {MAX_SOURCE_BYTES} bytes or unreadable"
    )
    return StudentCodeError(str(path), None, reason, "file-not-found")


def missing(spec: str, exercise: str | None) -> Graded:
    """The result for a file that could not be snapshot: missing, unreadable or too large."""
    return Graded(import_failure(spec, missing_error(spec), exercise), 2)


def import_failure_error(spec: str, reply: dict[str, Any], copy: Path) -> StudentCodeError:
    """The :class:`StudentCodeError` for a child's ``import-failed`` reply, in the file's terms.

    The child's paths (its copy) are replaced by the submission's own path.
    """
    path, name = split_spec(spec)
    code = str(reply.get("code"))
    line = reply.get("line") if type(reply.get("line")) is int else None
    details = str(reply.get("details", ""))[-4000:].replace(str(copy), str(path))
    if code == "function-missing" and details == "unnamed":
        details = (
            "cannot tell which function to check; name it as FILE.py:FUNCTION "
            f"(the exercise's functions are {', '.join(KNOWN_FUNCTIONS)})"
        )
    elif code == "function-missing":
        given = reply.get("defined")
        defined = [str(d)[:80] for d in given[:50]] if isinstance(given, list) else []
        listed = ", ".join(defined) if defined else "none"
        details = f"no function named {name!r} in the file (functions defined: {listed})"
    elif code not in ("import-error", "file-not-found"):
        code, details = "import-error", "the file could not be imported"
    return StudentCodeError(str(path), line, details, code)


def _ended(finding: Finding, child: Any, output: str, memory_mib: int | None) -> Finding:
    """The session's finding with how the process ended and the end of its output."""
    if finding.code != "crashed":
        return finding
    try:
        code = child.wait(timeout=2)
    except subprocess.TimeoutExpired:
        code = None
    tail = "\n".join(output.rstrip().splitlines()[-8:])
    if code is not None and code < 0:
        import signal

        how = f"was killed by signal {signal.Signals(-code).name}"
    else:
        how = f"ended with exit status {code} before replying (os._exit or a crash)"
    memory = any(sign in tail.lower() for sign in MEMORY_SIGNS)
    return Finding(
        "memory-limit" if memory else "crashed",
        f"The process running this submission {how}"
        + (", out of memory" if memory else "")
        + "."
        + (
            f" NumPy alone needs about {NUMPY_MIB} MiB of address space to load; the limit "
            f"was {memory_mib} MiB."
            if memory and memory_mib is not None and memory_mib < 2 * NUMPY_MIB
            else ""
        )
        + (f" Its last output:\n{tail}" if tail else ""),
    )


def grade(
    spec: str,
    exercise: str | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mib: int | None = DEFAULT_MEMORY_LIMIT_MIB,
    speed: bool = True,
    seed: int | None = None,
    copy: Snapshot | None = None,
) -> Graded:
    """Check ``FILE.py[:FUNCTION]`` in a process of its own; never raises for the student.

    ``copy`` is the submission's snapshot (:func:`snapshot`); without one the file is read
    now. ``seed`` draws the problems (a fresh one when None; it is in the result).
    """
    limits = validate_limits(time_limit, memory_limit_mib)
    seed = secrets.randbelow(2**32) if seed is None else seed
    if copy is None:
        (copy,) = snapshot([spec])
        if copy is None:
            return missing(spec, exercise)
    start = time.perf_counter()
    ended: Finding | None = None
    path, name = split_spec(spec)
    with running(copy, limits) as run:
        try:
            reply = run.load(name)
            if reply.get("kind") != "loaded" or not isinstance(reply.get("function"), str):
                error = import_failure_error(spec, reply, run.target)
                graded = Graded(import_failure(spec, error, exercise), 2)
            else:
                function = reply["function"]
                graded = _check(run.session, spec, exercise, function, speed, seed, copy)
        except SessionEnded as failure:
            ended, graded = failure.finding, None
        except Exception as error:  # noqa: BLE001 - a reply no check foresaw must not end it
            ended, graded = Finding("protocol-error", _unforeseen(error)), None
    child, text, killed, isolation = run.child, run.text, run.killed, run.isolation
    if graded is None:
        finding = _ended(ended, child, text, limits.memory_mib)
        report = failure_report(exercise or guess_task(spec), spec, finding)
        graded = Graded(report, 1)
    note = package_use_note(copy.source)
    if note is not None or graded.extra.get("package_modules"):
        graded.report.add(
            note
            or Finding(
                "uses-package-cost",
                "For the teacher: the submission loaded the package's own modules "
                f"({', '.join(graded.extra['package_modules'][:5])}). Copying the reference is "
                "not the student's work.",
                severity=NOTE,
            )
        )
    graded.report.seconds = time.perf_counter() - start
    return Graded(
        graded.report,
        graded.status,
        seed,
        text[-8192:],
        run.output.total,
        isolation,
        killed,
        graded.extra,
    )


def _unforeseen(error: Exception) -> str:
    return (
        "The process running this submission sent a reply the grader could not use "
        f"({type(error).__name__}: {str(error)[:200]}). Its function must only return numbers."
    )


def _check(
    session: Session,
    spec: str,
    exercise: str | None,
    function: str,
    speed: bool,
    seed: int,
    copy: Snapshot,
) -> Graded:
    """Check the child's ``function`` through its stand-in; lines are read from the snapshot."""
    path, _ = split_spec(spec)
    try:
        task = resolve_task(function, exercise)
    except ValueError as error:
        finding = Finding("unknown-exercise", str(error))
        return Graded(failure_report(exercise or guess_task(spec), spec, finding), 2)
    proxy = remote_function(session, task, function)
    proxy.__ufldl_source__ = f"{path}:{function}"
    proxy.__ufldl_text__ = copy.source.decode("utf-8", errors="replace")
    report = check(proxy, task, speed=speed, seed=seed)
    report.source = f"{path}:{function}"
    reply, _ = session.request({"op": "modules"}, [])
    given = reply.get("names")
    names = [str(n)[:80] for n in given[:20]] if isinstance(given, list) else []
    extra = {"package_modules": names} if names else {}
    return Graded(report, 0 if report.passed else 1, extra=extra)


def quick_check_file(
    spec: str,
    exercise: str | None = None,
    *,
    time_limit: float = 60.0,
    memory_limit_mib: int | None = DEFAULT_MEMORY_LIMIT_MIB,
) -> Graded:
    """The quick check (no timing) of ``FILE.py[:FUNCTION]`` in its own process.

    For a caller that must not import the file (``train --cost`` runs
    :func:`~.checker.quick_check` in its own process instead): ``.status`` is 0 (passed), 1 (a
    check failed) or 2 (the file does not import, the function is missing); ``.report`` the
    findings, whose
    codes (``not-implemented``, ``raised-exception``, ``wrong-return``, ``grad-wrong-shape``,
    ``cost-not-scalar``, ...) say whether training makes sense. Never imports the file here.
    """
    return grade(
        spec, exercise, time_limit=time_limit, memory_limit_mib=memory_limit_mib, speed=False
    )


def grade_many(
    specs: list[str],
    exercise: str | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mib: int | None = DEFAULT_MEMORY_LIMIT_MIB,
    speed: bool = True,
    seed: int | None = None,
) -> Iterator[Graded]:
    """Snapshot every submission, then grade each in turn, yielding :class:`Graded`.

    One seed serves the whole batch (fresh when None), so every student gets the same problems
    and the teacher can replay them.
    """
    validate_limits(time_limit, memory_limit_mib)
    seed = secrets.randbelow(2**32) if seed is None else seed
    copies = snapshot(specs)
    for spec, copy in zip(specs, copies, strict=True):
        if copy is None:
            yield missing(spec, exercise)
            continue
        yield grade(
            spec,
            exercise,
            time_limit=time_limit,
            memory_limit_mib=memory_limit_mib,
            speed=speed,
            seed=seed,
            copy=copy,
        )
