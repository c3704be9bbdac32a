"""Forward-mode derivatives along all P directions at once: a `Tangent` is a value array (any shape)
and its derivatives, one trailing axis of length P, both `Enclosure`s.

Where `Dual` runs the gradient code P times on scalars, a `Tangent` runs it once on arrays, so the
Jacobian of the gradient (the Hessian) is a handful of BLAS products instead of P·N·P Python ball
operations, and it is still an enclosure: every entry provably contains the true derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic, coerce, tensordot
from badminima.arithmetic.protocol import Arithmetic, Rigor
from badminima.errors import BackendError


class Tangent:
    """A value ``v`` (shape S) and its derivatives ``d`` (shape S + (P,)) along every direction."""

    __slots__ = ("d", "v")
    __array_priority__ = 1001

    def __init__(self, v: Enclosure, d: Enclosure) -> None:
        self.v = v
        self.d = d

    @property
    def shape(self) -> tuple[int, ...]:
        return self.v.shape

    @property
    def T(self) -> Tangent:
        return Tangent(self.v.T, self.d.transpose(1, 0, 2))

    def reshape(self, *shape: Any) -> Tangent:
        dims = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple) else tuple(shape)
        return Tangent(self.v.reshape(dims), self.d.reshape((*dims, self.d.shape[-1])))

    def __getitem__(self, key: Any) -> Tangent:
        key = key if isinstance(key, tuple) else (key,)
        return Tangent(self.v[key], self.d[(*key, slice(None))])

    def __len__(self) -> int:
        return len(self.v)

    def sum(self, axis: int | None = None) -> Tangent:
        if axis is None:
            return Tangent(self.v.sum(), self.d.reshape(-1, self.d.shape[-1]).sum(0))
        axis = axis % max(1, len(self.shape))  # never the trailing axis of directions
        return Tangent(self.v.sum(axis), self.d.sum(axis))

    def _fit(self, d: Enclosure, shape: tuple[int, ...]) -> Enclosure:
        full = (*shape, d.shape[-1])
        return d if d.shape == full else d.broadcast_to(full)

    def __neg__(self) -> Tangent:
        return Tangent(-self.v, -self.d)

    def __add__(self, other: Any) -> Tangent:
        if isinstance(other, Tangent):
            v = self.v + other.v
            return Tangent(v, self._fit(self.d, v.shape) + self._fit(other.d, v.shape))
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        v = self.v + o
        return Tangent(v, self._fit(self.d, v.shape))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Tangent:
        return self + (-other)

    def __rsub__(self, other: Any) -> Tangent:
        return (-self) + other

    def __mul__(self, other: Any) -> Tangent:
        if isinstance(other, Tangent):
            v = self.v * other.v
            d = self._fit(self.d * other.v[..., None], v.shape) + self._fit(
                self.v[..., None] * other.d, v.shape
            )
            return Tangent(v, d)
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        v = self.v * o
        return Tangent(v, self._fit(self.d * o[..., None], v.shape))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Tangent:
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool) and other != 0:
            return self * coerce(1 / Fraction(other))
        return NotImplemented

    def __matmul__(self, other: Any) -> Tangent:
        """2-D products: d(AB) = A·dB + dA·B."""
        if isinstance(other, Tangent):
            v = self.v @ other.v
            d = tensordot(self.v, other.d, ([1], [0])) + tensordot(self.d, other.v, ([1], [0])).transpose(
                0, 2, 1
            )
            return Tangent(v, d)
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return Tangent(self.v @ o, tensordot(self.d, o, ([1], [0])).transpose(0, 2, 1))

    def __rmatmul__(self, other: Any) -> Tangent:
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return Tangent(o @ self.v, tensordot(o, self.d, ([1], [0])))


class TangentArithmetic:
    """`Tangent` arrays over an `EnclosureArithmetic` (what `EnclosureArithmetic.jacobian` runs in)."""

    rigor: Rigor = "interval"

    def __init__(self, base: EnclosureArithmetic) -> None:
        self.base = base
        self.name = f"tangent[{base.name}]"

    def context(self) -> AbstractContextManager[Any]:
        return self.base.context()

    def constant(self, q: Fraction) -> Any:
        return self.base.constant(q)

    def matrix(self, rows: Sequence[Sequence[Fraction]]) -> Any:
        return self.base.matrix(rows)

    def vector(self, values: Sequence[Any]) -> Any:
        return self.base.vector(values)

    def sigmoid(self, a: Any) -> Any:
        if not isinstance(a, Tangent):
            return self.base.sigmoid(a)
        s = self.base.sigmoid(a.v)
        return Tangent(s, (s * (1 - s))[..., None] * a.d)

    def tanh(self, a: Any) -> Any:
        if not isinstance(a, Tangent):
            return self.base.tanh(a)
        t = self.base.tanh(a.v)
        return Tangent(t, (1 - t * t)[..., None] * a.d)

    def softplus(self, a: Any) -> Any:
        if not isinstance(a, Tangent):
            return self.base.softplus(a)
        return Tangent(self.base.softplus(a.v), self.base.sigmoid(a.v)[..., None] * a.d)

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        if not isinstance(a, Tangent) and not isinstance(b, Tangent):
            return self.base.where(mask, a, b)
        mask = np.asarray(mask, dtype=bool)
        p = (a if isinstance(a, Tangent) else b).d.shape[-1]
        zero = Enclosure.exact(np.zeros((*mask.shape, p)))
        va, da = (a.v, a.d) if isinstance(a, Tangent) else (coerce(a), zero)
        vb, db = (b.v, b.d) if isinstance(b, Tangent) else (coerce(b), zero)
        full = (*mask.shape, p)
        return Tangent(
            self.base.where(mask, va, vb),
            self.base.where(mask[..., None], da.broadcast_to(full), db.broadcast_to(full)),
        )

    def positive(self, a: Any, *, at_zero: bool) -> Any:
        return self.base.positive(a.v if isinstance(a, Tangent) else a, at_zero=at_zero)

    def matmul(self, a: Any, b: Any) -> Any:
        return a @ b

    def total(self, a: Any) -> Any:
        return a.sum()

    def concat(self, parts: Sequence[Any]) -> Any:
        p = next(x.d.shape[-1] for x in parts if isinstance(x, Tangent))
        vs = [x.v if isinstance(x, Tangent) else x for x in parts]
        ds = [
            x.d.reshape(-1, p) if isinstance(x, Tangent) else Enclosure.exact(np.zeros((x.mid.size, p)))
            for x in parts
        ]
        return Tangent(
            self.base.concat(vs),
            Enclosure(np.concatenate([d.mid for d in ds]), np.concatenate([d.rad for d in ds])),
        )

    def flat(self, a: Any) -> Any:
        return a.reshape(-1)

    def sign(self, x: Any) -> int | None:
        return self.base.sign(x.v if isinstance(x, Tangent) else x)

    def to_float(self, x: Any) -> float:
        return self.base.to_float(x.v if isinstance(x, Tangent) else x)

    def jacobian(self, fn: Callable[[Any, Arithmetic], Any], at: Any) -> Any:
        raise BackendError("tangent arithmetic: nested differentiation (third derivatives) is not supported")


def jacobian(base: EnclosureArithmetic, fn: Callable[[Any, Arithmetic], Any], at: Enclosure) -> Enclosure:
    """The Jacobian ``(len(fn(at)), len(at))`` of ``fn`` at the 1-D enclosure ``at``, enclosed."""
    n = len(at)
    out = fn(Tangent(at, Enclosure.exact(np.eye(n))), TangentArithmetic(base))
    if not isinstance(out, Tangent):
        return Enclosure.exact(np.zeros((len(out), n)))
    return out.d
