"""Rebuild ``natural_images.npz``, ufldl-sae's stand-in for Olshausen and Field's ``IMAGES.mat``.

Run ``python data/build_natural_images.py`` (needs the ``build-data`` extra:
``pip install scikit-image==0.26.0``; never needed at run time). With the same scikit-image version
the output is byte-identical to the committed file: the zip is written by hand with fixed
timestamps instead of ``numpy.savez_compressed``, which stamps the current time.

Recipe, Olshausen and Field's own ("make your own images", sparsenet): ten photos bundled in the
scikit-image wheel, grey, centre-cropped to 300 x 300 without resampling, each scaled to unit
variance, whitened by R(f) = f exp(-(f / f0)^4), f0 = 0.4 N, and the stack scaled by one factor so
that the mean of the per-image variances is 0.1 (:func:`ufldl_sae.data.whiten_images`).

Stored: the whitened stack and the unit-variance crops, each as uint8 codes with one scale and
offset for the whole stack, images first (images, rows, cols), each row stored as its difference
(modulo 256) from the row above, in an LZMA-compressed zip; plus the metadata as a JSON string.
Plain deflate of the codes gives 1.22 MB for the two stacks; row differences and LZMA bring the
file under the 1 MB budget while every code is still recovered exactly.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from ufldl_sae.data.natural_images import NATURAL_IMAGES_FILE, standardize_images, whiten_images

#: Side of the square centre crops, in pixels (chelsea, the smallest image, is 300 rows high).
CROP = 300

#: (name, scikit-image function, licence as scikit-image's docstring states it).
SOURCES: tuple[tuple[str, str, str], ...] = (
    ("camera", "camera", "No copyright restrictions. CC0 by the photographer (Lav Varshney)."),
    ("grass", "grass", "Creative Commons CC0 License (DeviantArt, linolafett)."),
    ("gravel", "gravel", "Creative Commons CC0 License (CC0Textures, Gravel04)."),
    ("brick", "brick", "Creative Commons CC0 License (CC0Textures, Bricks25)."),
    ("coffee", "coffee", "No copyright restrictions. CC0 by the photographer (Rachel Michetti)."),
    (
        "chelsea",
        "chelsea",
        "No copyright restrictions. CC0 by the photographer (Stefan van der Walt).",
    ),
    (
        "astronaut",
        "astronaut",
        "No known copyright restrictions, released into the public domain (NASA).",
    ),
    (
        "retina",
        "retina",
        "Creative Commons CC0 1.0 Universal Public Domain Dedication (Mikael Haggstrom, "
        "Wikimedia Commons).",
    ),
    ("ihc", "immunohistochemistry", "No known copyright restrictions (CMMI)."),
    ("coins", "coins", "No known copyright restrictions (Brooklyn Museum Collection)."),
)

RECIPE = {
    "crop": CROP,
    "f0_fraction": 0.4,
    "exponent": 4.0,
    "target_variance": 0.1,
    "variance_ddof": 1,
}

#: Fixed zip timestamp (the earliest a zip can hold), so that rebuilds are byte-identical.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

OUTPUT = Path(__file__).resolve().parent.parent / "ufldl_sae" / "embedded" / NATURAL_IMAGES_FILE


def source_sha256(array: np.ndarray) -> str:
    """SHA-256 of a source array's bytes (C order), as scikit-image returns it."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The central ``size`` x ``size`` pixels (top-left rounded down), no resampling."""
    top = (image.shape[0] - size) // 2
    left = (image.shape[1] - size) // 2
    return image[top : top + size, left : left + size]


def grey(image: np.ndarray) -> np.ndarray:
    """A grey float64 image in [0, 1]: ``rgb2gray`` for colour photos, ``/ 255`` for grey ones."""
    from skimage.color import rgb2gray

    if image.ndim == 3:
        return rgb2gray(image).astype(np.float64)
    return image.astype(np.float64) / 255.0


def load_sources() -> tuple[np.ndarray, list[dict[str, object]]]:
    """The ten grey crops, (rows, cols, images), and each source's name, licence and checksum."""
    import skimage.data

    crops, records = [], []
    for name, function, licence in SOURCES:
        source = getattr(skimage.data, function)()
        crops.append(centre_crop(grey(source), CROP))
        records.append(
            {
                "name": name,
                "skimage_function": f"skimage.data.{function}",
                "licence": licence,
                "source_shape": list(source.shape),
                "source_dtype": str(source.dtype),
                "source_sha256": source_sha256(source),
            }
        )
    return np.stack(crops, axis=2), records


def quantize(stack: np.ndarray) -> tuple[np.ndarray, float, float]:
    """uint8 codes with one scale and offset for the whole stack: ``x ~ offset + scale * q``."""
    offset = float(stack.min())
    scale = float(stack.max() - offset) / 255.0
    q = np.rint((stack - offset) / scale).astype(np.uint8)
    return q, scale, offset


def row_differences(q: np.ndarray) -> np.ndarray:
    """Each row minus the row above, modulo 256 (the first row kept): ``(images, rows, cols)``.

    Neighbouring rows of a photo are alike, so their differences cluster near 0 and compress far
    better; :func:`ufldl_sae.data.load_natural_images` undoes this with one ``cumsum``.
    """
    d = q.copy()
    d[:, 1:, :] = q[:, 1:, :] - q[:, :-1, :]  # uint8 arithmetic wraps modulo 256
    return d


def npy_bytes(array: np.ndarray) -> bytes:
    """One array in ``.npy`` format, as ``np.save`` writes it (no pickle)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """A compressed ``.npz`` with fixed timestamps and member order: byte-identical rebuilds."""
    with zipfile.ZipFile(path, "w") as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_LZMA  # ~10% smaller than deflate on this data
            info.external_attr = 0o644 << 16
            archive.writestr(info, npy_bytes(array))


def build(path: Path = OUTPUT) -> dict[str, object]:
    """Build the file at ``path``; returns its metadata."""
    import skimage

    crops, records = load_sources()  # (rows, cols, images)
    raw = standardize_images(crops)
    white = whiten_images(
        crops,
        f0_fraction=RECIPE["f0_fraction"],
        exponent=RECIPE["exponent"],
        target_variance=RECIPE["target_variance"],
    )
    metadata = {
        "description": "Stand-in for Olshausen & Field's IMAGES.mat: ten scikit-image photos, "
        "grey, centre-cropped, whitened with R(f) = f exp(-(f/f0)^4). Values are offset + scale "
        "* uint8 code; codes are stored (images, rows, cols), each row as its difference modulo "
        "256 from the row above (decode: cumsum along rows in uint8).",
        "skimage_version": skimage.__version__,
        "recipe": RECIPE,
        "images": records,
    }
    arrays: dict[str, np.ndarray] = {}
    for key, stack in (("whitened", white), ("raw", raw)):
        q, scale, offset = quantize(stack.transpose(2, 0, 1))  # images first: better compression
        arrays[f"{key}_rowdiff"] = row_differences(q)
        arrays[f"{key}_scale"] = np.float64(scale)
        arrays[f"{key}_offset"] = np.float64(offset)
    arrays["metadata"] = np.array(json.dumps(metadata, indent=1, sort_keys=True))
    write_npz(path, arrays)
    return metadata


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    args = parser.parse_args(argv)
    metadata = build(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes)")
    for record in metadata["images"]:
        print(f"  {record['name']:10s} {record['source_sha256']}  {record['licence']}")


if __name__ == "__main__":
    main()
