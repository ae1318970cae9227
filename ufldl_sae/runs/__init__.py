"""A training run on disk: presets, data preparation, checkpoints, artifacts and figures.

A run folder holds everything needed to look at a run again or to continue it:

=====================  ===================================================================
``config.json``        the preset and the hyperparameters in force, seed, backend and dtype
``history.csv``        iteration, cost, gradient norm, evaluations, elapsed seconds
``terms.csv``          the three cost terms at about 25 log-spaced iterations
``checkpoint.npz``     the latest theta and its iteration, written every few iterations
``theta.npz``          the final W1, W2, b1, b2 and theta; ``theta.mat`` the same for MATLAB
``metrics.json``       final cost and terms, iterations, time, sparsity, versions, status
``*.png``              weights, loss, reconstructions, activations
``.lock``              held while a process trains or resumes the run (one writer at a time)
=====================  ===================================================================

Every whole file is written to a temporary name and renamed, so an interrupted write never
leaves a half file that looks complete. The modules, one concept each:

* :mod:`~ufldl_sae.runs.config`: :data:`PRESETS`, :data:`TUTORIAL_NOTES`, :class:`RunConfig`;
* :mod:`~ufldl_sae.runs.folder`: :class:`~ufldl_sae.runs.folder.RunFolder`, the only writer of
  run folders (training runs and the later exercises alike);
* :mod:`~ufldl_sae.runs.inputs`: the training and held-out data of a run;
* :mod:`~ufldl_sae.runs.train`: :func:`train_run`, :func:`show_run`, the checkpoints;
* :mod:`~ufldl_sae.runs.preflight`: what a run checks before it creates anything (the held-out
  examples, the memory one evaluation needs against what is free);
* :mod:`~ufldl_sae.runs.resume`: continuing a run trusting nothing in its folder (the
  checkpoint checked field by field, flags applied and recorded or refused by name);
* :mod:`~ufldl_sae.runs.figures`: the figures of a training run;
* :mod:`~ufldl_sae.runs.mnist_activations` and :mod:`~ufldl_sae.runs.activations_run`: the
  hidden layer of the notes' MNIST autoencoder as a real network's activations, and the
  ``mnist-activations`` preset's run (an SAE trained on them);
* :mod:`~ufldl_sae.runs.exercises`: the later exercises (softmax, self-taught learning, stacked
  autoencoder, PCA), built on :mod:`~ufldl_sae.runs.exercise_run`,
  :mod:`~ufldl_sae.runs.mnist_sets` and :mod:`~ufldl_sae.runs.stages`.
"""

from __future__ import annotations

from .config import PRESETS, TUTORIAL_NOTES, RunConfig, read_config
from .figures import draw_figures, held_out_errors
from .folder import (
    CsvLog,
    RunFolder,
    choose_run_dir,
    new_run_dir,
    read_csv,
    versions,
    write_atomic,
    write_json,
)
from .inputs import prepare_data, prepare_test_data
from .train import (
    HISTORY_FIELDS,
    TERM_FIELDS,
    Checkpointer,
    RunFailedError,
    load_checkpoint,
    model_for,
    show_run,
    train_run,
    write_results,
)

__all__ = [
    "HISTORY_FIELDS",
    "PRESETS",
    "TERM_FIELDS",
    "TUTORIAL_NOTES",
    "Checkpointer",
    "CsvLog",
    "RunConfig",
    "RunFailedError",
    "RunFolder",
    "choose_run_dir",
    "draw_figures",
    "held_out_errors",
    "load_checkpoint",
    "model_for",
    "new_run_dir",
    "prepare_data",
    "prepare_test_data",
    "read_config",
    "read_csv",
    "show_run",
    "train_run",
    "versions",
    "write_atomic",
    "write_json",
    "write_results",
]
