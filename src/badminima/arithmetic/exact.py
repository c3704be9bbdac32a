"""Exact arithmetic: `fractions.Fraction` for rational values, sympy expressions once exp/log/tanh
enter (sigmoid and tanh networks). Identity and ReLU-family networks with identity output stay rational.

Signs of symbolic values are decided by enclosing them in ball arithmetic at rising precision
(`sign` returns None if even 4096 bits cannot separate the value from zero).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
import numpy as np
import sympy

from badminima.arithmetic.flint_bridge import to_arb, to_fraction
from badminima.arithmetic.objectarray import ObjectArrayArithmetic
from badminima.arithmetic.protocol import Rigor
from badminima.errors import BackendError

_PRECISIONS = (64, 256, 1024, 4096)


def _as_sympy(x: Any) -> Any:
    if isinstance(x, Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    return x


def _normalise(x: Any) -> Any:
    """Keep rationals as `Fraction` (fast); anything else stays a sympy expression."""
    if isinstance(x, sympy.Rational):
        return to_fraction(x)
    return x


def to_ball(x: Any, prec: int) -> flint.arb:
    """Rigorous enclosure of an exact value (Fraction or the sympy expressions this backend builds)."""
    with flint.ctx.workprec(prec):
        return _ball(x)


def _integer_power(b: flint.arb, n: int) -> flint.arb:
    """``b**n`` by repeated squaring: arb's ``**`` goes through exp/log and gives NaN for a ball that
    contains zero or negative numbers."""
    out, base = flint.arb(1), b
    while n:
        if n & 1:
            out *= base
        base *= base
        n >>= 1
    return out


def _ball(x: Any) -> flint.arb:
    if isinstance(x, Fraction | int):
        return to_arb(x)
    if isinstance(x, sympy.Rational):
        return to_arb(to_fraction(x))
    if x is sympy.E:
        return flint.arb(1).exp()
    if isinstance(x, sympy.Add):
        acc = flint.arb(0)
        for a in x.args:
            acc += _ball(a)
        return acc
    if isinstance(x, sympy.Mul):
        acc = flint.arb(1)
        for a in x.args:
            acc *= _ball(a)
        return acc
    if isinstance(x, sympy.Pow):
        base, exp = x.args
        if isinstance(exp, sympy.Integer):
            b = _integer_power(_ball(base), abs(int(exp)))
            return b if int(exp) >= 0 else 1 / b
        if exp == sympy.Rational(1, 2):
            return _ball(base).sqrt()
        return (_ball(exp) * _ball(base).log()).exp()
    if isinstance(x, sympy.exp):
        return _ball(x.args[0]).exp()
    if isinstance(x, sympy.log):
        return _ball(x.args[0]).log()
    if isinstance(x, sympy.tanh):
        return _ball(x.args[0]).tanh()
    raise BackendError(f"cannot enclose the expression {x} in ball arithmetic")


def tight_ball(x: Any) -> flint.arb:
    """An enclosure of an exact value tight enough (relative radius below 2^-60, or exact) for its midpoint
    to be the nearest float, raising the precision for values that cancel (a saturated loss of 1e-50 is a
    difference of terms of size 1); the 4096-bit enclosure if even that is not tight."""
    ball = flint.arb(0)
    for prec in (80, *_PRECISIONS[1:]):
        ball = to_ball(x, prec)
        if ball.rad() <= abs(ball.mid()) * 2.0**-60:
            break
    return ball


class ExactArithmetic(ObjectArrayArithmetic):
    """Rationals and symbolic expressions; every value is the true value."""

    name = "exact"
    rigor: Rigor = "exact"

    def constant(self, q: Fraction) -> Any:
        return Fraction(q)

    def sigmoid1(self, x: Any) -> Any:
        if x == 0:
            return Fraction(1, 2)
        return _normalise(1 / (1 + sympy.exp(-_as_sympy(x))))

    def tanh1(self, x: Any) -> Any:
        if x == 0:
            return Fraction(0)
        return sympy.tanh(_as_sympy(x))

    def softplus1(self, x: Any) -> Any:
        return sympy.log(1 + sympy.exp(_as_sympy(x)))

    def sign(self, x: Any) -> int | None:
        if isinstance(x, Fraction | int):
            return (x > 0) - (x < 0)
        if isinstance(x, sympy.Rational):
            # sympy comparisons return BooleanAtoms, which do not subtract: compare the numerator
            return (int(x.p) > 0) - (int(x.p) < 0)
        for prec in _PRECISIONS:
            try:
                ball = to_ball(x, prec)
            except BackendError:
                return None
            if ball > 0:
                return 1
            if ball < 0:
                return -1
            if ball.is_zero():
                return 0
        return None

    def to_float(self, x: Any) -> float:
        if isinstance(x, Fraction | int):
            return float(x)
        return float(tight_ball(x).mid())

    def matmul(self, a: Any, b: Any) -> Any:
        """``a @ b`` with rational entries kept as `Fraction`: a zero weight times a sympy value (a silent
        unit's σ(1/2)) is sympy's 0, which the rest of the package must see as the rational 0."""
        out = a @ b
        if isinstance(out, np.ndarray) and out.dtype == object:
            return np.vectorize(_normalise, otypes=[object])(out) if out.size else out
        return _normalise(out)
