"""The course's ``DEBUG`` step for the later exercises' costs: analytic against numerical
gradients, overall and per block."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exercises.softmax import softmax_cost
from ..exercises.stacked import NetConfig, block_slices, stacked_ae_cost
from ..gradcheck import block_differences
from .mnist_sets import Device

__all__ = ["check_gradients"]


def check_gradients(seed: int = 0, *, backend: str = "numpy") -> dict[str, dict[str, float]]:
    """Relative differences of the analytic and numerical gradients, overall and per block.

    As the course's ``DEBUG`` step: softmax regression (8 inputs, 10 classes, 100 examples,
    lambda 1e-4) and the fine-tuning cost of a small stack (8 -> 5 -> 4 -> 3 classes, 20
    examples, lambda 1e-4), in float64, with the five-point stencil (epsilon 1e-3). A correct
    gradient gives about 1e-12; the threshold is 1e-9.
    """
    rng = np.random.default_rng(seed)
    device = Device(backend, "float64")
    figures: dict[str, dict[str, float]] = {}

    x = device.put(rng.standard_normal((8, 100)))
    y = device.labels(rng.integers(0, 10, 100))
    theta = device.put(0.005 * rng.standard_normal(80))

    def J(t: Any) -> Any:
        return softmax_cost(t, 10, 8, 1e-4, x, y)

    figures["softmax_cost"] = block_differences(J, theta, {"theta": slice(0, 80)})

    net_config = NetConfig(8, (5, 4))
    x = device.put(rng.random((8, 20)))
    y = device.labels(rng.integers(0, 3, 20))
    theta = device.put(0.5 * rng.standard_normal(3 * 4 + net_config.stack_size))

    def J2(t: Any) -> Any:
        return stacked_ae_cost(t, 8, 4, 3, net_config, 1e-4, x, y)

    figures["stacked_ae_cost"] = block_differences(J2, theta, block_slices(4, 3, net_config))
    return figures

