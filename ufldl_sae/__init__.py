"""ufldl-sae: the sparse autoencoder of the CS294A notes, equation by equation, on NumPy or CuPy.

The public functions keep the course's names and argument order, so the exercise PDF can sit
next to the code:

>>> import numpy as np, ufldl_sae
>>> theta = ufldl_sae.initialize_parameters(25, 64, rng=0)
>>> data = np.random.default_rng(0).uniform(0.1, 0.9, (64, 100))
>>> cost, grad = ufldl_sae.sparse_autoencoder_cost(theta, 64, 25, 1e-4, 0.01, 3, data)
>>> grad.shape
(3289,)

Every name below is loaded on first use (PEP 562 module ``__getattr__``), so that
``import ufldl_sae.model`` loads the notes' core and nothing of the application above it.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

#: Public name -> the module (relative to this package) that defines it.
_PUBLIC = {
    # the notes' core
    "initialize_parameters": "params",
    "pack": "params",
    "unpack": "params",
    "CostTerms": "model",
    "SaturatedUnitsError": "model",
    "feedforward_autoencoder": "model",
    "sigmoid": "model",
    "sparse_autoencoder_cost": "model",
    "sparse_autoencoder_cost_terms": "model",
    "check_numerical_gradient": "gradcheck",
    "compute_numerical_gradient": "gradcheck",
    "gradient_check": "gradcheck",
    "relative_difference": "gradcheck",
    "LbfgsResult": "optimize",
    "NonFiniteError": "optimize",
    "minimize_lbfgs": "optimize",
    "train_sparse_autoencoder": "optimize",
    # the estimator and the coursework checker
    "SparseAutoencoder": "estimator",
    "check": "coursework",
    # beside the notes
    "autoencoder_cost": "beyond.deep",
    "autoencoder_cost_terms": "beyond.deep",
    "initialize_deep": "beyond.deep",
    "KLSparsity": "beyond.penalties",
    "L1Activations": "beyond.penalties",
    "L1Weights": "beyond.penalties",
    "WeightDecay": "beyond.penalties",
    "MinibatchResult": "beyond.minibatch",
    "minimize_minibatch": "beyond.minibatch",
    "train_sparse_autoencoder_minibatch": "beyond.minibatch",
    # the later exercises
    "softmax_cost": "exercises.softmax",
    "softmax_predict": "exercises.softmax",
    "softmax_train": "exercises.softmax",
    "stacked_ae_cost": "exercises.stacked",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use and cache the name here."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'ufldl_sae' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
