"""What defines a training run: the presets, :class:`RunConfig`, and its record ``config.json``.

``config.json`` records the parameters *in force* only: a setting that the run does not use
(``sparsity_param`` beside a ``penalties`` spec that replaces it, ``patch_size`` for MNIST,
``learning_rate`` for L-BFGS...) is left out, so the file never shows a number that played no
part. Reading it back fills the missing fields with :class:`RunConfig`'s defaults, which the
run does not use either; folders written before this rule (every field present) read the same.

Nothing read back is trusted: :func:`check_record` checks ``config.json`` field by field (unknown
keys, types, ranges, finite numbers) before any of it is used, so a damaged or edited file is
one clear ``ValueError`` naming the field, never a ``TypeError`` deep inside training.
``changes`` records what a ``--resume`` changed and at which iteration (see
:mod:`~ufldl_sae.runs.resume`); ``cost_sha256`` the SHA-256 of a ``--cost`` file.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

# The architectures of the ``toy-features`` and ``mnist-activations`` presets (``notes``: the
# notes' sigmoid + KL model with a linear decoder) are the models' own list.
from ..beyond.saes.layout import ARCHITECTURES

__all__ = ["ARCHITECTURES", "PRESETS", "TUTORIAL_NOTES", "RunConfig", "check_record", "read_config"]

#: The course's two exercises. ``patches``: the sparse autoencoder exercise (sampleIMAGES, 8x8
#: patches of whitened natural images); ``mnist``: the vectorization exercise (first 10,000
#: MNIST training digits).
PRESETS: dict[str, dict[str, Any]] = {
    "patches": {
        "hidden_size": 25,
        "sparsity_param": 0.01,
        "lambda_": 1e-4,
        "beta": 3.0,
        "max_iter": 400,
        "patch_size": 8,
        "num_patches": 10000,
    },
    "mnist": {
        "data": "mnist",
        "hidden_size": 196,
        "sparsity_param": 0.1,
        "lambda_": 3e-3,
        "beta": 3.0,
        "max_iter": 400,
        "num_images": 10000,
    },
    # The popular tutorials (see TUTORIAL_NOTES): minibatch Adam on all 60,000 training digits,
    # tested on the 10,000 test digits. Penalty weights are the tutorials' numbers; our
    # reconstruction term is the notes' sum over pixels / 2, the tutorials' a mean over pixels.
    "keras-sparse": {
        "data": "mnist",
        "hidden_size": 64,
        "activation": "relu",
        "penalties": "kl=0.05:0.1:sigmoid",
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 256,
        "max_iter": 50,
        "num_images": 60000,
        "test_examples": 10000,
    },
    "keras-deep": {
        "data": "mnist",
        "hidden_layer_sizes": [128, 64, 32, 64, 128],
        "activation": "relu",
        "penalties": "none",
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 256,
        "max_iter": 50,
        "num_images": 60000,
        "test_examples": 10000,
    },
    "keras-tanh-l1": {
        "data": "mnist",
        "hidden_size": 64,
        "activation": "tanh",
        "penalties": "l1w=0.01",
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 256,
        "max_iter": 50,
        "num_images": 60000,
        "test_examples": 10000,
    },
    "patches-adam": {
        "hidden_size": 256,
        "patch_size": 32,
        "num_patches": 10000,
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 128,
        "max_iter": 50,
        "test_examples": 2000,
    },
    # Beyond the notes: the sparse autoencoders of interpretability research on data with known
    # features (ufldl_sae.data.toy_features, ufldl_sae.beyond.saes); --architecture picks the
    # model, max_iter counts epochs of minibatch Adam. The notes' model uses sparsity_param and
    # beta as its KL target and weight.
    "toy-features": {
        "data": "toy-features",
        "architecture": "topk",
        "k": 5,
        "hidden_size": 256,
        "sparsity_param": 0.02,  # 5 of 256 units on average
        "beta": 0.3,  # the course's 3 lets the KL term (summed over 256 units) drown the error
        "solver": "adam",
        "learning_rate": 2e-3,
        "batch_size": 1024,
        "max_iter": 6,
        "dtype": "float32",
    },
    # The same models on a real network's activations (ufldl_sae.runs.mnist_activations): the
    # hidden layer a2 (196 sigmoid units) of the notes' MNIST autoencoder, trained first on
    # encoder_images digits for encoder_iter L-BFGS iterations, or read from --encoder-run. No
    # true features: judged by the metrics on the test digits and by the latents' top digits.
    "mnist-activations": {
        "data": "mnist-activations",
        "architecture": "topk",
        "k": 16,
        "hidden_size": 784,  # 4 latents per unit of the network's hidden layer
        "sparsity_param": 0.02,
        "beta": 0.3,
        "solver": "adam",
        "learning_rate": 1e-3,
        "batch_size": 256,
        "max_iter": 5,
        "num_images": 20000,  # the SAE trains on a2 of the first 20,000 training digits
        "test_examples": 10000,  # and is evaluated on a2 of the 10,000 test digits
        "encoder_images": 5000,
        "encoder_iter": 100,
        "dtype": "float32",
    },
}

#: What each tutorial preset reproduces, and where it leaves the notes (``train --help``,
#: the README and ``metrics.json`` quote it).
TUTORIAL_NOTES: dict[str, str] = {
    "keras-sparse": "the Keras sparse autoencoder: 784 -> 64 ReLU, sigmoid output, KL "
    "penalty rho 0.05 weight 0.1 taken on sigmoid(a) as the tutorial does (so rho_hat >= 0.5: "
    "the target is unreachable and the penalty only pushes activations to 0), Adam 1e-3, batch "
    "256, 50 epochs",
    "keras-deep": "the Keras deep autoencoder 784-128-64-32-64-128-784: ReLU units, sigmoid "
    "output, no penalty, Adam 1e-3, batch 256, 50 epochs; the code is the 32-unit layer",
    "keras-tanh-l1": "the tanh variant: 784 -> 64 tanh, sigmoid output, L1 penalty 0.01 on the "
    "weights (no KL: tanh units would need it on (a + 1) / 2), Adam 1e-3, batch 256, 50 epochs",
    "patches-adam": "the pseudocode class: 32x32 whitened natural-image patches, 1024 -> 256 "
    "sigmoid with the notes' weight decay and KL penalty, Adam 1e-3, batch 128, 50 epochs",
}


@dataclass
class RunConfig:
    """Everything that defines a run; :meth:`record` is saved as ``config.json``.

    The values are not checked here: the estimator's ``fit`` checks the model's (once, with
    messages naming each argument), the data preparation checks the data's.
    """

    preset: str = "patches"
    hidden_size: int = 25
    sparsity_param: float = 0.01
    lambda_: float = 1e-4
    beta: float = 3.0
    max_iter: int = 400
    patch_size: int = 8
    num_patches: int = 10000
    num_images: int = 10000
    images: str | None = None
    whitened: bool = True
    mnist_dir: str | None = None
    data_home: str | None = None
    backend: str = "numpy"
    dtype: str = "float64"
    seed: int = 0
    checkpoint_every: int = 25
    cost_function: str | None = None
    data: str = "patches"
    hidden_layer_sizes: list[int] | None = None
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    penalties: str | None = None
    solver: str = "lbfgs"
    learning_rate: float = 1e-3
    batch_size: int = 256
    test_examples: int = 0
    architecture: str = "notes"
    k: int = 5
    toy_samples: int = 100_000
    encoder_run: str | None = None
    encoder_images: int = 5000
    encoder_iter: int = 100
    extra: dict[str, Any] = field(default_factory=dict)
    cost_sha256: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_preset(cls, preset: str, **overrides: Any) -> RunConfig:
        """The preset's values, then every override that is not None."""
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
        values = {**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
        return cls(preset=preset, **values)

    def unused(self) -> set[str]:
        """The fields this run does not use: what another setting replaces or makes moot.

        ``penalties`` replaces the notes' ``lambda_``, ``sparsity_param`` and ``beta``;
        ``hidden_layer_sizes`` replaces ``hidden_size``; the data source decides between the
        patch settings and the MNIST ones (``whitened`` only matters for the embedded images);
        the step size and batch only exist for the minibatch solvers; ``extra`` when empty;
        ``architecture``, ``k`` and ``toy_samples`` only for the ``toy-features`` data;
        ``architecture``, ``k`` and the ``encoder_*`` fields only for ``mnist-activations``.
        """
        unused: set[str] = set()
        if self.penalties is not None:
            unused |= {"lambda_", "sparsity_param", "beta"}
        if self.hidden_layer_sizes is not None:
            unused.add("hidden_size")
        if self.data == "toy-features":
            unused |= self._toy_unused()
        elif self.data == "mnist-activations":
            unused |= self._activations_unused()
        else:
            unused |= {"architecture", "k", "toy_samples"}
        if self.data != "mnist-activations":
            unused |= {"encoder_run", "encoder_images", "encoder_iter"}
        if self.data == "patches":
            unused |= {"num_images", "mnist_dir", "data_home"}
            if self.images:
                unused.add("whitened")
        else:
            unused |= {"patch_size", "num_patches", "images", "whitened"}
        if self.solver == "lbfgs":
            unused |= {"learning_rate", "batch_size"}
        if not self.extra:
            unused.add("extra")
        if self.cost_sha256 is None:
            unused.add("cost_sha256")
        if not self.changes:
            unused.add("changes")
        return unused

    def _toy_unused(self) -> set[str]:
        """What a ``toy-features`` run ignores: the images, MNIST, the notes' weight decay and
        the deep/activation settings; ``k`` outside TopK. ``sparsity_param`` and ``beta``
        (the notes' architecture's KL target and weight) stay recorded for every architecture,
        so that the estimator :func:`~ufldl_sae.runs.train.model_for` builds from a record is
        the one it builds from the config."""
        unused = {"num_images", "mnist_dir", "data_home", "lambda_", "hidden_layer_sizes",
                  "activation", "output_activation", "penalties", "test_examples",
                  "checkpoint_every", "cost_function"}  # fmt: skip
        if self.architecture not in ("topk", "batchtopk"):
            unused.add("k")
        return unused

    def _activations_unused(self) -> set[str]:
        """What a ``mnist-activations`` run ignores: the toy's size, the notes' weight decay
        and the deep/activation settings (the network is the notes' 784-196 autoencoder, at
        the notes' settings), checkpoints and --cost; ``k`` outside TopK; the encoder's digits
        and iterations when it is read from ``encoder_run``."""
        unused = {"toy_samples", "lambda_", "hidden_layer_sizes", "activation", "penalties",
                  "output_activation", "checkpoint_every", "cost_function"}  # fmt: skip
        if self.architecture not in ("topk", "batchtopk"):
            unused.add("k")
        if self.encoder_run is not None:
            unused |= {"encoder_images", "encoder_iter"}
        return unused

    def record(self) -> dict[str, Any]:
        """The fields in force, in declaration order: the contents of ``config.json``."""
        unused = self.unused()
        return {k: v for k, v in asdict(self).items() if k not in unused}

    @classmethod
    def from_record(cls, values: dict[str, Any]) -> RunConfig:
        """A config from ``config.json``'s object; absent fields take the defaults.

        Records older than the tutorial presets have no ``data``: their preset named it.
        Every field is checked by :func:`check_record`: an unknown field, a wrong type, a value
        out of range or not finite is a ``ValueError`` naming it.
        """
        if not isinstance(values, dict):
            raise ValueError(f"config.json must hold a JSON object, got {type(values).__name__}")
        values = dict(values)
        if "data" not in values:
            values["data"] = "patches" if values.get("preset") == "patches" else "mnist"
        return cls(**check_record(values))


# -- what each field may hold -------------------------------------------------------------------
_ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
_CHOICES: dict[str, tuple[str, ...]] = {
    "preset": tuple(PRESETS),
    "data": ("patches", "mnist", "toy-features", "mnist-activations"),
    "architecture": ARCHITECTURES,
    "backend": ("numpy", "cupy", "array_api_strict"),
    "dtype": ("float64", "float32"),
    "activation": _ACTIVATIONS,
    "output_activation": _ACTIVATIONS,
    "solver": ("lbfgs", "adam", "sgd"),
}
#: Integer fields and their least value.
_INTS = {"hidden_size": 1, "max_iter": 1, "patch_size": 1, "num_patches": 1, "num_images": 1,
         "seed": 0, "checkpoint_every": 1, "batch_size": 1, "test_examples": 0,
         "k": 1, "toy_samples": 1, "encoder_images": 1, "encoder_iter": 1}  # fmt: skip
#: Real fields: (low, high, low open, high open).
_REALS = {"sparsity_param": (0.0, 1.0, True, True), "lambda_": (0.0, None, False, False),
          "beta": (0.0, None, False, False), "learning_rate": (0.0, None, True, False)}  # fmt: skip
_OPTIONAL_TEXT = ("images", "mnist_dir", "data_home", "cost_function", "penalties", "cost_sha256",
                  "encoder_run")  # fmt: skip


def _check_field(name: str, value: Any) -> Any:
    """One field of ``config.json``, checked; the message names the field and the value."""
    where = f"config.json: {name}"
    if name in _CHOICES:
        if not isinstance(value, str) or value not in _CHOICES[name]:
            raise ValueError(f"{where} must be one of {list(_CHOICES[name])}, got {value!r}")
        return value
    if name in _INTS:
        least = _INTS[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{where} must be an integer >= {least}, got {value!r}")
        return value
    if name in _REALS:
        low, high, low_open, high_open = _REALS[name]
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and (value > low if low_open else value >= low)
        ok = ok and (high is None or (value < high if high_open else value <= high))
        if not ok:
            span = f"{'(' if low_open else '['}{low:g}, {'inf)' if high is None else f'{high:g})'}"
            raise ValueError(f"{where} must be a finite number in {span}, got {value!r}")
        return float(value)
    if name in _OPTIONAL_TEXT:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{where} must be text or null, got {value!r}")
        return value
    if name == "whitened":
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false, got {value!r}")
        return value
    if name == "hidden_layer_sizes":
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
        ):
            raise ValueError(f"{where} must be a non-empty list of integers >= 1, got {value!r}")
        return list(value)
    if name == "extra":
        if not isinstance(value, dict):
            raise ValueError(f"{where} must be an object, got {value!r}")
        return value
    if name == "changes":
        return _check_changes(value)
    known = sorted(f.name for f in fields(RunConfig))
    raise ValueError(f"config.json has unknown fields {[name]}; known: {known}")


def _check_changes(value: Any) -> list[dict[str, Any]]:
    """``changes``: a list of ``{"iteration": n, field: value, ...}``, each value checked."""
    if not isinstance(value, list):
        raise ValueError(f"config.json: changes must be a list, got {value!r}")
    checked = []
    for entry in value:
        if not isinstance(entry, dict) or "iteration" not in entry:
            raise ValueError(f"config.json: changes entries must be objects with an iteration, "
                             f"got {entry!r}")  # fmt: skip
        iteration = entry["iteration"]
        if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
            raise ValueError(f"config.json: changes iteration must be an integer >= 0, "
                             f"got {iteration!r}")  # fmt: skip
        rest = {k: v for k, v in entry.items() if k != "iteration"}
        if "changes" in rest:
            raise ValueError("config.json: a changes entry cannot itself hold changes")
        checked.append({"iteration": iteration, **check_record(rest)})
    return checked


def check_record(values: dict[str, Any]) -> dict[str, Any]:
    """``config.json``'s fields (or a ``changes`` entry's), each checked: known name, type,
    range, finite; a checked copy. The unknown fields are all named in one message."""
    known = {f.name for f in fields(RunConfig)}
    strange = sorted(set(values) - known)
    if strange:
        raise ValueError(f"config.json has unknown fields {strange}; known: {sorted(known)}")
    return {name: _check_field(name, value) for name, value in values.items()}


def read_config(run: str | Path) -> RunConfig:
    """The :class:`RunConfig` of the run folder ``run`` (from its ``config.json``).

    The file is opened without following a link, and checked field by field
    (:func:`check_record`).
    """
    from .folder import RunFolder

    folder = RunFolder(run)
    if not folder.path.is_dir() or not folder.exists("config.json"):
        raise FileNotFoundError(f"{run} is not a run folder: config.json is missing")
    return RunConfig.from_record(folder.read_json("config.json"))
