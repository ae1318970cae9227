"""BLAS threads and malloc: what the package does to the process for speed, and undoes."""

from __future__ import annotations

import os
import time

import pytest

from ufldl_sae import tuning


def test_blas_threads_are_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
    with tuning.blas_threads(1):
        inside = threadpoolctl.threadpool_info()
        assert all(i["num_threads"] == 1 for i in inside if i["user_api"] == "blas")
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before


def test_thread_choice(monkeypatch):
    monkeypatch.delenv("UFLDL_SAE_BLAS_THREADS", raising=False)
    assert tuning.default_blas_threads(64, 25, 10000) == 1
    assert tuning.default_blas_threads(784, 196, 10000) >= 1
    monkeypatch.setenv("UFLDL_SAE_BLAS_THREADS", "3")
    assert tuning.default_blas_threads(64, 25, 10000) == 3


def test_allocator_setting_can_be_refused(monkeypatch):
    monkeypatch.setattr(tuning, "_ALLOCATOR_TUNED", False)
    monkeypatch.setenv("UFLDL_SAE_KEEP_FREED_MEMORY", "0")
    assert tuning.keep_freed_memory() is False
    monkeypatch.delenv("UFLDL_SAE_KEEP_FREED_MEMORY")
    assert tuning.keep_freed_memory() is (tuning.sys.platform == "linux")


def test_busy_cores_sees_another_process_spinning():
    import subprocess
    import sys

    spinner = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 3\n"
                                "while time.time() < end: pass"])  # fmt: skip
    try:
        time.sleep(0.5)  # let it start
        busy = tuning.busy_cores(0.5)
    finally:
        spinner.kill()
        spinner.wait()
    assert 0.7 <= busy <= (os.cpu_count() or 1) + 0.01


def test_busy_cores_falls_back_to_the_load_average(monkeypatch):
    def missing() -> tuple[int, int]:
        raise OSError("no /proc/stat here")

    monkeypatch.setattr(tuning, "_cpu_times", missing)
    monkeypatch.setattr(tuning.os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert tuning.busy_cores() == 1.5
