"""Shared machinery of the scalar backends (exact, ball): NumPy object arrays of Python scalars.

A backend defines its scalar functions; this class lifts them elementwise, and differentiates by
running the same code on `Dual` scalars (forward mode, one parameter direction at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.dual import Dual
from badminima.arithmetic.protocol import Arithmetic, Rigor
from badminima.errors import UndecidableSignError


def _object_array(a: Any) -> np.ndarray:
    """``a`` as an object array; a scalar becomes 0-d even when it is iterable (a polynomial)."""
    if isinstance(a, np.ndarray):
        return a
    out = np.empty((), dtype=object)
    out[()] = a
    return out


class ObjectArrayArithmetic:
    """Base of `ExactArithmetic` and `BallArithmetic`; subclasses provide the scalar functions."""

    name: str = "object"
    rigor: Rigor = "exact"

    # --- scalar functions, supplied by subclasses ---------------------------------------------
    def constant(self, q: Fraction) -> Any:
        raise NotImplementedError

    def sigmoid1(self, x: Any) -> Any:
        raise NotImplementedError

    def tanh1(self, x: Any) -> Any:
        raise NotImplementedError

    def softplus1(self, x: Any) -> Any:
        raise NotImplementedError

    def sign(self, x: Any) -> int | None:
        raise NotImplementedError

    def to_float(self, x: Any) -> float:
        raise NotImplementedError

    # --- the protocol, lifted elementwise --------------------------------------------------------
    def context(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def _lift(self, fn: Callable[[Any], Any], a: Any) -> Any:
        return np.frompyfunc(fn, 1, 1)(np.asarray(a, dtype=object))

    def matrix(self, rows: Sequence[Sequence[Fraction]]) -> Any:
        out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                out[i, j] = self.constant(v)
        return out

    def vector(self, values: Sequence[Any]) -> Any:
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            out[i] = self.constant(v) if isinstance(v, Fraction) else v
        return out

    def sigmoid(self, a: Any) -> Any:
        return self._lift(self.sigmoid1, a)

    def tanh(self, a: Any) -> Any:
        return self._lift(self.tanh1, a)

    def softplus(self, a: Any) -> Any:
        return self._lift(self.softplus1, a)

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        mask = np.asarray(mask, dtype=bool)
        out = np.empty(mask.shape, dtype=object)
        a_arr = np.broadcast_to(_object_array(a), mask.shape)
        b_arr = np.broadcast_to(_object_array(b), mask.shape)
        for idx in np.ndindex(mask.shape):
            out[idx] = a_arr[idx] if mask[idx] else b_arr[idx]
        return out

    def positive(self, a: Any, *, at_zero: bool) -> Any:
        out = np.empty(np.shape(a), dtype=bool)
        for idx in np.ndindex(out.shape):
            s = self.sign(a[idx])
            if s is None:
                raise UndecidableSignError(
                    f"cannot decide the sign of a pre-activation {a[idx]} in {self.name} arithmetic; "
                    f"compute the activation region exactly first (landscape.regions.region_of)"
                )
            out[idx] = s > 0 or (s == 0 and at_zero)
        return out

    def matmul(self, a: Any, b: Any) -> Any:
        return a @ b

    def total(self, a: Any) -> Any:
        items = list(np.asarray(a, dtype=object).ravel())
        acc = items[0]
        for v in items[1:]:
            acc = acc + v
        return acc

    def concat(self, parts: Sequence[Any]) -> Any:
        return np.concatenate([np.asarray(p, dtype=object).ravel() for p in parts])

    def flat(self, a: Any) -> Any:
        return np.asarray(a, dtype=object).ravel()

    def jacobian(self, fn: Callable[[Any, Arithmetic], Any], at: Any) -> Any:
        dual = DualArithmetic(self)
        zero, one = self.constant(Fraction(0)), self.constant(Fraction(1))
        n = len(at)
        columns = []
        for p in range(n):
            seeded = np.empty(n, dtype=object)
            for i in range(n):
                seeded[i] = Dual(at[i], one if i == p else zero)
            out = fn(seeded, dual)
            columns.append([o.d if isinstance(o, Dual) else zero for o in out])
        jac = np.empty((len(columns[0]) if columns else 0, n), dtype=object)
        for p, col in enumerate(columns):
            for i, v in enumerate(col):
                jac[i, p] = v
        return jac


class DualArithmetic(ObjectArrayArithmetic):
    """`Dual` scalars over a base object-array arithmetic (used by `ObjectArrayArithmetic.jacobian`)."""

    def __init__(self, base: ObjectArrayArithmetic) -> None:
        self.base = base
        self.name = f"dual[{base.name}]"
        self.rigor = base.rigor

    def constant(self, q: Fraction) -> Any:
        return self.base.constant(q)

    def sigmoid1(self, x: Any) -> Any:
        if not isinstance(x, Dual):
            return self.base.sigmoid1(x)
        s = self.base.sigmoid1(x.v)
        return Dual(s, s * (1 - s) * x.d)

    def tanh1(self, x: Any) -> Any:
        if not isinstance(x, Dual):
            return self.base.tanh1(x)
        t = self.base.tanh1(x.v)
        return Dual(t, (1 - t * t) * x.d)

    def softplus1(self, x: Any) -> Any:
        if not isinstance(x, Dual):
            return self.base.softplus1(x)
        return Dual(self.base.softplus1(x.v), self.base.sigmoid1(x.v) * x.d)

    def sign(self, x: Any) -> int | None:
        return self.base.sign(x.v if isinstance(x, Dual) else x)

    def to_float(self, x: Any) -> float:
        return self.base.to_float(x.v if isinstance(x, Dual) else x)
