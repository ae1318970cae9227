"""The ``ufldl-sae`` parser and its entry point: each subcommand's module adds itself."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from .errors import EXIT_INTERRUPTED, debug_requested, report

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
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the Python traceback of a failure (also: UFLDL_SAE_DEBUG=1); may come "
        "anywhere on the line",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_train(subparsers)
    add_gradcheck(subparsers)
    add_show(subparsers)
    register_exercises(subparsers)
    register_coursework(subparsers)
    return parser


def _debug_anywhere(argv: Sequence[str]) -> tuple[list[str], bool]:
    """``argv`` without its ``--debug`` words (before a ``--``), and whether there was one.

    ``--debug`` is the parser's own option, but a user adds it where the failure was seen, after
    the subcommand: taking it out first lets it stand anywhere on the line.
    """
    words = list(argv)
    end = words.index("--") if "--" in words else len(words)
    kept = [w for w in words[:end] if w != "--debug"]
    debug = len(kept) < end
    return kept + words[end:], debug


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ufldl-sae`` and ``python -m ufldl_sae``; returns the exit status.

    A mistake (a bad value, a missing file, an existing run folder) is one or two lines on
    stderr and status 2; a failure during a run is status 1 after everything learned so far is
    written; Ctrl-C is status 130. Never a traceback, unless ``--debug`` or ``UFLDL_SAE_DEBUG=1``
    asks for one.
    """
    words, debug = _debug_anywhere(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(words)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    debug = debug_requested(debug or args.debug)
    try:
        with warnings.catch_warnings():
            if not debug:  # a non-finite cost is reported once, in words, not as a page of these
                warnings.filterwarnings(
                    "ignore", "(overflow|invalid value|divide by zero) encountered", RuntimeWarning
                )
            return int(args.func(args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # every failure: one or two lines, or the traceback when asked
        if debug:
            raise
        return report(args.command, error)
