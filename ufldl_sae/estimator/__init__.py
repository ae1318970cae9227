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
:func:`~ufldl_sae.beyond.minibatch.minimize_minibatch`. ``architecture`` (``"relu-l1"``,
``"topk"``, ``"batchtopk"``, ``"jumprelu"``) makes it one of the sparse autoencoders of
interpretability research instead, trained by :func:`~ufldl_sae.beyond.saes.train.train_sae`
(:mod:`~ufldl_sae.estimator.saes`): ``SparseAutoencoder(architecture="topk", k=5,
hidden_size=256).fit(X)``.

Input: ``X`` may be any array-like (a NumPy array, another array library's array, a list, a
pandas DataFrame, anything with ``__array__``); it is converted once, on the host, at the edge
(:func:`~ufldl_sae.estimator.checks.host_samples`), before the array-API code sees it, and
refused with scikit-learn's messages when sparse, complex, empty or 1-D. Fewer samples than
features draws a warning before training: that is the course's ``visible x m`` matrix passed
without transposing. scikit-learn's own estimator checks pass on the class
(``tests/test_sklearn_checks.py``).

The package's modules: :mod:`~ufldl_sae.estimator.choice` (the model chosen once,
:class:`ModelChoice`), :mod:`~ufldl_sae.estimator.checks` (the parameters and ``X`` validated
once, at the public edge), :mod:`~ufldl_sae.estimator.training` (the chosen model wired to its
solver), :mod:`~ufldl_sae.estimator.saes` (the dictionary-learning architectures' wiring),
:mod:`~ufldl_sae.estimator.persistence` (``.npz`` and ``.mat`` files),
:mod:`~ufldl_sae.estimator.protocol` (scikit-learn's parameter protocol) and
:mod:`~ufldl_sae.estimator.sparse_autoencoder` (the class).
"""

from .checks import (
    ALL_SOLVERS,
    NonNumericInputError,
    check_samples,
    host_samples,
    structure_choice,
    validated_choice,
    warn_if_transposed,
)
from .choice import ModelChoice, SaeChoice, choose_model, group_terms
from .sparse_autoencoder import SparseAutoencoder
from .training import log_spaced_iterations

__all__ = [
    "ALL_SOLVERS",
    "ModelChoice",
    "NonNumericInputError",
    "SaeChoice",
    "SparseAutoencoder",
    "check_samples",
    "choose_model",
    "group_terms",
    "host_samples",
    "log_spaced_iterations",
    "structure_choice",
    "validated_choice",
    "warn_if_transposed",
]
