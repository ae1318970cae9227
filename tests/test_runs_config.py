"""config.json records the parameters in force, and only those; old records still read."""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict

import numpy as np
import pytest

from ufldl_sae.runs import PRESETS, RunConfig, model_for, read_config

PATCH_ONLY = {"patch_size", "num_patches", "images", "whitened"}
MNIST_ONLY = {"num_images", "mnist_dir", "data_home"}
NOTES_PENALTY = {"lambda_", "sparsity_param", "beta"}
MINIBATCH_ONLY = {"learning_rate", "batch_size"}


def test_keras_sparse_records_its_kl_penalty_not_the_notes_numbers():
    record = RunConfig.from_preset("keras-sparse").record()
    assert record["penalties"] == "kl=0.05:0.1:sigmoid"
    assert not (NOTES_PENALTY | PATCH_ONLY | {"extra"}) & set(record)
    assert record["learning_rate"] == 1e-3 and record["batch_size"] == 256
    assert record["hidden_size"] == 64 and record["data"] == "mnist"


def test_the_notes_exercise_records_the_notes_numbers_and_no_minibatch_settings():
    record = RunConfig.from_preset("patches", max_iter=6).record()
    assert {k: record[k] for k in NOTES_PENALTY} == {"lambda_": 1e-4, "sparsity_param": 0.01,
                                                     "beta": 3.0}  # fmt: skip
    assert record["whitened"] is True and record["max_iter"] == 6
    assert not (MINIBATCH_ONLY | MNIST_ONLY) & set(record)
    assert list(record) == [k for k in asdict(RunConfig()) if k in record]  # declaration order


def test_deep_layers_replace_hidden_size_and_a_mat_file_replaces_whitened():
    assert "hidden_size" not in RunConfig.from_preset("keras-deep").record()
    record = RunConfig.from_preset("patches", images="IMAGES.mat").record()
    assert record["images"] == "IMAGES.mat" and "whitened" not in record


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_record_reads_back_to_the_same_model(preset):
    """The fields left out are the ones the run ignores: the estimator read back from the record
    learns exactly the same weights (one iteration or epoch on a small problem)."""
    config = RunConfig.from_preset(preset, sparsity_param=0.3, learning_rate=0.05, batch_size=10)
    again = RunConfig.from_record(json.loads(json.dumps(config.record())))
    assert again.record() == config.record()
    X = np.random.default_rng(0).uniform(0.1, 0.9, (30, 16))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # keras-sparse: its rho is unreachable
        a, b = model_for(config, 1, 0).fit(X), model_for(again, 1, 0).fit(X)
    np.testing.assert_array_equal(a.theta_, b.theta_)
    assert a.cost_terms_ == b.cost_terms_


def test_old_records_with_every_field_still_read(tmp_path):
    old = asdict(RunConfig.from_preset("keras-sparse"))
    old.pop("data")  # written before the tutorial presets: the preset named the data
    (tmp_path / "config.json").write_text(json.dumps(old))
    config = read_config(tmp_path)
    assert config.data == "mnist" and config.penalties == "kl=0.05:0.1:sigmoid"


def test_an_unknown_field_is_named():
    with pytest.raises(ValueError, match=r"unknown fields \['hiden_size'\]"):
        RunConfig.from_record({"preset": "patches", "hiden_size": 3})


def test_a_refused_value_leaves_no_folder_and_the_model_is_built_once(tmp_path, monkeypatch):
    """``ufldl-sae train`` builds one estimator, whose fit checks the parameters before anything
    is written: a refused value leaves no folder."""
    from ufldl_sae.cli import main
    from ufldl_sae.runs import train as train_module

    built = []
    original = train_module.model_for

    def counting(*args, **kwargs):
        built.append(original(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(train_module, "model_for", counting)
    small = ["--max-iter", "2", "--num-patches", "200", "--progress-every", "0"]
    assert main(["train", *small, "--sparsity-param", "2", "--out", str(tmp_path / "bad")]) == 2
    assert not (tmp_path / "bad").exists()
    assert [m.sparsity_param for m in built] == [2.0]
    built.clear()
    assert main(["train", *small, "--out", str(tmp_path / "good")]) == 0
    assert len(built) == 1 and built[0].n_iter_ == 2
    config = RunConfig.from_preset("patches", num_patches=200, max_iter=2)
    assert json.loads((tmp_path / "good" / "config.json").read_text()) == config.record()
