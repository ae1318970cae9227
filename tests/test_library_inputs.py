"""Issue 19, the library's side: what a user (or a broken file) hands the public functions.

One test per case of the issue: an integer theta in the numerical gradient, saved models that
lie, NaN and inf refused by the argument's name, labels that are not whole, loaders that check
what they load, units pushed below the sigmoid's floor, and the estimator's input edge
(array-likes, sparse, complex, strings, the course's transposed matrix).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.io

from ufldl_sae import initialize_parameters, pack, sparse_autoencoder_cost, unpack
from ufldl_sae.backend import to_host
from ufldl_sae.data.natural_images import MissingVariableError, load_images_mat
from ufldl_sae.data.patches import normalize_data, sample_images
from ufldl_sae.estimator import SparseAutoencoder
from ufldl_sae.exercises.softmax import softmax_train
from ufldl_sae.gradcheck import compute_numerical_gradient, simple_quadratic_function
from ufldl_sae.model import (
    SaturatedUnitsError,
    feedforward_autoencoder,
    forward,
    reconstruction_cost,
    smallest_resolved_rho_hat,
    sparse_autoencoder_cost_terms,
    weight_decay_cost,
)

# --- compute_numerical_gradient at an integer theta -----------------------------------------


def test_an_integer_theta_is_differentiated_in_float64():
    """The course's x = [4; 10] typed as np.array([4, 10]): the steps used to round to 0."""
    numgrad = compute_numerical_gradient(simple_quadratic_function, np.array([4, 10]))
    assert numgrad.dtype == np.float64
    np.testing.assert_allclose(numgrad, [38.0, 12.0], rtol=1e-9)


def test_a_boolean_theta_is_refused_by_name():
    with pytest.raises(ValueError, match="theta must have a real floating or integer dtype"):
        compute_numerical_gradient(simple_quadratic_function, np.array([True, False]))


# --- SparseAutoencoder.load: nothing in the file is trusted ---------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small fitted model, saved once; each test rewrites one entry of a copy."""
    X = np.random.default_rng(0).uniform(0.1, 0.9, (40, 6))
    model = SparseAutoencoder(hidden_size=3, max_iter=3, random_state=0).fit(X)
    path = model.save(tmp_path_factory.mktemp("model") / "model.npz")
    with np.load(path, allow_pickle=False) as f:
        return model, {name: f[name] for name in f.files}


def rewrite(tmp_path, entries, **changes):
    path = tmp_path / "changed.npz"
    np.savez(path, **{**entries, **changes})
    return path


def test_an_unchanged_file_loads(saved, tmp_path):
    model, entries = saved
    loaded = SparseAutoencoder.load(rewrite(tmp_path, entries))
    np.testing.assert_array_equal(loaded.theta_, model.theta_)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t[:-1], r"theta has shape \(44,\).*needs 45 entries"),
        (lambda t: np.append(t, 0.0), r"theta has shape \(46,\).*needs 45 entries"),
        (lambda t: np.full_like(t, np.nan), "theta holds 45 NaN or inf"),
        (lambda t: t.reshape(-1, 1), "theta must be a 1-D array of real numbers"),
        (lambda t: t.astype(str), "theta must be a 1-D array of real numbers"),
    ],
    ids=["truncated", "too-long", "all-nan", "column", "strings"],
)
def test_a_bad_theta_is_refused(saved, tmp_path, change, message):
    _, entries = saved
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder.load(rewrite(tmp_path, entries, theta=change(entries["theta"])))


def test_a_changed_feature_count_is_refused(saved, tmp_path):
    _, entries = saved
    path = rewrite(tmp_path, entries, n_features_in=np.array(7))
    with pytest.raises(ValueError, match=r"n_features_in = 7 features needs 52 entries"):
        SparseAutoencoder.load(path)


@pytest.mark.parametrize(
    ("entry", "value", "message"),
    [
        ("n_iter", np.array(-1), "n_iter must be one integer >= 0"),
        ("n_iter", np.array([3, 4]), "n_iter must be one integer >= 0"),
        ("n_iter", np.array(2.5), "n_iter must be one integer >= 0"),
        ("n_features_in", np.array(0), "n_features_in must be one integer >= 1"),
        ("loss_curve", np.array([1.0, np.inf]), "loss_curve holds 1 NaN or inf"),
        ("cost_terms", np.array([1.0, 2.0]), "cost_terms must hold 3 values"),
        ("params", np.array("{not json"), "params is not valid JSON"),
        ("params", np.array('{"gamma": 1}'), r"unknown parameter\(s\) \['gamma'\]"),
        ("params", np.array('{"hidden_size": -3}'), "hidden_size must be an integer >= 1"),
        ("params", np.array('{"backend": "torch"}'), "backend must be one of"),
    ],
)
def test_every_entry_is_checked(saved, tmp_path, entry, value, message):
    _, entries = saved
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder.load(rewrite(tmp_path, entries, **{entry: value}))


def test_a_missing_entry_is_named(saved, tmp_path):
    _, entries = saved
    path = tmp_path / "partial.npz"
    np.savez(path, **{k: v for k, v in entries.items() if k != "cost_terms"})
    with pytest.raises(ValueError, match=r"missing \['cost_terms'\]"):
        SparseAutoencoder.load(path)


def test_a_truncated_or_foreign_file_is_a_value_error(saved, tmp_path):
    model, _ = saved
    whole = model.save(tmp_path / "whole.npz").read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="truncated.npz is not a readable saved model"):
        SparseAutoencoder.load(truncated)
    lone = tmp_path / "lone.npy"
    np.save(lone, np.ones(3))
    with pytest.raises(ValueError, match="not an .npz archive"):
        SparseAutoencoder.load(lone)


def test_a_theta_from_elsewhere_is_checked(saved):
    """``_set_theta`` is how a run folder's theta.npz becomes a model."""
    model, entries = saved
    fresh = SparseAutoencoder(hidden_size=3)
    with pytest.raises(ValueError, match=r"1-D real vector of 45 entries"):
        fresh._set_theta(entries["theta"][:-2], 6)
    with pytest.raises(ValueError, match="theta must be finite"):
        fresh._set_theta(np.full(45, np.inf), 6)
    fresh._set_theta(entries["theta"], 6)
    np.testing.assert_array_equal(fresh.W1_, model.W1_)


# --- NaN and inf refused with the argument's name -------------------------------------------


def test_feedforward_autoencoder_refuses_nan_data_and_inf_theta():
    theta = initialize_parameters(3, 4, 0)
    data = np.full((4, 5), 0.5)
    data[2, 3] = np.nan
    with pytest.raises(ValueError, match=r"data must be finite, but 1 entries .* \(2, 3\)"):
        feedforward_autoencoder(theta, 3, 4, data)
    theta[0] = np.inf
    with pytest.raises(ValueError, match="theta must be finite"):
        feedforward_autoencoder(theta, 3, 4, np.full((4, 5), 0.5))


def test_sample_images_refuses_nan_and_complex_images():
    images = np.random.default_rng(0).normal(size=(16, 16, 2))
    images[3, 4, 1] = np.nan
    with pytest.raises(ValueError, match=r"images must be finite.*\(3, 4, 1\)"):
        sample_images(images, 8, 10, rng=0)
    with pytest.raises(ValueError, match="images must be real, got complex"):
        sample_images(np.ones((16, 16, 2), dtype=complex), 8, 10, rng=0)


def test_normalize_data_names_nan_not_a_missing_variance():
    patches = np.random.default_rng(0).uniform(size=(4, 6))
    patches[1, 2] = np.nan
    with pytest.raises(ValueError, match="patches must be finite") as raised:
        normalize_data(patches)
    assert "variance" not in str(raised.value)


# --- softmax labels ----------------------------------------------------------------------------


def test_softmax_train_refuses_a_label_that_is_not_whole():
    data = np.random.default_rng(0).uniform(size=(4, 10))
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2.7, 0])
    with pytest.raises(ValueError, match=r"labels must be whole class indices, got 2.7 at index 8"):
        softmax_train(4, 3, 1e-4, data, labels, max_iter=2)
    with pytest.raises(ValueError, match="labels must be whole class indices, got nan"):
        softmax_train(4, 3, 1e-4, data, np.where(labels == 2.7, np.nan, labels), max_iter=2)


def test_softmax_train_takes_whole_floating_labels_as_their_integers():
    data = np.random.default_rng(0).uniform(size=(4, 10))
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    as_int = softmax_train(4, 3, 1e-4, data, labels, max_iter=5, rng=0)
    as_float = softmax_train(4, 3, 1e-4, data, labels.astype(float), max_iter=5, rng=0)
    np.testing.assert_array_equal(as_float.opt_theta, as_int.opt_theta)


# --- load_images_mat validates what it loads ---------------------------------------------------


def test_load_images_mat_refuses_nan_and_complex_images(tmp_path):
    images = np.random.default_rng(0).normal(size=(8, 8, 2))
    images[0, 1, 1] = np.inf
    path = tmp_path / "IMAGES.mat"
    scipy.io.savemat(path, {"IMAGES": images})
    with pytest.raises(ValueError, match=r"IMAGES.mat: variable IMAGES must be finite"):
        load_images_mat(path)
    scipy.io.savemat(path, {"IMAGES": np.ones((8, 8, 2)) * (1 + 1j)})
    with pytest.raises(ValueError, match="variable IMAGES must be real, got complex"):
        load_images_mat(path)


def test_a_missing_variable_is_a_value_error_and_a_key_error(tmp_path):
    path = tmp_path / "other.mat"
    scipy.io.savemat(path, {"patches": np.zeros((4, 4, 2))})
    with pytest.raises(ValueError, match="no variable IMAGES or IMAGESr") as raised:
        load_images_mat(path)
    assert isinstance(raised.value, KeyError) and isinstance(raised.value, MissingVariableError)
    assert str(raised.value).startswith(str(path))  # no quotes around the message


# --- units pushed below the sigmoid's floor ----------------------------------------------------


def pushed_below(bias, *, v=64, h=25, m=100, units=3):
    """The course's sizes, with ``units`` hidden units given the bias ``bias``."""
    rng = np.random.default_rng(0)
    data = rng.uniform(0.1, 0.9, (v, m))
    W1, W2, b1, b2 = unpack(initialize_parameters(h, v, rng), v, h)
    b1[:units] = bias
    return pack(W1, W2, b1, b2), data


def notes_cost(theta, v, h, lambda_, rho, beta, data):
    """The notes' J_sparse with log(rho_hat) from log-sigmoids (exact below the floor too)."""
    W1, W2, b1, b2 = unpack(theta, v, h)
    z2 = W1 @ data + b1[:, None]
    log_rho_hat = np.logaddexp.reduce(-np.logaddexp(0, -z2), axis=1) - math.log(data.shape[1])
    kl = rho * (math.log(rho) - log_rho_hat) + (1 - rho) * (
        math.log(1 - rho) - np.log1p(-np.exp(log_rho_hat))
    )
    _, a3 = forward(W1, W2, b1, b2, data)
    return (
        float(reconstruction_cost(a3, data) + weight_decay_cost(W1, W2, lambda_)) + beta * kl.sum()
    )


def test_units_below_the_sigmoid_floor_raise_instead_of_a_wrong_cost(backend):
    """Biases of -1000: the floor held rho_hat at 1.5e-308 and the cost came back 111.0, where
    the notes' value is 137.2."""
    theta, data = pushed_below(-1000.0)
    assert notes_cost(theta, 64, 25, 1e-4, 0.01, 3.0, data) == pytest.approx(137.1997, rel=1e-5)
    with pytest.raises(SaturatedUnitsError, match=r"3 hidden unit\(s\) saturated: unit 0"):
        sparse_autoencoder_cost(
            backend.asarray(theta), 64, 25, 1e-4, 0.01, 3.0, backend.asarray(data)
        )
    with pytest.raises(SaturatedUnitsError, match="transpose the data"):
        sparse_autoencoder_cost_terms(theta, 64, 25, 1e-4, 0.01, 3.0, data)


def test_units_floored_by_an_infinite_theta_name_theta():
    """A diverged step (b1 = -inf) floors the units too; the cause named is theta."""
    theta, data = pushed_below(-np.inf)
    with pytest.raises(ValueError, match="theta holds NaN or inf") as raised:
        sparse_autoencoder_cost(theta, 64, 25, 1e-4, 0.01, 3.0, data, check_inputs=False)
    assert not isinstance(raised.value, SaturatedUnitsError)


def test_units_far_below_zero_but_above_the_floor_give_the_notes_cost():
    """-600 is far out, but every activation is still exact: no error, the notes' value."""
    theta, data = pushed_below(-600.0)
    cost, grad = sparse_autoencoder_cost(theta, 64, 25, 1e-4, 0.01, 3.0, data)
    assert float(cost) == pytest.approx(notes_cost(theta, 64, 25, 1e-4, 0.01, 3.0, data), rel=1e-12)
    assert np.all(np.isfinite(grad))


def test_the_smallest_resolved_rho_hat_is_the_floor_over_epsilon():
    import array_api_compat.numpy as xp

    floor64 = float(1 / (1 + np.exp(np.log(np.finfo(np.float64).max) - 1)))
    assert smallest_resolved_rho_hat(xp.float64, xp) == pytest.approx(floor64 / 2.220446e-16)
    assert 1e-293 < smallest_resolved_rho_hat(xp.float64, xp) < 1e-292
    assert 1e-32 < smallest_resolved_rho_hat(xp.float32, xp) < 1e-31


def test_a_float32_unit_below_its_floor_raises():
    theta, data = pushed_below(-200.0)  # far below float32's floor (z = -87.7)
    with pytest.raises(SaturatedUnitsError):
        sparse_autoencoder_cost(theta.astype(np.float32), 64, 25, 1e-4, 0.01, 3.0,
                                data.astype(np.float32))  # fmt: skip


# --- the estimator's input edge -------------------------------------------------------------


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(1).uniform(0.1, 0.9, (30, 5))


class ArrayLike:
    """An object that is not an array but converts to one (like a pandas DataFrame)."""

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.a, dtype=dtype)


def fit(X, **params):
    return SparseAutoencoder(hidden_size=2, max_iter=3, random_state=0, **params).fit(X)


@pytest.mark.parametrize(
    "convert", [ArrayLike, lambda a: a.tolist(), tuple], ids=["array-like", "list", "tuple"]
)
def test_array_likes_fit_and_transform_as_the_array(X, convert):
    expected = fit(X)
    model = fit(convert(X))
    np.testing.assert_array_equal(model.theta_, expected.theta_)
    np.testing.assert_array_equal(model.transform(convert(X)), expected.transform(X))


def test_a_pandas_data_frame_fits():
    pandas = pytest.importorskip("pandas")
    X = np.random.default_rng(1).uniform(0.1, 0.9, (30, 5))
    frame = pandas.DataFrame(X, columns=list("abcde"))
    np.testing.assert_array_equal(fit(frame).transform(frame), fit(X).transform(X))


@pytest.mark.parametrize("kind", ["csr_matrix", "csr_array"])
def test_sparse_input_gets_scikit_learn_s_message(X, kind):
    import scipy.sparse

    with pytest.raises(ValueError, match="Sparse data was passed for X, but dense data"):
        fit(getattr(scipy.sparse, kind)(X))


def test_complex_input_is_refused(X):
    with pytest.raises(ValueError, match="Complex data not supported"):
        fit(X + 1j)


def test_strings_are_a_type_error_and_a_value_error(X):
    text = X.astype(object)
    text[0, 0] = "pixel"
    with pytest.raises(TypeError, match="X must hold real numbers"):
        fit(text)
    with pytest.raises(ValueError, match="X must hold real numbers"):
        fit(text)


def test_empty_and_1d_input_get_scikit_learn_s_words():
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 3\)\)"):
        fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(4, 0\)\)"):
        fit(np.empty((4, 0)))
    with pytest.raises(ValueError, match="Reshape your data"):
        fit(np.ones(5))


def test_transform_checks_the_feature_count(X):
    model = fit(X)
    with pytest.raises(ValueError, match="X has 4 features, but SparseAutoencoder is expecting 5"):
        model.transform(X[:, :4])


def test_check_is_fitted_fails_before_fit_and_passes_after(X):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    model = SparseAutoencoder(hidden_size=2, max_iter=3)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    check_is_fitted(model.fit(X))


def test_fewer_samples_than_features_warns_before_training():
    """The course's visible x m matrix passed as it is: 4 'samples' of 30 'features'."""
    course = np.random.default_rng(2).uniform(0.1, 0.9, (30, 4)).T  # visible x m, m = 4
    seen_at_first_iteration = []

    def callback(record, theta):
        if not seen_at_first_iteration:
            seen_at_first_iteration.append(len(caught))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SparseAutoencoder(hidden_size=2, max_iter=2, random_state=0).fit(course, callback=callback)
    messages = [str(w.message) for w in caught]
    transposed = [m for m in messages if "rows are samples" in m]
    assert len(transposed) == 1
    assert (
        "did you pass the visible x m matrix of the course's functions? transpose it"
        in (transposed[0])
    )
    assert "4 samples of 30 features" in transposed[0]
    assert seen_at_first_iteration and seen_at_first_iteration[0] >= 1  # before the first step


def test_as_many_samples_as_features_does_not_warn(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(X[:5])  # 5 samples of 5 features


def test_device_arrays_still_reach_the_host_once(X, backend):
    """Every backend's array (a second device included) is copied to the host explicitly."""
    model = fit(backend.asarray(X))
    np.testing.assert_array_equal(to_host(model.theta_), fit(X).theta_)
