"""The model chosen once: the notes' two-layer sparse autoencoder, or a generalization.

:class:`SparseAutoencoder <ufldl_sae.estimator.SparseAutoencoder>` has one set of parameters for
two computations. With its defaults it is the notes' exercise, computed by
:func:`~ufldl_sae.model.sparse_autoencoder_cost`; any of ``hidden_layer_sizes`` (more than one
layer), ``activation``, ``output_activation``, ``penalties`` or ``sparse_layers`` set to
something else makes it one of the tutorials' generalizations, computed by
:func:`~ufldl_sae.beyond.deep.autoencoder_cost`. :func:`choose_model` decides which once, from
validated parameters, and returns a :class:`ModelChoice` that everything downstream asks instead
of deciding again: which cost, its arguments, the size of theta, the penalties in force.

The choice does not hold the input size: that comes from the data (the rows of ``data``, as in
the notes' cost), so one choice serves every ``X`` of the right width.

``architecture`` set to one of the dictionary-learning autoencoders of
:mod:`ufldl_sae.beyond.saes` (``"relu-l1"``, ``"topk"``, ``"batchtopk"``, ``"jumprelu"``)
chooses a :class:`SaeChoice` instead: those models have their own codes, penalties and trainer
(:func:`~ufldl_sae.beyond.saes.train.train_sae`), and share none of the notes' family's knobs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import array_namespace
from ..beyond import deep
from ..beyond.activations import get_activation
from ..beyond.penalties import (
    ACTIVATION_PENALTIES,
    KLSparsity,
    Penalty,
    WeightDecay,
    check_compatible,
    check_penalties,
    describe_penalties,
)
from ..beyond.saes.jumprelu import jumprelu_cost
from ..beyond.saes.layout import sae_blocks, sae_theta_size
from ..beyond.saes.models import batchtopk_cost, relu_l1_cost, topk_cost
from ..beyond.saes.train import SaeOptions, sae_objective
from ..model import CostTerms, sparse_autoencoder_cost, sparse_autoencoder_cost_terms
from ..params import block_slices, initialize_parameters, theta_size
from ..validation import check_int

#: The notes' units, hidden and output: the only ones the notes' cost computes.
NOTES_ACTIVATION = "sigmoid"


def group_terms(named: dict[str, float], penalties: Sequence[Penalty]) -> CostTerms:
    """Named cost terms grouped as the notes' three: reconstruction, every weight penalty (L2,
    L1), every activation penalty (KL, L1); so a deep model's loss plot reads like the notes'."""
    activation_names = {p.name for p in penalties if isinstance(p, ACTIVATION_PENALTIES)}
    return CostTerms(
        reconstruction=named["reconstruction"],
        weight_decay=sum(v for k, v in named.items()
                         if k != "reconstruction" and k not in activation_names),
        sparsity=sum(v for k, v in named.items() if k in activation_names),
    )  # fmt: skip


@dataclass(frozen=True)
class ModelChoice:
    """Which autoencoder the estimator's parameters describe, decided once.

    Build it with :func:`choose_model`, which validates; the fields are then trusted.

    Parameters
    ----------
    hidden_sizes : tuple of int
        The hidden layers, e.g. ``(25,)`` for the notes' 64-25-64 network.
    activation, output_activation : str
        The units of the hidden layers and of the output layer (the notes: sigmoid, sigmoid).
    penalties : tuple of penalties
        The penalties in force. For the notes' model ``(WeightDecay(lambda_),
        KLSparsity(sparsity_param, beta))``, the same numbers the notes' cost receives.
    sparse_layers : tuple of int
        The hidden layers (numbered as in the notes, from 2) the activation penalties apply to;
        the code layer unless given.
    is_notes : bool
        True when the notes' :func:`~ufldl_sae.model.sparse_autoencoder_cost` computes the model.
    lambda_, sparsity_param, beta : float or None
        The notes' three hyperparameters, as given, for the notes' model; None otherwise, where
        ``penalties`` holds what is in force.

    Notes
    -----
    The notes' model and its generalizations are one family: with ``penalties`` spelled out as
    the notes' two, :func:`~ufldl_sae.beyond.deep.autoencoder_cost` computes the notes' cost to
    rounding. The choice still sends the notes' configuration to the notes' own function, so the
    exercise is computed by the code the notes derive, line for line.
    """

    hidden_sizes: tuple[int, ...]
    activation: str
    output_activation: str
    penalties: tuple[Penalty, ...]
    sparse_layers: tuple[int, ...]
    is_notes: bool
    lambda_: float | None = None
    sparsity_param: float | None = None
    beta: float | None = None

    def __post_init__(self) -> None:
        numbers = (self.lambda_, self.sparsity_param, self.beta)
        if not self.is_notes:
            if any(n is not None for n in numbers):
                raise ValueError(
                    "lambda_, sparsity_param and beta are the notes' model's own; a "
                    f"generalization holds its penalties instead, got {numbers}"
                )
            return
        shape = (len(self.hidden_sizes), self.activation, self.output_activation)
        if shape != (1, NOTES_ACTIVATION, NOTES_ACTIVATION) or None in numbers:
            raise ValueError(
                "the notes' model has one hidden layer of sigmoid units, sigmoid outputs and "
                f"the numbers lambda_, sparsity_param, beta; got layers {self.hidden_sizes}, "
                f"units {shape[1:]} and numbers {numbers}"
            )

    # -- the network ---------------------------------------------------------------------------
    def layer_sizes(self, visible_size: int) -> tuple[int, ...]:
        """All layer sizes, input first: ``(visible, *hidden_sizes, visible)``."""
        return (visible_size, *self.hidden_sizes, visible_size)

    def theta_size(self, visible_size: int) -> int:
        """Length of theta: ``2*h*v + h + v`` for the notes' model, every layer's when deep."""
        if self.is_notes:
            return theta_size(visible_size, self.hidden_sizes[0])
        return deep.deep_theta_size(self.layer_sizes(visible_size))

    def block_slices(self, visible_size: int) -> dict[str, slice]:
        """Where each block ``W1, W2, ..., b1, b2, ...`` lies in theta."""
        if self.is_notes:
            return block_slices(visible_size, self.hidden_sizes[0])
        return deep.deep_block_slices(self.layer_sizes(visible_size))

    def initial_theta(self, visible_size: int, rng: np.random.Generator) -> np.ndarray:
        """A random start on the host: ``initializeParameters.m`` for the notes' model, the
        same range per layer (or He's for ReLU) when deep."""
        if self.is_notes:
            return initialize_parameters(self.hidden_sizes[0], visible_size, rng)
        return deep.initialize_deep(self.layer_sizes(visible_size), self.activation, rng,
                                    output_activation=self.output_activation)  # fmt: skip

    # -- the cost ------------------------------------------------------------------------------
    @property
    def cost_function(self) -> Callable[..., tuple[Any, Any]]:
        """The public function that computes the cost: the notes' or the deep one."""
        return sparse_autoencoder_cost if self.is_notes else deep.autoencoder_cost

    @property
    def cost_name(self) -> str:
        """The cost function's full name, for run files and reports
        (``"ufldl_sae.model.sparse_autoencoder_cost"`` for the notes' model)."""
        function = self.cost_function
        return f"{function.__module__}.{function.__qualname__}"

    def notes_arguments(self, visible_size: int) -> tuple[Any, ...]:
        """``(visible_size, hidden_size, lambda_, sparsity_param, beta)``: the notes' cost's
        arguments between theta and data (the notes' model only)."""
        if not self.is_notes:
            raise ValueError("notes_arguments needs the notes' model; this one is a generalization")
        return (visible_size, self.hidden_sizes[0], self.lambda_, self.sparsity_param, self.beta)

    def deep_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~ufldl_sae.beyond.deep.autoencoder_cost`."""
        return {
            "activation": self.activation,
            "output_activation": self.output_activation,
            "penalties": self.penalties,
            "sparse_layers": self.sparse_layers,
        }

    def cost(self, theta: Any, data: Any, *, check_inputs: bool = True) -> tuple[Any, Any]:
        """The cost J and its gradient on ``data`` (visible x m), by :attr:`cost_function`."""
        if self.is_notes:
            args = self.notes_arguments(data.shape[0])
            return sparse_autoencoder_cost(theta, *args, data, check_inputs=check_inputs)
        return deep.autoencoder_cost(theta, self.layer_sizes(data.shape[0]), data,
                                     **self.deep_options(), check_inputs=check_inputs)  # fmt: skip

    def cost_terms(
        self, theta: Any, data: Any, *, check_inputs: bool = True
    ) -> tuple[CostTerms, dict[str, float]]:
        """The cost's terms on ``data``: grouped as the notes' three, and each one by name."""
        if self.is_notes:
            args = self.notes_arguments(data.shape[0])
            terms = sparse_autoencoder_cost_terms(theta, *args, data, check_inputs=check_inputs)
            return terms, terms._asdict()
        sizes = self.layer_sizes(data.shape[0])
        named = deep.autoencoder_cost_terms(
            theta, sizes, data, **self.deep_options(), check_inputs=check_inputs
        )
        return group_terms(named, self.penalties), named

    @property
    def rho(self) -> float | None:
        """The KL target rho of the penalties in force (None without a KL penalty)."""
        kl = [p for p in self.penalties if isinstance(p, KLSparsity)]
        return kl[0].rho if kl else None

    def parameters_in_force(self) -> dict[str, Any]:
        """The estimator parameters that define this model, and only those, as JSON values.

        For the notes' model: ``hidden_size``, ``lambda_``, ``sparsity_param``, ``beta``. For a
        generalization: ``hidden_layer_sizes``, the two activations, ``penalties`` (their text)
        and ``sparse_layers``; the notes' three numbers are then not in force. Given back to
        :func:`choose_model` they make an equal choice.
        """
        if self.is_notes:
            return {
                "hidden_size": int(self.hidden_sizes[0]),
                "lambda_": float(self.lambda_),
                "sparsity_param": float(self.sparsity_param),
                "beta": float(self.beta),
            }
        return {
            "hidden_layer_sizes": [int(h) for h in self.hidden_sizes],
            "activation": _activation_name(self.activation),
            "output_activation": _activation_name(self.output_activation),
            "penalties": describe_penalties(self.penalties),
            "sparse_layers": [int(l) for l in self.sparse_layers],
        }


def _activation_name(activation: Any) -> str:
    return activation if isinstance(activation, str) else activation.name


# -- choosing ----------------------------------------------------------------------------------
def hidden_sizes_of(params: Mapping[str, Any]) -> tuple[int, ...]:
    """The hidden layers: ``hidden_layer_sizes``, or the notes' one layer of ``hidden_size``."""
    if params.get("hidden_layer_sizes") is None:
        return (int(params.get("hidden_size", 25)),)
    given = params["hidden_layer_sizes"]
    try:
        sizes = tuple(given)
    except TypeError:
        sizes = ()
    if not sizes:
        raise ValueError(
            f"hidden_layer_sizes must be a non-empty sequence of positive integers, got {given!r}"
        )
    return tuple(check_int("hidden_layer_sizes[...]", h) for h in sizes)


def choose_model(params: Mapping[str, Any]) -> ModelChoice:
    """The model the estimator's parameters describe, its structure validated once.

    ``params`` are :meth:`SparseAutoencoder.get_params
    <ufldl_sae.estimator.SparseAutoencoder.get_params>`'s (a missing one takes the
    constructor's default). The scalars (``hidden_size``, ``lambda_``, ``sparsity_param``,
    ``beta``) are expected validated already (:func:`~ufldl_sae.estimator.checks.validated_choice`
    does both in order); this checks the structure: hidden sizes, activations, penalties and
    their compatibility, sparse layers. An incompatible penalty raises here; a penalty whose
    target is out of reach warns later, once, when the deep cost first validates its inputs.
    """
    hidden = hidden_sizes_of(params)
    activation = params.get("activation", NOTES_ACTIVATION)
    output_activation = params.get("output_activation", NOTES_ACTIVATION)
    get_activation(output_activation)  # a clear ValueError for an unknown one
    lambda_ = params.get("lambda_", 1e-4)
    sparsity_param = params.get("sparsity_param", 0.01)
    beta = params.get("beta", 3.0)
    given = params.get("penalties")
    if given is None:
        penalties: tuple[Penalty, ...] = (WeightDecay(lambda_), KLSparsity(sparsity_param, beta))
    else:
        penalties = check_penalties(given)
    with warnings.catch_warnings():  # errors raise here; the deep cost's one validation warns
        warnings.simplefilter("ignore", UserWarning)
        check_compatible(activation, penalties)
    sparse_layers = params.get("sparse_layers")
    layers = deep.check_sparse_layers(sparse_layers, (1, *hidden, 1))
    is_notes = (
        given is None
        and len(hidden) == 1
        and activation == NOTES_ACTIVATION
        and output_activation == NOTES_ACTIVATION
        and sparse_layers is None
    )
    notes = {"lambda_": lambda_, "sparsity_param": sparsity_param, "beta": beta}
    return ModelChoice(hidden, activation, output_activation, penalties, layers, is_notes,
                       **(notes if is_notes else {}))  # fmt: skip


# -- the dictionary-learning autoencoders ------------------------------------------------------
#: Each architecture's penalty, by the name its coefficient has (TopK's budget is no penalty).
SAE_PENALTY = {"relu-l1": "l1", "jumprelu": "l0", "topk": None, "batchtopk": None}
#: Each architecture's sparsity knob: the estimator parameter that sets its sparsity.
SAE_KNOB = {
    "relu-l1": "l1_coefficient",
    "topk": "k",
    "batchtopk": "k",
    "jumprelu": "l0_coefficient",
}
#: Each architecture's cost function (the one :func:`~ufldl_sae.beyond.saes.train.sae_objective`
#: calls), named in reports.
SAE_COST = {
    "relu-l1": relu_l1_cost,
    "topk": topk_cost,
    "batchtopk": batchtopk_cost,
    "jumprelu": jumprelu_cost,
}


@dataclass(frozen=True)
class SaeChoice:
    """One of the dictionary-learning autoencoders of :mod:`ufldl_sae.beyond.saes`, chosen once.

    Build it with :func:`~ufldl_sae.estimator.checks.validated_choice` (or
    :func:`~ufldl_sae.estimator.checks.structure_choice`), which validate; the fields are then
    trusted. It answers what :class:`ModelChoice` answers for the notes' family (the layers,
    the size of theta, where its blocks lie, the cost's terms), so the estimator asks either
    without knowing which.

    Parameters
    ----------
    architecture : str
        ``"relu-l1"``, ``"topk"``, ``"batchtopk"`` or ``"jumprelu"``.
    hidden_size : int
        The number of latents.
    k : int
        TopK's and BatchTopK's budget of latents per sample (unused by the other two, but kept
        within ``hidden_size`` so :class:`~ufldl_sae.beyond.saes.train.SaeOptions` accepts it).
    l1_coefficient, l0_coefficient : float
        ReLU + L1's and JumpReLU's sparsity weights (each unused by the other architectures).
    """

    architecture: str
    hidden_size: int
    k: int
    l1_coefficient: float
    l0_coefficient: float

    #: Never the notes' model: the estimator's notes-only paths (``cost_function``, the
    #: course's ``.mat`` layout) ask this, as they ask a :class:`ModelChoice`.
    is_notes = False
    #: No KL target: :attr:`SparseAutoencoder.rho_` is None for these models.
    rho = None

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        """The one hidden layer, the latents."""
        return (self.hidden_size,)

    def layer_sizes(self, visible_size: int) -> tuple[int, ...]:
        """``(visible, hidden, visible)``."""
        return (visible_size, self.hidden_size, visible_size)

    def theta_size(self, visible_size: int) -> int:
        """The notes' ``2*h*v + h + v``, plus ``h`` thresholds for JumpReLU."""
        return sae_theta_size(visible_size, self.hidden_size, self.architecture)

    def block_slices(self, visible_size: int) -> dict[str, slice]:
        """Where ``W1, W2, b1, b2`` (and JumpReLU's ``log_threshold``) lie in theta."""
        return sae_blocks(visible_size, self.hidden_size, self.architecture)

    def options(self, **training: Any) -> SaeOptions:
        """The :class:`~ufldl_sae.beyond.saes.train.SaeOptions` of this model, with the
        ``training`` fields (``epochs``, ``batch_size``, ``learning_rate``, ``seed``,
        ``dtype``) given; the other fields keep ``SaeOptions``' defaults."""
        return SaeOptions(architecture=self.architecture, hidden_size=self.hidden_size,
                          k=self.k, l1_coefficient=self.l1_coefficient,
                          l0_coefficient=self.l0_coefficient, **training)  # fmt: skip

    @property
    def cost_name(self) -> str:
        """The architecture's cost function's full name, for reports."""
        function = SAE_COST[self.architecture]
        return f"{function.__module__}.{function.__qualname__}"

    def cost_terms(self, theta: Any, data: Any) -> tuple[CostTerms, dict[str, float]]:
        """The cost on ``data`` (visible x m) as the notes' three terms, and by name.

        The architecture's own cost (:func:`~ufldl_sae.beyond.saes.train.sae_objective`, AuxK
        apart: AuxK is a training aid, not part of the model's objective) is split into its
        reconstruction term, the notes' squared error, and the rest, its sparsity penalty (L1
        weighted by the decoder norms, or L0; 0 for TopK and BatchTopK, whose budget is a
        constraint, not a cost). None of them has a weight decay: that term is 0. BatchTopK
        selects over the whole of ``data``, as at evaluation.
        """
        xp = array_namespace(theta, data)
        cost, _, _, x_hat = sae_objective(self.options(), data.shape[0])(theta, data)
        error = x_hat - data
        reconstruction = float(xp.sum(error * error)) / (2 * data.shape[1])
        penalty = float(cost) - reconstruction if SAE_PENALTY[self.architecture] else 0.0
        named = {"reconstruction": reconstruction}
        if SAE_PENALTY[self.architecture]:
            named[SAE_PENALTY[self.architecture]] = penalty
        return CostTerms(reconstruction, 0.0, penalty), named

    def parameters_in_force(self) -> dict[str, Any]:
        """The estimator parameters that define this model, as JSON values: the architecture,
        the latents and the architecture's own sparsity knob (``k``, ``l1_coefficient`` or
        ``l0_coefficient``)."""
        knob = SAE_KNOB[self.architecture]
        return {"architecture": self.architecture, "hidden_size": int(self.hidden_size),
                knob: getattr(self, knob)}  # fmt: skip
