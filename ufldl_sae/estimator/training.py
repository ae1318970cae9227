"""The chosen model wired to its solver: L-BFGS (the notes) or a minibatch solver.

The notes' model goes through the notes' trainers,
:func:`~ufldl_sae.optimize.train_sparse_autoencoder` and
:func:`~ufldl_sae.beyond.minibatch.train_sparse_autoencoder_minibatch`, which validate the
course's arguments once and then evaluate the cost without per-entry checks. A generalization
validates the deep cost's inputs once with the starting theta (:func:`deep_cost`) and then
evaluates it without checks too. Every parameter here was validated by the estimator's edge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..backend import array_namespace, device_of, from_host, get_dtype, get_namespace, to_host
from ..beyond.minibatch import (
    EpochPrinter,
    MinibatchResult,
    minimize_minibatch,
    train_sparse_autoencoder_minibatch,
)
from ..optimize import (
    LbfgsResult,
    ProgressPrinter,
    host_objective,
    minimize_lbfgs,
    train_sparse_autoencoder,
)
from ..tuning import tuned
from ..validation import warn_outside_unit_interval
from .choice import ModelChoice


def log_spaced_iterations(max_iter: int, count: int = 25) -> set[int]:
    """About ``count`` iterations spread on a log scale: where the loss plot shows the terms."""
    return {int(round(i)) for i in np.geomspace(1, max(max_iter, 1), count)}


def device_columns(X: np.ndarray, backend: str, dtype: str) -> Any:
    """Checked host samples ``X`` (n_samples, n_features) as columns (the course's
    orientation), on the backend, in the dtype: moved there once, for the whole fit."""
    xp = get_namespace(backend)
    return from_host(np.ascontiguousarray(X.T), xp, dtype=get_dtype(xp, dtype))


def train(
    choice: ModelChoice,
    theta0: Any,
    data: Any,
    params: Mapping[str, Any],
    *,
    rng: np.random.Generator,
    callback: Callable[[Any, np.ndarray], None] | None,
    cost_function: Callable[..., tuple[Any, Any]] | None,
) -> LbfgsResult | MinibatchResult:
    """Train the chosen model on ``data`` with the estimator's validated ``params``: its
    ``solver`` (None: L-BFGS), iterations (epochs), progress lines every ``verbose``
    iterations, and for the minibatch solvers their step size, batch size, momentum and ``rng``
    for the shuffling."""
    every = int(params["verbose"])
    if params["solver"] in (None, "lbfgs"):  # None: the notes' family's own solver, L-BFGS
        return fit_lbfgs(
            choice, theta0, data, backend=params["backend"], max_iter=params["max_iter"],
            history_size=params["history_size"],
            progress=ProgressPrinter(every=every) if every > 0 else None,
            callback=callback, cost_function=cost_function,
        )  # fmt: skip
    options = {
        "solver": params["solver"], "learning_rate": params["learning_rate"],
        "epochs": params["max_iter"], "batch_size": params["batch_size"],
        "momentum": params["momentum"], "rng": rng,
        "progress": EpochPrinter(every=every) if every > 0 else None, "callback": callback,
    }  # fmt: skip
    return fit_minibatch(choice, theta0, data, backend=params["backend"], options=options)


def deep_cost(choice: ModelChoice, theta0: Any, data: Any, backend: str) -> Callable:
    """``fun(theta, batch)`` of a generalization's cost, after validating everything once with
    ``theta0`` (one forward pass), so that each evaluation skips the checks."""
    xp = get_namespace(backend)
    choice.cost_terms(from_host(to_host(theta0), xp, dtype=data.dtype), data)

    def fun(theta: Any, batch: Any) -> tuple[Any, Any]:
        return choice.cost(theta, batch, check_inputs=False)

    return fun


def fit_lbfgs(
    choice: ModelChoice,
    theta0: Any,
    data: Any,
    *,
    backend: str,
    max_iter: int,
    history_size: int,
    progress: Callable[..., None] | None,
    callback: Callable[[Any, np.ndarray], None] | None,
    cost_function: Callable[..., tuple[Any, Any]] | None,
) -> LbfgsResult:
    """Full-batch L-BFGS on ``data`` (visible x m, on the backend) from ``theta0``.

    ``cost_function`` replaces the notes' cost (the estimator allows it for the notes' model
    only).
    """
    visible = data.shape[0]
    if choice.is_notes:  # the parameters were validated once, by validated_choice
        warn_outside_unit_interval("data", data, array_namespace(data))  # checked by fit
        return train_sparse_autoencoder(
            theta0, *choice.notes_arguments(visible), data, max_iter=max_iter,
            history_size=history_size, progress=progress, callback=callback,
            cost_function=cost_function, check_inputs=False,
        )  # fmt: skip
    sizes = choice.layer_sizes(visible)
    fun = deep_cost(choice, theta0, data, backend)
    xp = get_namespace(backend)
    with tuned(sizes[0], max(sizes[1:-1]), data.shape[1], max_age=0.0):
        return minimize_lbfgs(
            host_objective(lambda theta: fun(theta, data), xp, data.dtype, device_of(data)),
            theta0, max_iter=max_iter, history_size=history_size, progress=progress,
            callback=callback, blocks=choice.block_slices(visible),
        )  # fmt: skip


def fit_minibatch(
    choice: ModelChoice,
    theta0: Any,
    data: Any,
    *,
    backend: str,
    options: dict[str, Any],
) -> MinibatchResult:
    """Minibatch Adam or SGD on ``data`` from ``theta0``; ``options`` are
    :func:`~ufldl_sae.beyond.minibatch.minimize_minibatch`'s keyword arguments (``solver``,
    ``learning_rate``, ``epochs``, ``batch_size``, ``momentum``, ``rng``, ``progress``,
    ``callback``)."""
    visible = data.shape[0]
    if choice.is_notes:  # the parameters were validated once, by validated_choice
        warn_outside_unit_interval("data", data, array_namespace(data))  # checked by fit
        return train_sparse_autoencoder_minibatch(
            theta0, *choice.notes_arguments(visible), data, check_inputs=False, **options
        )
    sizes = choice.layer_sizes(visible)
    fun = deep_cost(choice, theta0, data, backend)
    with tuned(sizes[0], max(sizes[1:-1]), options["batch_size"], max_age=0.0):
        return minimize_minibatch(fun, np.asarray(to_host(theta0), dtype=np.float64), data,
                                  **options)  # fmt: skip
