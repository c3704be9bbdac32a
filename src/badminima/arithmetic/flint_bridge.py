"""The one bridge between Python's exact numbers and python-flint's: rationals to ``fmpq``/``arb`` and
back, exact matrices, and the exact value of a radius-0 ball or an mpmath float. Every conversion here is
exact (no rounding); a ball that is not finite is refused, because nothing can be proved from it."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import flint
import mpmath

from badminima.errors import BackendError


def to_fmpq(q: Fraction | int) -> flint.fmpq:
    """``q`` as a flint rational.

    >>> to_fmpq(Fraction(-3, 4))
    -3/4
    """
    q = Fraction(q)
    return flint.fmpq(q.numerator, q.denominator)


def to_fraction(q: Any) -> Fraction:
    """A flint ``fmpq``/``fmpz`` or a sympy ``Rational`` (anything with ``p`` and ``q``) as a Fraction.

    >>> to_fraction(flint.fmpq(6, 8))
    Fraction(3, 4)
    """
    return Fraction(int(q.p), int(q.q))


def fmpq_matrix(rows: Sequence[Sequence[Fraction]]) -> flint.fmpq_mat:
    """The exact matrix with these rows (at least one row).

    >>> fmpq_matrix([[Fraction(1), Fraction(1, 2)], [Fraction(2), Fraction(1)]]).rank()
    1
    """
    return flint.fmpq_mat(len(rows), len(rows[0]), [to_fmpq(v) for r in rows for v in r])


def to_arb(q: Fraction | int) -> flint.arb:
    """The ball enclosing the rational ``q`` at the current working precision (exact when ``q`` is
    dyadic and fits; otherwise the tightest enclosure flint gives)."""
    return flint.arb(to_fmpq(q))


def arb_to_fraction(x: Any) -> Fraction:
    """The exact value of a ball's midpoint-like part, for a ball of radius 0 (e.g. from ``mid()``,
    ``rad()``, ``lower()``): mantissa · 2^exponent.

    >>> arb_to_fraction(flint.arb(3) / 8)
    Fraction(3, 8)

    Raises:
        BackendError: the ball is not finite (an overflow): nothing can be proved from it.
    """
    if not x.is_finite():
        raise BackendError(f"a ball enclosure is not finite ({x}); the computation overflowed")
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp)


def mpf_to_fraction(x: Any) -> Fraction:
    """An mpmath number's exact value (mpmath's own ``man_exp`` drops the sign).

    >>> mpf_to_fraction(mpmath.mpf(-0.375))
    Fraction(-3, 8)
    """
    sign, man, exp, _ = mpmath.mpf(x)._mpf_
    man = -int(man) if sign else int(man)
    return Fraction(man * 2 ** int(exp)) if exp >= 0 else Fraction(man, 2 ** -int(exp))
