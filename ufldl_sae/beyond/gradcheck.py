r"""Gradient checks past the notes: every activation with every penalty, and a deep stack.

:func:`ufldl_sae.gradcheck.gradient_check` checks the notes' cost. This module checks
:func:`ufldl_sae.beyond.deep.autoencoder_cost` the same way (five-point stencil, relative difference
overall and per block ``W1 ... WL, b1 ... bL``) for any units, penalties and layers, and builds
the table ``ufldl-sae gradcheck --beyond`` prints.

Two of the new pieces have kinks where the derivative jumps: ReLU at 0 and L1 (of the weights,
or of tanh activations) at 0. There the code uses the subgradient 0, and a finite difference that
straddles a kink measures neither side, so a check is only meaningful away from them. Each check
therefore records the kink pattern (the sign of every weight and of every hidden
pre-activation) at theta, and again at every perturbed theta it evaluates: a step that crossed a
kink is reported (``kinks_crossed``) instead of passing silently as a "bug". The problems of
:func:`beyond_problem` are chosen so that no step does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..gradcheck import block_differences
from ..tuning import tuned
from .activations import get_activation
from .deep import autoencoder_cost, deep_block_slices, deep_unpack, initialize_deep
from .penalties import KLSparsity, L1Activations, L1Weights, Penalty, WeightDecay

#: Step of the five-point stencil and the float64 pass threshold, as for the notes' cost.
EPSILON, THRESHOLD = 1e-3, 1e-9


@dataclass(frozen=True)
class DeepCheck:
    """The outcome of one check: overall and per-block relative differences."""

    overall: float
    blocks: dict[str, float]
    kinks_crossed: bool

    @property
    def worst(self) -> float:
        return max([self.overall, *self.blocks.values()])

    @property
    def passed(self) -> bool:
        return self.worst < THRESHOLD and not self.kinks_crossed


def hidden_preactivations(
    theta: np.ndarray, layer_sizes: Sequence[int], data: np.ndarray, activation: str
) -> list[np.ndarray]:
    r""":math:`z^{(2)}, \dots, z^{(L)}` of the hidden layers, on the host."""
    f = get_activation(activation).f
    Ws, bs = deep_unpack(np.asarray(theta), layer_sizes)
    zs, a = [], data
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        zs.append(W @ a + b[:, None])
        a = f(zs[-1])
    return zs


def kink_pattern(
    theta: np.ndarray, layer_sizes: Sequence[int], data: np.ndarray, activation: str
) -> np.ndarray:
    """Signs of every weight and every hidden pre-activation, as one boolean vector (host).

    A change in this pattern between two thetas means a ReLU or an L1 term may have crossed
    its kink between them.
    """
    Ws, _ = deep_unpack(np.asarray(theta), layer_sizes)
    zs = hidden_preactivations(theta, layer_sizes, data, activation)
    return np.concatenate([np.reshape(x > 0, -1) for x in (*Ws, *zs)])


def deep_gradient_check(
    theta: np.ndarray,
    layer_sizes: Sequence[int],
    data: np.ndarray,
    *,
    activation: str = "sigmoid",
    output_activation: str = "sigmoid",
    penalties: Sequence[Penalty] = (),
    epsilon: float = EPSILON,
) -> DeepCheck:
    """Compare :func:`~ufldl_sae.beyond.deep.autoencoder_cost`'s gradient with the five-point
    numerical one (:func:`ufldl_sae.gradcheck.block_differences`), overall and per block, on the
    host in float64 (theta and data are small NumPy arrays)."""
    options = {"activation": activation, "output_activation": output_activation,
               "penalties": tuple(penalties)}  # fmt: skip
    _, grad = autoencoder_cost(theta, layer_sizes, data, **options)  # validates the arguments
    pattern = kink_pattern(theta, layer_sizes, data, activation)
    crossed = False

    def J(t: Any) -> Any:
        nonlocal crossed
        if not np.array_equal(kink_pattern(t, layer_sizes, data, activation), pattern):
            crossed = True
        return autoencoder_cost(t, layer_sizes, data, **options, check_inputs=False)[0]

    blocks = deep_block_slices(layer_sizes)
    with tuned(layer_sizes[0], max(layer_sizes[1:-1]), data.shape[1]):  # once, not per call
        differences = block_differences(J, theta, blocks, epsilon=epsilon, analytical=grad)
    overall = differences.pop("overall")
    return DeepCheck(overall, differences, crossed)


def kl_for(activation: str) -> KLSparsity:
    """The KL penalty each unit can take: the notes' for sigmoid, on (a+1)/2 for tanh, and the
    tutorials' sigmoid(a) for ReLU (with a target it can reach, rho = 0.7 > 0.5)."""
    return {
        "sigmoid": KLSparsity(0.1, 3.0),
        "tanh": KLSparsity(0.1, 3.0, "tanh"),
        "relu": KLSparsity(0.7, 3.0, "sigmoid"),
    }[activation]


def penalty_sets(activation: str) -> dict[str, tuple[Penalty, ...]]:
    """Each penalty alone, then all four together (column names of the table)."""
    kl = kl_for(activation)
    every = (WeightDecay(1e-3), L1Weights(1e-3), kl, L1Activations(1e-2))
    sets: dict[str, tuple[Penalty, ...]] = {"none": ()}
    sets |= {p.key: (p,) for p in every}
    sets["all"] = every
    return sets


def beyond_problem(
    layer_sizes: Sequence[int], activation: str, m: int, rng: np.random.Generator,
    margin: float = 0.01,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """theta (random biases too) and data in (0.1, 0.9), away from every kink.

    Weights nearer 0 than ``margin`` move to ``+-margin``; draws are repeated until no hidden
    pre-activation is nearer 0 than ``margin``. The stencil moves one parameter by at most
    ``2 * EPSILON``, which shifts a pre-activation by far less than ``margin``.
    """
    output = "identity" if activation == "relu" else activation
    n_weights = deep_block_slices(layer_sizes)["b1"].start  # the W blocks come first
    for _ in range(1000):
        theta = initialize_deep(layer_sizes, activation, rng, output_activation=output)
        theta[n_weights:] = rng.uniform(-0.3, 0.3, theta.size - n_weights)  # random biases too
        weights = theta[:n_weights]  # a view: the edits below land in theta
        small = np.abs(weights) < margin
        weights[small] = np.copysign(margin, weights[small])
        data = rng.uniform(0.1, 0.9, (layer_sizes[0], m))
        zs = hidden_preactivations(theta, layer_sizes, data, activation)
        if all(np.abs(z).min() >= margin for z in zs):
            return theta, data
    raise RuntimeError(f"no draw kept every pre-activation of {layer_sizes} {margin} from 0")


def beyond_table(seed: int = 0) -> list[tuple[str, str, str, DeepCheck]]:
    """Every activation with every penalty on a 10-6-10 network, then a 3-hidden-layer
    10-8-4-8-10 network with all penalties: rows of (network, units, penalties, check)."""
    rng = np.random.default_rng(seed)
    rows = []
    for sizes, m, name in (((10, 6, 10), 8, "10-6-10"), ((10, 8, 4, 8, 10), 6, "10-8-4-8-10")):
        for activation in ("sigmoid", "tanh", "relu"):
            theta, data = beyond_problem(sizes, activation, m, rng)
            output = "identity" if activation == "relu" else activation
            sets = penalty_sets(activation)
            if len(sizes) > 3:
                sets = {"all": sets["all"]}
            for label, penalties in sets.items():
                check = deep_gradient_check(theta, sizes, data, activation=activation,
                                            output_activation=output, penalties=penalties)
                rows.append((name, f"{activation}/{output}", label, check))
    return rows
