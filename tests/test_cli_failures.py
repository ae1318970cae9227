"""Every command-line failure: one or two lines, exit 1 (during a run) or 2 (bad input), no
traceback unless asked for, and the files left behind (issue 19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from ufldl_sae import runs
from ufldl_sae.cli import main
from ufldl_sae.cli.types import memory_limit, nonnegative_int, positive_seconds
from ufldl_sae.runs.preflight import MemoryEstimate, check_memory, estimate_memory

REPO = Path(__file__).resolve().parents[1]
SMALL = ["--max-iter", "6", "--num-patches", "300", "--progress-every", "0"]

#: A student's cost that is right, returns a Python float and a list, and turns NaN on the
#: thirteenth evaluation of training (only the training data have 300 columns).
NAN_LATER = """
from ufldl_sae.model import sparse_autoencoder_cost as _cost

calls = 0


def sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data):
    global calls
    J, grad = _cost(theta, visible, hidden, lambda_, rho, beta, data)
    if data.shape[1] == 300:
        calls += 1
        if calls > LIMIT:
            return float("nan"), grad
    return float(J), list(grad)
"""


def ufldl(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m ufldl_sae ARGV`` in ``cwd``, this checkout first on the path."""
    environment = {k: v for k, v in os.environ.items() if k != "UFLDL_SAE_DEBUG"}
    environment |= {"PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "ufldl_sae", *argv], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def write_cost(folder: Path, name: str, source: str) -> str:
    (folder / name).write_text(textwrap.dedent(source))
    return name


# -- failures part-way: the best theta, metrics marked failed, figures; exit 1 ------------------
def test_a_cost_turning_nan_mid_run_keeps_the_best_theta_and_exits_1(tmp_path):
    cost = write_cost(tmp_path, "nan_later.py", NAN_LATER.replace("LIMIT", "12"))
    done = ufldl("train", *SMALL[2:], "--max-iter", "30", "--cost", cost, "--out", "run",
                 cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in lines(done.stderr) if not line.startswith("warning")]
    assert errors[0].startswith("ufldl-sae train: error: the run failed: the cost is nan")
    assert "--resume run" in errors[1] and len(errors) == 2
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "failed" and metrics["failed"] and "nan" in metrics["reason"]
    assert metrics["iterations"] == 11 and np.isfinite(metrics["cost"])
    for name in ("weights.png", "loss.png", "activations.png", "theta.mat", "terms.csv"):
        assert (run / name).is_file(), name
    with np.load(run / "checkpoint.npz") as c, np.load(run / "theta.npz") as t:
        assert int(c["iteration"]) == 11  # the best theta, not the checkpoint of iteration 0
        np.testing.assert_array_equal(c["theta"], t["theta"])
    history = runs.read_csv(run / "history.csv")
    assert metrics["cost"] == pytest.approx(history["cost"].min(), rel=1e-12)


def _raise_at(monkeypatch, iteration: int, error: BaseException) -> None:
    original = runs.Checkpointer.__call__

    def failing(self, record, theta):
        original(self, record, theta)
        if record.iteration + self.offset == iteration:
            raise error

    monkeypatch.setattr(runs.Checkpointer, "__call__", failing)


def test_running_out_of_memory_mid_run_writes_what_was_learned(tmp_path, monkeypatch, capsys):
    _raise_at(monkeypatch, 3, MemoryError("cannot allocate 16 GiB"))
    assert main(["train", *SMALL, "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "MemoryError: cannot allocate 16 GiB" in err and "fewer examples" in err
    assert "Traceback" not in err and len(lines(err)) == 2
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "failed" and metrics["iterations"] == 3
    assert (tmp_path / "run" / "weights.png").is_file()


def test_an_unexpected_error_mid_run_says_to_rerun_with_debug(tmp_path, monkeypatch, capsys):
    _raise_at(monkeypatch, 2, RuntimeError("a bug"))
    assert main(["train", *SMALL, "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError: a bug" in err and "--debug" in err and "Traceback" not in err
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["iterations"] == 2


def test_a_cost_non_finite_at_once_leaves_no_folder_and_exits_1(tmp_path, capsys):
    assert main(["train", *SMALL, "--beta", "1e308", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "the cost is inf" in err and "no run folder was written" in err
    assert "--beta" in err and "Traceback" not in err and "RuntimeWarning" not in err
    assert not (tmp_path / "run").exists()


# -- bad input, refused before anything is created: exit 2 ----------------------------------
def test_a_run_that_cannot_fit_in_memory_is_refused_with_the_figure(tmp_path):
    done = ufldl("train", "--hidden-size", "20000000", "--num-patches", "10000", "--out", "run",
                 cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "needs about" in done.stderr and "TiB" in done.stderr and "is free" in done.stderr
    assert len(lines(done.stderr)) == 2 and not (tmp_path / "run").exists()
    assert "run folder" not in done.stdout


def test_too_many_examples_are_refused_before_the_data_are_drawn(tmp_path, capsys, monkeypatch):
    drawn = []
    monkeypatch.setattr(runs, "prepare_data", lambda config: drawn.append(config))
    assert main(["train", "--num-patches", "1000000000", "--out", str(tmp_path / "run")]) == 2
    refusal = capsys.readouterr().err
    assert "needs about" in refusal and "TiB" in refusal and "Traceback" not in refusal
    assert drawn == [] and not (tmp_path / "run").exists()


def test_the_memory_estimate_counts_activations_and_lbfgs_memory():
    config = runs.RunConfig(hidden_size=200_000, num_patches=10_000)
    estimate = estimate_memory(config, (64, 200_000, 64), 10_000)
    assert estimate.activations == 3 * 8 * 200_064 * 10_000  # a, delta and a temporary
    n = 2 * 64 * 200_000 + 200_064
    assert estimate.parameters >= 200 * 8 * n  # L-BFGS's 100 correction pairs
    check_memory(MemoryEstimate(10, 10, 10, device=False), available=30)
    with pytest.raises(ValueError, match=r"needs about 30 B .* only 29 B is free"):
        check_memory(MemoryEstimate(10, 10, 10, device=False), available=29)
    check_memory(MemoryEstimate(10, 10**15, 10, device=True), available=30)  # on the GPU


def test_a_mat_file_without_images_gets_the_loaders_message(tmp_path):
    scipy.io.savemat(tmp_path / "mine.mat", {"X": np.ones((8, 8, 2))})
    done = ufldl("train", *SMALL, "--images", "mine.mat", "--out", "run", cwd=tmp_path)
    assert done.returncode == 2
    assert "mine.mat: no variable IMAGES or IMAGESr in the file" in done.stderr
    assert "KeyError" not in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_negative_test_examples_are_named_and_nothing_is_created(tmp_path, capsys):
    assert main(["train", *SMALL, "--test-examples", "-5", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "test_examples must be an integer >= 0, got -5" in err and "num_patches" not in err
    assert not (tmp_path / "run").exists()


def test_more_test_examples_than_mnist_has_are_refused_before_training(tmp_path, mnist_dir, capsys):
    argv = [
        "train",
        "--preset",
        "mnist",
        "--mnist-dir",
        str(mnist_dir),
        "--num-images",
        "50",
        "--test-examples",
        "20000",
        "--progress-every",
        "0",
        "--out",
        str(tmp_path / "run"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "test_examples must be at most 10000" in err
    assert not (tmp_path / "run").exists()


# -- --debug and UFLDL_SAE_DEBUG ---------------------------------------------------------------
@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(tmp_path, how):
    argv = ["train", *SMALL, "--test-examples", "-5", "--out", "run"]
    if how == "flag":
        done = ufldl(*argv, "--debug", cwd=tmp_path)
    else:
        done = ufldl(*argv, cwd=tmp_path, env={"UFLDL_SAE_DEBUG": "1"})
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "ValueError: test_examples" in done.stderr
    quiet = ufldl(*argv, cwd=tmp_path)
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr


# -- train --cost FILE ----------------------------------------------------------------------
def test_a_cost_that_is_not_implemented_exits_2_without_a_folder(tmp_path):
    cost = write_cost(tmp_path, "todo.py", """
        def sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data):
            raise NotImplementedError
    """)  # fmt: skip
    done = ufldl("train", *SMALL, "--cost", cost, "--out", "run", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "todo.py cannot train: Not implemented yet" in done.stderr
    assert "[not-implemented]" in done.stderr and "ufldl-sae check todo.py" in done.stderr
    assert len(lines(done.stderr)) == 2 and not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("return J, grad[:-1]", "grad-wrong-shape"),
        ("return J", "wrong-return"),
        ("raise RuntimeError('oops')", "raised-exception"),
    ],
)
def test_a_cost_that_cannot_train_exits_2_with_the_finding(tmp_path, body, code, capsys):
    (tmp_path / "mine.py").write_text(
        "from ufldl_sae.model import sparse_autoencoder_cost as _cost\n\n\n"
        "def sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data):\n"
        "    J, grad = _cost(theta, visible, hidden, lambda_, rho, beta, data)\n"
        f"    {body}\n"
    )
    spec = str(tmp_path / "mine.py")
    assert main(["train", *SMALL, "--cost", spec, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert f"[{code}]" in err and f"ufldl-sae check {spec}" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_a_float_cost_and_a_list_gradient_train(tmp_path, capsys):
    spec = tmp_path / "plain.py"
    spec.write_text(textwrap.dedent(NAN_LATER.replace("LIMIT", "10**9")))
    assert main(["train", *SMALL, "--cost", str(spec), "--out", str(tmp_path / "run")]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "finished" and metrics["iterations"] == 6
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert len(config["cost_sha256"]) == 64


def test_a_gradient_that_disagrees_with_the_cost_exits_1(tmp_path):
    cost = write_cost(tmp_path, "flipped.py", """
        from ufldl_sae.model import sparse_autoencoder_cost as _cost


        def sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data):
            J, grad = _cost(theta, visible, hidden, lambda_, rho, beta, data)
            return J, -grad
    """)  # fmt: skip
    done = ufldl("train", *SMALL, "--cost", cost, "--out", "run", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "the gradient disagrees with the cost" in done.stderr
    assert "(see `ufldl-sae check flipped.py`)" in done.stderr
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "failed"


# -- the argparse types (check --time-limit / --memory-limit use them) ------------------------
@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "-5", "0", "soon"])
def test_positive_seconds_refuses(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="seconds"):
        positive_seconds(text)


@pytest.mark.parametrize("text", ["-5", "0", "nan", "1.5", "inf"])
def test_memory_limit_refuses(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="whole number of MiB"):
        memory_limit(text)


def test_the_types_accept_good_values():
    import argparse

    assert positive_seconds("2.5") == 2.5 and memory_limit("512") == 512
    assert memory_limit("none") is None
    assert nonnegative_int("0") == 0
    with pytest.raises(argparse.ArgumentTypeError):
        nonnegative_int("-1")


def test_a_seed_must_not_be_negative(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", "--seed", "-1"])
    assert caught.value.code == 2 and "expected an integer >= 0" in capsys.readouterr().err


def test_a_non_finite_cost_outside_train_is_two_lines_and_status_1():
    from ufldl_sae.cli.errors import explain
    from ufldl_sae.optimize import NonFiniteError

    status, text = explain(NonFiniteError("the cost is nan at evaluation 3"))
    assert status == 1 and text.startswith("the cost is nan at evaluation 3\n")
    assert len(text.splitlines()) == 2 and "--lambda" in text
    status, text = explain(KeyError("IMAGES.mat: no variable IMAGES"))
    assert status == 2 and text == "IMAGES.mat: no variable IMAGES"
