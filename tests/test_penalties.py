"""Penalties: their costs against the formulas, their gradients against finite differences,
their validation, their compatibility with the activations and their command-line form."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ufldl_sae.backend import to_host
from ufldl_sae.beyond.penalties import (
    KLSparsity,
    L1Activations,
    L1Weights,
    WeightDecay,
    check_compatible,
    check_penalties,
    describe_penalties,
    parse_penalties,
)
from ufldl_sae.gradcheck import compute_numerical_gradient, relative_difference
from ufldl_sae.model import SaturatedUnitsError, weight_decay_cost

EPSILON = 1e-3  # the five-point stencil's step in float64 (as ufldl_sae.gradcheck)


def weights(seed=0, away_from_zero=0.05):
    """Two weight matrices with no entry nearer 0 than ``away_from_zero`` (L1's kink)."""
    rng = np.random.default_rng(seed)
    W1, W2 = rng.uniform(-1, 1, (4, 6)), rng.uniform(-1, 1, (6, 4))
    for W in (W1, W2):
        W[np.abs(W) < away_from_zero] = away_from_zero
    return W1, W2


def kl_reference(rho, rho_hat):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


# --- Costs against their formulas ----------------------------------------------------------


def test_weight_decay_is_the_notes_and_leaves_biases_alone():
    W1, W2 = weights()
    p = WeightDecay(0.3)
    assert float(p.cost([W1, W2])) == float(weight_decay_cost(W1, W2, 0.3))
    assert float(p.cost([W1, W2])) == pytest.approx(0.15 * (np.sum(W1**2) + np.sum(W2**2)))
    np.testing.assert_array_equal(p.gradient(W1), 0.3 * W1)


def test_l1_weights_cost_and_subgradient():
    W1, W2 = weights()
    p = L1Weights(0.2)
    assert float(p.cost([W1, W2])) == pytest.approx(0.2 * (np.abs(W1).sum() + np.abs(W2).sum()))
    np.testing.assert_array_equal(p.gradient(np.array([-2.0, 0.0, 3.0])), [-0.2, 0.0, 0.2])


def test_kl_cost_for_each_rescale():
    rng = np.random.default_rng(1)
    a = rng.uniform(0.05, 0.95, (5, 7))
    assert float(KLSparsity(0.1, 3).cost(a)) == pytest.approx(
        3 * kl_reference(0.1, a.mean(axis=1)).sum(), rel=1e-14
    )
    t = 2 * a - 1  # tanh-like values in (-0.9, 0.9): (t + 1) / 2 is a again
    assert float(KLSparsity(0.1, 3, "tanh").cost(t)) == pytest.approx(
        3 * kl_reference(0.1, a.mean(axis=1)).sum(), rel=1e-14
    )
    r = rng.uniform(0, 4, (5, 7))  # ReLU-like values
    s = 1 / (1 + np.exp(-r))
    assert float(KLSparsity(0.7, 2, "sigmoid").cost(r)) == pytest.approx(
        2 * kl_reference(0.7, s.mean(axis=1)).sum(), rel=1e-14
    )


def test_l1_activations_is_an_average_over_examples():
    a = np.random.default_rng(2).normal(size=(5, 8))
    assert float(L1Activations(0.4).cost(a)) == pytest.approx(0.4 * np.abs(a).sum() / 8)
    doubled = np.concatenate([a, a], axis=1)  # twice the batch: the same average
    p = L1Activations(0.4)
    assert float(p.cost(doubled)) == pytest.approx(float(p.cost(a)))


def test_kl_with_beta_0_is_off_even_for_saturated_units():
    a = np.ones((3, 4))
    cost, delta = KLSparsity(0.1, 0.0).cost_and_delta(a)
    assert float(cost) == 0.0 and np.all(np.asarray(delta) == 0.0)


def test_a_saturated_unit_raises():
    a = np.full((3, 4), 0.5)
    a[1] = 1.0
    with pytest.raises(SaturatedUnitsError, match=r"unit 1 \(rho_hat = 1\)"):
        KLSparsity(0.1, 3).cost(a)
    a[1] = 0.0
    with pytest.raises(SaturatedUnitsError, match=r"unit 1 \(rho_hat = 0\)"):
        KLSparsity(0.1, 3).delta(a)


# --- Gradients against finite differences --------------------------------------------------


@pytest.mark.parametrize("penalty", [WeightDecay(0.7), L1Weights(0.3)], ids=str)
def test_weight_penalty_gradient_matches_finite_differences(penalty):
    W1, W2 = weights(away_from_zero=0.05)  # 0.05 > 2 * EPSILON: no step crosses L1's kink
    flat = np.concatenate([W1.ravel(), W2.ravel()])

    def J(w):
        return float(penalty.cost([w[:24].reshape(4, 6), w[24:].reshape(6, 4)]))

    numerical = compute_numerical_gradient(J, flat, EPSILON, order=4)
    analytical = np.concatenate([penalty.gradient(W1).ravel(), penalty.gradient(W2).ravel()])
    assert relative_difference(numerical, analytical) < 1e-9


def activations_for(penalty, seed=3):
    """Activations of shape (5, 7) the penalty is defined on, none within 0.05 of L1's kink."""
    rng = np.random.default_rng(seed)
    if isinstance(penalty, L1Activations):
        a = rng.uniform(0.05, 1.0, (5, 7)) * rng.choice([-1.0, 1.0], (5, 7))
    elif penalty.rescale == "tanh":
        a = rng.uniform(-0.9, 0.9, (5, 7))
    elif penalty.rescale == "sigmoid":
        a = rng.uniform(0.0, 3.0, (5, 7))
    else:
        a = rng.uniform(0.05, 0.95, (5, 7))
    return a


ACTIVATION_PENALTIES = [
    KLSparsity(0.1, 3.0),
    KLSparsity(0.1, 3.0, "tanh"),
    KLSparsity(0.7, 3.0, "sigmoid"),
    KLSparsity(0.05, 3.0, "sigmoid"),
    L1Activations(0.4),
]


@pytest.mark.parametrize("penalty", ACTIVATION_PENALTIES, ids=str)
def test_delta_term_is_m_times_the_derivative(penalty):
    """The delta term is per example: m dP/da, the convention of the notes' delta."""
    a = activations_for(penalty)
    m = a.shape[1]

    def J(flat):
        return float(penalty.cost(flat.reshape(a.shape)))

    numerical = compute_numerical_gradient(J, a.ravel(), EPSILON, order=4).reshape(a.shape)
    delta = np.broadcast_to(penalty.delta(a), a.shape)
    assert relative_difference(m * numerical, delta) < 1e-9


def test_tanh_rescale_halves_the_notes_delta():
    a = activations_for(KLSparsity(0.1, 3.0))
    plain = KLSparsity(0.1, 3.0).delta(a)
    halved = KLSparsity(0.1, 3.0, "tanh").delta(2 * a - 1)
    np.testing.assert_allclose(halved, plain / 2, rtol=1e-13)


def test_every_backend_gives_numpy_s_penalties(backend):
    for penalty in ACTIVATION_PENALTIES:
        a = activations_for(penalty)
        cost, delta = penalty.cost_and_delta(backend.asarray(a))
        want_cost, want_delta = penalty.cost_and_delta(a)
        assert float(cost) == pytest.approx(float(want_cost), rel=1e-13)
        np.testing.assert_allclose(to_host(delta), want_delta, rtol=1e-13)
    W1, W2 = (backend.asarray(W) for W in weights())
    for penalty in (WeightDecay(0.7), L1Weights(0.3)):
        assert float(penalty.cost([W1, W2])) == pytest.approx(
            float(penalty.cost([to_host(W1), to_host(W2)])), rel=1e-14
        )
        assert penalty.gradient(W1).device == W1.device


# --- Validation at construction ------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: WeightDecay(-1e-3), r"WeightDecay.lambda_ must be a real number in \[0, inf\], "
                                     r"got -0.001"),
        (lambda: L1Weights(-0.5), r"L1Weights.weight must be .* got -0.5"),
        (lambda: L1Activations(float("nan")), r"L1Activations.weight must be .* got nan"),
        (lambda: KLSparsity(0.0, 3), r"KLSparsity.rho must be a real number in \(0, 1\), got 0.0"),
        (lambda: KLSparsity(1.0, 3), r"KLSparsity.rho must be .*\(0, 1\), got 1.0"),
        (lambda: KLSparsity(1.5, 3), r"KLSparsity.rho must be .*\(0, 1\), got 1.5"),
        (lambda: KLSparsity(0.1, -3), r"KLSparsity.beta must be .*\[0, inf\], got -3.0"),
        (lambda: KLSparsity(0.1, 3, "relu"), r"KLSparsity.rescale must be one of "
                                             r"\(None, 'tanh', 'sigmoid'\), got 'relu'"),
        (lambda: WeightDecay("0.1"), r"WeightDecay.lambda_ must be .* got '0.1'"),
    ],
)  # fmt: skip
def test_invalid_numbers_are_refused_with_field_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_penalties_are_frozen_and_hold_floats():
    p = KLSparsity(1 / 8, 3)
    assert isinstance(p.beta, float)
    with pytest.raises(AttributeError):
        p.rho = 0.2  # type: ignore[misc]


# --- Compatibility with the activations ----------------------------------------------------


def test_kl_on_relu_units_is_refused_with_two_ways_out():
    with pytest.raises(ValueError) as info:
        check_compatible("relu", (WeightDecay(1e-3), KLSparsity(0.05, 3)))
    message = str(info.value)
    assert "undefined for relu units" in message and "rho_hat can be 1 or more" in message
    assert "L1Activations" in message and "rescale='sigmoid'" in message
    assert "never goes below 0.5" in message


def test_kl_on_tanh_units_needs_the_tanh_rescale():
    expected = r"undefined for tanh units.*rescale='tanh'.*\(a \+ 1\) / 2"
    with pytest.raises(ValueError, match=expected):
        check_compatible("tanh", (KLSparsity(0.05, 3),))
    check_compatible("tanh", (KLSparsity(0.05, 3, "tanh"),))


@pytest.mark.parametrize("rescale", [None, "tanh"])
def test_kl_on_unbounded_units_is_refused(rescale):
    for name in ("relu", "identity"):
        with pytest.raises(ValueError, match=f"undefined for {name} units"):
            check_compatible(name, (KLSparsity(0.6, 3, rescale),))


def test_sigmoid_rescale_on_relu_warns_that_rho_below_half_is_unreachable():
    with pytest.warns(UserWarning, match=r"\[0.5, 1\].*rho = 0.05 is unreachable.*toward 0"):
        check_compatible("relu", (KLSparsity(0.05, 3, "sigmoid"),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_compatible("relu", (KLSparsity(0.6, 3, "sigmoid"),))  # reachable: no warning
        check_compatible("sigmoid", (KLSparsity(0.01, 3), L1Activations(1), L1Weights(1)))
        check_compatible("relu", (L1Activations(1e-3), WeightDecay(1e-3), L1Weights(1e-3)))


def test_check_penalties_refuses_duplicates_and_strangers():
    with pytest.raises(ValueError, match="two WeightDecays"):
        check_penalties((WeightDecay(1), WeightDecay(2)))
    with pytest.raises(ValueError, match=r"penalties must hold instances of .* got 0.1"):
        check_penalties((0.1,))
    assert check_penalties("l2=1") == (WeightDecay(1.0),)


# --- The command-line form ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "penalties"),
    [
        ("l2=3e-3,kl=0.1:3", (WeightDecay(3e-3), KLSparsity(0.1, 3))),
        ("l1w=0.01", (L1Weights(0.01),)),
        ("l1a=1e-5", (L1Activations(1e-5),)),
        ("kl=0.05:0.1:sigmoid", (KLSparsity(0.05, 0.1, "sigmoid"),)),
        (" kl = 0.2 : 1 : tanh , l2 = 0 ", (KLSparsity(0.2, 1, "tanh"), WeightDecay(0))),
        ("none", ()),
        ("", ()),
    ],
)
def test_parse_penalties_examples(text, penalties):
    assert parse_penalties(text) == penalties


def test_describe_penalties_writes_the_short_form():
    assert describe_penalties((WeightDecay(3e-3), KLSparsity(0.1, 3.0))) == "l2=0.003,kl=0.1:3"
    assert describe_penalties((KLSparsity(0.05, 0.1, "sigmoid"),)) == "kl=0.05:0.1:sigmoid"
    assert describe_penalties((L1Activations(1e-5), L1Weights(2))) == "l1a=1e-05,l1w=2"
    assert describe_penalties(()) == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("l3=1", r"unknown penalty 'l3' in 'l3=1'; known: l2=lambda, l1w=weight, "
                 r"kl=rho:beta\[:tanh\|sigmoid\], l1a=weight"),
        ("l2", r"penalty 'l2' must read name=value"),
        ("kl=0.1", r"penalty 'kl=0.1' must read kl=rho:beta\[:tanh\|sigmoid\]"),
        ("l2=1:2", r"penalty 'l2=1:2' must read l2=number"),
        ("kl=0.1:x", r"penalty 'kl=0.1:x': beta must be a number, got 'x'"),
        ("l1a=", r"penalty 'l1a=': weight must be a number, got ''"),
        ("kl=1.5:3", r"penalty 'kl=1.5:3': KLSparsity.rho must be .*\(0, 1\), got 1.5"),
        ("l2=-1", r"penalty 'l2=-1': WeightDecay.lambda_ must be .* got -1.0"),
        ("l2=inf", r"WeightDecay.lambda_ must be .* got inf"),
        ("kl=0.1:3:relu", r"KLSparsity.rescale must be one of .* got 'relu'"),
        ("l2=1,l2=2", r"two WeightDecays"),
    ],
)  # fmt: skip
def test_parse_penalties_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_penalties(text)


positive = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
unit = st.floats(0, 1, exclude_min=True, exclude_max=True)
penalty_sets = st.tuples(
    st.none() | positive.map(WeightDecay),
    st.none() | positive.map(L1Weights),
    st.none() | st.builds(KLSparsity, unit, positive, st.sampled_from([None, "tanh", "sigmoid"])),
    st.none() | positive.map(L1Activations),
).flatmap(lambda kinds: st.permutations([p for p in kinds if p is not None]))


@given(penalties=penalty_sets)
def test_describe_then_parse_is_the_identity(penalties):
    text = describe_penalties(penalties)
    assert parse_penalties(text) == tuple(penalties)
    assert describe_penalties(parse_penalties(text)) == text
