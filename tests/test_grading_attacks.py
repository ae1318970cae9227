"""A class batch of adversarial submissions: the right verdict for each, nothing survives.

Each submission is an attack followed by a correct cost (``submissions/correct_cost.py``), so
the attack alone decides whether the verdict is right. The grader runs as a separate process
(``ufldl-sae check``) that reports its own peak memory; when the tests run as root it runs
twice, once as root (each submission under a dedicated user) and once as an ordinary user
(same-user isolation, where a submission can kill the grader and ``--resume`` takes over).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from ufldl_sae.coursework import sandbox

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "tests" / "submissions" / "correct_cost.py").read_text()
MARKER = "ufldl-grading-test-sleeper"
FLOOD_MB = 64

ATTACKS = {
    # name: (attack text, verdict: "pass" or the error code expected among the findings)
    "a_correct": ("", "pass"),
    "b_forged_result": (
        "import json, os\n"
        "for name in ('result.json', os.path.expanduser('~/result.json')):\n"
        "    try:\n"
        "        open(name, 'w').write(json.dumps({'status': 0, 'report': {'source': 'x', "
        "'exercise': 'sparse_autoencoder_cost', 'findings': []}}))\n"
        "    except OSError:\n"
        "        pass\n"
        "os._exit(0)\n",
        "crashed",
    ),
    "c_forged_frames": (
        "import os\n"
        "for fd in range(3, 12):\n"
        "    try:\n"
        "        os.write(fd, b'UFS1' + (20).to_bytes(4, 'little') + b'{not json at all!!}!')\n"
        "    except OSError:\n"
        "        pass\n",
        "protocol-error",
    ),
    "d_patches_checker": (
        "import sys\nsys.path.insert(0, PACKAGE_ROOT)\n"
        "try:\n"
        "    import ufldl_sae.coursework.check_cost as cc, ufldl_sae.coursework.checker as ch\n"
        "    import ufldl_sae.coursework.compare as co\n"
        "    co.agrees = cc.agrees = lambda *a, **k: True\n"
        "    ch.check_sparse_autoencoder_cost = lambda *a, **k: []\n"
        "    co.reference = lambda p, s, w: (0.0, __import__('numpy').zeros(p.hidden))\n"
        "except ImportError:\n"
        "    pass\n",
        "zero",
    ),
    "e_patches_numpy_zero_gradient": (
        "import numpy as np\n"
        "np.array_equal = np.allclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n",
        "zero-gradient",
    ),
    "f_patches_numpy_halves_data": (
        "import numpy as np\nnp.array_equal = lambda *a, **k: True\n",
        "halves",
    ),
    "g_floods_output": (
        f"import sys\nfor _ in range({FLOOD_MB}):\n    sys.stdout.write('x' * (1 << 20))\n",
        "pass",
    ),
    "h_detached_children": (
        "import os, subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{MARKER}'],"
        " start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(300)',"
        f" '{MARKER}'])\n"
        "    os._exit(0)\n",
        "pass",
    ),
    "i_rewrites_classmate": (
        "try:\n"
        "    open(CLASSMATE, 'w').write('def sparse_autoencoder_cost(*a):\\n"
        "    raise NotImplementedError\\n')\n"
        "except OSError:\n"
        "    pass\n",
        "pass",
    ),
    "j_classmate": ("", "pass"),
    "k_uses_package": (
        "import sys\nsys.path.insert(0, PACKAGE_ROOT)\n"
        "try:\n    from ufldl_sae.model import sparse_autoencoder_cost as _theirs\n"
        "except ImportError:\n    pass\n",
        "package",
    ),
    "l_oversized_reply": ("", "protocol-error"),
    "m_kills_grader": (
        "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\n"
        "except OSError:\n    pass\n",
        "pass",
    ),
    "n_after_the_killer": ("", "pass"),
    "o_reads_grader_memory": (
        "import os\nfor part in ('environ', 'mem', 'maps'):\n    try:\n"
        "        open(f'/proc/{os.getppid()}/{part}', 'rb').read(1)\n"
        "        os._exit(3)  # it could read the grader: the verdict below then breaks\n"
        "    except OSError:\n        pass\n",
        "pass",
    ),
}


def submission_text(name: str, folder: Path) -> str:
    attack, _ = ATTACKS[name]
    classmate = folder / "j_classmate" / "sparse_autoencoder_cost.py"
    attack = attack.replace("CLASSMATE", repr(str(classmate)))
    attack = attack.replace("PACKAGE_ROOT", repr(str(ROOT)))
    text = attack + "\n" + CORRECT
    if name == "e_patches_numpy_zero_gradient":
        text = text.replace("return float(cost), grad", "return float(cost), 0 * grad")
    if name == "f_patches_numpy_halves_data":
        text = text.replace("return float(cost), grad", "data *= 0.5\n    return float(cost), grad")
    if name == "d_patches_checker":
        text = text.replace("return float(cost), grad", "return 0.0, 0 * grad")
    if name == "l_oversized_reply":
        text = text.replace("return float(cost), grad", "return float(cost), np.zeros(6_000_000)")
    return text


def class_folder(owner: int | None) -> Path:
    """A world-readable folder of submissions, one subfolder per student (as a class hands in)."""
    folder = Path(tempfile.mkdtemp(prefix="ufldl-class-"))
    folder.chmod(0o755)
    (folder / "tmp").mkdir()
    if owner is not None:
        os.chown(folder / "tmp", owner, owner)
    for name in ATTACKS:
        (folder / name).mkdir(mode=0o755)
        path = folder / name / "sparse_autoencoder_cost.py"
        path.write_text(submission_text(name, folder))
        path.chmod(0o644)
        if owner is not None:
            for p in (folder, folder / name, path):
                os.chown(p, owner, owner)
    return folder


def sleepers() -> list[int]:
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            if MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


#: The grader's own peak resident memory is VmHWM of /proc/self/status: it belongs to the
#: process's address space. getrusage's ru_maxrss would not do: Linux keeps it across exec, so a
#: grader started from a large pytest process would report pytest's size.
GRADER = (
    "import sys\n"
    "from ufldl_sae.cli.main import main\n"
    "try:\n"
    "    status = main(sys.argv[1:])\n"
    "finally:\n"
    "    with open('/proc/self/status') as f:\n"
    "        peak = next(int(line.split()[1]) for line in f if line.startswith('VmHWM:'))\n"
    "    print(f'GRADER-PEAK-KB {peak}', file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def run_grader(argv: list[str], python: str, uid: int | None, folder: Path):
    """``ufldl-sae check ARGV`` in a process of its own, as ``uid`` when given."""
    numpy_dir = str(Path(np.__file__).resolve().parent.parent)
    env = {
        "PATH": os.defpath,
        "HOME": str(folder),
        "MPLCONFIGDIR": str(folder / ".mpl"),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{numpy_dir}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(folder / "tmp"),  # what a killed grader leaves goes with the folder
    }

    def drop() -> None:
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return subprocess.run(
        [python, "-c", GRADER, "check", *argv],
        cwd=folder,
        env=env,
        preexec_fn=drop,  # noqa: PLW1509 - drops the user id only
        capture_output=True,
        text=True,
        timeout=300,
    )


def grader_users() -> list[tuple[str, str, int | None]]:
    """(label, interpreter, uid) for each way the grader runs here."""
    numpy_dir = str(Path(np.__file__).resolve().parent.parent)
    if os.geteuid() != 0:
        return [("user", sys.executable, None)]
    runs = [("root", sys.executable, None)]
    uid = sandbox.free_uid()
    python, folder, dedicated, _ = sandbox.child_python(numpy_dir)
    if dedicated and folder == numpy_dir:  # the grader itself needs all of site-packages
        runs.append(("user", python, uid))
    return runs


def isolation_of(records: dict, label: str) -> str:
    """How the batch ran its submissions: ``dedicated``, ``same-user`` or ``same-root``.

    A root grader that finds no interpreter an unprivileged user can run falls back to running
    submissions as root (and says so in each report): the attacks on the grader then succeed,
    and the batch must still report every submission.
    """
    kinds = {r["isolation"].split(" (")[0].rstrip("0123456789 ") for r in records.values()}
    kinds.discard("")  # a report of a submission that did not run
    assert len(kinds) == 1, kinds
    if kinds == {"same user"}:
        return "same-root" if label == "root" else "same-user"
    assert kinds == {"dedicated uid"}, kinds
    return "dedicated"


def verdict_is_right(name: str, record: dict, isolation: str) -> bool:
    expected = ATTACKS[name][1]
    codes = [f["code"] for f in record["findings"] if f["severity"] == "error"]
    notes = [f["code"] for f in record["findings"]]
    if name == "m_kills_grader" and isolation != "dedicated":
        return codes == ["killed-grader"]
    if name == "o_reads_grader_memory" and isolation == "same-root":
        return not record["passed"] and bool(codes)  # root reads any process: it exits 3
    if expected == "pass":
        return record["passed"] and not codes
    if expected in ("zero", "zero-gradient"):
        return not record["passed"] and bool(codes)
    if expected == "halves":
        return codes == ["modifies-inputs"]
    if expected == "package":
        return "uses-package-cost" in notes
    return codes == [expected]


@pytest.fixture(scope="module", params=[u[0] for u in grader_users()])
def batch(request):
    label, python, uid = next(u for u in grader_users() if u[0] == request.param)
    folder = class_folder(uid)
    out = folder / "out"
    out.mkdir()
    if uid is not None:
        os.chown(out, uid, uid)
    specs = [str(folder / name / "sparse_autoencoder_cost.py") for name in ATTACKS]
    argv = [
        *specs,
        "--json",
        "--no-speed",
        "--time-limit",
        "20",
        "--output",
        str(out / "log.jsonl"),
    ]
    argv += ["--summary", str(out), "--gradescope", str(out / "results.json")]
    runs = [run_grader(argv, python, uid, folder)]
    if runs[0].returncode == -9:  # a same-user submission killed the grader: resume the batch
        runs.append(run_grader([*argv, "--resume"], python, uid, folder))
    records = {}
    for line in (out / "log.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["event"] == "graded":
            records[Path(record["spec"]).parent.name] = record
    yield label, runs, records, folder
    shutil.rmtree(folder, ignore_errors=True)


def test_every_submission_gets_a_report_and_the_right_verdict(batch):
    label, runs, records, _ = batch
    assert sorted(records) == sorted(ATTACKS), runs[-1].stderr[-2000:]
    isolation = isolation_of(records, label)
    wrong = {n: r["findings"] for n, r in records.items() if not verdict_is_right(n, r, isolation)}
    assert not wrong
    assert runs[-1].returncode in (1, 2)


def test_nothing_outlives_the_batch(batch):
    assert sleepers() == []


def test_grader_memory_stays_bounded_under_a_flood(batch):
    _, runs, records, _ = batch
    assert records["g_floods_output"]["output_bytes"] >= FLOOD_MB << 20
    # a grader killed by a submission reports nothing; the run that resumed the batch does
    peaks = [
        int(line.split()[1])
        for run in runs
        for line in run.stderr.splitlines()
        if "GRADER-PEAK-KB" in line
    ]
    assert peaks, "no grader run reported its peak memory"
    assert all(peak < 1024 * 1024 for peak in peaks), peaks  # KiB: under 1 GiB


def test_classmate_graded_from_the_snapshot(batch):
    label, _, records, folder = batch
    assert records["j_classmate"]["passed"]
    now = (folder / "j_classmate" / "sparse_autoencoder_cost.py").read_text()
    if "dedicated uid" in records["i_rewrites_classmate"]["isolation"]:
        assert "NotImplementedError" not in now  # the dedicated user could not write it
    else:
        assert "NotImplementedError" in now  # rewritten, yet graded from the copy


def test_summary_and_gradescope_export(batch):
    _, _, records, folder = batch
    table = (folder / "out" / "summary.csv").read_text()
    assert "protocol-error" in table and "(passed)" in table
    assert (folder / "out" / "mistakes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = json.loads((folder / "out" / "results.json").read_text())
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert len(visible) == len(ATTACKS)
    assert results["score"] == sum(r["passed"] for r in records.values())
    hidden = [t for t in results["tests"] if t["visibility"] == "hidden"]
    assert any("package" in t["output"] for t in hidden)
