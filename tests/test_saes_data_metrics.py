"""The toy data with known features, the field's metrics and the dead-latent bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from ufldl_sae.beyond.saes.decoder import DeadLatents
from ufldl_sae.beyond.saes.metrics import MetricsAccumulator, feature_density, mcc
from ufldl_sae.data import ToyFeatures, toy_feature_probabilities, toy_features


def test_zipf_probabilities_sum_to_the_mean_active():
    p = toy_feature_probabilities(256, 5.0, 0.5)
    assert p.sum() == pytest.approx(5.0, rel=1e-12)
    assert p[0] / p[3] == pytest.approx(2.0)  # j^-0.5: feature 4 fires half as often as 1
    assert np.all(np.diff(p) < 0)
    capped = toy_feature_probabilities(4, 3.5, 2.0)  # the cap at 1 binds
    assert capped.max() == 1.0 and capped.sum() == pytest.approx(3.5)


def test_toy_features_default_shape_and_truth():
    toy = toy_features(samples=4000)
    assert isinstance(toy, ToyFeatures)
    assert toy.data.shape == (64, 4000) and toy.features.shape == (64, 256)
    assert np.allclose(np.linalg.norm(toy.features, axis=0), 1.0)
    assert np.allclose(toy.data, toy.features @ toy.codes)
    active = (toy.codes > 0).sum(axis=0)
    assert active.mean() == pytest.approx(5.0, abs=0.15)
    assert toy.codes.max() < 1.0 and toy.codes.min() == 0.0


def test_toy_features_are_seeded():
    a, b = toy_features(8, 16, 100, rng=3), toy_features(8, 16, 100, rng=3)
    assert np.array_equal(a.data, b.data)
    assert not np.array_equal(a.data, toy_features(8, 16, 100, rng=4).data)


def test_toy_features_bad_arguments():
    with pytest.raises(ValueError, match="mean_active"):
        toy_features(8, 16, 100, mean_active=20.0)
    with pytest.raises(ValueError, match="samples"):
        toy_features(8, 16, 0)


def _metrics(x, x_hat, f, batches=1, **kw):
    acc = MetricsAccumulator(f.shape[0], **kw)
    for part in np.array_split(np.arange(x.shape[1]), batches):
        acc.add(x[:, part], x_hat[:, part], f[:, part])
    return acc.result()


def test_perfect_reconstruction():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 50))
    f = np.abs(rng.standard_normal((7, 50))) * (rng.random((7, 50)) < 0.3)
    f[6] = 0.0
    out = _metrics(x, x.copy(), f)
    assert out["mse"] == 0.0 and out["explained_variance"] == 1.0
    assert out["cossim"] == pytest.approx(1.0) and out["l2_ratio"] == pytest.approx(1.0)
    assert out["l0"] == pytest.approx((f > 0).sum() / 50)
    assert out["l1"] == pytest.approx(f.sum() / 50)
    assert out["dead_fraction"] == pytest.approx(1 / 7)
    assert out["feature_density"]["never_fired"] == 1


def test_the_mean_explains_no_variance_and_batches_agree():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 300)) + 3.0
    mean = np.repeat(x.mean(axis=1, keepdims=True), 300, axis=1)
    f = np.zeros((3, 300))
    assert _metrics(x, mean, f)["explained_variance"] == pytest.approx(0.0, abs=1e-12)
    x_hat = 0.5 * x
    one, many = _metrics(x, x_hat, f), _metrics(x, x_hat, f, batches=7)
    for name in ("mse", "explained_variance", "cossim", "l2_ratio"):
        assert many[name] == pytest.approx(one[name], rel=1e-12)
    assert one["l2_ratio"] == pytest.approx(0.5)
    assert one["mse"] == pytest.approx(np.mean((x - x_hat) ** 2))


def test_firing_threshold_for_sigmoid_codes():
    f = np.full((4, 10), 0.3)
    x = np.ones((2, 10))
    assert np.isnan(_metrics(x, x, f)["explained_variance"])  # no variance to explain
    assert _metrics(x, x, f)["l0"] == 4.0  # every sigmoid unit is "on" a little
    assert _metrics(x, x, f, firing_threshold=0.5)["l0"] == 0.0


def test_mcc_matches_permuted_and_flipped_features():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((10, 6))
    W = -3.0 * A[:, rng.permutation(6)]
    assert mcc(W, A) == pytest.approx(1.0)
    wider = np.concatenate([W, rng.standard_normal((10, 4))], axis=1)
    assert mcc(wider, A) == pytest.approx(1.0)
    assert mcc(rng.standard_normal((10, 6)), A) < 0.8
    assert mcc(W[:, :3], A) == pytest.approx(0.5)  # three features unmatched count 0
    with pytest.raises(ValueError, match="decoder has 9 rows"):
        mcc(W[:9], A)


def test_feature_density_histogram():
    freq = np.array([0.0, 1e-3, 1e-2, 1e-2, 0.1])
    out = feature_density(freq, bins=3)
    assert out["never_fired"] == 1 and sum(out["counts"]) == 4
    assert out["log10_frequency_edges"][0] == pytest.approx(-3.0)


def test_result_needs_a_batch():
    with pytest.raises(ValueError, match="no batch"):
        MetricsAccumulator(3).result()


def test_dead_latents_count_samples_since_firing():
    dead = DeadLatents(3, dead_after=10)
    dead.update(np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]))
    dead.update(np.array([[0.0] * 4, [0.0, 2.0, 0.0, 0.0], [0.0] * 4]))
    assert list(dead.samples_since_fired) == [4, 0, 6]
    assert not dead.dead().any()
    dead.update(np.zeros((3, 5)))
    assert list(dead.dead()) == [False, False, True] and dead.dead_fraction == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="dead_after"):
        DeadLatents(3, 0)
