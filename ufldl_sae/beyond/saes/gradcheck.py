r"""Gradient checks of the dictionary-learning autoencoders, as one table.

Each model of :mod:`ufldl_sae.beyond.saes` is piecewise smooth: a ReLU gate, a TopK selection
or a JumpReLU jump changes somewhere, and between those changes the cost is as smooth as the
notes' and the notes' check applies (:func:`ufldl_sae.gradcheck.block_differences`, a
five-point stencil, 1e-9 in float64). A check is valid only if no step of the stencil changes
the gate or the selection, so every evaluation records it and a row whose piece changed says
so instead of passing. The problems are small (6 visible, 10 latents, 20 examples) with seeds
whose selections keep clear of ties by more than the step.

Two rows check what a plain finite difference cannot:

* the unit-norm decoder: the projected gradient is the gradient of :math:`J(W/\lVert W\rVert)`
  at a unit-norm decoder, so that composed cost is differenced instead;
* JumpReLU's thresholds: their true derivative is 0 almost everywhere (a finite difference
  gives exactly 0), and training uses a straight-through pseudo-derivative instead; what can be
  checked is the smoothed cost it is the exact gradient of
  (:func:`~ufldl_sae.beyond.saes.jumprelu.jumprelu_surrogate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...gradcheck import block_differences
from ..gradcheck import DeepCheck
from .core import encoder_pass
from .decoder import normalize_decoder, project_decoder_gradient
from .jumprelu import jumprelu_cost, jumprelu_surrogate
from .layout import initialize_sae, sae_blocks, sae_theta_size
from .models import (
    auxk_cost,
    batchtopk_cost,
    batchtopk_mask,
    relu_l1_cost,
    topk_cost,
    topk_mask,
)

__all__ = ["SAE_PROBLEM", "sae_gradient_table"]

#: Visible size, latents and examples of every problem of the table.
SAE_PROBLEM = (6, 10, 20)
_V, _H, _M = SAE_PROBLEM


def _problem(seed: int, architecture: str = "topk", threshold: float = 0.1) -> tuple[Any, Any]:
    """Data and a theta off the initializer's symmetric start (seeded)."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((_V, _M))
    theta = initialize_sae(data, _H, architecture, rng=seed, threshold=threshold)
    return data, theta + 0.1 * rng.standard_normal(theta.shape[0])


def _checked(
    J: Callable[[Any], Any],
    theta: Any,
    blocks: dict[str, slice],
    piece: Callable[[Any], Any],
    **options: Any,
) -> DeepCheck:
    """``block_differences`` of ``J`` at ``theta``, recording whether any evaluation changed
    the piece (gate or selection) that ``theta`` is on."""
    base = piece(theta)
    changed = False

    def recording(t: Any) -> Any:
        nonlocal changed
        changed = changed or not np.array_equal(piece(t), base)
        return J(t)

    report = block_differences(recording, theta, blocks, **options)
    overall = report.pop("overall")
    return DeepCheck(overall, report, changed)


def _z(theta: Any, data: Any) -> Any:
    return encoder_pass(theta, _V, _H, data).z


def _relu_l1(weighted: bool) -> DeepCheck:
    data, theta = _problem(1, "relu-l1")
    return _checked(
        lambda t: relu_l1_cost(t, _V, _H, data, 0.1, weight_by_decoder_norm=weighted)[0],
        theta, sae_blocks(_V, _H, "relu-l1"), lambda t: _z(t, data) > 0,
        analytical=relu_l1_cost(theta, _V, _H, data, 0.1, weight_by_decoder_norm=weighted)[1],
    )  # fmt: skip


def _budget(cost: Callable[..., Any], mask: Callable[[Any, int], Any]) -> DeepCheck:
    data, theta = _problem(4)
    return _checked(
        lambda t: cost(t, _V, _H, data, 3)[0], theta, sae_blocks(_V, _H, "topk"),
        lambda t: mask(_z(t, data), 3) & (_z(t, data) > 0),
        analytical=cost(theta, _V, _H, data, 3)[1],
    )  # fmt: skip


def _auxk() -> DeepCheck:
    data, theta = _problem(3)
    residual = np.random.default_rng(9).standard_normal((_V, _M))  # held constant
    dead = np.arange(_H) % 2 == 0

    def chosen(t: Any) -> Any:
        z = _z(t, data)
        return topk_mask(np.where(dead[:, None], z, z.min() - 1), 2) & dead[:, None] & (z > 0)

    return _checked(
        lambda t: auxk_cost(t, _V, _H, data, residual, dead, 2, 0.5)[0], theta,
        sae_blocks(_V, _H, "topk"), chosen,
        analytical=auxk_cost(theta, _V, _H, data, residual, dead, 2, 0.5)[1],
    )  # fmt: skip


def _unit_norm() -> DeepCheck:
    data, theta = _problem(4)
    theta = normalize_decoder(theta, _V, _H)
    projected = project_decoder_gradient(topk_cost(theta, _V, _H, data, 3)[1], theta, _V, _H)

    def gate(t: Any) -> Any:  # TopK's whole gate: the selection and the ReLU after it
        z = _z(normalize_decoder(t, _V, _H), data)
        return topk_mask(z, 3) & (z > 0)

    return _checked(
        lambda t: topk_cost(normalize_decoder(t, _V, _H), _V, _H, data, 3)[0], theta,
        sae_blocks(_V, _H, "topk"), gate, analytical=projected,
    )  # fmt: skip


def _jumprelu_weights() -> DeepCheck:
    data, theta = _problem(16, "jumprelu", threshold=0.3)
    blocks = {k: v for k, v in sae_blocks(_V, _H, "jumprelu").items() if k != "log_threshold"}
    n = sae_theta_size(_V, _H, "topk")
    return _checked(
        lambda t: jumprelu_cost(t, _V, _H, data, 0.1)[0], theta, blocks,
        lambda t: _z(t, data) > np.exp(t[-_H:])[:, None],
        analytical=jumprelu_cost(theta, _V, _H, data, 0.1)[1], indices=range(n),
    )  # fmt: skip


def _jumprelu_surrogate() -> DeepCheck:
    data, theta = _problem(16, "jumprelu", threshold=0.3)
    n, bandwidth = sae_theta_size(_V, _H, "topk"), 0.5
    _, grad = jumprelu_cost(theta, _V, _H, data, 0.1, bandwidth=bandwidth)
    z = _z(theta, data)

    def window(log_threshold: Any) -> Any:  # the ramps' ends are the surrogate's own kinks
        return np.abs(z - np.exp(log_threshold)[:, None]) < bandwidth / 2

    return _checked(
        lambda lt: jumprelu_surrogate(lt, theta, _V, _H, data, 0.1, bandwidth=bandwidth),
        theta[n:], {}, window, analytical=grad[n:],
    )  # fmt: skip


def sae_gradient_table() -> list[tuple[str, str, DeepCheck]]:
    """``(model, what is checked, check)`` for every model, in the order of the notebook.

    ``check.passed`` needs every difference below :data:`~ufldl_sae.beyond.gradcheck.THRESHOLD`
    (1e-9) and no change of gate or selection within the stencil.
    """
    return [
        ("relu-l1, L1 x |d_j|", "all blocks", _relu_l1(True)),
        ("relu-l1, plain L1", "all blocks", _relu_l1(False)),
        ("topk, k 3", "all blocks", _budget(topk_cost, topk_mask)),
        ("batchtopk, k 3", "all blocks", _budget(batchtopk_cost, batchtopk_mask)),
        ("auxk, k_aux 2", "residual held", _auxk()),
        ("topk, unit-norm W_dec", "J(W / |W|)", _unit_norm()),
        ("jumprelu", "W, b (no jump)", _jumprelu_weights()),
        ("jumprelu", "thresholds: surrogate", _jumprelu_surrogate()),
    ]
