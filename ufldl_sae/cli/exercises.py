"""Subcommands for the course's later exercises: ``softmax``, ``self-taught``, ``stacked``, ``pca``.

:func:`register` adds them to the ``ufldl-sae`` parser; each runs one function of
:mod:`ufldl_sae.runs.exercises` with the course's defaults, every size overridable, and leaves a run
folder (``--out``, default ``runs/<exercise>-<time>``). On the classifiers, ``--gradcheck``
first runs the course's ``DEBUG`` gradient check of the new costs and stops with status 1 if it
fails.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..gradcheck import DEFAULT_THRESHOLD
from .types import positive_int

#: A gradient check passes below this relative difference (float64, five-point stencil): the
#: package's float64 threshold.
GRADCHECK_THRESHOLD = DEFAULT_THRESHOLD["float64"]


def _common(p: argparse.ArgumentParser, *, mnist: bool = True, max_iter: int | None = None) -> None:
    if mnist:
        p.add_argument("--mnist-dir", help="a folder holding the four MNIST files")
        p.add_argument("--data-home", help="cache folder for the MNIST download")
    if max_iter is not None:
        p.add_argument(
            "--max-iter",
            type=positive_int,
            default=max_iter,
            help=f"L-BFGS iterations (course: {max_iter})",
        )
    p.add_argument("--backend", choices=["numpy", "cupy", "array_api_strict"], default="numpy")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument(
        "--seed", type=int, default=0, help="random seed (initial weights, sampled patches)"
    )
    p.add_argument("--out", help="run folder to create (default: runs/<exercise>-<time>)")
    p.add_argument("--progress-every", type=int, default=1, help="0: no progress lines")
    if mnist:
        p.add_argument(
            "--gradcheck",
            action="store_true",
            help="check the new costs' gradients first (the course's DEBUG step)",
        )


def register(subparsers: Any) -> None:
    """Add ``softmax``, ``self-taught``, ``stacked`` and ``pca`` to ``ufldl-sae``'s subparsers."""
    p = subparsers.add_parser(
        "softmax",
        help="softmax regression on MNIST (course: 92.6%% test accuracy)",
        description="Softmax regression 784 -> 10 on the MNIST training digits, lambda 1e-4, "
        "theta0 = 0.005 randn, 100 L-BFGS iterations; accuracy on the test digits.",
    )
    _common(p, max_iter=100)
    p.add_argument("--lambda", dest="lambda_", type=float, default=1e-4)
    p.add_argument("--num-train", type=positive_int, default=60000)
    p.add_argument("--num-test", type=positive_int, default=10000)
    p.set_defaults(func=cmd_softmax)

    p = subparsers.add_parser(
        "self-taught",
        help="self-taught learning on MNIST (course: about 98.3%%, raw pixels about 96%%)",
        description="A sparse autoencoder 784 -> 200 learns features from digits 5-9; a "
        "softmax classifies digits 0-4 from those features (trained on one half, tested on "
        "the other), and, as a baseline, from the raw pixels.",
    )
    _common(p, max_iter=400)
    p.add_argument("--hidden-size", type=positive_int, default=200)
    p.add_argument("--sparsity-param", type=float, default=0.1)
    p.add_argument("--lambda", dest="lambda_", type=float, default=3e-3)
    p.add_argument("--beta", type=float, default=3.0)
    p.add_argument("--softmax-lambda", type=float, default=1e-4)
    p.add_argument("--softmax-max-iter", type=positive_int, default=100)
    p.add_argument("--num-unlabeled", type=positive_int, help="first N digits 5-9 only")
    p.add_argument("--num-labeled", type=positive_int, help="first N digits 0-4 only")
    p.add_argument("--no-raw-baseline", action="store_true", help="skip the raw-pixel softmax")
    p.set_defaults(func=cmd_self_taught)

    p = subparsers.add_parser(
        "stacked",
        help="stacked autoencoder with fine-tuning (course: 87.7%% before, 97.6%% after)",
        description="Two sparse autoencoders 784 -> 200 -> 200 trained greedily, a softmax on "
        "top, then fine-tuning of the whole network by backpropagation.",
    )
    _common(p, max_iter=400)
    p.add_argument("--hidden-size-l1", type=positive_int, default=200)
    p.add_argument("--hidden-size-l2", type=positive_int, default=200)
    p.add_argument("--sparsity-param", type=float, default=0.1)
    p.add_argument("--lambda", dest="lambda_", type=float, default=3e-3)
    p.add_argument("--beta", type=float, default=3.0)
    p.add_argument("--softmax-lambda", type=float, default=1e-4)
    p.add_argument("--softmax-max-iter", type=positive_int, default=100)
    p.add_argument("--finetune-lambda", type=float, default=1e-4)
    p.add_argument("--finetune-max-iter", type=positive_int, default=400)
    p.add_argument("--num-train", type=positive_int, default=60000)
    p.add_argument("--num-test", type=positive_int, default=10000)
    p.set_defaults(func=cmd_stacked)

    p = subparsers.add_parser(
        "pca",
        help="PCA, PCA whitening and ZCA whitening of raw image patches",
        description="12x12 patches of the embedded images before whitening, each patch's mean "
        "removed; k keeping 99% of the variance; PCA and ZCA whitening with epsilon 0.1.",
    )
    _common(p, mnist=False)
    p.add_argument("--patch-size", type=positive_int, default=12)
    p.add_argument("--num-patches", type=positive_int, default=10000)
    p.add_argument("--retain", type=float, default=0.99, help="fraction of variance kept")
    p.add_argument("--epsilon", type=float, default=0.1)
    p.set_defaults(func=cmd_pca)


def _gradcheck_failed(args: argparse.Namespace) -> bool:
    """Run :func:`~ufldl_sae.runs.exercises.check_gradients` when asked; True when it fails."""
    if not getattr(args, "gradcheck", False):
        return False
    from ..runs.exercises import check_gradients

    failed = False
    for cost, blocks in check_gradients(args.seed, backend=args.backend).items():
        for block, value in blocks.items():
            verdict = "PASS" if value < GRADCHECK_THRESHOLD else "FAIL"
            failed |= verdict == "FAIL"
            print(f"gradient check {cost} {block:<14} {value:.3e}  {verdict}")
    return failed


def _run_args(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "seed": args.seed,
        "backend": args.backend,
        "dtype": args.dtype,
        "out": args.out,
        "progress_every": max(args.progress_every, 0),
    }


def _mnist_args(args: argparse.Namespace) -> dict[str, Any]:
    return {"mnist_dir": args.mnist_dir, "data_home": args.data_home, **_run_args(args)}


def _done(metrics: dict[str, Any], text: str) -> int:
    print(f"{text}; {metrics['wall_time_s']:.1f} s; figures and files in {metrics['run']}/")
    return 0


def cmd_softmax(args: argparse.Namespace) -> int:
    from ..runs.exercises import run_softmax

    if _gradcheck_failed(args):
        return 1
    m = run_softmax(
        num_train=args.num_train,
        num_test=args.num_test,
        lambda_=args.lambda_,
        max_iter=args.max_iter,
        **_mnist_args(args),
    )
    return _done(m, f"softmax: test accuracy {100 * m['accuracy']:.2f}% (course: 92.6%)")


def cmd_self_taught(args: argparse.Namespace) -> int:
    from ..runs.exercises import run_self_taught

    if _gradcheck_failed(args):
        return 1
    m = run_self_taught(
        hidden_size=args.hidden_size,
        sparsity_param=args.sparsity_param,
        lambda_=args.lambda_,
        beta=args.beta,
        max_iter=args.max_iter,
        softmax_lambda=args.softmax_lambda,
        softmax_max_iter=args.softmax_max_iter,
        num_unlabeled=args.num_unlabeled,
        num_labeled=args.num_labeled,
        raw_baseline=not args.no_raw_baseline,
        **_mnist_args(args),
    )
    text = f"self-taught: test accuracy {100 * m['accuracy']:.2f}% (course: about 98.3%)"
    if "raw_pixel_accuracy" in m:
        text += f", raw pixels {100 * m['raw_pixel_accuracy']:.2f}% (course: about 96%)"
    return _done(m, text)


def cmd_stacked(args: argparse.Namespace) -> int:
    from ..runs.exercises import run_stacked

    if _gradcheck_failed(args):
        return 1
    m = run_stacked(
        hidden_size_l1=args.hidden_size_l1,
        hidden_size_l2=args.hidden_size_l2,
        sparsity_param=args.sparsity_param,
        lambda_=args.lambda_,
        beta=args.beta,
        max_iter=args.max_iter,
        softmax_lambda=args.softmax_lambda,
        softmax_max_iter=args.softmax_max_iter,
        finetune_lambda=args.finetune_lambda,
        finetune_max_iter=args.finetune_max_iter,
        num_train=args.num_train,
        num_test=args.num_test,
        **_mnist_args(args),
    )
    return _done(
        m,
        f"stacked: test accuracy {100 * m['accuracy_before_finetuning']:.2f}% before "
        f"fine-tuning (course: 87.7%), {100 * m['accuracy']:.2f}% after (course: 97.6%)",
    )


def cmd_pca(args: argparse.Namespace) -> int:
    from ..runs.exercises import run_pca

    m = run_pca(
        patch_size=args.patch_size,
        num_patches=args.num_patches,
        retain=args.retain,
        epsilon=args.epsilon,
        **_run_args(args),
    )
    return _done(
        m,
        f"pca: k = {m['k']} of {m['n']} components keep {100 * m['retained_variance']:.2f}% "
        f"of the variance; max |cov(PCA white) - I| = {m['whitened_identity_error']:.1e}",
    )
