"""Beside the notes: other units, other penalties, deep stacks and minibatch solvers.

The notes' two-layer sigmoid model stays in :mod:`ufldl_sae.model`, untouched;
:func:`~ufldl_sae.beyond.deep.autoencoder_cost` generalizes it and equals it on the notes' model.
"""
