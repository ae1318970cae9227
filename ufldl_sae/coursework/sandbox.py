"""Run one submission's process apart: its own folder, user, limits and a bounded output pipe.

What this gives (Linux; other POSIX systems get the limits and the process group only):

- a fresh working folder per submission holding only its copy (:class:`Snapshot`, read before
  any submission ran and kept in the grader's memory) and :mod:`.child`, with ``HOME`` and
  ``TMPDIR`` inside it and a minimal environment (none of the teacher's variables), removed
  afterwards;
- ``setrlimit`` limits: CPU seconds, address space, file size, no core files, and a number of
  processes (64 under a dedicated user; the user's threads now plus 256 otherwise);
- output through a pipe drained by a thread that keeps the first and last 4 kB and counts the
  rest (:class:`BoundedOutput`), so no amount of printing grows the grader;
- when the grader is root, a dedicated user id per submission (an unused uid, no passwd entry
  needed; the interpreter must be readable by it, else the system's ``pythonX.Y`` is used with
  NumPy's folder or a readable copy of NumPy): the submission cannot signal or trace the
  grader, write the teacher's or a classmates' files, or read files that are not
  world-readable, and every process of that uid is killed when the check ends, whatever
  session or process group it moved to;
- as a normal user, the grader is a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``):
  descendants that detach are re-parented to it, and every process that became its child
  during the check is killed. ``ufldl-sae check`` also makes itself non-dumpable
  (:func:`harden_grader`), so a same-user submission cannot ptrace it or read its memory.

Why not cgroups: they need a delegated, writable hierarchy (a systemd user slice or a container
runtime), which a plain account or a grading container usually lacks; a uid and a subreaper
need nothing but Linux.

What this does not protect against (use a container or a VM for that): network access; reading
world-readable files (a class folder that others can read, the package's own source); writing
world-writable places (``/tmp``, ``/dev/shm``) and filling the disk with many files under the
per-file size limit; taking CPU, memory bandwidth and disk I/O from the rest of the batch;
kernel exploits. As the grader's own user a submission can also still kill the grader (the JSON
lines log and ``--resume`` recover, reporting it as ``killed-grader``), write any file the
teacher can (the log itself included), and read the teacher's files: run class batches as root
(a dedicated uid per submission) or in a container. Where no interpreter is readable by an
unprivileged user, a root grader runs submissions as root and says so (``isolation`` in each
report and a warning).
"""

from __future__ import annotations

import atexit
import ctypes
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: The output kept from a submission: its first and its last this-many bytes.
KEEP_BYTES = 4096
#: Largest file a submission may write (RLIMIT_FSIZE) and most processes under its own user.
FILE_LIMIT_BYTES, PROCESS_LIMIT = 64 * 1024 * 1024, 64
#: Dedicated user ids are drawn from this range (well above system and login accounts).
UID_RANGE = (420_000, 520_000)
PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE = 36, 4


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: wall seconds, address space in MiB (None: none)."""

    time_limit: float
    memory_mib: int | None


class BoundedOutput:
    """Drain a pipe in a thread, keeping the first and last :data:`KEEP_BYTES` and the count.

    However much a submission prints, the grader holds at most ``2 * KEEP_BYTES`` of it.
    """

    def __init__(self, fd: int) -> None:
        self.fd, self.head, self.tail, self.total = fd, bytearray(), bytearray(), 0
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.total += len(chunk)
            room = KEEP_BYTES - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            self.tail += chunk
            del self.tail[: max(0, len(self.tail) - KEEP_BYTES)]
        os.close(self.fd)

    def text(self, timeout: float = 5.0) -> str:
        """What was kept, with a line saying how much was left out in the middle."""
        self.thread.join(timeout)
        left_out = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {left_out} bytes of output left out ...]\n" if left_out > 0 else ""
        return (bytes(self.head).decode(errors="replace") + middle) + bytes(self.tail).decode(
            errors="replace"
        )


@cache
def become_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux only); True when it did."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _proc_status(pid: str) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _pids() -> list[str]:
    """Every pid in /proc (none where there is no /proc: the sweep then kills the group only)."""
    try:
        return [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def processes_of(uid: int) -> list[int]:
    """The pids whose real uid is ``uid`` (from /proc)."""
    found = []
    for pid in _pids():
        uids = _proc_status(pid).get("Uid", "").split()
        if uids and int(uids[0]) == uid:
            found.append(int(pid))
    return found


def children() -> set[int]:
    """The pids whose parent is this process."""
    me, found = str(os.getpid()), set()
    for pid in _pids():
        if _proc_status(pid).get("PPid", "").strip() == me:
            found.add(int(pid))
    return found


def free_uid() -> int:
    """An unused user id with no process running under it."""
    while True:
        uid = random.randrange(*UID_RANGE)
        if not processes_of(uid):
            return uid


def _usable(python: str, uid: int | None, numpy_dir: str) -> bool:
    def drop() -> None:
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    code = f"import sys; sys.path.append({numpy_dir!r}); import numpy"
    try:
        done = subprocess.run(
            [python, "-I", "-c", code],
            preexec_fn=drop,  # noqa: PLW1509 - only drops the user id
            cwd="/",
            env={"PATH": os.defpath, "OPENBLAS_NUM_THREADS": "1"},
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def readable_numpy(numpy_dir: str) -> str | None:
    """A world-readable copy of NumPy (and its bundled libraries), for a root grader's children.

    A Python installed under ``/root`` (pyenv, a bare CI image) cannot be read by a dedicated
    user, but the system's interpreter of the same version can load the same NumPy wheel: copying
    just NumPy (about 70 MB, once per grader) keeps the dedicated user instead of running every
    submission as root. The copy is root-owned and read-only to others, and removed at exit.
    None when there is nothing to copy or the copy fails; whether the dedicated user can reach
    the copy (a temporary folder under ``/root`` it cannot) is for :func:`child_python`'s probe.
    """
    source = Path(numpy_dir)
    parts = [p for p in (source / "numpy", source / "numpy.libs") if p.is_dir()]
    if not parts:
        return None
    folder = Path(tempfile.mkdtemp(prefix="ufldl-sae-numpy-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    try:
        for part in parts:
            shutil.copytree(part, folder / part.name, symlinks=True)
        for path in (folder, *folder.rglob("*")):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    except OSError:
        return None
    return str(folder)


@cache
def child_python(numpy_dir: str) -> tuple[str, str, bool, str]:
    """The interpreter for submissions, the folder it finds NumPy in, whether it runs them as a
    dedicated user, and why not.

    As root: this interpreter when a user with no rights can run it and import NumPy, else the
    system's interpreter of the same version (given NumPy's folder, or else a readable copy of
    NumPy: :func:`readable_numpy`), else this interpreter as root with the reason. As a normal
    user: this interpreter, as the same user.
    """
    if os.name != "posix" or os.geteuid() != 0:
        why = "the grader is not root: submissions run as its user"
        return sys.executable, numpy_dir, False, why
    probe = free_uid()
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    pythons = [p for p in (sys.executable, shutil.which(version), f"/usr/bin/{version}") if p]
    for python in pythons:
        if _usable(python, probe, numpy_dir):
            return python, numpy_dir, True, ""
    copy = readable_numpy(numpy_dir)
    for python in pythons if copy else []:
        if _usable(python, probe, copy):
            return python, copy, True, ""
    why = (
        f"no interpreter of {version} with NumPy is readable by an unprivileged user (install "
        "Python outside /root); submissions ran as root"
    )
    warnings.warn(f"ufldl-sae check: {why}", RuntimeWarning, stacklevel=2)
    return sys.executable, numpy_dir, False, why


@dataclass(frozen=True)
class Snapshot:
    """A submission's file as it was before any submission ran: its name and its bytes.

    Held in the grader's memory, not on disk, so that no submission (even one running as the
    grader's own user) can change what a classmate is graded on.
    """

    name: str
    source: bytes


def workspace(copy: Snapshot, child_script: Path, uid: int | None) -> tuple[Path, Path]:
    """A fresh folder with the submission's copy, the calling module, ``home`` and ``tmp``."""
    root = Path(tempfile.mkdtemp(prefix="ufldl-sae-grade-"))
    for sub in ("home", "tmp"):
        (root / sub).mkdir()
    target = root / copy.name
    target.write_bytes(copy.source)
    shutil.copyfile(child_script, root / "ufldl_sae_child.py")
    if uid is not None:
        for path in (root, root / "home", root / "tmp", target, root / "ufldl_sae_child.py"):
            os.chown(path, uid, uid)
    return root, target


def remove_workspace(root: Path) -> None:
    """Remove the folder even where the submission took away permissions inside it.

    Runs after every process of the submission is dead. Links are never followed: a chmod on
    a link planted by the submission would change its target, with the grader's rights.
    """

    def retry(func, path, _info) -> None:  # noqa: ANN001 - shutil's callback signature
        try:
            for target in (os.path.dirname(path), path):
                if not os.path.islink(target):
                    os.chmod(target, 0o700)
            func(path)
        except OSError:
            pass

    shutil.rmtree(root, onerror=retry)


def same_user_process_limit() -> int | None:
    """RLIMIT_NPROC for a child of this user: the user's threads now plus 256 (None for root).

    Linux counts every thread of the real user against the limit, so the margin is over what
    runs now; it stops a fork bomb, not a modest helper process.
    """
    if os.name != "posix" or os.geteuid() == 0:
        return None
    me = str(os.getuid())
    threads = 0
    for pid in _pids():
        status = _proc_status(pid)
        if status.get("Uid", "").split()[:1] == [me]:
            threads += int(status.get("Threads", "1").strip() or 1)
    return threads + 256 if threads else None


def harden_grader() -> None:
    """Make this process non-dumpable: a same-user submission can then neither ptrace it nor
    read its memory through /proc (it can still signal it; see :mod:`.batch`'s resume)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def preexec(limits: Limits, uid: int | None, nproc: int | None = None):  # noqa: ANN201
    """In the child before exec: limits, then (as root) the dedicated user.

    ``nproc`` caps the processes of the grader's own user when there is no dedicated one.
    """

    def apply() -> None:
        import resource

        cpu = int(limits.time_limit) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT_BYTES, FILE_LIMIT_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if limits.memory_mib is not None:
            size = limits.memory_mib * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if uid is None and nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        if uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (PROCESS_LIMIT, PROCESS_LIMIT))
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return apply


def environment(root: Path) -> dict[str, str]:
    """The child's whole environment: nothing of the teacher's, one BLAS thread."""
    return {
        "PATH": os.defpath,
        "HOME": str(root / "home"),
        "TMPDIR": str(root / "tmp"),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def sweep(child: subprocess.Popen, uid: int | None, before: set[int], rounds: int = 200) -> int:
    """Kill the child and every process it started; the number of other processes killed.

    Under a dedicated user: every process of that uid. Otherwise: the child's process group,
    then every process that became this (subreaper) process's child since ``before``.
    Processes are re-listed until none is left, since a dying parent's children move up.
    """
    killed: set[int] = set()
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.kill()
    child.wait()
    for _ in range(rounds):
        found = set(processes_of(uid)) if uid is not None else set()
        found |= children() - before - {child.pid}
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            killed.add(pid)
        _reap(found)
        time.sleep(0.01)
    return len(killed)


def _reap(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
