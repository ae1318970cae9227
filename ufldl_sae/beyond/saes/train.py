r"""Minibatch Adam for the sparse autoencoders of :mod:`ufldl_sae.beyond.saes`, and evaluation.

Why minibatch Adam and not the notes' full-batch L-BFGS: L-BFGS builds a curvature model from
successive gradients of one smooth function and line-searches along it. TopK's selection and
JumpReLU's thresholds make the cost piecewise (the selection changes between two evaluations,
the thresholds' pseudo-gradient is not the gradient of the cost at all), so the line search's
sufficient-decrease test and the curvature pairs stop meaning what L-BFGS assumes; and the
field's data (a network's activations, millions of samples) never fit one batch. Adam takes
small steps from noisy gradients, which both problems tolerate. The update rule is
:func:`~ufldl_sae.beyond.steps.adam_step`, its step size decayed linearly to 0 over the last
``decay_fraction`` of the steps (as Gao et al. and Anthropic train: the last steps average
out the minibatch noise instead of adding to it); after each step the decoder columns are put
back on the unit sphere where the architecture asks for it, their gradient projected first
(:mod:`~ufldl_sae.beyond.saes.decoder`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ...backend import array_namespace, device_of, from_host, get_dtype
from ...model import sigmoid
from ...params import as_rng, unpack
from ...tuning import tuned
from ...validation import check_int, check_real
from ..deep import autoencoder_cost
from ..penalties import parse_penalties
from ..steps import adam_step
from .core import encoder_pass, gate_of, reconstruct
from .decoder import DeadLatents, normalize_decoder, project_decoder_gradient
from .jumprelu import DEFAULT_BANDWIDTH, jumprelu_cost
from .layout import ARCHITECTURES, initialize_sae, sae_unpack
from .metrics import MetricsAccumulator
from .models import auxk_cost, batchtopk_cost, batchtopk_mask, relu_l1_cost, topk_cost, topk_mask
from .refit import support_refit

__all__ = [
    "SaeOptions",
    "SaeResult",
    "budget_curve",
    "encode",
    "evaluate",
    "sae_objective",
    "train_sae",
]

#: Firing threshold of the notes' sigmoid units (see :mod:`~ufldl_sae.beyond.saes.metrics`).
SIGMOID_FIRING_THRESHOLD = 0.5


@dataclass(frozen=True)
class SaeOptions:
    """Everything that defines one training run (defaults: the toy's)."""

    architecture: str = "topk"
    hidden_size: int = 256
    k: int = 5
    l1_coefficient: float = 0.2
    weight_by_decoder_norm: bool = True
    l0_coefficient: float = 0.03
    bandwidth: float = DEFAULT_BANDWIDTH
    initial_threshold: float = 0.1
    kl: str = "kl=0.02:3"
    aux_k: int = 32
    aux_coefficient: float = 1.0 / 32
    dead_after: int = 20_000
    epochs: int = 20
    batch_size: int = 1024
    learning_rate: float = 1e-3
    decay_fraction: float = 0.2
    unit_norm_decoder: bool | None = None  # None: yes for topk, batchtopk, jumprelu
    seed: int = 0
    dtype: str = "float32"

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}"
            )
        for name in ("hidden_size", "k", "aux_k", "dead_after", "epochs", "batch_size"):
            check_int(name, getattr(self, name))
        check_real("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_real("decay_fraction", self.decay_fraction, low=0.0, high=1.0)
        if self.k > self.hidden_size:
            raise ValueError(f"k must be at most hidden_size={self.hidden_size}, got {self.k}")

    @property
    def unit_norm(self) -> bool:
        """Whether the decoder columns are kept at norm 1."""
        if self.unit_norm_decoder is not None:
            return self.unit_norm_decoder
        return self.architecture in ("topk", "batchtopk", "jumprelu")


@dataclass
class SaeResult:
    """A trained model: theta, its metrics, the training time and the per-epoch history."""

    theta: Any
    options: SaeOptions
    metrics: dict[str, Any]
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


Objective = Callable[[Any, Any], tuple[Any, Any]]


def sae_objective(options: SaeOptions, visible_size: int) -> Objective:
    """``J(theta, batch)`` of ``options.architecture`` (AuxK apart): ``(cost, grad, f, x_hat)``,
    or ``(cost, grad)`` for the notes' model, whose code is not sparse."""
    o, v, h = options, visible_size, options.hidden_size
    if o.architecture == "relu-l1":
        return lambda t, x: relu_l1_cost(
            t,
            v,
            h,
            x,
            o.l1_coefficient,
            weight_by_decoder_norm=o.weight_by_decoder_norm,
            return_code=True,
        )
    if o.architecture == "topk":
        return lambda t, x: topk_cost(t, v, h, x, o.k, return_code=True)
    if o.architecture == "batchtopk":
        return lambda t, x: batchtopk_cost(t, v, h, x, o.k, return_code=True)
    if o.architecture == "jumprelu":
        return lambda t, x: jumprelu_cost(
            t, v, h, x, o.l0_coefficient, bandwidth=o.bandwidth, return_code=True
        )
    penalties = parse_penalties(o.kl)  # parsed and checked once, not on every minibatch
    return lambda t, x: autoencoder_cost(
        t, (v, h, v), x, activation="sigmoid", output_activation="identity", penalties=penalties,
        check_inputs=False,
    )  # fmt: skip


def encode(theta: Any, options: SaeOptions, data: Any) -> tuple[Any, Any]:
    """The code ``f`` (hidden x m) and the reconstruction of ``data`` (visible x m).

    BatchTopK selects over the whole of ``data`` at once (the same mean budget per sample).
    """
    xp = array_namespace(theta, data)
    v, h, a = data.shape[0], options.hidden_size, options.architecture
    if a == "notes":
        W1, W2, b1, b2 = unpack(theta, v, h)
        f = sigmoid(W1 @ data + b1[:, None])
        return f, W2 @ f + b2[:, None]
    p = encoder_pass(theta, v, h, data)
    if a == "relu-l1":
        on = p.z > 0
    elif a == "topk":
        on = topk_mask(p.z, options.k) & (p.z > 0)
    elif a == "batchtopk":
        on = batchtopk_mask(p.z, options.k) & (p.z > 0)
    else:
        on = p.z > xp.exp(p.blocks["log_threshold"])[:, None]
    f = p.z * gate_of(on, p.z)
    return f, reconstruct(p.blocks, f)


def evaluate(
    theta: Any,
    options: SaeOptions,
    data: Any,
    *,
    features: Any = None,
    batch: int = 20_000,
    refit: bool = False,
) -> dict[str, Any]:
    """The metrics of :mod:`~ufldl_sae.beyond.saes.metrics` on ``data``, in batches.

    ``refit=True`` measures the reconstruction from the same latents with their sizes solved
    by least squares (:func:`~ufldl_sae.beyond.saes.refit.support_refit`): what the dictionary
    and the encoder's selection allow, apart from the encoder's sizing.
    """
    threshold = SIGMOID_FIRING_THRESHOLD if options.architecture == "notes" else 0.0
    acc = MetricsAccumulator(options.hidden_size, firing_threshold=threshold)
    m = data.shape[1]
    size = m if options.architecture == "batchtopk" else batch
    for start in range(0, m, size):
        x = data[:, start : min(start + size, m)]  # the array API has no out-of-range stop
        f, x_hat = encode(theta, options, x)
        if refit:
            x_hat = _refit_in_batches(theta, options, x, f, batch)
        acc.add(x, x_hat, f)
    decoder = sae_unpack(theta, data.shape[0], options.hidden_size)["W2"]
    return acc.result(decoder=decoder, features=features)


def train_sae(
    data: Any,
    options: SaeOptions = SaeOptions(),  # noqa: B008 (frozen)
    *,
    features: Any = None,
    evaluate_on: Any = None,
    progress: Callable[[dict[str, float]], None] | None = None,
    **overrides: Any,
) -> SaeResult:
    """Train ``options.architecture`` on ``data`` (visible x m) by minibatch Adam.

    ``overrides`` replace fields of ``options``. The training runs in ``options.dtype``
    (float32 by default, as the field trains: half the memory traffic of float64, and Adam's
    noisy steps do not need more digits); the metrics accumulate in float64 whatever it is.
    TopK and BatchTopK add AuxK on the latents dead for ``dead_after`` samples. The metrics
    are taken on ``evaluate_on`` (default: ``data``), with ``mcc`` when the true ``features``
    are given. ``progress(row)`` is called with each epoch's history row (epoch, mean
    minibatch cost, dead fraction, seconds so far) as soon as the epoch ends.
    """
    o = replace(options, **overrides)
    xp = array_namespace(data)
    data = xp.astype(data, get_dtype(xp, o.dtype))
    v, h, m = data.shape[0], o.hidden_size, data.shape[1]
    rng = as_rng(o.seed)
    theta = initialize_sae(data, h, o.architecture, rng=rng, threshold=o.initial_threshold)
    if o.unit_norm:
        theta = normalize_decoder(theta, v, h)
    J = sae_objective(o, v)
    m1, m2 = xp.zeros_like(theta), xp.zeros_like(theta)
    steps_per_epoch = m // o.batch_size
    if steps_per_epoch < 1:
        raise ValueError(f"batch_size must be at most the {m} samples, got {o.batch_size}")
    total_steps, t = o.epochs * steps_per_epoch, 0
    dead = DeadLatents(h, o.dead_after)
    aux = o.architecture in ("topk", "batchtopk") and o.aux_coefficient > 0
    history: list[dict[str, float]] = []
    with tuned(v, h, o.batch_size, max_age=0):  # BLAS threads for the batch's products
        start = time.perf_counter()
        for epoch in range(o.epochs):
            order = rng.permutation(m)
            total = 0.0
            for first in range(0, m - o.batch_size + 1, o.batch_size):
                idx = from_host(order[first : first + o.batch_size], xp, device=device_of(data))
                x = xp.take(data, idx, axis=1)
                out = J(theta, x)
                cost, grad = out[0], out[1]
                if len(out) == 4:
                    f, x_hat = out[2], out[3]
                    dead.update(f)  # one bool per latent comes to the host
                    dead_host = dead.dead()  # read there: no further transfer
                    if aux and dead_host.any():
                        mask = from_host(dead_host, xp, device=device_of(data))
                        _, g_aux = auxk_cost(
                            theta, v, h, x, x - x_hat, mask, o.aux_k, o.aux_coefficient
                        )
                        grad = grad + g_aux
                if o.unit_norm:
                    grad = project_decoder_gradient(grad, theta, v, h)
                t += 1
                rate = o.learning_rate * _decay(t, total_steps, o.decay_fraction)
                theta, m1, m2 = adam_step(theta, grad, m1, m2, t, rate)
                if o.unit_norm:
                    theta = normalize_decoder(theta, v, h)
                total += float(cost)
            history.append({"epoch": epoch + 1, "cost": total / steps_per_epoch,
                            "dead_fraction": dead.dead_fraction,
                            "seconds": time.perf_counter() - start})  # fmt: skip
            if progress is not None:
                progress(history[-1])
    seconds = time.perf_counter() - start
    metrics = evaluate(theta, o, data if evaluate_on is None else evaluate_on, features=features)
    return SaeResult(theta, o, metrics, seconds, history)


def _refit_in_batches(theta: Any, options: SaeOptions, x: Any, f: Any, batch: int) -> Any:
    """:func:`support_refit` a few thousand examples at a time (it holds visible x K numbers
    per example); the notes' sigmoid code has no support to keep, so it is refused."""
    if options.architecture == "notes":
        raise ValueError("refit needs a sparse code: the notes' sigmoid units are never 0")
    xp = array_namespace(x)
    v, h, m = x.shape[0], options.hidden_size, x.shape[1]
    step = max(1, min(batch, 5_000))
    parts = [
        support_refit(theta, v, h, x[:, i : min(i + step, m)], f[:, i : min(i + step, m)])
        for i in range(0, m, step)
    ]
    return xp.concat(parts, axis=1)


def _decay(t: int, total: int, fraction: float) -> float:
    """The step-size factor at step ``t`` of ``total``: 1, then linear to 0 over the last
    ``fraction`` of the steps (never exactly 0: the last step still moves)."""
    tail = fraction * total
    return 1.0 if tail <= 0 else min(1.0, (total - t + 1) / tail)


def budget_curve(
    theta: Any, options: SaeOptions, data: Any, budgets: Sequence[int]
) -> list[dict[str, float]]:
    """The L0 / explained-variance trade-off of a trained dictionary: for each budget b, keep
    each example's b largest codes (of the model's own code) and measure ``l0`` and
    ``explained_variance``. One training gives the whole curve; the model's own point is
    where its code is left as it is."""
    f, _ = encode(theta, options, data)
    v, h = data.shape[0], options.hidden_size
    blocks = sae_unpack(theta, v, h)
    W2, b2 = blocks["W2"], blocks["b2"]
    curve = []
    for b in budgets:
        kept = f * gate_of(topk_mask(f, min(int(b), h)) & (f > 0), f)
        acc = MetricsAccumulator(h, firing_threshold=0.0)
        acc.add(data, W2 @ kept + b2[:, None], kept)
        out = acc.result()
        curve.append(
            {"budget": int(b), "l0": out["l0"], "explained_variance": out["explained_variance"]}
        )
    return curve
