"""The later exercises write their run folders through the same writer, created by the first
write: a value the exercise's functions refuse leaves nothing behind."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ufldl_sae.runs import exercises


def tiny_mnist(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "train_images": rng.random((784, 40)),
        "train_labels": np.arange(40) % 10,
        "test_images": rng.random((784, 20)),
        "test_labels": np.arange(20) % 10,
    }


@pytest.mark.parametrize(
    ("run", "kwargs", "message"),
    [
        (exercises.run_softmax, {"lambda_": -1.0}, r"lambda_ must be a real number in \[0, inf\]"),
        (exercises.run_pca, {"retain": 1.5, "num_patches": 200},
         r"retain must be a real number in \(0, 1\]"),
        (exercises.run_pca, {"epsilon": -0.1, "num_patches": 200},
         r"epsilon must be a real number in \[0, inf\]"),
    ],  # fmt: skip
    ids=["softmax-lambda", "pca-retain", "pca-epsilon"],
)
def test_a_refused_value_names_itself_and_leaves_no_folder(run, kwargs, message, tmp_path):
    if run is exercises.run_softmax:
        kwargs = {**kwargs, "mnist": tiny_mnist(np.random.default_rng(0)), "num_train": 40,
                  "num_test": 20}
    with pytest.raises(ValueError, match=message):
        run(out=tmp_path / "run", **kwargs)
    assert not (tmp_path / "run").exists()


def test_a_small_softmax_run_writes_the_same_files_as_ever(tmp_path):
    out = tmp_path / "softmax"
    m = exercises.run_softmax(mnist=tiny_mnist(np.random.default_rng(1)), num_train=40,
                              num_test=20, max_iter=3, out=out)
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json", "confusion.png", "history.csv", "loss-softmax.png", "metrics.json",
        "theta.npz", "weights.png",
    ]  # fmt: skip
    config = json.loads((out / "config.json").read_text())
    assert config["exercise"] == "softmax" and config["settings"]["num_train"] == 40
    lines = (out / "history.csv").read_text().splitlines()
    assert lines[0] == "stage,iteration,cost,grad_norm,evaluations,elapsed"
    assert len(lines) == 1 + m["stages"]["softmax"]["iterations"]
    assert json.loads((out / "metrics.json").read_text())["run"] == str(out)


def test_a_pca_run_keeps_the_header_only_history(tmp_path):
    out = tmp_path / "pca"
    exercises.run_pca(num_patches=200, out=out)
    assert (out / "history.csv").read_text().splitlines() == [
        "stage,iteration,cost,grad_norm,evaluations,elapsed"
    ]
