"""Grade submissions, each in its own process with a time limit and a memory limit.

A teacher runs ``ufldl-sae check submissions/*/sparse_autoencoder_cost.py --json``: every file is
checked by ``python -m ufldl_sae.coursework.runner`` in a fresh process, so that one submission's
crash, exception, endless loop, runaway memory or ``sys.exit`` at import time is reported for
that submission alone, and the batch goes on.

The limits guard against accidents, not against malice: the submissions run with the user's
rights (they can read and write the user's files, open connections, start processes). This is
no sandbox; run untrusted code in a container or a throw-away account.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .checker import failure_report
from .report import CheckReport, Finding
from .runner import guess_task

#: Default limits per submission: a looped cost at the exercise's size takes a few seconds, and
#: the check itself under 10 s; NumPy and the data fit easily in 2 GiB of address space.
DEFAULT_TIME_LIMIT = 120.0
DEFAULT_MEMORY_LIMIT_MIB = 2048


@dataclass(frozen=True)
class Graded:
    """One submission's report and exit status (0 passed, 1 failed, 2 cannot be imported)."""

    report: CheckReport
    status: int


def _limit_resources(memory_bytes: int | None, cpu_seconds: int) -> None:
    """In the child, before the interpreter starts: cap address space and CPU time."""
    import resource

    if memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def _tail(text: bytes, lines: int = 8) -> str:
    return "\n".join(text.decode(errors="replace").rstrip().splitlines()[-lines:])


def grade(
    spec: str,
    exercise: str | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mib: int | None = DEFAULT_MEMORY_LIMIT_MIB,
    speed: bool = True,
) -> Graded:
    """Check ``FILE.py[:FUNCTION]`` in a subprocess under the limits; never raises for the student.

    A submission that outlives ``time_limit`` seconds (wall clock) is killed with its whole
    process group and reported as ``time-limit``; one that dies without a report (a signal, the
    memory limit, ``os._exit``) as ``crashed`` or ``memory-limit`` with the end of its output.
    """
    with tempfile.TemporaryDirectory(prefix="ufldl-sae-grade-") as tmp:
        result = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            "ufldl_sae.coursework.runner",
            spec,
            "--result",
            str(result),
        ]
        if exercise:
            command += ["--exercise", exercise]
        if not speed:
            command.append("--no-speed")
        # One BLAS thread: the address-space limit then counts no idle thread arenas, and
        # timings do not depend on what else runs on the machine.
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        memory = None if memory_limit_mib is None else int(memory_limit_mib) * 1024 * 1024
        preexec = None
        if os.name == "posix":

            def preexec() -> None:
                _limit_resources(memory, int(time_limit) + 1)

        start = time.perf_counter()
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,  # input() in a submission fails at once instead of waiting
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            preexec_fn=preexec,  # noqa: PLW1509 - only sets rlimits, no locks taken
            start_new_session=True,
        )
        try:
            out, err = child.communicate(timeout=time_limit)
        except subprocess.TimeoutExpired:
            _kill_group(child)
            child.communicate()
            finding = Finding(
                "time-limit",
                f"The check did not finish within {time_limit:g} s and was stopped: an endless "
                "loop, input() waiting for a keyboard, or a cost far too slow (a loop over "
                "examples at the exercise's size, m = 10,000).",
            )
            return Graded(
                failure_report(exercise or guess_task(spec), spec, finding, time_limit), 1
            )
        seconds = time.perf_counter() - start
        if result.is_file():
            payload = json.loads(result.read_text())
            report = CheckReport.from_dict(payload["report"])
            report.seconds = seconds
            return Graded(report, int(payload["status"]))
        return Graded(_crash_report(spec, exercise, child.returncode, out + err, seconds), 1)


def _kill_group(child: subprocess.Popen) -> None:
    """Kill the child and anything it started (it leads its own session)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        child.kill()


def _crash_report(
    spec: str, exercise: str | None, returncode: int, output: bytes, seconds: float
) -> CheckReport:
    tail = _tail(output)
    if returncode < 0:
        how = f"was killed by signal {signal.Signals(-returncode).name}"
    else:
        how = f"ended with exit status {returncode} before reporting (os._exit or a crash)"
    code = (
        "memory-limit" if "MemoryError" in tail or "cannot allocate" in tail.lower() else "crashed"
    )
    if code == "memory-limit":
        how += ", out of memory"
    finding = Finding(
        code,
        f"The process checking this submission {how}."
        + (f" Its last output:\n{tail}" if tail else ""),
    )
    return failure_report(exercise or guess_task(spec), spec, finding, seconds)


def grade_many(
    specs: list[str],
    exercise: str | None = None,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mib: int | None = DEFAULT_MEMORY_LIMIT_MIB,
    speed: bool = True,
) -> Iterator[Graded]:
    """Grade each submission in turn, yielding :class:`Graded` as each finishes."""
    for spec in specs:
        yield grade(
            spec,
            exercise,
            time_limit=time_limit,
            memory_limit_mib=memory_limit_mib,
            speed=speed,
        )
