"""Data embedded in ufldl-sae, shipped inside the package as ``ufldl_sae.embedded``.

The top-level ``data/`` folder of the repository is mapped to this subpackage by
``setup.cfg`` (``package_dir``), so the committed ``.npz`` files travel inside a wheel.
``build_natural_images.py`` beside this file rebuilds them.
"""
