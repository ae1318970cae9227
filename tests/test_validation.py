"""Every bad input raises a ValueError that names the argument, what came and what is expected."""

from __future__ import annotations

import numpy as np
import pytest

from ufldl_sae import initialize_parameters, sparse_autoencoder_cost

V, H, M = 8, 5, 6


def good():
    rng = np.random.default_rng(0)
    return [initialize_parameters(H, V, rng), V, H, 1e-4, 0.01, 3.0, rng.uniform(0, 1, (V, M))]


def call(**changes):
    args = good()
    names = ["theta", "visible_size", "hidden_size", "lambda_", "sparsity_param", "beta", "data"]
    for name, value in changes.items():
        args[names.index(name)] = value
    return sparse_autoencoder_cost(*args)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"data": np.ones(V)}, r"data must be a 2-D array .* got shape \(8,\)"),
        ({"data": np.ones((V + 1, M))}, r"data must have 8 rows .* got shape \(9, 6\)"),
        ({"data": np.ones((M, V)) * 0.5}, r"data must have 8 rows .* transposing"),
        ({"data": np.ones((V, 0))}, r"at least one example .* \(8, 0\)"),
        ({"data": np.ones((V, M), dtype=np.uint8)}, r"data must have a float32 or float64 dtype"),
        ({"theta": np.ones(10)}, r"theta must be a 1-D array of length 93, got shape \(10,\)"),
        ({"theta": np.ones((93, 1))}, r"theta must be a 1-D vector of length 93.*\(93, 1\)"),
        ({"lambda_": -1e-4}, r"lambda_ must be a real number in \[0, inf\], got -0.0001"),
        ({"beta": -3.0}, r"beta must be a real number in \[0, inf\], got -3.0"),
        ({"sparsity_param": 0.0}, r"sparsity_param must be a real number in \(0, 1\), got 0.0"),
        ({"sparsity_param": 1.0}, r"sparsity_param .* got 1.0"),
        ({"sparsity_param": float("nan")}, r"sparsity_param .* got nan"),
        ({"hidden_size": 0}, r"hidden_size must be an integer >= 1, got 0"),
        ({"hidden_size": 2.5}, r"hidden_size must be an integer >= 1, got 2.5"),
        ({"visible_size": True}, r"visible_size must be an integer >= 1, got True"),
        ({"theta": [0.0] * 93}, r"theta and data must be arrays of one array library"),
    ],
)
def test_bad_input_is_named(changes, message):
    with pytest.raises(ValueError, match=message):
        call(**changes)


def test_non_finite_values_are_located():
    args = good()
    args[6][3, 2] = np.nan
    with pytest.raises(ValueError, match=r"data must be finite, but 1 entries .* index \(3, 2\)"):
        sparse_autoencoder_cost(*args)
    args = good()
    args[0][7] = np.inf
    with pytest.raises(ValueError, match=r"theta must be finite, but 1 entries .* index \(7,\)"):
        sparse_autoencoder_cost(*args)


def test_data_outside_the_unit_interval_warns():
    args = good()
    args[6] = args[6] * 4 - 2
    with pytest.warns(UserWarning, match=r"outside \[0, 1\]"):
        sparse_autoencoder_cost(*args)


def test_arrays_of_two_libraries_are_refused():
    xs = pytest.importorskip("array_api_strict")
    args = good()
    args[6] = xs.asarray(args[6])
    with pytest.raises(ValueError, match="one array library"):
        sparse_autoencoder_cost(*args)
