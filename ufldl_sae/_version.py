"""The package's version, read from one place: the installed distribution's metadata.

``setup.cfg`` states the version; an installed package (wheel or editable) reports it through
:mod:`importlib.metadata`. A plain checkout on ``PYTHONPATH`` has no metadata, so the same line
is read from the ``setup.cfg`` beside the package instead of being written a second time here.
"""

from __future__ import annotations

import configparser
from importlib import metadata
from pathlib import Path


def _read_version() -> str:
    try:
        return metadata.version("ufldl-sae")
    except metadata.PackageNotFoundError:
        setup_cfg = Path(__file__).resolve().parent.parent / "setup.cfg"
        parser = configparser.ConfigParser()
        parser.read(setup_cfg, encoding="utf-8")
        return parser.get("metadata", "version", fallback="0+unknown")


__version__ = _read_version()
