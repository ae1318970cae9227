"""The command line: ``ufldl-sae train | gradcheck | show | exercise | check | softmax | ...``.

``train`` runs the course's exercises end to end (``--preset patches``, the default, or
``mnist``) and leaves a run folder; ``gradcheck`` runs the course's checks; ``show`` re-draws a
run's figures. Every failure is one or two lines (what went wrong, what to do), never a traceback
unless ``--debug`` (or ``UFLDL_SAE_DEBUG=1``) asks for one: a mistake in the command or its files
(a bad value, a missing file, a run that cannot fit in memory) exits with status 2 before
anything is created; a run that fails part-way (a non-finite cost, out of memory) exits with 1
after writing its best theta, metrics marked ``failed`` and figures; Ctrl-C exits with 130 after
writing everything learned so far.

The parser and :func:`main` are in :mod:`~ufldl_sae.cli.main`; each subcommand in its module:
:mod:`~ufldl_sae.cli.train` (``train``, ``show``), :mod:`~ufldl_sae.cli.gradcheck`,
:mod:`~ufldl_sae.cli.exercises` (``softmax``, ``self-taught``, ``stacked``, ``pca``) and
:mod:`~ufldl_sae.cli.coursework` (``exercise``, ``check``).
"""

from __future__ import annotations

from .errors import EXIT_INTERRUPTED, UsageError
from .gradcheck import cmd_gradcheck
from .main import build_parser, main
from .train import cmd_show, cmd_train

__all__ = [
    "EXIT_INTERRUPTED",
    "UsageError",
    "build_parser",
    "cmd_gradcheck",
    "cmd_show",
    "cmd_train",
    "main",
]
