"""``ufldl-sae gradcheck``: the course's gradient checks, with ``--beyond`` every activation
and penalty of the generalized network, and with ``--saes`` the dictionary-learning sparse
autoencoders (ReLU + L1, TopK, BatchTopK, AuxK, the unit-norm decoder, JumpReLU). Exit status 1
when a check fails."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .types import positive_int

__all__ = ["add_gradcheck", "cmd_gradcheck"]


def add_gradcheck(subparsers: Any) -> None:
    """Add ``gradcheck`` to ``ufldl-sae``'s subparsers."""
    p = subparsers.add_parser(
        "gradcheck",
        help="the course's gradient checks, with a per-block report",
        description="Check compute_numerical_gradient on the course's quadratic, then the "
        "autoencoder's analytic gradient on a small problem (8x8 patches of the embedded "
        "images), overall, per block and per term. Exit status 1 when a check fails.",
    )
    p.add_argument("--hidden-size", type=positive_int, default=5)
    p.add_argument("--num-patches", type=positive_int, default=10)
    p.add_argument("--sparsity-param", type=float, default=0.01)
    p.add_argument("--lambda", dest="lambda_", type=float, default=1e-4)
    p.add_argument("--beta", type=float, default=3.0)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--backend", choices=["numpy", "cupy", "array_api_strict"], default="numpy")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--beyond", action="store_true",
        help="also check every activation (sigmoid, tanh, ReLU) with every penalty (L2, L1 on "
        "weights, KL, L1 on activations) and a 3-hidden-layer network",
    )  # fmt: skip
    p.add_argument(
        "--saes", action="store_true",
        help="also check the sparse autoencoders of interpretability research (ReLU + L1, "
        "TopK, BatchTopK, AuxK, unit-norm decoder, JumpReLU and its smoothed surrogate)",
    )  # fmt: skip
    p.set_defaults(func=cmd_gradcheck)


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from ..backend import from_host, get_dtype, get_namespace
    from ..data import load_natural_images, normalize_data, sample_images
    from ..gradcheck import DEFAULT_THRESHOLD, check_numerical_gradient, gradient_check
    from ..params import initialize_parameters

    print("1. compute_numerical_gradient on h(x) = x1^2 + 3 x1 x2 at (4, 10):")
    quadratic = check_numerical_gradient(verbose=True)
    rng = np.random.default_rng(args.seed)
    patches = normalize_data(sample_images(load_natural_images(), 8, args.num_patches, rng))
    theta = initialize_parameters(args.hidden_size, 64, rng)
    xp = get_namespace(args.backend)
    dtype = get_dtype(xp, args.dtype)
    print(
        f"\n2. sparse_autoencoder_cost, 64-{args.hidden_size}-64 on {args.num_patches} "
        f"patches, lambda {args.lambda_:g}, rho {args.sparsity_param:g}, beta {args.beta:g}, "
        f"{args.backend}:"
    )
    report = gradient_check(
        from_host(theta, xp, dtype=dtype), 64, args.hidden_size, args.lambda_,
        args.sparsity_param, args.beta, from_host(patches, xp, dtype=dtype),
    )  # fmt: skip
    print(report)
    passed = quadratic < DEFAULT_THRESHOLD["float64"] and report.passed
    if args.beyond:
        passed = _gradcheck_beyond(args.seed) and passed
    if args.saes:
        passed = _gradcheck_saes(4 if args.beyond else 3) and passed
    return 0 if passed else 1


def _gradcheck_beyond(seed: int) -> bool:
    from ..beyond.gradcheck import EPSILON, THRESHOLD, beyond_table

    print(
        f"\n3. deep.autoencoder_cost, five-point stencil (epsilon {EPSILON:g}), float64, "
        f"threshold {THRESHOLD:g}; worst = largest over the whole vector and each block:"
    )
    print(f"{'network':<12} {'units':<16} {'penalties':<10} {'overall':>9} {'worst':>9}  result")
    passed = True
    for network, units, penalties, check in beyond_table(seed):
        verdict = "PASS" if check.passed else "FAIL"
        if check.kinks_crossed:
            verdict += " (a step crossed a kink)"
        print(f"{network:<12} {units:<16} {penalties:<10} {check.overall:>9.1e} "
              f"{check.worst:>9.1e}  {verdict}")  # fmt: skip
        passed = passed and check.passed
    return passed


def _gradcheck_saes(number: int) -> bool:
    from ..beyond.gradcheck import THRESHOLD
    from ..beyond.saes.gradcheck import SAE_PROBLEM, sae_gradient_table

    v, h, m = SAE_PROBLEM
    print(
        f"\n{number}. ufldl_sae.beyond.saes, {v} visible, {h} latents, {m} examples, five-point "
        f"stencil, float64, threshold {THRESHOLD:g}; a check is valid only if no step changes "
        "a gate or a selection. JumpReLU's thresholds have a derivative of 0 almost "
        "everywhere: their straight-through gradient is checked against the smoothed cost it "
        "stands for."
    )
    print(f"{'model':<24} {'checked':<24} {'overall':>9} {'worst':>9}  result")
    passed = True
    for model, what, check in sae_gradient_table():
        verdict = "PASS" if check.passed else "FAIL"
        if check.kinks_crossed:
            verdict += " (a step changed the gate or selection)"
        print(f"{model:<24} {what:<24} {check.overall:>9.1e} {check.worst:>9.1e}  {verdict}")
        passed = passed and check.passed
    return passed
