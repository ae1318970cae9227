"""The :class:`SparseAutoencoder` class: the exercise as a scikit-learn style estimator.

``fit`` validates the parameters once (:func:`~ufldl_sae.estimator.checks.validated_choice`),
which also chooses the model once (:class:`~ufldl_sae.estimator.choice.ModelChoice`, kept as
``model_``). Beside the class: scikit-learn's parameter protocol
(:mod:`~ufldl_sae.estimator.protocol`), the solvers' wiring
(:mod:`~ufldl_sae.estimator.training`) and the files (:mod:`~ufldl_sae.estimator.persistence`).
The package docstring tells the orientation and the scope.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..backend import from_host, get_namespace
from ..beyond import deep
from ..beyond.activations import get_activation
from ..beyond.minibatch import MinibatchResult
from ..beyond.penalties import Penalty
from ..model import CostTerms
from ..optimize import LbfgsResult
from ..params import as_rng
from ..validation import check_finite
from . import persistence, saes
from .checks import (
    EXPECTED_FAILED_CHECKS,
    check_samples,
    structure_choice,
    validated_choice,
    warn_if_transposed,
)
from .choice import ModelChoice, SaeChoice
from .protocol import ParamsProtocol
from .training import device_columns, log_spaced_iterations, train


class SparseAutoencoder(ParamsProtocol):
    """The sparse autoencoder of the CS294A notes, trained with L-BFGS; and its generalizations.

    Parameters
    ----------
    hidden_size : int
        Number of hidden units (the course: 25 for 8x8 patches).
    sparsity_param : float
        Target average activation rho in (0, 1).
    lambda_ : float
        Weight decay, >= 0.
    beta : float
        Weight of the sparsity penalty, >= 0.
    max_iter : int
        L-BFGS iterations (``train.m``: 400); epochs for ``solver="adam"`` or ``"sgd"`` and
        for the other architectures (400 epochs is long there: the toy preset trains 20).
    backend : {"numpy", "cupy", "array_api_strict"}
        Where the cost runs; the data are moved there once.
    dtype : {"float64", "float32"}
        Precision of the cost (L-BFGS itself always works in float64).
    random_state : int, numpy Generator or None
        Seed of the initial weights and of the minibatch shuffling (drawn on the host: the same
        on every backend).
    verbose : bool or int
        Print a progress line every ``verbose`` iterations or epochs (``True``: every one).
    history_size : int
        L-BFGS correction pairs (minFunc's default: 100).
    hidden_layer_sizes : sequence of int, optional
        The hidden layers of a deep autoencoder, e.g. ``(128, 64, 32, 64, 128)``; replaces
        ``hidden_size``. The code (what :meth:`transform` returns) is the smallest layer.
    activation, output_activation : {"sigmoid", "tanh", "relu", "identity"}
        The units of the hidden layers and of the output layer (the notes: sigmoid, sigmoid).
    penalties : str or sequence of penalties, optional
        :mod:`ufldl_sae.beyond.penalties` objects or their text (``"l2=1e-4,kl=0.01:3"``,
        ``"l1w=0.01"``, ``"none"``); replaces ``lambda_``, ``sparsity_param`` and ``beta``.
        Default: the notes' ``WeightDecay(lambda_)`` and ``KLSparsity(sparsity_param, beta)``.
    sparse_layers : sequence of int, optional
        Hidden layers (numbered as in the notes, from 2) the activation penalties apply to;
        default the code layer.
    solver : {"lbfgs", "adam", "sgd"} or None
        Full-batch L-BFGS (the notes), or minibatch Adam or SGD with momentum. None (the
        default): the model's own, L-BFGS for the notes' family and Adam for the other
        architectures (the only solver they accept).
    learning_rate, batch_size, momentum : float, int, float
        The minibatch solvers' step size, examples per step and SGD momentum.
    architecture : {"notes", "relu-l1", "topk", "batchtopk", "jumprelu"}
        ``"notes"`` (the default): the notes' model and the generalizations above. The others
        are the sparse autoencoders of interpretability research
        (:mod:`ufldl_sae.beyond.saes`), which learn a dictionary of features from a network's
        activations: a linear decoder ``W2`` whose columns are the features, a pre-encoder bias
        and a code that is exactly 0 when off. ``"relu-l1"``: ReLU code, L1 penalty weighted by
        the decoder norms; ``"topk"``: each sample keeps its ``k`` largest latents (Gao et al.,
        2024); ``"batchtopk"``: ``k`` per sample on average over a batch; ``"jumprelu"``:
        learned thresholds and an L0 penalty (Rajamanoharan et al., 2024). They are trained by
        :func:`~ufldl_sae.beyond.saes.train.train_sae`'s minibatch Adam for ``max_iter``
        epochs; the notes' family's parameters (``solver="lbfgs"``, ``hidden_layer_sizes``,
        units, ``penalties``, ``lambda_``, ``sparsity_param``, ``beta``) are refused with them.
    k : int, optional
        TopK's and BatchTopK's budget, the field's "k" (and the "L0" they fix): latents per
        sample, in ``[1, hidden_size]``. None: ``SaeOptions``' default 5. Refused for the
        other architectures.
    l1_coefficient : float, optional
        ReLU + L1's sparsity weight, the field's "L1 coefficient" (lambda): >= 0. None:
        ``SaeOptions``' default 0.2. Refused for the other architectures.
    l0_coefficient : float, optional
        JumpReLU's weight of its L0 penalty, the field's "sparsity coefficient": >= 0. None:
        ``SaeOptions``' default 0.03. Refused for the other architectures.

    Attributes
    ----------
    theta_ : ndarray
        The flat parameters ``[W1(:); W2(:); b1; b2]`` (extended layer by layer when deep).
    layer_sizes_ : tuple of int
        All layer sizes, input first.
    coefs_, intercepts_ : list of ndarray
        ``W1, W2, ...`` and ``b1, b2, ...`` (host float64, the notes' shapes).
    W1_, b1_, W2_, b2_ : ndarray
        The same blocks by the notes' names, for a network with one hidden layer.
    n_iter_ : int
        Iterations (or epochs) run (over all ``fit`` calls that continued one another).
    loss_curve_ : list of float
        The cost after each iteration (the mean minibatch cost of each epoch for Adam and SGD).
    cost_terms_ : CostTerms
        Reconstruction, weight penalties and activation penalties of the final cost (for the
        notes: weight decay and sparsity).
    penalty_terms_ : dict of str to float
        Each term of the final cost by name.
    cost_terms_history_ : list of (int, CostTerms)
        The terms at about 25 log-spaced iterations (for the loss plot); the notes' family.
    result_ : LbfgsResult, MinibatchResult or SaeResult
        The optimizer's full result (message, evaluations, wall time, interrupted, history).
    metrics_ : dict
        The other architectures: the field's metrics on the training data, with SAELens's
        names (``l0``, ``mse``, ``explained_variance``, ``dead_fraction``, ...;
        :func:`~ufldl_sae.beyond.saes.train.evaluate`).
    threshold_ : ndarray
        JumpReLU: each latent's learned threshold.
    model_ : ModelChoice or SaeChoice
        The model chosen once, at fit, from the parameters: the notes' (computed by
        :func:`~ufldl_sae.model.sparse_autoencoder_cost`) or a generalization (by
        :func:`~ufldl_sae.beyond.deep.autoencoder_cost`), with its layers, units and the
        penalties in force; for the other architectures, a
        :class:`~ufldl_sae.estimator.choice.SaeChoice`.
    """

    #: scikit-learn estimator checks that contradict the notes, with the reason
    #: (:data:`~ufldl_sae.estimator.checks.EXPECTED_FAILED_CHECKS`).
    _expected_failed_checks: ClassVar[dict[str, str]] = EXPECTED_FAILED_CHECKS

    def __init__(
        self,
        hidden_size: int = 25,
        sparsity_param: float = 0.01,
        lambda_: float = 1e-4,
        beta: float = 3.0,
        max_iter: int = 400,
        backend: str = "numpy",
        dtype: str = "float64",
        random_state: Any = None,
        verbose: bool | int = False,
        history_size: int = 100,
        hidden_layer_sizes: Sequence[int] | None = None,
        activation: str = "sigmoid",
        output_activation: str = "sigmoid",
        penalties: str | Sequence[Penalty] | None = None,
        sparse_layers: Sequence[int] | None = None,
        solver: str | None = None,
        learning_rate: float = 1e-3,
        batch_size: int = 256,
        momentum: float = 0.9,
        architecture: str = "notes",
        k: int | None = None,
        l1_coefficient: float | None = None,
        l0_coefficient: float | None = None,
    ) -> None:
        self.hidden_size = hidden_size
        self.sparsity_param = sparsity_param
        self.lambda_ = lambda_
        self.beta = beta
        self.max_iter = max_iter
        self.backend = backend
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.history_size = history_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.penalties = penalties
        self.sparse_layers = sparse_layers
        self.solver = solver
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.momentum = momentum
        self.architecture = architecture
        self.k = k
        self.l1_coefficient = l1_coefficient
        self.l0_coefficient = l0_coefficient

    # -- validation and the model chosen once ----------------------------------------------------
    def check_params(self) -> ModelChoice | SaeChoice:
        """Validate the constructor's arguments and return the model they describe.

        ``fit`` does it first; a caller that must refuse bad values before it creates anything
        (the command line, before a run folder) calls it early, and ``fit`` then reuses that
        validation as long as no parameter has changed since, so each value is checked once.
        """
        params = self.get_params()
        choice = validated_choice(params)
        self._checked = (params, choice)
        return choice

    def _validated_choice(self) -> ModelChoice | SaeChoice:
        """:meth:`check_params`'s choice when the parameters are unchanged since, else anew."""
        checked = getattr(self, "_checked", None)
        if checked is not None and checked[0] == self.get_params():
            return checked[1]
        return self.check_params()

    def _model(self) -> ModelChoice | SaeChoice:
        """The fitted ``model_``; before any fit, the model the parameters describe (their
        structure checked, as :meth:`load` does: no backend needs to be present)."""
        fitted = getattr(self, "model_", None)
        return fitted if fitted is not None else structure_choice(self.get_params())

    def _is_sae(self) -> bool:
        """Whether the fitted model is one of the dictionary-learning architectures."""
        return isinstance(self.model_, SaeChoice)

    @property
    def rho_(self) -> float | None:
        """The KL target rho of the model's penalties (None without a KL penalty)."""
        return self._model().rho

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once ``theta_`` exists. scikit-learn's ``check_is_fitted`` asks this; without
        it, it would take the constructor's ``lambda_`` (a name ending in ``_``) for a fitted
        attribute."""
        return hasattr(self, "theta_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise ValueError("this SparseAutoencoder is not fitted yet: call fit(X) first")

    # -- learning -------------------------------------------------------------------------------
    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        theta0: np.ndarray | None = None,
        callback: Callable[[Any, np.ndarray], None] | None = None,
        cost_function: Callable[..., tuple[Any, Any]] | None = None,
    ) -> SparseAutoencoder:
        """Learn the weights from ``X`` (n_samples, n_features) with the chosen solver.

        ``theta0`` continues from given parameters (a checkpoint) instead of a random start.
        ``callback(record, theta)`` runs after each iteration or epoch (checkpoints;
        ``StopIteration`` ends the run). ``cost_function`` replaces the notes' cost (a
        student's own; the notes' model only). Ctrl-C ends the run with the best parameters so
        far (``result_.interrupted``). The other architectures train by
        :func:`~ufldl_sae.beyond.saes.train.train_sae` (:func:`~.saes.fit_sae`), which takes
        neither ``theta0`` nor ``callback``.
        """
        choice = self._validated_choice()  # the one validation of the parameters
        X = check_samples(X)
        warn_if_transposed(X)  # before any training: the course's visible x m passed as it is
        visible = X.shape[1]
        if cost_function is not None and not choice.is_notes:
            raise ValueError(
                "cost_function replaces the notes' sparse_autoencoder_cost, so it needs the "
                "notes' model: one hidden layer, sigmoid units, no penalties argument, "
                "architecture='notes'"
            )
        if isinstance(choice, SaeChoice):
            saes.fit_sae(self, choice, X, theta0=theta0, callback=callback)
            return self
        data = device_columns(X, self.backend, self.dtype)  # checked above by check_samples
        rng = as_rng(self.random_state)  # one generator: initial weights, then shuffling
        if theta0 is None:
            theta0 = choice.initial_theta(visible, rng)
        marks = log_spaced_iterations(self.max_iter)
        terms_history: list[tuple[int, CostTerms]] = []

        def on_iteration(record: Any, theta: np.ndarray) -> None:
            if record.iteration in marks:
                terms_history.append((record.iteration, self._terms(choice, theta, data)[0]))
            if callback is not None:
                callback(record, theta)

        result = train(choice, theta0, data, self.get_params(), rng=rng, callback=on_iteration,
                       cost_function=cost_function)  # fmt: skip
        self._set_fitted(choice, result.theta, visible)
        self.result_: LbfgsResult | MinibatchResult = result
        self.n_iter_ = result.n_iter
        self.loss_curve_ = [r.cost for r in result.history]
        self.cost_terms_, self.penalty_terms_ = self._terms(choice, result.theta, data)
        if not terms_history or terms_history[-1][0] != result.n_iter:
            terms_history.append((result.n_iter, self.cost_terms_))
        self.cost_terms_history_ = terms_history
        return self

    def _terms(
        self, choice: ModelChoice, theta: np.ndarray, data: Any
    ) -> tuple[CostTerms, dict[str, float]]:
        """The cost's terms at ``theta``: grouped as the notes' three, and each one by name."""
        xp_theta = from_host(theta, get_namespace(self.backend), dtype=data.dtype)
        return choice.cost_terms(xp_theta, data, check_inputs=False)

    def _set_theta(self, theta: np.ndarray, visible: int) -> None:
        """Fitted state from a theta trained elsewhere (a run folder's ``theta.npz``), for the
        model the current parameters describe; a theta that is not a finite real vector of the
        size that model on ``visible`` features needs is refused (``ValueError``)."""
        choice = structure_choice(self.get_params())
        theta = np.asarray(theta)
        expected = choice.theta_size(visible)
        if theta.shape != (expected,) or theta.dtype.kind not in "fiu":
            raise ValueError(
                f"theta must be a 1-D real vector of {expected} entries for layers "
                f"{choice.layer_sizes(visible)}, got shape {theta.shape} and dtype {theta.dtype}"
            )
        check_finite("theta", theta, np)
        self._set_fitted(choice, theta, visible)

    def _set_fitted(
        self, choice: ModelChoice | SaeChoice, theta: np.ndarray, visible: int
    ) -> None:
        """The fitted model and its parameters, by block in the notes' shapes."""
        if isinstance(choice, SaeChoice):
            saes.set_fitted_sae(self, choice, theta, visible)
            return
        for name in saes.SAE_ONLY:  # a model refitted with the notes' family shows none
            self.__dict__.pop(name, None)
        self.model_ = choice
        self.theta_ = np.asarray(theta, dtype=np.float64)
        self.n_features_in_ = visible
        self.layer_sizes_ = choice.layer_sizes(visible)
        Ws, bs = deep.deep_unpack(self.theta_, self.layer_sizes_)
        self.coefs_ = [np.array(W) for W in Ws]
        self.intercepts_ = [np.array(b) for b in bs]
        if len(self.coefs_) == 2:
            self.W1_, self.W2_ = self.coefs_
            self.b1_, self.b2_ = self.intercepts_

    # -- using the fitted model -----------------------------------------------------------------
    def _columns(self, X: Any) -> np.ndarray:
        """Checked ``X`` with the examples as columns, as the cost functions take them."""
        self._check_fitted()
        X = check_samples(X, features=self.n_features_in_, owner=type(self).__name__)
        return np.ascontiguousarray(X.T)

    def transform(self, X: Any) -> np.ndarray:
        """Encode: the code layer's activations of each sample, shape (n_samples, code size)."""
        columns = self._columns(X)
        if self._is_sae():  # the code f: exactly 0 where a latent is off
            return np.asarray(saes.encode_columns(self, columns)[0]).T
        return deep.encode(self.theta_, self.layer_sizes_, columns,
                           activation=self.model_.activation, check_inputs=False).T  # fmt: skip

    def inverse_transform(self, H: Any) -> np.ndarray:
        """Decode code-layer activations (n_samples, code size) into outputs (the other
        architectures: the linear decoder ``W2 f + b2``)."""
        self._check_fitted()
        code = deep.code_layer(self.layer_sizes_)
        H = check_samples(H, "H", features=self.layer_sizes_[code - 1], owner=type(self).__name__)
        if self._is_sae():
            return saes.decode_codes(self, H)
        hidden = get_activation(self.model_.activation)
        output = get_activation(self.model_.output_activation)
        a = H.T
        last = len(self.coefs_)
        for l in range(code, last + 1):  # W^(code) ... W^(L), layer l to layer l + 1
            f = output.f if l == last else hidden.f
            a = f(self.coefs_[l - 1] @ a + self.intercepts_[l - 1][:, None])
        return a.T

    def reconstruct(self, X: Any) -> np.ndarray:
        """Encode then decode: the autoencoder's output for each sample."""
        columns = self._columns(X)
        if self._is_sae():
            return np.asarray(saes.encode_columns(self, columns)[1]).T
        return deep.reconstruct(
            self.theta_, self.layer_sizes_, columns, activation=self.model_.activation,
            output_activation=self.model_.output_activation, check_inputs=False,
        ).T  # fmt: skip

    def reconstruction_errors(self, X: Any) -> np.ndarray:
        r"""Each sample's squared error :math:`\frac{1}{2}\lVert \hat x - x\rVert^2`, shape
        (n_samples,); their mean is the cost's reconstruction term."""
        columns = self._columns(X)
        if self._is_sae():
            return saes.reconstruction_errors(self, columns)
        return deep.reconstruction_errors(
            self.theta_, self.layer_sizes_, columns, activation=self.model_.activation,
            output_activation=self.model_.output_activation, check_inputs=False,
        )  # fmt: skip

    def score_samples(self, X: Any) -> np.ndarray:
        """Minus each sample's reconstruction error: higher is more typical of the training
        data, the convention of scikit-learn's outlier detectors, so a threshold on it flags
        anomalies (:meth:`reconstruction_errors` gives the errors themselves)."""
        return -self.reconstruction_errors(X)

    def score(self, X: Any, y: Any = None) -> float:
        """The cost J of the fitted parameters on ``X`` (lower is better, unlike scikit-learn)."""
        return self.cost_terms(X).total

    def cost_terms(self, X: Any) -> CostTerms:
        """The terms of J on ``X`` for the fitted parameters (see ``cost_terms_``). The other
        architectures: reconstruction, 0 and their penalty (L1, L0; 0 for TopK's budget)."""
        columns = self._columns(X)
        if self._is_sae():
            return self.model_.cost_terms(self.theta_, columns)[0]
        return self._terms(self.model_, self.theta_, columns)[0]

    def sparsity_report(self, X: Any, threshold: float | None = None) -> dict[str, Any]:
        """How sparse the code is on ``X``: each code unit's average activation against rho.

        Returns ``rho`` (None without a KL penalty), ``rho_hat`` (per unit), its mean, minimum
        and maximum, and the fraction of all activations above ``threshold`` (None: 0.1, as
        the tutorials' monitor). The other architectures, whose codes are exactly 0 when off
        (None: 0): ``l0``, ``fraction_active``, ``firing_frequency`` and ``dead_fraction``
        (:func:`~ufldl_sae.estimator.saes.sparsity_report`).
        """
        a2 = self.transform(X)  # (n_samples, code size)
        if self._is_sae():
            return saes.sparsity_report(a2, 0.0 if threshold is None else threshold)
        threshold = 0.1 if threshold is None else threshold
        rho_hat = a2.mean(axis=0)
        return {
            "rho": self.rho_,
            "rho_hat": rho_hat,
            "rho_hat_mean": float(rho_hat.mean()),
            "rho_hat_min": float(rho_hat.min()),
            "rho_hat_max": float(rho_hat.max()),
            "threshold": float(threshold),
            "fraction_active": float(np.mean(a2 > threshold)),
        }

    def reconstruction_columns(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(code, output)`` for ``X`` in the course's orientation (examples as columns): for
        the notes' model, ``(a2, a3)``. One check of ``X`` and one forward pass give both."""
        columns = self._columns(X)
        if self._is_sae():
            code, output = saes.encode_columns(self, columns)
            return np.asarray(code), np.asarray(output)
        a = deep.autoencoder_forward(
            self.coefs_, self.intercepts_, columns, self.model_.activation,
            self.model_.output_activation,
        )  # fmt: skip
        return a[deep.code_layer(self.layer_sizes_) - 1], a[-1]

    # -- files (:mod:`ufldl_sae.estimator.persistence`) -----------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save parameters and fitted state to ``.npz`` (plain arrays and JSON, no pickle)."""
        return persistence.save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> SparseAutoencoder:
        """Load a model written by :meth:`save`."""
        return persistence.load_model(cls, path)

    def export_mat(self, path: str | Path) -> Path:
        """Write theta to a MATLAB ``.mat`` file as the course's code expects it.

        ``theta`` is the column vector ``[W1(:); W2(:); b1; b2]``; ``visibleSize``,
        ``hiddenSize``, ``lambda``, ``sparsityParam`` and ``beta`` are stored beside it, and
        ``W1``, ``W2``, ``b1``, ``b2`` too, so ``display_network(W1')`` works as in ``train.m``.
        """
        return persistence.export_mat(self, path)
