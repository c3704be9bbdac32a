"""Ball arithmetic (python-flint `arb`): every value is a ball that provably contains the true value,
exp/log/tanh included. Precision is per backend instance, applied only inside `context()`.

Rationals that are not dyadic (1/3, 0.1) enter as tight balls around them, so exact data stay enclosed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.objectarray import ObjectArrayArithmetic
from badminima.arithmetic.protocol import Rigor
from badminima.errors import BackendError


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
        return flint.arb(flint.fmpq(q.numerator, q.denominator))

    def sigmoid1(self, x: Any) -> Any:
        return 1 / (1 + (-x).exp())

    def tanh1(self, x: Any) -> Any:
        return x.tanh()

    def softplus1(self, x: Any) -> Any:
        # Both forms equal log(1 + e^x); pick the one that does not overflow for the midpoint's sign.
        if x.mid() > 0:
            return x + (-x).exp().log1p()
        return x.exp().log1p()

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
