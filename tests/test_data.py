"""The data layer: embedded natural images, patches as sampleIMAGES.m, MNIST as the course."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import importlib.util
import json
import struct
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from ufldl_sae.data import (
    load_images_mat,
    load_mnist,
    load_mnist_images,
    load_mnist_labels,
    load_natural_images,
    natural_images_metadata,
    normalize_data,
    sample_images,
    standardize_images,
    whiten_images,
    whitening_filter,
)

NPZ = REPO / "ufldl_sae" / "embedded" / "natural_images.npz"
NAMES = [
    "camera", "grass", "gravel", "brick", "coffee",
    "chelsea", "astronaut", "retina", "ihc", "coins",
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# The whitening recipe
# --------------------------------------------------------------------------------------------


def test_whitening_filter_matches_the_recipe_written_out():
    """R(f) = f exp(-(f/f0)^4) on meshgrid(-N/2:N/2-1), then shifted to FFT order, as in MATLAB."""
    n = 16
    fx, fy = np.meshgrid(np.arange(-n / 2, n / 2), np.arange(-n / 2, n / 2))
    rho = np.sqrt(fx * fx + fy * fy)
    f0 = 0.4 * n
    expected = np.fft.ifftshift(rho * np.exp(-((rho / f0) ** 4)))
    np.testing.assert_allclose(whitening_filter(n), expected, rtol=1e-14, atol=0)
    assert whitening_filter(n)[0, 0] == 0.0  # the mean is removed
    # Exponent 4, not 2: the two differ wherever f is not small.
    assert not np.allclose(whitening_filter(n, exponent=2.0), expected)


def test_whiten_images_against_an_independent_computation():
    rng = np.random.default_rng(0)
    images = rng.random((32, 32, 3)) * np.array([1.0, 5.0, 0.2])  # three contrasts
    white = whiten_images(images)
    expected = []
    for i in range(3):
        x = images[:, :, i]
        x = (x - x.mean()) / x.std(ddof=1)
        expected.append(np.fft.ifft2(np.fft.fft2(x) * whitening_filter(32)).real)
    expected = np.stack(expected, axis=2)
    expected *= np.sqrt(0.1 / np.mean([expected[:, :, i].var(ddof=1) for i in range(3)]))
    np.testing.assert_allclose(white, expected, rtol=1e-12, atol=1e-14)
    variances = white.var(axis=(0, 1), ddof=1)
    assert variances.mean() == pytest.approx(0.1, rel=1e-12)
    assert np.ptp(variances) > 0  # one factor for the stack, not one per image


def test_standardize_images_gives_zero_mean_unit_variance():
    rng = np.random.default_rng(1)
    x = standardize_images(rng.random((7, 9, 4)) * 40 + 3)
    np.testing.assert_allclose(x.mean(axis=(0, 1)), 0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=(0, 1), ddof=1), 1, rtol=1e-12)


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.ones((8, 8, 2)), "constant"),
        (np.random.default_rng(0).random((8, 6, 2)), "square"),
        (np.random.default_rng(0).random((8, 8)), "3-D"),
    ],
)
def test_whiten_images_errors(images, match):
    with pytest.raises(ValueError, match=match):
        whiten_images(images)


def test_whitening_filter_errors():
    with pytest.raises(ValueError, match="f0_fraction"):
        whitening_filter(8, f0_fraction=0)
    with pytest.raises(ValueError, match="n must be"):
        whitening_filter(1)


# --------------------------------------------------------------------------------------------
# The embedded images
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded() -> dict[str, np.ndarray]:
    with np.load(NPZ, allow_pickle=False) as npz:
        stored = {key: npz[key] for key in npz.files}
    return {
        "whitened": load_natural_images(),
        "raw": load_natural_images(whitened=False),
        **stored,
    }


def test_embedded_whitened_statistics(embedded):
    white = embedded["whitened"]
    assert white.shape == (300, 300, 10) and white.dtype == np.float64
    # Mean of the per-image variances is 0.1 up to the quantization error: values are off by at
    # most half a step, which moves a variance by at most 2 * std * (step / 2) + (step / 2)^2.
    half_step = float(embedded["whitened_scale"]) / 2
    bound = 2 * np.sqrt(0.1) * half_step + half_step**2
    mean_variance = white.var(axis=(0, 1), ddof=1).mean()
    assert abs(mean_variance - 0.1) < bound, (mean_variance, bound)
    np.testing.assert_allclose(white.mean(axis=(0, 1)), 0, atol=half_step)  # R(0) = 0
    # One factor for the stack: textures keep more variance than plain backgrounds.
    variances = white.var(axis=(0, 1), ddof=1)
    assert variances.max() / variances.min() > 5


def test_embedded_raw_crops_have_unit_variance(embedded):
    raw = embedded["raw"]
    assert raw.shape == (300, 300, 10) and raw.dtype == np.float64
    half_step = float(embedded["raw_scale"]) / 2
    np.testing.assert_allclose(raw.var(axis=(0, 1), ddof=1), 1, atol=2 * half_step + 1e-4)
    np.testing.assert_allclose(raw.mean(axis=(0, 1)), 0, atol=half_step)


def test_embedded_whitened_stack_follows_the_recipe_from_the_raw_crops(embedded):
    """Whitening the stored raw crops again gives the stored whitened stack (up to quantization)."""
    again = whiten_images(embedded["raw"])
    rms = np.sqrt(np.mean((again - embedded["whitened"]) ** 2))
    assert rms < 0.5 * float(embedded["whitened_scale"]), rms  # std of the stack is 0.32


def test_embedded_file_layout_and_metadata(embedded):
    assert NPZ.stat().st_size < 1_000_000  # the budget
    with zipfile.ZipFile(NPZ) as archive:
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    for key in ("whitened", "raw"):
        codes = embedded[f"{key}_rowdiff"]
        assert codes.dtype == np.uint8 and codes.shape == (10, 300, 300)
        assert embedded[f"{key}_scale"].shape == () and embedded[f"{key}_offset"].shape == ()
    meta = natural_images_metadata()
    assert meta == json.loads(str(embedded["metadata"][()]))
    assert [record["name"] for record in meta["images"]] == NAMES
    for record in meta["images"]:
        assert len(record["source_sha256"]) == 64 and int(record["source_sha256"], 16) >= 0
        assert record["licence"] and record["skimage_function"].startswith("skimage.data.")
    assert meta["recipe"] == {
        "crop": 300,
        "exponent": 4.0,
        "f0_fraction": 0.4,
        "target_variance": 0.1,
        "variance_ddof": 1,
    }
    assert meta["skimage_version"] == "0.26.0"


def test_readme_records_every_source_checksum():
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    for record in natural_images_metadata()["images"]:
        assert record["source_sha256"] in readme, record["name"]


def test_embedded_file_is_read_through_the_package():
    """The loader reads ``ufldl_sae.embedded``: the same file, so wheels carry it."""
    resource = importlib.resources.files("ufldl_sae.embedded") / "natural_images.npz"
    assert resource.read_bytes() == NPZ.read_bytes()


def test_load_natural_images_rejects_a_non_bool():
    with pytest.raises(ValueError, match="whitened"):
        load_natural_images(whitened="yes")


def test_rebuild_is_byte_identical(tmp_path):
    skimage = pytest.importorskip("skimage")
    recorded = natural_images_metadata()["skimage_version"]
    if skimage.__version__ != recorded:
        pytest.skip(
            f"scikit-image {skimage.__version__} installed, the file was built with {recorded}"
        )
    spec = importlib.util.spec_from_file_location(
        "build", REPO / "data" / "build_natural_images.py"
    )
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    target = tmp_path / "natural_images.npz"
    meta = build.build(target)
    # Sources first, so that a changed image decoder is named rather than a byte offset.
    assert meta == natural_images_metadata()
    with np.load(target, allow_pickle=False) as new, np.load(NPZ, allow_pickle=False) as old:
        assert new.files == old.files
        for key in old.files:
            np.testing.assert_array_equal(new[key], old[key], err_msg=key)
    assert (
        hashlib.sha256(target.read_bytes()).hexdigest()
        == hashlib.sha256(NPZ.read_bytes()).hexdigest()
    )


# --------------------------------------------------------------------------------------------
# Patches, as sampleIMAGES.m
# --------------------------------------------------------------------------------------------


def coordinate_images(rows: int, cols: int, count: int) -> np.ndarray:
    """Images whose pixels encode where they are: image * 1e6 + row * 1000 + col."""
    r, c, i = np.meshgrid(np.arange(rows), np.arange(cols), np.arange(count), indexing="ij")
    return (i * 1_000_000 + r * 1000 + c).astype(np.float64)


def decode_patches(patches: np.ndarray, patch_size: int, shape: tuple[int, int, int]):
    """(image, top, left) of every column, checking that each is one valid, upright patch."""
    rows, cols, count = shape
    values = patches.astype(np.int64)
    first = values[0]  # the top-left pixel: column-major flattening puts it first
    image, top, left = first // 1_000_000, (first % 1_000_000) // 1000, first % 1000
    k = np.arange(patch_size * patch_size)
    i, j = k % patch_size, k // patch_size  # MATLAB patch(:): rows vary fastest
    expected = first[None, :] + i[:, None] * 1000 + j[:, None]
    np.testing.assert_array_equal(values, expected)
    assert image.min() >= 0 and image.max() < count
    assert top.min() >= 0 and top.max() <= rows - patch_size
    assert left.min() >= 0 and left.max() <= cols - patch_size
    return image, top, left


def test_sample_images_covers_every_valid_offset_and_every_image():
    shape = (12, 11, 3)
    patches = sample_images(coordinate_images(*shape), patch_size=8, num_patches=2000, rng=0)
    assert patches.shape == (64, 2000) and patches.dtype == np.float64
    image, top, left = decode_patches(patches, 8, shape)
    assert set(image) == {0, 1, 2}
    assert set(top) == set(range(12 - 8 + 1))  # 0 .. N - patch_size inclusive
    assert set(left) == set(range(11 - 8 + 1))


def test_a_column_is_the_column_major_flattening_of_the_patch():
    images = coordinate_images(9, 9, 1)
    column = sample_images(images, patch_size=3, num_patches=1, rng=5)[:, 0]
    top, left = int(column[0]) // 1000, int(column[0]) % 1000
    patch = images[top : top + 3, left : left + 3, 0]
    np.testing.assert_array_equal(column, patch.flatten(order="F"))  # MATLAB patch(:)
    np.testing.assert_array_equal(column.reshape(3, 3, order="F"), patch)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 20),
    cols=st.integers(1, 20),
    count=st.integers(1, 4),
    patch_size=st.integers(1, 20),
    num_patches=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_sample_images_any_shape(rows, cols, count, patch_size, num_patches, seed):
    images = coordinate_images(rows, cols, count)
    if patch_size > min(rows, cols):
        with pytest.raises(ValueError, match="patch_size"):
            sample_images(images, patch_size, num_patches, rng=seed)
        return
    patches = sample_images(images, patch_size, num_patches, rng=seed)
    assert patches.shape == (patch_size * patch_size, num_patches)
    decode_patches(patches, patch_size, (rows, cols, count))


def test_sample_images_rng_forms():
    images = coordinate_images(20, 20, 2)
    a = sample_images(images, 4, 50, rng=7)
    np.testing.assert_array_equal(a, sample_images(images, 4, 50, rng=7))
    np.testing.assert_array_equal(a, sample_images(images, 4, 50, rng=np.random.default_rng(7)))
    assert not np.array_equal(a, sample_images(images, 4, 50, rng=8))
    assert sample_images(images, 4, 50).shape == (16, 50)
    for bad in (1.5, "seed", True):
        with pytest.raises(ValueError, match="rng"):
            sample_images(images, 4, 50, rng=bad)


@pytest.mark.parametrize(
    ("images", "kwargs", "match"),
    [
        (np.zeros((10, 10)), {}, "3-D"),
        (np.zeros((10, 10, 0)), {}, "empty"),
        (np.zeros((10, 10, 1)), {"patch_size": 11}, "patch_size"),
        (np.zeros((10, 10, 1)), {"patch_size": 0}, "patch_size"),
        (np.zeros((10, 10, 1)), {"num_patches": 0}, "num_patches"),
        (np.zeros((10, 10, 1)), {"patch_size": 2.0}, "patch_size"),
    ],
)
def test_sample_images_errors(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_images(images, **kwargs)


def test_sample_images_is_fast_on_the_course_settings():
    images = load_natural_images()
    start = time.perf_counter()
    patches = sample_images(images, 8, 10000, rng=0)
    elapsed = time.perf_counter() - start
    assert patches.shape == (64, 10000)
    assert elapsed < 0.5, f"10,000 patches took {elapsed:.3f} s"


# --------------------------------------------------------------------------------------------
# normalize_data
# --------------------------------------------------------------------------------------------


def normalize_by_hand(patches: np.ndarray) -> np.ndarray:
    """The course's normalizeData, written out with loops and explicit sums."""
    pixels, count = patches.shape
    centred = np.empty_like(patches)
    for n in range(count):
        centred[:, n] = patches[:, n] - sum(patches[:, n]) / pixels
    values = centred.ravel()
    mean = values.sum() / values.size
    std = np.sqrt(((values - mean) ** 2).sum() / (values.size - 1))  # MATLAB std: N - 1
    bound = 3 * std
    out = np.empty_like(patches)
    for index, value in np.ndenumerate(centred):
        truncated = min(max(value, -bound), bound) / bound
        out[index] = (truncated + 1) * 0.4 + 0.1
    return out


@settings(max_examples=25, deadline=None)
@given(
    pixels=st.integers(2, 30),
    count=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    heavy=st.booleans(),
)
def test_normalize_data_against_a_hand_computation(pixels, count, seed, heavy):
    rng = np.random.default_rng(seed)
    patches = rng.standard_t(2, size=(pixels, count)) if heavy else rng.normal(size=(pixels, count))
    patches = patches * 7 + 3
    before = patches.copy()
    out = normalize_data(patches)
    np.testing.assert_array_equal(patches, before)  # the caller's array is left alone
    np.testing.assert_allclose(out, normalize_by_hand(patches), rtol=1e-12, atol=1e-12)
    assert out.min() >= 0.1 - 1e-12 and out.max() <= 0.9 + 1e-12


def test_normalize_data_truncates_at_three_standard_deviations():
    rng = np.random.default_rng(3)
    patches = rng.normal(size=(64, 2000))
    patches[5, 7] = 1e3  # one outlier, far beyond 3 std
    out = normalize_data(patches)
    assert out[5, 7] == pytest.approx(0.9)
    assert np.sum(np.isclose(out, 0.9)) + np.sum(np.isclose(out, 0.1)) < 0.02 * out.size


@pytest.mark.parametrize(
    ("patches", "match"),
    [
        (np.ones((4, 5)), "no variance"),
        (np.ones(5), "2-D"),
        (np.ones((0, 3)), "2-D"),
        (np.ones((1, 1)), "no variance"),
    ],
)
def test_normalize_data_errors(patches, match):
    with pytest.raises(ValueError, match=match):
        normalize_data(patches)


# --------------------------------------------------------------------------------------------
# load_images_mat
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["IMAGES", "IMAGESr"])
def test_load_images_mat_round_trip(tmp_path, variable):
    images = np.random.default_rng(0).normal(size=(16, 12, 3))
    path = tmp_path / "IMAGES.mat"
    scipy.io.savemat(path, {variable: images, "other": np.zeros(2)})
    loaded = load_images_mat(path)
    assert loaded.dtype == np.float64
    np.testing.assert_array_equal(loaded, images)
    np.testing.assert_array_equal(load_images_mat(path, variable=variable), images)


def test_load_images_mat_single_image(tmp_path):
    path = tmp_path / "one.mat"
    image = np.arange(12.0).reshape(3, 4)
    scipy.io.savemat(path, {"IMAGES": image})
    np.testing.assert_array_equal(load_images_mat(path), image[:, :, None])


def test_load_images_mat_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.mat"):
        load_images_mat(tmp_path / "absent.mat")
    path = tmp_path / "wrong_variable.mat"
    scipy.io.savemat(path, {"patches": np.zeros((4, 4, 2))})
    with pytest.raises(KeyError, match="IMAGES or IMAGESr"):
        load_images_mat(path)
    with pytest.raises(KeyError, match="IMAGESr"):
        load_images_mat(path, variable="IMAGESr")
    path = tmp_path / "wrong_shape.mat"
    scipy.io.savemat(path, {"IMAGES": np.zeros((2, 3, 4, 5))})
    with pytest.raises(ValueError, match=r"shape \(2, 3, 4, 5\)"):
        load_images_mat(path)
    path = tmp_path / "text.mat"
    scipy.io.savemat(path, {"IMAGES": np.array(["not", "numbers"])})
    with pytest.raises(ValueError, match="numeric"):
        load_images_mat(path)
    path = tmp_path / "garbage.mat"
    path.write_bytes(b"this is not a MAT file" * 10)
    with pytest.raises(ValueError, match="garbage.mat"):
        load_images_mat(path)


# --------------------------------------------------------------------------------------------
# MNIST, as loadMNISTImages.m and loadMNISTLabels.m
# --------------------------------------------------------------------------------------------


def idx_images(images: np.ndarray, magic: int = 2051) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">4I", magic, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray, magic: int = 2049) -> bytes:
    return struct.pack(">2I", magic, len(labels)) + np.asarray(labels, np.uint8).tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_columns_are_column_major(tmp_path, compress):
    """A non-square, asymmetric image comes back as MATLAB's img(:) / 255."""
    first = np.array([[1, 2, 3], [4, 5, 6]])  # 2 x 3
    images = np.stack([first, 10 * first])
    data = idx_images(images)
    path = tmp_path / ("images.gz" if compress else "images")
    path.write_bytes(gzip.compress(data) if compress else data)
    loaded = load_mnist_images(path)
    assert loaded.shape == (6, 2) and loaded.dtype == np.float64
    np.testing.assert_allclose(loaded[:, 0], np.array([1, 4, 2, 5, 3, 6]) / 255.0, rtol=1e-15)
    np.testing.assert_allclose(loaded[:, 1], np.array([10, 40, 20, 50, 30, 60]) / 255.0)
    np.testing.assert_array_equal(loaded[:, 0].reshape(2, 3, order="F") * 255, first)
    # Column-major in meaning (each column an image), row-major in memory: the layout every
    # product and minibatch gather of the cost is fast on.
    assert loaded.flags.c_contiguous


def test_mnist_labels_and_pairs(tmp_path):
    (tmp_path / "labels").write_bytes(idx_labels(np.array([3, 0, 9])))
    labels = load_mnist_labels(tmp_path / "labels")
    np.testing.assert_array_equal(labels, [3, 0, 9])
    assert np.issubdtype(labels.dtype, np.integer)
    (tmp_path / "images").write_bytes(idx_images(np.zeros((3, 2, 2))))
    images, labels = load_mnist(tmp_path / "images", tmp_path / "labels")
    assert images.shape == (4, 3) and labels.shape == (3,)
    (tmp_path / "two").write_bytes(idx_images(np.zeros((2, 2, 2))))
    with pytest.raises(ValueError, match=r"2 images .* 3 labels"):
        load_mnist(tmp_path / "two", tmp_path / "labels")


def test_mnist_errors(tmp_path):
    images = idx_images(np.zeros((3, 4, 4)))
    labels = idx_labels(np.arange(3))
    cases = {
        "swapped": (load_mnist_labels, images, r"swapped: bad magic number 2051, expected 2049"),
        "swapped2": (load_mnist_images, labels, r"bad magic number 2049, expected 2051"),
        "short_images": (load_mnist_images, images[:-1], r"truncated: 63 bytes, expected 64"),
        "short_labels": (load_mnist_labels, labels[:-2], r"truncated: 9 bytes, expected 11"),
        "long": (load_mnist_images, images + b"\0", r"too long: 65 bytes, expected 64"),
        "header": (load_mnist_images, images[:10], r"too short for an IDX header: 10 bytes"),
        "empty": (load_mnist_images, b"", r"bad magic number None, expected 2051"),
        "digit": (load_mnist_labels, idx_labels(np.array([1, 12])), r"label 12 found"),
        "cut.gz": (load_mnist_images, gzip.compress(images)[:-12], r"cut.gz: corrupt or truncated"),
    }
    for name, (loader, data, match) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=match):
            loader(path)


@pytest.fixture(scope="module")
def mnist_train(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    return load_mnist(
        mnist_dir / "train-images-idx3-ubyte.gz", mnist_dir / "train-labels-idx1-ubyte.gz"
    )


def test_mnist_training_set_facts(mnist_train):
    images, labels = mnist_train
    assert images.shape == (784, 60000) and images.dtype == np.float64
    assert labels.shape == (60000,)
    counts = np.bincount(labels, minlength=10)
    np.testing.assert_array_equal(
        counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    )
    assert images.min() == 0.0 and images.max() == 1.0
    assert images.mean() * 255 == pytest.approx(33.3184, abs=1e-4)


def test_mnist_training_images_are_upright(mnist_train, mnist_dir):
    """Column n reshaped column-major is image n as stored (rows of the file stay rows)."""
    images, _ = mnist_train
    with gzip.open(mnist_dir / "train-images-idx3-ubyte.gz") as handle:
        head = handle.read(16 + 2 * 784)
    stored = np.frombuffer(head, np.uint8, offset=16).reshape(2, 28, 28)
    for n in range(2):
        np.testing.assert_array_equal(images[:, n].reshape(28, 28, order="F") * 255, stored[n])
    # An asymmetric check on real data: the first image differs from its own transpose.
    assert not np.array_equal(stored[0], stored[0].T)


def test_mnist_test_set_facts(mnist_dir):
    images, labels = load_mnist(
        mnist_dir / "t10k-images-idx3-ubyte.gz", mnist_dir / "t10k-labels-idx1-ubyte.gz"
    )
    assert images.shape == (784, 10000)
    np.testing.assert_array_equal(
        np.bincount(labels, minlength=10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    )
    assert images.mean() * 255 == pytest.approx(33.7912, abs=1e-4)


# --------------------------------------------------------------------------------------------
# The package: one module per concept, every name re-exported
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["natural_images", "patches", "mnist", "toy_features"])
def test_every_name_of_a_concept_module_is_the_package_s(module):
    """``from ufldl_sae.data import x`` keeps working and gives the module's own object."""
    package = importlib.import_module("ufldl_sae.data")
    concept = importlib.import_module(f"ufldl_sae.data.{module}")
    helpers = {"as_image_stack"}  # shared between the modules, not part of the data API
    for name in set(concept.__all__) - helpers:
        assert name in package.__all__, f"{module}.{name} is not re-exported"
        assert getattr(package, name) is getattr(concept, name), name


def test_the_package_exports_exactly_the_concept_modules_names():
    package = importlib.import_module("ufldl_sae.data")
    names = set()
    for module in ("natural_images", "patches", "mnist", "toy_features"):
        names |= set(importlib.import_module(f"ufldl_sae.data.{module}").__all__)
    assert set(package.__all__) == names - {"as_image_stack"}
    for name in package.__all__:  # defined in a concept module, not in the package __init__
        value = getattr(package, name)
        if callable(value):
            assert value.__module__.rsplit(".", 1)[0] == "ufldl_sae.data", name
