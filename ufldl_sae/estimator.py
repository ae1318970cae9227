"""``SparseAutoencoder``: the exercise as a scikit-learn style estimator.

Orientation: like scikit-learn, the estimator takes ``X`` of shape (n_samples, n_features), one
example per **row**. The course (and :func:`~ufldl_sae.model.sparse_autoencoder_cost`) puts one
example per **column**; ``fit`` transposes once, on the way in, and every method transposes back on
the way out. The fitted blocks ``W1_`` (hidden x visible), ``W2_``, ``b1_``, ``b2_`` keep the
notes' shapes, so they read the same as in the course.

The constructor only stores its arguments (scikit-learn's rule, which makes ``get_params``,
``set_params`` and cloning in a ``Pipeline`` work without depending on scikit-learn); ``fit``
validates them and learns. Models are saved to ``.npz`` (never pickle) and theta can be exported
to a MATLAB ``.mat`` file in the course's layout.

With its defaults the estimator is the notes' exercise: one hidden layer of sigmoid units, weight
decay and the KL penalty, L-BFGS, computed by :func:`~ufldl_sae.model.sparse_autoencoder_cost`.
``hidden_layer_sizes``, ``activation``, ``output_activation``, ``penalties`` and ``solver``
reach past the notes (the tutorials' deep, ReLU, tanh and minibatch Adam autoencoders); any of
them set to something else routes the same ``fit`` through
:func:`~ufldl_sae.beyond.deep.autoencoder_cost` and, for ``"adam"`` and ``"sgd"``,
:func:`~ufldl_sae.beyond.minibatch.minimize_minibatch`.
"""

from __future__ import annotations

import inspect
import json
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .backend import DTYPES, device_of, from_host, get_dtype, get_namespace, to_host
from .beyond import deep
from .beyond.activations import get_activation
from .beyond.minibatch import (
    SOLVERS,
    EpochPrinter,
    MinibatchResult,
    minimize_minibatch,
    train_sparse_autoencoder_minibatch,
)
from .beyond.penalties import (
    ACTIVATION_PENALTIES,
    KLSparsity,
    Penalty,
    WeightDecay,
    check_compatible,
    check_penalties,
    describe_penalties,
)
from .model import CostTerms, sparse_autoencoder_cost_terms
from .optimize import (
    LbfgsResult,
    ProgressPrinter,
    host_objective,
    minimize_lbfgs,
    train_sparse_autoencoder,
)
from .params import as_rng, initialize_parameters
from .tuning import blas_threads, default_blas_threads, keep_freed_memory
from .validation import check_int, check_real

#: ``solver``: the notes' full-batch L-BFGS, or a minibatch solver
#: (:mod:`ufldl_sae.beyond.minibatch`).
ALL_SOLVERS = ("lbfgs", *SOLVERS)


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


def log_spaced_iterations(max_iter: int, count: int = 25) -> set[int]:
    """About ``count`` iterations spread on a log scale: where the loss plot shows the terms."""
    return {int(round(i)) for i in np.geomspace(1, max(max_iter, 1), count)}


class SparseAutoencoder:
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
        L-BFGS iterations (``train.m``: 400); epochs for ``solver="adam"`` or ``"sgd"``.
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
    solver : {"lbfgs", "adam", "sgd"}
        Full-batch L-BFGS (the notes), or minibatch Adam or SGD with momentum.
    learning_rate, batch_size, momentum : float, int, float
        The minibatch solvers' step size, examples per step and SGD momentum.

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
        The terms at about 25 log-spaced iterations (for the loss plot).
    result_ : LbfgsResult or MinibatchResult
        The optimizer's full result (message, evaluations, wall time, interrupted, history).
    """

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
        solver: str = "lbfgs",
        learning_rate: float = 1e-3,
        batch_size: int = 256,
        momentum: float = 0.9,
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

    # -- scikit-learn's parameter protocol, without depending on scikit-learn ------------------
    @classmethod
    def _get_param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> SparseAutoencoder:
        """Set constructor arguments by name; an unknown name is an error, as in scikit-learn."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for SparseAutoencoder; valid ones: {valid}"
                )
            setattr(self, name, value)
        return self

    def __sklearn_tags__(self) -> Any:
        """scikit-learn (>= 1.6) asks every estimator for its tags; only it ever calls this,
        so importing scikit-learn here adds no dependency. An unsupervised transformer."""
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=["float64"]),
        )

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit, then encode ``X`` (what a ``Pipeline`` calls on an intermediate step)."""
        return self.fit(X, y, **fit_params).transform(X)

    def __repr__(self) -> str:
        defaults = SparseAutoencoder().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"SparseAutoencoder({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # -- validation -----------------------------------------------------------------------------
    def check_params(self) -> None:
        """Validate the constructor's arguments (``fit`` does it first; callers may do it early)."""
        check_int("hidden_size", self.hidden_size)
        check_real("sparsity_param", self.sparsity_param, low=0, high=1, low_open=True,
                   high_open=True)  # fmt: skip
        check_real("lambda_", self.lambda_, low=0.0)
        check_real("beta", self.beta, low=0.0)
        check_int("max_iter", self.max_iter)
        check_int("history_size", self.history_size)
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        get_namespace(self.backend)  # raises a clear ValueError for an unknown or missing one
        hidden = self._hidden_sizes()
        get_activation(self.output_activation)
        with warnings.catch_warnings():  # errors raise here; fit's one validation warns
            warnings.simplefilter("ignore", UserWarning)
            check_compatible(self.activation, self._penalties())
        deep.check_sparse_layers(self.sparse_layers, (1, *hidden, 1))
        if self.solver not in ALL_SOLVERS:
            raise ValueError(f"solver must be one of {ALL_SOLVERS}, got {self.solver!r}")
        check_real("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_int("batch_size", self.batch_size)
        check_real("momentum", self.momentum, low=0.0, high=1.0, high_open=True)

    # -- which model: the notes' or a generalization ----------------------------------------
    def _hidden_sizes(self) -> tuple[int, ...]:
        """The hidden layers: ``hidden_layer_sizes``, or the notes' one layer of ``hidden_size``."""
        if self.hidden_layer_sizes is None:
            return (int(self.hidden_size),)
        try:
            sizes = tuple(self.hidden_layer_sizes)
        except TypeError:
            sizes = ()
        if not sizes:
            raise ValueError(
                "hidden_layer_sizes must be a non-empty sequence of positive integers, got "
                f"{self.hidden_layer_sizes!r}"
            )
        return tuple(check_int("hidden_layer_sizes[...]", h) for h in sizes)

    def _penalties(self) -> tuple[Penalty, ...]:
        """``penalties``, or the notes' weight decay and KL sparsity from the three numbers."""
        if self.penalties is None:
            return (WeightDecay(self.lambda_), KLSparsity(self.sparsity_param, self.beta))
        return check_penalties(self.penalties)

    def _is_notes(self) -> bool:
        """True when the model is the notes' own: then the notes' cost function computes it."""
        return (
            self.penalties is None
            and len(self._hidden_sizes()) == 1
            and self.activation == "sigmoid"
            and self.output_activation == "sigmoid"
            and self.sparse_layers is None
        )

    def _deep_options(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "output_activation": self.output_activation,
            "penalties": self._penalties(),
            "sparse_layers": self.sparse_layers,
        }

    @property
    def rho_(self) -> float | None:
        """The KL target rho of the model's penalties (None without a KL penalty)."""
        kl = [p for p in self._penalties() if isinstance(p, KLSparsity)]
        return kl[0].rho if kl else None

    def _check_X(self, X: Any, name: str = "X", features: int | None = None) -> np.ndarray:
        """``X`` as a host float64 (n_samples, n_features) array, checked."""
        X = np.asarray(X if isinstance(X, list | tuple) else to_host(X), dtype=np.float64)
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(
                f"{name} must be a 2-D array (n_samples, n_features) with at least one sample "
                f"and one feature, got shape {X.shape}"
            )
        if features is not None and X.shape[1] != features:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but this autoencoder was fitted with "
                f"{features}; got shape {X.shape}"
            )
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} must be finite, but it holds NaN or inf values")
        return X

    def _check_fitted(self) -> None:
        if not hasattr(self, "theta_"):
            raise ValueError("this SparseAutoencoder is not fitted yet: call fit(X) first")

    def _device_columns(self, X: np.ndarray) -> Any:
        """Examples as columns (the course's orientation), on the backend, in the dtype."""
        xp = get_namespace(self.backend)
        return from_host(np.ascontiguousarray(X.T), xp, dtype=get_dtype(xp, self.dtype))

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
        far (``result_.interrupted``).
        """
        self.check_params()
        X = self._check_X(X)
        visible = X.shape[1]
        sizes = (visible, *self._hidden_sizes(), visible)
        if cost_function is not None and not self._is_notes():
            raise ValueError(
                "cost_function replaces the notes' sparse_autoencoder_cost, so it needs the "
                "notes' model: one hidden layer, sigmoid units, no penalties argument"
            )
        data = self._device_columns(X)  # validated once, by the training function
        rng = as_rng(self.random_state)  # one generator: initial weights, then shuffling
        if theta0 is None:
            theta0 = self._initial_theta(sizes, rng)
        every = int(self.verbose)
        marks = log_spaced_iterations(self.max_iter)
        terms_history: list[tuple[int, CostTerms]] = []

        def on_iteration(record: Any, theta: np.ndarray) -> None:
            if record.iteration in marks:
                terms_history.append((record.iteration, self._terms(theta, sizes, data)[0]))
            if callback is not None:
                callback(record, theta)

        if self.solver == "lbfgs":
            progress = ProgressPrinter(every=every) if every > 0 else None
            result = self._fit_lbfgs(theta0, sizes, data, progress, on_iteration, cost_function)
        else:
            progress = EpochPrinter(every=every) if every > 0 else None
            result = self._fit_minibatch(theta0, sizes, data, progress, on_iteration, rng)
        self._set_theta(result.theta, visible)
        self.result_: LbfgsResult | MinibatchResult = result
        self.n_iter_ = result.n_iter
        self.loss_curve_ = [r.cost for r in result.history]
        self.cost_terms_, self.penalty_terms_ = self._terms(result.theta, sizes, data)
        if not terms_history or terms_history[-1][0] != result.n_iter:
            terms_history.append((result.n_iter, self.cost_terms_))
        self.cost_terms_history_ = terms_history
        return self

    def _initial_theta(self, sizes: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if self._is_notes():
            return initialize_parameters(sizes[1], sizes[0], rng)
        return deep.initialize_deep(sizes, self.activation, rng,
                                    output_activation=self.output_activation)  # fmt: skip

    def _fit_lbfgs(self, theta0, sizes, data, progress, callback, cost_function) -> LbfgsResult:
        if self._is_notes():
            return train_sparse_autoencoder(
                theta0, sizes[0], sizes[1], self.lambda_, self.sparsity_param, self.beta, data,
                max_iter=self.max_iter, history_size=self.history_size, progress=progress,
                callback=callback, cost_function=cost_function,
            )  # fmt: skip
        fun = self._deep_cost(theta0, sizes, data)
        xp = get_namespace(self.backend)
        keep_freed_memory()
        with blas_threads(default_blas_threads(sizes[0], max(sizes[1:-1]), data.shape[1])):
            return minimize_lbfgs(
                host_objective(lambda theta: fun(theta, data), xp, data.dtype, device_of(data)),
                theta0, max_iter=self.max_iter, history_size=self.history_size,
                progress=progress, callback=callback, blocks=deep.deep_block_slices(sizes),
            )  # fmt: skip

    def _fit_minibatch(self, theta0, sizes, data, progress, callback, rng) -> MinibatchResult:
        options = {
            "solver": self.solver, "learning_rate": self.learning_rate, "epochs": self.max_iter,
            "batch_size": self.batch_size, "momentum": self.momentum, "rng": rng,
            "progress": progress, "callback": callback,
        }  # fmt: skip
        if self._is_notes():
            return train_sparse_autoencoder_minibatch(
                theta0, sizes[0], sizes[1], self.lambda_, self.sparsity_param, self.beta, data,
                **options,
            )  # fmt: skip
        fun = self._deep_cost(theta0, sizes, data)
        keep_freed_memory()
        with blas_threads(default_blas_threads(sizes[0], max(sizes[1:-1]), self.batch_size)):
            return minimize_minibatch(fun, np.asarray(to_host(theta0), dtype=np.float64), data,
                                      **options)  # fmt: skip

    def _deep_cost(self, theta0: Any, sizes: tuple[int, ...], data: Any) -> Callable:
        """``fun(theta, batch)`` of the deep cost, after validating everything once with
        ``theta0`` (one forward pass), so that each evaluation skips the checks."""
        xp = get_namespace(self.backend)
        options = self._deep_options()
        deep.autoencoder_cost_terms(
            from_host(to_host(theta0), xp, dtype=data.dtype), sizes, data, **options
        )

        def fun(theta: Any, batch: Any) -> tuple[Any, Any]:
            return deep.autoencoder_cost(theta, sizes, batch, **options, check_inputs=False)

        return fun

    def _terms(
        self, theta: np.ndarray, sizes: tuple[int, ...], data: Any
    ) -> tuple[CostTerms, dict[str, float]]:
        """The final cost's terms: grouped as the notes' three, and each one by name."""
        xp_theta = from_host(theta, get_namespace(self.backend), dtype=data.dtype)
        if self._is_notes():
            args = (sizes[0], sizes[1], self.lambda_, self.sparsity_param, self.beta)
            terms = sparse_autoencoder_cost_terms(xp_theta, *args, data, check_inputs=False)
            return terms, terms._asdict()
        named = deep.autoencoder_cost_terms(
            xp_theta, sizes, data, **self._deep_options(), check_inputs=False
        )
        return group_terms(named, self._penalties()), named

    def _set_theta(self, theta: np.ndarray, visible: int) -> None:
        self.theta_ = np.asarray(theta, dtype=np.float64)
        self.n_features_in_ = visible
        self.layer_sizes_ = (visible, *self._hidden_sizes(), visible)
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
        return np.ascontiguousarray(self._check_X(X, features=self.n_features_in_).T)

    def transform(self, X: Any) -> np.ndarray:
        """Encode: the code layer's activations of each sample, shape (n_samples, code size)."""
        columns = self._columns(X)
        return deep.encode(self.theta_, self.layer_sizes_, columns, activation=self.activation,
                           check_inputs=False).T  # fmt: skip

    def inverse_transform(self, H: Any) -> np.ndarray:
        """Decode code-layer activations (n_samples, code size) into outputs."""
        self._check_fitted()
        code = deep.code_layer(self.layer_sizes_)
        H = self._check_X(H, "H", features=self.layer_sizes_[code - 1])
        hidden, output = get_activation(self.activation), get_activation(self.output_activation)
        a = H.T
        last = len(self.coefs_)
        for l in range(code, last + 1):  # W^(code) ... W^(L), layer l to layer l + 1
            f = output.f if l == last else hidden.f
            a = f(self.coefs_[l - 1] @ a + self.intercepts_[l - 1][:, None])
        return a.T

    def reconstruct(self, X: Any) -> np.ndarray:
        """Encode then decode: the autoencoder's output for each sample."""
        columns = self._columns(X)
        return deep.reconstruct(
            self.theta_, self.layer_sizes_, columns, activation=self.activation,
            output_activation=self.output_activation, check_inputs=False,
        ).T  # fmt: skip

    def reconstruction_errors(self, X: Any) -> np.ndarray:
        r"""Each sample's squared error :math:`\frac{1}{2}\lVert \hat x - x\rVert^2`, shape
        (n_samples,); their mean is the cost's reconstruction term."""
        columns = self._columns(X)
        return deep.reconstruction_errors(
            self.theta_, self.layer_sizes_, columns, activation=self.activation,
            output_activation=self.output_activation, check_inputs=False,
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
        """The terms of J on ``X`` for the fitted parameters (see ``cost_terms_``)."""
        columns = self._columns(X)
        return self._terms(self.theta_, self.layer_sizes_, columns)[0]

    def sparsity_report(self, X: Any, threshold: float = 0.1) -> dict[str, Any]:
        """How sparse the code is on ``X``: each code unit's average activation against rho.

        Returns ``rho`` (None without a KL penalty), ``rho_hat`` (per unit), its mean, minimum
        and maximum, and the fraction of all activations above ``threshold`` (0.1, as the
        tutorials' monitor).
        """
        a2 = self.transform(X)  # (n_samples, code size)
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
        the notes' model, ``(a2, a3)``."""
        return self.transform(X).T, self.reconstruct(X).T

    # -- files ----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save parameters and fitted state to ``.npz`` (plain arrays and JSON, no pickle)."""
        self._check_fitted()
        path = Path(path)
        params = self.get_params()
        if params["penalties"] is not None:  # penalty objects are saved as their text
            params["penalties"] = describe_penalties(self._penalties())
        for name in ("hidden_layer_sizes", "sparse_layers"):
            if params[name] is not None:
                params[name] = [int(v) for v in params[name]]
        params = json.dumps({k: v for k, v in params.items() if _jsonable(v)})
        np.savez(
            path,
            params=np.array(params),
            theta=self.theta_,
            n_features_in=np.array(self.n_features_in_),
            n_iter=np.array(self.n_iter_),
            loss_curve=np.asarray(self.loss_curve_, dtype=np.float64),
            cost_terms=np.asarray(self.cost_terms_, dtype=np.float64),
        )
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load(cls, path: str | Path) -> SparseAutoencoder:
        """Load a model written by :meth:`save`."""
        path = Path(path)
        if not path.exists():
            raise ValueError(f"no saved model at {path}")
        with np.load(path, allow_pickle=False) as f:
            missing = {"params", "theta", "n_features_in"} - set(f.files)
            if missing:
                raise ValueError(f"{path} is not a saved SparseAutoencoder (missing {missing})")
            params = json.loads(str(f["params"]))
            for name in ("hidden_layer_sizes", "sparse_layers"):
                if params.get(name) is not None:
                    params[name] = tuple(params[name])
            model = cls(**params)
            model._set_theta(f["theta"], int(f["n_features_in"]))
            model.n_iter_ = int(f["n_iter"])
            model.loss_curve_ = [float(c) for c in f["loss_curve"]]
            model.cost_terms_ = CostTerms(*(float(t) for t in f["cost_terms"]))
        return model

    def export_mat(self, path: str | Path) -> Path:
        """Write theta to a MATLAB ``.mat`` file as the course's code expects it.

        ``theta`` is the column vector ``[W1(:); W2(:); b1; b2]``; ``visibleSize``,
        ``hiddenSize``, ``lambda``, ``sparsityParam`` and ``beta`` are stored beside it, and
        ``W1``, ``W2``, ``b1``, ``b2`` too, so ``display_network(W1')`` works as in ``train.m``.
        """
        import scipy.io

        self._check_fitted()
        path = Path(path)
        if len(self.coefs_) != 2:  # deep: theta and every block, with the layer sizes
            blocks = {f"W{l}": W for l, W in enumerate(self.coefs_, start=1)}
            blocks |= {f"b{l}": b[:, None] for l, b in enumerate(self.intercepts_, start=1)}
            layers = np.asarray(self.layer_sizes_, dtype=np.float64)[None, :]
            scipy.io.savemat(path, {"theta": self.theta_[:, None], "layerSizes": layers, **blocks})
            return path
        scipy.io.savemat(
            path,
            {
                "theta": self.theta_[:, None],
                "visibleSize": float(self.n_features_in_),
                "hiddenSize": float(self.layer_sizes_[1]),
                "lambda": float(self.lambda_),
                "sparsityParam": float(self.sparsity_param),
                "beta": float(self.beta),
                "W1": self.W1_,
                "W2": self.W2_,
                "b1": self.b1_[:, None],
                "b2": self.b2_[:, None],
            },
        )
        return path


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
        return not (isinstance(value, float) and not math.isfinite(value))
    except TypeError:
        return False
