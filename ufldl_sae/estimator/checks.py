"""The estimator's public edge: its parameters and its ``X``, validated once.

``fit`` calls :func:`validated_choice` first and :func:`check_samples` second; everything after
them (the model choice, the solvers' wiring, the cost terms) trusts what they passed. The
order of the checks is the constructor's, so with several bad parameters the first is named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..backend import DTYPES, get_namespace, to_host
from ..beyond.minibatch import SOLVERS
from ..validation import check_int, check_real
from .choice import ModelChoice, choose_model

#: ``solver``: the notes' full-batch L-BFGS, or a minibatch solver
#: (:mod:`ufldl_sae.beyond.minibatch`).
ALL_SOLVERS = ("lbfgs", *SOLVERS)


def validated_choice(params: Mapping[str, Any]) -> ModelChoice:
    """Validate the estimator's parameters once and choose the model they describe.

    ``params`` is :meth:`~ufldl_sae.estimator.SparseAutoencoder.get_params`'s dictionary. Each
    bad value raises a ``ValueError`` naming the parameter, its value and what is expected.
    """
    check_int("hidden_size", params["hidden_size"])
    check_real("sparsity_param", params["sparsity_param"], low=0, high=1, low_open=True,
               high_open=True)  # fmt: skip
    check_real("lambda_", params["lambda_"], low=0.0)
    check_real("beta", params["beta"], low=0.0)
    check_int("max_iter", params["max_iter"])
    check_int("history_size", params["history_size"])
    if params["dtype"] not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {params['dtype']!r}")
    get_namespace(params["backend"])  # raises a clear ValueError for an unknown or missing one
    choice = choose_model(params)
    if params["solver"] not in ALL_SOLVERS:
        raise ValueError(f"solver must be one of {ALL_SOLVERS}, got {params['solver']!r}")
    check_real("learning_rate", params["learning_rate"], low=0.0, low_open=True)
    check_int("batch_size", params["batch_size"])
    check_real("momentum", params["momentum"], low=0.0, high=1.0, high_open=True)
    return choice


def check_samples(X: Any, name: str = "X", features: int | None = None) -> np.ndarray:
    """``X`` as a host float64 (n_samples, n_features) array, checked: two dimensions, at least
    one sample and one feature, ``features`` columns when given, every entry finite."""
    X = np.asarray(X if isinstance(X, list | tuple) else to_host(X), dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features) with at least one sample "
            f"and one feature, got shape {X.shape}"
        )
    if features is not None and X.shape[1] != features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but this autoencoder was fitted with "
            f"{features}; got shape {X.shape}"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must be finite, but it holds NaN or inf values")
    return X
