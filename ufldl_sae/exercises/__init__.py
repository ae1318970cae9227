"""The mathematics of the course's later exercises: softmax regression, the stacked autoencoder
and PCA / ZCA whitening, each beside the notes' code. Running them end to end (data, run
folders, figures) is :mod:`ufldl_sae.runs.exercises`.
"""
