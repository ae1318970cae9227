"""``SparseAutoencoder(architecture=...)``: the dictionary-learning autoencoders (ReLU + L1,
TopK, BatchTopK, JumpReLU) through the estimator, on a small toy with known features."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ufldl_sae import SparseAutoencoder
from ufldl_sae.beyond.saes.layout import sae_theta_size
from ufldl_sae.beyond.saes.train import SaeOptions, SaeResult, train_sae
from ufldl_sae.data import toy_features
from ufldl_sae.estimator.checks import NOTES_FAMILY_DEFAULTS
from ufldl_sae.estimator.choice import SaeChoice

D, HIDDEN, K = 16, 32, 3
#: Each architecture with its own knob (JumpReLU's L0 weight small enough for 3 epochs).
KNOBS = {
    "relu-l1": {"l1_coefficient": 0.1},
    "topk": {"k": K},
    "batchtopk": {"k": K},
    "jumprelu": {"l0_coefficient": 0.002},
}
COMMON = {"hidden_size": HIDDEN, "batch_size": 200, "learning_rate": 5e-3, "random_state": 0}


@pytest.fixture(scope="module")
def toy():
    return toy_features(d=D, n_features=32, samples=4000, mean_active=3.0, rng=1)


@pytest.fixture(scope="module")
def X(toy) -> np.ndarray:
    """The toy's samples as rows, scikit-learn's orientation."""
    return np.ascontiguousarray(toy.data.T)


@pytest.fixture(scope="module")
def fitted(X) -> dict[str, SparseAutoencoder]:
    return {
        a: SparseAutoencoder(architecture=a, max_iter=3, **knob, **COMMON).fit(X)
        for a, knob in KNOBS.items()
    }


@pytest.mark.parametrize("architecture", list(KNOBS))
def test_fit_sets_every_attribute_in_the_notes_shapes(fitted, architecture):
    model = fitted[architecture]
    assert isinstance(model.model_, SaeChoice) and not model.model_.is_notes
    assert model.model_.architecture == architecture
    assert model.theta_.dtype == np.float64
    assert model.theta_.shape == (sae_theta_size(D, HIDDEN, architecture),)
    assert model.layer_sizes_ == (D, HIDDEN, D) and model.n_features_in_ == D
    assert model.W1_.shape == (HIDDEN, D) and model.W2_.shape == (D, HIDDEN)
    assert model.b1_.shape == (HIDDEN,) and model.b2_.shape == (D,)
    assert [c.shape for c in model.coefs_] == [(HIDDEN, D), (D, HIDDEN)]
    assert [b.shape for b in model.intercepts_] == [(HIDDEN,), (D,)]
    h, v = HIDDEN, D  # the blocks are theta's, in the notes' order
    np.testing.assert_array_equal(model.W1_.ravel(order="F"), model.theta_[: h * v])
    np.testing.assert_array_equal(model.b2_, model.theta_[2 * h * v + h : 2 * h * v + h + v])
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert isinstance(model.result_, SaeResult) and model.result_.options.epochs == 3
    assert model.rho_ is None
    if architecture == "jumprelu":
        assert model.threshold_.shape == (HIDDEN,) and np.all(model.threshold_ > 0)
        np.testing.assert_allclose(np.log(model.threshold_), model.theta_[-HIDDEN:])
    else:
        assert not hasattr(model, "threshold_")
    if architecture != "relu-l1":  # the unit-norm decoder of TopK, BatchTopK and JumpReLU
        np.testing.assert_allclose(np.linalg.norm(model.W2_, axis=0), 1.0, atol=1e-12)


@pytest.mark.parametrize("architecture", list(KNOBS))
def test_metrics_are_the_fields_and_beat_the_mean(fitted, X, architecture):
    """``metrics_`` has SAELens's names; its explained variance is the reconstruction's, and
    beats the trivial model that predicts the data's mean (explained variance 0)."""
    model = fitted[architecture]
    m = model.metrics_
    names = {"l0", "l1", "mse", "explained_variance", "cossim", "l2_ratio", "dead_fraction",
             "feature_density"}  # fmt: skip
    assert names <= set(m)
    error = model.reconstruct(X) - X
    variance = np.sum((X - X.mean(axis=0)) ** 2)
    assert m["explained_variance"] == pytest.approx(1 - np.sum(error**2) / variance, rel=1e-9)
    assert m["mse"] == pytest.approx(np.mean(error**2), rel=1e-9)
    assert m["explained_variance"] > 0.5, m
    assert m["l0"] == pytest.approx(model.sparsity_report(X)["l0"], rel=1e-12)


@pytest.mark.parametrize("architecture", list(KNOBS))
def test_transform_reconstruct_and_the_cost_agree(fitted, X, architecture):
    model = fitted[architecture]
    f = model.transform(X)
    assert f.shape == (X.shape[0], HIDDEN) and np.all(f >= 0)
    x_hat = model.reconstruct(X)
    assert x_hat.shape == X.shape
    np.testing.assert_allclose(model.inverse_transform(f), x_hat, atol=1e-12)
    np.testing.assert_allclose(x_hat, f @ model.W2_.T + model.b2_, atol=1e-12)  # linear decoder
    errors = model.reconstruction_errors(X)
    assert errors.shape == (X.shape[0],)
    np.testing.assert_allclose(model.score_samples(X), -errors)
    terms = model.cost_terms(X)
    assert terms.reconstruction == pytest.approx(errors.mean(), rel=1e-12)
    assert terms.weight_decay == 0.0
    assert model.score(X) == pytest.approx(terms.total, rel=1e-12)
    assert model.cost_terms_ == terms  # fit's terms are the training data's
    if architecture in ("topk", "batchtopk"):
        assert terms.sparsity == 0.0  # the budget is a constraint, not a cost
    else:
        assert terms.sparsity > 0.0
        assert set(model.penalty_terms_) == {"reconstruction", next(iter(KNOBS[architecture]))[:2]}


def test_topk_uses_exactly_k_latents_per_sample(fitted, X):
    """Continuous data: no ties at the k-th value, and the k largest are positive here."""
    model = fitted["topk"]
    np.testing.assert_array_equal((model.transform(X) > 0).sum(axis=1), K)
    assert model.metrics_["l0"] == K
    report = model.sparsity_report(X)
    assert report["l0"] == K and report["fraction_active"] == pytest.approx(K / HIDDEN)
    assert report["rho"] is None and report["threshold"] == 0.0


def test_batchtopk_moves_the_budget_between_samples(fitted, X):
    counts = (fitted["batchtopk"].transform(X) > 0).sum(axis=1)
    assert counts.min() < K < counts.max()
    assert counts.mean() == pytest.approx(K, abs=0.05)  # ties of the all-zero samples apart


@pytest.mark.parametrize("architecture", list(KNOBS))
def test_save_load_gives_the_same_model(fitted, X, tmp_path, architecture):
    model = fitted[architecture]
    loaded = SparseAutoencoder.load(model.save(tmp_path / "model"))
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.theta_, model.theta_)
    np.testing.assert_array_equal(loaded.transform(X[:500]), model.transform(X[:500]))
    assert loaded.metrics_ == model.metrics_ and loaded.cost_terms_ == model.cost_terms_
    assert loaded.model_ == model.model_ and loaded.loss_curve_ == model.loss_curve_
    with pytest.raises(ValueError, match=f"no architecture='{architecture}' model"):
        model.export_mat(tmp_path / "theta.mat")


@pytest.mark.parametrize("architecture", ["topk", "jumprelu"])
def test_fit_is_train_sae_with_the_same_options_and_seed(X, toy, architecture):
    knob = KNOBS[architecture]
    options = SaeOptions(architecture=architecture, hidden_size=HIDDEN, epochs=2, batch_size=200,
                         learning_rate=5e-3, seed=7, dtype="float64", **knob)  # fmt: skip
    expected = train_sae(toy.data, options)
    model = SparseAutoencoder(architecture=architecture, max_iter=2,
                              **{**COMMON, "random_state": 7}, **knob).fit(X)  # fmt: skip
    np.testing.assert_array_equal(model.theta_, expected.theta)
    assert model.result_.options == options
    assert model.loss_curve_ == [h["cost"] for h in expected.history]


def test_the_demanding_users_line_trains_topk_with_adam(X):
    """No solver given: the architecture's own (Adam); the notes' L-BFGS would be refused."""
    model = SparseAutoencoder(architecture="topk", k=5, hidden_size=64, max_iter=1).fit(X)
    assert model.solver is None and model.result_.options.k == 5
    assert (model.fit_transform(X) > 0).sum(axis=1).max() == 5


def test_verbose_prints_every_epoch_asked_and_the_last(X, capsys):
    SparseAutoencoder(architecture="relu-l1", max_iter=3, verbose=2, **COMMON).fit(X)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["epoch", "cost", "dead", "time"]
    assert [int(line.split()[0]) for line in lines[1:]] == [1, 2, 3]


def test_a_refit_as_another_architecture_drops_the_old_attributes(X):
    model = SparseAutoencoder(architecture="jumprelu", max_iter=1, **COMMON).fit(X[:1000])
    assert hasattr(model, "threshold_")
    model.set_params(architecture="topk", k=2).fit(X[:1000])
    assert not hasattr(model, "threshold_")
    assert model.theta_.shape == (sae_theta_size(D, HIDDEN, "topk"),)


def test_the_notes_default_solver_is_lbfgs():
    """``solver=None`` (the default) is the notes' L-BFGS: the same fit, number for number."""
    X = np.random.default_rng(0).uniform(0.1, 0.9, (60, 9))
    default = SparseAutoencoder(hidden_size=4, max_iter=5, random_state=0).fit(X)
    lbfgs = SparseAutoencoder(hidden_size=4, max_iter=5, random_state=0, solver="lbfgs").fit(X)
    np.testing.assert_array_equal(default.theta_, lbfgs.theta_)
    assert default.architecture == "notes" and default.model_.is_notes


def test_the_notes_family_defaults_are_the_constructors():
    signature = inspect.signature(SparseAutoencoder.__init__).parameters
    assert {name: signature[name].default for name in NOTES_FAMILY_DEFAULTS} == (
        NOTES_FAMILY_DEFAULTS
    )


REFUSALS = [
    ({"architecture": "topkk"}, r"architecture must be one of \('notes', 'relu-l1', 'topk'"),
    ({"architecture": "topk", "k": 0}, r"k must be an integer in \[1, hidden_size=32\]"),
    ({"architecture": "topk", "k": 33}, r"k must be an integer in \[1, hidden_size=32\]"),
    ({"architecture": "topk", "k": 2.5}, r"k must be an integer in \[1, hidden_size=32\]"),
    ({"architecture": "topk", "hidden_size": 3}, r"k=None means SaeOptions' default k=5"),
    ({"architecture": "relu-l1", "k": 3}, r"k=3 is the knob of architecture topk and "
                                          r"batchtopk; architecture='relu-l1' has no such term: "
                                          r"leave k=None and use l1_coefficient"),
    ({"k": 3}, r"architecture='notes' has no such term.*sparsity_param and beta"),
    ({"architecture": "topk", "l1_coefficient": 0.1}, r"l1_coefficient=0.1 is the knob of "
                                                      r"architecture relu-l1.*use k"),
    ({"architecture": "relu-l1", "l0_coefficient": 0.1}, r"l0_coefficient=0.1 is the knob of "
                                                         r"architecture jumprelu"),
    ({"architecture": "relu-l1", "l1_coefficient": -1.0}, r"l1_coefficient must be a real "
                                                          r"number in \[0, inf\]"),
    ({"architecture": "topk", "solver": "lbfgs"},
     r"solver='lbfgs' cannot train architecture='topk'.*solver=None or use 'adam'"),
    ({"architecture": "jumprelu", "solver": "sgd"}, r"solver='sgd' cannot train"),
    ({"architecture": "topk", "hidden_layer_sizes": (8, 4, 8)},
     r"hidden_layer_sizes=\(8, 4, 8\) belongs to the notes' family.*use hidden_size"),
    ({"architecture": "topk", "penalties": "l1w=0.01"}, r"penalties='l1w=0.01' belongs to"),
    ({"architecture": "jumprelu", "activation": "relu"}, r"activation='relu' belongs to"),
    ({"architecture": "batchtopk", "lambda_": 0.1}, r"lambda_=0.1 belongs to the notes'.*"
                                                    r"no weight decay"),
    ({"architecture": "topk", "batch_size": 401}, r"batch_size=401 must be at most the 400 "
                                                  r"samples of X"),
]  # fmt: skip


@pytest.mark.parametrize(("params", "message"), REFUSALS)
def test_fit_refuses_what_does_not_apply(X, params, message):
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder(**{"hidden_size": HIDDEN, "max_iter": 1, **params}).fit(X[:400])


@pytest.mark.parametrize("argument", ["theta0", "callback", "cost_function"])
def test_fit_refuses_the_notes_solvers_hooks(X, argument):
    model = SparseAutoencoder(architecture="topk", k=K, hidden_size=HIDDEN, max_iter=1)
    with pytest.raises(ValueError, match=f"{argument}|cost_function replaces"):
        model.fit(X[:400], **{argument: np.zeros(3) if argument == "theta0" else print})


@settings(max_examples=40, deadline=None)
@given(hidden=st.integers(1, 64), k=st.integers(-3, 80),
       architecture=st.sampled_from(["topk", "batchtopk"]))  # fmt: skip
def test_k_is_accepted_exactly_in_one_to_hidden_size(hidden, k, architecture):
    model = SparseAutoencoder(architecture=architecture, hidden_size=hidden, k=k)
    if 1 <= k <= hidden:
        choice = model.check_params()
        assert choice.k == k and choice.hidden_size == hidden
    else:
        with pytest.raises(ValueError, match=rf"k must be an integer in \[1, hidden_size={hidden}"):
            model.check_params()


@settings(max_examples=20, deadline=None)
@given(hidden=st.integers(1, 64), architecture=st.sampled_from(["relu-l1", "jumprelu"]))
def test_k_is_never_needed_by_the_penalized_architectures(hidden, architecture):
    """ReLU + L1 and JumpReLU take any hidden_size, even under SaeOptions' default k = 5."""
    choice = SparseAutoencoder(architecture=architecture, hidden_size=hidden).check_params()
    assert choice.k == min(5, hidden)
    assert choice.options(epochs=1).hidden_size == hidden  # SaeOptions accepts it


def test_another_backend_and_float32_train_the_same_model(X):
    """The data go to the backend once, in the dtype; the fitted blocks come back as host
    float64, and the code keeps TopK's exact budget."""
    pytest.importorskip("array_api_strict")
    model = SparseAutoencoder(architecture="topk", k=K, max_iter=1, backend="array_api_strict",
                              dtype="float32", **COMMON).fit(X[:1000])  # fmt: skip
    assert model.result_.options.dtype == "float32"
    assert type(model.theta_) is np.ndarray and model.theta_.dtype == np.float64
    assert model.metrics_["l0"] == K
    np.testing.assert_array_equal((model.transform(X[:50]) > 0).sum(axis=1), K)
