"""The stacked autoencoder (``stackedAEExercise.m``) on MNIST, end to end: greedy pretraining
of two sparse autoencoders, a softmax on top, the whole network tested, fine-tuned, tested
again; one run folder."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import from_host
from ..exercises.stacked import (
    Layer,
    block_slices,
    stack_to_params,
    stacked_ae_predict,
    stacked_ae_train,
)
from ..model import feedforward_autoencoder
from ..params import unpack
from ..plots import network as visualize
from .exercise_run import ExerciseConfig, ExerciseRun, path_str
from .mnist_sets import Device, first_count, load_mnist_sets
from .stages import evaluate, train_autoencoder, train_softmax

__all__ = ["run_stacked"]


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
    num_train = first_count("num_train", num_train, sets["train_images"].shape[1])
    num_test = first_count("num_test", num_test, sets["test_images"].shape[1])
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
        "stacked",
        path_str(mnist_dir),
        path_str(data_home),
        backend,
        dtype,
        seed,
        max_iter,
        settings,
    )
    device = Device(backend, dtype)
    xp = device.xp
    run = ExerciseRun(out, config, progress_every)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    train_x = device.put(sets["train_images"][:, :num_train])
    train_y = device.labels(sets["train_labels"][:num_train])
    stages: dict[str, Any] = {}

    sae1_result = train_autoencoder(
        run, "sae1", train_x, hidden_size_l1, sparsity_param, lambda_, beta, max_iter, rng
    )
    stages["sae1"] = run.record("sae1", sae1_result)
    sae1 = sae1_result.theta
    sae1_d = from_host(sae1, xp, dtype=device.dtype)
    sae1_features = feedforward_autoencoder(sae1_d, hidden_size_l1, 784, train_x)
    W1 = unpack(sae1, 784, hidden_size_l1)[0]
    run.figure("weights.png", lambda p: visualize.save_network(
        W1.T, p, title="W1 of the first layer, pretrained"))  # fmt: skip

    sae2_result = train_autoencoder(
        run, "sae2", sae1_features, hidden_size_l2, sparsity_param, lambda_, beta, max_iter, rng
    )
    stages["sae2"] = run.record("sae2", sae2_result)
    sae2 = sae2_result.theta
    sae2_d = from_host(sae2, xp, dtype=device.dtype)
    sae2_features = feedforward_autoencoder(sae2_d, hidden_size_l2, hidden_size_l1, sae1_features)
    del sae1_features

    model = train_softmax(
        run, "softmax", sae2_features, train_y, 10, softmax_lambda, softmax_max_iter, rng
    )
    stages["softmax"] = run.record("softmax", model.result)
    del sae2_features

    stack = [_encoder(sae1, 784, hidden_size_l1), _encoder(sae2, hidden_size_l1, hidden_size_l2)]
    stack_params, net_config = stack_to_params(stack)
    theta0 = np.concatenate([model.theta, stack_params])
    run.arrays["stacked_theta"] = theta0

    test_x = device.put(sets["test_images"][:, :num_test])
    test_y = sets["test_labels"][:num_test]

    def predict(theta: np.ndarray) -> Any:
        t = from_host(theta, xp, dtype=device.dtype)
        return stacked_ae_predict(t, 784, hidden_size_l2, 10, net_config, test_x)

    before = evaluate(
        run, "confusion-before", test_y, predict(theta0), 10, "before fine-tuning"
    )
    run.say(
        f"finetune: {784}-{hidden_size_l1}-{hidden_size_l2}-10, lambda "
        f"{finetune_lambda:g}, {finetune_max_iter} iterations"
    )
    progress, callback = run.stage("finetune")
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
    stages["finetune"] = run.record("finetune", result)
    run.arrays["stacked_opt_theta"] = result.theta
    after = evaluate(run, "confusion", test_y, predict(result.theta), 10, "after fine-tuning")
    s = block_slices(hidden_size_l2, 10, net_config)["W1"]
    W1 = result.theta[s].reshape(784, hidden_size_l1)
    run.figure("weights-finetuned.png", lambda p: visualize.save_network(
        W1, p, title="W1 of the first layer, fine-tuned"))  # fmt: skip
    return run.finish(
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
    W1, _, b1, _ = unpack(ae_theta, visible_size, hidden_size)
    return Layer(W1, b1)
