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

from .errors import EXIT_FAILED, EXIT_INTERRUPTED, UsageError
from .types import nonnegative_int, positive_int

__all__ = ["add_show", "add_train", "cmd_show", "cmd_train"]


def add_train(subparsers: Any) -> None:
    """Add ``train`` to ``ufldl-sae``'s subparsers (its help lists the presets)."""
    from ..runs import PRESETS, TUTORIAL_NOTES
    from ..runs.config import ARCHITECTURES

    tutorials = " ".join(f"'{name}': {text}." for name, text in TUTORIAL_NOTES.items())
    p = subparsers.add_parser(
        "train",
        help="train a sparse autoencoder (the course's exercises) and write a run folder",
        description="Train the sparse autoencoder. Presets: 'patches' (the default; the sparse "
        "autoencoder exercise: 8x8 whitened natural-image patches, 64-25-64, L-BFGS) and "
        "'mnist' (the vectorization exercise: 784-196-784 on the first 10,000 MNIST digits). "
        f"Beyond the notes, the tutorials' configurations: {tutorials} And the sparse "
        "autoencoders of interpretability research (--architecture): 'toy-features' on data "
        "with known features, 'mnist-activations' on a real network's activations (the hidden "
        "layer of the notes' MNIST autoencoder, trained first or read from --encoder-run). "
        "Every hyperparameter can be overridden.",
    )
    p.add_argument("--preset", choices=list(PRESETS), help="default: patches")
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
    p.add_argument(
        "--architecture", choices=list(ARCHITECTURES),
        help="toy-features, mnist-activations presets: the sparse autoencoder (notes: sigmoid + "
        "KL; default topk)",
    )  # fmt: skip
    p.add_argument("--k", type=positive_int,
                   help="topk/batchtopk: latents per sample (toy 5, mnist-activations 16)")
    p.add_argument(
        "--encoder-run", metavar="RUN_DIR",
        help="mnist-activations: read the network from a finished 'train --preset mnist' run "
        "instead of training it",
    )  # fmt: skip
    p.add_argument("--encoder-images", type=positive_int,
                   help="mnist-activations: digits the network trains on (5000)")
    p.add_argument("--encoder-iter", type=positive_int,
                   help="mnist-activations: the network's L-BFGS iterations (100)")
    p.add_argument("--solver", choices=["lbfgs", "adam", "sgd"])
    p.add_argument("--learning-rate", type=float, help="adam/sgd step size")
    p.add_argument("--batch-size", type=positive_int, help="adam/sgd examples per step")
    p.add_argument(
        "--test-examples", type=int,
        help="held-out examples for the test reconstruction error and figures (0: none; "
        "mnist-activations: the first N test digits, 10000)",
    )  # fmt: skip
    p.add_argument("--patch-size", type=positive_int, help="patches preset: side in pixels")
    p.add_argument("--num-patches", type=positive_int, help="patches preset: how many")
    p.add_argument("--num-images", type=positive_int,
                   help="mnist, mnist-activations presets: the first N training digits")
    p.add_argument("--images", help="patches preset: your own IMAGES.mat (or IMAGES_RAW.mat)")
    p.add_argument(
        "--unwhitened", action="store_true", default=None,
        help="patches preset: un-whitened embedded images",
    )  # fmt: skip
    p.add_argument("--mnist-dir", help="mnist preset: a folder holding the four MNIST files")
    p.add_argument("--data-home", help="mnist preset: cache folder for the download")
    p.add_argument("--backend", choices=["numpy", "cupy", "array_api_strict"],
                   help="default: numpy")  # fmt: skip
    p.add_argument("--dtype", choices=["float64", "float32"], help="default: float64")
    p.add_argument("--seed", type=nonnegative_int, help="seed of the patches and the weights (0)")
    p.add_argument("--out", help="run folder to create (default: runs/<preset>-<time>)")
    p.add_argument(
        "--resume", metavar="RUN_DIR",
        help="continue a run from its checkpoint; --max-iter, --checkpoint-every, --lambda, "
        "--beta, --sparsity-param, --learning-rate, --batch-size, --backend, --dtype, "
        "--test-examples, --mnist-dir and --data-home may change (recorded in config.json); "
        "any other flag that differs is refused",
    )  # fmt: skip
    p.add_argument("--checkpoint-every", type=positive_int, help="iterations (default 25)")
    p.add_argument("--progress-every", type=int, default=1, help="0: no progress lines")
    p.add_argument(
        "--cost", metavar="FILE.py[:FUNCTION]",
        help="train with your own cost function (with --resume: the same file again)",
    )  # fmt: skip
    p.add_argument(
        "--accept-cost-change", action="store_true",
        help="with --resume: continue although the --cost file changed since the run started",
    )  # fmt: skip
    p.set_defaults(func=cmd_train)


def add_show(subparsers: Any) -> None:
    """Add ``show`` to ``ufldl-sae``'s subparsers."""
    p = subparsers.add_parser("show", help="re-draw a run's figures and print its summary")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(func=cmd_show)


#: The ``train`` flags that set a :class:`~ufldl_sae.runs.RunConfig` field, by field.
_FIELDS = (
    "hidden_size", "sparsity_param", "lambda_", "beta", "max_iter", "patch_size", "num_patches",
    "num_images", "images", "mnist_dir", "data_home", "backend", "dtype", "seed",
    "checkpoint_every", "hidden_layer_sizes", "activation", "output_activation", "penalties",
    "solver", "learning_rate", "batch_size", "test_examples", "architecture", "k", "encoder_run",
    "encoder_images", "encoder_iter",
)  # fmt: skip


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields the flags set (a flag left out is None: the preset or run decides)."""
    given = {name: getattr(args, name) for name in _FIELDS}
    given["whitened"] = None if args.unwhitened is None else not args.unwhitened
    given["preset"] = args.preset
    return given


def _config_from(args: argparse.Namespace) -> Any:
    from ..runs import RunConfig

    if args.resume:
        return _resumed_config(args)
    if args.accept_cost_change:
        raise UsageError("--accept-cost-change only applies with --resume")
    given = {k: v for k, v in _given(args).items() if k != "preset"}
    config = RunConfig.from_preset(args.preset or "patches", **given, cost_function=args.cost)
    if args.cost:
        from ..runs.resume import cost_sha256

        config = replace(config, cost_sha256=cost_sha256(args.cost))
    return config


def _resumed_config(args: argparse.Namespace) -> Any:
    """The run's config, checked, with the flags given applied (recorded) or refused by name.

    ``--resume`` never imports code named in the folder: a run trained with ``--cost FILE``
    needs ``--cost FILE`` again, with the SHA-256 recorded at the start (or
    ``--accept-cost-change``).
    """
    from ..runs import read_config
    from ..runs.resume import apply_changes, cost_sha256, load_checkpoint

    run = Path(args.resume)
    if args.out is not None:
        raise UsageError("--out and --resume exclude each other: --resume continues RUN_DIR")
    config = read_config(run)
    _, iteration, _ = load_checkpoint(run)
    config = apply_changes(config, _given(args), iteration)
    if config.cost_function is None:
        if args.cost:
            raise UsageError(
                f"{run} was trained with the notes' cost; --cost cannot change when resuming"
            )
        return config
    if not args.cost:
        raise UsageError(
            f"{run} was trained with your cost {config.cost_function}; pass --cost "
            f"{config.cost_function} again (a run folder never decides which code runs)"
        )
    digest = cost_sha256(args.cost)
    if config.cost_sha256 is not None and digest != config.cost_sha256:
        if not args.accept_cost_change:
            raise UsageError(
                f"{args.cost} changed since the run started (SHA-256 {digest[:12]}..., recorded "
                f"{config.cost_sha256[:12]}...)\npass --accept-cost-change to continue with "
                "the new code (the change is recorded in config.json)"
            )
    if digest != config.cost_sha256 or args.cost != config.cost_function:
        entry = {"iteration": iteration, "cost_function": args.cost, "cost_sha256": digest}
        config = replace(config, cost_function=args.cost, cost_sha256=digest,
                         changes=[*config.changes, entry])  # fmt: skip
    return config


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
    if config.data == "toy-features":
        return _train_toy(args, config)
    if config.data == "mnist-activations":
        return _train_activations(args, config)
    cost_function = None
    if config.cost_function:
        cost_function = _student_cost(config.cost_function)
    from ..runs.preflight import check_memory, check_test_examples, planned_memory

    check_test_examples(config)
    check_memory(planned_memory(config))  # before the data: a refusal allocates nothing
    data = _training_data(config)
    run = Path(args.resume) if args.resume else choose_run_dir(args.out, config.preset)
    metrics = train_run(
        config, run, verbose=max(args.progress_every, 0), resume=bool(args.resume),
        cost_function=cost_function, data=data,
        on_start=lambda: print(f"run folder: {run}", flush=True),
    )  # fmt: skip
    _print_summary(run, metrics)
    if metrics["status"] == "failed":
        print(f"ufldl-sae train: error: the run failed: {metrics['reason']}", file=sys.stderr)
        kept = f"; what it learned is in {run}/ (--resume {run} continues it)"
        print(metrics["advice"] + (kept if metrics["iterations"] else ""), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_INTERRUPTED if metrics["interrupted"] else 0


def _train_toy(args: argparse.Namespace, config: Any) -> int:
    """The ``toy-features`` preset: a sparse autoencoder of ``--architecture`` on the toy with
    known features (:func:`~ufldl_sae.runs.train.train_toy_run`); no resume, no --cost."""
    from ..runs import choose_run_dir
    from ..runs.train import train_toy_run

    if args.resume or args.cost:
        raise UsageError("--resume and --cost do not apply to the toy-features preset")
    run = choose_run_dir(args.out, config.preset)
    print(f"run folder: {run}", flush=True)
    m = train_toy_run(config, run, verbose=max(args.progress_every, 0))
    mcc = f", mcc {m['mcc']:.3f}" if "mcc" in m else ""
    print(f"{m['architecture']}: l0 {m['l0']:.2f}, explained variance "
          f"{m['explained_variance']:.3f}{mcc}, dead fraction {m['dead_fraction']:.3f}, "
          f"{m['epochs']} epochs in {m['wall_time_s']:.1f} s")  # fmt: skip
    print(f"figures and files in {run}/")
    return 0


def _train_activations(args: argparse.Namespace, config: Any) -> int:
    """The ``mnist-activations`` preset: a sparse autoencoder of ``--architecture`` on the
    hidden activations of the notes' MNIST autoencoder
    (:func:`~ufldl_sae.runs.activations_run.train_activations_run`); no resume, no --cost."""
    from ..data import MnistDownloadError
    from ..runs import choose_run_dir
    from ..runs.activations_run import train_activations_run

    if args.resume or args.cost:
        raise UsageError("--resume and --cost do not apply to the mnist-activations preset")
    run = choose_run_dir(args.out, config.preset)
    try:
        m = train_activations_run(config, run, verbose=max(args.progress_every, 0))
    except MnistDownloadError as error:
        raise UsageError(_mnist_missing(error)) from error
    k = f" (k {m['k']})" if "k" in m else ""
    for name, values in (("training", m), ("test", m["test"])):
        print(f"{m['architecture']}{k} on {name} activations: l0 {values['l0']:.2f}, explained "
              f"variance {values['explained_variance']:.3f}, cossim {values['cossim']:.3f}, "
              f"dead fraction {values['dead_fraction']:.3f}")  # fmt: skip
    print(f"{m['epochs']} epochs in {m['wall_time_s']:.1f} s; figures and files in {run}/")
    return 0


def _mnist_missing(error: BaseException) -> str:
    """The message of a failed MNIST download: where the files are expected instead."""
    return (
        f"{error}\nMNIST could not be downloaded. If you have the four files "
        "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz), pass their folder with --mnist-dir DIR; otherwise check "
        "the network, or set UFLDL_SAE_DATA_HOME to where they are cached."
    )


def _training_data(config: Any) -> np.ndarray:
    from ..data import MnistDownloadError
    from ..runs import prepare_data

    try:
        return prepare_data(config)
    except KeyError as error:  # a .mat file without the variable: the loader's own message
        raise UsageError(f"{error.args[0] if error.args else error}") from error
    except MnistDownloadError as error:
        raise UsageError(_mnist_missing(error)) from error


#: Findings of the quick check that make training pointless: the function does not run, or
#: returns something that is not (a number, theta's shape of numbers).
BLOCKING = frozenset({
    "not-implemented", "raised-exception", "memory-limit", "wrong-return", "cost-not-scalar",
    "grad-wrong-shape", "not-finite",
})  # fmt: skip


def _student_cost(spec: str) -> Any:
    """The student's cost, quick-checked, wrapped to return what the optimizer takes.

    A cost that cannot train (it raises, is not implemented, returns the wrong shape) is exit
    status 2 with the finding, before any folder exists; one that runs but computes something
    else trains all the same, after a warning (seeing what it learns is part of the lesson).
    """
    from ..coursework import load_student_function, quick_check

    func = load_student_function(spec)  # StudentCodeError (a ValueError): exit 2, one message
    report = quick_check(func, "sparse_autoencoder_cost")
    blocking = [f for f in report.findings if f.code in BLOCKING and f.severity == "error"]
    if blocking:
        first = blocking[0].message.splitlines()[0]
        raise UsageError(
            f"{spec} cannot train: {first} [{blocking[0].code}]\n"
            f"'ufldl-sae check {spec}' shows the whole finding and how to fix it"
        )
    if not report.passed:
        print(report, file=sys.stderr)
        print(
            f"warning: {spec} does not pass the quick check above; training with it anyway, "
            f"so you can see what it learns. 'ufldl-sae check {spec}' tells you more.",
            file=sys.stderr,
        )
    return _as_arrays(func)


def _as_arrays(func: Any) -> Any:
    """``func`` returning what ``check`` accepts (a Python float cost, a list or column
    gradient) converted once, at the edge, into the arrays of theta's namespace."""
    from ..backend import array_namespace

    def cost(theta: Any, *args: Any) -> tuple[Any, Any]:
        J, grad = func(theta, *args)
        xp = array_namespace(theta)
        if not hasattr(J, "__array_namespace__"):
            J = xp.asarray(float(np.asarray(J, dtype=np.float64).reshape(())), dtype=theta.dtype)
        if not hasattr(grad, "__array_namespace__"):
            grad = xp.asarray(np.asarray(grad, dtype=np.float64), dtype=theta.dtype)
        if grad.ndim != 1:
            grad = xp.reshape(grad, (-1,))
        return xp.reshape(J, ()), grad

    cost.__name__ = getattr(func, "__name__", "cost")
    return cost


def _print_summary(run: Path, metrics: dict[str, Any]) -> None:
    if "terms" not in metrics:  # a failed run whose results could not be computed
        print(f"{metrics.get('status')}: after {metrics.get('iterations')} iterations; theta in "
              f"{run}/theta.npz")  # fmt: skip
        return
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
    try:
        _print_summary(run, metrics)
    except (KeyError, TypeError, ValueError, AttributeError) as error:  # an edited metrics.json
        raise UsageError(
            f"{run / 'metrics.json'} does not hold a run's metrics ({type(error).__name__}: "
            f"{error}); the figures were redrawn"
        ) from None
    return 0
