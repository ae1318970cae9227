"""One TopK training epoch: ufldl-sae's hand-derived gradient against PyTorch autograd.

The same toy (:func:`ufldl_sae.data.toy_features`), the same model (64 -> 256 latents, TopK
with k = 5, pre-encoder bias, unit-norm decoder with its gradient projected), the same batches
(1024 samples), Adam with the same step size, float32 on the CPU with the same number of
threads. Both epochs are timed in the same run, in turn, ``--repeats`` times, and the ratio of
the medians is printed (absolute times vary on a shared machine, ratios much less). AuxK is
off in both (the toy has no dead latents). Without PyTorch (``pip install '.[bench]'``) only
ufldl-sae's time is printed.

    python benchmarks/bench_saes.py
    python benchmarks/bench_saes.py --samples 20000 --repeats 5 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from ufldl_sae.beyond.saes.layout import initialize_sae
from ufldl_sae.beyond.saes.train import SaeOptions, train_sae
from ufldl_sae.data import toy_features
from ufldl_sae.params import unpack


def ours(data: np.ndarray, options: SaeOptions) -> float:
    """Seconds of one epoch of :func:`~ufldl_sae.beyond.saes.train.train_sae` (its loop only:
    ``seconds`` excludes the evaluation after training)."""
    return train_sae(data, options, epochs=1, aux_coefficient=0.0).seconds


def torch_epoch(data: np.ndarray, options: SaeOptions) -> float | None:
    """Seconds of the same epoch written with PyTorch autograd; None without PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    v, h, k = data.shape[0], options.hidden_size, options.k
    theta = initialize_sae(data, h, "topk", rng=options.seed)
    W1, W2, b1, b2 = (torch.tensor(np.ascontiguousarray(a), dtype=torch.float32,
                                   requires_grad=True) for a in unpack(theta, v, h))  # fmt: skip
    with torch.no_grad():
        W2 /= W2.norm(dim=0, keepdim=True)
    X = torch.tensor(data.T, dtype=torch.float32)  # examples as rows, as PyTorch has them
    opt = torch.optim.Adam([W1, W2, b1, b2], lr=options.learning_rate)
    order = torch.from_numpy(np.random.default_rng(options.seed).permutation(X.shape[0]))
    bs = options.batch_size
    start = time.perf_counter()
    for first in range(0, X.shape[0] - bs + 1, bs):
        x = X[order[first : first + bs]]
        z = (x - b2) @ W1.T + b1
        top = torch.topk(z, k, dim=1)
        f = torch.zeros_like(z).scatter(1, top.indices, torch.relu(top.values))
        x_hat = f @ W2.T + b2
        loss = 0.5 * ((x_hat - x) ** 2).sum() / bs
        opt.zero_grad()
        loss.backward()
        with torch.no_grad():  # the unit-norm decoder: projected gradient, then renormalize
            W2.grad -= (W2.grad * W2).sum(dim=0, keepdim=True) * W2
        opt.step()
        with torch.no_grad():
            W2 /= W2.norm(dim=0, keepdim=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 1)))
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    from threadpoolctl import threadpool_limits

    data = toy_features(samples=args.samples).data.astype(np.float32)
    options = SaeOptions(architecture="topk", k=5, hidden_size=256, batch_size=1024,
                         learning_rate=2e-3, decay_fraction=0.0)  # fmt: skip
    times: dict[str, list[float]] = {"ufldl_sae": [], "torch": []}
    with threadpool_limits(args.threads):
        for _ in range(args.repeats):
            times["ufldl_sae"].append(ours(data, options))
            t = torch_epoch(data, options)
            if t is not None:
                times["torch"].append(t)
    report = {name: statistics.median(ts) for name, ts in times.items() if ts}
    if "torch" in report:
        report["ratio_ufldl_sae_to_torch"] = report["ufldl_sae"] / report["torch"]
        report["torch_version"] = torch.__version__
    else:
        report["torch"] = "not installed (pip install '.[bench]')"
    report |= {"samples": args.samples, "threads": args.threads, "repeats": args.repeats}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
