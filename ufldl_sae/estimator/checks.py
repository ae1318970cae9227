"""The estimator's public edge: its parameters and its ``X``, validated once.

``fit`` calls :func:`validated_choice` first and :func:`check_samples` second; everything after
them (the model choice, the solvers' wiring, the cost terms) trusts what they passed. The
order of the checks is the constructor's, so with several bad parameters the first is named.

``architecture`` other than ``"notes"`` (one of the dictionary-learning autoencoders of
:mod:`ufldl_sae.beyond.saes`) is checked by :func:`sae_choice`: those models are trained by
their own minibatch Adam, so every parameter of the notes' family that would change the
model or its solver (``solver="lbfgs"``, ``hidden_layer_sizes``, ``penalties``, other units,
the notes' ``lambda_``, ``sparsity_param``, ``beta``) is refused by name, with what to use
instead, rather than silently ignored. Each architecture's own knob (``k``,
``l1_coefficient``, ``l0_coefficient``) is refused elsewhere in the same way.

``X`` crosses into the estimator once, through :func:`host_samples`: whatever array-like it is
(a list, a pandas DataFrame, an object with ``__array__``, another library's array), it becomes
one host float64 NumPy array before the array-API code sees it, and sparse or complex input is
refused with scikit-learn's words. :func:`warn_if_transposed` warns when the course's
``visible x m`` matrix seems to have been passed as it is.
"""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Mapping
from typing import Any

import array_api_compat
import numpy as np

from ..backend import DTYPES, get_namespace, to_host
from ..beyond.minibatch import SOLVERS
from ..beyond.saes.layout import ARCHITECTURES
from ..beyond.saes.train import SaeOptions
from ..validation import check_finite, check_int, check_real
from .choice import SAE_KNOB, SAE_PENALTY, ModelChoice, SaeChoice, choose_model

#: ``solver``: the notes' full-batch L-BFGS, or a minibatch solver
#: (:mod:`ufldl_sae.beyond.minibatch`). ``None`` (the default) is the model's own: L-BFGS for
#: the notes' family, Adam for the dictionary-learning architectures.
ALL_SOLVERS = ("lbfgs", *SOLVERS)

#: The parameters of the notes' family, at their constructor defaults. A dictionary-learning
#: architecture has no use for any of them: set to anything else, each is refused by name.
#: (``tests/test_estimator_saes.py`` keeps these equal to the constructor's defaults.)
NOTES_FAMILY_DEFAULTS: dict[str, Any] = {
    "sparsity_param": 0.01, "lambda_": 1e-4, "beta": 3.0, "hidden_layer_sizes": None,
    "activation": "sigmoid", "output_activation": "sigmoid", "penalties": None,
    "sparse_layers": None,
}  # fmt: skip

#: What a dictionary-learning architecture uses instead of each notes' family parameter.
_INSTEAD = {
    "sparsity_param": "it has no KL penalty",
    "lambda_": "it has no weight decay",
    "beta": "it has no KL penalty",
    "hidden_layer_sizes": "it has one layer of latents: use hidden_size",
    "activation": "its code is the architecture's",
    "output_activation": "its decoder is linear",
    "penalties": "its penalty is the architecture's",
    "sparse_layers": "its one layer of latents is the code",
}

#: Each architecture's sparsity knob, named in the refusals (``notes``: the KL penalty).
_KNOB = {"notes": "sparsity_param and beta (the KL penalty)", **SAE_KNOB}


#: scikit-learn's estimator checks that contradict the notes, each with the reason. The
#: estimator carries them (``SparseAutoencoder._expected_failed_checks``); the test suite hands
#: them to ``parametrize_with_checks(expected_failed_checks=...)``, the declaration that replaced
#: the ``_xfail_checks`` tag in scikit-learn 1.6.
EXPECTED_FAILED_CHECKS = {
    "check_fit_check_is_fitted": (
        "it fits data drawn around 100: every sigmoid hidden unit is pushed to 0 or 1 on "
        "every example, so the notes' KL sparsity penalty is infinite and fit raises "
        "SaturatedUnitsError by design (the notes' sigmoid network takes data in [0, 1])"
    ),
}


def validated_choice(params: Mapping[str, Any]) -> ModelChoice | SaeChoice:
    """Validate the estimator's parameters once and choose the model they describe (a
    :class:`~ufldl_sae.estimator.choice.SaeChoice` for the dictionary-learning architectures).

    ``params`` is :meth:`~ufldl_sae.estimator.SparseAutoencoder.get_params`'s dictionary. Each
    bad value raises a ``ValueError`` naming the parameter, its value and what is expected.
    """
    check_int("hidden_size", params["hidden_size"])
    check_real("sparsity_param", params["sparsity_param"], low=0, high=1, low_open=True,
               high_open=True)  # fmt: skip
    check_real("lambda_", params["lambda_"], low=0.0)
    check_real("beta", params["beta"], low=0.0)
    check_int("max_iter", params["max_iter"])
    check_int("history_size", params["history_size"])
    if params["dtype"] not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {params['dtype']!r}")
    get_namespace(params["backend"])  # raises a clear ValueError for an unknown or missing one
    choice = structure_choice(params)
    if params["solver"] is not None and params["solver"] not in ALL_SOLVERS:
        raise ValueError(
            f"solver must be one of {ALL_SOLVERS} or None (the model's own: L-BFGS for the "
            f"notes' family, Adam for the other architectures), got {params['solver']!r}"
        )
    check_real("learning_rate", params["learning_rate"], low=0.0, low_open=True)
    check_int("batch_size", params["batch_size"])
    check_real("momentum", params["momentum"], low=0.0, high=1.0, high_open=True)
    return choice


def check_architecture(architecture: Any) -> str:
    """``architecture`` as one of :data:`~ufldl_sae.beyond.saes.layout.ARCHITECTURES`."""
    if not isinstance(architecture, str) or architecture not in ARCHITECTURES:
        raise ValueError(
            f"architecture must be one of {ARCHITECTURES} ('notes': the CS294A model and its "
            f"generalizations; the others: the dictionary-learning autoencoders of "
            f"ufldl_sae.beyond.saes), got {architecture!r}"
        )
    return architecture


def structure_choice(params: Mapping[str, Any]) -> ModelChoice | SaeChoice:
    """The model the parameters describe, its structure checked (no backend needed, so a saved
    model loads anywhere): :func:`~ufldl_sae.estimator.choice.choose_model` for the notes'
    family, after refusing the other architectures' knobs; :func:`sae_choice` otherwise."""
    architecture = check_architecture(params.get("architecture", "notes"))
    if architecture != "notes":
        return sae_choice(params)
    for name in ("k", "l1_coefficient", "l0_coefficient"):
        _refuse_knob(params, name, architecture)
    return choose_model(params)


def _refuse_knob(params: Mapping[str, Any], name: str, architecture: str) -> None:
    """A knob of other architectures (``k``, ``l1_coefficient``, ``l0_coefficient``) given
    for ``architecture``, which has no such term: refused, naming its own knob."""
    if params.get(name) is None:
        return
    owners = [a for a, knob in _KNOB.items() if knob == name]
    raise ValueError(
        f"{name}={params[name]!r} is the knob of architecture {' and '.join(owners)}; "
        f"architecture={architecture!r} has no such term: leave {name}=None and use "
        f"{_KNOB[architecture]}"
    )


def _differs(value: Any, default: Any) -> bool:
    """Whether a parameter was set away from its default (an array counts as set)."""
    if default is None:
        return value is not None
    try:
        return bool(value != default)
    except (TypeError, ValueError):  # an array compared elementwise
        return True


def sae_choice(params: Mapping[str, Any]) -> SaeChoice:
    """A dictionary-learning architecture's parameters checked, and the model they describe.

    What does not apply is refused by name: a solver other than Adam (TopK's selection and
    JumpReLU's thresholds make the cost piecewise, and L-BFGS's line search and curvature pairs
    assume one smooth function; see :mod:`ufldl_sae.beyond.saes.train`), any parameter of the
    notes' family set away from its default, and the other architectures' knobs. ``k`` is an
    integer in ``[1, hidden_size]`` (None: :class:`~ufldl_sae.beyond.saes.train.SaeOptions`'
    default); the coefficients are reals >= 0 (None: its defaults).
    """
    architecture = check_architecture(params["architecture"])
    hidden = check_int("hidden_size", params.get("hidden_size", 25))
    if params.get("solver") not in (None, "adam"):
        raise ValueError(
            f"solver={params['solver']!r} cannot train architecture={architecture!r}: its cost "
            "is piecewise (the selection or the thresholds change between two evaluations), "
            "which breaks L-BFGS's line search and curvature pairs, and it is trained by "
            "ufldl_sae.beyond.saes.train_sae's minibatch Adam: leave solver=None or use 'adam'"
        )
    for name, default in NOTES_FAMILY_DEFAULTS.items():
        if name in params and _differs(params[name], default):
            raise ValueError(
                f"{name}={params[name]!r} belongs to the notes' family (architecture='notes'); "
                f"architecture={architecture!r} does not use it ({_INSTEAD[name]}; its "
                f"sparsity: {_KNOB[architecture]}): leave {name} at its default {default!r}"
            )
    budget = SAE_PENALTY[architecture] is None
    defaults = SaeOptions()
    for name in ("k", "l1_coefficient", "l0_coefficient"):
        if name != _KNOB[architecture]:
            _refuse_knob(params, name, architecture)
    k = params.get("k")
    if k is None:  # unused by relu-l1 and jumprelu, but SaeOptions wants it within hidden_size
        k = defaults.k if budget else min(defaults.k, hidden)
        if k > hidden:
            raise ValueError(
                f"k=None means SaeOptions' default k={k}, more than hidden_size={hidden}: give "
                f"k in [1, {hidden}] (a sample cannot use more latents than there are)"
            )
    elif isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= hidden:
        raise ValueError(
            f"k must be an integer in [1, hidden_size={hidden}] (the latents each sample "
            f"may use), got {k!r}"
        )
    coefficients = {}
    for name in ("l1_coefficient", "l0_coefficient"):
        value = params.get(name)
        coefficients[name] = (
            getattr(defaults, name) if value is None else check_real(name, value, low=0.0)
        )
    return SaeChoice(architecture, hidden, int(k), **coefficients)


class NonNumericInputError(ValueError, TypeError):
    """``X`` holds entries that are not numbers (strings, dicts, ...).

    A ``ValueError`` as every bad input of the package, and a ``TypeError`` as NumPy's own
    conversion error, which is what scikit-learn's callers (and its estimator checks) catch.
    """


def _is_sparse(X: Any) -> bool:
    """Whether ``X`` is a SciPy sparse matrix or array, or a PyData ``sparse`` array.

    SciPy is looked up among the modules already imported: a SciPy sparse object cannot exist
    without it, so asking costs no import.
    """
    scipy_sparse = sys.modules.get("scipy.sparse")
    if scipy_sparse is not None and scipy_sparse.issparse(X):
        return True
    return bool(array_api_compat.is_pydata_sparse_array(X))


def host_samples(X: Any, name: str = "X") -> np.ndarray:
    """``X`` as one host float64 NumPy array: the estimator's single input conversion.

    Everything that reaches the estimator goes through here once, before the array-API code sees
    it. NumPy arrays pass as they are (cast to float64 when needed); arrays of another array
    library (CuPy, ``array_api_strict``, torch) are copied to the host explicitly
    (:func:`~ufldl_sae.backend.to_host`); every other array-like, lists, tuples, pandas DataFrames
    and any object with ``__array__``, goes through ``numpy.asarray``, as scikit-learn's
    ``check_array`` does. Sparse and complex input are refused with the messages scikit-learn
    users know: the notes' network is dense and real.
    """
    if _is_sparse(X):
        raise ValueError(
            f"Sparse data was passed for {name}, but dense data is required: the sparse "
            "autoencoder's layers are dense. Use X.toarray() to convert to a dense numpy array."
        )
    if isinstance(X, np.ndarray):
        host = np.asarray(X)  # a subclass (np.matrix, a memmap) as a plain array, no copy
    elif array_api_compat.is_array_api_obj(X):  # another array library: one explicit copy
        host = np.asarray(to_host(X))
    else:  # lists, tuples, DataFrames, anything with __array__
        host = np.asarray(X)
    if host.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {host.dtype}; the sparse "
            "autoencoder's units take real inputs"
        )
    try:
        return host.astype(np.float64, copy=False)
    except (TypeError, ValueError) as error:  # strings, objects, complex objects
        raise NonNumericInputError(
            f"{name} must hold real numbers, got an array of dtype {host.dtype} ({error})"
        ) from error


def check_samples(
    X: Any, name: str = "X", features: int | None = None, *, owner: str = "SparseAutoencoder"
) -> np.ndarray:
    """``X`` as a host float64 (n_samples, n_features) array, checked: two dimensions, at least
    one sample and one feature, ``features`` columns when given, every entry finite.

    The conversion is :func:`host_samples`. The messages keep scikit-learn's words where its
    users (and its estimator checks) look for them: "Reshape your data" for 1-D input,
    "0 sample(s)" / "0 feature(s)" for empty input and "is expecting N features as input" for a
    feature count that differs from the fit; ``owner`` names the estimator in that last one.
    """
    X = host_samples(X, name)
    if X.ndim == 1:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features), got shape {X.shape}. Reshape "
            "your data either using array.reshape(-1, 1) if your data has a single feature or "
            "array.reshape(1, -1) if it contains a single sample."
        )
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got shape {X.shape}")
    for axis, what in ((0, "sample"), (1, "feature")):
        if X.shape[axis] == 0:
            raise ValueError(
                f"{name} must be a 2-D array (n_samples, n_features) with at least one sample "
                f"and one feature: found array with 0 {what}(s) (shape={X.shape}) while a "
                "minimum of 1 is required."
            )
    if features is not None and X.shape[1] != features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but {owner} is expecting {features} features "
            f"as input: it was fitted with {features}; got shape {X.shape}"
        )
    check_finite(name, X, np)
    return X


def warn_if_transposed(X: np.ndarray, name: str = "X") -> None:
    """Warn, before any training, when ``X`` has fewer samples (rows) than features (columns).

    The course's functions take ``visible x m``, one example per column; the estimator takes
    scikit-learn's (n_samples, n_features). Passing the course's matrix as it is gives a few
    "samples" of thousands of "features": the fit is slow, fits nothing and usually ends with
    saturated units. Having fewer samples than features is possible on purpose, so it is a
    warning, not an error.
    """
    samples, features = X.shape
    if samples < features:
        warnings.warn(
            f"{name} has {samples} samples of {features} features, fewer samples than "
            "features: rows are samples: did you pass the visible x m matrix of the course's "
            f"functions? transpose it ({name}.T), one example per row",
            UserWarning,
            stacklevel=3,
        )
