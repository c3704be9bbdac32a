"""argparse types and the parser class: a usage mistake is one line naming the option, exit status 2."""

from __future__ import annotations

import argparse
from fractions import Fraction
from typing import Any, NoReturn


def int_at_least(minimum: int, what: str, *, maximum: int | None = None, why: str = "") -> Any:
    """An argparse type: an integer ≥ ``minimum`` (and ≤ ``maximum``, for the reason ``why``), else a
    message naming ``what`` was expected."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what} (at least {minimum}), got {value}")
        if maximum is not None and value > maximum:
            reason = f"; {why}" if why else ""
            raise argparse.ArgumentTypeError(f"expected {what} (at most {maximum:,}{reason}), got {text}")
        return value

    return parse


class Parser(argparse.ArgumentParser):
    """argparse with the command's error style: a usage mistake is one line on stderr, exit status 2
    (its subcommand parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def layer_widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected layer sizes like 2,2,1, got {text!r}") from None
    if len(widths) < 2 or min(widths) < 1:
        raise argparse.ArgumentTypeError(
            f"expected at least two positive layer sizes like 2,2,1, got {text!r}"
        )
    return widths


def search_seed(text: str) -> int:
    seed = int_at_least(0, "a seed")(text)
    if seed >= 2**63:
        raise argparse.ArgumentTypeError(
            f"expected a seed below 2^63 (the catalogue stores 64-bit integers), got {text}"
        )
    return seed


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def probability(text: str) -> float:
    """An argparse type: a number 0 <= p <= 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {text!r}")
    return value


def search_margin(text: str) -> Fraction:
    from badminima.model.rational import parse_rational

    try:
        value = parse_rational(text)
    except (ValueError, ArithmeticError, TypeError):
        raise argparse.ArgumentTypeError(f"expected a number like 0.05 or 1/20, got {text!r}") from None
    if not 0 <= value < Fraction(1, 2):
        raise argparse.ArgumentTypeError(f"expected 0 <= margin < 1/2, got {text}")
    return value
