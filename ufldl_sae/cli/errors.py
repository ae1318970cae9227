"""How the command line fails: one line and status 2 for a mistake, 130 for Ctrl-C."""

from __future__ import annotations

#: Exit status after Ctrl-C (128 + SIGINT), once everything learned so far is written.
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A mistake in the command or its files: reported in one line, exit status 2."""
