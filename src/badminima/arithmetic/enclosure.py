"""Midpoint-radius enclosures on float64 NumPy arrays: fast, vectorised, and rigorous.

An `Enclosure` is a pair of arrays (mid, rad) standing for every x with |x − mid| ≤ rad, entrywise.
Every operation rounds to nearest and then widens ``rad`` by a proved bound on all the rounding it did,
without switching the rounding mode (Rump, "Fast and parallel interval arithmetic", BIT 1999; Higham,
*Accuracy and Stability of Numerical Algorithms*, §3.1): a float sum or dot product of k terms, in any
order and with or without fused multiply-add, is within γ_k = ku/(1 − ku) of the exact value, relative
to the sum of the terms' magnitudes, plus at most k·2⁻¹⁰⁷⁴ from underflow. So matrix products go
through BLAS, a thousand times faster than Python balls, and stay proofs. The elementary functions
(sigmoid, tanh, softplus) are evaluated entry by entry in flint `arb` balls and rounded outwards.

Any NaN makes the enclosure worthless: check `is_finite` before trusting it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.protocol import Arithmetic, Rigor
from badminima.errors import BackendError, UndecidableSignError

EPS = 2.0**-52  # twice the unit roundoff u = 2^-53
TINY = 2.0**-1000  # dominates any accumulated underflow error
ARB_PRECISION = 80


def upper(x: Any, k: int) -> Any:
    """An upper bound on the exact value of a non-negative quantity that was computed in floats (round to
    nearest) from non-negative terms with at most ``k`` roundings on any path: the computed value is at
    least (1 − γ_k) times the exact one, so ``x (1 + (k + 5)·2u)`` (whose own rounding the extra 2u
    covers) plus an underflow allowance bounds it. Returns a new array; ``x`` is left as it was."""
    if isinstance(x, np.ndarray) and x.ndim:
        return x * (1.0 + (k + 5) * EPS) + (k + 5) * TINY
    return np.float64(x) * (1.0 + (k + 5) * EPS) + (k + 5) * TINY


def require_gradual_underflow() -> None:
    """Raise unless float64 arithmetic keeps subnormal numbers. The roundings bounded here assume IEEE
    gradual underflow; a process where some library switched on flush-to-zero / denormals-are-zero
    (``-ffast-math`` builds do) breaks that assumption, so no enclosure is computed there.

    Raises:
        BackendError: subnormals are flushed to zero in this process.
    """
    tiny = np.array([2.0**-1022, 2.0**-1074])
    halved, kept = tiny / 2, tiny * 1.0
    if not (halved[0] > 0 and kept[1] > 0):
        raise BackendError(
            "this process flushes subnormal floats to zero (FTZ/DAZ, set by a library built with "
            "-ffast-math): float64 enclosures would not be sound; run badminima in a process without it"
        )


def _float_of(q: Fraction) -> tuple[float, float]:
    """(mid, rad) enclosing the rational ``q``: rad is 0 when ``q`` is a double."""
    try:
        mid = float(q)
    except OverflowError:
        raise BackendError(f"the number {q} is too large for a float64 enclosure") from None
    if Fraction(mid) == q:
        return mid, 0.0
    return mid, math.ulp(mid)


class Enclosure:
    """Arrays ``mid`` and ``rad`` (same shape, rad ≥ 0) enclosing an array of reals entrywise."""

    __slots__ = ("mid", "rad")
    __array_priority__ = 1000  # numpy arrays on the left defer to our reflected operators

    def __init__(self, mid: Any, rad: Any) -> None:
        self.mid = np.asarray(mid, dtype=np.float64)
        self.rad = np.broadcast_to(np.asarray(rad, dtype=np.float64), self.mid.shape)

    # --- construction ------------------------------------------------------------------------------
    @classmethod
    def exact(cls, values: Any) -> Enclosure:
        """Float values taken as exact (e.g. a float matrix of eigenvectors)."""
        arr = np.asarray(values)
        if arr.dtype not in (np.float64, np.float32, np.float16) and arr.dtype.kind not in "iub":
            raise BackendError(f"Enclosure.exact: expected float or integer values, got dtype {arr.dtype}")
        mid = arr.astype(np.float64)
        if arr.dtype.kind in "iu" and not np.array_equal(mid.astype(arr.dtype), arr):
            raise BackendError("Enclosure.exact: integers too large to be exact float64 values")
        return cls(mid, np.zeros_like(mid))

    @classmethod
    def of_rationals(cls, values: Any) -> Enclosure:
        """An enclosure of an array (or nested lists) of Fractions/ints."""
        arr = np.asarray(values, dtype=object)
        mid = np.empty(arr.shape)
        rad = np.empty(arr.shape)
        for idx in np.ndindex(arr.shape):
            value: Any = arr[idx]
            mid[idx], rad[idx] = _float_of(Fraction(value))
        return cls(mid, rad)

    @classmethod
    def of_balls(cls, balls: Any) -> Enclosure:
        """An enclosure of an array of flint `arb` balls (rounded outwards)."""
        require_gradual_underflow()
        arr = np.asarray(balls, dtype=object)
        mid = np.empty(arr.shape)
        rad = np.empty(arr.shape)
        for idx in np.ndindex(arr.shape):
            b: Any = arr[idx]
            mid[idx] = float(b.mid())
            rad[idx] = float(b.rad())
        if not (np.all(np.isfinite(mid)) and np.all(np.isfinite(rad))):
            raise BackendError("a ball is too large (or not finite) for a float64 enclosure")
        # |x - m| <= rad(b) + |mid(b) - m| and the conversions lost at most half an ulp each.
        return cls(mid, upper(rad + np.abs(mid) * EPS, 2))

    def balls(self) -> np.ndarray:
        """The enclosure as an object array of `arb` balls (exact: floats are arb points).

        Raises:
            BackendError: an entry is not finite (an overflow): no ball encloses it soundly.
        """
        if not self.is_finite():
            raise BackendError("a float enclosure is not finite; the computation overflowed")
        out = np.empty(self.shape, dtype=object)
        for idx in np.ndindex(self.shape):
            out[idx] = flint.arb(float(self.mid[idx]), float(self.rad[idx]))
        return out

    # --- shape ---------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.mid.shape)

    @property
    def ndim(self) -> int:
        return int(self.mid.ndim)

    @property
    def T(self) -> Enclosure:
        return Enclosure(self.mid.T, self.rad.T)

    def transpose(self, *axes: int) -> Enclosure:
        return Enclosure(self.mid.transpose(*axes), self.rad.transpose(*axes))

    def reshape(self, *shape: Any) -> Enclosure:
        return Enclosure(self.mid.reshape(*shape), self.rad.reshape(*shape))

    def __getitem__(self, key: Any) -> Enclosure:
        return Enclosure(self.mid[key], self.rad[key])

    def __len__(self) -> int:
        return len(self.mid)

    def broadcast_to(self, shape: tuple[int, ...]) -> Enclosure:
        return Enclosure(np.broadcast_to(self.mid, shape), np.broadcast_to(self.rad, shape))

    # --- what it proves --------------------------------------------------------------------------------
    def is_finite(self) -> bool:
        return bool(np.all(np.isfinite(self.mid)) and np.all(np.isfinite(self.rad)))

    def upper_abs(self) -> np.ndarray:
        """Entrywise upper bounds on |x|."""
        return upper(np.abs(self.mid) + self.rad, 1)

    def lower(self) -> np.ndarray:
        """Entrywise lower bounds on x."""
        return lower_bound(self.mid, self.rad)

    # --- arithmetic -------------------------------------------------------------------------------------
    def __neg__(self) -> Enclosure:
        return Enclosure(-self.mid, self.rad)

    def __add__(self, other: Any) -> Enclosure:
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        mid = self.mid + o.mid
        rad = np.abs(mid)
        rad *= EPS
        rad += self.rad
        rad += o.rad
        return Enclosure(mid, upper(rad, 3))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Enclosure:
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return self + (-o)

    def __rsub__(self, other: Any) -> Enclosure:
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return o + (-self)

    def __mul__(self, other: Any) -> Enclosure:
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        mid = self.mid * o.mid
        # |xy − mid| ≤ |am|·rb + ra·(|bm| + rb) + (rounding of mid) ≤ … + 2u|mid|
        rad = np.abs(mid)
        rad *= EPS
        if o.rad.any():
            rad += np.abs(self.mid) * o.rad
        if self.rad.any():
            rad += self.rad * (np.abs(o.mid) + o.rad)
        return Enclosure(mid, upper(rad, 6))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Enclosure:
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool) and other != 0:
            return self * coerce(1 / Fraction(other))
        return NotImplemented

    def __matmul__(self, other: Any) -> Enclosure:
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return tensordot(self, o, ([self.ndim - 1], [0]))

    def __rmatmul__(self, other: Any) -> Enclosure:
        o = coerce(other)
        if o is NotImplemented:
            return NotImplemented
        return o @ self

    def sum(self, axis: int | None = None) -> Enclosure:
        mid = self.mid.sum(axis)
        k = self.mid.size if axis is None else self.mid.shape[axis]
        return Enclosure(mid, upper(self.rad.sum(axis) + k * EPS * np.abs(self.mid).sum(axis), k + 2))

    def __repr__(self) -> str:
        return f"Enclosure(mid={self.mid!r}, rad={self.rad!r})"


def lower_bound(mid: Any, rad: Any) -> Any:
    """Entrywise lower bounds on mid − rad."""
    d = mid - rad
    return np.nextafter(d - EPS * np.abs(d) - TINY, -np.inf)


def coerce(x: Any) -> Any:
    """An `Enclosure` of ``x``: itself, an exact rational or int, or a float array taken as exact."""
    if isinstance(x, Enclosure):
        return x
    if isinstance(x, bool):
        return NotImplemented
    if isinstance(x, (int, Fraction)):
        mid, rad = _float_of(Fraction(x))
        return Enclosure(np.float64(mid), np.float64(rad))
    if isinstance(x, np.ndarray) and x.dtype in (np.float64, np.float32, np.float16):
        return Enclosure.exact(x)
    return NotImplemented


def tensordot(a: Enclosure, b: Enclosure, axes: tuple[Sequence[int], Sequence[int]]) -> Enclosure:
    """``np.tensordot`` of two enclosures. With k the number of terms in each sum, the float result is
    within γ_k·(|A|·|B|) of the exact product of the midpoints, so
    rad = k·2u·(|Am|·|Bm|) + |Am|·Br + Ar·(|Bm| + Br), itself computed upwards. (The k·2u factor is
    applied after the product: applied to a subnormal |Bm| first, it would underflow.) An overflow is no
    error here: it leaves an infinite entry, which `Enclosure.is_finite` reports."""
    k = int(np.prod([a.mid.shape[i] for i in axes[0]], dtype=np.int64)) if axes[0] else 1
    with np.errstate(over="ignore", invalid="ignore"):
        mid = np.tensordot(a.mid, b.mid, axes)
        abs_am, abs_bm = np.abs(a.mid), np.abs(b.mid)
        rad = np.tensordot(abs_am, abs_bm, axes)
        rad *= k * EPS
        if b.rad.any():
            rad += np.tensordot(abs_am, b.rad, axes)
        if a.rad.any():
            rad += np.tensordot(np.ascontiguousarray(a.rad), abs_bm + b.rad, axes)
        rad = upper(rad, 2 * k + 8)
    if not np.all(np.isfinite(mid)):
        rad = np.where(np.isfinite(mid), rad, np.inf)
    return Enclosure(mid, rad)


def _arb_map(fn: Callable[[Any], Any], x: Enclosure) -> Enclosure:
    """Apply a scalar `arb` function to every entry's ball, rounding the results outwards."""
    out = np.empty(x.shape, dtype=object)
    with flint.ctx.workprec(ARB_PRECISION):
        for idx in np.ndindex(x.shape):
            out[idx] = fn(flint.arb(float(x.mid[idx]), float(x.rad[idx])))
    return Enclosure.of_balls(out)


_SCALARS = BallArithmetic()  # its scalar functions only (never NaN on wide balls); precision is ARB_PRECISION


class EnclosureArithmetic:
    """The `Arithmetic` protocol on `Enclosure` arrays (rigor ``interval``); ``jacobian`` carries all
    directions at once (`badminima.arithmetic.tangent`), so a Hessian costs a few BLAS products."""

    name = "enclosure"
    rigor: Rigor = "interval"

    def context(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def constant(self, q: Fraction) -> Any:
        return coerce(Fraction(q))

    def matrix(self, rows: Sequence[Sequence[Fraction]]) -> Any:
        return Enclosure.of_rationals([list(r) for r in rows])

    def vector(self, values: Sequence[Any]) -> Any:
        return Enclosure.of_rationals(list(values))

    def sigmoid(self, a: Any) -> Any:
        return _arb_map(_SCALARS.sigmoid1, coerce(a))

    def tanh(self, a: Any) -> Any:
        return _arb_map(_SCALARS.tanh1, coerce(a))

    def softplus(self, a: Any) -> Any:
        return _arb_map(_SCALARS.softplus1, coerce(a))

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        mask = np.asarray(mask, dtype=bool)
        ea, eb = coerce(a), coerce(b)
        return Enclosure(np.where(mask, ea.mid, eb.mid), np.where(mask, ea.rad, eb.rad))

    def positive(self, a: Any, *, at_zero: bool) -> Any:
        out = np.empty(a.shape, dtype=bool)
        low, high = a.lower(), -(-a).lower()
        for idx in np.ndindex(out.shape):
            if low[idx] > 0:
                out[idx] = True
            elif high[idx] < 0:
                out[idx] = False
            else:
                raise UndecidableSignError(
                    "cannot decide the sign of a pre-activation in float enclosures; compute the "
                    "activation region exactly first (landscape.regions.region_of)"
                )
        return out

    def matmul(self, a: Any, b: Any) -> Any:
        return a @ b

    def total(self, a: Any) -> Any:
        return a.sum()

    def concat(self, parts: Sequence[Any]) -> Any:
        return Enclosure(
            np.concatenate([p.mid.ravel() for p in parts]), np.concatenate([p.rad.ravel() for p in parts])
        )

    def flat(self, a: Any) -> Any:
        return a.reshape(-1)

    def sign(self, x: Any) -> int | None:
        if x.lower() > 0:
            return 1
        if (-x).lower() > 0:
            return -1
        if x.mid == 0 and x.rad == 0:
            return 0
        return None

    def to_float(self, x: Any) -> float:
        return float(x.mid)

    def jacobian(self, fn: Callable[[Any, Arithmetic], Any], at: Any) -> Any:
        from badminima.arithmetic.tangent import jacobian

        return jacobian(self, fn, at)
