r"""Natural images: Olshausen and Field's whitening recipe, the embedded stack, ``IMAGES.mat``.

The course's first exercise cuts its patches from ``IMAGES.mat``: ten natural images whitened by
Olshausen and Field. That file cannot be shipped, so ufldl-sae embeds its own equivalent in
``ufldl_sae/embedded/natural_images.npz`` (built by ``data/build_natural_images.py`` from ten
CC0 / public-domain photos of scikit-image with the same recipe, :func:`whiten_images`), and reads
a user's own ``IMAGES.mat`` with :func:`load_images_mat`. All of it works on host NumPy arrays:
the images are data, loaded once, before any device is involved.
"""

from __future__ import annotations

import importlib.resources
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..validation import check_finite, check_int, check_real

__all__ = [
    "NATURAL_IMAGES_FILE",
    "as_image_stack",
    "load_images_mat",
    "load_natural_images",
    "natural_images_metadata",
    "standardize_images",
    "whiten_images",
    "whitening_filter",
]

#: File name of the embedded images inside the ``ufldl_sae.embedded`` package.
NATURAL_IMAGES_FILE = "natural_images.npz"


class MissingVariableError(KeyError, ValueError):
    """A ``.mat`` file without the variable asked for. A ``KeyError`` (a name not found), and a
    ``ValueError`` as every bad input of the package, so callers catching either see it."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


def as_image_stack(name: str, images: Any) -> np.ndarray:
    """``images`` as a non-empty, finite, real float64 (rows, cols, images) array; ``name`` is
    named in errors.

    The whitening recipe and :func:`~ufldl_sae.data.patches.sample_images` both need the same
    three axes, and a single 2-D image is the common mistake, so the message says how to add the
    trailing axis. NaN or inf pixels are refused: every patch cut across them, and through
    :func:`~ufldl_sae.data.patches.normalize_data` every patch at all, would be NaN. Complex
    values are refused rather than silently losing their imaginary part.
    """
    x = np.asarray(images)
    if x.dtype.kind == "c":
        raise ValueError(f"{name} must be real, got complex dtype {x.dtype}")
    try:
        x = x.astype(np.float64, copy=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must hold numbers, got dtype {x.dtype} ({error})") from error
    if x.ndim != 3:
        raise ValueError(
            f"{name} must be a 3-D array (rows, cols, images), got shape {x.shape}; "
            "a single image needs a trailing axis: image[:, :, None]"
        )
    if 0 in x.shape:
        raise ValueError(f"{name} must not be empty, got shape {x.shape}")
    check_finite(name, x, np)
    return x


def whitening_filter(n: int, *, f0_fraction: float = 0.4, exponent: float = 4.0) -> np.ndarray:
    r"""Olshausen and Field's whitening / low-pass filter for ``n`` x ``n`` images, in FFT order.

    Natural images have an amplitude spectrum falling roughly as :math:`1/f`; multiplying by
    :math:`f` flattens it (whitening), so that no frequency band dominates the patches. The
    exponential then cuts the highest frequencies, where the spectrum is noise and aliasing
    rather than structure, and the corners of the square frequency grid, which would otherwise
    make the filter anisotropic.

    Parameters
    ----------
    n : int
        Image side, in pixels.
    f0_fraction : float
        The cut-off :math:`f_0` as a fraction of ``n`` (0.4 in the recipe).
    exponent : float
        Steepness of the cut-off (4 in the recipe, not 2).

    Returns
    -------
    R : float64 array of shape (n, n)
        The filter in the order of ``numpy.fft.fft2``'s output (zero frequency first).

    Notes
    -----
    .. math:: R(f) = f \, e^{-(f / f_0)^4}, \qquad f = \sqrt{f_x^2 + f_y^2}, \qquad f_0 = 0.4 N

    with :math:`f_x, f_y` on the grid :math:`-N/2, \dots, N/2 - 1` cycles per image, shifted to FFT
    order (for even :math:`N` that is exactly ``fftfreq(N) * N``). :math:`R(0) = 0`, so whitening
    also removes each image's mean.
    """
    n = check_int("n", n, minimum=2)
    f0_fraction = check_real("f0_fraction", f0_fraction, low=0.0, low_open=True)
    exponent = check_real("exponent", exponent, low=0.0, low_open=True)
    k = np.fft.fftfreq(n) * n  # integer frequencies, cycles per image, in FFT order
    f = np.sqrt(k[:, None] ** 2 + k[None, :] ** 2)  # (n, n)
    f0 = f0_fraction * n
    return f * np.exp(-((f / f0) ** exponent))


def standardize_images(images: Any) -> np.ndarray:
    """Each image with zero mean and unit variance (``N - 1``), the recipe's first step.

    Scaling every image alike before whitening keeps a high-contrast photo from outweighing a
    low-contrast one; the images in ``IMAGES_RAW.mat`` play the same role for the PCA exercise.

    Parameters
    ----------
    images : array_like of shape (rows, cols, images)

    Returns
    -------
    float64 array of shape (rows, cols, images)
    """
    x = as_image_stack("images", images)
    x = x - x.mean(axis=(0, 1), keepdims=True)
    std = x.std(axis=(0, 1), ddof=1, keepdims=True)
    if np.any(std == 0):
        raise ValueError("images must not be constant: a constant image has no variance to scale")
    return x / std


def whiten_images(
    images: Any,
    *,
    f0_fraction: float = 0.4,
    exponent: float = 4.0,
    target_variance: float = 0.1,
) -> np.ndarray:
    r"""Whiten a stack of square images with Olshausen and Field's recipe ("make your own").

    Each image is scaled to unit variance, its 2-D FFT multiplied by :func:`whitening_filter`,
    and the real part of the inverse FFT kept. The whole stack is then scaled by **one** factor so
    that the mean of the per-image variances is ``target_variance`` (0.1, as in ``IMAGES.mat``).
    One factor, not one per image: after whitening, an image rich in fine texture keeps more
    variance than one with plain backgrounds, and that contrast is part of the data.

    Parameters
    ----------
    images : array_like of shape (N, N, images)
        Square grey images.
    f0_fraction, exponent : float
        The filter's cut-off :math:`f_0 / N` and steepness (see :func:`whitening_filter`).
    target_variance : float
        Mean over images of each image's variance (``N - 1``) after the final scaling.

    Returns
    -------
    float64 array of shape (N, N, images)

    Notes
    -----
    .. math::

        I_w = \operatorname{Re}\, \mathcal{F}^{-1}\!\left[ R(f)\, \mathcal{F}[I / \sigma_I] \right],
        \qquad
        \text{IMAGES} = I_w \sqrt{0.1 / \operatorname{mean}_i \operatorname{var}(I_{w,i})}
    """
    x = standardize_images(images)
    rows, cols, _ = x.shape
    if rows != cols:
        raise ValueError(f"images must be square for the whitening filter, got {rows} x {cols}")
    target_variance = check_real("target_variance", target_variance, low=0.0, low_open=True)
    R = whitening_filter(rows, f0_fraction=f0_fraction, exponent=exponent)  # (N, N)
    spectrum = np.fft.fft2(x, axes=(0, 1)) * R[:, :, None]  # (N, N, images)
    white = np.real(np.fft.ifft2(spectrum, axes=(0, 1)))
    mean_variance = white.var(axis=(0, 1), ddof=1).mean()
    return white * np.sqrt(target_variance / mean_variance)


def _read_embedded(*keys: str) -> dict[str, np.ndarray]:
    """Arrays of the embedded ``.npz``, read without pickle; a clear error if lzma is missing."""
    resource = importlib.resources.files("ufldl_sae.embedded") / NATURAL_IMAGES_FILE
    with resource.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
        try:
            return {key: npz[key] for key in keys}
        except RuntimeError as error:  # zipfile: "Compression requires the (missing) lzma module"
            raise RuntimeError(
                f"{NATURAL_IMAGES_FILE} is LZMA-compressed and this Python lacks the lzma "
                f"module ({error}); use a Python built with liblzma"
            ) from error


def _decode(rowdiff: np.ndarray, scale: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Values from stored codes: rows were stored as differences modulo 256 from the row above."""
    q = np.cumsum(rowdiff, axis=1, dtype=np.uint8)  # (images, rows, cols); uint8 sums wrap
    return offset + scale * q.astype(np.float64)


def load_natural_images(whitened: bool = True) -> np.ndarray:
    """The ten embedded natural images, rows x cols x images float64, like ``IMAGES.mat``.

    They stand in for Olshausen and Field's ``IMAGES.mat``, which cannot be shipped: ten
    scikit-image photos (CC0 / public domain), grey, centre-cropped to 300 x 300 and whitened by
    :func:`whiten_images`. See ``data/README.md`` for their sources, checksums and statistics.
    They are stored as ``uint8`` codes with one scale and offset for the whole stack, so values
    are exact to within half a quantization step (rows stored as differences from the row above,
    in an LZMA-compressed ``.npz``: that is what keeps both stacks under 1 MB).

    Parameters
    ----------
    whitened : bool
        ``True`` (default): the whitened stack, mean per-image variance 0.1, like ``IMAGES``.
        ``False``: the same crops before whitening, each with zero mean and unit variance, like
        ``IMAGESr`` of ``IMAGES_RAW.mat`` (for the PCA and whitening exercise).

    Returns
    -------
    images : float64 array of shape (300, 300, 10)
    """
    if not isinstance(whitened, bool):
        raise ValueError(f"whitened must be True or False, got {whitened!r}")
    key = "whitened" if whitened else "raw"
    stored = _read_embedded(f"{key}_rowdiff", f"{key}_scale", f"{key}_offset")
    images = _decode(*stored.values())  # (images, rows, cols)
    return np.ascontiguousarray(images.transpose(1, 2, 0))  # (rows, cols, images)


def natural_images_metadata() -> dict[str, Any]:
    """Sources, licences, SHA-256 checksums and recipe parameters of the embedded images."""
    return json.loads(str(_read_embedded("metadata")["metadata"][()]))


def load_images_mat(path: str | os.PathLike[str], variable: str | None = None) -> np.ndarray:
    """Read a course ``IMAGES.mat`` (``IMAGES``) or ``IMAGES_RAW.mat`` (``IMAGESr``).

    For users who have Olshausen and Field's original files: the result can replace
    :func:`load_natural_images` anywhere.

    Parameters
    ----------
    path : path-like
        The ``.mat`` file (MATLAB v5 / v7 format, as distributed).
    variable : str, optional
        Name of the variable; by default ``IMAGES``, else ``IMAGESr``.

    Returns
    -------
    images : float64 array of shape (rows, cols, images)
        A 2-D variable (one image, MATLAB drops the trailing singleton axis) gets one.

    Raises
    ------
    FileNotFoundError
        No such file.
    MissingVariableError
        The file holds neither variable (a ``KeyError`` and a ``ValueError``).
    ValueError
        Not a readable ``.mat`` file, or a variable that is not a non-empty, real, finite
        numeric rows x cols x images array: what is loaded is checked as
        :func:`as_image_stack` checks any images, naming the file and the variable.
    """
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (expected IMAGES.mat or IMAGES_RAW.mat)")
    wanted = [variable] if variable is not None else ["IMAGES", "IMAGESr"]
    try:
        contents = scipy.io.loadmat(path, variable_names=wanted)
    except NotImplementedError as error:  # MATLAB v7.3 files are HDF5
        raise ValueError(
            f"{path}: a MATLAB v7.3 (HDF5) file, which scipy.io cannot read; "
            "re-save it in MATLAB with save(..., '-v7')"
        ) from error
    except Exception as error:  # not a MAT file at all
        raise ValueError(f"{path}: not a readable MATLAB .mat file ({error})") from error
    found = [name for name in wanted if name in contents]
    if not found:
        raise MissingVariableError(f"{path}: no variable {' or '.join(wanted)} in the file")
    images = contents[found[0]]
    if images.ndim == 2:
        images = images[:, :, None]
    if images.ndim != 3 or 0 in images.shape or not np.issubdtype(images.dtype, np.number):
        raise ValueError(
            f"{path}: variable {found[0]} must be a numeric rows x cols x images array, "
            f"got shape {images.shape} and dtype {images.dtype}"
        )
    return np.ascontiguousarray(as_image_stack(f"{path}: variable {found[0]}", images))
