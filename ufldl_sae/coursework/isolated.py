"""Start a submission's process and talk to it: one check, or a whole training run.

:func:`running` starts :mod:`.child` on a snapshot copy under :mod:`.sandbox`'s isolation and,
when the block ends, closes the pipes, kills everything the submission started and removes its
folder. :func:`student_function` gives the same isolation to any caller that needs the student's
function for many calls (a training loop of one's own): a callable with the student's arguments
that runs their function in that process, each call under its own time limit. (``ufldl-sae
train --cost`` trains the student's own file in its own process, as the student asked.)
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .calling import SessionEnded
from .checker import resolve_task
from .loader import KNOWN_FUNCTIONS, StudentCodeError, split_spec
from .remote import Session, remote_function
from .sandbox import (
    BoundedOutput,
    Limits,
    Snapshot,
    become_subreaper,
    child_python,
    children,
    environment,
    free_uid,
    preexec,
    remove_workspace,
    same_user_process_limit,
    sweep,
    workspace,
)

CHILD_SCRIPT = Path(__file__).with_name("child.py")


@dataclass
class Running:
    """A submission's live process: the session, its copy, output, and how it was isolated.

    ``killed`` (stray processes killed) and ``text`` (the output kept) are filled in when the
    :func:`running` block ends.
    """

    session: Session
    child: subprocess.Popen
    target: Path
    output: BoundedOutput
    isolation: str
    killed: int = 0
    text: str = ""

    def load(self, function: str | None) -> dict[str, Any]:
        """Ask the child to import the copy and find ``function``; its reply."""
        header = {"op": "load", "path": str(self.target), "function": function}
        reply, _ = self.session.request(dict(header, known=list(KNOWN_FUNCTIONS)), [])
        return reply


@contextmanager
def running(copy: Snapshot, limits: Limits, per_call: float | None = None) -> Iterator[Running]:
    """Run :mod:`.child` on ``copy`` under ``limits``; everything is cleaned up on exit.

    ``per_call`` gives each request its own time limit (training) instead of one deadline
    for the whole session (a check).
    """
    site = str(Path(np.__file__).resolve().parent.parent)
    python, numpy_dir, dedicated, why = child_python(site)
    uid = free_uid() if dedicated else None
    isolation = f"dedicated uid {uid}" if uid is not None else f"same user ({why})"
    nproc = same_user_process_limit() if uid is None else None
    root, target = workspace(copy, CHILD_SCRIPT, uid)
    become_subreaper()
    before = children()
    read_end, write_end = os.pipe()
    try:
        child = subprocess.Popen(
            [python, "-I", str(root / "ufldl_sae_child.py"), "--path", numpy_dir],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=write_end,
            cwd=root,
            env=environment(root),
            preexec_fn=preexec(limits, uid, nproc),  # noqa: PLW1509 - rlimits, setuid only
            start_new_session=True,
        )
    except BaseException:
        os.close(read_end)
        remove_workspace(root)
        raise
    finally:
        os.close(write_end)
    output = BoundedOutput(read_end)
    session = Session(child, time.monotonic() + limits.time_limit, limits.time_limit, per_call)
    run = Running(session, child, target, output, isolation)
    try:
        yield run
    finally:
        session.close()
        run.killed = sweep(child, uid, before)
        run.text = output.text()
        remove_workspace(root)


@contextmanager
def student_function(
    spec: str,
    exercise: str | None = None,
    *,
    call_time_limit: float = 600.0,
    memory_limit_mib: int | None = 2048,
) -> Iterator[Callable[..., Any]]:
    """The student's function from ``FILE.py[:FUNCTION]``, running in an isolated process.

    Calling the result sends the arguments to the submission's process and returns its
    results as NumPy arrays (a ``(cost, grad)`` tuple for the cost); each call must finish
    within ``call_time_limit`` seconds. Inputs changed in place by the student's code are
    changed here too, as in one process.

    Raises
    ------
    StudentCodeError
        When the file does not import or lacks the function (a ``ValueError``).
    ValueError
        When the function's name does not say what it computes and ``exercise`` is not given.

    Notes
    -----
    A student exception in a call raises :class:`~.calling.StudentFailed` (its ``finding``
    says what and where); a crash, a time-out or garbage raises
    :class:`~.calling.SessionEnded`. The process is killed when the ``with`` block ends.
    """
    from .grading import import_failure_error, missing_error, snapshot, validate_limits

    limits = validate_limits(call_time_limit, memory_limit_mib)
    path, name = split_spec(spec)
    (copy,) = snapshot([spec])
    if copy is None:
        raise missing_error(spec)
    with running(copy, limits, per_call=limits.time_limit) as run:
        try:
            reply = run.load(name)
        except SessionEnded as ended:
            raise StudentCodeError(str(path), None, ended.finding.message) from None
        if reply.get("kind") != "loaded" or not isinstance(reply.get("function"), str):
            raise import_failure_error(spec, reply, run.target)
        function = reply["function"]
        task = resolve_task(function, exercise)
        yield remote_function(run.session, task, function)
