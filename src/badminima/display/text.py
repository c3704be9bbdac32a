"""How numbers are shown to people: exact rationals with their decimal beside them once they are long,
balls at the precision that was asked for, accuracies as counts of points.

Machine-readable output (``--json``) keeps exact strings; this module is for the text a person reads.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from badminima.model.rational import READABLE_LENGTH, approx, parse_rational

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:/\d+|\.\d+)?(?![\w.]|/\d)")


def annotate(text: str, *, limit: int = READABLE_LENGTH) -> str:
    """``text`` with a decimal after every exact number in it longer than ``limit`` characters.

    Example:
        >>> annotate("loss 18000000000000000000000000001/5000000000000000000000000000 here")
        'loss 18000000000000000000000000001/5000000000000000000000000000 (≈ 3.6) here'
    """

    def add(match: re.Match[str]) -> str:
        token = match.group(0)
        if len(token) <= limit:
            return token
        try:
            return f"{token} (≈ {approx(parse_rational(token))})"
        except ValueError:
            return token

    return _NUMBER.sub(add, text)


def ball_digits(bits: int) -> int:
    """Decimal digits that ``bits`` of binary precision carry (at least 15)."""
    return max(15, math.floor(bits * math.log10(2)))


def ball_text(x: Any, bits: int) -> str:
    """A python-flint ball as ``[m +/- r]`` with the midpoint at the digits ``bits`` carry."""
    return str(x.str(ball_digits(bits), radius=True))


def accuracy_text(accuracy: Fraction, n_points: int) -> str:
    """``8/10 correct (80%)`` for an accuracy of 4/5 on 10 points (accuracy is correct/N exactly)."""
    correct = accuracy * n_points
    shown = int(correct) if correct.denominator == 1 else correct
    return f"{shown}/{n_points} correct ({float(accuracy):.0%})"
