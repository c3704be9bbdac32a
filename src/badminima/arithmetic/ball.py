"""Ball arithmetic (python-flint `arb`): every value is a ball that provably contains the true value,
exp/log/tanh included. Precision is per backend instance, applied only inside `context()`.

Rationals that are not dyadic (1/3, 0.1) enter as tight balls around them, so exact data stay enclosed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.flint_bridge import to_arb
from badminima.arithmetic.objectarray import ObjectArrayArithmetic
from badminima.arithmetic.protocol import Rigor
from badminima.errors import BackendError


def _sigmoid_point(x: Any) -> Any:
    if x < 0:  # exp(-x) would be huge for very negative x
        e = x.exp()
        return e / (1 + e)
    return 1 / (1 + (-x).exp())


def _softplus_point(x: Any) -> Any:
    # Both forms equal log(1 + e^x); the one chosen never exponentiates a large positive number.
    return x + (-x).exp().log1p() if x > 0 else x.exp().log1p()


def _tanh_point(x: Any) -> Any:
    return x.tanh()


def enclose_increasing(fn: Callable[[Any], Any], x: Any, lo: Any = None, hi: Any = None) -> Any:
    """``fn(x)`` for an increasing ``fn`` on a ball ``x``, never NaN: for a narrow ball the direct
    evaluation, for a wide one (or where that is not finite) the union of ``fn`` at the ball's two exact
    endpoints — by monotonicity the tightest enclosure there is — else the range ``[lo, hi]`` when given.
    Wide balls (a box around a far-away centre) stay finite and tight.

    Example:
        >>> import flint
        >>> y = enclose_increasing(lambda b: b.tanh(), flint.arb(3, 100), -1, 1)
        >>> bool(y.is_finite()) and bool(y.contains(flint.arb(-1).tanh().mid()))
        True
    """
    wide = x.rad() > 2**-20 * (1 + abs(x.mid()))
    y = fn(x) if not wide else None
    if y is not None and y.is_finite():
        return y
    if x.is_finite():
        a, b = fn(x.lower()), fn(x.upper())
        if a.is_finite() and b.is_finite():
            return a.union(b)
    if lo is not None and hi is not None:
        return flint.arb(lo).union(flint.arb(hi))
    return fn(x) if y is None else y


class BallArithmetic(ObjectArrayArithmetic):
    """`arb` balls at ``precision`` bits (default 128)."""

    name = "ball"
    rigor: Rigor = "interval"

    def __init__(self, precision: int = 128) -> None:
        if isinstance(precision, bool) or not isinstance(precision, int) or precision < 16:
            raise BackendError(f"ball precision: expected an integer number of bits >= 16, got {precision!r}")
        self.precision = precision

    def context(self) -> AbstractContextManager[Any]:
        return flint.ctx.workprec(self.precision)

    def constant(self, q: Fraction) -> Any:
        return to_arb(q)

    def sigmoid1(self, x: Any) -> Any:
        return enclose_increasing(_sigmoid_point, x, 0, 1)

    def tanh1(self, x: Any) -> Any:
        return enclose_increasing(_tanh_point, x, -1, 1)

    def softplus1(self, x: Any) -> Any:
        return enclose_increasing(_softplus_point, x)

    def acos(self, a: Any) -> Any:
        return self._lift(lambda x: x.acos(), a)

    def sqrt(self, a: Any) -> Any:
        return self._lift(lambda x: x.sqrt(), a)

    def sin(self, a: Any) -> Any:
        return self._lift(lambda x: x.sin(), a)

    def sign(self, x: Any) -> int | None:
        if x > 0:
            return 1
        if x < 0:
            return -1
        if x.is_zero():
            return 0
        return None

    def to_float(self, x: Any) -> float:
        return float(x.mid())
