"""A fitted estimator on disk: ``.npz`` (plain arrays and JSON, never pickle) and MATLAB ``.mat``.

:meth:`SparseAutoencoder.save <ufldl_sae.estimator.SparseAutoencoder.save>`, ``load`` and
``export_mat`` are thin methods over these functions. The ``.npz`` holds the constructor's
parameters as JSON (penalty objects as their command-line text), theta and the fitted state; the
``.mat`` holds theta as the course's column vector with the blocks beside it, so the course's
MATLAB code (``display_network(W1')``) reads it as it reads ``train.m``'s.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..beyond.penalties import describe_penalties
from ..model import CostTerms
from .choice import choose_model

if TYPE_CHECKING:  # the class imports this module; only its annotations come back here
    from .sparse_autoencoder import SparseAutoencoder

#: What a saved model must hold to be loaded.
REQUIRED_ENTRIES = {"params", "theta", "n_features_in"}


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
    np.savez(
        path,
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
    GPU backend loads where that backend is missing, to be used on the host).
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no saved model at {path}")
    with np.load(path, allow_pickle=False) as f:
        missing = REQUIRED_ENTRIES - set(f.files)
        if missing:
            raise ValueError(f"{path} is not a saved SparseAutoencoder (missing {missing})")
        params = json.loads(str(f["params"]))
        for name in ("hidden_layer_sizes", "sparse_layers"):
            if params.get(name) is not None:
                params[name] = tuple(params[name])
        model = cls(**params)
        model._set_fitted(choose_model(model.get_params()), f["theta"], int(f["n_features_in"]))
        model.n_iter_ = int(f["n_iter"])
        model.loss_curve_ = [float(c) for c in f["loss_curve"]]
        model.cost_terms_ = CostTerms(*(float(t) for t in f["cost_terms"]))
    return model


def export_mat(model: SparseAutoencoder, path: str | Path) -> Path:
    """Write theta to a MATLAB ``.mat`` file as the course's code expects it.

    One hidden layer: ``theta`` is the column vector ``[W1(:); W2(:); b1; b2]``, with
    ``visibleSize``, ``hiddenSize``, ``lambda``, ``sparsityParam``, ``beta`` and ``W1``, ``W2``,
    ``b1``, ``b2`` beside it. Deeper: theta, every block and ``layerSizes``.
    """
    import scipy.io

    model._check_fitted()
    path = Path(path)
    if len(model.coefs_) != 2:  # deep: theta and every block, with the layer sizes
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
