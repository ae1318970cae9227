"""What the package does to the process for speed: BLAS thread counts and glibc's malloc.

Nothing here changes a result, only how fast NumPy and SciPy compute it. It sits beside
:mod:`ufldl_sae.backend` (which chooses the array library) at the bottom of the layers, so that
every entry point that computes applies it: training, and also a plain call of a public cost
(:func:`~ufldl_sae.model.sparse_autoencoder_cost` from a notebook, the coursework checker or a
student's own SciPy loop), through :func:`tuned`.

What it changes in your process
-------------------------------
* **BLAS threads, for the length of a call or a run, then restored.** NumPy's OpenBLAS gets the
  count of :func:`default_blas_threads` (one thread for a small problem; the free cores for a
  large one); SciPy's OpenBLAS, which serves only L-BFGS-B's vector operations, gets one. The
  counts you had before are put back when the call returns, also after an exception.
* **glibc's malloc, once per process, for good.** :func:`keep_freed_memory` raises the mmap and
  trim thresholds to 1 GiB, so freed arrays are reused instead of returned to the system: the
  process may keep up to the peak memory of one evaluation after it ends.

How to turn it off
------------------
``UFLDL_SAE_BLAS_THREADS=off`` leaves every BLAS thread count alone (``UFLDL_SAE_BLAS_THREADS=N``
pins NumPy's to ``N`` instead of choosing); ``UFLDL_SAE_KEEP_FREED_MEMORY=0`` leaves malloc alone.
Both are read at each call, so they can be set from a running notebook (``os.environ``), except
that malloc, once tuned, stays tuned for the life of the process.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

#: Below this many multiply-adds per product (hidden x visible x m), one BLAS thread is faster
#: than two: the products are too small to split, and a second thread costs its wake-up.
SMALL_PRODUCT = 5e7

#: How long a plain cost call trusts the last :func:`busy_cores` measurement, in seconds. Training
#: measures afresh once per run; a plain call may come hundreds of times a minute (a student's
#: optimizer loop), where a 0.2 s measurement each time would cost more than it saves.
BUSY_CORES_MAX_AGE = 30.0

_ENV_THREADS = "UFLDL_SAE_BLAS_THREADS"
_ENV_MALLOC = "UFLDL_SAE_KEEP_FREED_MEMORY"


def _threads_off() -> bool:
    """True when ``UFLDL_SAE_BLAS_THREADS=off``: the package leaves BLAS thread counts alone."""
    return os.environ.get(_ENV_THREADS, "").strip().lower() == "off"


def default_blas_threads(
    visible_size: int, hidden_size: int, m: int, *, max_age: float = 0.0
) -> int:
    """NumPy's BLAS thread count for a problem: 1 when small, the idle cores otherwise.

    Small products are not worth splitting. Large ones are, but only onto cores that are free:
    an OpenBLAS thread that has to share its core with another busy process spins while it
    waits, so a second thread on a core another process holds makes an evaluation several
    times slower than one thread. So large problems get as many threads as there are cores
    minus the cores other processes keep busy (at least 1), as :func:`busy_cores` measures them;
    a measurement younger than ``max_age`` seconds is reused (0, the default, measures afresh).
    The environment variable ``UFLDL_SAE_BLAS_THREADS`` (an integer) overrides the choice.
    """
    override = os.environ.get(_ENV_THREADS, "").strip()
    if override and override.lower() != "off":
        return max(1, int(override))
    if visible_size * hidden_size * m < SMALL_PRODUCT:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(cores, cores - round(_recent_busy_cores(max_age))))


_BUSY: tuple[float, float] | None = None  # (time.monotonic() of the measurement, busy cores)


def _recent_busy_cores(max_age: float) -> float:
    """:func:`busy_cores`, or its last value when younger than ``max_age`` seconds."""
    global _BUSY
    now = time.monotonic()
    if _BUSY is not None and now - _BUSY[0] < max_age:
        return _BUSY[1]
    busy = busy_cores()
    _BUSY = (time.monotonic(), busy)
    return busy


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(window: float = 0.2) -> float:
    """How many cores other processes keep busy now: /proc/stat sampled over ``window`` seconds.

    The calling process sleeps while it samples, so it does not count itself; the one-minute
    load average would (a benchmark or a notebook that has been computing for a minute sees
    itself as a busy core and would halve its own threads). Where /proc/stat is missing (not
    Linux), the load average is the fallback.
    """
    try:
        busy0, total0 = _cpu_times()
        time.sleep(window)
        busy1, total1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    cores = os.cpu_count() or 1
    return cores * (busy1 - busy0) / max(total1 - total0, 1)


# --- BLAS threads ------------------------------------------------------------------------------

_LOCK = threading.Lock()
_DEPTH = 0  # how many blas_threads contexts are open in the process (any thread)
_CONTROLLERS: tuple[int, list[Any]] | None = None  # (len(sys.modules) when scanned, controllers)


def _blas_controllers() -> list[Any]:
    """threadpoolctl's controllers of the loaded BLAS libraries, scanned again only after imports.

    A scan walks every loaded shared library (about a millisecond); the libraries change only
    when a module is imported (SciPy's OpenBLAS arrives with ``scipy.optimize``), so the scan is
    cached for as long as ``sys.modules`` keeps its size.
    """
    global _CONTROLLERS
    loaded = len(sys.modules)
    if _CONTROLLERS is None or _CONTROLLERS[0] != loaded:
        import threadpoolctl

        found = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
        _CONTROLLERS = (loaded, found)
    return _CONTROLLERS[1]


def _is_scipys(controller: Any) -> bool:
    """SciPy's own OpenBLAS, told from NumPy's by its folder (both call themselves openblas)."""
    return "scipy" in os.path.basename(os.path.dirname(controller.filepath))


@contextlib.contextmanager
def blas_threads(numpy_threads: int) -> Iterator[None]:
    """Pin the BLAS libraries for the length of a run, then restore them.

    NumPy and SciPy each load their own OpenBLAS. SciPy's serves only L-BFGS-B's vector
    operations, so it gets one thread; left at its default, its idle threads spin against
    NumPy's and the classic exercise runs several times slower. NumPy's gets
    ``numpy_threads`` (see :func:`default_blas_threads`). Libraries are told apart by their
    file paths (threadpoolctl), since both report themselves as "openblas". Nothing happens with
    ``UFLDL_SAE_BLAS_THREADS=off``. While it is open, :func:`tuned` does nothing, so a public
    cost called inside a training run keeps the run's setting.
    """
    global _DEPTH
    if _threads_off():
        yield
        return
    saved = []
    for c in _blas_controllers():
        wanted = 1 if _is_scipys(c) else numpy_threads
        current = c.num_threads
        if current != wanted:
            c.set_num_threads(wanted)
            saved.append((c, current))
    with _LOCK:
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
        for c, n in saved:
            c.set_num_threads(n)


@contextlib.contextmanager
def tuned(
    visible_size: int, hidden_size: int, m: int, *, max_age: float = BUSY_CORES_MAX_AGE
) -> Iterator[None]:
    """The package's speed settings for one call or one run, then the user's again.

    Applies :func:`keep_freed_memory` and :func:`blas_threads` with :func:`default_blas_threads`
    for a problem of that size (``hidden_size``: the widest hidden layer). A :func:`busy_cores`
    measurement up to ``max_age`` seconds old is reused, so a plain cost call waits for one at
    most once in :data:`BUSY_CORES_MAX_AGE` seconds; a training run passes 0 and measures
    afresh. Inside a run that already pinned the threads (an open :func:`blas_threads`) it does
    nothing: re-entrant and nearly free, so the public costs apply it on every call.
    """
    if _DEPTH > 0:
        yield
        return
    keep_freed_memory()
    if _threads_off():
        yield
        return
    threads = default_blas_threads(visible_size, hidden_size, m, max_age=max_age)
    with blas_threads(threads):
        yield


# --- glibc's malloc ----------------------------------------------------------------------------

_ALLOCATOR_TUNED = False
#: Set when glibc could not be asked (no libc.so.6, or mallopt refused): not asked again, since
#: every plain cost call passes through here.
_ALLOCATOR_REFUSED = False


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse instead of returning it to the OS.

    One evaluation creates a dozen arrays of visible x m (63 MB each at 784 x 10,000). Above
    glibc's mmap threshold each one is mapped fresh, page-faulted in and unmapped when freed,
    so every elementwise step also pays for page faults on memory it just had. Raising the
    thresholds once per process lets freed blocks be reused, the effect of a preallocated
    workspace without changing a line of the math. The cost: the process keeps up to the peak
    of one evaluation afterwards. Linux with glibc only (elsewhere nothing happens); set
    ``UFLDL_SAE_KEEP_FREED_MEMORY=0`` to leave malloc alone. Returns True when applied.
    """
    global _ALLOCATOR_TUNED, _ALLOCATOR_REFUSED
    if _ALLOCATOR_TUNED:
        return True
    if (
        _ALLOCATOR_REFUSED
        or os.environ.get(_ENV_MALLOC, "1") == "0"
        or sys.platform != "linux"
    ):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, ...)
        _ALLOCATOR_REFUSED = True
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # from glibc's <malloc.h>
    one_gib = 1 << 30
    _ALLOCATOR_TUNED = bool(libc.mallopt(M_MMAP_THRESHOLD, one_gib)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, one_gib)
    )
    _ALLOCATOR_REFUSED = not _ALLOCATOR_TUNED
    return _ALLOCATOR_TUNED
