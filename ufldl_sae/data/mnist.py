r"""MNIST as the course's ``loadMNISTImages.m`` and ``loadMNISTLabels.m``, and its download.

The IDX files are read by content (gzipped or not, recognized by their first bytes), checked
against their header (magic number, dimensions, payload size) and returned as the course returns
them: 784 x N float64 in [0, 1], one image per column, flattened column-major
(:func:`load_mnist_images`), and the digits 0..9 (:func:`load_mnist_labels`).
:func:`fetch_mnist` downloads the four original files once, checks their SHA-256 and caches them;
:func:`verify_mnist_folder` checks a copy the user already has. Only the standard library is used
for the network, so the download needs no extra dependency.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import struct
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "MNIST_FILES",
    "MNIST_MIRRORS",
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

_CHUNK = 1 << 16
_TIMEOUT_S = 60.0


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


def _download(url: str, target: Path, expected_sha256: str) -> None:
    """Fetch ``url`` into ``target`` atomically: a temporary file, checked, then renamed.

    A partial or corrupted download is deleted, never left under the final name.
    """
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    temporary_path = Path(temporary)
    try:
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=_TIMEOUT_S) as r:
            length = r.headers.get("Content-Length")
            for block in iter(lambda: r.read(_CHUNK), b""):
                out.write(block)
                digest.update(block)
                received += len(block)
        if length is not None and received != int(length):
            raise OSError(f"connection closed after {received} of {length} bytes")
        if digest.hexdigest() != expected_sha256:
            raise ValueError(f"SHA-256 {digest.hexdigest()}, expected {expected_sha256}")
        os.replace(temporary_path, target)
    finally:
        temporary_path.unlink(missing_ok=True)


def fetch_mnist(
    data_home: PathLike | None = None, *, base_url: str | Sequence[str] | None = None
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

    Returns
    -------
    dict
        ``train_images``, ``train_labels``, ``test_images``, ``test_labels`` -> path of the
        gzipped file (pass it to :func:`load_mnist_images` or :func:`load_mnist_labels`).

    Raises
    ------
    MnistDownloadError
        When no mirror delivers a file with the expected checksum; nothing is left behind.
    """
    folder = mnist_data_home(data_home)
    if base_url is None:
        mirrors = MNIST_MIRRORS
    else:
        mirrors = (base_url,) if isinstance(base_url, str) else tuple(base_url)
    if not mirrors:
        raise ValueError("base_url must name at least one mirror")
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for key, (name, sha, _) in MNIST_FILES.items():
        target = folder / name
        if not (target.is_file() and _sha256(target) == sha):
            target.unlink(missing_ok=True)  # a corrupt cached copy must not survive a failure
            failures = []
            for mirror in mirrors:
                url = mirror.rstrip("/") + "/" + name
                try:
                    _download(url, target, sha)
                    break
                except (OSError, ValueError, http.client.HTTPException) as error:
                    failures.append(f"{url}: {error}")
            else:
                raise MnistDownloadError(
                    f"could not download {name} into {folder}:\n  " + "\n  ".join(failures)
                )
        paths[key] = target
    return paths
