"""Activations and their derivatives: values, derivatives from the activation, dtype, backends."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ufldl_sae.backend import to_host
from ufldl_sae.beyond.activations import (
    ACTIVATIONS,
    RELU,
    Activation,
    get_activation,
    relu_derivative,
)

# Points away from ReLU's kink, positive and negative, small and large.
Z = np.array([-30.0, -3.0, -1.0, -0.25, -1e-3, 2e-3, 0.3, 1.0, 4.0, 30.0])

EXPECTED = {
    "sigmoid": 1 / (1 + np.exp(-Z)),
    "tanh": np.tanh(Z),
    "relu": np.where(Z > 0, Z, 0.0),
    "identity": Z,
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_values_match_the_textbook_formulas(name):
    np.testing.assert_allclose(get_activation(name).f(Z), EXPECTED[name], rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_from_the_activation_matches_finite_differences(name):
    """f'(z) from a = f(z) against a centered difference of f at z (no z is near 0 +- h)."""
    act = get_activation(name)
    h = 1e-6
    numerical = (act.f(Z + h) - act.f(Z - h)) / (2 * h)
    analytical = act.derivative(act.f(Z))
    np.testing.assert_allclose(analytical, numerical, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_values_lie_in_the_stated_range(name):
    act = get_activation(name)
    a = act.f(np.linspace(-50, 50, 1001))
    assert np.all(a >= act.low) and np.all(a <= act.high)


def test_ranges_are_the_documented_ones():
    ranges = {name: (a.low, a.high) for name, a in ACTIVATIONS.items()}
    assert ranges == {
        "sigmoid": (0.0, 1.0),
        "tanh": (-1.0, 1.0),
        "relu": (0.0, math.inf),
        "identity": (-math.inf, math.inf),
    }


def test_relu_takes_the_subgradient_0_at_its_kink():
    a = RELU.f(np.array([-1.0, -0.0, 0.0, 1e-300, 2.0]))
    np.testing.assert_array_equal(a, [0.0, 0.0, 0.0, 1e-300, 2.0])
    np.testing.assert_array_equal(relu_derivative(a), [0.0, 0.0, 0.0, 1.0, 1.0])


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_backend_and_dtype_gives_numpy_s_values(backend, name):
    act = get_activation(name)
    for dtype in (backend.xp.float64, backend.xp.float32):
        z = backend.asarray(Z, dtype)
        a = act.f(z)
        d = act.derivative(a)
        assert a.dtype == dtype and d.dtype == dtype
        assert a.device == z.device and d.device == z.device
        rtol = 1e-15 if dtype == backend.xp.float64 else 1e-6
        np.testing.assert_allclose(to_host(a), EXPECTED[name], rtol=rtol, atol=rtol)
        want = act.derivative(EXPECTED[name])
        np.testing.assert_allclose(to_host(d), want, rtol=10 * rtol, atol=10 * rtol)


def test_get_activation_names_the_choices():
    assert get_activation("tanh").name == "tanh"
    assert get_activation(RELU) is RELU
    with pytest.raises(ValueError, match=r"activation must be one of \('sigmoid', 'tanh', "
                       r"'relu', 'identity'\), got 'softplus'"):  # fmt: skip
        get_activation("softplus")
    with pytest.raises(ValueError, match="got None"):
        get_activation(None)


def test_activation_is_frozen():
    with pytest.raises(AttributeError):
        RELU.low = -1.0  # type: ignore[misc]
    custom = Activation("square", lambda z: z * z, lambda a: 2 * np.sqrt(a), 0.0, math.inf)
    assert get_activation(custom) is custom and str(custom) == "square"
