r"""The metrics of the field, with SAELens's names, accumulated over batches in float64.

For a code :math:`f` (hidden x m) and reconstruction :math:`\hat x` of data :math:`x`:

=======================  ==========================================================
name                     definition
=======================  ==========================================================
``l0``                   mean number of firing latents per sample
``l1``                   mean :math:`\sum_j |f_j|` per sample
``mse``                  mean squared error per entry, :math:`E\,\lVert x-\hat x\rVert^2/d`
``explained_variance``   :math:`1 - E\|x-\hat x\|^2 / (E\|x\|^2 - \|E x\|^2)`
``cossim``               mean cosine between :math:`x` and :math:`\hat x` (:math:`x \ne 0`)
``l2_ratio``             mean :math:`\lVert\hat x\rVert / \lVert x\rVert`
``dead_fraction``        share of latents that never fire on the set
``feature_density``      histogram of :math:`\log_{10}` of each latent's firing frequency
``mcc``                  mean \|cosine\| of decoder columns matched to the true features
=======================  ==========================================================

**Firing and L0.** A ReLU, TopK or JumpReLU latent is exactly 0 when off, so it fires when
:math:`f > 0`. The notes' sigmoid is never 0: every unit is "on" a little for every input, and
an L0 without a threshold would be the width :math:`h` for every sample. So firing needs a
stated threshold, ``firing_threshold``: the trainer uses 0.5 for the sigmoid (the unit is more
on than off, far above the notes' target :math:`\rho`) and 0 for the others.

The sums are accumulated in float64 on the host from per-batch float64 sums, so a float32
model on a million samples still gets its explained variance right to many digits.
"""

from __future__ import annotations

from math import nan
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from ...backend import to_host

__all__ = ["MetricsAccumulator", "feature_density", "matched_cosines", "mcc"]


def matched_cosines(decoder: Any, features: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Each true feature's \|cosine\| with the decoder column matched to it, and that column.

    The columns are matched one to one by the Hungarian algorithm
    (:func:`scipy.optimize.linear_sum_assignment`) on :math:`|\cos|`, maximized. With more
    latents than features, the unmatched latents are ignored; with fewer, an unmatched feature
    gets cosine 0 and column -1.

    Returns
    -------
    cosines : array of shape (n_features,)
    columns : int array of shape (n_features,)
    """
    W = np.asarray(to_host(decoder), dtype=np.float64)
    A = np.asarray(to_host(features), dtype=np.float64)
    if W.shape[0] != A.shape[0]:
        raise ValueError(
            f"decoder has {W.shape[0]} rows but features has {A.shape[0]}: both must be "
            "(visible, columns)"
        )
    W = W / np.maximum(np.linalg.norm(W, axis=0, keepdims=True), 1e-300)
    A = A / np.linalg.norm(A, axis=0, keepdims=True)
    cosines = np.abs(A.T @ W)
    rows, cols = linear_sum_assignment(cosines, maximize=True)
    matched = np.zeros(A.shape[1])
    columns = np.full(A.shape[1], -1, dtype=np.int64)
    matched[rows], columns[rows] = cosines[rows, cols], cols
    return matched, columns


def mcc(decoder: Any, features: Any) -> float:
    r"""The mean \|cosine\| of :func:`matched_cosines`: 1 when every true direction was
    found (up to sign), whatever the order of the latents."""
    return float(np.mean(matched_cosines(decoder, features)[0]))


def feature_density(frequencies: np.ndarray, bins: int = 40) -> dict[str, Any]:
    """Histogram of log10 firing frequency of the latents that fire at all (dead ones apart)."""
    alive = frequencies[frequencies > 0]
    counts, edges = np.histogram(np.log10(alive), bins=bins) if alive.size else ([], [])
    return {
        "log10_frequency_edges": [float(e) for e in edges],
        "counts": [int(c) for c in counts],
        "never_fired": int(np.sum(frequencies == 0)),
    }


class MetricsAccumulator:
    """Add batches of ``(x, x_hat, f)`` (examples as columns), then read :meth:`result`."""

    def __init__(self, hidden_size: int, *, firing_threshold: float = 0.0) -> None:
        self.firing_threshold = float(firing_threshold)
        self.fires = np.zeros(hidden_size, dtype=np.int64)
        self.m = 0
        self.sums = dict.fromkeys(("l0", "l1", "sq_error", "sq_x", "cos", "ratio", "directed"), 0.0)
        self.sum_x: np.ndarray | None = None

    def add(self, x: Any, x_hat: Any, f: Any) -> None:
        """Accumulate one batch (any namespace; copied to the host in float64)."""
        x, x_hat, f = (np.asarray(to_host(a), dtype=np.float64) for a in (x, x_hat, f))
        on = f > self.firing_threshold
        norm_x = np.linalg.norm(x, axis=0)
        norm_hat = np.linalg.norm(x_hat, axis=0)
        nonzero = norm_x > 0  # a sample with no feature active has no direction
        safe = np.maximum(norm_x * norm_hat, 1e-300)
        s = self.sums
        s["l0"] += float(on.sum())
        s["l1"] += float(np.abs(f).sum())
        s["sq_error"] += float(((x - x_hat) ** 2).sum())
        s["sq_x"] += float((x * x).sum())
        s["cos"] += float(((x * x_hat).sum(axis=0) / safe)[nonzero].sum())
        s["ratio"] += float((norm_hat[nonzero] / norm_x[nonzero]).sum())
        s["directed"] += float(nonzero.sum())
        self.sum_x = x.sum(axis=1) if self.sum_x is None else self.sum_x + x.sum(axis=1)
        self.fires += on.sum(axis=1)
        self.m += x.shape[1]

    def result(self, *, decoder: Any = None, features: Any = None) -> dict[str, Any]:
        """The metrics by name; ``mcc`` when the true ``features`` (and ``decoder``) are given."""
        if self.m == 0 or self.sum_x is None:
            raise ValueError("no batch was added: call add(x, x_hat, f) first")
        s, m, d = self.sums, self.m, self.sum_x.shape[0]
        mean_x = self.sum_x / m
        variance = s["sq_x"] / m - float(mean_x @ mean_x)
        frequencies = self.fires / m
        out: dict[str, Any] = {
            "l0": s["l0"] / m,
            "l1": s["l1"] / m,
            "mse": s["sq_error"] / (m * d),
            # constant data have no variance to explain
            "explained_variance": 1.0 - (s["sq_error"] / m) / variance if variance > 0 else nan,
            "cossim": s["cos"] / max(s["directed"], 1.0),
            "l2_ratio": s["ratio"] / max(s["directed"], 1.0),
            "dead_fraction": float(np.mean(self.fires == 0)),
            "feature_density": feature_density(frequencies),
        }
        if features is not None and decoder is not None:
            out["mcc"] = mcc(decoder, features)
        return out
