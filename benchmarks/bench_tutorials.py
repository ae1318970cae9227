"""The tutorials' presets end to end: wall time, final cost and held-out reconstruction error.

Each preset of :data:`ufldl_sae.runs.TUTORIAL_NOTES` is trained exactly as
``ufldl-sae train --preset NAME`` trains it (same code path: :func:`ufldl_sae.runs.train_run`),
into a temporary run folder, and the table gives the reconstruction error per example on
held-out data (the MNIST test digits, or fresh patches) beside the training one. The notes'
L-BFGS exercises are listed for reference when ``--with-exercises`` is given.

    python benchmarks/bench_tutorials.py --mnist-dir ../shared/data/mnist
    python benchmarks/bench_tutorials.py --mnist-dir DIR --presets keras-deep --epochs 5
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from ufldl_sae.runs import TUTORIAL_NOTES, RunConfig, prepare_data, train_run


def run_preset(name: str, mnist_dir: str | None, epochs: int | None) -> dict:
    config = RunConfig.from_preset(name, mnist_dir=mnist_dir, max_iter=epochs)
    data = prepare_data(config)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        metrics = train_run(config, Path(folder), verbose=0, data=data)
        wall = time.perf_counter() - start
    return {"preset": name, "config": config, "metrics": metrics, "wall": wall}


def row(result: dict) -> str:
    m, config = result["metrics"], result["config"]
    test = m.get("test", {})
    sizes = "-".join(str(n) for n in m["layer_sizes"])
    return (
        f"| {result['preset']} | {sizes} | {config.activation} | {config.penalties or 'notes'} "
        f"| {m['solver']} | {m['iterations']} | {m['examples']} | {m['cost']:.4f} "
        f"| {test.get('train_reconstruction_error', float('nan')):.4f} "
        f"| {test.get('reconstruction_error', float('nan')):.4f} | {result['wall']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", help="folder of the four MNIST files")
    parser.add_argument("--presets", default=",".join(TUTORIAL_NOTES))
    parser.add_argument("--epochs", type=int, help="override every preset's epochs")
    parser.add_argument("--with-exercises", action="store_true",
                        help="also run the notes' 'patches' and 'mnist' L-BFGS presets")
    args = parser.parse_args()
    names = [n for n in args.presets.split(",") if n]
    if args.with_exercises:
        names = ["patches", "mnist", *names]
    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print("| preset | layers | units | penalties | solver | epochs/iterations | training "
          "examples | final cost | train rec. error | test rec. error | wall s |")
    print("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        print(row(run_preset(name, args.mnist_dir, args.epochs)), flush=True)


if __name__ == "__main__":
    main()
