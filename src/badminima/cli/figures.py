"""`figures`: regenerate the paper's figures (loads paper_figures only when run)."""

from __future__ import annotations

import argparse
from typing import Any

from badminima.cli.args import int_at_least


def add_parser(sub: Any) -> None:
    """Register `figures` on ``sub``."""
    fig = sub.add_parser(
        "figures",
        help="regenerate the paper's figures (PNG, plus a CSV of the numbers behind each)",
        description=(
            "Draw every figure of paper_figures (or those named with --only) from the toolkit's own API "
            "into DIR: NAME.png and NAME.csv each; one line per figure written."
        ),
    )
    fig.add_argument(
        "--out", default="figures", metavar="DIR", help="where the figures go (default: ./figures)"
    )
    fig.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="draw only these figures (repeatable), e.g. --only constructions barrier",
    )
    fig.add_argument("--small", action="store_true", help="the quick setting the tests use (seconds each)")
    fig.add_argument(
        "--seed",
        type=int_at_least(0, "a seed", maximum=2**32 - 1, why="figures derive torch seeds as 1000·S + i"),
        default=0,
        help="random seed, 0 <= S < 2^32 (default 0)",
    )
    fig.set_defaults(run=run)


def _cmd_figures(args: argparse.Namespace) -> int:
    from paper_figures.registry import run

    run(args.out, only=args.only, small=args.small, seed=args.seed)
    return 0


_HANDLERS = {"figures": _cmd_figures}


def run(args: argparse.Namespace) -> int:
    """Run the command that ``args`` names; returns the exit status."""
    return _HANDLERS[args.command](args)
