"""``--resume`` and ``show`` trust nothing in a run folder (issue 19): config and checkpoint
checked field by field, no links followed, one writer at a time, history without repeats,
flags applied and recorded or refused by name, and no code imported because a folder names it."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ufldl_sae.cli import main
from ufldl_sae.runs import RunFolder

SMALL = ["--max-iter", "6", "--num-patches", "300", "--progress-every", "0"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("resume") / "base"
    assert main(["train", *SMALL, "--checkpoint-every", "3", "--out", str(run)]) == 0
    return run


@pytest.fixture
def run(finished, tmp_path) -> Path:
    """A copy of a finished 6-iteration run (64-25-64, 3289 parameters), for one test."""
    copy = tmp_path / "run"
    shutil.copytree(finished, copy)
    return copy


def resume(run: Path, *flags: str) -> int:
    return main(["train", "--resume", str(run), "--progress-every", "0", *flags])


def iterations(run: Path) -> list[int]:
    with open(run / "history.csv") as f:
        return [int(r["iteration"]) for r in csv.DictReader(f)]


def save_checkpoint(run: Path, **arrays) -> None:
    with np.load(run / "checkpoint.npz") as f:
        values = {k: f[k] for k in f.files}
    values.update(arrays)
    np.savez(run / "checkpoint.npz", **values)


def refused(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    return err


# -- config.json, field by field ------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"hiden_size": 3}, ["unknown fields ['hiden_size']"]),
        ({"hidden_size": "25"}, ["hidden_size must be an integer >= 1, got '25'"]),
        ({"hidden_size": True}, ["hidden_size must be an integer"]),
        ({"max_iter": -4}, ["max_iter must be an integer >= 1, got -4"]),
        ({"beta": float("nan")}, ["beta must be a finite number"]),
        ({"sparsity_param": 1.5}, ["sparsity_param must be a finite number in (0, 1)"]),
        ({"whitened": "yes"}, ["whitened must be true or false"]),
        ({"backend": "torch"}, ["backend must be one of"]),
        ({"hidden_layer_sizes": [3, "x"]}, ["hidden_layer_sizes must be a non-empty list"]),
        ({"changes": [{"iteration": -1}]}, ["changes iteration must be an integer >= 0"]),
    ],
)
def test_a_bad_config_field_is_named(run, capsys, change, words):
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, **change}))
    assert resume(run, "--max-iter", "8") == 2
    refused(capsys, "config.json", *words)
    assert iterations(run) == list(range(1, 7))


def test_a_config_that_is_not_json_is_refused(run, capsys):
    (run / "config.json").write_text("{not json")
    assert resume(run) == 2
    refused(capsys, "config.json is not valid JSON")
    (run / "config.json").write_text("[1, 2]")
    assert resume(run) == 2
    refused(capsys, "must hold a JSON object")


# -- the checkpoint -------------------------------------------------------------------------
def test_a_truncated_checkpoint_is_refused(run, capsys):
    data = (run / "checkpoint.npz").read_bytes()
    (run / "checkpoint.npz").write_bytes(data[: len(data) // 2])
    assert resume(run, "--max-iter", "8") == 2
    refused(capsys, "checkpoint.npz is damaged")


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ({"theta": np.array(["a", "b"])}, "theta must be a 1-D float vector"),
        ({"theta": np.zeros(10)}, "theta has 10 entries, but this run's model has 3289"),
        ({"theta": np.full(3289, np.nan)}, "theta holds NaN or infinite entries"),
        ({"iteration": np.array([3, 4])}, "iteration must be a single integer"),
        ({"iteration": np.array(2.5)}, "iteration must be a single integer"),
        ({"iteration": np.array(-3)}, "iteration must be >= 0, got -3"),
        ({"elapsed": np.array(np.inf)}, "elapsed must be a finite number >= 0"),
        ({"extra": np.zeros(1)}, "must hold exactly ['elapsed', 'iteration', 'theta']"),
    ],
)
def test_a_bad_checkpoint_field_is_named(run, capsys, arrays, words):
    save_checkpoint(run, **arrays)
    assert resume(run, "--max-iter", "8") == 2
    refused(capsys, "checkpoint.npz", words)
    assert iterations(run) == list(range(1, 7))


def test_a_pickled_checkpoint_is_refused(run, capsys):
    save_checkpoint(run, theta=np.array([object()], dtype=object))
    assert resume(run, "--max-iter", "8") == 2
    refused(capsys, "checkpoint.npz")


# -- links ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["history.csv", "config.json", "checkpoint.npz"])
def test_resume_refuses_a_link_in_the_folder(run, tmp_path, capsys, name):
    victim = tmp_path / "victim"
    shutil.copyfile(run / name, victim)
    before = victim.read_bytes()
    (run / name).unlink()
    (run / name).symlink_to(victim)
    assert resume(run, "--max-iter", "8") == 2
    refused(capsys, "symbolic link", name)
    assert victim.read_bytes() == before


def test_show_never_writes_through_a_link(run, tmp_path, capsys):
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"mine")
    (run / "weights.png").unlink()
    (run / "weights.png").symlink_to(victim)
    assert main(["show", str(run)]) == 0
    assert victim.read_bytes() == b"mine"  # the link was replaced, not written through
    assert not (run / "weights.png").is_symlink()
    (run / "metrics.json").unlink()
    (run / "metrics.json").symlink_to(victim)
    assert main(["show", str(run)]) == 2
    refused(capsys, "metrics.json is a symbolic link")


def test_a_planted_temporary_name_cannot_redirect_a_write(run, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("mine")
    (run / ".metrics.tmp.json").symlink_to(victim)  # the old fixed temporary name
    assert resume(run, "--max-iter", "7") == 0
    assert victim.read_text() == "mine"


# -- one writer at a time ---------------------------------------------------------------------
def test_a_second_concurrent_resume_fails_at_once(run, capsys):
    holder = RunFolder(run)
    holder.lock()  # as a first resume does, until it ends
    try:
        assert resume(run, "--max-iter", "8") == 2
        refused(capsys, "being written by another ufldl-sae process")
        assert iterations(run) == list(range(1, 7))
    finally:
        holder.unlock()
    assert resume(run, "--max-iter", "8") == 0  # the lock dies with its holder


# -- history and flags ------------------------------------------------------------------------
def test_history_is_cut_back_to_the_checkpoint_before_appending(run):
    """As after ``kill -9`` at iteration 6 with the checkpoint at 3: no iteration twice."""
    with np.load(run / "checkpoint.npz") as f:
        theta = f["theta"]
    save_checkpoint(run, theta=theta, iteration=np.array(3))
    with open(run / "history.csv", "a") as f:
        f.write("7,0.5,0.1,9,0.2")  # a line cut by the crash
    assert resume(run, "--max-iter", "8") == 0
    assert iterations(run) == list(range(1, 9))
    with open(run / "terms.csv") as f:
        terms = [int(r["iteration"]) for r in csv.DictReader(f)]
    assert terms == sorted(set(terms)) and max(terms) == 8


def test_changed_flags_are_applied_and_recorded(run):
    assert resume(run, "--max-iter", "9", "--lambda", "1e-3", "--hidden-size", "25") == 0
    config = json.loads((run / "config.json").read_text())
    assert config["max_iter"] == 9 and config["lambda_"] == 1e-3
    assert config["changes"] == [{"iteration": 6, "max_iter": 9, "lambda_": 1e-3}]
    assert iterations(run) == list(range(1, 10))
    with np.load(run / "checkpoint.npz") as f:
        assert int(f["iteration"]) == 9


def test_a_later_resume_knows_the_new_max_iter(run, capsys):
    assert resume(run, "--max-iter", "7") == 0
    assert resume(run) == 2
    refused(capsys, "already ran 7 of its 7 iterations", "--max-iter")


@pytest.mark.parametrize(
    ("flags", "name"),
    [
        (["--hidden-size", "30"], "--hidden-size"),
        (["--seed", "4"], "--seed"),
        (["--num-patches", "500"], "--num-patches"),
        (["--activation", "tanh"], "--activation"),
        (["--preset", "mnist"], "--preset"),
        (["--unwhitened"], "--unwhitened"),
    ],
)
def test_flags_that_would_change_the_model_are_refused_by_name(run, capsys, flags, name):
    before = (run / "config.json").read_text()
    assert resume(run, "--max-iter", "8", *flags) == 2
    refused(capsys, f"{name} cannot change when resuming")
    assert (run / "config.json").read_text() == before


# -- --cost: the user names the code, the folder never does ----------------------------------
GOOD_COST = """from ufldl_sae.model import sparse_autoencoder_cost
"""


def test_a_run_trained_with_cost_needs_the_same_file_again(tmp_path, capsys):
    cost = tmp_path / "mine.py"
    cost.write_text(GOOD_COST)
    run = tmp_path / "run"
    assert main(["train", *SMALL, "--cost", str(cost), "--out", str(run)]) == 0
    assert resume(run, "--max-iter", "7") == 2
    refused(capsys, f"pass --cost {cost} again")
    cost.write_text(GOOD_COST + "# edited\n")
    assert resume(run, "--max-iter", "7", "--cost", str(cost)) == 2
    refused(capsys, "changed since the run started", "--accept-cost-change")
    assert resume(run, "--max-iter", "7", "--cost", str(cost), "--accept-cost-change") == 0
    config = json.loads((run / "config.json").read_text())
    assert config["changes"][-1]["iteration"] == 6
    assert config["changes"][-1]["cost_sha256"] == config["cost_sha256"]


def test_resume_never_imports_the_code_a_folder_names(run, tmp_path, capsys):
    marker = tmp_path / "imported"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').close()\n" + GOOD_COST)
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "cost_function": str(evil)}))
    assert resume(run, "--max-iter", "8") == 2
    refused(capsys, f"pass --cost {evil} again")
    assert not marker.exists()


def test_cost_cannot_be_added_to_a_run_of_the_notes_cost(run, tmp_path, capsys):
    cost = tmp_path / "mine.py"
    cost.write_text(GOOD_COST)
    assert resume(run, "--max-iter", "8", "--cost", str(cost)) == 2
    refused(capsys, "--cost cannot change when resuming")


def test_show_names_a_damaged_metrics_file(run, capsys):
    (run / "metrics.json").write_text(json.dumps({"status": "finished", "terms": 3}))
    assert main(["show", str(run)]) == 2
    refused(capsys, "metrics.json does not hold a run's metrics")


def test_out_and_a_cost_confirmation_without_resume_are_refused(run, tmp_path, capsys):
    assert resume(run, "--out", str(tmp_path / "elsewhere")) == 2
    refused(capsys, "--out and --resume exclude each other")
    assert main(["train", *SMALL, "--accept-cost-change", "--out", str(tmp_path / "new")]) == 2
    refused(capsys, "--accept-cost-change only applies with --resume")
    assert not (tmp_path / "new").exists() and not (tmp_path / "elsewhere").exists()
