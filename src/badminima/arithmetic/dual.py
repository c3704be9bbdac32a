"""Dual numbers ``v + d·ε`` (ε² = 0) over any base scalar: forward-mode derivatives in the base's
own arithmetic, so a Hessian column is as exact (or as rigorously enclosed) as the base."""

from __future__ import annotations

from typing import Any


class Dual:
    """A value and its derivative along one direction."""

    __slots__ = ("d", "v")

    def __init__(self, v: Any, d: Any) -> None:
        self.v = v
        self.d = d

    def __add__(self, o: Any) -> Dual:
        if isinstance(o, Dual):
            return Dual(self.v + o.v, self.d + o.d)
        return Dual(self.v + o, self.d)

    __radd__ = __add__

    def __sub__(self, o: Any) -> Dual:
        if isinstance(o, Dual):
            return Dual(self.v - o.v, self.d - o.d)
        return Dual(self.v - o, self.d)

    def __rsub__(self, o: Any) -> Dual:
        return Dual(o - self.v, -self.d)

    def __neg__(self) -> Dual:
        return Dual(-self.v, -self.d)

    def __mul__(self, o: Any) -> Dual:
        if isinstance(o, Dual):
            return Dual(self.v * o.v, self.v * o.d + self.d * o.v)
        return Dual(self.v * o, self.d * o)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Dual:
        if isinstance(o, Dual):
            return Dual(self.v / o.v, (self.d * o.v - self.v * o.d) / (o.v * o.v))
        return Dual(self.v / o, self.d / o)

    def __rtruediv__(self, o: Any) -> Dual:
        return Dual(o / self.v, -(o * self.d) / (self.v * self.v))

    def __repr__(self) -> str:
        return f"Dual({self.v!r}, {self.d!r})"
