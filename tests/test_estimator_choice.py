"""The model chosen once: notes or generalization, the penalties in force, the cost it runs."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

import ufldl_sae.validation
from ufldl_sae.beyond import deep
from ufldl_sae.beyond.penalties import KLSparsity, L1Activations, WeightDecay
from ufldl_sae.estimator import ModelChoice, SparseAutoencoder, choose_model, validated_choice
from ufldl_sae.model import sparse_autoencoder_cost, sparse_autoencoder_cost_terms
from ufldl_sae.params import block_slices, initialize_parameters, theta_size

NOTES_COST = "ufldl_sae.model.sparse_autoencoder_cost"
DEEP_COST = "ufldl_sae.beyond.deep.autoencoder_cost"

#: (parameters, is the notes' model): every way out of the notes, and what stays in.
CONFIGURATIONS = [
    ({}, True),
    ({"hidden_size": 10, "lambda_": 0.0, "beta": 0.0}, True),
    ({"hidden_layer_sizes": (8,)}, True),  # one layer given as a sequence: still the notes'
    ({"solver": "adam", "dtype": "float32"}, True),  # how it is solved is not what it is
    ({"hidden_layer_sizes": (8, 4, 8)}, False),
    ({"activation": "tanh", "penalties": "l2=1e-4,kl=0.05:3:tanh"}, False),
    ({"output_activation": "identity"}, False),
    ({"penalties": "l2=1e-4,kl=0.01:3"}, False),  # the notes' penalties, spelled out
    ({"penalties": (WeightDecay(1e-4), KLSparsity(0.01, 3.0))}, False),
    ({"sparse_layers": (2,)}, False),
    ({"activation": "relu", "penalties": "l1a=1e-3"}, False),
]


def choice_of(**params) -> ModelChoice:
    return validated_choice(SparseAutoencoder(**params).get_params())


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    """36 visible units, 50 examples as columns, inside (0, 1)."""
    return np.random.default_rng(7).uniform(0.1, 0.9, (36, 50))


@pytest.mark.parametrize(("params", "notes"), CONFIGURATIONS)
def test_notes_or_generalization_is_decided_from_the_parameters(params, notes):
    choice = choice_of(**params)
    assert choice.is_notes is notes
    assert choice.cost_name == (NOTES_COST if notes else DEEP_COST)
    assert choice.cost_function is (sparse_autoencoder_cost if notes else deep.autoencoder_cost)


@pytest.mark.parametrize(("params", "notes"), CONFIGURATIONS)
def test_the_parameters_in_force_rebuild_the_same_choice(params, notes):
    choice = choice_of(**params)
    in_force = choice.parameters_in_force()
    assert choose_model(SparseAutoencoder(**in_force).get_params()) == choice
    notes_keys = {"hidden_size", "lambda_", "sparsity_param", "beta"}
    assert (set(in_force) == notes_keys) is notes
    if not notes:  # the notes' three numbers are not in force beside a generalization's penalties
        assert not notes_keys & set(in_force)


def test_the_notes_parameters_in_force_are_the_three_numbers():
    choice = choice_of(hidden_size=7, lambda_=3e-3, sparsity_param=0.1, beta=2)
    assert choice.parameters_in_force() == {
        "hidden_size": 7, "lambda_": 3e-3, "sparsity_param": 0.1, "beta": 2.0,
    }  # fmt: skip
    assert (choice.lambda_, choice.sparsity_param, choice.beta) == (3e-3, 0.1, 2)
    assert choice.penalties == (WeightDecay(3e-3), KLSparsity(0.1, 2.0))
    assert choice.rho == 0.1


def test_a_generalization_holds_its_penalties_not_the_notes_numbers():
    choice = choice_of(hidden_layer_sizes=(12, 5, 12), activation="relu", penalties="l1a=1e-3",
                       lambda_=0.5, sparsity_param=0.2)  # fmt: skip
    assert (choice.lambda_, choice.sparsity_param, choice.beta) == (None, None, None)
    assert choice.penalties == (L1Activations(1e-3),)
    assert choice.rho is None
    assert choice.parameters_in_force() == {
        "hidden_layer_sizes": [12, 5, 12], "activation": "relu",
        "output_activation": "sigmoid", "penalties": "l1a=0.001", "sparse_layers": [3],
    }  # fmt: skip
    with pytest.raises(ValueError, match="notes_arguments needs the notes' model"):
        choice.notes_arguments(36)


def test_a_deep_stack_with_default_penalties_keeps_the_notes_numbers_as_penalties():
    choice = choice_of(hidden_layer_sizes=(8, 4, 8), lambda_=1e-3, sparsity_param=0.05)
    assert not choice.is_notes
    assert choice.penalties == (WeightDecay(1e-3), KLSparsity(0.05, 3.0))
    assert choice.parameters_in_force()["penalties"] == "l2=0.001,kl=0.05:3"


def test_the_notes_choice_computes_with_the_notes_cost_bit_for_bit(data):
    choice = choice_of(hidden_size=9, lambda_=3e-3, sparsity_param=0.1, beta=3.0)
    theta = initialize_parameters(9, 36, np.random.default_rng(1))
    cost, grad = choice.cost(theta, data)
    expected_cost, expected_grad = sparse_autoencoder_cost(theta, 36, 9, 3e-3, 0.1, 3.0, data)
    assert float(cost) == float(expected_cost)
    np.testing.assert_array_equal(grad, expected_grad)
    terms, named = choice.cost_terms(theta, data)
    assert terms == sparse_autoencoder_cost_terms(theta, 36, 9, 3e-3, 0.1, 3.0, data)
    assert named == terms._asdict()
    assert choice.theta_size(36) == theta_size(36, 9) == theta.size
    assert choice.block_slices(36) == block_slices(36, 9)
    assert choice.layer_sizes(36) == (36, 9, 36)


def test_a_generalization_computes_with_the_deep_cost_bit_for_bit(data):
    choice = choice_of(hidden_layer_sizes=(10, 4, 10), activation="tanh",
                       penalties="l2=1e-4,kl=0.05:3:tanh")  # fmt: skip
    sizes = (36, 10, 4, 10, 36)
    theta = deep.initialize_deep(sizes, "tanh", np.random.default_rng(2))
    cost, grad = choice.cost(theta, data)
    expected_cost, expected_grad = deep.autoencoder_cost(
        theta, sizes, data, activation="tanh", penalties="l2=1e-4,kl=0.05:3:tanh"
    )
    assert float(cost) == float(expected_cost)
    np.testing.assert_array_equal(grad, expected_grad)
    assert choice.theta_size(36) == deep.deep_theta_size(sizes) == theta.size
    assert choice.sparse_layers == (3,)  # the code layer, numbered as in the notes


def test_fit_runs_the_chosen_cost_and_only_it(data, monkeypatch):
    """The notes' configuration trains through the notes' function; a generalization through
    the deep one; each fit leaves its choice as ``model_``."""
    import ufldl_sae.optimize

    calls = {"notes": 0, "deep": 0}

    def spy(name, function):
        def counted(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return counted

    monkeypatch.setattr(ufldl_sae.optimize, "sparse_autoencoder_cost",
                        spy("notes", sparse_autoencoder_cost))  # fmt: skip
    monkeypatch.setattr(deep, "autoencoder_cost", spy("deep", deep.autoencoder_cost))
    notes = SparseAutoencoder(hidden_size=5, max_iter=4, random_state=0).fit(data.T)
    assert calls["notes"] > 0 and calls["deep"] == 0
    assert notes.model_.is_notes
    calls.update(notes=0, deep=0)
    general = SparseAutoencoder(hidden_size=5, max_iter=4, random_state=0,
                                penalties="l2=1e-4,kl=0.01:3").fit(data.T)  # fmt: skip
    assert calls["deep"] > 0 and calls["notes"] == 0
    assert not general.model_.is_notes


def test_model_is_a_frozen_fitted_attribute_that_files_keep(data, tmp_path):
    model = SparseAutoencoder(hidden_size=5, max_iter=3, random_state=0)
    assert not hasattr(model, "model_")
    assert choose_model(model.get_params()).is_notes and model.rho_ == 0.01  # before fit
    model.fit(data.T)
    assert model.model_ == validated_choice(model.get_params())
    assert model.theta_.size == model.model_.theta_size(36)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.model_.is_notes = False
    assert SparseAutoencoder.load(model.save(tmp_path / "m.npz")).model_ == model.model_


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hidden_sizes": (8, 4, 8), "is_notes": True, "lambda_": 0.0, "sparsity_param": 0.1,
          "beta": 3.0}, "the notes' model has one hidden layer"),
        ({"hidden_sizes": (8,), "is_notes": True}, "the notes' model has one hidden layer"),
        ({"hidden_sizes": (8,), "is_notes": False, "lambda_": 0.0}, "notes' model's own"),
    ],
)  # fmt: skip
def test_a_choice_cannot_contradict_itself(fields, message):
    common = {"activation": "sigmoid", "output_activation": "sigmoid", "penalties": (),
              "sparse_layers": (2,)}  # fmt: skip
    with pytest.raises(ValueError, match=message):
        ModelChoice(**common, **fields)


def _count_check_real(monkeypatch) -> dict[str, int]:
    """Count ``check_real`` calls by the name they validate, wherever the package bound it."""
    original = ufldl_sae.validation.check_real
    counts: dict[str, int] = {}

    def counting(name, value, **bounds):
        counts[name] = counts.get(name, 0) + 1
        return original(name, value, **bounds)

    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("ufldl_sae") and getattr(module, "check_real", None) is original:
            monkeypatch.setattr(module, "check_real", counting)
    return counts


@pytest.mark.parametrize(
    ("params", "sparsity_param", "kl_rho"),
    [
        # the estimator's edge only: the notes' trainers are told the inputs are checked
        ({}, 1, 1),
        ({"solver": "adam", "batch_size": 10}, 1, 1),
        # a deep stack: the edge once; its KL penalty built once (it was once per recorded term)
        ({"hidden_layer_sizes": (8, 4, 8)}, 1, 1),
        ({"activation": "tanh", "penalties": "l2=1e-4,kl=0.05:3:tanh"}, 1, 1),
    ],
)
def test_fit_validates_the_parameters_once_whatever_the_iterations(
    data, monkeypatch, params, sparsity_param, kl_rho
):
    counts = _count_check_real(monkeypatch)
    for max_iter in (2, 20):
        counts.clear()
        SparseAutoencoder(hidden_size=5, max_iter=max_iter, random_state=0, **params).fit(data.T)
        assert counts.get("sparsity_param", 0) == sparsity_param, (max_iter, counts)
        assert counts.get("KLSparsity.rho", 0) == kl_rho, (max_iter, counts)
