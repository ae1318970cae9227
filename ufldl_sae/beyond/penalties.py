r"""Penalties added to the reconstruction error: on the weights, or on the hidden activations.

The notes' cost has two penalties, weight decay and the KL sparsity penalty. This module keeps
them, with the notes' formulas (the KL term's cost, derivative and saturation check are
:mod:`ufldl_sae.model`'s own; weight decay is summed over any number of matrices), and adds two
L1 penalties, each a small frozen dataclass with its own cost and its own share of the gradient:

- :class:`WeightDecay` (``l2=lambda``), on the weights:
  :math:`\frac{\lambda}{2}\sum_l \lVert W^{(l)}\rVert_F^2`, the notes' weight decay;
- :class:`L1Weights` (``l1w=weight``), on the weights: :math:`w \sum_l \sum |W^{(l)}|`;
- :class:`KLSparsity` (``kl=rho:beta`` or ``kl=rho:beta:rescale``), on the activations:
  :math:`\beta \sum_j \mathrm{KL}(\rho\|\hat\rho_j)`, the notes' sparsity penalty;
- :class:`L1Activations` (``l1a=weight``), on the activations:
  :math:`w \frac{1}{m}\sum_i \sum_j |a^{(i)}_j|`.

A *weight* penalty has ``cost(Ws)`` over all weight matrices and ``gradient(W)``, added to
:math:`\nabla_{W} J` of each matrix. The biases are never penalized, as in the notes.

An *activation* penalty has ``cost(a)`` and ``delta(a)`` for the activations ``a`` of one hidden
layer, of shape (hidden, m). The delta term enters the backpropagated error before the product
with :math:`f'(z)`, as the notes' sparsity term does:

.. math:: \delta^{(l)} = \left((W^{(l)})^T \delta^{(l+1)} + \text{delta term}\right)
          \bullet f'(z^{(l)}).

The convention is the notes': :math:`\delta^{(l)}` is *per example*, and the gradients average
it, :math:`\nabla_{W^{(l-1)}} J = \frac{1}{m}\delta^{(l)} (a^{(l-1)})^T`. So the delta term is
:math:`m\,\partial P / \partial a^{(l)}_{j,i}`: for a penalty that is itself an average over the
examples (L1 on the activations) it is the per-example derivative; for KL, whose
:math:`\hat\rho_j` is an average, the :math:`1/m` of :math:`\partial\hat\rho_j/\partial a` and
the :math:`m` cancel, which is why the notes' term has no :math:`m` in it.

:func:`check_compatible` says which penalties are defined for which activation (KL needs mean
activations in (0, 1)); :func:`parse_penalties` and :func:`describe_penalties` read and write the
command-line form, e.g. ``"l2=0.003,kl=0.1:3"``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..backend import array_namespace, device_of
from ..model import check_unsaturated, sigmoid, sparsity_cost, sparsity_delta
from ..validation import check_real
from .activations import Activation, get_activation


def _number_text(x: float) -> str:
    """The shortest text that reads back as exactly ``x``: ``3`` for 3.0, ``0.003``, ``1e-05``."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _zero(a: Any) -> Any:
    """A 0-d zero on ``a``'s device, in its dtype: the cost of a switched-off penalty."""
    xp = array_namespace(a)
    return xp.zeros((), dtype=a.dtype, device=device_of(a))


@dataclass(frozen=True)
class WeightDecay:
    r"""The notes' weight decay (L2), on every weight matrix and on no bias.

    .. math:: P = \frac{\lambda}{2} \sum_l \lVert W^{(l)}\rVert_F^2
              = \frac{\lambda}{2} \sum_l \sum_{j,k} \left(W^{(l)}_{jk}\right)^2,\qquad
              \frac{\partial P}{\partial W^{(l)}} = \lambda W^{(l)}

    Parameters
    ----------
    lambda_ : float
        :math:`\lambda \ge 0` (the course uses 1e-4 on the patches, 3e-3 on MNIST).
    """

    lambda_: float
    name: ClassVar[str] = "weight_decay"
    key: ClassVar[str] = "l2"
    numbers: ClassVar[tuple[str, ...]] = ("lambda_",)  # the command line's numbers, in order

    def __post_init__(self) -> None:
        object.__setattr__(self, "lambda_", check_real("WeightDecay.lambda_", self.lambda_, low=0))

    def cost(self, Ws: Sequence[Any]) -> Any:
        """:math:`P` over the weight matrices ``Ws``, a 0-d array."""
        xp = array_namespace(*Ws)
        return (self.lambda_ / 2) * sum(xp.sum(W * W) for W in Ws)

    def gradient(self, W: Any) -> Any:
        r""":math:`\lambda W`, this penalty's share of :math:`\nabla_W J`."""
        return self.lambda_ * W

    def describe(self) -> str:
        return f"l2={_number_text(self.lambda_)}"


@dataclass(frozen=True)
class L1Weights:
    r"""An L1 penalty on every weight matrix (no bias), which drives weights to exactly 0.

    .. math:: P = w \sum_l \sum_{j,k} \left|W^{(l)}_{jk}\right|,\qquad
              \frac{\partial P}{\partial W^{(l)}} = w\,\mathrm{sign}(W^{(l)})

    :math:`|x|` has a kink at 0, where any value in [-1, 1] is a subgradient; ``sign(0) = 0`` is
    the one we take. A numerical gradient check is exact away from 0; a weight exactly 0 never
    occurs with random initialization (the uniform draw hits 0 with probability 0), and the tests
    keep every weight farther from 0 than the finite-difference step.

    Parameters
    ----------
    weight : float
        :math:`w \ge 0`.
    """

    weight: float
    name: ClassVar[str] = "l1_weights"
    key: ClassVar[str] = "l1w"
    numbers: ClassVar[tuple[str, ...]] = ("weight",)  # the command line's numbers, in order

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", check_real("L1Weights.weight", self.weight, low=0))

    def cost(self, Ws: Sequence[Any]) -> Any:
        """:math:`P` over the weight matrices ``Ws``, a 0-d array."""
        xp = array_namespace(*Ws)
        return self.weight * sum(xp.sum(xp.abs(W)) for W in Ws)

    def gradient(self, W: Any) -> Any:
        r""":math:`w\,\mathrm{sign}(W)`, this penalty's share of :math:`\nabla_W J`."""
        xp = array_namespace(W)
        return self.weight * xp.sign(W)

    def describe(self) -> str:
        return f"l1w={_number_text(self.weight)}"


#: How KLSparsity maps an activation to a probability before averaging: its ``rescale``.
RESCALES = {
    None: "none: rho_hat = mean(a), the notes' choice for sigmoid units",
    "tanh": "rho_hat = mean((a + 1) / 2), for tanh units, whose values lie in (-1, 1)",
    "sigmoid": "rho_hat = mean(sigmoid(a)), the PyTorch/Keras tutorials' choice for ReLU units",
}


@dataclass(frozen=True)
class KLSparsity:
    r"""The notes' sparsity penalty: each hidden unit's mean activation pulled toward :math:`\rho`.

    .. math:: P = \beta \sum_j \mathrm{KL}(\rho\|\hat\rho_j),\qquad
              \hat\rho_j = \frac{1}{m}\sum_{i=1}^m s\left(a^{(i)}_j\right),

    .. math:: \mathrm{KL}(\rho\|\hat\rho_j) = \rho\log\frac{\rho}{\hat\rho_j}
              + (1-\rho)\log\frac{1-\rho}{1-\hat\rho_j}.

    Its delta term (see the module docstring) is the notes'

    .. math:: \beta\left(-\frac{\rho}{\hat\rho_j} + \frac{1-\rho}{1-\hat\rho_j}\right)
              s'\left(a^{(i)}_j\right).

    The KL divergence of two Bernoulli variables is defined only for means in (0, 1), so
    :math:`s` must map the activations into (0, 1); ``rescale`` chooses it:

    - ``None`` (the notes, for sigmoid units): :math:`s(a) = a`, :math:`s' = 1`.
    - ``"tanh"`` (for tanh units, whose values lie in (-1, 1)): :math:`s(a) = (a+1)/2`; the chain
      rule brings the factor :math:`s' = 1/2`.
    - ``"sigmoid"`` (for ReLU units, whose mean can be 1 or more):
      :math:`s(a) = \sigma(a)`, :math:`s' = \sigma(a)(1-\sigma(a))`, as the popular PyTorch and
      Keras "sparse autoencoder with KL divergence" tutorials do. Beware: :math:`\sigma(a) \ge
      1/2` for :math:`a \ge 0`, so :math:`\hat\rho_j` never goes below 0.5 and a target such as
      0.05 is unreachable; the penalty then just pushes every activation toward 0, which
      :class:`L1Activations` does on purpose. :func:`check_compatible` warns.

    A unit whose :math:`\hat\rho_j` is exactly 0 or 1 makes the penalty infinite: that raises
    :class:`~ufldl_sae.model.SaturatedUnitsError`, never a silent clip. With ``beta = 0`` the
    penalty is off: exactly 0, and no unit is checked.

    Parameters
    ----------
    rho : float
        The target mean activation :math:`\rho \in (0, 1)`.
    beta : float
        The weight :math:`\beta \ge 0`.
    rescale : {None, "tanh", "sigmoid"}
        The map :math:`s` (see above).
    """

    rho: float
    beta: float
    rescale: str | None = None
    name: ClassVar[str] = "kl_sparsity"
    key: ClassVar[str] = "kl"
    numbers: ClassVar[tuple[str, ...]] = ("rho", "beta")  # the command line's numbers, in order

    def __post_init__(self) -> None:
        rho = check_real("KLSparsity.rho", self.rho, low=0, high=1, low_open=True, high_open=True)
        object.__setattr__(self, "rho", rho)
        object.__setattr__(self, "beta", check_real("KLSparsity.beta", self.beta, low=0))
        if self.rescale not in RESCALES:
            raise ValueError(
                f"KLSparsity.rescale must be one of {tuple(RESCALES)}, got {self.rescale!r}"
            )

    def probabilities(self, a: Any) -> Any:
        """:math:`s(a)`, the activations mapped into (0, 1), of ``a``'s shape."""
        if self.rescale == "tanh":
            return (a + 1) / 2
        if self.rescale == "sigmoid":
            return sigmoid(a)
        return a

    def cost_and_delta(self, a: Any) -> tuple[Any, Any]:
        r"""The penalty (0-d) and its delta term (broadcastable to ``a``'s shape (hidden, m)).

        One pass computes both, and checks once that no :math:`\hat\rho_j` is exactly 0 or 1.
        """
        if self.beta == 0:
            return _zero(a), _zero(a)
        xp = array_namespace(a)
        p = self.probabilities(a)  # (hidden, m)
        rho_hat = xp.mean(p, axis=1)  # (hidden,)
        check_unsaturated(rho_hat)
        delta = sparsity_delta(self.rho, rho_hat, self.beta)[:, None]  # (hidden, 1)
        if self.rescale == "tanh":
            delta = delta / 2
        elif self.rescale == "sigmoid":
            delta = delta * (p * (1 - p))  # (hidden, m)
        return sparsity_cost(self.rho, rho_hat, self.beta), delta

    def cost(self, a: Any) -> Any:
        """The penalty :math:`P` for hidden activations ``a`` of shape (hidden, m), 0-d."""
        return self.cost_and_delta(a)[0]

    def delta(self, a: Any) -> Any:
        """The delta term, broadcastable to (hidden, m)."""
        return self.cost_and_delta(a)[1]

    def describe(self) -> str:
        text = f"kl={_number_text(self.rho)}:{_number_text(self.beta)}"
        return text if self.rescale is None else f"{text}:{self.rescale}"


@dataclass(frozen=True)
class L1Activations:
    r"""An L1 penalty on the hidden activations, averaged over the examples.

    .. math:: P = w\,\frac{1}{m}\sum_{i=1}^m \sum_j \left|a^{(i)}_j\right|,\qquad
              \text{delta term} = m\frac{\partial P}{\partial a^{(i)}_j}
              = w\,\mathrm{sign}\left(a^{(i)}_j\right)

    The :math:`1/m` makes :math:`P` an average over the examples like the reconstruction term,
    so :math:`w` does not have to change with the batch size. The delta term is per example,
    as the notes' :math:`\delta^{(3)}` is, and the gradients average it with the same
    :math:`1/m` (see the module docstring). This is the "activity regularizer" of the Keras
    documentation's sparse autoencoder, and the sparsity penalty that suits ReLU units.
    At :math:`a = 0` the subgradient ``sign(0) = 0`` is taken; a ReLU unit at 0 has
    :math:`f' = 0` there anyway.

    Parameters
    ----------
    weight : float
        :math:`w \ge 0`.
    """

    weight: float
    name: ClassVar[str] = "l1_activations"
    key: ClassVar[str] = "l1a"
    numbers: ClassVar[tuple[str, ...]] = ("weight",)  # the command line's numbers, in order

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", check_real("L1Activations.weight", self.weight, low=0))

    def cost_and_delta(self, a: Any) -> tuple[Any, Any]:
        """The penalty (0-d) and its delta term (of ``a``'s shape (hidden, m))."""
        return self.cost(a), self.delta(a)

    def cost(self, a: Any) -> Any:
        """The penalty :math:`P` for hidden activations ``a`` of shape (hidden, m), 0-d."""
        xp = array_namespace(a)
        m = a.shape[1]
        return self.weight * xp.sum(xp.abs(a)) / m

    def delta(self, a: Any) -> Any:
        """The per-example delta term :math:`w\\,\\mathrm{sign}(a)`, of shape (hidden, m)."""
        xp = array_namespace(a)
        return self.weight * xp.sign(a)

    def describe(self) -> str:
        return f"l1a={_number_text(self.weight)}"


Penalty = WeightDecay | L1Weights | KLSparsity | L1Activations

#: Penalties on the weight matrices, and penalties on the hidden activations.
WEIGHT_PENALTIES = (WeightDecay, L1Weights)
ACTIVATION_PENALTIES = (KLSparsity, L1Activations)

#: The command-line names of the penalties, as :func:`parse_penalties` reads them.
PENALTY_KEYS = {cls.key: cls for cls in (*WEIGHT_PENALTIES, *ACTIVATION_PENALTIES)}


def check_penalties(penalties: str | Sequence[Penalty]) -> tuple[Penalty, ...]:
    """The penalties as a tuple, at most one of each kind (text goes through parse_penalties)."""
    if isinstance(penalties, str):
        return parse_penalties(penalties)
    penalties = tuple(penalties)
    kinds = (*WEIGHT_PENALTIES, *ACTIVATION_PENALTIES)
    seen: set[type] = set()
    for p in penalties:
        if not isinstance(p, kinds):
            names = ", ".join(k.__name__ for k in kinds)
            raise ValueError(f"penalties must hold instances of {names}, got {p!r}")
        if type(p) in seen:
            raise ValueError(f"penalties holds two {type(p).__name__}s; give each kind once")
        seen.add(type(p))
    return penalties


def _logistic(x: float) -> float:
    """The sigmoid of a Python float, 0 and 1 at minus and plus infinity."""
    return 1 / (1 + math.exp(-x)) if math.isfinite(x) else float(x > 0)


def _kl_range(kl: KLSparsity, activation: Activation) -> tuple[float, float]:
    """The range of :math:`s(a)` when ``a`` ranges over the activation's values."""
    if kl.rescale == "tanh":
        return (activation.low + 1) / 2, (activation.high + 1) / 2
    if kl.rescale == "sigmoid":
        return _logistic(activation.low), _logistic(activation.high)
    return activation.low, activation.high


def _undefined_kl_message(kl: KLSparsity, activation: Activation) -> str:
    """Why KL is undefined for these units, and what to use instead."""
    a = activation
    interval = f"{'(' if math.isinf(a.low) else '['}{a.low:g}, {a.high:g}"
    interval += ")" if math.isinf(a.high) else "]"
    head = (
        f"KLSparsity(rescale={kl.rescale!r}) is undefined for {a.name} units: the KL divergence "
        f"needs each unit's mean rho_hat in (0, 1), but {a.name} activations range over {interval}"
    )
    if a.low >= -1 and a.high <= 1:
        return (
            f"{head}, so rho_hat can be 0 or negative. Use rescale='tanh', which takes the KL on "
            "(a + 1) / 2 (on the command line 'kl=rho:beta:tanh')."
        )
    return (
        f"{head}, so rho_hat can be 1 or more. Use either (a) L1Activations(weight), an L1 "
        "penalty on the activations ('l1a=weight'), which is what the Keras documentation's "
        "sparse autoencoder uses; or (b) KLSparsity(rho, beta, rescale='sigmoid') "
        "('kl=rho:beta:sigmoid'), rho_hat = mean(sigmoid(a)) as the PyTorch/Keras KL "
        "tutorials do, knowing that sigmoid(a) >= 0.5 for a >= 0: rho_hat never goes below "
        "0.5, so a target rho below 0.5 is unreachable."
    )


def check_compatible(activation: str | Activation, penalties: Sequence[Penalty]) -> None:
    r"""Raise ``ValueError`` where a penalty is undefined for the hidden activation; warn where
    its target is out of reach.

    Only :class:`KLSparsity` has a condition: :math:`s(a)` (see its ``rescale``) must lie in
    [0, 1] for every value the activation can take. When it does, but :math:`\rho` lies
    outside the range of :math:`s(a)` (ReLU with ``rescale="sigmoid"``: :math:`s(a) \ge 0.5`),
    a ``UserWarning`` says the target is unreachable.
    """
    activation = get_activation(activation)
    for kl in (p for p in penalties if isinstance(p, KLSparsity)):
        low, high = _kl_range(kl, activation)
        if low < 0 or high > 1:
            raise ValueError(_undefined_kl_message(kl, activation))
        if not low <= kl.rho <= high:
            message = _unreachable_message(kl, activation, low, high)
            warnings.warn(message, UserWarning, stacklevel=2)


def _unreachable_message(kl: KLSparsity, activation: Activation, low: float, high: float) -> str:
    """Why rho cannot be reached with these units, and what the penalty will do instead."""
    why = ""
    if kl.rescale == "sigmoid" and activation.low >= 0:
        why = f" (sigmoid(a) >= 0.5 for every a >= 0, and {activation.name} units are >= 0)"
    end = activation.low if kl.rho < low else activation.high
    return (
        f"KLSparsity(rho={kl.rho:g}, rescale={kl.rescale!r}) on {activation.name} units: "
        f"rho_hat = mean(s(a)) can only lie in [{low:g}, {high:g}]{why}, so the target "
        f"rho = {kl.rho:g} is unreachable; the penalty will just push every activation toward "
        f"{end:g}. L1Activations(weight) is the penalty that does that on purpose."
    )


def _parse_one(item: str) -> Penalty:
    """One ``name=value[:value...]`` item of :func:`parse_penalties`."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep:
        raise ValueError(
            f"penalty {item!r} must read name=value (e.g. 'l2=3e-3'); names: "
            f"{', '.join(PENALTY_KEYS)}"
        )
    if key not in PENALTY_KEYS:
        raise ValueError(
            f"unknown penalty {key!r} in {item!r}; known: l2=lambda, l1w=weight, "
            "kl=rho:beta[:tanh|sigmoid], l1a=weight"
        )
    cls = PENALTY_KEYS[key]
    words = [w.strip() for w in text.split(":")]
    fields = cls.numbers
    rescale = words.pop() if cls is KLSparsity and len(words) == 3 else None
    if len(words) != len(fields):
        form = "kl=rho:beta[:tanh|sigmoid]" if cls is KLSparsity else f"{key}=number"
        raise ValueError(f"penalty {item!r} must read {form}")
    numbers = []
    for field, word in zip(fields, words, strict=True):
        try:
            numbers.append(float(word))
        except ValueError:
            raise ValueError(f"penalty {item!r}: {field} must be a number, got {word!r}") from None
    try:
        return cls(*numbers, rescale) if cls is KLSparsity else cls(*numbers)
    except ValueError as error:
        raise ValueError(f"penalty {item!r}: {error}") from None


def parse_penalties(text: str) -> tuple[Penalty, ...]:
    """Penalties from their command-line form: ``"l2=3e-3,kl=0.1:3"``, ``"l1a=1e-5"``...

    Items are separated by commas; ``l2=lambda`` (:class:`WeightDecay`), ``l1w=weight``
    (:class:`L1Weights`), ``kl=rho:beta`` or ``kl=rho:beta:tanh|sigmoid``
    (:class:`KLSparsity`), ``l1a=weight`` (:class:`L1Activations`). ``""`` or ``"none"``
    gives no penalty. :func:`describe_penalties` writes the same text back.
    """
    if not isinstance(text, str):
        raise ValueError(f"penalties text must be a string, got {text!r}")
    if text.strip() in ("", "none"):
        return ()
    return check_penalties(tuple(_parse_one(item.strip()) for item in text.split(",")))


def describe_penalties(penalties: Sequence[Penalty]) -> str:
    """The command-line form of ``penalties`` (``"none"`` for none); :func:`parse_penalties`
    reads it back to equal penalties."""
    return ",".join(p.describe() for p in penalties) or "none"
