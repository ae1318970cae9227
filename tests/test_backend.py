"""Backends, host copies, BLAS threads and the allocator setting."""

from __future__ import annotations

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
