"""The exercises end to end, small, through their subcommands: run folders and accuracy floors."""

from __future__ import annotations

import argparse
import csv
import json

import numpy as np
import pytest

from ufldl_sae.cli.exercises import register
from ufldl_sae.runs import exercises


def run(argv: list[str]) -> int:
    """Parse ``argv`` with the subcommands :func:`register` adds, and run the handler."""
    parser = argparse.ArgumentParser(prog="ufldl-sae")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def metrics_of(folder) -> dict:
    return json.loads((folder / "metrics.json").read_text())


def test_softmax_command(mnist_dir, tmp_path):
    out = tmp_path / "softmax"
    argv = [
        "softmax",
        "--mnist-dir",
        str(mnist_dir),
        "--num-train",
        "2000",
        "--num-test",
        "1000",
        "--max-iter",
        "30",
        "--progress-every",
        "0",
        "--out",
        str(out),
    ]
    assert run(argv) == 0
    for name in (
        "config.json",
        "history.csv",
        "theta.npz",
        "metrics.json",
        "weights.png",
        "confusion.png",
        "loss-softmax.png",
    ):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    assert config["exercise"] == "softmax" and config["settings"]["lambda_"] == 1e-4
    m = metrics_of(out)
    assert m["accuracy"] > 0.8 and m["num_train"] == 2000  # chance: 0.1
    assert m["stages"]["softmax"]["iterations"] <= 30
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["stage"] == "softmax" and len(rows) == m["stages"]["softmax"]["iterations"]
    with np.load(out / "theta.npz") as f:
        assert f["softmax_theta"].shape == (10, 784)


def test_self_taught_command_reports_the_raw_pixel_baseline(mnist_dir, tmp_path):
    out = tmp_path / "stl"
    argv = [
        "self-taught",
        "--mnist-dir",
        str(mnist_dir),
        "--hidden-size",
        "25",
        "--max-iter",
        "40",
        "--num-unlabeled",
        "2000",
        "--num-labeled",
        "2000",
        "--softmax-max-iter",
        "50",
        "--progress-every",
        "0",
        "--out",
        str(out),
    ]
    assert run(argv) == 0
    m = metrics_of(out)
    assert m["accuracy"] > 0.8 and m["raw_pixel_accuracy"] > 0.8  # chance: 0.2
    assert m["num_unlabeled"] == 2000 and m["num_train"] == m["num_test"] == 1000
    for name in ("weights.png", "confusion.png", "confusion-raw.png", "loss-autoencoder.png"):
        assert (out / name).is_file(), name


def test_stacked_command_fine_tuning_helps(mnist_dir, tmp_path):
    out = tmp_path / "stacked"
    argv = [
        "stacked",
        "--mnist-dir",
        str(mnist_dir),
        "--hidden-size-l1",
        "25",
        "--hidden-size-l2",
        "16",
        "--max-iter",
        "30",
        "--finetune-max-iter",
        "40",
        "--num-train",
        "2000",
        "--num-test",
        "1000",
        "--progress-every",
        "0",
        "--out",
        str(out),
    ]
    assert run(argv) == 0
    m = metrics_of(out)
    assert m["accuracy"] > 0.75 and m["accuracy"] > m["accuracy_before_finetuning"]
    assert list(m["stages"]) == ["sae1", "sae2", "softmax", "finetune"]
    assert m["net_config"] == {"input_size": 784, "layer_sizes": [25, 16]}
    with np.load(out / "theta.npz") as f:
        assert f["stacked_opt_theta"].shape == (10 * 16 + 25 * 785 + 16 * 26,)
    for name in ("confusion-before.png", "confusion.png", "weights-finetuned.png"):
        assert (out / name).is_file(), name


def test_pca_command(tmp_path, capsys):
    out = tmp_path / "pca"
    assert run(["pca", "--num-patches", "2000", "--progress-every", "0", "--out", str(out)]) == 0
    m = metrics_of(out)
    assert m["whitened_identity_error"] < 1e-6 and m["rotated_offdiagonal_max"] < 1e-8
    assert m["retained_variance"] >= 0.99 and m["zero_eigenvalues"] == 1
    for name in ("raw.png", "pca-reconstructed.png", "zca-whitened.png", "covariance.png"):
        assert (out / name).is_file(), name
    assert "k = " in capsys.readouterr().out


def test_gradient_checks_pass_and_the_flag_prints_them(capsys):
    for cost, blocks in exercises.check_gradients().items():
        for block, value in blocks.items():
            assert value < 1e-9, f"{cost} {block}: {value:.3e}"
    args = argparse.Namespace(gradcheck=True, seed=0, backend="numpy")
    from ufldl_sae.cli.exercises import _gradcheck_failed

    assert not _gradcheck_failed(args)
    assert "stacked_ae_cost W2" in capsys.readouterr().out


def test_self_taught_split_follows_the_course():
    labels = np.array([5, 0, 1, 9, 2, 3, 7, 4, 0])
    unlabeled, train, test = exercises.self_taught_split(labels)
    np.testing.assert_array_equal(unlabeled, [0, 3, 6])
    np.testing.assert_array_equal(train, [1, 2, 4])  # round(6 / 2) = 3 first digits 0-4
    np.testing.assert_array_equal(test, [5, 7, 8])


def test_confusion_matrix_counts():
    C = exercises.confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 0], [1, 0, 0]])


def test_sizes_beyond_the_data_are_named(tmp_path):
    sets = {
        "train_images": np.zeros((784, 10)),
        "train_labels": np.zeros(10, dtype=np.int64),
        "test_images": np.zeros((784, 5)),
        "test_labels": np.zeros(5, dtype=np.int64),
    }
    with pytest.raises(ValueError, match=r"num_train must be at most 10.*got 20"):
        exercises.run_softmax(mnist=sets, num_train=20, out=tmp_path / "a")
    with pytest.raises(ValueError, match=r"num_test must be at most 5.*got 6"):
        exercises.run_stacked(mnist=sets, num_train=10, num_test=6, out=tmp_path / "b")
