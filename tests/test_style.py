"""The code stays ruff-clean (the project's rules live in .ruff.toml)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import REPO


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is part of the 'test' extra)")
    folders = ("ufldl_sae", "tests", "benchmarks", "data", "notebooks")
    paths = [p for p in folders if (REPO / p).exists()]
    result = subprocess.run(
        [ruff, "check", "--config", str(REPO / ".ruff.toml"), *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
