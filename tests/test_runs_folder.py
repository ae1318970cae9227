"""The one run-folder writer: atomic whole files, JSON and CSV contents, folders created late."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from ufldl_sae.runs import folder as folder_module
from ufldl_sae.runs.folder import RunFolder, choose_run_dir, new_run_dir, read_csv, write_atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text("old\n")

    def half_then_fail(tmp):
        tmp.write_text("half of the new ")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, half_then_fail)
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]


def test_an_interrupted_write_keeps_the_old_file(tmp_path):
    run = RunFolder(tmp_path)
    run.write_json("metrics.json", {"cost": 1.0})

    def interrupted(tmp):
        tmp.write_bytes(b"\x89PNG")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run.write("metrics.json", interrupted)
    assert run.read_json("metrics.json") == {"cost": 1.0}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_the_temporary_keeps_the_suffix_that_writers_read(tmp_path):
    seen = []
    RunFolder(tmp_path).write("loss.png", lambda p: (seen.append(p.name), p.write_bytes(b"x")))
    # A new random name each time (created O_EXCL: nothing planted can redirect the write).
    assert len(seen) == 1 and re.fullmatch(r"\.loss\.tmp[0-9a-f]{8}\.png", seen[0])
    assert (tmp_path / "loss.png").read_bytes() == b"x"


def test_json_holds_numpy_values_as_plain_numbers(tmp_path):
    run = RunFolder(tmp_path)
    run.write_json("metrics.json", {"cost": np.float64(0.25), "n": np.int64(3),
                                    "rho_hat": np.array([0.5, 0.125])})  # fmt: skip
    text = (tmp_path / "metrics.json").read_text()
    assert text.endswith("}\n") and '\n  "cost": 0.25,' in text
    assert json.loads(text) == {"cost": 0.25, "n": 3, "rho_hat": [0.5, 0.125]}
    with pytest.raises(TypeError, match="cannot write object as JSON"):
        run.write_json("metrics.json", {"bad": object()})
    assert run.read_json("metrics.json")["n"] == 3  # the old file stays


def test_csv_log_writes_its_header_once_and_appends_after_a_resume(tmp_path):
    run = RunFolder(tmp_path)
    log = run.log("history.csv", ("iteration", "cost"))
    log.append([1, repr(0.5)])
    assert (tmp_path / "history.csv").read_bytes() == b"iteration,cost\r\n1,0.5\r\n"  # flushed
    log.close()
    again = run.log("history.csv", ("iteration", "cost"))
    again.extend([[2, 0.25], [3, 0.125]])
    again.close()
    columns = read_csv(tmp_path / "history.csv")
    np.testing.assert_array_equal(columns["iteration"], [1, 2, 3])
    np.testing.assert_array_equal(columns["cost"], [0.5, 0.25, 0.125])


def test_a_log_with_only_its_header_reads_as_empty_columns(tmp_path):
    log = RunFolder(tmp_path).log("terms.csv", ("iteration", "sparsity")).open()
    log.close()
    columns = read_csv(tmp_path / "terms.csv")
    assert set(columns) == {"iteration", "sparsity"} and columns["iteration"].size == 0


def test_a_planned_folder_is_created_by_its_first_write_config_first(tmp_path):
    path = tmp_path / "deep" / "run"
    run = RunFolder(path, config={"preset": "patches", "seed": 3})
    assert not path.exists()
    run.log("history.csv", ("iteration",))  # a log opens on its first row, not before
    assert not path.exists()
    run.write_arrays("checkpoint.npz", theta=np.arange(3.0), iteration=2)
    assert json.loads((path / "config.json").read_text()) == {"preset": "patches", "seed": 3}
    assert run.read_arrays("checkpoint.npz")["iteration"] == 2
    run.write_json("metrics.json", {})
    assert json.loads((path / "config.json").read_text())["seed"] == 3  # written once


def test_choose_run_dir_checks_without_creating(tmp_path, monkeypatch):
    assert choose_run_dir(tmp_path / "new", "patches") == tmp_path / "new"
    assert not (tmp_path / "new").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "metrics.json").write_text("{}")
    with pytest.raises(FileExistsError, match="never overwritten"):
        choose_run_dir(tmp_path / "full", "patches")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(folder_module.time, "strftime", lambda _: "20260101-000000")
    first = new_run_dir(None, "mnist")
    assert first.as_posix() == "runs/mnist-20260101-000000" and first.is_dir()
    assert choose_run_dir(None, "mnist").as_posix() == "runs/mnist-20260101-000000-2"


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--max-iter", "3", "--num-patches", "200", "--progress-every", "0"],
        ["pca", "--num-patches", "300", "--progress-every", "0"],
    ],
    ids=["train", "pca"],
)
def test_every_whole_file_of_a_run_goes_through_the_atomic_writer(argv, tmp_path, monkeypatch):
    """Training runs and exercise runs share the writer: only the growing CSV logs bypass it."""
    from ufldl_sae.cli import main

    written = []
    original = folder_module.write_atomic

    def recording(path, write):
        written.append(path.name)
        original(path, write)

    monkeypatch.setattr(folder_module, "write_atomic", recording)
    run = tmp_path / "run"
    assert main([*argv, "--out", str(run)]) == 0
    on_disk = {p.name for p in run.iterdir()} - {folder_module.LOCK_FILE}
    assert on_disk - {"history.csv", "terms.csv"} == set(written)
    assert {"config.json", "metrics.json", "theta.npz"} <= on_disk
    assert any(name.endswith(".png") for name in written)
