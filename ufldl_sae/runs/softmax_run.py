"""Softmax regression (``softmaxExercise.m``) and self-taught learning (``stlExercise.m``) on
MNIST, end to end: data, training stages, test accuracy, run folder.

Labels are the digits themselves, classes ``0 .. 9`` (the course's MATLAB code maps digit 0 to
class 10). The data are moved to the chosen backend once; the numerical work runs there.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import from_host
from ..exercises.softmax import accuracy, softmax_predict
from ..model import feedforward_autoencoder
from ..params import unpack
from ..plots import network as visualize
from .exercise_run import ExerciseConfig, ExerciseRun, path_str
from .mnist_sets import Device, first_count, load_mnist_sets, self_taught_split
from .stages import evaluate, train_autoencoder, train_softmax

__all__ = ["run_self_taught", "run_softmax"]


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
    ``lambda_`` is checked once, by :func:`~ufldl_sae.exercises.softmax.softmax_train`.
    """
    sets = mnist if mnist is not None else load_mnist_sets(mnist_dir, data_home)
    num_train = first_count("num_train", num_train, sets["train_images"].shape[1])
    num_test = first_count("num_test", num_test, sets["test_images"].shape[1])
    config = ExerciseConfig(
        "softmax",
        path_str(mnist_dir),
        path_str(data_home),
        backend,
        dtype,
        seed,
        max_iter,
        {"num_train": num_train, "num_test": num_test, "lambda_": lambda_, "num_classes": 10},
    )
    device = Device(backend, dtype)
    run = ExerciseRun(out, config, progress_every)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    train_x = device.put(sets["train_images"][:, :num_train])
    train_y = device.labels(sets["train_labels"][:num_train])
    model = train_softmax(run, "softmax", train_x, train_y, 10, lambda_, max_iter, rng)
    stage = run.record("softmax", model.result)

    test_x = device.put(sets["test_images"][:, :num_test])
    test_y = sets["test_labels"][:num_test]
    acc = evaluate(run, "confusion", test_y, softmax_predict(model, test_x), 10, "softmax")
    run.figure("weights.png", lambda p: visualize.save_network(
        model.opt_theta.T, p, title="softmax theta, one tile per class"))  # fmt: skip
    return run.finish(
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
        unlabeled = unlabeled[: first_count("num_unlabeled", num_unlabeled, unlabeled.size)]
    if num_labeled is not None:
        labeled = np.concatenate([labeled_train, labeled_test])
        labeled = labeled[: first_count("num_labeled", num_labeled, labeled.size)]
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
        "self-taught",
        path_str(mnist_dir),
        path_str(data_home),
        backend,
        dtype,
        seed,
        max_iter,
        settings,
    )
    device = Device(backend, dtype)
    run = ExerciseRun(out, config, progress_every)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)

    unlabeled_x = device.put(images[:, unlabeled])
    ae = train_autoencoder(
        run,
        "autoencoder",
        unlabeled_x,
        hidden_size,
        sparsity_param,
        lambda_,
        beta,
        max_iter,
        rng,
    )
    stages = {"autoencoder": run.record("autoencoder", ae)}
    ae_theta = ae.theta
    del unlabeled_x
    W1 = unpack(ae_theta, 784, hidden_size)[0]
    run.figure("weights.png", lambda p: visualize.save_network(
        W1.T, p, title=f"W1 features learned from digits 5-9, 784-{hidden_size}"))  # fmt: skip

    theta = from_host(ae_theta, device.xp, dtype=device.dtype)
    train_x = device.put(images[:, labeled_train])
    test_x = device.put(images[:, labeled_test])
    train_y = device.labels(labels[labeled_train])
    test_y = labels[labeled_test]
    train_features = feedforward_autoencoder(theta, hidden_size, 784, train_x)
    test_features = feedforward_autoencoder(theta, hidden_size, 784, test_x)
    model = train_softmax(
        run, "softmax", train_features, train_y, 5, softmax_lambda, softmax_max_iter, rng
    )
    stages["softmax"] = run.record("softmax", model.result)
    acc = evaluate(
        run,
        "confusion",
        test_y,
        softmax_predict(model, test_features),
        5,
        "self-taught features",
    )
    metrics: dict[str, Any] = {"exercise": "self-taught", "accuracy": acc, "course_accuracy": 0.983}
    if raw_baseline:
        raw = train_softmax(
            run, "raw_softmax", train_x, train_y, 5, softmax_lambda, softmax_max_iter, rng
        )
        stages["raw_softmax"] = run.record("raw_softmax", raw.result)
        metrics["raw_pixel_accuracy"] = evaluate(
            run, "confusion-raw", test_y, softmax_predict(raw, test_x), 5, "raw pixels"
        )
        metrics["course_raw_pixel_accuracy"] = 0.96
    return run.finish(
        {
            **metrics,
            "stages": stages,
            "wall_time_s": round(time.perf_counter() - start, 3),
            "backend": backend,
            "dtype": dtype,
            **settings,
        }
    )
