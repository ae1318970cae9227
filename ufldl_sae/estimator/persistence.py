"""A fitted estimator on disk: ``.npz`` (plain arrays and JSON, never pickle) and MATLAB ``.mat``.

:meth:`SparseAutoencoder.save <ufldl_sae.estimator.SparseAutoencoder.save>`, ``load`` and
``export_mat`` are thin methods over these functions. The ``.npz`` holds the constructor's
parameters as JSON (penalty objects as their command-line text), theta and the fitted state; the
``.mat`` holds theta as the course's column vector with the blocks beside it, so the course's
MATLAB code (``display_network(W1')``) reads it as it reads ``train.m``'s.

The dictionary-learning architectures (``architecture="topk"``, ...) save the same way: their
``architecture``, ``k`` and coefficients are constructor parameters, so they are in the JSON,
and their ``metrics_`` are one more JSON entry. The course's MATLAB code has no such model, so
``export_mat`` refuses them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..backend import BACKENDS
from ..beyond.penalties import describe_penalties
from ..model import CostTerms
from .checks import validated_choice
from .choice import ModelChoice, SaeChoice

if TYPE_CHECKING:  # the class imports this module; only its annotations come back here
    from .sparse_autoencoder import SparseAutoencoder

#: What a saved model holds; :func:`save_model` writes every one, :func:`load_model` needs them.
REQUIRED_ENTRIES = {"params", "theta", "n_features_in", "n_iter", "loss_curve", "cost_terms"}
#: Written when the model has it (``metrics_``, the other architectures), read when present.
OPTIONAL_ENTRIES = {"metrics"}


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
        return not (isinstance(value, float) and not math.isfinite(value))
    except TypeError:
        return False


def saved_params(model: SparseAutoencoder) -> str:
    """The constructor's parameters as JSON: penalty objects as their text, sequences as lists,
    and whatever JSON cannot hold (a Generator as ``random_state``) left out (its default)."""
    params = model.get_params()
    if params["penalties"] is not None:  # penalty objects are saved as their text
        params["penalties"] = describe_penalties(model.model_.penalties)
    for name in ("hidden_layer_sizes", "sparse_layers"):
        if params[name] is not None:
            params[name] = [int(v) for v in params[name]]
    return json.dumps({k: v for k, v in params.items() if _jsonable(v)})


def save_model(model: SparseAutoencoder, path: str | Path) -> Path:
    """Save parameters and fitted state to ``.npz``; the path written (``.npz`` appended as
    NumPy does when missing)."""
    model._check_fitted()
    path = Path(path)
    optional = {}
    if hasattr(model, "metrics_"):  # JSON writes a NaN (constant data) as NaN and reads it back
        optional["metrics"] = np.array(json.dumps(model.metrics_))
    np.savez(
        path,
        **optional,
        params=np.array(saved_params(model)),
        theta=model.theta_,
        n_features_in=np.array(model.n_features_in_),
        n_iter=np.array(model.n_iter_),
        loss_curve=np.asarray(model.loss_curve_, dtype=np.float64),
        cost_terms=np.asarray(model.cost_terms_, dtype=np.float64),
    )
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def load_model(cls: type[SparseAutoencoder], path: str | Path) -> SparseAutoencoder:
    """A model written by :func:`save_model`, fitted state included.

    The model is chosen again from the saved parameters (structure only: a model saved on a
    GPU backend loads where that backend is missing, to be used on the host). Nothing in the
    file is trusted: a file that is not a readable ``.npz``, a missing entry, an unknown or bad
    parameter, a theta that is not a finite 1-D vector of exactly the size the parameters and
    the feature count give (a truncated or too-long theta, or a changed ``n_features_in``), or a
    bad iteration count, loss curve or cost terms is refused with a ``ValueError`` naming the
    file and the entry.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no saved model at {path}")
    entries = _read_entries(path)
    params, choice = _checked_params(path, cls, entries["params"])
    model = cls(**params)
    visible = _whole(path, "n_features_in", entries["n_features_in"], minimum=1)
    theta = _finite_floats(path, "theta", entries["theta"])
    expected = choice.theta_size(visible)
    if theta.shape != (expected,):
        raise ValueError(
            f"{path}: theta has shape {theta.shape}, but a model of layers "
            f"{choice.layer_sizes(visible)} on n_features_in = {visible} features needs "
            f"{expected} entries: the file is truncated or its feature count was changed"
        )
    model._set_fitted(choice, theta, visible)
    model.n_iter_ = _whole(path, "n_iter", entries["n_iter"], minimum=0)
    model.loss_curve_ = [
        float(c) for c in _finite_floats(path, "loss_curve", entries["loss_curve"])
    ]
    terms = _finite_floats(path, "cost_terms", entries["cost_terms"])
    if terms.shape != (len(CostTerms._fields),):
        raise ValueError(
            f"{path}: cost_terms must hold {len(CostTerms._fields)} values "
            f"{CostTerms._fields}, got shape {terms.shape}"
        )
    model.cost_terms_ = CostTerms(*(float(t) for t in terms))
    if "metrics" in entries:
        model.metrics_ = _json_object(path, "metrics", entries["metrics"], "the field's metrics")
    return model


def _json_object(path: Path, name: str, stored: np.ndarray, of_what: str) -> dict[str, Any]:
    """A saved JSON object (a 0-d string entry), or a ``ValueError`` naming the entry and what
    it should hold: the constructor's ``params`` and the fitted ``metrics_`` are both stored so."""
    try:
        value = json.loads(str(stored)) if stored.shape == () else None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: {name} is not valid JSON ({error})") from error
    if not isinstance(value, dict):
        raise ValueError(f"{path}: {name} must be a JSON object of {of_what}")
    return value


def _read_entries(path: Path) -> dict[str, np.ndarray]:
    """Every entry of :data:`REQUIRED_ENTRIES`, read without pickle; a ``ValueError`` naming the
    file for anything else (a truncated or corrupted zip, a lone ``.npy``, a missing entry)."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("a single array, not an .npz archive")
        with loaded as f:
            wanted = (REQUIRED_ENTRIES | OPTIONAL_ENTRIES) & set(f.files)
            entries = {name: f[name] for name in wanted}
    except Exception as error:  # the file's reader fails in many ways, all of them bad input
        raise ValueError(f"{path} is not a readable saved model ({error})") from error
    missing = REQUIRED_ENTRIES - set(entries)
    if missing:
        raise ValueError(f"{path} is not a saved SparseAutoencoder (missing {sorted(missing)})")
    return entries


def _checked_params(
    path: Path, cls: type[SparseAutoencoder], stored: np.ndarray
) -> tuple[dict, ModelChoice]:
    """The saved constructor parameters, each known and valid (the backend by name only: it
    need not be installed where the model is loaded), and the model they describe."""
    params = _json_object(path, "params", stored, "constructor arguments")
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise ValueError(f"{path}: unknown parameter(s) {unknown} in params")
    for name in ("hidden_layer_sizes", "sparse_layers"):
        if isinstance(params.get(name), list):
            params[name] = tuple(params[name])
    backend = params.get("backend", "numpy")
    if backend not in BACKENDS:
        raise ValueError(f"{path}: backend must be one of {BACKENDS}, got {backend!r}")
    try:
        choice = validated_choice({**cls(**params).get_params(), "backend": "numpy"})
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error
    return params, choice


def _whole(path: Path, name: str, stored: np.ndarray, *, minimum: int) -> int:
    """A saved count: one integer >= ``minimum``."""
    if stored.shape != () or stored.dtype.kind not in "iu" or int(stored) < minimum:
        raise ValueError(
            f"{path}: {name} must be one integer >= {minimum}, got {stored!r} "
            f"(shape {stored.shape}, dtype {stored.dtype})"
        )
    return int(stored)


def _finite_floats(path: Path, name: str, stored: np.ndarray) -> np.ndarray:
    """A saved 1-D array of finite real numbers, as float64."""
    if stored.ndim != 1 or stored.dtype.kind not in "fiu":
        raise ValueError(
            f"{path}: {name} must be a 1-D array of real numbers, got shape {stored.shape} "
            f"and dtype {stored.dtype}"
        )
    values = stored.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{path}: {name} holds {int(np.sum(~np.isfinite(values)))} NaN or inf")
    return values


def export_mat(model: SparseAutoencoder, path: str | Path) -> Path:
    """Write theta to a MATLAB ``.mat`` file as the course's code expects it.

    The notes' model: ``theta`` is the column vector ``[W1(:); W2(:); b1; b2]``, with
    ``visibleSize``, ``hiddenSize``, ``lambda``, ``sparsityParam``, ``beta`` and ``W1``, ``W2``,
    ``b1``, ``b2`` beside it. A generalization (other units, penalties or layers, so the notes'
    three hyperparameters are not the ones in force): theta, every block and ``layerSizes``.
    """
    import scipy.io

    model._check_fitted()
    path = Path(path)
    if isinstance(model.model_, SaeChoice):
        architecture = model.model_.architecture
        raise ValueError(
            f"export_mat writes the course's MATLAB layout, and the course's code has no "
            f"architecture={architecture!r} model (its own code, pre-encoder bias"
            f"{', thresholds' if architecture == 'jumprelu' else ''}): use save() for the "
            ".npz, or theta_ and W1_, W2_, b1_, b2_ with scipy.io.savemat"
        )
    if not model.model_.is_notes:  # a generalization: theta, every block, the layer sizes
        blocks = {f"W{l}": W for l, W in enumerate(model.coefs_, start=1)}
        blocks |= {f"b{l}": b[:, None] for l, b in enumerate(model.intercepts_, start=1)}
        layers = np.asarray(model.layer_sizes_, dtype=np.float64)[None, :]
        scipy.io.savemat(path, {"theta": model.theta_[:, None], "layerSizes": layers, **blocks})
        return path
    scipy.io.savemat(
        path,
        {
            "theta": model.theta_[:, None],
            "visibleSize": float(model.n_features_in_),
            "hiddenSize": float(model.layer_sizes_[1]),
            "lambda": float(model.lambda_),
            "sparsityParam": float(model.sparsity_param),
            "beta": float(model.beta),
            "W1": model.W1_,
            "W2": model.W2_,
            "b1": model.b1_[:, None],
            "b2": model.b2_[:, None],
        },
    )
    return path
