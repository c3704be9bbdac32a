"""Exact rationals from user input, and back to exact strings.

A decimal means exactly that decimal: ``"0.1"`` is 1/10, never the nearest binary double.
"""

from __future__ import annotations

import re
from fractions import Fraction

_RATIONAL = re.compile(r"[+-]?\d+/\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_MAX_EXPONENT = 10_000


def parse_rational(value: object) -> Fraction:
    """Return the exact rational a user wrote: an int, a Fraction, a finite float (its exact binary
    value), or a string ``"-3/7"``, ``"0.1"``, ``"2.2e-6"``.

    Raises:
        ValueError: with a short description of what was expected (the caller adds where).
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got the boolean {str(value).lower()}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {value!r}")
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        if _RATIONAL.fullmatch(text):
            num, den = text.split("/")
            if int(den) == 0:
                raise ValueError(f"expected a rational with non-zero denominator, got {value!r}")
            return Fraction(int(num), int(den))
        match = _DECIMAL.fullmatch(text)
        if match:
            if match.group(2) and abs(int(match.group(2)[1:])) > _MAX_EXPONENT:
                raise ValueError(f"exponent of {value!r} is beyond ±{_MAX_EXPONENT}")
            return Fraction(text)
        raise ValueError(
            f"expected a number or a string holding an exact rational ('-3/7') or decimal "
            f"('0.1', '2.2e-6'), got {value!r}"
        )
    raise ValueError(f"expected a number, got {type(value).__name__} {value!r}")


def format_rational(q: Fraction, *, decimal: bool = True) -> str:
    """Return an exact string for ``q``: an integer, or ``p/q``, or (when ``decimal``) a terminating
    decimal if that is no longer; `parse_rational` reads each back to the same value."""
    if q.denominator == 1:
        return str(q.numerator)
    as_fraction = f"{q.numerator}/{q.denominator}"
    if not decimal:
        return as_fraction
    den, twos, fives = q.denominator, 0, 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return as_fraction
    digits = max(twos, fives)
    scaled = abs(q.numerator) * 10**digits // q.denominator
    body = str(scaled).rjust(digits + 1, "0")
    as_decimal = ("-" if q < 0 else "") + body[:-digits] + "." + body[-digits:]
    return as_decimal if len(as_decimal) <= len(as_fraction) else as_fraction


ROUNDED_DIGITS = 5
"""A point counts as rounded when some coordinate carries at least this many significant digits."""


def _relative_precision(q: Fraction) -> Fraction | None:
    """The relative size of the last digit of ``q`` as written: in binary for a dyadic rational (a float,
    or a short decimal such as 0.25), else in decimal; None when ``q`` is 0 or has no terminating
    expansion (1/3 was not rounded to digits)."""
    if q == 0:
        return None
    den, twos, fives = q.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return None
    if fives == 0:  # dyadic: as precise as its odd numerator's bits (a float, or a short decimal)
        odd = abs(q.numerator)
        while odd % 2 == 0:
            odd //= 2
        return Fraction(1, 2 ** odd.bit_length())
    places = max(twos, fives)
    digits = len(str(abs(q.numerator) * 10**places // q.denominator).rstrip("0"))
    return Fraction(1, 10**digits)


def rounding_scale(values: list[Fraction] | tuple[Fraction, ...]) -> Fraction:
    """How far a point written with these numbers may sit from the point its writer meant: the point's
    scale ``max(1, max|q|)`` times the relative size of the last written digit of its most precisely
    written coordinate (decimal or binary). Short numbers (fewer than `ROUNDED_DIGITS` significant
    digits everywhere: ``1``, ``-3/2``, ``0.25``, ``13/3``) are taken as exact, scale 0.

    Example:
        >>> float(rounding_scale([Fraction("0.123456789"), Fraction(2)]))
        2e-09
        >>> rounding_scale([Fraction(1), Fraction(13, 3)])
        Fraction(0, 1)
    """
    precisions = [p for p in (_relative_precision(q) for q in values) if p is not None]
    if not precisions or min(precisions) > Fraction(1, 10 ** (ROUNDED_DIGITS - 1)):
        return Fraction(0)
    return max(Fraction(1), max(abs(q) for q in values)) * min(precisions)
