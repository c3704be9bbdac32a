"""Exact arithmetic in Q(e^{1/D}): where σ and tanh of rational pre-activations live, with exact zeros.

For a rational q = m/D, σ(q) = E^m/(E^m + 1) and tanh(q) = (E^{2m} − 1)/(E^{2m} + 1) with E = e^{1/D}
(E⁻¹ for m < 0). E is transcendental (Lindemann–Weierstrass), so Q(E) is the field of rational functions
in one variable: a value p(E)/q(E) is 0 exactly when the polynomial p is 0. Sums such as σ(1) + σ(−1) − 1
are therefore *decided* to be 0 — which no enclosure in balls can do, and sympy's simplification does not
always find. Non-zero values are signed by evaluating p/q at E in balls, at rising precision.

Values of one-hidden-layer sigmoid/tanh networks at rational points with identity or sigmoid output and
mse are in this field, and so are their gradients (forward mode over `Dual`s); a value outside it (σ of an
irrational pre-activation, a logarithm) raises `BackendError`, and so does a polynomial above
`MAX_DEGREE` (the caller falls back).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.flint_bridge import to_arb, to_fmpq, to_fraction
from badminima.arithmetic.objectarray import ObjectArrayArithmetic
from badminima.arithmetic.protocol import Rigor
from badminima.errors import BackendError

MAX_DEGREE = 1500
"""Largest degree in E of a numerator or denominator before the arithmetic gives up."""

_PRECISIONS = (64, 256, 1024, 4096)


class ExpNumber:
    """``num(E)/den(E)`` with E = e^{1/D}, num and den coprime, den monic (an exact non-rational value;
    rational values are plain `Fraction`s).

    Example:
        >>> s = ExponentialArithmetic()
        >>> total = s.sigmoid1(Fraction(1)) + s.sigmoid1(Fraction(-1))
        >>> total, s.sign(s.tanh1(Fraction(1, 2)) - Fraction(1, 2))
        (Fraction(1, 1), -1)
    """

    __slots__ = ("D", "den", "num")

    def __init__(self, num: flint.fmpq_poly, den: flint.fmpq_poly, D: int) -> None:
        self.num, self.den, self.D = num, den, D

    @staticmethod
    def make(num: flint.fmpq_poly, den: flint.fmpq_poly, D: int) -> ExpNumber | Fraction:
        """The reduced value of num(E)/den(E), a `Fraction` when it is rational."""
        if den == 0:
            raise ZeroDivisionError("division by zero in Q(e^{1/D})")
        g = num.gcd(den)
        if g.degree() > 0:
            num, den = num // g, den // g
        lead = den[den.degree()]
        num, den = num / lead, den / lead
        if num.degree() <= 0 and den.degree() == 0:
            return to_fraction(num[0]) if num.degree() == 0 else Fraction(0)
        if max(num.degree(), den.degree()) > MAX_DEGREE:
            raise BackendError(f"a value of degree above {MAX_DEGREE} in e^(1/{D}): too large to decide")
        return ExpNumber(num, den, D)

    def _at(self, D: int) -> tuple[flint.fmpq_poly, flint.fmpq_poly]:
        k = D // self.D
        if k * max(self.num.degree(), self.den.degree()) > MAX_DEGREE:
            raise BackendError(f"a value of degree above {MAX_DEGREE} in e^(1/{D}): too large to decide")
        power = flint.fmpq_poly([0] * k + [1])
        return self.num(power), self.den(power)

    def _pair(self, other: Any) -> tuple[tuple[Any, Any], tuple[Any, Any], int] | None:
        """Both operands over one E = e^{1/D}; None for an operand of another kind (a `Dual`: it
        combines the two itself)."""
        if isinstance(other, Fraction | int):
            rational = (flint.fmpq_poly([to_fmpq(Fraction(other))]), flint.fmpq_poly([1]))
            return (self.num, self.den), rational, self.D
        if not isinstance(other, ExpNumber):
            return None
        D = math.lcm(self.D, other.D)
        return self._at(D), other._at(D), D

    def _combine(self, other: Any, parts: Callable[[Any, Any, Any, Any], tuple[Any, Any]]) -> Any:
        """``parts(a, b, c, d)`` → (numerator, denominator) of self = a/b with other = c/d, reduced."""
        pair = self._pair(other)
        if pair is None:
            return NotImplemented
        (a, b), (c, d), D = pair
        return ExpNumber.make(*parts(a, b, c, d), D)

    def __add__(self, other: Any) -> Any:
        return self._combine(other, lambda a, b, c, d: (a * d + c * b, b * d))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return (-self) + other

    def __mul__(self, other: Any) -> Any:
        return self._combine(other, lambda a, b, c, d: (a * c, b * d))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        return self._combine(other, lambda a, b, c, d: (a * d, b * c))

    def __rtruediv__(self, other: Any) -> Any:
        return self._combine(other, lambda a, b, c, d: (c * b, d * a))

    def __neg__(self) -> ExpNumber:
        return ExpNumber(-self.num, self.den, self.D)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fraction | int):
            return False  # a reduced ExpNumber is never rational
        if isinstance(other, ExpNumber):
            difference = self - other
            return isinstance(difference, Fraction) and difference == 0
        return NotImplemented

    def __hash__(self) -> int:
        return hash(ExpNumber)  # equal values may be written over different D: one bucket for all

    def ball(self, prec: int) -> flint.arb:
        """An enclosure at ``prec`` bits."""
        with flint.ctx.workprec(prec):
            E = (flint.arb(1) / self.D).exp()
            return _horner(self.num, E) / _horner(self.den, E)

    def sign(self) -> int | None:
        for prec in _PRECISIONS:
            b = self.ball(prec)
            if b > 0:
                return 1
            if b < 0:
                return -1
        return None

    def __repr__(self) -> str:
        return f"ExpNumber(({self.num})/({self.den}), E=e^(1/{self.D}))"


def _horner(p: flint.fmpq_poly, x: flint.arb) -> flint.arb:
    acc = flint.arb(0)
    for c in reversed(p.coeffs()):
        acc = acc * x + to_arb(to_fraction(c))
    return acc


def _power(q: Fraction) -> tuple[int, int]:
    """(m, D) with q = m/D."""
    return q.numerator, q.denominator


def _ratio(m: int, D: int, shift: int) -> ExpNumber | Fraction:
    """(E^m + shift·…) helpers: E^m/(E^m + 1) for shift 0, (E^m − 1)/(E^m + 1) for shift −1 (m ≥ 0)."""
    if m > MAX_DEGREE:
        raise BackendError(f"e^({m}/{D}) has degree above {MAX_DEGREE}: too large to decide")
    power = flint.fmpq_poly([0] * m + [1])
    top = power if shift == 0 else power - 1
    return ExpNumber.make(top, power + 1, D)


class ExponentialArithmetic(ObjectArrayArithmetic):
    """Rationals and elements of Q(e^{1/D}) (`ExpNumber`): σ and tanh of rational values exactly; a
    softplus, or σ/tanh of a non-rational value, raises `BackendError`."""

    name = "exponential"
    rigor: Rigor = "exact"

    def constant(self, q: Fraction) -> Any:
        return Fraction(q)

    def sigmoid1(self, x: Any) -> Any:
        if not isinstance(x, Fraction | int):
            raise BackendError("σ of a value outside the rationals is not in Q(e^(1/D))")
        m, D = _power(Fraction(x))
        if m >= 0:
            return _ratio(m, D, 0)
        return 1 - _ratio(-m, D, 0)

    def tanh1(self, x: Any) -> Any:
        if not isinstance(x, Fraction | int):
            raise BackendError("tanh of a value outside the rationals is not in Q(e^(1/D))")
        m, D = _power(Fraction(x))
        value = _ratio(2 * abs(m), D, -1)
        return value if m >= 0 else -value

    def softplus1(self, x: Any) -> Any:
        raise BackendError("a logarithm is not in Q(e^(1/D))")

    def sign(self, x: Any) -> int | None:
        if isinstance(x, Fraction | int):
            return (x > 0) - (x < 0)
        return x.sign() if isinstance(x, ExpNumber) else None

    def to_float(self, x: Any) -> float:
        if isinstance(x, Fraction | int):
            return float(x)
        return float(x.ball(128).mid())
