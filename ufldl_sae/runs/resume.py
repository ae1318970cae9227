"""Continuing a run from its folder, trusting nothing in it.

A run folder may have been damaged (a crash, a full disk), edited, or planted. Before a resume
uses anything from it:

* the checkpoint is read without pickles and without following links, and checked field by
  field (:func:`load_checkpoint`): exactly ``theta``, ``iteration`` and ``elapsed``; ``theta`` a
  finite 1-D float vector of the model's size; ``iteration`` an integer >= 0; ``elapsed`` a
  finite number >= 0;
* flags given with ``--resume`` either apply, and are recorded in ``config.json``'s ``changes``
  with the iteration where they took effect (:func:`apply_changes`), or are refused by name
  when they would change the model or its data;
* code is never imported because the folder names it: a run trained with ``--cost FILE`` needs
  ``--cost FILE`` again, whose SHA-256 must match the one recorded at the start
  (:func:`cost_sha256`), unless the user confirms the change.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import replace
from typing import Any

import numpy as np

from .config import RunConfig, check_record
from .folder import RunFolder

__all__ = [
    "CHANGEABLE",
    "apply_changes",
    "cost_sha256",
    "flag_name",
    "load_checkpoint",
]

#: What ``--resume`` may change: the optimizer's budget and cadence, the weights of the cost's
#: terms, the minibatch settings, where the computation runs, where MNIST is read from, and the
#: held-out examples. Everything else would change the model or its training data.
CHANGEABLE = frozenset({
    "max_iter", "checkpoint_every", "lambda_", "beta", "sparsity_param", "learning_rate",
    "batch_size", "backend", "dtype", "test_examples", "mnist_dir", "data_home",
})  # fmt: skip

_FLAGS = {"lambda_": "--lambda", "whitened": "--unwhitened", "cost_function": "--cost"}


def flag_name(field: str) -> str:
    """The command-line flag of a :class:`~ufldl_sae.runs.RunConfig` field."""
    return _FLAGS.get(field, "--" + field.rstrip("_").replace("_", "-"))


def apply_changes(config: RunConfig, given: dict[str, Any], iteration: int) -> RunConfig:
    """``config`` with the flags ``given`` with ``--resume`` applied, the change recorded.

    A flag equal to the recorded value changes nothing. A flag in :data:`CHANGEABLE` takes
    effect at ``iteration`` (the checkpoint's) and is added to ``changes``; any other is
    refused with a ``ValueError`` naming it, before anything is written.
    """
    differing = {k: v for k, v in given.items() if v is not None and getattr(config, k) != v}
    refused = sorted(k for k in differing if k not in CHANGEABLE)
    if refused:
        flags = ", ".join(flag_name(k) for k in refused)
        raise ValueError(
            f"{flags} cannot change when resuming: it would change the model or its data. "
            "Start a new run instead (--out DIR), or resume without it"
        )
    if not differing:
        return config
    checked = check_record(differing)
    entry = {"iteration": int(iteration), **checked}
    return replace(config, **checked, changes=[*config.changes, entry])


def cost_sha256(spec: str) -> str:
    """The SHA-256 of the file of a ``FILE.py[:FUNCTION]`` spec (what ``--resume`` compares)."""
    from ..coursework.loader import split_spec

    path, _ = split_spec(spec)
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _scalar(saved: dict[str, np.ndarray], name: str, kinds: str) -> Any:
    value = saved[name]
    if value.shape != () or value.dtype.kind not in kinds:
        raise ValueError(
            f"checkpoint.npz: {name} must be a single {'integer' if kinds == 'iu' else 'number'}, "
            f"got an array of shape {value.shape} and dtype {value.dtype}"
        )
    return value.item()


def load_checkpoint(
    run: RunFolder | str | os.PathLike[str], *, theta_size: int | None = None
) -> tuple[np.ndarray, int, float]:
    """``(theta, iteration, elapsed)`` of the run's latest checkpoint, each checked.

    ``theta_size``, when given, is the parameter count the run's model has on its data: a
    theta of another length is refused (the folder does not belong to this configuration).
    """
    folder = run if isinstance(run, RunFolder) else RunFolder(run)
    if not folder.exists("checkpoint.npz"):
        raise FileNotFoundError(f"{folder.path} has no checkpoint.npz to resume from")
    saved = folder.read_arrays("checkpoint.npz")  # no pickles; a link refused by name
    expected = {"theta", "iteration", "elapsed"}
    if set(saved) != expected:
        raise ValueError(
            f"checkpoint.npz must hold exactly {sorted(expected)}, got {sorted(saved)}"
        )
    theta = saved["theta"]
    if theta.ndim != 1 or theta.dtype.kind != "f" or theta.size == 0:
        raise ValueError(
            f"checkpoint.npz: theta must be a 1-D float vector, got shape {theta.shape} and "
            f"dtype {theta.dtype}"
        )
    if theta_size is not None and theta.size != theta_size:
        raise ValueError(
            f"checkpoint.npz: theta has {theta.size} entries, but this run's model has "
            f"{theta_size} parameters: the checkpoint belongs to another configuration"
        )
    if not np.all(np.isfinite(theta)):
        raise ValueError("checkpoint.npz: theta holds NaN or infinite entries")
    iteration = _scalar(saved, "iteration", "iu")
    if iteration < 0:
        raise ValueError(f"checkpoint.npz: iteration must be >= 0, got {iteration}")
    elapsed = float(_scalar(saved, "elapsed", "iuf"))
    if not math.isfinite(elapsed) or elapsed < 0:
        raise ValueError(f"checkpoint.npz: elapsed must be a finite number >= 0, got {elapsed}")
    return np.array(theta, dtype=np.float64), int(iteration), elapsed
