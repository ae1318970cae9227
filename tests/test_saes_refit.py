"""The least-squares sizes on the encoder's support (ufldl_sae.beyond.saes.refit)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ufldl_sae.beyond.saes.layout import initialize_sae, sae_unpack
from ufldl_sae.beyond.saes.refit import support_refit
from ufldl_sae.beyond.saes.train import SaeOptions, encode, evaluate, train_sae
from ufldl_sae.data import toy_features


def problem(v: int, h: int, m: int, k: int, seed: int, architecture: str = "topk"):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((v, m))
    theta = initialize_sae(data, h, architecture, rng=rng)
    f, _ = encode(theta, SaeOptions(architecture=architecture, hidden_size=h, k=k), data)
    return theta, data, f


def by_lstsq(theta, v, h, data, f):
    """Each example on its own, with numpy's lstsq on the columns where f is non-zero."""
    blocks = sae_unpack(theta, v, h)
    W2, b2 = blocks["W2"], blocks["b2"]
    out = np.empty_like(data)
    for i in range(data.shape[1]):
        S = np.flatnonzero(f[:, i])
        sizes = np.linalg.lstsq(W2[:, S], data[:, i] - b2, rcond=None)[0] if S.size else []
        out[:, i] = b2 + (W2[:, S] @ sizes if S.size else 0.0)
    return out


@settings(max_examples=25, deadline=None)
@given(
    v=st.integers(4, 12),
    h=st.integers(6, 24),
    m=st.integers(1, 30),
    k=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_the_batched_solve_is_each_examples_least_squares(v, h, m, k, seed):
    theta, data, f = problem(v, h, m, k, seed)
    got = support_refit(theta, v, h, data, f)
    np.testing.assert_allclose(got, by_lstsq(theta, v, h, data, f), rtol=1e-8, atol=1e-10)


def test_a_variable_support_and_an_empty_column():
    """JumpReLU's supports differ in size between examples; an example with no latent is
    rebuilt as b_dec alone."""
    v, h = 8, 20
    theta, data, f = problem(v, h, 40, 3, 1, architecture="relu-l1")
    f = np.where(np.random.default_rng(2).random(f.shape) < 0.7, 0.0, f)
    f[:, 0] = 0.0
    assert len({int(c) for c in (f != 0).sum(axis=0)}) > 2
    got = support_refit(theta, v, h, data, f)
    np.testing.assert_allclose(got, by_lstsq(theta, v, h, data, f), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(got[:, 0], sae_unpack(theta, v, h)["b2"])


def test_no_worse_than_the_encoders_sizes_at_the_same_l0():
    toy = toy_features(d=16, n_features=32, mean_active=3.0, samples=4000, rng=0)
    o = SaeOptions(hidden_size=32, k=3, epochs=4, batch_size=200, learning_rate=5e-3)
    r = train_sae(toy.data, o, features=toy.features)
    refit = evaluate(r.theta, o, toy.data, features=toy.features, refit=True)
    assert refit["l0"] == r.metrics["l0"]
    assert refit["explained_variance"] > r.metrics["explained_variance"] + 0.01
    with pytest.raises(ValueError, match="sigmoid units are never 0"):
        evaluate(r.theta, SaeOptions(architecture="notes", hidden_size=32), toy.data, refit=True)


def test_array_api_strict_gives_the_same_numbers():
    xs = pytest.importorskip("array_api_strict")
    theta, data, f = problem(6, 10, 15, 3, 4)
    got = support_refit(xs.asarray(theta), 6, 10, xs.asarray(data), xs.asarray(f))
    np.testing.assert_allclose(np.asarray(got), support_refit(theta, 6, 10, data, f), rtol=1e-12)


def test_wrong_shapes_are_named():
    theta, data, f = problem(6, 10, 15, 3, 4)
    with pytest.raises(ValueError, match=r"data must be 6 x m, got shape \(5, 15\)"):
        support_refit(theta, 6, 10, data[:5], f)
    with pytest.raises(ValueError, match=r"f must be 10 x 15, got shape \(9, 15\)"):
        support_refit(theta, 6, 10, data, f[:9])
