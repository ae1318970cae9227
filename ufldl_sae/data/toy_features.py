r"""Synthetic activations with known features in superposition (no download).

Following Sharkey et al. (2022) and SAELens's synthetic data: :math:`n` true features, random
unit directions :math:`a_j \in \mathbb{R}^d` (more features than dimensions, so they cannot be
orthogonal: *superposition*), each firing independently in each sample with probability
:math:`p_j`, with a magnitude uniform in (0, 1) when it fires:

.. math:: x^{(i)} = \sum_{j=1}^n c^{(i)}_j a_j, \qquad
          c^{(i)}_j = u^{(i)}_j\, [r^{(i)}_j < p_j], \quad u, r \sim U(0, 1).

The probabilities follow a Zipf law, :math:`p_j \propto j^{-s}` with :math:`s = 0.5`, scaled so
that :math:`\sum_j p_j` equals the mean number of active features (5): a few common features
and a long tail of rare ones, as in real networks. A sparse autoencoder that recovers the
:math:`a_j` as its decoder columns has found the data's true features, which
:func:`~ufldl_sae.beyond.saes.metrics.mcc` measures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import as_rng
from ..validation import check_int, check_real

__all__ = ["ToyFeatures", "toy_feature_probabilities", "toy_features"]


@dataclass(frozen=True)
class ToyFeatures:
    """The toy data and the truth behind it (host float64 arrays).

    Attributes
    ----------
    data : array of shape (d, samples)
        One sample per column, as every dataset of the package.
    features : array of shape (d, n)
        The true directions :math:`a_j`, unit columns.
    probabilities : array of shape (n,)
        Each feature's firing probability :math:`p_j`.
    codes : array of shape (n, samples)
        The true coefficients :math:`c^{(i)}_j`.
    """

    data: np.ndarray
    features: np.ndarray
    probabilities: np.ndarray
    codes: np.ndarray


def toy_feature_probabilities(
    n_features: int, mean_active: float = 5.0, exponent: float = 0.5
) -> np.ndarray:
    r""":math:`p_j = \min(1, c\, j^{-s})`, with :math:`c` such that :math:`\sum_j p_j` is
    ``mean_active``, always found by bisection: the sum is increasing in :math:`c`, and
    bisection needs no case for whether the cap at 1 binds."""
    n_features = check_int("n_features", n_features)
    mean_active = check_real("mean_active", mean_active, low=0.0, high=n_features, low_open=True)
    exponent = check_real("exponent", exponent, low=0.0)
    weights = np.arange(1, n_features + 1, dtype=np.float64) ** -exponent
    low, high = 0.0, mean_active / weights.min()
    for _ in range(200):
        c = (low + high) / 2
        low, high = (c, high) if np.minimum(1.0, c * weights).sum() < mean_active else (low, c)
    return np.minimum(1.0, high * weights)


def toy_features(
    d: int = 64,
    n_features: int = 256,
    samples: int = 100_000,
    *,
    mean_active: float = 5.0,
    exponent: float = 0.5,
    rng: None | int | np.random.Generator = 0,
) -> ToyFeatures:
    """Draw the toy: ``samples`` columns in ``d`` dimensions from ``n_features`` features.

    Parameters
    ----------
    d, n_features, samples : int
        The dimension, the number of true features, the number of samples.
    mean_active : float, keyword-only
        The mean number of features active per sample.
    exponent : float, keyword-only
        The Zipf exponent :math:`s` of the firing probabilities.
    rng : None, int or numpy.random.Generator, keyword-only
        The seed (0 by default, so the default toy is always the same).
    """
    d = check_int("d", d)
    samples = check_int("samples", samples)
    probabilities = toy_feature_probabilities(n_features, mean_active, exponent)
    generator = as_rng(rng)
    features = generator.standard_normal((d, n_features))
    features /= np.linalg.norm(features, axis=0, keepdims=True)
    fires = generator.random((n_features, samples)) < probabilities[:, None]
    codes = np.where(fires, generator.random((n_features, samples)), 0.0)
    return ToyFeatures(features @ codes, features, probabilities, codes)
