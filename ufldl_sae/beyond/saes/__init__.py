r"""From the CS294A notes to the sparse autoencoders of interpretability research.

The notes' sparse autoencoder (sigmoid code, KL sparsity, :mod:`ufldl_sae.model`) learns a
dictionary in its decoder; the sparse autoencoders that interpretability research trains on a
network's activations are the same idea with other codes and penalties. Each is here in the
notes' style, a cost with a hand-derived gradient over a flat theta, and gradient-checked:

* :func:`~.models.relu_l1_cost`: ReLU code, L1 weighted by the decoder norms, pre-encoder bias;
* :func:`~.models.topk_cost`, :func:`~.models.batchtopk_cost`: a hard budget of k latents;
* :func:`~.models.auxk_cost`: dead latents reconstruct the residual (the cure for dead latents);
* :func:`~.jumprelu.jumprelu_cost`: learned thresholds, straight-through, L0 penalty;
* :mod:`~.decoder`: the unit-norm decoder and the dead-latent bookkeeping;
* :mod:`~.metrics`: the field's metrics, with SAELens's names;
* :mod:`~.refit`: the best sizes on the encoder's chosen latents, to tell the encoder's error
  from the dictionary's;
* :mod:`~.train`: minibatch Adam for all of them.
"""
