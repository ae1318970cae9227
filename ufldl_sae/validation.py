"""Checks at the public edge: clear ``ValueError`` messages that name the argument and the value.

Public functions validate their inputs once, here; the inner numerical functions trust them. Each
message says which argument was wrong, what was received and what is expected, in the manner of
scikit-learn's parameter constraints. The first checks are generic (an integer, a real in an
interval, a matrix, a vector, finite values); the last ones, :func:`check_problem` and
:func:`check_cost_arguments`, validate the seven arguments of the notes' cost.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np


def check_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an ``int`` >= ``minimum`` (bools and non-integral floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite ``float`` in the stated interval; the message gives the interval."""
    interval = (
        ("(" if low_open else "[")
        + ("-inf" if low is None else f"{low:g}")
        + ", "
        + ("inf" if high is None else f"{high:g}")
        + (")" if high_open else "]")
    )
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number in {interval}, got {value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be a real number in {interval}, got {value!r}")
    return value


def check_namespace(**arrays: Any) -> Any:
    """The array-API namespace shared by the named arrays, or a ValueError naming them.

    Called as ``check_namespace(theta=theta, data=data)``, so the message can say which
    arguments are not arrays, or come from two different libraries.
    """
    from .backend import array_namespace

    try:
        return array_namespace(*arrays.values())
    except TypeError as error:
        described = ", ".join(f"{name} ({type(a).__name__})" for name, a in arrays.items())
        one = "an array" if len(arrays) == 1 else "arrays of one array library"
        raise ValueError(
            f"{' and '.join(arrays)} must be {one} (NumPy, CuPy, ...), got {described}"
        ) from error


def check_matrix(name: str, x: Any, xp: Any, *, rows: int | None = None) -> None:
    """``x`` is a 2-D floating array with at least one column (and ``rows`` rows when given)."""
    shape = tuple(getattr(x, "shape", ()))
    if len(shape) != 2:
        raise ValueError(
            f"{name} must be a 2-D array (features x examples, one example per column), "
            f"got shape {shape}"
        )
    if rows is not None and shape[0] != rows:
        raise ValueError(
            f"{name} must have {rows} rows (one per visible unit), got shape {shape}; "
            "examples are the columns, so a (examples, features) array needs transposing"
        )
    if shape[1] == 0:
        raise ValueError(f"{name} must hold at least one example (column), got shape {shape}")
    check_floating(name, x, xp)


def check_vector(name: str, x: Any, xp: Any, *, size: int) -> None:
    """``x`` is a 1-D floating array of ``size`` entries."""
    shape = tuple(getattr(x, "shape", ()))
    if len(shape) != 1 or shape[0] != size:
        raise ValueError(f"{name} must be a 1-D array of length {size}, got shape {shape}")
    check_floating(name, x, xp)


def check_floating(name: str, x: Any, xp: Any) -> None:
    """``x`` has a real floating dtype (float32 or float64)."""
    if x.dtype not in (xp.float32, xp.float64):
        raise ValueError(f"{name} must have a float32 or float64 dtype, got {x.dtype}")


def check_finite(name: str, x: Any, xp: Any) -> None:
    """No NaN or inf in ``x``; the message gives how many and the first position."""
    finite = xp.isfinite(x)
    if bool(xp.all(finite)):
        return
    from .backend import to_host  # host copy only on the error path

    bad = ~to_host(finite)
    first = tuple(int(axis[0]) for axis in bad.nonzero())
    raise ValueError(
        f"{name} must be finite, but {int(bad.sum())} entries are NaN or inf "
        f"(first at index {first})"
    )


def warn_outside_unit_interval(name: str, x: Any, xp: Any) -> None:
    """Warn when data leave [0, 1]: a sigmoid output unit can never reconstruct them."""
    low, high = float(xp.min(x)), float(xp.max(x))
    if low < 0.0 or high > 1.0:
        warnings.warn(
            f"{name} has values in [{low:.4g}, {high:.4g}], outside [0, 1]: the sigmoid output "
            "layer can only produce values in (0, 1), so those values cannot be reconstructed "
            "(the course rescales patches to [0.1, 0.9] with normalize_data)",
            UserWarning,
            stacklevel=3,
        )


def check_theta(theta: Any, xp: Any, *, size: int) -> None:
    """``theta`` is a finite 1-D floating vector of ``size`` entries.

    A MATLAB column vector, ``(size, 1)``, gets its own message saying how to flatten it, since
    that is the usual way a port of the course's code gets it wrong.
    """
    shape = tuple(getattr(theta, "shape", ()))
    if len(shape) == 2 and 1 in shape and shape[0] * shape[1] == size:
        raise ValueError(
            f"theta must be a 1-D vector of length {size}, got a {shape} matrix; "
            "flatten it first (theta[:, 0] for a MATLAB column vector)"
        )
    check_vector("theta", theta, xp, size=size)
    check_finite("theta", theta, xp)


def check_theta0(theta0: Any, *, size: int | None = None) -> np.ndarray:
    """A solver's starting point as a host float64 copy: 1-D (of ``size`` entries when given)
    and finite.

    Every solver keeps its own copy on the host (L-BFGS works there; the minibatch driver keeps
    the best epoch's theta there), so the caller's array, host, device or a plain list, is
    never touched.
    """
    from .backend import to_host

    host = np.asarray(theta0) if isinstance(theta0, list | tuple) else to_host(theta0)
    theta0 = np.array(host, dtype=np.float64)
    if size is not None and theta0.shape != (size,):
        raise ValueError(f"theta0 must be a 1-D vector of length {size}, got shape {theta0.shape}")
    if theta0.ndim != 1:
        raise ValueError(f"theta0 must be a 1-D vector, got shape {theta0.shape}")
    if not np.all(np.isfinite(theta0)):
        raise ValueError("theta0 must be finite, but it holds NaN or inf entries")
    return theta0


def check_problem(
    visible_size: Any,
    hidden_size: Any,
    lambda_: Any,
    sparsity_param: Any,
    beta: Any,
    data: Any,
) -> Any:
    r"""Validate the sizes, the hyperparameters and the data of the notes' cost; return the
    data's namespace.

    The sizes are integers >= 1, :math:`\lambda \ge 0`, :math:`\rho \in (0, 1)` (the KL
    divergence needs both :math:`\rho` and :math:`1 - \rho` positive), :math:`\beta \ge 0`;
    ``data`` is a finite floating ``visible_size x m`` matrix, with a warning when it leaves
    [0, 1], which a sigmoid output cannot reach.
    """
    visible_size = check_int("visible_size", visible_size)
    check_int("hidden_size", hidden_size)
    check_real("lambda_", lambda_, low=0.0)
    check_real("sparsity_param", sparsity_param, low=0.0, high=1.0, low_open=True, high_open=True)
    check_real("beta", beta, low=0.0)
    return check_data(data, visible_size)


def check_data(data: Any, visible_size: int) -> Any:
    """Validate the notes' ``data`` (a finite floating ``visible_size x m`` matrix, with a
    warning when it leaves [0, 1]); return its namespace.

    The data half of :func:`check_problem`, for a caller that has validated the
    hyperparameters already (the estimator) and so trains with ``check_inputs=False``.
    """
    xp = check_namespace(data=data)
    check_matrix("data", data, xp, rows=visible_size)
    check_finite("data", data, xp)
    warn_outside_unit_interval("data", data, xp)
    return xp


def check_cost_arguments(
    theta: Any,
    visible_size: Any,
    hidden_size: Any,
    lambda_: Any,
    sparsity_param: Any,
    beta: Any,
    data: Any,
) -> Any:
    """Validate the course's seven arguments once, at the public edge; return the namespace.

    ``theta`` must hold the course's layout ``[W1(:); W2(:); b1; b2]``, that is
    ``2 * hidden * visible + hidden + visible`` entries (:func:`ufldl_sae.params.theta_size`,
    a layer above this one).
    """
    check_problem(visible_size, hidden_size, lambda_, sparsity_param, beta, data)
    xp = check_namespace(theta=theta, data=data)
    check_theta(theta, xp, size=2 * hidden_size * visible_size + hidden_size + visible_size)
    return xp
