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
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .backend import DTYPES, from_host, get_dtype, get_namespace, to_host
from .model import (
    CostTerms,
    forward,
    sigmoid,
    sparse_autoencoder_cost_terms,
)
from .optimize import IterationRecord, LbfgsResult, ProgressPrinter, train_sparse_autoencoder
from .params import initialize_parameters, unpack
from .validation import check_int, check_real


def log_spaced_iterations(max_iter: int, count: int = 25) -> set[int]:
    """About ``count`` iterations spread on a log scale: where the loss plot shows the terms."""
    return {int(round(i)) for i in np.geomspace(1, max(max_iter, 1), count)}


class SparseAutoencoder:
    """The sparse autoencoder of the CS294A notes, trained with L-BFGS.

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
        L-BFGS iterations (``train.m``: 400).
    backend : {"numpy", "cupy", "array_api_strict"}
        Where the cost runs; the data are moved there once.
    dtype : {"float64", "float32"}
        Precision of the cost (L-BFGS itself always works in float64).
    random_state : int, numpy Generator or None
        Seed of the initial weights (drawn on the host: the same on every backend).
    verbose : bool or int
        Print a progress line every ``verbose`` iterations (``True``: every iteration).
    history_size : int
        L-BFGS correction pairs (minFunc's default: 100).

    Attributes
    ----------
    W1_, b1_, W2_, b2_ : ndarray
        The learned blocks, host float64, in the notes' shapes.
    theta_ : ndarray
        The flat parameters ``[W1(:); W2(:); b1; b2]``.
    n_iter_ : int
        L-BFGS iterations run (over all ``fit`` calls that continued one another).
    loss_curve_ : list of float
        The cost after each iteration.
    cost_terms_ : CostTerms
        Reconstruction, weight decay and sparsity terms of the final cost.
    cost_terms_history_ : list of (int, CostTerms)
        The terms at about 25 log-spaced iterations (for the loss plot).
    result_ : LbfgsResult
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
        callback: Callable[[IterationRecord, np.ndarray], None] | None = None,
        cost_function: Callable[..., tuple[Any, Any]] | None = None,
    ) -> SparseAutoencoder:
        """Learn the weights from ``X`` (n_samples, n_features) with L-BFGS.

        ``theta0`` continues from given parameters (a checkpoint) instead of a random start.
        ``callback(record, theta)`` runs after each iteration (checkpoints; ``StopIteration``
        ends the run). ``cost_function`` replaces the package's cost (a student's own).
        Ctrl-C ends the run with the best parameters so far (``result_.interrupted``).
        """
        self.check_params()
        X = self._check_X(X)
        visible, hidden = X.shape[1], self.hidden_size
        data = self._device_columns(X)  # validated by train_sparse_autoencoder, once
        if theta0 is None:
            theta0 = initialize_parameters(hidden, visible, self.random_state)
        every = int(self.verbose)
        progress = ProgressPrinter(every=every) if every > 0 else None
        args = (visible, hidden, self.lambda_, self.sparsity_param, self.beta)
        marks = log_spaced_iterations(self.max_iter)
        terms_history: list[tuple[int, CostTerms]] = []

        def on_iteration(record: IterationRecord, theta: np.ndarray) -> None:
            if record.iteration in marks:
                terms_history.append((record.iteration, self._terms(theta, args, data)))
            if callback is not None:
                callback(record, theta)

        result = train_sparse_autoencoder(
            theta0, *args, data,
            max_iter=self.max_iter, history_size=self.history_size, progress=progress,
            callback=on_iteration, cost_function=cost_function,
        )  # fmt: skip
        self._set_theta(result.theta, visible)
        self.result_: LbfgsResult = result
        self.n_iter_ = result.n_iter
        self.loss_curve_ = [r.cost for r in result.history]
        self.cost_terms_ = self._terms(result.theta, args, data)
        if not terms_history or terms_history[-1][0] != result.n_iter:
            terms_history.append((result.n_iter, self.cost_terms_))
        self.cost_terms_history_ = terms_history
        return self

    def _terms(self, theta: np.ndarray, args: tuple, data: Any) -> CostTerms:
        xp_theta = from_host(theta, get_namespace(self.backend), dtype=data.dtype)
        return sparse_autoencoder_cost_terms(xp_theta, *args, data, check_inputs=False)

    def _set_theta(self, theta: np.ndarray, visible: int) -> None:
        self.theta_ = np.asarray(theta, dtype=np.float64)
        self.n_features_in_ = visible
        W1, W2, b1, b2 = unpack(self.theta_, visible, int(self.hidden_size))
        self.W1_, self.W2_, self.b1_, self.b2_ = (np.array(b) for b in (W1, W2, b1, b2))

    # -- using the fitted model -----------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Encode: the hidden activations ``a2`` of each sample, shape (n_samples, hidden_size)."""
        self._check_fitted()
        X = self._check_X(X, features=self.n_features_in_)
        return sigmoid(X @ self.W1_.T + self.b1_)

    def inverse_transform(self, H: Any) -> np.ndarray:
        """Decode hidden activations (n_samples, hidden_size) into outputs ``a3``."""
        self._check_fitted()
        H = self._check_X(H, "H", features=int(self.hidden_size))
        return sigmoid(H @ self.W2_.T + self.b2_)

    def reconstruct(self, X: Any) -> np.ndarray:
        """Encode then decode: the autoencoder's output for each sample."""
        return self.inverse_transform(self.transform(X))

    def score(self, X: Any, y: Any = None) -> float:
        """The cost J of the fitted parameters on ``X`` (lower is better, unlike scikit-learn)."""
        return self.cost_terms(X).total

    def cost_terms(self, X: Any) -> CostTerms:
        """The three terms of J on ``X`` for the fitted parameters."""
        self._check_fitted()
        X = self._check_X(X, features=self.n_features_in_)
        args = (self.n_features_in_, int(self.hidden_size), self.lambda_, self.sparsity_param)
        return sparse_autoencoder_cost_terms(
            self.theta_, *args, self.beta, np.ascontiguousarray(X.T)
        )

    def sparsity_report(self, X: Any, threshold: float = 0.1) -> dict[str, Any]:
        """How sparse the code is on ``X``: each unit's average activation against rho.

        Returns ``rho``, ``rho_hat`` (per hidden unit), its mean, minimum and maximum, and the
        fraction of all activations above ``threshold`` (0.1, as the tutorials' monitor).
        """
        a2 = self.transform(X)  # (n_samples, hidden)
        rho_hat = a2.mean(axis=0)
        return {
            "rho": float(self.sparsity_param),
            "rho_hat": rho_hat,
            "rho_hat_mean": float(rho_hat.mean()),
            "rho_hat_min": float(rho_hat.min()),
            "rho_hat_max": float(rho_hat.max()),
            "threshold": float(threshold),
            "fraction_active": float(np.mean(a2 > threshold)),
        }

    def reconstruction_columns(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(a2, a3)`` for ``X`` in the course's orientation (examples as columns)."""
        self._check_fitted()
        X = self._check_X(X, features=self.n_features_in_)
        return forward(self.W1_, self.W2_, self.b1_, self.b2_, np.ascontiguousarray(X.T))

    # -- files ----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save parameters and fitted state to ``.npz`` (plain arrays and JSON, no pickle)."""
        self._check_fitted()
        path = Path(path)
        params = json.dumps({k: v for k, v in self.get_params().items() if _jsonable(v)})
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
            model = cls(**json.loads(str(f["params"])))
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
        scipy.io.savemat(
            path,
            {
                "theta": self.theta_[:, None],
                "visibleSize": float(self.n_features_in_),
                "hiddenSize": float(self.hidden_size),
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
