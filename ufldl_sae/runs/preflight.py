r"""Checks a run makes before it creates anything: the model's values, the held-out examples,
and whether one evaluation fits in the memory that is free.

A run refused here leaves no folder behind. The memory estimate counts what training holds at
its peak, in bytes, for ``m`` examples, ``n`` parameters, the units :math:`s_2 + \dots + s_L`
of the layers above the input, and the dtype's ``b`` bytes (4 or 8):

.. math::

    \underbrace{2 \cdot 8\, s_1 m}_{\text{host data}}
    + \underbrace{b\, s_1 m}_{\text{device data}}
    + \underbrace{3\, b\, m \textstyle\sum_{l \ge 2} s_l}_{a,\ \delta,\ \text{temporary}}
    + \underbrace{8\,(2k + 12)\, n + 8 \cdot 11\, k^2}_{\text{L-BFGS's } k
      \text{ pairs and workspace, theta copies}}

The activations and the deltas of every layer exist together during backpropagation (the
forward pass keeps each :math:`a^{(l)}` for the backward one), and SciPy's L-BFGS-B allocates its
:math:`2k` correction vectors (``k = 100``, minFunc's ``Corr``) and its :math:`11 k^2`
workspace at the start. On the GPU the
device terms live in the device's memory, so only the host terms are compared with what is
free.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..beyond.deep import deep_theta_size
from ..validation import check_int
from .config import RunConfig

__all__ = ["MemoryEstimate", "available_memory", "check_memory", "check_test_examples",
           "estimate_memory", "planned_memory"]  # fmt: skip

#: Correction pairs L-BFGS keeps (the estimator's ``history_size``).
LBFGS_PAIRS = 100


@dataclass(frozen=True)
class MemoryEstimate:
    """The bytes one run holds at its peak, by part (see the module's formula)."""

    data: int
    activations: int
    parameters: int
    device: bool

    @property
    def host(self) -> int:
        """What lives in host memory (everything on the CPU; data and parameters on a GPU)."""
        return self.data + self.parameters + (0 if self.device else self.activations)

    def describe(self) -> str:
        return (
            f"the data {_size(self.data)}, the activations and deltas {_size(self.activations)}"
            f"{' (on the GPU)' if self.device else ''}, the parameters and L-BFGS's memory "
            f"{_size(self.parameters)}"
        )


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")


def estimate_memory(
    config: RunConfig, layer_sizes: tuple[int, ...], examples: int
) -> MemoryEstimate:
    """The peak bytes of training ``layer_sizes`` (input first) on ``examples`` examples."""
    itemsize = 4 if config.dtype == "float32" else 8
    visible = layer_sizes[0]
    n = deep_theta_size(layer_sizes)
    units = sum(layer_sizes[1:])
    device = config.backend == "cupy"
    pairs = LBFGS_PAIRS if config.solver == "lbfgs" else 0
    return MemoryEstimate(
        data=2 * 8 * visible * examples + (0 if device else itemsize * visible * examples),
        activations=3 * itemsize * units * examples,
        parameters=8 * (2 * pairs + 12) * n + 8 * 11 * pairs * pairs,
        device=device,
    )


def available_memory() -> int | None:
    """Bytes of memory free for a new process: ``MemAvailable`` of ``/proc/meminfo`` (Linux),
    else the free physical pages (``os.sysconf``); None when neither is known."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(estimate: MemoryEstimate, available: int | None = None) -> None:
    """A ``MemoryError``-free refusal: a ``ValueError`` with the figures when it cannot fit."""
    free = available_memory() if available is None else available
    if free is None or estimate.host <= free:
        return
    raise ValueError(
        f"this run needs about {_size(estimate.host)} of memory ({estimate.describe()}), but "
        f"only {_size(free)} is free\nuse fewer examples (--num-patches, --num-images), fewer "
        "hidden units, or --dtype float32"
    )


def check_test_examples(config: RunConfig) -> int:
    """``test_examples`` as an integer >= 0 (0: none); the MNIST bound is checked on loading."""
    return check_int("test_examples", config.test_examples, minimum=0)


def planned_memory(config: RunConfig) -> MemoryEstimate:
    """:func:`estimate_memory` from the config alone, before any data is drawn or loaded.

    The input size is the patch's pixels or MNIST's 784, the examples ``num_patches`` or
    ``num_images`` (at most the 60,000 training digits); the layers are ``hidden_layer_sizes``
    or ``hidden_size``, mirrored: a refusal here never allocates the data it would not hold.
    """
    if config.data == "patches":
        visible, examples = config.patch_size**2, config.num_patches
    else:
        visible, examples = 784, min(config.num_images, 60_000)
    hidden = config.hidden_layer_sizes or [config.hidden_size]
    return estimate_memory(config, (visible, *hidden, visible), examples)
