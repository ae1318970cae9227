"""fetch_mnist, tested without the internet: a local HTTP server plays the mirrors."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import shutil
import threading
import time
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
        self.flood: set[str] = set()  # no Content-Length, then far more bytes than the file has
        self.lie: set[str] = set()  # a Content-Length far above the file's size
        self.stall: set[str] = set()  # a few bytes, then silence
        self.trickle: set[str] = set()  # one byte every 20 ms, forever
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
                if name in mirror.lie:
                    self.send_header("Content-Length", str(300 * 10**6))
                elif not mirror.flood & {name}:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if self.misbehave(name, body):
                        return
                except OSError:  # the client hung up, as it should
                    return
                if name in mirror.cut:
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True  # the server closes the socket: a cut download
                    return
                self.wfile.write(body)

            def misbehave(self, name: str, body: bytes) -> bool:
                """Send a bad answer for ``name`` if asked to; True when one was sent."""
                if name in mirror.flood:
                    for _ in range(100):  # 6.4 MB at most, whatever the client does
                        self.wfile.write(body[:64] * 1024)
                elif name in mirror.stall:
                    self.wfile.write(body[:10])
                    self.wfile.flush()
                    time.sleep(3)
                elif name in mirror.trickle:
                    for byte in body[:150]:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.02)
                else:
                    return False
                self.close_connection = True
                return True

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
    body = bytearray(state.files[bad])
    body[-1] ^= 0xFF  # the right size, one byte wrong (a longer file is cut off by its size)
    state.files[bad] = bytes(body)
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


def _fails_quickly(tmp_path, url, mnist_dir, name, match, **limits):
    prefill(tmp_path / "mnist", mnist_dir, but=name)
    start = time.monotonic()
    with pytest.raises(MnistDownloadError, match=match):
        fetch_mnist(tmp_path, base_url=url, **limits)
    assert time.monotonic() - start < 2.5
    assert leftovers(tmp_path / "mnist") == sorted(set(NAMES) - {name})


def test_a_mirror_sending_too_much_is_cut_off_at_the_files_size(tmp_path, mirror, mnist_dir):
    state, url = mirror
    name = "t10k-labels-idx1-ubyte.gz"  # 4542 bytes; the mirror sends up to 6.4 MB
    state.flood.add(name)
    _fails_quickly(tmp_path, url, mnist_dir, name, "sent more than the 4542 bytes")


def test_a_content_length_above_the_files_size_is_refused_before_reading(
    tmp_path, mirror, mnist_dir
):
    state, url = mirror
    name = "t10k-labels-idx1-ubyte.gz"
    state.lie.add(name)
    _fails_quickly(tmp_path, url, mnist_dir, name, "announces 300000000 bytes, more than the 4542")


def test_a_stalled_mirror_is_dropped_after_the_stall_timeout(tmp_path, mirror, mnist_dir):
    state, url = mirror
    name = "t10k-labels-idx1-ubyte.gz"
    state.stall.add(name)
    _fails_quickly(tmp_path, url, mnist_dir, name, "stalled: no data for 0.3 s after 10 bytes",
                   stall_timeout=0.3)  # fmt: skip


def test_a_trickling_mirror_meets_the_deadline(tmp_path, mirror, mnist_dir):
    """One byte every 20 ms never trips the stall timeout; the total deadline stops it."""
    state, url = mirror
    name = "t10k-labels-idx1-ubyte.gz"
    state.trickle.add(name)
    _fails_quickly(tmp_path, url, mnist_dir, name, "longer than its deadline of 0.5 s",
                   deadline=0.5, stall_timeout=1.0)  # fmt: skip
    assert state.requests == ["/mnist/" + name]


def test_partial_files_of_a_crashed_fetch_are_removed_by_the_next(tmp_path, mnist_dir):
    cache = tmp_path / "mnist"
    prefill(cache, mnist_dir, but="")
    crashed = cache / ".train-images-idx3-ubyte.gz.x1y2z3.part"  # as kill -9 leaves it
    crashed.write_bytes(b"\0" * 1000)
    paths = fetch_mnist(tmp_path, base_url="http://127.0.0.1:9/")  # all cached: no request
    assert not crashed.exists() and paths["train_images"].is_file()


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), True])
def test_limits_must_be_finite_positive_seconds(tmp_path, bad):
    with pytest.raises(ValueError, match="deadline must be a finite positive number"):
        fetch_mnist(tmp_path, base_url="http://127.0.0.1:9/", deadline=bad)
    with pytest.raises(ValueError, match="stall_timeout must be a finite positive number"):
        fetch_mnist(tmp_path, base_url="http://127.0.0.1:9/", stall_timeout=bad)
