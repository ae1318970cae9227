"""The course's exercises after the sparse autoencoder, each end to end with a run folder.

* :func:`run_softmax`: softmax regression on MNIST pixels, 784 -> 10 (``softmaxExercise.m``);
* :func:`run_self_taught`: self-taught learning (``stlExercise.m``): features learned from the
  digits 5-9, a softmax on those features of the digits 0-4;
* :func:`run_stacked`: the stacked autoencoder (``stackedAEExercise.m``), 784 -> 200 -> 200 ->
  softmax, greedy pretraining, then fine-tuning of the whole network;
* :func:`run_pca`: PCA, PCA whitening and ZCA whitening of 12 x 12 raw image patches
  (``pca_gray.m``).

Each loads the data, trains with the course's defaults (every size can be made smaller, so that
tests run in seconds), measures the accuracy on held-out digits and writes a run folder:

* ``config.json``: every setting;
* ``history.csv``: one line per L-BFGS iteration of each stage (autoencoders, softmax,
  fine-tuning), with the stage's name;
* ``theta.npz``: the learned parameters of each stage;
* ``metrics.json``: accuracies (with the course's figures beside them), costs, iterations and
  wall times;
* figures: the learned features (``weights.png``), a confusion matrix (``confusion.png``), the
  cost of each stage (``loss-<stage>.png``).

Labels are the digits themselves, classes ``0 .. 9`` (the course's MATLAB code maps digit 0 to
class 10). The data are moved to the chosen backend once; the numerical work runs there.

>>> from ufldl_sae.runs.exercises import load_mnist_sets, run_softmax
>>> mnist = load_mnist_sets("path/to/mnist")  # doctest: +SKIP
>>> run_softmax(mnist=mnist, out="runs/softmax")["accuracy"]  # doctest: +SKIP
0.9264
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import data as data_layer
from ..plots import network as visualize
from ..backend import from_host, get_dtype, get_namespace, to_host
from ..gradcheck import compute_numerical_gradient, relative_difference
from ..model import feedforward_autoencoder
from ..optimize import IterationRecord, LbfgsResult, ProgressPrinter, train_sparse_autoencoder
from ..params import initialize_parameters
from ..exercises.pca import (
    covariance,
    num_components,
    pca_basis,
    pca_recover,
    pca_reduce,
    pca_rotate,
    pca_whiten,
    zca_whiten,
    zero_mean_patches,
)
from . import new_run_dir, versions, write_atomic, write_json
from ..exercises.softmax import SoftmaxModel, accuracy, softmax_cost, softmax_predict, softmax_train
from ..exercises.stacked import (
    Layer,
    NetConfig,
    block_slices,
    stack_to_params,
    stacked_ae_cost,
    stacked_ae_predict,
    stacked_ae_train,
)
from ..validation import check_int, check_real

__all__ = [
    "ExerciseConfig",
    "check_gradients",
    "confusion_matrix",
    "load_mnist_sets",
    "plot_confusion",
    "run_pca",
    "run_self_taught",
    "run_softmax",
    "run_stacked",
]

MNIST_SIZES = {"train": 60000, "test": 10000}


@dataclass
class ExerciseConfig:
    """The settings of an exercise run, saved as ``config.json`` (course defaults throughout)."""

    exercise: str
    mnist_dir: str | None = None
    data_home: str | None = None
    backend: str = "numpy"
    dtype: str = "float64"
    seed: int = 0
    max_iter: int = 100
    settings: dict[str, Any] = field(default_factory=dict)


# --- data --------------------------------------------------------------------------------------


def load_mnist_sets(
    mnist_dir: str | Path | None = None, data_home: str | Path | None = None
) -> dict[str, np.ndarray]:
    """The four MNIST arrays: ``train_images`` (784 x 60000), ``train_labels``, ``test_*``.

    From ``mnist_dir`` (a folder holding the four original files, checked by SHA-256) or else
    the download cache (:func:`~ufldl_sae.data.fetch_mnist`). Images in [0, 1], column-major,
    as ``loadMNISTImages.m``; labels the digits 0..9.
    """
    if mnist_dir is not None:
        paths = data_layer.verify_mnist_folder(mnist_dir)
    else:
        paths = data_layer.fetch_mnist(data_home)
    train_images, train_labels = data_layer.load_mnist(paths["train_images"], paths["train_labels"])
    test_images, test_labels = data_layer.load_mnist(paths["test_images"], paths["test_labels"])
    return {
        "train_images": train_images,
        "train_labels": train_labels,
        "test_images": test_images,
        "test_labels": test_labels,
    }


def _first(name: str, count: int, available: int) -> int:
    count = check_int(name, count)
    if count > available:
        raise ValueError(f"{name} must be at most {available} (what the data hold), got {count}")
    return count


class _Device:
    """The chosen backend and dtype; moves host arrays there, once each."""

    def __init__(self, backend: str, dtype: str) -> None:
        self.xp = get_namespace(backend)
        self.dtype = get_dtype(self.xp, dtype)

    def put(self, a: np.ndarray) -> Any:
        return from_host(a, self.xp, dtype=self.dtype)

    def labels(self, y: np.ndarray) -> Any:
        return from_host(np.asarray(y, dtype=np.int64), self.xp)


# --- the run folder ----------------------------------------------------------------------------


class _RunWriter:
    """History lines of every stage, parameters, metrics and figures of one exercise run."""

    def __init__(self, run: Path, config: ExerciseConfig, progress_every: int) -> None:
        self.run, self.progress_every = run, progress_every
        self.stages: dict[str, LbfgsResult] = {}
        self.arrays: dict[str, np.ndarray] = {}
        write_json(run / "config.json", asdict(config))
        self._history = open(run / "history.csv", "w", newline="")  # noqa: SIM115 (close())
        self._writer = csv.writer(self._history)
        self._writer.writerow(["stage", "iteration", "cost", "grad_norm", "evaluations", "elapsed"])

    def say(self, text: str) -> None:
        if self.progress_every > 0:
            print(text, flush=True)

    def stage(self, name: str) -> tuple[Any, Callable[[IterationRecord, np.ndarray], None]]:
        """``progress`` and ``callback`` arguments for one L-BFGS run named ``name``."""
        printer = ProgressPrinter(self.progress_every) if self.progress_every > 0 else None

        def callback(record: IterationRecord, theta: np.ndarray) -> None:
            self._writer.writerow(
                [
                    name,
                    record.iteration,
                    repr(record.cost),
                    repr(record.grad_norm),
                    record.evaluations,
                    f"{record.elapsed:.4f}",
                ]
            )
            self._history.flush()

        return printer, callback

    def record(self, name: str, result: LbfgsResult) -> dict[str, Any]:
        self.stages[name] = result
        self.say(
            f"{name}: cost {result.cost:.6g} after {result.n_iter} iterations, "
            f"{result.wall_time:.1f} s ({result.message})"
        )
        if result.history:
            iterations = [r.iteration for r in result.history]
            visualize.plot_loss(
                iterations,
                [r.cost for r in result.history],
                self.run / f"loss-{name}.png",
                title=f"cost of stage {name!r}",
            )
        return {
            "cost": result.cost,
            "iterations": result.n_iter,
            "evaluations": result.n_evals,
            "wall_time_s": round(result.wall_time, 3),
            "message": result.message,
        }

    def finish(self, metrics: dict[str, Any]) -> dict[str, Any]:
        self._history.close()
        write_atomic(self.run / "theta.npz", lambda p: np.savez(p, **self.arrays))
        metrics = {**metrics, "run": str(self.run), "versions": versions()}
        write_json(self.run / "metrics.json", metrics)
        return metrics


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


def _evaluate(
    writer: _RunWriter, name: str, labels: Any, pred: Any, num_classes: int, title: str
) -> float:
    acc = accuracy(pred, labels)
    plot_confusion(
        confusion_matrix(labels, pred, num_classes),
        writer.run / f"{name}.png",
        title=f"{title}: accuracy {100 * acc:.2f}%",
    )
    writer.say(f"{title}: test accuracy {100 * acc:.2f}%")
    return acc


def _train_softmax(
    writer: _RunWriter,
    name: str,
    features: Any,
    labels: Any,
    num_classes: int,
    lambda_: float,
    max_iter: int,
    rng: np.random.Generator,
) -> SoftmaxModel:
    progress, callback = writer.stage(name)
    writer.say(
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
    writer.arrays[f"{name}_theta"] = model.opt_theta
    return model


def _train_autoencoder(
    writer: _RunWriter,
    name: str,
    data: Any,
    hidden_size: int,
    sparsity_param: float,
    lambda_: float,
    beta: float,
    max_iter: int,
    rng: np.random.Generator,
) -> np.ndarray:
    visible_size = data.shape[0]
    writer.say(
        f"{name}: sparse autoencoder {visible_size} -> {hidden_size} on {data.shape[1]} "
        f"examples, rho {sparsity_param:g}, lambda {lambda_:g}, beta {beta:g}, "
        f"{max_iter} iterations"
    )
    progress, callback = writer.stage(name)
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
    writer.arrays[f"{name}_theta"] = result.theta
    writer.stages[name] = result
    return result.theta


# --- softmax regression ------------------------------------------------------------------------


def run_softmax(
    *,
    mnist_dir: str | Path | None = None,
    data_home: str | Path | None = None,
    num_train: int = 60000,
    num_test: int = 10000,
    lambda_: float = 1e-4,
    max_iter: int = 100,
    seed: int = 0,
    backend: str = "numpy",
    dtype: str = "float64",
    out: str | Path | None = None,
    progress_every: int = 0,
    mnist: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Softmax regression on MNIST pixels, as ``softmaxExercise.m``; returns the metrics.

    Course defaults: all 60,000 training digits, lambda 1e-4, theta0 = 0.005 randn, 100
    L-BFGS iterations; the course reports 92.6% on the 10,000 test digits. ``num_train`` and
    ``num_test`` take the first digits of each set; ``mnist`` passes already loaded arrays
    (:func:`load_mnist_sets`). Writes a run folder under ``out`` (default
    ``runs/softmax-<time>``) and returns its metrics, ``metrics["accuracy"]`` among them.
    """
    check_real("lambda_", lambda_, low=0.0)
    sets = mnist if mnist is not None else load_mnist_sets(mnist_dir, data_home)
    num_train = _first("num_train", num_train, sets["train_images"].shape[1])
    num_test = _first("num_test", num_test, sets["test_images"].shape[1])
    config = ExerciseConfig(
        "softmax",
        _str(mnist_dir),
        _str(data_home),
        backend,
        dtype,
        seed,
        max_iter,
        {"num_train": num_train, "num_test": num_test, "lambda_": lambda_, "num_classes": 10},
    )
    device = _Device(backend, dtype)
    writer = _RunWriter(new_run_dir(out, "softmax"), config, progress_every)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    train_x = device.put(sets["train_images"][:, :num_train])
    train_y = device.labels(sets["train_labels"][:num_train])
    model = _train_softmax(writer, "softmax", train_x, train_y, 10, lambda_, max_iter, rng)
    stage = writer.record("softmax", model.result)

    test_x = device.put(sets["test_images"][:, :num_test])
    test_y = sets["test_labels"][:num_test]
    acc = _evaluate(writer, "confusion", test_y, softmax_predict(model, test_x), 10, "softmax")
    visualize.save_network(
        model.opt_theta.T, writer.run / "weights.png", title="softmax theta, one tile per class"
    )
    return writer.finish(
        {
            "exercise": "softmax",
            "accuracy": acc,
            "train_accuracy": accuracy(softmax_predict(model, train_x), train_y),
            "course_accuracy": 0.926,
            "stages": {"softmax": stage},
            "wall_time_s": round(time.perf_counter() - start, 3),
            "backend": backend,
            "dtype": dtype,
            "num_train": num_train,
            "num_test": num_test,
        }
    )


def _str(path: str | Path | None) -> str | None:
    return None if path is None else str(path)


# --- self-taught learning ----------------------------------------------------------------------


def self_taught_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of ``stlExercise.m``'s three sets, in file order.

    Unlabeled: every digit 5-9 (their labels are never used). Labeled: digits 0-4, the first
    half (rounded) for training the classifier, the rest for testing it.
    """
    unlabeled = np.flatnonzero(labels >= 5)
    labeled = np.flatnonzero(labels <= 4)
    num_train = int(round(labeled.size / 2))
    return unlabeled, labeled[:num_train], labeled[num_train:]


def run_self_taught(
    *,
    mnist_dir: str | Path | None = None,
    data_home: str | Path | None = None,
    hidden_size: int = 200,
    sparsity_param: float = 0.1,
    lambda_: float = 3e-3,
    beta: float = 3.0,
    max_iter: int = 400,
    softmax_lambda: float = 1e-4,
    softmax_max_iter: int = 100,
    num_unlabeled: int | None = None,
    num_labeled: int | None = None,
    raw_baseline: bool = True,
    seed: int = 0,
    backend: str = "numpy",
    dtype: str = "float64",
    out: str | Path | None = None,
    progress_every: int = 0,
    mnist: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Self-taught learning, as ``stlExercise.m``; returns the metrics.

    A sparse autoencoder (784 -> 200, rho 0.1, lambda 3e-3, beta 3, 400 iterations) learns
    features from the digits 5-9 of the training set, without their labels. The digits 0-4 are
    split in halves; a softmax (lambda 1e-4, 100 iterations) is trained on the features of the
    first half and tested on the second (the course: about 98.3%). With ``raw_baseline`` a
    softmax is also trained on the raw pixels of the same digits (the course: about 96%).
    ``num_unlabeled`` and ``num_labeled`` keep only the first digits of each set (for quick
    runs); the labeled ones are still split in halves.
    """
    sets = mnist if mnist is not None else load_mnist_sets(mnist_dir, data_home)
    images, labels = sets["train_images"], sets["train_labels"]
    unlabeled, labeled_train, labeled_test = self_taught_split(labels)
    if num_unlabeled is not None:
        unlabeled = unlabeled[: _first("num_unlabeled", num_unlabeled, unlabeled.size)]
    if num_labeled is not None:
        labeled = np.concatenate([labeled_train, labeled_test])
        labeled = labeled[: _first("num_labeled", num_labeled, labeled.size)]
        half = int(round(labeled.size / 2))
        labeled_train, labeled_test = labeled[:half], labeled[half:]
    settings = {
        "hidden_size": hidden_size,
        "sparsity_param": sparsity_param,
        "lambda_": lambda_,
        "beta": beta,
        "softmax_lambda": softmax_lambda,
        "softmax_max_iter": softmax_max_iter,
        "num_unlabeled": int(unlabeled.size),
        "num_train": int(labeled_train.size),
        "num_test": int(labeled_test.size),
        "raw_baseline": raw_baseline,
        "num_classes": 5,
    }
    config = ExerciseConfig(
        "self-taught", _str(mnist_dir), _str(data_home), backend, dtype, seed, max_iter, settings
    )
    device = _Device(backend, dtype)
    writer = _RunWriter(new_run_dir(out, "self-taught"), config, progress_every)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)

    unlabeled_x = device.put(images[:, unlabeled])
    ae_theta = _train_autoencoder(
        writer,
        "autoencoder",
        unlabeled_x,
        hidden_size,
        sparsity_param,
        lambda_,
        beta,
        max_iter,
        rng,
    )
    stages = {"autoencoder": writer.record("autoencoder", writer.stages["autoencoder"])}
    del unlabeled_x
    W1 = ae_theta[: hidden_size * 784].reshape(784, hidden_size)  # W1.T, from W1(:)
    visualize.save_network(
        W1,
        writer.run / "weights.png",
        title=f"W1 features learned from digits 5-9, 784-{hidden_size}",
    )

    theta = from_host(ae_theta, device.xp, dtype=device.dtype)
    train_x = device.put(images[:, labeled_train])
    test_x = device.put(images[:, labeled_test])
    train_y = device.labels(labels[labeled_train])
    test_y = labels[labeled_test]
    train_features = feedforward_autoencoder(theta, hidden_size, 784, train_x)
    test_features = feedforward_autoencoder(theta, hidden_size, 784, test_x)
    model = _train_softmax(
        writer, "softmax", train_features, train_y, 5, softmax_lambda, softmax_max_iter, rng
    )
    stages["softmax"] = writer.record("softmax", model.result)
    acc = _evaluate(
        writer,
        "confusion",
        test_y,
        softmax_predict(model, test_features),
        5,
        "self-taught features",
    )
    metrics: dict[str, Any] = {"exercise": "self-taught", "accuracy": acc, "course_accuracy": 0.983}
    if raw_baseline:
        raw = _train_softmax(
            writer, "raw_softmax", train_x, train_y, 5, softmax_lambda, softmax_max_iter, rng
        )
        stages["raw_softmax"] = writer.record("raw_softmax", raw.result)
        metrics["raw_pixel_accuracy"] = _evaluate(
            writer, "confusion-raw", test_y, softmax_predict(raw, test_x), 5, "raw pixels"
        )
        metrics["course_raw_pixel_accuracy"] = 0.96
    return writer.finish(
        {
            **metrics,
            "stages": stages,
            "wall_time_s": round(time.perf_counter() - start, 3),
            "backend": backend,
            "dtype": dtype,
            **settings,
        }
    )


# --- stacked autoencoder -----------------------------------------------------------------------


def run_stacked(
    *,
    mnist_dir: str | Path | None = None,
    data_home: str | Path | None = None,
    hidden_size_l1: int = 200,
    hidden_size_l2: int = 200,
    sparsity_param: float = 0.1,
    lambda_: float = 3e-3,
    beta: float = 3.0,
    max_iter: int = 400,
    softmax_lambda: float = 1e-4,
    softmax_max_iter: int = 100,
    finetune_lambda: float = 1e-4,
    finetune_max_iter: int = 400,
    num_train: int = 60000,
    num_test: int = 10000,
    seed: int = 0,
    backend: str = "numpy",
    dtype: str = "float64",
    out: str | Path | None = None,
    progress_every: int = 0,
    mnist: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """The stacked autoencoder, as ``stackedAEExercise.m``; returns the metrics.

    1. A sparse autoencoder 784 -> 200 on the training digits (rho 0.1, lambda 3e-3, beta 3,
       400 iterations); its hidden activations are the first features.
    2. A second one, 200 -> 200, on those features; its activations are the second features.
    3. A softmax (lambda 1e-4, 100 iterations) on the second features.
    4. The two encoders and the softmax form one network (theta in the layout of
       :mod:`ufldl_sae.exercises.stacked`), tested as it is (the course: 87.7%), then fine-tuned by
       backpropagation through every layer (:func:`~ufldl_sae.exercises.stacked.stacked_ae_cost`,
       lambda 1e-4 on the softmax, 400 iterations) and tested again (the course: 97.6%).
    """
    sets = mnist if mnist is not None else load_mnist_sets(mnist_dir, data_home)
    num_train = _first("num_train", num_train, sets["train_images"].shape[1])
    num_test = _first("num_test", num_test, sets["test_images"].shape[1])
    settings = {
        "hidden_size_l1": hidden_size_l1,
        "hidden_size_l2": hidden_size_l2,
        "sparsity_param": sparsity_param,
        "lambda_": lambda_,
        "beta": beta,
        "softmax_lambda": softmax_lambda,
        "softmax_max_iter": softmax_max_iter,
        "finetune_lambda": finetune_lambda,
        "finetune_max_iter": finetune_max_iter,
        "num_train": num_train,
        "num_test": num_test,
        "num_classes": 10,
    }
    config = ExerciseConfig(
        "stacked", _str(mnist_dir), _str(data_home), backend, dtype, seed, max_iter, settings
    )
    device = _Device(backend, dtype)
    xp = device.xp
    writer = _RunWriter(new_run_dir(out, "stacked"), config, progress_every)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    train_x = device.put(sets["train_images"][:, :num_train])
    train_y = device.labels(sets["train_labels"][:num_train])
    stages: dict[str, Any] = {}

    sae1 = _train_autoencoder(
        writer, "sae1", train_x, hidden_size_l1, sparsity_param, lambda_, beta, max_iter, rng
    )
    stages["sae1"] = writer.record("sae1", writer.stages["sae1"])
    sae1_d = from_host(sae1, xp, dtype=device.dtype)
    sae1_features = feedforward_autoencoder(sae1_d, hidden_size_l1, 784, train_x)
    visualize.save_network(
        sae1[: hidden_size_l1 * 784].reshape(784, hidden_size_l1),
        writer.run / "weights.png",
        title="W1 of the first layer, pretrained",
    )

    sae2 = _train_autoencoder(
        writer, "sae2", sae1_features, hidden_size_l2, sparsity_param, lambda_, beta, max_iter, rng
    )
    stages["sae2"] = writer.record("sae2", writer.stages["sae2"])
    sae2_d = from_host(sae2, xp, dtype=device.dtype)
    sae2_features = feedforward_autoencoder(sae2_d, hidden_size_l2, hidden_size_l1, sae1_features)
    del sae1_features

    model = _train_softmax(
        writer, "softmax", sae2_features, train_y, 10, softmax_lambda, softmax_max_iter, rng
    )
    stages["softmax"] = writer.record("softmax", model.result)
    del sae2_features

    stack = [_encoder(sae1, 784, hidden_size_l1), _encoder(sae2, hidden_size_l1, hidden_size_l2)]
    stack_params, net_config = stack_to_params(stack)
    theta0 = np.concatenate([model.theta, stack_params])
    writer.arrays["stacked_theta"] = theta0

    test_x = device.put(sets["test_images"][:, :num_test])
    test_y = sets["test_labels"][:num_test]

    def predict(theta: np.ndarray) -> Any:
        t = from_host(theta, xp, dtype=device.dtype)
        return stacked_ae_predict(t, 784, hidden_size_l2, 10, net_config, test_x)

    before = _evaluate(
        writer, "confusion-before", test_y, predict(theta0), 10, "before fine-tuning"
    )
    writer.say(
        f"finetune: {784}-{hidden_size_l1}-{hidden_size_l2}-10, lambda "
        f"{finetune_lambda:g}, {finetune_max_iter} iterations"
    )
    progress, callback = writer.stage("finetune")
    result = stacked_ae_train(
        theta0,
        784,
        hidden_size_l2,
        10,
        net_config,
        finetune_lambda,
        train_x,
        train_y,
        max_iter=finetune_max_iter,
        progress=progress,
        callback=callback,
    )
    stages["finetune"] = writer.record("finetune", result)
    writer.arrays["stacked_opt_theta"] = result.theta
    after = _evaluate(writer, "confusion", test_y, predict(result.theta), 10, "after fine-tuning")
    s = block_slices(hidden_size_l2, 10, net_config)["W1"]
    visualize.save_network(
        result.theta[s].reshape(784, hidden_size_l1),
        writer.run / "weights-finetuned.png",
        title="W1 of the first layer, fine-tuned",
    )
    return writer.finish(
        {
            "exercise": "stacked",
            "accuracy_before_finetuning": before,
            "accuracy": after,
            "course_accuracy_before_finetuning": 0.877,
            "course_accuracy": 0.976,
            "net_config": asdict(net_config),
            "stages": stages,
            "wall_time_s": round(time.perf_counter() - start, 3),
            "backend": backend,
            "dtype": dtype,
            **settings,
        }
    )


def _encoder(ae_theta: np.ndarray, visible_size: int, hidden_size: int) -> Layer:
    """The encoder ``(W1, b1)`` of a trained autoencoder's theta ``[W1(:); W2(:); b1; b2]``."""
    hv = hidden_size * visible_size
    W1 = ae_theta[:hv].reshape(visible_size, hidden_size).T  # (hidden, visible)
    return Layer(W1, ae_theta[2 * hv : 2 * hv + hidden_size])


# --- PCA and whitening -------------------------------------------------------------------------


def run_pca(
    *,
    patch_size: int = 12,
    num_patches: int = 10000,
    retain: float = 0.99,
    epsilon: float = 0.1,
    seed: int = 0,
    backend: str = "numpy",
    dtype: str = "float64",
    out: str | Path | None = None,
    progress_every: int = 0,
) -> dict[str, Any]:
    """PCA, PCA whitening and ZCA whitening of raw image patches, as ``pca_gray.m``.

    10,000 patches of 12 x 12 pixels from the embedded images *before* whitening, each patch's
    mean removed; ``k`` keeps 99% of the variance; epsilon 0.1. The metrics check the claims
    of the exercise: the covariance of ``x_rot`` is diagonal, and that of the PCA-whitened data
    without epsilon (on the ``k`` kept components) is the identity. Figures: the raw patches,
    their reconstruction from ``k`` components, the ZCA-whitened patches, and the covariance
    matrices.
    """
    check_real("retain", retain, low=0.0, high=1.0, low_open=True)
    check_real("epsilon", epsilon, low=0.0)
    settings = {
        "patch_size": patch_size,
        "num_patches": num_patches,
        "retain": retain,
        "epsilon": epsilon,
    }
    config = ExerciseConfig("pca", None, None, backend, dtype, seed, 0, settings)
    device = _Device(backend, dtype)
    writer = _RunWriter(new_run_dir(out, "pca"), config, progress_every)
    start = time.perf_counter()
    images = data_layer.load_natural_images(whitened=False)
    patches = data_layer.sample_images(images, patch_size, num_patches, seed)
    x = zero_mean_patches(device.put(patches))  # (n, m)
    n = x.shape[0]

    U, s = pca_basis(x)
    x_rot = pca_rotate(x, U)
    k = num_components(s, retain)
    x_hat = pca_recover(pca_reduce(x, U, k), U)
    white = pca_whiten(x, U, s, 0.0, k)  # epsilon 0: the identity, on the k kept components
    white_eps = pca_whiten(x, U, s, epsilon)
    zca = zca_whiten(x, U, s, epsilon)

    cov_rot = to_host(covariance(x_rot))
    cov_white = to_host(covariance(white))
    cov_white_eps = to_host(covariance(white_eps))
    off = cov_rot - np.diag(np.diag(cov_rot))
    s_host = to_host(s)
    writer.arrays.update(U=to_host(U), s=s_host)

    shown = min(100, num_patches)
    for name, value, title in (
        ("raw", x, "raw patches, mean removed"),
        ("pca-reconstructed", x_hat, f"PCA with k = {k} of {n} ({100 * retain:g}% variance)"),
        ("zca-whitened", zca, f"ZCA whitened, epsilon {epsilon:g}"),
    ):
        visualize.save_network(to_host(value[:, :shown]), writer.run / f"{name}.png", title=title)
    _plot_covariances(
        {
            "x_rot": cov_rot,
            "PCA white, epsilon 0": cov_white,
            f"PCA white, epsilon {epsilon:g}": cov_white_eps,
        },
        writer.run / "covariance.png",
    )
    identity_error = float(np.abs(cov_white - np.eye(k)).max())
    metrics = {
        "exercise": "pca",
        "k": k,
        "n": n,
        "retained_variance": float(s_host[:k].sum() / s_host.sum()),
        "rotated_offdiagonal_max": float(np.abs(off).max()),
        "rotated_diagonal_max": float(np.abs(np.diag(cov_rot)).max()),
        "whitened_identity_error": identity_error,
        "whitened_epsilon_diagonal_range": [
            float(np.diag(cov_white_eps).min()),
            float(np.diag(cov_white_eps).max()),
        ],
        "zero_eigenvalues": int(np.sum(s_host <= 1e-10 * s_host[0])),
        "wall_time_s": round(time.perf_counter() - start, 3),
        "backend": backend,
        "dtype": dtype,
        **settings,
    }
    writer.say(
        f"k = {k} of {n} components keep {100 * metrics['retained_variance']:.2f}% of the "
        f"variance; max |cov(PCA white) - I| = {identity_error:.2e} on those k"
    )
    return writer.finish(metrics)


def _plot_covariances(matrices: dict[str, np.ndarray], path: Path) -> Path:
    fig = Figure(figsize=(3.2 * len(matrices), 3.4), dpi=visualize.DPI, layout="constrained")
    for i, (title, C) in enumerate(matrices.items(), start=1):
        ax = fig.add_subplot(1, len(matrices), i)
        image = ax.imshow(C, cmap="viridis")
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.savefig(path, format="png", dpi=visualize.DPI, metadata={"Software": None})
    return path


# --- gradient checks (the course's DEBUG step) ---------------------------------------------------


def check_gradients(seed: int = 0, *, backend: str = "numpy") -> dict[str, dict[str, float]]:
    """Relative differences of the analytic and numerical gradients, overall and per block.

    As the course's ``DEBUG`` step: softmax regression (8 inputs, 10 classes, 100 examples,
    lambda 1e-4) and the fine-tuning cost of a small stack (8 -> 5 -> 4 -> 3 classes, 20
    examples, lambda 1e-4), in float64, with the five-point stencil (epsilon 1e-3). A correct
    gradient gives about 1e-12; the threshold is 1e-9.
    """
    rng = np.random.default_rng(seed)
    device = _Device(backend, "float64")
    figures: dict[str, dict[str, float]] = {}

    x = device.put(rng.standard_normal((8, 100)))
    y = device.labels(rng.integers(0, 10, 100))
    theta = device.put(0.005 * rng.standard_normal(80))

    def J(t: Any) -> Any:
        return softmax_cost(t, 10, 8, 1e-4, x, y)

    figures["softmax_cost"] = _differences(J, theta, {"theta": slice(0, 80)})

    net_config = NetConfig(8, (5, 4))
    x = device.put(rng.random((8, 20)))
    y = device.labels(rng.integers(0, 3, 20))
    theta = device.put(0.5 * rng.standard_normal(3 * 4 + net_config.stack_size))

    def J2(t: Any) -> Any:
        return stacked_ae_cost(t, 8, 4, 3, net_config, 1e-4, x, y)

    figures["stacked_ae_cost"] = _differences(J2, theta, block_slices(4, 3, net_config))
    return figures


def _differences(J: Callable[[Any], Any], theta: Any, blocks: dict[str, slice]) -> dict[str, float]:
    numerical = to_host(compute_numerical_gradient(J, theta, 1e-3, order=4))
    analytical = to_host(J(theta)[1])
    result = {"overall": relative_difference(numerical, analytical)}
    for name, s in blocks.items():
        result[name] = relative_difference(numerical[s], analytical[s])
    return result
