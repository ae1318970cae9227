"""Data shipped inside the package: the whitened natural images (``natural_images.npz``).

The file is built by ``data/build_natural_images.py`` at the top of the repository (its README
gives sources, licences, checksums and the recipe) and read by :mod:`ufldl_sae.data`.
"""
