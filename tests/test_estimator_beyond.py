"""The estimator past the notes: deep stacks, ReLU/tanh units, other penalties, Adam and SGD."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ufldl_sae import SparseAutoencoder
from ufldl_sae.beyond.deep import autoencoder_cost_terms, initialize_deep
from ufldl_sae.beyond.penalties import KLSparsity, L1Weights
from ufldl_sae.model import sparse_autoencoder_cost_terms


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    """400 smooth 'images' of 36 pixels in (0.1, 0.9), rows as samples (scikit-learn's way)."""
    rng = np.random.default_rng(0)
    basis = rng.uniform(0, 1, (6, 36))
    codes = rng.uniform(0, 1, (400, 6))
    X = codes @ basis
    return 0.1 + 0.8 * (X - X.min()) / (X.max() - X.min())


def test_defaults_are_the_notes_model_and_cost(digits):
    model = SparseAutoencoder(hidden_size=8, max_iter=15, random_state=0).fit(digits)
    assert model.model_.is_notes
    expected = sparse_autoencoder_cost_terms(model.theta_, 36, 8, 1e-4, 0.01, 3.0, digits.T)
    assert model.cost_terms_ == expected
    assert model.layer_sizes_ == (36, 8, 36)
    np.testing.assert_array_equal(model.W1_, model.coefs_[0])


def test_the_same_model_through_the_general_path_gives_the_same_fit(digits):
    """penalties spelled out as the notes' two send fit through deep.autoencoder_cost; the
    optimum reached must be the notes' to rounding (the two costs agree to 1e-15)."""
    notes = SparseAutoencoder(hidden_size=8, max_iter=30, random_state=0).fit(digits)
    general = SparseAutoencoder(
        hidden_size=8, max_iter=30, random_state=0, penalties="l2=1e-4,kl=0.01:3"
    ).fit(digits)
    assert not general.model_.is_notes
    assert general.cost_terms_.total == pytest.approx(notes.cost_terms_.total, rel=1e-9)
    np.testing.assert_allclose(general.theta_, notes.theta_, atol=1e-7)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_minibatch_solvers_lower_the_cost_of_a_deep_relu_stack(digits, solver):
    sizes = (16, 8, 4, 8, 16)
    rate = 1e-2 if solver == "adam" else 1e-2
    model = SparseAutoencoder(
        hidden_layer_sizes=sizes, activation="relu", penalties="l2=1e-4", solver=solver,
        learning_rate=rate, batch_size=50, max_iter=40, random_state=0,
    ).fit(digits)  # fmt: skip
    theta0 = initialize_deep((36, *sizes, 36), "relu", np.random.default_rng(0))
    start = sum(autoencoder_cost_terms(theta0, (36, *sizes, 36), digits.T, activation="relu",
                                       penalties="l2=1e-4").values())  # fmt: skip
    assert model.n_iter_ == 40
    assert model.cost_terms_.total < 0.5 * start, (start, model.cost_terms_)
    assert model.transform(digits[:3]).shape == (3, 4)  # the code layer is the smallest
    assert model.reconstruct(digits[:3]).shape == (3, 36)


def test_minibatch_runs_are_deterministic_for_a_seed(digits):
    def fit(seed: int) -> np.ndarray:
        return SparseAutoencoder(hidden_size=8, solver="adam", batch_size=64, max_iter=3,
                                 random_state=seed).fit(digits).theta_  # fmt: skip

    np.testing.assert_array_equal(fit(3), fit(3))
    assert np.abs(fit(3) - fit(4)).max() > 1e-3


def test_inverse_transform_of_transform_is_reconstruct_for_a_deep_stack(digits):
    model = SparseAutoencoder(hidden_layer_sizes=(12, 5, 12), activation="tanh",
                              penalties="l1w=1e-3", max_iter=10, random_state=0).fit(digits)
    np.testing.assert_allclose(
        model.inverse_transform(model.transform(digits)), model.reconstruct(digits), atol=1e-14
    )


def test_score_samples_is_minus_the_reconstruction_error(digits):
    model = SparseAutoencoder(hidden_size=8, max_iter=20, random_state=0).fit(digits)
    errors = model.reconstruction_errors(digits)
    by_hand = 0.5 * ((model.reconstruct(digits) - digits) ** 2).sum(axis=1)
    np.testing.assert_allclose(errors, by_hand, rtol=1e-12)
    np.testing.assert_array_equal(model.score_samples(digits), -errors)
    assert errors.mean() == pytest.approx(model.cost_terms_.reconstruction, rel=1e-12)
    noise = np.random.default_rng(1).uniform(0.1, 0.9, (50, 36))
    # Noise is unlike the training data: every noise sample scores below the median sample.
    assert model.score_samples(noise).max() < np.median(model.score_samples(digits))


def test_terms_group_as_the_notes_three(digits):
    model = SparseAutoencoder(hidden_size=8, activation="tanh",
                              penalties=(L1Weights(1e-3), KLSparsity(0.1, 1.0, "tanh")),
                              max_iter=5, random_state=0).fit(digits)  # fmt: skip
    named = model.penalty_terms_
    assert set(named) == {"reconstruction", "l1_weights", "kl_sparsity"}
    assert model.cost_terms_.weight_decay == named["l1_weights"]
    assert model.cost_terms_.sparsity == named["kl_sparsity"]
    assert model.rho_ == 0.1


def test_save_and_load_keep_a_deep_model(digits, tmp_path):
    model = SparseAutoencoder(hidden_layer_sizes=(12, 5, 12), activation="relu",
                              output_activation="sigmoid", penalties="l1a=1e-3", solver="adam",
                              batch_size=100, max_iter=2, random_state=0).fit(digits)
    loaded = SparseAutoencoder.load(model.save(tmp_path / "deep.npz"))
    assert loaded.get_params()["hidden_layer_sizes"] == (12, 5, 12)
    assert loaded.penalties == "l1a=0.001"
    np.testing.assert_array_equal(loaded.reconstruct(digits), model.reconstruct(digits))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"activation": "relu", "penalties": "kl=0.05:3"}, "undefined for relu units"),
        ({"activation": "tanh", "penalties": "kl=0.05:3"}, "undefined for tanh units"),
        ({"activation": "softplus"}, "activation must be one of"),
        ({"solver": "lbfgsb"}, r"solver must be one of \('lbfgs', 'adam', 'sgd'\)"),
        ({"solver": "adam", "learning_rate": -1e-3}, "learning_rate must be"),
        ({"solver": "adam", "batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"solver": "adam", "batch_size": 401}, "at most the number of examples m = 400"),
        ({"momentum": 1.0}, r"momentum must be a real number in \[0, 1\)"),
        ({"hidden_layer_sizes": ()}, "hidden_layer_sizes must be a non-empty sequence"),
        ({"hidden_layer_sizes": (8, 0, 8)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (8, 4, 8), "sparse_layers": (5,)}, "sparse_layers must name"),
        ({"penalties": "l3=1"}, "unknown penalty 'l3'"),
    ],
)
def test_bad_combinations_are_refused_before_any_work(digits, params, message):
    with pytest.raises(ValueError, match=message):
        SparseAutoencoder(max_iter=2, **params).fit(digits)


def test_relu_with_the_tutorials_sigmoid_rescale_warns_once_that_rho_is_unreachable(digits):
    model = SparseAutoencoder(hidden_size=8, activation="relu", penalties="kl=0.05:0.1:sigmoid",
                              solver="adam", batch_size=100, max_iter=1, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(digits)
    unreachable = [w for w in caught if "unreachable" in str(w.message)]
    assert len(unreachable) == 1


def test_a_student_cost_needs_the_notes_model(digits):
    from ufldl_sae import sparse_autoencoder_cost

    with pytest.raises(ValueError, match="needs the notes' model"):
        SparseAutoencoder(activation="tanh", penalties="l2=1e-4", max_iter=2).fit(
            digits, cost_function=sparse_autoencoder_cost
        )


@pytest.mark.parametrize(
    ("solver", "rate"), [("adam", 3e-3), ("sgd", 0.5)]
)  # fmt: skip
def test_minibatch_solvers_lower_the_cost_on_a_slice_of_mnist(mnist_dir, solver, rate):
    """The notes' MNIST model (784-64 here, to stay quick) on the first 2,000 digits: a few
    epochs of Adam or SGD take the notes' full-batch cost well below where it starts."""
    from ufldl_sae.data import load_mnist_images
    from ufldl_sae.params import initialize_parameters

    X = load_mnist_images(mnist_dir / "train-images-idx3-ubyte.gz")[:, :2000]
    args = (784, 64, 3e-3, 0.1, 3.0)
    start = sparse_autoencoder_cost_terms(initialize_parameters(64, 784, np.random.default_rng(0)),
                                          *args, X).total  # fmt: skip
    model = SparseAutoencoder(hidden_size=64, sparsity_param=0.1, lambda_=3e-3, solver=solver,
                              learning_rate=rate, batch_size=100, max_iter=5,
                              random_state=0).fit(X.T)  # fmt: skip
    end = model.cost_terms_.total
    assert end < 0.3 * start, (start, end)  # measured: 161.8 -> 35.3 (adam), 34.5 (sgd)
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_a_one_layer_generalization_exports_its_layers_not_the_notes_numbers(digits, tmp_path):
    """tanh units: lambda_, sparsity_param and beta are not the numbers in force, so the .mat
    holds the layer sizes and every block, as for a deep model."""
    import scipy.io

    model = SparseAutoencoder(hidden_size=4, activation="tanh", penalties="l2=1e-4",
                              max_iter=3, random_state=0).fit(digits)  # fmt: skip
    saved = scipy.io.loadmat(model.export_mat(tmp_path / "tanh.mat"))
    assert "sparsityParam" not in saved and "beta" not in saved
    assert saved["layerSizes"].ravel().tolist() == [36, 4, 36]
    np.testing.assert_array_equal(saved["theta"].ravel(), model.theta_)

