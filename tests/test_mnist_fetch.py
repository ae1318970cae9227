"""fetch_mnist, tested without the internet: a local HTTP server plays the mirrors."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ufldl_sae.data import (
    MNIST_FILES,
    MnistDownloadError,
    fetch_mnist,
    load_mnist_labels,
    mnist_data_home,
    verify_mnist_folder,
)

NAMES = [name for name, _, _ in MNIST_FILES.values()]


class Mirror:
    """What the local server serves: file name -> bytes, how to misbehave, and what was asked."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.cut: set[str] = set()  # send a full Content-Length, then half the bytes, then close
        self.requests: list[str] = []

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                folder, _, name = self.path.rpartition("/")
                mirror.requests.append(self.path)
                if folder != "/mnist" or name not in mirror.files:
                    self.send_error(404)
                    return
                body = mirror.files[name]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if name in mirror.cut:
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True  # the server closes the socket: a cut download
                    return
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        return Handler


@pytest.fixture(scope="module")
def mnist_bytes(mnist_dir: Path) -> dict[str, bytes]:
    return {name: (mnist_dir / name).read_bytes() for name in NAMES}


@pytest.fixture
def mirror(mnist_bytes: dict[str, bytes]) -> Iterator[tuple[Mirror, str]]:
    """A mirror on 127.0.0.1 (ephemeral port, own thread), shut down after the test."""
    state = Mirror(dict(mnist_bytes))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/mnist/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_verify_and_cache(tmp_path, mirror):
    state, url = mirror
    paths = fetch_mnist(tmp_path, base_url=url)
    assert set(paths) == {"train_images", "train_labels", "test_images", "test_labels"}
    for key, (name, gz_sha, _) in MNIST_FILES.items():
        assert paths[key] == tmp_path / "mnist" / name
        assert sha256(paths[key]) == gz_sha
    assert leftovers(tmp_path / "mnist") == sorted(NAMES)  # no temporary files left
    assert len(state.requests) == 4
    assert len(load_mnist_labels(paths["test_labels"])) == 10000
    # A second call finds every file in the cache with the right checksum: no request at all.
    assert fetch_mnist(tmp_path, base_url=url) == paths
    assert len(state.requests) == 4


def prefill(cache: Path, mnist_dir: Path, but: str) -> None:
    """Put every good file but one in the cache, so that a test downloads only that one."""
    cache.mkdir(parents=True)
    for name in NAMES:
        if name != but:
            shutil.copyfile(mnist_dir / name, cache / name)


def test_checksum_mismatch_leaves_nothing(tmp_path, mirror, mnist_dir):
    state, url = mirror
    bad = "t10k-labels-idx1-ubyte.gz"
    state.files[bad] = state.files["train-labels-idx1-ubyte.gz"]  # a valid file, the wrong one
    prefill(tmp_path / "mnist", mnist_dir, but=bad)
    with pytest.raises(MnistDownloadError, match=r"(?s)t10k-labels-idx1-ubyte.gz.*SHA-256"):
        fetch_mnist(tmp_path, base_url=url)
    assert bad not in leftovers(tmp_path / "mnist")
    assert len(leftovers(tmp_path / "mnist")) == 3  # the good files only, no .part file
    assert state.requests == ["/mnist/" + bad]


def test_connection_cut_mid_file_leaves_nothing(tmp_path, mirror, mnist_dir):
    state, url = mirror
    cut = "t10k-images-idx3-ubyte.gz"
    state.cut.add(cut)
    prefill(tmp_path / "mnist", mnist_dir, but=cut)
    with pytest.raises(MnistDownloadError, match=r"t10k-images-idx3-ubyte.gz.*closed after"):
        fetch_mnist(tmp_path, base_url=url)
    assert cut not in leftovers(tmp_path / "mnist")
    assert len(leftovers(tmp_path / "mnist")) == 3
    assert len(state.requests) == 1


def test_next_mirror_is_tried(tmp_path, mirror, mnist_dir):
    state, url = mirror
    name = "t10k-labels-idx1-ubyte.gz"
    prefill(tmp_path / "mnist", mnist_dir, but=name)
    paths = fetch_mnist(tmp_path, base_url=[url + "missing/", url])
    assert sha256(paths["test_labels"]) == MNIST_FILES["test_labels"][1]
    assert state.requests == ["/mnist/missing/" + name, "/mnist/" + name]


def test_corrupt_cached_file_is_replaced(tmp_path, mirror, mnist_dir):
    state, url = mirror
    name = "train-labels-idx1-ubyte.gz"
    prefill(tmp_path / "mnist", mnist_dir, but=name)
    (tmp_path / "mnist" / name).write_bytes(b"half a download")
    paths = fetch_mnist(tmp_path, base_url=url)
    assert sha256(paths["train_labels"]) == MNIST_FILES["train_labels"][1]
    assert state.requests == ["/mnist/" + name]


def test_unreachable_mirror_fails_cleanly(tmp_path, mnist_dir):
    name = "t10k-labels-idx1-ubyte.gz"
    prefill(tmp_path / "mnist", mnist_dir, but=name)
    with pytest.raises(MnistDownloadError, match="127.0.0.1:9"):
        fetch_mnist(tmp_path, base_url="http://127.0.0.1:9/")  # the discard port: refused
    assert len(leftovers(tmp_path / "mnist")) == 3
    with pytest.raises(ValueError, match="base_url"):
        fetch_mnist(tmp_path, base_url=[])


def test_cache_location(tmp_path, monkeypatch):
    monkeypatch.delenv("UFLDL_SAE_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mnist_data_home() == tmp_path / "home" / ".cache" / "ufldl-sae" / "mnist"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mnist_data_home() == tmp_path / "xdg" / "ufldl-sae" / "mnist"
    monkeypatch.setenv("UFLDL_SAE_DATA_HOME", str(tmp_path / "env"))
    assert mnist_data_home() == tmp_path / "env" / "mnist"
    assert mnist_data_home(tmp_path / "arg") == tmp_path / "arg" / "mnist"


def test_verify_local_folder(tmp_path, mnist_dir):
    paths = verify_mnist_folder(mnist_dir)
    assert paths["train_images"] == mnist_dir / "train-images-idx3-ubyte.gz"
    # Decompressed files are accepted too, checked against their own checksums.
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in NAMES:
        if "labels" in name:
            (folder / name.removesuffix(".gz")).write_bytes(gzip.decompress(
                (mnist_dir / name).read_bytes()
            ))  # fmt: skip
        else:
            os.symlink(mnist_dir / name, folder / name)
    paths = verify_mnist_folder(folder)
    assert paths["test_labels"] == folder / "t10k-labels-idx1-ubyte"
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"\0" * 10)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte: SHA-256 .* expected ff7bcfd4"):
        verify_mnist_folder(folder)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="neither t10k-labels-idx1-ubyte.gz"):
        verify_mnist_folder(folder)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        verify_mnist_folder(tmp_path / "absent")
