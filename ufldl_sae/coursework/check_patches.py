r"""Check a student's ``sample_patches(images, patch_size, num_patches, rng)``.

The course's ``sampleIMAGES`` picks an image and a top-left corner at random, cuts a
``patch_size x patch_size`` patch, and stores it as one column, ``patch(:)``, flattened
column-major. The check feeds a stack of small images whose pixels are all different and encode
where they come from, ``images[r, c, k] = k*rows*cols + c*rows + r``, so each returned column says
which image and which corner it was cut from. With many draws on small images every one of the
valid corners (``rows - patch_size + 1`` per axis, the last one included) and every image must
turn up; a corner or an image that never does is the off-by-one of converting MATLAB's 1-based
``randi`` to 0-based indices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .calling import StudentFailed, as_float_array, call_student
from .report import NOTE, Finding

#: Small images, patch size and draws: 4 corners per axis x 3 images = 48 cases, each drawn
#: about 40 times, so missing one by chance has probability below 1e-15.
ROWS, COLS, IMAGES, PATCH, DRAWS = 6, 7, 3, 3, 2000


def coded_images(rows: int = ROWS, cols: int = COLS, count: int = IMAGES) -> np.ndarray:
    """Images whose every pixel value is distinct and encodes (row, column, image)."""
    return np.arange(rows * cols * count, dtype=np.float64).reshape(rows, cols, count, order="F")


def decode(column: np.ndarray, rows: int, cols: int) -> tuple[int, int, int]:
    """(row, column, image) of the column's smallest pixel: the patch's top-left corner.

    Pixel values grow with the row and the column, so the smallest is the corner whatever the
    order the student stored the patch in (a flipped patch is still drawn at its corner).
    """
    value = int(round(float(np.min(column))))
    return value % rows, (value // rows) % cols, value // (rows * cols)


def check_sample_patches(func: Callable[..., Any], seed: int = 0) -> list[Finding]:
    """Shape, column-major flattening, every corner and every image reachable; the findings.

    ``seed`` seeds the generator handed to the student (the grader draws a fresh one).
    """
    images = coded_images()
    original = images.copy()
    try:
        patches = call_student(
            func, images, PATCH, DRAWS, np.random.default_rng(seed), what="sample_patches"
        )
    except StudentFailed as failure:
        return [failure.finding]
    findings: list[Finding] = []
    if not np.array_equal(images, original):
        findings.append(
            Finding(
                "modifies-inputs",
                "sample_patches changed the images it was given; cut copies of the patches "
                "instead of writing into the images.",
            )
        )
    patches = as_float_array(patches)
    expected = (PATCH * PATCH, DRAWS)
    if patches is None:
        return findings + [
            Finding(
                "patches-wrong-shape",
                f"sample_patches must return an array of numbers of shape {expected}; what it "
                "returned cannot be read as one (a list of arrays of different sizes?).",
            )
        ]
    if patches.shape != expected:
        hint = (
            " It looks transposed: one patch per COLUMN, as the course's patches(:, i)."
            if patches.shape == expected[::-1]
            else ""
        )
        return findings + [
            Finding(
                "patches-wrong-shape",
                f"With patch_size {PATCH} and num_patches {DRAWS} the result must have shape "
                f"{expected} (patch_size^2 rows, one column per patch); yours has shape "
                f"{patches.shape}.{hint}",
            )
        ]
    return findings + column_findings(patches) + coverage_findings(patches) + rng_findings(func)


def column_findings(patches: np.ndarray) -> list[Finding]:
    """Each column must be a real patch of the images, flattened column-major like ``patch(:)``."""
    images = coded_images()
    row_major = not_patch = 0
    for column in patches.T:
        r, c, k = decode(column, ROWS, COLS)
        if r > ROWS - PATCH or c > COLS - PATCH:
            not_patch += 1
            continue
        patch = images[r : r + PATCH, c : c + PATCH, k]
        if np.array_equal(column, patch.ravel(order="F")):
            continue
        if np.array_equal(column, patch.ravel(order="C")):
            row_major += 1
        else:
            not_patch += 1
    if row_major:
        return [
            Finding(
                "patch-row-major",
                f"{row_major} of {patches.shape[1]} columns hold the patch flattened row by row "
                "(NumPy's default C order). The course stores each patch as patch(:), which "
                "stacks its COLUMNS: use patch.ravel(order='F') or patch.reshape(-1, order='F'), "
                "so that the learned filters display the right way round.",
            )
        ]
    if not_patch:
        described = next((d for d in map(describe_column, patches.T) if d is not None), None)
        if described is not None:
            code, words, where = described
            return [
                Finding(code, f"{not_patch} of {patches.shape[1]} columns: {words}", where=where)
            ]
        return [
            Finding(
                "not-a-patch",
                f"{not_patch} of {patches.shape[1]} columns are not a {PATCH}x{PATCH} block of "
                "one image flattened column-major: each column must be "
                "images[r:r+patch_size, c:c+patch_size, k].ravel(order='F') for some random "
                "corner (r, c) and image k.",
            )
        ]
    return []


#: The orientations a patch's pixels may come in, as functions of the notes' patch, in words.
ORIENTATIONS = {
    "upside down (rows reversed)": lambda p: p[::-1, :],
    "mirrored (columns reversed)": lambda p: p[:, ::-1],
    "rotated by 180 degrees": lambda p: p[::-1, ::-1],
    "transposed and reversed": lambda p: p.T[::-1, :],
}


def describe_column(column: np.ndarray) -> tuple[str, str, dict[str, Any]] | None:
    """What a column that is not the notes' patch is instead, read from the coded pixels.

    Every pixel of :func:`coded_images` encodes (row, column, image), so the column says which
    pixels the student took: from several images (the wrong axis sliced), or one block of the
    right size in another orientation. None when it is neither (the message stays general).
    """
    values = np.round(column).astype(np.int64)
    if not np.allclose(column, values) or values.min() < 0 or values.max() >= ROWS * COLS * IMAGES:
        return None
    r, c, k = values % ROWS, (values // ROWS) % COLS, values // (ROWS * COLS)
    if len(set(k.tolist())) > 1:
        return (
            "not-a-patch",
            "each column mixes pixels of several images: images has shape (rows, cols, "
            "n_images), so one patch is images[r:r+patch_size, c:c+patch_size, k], sliced on "
            "the first two axes with a single image index k on the last.",
            {"block": "patch", "axes": "image axis sliced"},
        )
    r0, c0 = int(r.min()), int(c.min())
    if set(r.tolist()) != set(range(r0, r0 + PATCH)) or set(c.tolist()) != set(
        range(c0, c0 + PATCH)
    ):
        return None
    patch = coded_images()[r0 : r0 + PATCH, c0 : c0 + PATCH, int(k[0])]
    for name, turn in ORIENTATIONS.items():
        if np.array_equal(column, turn(patch).ravel(order="F")):
            return (
                "reordered",
                f"each column holds the right pixels, the patch at ({r0}, {c0}) of image "
                f"{int(k[0])}, but {name}. Store patch(:) as it is: "
                "images[r:r+patch_size, c:c+patch_size, k].ravel(order='F').",
                {"block": "patch", "orientation": name},
            )
    return None


def _missing(values: set[int], count: int, axis: str) -> str:
    lost = [i for i in range(count) if i not in values]
    return f"the {axis} " + ", ".join(map(str, lost))


def coverage_findings(patches: np.ndarray) -> list[Finding]:
    """Every valid corner row and column, and every image, must be drawn at least once."""
    corners = [decode(column, ROWS, COLS) for column in patches.T]
    rows = {r for r, _, _ in corners}
    cols = {c for _, c, _ in corners}
    images = {k for _, _, k in corners}
    findings = []
    n_rows, n_cols = ROWS - PATCH + 1, COLS - PATCH + 1
    if rows != set(range(n_rows)) or cols != set(range(n_cols)):
        lost = []
        if rows != set(range(n_rows)):
            lost.append(_missing(rows, n_rows, "corner rows"))
        if cols != set(range(n_cols)):
            lost.append(_missing(cols, n_cols, "corner columns"))
        findings.append(
            Finding(
                "offset-off-by-one",
                f"In {DRAWS} patches of size {PATCH} from {ROWS}x{COLS} images, "
                + " and ".join(lost)
                + " never came up. The valid top-left corners are 0 .. rows - patch_size "
                "INCLUSIVE (the patch may touch the last row and column), so draw them with "
                "rng.integers(0, rows - patch_size + 1); MATLAB's randi(rows - patch_size + 1) "
                "is 1-based, and converting it to 0-based is where the 1 gets lost.",
                where={"coordinate": "top-left corner"},
            )
        )
    if images != set(range(IMAGES)):
        findings.append(
            Finding(
                "image-off-by-one",
                f"In {DRAWS} patches from a stack of {IMAGES} images, "
                + _missing(images, IMAGES, "images")
                + " never came up. Every image 0 .. n_images - 1 must be possible: "
                "rng.integers(0, n_images), whose upper bound is exclusive.",
            )
        )
    return findings


def rng_findings(func: Callable[..., Any]) -> list[Finding]:
    """A note when the same seed does not give the same patches (the rng argument is ignored)."""
    images = coded_images()
    try:
        first = call_student(func, images, PATCH, 50, np.random.default_rng(7))
        second = call_student(func, images, PATCH, 50, np.random.default_rng(7))
    except StudentFailed:
        return []
    if np.array_equal(np.asarray(first), np.asarray(second)):
        return []
    return [
        Finding(
            "ignores-rng",
            "Two calls with generators of the same seed gave different patches: draw every "
            "random number from the rng argument (rng.integers(...)), not from np.random or "
            "random, so that a run can be repeated exactly.",
            severity=NOTE,
        )
    ]
