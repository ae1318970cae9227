"""The ``ufldl-sae`` parser and its entry point: each subcommand's module adds itself."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import EXIT_INTERRUPTED, UsageError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """``ufldl-sae`` with every subcommand: train, gradcheck, show, the exercises, coursework."""
    from .coursework import register as register_coursework
    from .exercises import register as register_exercises
    from .gradcheck import add_gradcheck
    from .train import add_show, add_train

    parser = argparse.ArgumentParser(
        prog="ufldl-sae",
        description="The sparse autoencoder of the CS294A notes, equation by equation.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_train(subparsers)
    add_gradcheck(subparsers)
    add_show(subparsers)
    register_exercises(subparsers)
    register_coursework(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ufldl-sae`` and ``python -m ufldl_sae``; returns the exit status.

    A mistake (a bad value, a missing file, an existing run folder) is one line on stderr and
    status 2, never a traceback; Ctrl-C is status 130.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, FileNotFoundError, FileExistsError, OSError) as error:
        print(f"ufldl-sae {args.command}: error: {error}", file=sys.stderr)
        return 2
