"""``ufldl-sae train`` and ``ufldl-sae show``: a training run from the command line, and a run
folder's figures re-drawn.

``train`` turns the flags into one :class:`~ufldl_sae.runs.RunConfig` (a preset plus the
overrides given) and hands it to :func:`~ufldl_sae.runs.train_run`, which builds the run's one
estimator; the values are checked there, once, by the estimator's ``fit``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .errors import EXIT_INTERRUPTED, UsageError
from .types import positive_int

__all__ = ["add_show", "add_train", "cmd_show", "cmd_train"]


def add_train(subparsers: Any) -> None:
    """Add ``train`` to ``ufldl-sae``'s subparsers (its help lists the presets)."""
    from ..runs import PRESETS, TUTORIAL_NOTES

    tutorials = " ".join(f"'{name}': {text}." for name, text in TUTORIAL_NOTES.items())
    p = subparsers.add_parser(
        "train",
        help="train a sparse autoencoder (the course's exercises) and write a run folder",
        description="Train the sparse autoencoder. Presets: 'patches' (the default; the sparse "
        "autoencoder exercise: 8x8 whitened natural-image patches, 64-25-64, L-BFGS) and "
        "'mnist' (the vectorization exercise: 784-196-784 on the first 10,000 MNIST digits). "
        f"Beyond the notes, the tutorials' configurations: {tutorials} Every hyperparameter "
        "can be overridden.",
    )
    p.add_argument("--preset", choices=list(PRESETS), default="patches")
    p.add_argument("--hidden-size", type=positive_int)
    p.add_argument("--sparsity-param", type=float, help="target activation rho, in (0, 1)")
    p.add_argument("--lambda", dest="lambda_", type=float, help="weight decay, >= 0")
    p.add_argument("--beta", type=float, help="weight of the sparsity penalty, >= 0")
    p.add_argument(
        "--max-iter", type=positive_int,
        help="L-BFGS iterations (course: 400), or epochs for --solver adam/sgd",
    )  # fmt: skip
    p.add_argument(
        "--hidden-layer-sizes", type=_sizes, metavar="H1,H2,...",
        help="hidden layers of a deep autoencoder, e.g. 128,64,32,64,128 (replaces --hidden-size)",
    )  # fmt: skip
    p.add_argument("--activation", choices=["sigmoid", "tanh", "relu", "identity"])
    p.add_argument("--output-activation", choices=["sigmoid", "tanh", "relu", "identity"])
    p.add_argument(
        "--penalties", metavar="SPEC",
        help="e.g. 'l2=3e-3,kl=0.1:3', 'l1w=0.01', 'l1a=1e-5', 'kl=0.05:0.1:sigmoid', 'none' "
        "(replaces --lambda, --sparsity-param and --beta)",
    )  # fmt: skip
    p.add_argument("--solver", choices=["lbfgs", "adam", "sgd"])
    p.add_argument("--learning-rate", type=float, help="adam/sgd step size")
    p.add_argument("--batch-size", type=positive_int, help="adam/sgd examples per step")
    p.add_argument(
        "--test-examples", type=int,
        help="held-out examples for the test reconstruction error and figures (0: none)",
    )  # fmt: skip
    p.add_argument("--patch-size", type=positive_int, help="patches preset: side in pixels")
    p.add_argument("--num-patches", type=positive_int, help="patches preset: how many")
    p.add_argument("--num-images", type=positive_int, help="mnist preset: first N digits")
    p.add_argument("--images", help="patches preset: your own IMAGES.mat (or IMAGES_RAW.mat)")
    p.add_argument(
        "--unwhitened", action="store_true", help="patches preset: un-whitened embedded images"
    )
    p.add_argument("--mnist-dir", help="mnist preset: a folder holding the four MNIST files")
    p.add_argument("--data-home", help="mnist preset: cache folder for the download")
    p.add_argument("--backend", choices=["numpy", "cupy", "array_api_strict"], default="numpy")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--seed", type=int, default=0, help="seed of the patches and the weights")
    p.add_argument("--out", help="run folder to create (default: runs/<preset>-<time>)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its checkpoint")
    p.add_argument("--checkpoint-every", type=positive_int, default=25)
    p.add_argument("--progress-every", type=int, default=1, help="0: no progress lines")
    p.add_argument("--cost", metavar="FILE.py[:FUNCTION]", help="train with your own cost function")
    p.set_defaults(func=cmd_train)


def add_show(subparsers: Any) -> None:
    """Add ``show`` to ``ufldl-sae``'s subparsers."""
    p = subparsers.add_parser("show", help="re-draw a run's figures and print its summary")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(func=cmd_show)


def _config_from(args: argparse.Namespace) -> Any:
    from ..runs import RunConfig

    if args.resume:
        from ..runs import read_config

        config = read_config(Path(args.resume))
        if args.max_iter is not None:
            config = replace(config, max_iter=args.max_iter)
        return config
    return RunConfig.from_preset(
        args.preset,
        hidden_size=args.hidden_size,
        sparsity_param=args.sparsity_param,
        lambda_=args.lambda_,
        beta=args.beta,
        max_iter=args.max_iter,
        patch_size=args.patch_size,
        num_patches=args.num_patches,
        num_images=args.num_images,
        images=args.images,
        whitened=not args.unwhitened,
        mnist_dir=args.mnist_dir,
        data_home=args.data_home,
        backend=args.backend,
        dtype=args.dtype,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        cost_function=args.cost,
        hidden_layer_sizes=args.hidden_layer_sizes,
        activation=args.activation,
        output_activation=args.output_activation,
        penalties=args.penalties,
        solver=args.solver,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        test_examples=args.test_examples,
    )


def _sizes(text: str) -> list[int]:
    """An ``argparse`` type: ``"128,64,32"`` as a list of positive integers."""
    try:
        return [positive_int(word) for word in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected positive integers separated by commas, got {text!r}"
        ) from None


def cmd_train(args: argparse.Namespace) -> int:
    """Train one run: the one estimator's ``fit`` checks the parameters, once.

    A refused value stops ``fit`` before its first iteration, so before the run folder is
    created (:class:`~ufldl_sae.runs.folder.RunFolder` creates it on the first write); the
    data are prepared first, so a missing file leaves nothing behind either.
    """
    from ..runs import choose_run_dir, train_run

    config = _config_from(args)
    cost_function = None
    if config.cost_function:
        cost_function = _student_cost(config.cost_function)
    data = _training_data(config)
    run = Path(args.resume) if args.resume else choose_run_dir(args.out, config.preset)
    print(f"run folder: {run}", flush=True)
    metrics = train_run(
        config, run, verbose=max(args.progress_every, 0), resume=bool(args.resume),
        cost_function=cost_function, data=data,
    )  # fmt: skip
    _print_summary(run, metrics)
    return EXIT_INTERRUPTED if metrics["interrupted"] else 0


def _training_data(config: Any) -> np.ndarray:
    from ..data import MnistDownloadError
    from ..runs import prepare_data

    try:
        return prepare_data(config)
    except MnistDownloadError as error:
        raise UsageError(
            f"{error}\nMNIST could not be downloaded. If you have the four files "
            "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
            "t10k-labels-idx1-ubyte.gz), pass their folder with --mnist-dir DIR; otherwise check "
            "the network, or set UFLDL_SAE_DATA_HOME to where they are cached."
        ) from error


def _student_cost(spec: str) -> Any:
    from ..coursework import load_student_function, quick_check

    func = load_student_function(spec)  # StudentCodeError (a ValueError): exit 2, one message
    report = quick_check(func, "sparse_autoencoder_cost")
    if not report.passed:
        print(report, file=sys.stderr)
        print(
            f"warning: {spec} does not pass the quick check above; training with it anyway, "
            f"so you can see what it learns. 'ufldl-sae check {spec}' tells you more.",
            file=sys.stderr,
        )
    return func


def _print_summary(run: Path, metrics: dict[str, Any]) -> None:
    named = metrics.get("terms_by_name") or metrics["terms"]
    terms = ", ".join(f"{k.replace('_', ' ')} {v:.6f}" for k, v in named.items())
    steps = "iterations" if metrics.get("solver", "lbfgs") == "lbfgs" else "epochs"
    print(
        f"{metrics['status']}: cost {metrics['cost']:.6f} ({terms}) after "
        f"{metrics['iterations']} {steps}, {metrics['evaluations']} evaluations, "
        f"{metrics['wall_time_s']:.1f} s"
    )
    s = metrics["sparsity"]
    target = "" if s["rho"] is None else f" (target {s['rho']})"
    layer = "hidden" if len(metrics.get("layer_sizes", [0, 0, 0])) == 3 else "code"
    print(
        f"mean {layer} activation {s['rho_hat_mean']:.4f}{target}, "
        f"{100 * s['fraction_active']:.1f}% of activations above {s['threshold']}"
    )
    if "test" in metrics:
        t = metrics["test"]
        print(
            f"test reconstruction error {t['reconstruction_error']:.4f} per example on "
            f"{t['examples']} held-out examples (training: {t['train_reconstruction_error']:.4f})"
        )
    print(f"optimizer: {metrics['message']}")
    print(f"figures and files in {run}/")


def cmd_show(args: argparse.Namespace) -> int:
    from ..runs import show_run

    run = Path(args.run_dir)
    metrics = show_run(run)
    _print_summary(run, metrics)
    return 0
