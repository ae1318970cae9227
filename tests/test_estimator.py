"""The scikit-learn style estimator: parameters, fitting, encoding, files."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io
from reference import matlab_unpack

from ufldl_sae.estimator import SparseAutoencoder
from ufldl_sae.model import sparse_autoencoder_cost


@pytest.fixture(scope="module")
def X():
    """200 samples of 16 features, one per row (scikit-learn's orientation)."""
    return np.random.default_rng(0).uniform(0.1, 0.9, (200, 16))


@pytest.fixture(scope="module")
def fitted(X):
    return SparseAutoencoder(hidden_size=6, sparsity_param=0.05, max_iter=25, random_state=0).fit(X)


def test_constructor_only_stores_and_params_round_trip():
    model = SparseAutoencoder(hidden_size=-3, backend="nonsense")  # checked in fit, not here
    assert model.get_params()["hidden_size"] == -3
    model.set_params(hidden_size=7, beta=1.5)
    assert model.hidden_size == 7 and model.beta == 1.5
    assert repr(model) == "SparseAutoencoder(hidden_size=7, beta=1.5, backend='nonsense')"
    with pytest.raises(ValueError, match="invalid parameter 'gamma'"):
        model.set_params(gamma=1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"hidden_size": 0}, "hidden_size must be an integer >= 1"),
        ({"sparsity_param": 1.5}, "sparsity_param must be a real number in"),
        ({"backend": "torch"}, "backend must be one of"),
        ({"dtype": "float16"}, "dtype must be one of"),
        ({"max_iter": 0}, "max_iter must be an integer >= 1"),
    ],
)
def test_fit_validates_parameters(params, message, X):
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder(**params).fit(X)


def test_fit_validates_X():
    with pytest.raises(ValueError, match=r"2-D array \(n_samples, n_features\).*\(5,\)"):
        SparseAutoencoder().fit(np.ones(5))
    with pytest.raises(ValueError, match="NaN or inf"):
        SparseAutoencoder().fit(np.full((3, 4), np.nan))


def test_fitted_attributes_follow_the_notes(fitted, X):
    assert fitted.W1_.shape == (6, 16) and fitted.W2_.shape == (16, 6)
    assert fitted.b1_.shape == (6,) and fitted.b2_.shape == (16,)
    assert fitted.theta_.shape == (2 * 6 * 16 + 6 + 16,)
    assert fitted.n_iter_ == len(fitted.loss_curve_) == 25
    assert np.all(np.diff(fitted.loss_curve_) <= 0)
    cost, _ = sparse_autoencoder_cost(fitted.theta_, 16, 6, 1e-4, 0.05, 3.0, X.T)
    assert fitted.cost_terms_.total == pytest.approx(float(cost), rel=1e-12)
    assert fitted.score(X) == pytest.approx(float(cost), rel=1e-12)
    iterations = [i for i, _ in fitted.cost_terms_history_]
    assert iterations[0] == 1 and iterations[-1] == 25 and iterations == sorted(iterations)


def test_transform_is_the_hidden_activation(fitted, X):
    H = fitted.transform(X)
    assert H.shape == (200, 6)
    np.testing.assert_allclose(H, 1 / (1 + np.exp(-(X @ fitted.W1_.T + fitted.b1_))))
    out = fitted.inverse_transform(H)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-(H @ fitted.W2_.T + fitted.b2_))))
    np.testing.assert_array_equal(fitted.reconstruct(X), out)
    with pytest.raises(ValueError, match="fitted with 16"):
        fitted.transform(np.ones((3, 5)))


def test_sparsity_report(fitted, X):
    report = fitted.sparsity_report(X)
    H = fitted.transform(X)
    np.testing.assert_allclose(report["rho_hat"], H.mean(axis=0))
    assert report["fraction_active"] == pytest.approx(np.mean(H > 0.1))
    assert report["rho"] == 0.05


def test_not_fitted():
    with pytest.raises(ValueError, match="not fitted yet"):
        SparseAutoencoder().transform(np.ones((2, 4)))


def test_save_and_load_round_trip(fitted, tmp_path):
    path = fitted.save(tmp_path / "model.npz")
    loaded = SparseAutoencoder.load(path)
    assert loaded.get_params()["hidden_size"] == 6 and loaded.n_iter_ == 25
    np.testing.assert_array_equal(loaded.W1_, fitted.W1_)
    assert loaded.cost_terms_ == fitted.cost_terms_
    with np.load(path, allow_pickle=False) as f:  # plain arrays only
        assert "theta" in f.files
    with pytest.raises(ValueError, match="no saved model"):
        SparseAutoencoder.load(tmp_path / "missing.npz")


def test_mat_export_is_the_course_layout(fitted, tmp_path):
    fitted.export_mat(tmp_path / "theta.mat")
    mat = scipy.io.loadmat(tmp_path / "theta.mat")
    theta = mat["theta"]
    assert theta.shape == (fitted.theta_.size, 1)  # a MATLAB column vector
    W1, W2, b1, b2 = matlab_unpack(theta[:, 0], int(mat["visibleSize"][0, 0]), 6)
    np.testing.assert_array_equal(W1, fitted.W1_)
    np.testing.assert_array_equal(mat["W1"], fitted.W1_)
    np.testing.assert_array_equal(b2, fitted.b2_)


def test_backends_and_dtypes_agree(X, backend):
    base = SparseAutoencoder(hidden_size=4, max_iter=5, random_state=1).fit(X)
    name = "array_api_strict" if backend.name.startswith("strict") else backend.name
    other = SparseAutoencoder(hidden_size=4, max_iter=5, random_state=1, backend=name).fit(X)
    np.testing.assert_allclose(other.theta_, base.theta_, rtol=1e-9, atol=1e-12)
    single = SparseAutoencoder(hidden_size=4, max_iter=5, random_state=1, dtype="float32").fit(X)
    assert single.cost_terms_.total == pytest.approx(base.cost_terms_.total, rel=1e-3)


def test_works_in_a_scikit_learn_pipeline(X):
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    model = SparseAutoencoder(hidden_size=5, max_iter=5, random_state=0)
    assert clone(model).get_params() == model.get_params()
    pipe = make_pipeline(MinMaxScaler((0.1, 0.9)), model).fit(X)
    assert pipe.transform(X).shape == (200, 5)


def test_fit_validates_the_data_once():
    """One warning for data outside [0, 1], not one per validation layer or recorded term."""
    X = np.random.default_rng(3).uniform(-1.0, 2.0, (50, 9))
    with pytest.warns(UserWarning, match=r"outside \[0, 1\]") as caught:
        SparseAutoencoder(hidden_size=3, max_iter=3, random_state=0).fit(X)
    assert len([w for w in caught if "outside [0, 1]" in str(w.message)]) == 1
