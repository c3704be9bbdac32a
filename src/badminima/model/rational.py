"""Exact rationals from user input, and back to exact strings.

A decimal means exactly that decimal: ``"0.1"`` is 1/10, never the nearest binary double.
"""

from __future__ import annotations

import json
import math
import re
import sys
from fractions import Fraction
from typing import Literal

from badminima.model.limits import MAX_DIGITS, MAX_EXPONENT

_RATIONAL = re.compile(r"[+-]?\d+/\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SHOWN = 40


def show_value(value: object) -> str:
    """A user's value as they would write it in JSON: ``1.5``, ``-1``, ``null``, ``"abc"`` — never
    ``Fraction(3, 2)`` or ``NoneType None``; long text is cut with its length."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, Fraction):
        text = format_rational(value)
    elif isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, str):
        text = json.dumps(value)
    else:
        text = f"{type(value).__name__} {value!r}"
    if len(text) > _SHOWN:
        text = f"{text[: _SHOWN - 3]}... ({len(text)} characters)"
    return text


def _too_long(digits: str, value: object) -> ValueError | None:
    if len(digits) > MAX_DIGITS:
        return ValueError(f"expected a number of at most {MAX_DIGITS} digits, got {len(digits)} digits")
    return None


class WrittenDecimal(Fraction):
    """A decimal read from text that ends in zeros its value does not need (``"1.800"``): the same
    rational, remembering one unit of its last written place, so a writer's four digits stay four
    (`last_place`). Arithmetic on it gives plain Fractions.

    Example:
        >>> q = written_decimal("1.800")
        >>> q == Fraction(9, 5), q.place, last_place(q), last_place(Fraction(9, 5))
        (True, Fraction(1, 1000), Fraction(1, 1000), Fraction(0, 1))
    """

    __slots__ = ("place",)
    place: Fraction

    def __new__(cls, numerator: int, denominator: int, place: Fraction) -> WrittenDecimal:
        self = super().__new__(cls, numerator, denominator)
        self.place = place
        return self

    def __reduce__(self) -> tuple[object, tuple[int, int, Fraction]]:
        return (WrittenDecimal, (self.numerator, self.denominator, self.place))

    def __copy__(self) -> WrittenDecimal:
        return self

    def __deepcopy__(self, memo: object) -> WrittenDecimal:
        return self


def written_decimal(text: str) -> Fraction:
    """The rational a decimal string denotes: a `WrittenDecimal` when it is written to a finer place than
    its value needs (trailing zeros), else a plain Fraction."""
    value = Fraction(text)
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2]) - (int(exponent) if exponent else 0)
    place = Fraction(1, 10**decimals) if decimals >= 0 else Fraction(10 ** (-decimals))
    if "." not in mantissa or value == 0 or (value / place).denominator != 1 or (value / place) % 10 != 0:
        return value
    return WrittenDecimal(value.numerator, value.denominator, place)


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
        return Fraction(value)  # an int is already built; digit limits apply to text
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {value!r}")
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        if _RATIONAL.fullmatch(text):
            num, den = text.split("/")
            error = _too_long(num.lstrip("+-"), value) or _too_long(den, value)
            if error:
                raise error
            if int(den) == 0:
                raise ValueError(f"expected a rational with non-zero denominator, got {show_value(value)}")
            return Fraction(int(num), int(den))
        match = _DECIMAL.fullmatch(text)
        if match:
            error = _too_long(match.group(1).replace(".", ""), value)
            if error:
                raise error
            exponent = match.group(2)
            if exponent and (len(exponent) > 8 or abs(int(exponent[1:])) > MAX_EXPONENT):
                raise ValueError(f"expected an exponent within ±{MAX_EXPONENT}, got {show_value(value)}")
            return written_decimal(text)
        raise ValueError(
            f"expected a number or a string holding an exact rational ('-3/7') or decimal "
            f"('0.1', '2.2e-6'), got {show_value(value)}"
        )
    if value is None:
        raise ValueError("expected a number, got null")
    if isinstance(value, (list, dict)):
        kind = "a list" if isinstance(value, list) else "an object"
        raise ValueError(f"expected a number, got {kind}")
    raise ValueError(f"expected a number, got {show_value(value)}")


def format_rational(q: Fraction, *, decimal: bool = True) -> str:
    """Return an exact string for ``q``: an integer, or ``p/q``, or (when ``decimal``) a terminating
    decimal if that is no longer; `parse_rational` reads each back to the same value. A
    `WrittenDecimal` keeps its trailing zeros (its digits are part of what it says).

    Example:
        >>> format_rational(Fraction(9, 5)), format_rational(written_decimal("1.800"))
        ('1.8', '1.800')
    """
    places = _decimal_places(q) if decimal and isinstance(q, WrittenDecimal) else None
    if places:
        body = str(abs(q.numerator) * 10**places // q.denominator).rjust(places + 1, "0")
        return ("-" if q < 0 else "") + body[:-places] + "." + body[-places:]
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


def _decimal_places(q: WrittenDecimal) -> int | None:
    """k where ``q``'s last written place is 10^-k (k ≥ 1), else None."""
    place = q.place
    k = len(str(place.denominator)) - 1
    return k if k >= 1 and place == Fraction(1, 10**k) and (q / place).denominator == 1 else None


FloatPolicy = Literal["binary", "decimal", "simplest", "grid"]
"""How `from_float` reads a float as an exact rational (see there)."""


def from_float(x: float, policy: FloatPolicy = "decimal", *, denominator: int = 10**9) -> Fraction:
    """The one float → exact conversion, by a named policy:

    - ``binary``: the double's exact value (what every rigorous computation on it sees);
    - ``decimal``: the shortest decimal that reads back as the same double (what a user would type);
    - ``simplest``: the nearest fraction with denominator at most ``denominator`` (small rationals);
    - ``grid``: the nearest multiple of ``1/denominator`` (a point on a rational grid; ties to even).

    Example:
        >>> [str(from_float(0.1, p, denominator=8)) for p in ("binary", "decimal", "simplest", "grid")]
        ['3602879701896397/36028797018963968', '1/10', '1/8', '1/8']

    Raises:
        ValueError: ``x`` is not finite, or ``denominator`` < 1.
    """
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"expected a finite float to convert exactly, got {x!r}")
    if denominator < 1:
        raise ValueError(f"denominator: expected at least 1, got {denominator!r}")
    if policy == "binary":
        return Fraction(x)
    if policy == "decimal":
        return Fraction(repr(x))
    if policy == "simplest":
        return Fraction(x).limit_denominator(denominator)
    if policy == "grid":
        return Fraction(round(Fraction(x) * denominator), denominator)
    raise ValueError(f"policy: expected one of binary, decimal, simplest, grid, got {policy!r}")


ROUNDED_DIGITS = 4
"""A point counts as rounded when some coordinate carries at least this many significant digits."""


def _relative_precision(q: Fraction) -> Fraction | None:
    """The relative size of the last digit of ``q`` as written: in binary for a dyadic rational (a float,
    or a short decimal such as 0.25), else in decimal; None when ``q`` is 0 or has no terminating
    expansion (1/3 was not rounded to digits)."""
    if q == 0:
        return None
    if isinstance(q, WrittenDecimal):
        return Fraction(1, 10 ** len(str(abs(q / q.place).numerator)))
    den, twos, fives = q.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return None
    if q.denominator == 1:  # an integer (1234, 1000000) is meant exactly
        return None
    if fives == 0:  # dyadic: as precise as its odd numerator's bits (a float, or a short decimal)
        odd = abs(q.numerator)
        while odd % 2 == 0:
            odd //= 2
        return Fraction(1, 2 ** odd.bit_length())
    places = max(twos, fives)
    digits = len(str(abs(q.numerator) * 10**places // q.denominator).rstrip("0"))
    return Fraction(1, 10**digits)


def last_place(q: Fraction) -> Fraction:
    """One unit of the last place ``q`` was written to (decimal, or binary for a dyadic rational), or 0 when
    ``q`` counts as exact (an integer, a short number, or no terminating expansion): the rounding box of a
    coordinate is ± half of it.

    Example:
        >>> last_place(Fraction("2.98379585465109919")), last_place(Fraction("0.5")), last_place(Fraction(7))
        (Fraction(1, 100000000000000000), Fraction(0, 1), Fraction(0, 1))
    """
    precision = _relative_precision(q)
    if precision is None or precision > Fraction(1, 10**ROUNDED_DIGITS):
        return Fraction(0)
    if isinstance(q, WrittenDecimal):
        return q.place
    den, twos, fives = q.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    return Fraction(1, 2**twos) if fives == 0 else Fraction(1, 10 ** max(twos, fives))


def non_terminating(q: Fraction) -> bool:
    """Whether ``q`` has no terminating decimal or binary expansion (1/3, 60062897269/30000000000): a number
    no writer rounded to digits, so exact on purpose, where a short decimal (1.125, 0.5) may be a rounding
    that happens to be short.

    Example:
        >>> non_terminating(Fraction(1, 3)), non_terminating(Fraction("1.125")), non_terminating(Fraction(7))
        (True, False, False)
    """
    den = q.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den != 1


FLOAT_PRINT_DIGITS = (15, 17)
"""Significant digits of a decimal that may be a float64's print (``repr`` writes 15 to 17, ``%.17g`` 17)."""


def rounding_radius(q: Fraction) -> Fraction:
    """How far the number whose rounding a writer wrote as ``q`` can sit from it: half a unit of its last
    written place, and at least one float64 ulp of ``q`` for a decimal of float length (`FLOAT_PRINT_DIGITS`
    significant digits: most likely a float's print, and the float itself was up to half an ulp from the
    number meant, more than half a 17th digit); 0 for a number taken as exact (`last_place`).

    Example:
        >>> q = Fraction("0.33333333333333331")  # %.17g of float(1/3), 2.3e-17 from 1/3
        >>> last_place(q) / 2 < abs(q - Fraction(1, 3)) <= rounding_radius(q)
        True
        >>> rounding_radius(Fraction("0.3333")), rounding_radius(Fraction(1))
        (Fraction(1, 20000), Fraction(0, 1))
    """
    place = last_place(q)
    precision = _relative_precision(q)
    if not place or precision is None or q.denominator & (q.denominator - 1) == 0:
        return place / 2  # exact, or dyadic (a float given as itself: its own binary last place)
    low, high = FLOAT_PRINT_DIGITS
    # only a normal float prints to 15-17 digits of its own (1.2345678901234567e-400 is no float's print)
    normal = Fraction(sys.float_info.min) <= abs(q) < 10**300
    if normal and Fraction(1, 10**high) <= precision <= Fraction(1, 10**low):
        return max(place / 2, Fraction(math.ulp(float(q))))
    return place / 2


NOISE_LEVEL = Fraction(1, 10**10)
"""A non-zero number passes for a rounded 0 (a float's noise) only beside numbers written this precisely
(relative) or better: at 4 or 8 digits, 0.0001234 or 1.234e-8 is a value written to its own digits."""


def may_round(written: Fraction, meant: Fraction, rel: Fraction) -> bool:
    """Whether ``written`` may be a writer's rounding of ``meant``: equal, or within ``rel`` relative to
    their size (``rel``·max(1, |written|, |meant|)) when ``written`` was written rounded (`last_place` ≠ 0).
    A short number is exact and never moves, and a large number elsewhere in a point cannot widen the
    tolerance of a small one (``rel`` is a multiple of `relative_rounding`, not of `rounding_scale`).

    A non-zero number is a rounded 0 only beside digits finer than `NOISE_LEVEL` (float noise).

    Example:
        >>> zero, rel = Fraction(0), Fraction(4, 10**17)
        >>> may_round(Fraction("1.2345678e-17"), zero, rel), may_round(Fraction("0.03"), zero, rel)
        (True, False)
        >>> may_round(Fraction("0.0001234"), zero, Fraction(4, 10**4))  # four digits: a value
        False
    """
    if written == meant:
        return True
    if meant == 0 and rel > NOISE_LEVEL:
        return False  # coarse digits: a non-zero number written to them is a value, not a rounded 0
    room = rel * max(Fraction(1), abs(written), abs(meant))
    return abs(written - meant) <= room and last_place(written) != 0


def may_coincide(a: Fraction, b: Fraction, tol: Fraction) -> bool:
    """Whether two written numbers may round one meant value (`may_round` either way).

    Example:
        >>> may_coincide(Fraction("1.5"), Fraction("1.5000000001"), Fraction(1, 10**6))
        True
        >>> may_coincide(Fraction("1.5"), Fraction("1.25"), Fraction(1))  # both short: exact, different
        False
    """
    return may_round(a, b, tol) or may_round(b, a, tol)


def _rounded(values: list[Fraction] | tuple[Fraction, ...]) -> list[tuple[Fraction, Fraction]]:
    """The numbers written rounded (`ROUNDED_DIGITS` or more significant digits), each with the relative
    size of its last digit."""
    out = []
    for q in values:
        p = _relative_precision(q)
        if p is not None and p <= Fraction(1, 10**ROUNDED_DIGITS):
            out.append((q, p))
    return out


def rounding_scale(values: list[Fraction] | tuple[Fraction, ...]) -> Fraction:
    """How far a point written with these numbers may sit from the point its writer meant: the size of
    its largest rounded number times the relative size of the last written digit of its most precisely
    written coordinate (decimal or binary). Short numbers (fewer than `ROUNDED_DIGITS` significant
    digits: ``1``, ``-3/2``, ``0.25``, ``13/3``, ``100000000``) are exact: they do not move, and do not
    scale the others (an exact weight of 1e8 beside 0.7777 leaves 7.8e-5, not 1e4; numbers all near
    1.234e-8, written to four digits, 1.2e-12, not 1e-4).

    Example:
        >>> float(rounding_scale([Fraction("0.123456789"), Fraction(2)]))
        1.23456789e-10
        >>> float(rounding_scale([Fraction("0.7777"), Fraction(10**8)]))
        7.777e-05
        >>> rounding_scale([Fraction(1), Fraction(13, 3), Fraction(10**6), Fraction(-1234)])  # exact
        Fraction(0, 1)
    """
    rounded = _rounded(values)
    if not rounded:
        return Fraction(0)
    return max(abs(q) for q, _ in rounded) * min(p for _, p in rounded)


def relative_rounding(values: list[Fraction] | tuple[Fraction, ...]) -> Fraction:
    """The point's rounding relative to a number's own size, read off its *bulk*: the relative size of
    the last digit of the most precisely written rounded number among those of size at least
    max(1, max|q|)/1000 (exact numbers count in the max); 0 when there is none. A tolerance for one
    coordinate is this times max(1, |q|), so a weight of 0.3456 beside a bias of 98765432.1 is not within
    the bias's last digit of 0, and a weight of 0.0001234 beside exact numbers of size 1 is not a rounded
    0: its own four digits say how precisely it was written, not how precisely the point was (a number
    of the bulk, at least 1/1000 with at least four digits, is never within 4× its own last digit of 0).

    Example:
        >>> relative_rounding([Fraction("0.3456"), Fraction("98765432.1")])
        Fraction(1, 1000000000)
        >>> relative_rounding([Fraction("0.0001234"), Fraction(1), Fraction(-1)])
        Fraction(0, 1)
    """
    rounded = _rounded(values)
    if not rounded:
        return Fraction(0)
    bulk = max(Fraction(1), max(abs(q) for q in values)) / 1000
    return min((p for q, p in rounded if abs(q) >= bulk), default=Fraction(0))


READABLE_LENGTH = 20
"""Exact texts longer than this get a decimal beside them (`readable`)."""


def approx(q: Fraction, digits: int = 6) -> str:
    """A decimal approximation of ``q`` with ``digits`` significant digits, for any magnitude (no float
    overflow: ``1e400`` stays ``1e+400``).

    Example:
        >>> approx(Fraction(10**400 + 1, 3))
        '3.33333e+399'
    """
    if q == 0:
        return "0"
    sign = "-" if q < 0 else ""
    q = abs(q)
    exponent = len(str(q.numerator)) - len(str(q.denominator))
    if q >= Fraction(10) ** exponent * 10:
        exponent += 1
    while q < Fraction(10) ** exponent:
        exponent -= 1
    if -300 < exponent < 300:
        return sign + f"{float(q):.{digits}g}"
    mantissa = q / Fraction(10) ** exponent
    return sign + f"{float(mantissa):.{digits - 1}f}".rstrip("0").rstrip(".") + f"e{exponent:+d}"


def readable(q: Fraction, *, decimal: bool = True, limit: int = READABLE_LENGTH) -> str:
    """The exact text of ``q``, and, when it is longer than ``limit`` characters, its decimal beside it.

    Example:
        >>> readable(Fraction(18, 5))
        '3.6'
        >>> readable(Fraction(10**30 + 1, 3 * 10**29))
        '1000000000000000000000000000001/300000000000000000000000000000 (≈ 3.33333)'
    """
    text = format_rational(q, decimal=decimal)
    return text if len(text) <= limit else f"{text} (≈ {approx(q)})"


def short(q: Fraction, *, limit: int = READABLE_LENGTH) -> str:
    """The exact text of ``q`` when it is at most ``limit`` characters, else only its decimal (``≈ 1e+90``):
    for messages that name a value rather than state it."""
    text = format_rational(q)
    return text if len(text) <= limit else f"≈ {approx(q)}"
