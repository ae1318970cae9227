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


# --- The settings reach a plain call of a public cost, and are undone after it ---------------


def _numpy_blas_threads(threadpoolctl):
    """NumPy's and SciPy's BLAS thread counts, by library path."""
    return {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info()
            if i["user_api"] == "blas"}  # fmt: skip


def _plain_cost_seeing_threads(monkeypatch, threadpoolctl):
    """Call sparse_autoencoder_cost at 64-25 (one thread is the choice) and return the BLAS
    thread counts seen inside the call (from within its forward pass)."""
    import numpy as np

    from ufldl_sae import model
    from ufldl_sae.params import initialize_parameters

    seen = {}
    original = model.forward

    def spying_forward(*args):
        seen.update(_numpy_blas_threads(threadpoolctl))
        return original(*args)

    monkeypatch.setattr(model, "forward", spying_forward)
    rng = np.random.default_rng(0)
    data = rng.uniform(0.1, 0.9, (64, 200))
    model.sparse_autoencoder_cost(initialize_parameters(25, 64, rng), 64, 25, 1e-4, 0.01, 3, data)
    return seen


def test_a_plain_cost_call_pins_the_threads_and_restores_them(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.delenv("UFLDL_SAE_BLAS_THREADS", raising=False)
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _numpy_blas_threads(threadpoolctl)
        assert before and set(before.values()) == {2}
        inside = _plain_cost_seeing_threads(monkeypatch, threadpoolctl)
        after = _numpy_blas_threads(threadpoolctl)
    assert inside and set(inside.values()) == {1}, inside  # 64-25: one thread everywhere
    assert after == before


def test_inside_a_run_the_plain_call_keeps_the_runs_setting(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.delenv("UFLDL_SAE_BLAS_THREADS", raising=False)
    with tuning.blas_threads(2):
        run = _numpy_blas_threads(threadpoolctl)
        inside = _plain_cost_seeing_threads(monkeypatch, threadpoolctl)
    assert inside == run and 2 in run.values()


def test_blas_threads_off_leaves_the_counts_alone(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.setenv("UFLDL_SAE_BLAS_THREADS", "off")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _numpy_blas_threads(threadpoolctl)
        inside = _plain_cost_seeing_threads(monkeypatch, threadpoolctl)
        with tuning.blas_threads(1):
            assert _numpy_blas_threads(threadpoolctl) == before
    assert inside == before


def test_a_plain_call_applies_the_malloc_setting(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    calls = []
    monkeypatch.setattr(tuning, "keep_freed_memory", lambda: calls.append(1) or True)
    _plain_cost_seeing_threads(monkeypatch, threadpoolctl)
    assert calls == [1]


def test_plain_calls_reuse_a_recent_busy_cores_measurement(monkeypatch):
    monkeypatch.delenv("UFLDL_SAE_BLAS_THREADS", raising=False)
    monkeypatch.setattr(tuning, "_BUSY", None)
    measured = []
    monkeypatch.setattr(tuning, "busy_cores", lambda: measured.append(1) or 0.0)
    for _ in range(3):
        tuning.default_blas_threads(784, 196, 10000, max_age=30.0)
    assert measured == [1]
    tuning.default_blas_threads(784, 196, 10000)  # a run measures afresh
    assert measured == [1, 1]


def test_the_blas_libraries_are_scanned_once():
    pytest.importorskip("threadpoolctl")
    assert tuning._blas_controllers() is tuning._blas_controllers()
