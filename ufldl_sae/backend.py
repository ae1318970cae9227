"""Array backends: which namespace the arrays live in, and the only host <-> device copies.

Every numerical function of ufldl-sae is written once against the Python array API. It asks the
inputs for their namespace (``xp``) and calls only standard functions on it, so the same lines run
on NumPy, CuPy, ``array_api_strict`` or any other conforming library.

Copies between the host (NumPy) and a device happen here and nowhere else: SciPy's L-BFGS works on
host float64 vectors, so the optimizer moves ``theta`` to the device and the gradient back, once per
evaluation, through :func:`from_host` and :func:`to_host`. The data stay on the device.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

#: Backend names accepted by :func:`get_namespace` and the estimator's ``backend=``.
BACKENDS = ("numpy", "cupy", "array_api_strict")

#: Floating dtypes the model accepts, by name.
DTYPES = ("float64", "float32")


def array_namespace(*arrays: Any) -> ModuleType:
    """The array-API namespace shared by ``arrays`` (NumPy and CuPy get array_api_compat's wrapper).

    Raises ``TypeError`` (from array_api_compat) when the arrays come from different libraries.
    """
    return array_api_compat.array_namespace(*arrays)


def get_namespace(backend: str) -> ModuleType:
    """The namespace for a backend name: ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``.

    CuPy is imported only when asked for, so NumPy users never need it installed.
    """
    modules = {
        "numpy": "array_api_compat.numpy",
        "cupy": "array_api_compat.cupy",
        "array_api_strict": "array_api_strict",
    }
    if backend not in modules:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    try:
        return importlib.import_module(modules[backend])
    except ImportError as error:
        hint = {
            "cupy": "install the GPU extra for your CUDA version: "
            "pip install 'ufldl-sae[gpu-cuda12]' or 'ufldl-sae[gpu-cuda13]'",
            "array_api_strict": "pip install array-api-strict (part of the 'test' extra)",
        }.get(backend, "")
        raise ValueError(f"backend {backend!r} is not available ({error}); {hint}") from error


def backend_name(xp: ModuleType) -> str:
    """A short name for a namespace, for reports: ``numpy``, ``cupy``, ``array_api_strict``..."""
    return xp.__name__.removeprefix("array_api_compat.")


def get_dtype(xp: ModuleType, dtype: str | Any) -> Any:
    """The namespace's floating dtype for a name (``"float64"``/``"float32"``) or a dtype object."""
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        return getattr(xp, dtype)
    if dtype not in (xp.float64, xp.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    return dtype


def dtype_name(dtype: Any) -> str:
    """``"float64"`` or ``"float32"`` for a dtype of any backend."""
    text = str(dtype)
    for name in DTYPES:
        if name in text:
            return name
    return text


def to_host(x: Any) -> np.ndarray:
    """Copy an array of any backend to a NumPy array on the host (no copy for NumPy input).

    This is one of the two explicit crossings between device and host; NumPy's implicit
    conversion (``np.asarray``) fails on CuPy arrays on purpose, so it is never relied on.
    """
    if isinstance(x, np.ndarray | np.generic):
        return np.asarray(x)
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_dask_array(x):
        return np.asarray(x.compute())  # a lazy graph: computing it is the copy
    # Other CPU-side libraries (array_api_strict, torch on the CPU, ...) export through DLPack.
    return np.from_dlpack(x)


def to_host_all(*arrays: Any) -> list[np.ndarray]:
    """:func:`to_host` for several arrays at once; dask computes their shared graph only once.

    The cost and the gradient share the whole forward pass: computing them one after the
    other would run it twice on a lazy backend.
    """
    if arrays and all(array_api_compat.is_dask_array(x) for x in arrays):
        import dask

        return [np.asarray(x) for x in dask.compute(*arrays)]
    return [to_host(x) for x in arrays]


def from_host(a: np.ndarray, xp: ModuleType, *, dtype: Any = None, device: Any = None) -> Any:
    """Copy a host NumPy array into namespace ``xp`` (on ``device``), cast to ``dtype``."""
    return xp.asarray(a, dtype=dtype, device=device)


def device_of(x: Any) -> Any:
    """The device an array lives on (``array_api_compat.device``)."""
    return array_api_compat.device(x)
