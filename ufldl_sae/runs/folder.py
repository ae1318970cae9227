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
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = [
    "CsvLog",
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


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` to ``path`` (atomic on one filesystem).

    ``tmp`` sits beside ``path`` with the same suffix (``.name.tmp.png``), so writers that
    choose the format from the suffix still work. When ``write`` fails, the temporary file is
    removed and ``path`` keeps its old contents.
    """
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
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
    with open(path, newline="") as f:
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
    """

    def __init__(self, path: str | os.PathLike[str], config: dict[str, Any] | None = None):
        self.path = Path(path)
        self._config = config
        self._ready = config is None and self.path.is_dir()

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def exists(self, name: str) -> bool:
        return (self.path / name).exists()

    def ensure(self) -> Path:
        """Create the folder (and write ``config.json``) unless that is done already."""
        if not self._ready:
            self.path.mkdir(parents=True, exist_ok=True)
            self._ready = True
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
        return json.loads((self.path / name).read_text())

    def read_csv(self, name: str) -> dict[str, np.ndarray]:
        return read_csv(self.path / name)

    def read_arrays(self, name: str) -> dict[str, np.ndarray]:
        with np.load(self.path / name, allow_pickle=False) as f:
            return {key: f[key] for key in f.files}

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
            fresh = not path.exists()
            self._file = open(path, "a", newline="")  # noqa: SIM115 (closed in close())
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
