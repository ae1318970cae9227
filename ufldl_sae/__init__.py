"""ufldl-sae: the sparse autoencoder of the CS294A notes, equation by equation, on NumPy or CuPy.

The public functions keep the course's names and argument order, so the exercise PDF can sit
next to the code:

>>> import numpy as np, ufldl_sae
>>> theta = ufldl_sae.initialize_parameters(25, 64, rng=0)
>>> data = np.random.default_rng(0).uniform(0.1, 0.9, (64, 100))
>>> cost, grad = ufldl_sae.sparse_autoencoder_cost(theta, 64, 25, 1e-4, 0.01, 3, data)
>>> grad.shape
(3289,)
"""

from .coursework import check
from .deep import autoencoder_cost, autoencoder_cost_terms, initialize_deep
from .estimator import SparseAutoencoder
from .gradcheck import (
    check_numerical_gradient,
    compute_numerical_gradient,
    gradient_check,
    relative_difference,
)
from .minibatch import MinibatchResult, minimize_minibatch, train_sparse_autoencoder_minibatch
from .model import (
    CostTerms,
    SaturatedUnitsError,
    feedforward_autoencoder,
    sigmoid,
    sparse_autoencoder_cost,
    sparse_autoencoder_cost_terms,
)
from .optimize import LbfgsResult, NonFiniteError, minimize_lbfgs, train_sparse_autoencoder
from .params import initialize_parameters, pack, unpack
from .penalties import KLSparsity, L1Activations, L1Weights, WeightDecay
from .softmax import softmax_cost, softmax_predict, softmax_train
from .stacked import stacked_ae_cost

__version__ = "0.1.0"

__all__ = [
    "CostTerms",
    "KLSparsity",
    "L1Activations",
    "L1Weights",
    "MinibatchResult",
    "WeightDecay",
    "autoencoder_cost",
    "autoencoder_cost_terms",
    "initialize_deep",
    "minimize_minibatch",
    "train_sparse_autoencoder_minibatch",
    "SparseAutoencoder",
    "check",
    "LbfgsResult",
    "NonFiniteError",
    "SaturatedUnitsError",
    "check_numerical_gradient",
    "compute_numerical_gradient",
    "feedforward_autoencoder",
    "gradient_check",
    "initialize_parameters",
    "minimize_lbfgs",
    "pack",
    "relative_difference",
    "sigmoid",
    "softmax_cost",
    "softmax_predict",
    "softmax_train",
    "stacked_ae_cost",
    "sparse_autoencoder_cost",
    "sparse_autoencoder_cost_terms",
    "train_sparse_autoencoder",
    "unpack",
]
