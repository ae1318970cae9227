"""Backends, host copies, BLAS threads and the allocator setting."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from ufldl_sae import backend


def test_host_round_trip_on_every_backend(backend_):
    a = np.arange(6.0).reshape(2, 3)
    on_device = backend_.asarray(a)
    back = backend.to_host(on_device)
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, a)
    moved = backend.from_host(a, backend_.xp, dtype=backend_.xp.float32, device=backend_.device)
    assert moved.dtype == backend_.xp.float32


@pytest.fixture
def backend_(backend):
    return backend


def test_namespaces_by_name():
    assert backend.backend_name(backend.get_namespace("numpy")) == "numpy"
    with pytest.raises(ValueError, match="backend must be one of"):
        backend.get_namespace("torch")
    with pytest.raises(ValueError, match="dtype must be one of"):
        backend.get_dtype(backend.get_namespace("numpy"), "float16")


def test_blas_threads_are_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
    with backend.blas_threads(1):
        inside = threadpoolctl.threadpool_info()
        assert all(i["num_threads"] == 1 for i in inside if i["user_api"] == "blas")
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before


def test_thread_choice(monkeypatch):
    monkeypatch.delenv("UFLDL_SAE_BLAS_THREADS", raising=False)
    assert backend.default_blas_threads(64, 25, 10000) == 1
    assert backend.default_blas_threads(784, 196, 10000) >= 1
    monkeypatch.setenv("UFLDL_SAE_BLAS_THREADS", "3")
    assert backend.default_blas_threads(64, 25, 10000) == 3


def test_allocator_setting_can_be_refused(monkeypatch):
    monkeypatch.setattr(backend, "_ALLOCATOR_TUNED", False)
    monkeypatch.setenv("UFLDL_SAE_KEEP_FREED_MEMORY", "0")
    assert backend.keep_freed_memory() is False
    monkeypatch.delenv("UFLDL_SAE_KEEP_FREED_MEMORY")
    assert backend.keep_freed_memory() is (backend.sys.platform == "linux")


def test_busy_cores_sees_another_process_spinning():
    import subprocess
    import sys

    spinner = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 3\n"
                                "while time.time() < end: pass"])  # fmt: skip
    try:
        time.sleep(0.5)  # let it start
        busy = backend.busy_cores(0.5)
    finally:
        spinner.kill()
        spinner.wait()
    assert 0.7 <= busy <= (os.cpu_count() or 1) + 0.01


def test_busy_cores_falls_back_to_the_load_average(monkeypatch):
    def missing() -> tuple[int, int]:
        raise OSError("no /proc/stat here")

    monkeypatch.setattr(backend, "_cpu_times", missing)
    monkeypatch.setattr(backend.os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert backend.busy_cores() == 1.5
