"""What the package does to the process for speed: BLAS thread counts and glibc's malloc.

Nothing here changes a result, only how fast NumPy and SciPy compute it. It sits beside
:mod:`ufldl_sae.backend` (which chooses the array library) at the bottom of the layers, so that
every entry point that computes can apply it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

#: Below this many multiply-adds per product (hidden x visible x m), one BLAS thread is faster
#: than two: the products are too small to split, and a second thread costs its wake-up.
SMALL_PRODUCT = 5e7


def default_blas_threads(visible_size: int, hidden_size: int, m: int) -> int:
    """NumPy's BLAS thread count for a problem: 1 when small, the idle cores otherwise.

    Small products are not worth splitting. Large ones are, but only onto cores that are free:
    an OpenBLAS thread that has to share its core with another busy process spins while it
    waits, and a 64-25 evaluation on 200,000 patches took 2.7 s with two threads against 0.5 s
    with one while another process held the second core. So large problems get as many
    threads as there are cores minus the cores other processes keep busy (at least 1), as
    :func:`busy_cores` measures them. The environment variable ``UFLDL_SAE_BLAS_THREADS``
    overrides the choice.
    """
    override = os.environ.get("UFLDL_SAE_BLAS_THREADS")
    if override:
        return max(1, int(override))
    if visible_size * hidden_size * m < SMALL_PRODUCT:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(cores, cores - round(busy_cores())))


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


@contextlib.contextmanager
def blas_threads(numpy_threads: int) -> Iterator[None]:
    """Pin the BLAS libraries for the length of a run, then restore them.

    NumPy and SciPy each load their own OpenBLAS. SciPy's serves only L-BFGS-B's vector
    operations, so it gets one thread; left at its default, its idle threads spin against
    NumPy's and the classic exercise runs several times slower. NumPy's gets
    ``numpy_threads`` (see :func:`default_blas_threads`). Libraries are told apart by their
    file paths (threadpoolctl), since both report themselves as "openblas".
    """
    import threadpoolctl

    controllers = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
    saved = [(c, c.num_threads) for c in controllers]
    try:
        for c in controllers:
            c.set_num_threads(1 if "scipy" in os.path.basename(os.path.dirname(c.filepath))
                              else numpy_threads)  # fmt: skip
        yield
    finally:
        for c, n in saved:
            c.set_num_threads(n)


_ALLOCATOR_TUNED = False


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse instead of returning it to the OS.

    One evaluation creates a dozen arrays of visible x m (63 MB each at 784 x 10,000). Above
    glibc's mmap threshold each one is mapped fresh, page-faulted in and unmapped when freed,
    which made every elementwise step 2-3 times slower than its arithmetic: a 784-196
    evaluation on 10,000 digits took 380 ms instead of 290 ms. Raising the thresholds once per
    process lets freed blocks be reused, the effect of a preallocated workspace without
    changing a line of the math. The cost: the process keeps up to the peak of one evaluation
    after training. Linux with glibc only (elsewhere nothing happens); set
    ``UFLDL_SAE_KEEP_FREED_MEMORY=0`` to leave malloc alone. Returns True when applied.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return True
    if os.environ.get("UFLDL_SAE_KEEP_FREED_MEMORY", "1") == "0" or sys.platform != "linux":
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # from glibc's <malloc.h>
    one_gib = 1 << 30
    _ALLOCATOR_TUNED = bool(libc.mallopt(M_MMAP_THRESHOLD, one_gib)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, one_gib)
    )
    return _ALLOCATOR_TUNED
