"""The grader's end of the pipe to a submission's process: strict frames, hard caps, deadlines.

A frame is ``b"UFS1"``, the JSON header's length (little-endian ``uint32``), the header, then
the raw little-endian float64 bytes of the arrays it lists as ``{"name", "shape"}``. Nothing is
unpickled and nothing is evaluated: the header is JSON of limited size, each array's byte count
follows from its declared shape, and a frame larger than the cap is refused before it is read.
The child's side of the same format is in :mod:`.child`, which imports nothing from the package.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from typing import Any

import numpy as np

MAGIC = b"UFS1"
#: Largest JSON header accepted from a submission's process (names, shapes, a traceback).
HEADER_CAP = 64 * 1024


class WireError(Exception):
    """The child's reply could not be read: ``code`` is ``protocol-error``, ``crashed`` or
    ``time-limit``, the finding the grader reports."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def send_frame(
    fd: int, header: dict[str, Any], arrays: list[tuple[str, np.ndarray]], deadline: float
) -> None:
    """Write one request to the child before ``deadline``: the header and float64 arrays.

    The pipe is written without blocking, so a child that stops reading (its code replaced
    ``os.read``, or it hangs) runs into the time limit instead of stalling the grader.
    """
    specs, payload = [], []
    for name, value in arrays:
        a = np.asarray(value, dtype="<f8")
        specs.append({"name": name, "shape": list(a.shape)})
        payload.append(a.tobytes())
    text = json.dumps(dict(header, arrays=specs)).encode()
    data = memoryview(MAGIC + struct.pack("<I", len(text)) + text + b"".join(payload))
    os.set_blocking(fd, False)
    try:
        while data:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise WireError("time-limit", "the process stopped reading its requests")
            _, ready, _ = select.select([], [fd], [], wait)
            if ready:
                try:
                    data = data[os.write(fd, data[: 1 << 16]) :]
                except BlockingIOError:
                    continue
    except (BrokenPipeError, ConnectionResetError) as error:
        raise WireError("crashed", f"the process stopped reading its requests ({error})") from None


def _read_exact(fd: int, n: int, deadline: float) -> bytes:
    chunks, left = [], n
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0:
            raise WireError("time-limit", "no reply before the time limit")
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise WireError("crashed", "the process ended before it replied")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _shape(spec: Any) -> tuple[int, ...]:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise WireError("protocol-error", "an array in the reply has no name")
    shape = spec.get("shape")
    if not isinstance(shape, list) or len(shape) > 8:
        raise WireError("protocol-error", f"array {spec['name']!r}: shape is not a short list")
    if not all(type(s) is int and 0 <= s < 2**40 for s in shape):
        raise WireError("protocol-error", f"array {spec['name']!r}: bad shape {shape!r}")
    return tuple(shape)


def read_frame(fd: int, deadline: float, cap: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """One reply: its header and arrays, read before ``deadline`` with at most ``cap`` bytes.

    Raises
    ------
    WireError
        ``time-limit`` (no reply in time), ``crashed`` (the pipe closed), ``protocol-error``
        (bad magic, a header too long or not JSON, a shape that does not add up, over the cap).
    """
    head = _read_exact(fd, 8, deadline)
    if head[:4] != MAGIC:
        raise WireError("protocol-error", f"the reply does not start with a frame ({head!r})")
    length = struct.unpack("<I", head[4:])[0]
    if length > HEADER_CAP:
        raise WireError("protocol-error", f"a reply header of {length} bytes (cap {HEADER_CAP})")
    try:
        header = json.loads(_read_exact(fd, length, deadline))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WireError("protocol-error", "the reply header is not JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays", []), list):
        raise WireError("protocol-error", "the reply header is not an object with arrays")
    shapes = [(spec["name"], _shape(spec)) for spec in header.get("arrays", [])]
    total = sum(8 * math.prod(shape) for _, shape in shapes)
    if total > cap:
        raise WireError("protocol-error", f"a reply of {total} bytes, over the cap of {cap}")
    arrays = {}
    for name, shape in shapes:
        raw = _read_exact(fd, 8 * math.prod(shape), deadline)
        arrays[name] = np.frombuffer(raw, dtype="<f8").reshape(shape).astype(np.float64)
    return header, arrays
