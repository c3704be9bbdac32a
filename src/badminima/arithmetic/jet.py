"""Jet arithmetic: truncated Taylor series in one variable t, with exact coefficients where they can be.

A jet ``c₀ + c₁t + … + c_K t^K`` stands for the Taylor expansion of a quantity along a curve of
parameters. Each coefficient is a `Fraction` while it is exactly known (tanh(0) = 0, σ(0) = 1/2 and all
their derivatives there are rational; anything times an exact 0 is an exact 0) and an ``arb`` ball
otherwise. Only a `Fraction` 0 is a proved zero — a ball containing 0 proves nothing.

Smooth functions compose through their ODEs, coefficient by coefficient: for u = σ(z), u' = u(1 − u)z'
gives k·u_k = Σ_{j=1..k} j z_j g_{k−j} with g = u − u² (tanh: g = 1 − u², softplus: u' = σ(z) z').
The base coefficient z₀ may be a ball (every base point of a segment at once); then coefficient k
encloses the k-th Taylor coefficient at every one of them — the Lagrange remainder of order k.

Running the package's one forward pass and loss over this arithmetic on parameters ``x + t d + t² e``
gives the loss's Taylor coefficients along that curve (`badminima.verify.higher_order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import to_arb
from badminima.arithmetic.objectarray import ObjectArrayArithmetic
from badminima.arithmetic.protocol import Rigor
from badminima.errors import BackendError

ZERO = Fraction(0)


def is_exact_zero(c: Any) -> bool:
    """True only for an exact (`Fraction`/int) zero coefficient; never for a ball, even one of radius 0."""
    return isinstance(c, Fraction | int) and c == 0


def _coef(c: Any) -> Any:
    if isinstance(c, Fraction):
        return c
    if isinstance(c, int):
        return Fraction(c)
    if isinstance(c, flint.arb):
        return c
    if isinstance(c, flint.fmpq):
        return Fraction(int(c.p), int(c.q))
    raise BackendError(f"jet coefficient: expected a rational or an arb ball, got {type(c).__name__}")


def _ball(c: Any) -> flint.arb:
    return to_arb(c) if isinstance(c, Fraction) else c


def add(a: Any, b: Any) -> Any:
    """Sum of two coefficients, exact when both are."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a + b
    if is_exact_zero(a):
        return b
    if is_exact_zero(b):
        return a
    return _ball(a) + _ball(b)


def mul(a: Any, b: Any) -> Any:
    """Product of two coefficients: an exact 0 when either is, exact when both are."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a * b
    if is_exact_zero(a) or is_exact_zero(b):
        return ZERO
    return _ball(a) * _ball(b)


class Jet:
    """Coefficients ``c`` (lowest order first, at most ``order`` + 1 of them; missing ones are exact 0)
    of a series truncated after t^``order``."""

    __slots__ = ("c", "order")
    __array_priority__ = 1002

    def __init__(self, c: Sequence[Any], order: int) -> None:
        coeffs = [_coef(v) for v in c[: order + 1]]
        while len(coeffs) > 1 and is_exact_zero(coeffs[-1]):
            coeffs.pop()
        self.c = tuple(coeffs) if coeffs else (ZERO,)
        self.order = order

    def coefficient(self, k: int) -> Any:
        """c_k (an exact 0 beyond the stored ones)."""
        return self.c[k] if k < len(self.c) else ZERO

    def coefficients(self) -> list[Any]:
        """All ``order`` + 1 coefficients."""
        return [self.coefficient(k) for k in range(self.order + 1)]

    def _lift(self, o: Any) -> Jet | None:
        if isinstance(o, Jet):
            return o
        if isinstance(o, Fraction | int | flint.arb | flint.fmpq) and not isinstance(o, bool):
            return Jet((o,), self.order)
        return None

    def __add__(self, o: Any) -> Any:
        j = self._lift(o)
        if j is None:
            return NotImplemented
        n = max(len(self.c), len(j.c))
        return Jet([add(self.coefficient(k), j.coefficient(k)) for k in range(n)], self.order)

    __radd__ = __add__

    def __neg__(self) -> Jet:
        return Jet([-v for v in self.c], self.order)

    def __sub__(self, o: Any) -> Any:
        j = self._lift(o)
        return NotImplemented if j is None else self + (-j)

    def __rsub__(self, o: Any) -> Any:
        j = self._lift(o)
        return NotImplemented if j is None else j + (-self)

    def __mul__(self, o: Any) -> Any:
        j = self._lift(o)
        if j is None:
            return NotImplemented
        out: list[Any] = [ZERO] * min(len(self.c) + len(j.c) - 1, self.order + 1)
        for i, a in enumerate(self.c):
            if is_exact_zero(a):
                continue
            for k, b in enumerate(j.c[: len(out) - i]):
                out[i + k] = add(out[i + k], mul(a, b))
        return Jet(out, self.order)

    __rmul__ = __mul__

    def reciprocal(self) -> Jet:
        """1/self by the recurrence Σ_j a_j r_{k−j} = [k = 0] (a₀ must not be an exact 0)."""
        a0 = self.c[0]
        if is_exact_zero(a0):
            raise ZeroDivisionError("jet division by a series with an exact zero constant term")
        inv0 = 1 / a0 if isinstance(a0, Fraction) else 1 / _ball(a0)
        r = [inv0]
        for k in range(1, self.order + 1):
            acc: Any = ZERO
            for j in range(1, k + 1):
                acc = add(acc, mul(self.coefficient(j), r[k - j]))
            r.append(mul(-(acc), inv0))
        return Jet(r, self.order)

    def __truediv__(self, o: Any) -> Any:
        if isinstance(o, int | Fraction) and not isinstance(o, bool):
            if o == 0:
                raise ZeroDivisionError("jet division by zero")
            return Jet([mul(v, 1 / Fraction(o)) for v in self.c], self.order)
        j = self._lift(o)
        return NotImplemented if j is None else self * j.reciprocal()

    def __rtruediv__(self, o: Any) -> Any:
        j = self._lift(o)
        return NotImplemented if j is None else j * self.reciprocal()

    def __repr__(self) -> str:
        return f"Jet({list(self.c)!r}, order={self.order})"


def _compose(z: Jet, value: Any, slope: Any) -> Jet:
    """u = f(z) as a jet from u₀ = ``value`` and the ODE u' = g(u, …)·z', where ``slope(u, k)`` returns
    g's coefficient k from u's coefficients 0…k (already known)."""
    u = [value]
    for k in range(1, z.order + 1):
        acc: Any = ZERO
        for j in range(1, k + 1):
            zj = z.coefficient(j)
            if is_exact_zero(zj):
                continue
            acc = add(acc, mul(Fraction(j), mul(zj, slope(u, k - j))))
        u.append(mul(acc, Fraction(1, k)))
    return Jet(u, z.order)


def _square_coefficient(u: list[Any], m: int) -> Any:
    acc: Any = ZERO
    for i in range(m + 1):
        acc = add(acc, mul(u[i], u[m - i]))
    return acc


class JetArithmetic(ObjectArrayArithmetic):
    """Jets truncated after t^``order``, ball coefficients at ``precision`` bits (exact ones stay exact).

    ``sign`` is the sign of the lowest coefficient that is not an exact zero (None when that one is a
    ball containing 0): the sign for small t > 0, so ReLU pieces are chosen as they are along the curve.

    Example:
        >>> ar = JetArithmetic(3)
        >>> with ar.context():
        ...     t = Jet([0, 1], 3)
        ...     ar.tanh1(t).c  # tanh t = t − t³/3 + …
        (Fraction(0, 1), Fraction(1, 1), Fraction(0, 1), Fraction(-1, 3))
    """

    name = "jet"
    rigor: Rigor = "interval"

    def __init__(self, order: int, precision: int = 128) -> None:
        if isinstance(order, bool) or not isinstance(order, int) or order < 0:
            raise BackendError(f"jet order: expected an integer >= 0, got {order!r}")
        self.order = order
        self.ball = BallArithmetic(precision)

    def context(self) -> AbstractContextManager[Any]:
        return self.ball.context()

    def constant(self, q: Fraction) -> Any:
        return Jet((Fraction(q),), self.order)

    def jet(self, coefficients: Sequence[Any]) -> Jet:
        """The jet with these coefficients (rationals or balls)."""
        return Jet(coefficients, self.order)

    def vector(self, values: Sequence[Any]) -> Any:
        return super().vector([v if isinstance(v, Jet | Fraction) else self.jet([v]) for v in values])

    def _as_jet(self, x: Any) -> Jet:
        return x if isinstance(x, Jet) else self.jet([x])

    def sigmoid1(self, x: Any) -> Any:
        z = self._as_jet(x)
        z0 = z.c[0]
        s0 = Fraction(1, 2) if is_exact_zero(z0) else self.ball.sigmoid1(_ball(z0))
        return _compose(z, s0, lambda u, m: add(u[m], -(_square_coefficient(u, m))))

    def tanh1(self, x: Any) -> Any:
        z = self._as_jet(x)
        z0 = z.c[0]
        t0 = ZERO if is_exact_zero(z0) else self.ball.tanh1(_ball(z0))
        return _compose(
            z, t0, lambda u, m: add(Fraction(1) if m == 0 else ZERO, -(_square_coefficient(u, m)))
        )

    def softplus1(self, x: Any) -> Any:
        z = self._as_jet(x)
        s = self.sigmoid1(z).coefficients()
        return _compose(z, self.ball.softplus1(_ball(z.c[0])), lambda u, m: s[m])

    def sign(self, x: Any) -> int | None:
        for c in self._as_jet(x).c:
            if is_exact_zero(c):
                continue
            if isinstance(c, Fraction):
                return 1 if c > 0 else -1
            return self.ball.sign(c) or None
        return 0

    def to_float(self, x: Any) -> float:
        c0 = self._as_jet(x).c[0]
        return float(c0) if isinstance(c0, Fraction) else float(c0.mid())
