"""The stages the later exercises are built from: train a sparse autoencoder, train a softmax,
test a classifier (accuracy and confusion matrix). Each records itself in an
:class:`~ufldl_sae.runs.exercise_run.ExerciseRun`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..backend import to_host
from ..exercises.softmax import SoftmaxModel, accuracy, softmax_train
from ..optimize import LbfgsResult, train_sparse_autoencoder
from ..params import initialize_parameters
from ..plots import network as visualize
from .exercise_run import ExerciseRun

__all__ = [
    "confusion_matrix",
    "evaluate",
    "plot_confusion",
    "train_autoencoder",
    "train_softmax",
]


def confusion_matrix(labels: Any, pred: Any, num_classes: int) -> np.ndarray:
    """``C[i, j]``: how many examples of class ``i`` were predicted as ``j`` (host int64)."""
    y, p = np.asarray(to_host(labels)), np.asarray(to_host(pred))
    C = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(C, (y, p), 1)
    return C


def plot_confusion(C: np.ndarray, path: str | Path, *, title: str | None = None) -> Path:
    """The confusion matrix as an image, counts written in each cell, rows the true class."""
    k = C.shape[0]
    fig = Figure(figsize=(1.0 + 0.5 * k, 0.8 + 0.5 * k), dpi=visualize.DPI, layout="constrained")
    ax = fig.add_subplot()
    rates = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
    ax.imshow(rates, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(k):
        for j in range(k):
            color = "white" if rates[i, j] > 0.5 else "black"
            ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title, fontsize=9)
    fig.savefig(path, format="png", dpi=visualize.DPI, metadata={"Software": None})
    return Path(path)


def evaluate(
    run: ExerciseRun, name: str, labels: Any, pred: Any, num_classes: int, title: str
) -> float:
    """The accuracy of ``pred``; its confusion matrix is drawn as ``<name>.png``."""
    acc = accuracy(pred, labels)
    C = confusion_matrix(labels, pred, num_classes)
    run.figure(f"{name}.png", lambda p: plot_confusion(
        C, p, title=f"{title}: accuracy {100 * acc:.2f}%"))  # fmt: skip
    run.say(f"{title}: test accuracy {100 * acc:.2f}%")
    return acc


def train_softmax(
    run: ExerciseRun,
    name: str,
    features: Any,
    labels: Any,
    num_classes: int,
    lambda_: float,
    max_iter: int,
    rng: np.random.Generator,
) -> SoftmaxModel:
    """Stage ``name``: softmax regression on ``features`` (its theta kept as ``<name>_theta``)."""
    progress, callback = run.stage(name)
    run.say(
        f"{name}: softmax {features.shape[0]} -> {num_classes} on {features.shape[1]} "
        f"examples, lambda {lambda_:g}, {max_iter} iterations"
    )
    model = softmax_train(
        features.shape[0],
        num_classes,
        lambda_,
        features,
        labels,
        max_iter=max_iter,
        rng=rng,
        progress=progress,
        callback=callback,
    )
    run.arrays[f"{name}_theta"] = model.opt_theta
    return model


def train_autoencoder(
    run: ExerciseRun,
    name: str,
    data: Any,
    hidden_size: int,
    sparsity_param: float,
    lambda_: float,
    beta: float,
    max_iter: int,
    rng: np.random.Generator,
) -> LbfgsResult:
    """Stage ``name``: the notes' sparse autoencoder on ``data``; returns the optimizer's result
    (``theta`` on the host), for :meth:`ExerciseRun.record`, as :func:`train_softmax`'s model.

    The numbers are checked once, by :func:`~ufldl_sae.optimize.train_sparse_autoencoder`.
    """
    visible_size = data.shape[0]
    run.say(
        f"{name}: sparse autoencoder {visible_size} -> {hidden_size} on {data.shape[1]} "
        f"examples, rho {sparsity_param:g}, lambda {lambda_:g}, beta {beta:g}, "
        f"{max_iter} iterations"
    )
    progress, callback = run.stage(name)
    theta0 = initialize_parameters(hidden_size, visible_size, rng)
    result = train_sparse_autoencoder(
        theta0,
        visible_size,
        hidden_size,
        lambda_,
        sparsity_param,
        beta,
        data,
        max_iter=max_iter,
        progress=progress,
        callback=callback,
    )
    run.arrays[f"{name}_theta"] = result.theta
    return result
