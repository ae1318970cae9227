"""Deep autoencoders: the notes' cost as a special case, gradient checks for every activation and
penalty, an independent example-by-example reference, validation, and every backend present."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ufldl_sae import gradcheck
from ufldl_sae.backend import to_host
from ufldl_sae.beyond.deep import (
    autoencoder_cost,
    autoencoder_cost_terms,
    autoencoder_forward,
    code_layer,
    deep_block_slices,
    deep_pack,
    deep_theta_size,
    deep_unpack,
    encode,
    initialize_deep,
    reconstruct,
    reconstruction_errors,
)
from ufldl_sae.beyond.penalties import KLSparsity, L1Activations, L1Weights, WeightDecay
from ufldl_sae.gradcheck import compute_numerical_gradient, relative_difference
from ufldl_sae.model import sparse_autoencoder_cost, sparse_autoencoder_cost_terms
from ufldl_sae.params import initialize_parameters, pack, theta_size, unpack

TUTORIAL = (784, 128, 64, 32, 64, 128, 784)
DEEP = (12, 8, 5, 8, 12)
DEEPER = (16, 10, 6, 3, 6, 10, 16)

# --- An independent reference: plain NumPy, one example at a time, nothing from deep.py -------

REFERENCE_F = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "identity": lambda z: z,
}
RESCALE = {None: lambda a: a, "tanh": lambda a: (a + 1) / 2, "sigmoid": REFERENCE_F["sigmoid"]}


def reference_unpack(theta, sizes):
    """W(:) blocks read back with MATLAB's column-major order, then the biases."""
    Ws, bs, start = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        Ws.append(theta[start : start + n_in * n_out].reshape((n_out, n_in), order="F"))
        start += n_in * n_out
    for n_out in sizes[1:]:
        bs.append(theta[start : start + n_out])
        start += n_out
    assert start == len(theta)
    return Ws, bs


def reference_cost(theta, sizes, data, activation, output, spec, sparse_layers):
    """The cost, example by example. ``spec``: {"l2": lam, "l1w": w, "kl": (rho, beta, rescale),
    "l1a": w}; ``sparse_layers`` numbered as in the notes (layer 1 is the input)."""
    Ws, bs = reference_unpack(theta, sizes)
    m = data.shape[1]
    layers_of_each_example = []
    squared_error = 0.0
    for i in range(m):
        a = [data[:, i]]
        for l, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            f = REFERENCE_F[output] if l == len(Ws) - 1 else REFERENCE_F[activation]
            a.append(f(W @ a[-1] + b))
        squared_error += 0.5 * np.sum((a[-1] - data[:, i]) ** 2)
        layers_of_each_example.append(a)
    cost = squared_error / m
    cost += spec.get("l2", 0.0) / 2 * sum(np.sum(W**2) for W in Ws)
    cost += spec.get("l1w", 0.0) * sum(np.sum(np.abs(W)) for W in Ws)
    for layer in sparse_layers:
        per_example = [a[layer - 1] for a in layers_of_each_example]
        if "kl" in spec:
            rho, beta, rescale = spec["kl"]
            rho_hat = sum(RESCALE[rescale](a) for a in per_example) / m
            kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
            cost += beta * np.sum(kl)
        if "l1a" in spec:
            cost += spec["l1a"] * sum(np.sum(np.abs(a)) for a in per_example) / m
    return cost


def penalties_of(spec):
    kinds = {"l2": WeightDecay, "l1w": L1Weights, "kl": KLSparsity, "l1a": L1Activations}
    return tuple(
        kinds[k](*v) if isinstance(v, tuple) else kinds[k](v) for k, v in spec.items()
    )


def reference_kinks(theta, sizes, data, activation):
    """Signs of every hidden pre-activation and of every weight: where ReLU and L1 bend."""
    Ws, bs = reference_unpack(theta, sizes)
    signs, a = [np.sign(W).ravel() for W in Ws], data
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        z = W @ a + b[:, None]
        signs.append(np.sign(z).ravel())
        a = REFERENCE_F[activation](z)
    return np.concatenate(signs)


def smallest_hidden_z(theta, sizes, data, activation):
    Ws, bs = reference_unpack(theta, sizes)
    smallest, a = np.inf, data
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        z = W @ a + b[:, None]
        smallest = min(smallest, np.abs(z).min())
        a = REFERENCE_F[activation](z)
    return smallest


# --- Problems ---------------------------------------------------------------------------------

#: Per hidden activation: the output units, the data they can reconstruct, the KL it allows.
CASES = {
    "sigmoid": ("sigmoid", (0.05, 0.95), KLSparsity(0.1, 3.0)),
    "tanh": ("tanh", (-0.9, 0.9), KLSparsity(0.1, 3.0, "tanh")),
    "relu": ("identity", None, KLSparsity(0.7, 3.0, "sigmoid")),  # rho >= 0.5: reachable
}


def problem(sizes, activation="sigmoid", m=5, seed=0, margin=0.02):
    """theta (random biases too) and data, with no kink within reach of a gradient check.

    Weights closer to 0 than 0.01 are moved to +-0.01 (L1's kink at W = 0), and seeds are tried
    until no hidden pre-activation is within ``margin`` of 0 (ReLU's kink, and L1 on the
    activations' kink for tanh). The five-point stencil moves one parameter by at most
    2 * 1e-3, far less than either; :func:`guarded` also checks that no step crosses a kink.
    """
    output, data_range, _ = CASES[activation]
    for s in range(seed, seed + 500):
        rng = np.random.default_rng(s)
        theta = initialize_deep(sizes, activation, rng, output_activation=output)
        n_weights = deep_block_slices(sizes)["b1"].start
        w = theta[:n_weights]
        w[np.abs(w) < 0.01] = np.where(w[np.abs(w) < 0.01] < 0, -0.01, 0.01)
        theta[n_weights:] = rng.normal(0, 0.1, len(theta) - n_weights)
        if data_range is None:
            data = rng.normal(0, 1, (sizes[0], m))
        else:
            data = rng.uniform(*data_range, (sizes[0], m))
        if smallest_hidden_z(theta, sizes, data, activation) > margin:
            return theta, data
    raise AssertionError("no seed gave pre-activations away from 0")


def guarded(J, theta, sizes, data, activation):
    """J, asserting at every evaluation that no kink lies between it and theta."""
    kinks = reference_kinks(theta, sizes, data, activation)

    def checked(t):
        assert np.array_equal(reference_kinks(t, sizes, data, activation), kinks), (
            "a finite-difference step crossed a kink (a ReLU at 0 or a weight at 0)"
        )
        return J(t)

    return checked


def block_differences(theta, sizes, data, **kwargs):
    """Relative difference between the five-point numerical gradient and the analytic one,
    overall and per block (W1 ... WL, b1 ... bL)."""

    def J(t):
        return autoencoder_cost(t, sizes, data, check_inputs=False, **kwargs)

    J_guarded = guarded(J, theta, sizes, data, kwargs.get("activation", "sigmoid"))
    return gradcheck.block_differences(J_guarded, theta, deep_block_slices(sizes), epsilon=1e-3)


# --- Layout of theta ------------------------------------------------------------------------


def test_theta_sizes():
    assert deep_theta_size((64, 25, 64)) == theta_size(64, 25) == 3289
    weights = 2 * (784 * 128 + 128 * 64 + 64 * 32)
    assert deep_theta_size(TUTORIAL) == weights + 2 * (128 + 64) + 32 + 784 == 222_384
    slices = deep_block_slices(DEEP)
    assert list(slices) == ["W1", "W2", "W3", "W4", "b1", "b2", "b3", "b4"]
    assert slices["W2"] == slice(96, 136) and slices["b4"] == slice(272 + 21, 272 + 33)


@given(v=st.integers(1, 9), h=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_pack_unpack_agree_bit_for_bit_with_the_notes(v, h, seed):
    rng = np.random.default_rng(seed)
    W1, W2 = rng.normal(size=(h, v)), rng.normal(size=(v, h))
    b1, b2 = rng.normal(size=h), rng.normal(size=v)
    theta = deep_pack([W1, W2], [b1, b2])
    np.testing.assert_array_equal(theta, pack(W1, W2, b1, b2))
    (dW1, dW2), (db1, db2) = deep_unpack(theta, (v, h, v))
    for got, want in zip((dW1, dW2, db1, db2), unpack(theta, v, h), strict=True):
        np.testing.assert_array_equal(got, want)


@given(
    sizes=st.lists(st.integers(1, 6), min_size=3, max_size=7).map(lambda s: (*s[:-1], s[0])),
    seed=st.integers(0, 2**16),
)
def test_pack_unpack_round_trip_is_column_major(sizes, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=deep_theta_size(sizes))
    Ws, bs = deep_unpack(theta, sizes)
    for W, b, want_W, want_b in zip(Ws, bs, *reference_unpack(theta, sizes), strict=True):
        np.testing.assert_array_equal(W, want_W)
        np.testing.assert_array_equal(b, want_b)
        assert np.shares_memory(W, theta) and np.shares_memory(b, theta)  # views
    np.testing.assert_array_equal(deep_pack(Ws, bs), theta)


# --- Initialization -----------------------------------------------------------------------


@pytest.mark.parametrize(("v", "h", "seed"), [(64, 25, 0), (8, 5, 7), (784, 196, 1)])
def test_initialize_deep_is_the_course_s_for_one_hidden_layer(v, h, seed):
    np.testing.assert_array_equal(initialize_deep((v, h, v), "sigmoid", seed),
                                  initialize_parameters(h, v, seed))  # fmt: skip
    rng1, rng2 = np.random.default_rng(seed), np.random.default_rng(seed)
    np.testing.assert_array_equal(initialize_deep((v, h, v), rng=rng1),
                                  initialize_parameters(h, v, rng2))  # fmt: skip


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_initialize_deep_ranges_and_zero_biases(activation):
    theta = initialize_deep(DEEPER, activation, 3)
    assert theta.dtype == np.float64 and theta.shape == (deep_theta_size(DEEPER),)
    Ws, bs = reference_unpack(theta, DEEPER)
    for l, W in enumerate(Ws, start=1):
        n_out, n_in = W.shape
        he = activation == "relu" and l < len(Ws)  # the output layer is sigmoid
        r = np.sqrt(6 / n_in) if he else np.sqrt(6) / np.sqrt(n_in + n_out + 1)
        assert np.abs(W).max() <= r and np.abs(W).max() > 0.7 * r
    assert all(np.all(b == 0) for b in bs)
    # W1 is the first draw of the generator, W2 the next, in MATLAB's column-major order.
    r1 = np.sqrt(6 / 16) if activation == "relu" else np.sqrt(6) / np.sqrt(27)
    np.testing.assert_array_equal(Ws[0].ravel(order="F"),
                                  np.random.default_rng(3).random(160) * 2 * r1 - r1)  # fmt: skip


def test_he_range_keeps_the_signal_through_a_relu_stack():
    """Why ReLU layers get He's range: the course's halves the signal at every ReLU layer."""
    sizes = (200,) * 7
    x = np.random.default_rng(0).normal(size=(200, 300))

    def mean_squares(theta):
        Ws, bs = reference_unpack(theta, sizes)
        a, out = x, []
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            z = W @ a + b[:, None]
            out.append(np.mean(z**2))
            a = np.maximum(z, 0)
        return out

    he = mean_squares(initialize_deep(sizes, "relu", 1))
    course = mean_squares(initialize_deep(sizes, "sigmoid", 1))  # same stack, course's range
    assert 0.5 < he[-1] / he[0] < 2.0, he
    assert course[-1] / course[0] < 0.1, course  # about (1/2)^4 after four more ReLU layers


# --- The notes' cost as a special case -----------------------------------------------------


def notes_problem(v=10, h=4, m=15, seed=0):
    rng = np.random.default_rng(seed)
    theta = initialize_parameters(h, v, rng)
    theta[2 * h * v :] = rng.normal(0, 0.1, h + v)
    return theta, rng.uniform(0.05, 0.95, (v, m))


@pytest.mark.parametrize(
    ("lambda_", "rho", "beta"), [(1e-3, 0.05, 3.0), (0.0, 0.2, 0.0), (0.1, 0.5, 1.0)]
)
def test_one_hidden_layer_is_the_notes_on_every_backend(backend, lambda_, rho, beta):
    theta, data = notes_problem()
    t, x = backend.asarray(theta), backend.asarray(data)
    want_cost, want_grad = sparse_autoencoder_cost(t, 10, 4, lambda_, rho, beta, x)
    cost, grad = autoencoder_cost(
        t, (10, 4, 10), x, penalties=(WeightDecay(lambda_), KLSparsity(rho, beta))
    )
    assert grad.device == t.device and cost.shape == ()
    assert float(cost) == pytest.approx(float(want_cost), rel=1e-12)
    assert relative_difference(grad, want_grad) < 1e-12
    np.testing.assert_allclose(to_host(grad), to_host(want_grad), rtol=1e-12, atol=1e-16)
    terms = autoencoder_cost_terms(t, (10, 4, 10), x, penalties=f"l2={lambda_},kl={rho}:{beta}")
    notes = sparse_autoencoder_cost_terms(t, 10, 4, lambda_, rho, beta, x)
    assert terms == pytest.approx(
        {"reconstruction": notes.reconstruction, "weight_decay": notes.weight_decay,
         "kl_sparsity": notes.sparsity}, rel=1e-13)  # fmt: skip


def test_float32_data_runs_in_float32(backend):
    theta, data = problem(DEEP, "relu")
    xp, penalties = backend.xp, (WeightDecay(1e-3), L1Activations(1e-2))
    cost, grad = autoencoder_cost(
        backend.asarray(theta), DEEP, backend.asarray(data, xp.float32), activation="relu",
        output_activation="identity", penalties=penalties,
    )  # fmt: skip
    assert grad.dtype == xp.float32 and cost.dtype == xp.float32
    want, _ = autoencoder_cost(theta, DEEP, data, activation="relu",
                               output_activation="identity", penalties=penalties)  # fmt: skip
    assert float(cost) == pytest.approx(float(want), rel=1e-5)


# --- Gradient checks ------------------------------------------------------------------------

PENALTY_SETS = ["none", "l2", "l1w", "kl", "l1a", "all"]


def penalty_set(name, activation):
    kl = CASES[activation][2]
    sets = {
        "none": (),
        "l2": (WeightDecay(0.01),),
        "l1w": (L1Weights(0.01),),
        "kl": (kl,),
        "l1a": (L1Activations(0.1),),
        "all": (WeightDecay(0.01), L1Weights(0.01), kl, L1Activations(0.1)),
    }
    return sets[name]


@pytest.mark.parametrize("penalties", PENALTY_SETS)
@pytest.mark.parametrize("activation", list(CASES))
def test_gradient_one_hidden_layer(activation, penalties):
    sizes = (6, 4, 6)
    theta, data = problem(sizes, activation)
    differences = block_differences(
        theta, sizes, data, activation=activation, output_activation=CASES[activation][0],
        penalties=penalty_set(penalties, activation),
    )  # fmt: skip
    assert max(differences.values()) < 1e-9, differences


@pytest.mark.parametrize(
    ("sizes", "sparse_layers"), [(DEEP, None), (DEEP, (2, 3, 4)), (DEEPER, (3, 4))]
)
@pytest.mark.parametrize("activation", list(CASES))
def test_gradient_deep_network_all_penalties(activation, sizes, sparse_layers):
    theta, data = problem(sizes, activation, m=4)
    differences = block_differences(
        theta, sizes, data, activation=activation, output_activation=CASES[activation][0],
        penalties=penalty_set("all", activation), sparse_layers=sparse_layers,
    )  # fmt: skip
    assert max(differences.values()) < 1e-9, differences


def test_a_wrong_gradient_fails_the_check():
    """The check can fail: drop the L1 activation term's 1/m convention (a classic slip)."""
    theta, data = problem(DEEP, "tanh", m=4)
    kwargs = dict(activation="tanh", output_activation="tanh", penalties=(L1Activations(0.1),))

    def wrong(t):  # the penalty's cost counted m times (no 1/m), its delta unchanged
        cost, grad = autoencoder_cost(t, DEEP, data, check_inputs=False, **kwargs)
        return cost + (data.shape[1] - 1) * autoencoder_cost_terms(
            t, DEEP, data, check_inputs=False, **kwargs)["l1_activations"], grad  # fmt: skip

    numerical = compute_numerical_gradient(wrong, theta, 1e-3, order=4)
    assert relative_difference(numerical, wrong(theta)[1]) > 1e-3


# --- Against the independent reference ----------------------------------------------------


REFERENCE_CASES = [
    ("sigmoid", "sigmoid", {"l2": 1e-2, "kl": (0.1, 3.0, None)}, None),
    ("sigmoid", "sigmoid", {"l1w": 3e-3, "kl": (0.3, 1.0, None), "l1a": 0.2}, (2, 3, 4)),
    ("tanh", "tanh", {"l2": 1e-3, "l1w": 1e-3, "kl": (0.2, 2.0, "tanh"), "l1a": 0.1}, None),
    ("relu", "identity", {"l2": 1e-3, "kl": (0.05, 0.5, "sigmoid"), "l1a": 0.1}, (2, 4)),
    ("relu", "relu", {"l1w": 1e-3, "l1a": 0.1}, (2, 3, 4)),
    ("tanh", "identity", {}, None),
]


@pytest.mark.parametrize(("activation", "output", "spec", "sparse_layers"), REFERENCE_CASES)
@pytest.mark.parametrize("sizes", [DEEP, DEEPER, (6, 4, 6)], ids=str)
def test_cost_matches_the_example_by_example_reference(activation, output, spec, sparse_layers,
                                                       sizes):  # fmt: skip
    if sparse_layers is not None and max(sparse_layers) > len(sizes) - 1:
        sparse_layers = (2,)
    rng = np.random.default_rng(5)
    theta = initialize_deep(sizes, activation, rng, output_activation=output)
    theta[deep_block_slices(sizes)["b1"].start :] = rng.normal(0, 0.1, sum(sizes[1:]))
    data = rng.uniform(0.0, 1.0, (sizes[0], 7))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KL(0.05) with the sigmoid rescale on ReLU warns
        cost, _ = autoencoder_cost(theta, sizes, data, activation=activation,
                                   output_activation=output, penalties=penalties_of(spec),
                                   sparse_layers=sparse_layers)  # fmt: skip
        terms = autoencoder_cost_terms(theta, sizes, data, activation=activation,
                                       output_activation=output, penalties=penalties_of(spec),
                                       sparse_layers=sparse_layers)  # fmt: skip
    layers = sparse_layers or (code_layer(sizes),)
    want = reference_cost(theta, sizes, data, activation, output, spec, layers)
    assert float(cost) == pytest.approx(want, rel=1e-12)
    assert sum(terms.values()) == pytest.approx(want, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=3, max_size=6).map(lambda s: (*s[:-1], s[0])),
    m=st.integers(1, 6),
    activation=st.sampled_from(list(CASES)),
    seed=st.integers(0, 2**16),
)
def test_any_shape_gives_a_finite_cost_and_a_gradient_of_theta_s_shape(sizes, m, activation,
                                                                         seed):  # fmt: skip
    rng = np.random.default_rng(seed)
    output, _, kl = CASES[activation]
    theta = initialize_deep(sizes, activation, rng, output_activation=output)
    data = rng.uniform(0.05, 0.9, (sizes[0], m))
    penalties = (WeightDecay(1e-3), L1Weights(1e-3), kl, L1Activations(1e-2))
    cost, grad = autoencoder_cost(theta, sizes, data, activation=activation,
                                  output_activation=output, penalties=penalties)  # fmt: skip
    assert np.isfinite(float(cost)) and grad.shape == theta.shape and np.all(np.isfinite(grad))
    layers = (code_layer(sizes),)
    spec = {"l2": 1e-3, "l1w": 1e-3, "kl": (kl.rho, kl.beta, kl.rescale), "l1a": 1e-2}
    want = reference_cost(theta, sizes, data, activation, output, spec, layers)
    assert float(cost) == pytest.approx(want, rel=1e-11)


# --- Using a trained network ----------------------------------------------------------------


def test_code_layer_is_the_smallest_hidden_layer():
    assert code_layer((64, 25, 64)) == 2
    assert code_layer(TUTORIAL) == 4
    assert code_layer(DEEPER) == 4
    assert code_layer((12, 6, 6, 12)) == 2
    assert code_layer((10, 3, 8, 3, 10)) == 2
    assert code_layer((10, 8, 4, 3, 10)) == 4


def test_encode_reconstruct_and_errors(backend):
    theta, data = problem(DEEP, "tanh", m=6)
    kwargs = dict(activation="tanh", output_activation="tanh")
    t, x = backend.asarray(theta), backend.asarray(data)
    a = autoencoder_forward(*deep_unpack(t, DEEP), x, "tanh", "tanh")
    assert [tuple(ai.shape) for ai in a] == [(12, 6), (8, 6), (5, 6), (8, 6), (12, 6)]
    np.testing.assert_array_equal(to_host(encode(t, DEEP, x, activation="tanh")), to_host(a[2]))
    np.testing.assert_array_equal(to_host(encode(t, DEEP, x, activation="tanh", layer=4)),
                                  to_host(a[3]))  # fmt: skip
    np.testing.assert_array_equal(to_host(reconstruct(t, DEEP, x, **kwargs)), to_host(a[-1]))
    errors = reconstruction_errors(t, DEEP, x, **kwargs)
    assert errors.shape == (6,) and errors.device == x.device
    want = 0.5 * np.sum((to_host(a[-1]) - data) ** 2, axis=0)
    np.testing.assert_allclose(to_host(errors), want, rtol=1e-14)
    terms = autoencoder_cost_terms(t, DEEP, x, penalties=(), **kwargs)
    assert terms == {"reconstruction": pytest.approx(float(np.mean(want)), rel=1e-14)}


def test_deep_cost_on_every_backend_is_numpy_s(backend):
    theta, data = problem(DEEP, "relu", m=6)
    kwargs = dict(
        activation="relu",
        output_activation="identity",
        penalties="l2=1e-3,l1w=1e-3,kl=0.7:3:sigmoid,l1a=0.1",
        sparse_layers=(2, 3),
    )
    want_cost, want_grad = autoencoder_cost(theta, DEEP, data, **kwargs)
    cost, grad = autoencoder_cost(backend.asarray(theta), DEEP, backend.asarray(data), **kwargs)
    assert float(cost) == pytest.approx(float(want_cost), rel=1e-13)
    np.testing.assert_allclose(to_host(grad), want_grad, rtol=1e-12, atol=1e-15)


# --- Validation -----------------------------------------------------------------------------


def notes_arguments():
    theta, data = notes_problem(v=6, h=4, m=5)
    return theta, (6, 4, 6), data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(activation="relu"), r"KLSparsity\(rescale=None\) is undefined for relu units.*"
                                  r"L1Activations.*rescale='sigmoid'"),
        (dict(activation="tanh"), r"undefined for tanh units.*Use rescale='tanh'"),
        (dict(activation="softplus"), r"activation must be one of \('sigmoid', 'tanh', 'relu', "
                                      r"'identity'\), got 'softplus'"),
        (dict(penalties="l2=1e-4,kl=1.2:3"), r"KLSparsity.rho must be a real number in "
                                             r"\(0, 1\), got 1.2"),
        (dict(penalties="kl=0.1:-3"), r"KLSparsity.beta must be .*\[0, inf\], got -3.0"),
        (dict(penalties="l2=-1e-4"), r"WeightDecay.lambda_ must be .*\[0, inf\], got -0.0001"),
        (dict(penalties=(L1Weights(0.1), 3.0)), r"penalties must hold instances of .* got 3.0"),
        (dict(layer_sizes=(6, 4, 5)), r"layer_sizes must end with the size it starts with .* "
                                      r"got \(6, 4, 5\): input 6, output 5"),
        (dict(layer_sizes=(6, 6)), r"layer_sizes must name at least 3 layers"),
        (dict(layer_sizes=(6, 0, 6)), r"layer_sizes\[1\] must be an integer >= 1, got 0"),
        (dict(theta=np.zeros(57)), r"theta must be a 1-D array of length 58, got shape \(57,\)"),
        (dict(theta=np.zeros((58, 1))), r"theta must be a 1-D vector of length 58, got a "
                                        r"\(58, 1\) matrix"),
        (dict(theta=np.full(58, np.nan)), r"theta must be finite, but 58 entries are NaN"),
        (dict(data=np.zeros((5, 5))), r"data must have 6 rows \(one per visible unit\), got "
                                      r"shape \(5, 5\)"),
        (dict(data=np.zeros(6)), r"data must be a 2-D array .* got shape \(6,\)"),
        (dict(data=np.zeros((6, 5), dtype=np.int64)), r"data must have a float32 or float64"),
        (dict(sparse_layers=(1,)), r"sparse_layers must name hidden layers, numbered as in the "
                                   r"notes from 2 \(the first hidden layer\) to 2 .* got 1"),
        (dict(sparse_layers=(2, 2)), r"sparse_layers names a layer twice: \(2, 2\)"),
    ],
)  # fmt: skip
def test_invalid_arguments_are_refused_with_a_clear_message(change, message):
    theta, sizes, data = notes_arguments()
    arguments = dict(theta=theta, layer_sizes=sizes, data=data)
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        autoencoder_cost(**arguments)


def test_relu_with_the_sigmoid_rescale_warns_below_one_half():
    theta, data = problem((6, 4, 6), "relu")
    with pytest.warns(UserWarning, match="rho = 0.05 is unreachable"):
        autoencoder_cost(theta, (6, 4, 6), data, activation="relu", output_activation="identity",
                         penalties="kl=0.05:3:sigmoid")  # fmt: skip


def test_data_outside_the_output_range_warns():
    theta, sizes, data = notes_arguments()
    with pytest.warns(UserWarning, match=r"outside the range \[0, 1\] of the sigmoid output"):
        autoencoder_cost(theta, sizes, data * 3 - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        autoencoder_cost(theta, sizes, data * 3 - 1, output_activation="identity")


def test_encode_refuses_a_layer_that_is_not_hidden():
    theta, sizes, data = notes_arguments()
    with pytest.raises(ValueError, match=r"layer must be a hidden layer, numbered as in the notes "
                                         r"from 2 to 2, got 3"):  # fmt: skip
        encode(theta, sizes, data, layer=3)
