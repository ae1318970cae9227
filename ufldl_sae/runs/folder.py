"""The run folder on disk: the one place that writes a run's files, for every kind of run.

Both ``ufldl-sae train`` (:mod:`ufldl_sae.runs.train`) and the later exercises
(:mod:`ufldl_sae.runs.exercise_run`) write through :class:`RunFolder`: ``config.json``,
``history.csv`` (and ``terms.csv``), ``checkpoint.npz``, ``theta.npz`` / ``theta.mat``,
``metrics.json`` and the figures.

Every whole file is written to a temporary name in the same folder and renamed
(:func:`write_atomic`), so an interrupted write never leaves a half file that looks complete: a
reader sees the old file or the new one. The CSV logs are the exception by design: they grow
one flushed line per iteration, so that a stopped run keeps its history up to the stop.

A folder may be *planned*: :class:`RunFolder` creates it (and writes ``config.json`` first) on
its first write, so that a run whose parameters are refused by the estimator's ``fit`` leaves
nothing behind.

Nothing in a folder is trusted when it is read back or appended to: every file is opened
without following symbolic links (:func:`open_nofollow`; a link is refused by name), and a run
being written holds the folder's lock (:meth:`RunFolder.lock`), so that a second process
resuming the same folder fails at once instead of interleaving its rows.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import platform
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = [
    "LOCK_FILE",
    "CsvLog",
    "FolderLockedError",
    "open_nofollow",
    "RunFolder",
    "choose_run_dir",
    "new_run_dir",
    "read_csv",
    "versions",
    "write_atomic",
    "write_json",
]


def choose_run_dir(out: str | os.PathLike[str] | None, preset: str) -> Path:
    """The folder a new run will use, checked but not created.

    ``out`` if given (it must not exist, or be an empty folder); else a fresh
    ``runs/<preset>-<date>-<time>`` (with ``-2``, ``-3``... if that name is taken). A run folder
    is never overwritten, hence the ``FileExistsError``.
    """
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise FileExistsError(
                f"{path} already exists and is not empty; choose another --out "
                "(a run folder is never overwritten) or continue it with --resume"
            )
        return path
    base = Path("runs") / f"{preset}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def new_run_dir(out: str | os.PathLike[str] | None, preset: str) -> Path:
    """A fresh run folder, created now: :func:`choose_run_dir`, then ``mkdir``."""
    path = choose_run_dir(out, preset)
    path.mkdir(parents=True, exist_ok=True)
    return path


#: The lock file of a run folder (see :meth:`RunFolder.lock`).
LOCK_FILE = ".lock"


class FolderLockedError(OSError):
    """Another process is writing the run folder (training it, or resuming it)."""


def open_nofollow(path: Path, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
    """``os.open(path, flags | O_NOFOLLOW)``: a file descriptor, never through a link.

    A run folder may come from anywhere: a planted ``history.csv -> ~/.bashrc`` must not make a
    resumed run write into ``~/.bashrc``. A symbolic link in the last component is refused
    with an ``OSError`` that names it.
    """
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    if not nofollow and os.path.islink(path):  # systems without O_NOFOLLOW
        raise OSError(f"{path} is a symbolic link; refusing to follow it")
    try:
        return os.open(path, flags | nofollow | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as error:
        if error.errno == errno.ELOOP or os.path.islink(path):
            raise OSError(
                f"{path} is a symbolic link; a run folder's files must be plain files "
                "(refusing to follow it)",
            ) from None
        raise


def read_bytes_nofollow(path: Path) -> bytes:
    """The bytes of ``path``, opened without following a link (:func:`open_nofollow`)."""
    with os.fdopen(open_nofollow(path), "rb") as handle:
        return handle.read()


def _new_temporary(path: Path) -> Path:
    """A new empty file beside ``path``, ``.stem.tmpXXXXXXXX.suffix``, created ``O_EXCL``."""
    for _ in range(100):
        tmp = path.with_name(f".{path.stem}.tmp{secrets.token_hex(4)}{path.suffix}")
        try:
            os.close(open_nofollow(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` to ``path`` (atomic on one filesystem).

    ``tmp`` sits beside ``path`` with the same suffix (``.name.tmpXXXX.png``), so writers that
    choose the format from the suffix still work; it is created new (``O_EXCL``, a random
    name), so that nothing planted in the folder can redirect the write, and the rename
    replaces a link at ``path`` instead of writing through it. When ``write`` fails, the
    temporary file is removed and ``path`` keeps its old contents.
    """
    tmp = _new_temporary(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _plain(value: Any) -> Any:
    """JSON for NumPy values: arrays as lists, scalars as Python numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_json(path: Path, obj: Any) -> None:
    """``obj`` as indented JSON (NumPy values as plain numbers), written atomically."""
    text = json.dumps(obj, indent=2, default=_plain) + "\n"
    write_atomic(path, lambda p: p.write_text(text))


def read_csv(path: Path) -> dict[str, np.ndarray]:
    """A CSV of numbers as columns (empty columns when the file has only its header)."""
    text = read_bytes_nofollow(path).decode("utf-8")
    with io.StringIO(text, newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        names = reader.fieldnames or []
    return {name: np.array([float(r[name]) for r in rows]) for name in names}


def versions() -> dict[str, str]:
    """The versions that produced a run (recorded in ``metrics.json``)."""
    import scipy

    from .._version import __version__

    return {
        "ufldl_sae": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


class RunFolder:
    """One run folder; every file of a run is written through it.

    Parameters
    ----------
    path : Path
        The folder. It is created on the first write if it does not exist yet.
    config : dict, optional
        Written as ``config.json`` when the folder is created, before anything else, so every
        run folder on disk says what produced it. None for a folder that exists already (a run
        being resumed or shown).
    lock : bool
        Take the folder's lock (:meth:`lock`) when the folder is created.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        config: dict[str, Any] | None = None,
        *,
        lock: bool = False,
    ):
        self.path = Path(path)
        self._config = config
        self._locking = lock
        self._lock_fd: int | None = None
        self._ready = config is None and self.path.is_dir()

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def exists(self, name: str) -> bool:
        """Whether ``name`` is there (a link counts: reading it is then refused, by name)."""
        return os.path.lexists(self.path / name)

    def ensure(self) -> Path:
        """Create the folder (and write ``config.json``) unless that is done already."""
        if not self._ready:
            self.path.mkdir(parents=True, exist_ok=True)
            self._ready = True
            if self._locking:
                self.lock()
            if self._config is not None:
                self.write_json("config.json", self._config)
        return self.path

    # -- whole files, atomically ---------------------------------------------------------------
    def write(self, name: str, write: Callable[[Path], Any]) -> Path:
        """``write(tmp)`` produces the file; it appears as ``name`` only once complete.

        Figures go through here too: ``folder.write("loss.png", lambda p: plot_loss(..., p))``.
        """
        self.ensure()
        path = self.path / name
        write_atomic(path, write)
        return path

    def write_json(self, name: str, obj: Any) -> Path:
        self.ensure()
        write_json(self.path / name, obj)
        return self.path / name

    def write_arrays(self, name: str, **arrays: Any) -> Path:
        """An ``.npz`` of the named arrays (no pickles: plain numbers only)."""
        return self.write(name, lambda p: np.savez(p, **arrays))

    # -- reading back ------------------------------------------------------------------------
    def read_json(self, name: str) -> Any:
        """The JSON file ``name``; a damaged file is a ``ValueError`` naming it."""
        path = self.path / name
        try:
            return json.loads(read_bytes_nofollow(path).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path} is not valid JSON ({error})") from None

    def read_csv(self, name: str) -> dict[str, np.ndarray]:
        return read_csv(self.path / name)

    def read_arrays(self, name: str) -> dict[str, np.ndarray]:
        """The arrays of an ``.npz``: no pickles, no links; a damaged file is a ``ValueError``."""
        path = self.path / name
        try:
            with os.fdopen(open_nofollow(path), "rb") as handle:
                with np.load(handle, allow_pickle=False) as f:
                    return {key: f[key] for key in f.files}
        except OSError:
            raise
        except Exception as error:  # BadZipFile, a truncated member, a pickled object array
            raise ValueError(
                f"{path} is damaged or not a NumPy .npz file ({type(error).__name__}: {error})"
            ) from None

    # -- one writer at a time --------------------------------------------------------------------
    def lock(self) -> None:
        """Hold the folder's lock until this process ends (or :meth:`unlock`).

        ``fcntl.flock`` on ``.lock``: the kernel drops it when the process dies, so a crash
        (``kill -9``) never leaves a stale lock. A second writer gets
        :class:`FolderLockedError` at once.
        """
        if self._lock_fd is not None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        fd = open_nofollow(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT)
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no flock on this system: one writer is then the user's care
            pass
        except OSError:
            os.close(fd)
            raise FolderLockedError(
                f"{self.path} is being written by another ufldl-sae process (training or "
                "resuming it); wait for it to finish, or stop it, then resume",
            ) from None
        self._lock_fd = fd

    def unlock(self) -> None:
        """Release :meth:`lock` (closing the descriptor releases the ``flock``)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- logs that grow ------------------------------------------------------------------------
    def log(self, name: str, fields: Sequence[str]) -> CsvLog:
        """An appending CSV with header ``fields`` (written when the file is new)."""
        return CsvLog(self, name, fields)


class CsvLog:
    """A CSV file that grows one flushed row at a time (``history.csv``, ``terms.csv``).

    The file is opened on the first row (or :meth:`open`), in append mode: a resumed run adds
    its rows after the old ones, and the header is written only when the file is new.
    """

    def __init__(self, folder: RunFolder, name: str, fields: Sequence[str]) -> None:
        self.folder, self.name, self.fields = folder, name, tuple(fields)
        self._file: IO[str] | None = None
        self._writer: Any = None

    def open(self) -> CsvLog:
        if self._file is None:
            path = self.folder.ensure() / self.name
            fd = open_nofollow(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            fresh = os.fstat(fd).st_size == 0
            self._file = os.fdopen(fd, "a", newline="")
            self._writer = csv.writer(self._file)
            if fresh:
                self._writer.writerow(self.fields)
                self._file.flush()
        return self

    def append(self, row: Sequence[Any]) -> None:
        self.open()
        self._writer.writerow(row)
        self._file.flush()  # type: ignore[union-attr]

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.append(row)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def truncate_after(self, iteration: int) -> int:
        """Keep the header and the rows up to ``iteration`` (its first column); rewrite atomically.

        A run stopped between two checkpoints (``kill -9`` at 143, checkpoint at 125) has
        history rows past its checkpoint; resuming from the checkpoint would write those
        iterations a second time. Returns how many rows were dropped. A row that does not parse
        ends the kept part (a line cut by the crash).
        """
        path = self.folder.path / self.name
        if not os.path.lexists(path):
            return 0
        text = read_bytes_nofollow(path).decode("utf-8", errors="replace")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        kept = [list(self.fields)]
        for row in rows[1:]:
            try:
                number = int(float(row[0]))
            except (ValueError, IndexError):
                break
            if number > iteration or len(row) != len(self.fields):
                break
            kept.append(row)
        dropped = len(rows) - len(kept)
        buffer = io.StringIO()
        csv.writer(buffer).writerows(kept)
        out = buffer.getvalue()
        write_atomic(path, lambda p: p.write_text(out))
        return max(dropped, 0)
