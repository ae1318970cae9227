"""Gradient checks of the dictionary-learning autoencoders (ufldl_sae.beyond.saes), and what
they cannot check: each smooth part against finite differences at 1e-9 in float64, with the
piecewise parts (ReLU kinks, the TopK selection, JumpReLU's jumps) asserted unchanged within
the step; the unit-norm decoder through the reparametrised objective; JumpReLU's thresholds
against the smoothed surrogate their straight-through estimator stands for."""

from __future__ import annotations

import numpy as np
import pytest

from ufldl_sae.beyond.saes.core import encoder_pass
from ufldl_sae.beyond.saes.decoder import normalize_decoder, project_decoder_gradient
from ufldl_sae.beyond.saes.gradcheck import SAE_PROBLEM
from ufldl_sae.beyond.saes.gradcheck import _problem as problem  # the table's seeded problems
from ufldl_sae.beyond.saes.jumprelu import jumprelu_cost, jumprelu_surrogate
from ufldl_sae.beyond.saes.layout import initialize_sae, sae_blocks, sae_theta_size
from ufldl_sae.beyond.saes.models import (
    auxk_cost,
    batchtopk_cost,
    batchtopk_mask,
    relu_l1_cost,
    topk_cost,
    topk_mask,
)
from ufldl_sae.gradcheck import block_differences, compute_numerical_gradient

V, H, M = SAE_PROBLEM
THRESHOLD = 1e-9


def recording(J, gate_of_theta):
    """``J`` that records the piecewise part (a gate or a selection) at every evaluation."""
    seen = []

    def wrapped(theta):
        seen.append(gate_of_theta(theta))
        return J(theta)

    return wrapped, seen


def assert_gate_fixed(seen, base):
    changed = sum(not np.array_equal(s, base) for s in seen)
    assert changed == 0, f"{changed} of {len(seen)} evaluations changed the selection/gate"


def check(J, theta, blocks, gate_of_theta, **options):
    wrapped, seen = recording(J, gate_of_theta)
    report = block_differences(wrapped, theta, blocks, **options)
    assert_gate_fixed(seen, gate_of_theta(theta))
    return report


def relu_gate(data):
    return lambda t: encoder_pass(t, V, H, data).z > 0


@pytest.mark.parametrize("weighted", [True, False])
def test_relu_l1_gradient(weighted):
    data, theta = problem(1, "relu-l1")  # seed 1: no pre-activation within the step of 0
    report = check(
        lambda t: relu_l1_cost(t, V, H, data, 0.1, weight_by_decoder_norm=weighted),
        theta, sae_blocks(V, H, "relu-l1"), relu_gate(data),
    )  # fmt: skip
    assert max(report.values()) < THRESHOLD, report


def test_the_check_sees_a_missing_decoder_norm_term():
    """Weighted cost against the plain cost's gradient: the decoder block must fail."""
    data, theta = problem(1, "relu-l1")
    _, plain = relu_l1_cost(theta, V, H, data, 0.1, weight_by_decoder_norm=False)
    report = block_differences(
        lambda t: relu_l1_cost(t, V, H, data, 0.1)[0], theta, sae_blocks(V, H, "relu-l1"),
        analytical=plain,
    )  # fmt: skip
    assert report["W2"] > 1e-4


@pytest.mark.parametrize(
    ("cost", "mask"), [(topk_cost, topk_mask), (batchtopk_cost, batchtopk_mask)]
)
def test_topk_gradient_away_from_ties(cost, mask):
    data, theta = problem(4)  # seed 4: the k-th and (k+1)-th values are apart by > the step

    def selection(t):
        z = encoder_pass(t, V, H, data).z
        return mask(z, 3) & (z > 0)

    report = check(lambda t: cost(t, V, H, data, 3), theta, sae_blocks(V, H, "topk"), selection)
    assert max(report.values()) < THRESHOLD, report


@pytest.mark.parametrize("k", [1, 5, 16, 17, 30])  # by passes of max up to 16, by sorting after
def test_topk_mask_both_ways(k):
    z = np.random.default_rng(k).standard_normal((40, 25))
    kept = topk_mask(z, k)
    expected = np.zeros_like(kept)
    np.put_along_axis(expected, np.argsort(-z, axis=0)[:k], True, axis=0)
    np.testing.assert_array_equal(kept, expected)


def test_topk_keeps_exactly_k_per_example():
    z = np.random.default_rng(0).standard_normal((12, 7))
    kept = topk_mask(z, 4)
    assert np.all(kept.sum(axis=0) == 4)
    for i in range(7):
        assert set(np.flatnonzero(kept[:, i])) == set(np.argsort(-z[:, i])[:4])
    assert batchtopk_mask(z, 4).sum() == 28


def test_auxk_gradient_with_the_residual_held_constant():
    data, theta = problem(3)
    residual = np.random.default_rng(9).standard_normal((V, M))
    dead = np.arange(H) % 2 == 0

    def selection(t):
        z = encoder_pass(t, V, H, data).z
        return topk_mask(np.where(dead[:, None], z, z.min() - 1), 2) & dead[:, None] & (z > 0)

    report = check(
        lambda t: auxk_cost(t, V, H, data, residual, dead, 2, 0.5),
        theta, sae_blocks(V, H, "topk"), selection,
    )  # fmt: skip
    assert max(report.values()) < THRESHOLD, report


def test_auxk_target_carries_no_gradient():
    """With the residual recomputed from theta, finite differences see a different function:
    the stop-gradient is a choice of the estimator, which the check must not hide."""
    data, theta = problem(3)
    dead = np.arange(H) % 2 == 0

    def residual_of(t):
        z = encoder_pass(t, V, H, data).z
        f = np.where(topk_mask(z, 3) & (z > 0), z, 0.0)
        blocks = encoder_pass(t, V, H, data).blocks
        return data - (blocks["W2"] @ f + blocks["b2"][:, None])

    _, grad = auxk_cost(theta, V, H, data, residual_of(theta), dead, 2, 0.5)
    report = block_differences(
        lambda t: auxk_cost(t, V, H, data, residual_of(t), dead, 2, 0.5)[0], theta, {},
        analytical=grad,
    )  # fmt: skip
    assert report["overall"] > 1e-3


def test_auxk_without_dead_latents_is_zero():
    data, theta = problem(3)
    cost, grad = auxk_cost(theta, V, H, data, data, np.zeros(H, dtype=bool), 4, 1.0)
    assert float(cost) == 0.0 and not np.any(grad)


def test_unit_norm_decoder_along_the_sphere():
    """The projected gradient is the gradient of J(W normalized), at a unit-norm decoder."""
    data, theta = problem(4)
    theta = normalize_decoder(theta, V, H)

    def selection(t):
        z = encoder_pass(normalize_decoder(t, V, H), V, H, data).z
        return topk_mask(z, 3) & (z > 0)

    _, grad = topk_cost(theta, V, H, data, 3)
    projected = project_decoder_gradient(grad, theta, V, H)
    wrapped, seen = recording(
        lambda t: topk_cost(normalize_decoder(t, V, H), V, H, data, 3), selection
    )
    report = block_differences(wrapped, theta, sae_blocks(V, H, "topk"), analytical=projected)
    assert_gate_fixed(seen, selection(theta))
    assert max(report.values()) < THRESHOLD, report
    # the unprojected gradient is not that gradient: the check can fail
    wrong = block_differences(wrapped, theta, {}, analytical=grad)
    assert wrong["overall"] > 1e-3
    # tangent: every projected column is orthogonal to its column
    W2 = encoder_pass(theta, V, H, data).blocks["W2"]
    G2 = encoder_pass(projected, V, H, data).blocks["W2"]
    assert np.max(np.abs(np.sum(W2 * G2, axis=0))) < 1e-14
    assert np.allclose(np.linalg.norm(W2, axis=0), 1.0)


def test_jumprelu_exact_blocks_away_from_the_jumps():
    data, theta = problem(16, "jumprelu", threshold=0.3)
    blocks = sae_blocks(V, H, "jumprelu")
    notes_blocks = {k: v for k, v in blocks.items() if k != "log_threshold"}

    def gate(t):
        z = encoder_pass(t, V, H, data).z
        return z > np.exp(t[-H:])[:, None]

    n = sae_theta_size(V, H, "topk")  # the notes' four blocks; the thresholds come next
    report = check(
        lambda t: jumprelu_cost(t, V, H, data, 0.1), theta, notes_blocks, gate, indices=range(n)
    )
    assert max(report.values()) < THRESHOLD, report


def test_a_finite_difference_cannot_check_the_straight_through_estimator():
    """In the thresholds, J is flat between jumps: its finite difference is 0 where no unit
    crosses, while the pseudo-gradient is not. There is nothing for the check to agree with."""
    data, theta = problem(16, "jumprelu", threshold=0.3)
    _, grad = jumprelu_cost(theta, V, H, data, 0.1, bandwidth=0.5)
    n = sae_theta_size(V, H, "topk")
    numerical = compute_numerical_gradient(
        lambda t: jumprelu_cost(t, V, H, data, 0.1, bandwidth=0.5)[0], theta, 1e-6,
        indices=range(n, n + H),
    )  # fmt: skip
    assert np.all(numerical == 0.0)
    assert np.max(np.abs(grad[n:])) > 1e-3


@pytest.mark.parametrize("bandwidth", [0.5, 0.2])
def test_jumprelu_thresholds_against_the_smoothed_surrogate(bandwidth):
    data, theta = problem(16, "jumprelu", threshold=0.3)
    n = sae_theta_size(V, H, "topk")
    _, grad = jumprelu_cost(theta, V, H, data, 0.1, bandwidth=bandwidth)
    z = encoder_pass(theta, V, H, data).z
    t = np.exp(theta[n:])[:, None]
    in_window = np.abs(z - t) < bandwidth / 2
    assert in_window.sum() >= 5  # examples vote: the pseudo-gradient is not trivially 0

    def window(log_t):
        u = (z - np.exp(log_t)[:, None]) / bandwidth
        return np.abs(u) < 0.5

    wrapped, seen = recording(
        lambda lt: jumprelu_surrogate(lt, theta, V, H, data, 0.1, bandwidth=bandwidth), window
    )
    report = block_differences(wrapped, theta[n:], {}, analytical=grad[n:])
    assert_gate_fixed(seen, window(theta[n:]))
    assert report["overall"] < THRESHOLD, report
    # and the surrogate equals J's reconstruction at the point itself
    cost, _ = jumprelu_cost(theta, V, H, data, 0.0, bandwidth=bandwidth)
    assert float(jumprelu_surrogate(theta[n:], theta, V, H, data, 0.0,
                                    bandwidth=bandwidth)) == pytest.approx(float(cost))  # fmt: skip


def test_models_run_on_array_api_strict():
    xs = pytest.importorskip("array_api_strict")
    data, theta = problem(2)
    expected = topk_cost(theta, V, H, data, 3)
    got = topk_cost(xs.asarray(theta), V, H, xs.asarray(data), 3)
    assert float(got[0]) == pytest.approx(float(expected[0]), rel=1e-12)
    assert np.allclose(np.asarray(got[1]), expected[1], rtol=1e-10, atol=1e-14)
    others = (
        lambda t, x: relu_l1_cost(t, V, H, x, 0.1),
        lambda t, x: batchtopk_cost(t, V, H, x, 3),
    )
    for cost in others:
        ref, strict = cost(theta, data), cost(xs.asarray(theta), xs.asarray(data))
        assert np.allclose(np.asarray(strict[1]), ref[1], rtol=1e-10, atol=1e-14)


def test_bad_arguments_are_named():
    data, theta = problem(2)
    with pytest.raises(ValueError, match="k must be at most hidden_size"):
        topk_cost(theta, V, H, data, H + 1)
    with pytest.raises(ValueError, match="k must be an integer"):
        topk_cost(theta, V, H, data, 0)
    with pytest.raises(ValueError, match="l1_coefficient"):
        relu_l1_cost(theta, V, H, data, -1.0)
    with pytest.raises(ValueError, match="bandwidth"):
        jumprelu_cost(initialize_sae(data, H, "jumprelu"), V, H, data, 0.1, bandwidth=0.0)
    with pytest.raises(ValueError, match="architecture must be one of"):
        initialize_sae(data, H, "sigmoid-kl")
