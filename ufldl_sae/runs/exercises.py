"""The course's exercises after the sparse autoencoder, each end to end with a run folder.

* :func:`run_softmax`: softmax regression on MNIST pixels, 784 -> 10 (``softmaxExercise.m``);
* :func:`run_self_taught`: self-taught learning (``stlExercise.m``): features learned from the
  digits 5-9, a softmax on those features of the digits 0-4;
* :func:`run_stacked`: the stacked autoencoder (``stackedAEExercise.m``), 784 -> 200 -> 200 ->
  softmax, greedy pretraining, then fine-tuning of the whole network;
* :func:`run_pca`: PCA, PCA whitening and ZCA whitening of 12 x 12 raw image patches
  (``pca_gray.m``);
* :func:`check_gradients`: the course's ``DEBUG`` gradient check of the new costs.

Each loads the data, trains with the course's defaults (every size can be made smaller, so that
tests run in seconds), measures the accuracy on held-out digits and writes a run folder through
:class:`~ufldl_sae.runs.exercise_run.ExerciseRun`:

* ``config.json``: every setting;
* ``history.csv``: one line per L-BFGS iteration of each stage (autoencoders, softmax,
  fine-tuning), with the stage's name;
* ``theta.npz``: the learned parameters of each stage;
* ``metrics.json``: accuracies (with the course's figures beside them), costs, iterations and
  wall times;
* figures: the learned features (``weights.png``), a confusion matrix (``confusion.png``), the
  cost of each stage (``loss-<stage>.png``).

Labels are the digits themselves, classes ``0 .. 9`` (the course's MATLAB code maps digit 0 to
class 10). The data are moved to the chosen backend once; the numerical work runs there.

This module gathers the pipelines, which live in :mod:`~ufldl_sae.runs.softmax_run`,
:mod:`~ufldl_sae.runs.stacked_run`, :mod:`~ufldl_sae.runs.pca_run` and
:mod:`~ufldl_sae.runs.gradients`, on the shared :mod:`~ufldl_sae.runs.mnist_sets` and
:mod:`~ufldl_sae.runs.stages`.

>>> from ufldl_sae.runs.exercises import load_mnist_sets, run_softmax
>>> mnist = load_mnist_sets("path/to/mnist")  # doctest: +SKIP
>>> run_softmax(mnist=mnist, out="runs/softmax")["accuracy"]  # doctest: +SKIP
0.9264
"""

from __future__ import annotations

from .exercise_run import ExerciseConfig
from .gradients import check_gradients
from .mnist_sets import MNIST_SIZES, load_mnist_sets, self_taught_split
from .pca_run import run_pca
from .softmax_run import run_self_taught, run_softmax
from .stacked_run import run_stacked
from .stages import confusion_matrix, plot_confusion

__all__ = [
    "MNIST_SIZES",
    "ExerciseConfig",
    "check_gradients",
    "confusion_matrix",
    "load_mnist_sets",
    "plot_confusion",
    "run_pca",
    "run_self_taught",
    "run_softmax",
    "run_stacked",
    "self_taught_split",
]
