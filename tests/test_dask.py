"""The same cost on dask arrays split into column chunks: examples spread over workers."""

from __future__ import annotations

import numpy as np
import pytest

from ufldl_sae import initialize_parameters, sparse_autoencoder_cost, train_sparse_autoencoder

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    return initialize_parameters(10, 36, rng), rng.uniform(0.1, 0.9, (36, 3000))


def test_chunked_cost_equals_numpy(problem):
    theta, data = problem
    cost, grad = sparse_autoencoder_cost(theta, 36, 10, 1e-3, 0.05, 3.0, data)
    chunked = da.from_array(data, chunks=(36, 700))  # five column chunks, the last one short
    with dask.config.set(scheduler="threads"):
        dcost, dgrad = sparse_autoencoder_cost(
            da.from_array(theta), 36, 10, 1e-3, 0.05, 3.0, chunked
        )
        assert isinstance(dgrad, da.Array)  # lazy until asked
        dcost, dgrad = dask.compute(dcost, dgrad)
    assert float(dcost) == pytest.approx(float(cost), rel=1e-12)
    np.testing.assert_allclose(np.asarray(dgrad), grad, rtol=1e-12, atol=1e-14)


def test_training_on_chunks_follows_numpy(problem):
    theta, data = problem
    expected = train_sparse_autoencoder(theta, 36, 10, 1e-3, 0.05, 3.0, data, max_iter=5)
    with dask.config.set(scheduler="threads"):
        result = train_sparse_autoencoder(
            theta, 36, 10, 1e-3, 0.05, 3.0, da.from_array(data, chunks=(36, 1000)), max_iter=5
        )
    np.testing.assert_allclose(result.theta, expected.theta, rtol=1e-9, atol=1e-12)
