r"""MNIST as the course's ``loadMNISTImages.m`` and ``loadMNISTLabels.m``, and its download.

The IDX files are read by content (gzipped or not, recognized by their first bytes), checked
against their header (magic number, dimensions, payload size) and returned as the course returns
them: 784 x N float64 in [0, 1], one image per column, flattened column-major
(:func:`load_mnist_images`), and the digits 0..9 (:func:`load_mnist_labels`).
:func:`fetch_mnist` downloads the four original files once, checks their SHA-256 and caches them;
:func:`verify_mnist_folder` checks a copy the user already has. Only the standard library is used
for the network, so the download needs no extra dependency.

A mirror is not trusted either: each file may be at most its known size (:data:`MNIST_SIZES`), the
whole fetch has a deadline, a connection that sends nothing for the stall timeout is dropped,
and a partial file is removed on every failure, and on the next call after a crash.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import math
import os
import struct
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "MNIST_SIZES",
    "MnistDownloadError",
    "fetch_mnist",
    "load_mnist",
    "load_mnist_images",
    "load_mnist_labels",
    "mnist_data_home",
    "verify_mnist_folder",
]

PathLike = str | os.PathLike[str]

_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension


def _read_idx(path: PathLike) -> bytes:
    """The bytes of an IDX file, decompressed when gzipped (recognized by content, not name)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError) as error:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({error})") from error
    return raw


def _header(path: PathLike, data: bytes, magic: int, dims: int) -> tuple[int, ...]:
    """The dimensions from an IDX header, after checking the magic number and the payload size."""
    size = 4 * (1 + dims)
    found = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
    if found != magic:
        raise ValueError(f"{path}: bad magic number {found}, expected {magic}")
    if len(data) < size:
        raise ValueError(
            f"{path}: file too short for an IDX header: {len(data)} bytes, expected {size}"
        )
    shape = struct.unpack(f">{dims}I", data[4:size])
    expected = size + int(np.prod(shape))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "too long"
        raise ValueError(
            f"{path}: payload {what}: {len(data)} bytes, expected {expected} "
            f"for shape {tuple(shape)}"
        )
    return tuple(shape)


def load_mnist_images(path: PathLike) -> np.ndarray:
    """MNIST images as the course's ``loadMNISTImages.m``: 784 x N float64 in [0, 1].

    Parameters
    ----------
    path : path-like
        An IDX3 image file (``train-images-idx3-ubyte``), gzipped or not.

    Returns
    -------
    images : float64 array of shape (rows * cols, N)
        One image per column, flattened column-major as MATLAB's ``img(:)``, so that
        ``images[:, n].reshape(28, 28, order="F")`` is image ``n`` upright.
    """
    data = _read_idx(path)
    n, rows, cols = _header(path, data, _IMAGES_MAGIC, 3)
    imgs = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)  # row-major
    # Column-major flattening of each image is the row-major flattening of its transpose.
    columns = imgs.transpose(0, 2, 1).reshape(n, rows * cols).T  # (784, N), a strided view
    # Stored row-major (C order), as every other array the cost sees: products with a transposed
    # view and the gathering of minibatch columns both run on strided memory otherwise (see
    # BENCHMARKS.md). The copy is of the bytes, before the float conversion.
    return np.ascontiguousarray(columns) / 255.0


def load_mnist_labels(path: PathLike) -> np.ndarray:
    """MNIST labels as the course's ``loadMNISTLabels.m``: the digits 0..9 (an int64 vector).

    The course's softmax exercise maps label 0 to 10 itself; that is left to the caller.
    """
    data = _read_idx(path)
    (n,) = _header(path, data, _LABELS_MAGIC, 1)
    labels = np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64)
    if n and labels.max() > 9:
        raise ValueError(f"{path}: label {labels.max()} found, expected digits 0..9")
    return labels


def load_mnist(images_path: PathLike, labels_path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Images (784 x N) and labels (N,) together, checked to be the same N.

    A mismatch means the two files come from different sets (training images, test labels).
    """
    images = load_mnist_images(images_path)
    labels = load_mnist_labels(labels_path)
    if images.shape[1] != labels.shape[0]:
        raise ValueError(
            f"{images_path} holds {images.shape[1]} images but {labels_path} holds "
            f"{labels.shape[0]} labels; expected the same number"
        )
    return images, labels


#: The four MNIST files: key -> (file name, SHA-256 of the .gz file, SHA-256 decompressed).
MNIST_FILES: dict[str, tuple[str, str, str]] = {
    "train_images": (
        "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    "train_labels": (
        "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    "test_images": (
        "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    "test_labels": (
        "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
}

#: Public mirrors of the original files, tried in turn (the ones torchvision uses).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: The size in bytes of each gzipped file: a mirror sending more is cut off there.
MNIST_SIZES: dict[str, int] = {
    "train_images": 9_912_422,
    "train_labels": 28_881,
    "test_images": 1_648_877,
    "test_labels": 4_542,
}

_CHUNK = 1 << 16
#: Seconds without a byte before a connection is dropped (the stall timeout).
STALL_TIMEOUT_S = 30.0
#: Seconds the whole fetch may take, every file and mirror together (about 11.6 MB).
DEADLINE_S = 600.0


class MnistDownloadError(OSError):
    """No mirror delivered a file with the expected checksum; the message lists each attempt."""


def mnist_data_home(data_home: PathLike | None = None) -> Path:
    """The folder MNIST is cached in: ``<data_home>/mnist``.

    ``data_home`` is, in order: the argument, the environment variable ``UFLDL_SAE_DATA_HOME``,
    ``$XDG_CACHE_HOME/ufldl-sae``, ``~/.cache/ufldl-sae``. A per-user cache, so that every
    project and notebook shares one download.
    """
    if data_home is None:
        data_home = os.environ.get("UFLDL_SAE_DATA_HOME") or None
    if data_home is None:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        data_home = os.path.join(cache, "ufldl-sae")
    return Path(data_home).expanduser() / "mnist"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_mnist_folder(folder: PathLike) -> dict[str, Path]:
    """The four MNIST files in a folder you already have, each checked against its SHA-256.

    Each file may be gzipped as distributed (``train-images-idx3-ubyte.gz``) or decompressed
    (``train-images-idx3-ubyte``); either is checked against its own published checksum.

    Returns
    -------
    dict
        ``train_images``, ``train_labels``, ``test_images``, ``test_labels`` -> path.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder (expected the four MNIST files)")
    paths: dict[str, Path] = {}
    for key, (name, gz_sha, raw_sha) in MNIST_FILES.items():
        candidates = [(folder / name, gz_sha), (folder / name.removesuffix(".gz"), raw_sha)]
        present = [(path, sha) for path, sha in candidates if path.is_file()]
        if not present:
            raise FileNotFoundError(f"{folder}: neither {name} nor {name.removesuffix('.gz')}")
        path, expected = present[0]
        found = _sha256(path)
        if found != expected:
            raise ValueError(f"{path}: SHA-256 {found}, expected {expected}")
        paths[key] = path
    return paths


class _Limits:
    """What one fetch allows: a size per file, a deadline for all, a stall timeout per read."""

    def __init__(self, deadline_s: float, stall_s: float) -> None:
        self.end = time.monotonic() + deadline_s
        self.deadline_s, self.stall_s = deadline_s, stall_s

    def timeout(self) -> float:
        """The socket timeout now: the stall timeout, or less when the deadline is nearer."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError(
                f"the download took longer than its deadline of {self.deadline_s:g} s"
            )
        return min(self.stall_s, left)


def _download(url: str, target: Path, expected_sha256: str, size: int, limits: _Limits) -> None:
    """Fetch ``url`` into ``target`` atomically: a temporary file, checked, then renamed.

    At most ``size`` bytes are accepted (a longer ``Content-Length`` is refused before reading);
    ``limits`` bounds the time. A partial or corrupted download is deleted, never left under
    the final name.
    """
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    temporary_path = Path(temporary)
    try:
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(
            url, timeout=limits.timeout()
        ) as r:  # fmt: skip
            length = r.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > size:
                raise OSError(f"announces {length} bytes, more than the {size} of the file")
            while True:
                try:
                    block = r.read1(_CHUNK)  # returns what one read brings: a trickle is seen
                except TimeoutError:
                    raise OSError(
                        f"stalled: no data for {limits.stall_s:g} s after {received} bytes"
                    ) from None
                if not block:
                    break
                received += len(block)
                if received > size:
                    raise OSError(f"sent more than the {size} bytes of the file; stopped there")
                out.write(block)
                digest.update(block)
                limits.timeout()  # the deadline, checked after every read
        if length is not None and received != int(length):
            raise OSError(f"connection closed after {received} of {length} bytes")
        if digest.hexdigest() != expected_sha256:
            raise ValueError(f"SHA-256 {digest.hexdigest()}, expected {expected_sha256}")
        os.replace(temporary_path, target)
    finally:
        temporary_path.unlink(missing_ok=True)


def _remove_partials(folder: Path) -> list[Path]:
    """Delete the ``.part`` files a crashed fetch left (the caller holds the cache's lock)."""
    removed = []
    for path in folder.glob(".*.part"):
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _lock_cache(folder: Path) -> int | None:
    """Hold the cache folder's lock (``flock``, released when the process ends): one fetch at a
    time, so that the partial files found by the next are a crashed fetch's, never a live one's."""
    try:
        import fcntl
    except ImportError:  # no flock: partial files are still removed on every failure
        return None
    fd = os.open(folder, os.O_RDONLY)  # the folder itself: no lock file is left in the cache
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # a filesystem without flock: partial files are still removed on failure
        os.close(fd)
        return None
    return fd


def fetch_mnist(
    data_home: PathLike | None = None,
    *,
    base_url: str | Sequence[str] | None = None,
    deadline: float = DEADLINE_S,
    stall_timeout: float = STALL_TIMEOUT_S,
) -> dict[str, Path]:
    """Download the four original MNIST files once, verify them and cache them.

    Files already in the cache with the right SHA-256 are not downloaded again. Each download goes
    to a temporary file in the cache folder, is checked, and only then renamed into place, so an
    interrupted or corrupted download never leaves a file that looks valid. Only the standard
    library is used (``urllib``). Already have the files? Use :func:`verify_mnist_folder`.

    Parameters
    ----------
    data_home : path-like, optional
        Root of the cache; the files go to ``<data_home>/mnist`` (see :func:`mnist_data_home`).
    base_url : str or sequence of str, optional
        Mirror(s) to use instead of :data:`MNIST_MIRRORS`, each a URL prefix to which the file
        name is appended; tried in turn.
    deadline : float
        Seconds the whole fetch may take (every file and mirror together).
    stall_timeout : float
        Seconds without a byte before a connection is dropped and the next mirror tried.

    Returns
    -------
    dict
        ``train_images``, ``train_labels``, ``test_images``, ``test_labels`` -> path of the
        gzipped file (pass it to :func:`load_mnist_images` or :func:`load_mnist_labels`).

    Raises
    ------
    MnistDownloadError
        When no mirror delivers a file with the expected checksum (or size, or in time);
        nothing is left behind.

    Notes
    -----
    The sizes are capped at :data:`MNIST_SIZES`: a mirror sending more is cut off there, not
    after writing all it sends. The cache folder is locked while fetching, and the partial
    files of a crashed earlier fetch are removed first.
    """
    for name, value in (("deadline", deadline), ("stall_timeout", stall_timeout)):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a finite positive number of seconds, got {value!r}")
    folder = mnist_data_home(data_home)
    if base_url is None:
        mirrors = MNIST_MIRRORS
    else:
        mirrors = (base_url,) if isinstance(base_url, str) else tuple(base_url)
    if not mirrors:
        raise ValueError("base_url must name at least one mirror")
    folder.mkdir(parents=True, exist_ok=True)
    lock = _lock_cache(folder)
    try:
        _remove_partials(folder)
        limits = _Limits(deadline, stall_timeout)
        return {key: _fetch_one(folder, key, mirrors, limits) for key in MNIST_FILES}
    finally:
        if lock is not None:
            os.close(lock)


def _fetch_one(folder: Path, key: str, mirrors: Sequence[str], limits: _Limits) -> Path:
    """One file: from the cache when its SHA-256 matches, else from the first mirror that
    delivers it within the limits."""
    name, sha, _ = MNIST_FILES[key]
    target = folder / name
    if target.is_file() and _sha256(target) == sha:
        return target
    target.unlink(missing_ok=True)  # a corrupt cached copy must not survive a failure
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        try:
            _download(url, target, sha, MNIST_SIZES[key], limits)
            return target
        except (OSError, ValueError, http.client.HTTPException) as error:
            failures.append(f"{url}: {error}")
            if isinstance(error, TimeoutError) and "deadline" in str(error):
                break  # no time left for another mirror
    raise MnistDownloadError(
        f"could not download {name} into {folder}:\n  " + "\n  ".join(failures)
    )
