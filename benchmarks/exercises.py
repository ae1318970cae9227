"""Full-size runs of the course's later exercises: accuracy and wall time against the course.

    python benchmarks/exercises.py                      # every exercise, course settings
    python benchmarks/exercises.py softmax pca          # some of them
    python benchmarks/exercises.py --mnist-dir DIR --out-dir runs/bench

Each exercise runs with the course's defaults (:mod:`ufldl_sae.runs.exercises`) and leaves its run
folder under ``--out-dir``; one line per exercise gives its accuracy (or the PCA checks), the
course's figure and the wall time. ``gradcheck`` prints the gradient checks of the new costs.
The table of a measured run is in ``benchmarks/exercises_results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from ufldl_sae.runs import exercises

EXERCISES = ("gradcheck", "softmax", "self-taught", "stacked", "pca")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "which", nargs="*", metavar="EXERCISE", help=f"any of {', '.join(EXERCISES)} (default: all)"
    )
    parser.add_argument("--mnist-dir", default=os.environ.get("UFLDL_SAE_TEST_MNIST"))
    parser.add_argument("--data-home")
    parser.add_argument("--out-dir", default="runs/bench")
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--progress-every", type=int, default=25)
    args = parser.parse_args(argv)
    which = args.which or list(EXERCISES)
    unknown = [name for name in which if name not in EXERCISES]
    if unknown:
        parser.error(f"unknown exercise(s) {', '.join(unknown)}; choose from {EXERCISES}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.out_dir)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; backend {args.backend}, {args.dtype}"
    )
    common = {
        "backend": args.backend,
        "dtype": args.dtype,
        "seed": args.seed,
        "progress_every": args.progress_every,
    }
    mnist = None
    if any(name in ("softmax", "self-taught", "stacked") for name in which):
        mnist = exercises.load_mnist_sets(args.mnist_dir, args.data_home)
    results = {}
    for name in which:
        start = time.perf_counter()
        if name == "gradcheck":
            figures = exercises.check_gradients(args.seed, backend=args.backend)
            for cost, blocks in figures.items():
                text = ", ".join(f"{block} {value:.2e}" for block, value in blocks.items())
                print(f"gradcheck {cost}: {text}")
            results[name] = figures
            continue
        run = out / f"{name}-{stamp}"
        if name == "softmax":
            m = exercises.run_softmax(mnist=mnist, out=run, **common)
            line = f"test accuracy {100 * m['accuracy']:.2f}% (course 92.6%)"
        elif name == "self-taught":
            m = exercises.run_self_taught(mnist=mnist, out=run, **common)
            line = (
                f"test accuracy {100 * m['accuracy']:.2f}% (course 98.3%), raw pixels "
                f"{100 * m['raw_pixel_accuracy']:.2f}% (course about 96%)"
            )
        elif name == "stacked":
            m = exercises.run_stacked(mnist=mnist, out=run, **common)
            line = (
                f"before fine-tuning {100 * m['accuracy_before_finetuning']:.2f}% (course "
                f"87.7%), after {100 * m['accuracy']:.2f}% (course 97.6%)"
            )
        else:
            m = exercises.run_pca(out=run, **common)
            line = (
                f"k = {m['k']} of {m['n']}, max |cov(PCA white) - I| = "
                f"{m['whitened_identity_error']:.2e}, max |offdiag cov(x_rot)| = "
                f"{m['rotated_offdiagonal_max']:.2e}"
            )
        wall = time.perf_counter() - start
        stages = ", ".join(
            f"{k} {v['iterations']} it {v['wall_time_s']:.1f} s"
            for k, v in m.get("stages", {}).items()
        )
        print(f"RESULT {name}: {line}; wall time {wall:.1f} s ({stages}); run {run}", flush=True)
        results[name] = {**m, "benchmark_wall_s": round(wall, 2)}
    print("JSON " + json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
