"""Training on a million natural-image patches with dask's distributed scheduler, against NumPy.

The cost and its gradient are sums over examples, so the examples (columns) can be split into
chunks that live on different workers; ufldl-sae's unchanged ``sparse_autoencoder_cost`` builds
one dask graph per evaluation, and only theta and the gradient travel to and from the scheduler.
This script trains the patches exercise (64-25) for a few iterations on ``--patches`` examples,
once with plain NumPy and once with a ``LocalCluster``, and prints the throughput of each
(examples processed per second, over all evaluations) and their ratio, measured in the same run.

    python benchmarks/bench_dask.py                     # 1,000,000 patches, 10 iterations
    python benchmarks/bench_dask.py --patches 200000 --workers 2 --chunk 100000
"""

from __future__ import annotations

import argparse
import time

from ufldl_sae.data import load_natural_images, normalize_data, sample_images
from ufldl_sae.optimize import train_sparse_autoencoder
from ufldl_sae.params import initialize_parameters

ARGS = (64, 25, 1e-4, 0.01, 3.0)


def run(data, iterations: int) -> tuple[float, int, float]:
    theta0 = initialize_parameters(25, 64, 0)
    start = time.perf_counter()
    result = train_sparse_autoencoder(theta0, *ARGS, data, max_iter=iterations)
    return time.perf_counter() - start, result.n_evals, result.cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=125_000, help="examples per chunk")
    args = parser.parse_args()

    import dask.array as da
    from dask.distributed import Client, LocalCluster, wait

    data = normalize_data(sample_images(load_natural_images(), 8, args.patches, rng=0))
    print(f"{args.patches:,} patches of 8x8 ({data.nbytes / 1e6:.0f} MB), 64-25, "
          f"{args.iterations} L-BFGS iterations")  # fmt: skip
    seconds, evals, cost = run(data, args.iterations)
    rows = [("NumPy, one process", seconds, evals, cost)]
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster):
            chunked = da.from_array(data, chunks=(64, args.chunk)).persist()  # on the workers
            wait(chunked)  # the transfer to the workers is not part of the training time
            seconds, evals, cost = run(chunked, args.iterations)
            rows.append((f"dask LocalCluster, {args.workers} workers", seconds, evals, cost))
    base = rows[0][1] / rows[0][2]
    print("\n| how | wall s | evaluations | final cost | examples/s | ratio to NumPy |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds, evals, cost in rows:
        rate = args.patches * evals / seconds
        print(f"| {name} | {seconds:.1f} | {evals} | {cost:.6f} | {rate:,.0f} | "
              f"{base / (seconds / evals):.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
