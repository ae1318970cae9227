"""The beyond-the-notes gradient check: it passes on the package's derivatives, fails on a wrong
one, and notices a finite difference that straddles a kink."""

from __future__ import annotations

import numpy as np
import pytest

from ufldl_sae.beyond import activations
from ufldl_sae.beyond.gradcheck import (
    THRESHOLD,
    beyond_problem,
    beyond_table,
    deep_gradient_check,
    kink_pattern,
)
from ufldl_sae.beyond.penalties import L1Weights, WeightDecay


def test_every_activation_with_every_penalty_and_a_deep_stack_passes():
    rows = beyond_table(seed=0)
    assert len(rows) == 3 * 6 + 3  # three units x (none, 4 alone, all), then the deep stack
    for network, units, penalties, check in rows:
        assert not check.kinks_crossed, (network, units, penalties)
        assert check.worst < THRESHOLD, (network, units, penalties, check)
    # A correct gradient sits orders of magnitude under the threshold, not just under it.
    assert max(check.worst for *_, check in rows) < 1e-10


def test_a_wrong_derivative_fails(monkeypatch):
    """tanh's derivative written as 1 - a (a classic slip for 1 - a^2) must fail loudly."""
    wrong = activations.Activation("tanh", activations.tanh, lambda a: 1 - a, -1.0, 1.0)
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", wrong)
    rng = np.random.default_rng(0)
    theta, data = beyond_problem((10, 6, 10), "tanh", 8, rng)
    check = deep_gradient_check(theta, (10, 6, 10), data, activation="tanh",
                                output_activation="tanh", penalties=(WeightDecay(1e-3),))
    assert not check.passed
    assert check.worst > 1e-3


def test_a_step_across_the_l1_kink_is_reported_not_passed():
    rng = np.random.default_rng(0)
    sizes = (10, 6, 10)
    theta, data = beyond_problem(sizes, "sigmoid", 8, rng)
    theta = theta.copy()
    theta[0] = 5e-4  # a weight closer to 0 than the stencil's 2e-3 reach
    check = deep_gradient_check(theta, sizes, data, penalties=(L1Weights(1e-2),))
    assert check.kinks_crossed
    assert not check.passed


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_problems_keep_every_kink_out_of_reach(activation):
    sizes = (10, 8, 4, 8, 10)
    theta, data = beyond_problem(sizes, activation, 6, np.random.default_rng(1))
    n_weights = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    assert np.abs(theta[:n_weights]).min() >= 0.01
    pattern = kink_pattern(theta, sizes, data, activation)
    for i in np.random.default_rng(2).choice(theta.size, 50, replace=False):
        for step in (-2e-3, 2e-3):
            moved = theta.copy()
            moved[i] += step
            np.testing.assert_array_equal(kink_pattern(moved, sizes, data, activation), pattern)
