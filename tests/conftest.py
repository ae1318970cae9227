"""Shared fixtures: the backends present on this machine and the shared MNIST files."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
#: The four original MNIST files live beside the checkout (never copied into the project).
MNIST_DIR = Path(os.environ.get("UFLDL_SAE_TEST_MNIST", REPO.parent / "shared" / "data" / "mnist"))


class Backend:
    """A namespace plus the device arrays are placed on: what a test needs to run anywhere."""

    def __init__(self, name: str, xp: ModuleType, device: Any = None) -> None:
        self.name, self.xp, self.device = name, xp, device

    def asarray(self, a: np.ndarray, dtype: Any = None) -> Any:
        return self.xp.asarray(a, dtype=dtype, device=self.device)

    def __repr__(self) -> str:
        return self.name


def _available_backends() -> list[Any]:
    import array_api_compat.numpy as xnp

    found: list[Any] = [Backend("numpy", xnp)]
    try:
        import array_api_strict as xs

        found.append(Backend("strict", xs))
        # A second, fake device: any implicit host conversion of device data fails there.
        found.append(Backend("strict-device1", xs, xs.Device("device1")))
    except ImportError:
        found.append(pytest.param(None, marks=pytest.mark.skip(reason="array-api-strict missing")))
    try:
        import array_api_compat.cupy as xcp
        import cupy

        cupy.cuda.runtime.getDeviceCount()
        found.append(Backend("cupy", xcp))
    except Exception as error:  # ImportError, or CUDA present without a GPU
        found.append(
            pytest.param(None, id="cupy", marks=pytest.mark.skip(reason=f"no CuPy GPU: {error}"))
        )
    return found


BACKENDS = _available_backends()


@pytest.fixture(params=BACKENDS, ids=lambda b: getattr(b, "name", "cupy"))
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend present: NumPy, array_api_strict (two devices), CuPy where a GPU is."""
    return request.param


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the original MNIST files; tests that need it skip when it is absent."""
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST files not found in {MNIST_DIR} (set UFLDL_SAE_TEST_MNIST)")
    return MNIST_DIR
