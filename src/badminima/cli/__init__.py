"""The ``badminima`` command: parse, call the API, print. One module per command group, each with
``add_parser(sub)`` and ``run(args)``; heavy imports happen inside the commands.

Exit status (`EXIT_TEXT`): 0 done, 1 a claim did not come out as expected, 2 bad input or an unusable
output location (one line on stderr, no traceback), 3 an internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from badminima.cli import claims, constructions, figures, population_search, search, trapfiles
from badminima.cli.args import Parser
from badminima.errors import BadminimaError

__all__ = ["build_parser", "main"]

EXIT_INTERNAL = 3
EXIT_TEXT = (
    "Exit status: 0 done; 1 `claims check`: a claim did not come out as the literature expects; "
    "2 bad input or an output location that cannot be written (one line on stderr, checked before any "
    "work, nothing written); 3 an internal error (a bug: please report it); 130 interrupted (Ctrl-C, "
    "or SIGTERM during `search`)."
)
_GROUPS = (trapfiles, constructions, search, population_search, claims, figures)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``badminima`` command.

    >>> build_parser().parse_args(["verify", "trap.json"]).command
    'verify'
    """
    from badminima import __version__

    parser = Parser(
        prog="badminima",
        description=(
            "Does this network, on this finite dataset, have a bad local minimum, and where? "
            "Evaluate points of trap files exactly, in ball arithmetic, or in float64, and certify them."
        ),
        epilog=EXIT_TEXT + " Trap file format and limits: see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"badminima {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for group in _GROUPS:
        group.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``badminima`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except BadminimaError as exc:
        print(f"badminima: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("badminima: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug, not the user's fault: one line, the traceback on request
        if os.environ.get("BADMINIMA_TRACEBACK"):
            raise
        print(
            f"badminima: internal error: {type(exc).__name__}: {str(exc)[:200]} — a bug in badminima; "
            "please report it with the command and its input (BADMINIMA_TRACEBACK=1 shows where)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
