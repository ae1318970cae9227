"""One cost+gradient evaluation against the matrix-multiply floor, peers, memory and full runs.

One evaluation of the sparse autoencoder needs five matrix products (W1 X, W2 a2, delta3 a2^T,
W2^T delta3, delta2 X^T); everything else is elementwise work. This script times those five
products alone as the floor, then ufldl-sae's ``sparse_autoencoder_cost`` and, when installed
(``pip install '.[bench]'``), the same cost written with PyTorch autograd and with
``jax.jit(jax.value_and_grad(...))``, and prints medians, minimums and ratios to the floor, all
measured in the same run (absolute times vary between runs on a shared machine, ratios much
less). ``--memory`` measures the peak memory of one evaluation above its inputs; ``--full`` runs
the two presets end to end. ``--plain`` times a plain call of the cost, as a notebook makes it,
with the package's speed settings (:mod:`ufldl_sae.tuning`) and with both turned off by their
environment variables, each in fresh processes taken in turn.

    python benchmarks/bench_cost.py                      # all shapes, float64 and float32
    python benchmarks/bench_cost.py --shapes 64-25-10000 --dtypes float64 --repeats 30
    python benchmarks/bench_cost.py --memory --full
    python benchmarks/bench_cost.py --plain --shapes 64-25-10000,784-196-10000 --dtypes float64
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from ufldl_sae.model import sigmoid, sparse_autoencoder_cost
from ufldl_sae.params import initialize_parameters, unpack
from ufldl_sae.tuning import keep_freed_memory, tuned

LAMBDA, RHO, BETA = 1e-4, 0.01, 3.0
SHAPES = ("64-25-10000", "784-196-10000", "784-196-60000")


def parse_shape(text: str) -> tuple[int, int, int]:
    visible, hidden, m = (int(t) for t in text.split("-"))
    return visible, hidden, m


def timed(f: Callable[[], object], repeats: int, warmup: int = 2) -> tuple[float, float]:
    """Median and minimum wall time of ``f()`` in seconds, after ``warmup`` calls."""
    for _ in range(warmup):
        f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def problem(visible: int, hidden: int, m: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    data = rng.uniform(0.1, 0.9, (visible, m)).astype(dtype)
    return initialize_parameters(hidden, visible, 0).astype(dtype), data


def floor_products(theta: np.ndarray, data: np.ndarray, visible: int, hidden: int):
    """The five products of one evaluation, on arrays of the right shapes and dtype."""
    W1, W2, _, _ = unpack(theta, visible, hidden)
    W1, W2 = np.ascontiguousarray(W1), np.ascontiguousarray(W2)
    a2 = sigmoid(W1 @ data)
    delta3 = np.ones((visible, data.shape[1]), dtype=data.dtype)
    delta2 = np.ones_like(a2)

    def five() -> None:
        W1 @ data
        W2 @ a2
        delta3 @ a2.T
        W2.T @ delta3
        delta2 @ data.T

    return five


def torch_cost(theta: np.ndarray, data: np.ndarray, visible: int, hidden: int):
    import torch

    W1, W2, b1, b2 = (torch.tensor(np.array(b), requires_grad=True)
                      for b in unpack(theta, visible, hidden))  # fmt: skip
    X = torch.from_numpy(data)
    m = data.shape[1]

    def value_and_grad() -> None:
        for p in (W1, W2, b1, b2):
            p.grad = None
        a2 = torch.sigmoid(W1 @ X + b1[:, None])
        a3 = torch.sigmoid(W2 @ a2 + b2[:, None])
        rho_hat = a2.mean(dim=1)
        kl = RHO * torch.log(RHO / rho_hat) + (1 - RHO) * torch.log((1 - RHO) / (1 - rho_hat))
        J = ((a3 - X) ** 2).sum() / (2 * m) + LAMBDA / 2 * ((W1**2).sum() + (W2**2).sum())
        J = J + BETA * kl.sum()
        J.backward()

    return value_and_grad


def jax_cost(theta: np.ndarray, data: np.ndarray, visible: int, hidden: int):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    m = data.shape[1]
    params = tuple(jnp.asarray(np.array(b)) for b in unpack(theta, visible, hidden))
    X = jnp.asarray(data)

    def J(p, X):
        W1, W2, b1, b2 = p
        a2 = jax.nn.sigmoid(W1 @ X + b1[:, None])
        a3 = jax.nn.sigmoid(W2 @ a2 + b2[:, None])
        rho_hat = a2.mean(axis=1)
        kl = RHO * jnp.log(RHO / rho_hat) + (1 - RHO) * jnp.log((1 - RHO) / (1 - rho_hat))
        return (jnp.sum((a3 - X) ** 2) / (2 * m) + LAMBDA / 2 * (jnp.sum(W1**2) + jnp.sum(W2**2))
                + BETA * jnp.sum(kl))  # fmt: skip

    f = jax.jit(jax.value_and_grad(J))

    def value_and_grad() -> None:
        value, grads = f(params, X)
        jax.block_until_ready(grads)

    return value_and_grad


PEERS = {"torch autograd": torch_cost, "jax.jit": jax_cost}


def bench_shape(shape: str, dtype: str, repeats: int, peers: list[str]) -> list[dict]:
    visible, hidden, m = parse_shape(shape)
    theta, data = problem(visible, hidden, m, dtype)
    rows = []
    with tuned(visible, hidden, m, max_age=0.0):  # as training does
        floor = timed(floor_products(theta, data, visible, hidden), repeats)
        rows.append({"impl": "five-product floor", "median": floor[0], "min": floor[1]})

        def ours() -> None:
            sparse_autoencoder_cost(theta, visible, hidden, LAMBDA, RHO, BETA, data,
                                    check_inputs=False)  # fmt: skip

        rows.append(dict(zip(("median", "min"), timed(ours, repeats), strict=True),
                         impl="ufldl-sae"))  # fmt: skip
    for name in peers:
        try:
            f = PEERS[name](theta, data, visible, hidden)
        except ImportError as error:
            rows.append({"impl": name, "skipped": f"not installed ({error.name})"})
            continue
        rows.append(dict(zip(("median", "min"), timed(f, repeats), strict=True), impl=name))
    for row in rows:
        row.update(shape=shape, dtype=dtype)
        if "median" in row:
            row["ratio"] = row["median"] / floor[0]
    return rows


#: The environment that turns the package's speed settings off (see ufldl_sae.tuning).
SETTINGS_OFF = {"UFLDL_SAE_BLAS_THREADS": "off", "UFLDL_SAE_KEEP_FREED_MEMORY": "0"}


def plain_child(shape: str, dtype: str, repeats: int) -> None:
    """In a fresh process: time a plain call (no training around it), print JSON."""
    visible, hidden, m = parse_shape(shape)
    theta, data = problem(visible, hidden, m, dtype)
    median, minimum = timed(
        lambda: sparse_autoencoder_cost(theta, visible, hidden, LAMBDA, RHO, BETA, data), repeats
    )
    print(json.dumps({"median": median, "min": minimum}))


def plain_calls(shape: str, dtype: str, repeats: int, rounds: int = 2) -> dict[str, list[dict]]:
    """The plain call with the settings on and off, ``rounds`` fresh processes each, in turn."""
    results: dict[str, list[dict]] = {"on": [], "off": []}
    for _ in range(rounds):
        for setting in ("off", "on"):
            env = dict(os.environ)
            for name in SETTINGS_OFF:
                env.pop(name, None)
            if setting == "off":
                env.update(SETTINGS_OFF)
            command = [sys.executable, __file__, "--plain-child", shape, "--dtypes", dtype,
                       "--repeats", str(repeats)]  # fmt: skip
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            results[setting].append(json.loads(out.stdout.splitlines()[-1]))
    return results


def peak_memory(shape: str, dtype: str) -> dict:
    """Peak bytes allocated during one evaluation, against the arrays it cannot avoid."""
    visible, hidden, m = parse_shape(shape)
    theta, data = problem(visible, hidden, m, dtype)
    args = (theta, visible, hidden, LAMBDA, RHO, BETA, data)
    sparse_autoencoder_cost(*args, check_inputs=False)
    tracemalloc.start()
    tracemalloc.reset_peak()
    sparse_autoencoder_cost(*args, check_inputs=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    item = np.dtype(dtype).itemsize
    unavoidable = item * (2 * hidden * m + 2 * visible * m + theta.size)  # a2 a3 delta2 delta3 grad
    return {"shape": shape, "dtype": dtype, "peak_MB": peak / 1e6,
            "unavoidable_MB": unavoidable / 1e6, "ratio": peak / unavoidable}  # fmt: skip


def full_runs(mnist_dir: str | None):
    """Yield one row per preset as each run ends (``mnist_dir``: local MNIST files, if any)."""
    import tempfile
    from pathlib import Path

    from ufldl_sae.runs import RunConfig, train_run

    for preset in ("patches", "mnist"):
        config = RunConfig.from_preset(preset, mnist_dir=mnist_dir)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            metrics = train_run(config, Path(tmp), verbose=0)
            wall = time.perf_counter() - start
        yield {"preset": preset, "wall_s": wall, "train_s": metrics["wall_time_s"],
               "iterations": metrics["iterations"], "evaluations": metrics["evaluations"],
               "cost": metrics["cost"]}  # fmt: skip


def machine() -> str:
    import scipy

    info = [f"{os.cpu_count()} cores", platform.processor() or platform.machine()]
    try:
        import threadpoolctl

        blas = {(i["internal_api"], i.get("architecture")) for i in
                threadpoolctl.threadpool_info() if i["user_api"] == "blas"}  # fmt: skip
        info.append("BLAS " + ", ".join(f"{a} ({b})" for a, b in sorted(blas, key=str)))
    except ImportError:
        pass
    return (f"{'; '.join(info)}; Python {platform.python_version()}, NumPy {np.__version__}, "
            f"SciPy {scipy.__version__}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--peers", default="torch autograd,jax.jit", help="comma-separated")
    parser.add_argument("--memory", action="store_true", help="peak memory of one evaluation")
    parser.add_argument("--full", action="store_true", help="full runs of both presets")
    parser.add_argument("--mnist-dir", help="folder of the MNIST files (default: download)")
    parser.add_argument("--plain", action="store_true", help="plain calls, settings on and off")
    parser.add_argument("--plain-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_child:
        plain_child(args.plain_child, args.dtypes, args.repeats)
        return
    if args.plain:
        print(f"machine: {machine()}\n")
        print("| shape | dtype | settings | median ms per process | min ms |")
        print("|---|---|---|---|---:|")
        for shape in filter(None, args.shapes.split(",")):
            for dtype in args.dtypes.split(","):
                for setting, runs in plain_calls(shape, dtype, args.repeats).items():
                    medians = ", ".join(f"{1e3 * r['median']:.1f}" for r in runs)
                    best = 1e3 * min(r["min"] for r in runs)
                    print(f"| {shape} | {dtype} | {setting} | {medians} | {best:.1f} |", flush=True)
        return
    peers = [p for p in args.peers.split(",") if p]
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        parser.error(f"--peers: unknown {unknown}; choose from {sorted(PEERS)}, comma-separated")
    # What training does (optimize.train_sparse_autoencoder), for every row alike.
    tuned = keep_freed_memory()
    print(f"machine: {machine()}; malloc keeps freed memory: {tuned}\n")
    print("| shape | dtype | implementation | median ms | min ms | ratio to floor |")
    print("|---|---|---|---:|---:|---:|")
    for shape in filter(None, args.shapes.split(",")):
        for dtype in args.dtypes.split(","):
            for row in bench_shape(shape, dtype, args.repeats, peers):
                if "skipped" in row:
                    print(f"| {shape} | {dtype} | {row['impl']} | {row['skipped']} | | |")
                else:
                    cells = f"{1e3 * row['median']:.2f} | {1e3 * row['min']:.2f}"
                    print(f"| {shape} | {dtype} | {row['impl']} | {cells} | {row['ratio']:.2f}x |",
                          flush=True)  # fmt: skip
    if args.memory:
        print("\n| shape | dtype | peak MB above inputs | unavoidable MB | ratio |")
        print("|---|---|---:|---:|---:|")
        for shape in filter(None, args.shapes.split(",")):
            for dtype in args.dtypes.split(","):
                r = peak_memory(shape, dtype)
                print(f"| {shape} | {dtype} | {r['peak_MB']:.1f} | {r['unavoidable_MB']:.1f} | "
                      f"{r['ratio']:.2f}x |", flush=True)  # fmt: skip
    if args.full:
        print("\n| preset | wall s (with data) | training s | iterations | evaluations | cost |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in full_runs(args.mnist_dir):
            print(f"| {r['preset']} | {r['wall_s']:.1f} | {r['train_s']:.1f} | {r['iterations']} "
                  f"| {r['evaluations']} | {r['cost']:.4f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
