"""The command line end to end, on small overrides of the presets."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.image import imread

from ufldl_sae import runs
from ufldl_sae.cli import main

SMALL = ["--max-iter", "6", "--num-patches", "400", "--progress-every", "0"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "small"
    assert main(["train", *SMALL, "--out", str(run)]) == 0
    return run


def test_train_writes_every_artifact(finished):
    for name in ("config.json", "history.csv", "terms.csv", "checkpoint.npz", "theta.npz",
                 "theta.mat", "metrics.json", "weights.png", "loss.png",
                 "reconstructions.png", "activations.png"):  # fmt: skip
        assert (finished / name).is_file(), name
    config = json.loads((finished / "config.json").read_text())
    assert config["preset"] == "patches" and config["hidden_size"] == 25
    assert config["max_iter"] == 6 and config["num_patches"] == 400
    metrics = json.loads((finished / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["iterations"] == 6
    assert set(metrics["terms"]) == {"reconstruction", "weight_decay", "sparsity"}
    assert metrics["cost"] == pytest.approx(sum(metrics["terms"].values()), rel=1e-12)
    for key in ("evaluations", "wall_time_s", "message", "sparsity", "versions", "backend",
                "dtype"):  # fmt: skip
        assert key in metrics
    with open(finished / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["iteration"]) for r in rows] == list(range(1, 7))
    assert float(rows[-1]["cost"]) == pytest.approx(metrics["cost"], rel=1e-9)


def test_figures_have_the_expected_size(finished):
    # 25 tiles of 8x8: a 5x5 grid, 5 * 9 + 1 = 46 mosaic pixels, 11 screen pixels each (at
    # least 40 per filter, 480 per mosaic), plus the title strip and the caption.
    weights = imread(finished / "weights.png")
    assert weights.shape[1] == 46 * 11 and weights.shape[0] > 46 * 11
    for name in ("loss.png", "reconstructions.png", "activations.png"):
        image = imread(finished / name)
        assert image.ndim == 3 and min(image.shape[:2]) >= 100


def test_theta_files_hold_the_learned_weights(finished):
    with np.load(finished / "theta.npz", allow_pickle=False) as f:
        theta, W1 = f["theta"], f["W1"]
    assert theta.shape == (3289,) and W1.shape == (25, 64)
    np.testing.assert_array_equal(W1, theta[:1600].reshape((25, 64), order="F"))


def test_show_redraws_the_figures(finished, capsys):
    (finished / "weights.png").unlink()
    assert main(["show", str(finished)]) == 0
    assert (finished / "weights.png").is_file()
    assert "finished: cost" in capsys.readouterr().out


def test_show_redraws_a_gpu_run_on_a_machine_without_the_gpu(finished, tmp_path):
    """``show`` reads theta on the host: the run's backend need not be installed here."""
    import shutil

    run = tmp_path / "gpu-run"
    shutil.copytree(finished, run)
    config = json.loads((run / "config.json").read_text())
    config["backend"] = "cupy"
    (run / "config.json").write_text(json.dumps(config))
    (run / "weights.png").unlink()
    assert main(["show", str(run)]) == 0
    assert (run / "weights.png").is_file()


def test_an_interrupted_run_keeps_its_theta_and_resumes(tmp_path, monkeypatch):
    run = tmp_path / "stopped"
    original = runs.Checkpointer.__call__

    def interrupt_at_3(self, record, theta):
        original(self, record, theta)
        if record.iteration + self.offset == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(runs.Checkpointer, "__call__", interrupt_at_3)
    assert main(["train", *SMALL[:4], "--max-iter", "8", "--out", str(run)]) == 130
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["interrupted"] and metrics["iterations"] == 3
    with np.load(run / "checkpoint.npz") as f:
        assert int(f["iteration"]) == 3 and f["theta"].shape == (3289,)
    monkeypatch.setattr(runs.Checkpointer, "__call__", original)
    assert main(["train", "--resume", str(run), "--progress-every", "0"]) == 0
    with open(run / "history.csv") as f:
        iterations = [int(r["iteration"]) for r in csv.DictReader(f)]
    assert iterations == list(range(1, 9))
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["iterations"] == 8


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--sparsity-param", "2"], "sparsity_param must be a real number in (0, 1)"),
        (["train", "--images", "/no/such/IMAGES.mat"], "/no/such/IMAGES.mat"),
        (["train", "--preset", "mnist", "--mnist-dir", "/no/such/mnist"], "/no/such/mnist"),
        (["train", "--resume", "/no/such/run"], "config.json is missing"),
        (["show", "/no/such/run"], "config.json is missing"),
    ],
)
def test_bad_input_exits_2_with_a_message(argv, message, capsys, tmp_path):
    if argv[0] == "train" and "--resume" not in argv:
        argv = [*argv, *SMALL, "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()  # nothing is created when the input is wrong


def test_bad_flags_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", "--max-iter", "0"])
    assert caught.value.code == 2
    assert "expected a positive integer" in capsys.readouterr().err


def test_an_existing_run_folder_is_never_overwritten(finished, capsys):
    before = (finished / "metrics.json").read_text()
    assert main(["train", *SMALL, "--out", str(finished)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (finished / "metrics.json").read_text() == before


def test_gradcheck_passes(capsys):
    assert main(["gradcheck", "--hidden-size", "3", "--num-patches", "5"]) == 0
    out = capsys.readouterr().out
    assert "2.1452e-12" in out and "=> PASS" in out


def test_mnist_preset(tmp_path, mnist_dir):
    run = tmp_path / "mnist"
    argv = ["train", "--preset", "mnist", "--mnist-dir", str(mnist_dir), "--num-images", "300",
            "--hidden-size", "16", "--max-iter", "3", "--progress-every", "0",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["examples"] == 300 and metrics["iterations"] == 3
    assert imread(run / "weights.png").shape[1] == (4 * 29 + 1) * 5  # 16 tiles of 28x28, 5 px each


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "ufldl_sae", "--help"], capture_output=True,
                            text=True)  # fmt: skip
    assert result.returncode == 0 and "train" in result.stdout and "gradcheck" in result.stdout


@pytest.mark.parametrize("preset", ["keras-sparse", "keras-deep", "keras-tanh-l1"])
def test_tutorial_presets_run_from_one_command_with_their_figures(tmp_path, mnist_dir, preset):
    """Each tutorial preset, cut down to a slice of MNIST and two epochs: the run folder holds
    the tutorials' figures and a test reconstruction error measured on held-out digits."""
    import contextlib
    import json
    import warnings

    from ufldl_sae.cli import main
    from ufldl_sae.runs import PRESETS

    run = tmp_path / preset
    # keras-sparse takes the KL on sigmoid(a) as the tutorial does: rho 0.05 is unreachable.
    expected_warning = (
        pytest.warns(UserWarning, match="unreachable") if preset == "keras-sparse"
        else contextlib.nullcontext()
    )  # fmt: skip
    with expected_warning, warnings.catch_warnings():
        if preset != "keras-sparse":
            warnings.simplefilter("error")
        code = main(["train", "--preset", preset, "--mnist-dir", str(mnist_dir), "--num-images",
                     "1000", "--test-examples", "300", "--max-iter", "2", "--progress-every",
                     "0", "--out", str(run)])  # fmt: skip
    assert code == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["solver"] == "adam" and metrics["iterations"] == 2
    expected = PRESETS[preset].get("hidden_layer_sizes") or [PRESETS[preset]["hidden_size"]]
    assert metrics["layer_sizes"] == [784, *expected, 784]
    assert metrics["test"]["examples"] == 300
    test = metrics["test"]
    # Two short epochs: held-out digits are reconstructed about as well as the training ones.
    assert test["reconstruction_error"] == pytest.approx(test["train_reconstruction_error"],
                                                         rel=0.2)  # fmt: skip
    history = (run / "history.csv").read_text().splitlines()
    assert len(history) == 3 and float(history[2].split(",")[1]) < float(history[1].split(",")[1])
    assert metrics["tutorial"].startswith("the ")
    # config.json: the parameters in force only (the penalties spec replaces the notes' three)
    config = json.loads((run / "config.json").read_text())
    assert config["penalties"] == PRESETS[preset]["penalties"]
    assert not {"sparsity_param", "lambda_", "beta", "patch_size", "num_patches"} & set(config)
    for name in ("weights", "loss", "reconstructions", "activations", "codes", "codes_pca",
                 "errors"):  # fmt: skip
        assert (run / f"{name}.png").stat().st_size > 5000, name


def test_patches_adam_preset_and_show(tmp_path, capsys):
    from ufldl_sae.cli import main

    run = tmp_path / "pa"
    assert main(["train", "--preset", "patches-adam", "--num-patches", "500", "--test-examples",
                 "100", "--max-iter", "2", "--progress-every", "0", "--hidden-size", "16",
                 "--out", str(run)]) == 0  # fmt: skip
    assert "test reconstruction error" in capsys.readouterr().out
    (run / "errors.png").unlink()
    assert main(["show", str(run)]) == 0
    assert (run / "errors.png").exists()  # re-drawn from the run's files


def test_bad_tutorial_options_exit_2_before_any_folder(tmp_path, capsys):
    from ufldl_sae.cli import main

    run = tmp_path / "never"
    code = main(["train", "--activation", "relu", "--penalties", "kl=0.05:3", "--out", str(run)])
    assert code == 2
    assert "undefined for relu units" in capsys.readouterr().err
    assert not run.exists()
    with pytest.raises(SystemExit):
        main(["train", "--hidden-layer-sizes", "128,0,32"])


def test_gradcheck_beyond_prints_every_combination(capsys):
    from ufldl_sae.cli import main

    assert main(["gradcheck", "--hidden-size", "3", "--num-patches", "5", "--beyond"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("10-6-10", "10-8-4-8-10"))]
    assert len(rows) == 21 and all(line.endswith("PASS") for line in rows)
    assert "relu/identity    kl" in out
