"""Figures: the course's ``display_network``, the run's figures and the tutorials' figures.

One module per concept: :mod:`~ufldl_sae.plots.figure` (what every figure shares: host arrays,
checked inputs, the PNG, the sizes), :mod:`~ufldl_sae.plots.network` (the ``display_network.m``
mosaic), :mod:`~ufldl_sae.plots.training` (loss, reconstructions, hidden activations),
:mod:`~ufldl_sae.plots.codes` (the codes in 2-D) and :mod:`~ufldl_sae.plots.errors`
(reconstruction errors, the anomaly threshold, cost against time). Every function takes host or
device arrays, copies them to the host once and writes a PNG; nothing below this folder imports
it.
"""
