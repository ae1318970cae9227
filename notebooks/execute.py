"""Re-run notebooks at full size from their sources: ``python notebooks/execute.py 01 04``.

Each notebook named by its number (all of them if none is named) has its source ``0N_name.py``
copied into ``0N_name.ipynb`` by ``jupytext --update`` (cell ids and notebook metadata stay), then
runs in a fresh kernel from this folder and is saved with its outputs. ``jupyter execute
--inplace`` would do the second step too, but it stamps every cell with execution times, which
would make each run a diff; and the committed outputs must come from full-size runs, so
``UFLDL_SAE_NOTEBOOK_QUICK`` is cleared here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
#: Seconds a single cell may run: well above the longest one, notebook 7's timed training runs.
CELL_TIMEOUT_S = 900


def main(numbers: list[str]) -> int:
    sources = {path.name[:2]: path for path in sorted(HERE.glob("[0-9][0-9]_*.py"))}
    unknown = sorted(set(numbers) - set(sources))
    if unknown:
        raise SystemExit(f"numbers {unknown} name no notebook; expected some of {sorted(sources)}")
    os.environ.pop("UFLDL_SAE_NOTEBOOK_QUICK", None)  # inherited by the kernel
    for number in numbers or sorted(sources):
        source, notebook = sources[number], sources[number].with_suffix(".ipynb")
        new = [] if notebook.exists() else ["--set-kernel", "python3"]
        jupytext = [sys.executable, "-m", "jupytext", "--update", "--to", "ipynb", *new]
        subprocess.run([*jupytext, str(source)], check=True)
        nb = nbformat.read(notebook, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            nb,
            timeout=CELL_TIMEOUT_S,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": str(HERE)}},
        ).execute()
        nbformat.write(nb, notebook)
        print(f"{notebook.name}: executed in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
