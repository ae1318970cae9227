"""Stand-ins for the student's function that call it in its own process and return its numbers.

The checks of :mod:`.check_cost`, :mod:`.check_patches` and :mod:`.check_numgrad` are written
for a Python callable. :func:`remote_function` gives them one: calling it sends the arguments to
the submission's process (:mod:`.child`), waits for the reply under the session's deadline, and
returns the student's results rebuilt in the grader from raw float64 arrays. The inputs are
copied back from the child's echo into the caller's arrays, so the checks see an in-place
modification exactly as they would in one process, and judge it with the grader's own NumPy.

A student exception comes back as its type, message, line and short traceback and is raised as
:class:`~.calling.StudentFailed` with the same finding as in one process; a process that sends
nothing, too much or garbage raises :class:`~.calling.SessionEnded`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .calling import SessionEnded, StudentFailed, Unreadable, failure_finding
from .report import Finding
from .wire import WireError, read_frame, send_frame

#: Largest reply accepted from a submission, in bytes: the speed check's echo of the exercise's
#: data (64 x 10,000 float64, 5 MB) and theta, plus the results, with room to spare.
REPLY_CAP = 32 * 1024 * 1024


class Session:
    """The pipe to one submission's process and the wall-clock deadline of its check."""

    def __init__(
        self,
        child: subprocess.Popen,
        deadline: float,
        time_limit: float,
        per_call: float | None = None,
    ) -> None:
        self.child, self.deadline, self.time_limit = child, deadline, time_limit
        self.per_call = per_call
        self.calls, self.what = 0, "your function"

    def request(
        self, header: dict[str, Any], arrays: list[tuple[str, np.ndarray]]
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Send one request and read its reply; transport failures raise ``SessionEnded``.

        With ``per_call`` set, each request has that many seconds of its own.
        """
        if self.per_call is not None:
            self.deadline = time.monotonic() + self.per_call
        try:
            send_frame(self.child.stdin.fileno(), header, arrays, self.deadline)
            return read_frame(self.child.stdout.fileno(), self.deadline, REPLY_CAP)
        except WireError as error:
            raise SessionEnded(self.finding(error)) from None

    def finding(self, error: WireError) -> Finding:
        """The finding for a reply that never came right."""
        if error.code == "time-limit":
            return Finding(
                "time-limit",
                f"The check did not finish within {self.time_limit:g} s and was stopped: an "
                "endless loop, input() waiting for a keyboard, or a cost far too slow (a loop "
                "over examples at the exercise's size, m = 10,000).",
            )
        if error.code == "crashed":
            return Finding("crashed", f"The process running your code ended early: {error}.")
        return Finding(
            "protocol-error",
            f"The process running your code sent something that is not a result ({error}). "
            "Your function must only return its numbers; it must not write to the checker's "
            "pipes.",
        )

    def close(self) -> None:
        """Close the request pipe: the child's loop ends on end-of-file."""
        for stream in (self.child.stdin, self.child.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


def rebuild(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """The student's return value from its description: arrays, a pair, or a stand-in."""
    value = header.get("value")
    if not isinstance(value, dict):
        raise WireError("protocol-error", "the reply has no value")
    results = [arrays.get(f"result{i}") for i in range(len(arrays))]

    def item(spec: Any) -> Any:
        if isinstance(spec, dict) and isinstance(spec.get("array"), int):
            index = spec["array"]
            if 0 <= index < len(results) and results[index] is not None:
                return results[index]
            raise WireError("protocol-error", "the reply names an array it did not send")
        name = spec.get("type") if isinstance(spec, dict) else None
        return Unreadable(str(name)[:80], None)

    form = value.get("form")
    if form == "pair" and isinstance(value.get("items"), list) and len(value["items"]) == 2:
        return tuple(item(spec) for spec in value["items"])
    if form == "array":
        return item(value)
    length = value.get("len")
    return Unreadable(str(value.get("type"))[:80], length if type(length) is int else None)


def reply_value(session: Session, header: dict[str, Any], arrays: dict[str, Any]) -> Any:
    """The value of a call's reply; a student exception raises ``StudentFailed``."""
    kind = header.get("kind")
    if kind == "raised":
        line = header.get("line")
        finding = failure_finding(
            str(header.get("type"))[:80],
            str(header.get("traceback", ""))[-4000:],
            line if type(line) is int else None,
            session.what,
        )
        raise StudentFailed(finding)
    if kind != "returned":
        raise SessionEnded(session.finding(WireError("protocol-error", f"a reply {kind!r}")))
    try:
        return rebuild(header, arrays)
    except WireError as error:
        raise SessionEnded(session.finding(error)) from None


def restore(arrays: dict[str, np.ndarray], inputs: dict[str, np.ndarray]) -> None:
    """Write the child's echo of each input into the caller's array (its in-place changes)."""
    for name, original in inputs.items():
        echo = arrays.get(f"echo:{name}")
        if echo is None or echo.shape != original.shape:
            raise WireError("protocol-error", f"the echo of {name} is missing or misshapen")
        if isinstance(original, np.ndarray) and original.flags.writeable:
            original[...] = echo


def _call(session: Session, header: dict[str, Any], inputs: dict[str, np.ndarray]) -> Any:
    session.calls += 1
    sent = [(k, np.asarray(v, dtype=np.float64)) for k, v in inputs.items()]
    reply, arrays = session.request(dict(header, op="call"), sent)
    value = reply_value(session, reply, arrays)
    try:
        restore(arrays, inputs)
    except WireError as error:
        raise SessionEnded(session.finding(error)) from None
    return value


def remote_function(session: Session, task: str, name: str) -> Callable[..., Any]:
    """A callable with the student's function's arguments that runs it in the session."""
    session.what = name

    def cost(theta, visible, hidden, lambda_, rho, beta, data):  # noqa: ANN001, ANN202
        scalars = {"visible": int(visible), "hidden": int(hidden), "lambda": float(lambda_)}
        scalars |= {"rho": float(rho), "beta": float(beta)}
        return _call(session, {"task": "cost", "scalars": scalars}, {"theta": theta, "data": data})

    def patches(images, patch_size, num_patches, rng):  # noqa: ANN001, ANN202
        seed = int(rng.integers(0, 2**63 - 1))
        scalars = {"patch_size": int(patch_size), "num_patches": int(num_patches)}
        header = {"task": "patches", "scalars": scalars, "seed": seed}
        return _call(session, header, {"images": images})

    def numgrad(J, theta):  # noqa: ANN001, ANN202
        quadratic = getattr(J, "__name__", "") == "simple_quadratic_function"
        which = "quadratic" if quadratic else "curved"
        return _call(session, {"task": "numgrad", "J": which}, {"theta": theta})

    chosen = {"sparse_autoencoder_cost": cost, "sample_patches": patches}.get(task, numgrad)
    chosen.__name__ = name
    chosen.__qualname__ = name
    return chosen
