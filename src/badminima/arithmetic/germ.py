"""Germ arithmetic: exact polynomials in one variable t, ordered by their values as t → 0+.

The sign of a polynomial is the sign of its lowest-order non-zero coefficient, which is its sign on
some interval (0, t0). Running the network on parameters ``x + t v`` in this arithmetic gives the
loss along the ray exactly — ReLU pieces chosen as they are for small t > 0, never by relu'(0)
convention — so the lowest-order term of ``loss(x + t v) − loss(x)`` decides descent.
Rational functions only: piecewise-linear units, identity output, mse.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.flint_bridge import to_fmpq, to_fraction
from badminima.arithmetic.objectarray import ObjectArrayArithmetic
from badminima.arithmetic.protocol import Rigor
from badminima.errors import BackendError


def leading_term(p: Any) -> tuple[int, Fraction] | None:
    """``(order, coefficient)`` of the lowest-order non-zero term of a germ, None for the zero germ."""
    if isinstance(p, Fraction | int):
        return (0, Fraction(p)) if p != 0 else None
    for k, c in enumerate(p.coeffs()):
        if c != 0:
            return k, to_fraction(c)
    return None


def ray(x: Fraction, v: Fraction) -> flint.fmpq_poly:
    """The germ ``x + t v``."""
    return flint.fmpq_poly([to_fmpq(x), to_fmpq(v)])


class GermArithmetic(ObjectArrayArithmetic):
    """Exact polynomials in t (python-flint ``fmpq_poly``), signed by their behaviour as t → 0+."""

    name = "germ"
    rigor: Rigor = "exact"

    def constant(self, q: Fraction) -> Any:
        return flint.fmpq_poly([to_fmpq(q)])

    def _smooth(self, what: str) -> BackendError:
        return BackendError(f"germ arithmetic is exact polynomial arithmetic; it has no {what}")

    def sigmoid1(self, x: Any) -> Any:
        raise self._smooth("sigmoid")

    def tanh1(self, x: Any) -> Any:
        raise self._smooth("tanh")

    def softplus1(self, x: Any) -> Any:
        raise self._smooth("softplus")

    def sign(self, x: Any) -> int | None:
        term = leading_term(x)
        if term is None:
            return 0
        return 1 if term[1] > 0 else -1

    def to_float(self, x: Any) -> float:
        term = leading_term(x)
        return float(x.coeffs()[0]) if term is not None and term[0] == 0 else 0.0
