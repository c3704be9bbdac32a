"""Many parameter points at once: torch tensors with a trailing batch axis of K initialisations.

`Batch` wraps a tensor whose last axis indexes K independent points, so that the package's one
forward pass (`badminima.landscape.forward_pass`), written for arrays of shape ``(units, points)``, runs
on ``(units, points, K)`` tensors unchanged. The init index goes last because elementwise kernels
then vectorise over K (see the engineering notes: 3-4× faster than ``vmap`` with K first, and the
layout ``torch.compile`` fuses). Numeric only (rigor ``numeric``), never a proof.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from fractions import Fraction
from typing import Any

import torch

from badminima.arithmetic.protocol import Arithmetic, Rigor

# Above this many products per point, ``W @ a`` accumulates over the inner index instead of forming
# one broadcast (out, in, N, K) temporary, which would not fit in cache.
_BROADCAST_LIMIT = 256


def _lift(x: Any) -> Any:
    """An operand as a tensor broadcastable against a batch tensor (plain arrays get a K axis of 1)."""
    if isinstance(x, Batch):
        return x.t
    if isinstance(x, torch.Tensor):
        return x[..., None]
    return x


def batch_product(w: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """The matrix product of the trailing (out, inner, K) and (inner, n, K) arrays of ``w`` and ``a``,
    per batch column, leading axes broadcast: (…, out, n, K).

    Elementwise products only, decided per point and never by K: a matmul kernel would choose its
    blocking (and rounding) by the batch's size and strides, so a point's result would depend on which
    other points share the batch."""
    out, inner, n = w.shape[-3], w.shape[-2], a.shape[-2]
    if out * inner * n <= _BROADCAST_LIMIT:
        return (w[..., :, :, None, :] * a[..., None, :, :, :]).sum(-3)
    z = w[..., :, 0, None, :] * a[..., None, 0, :, :]
    for i in range(1, inner):
        z = z + w[..., :, i, None, :] * a[..., None, i, :, :]
    return z


class Batch:
    """A tensor ``t`` of shape ``shape + (K,)``: one array of the forward pass for each of K points."""

    __slots__ = ("t",)

    def __init__(self, t: torch.Tensor) -> None:
        self.t = t

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.t.shape[:-1])

    def reshape(self, *shape: int) -> Batch:
        return Batch(self.t.reshape(*shape, self.t.shape[-1]))

    def __getitem__(self, index: Any) -> Batch:
        # Indices address the leading (array) axes; the trailing batch axis is never indexed.
        return Batch(self.t[index])

    @property
    def T(self) -> Batch:
        return Batch(self.t.transpose(0, 1))

    def sum(self, axis: int) -> Batch:
        return Batch(self.t.sum(axis % len(self.shape)))

    def __matmul__(self, other: Any) -> Batch:
        return Batch(batch_product(self.t, other.t if isinstance(other, Batch) else other[..., None]))

    def __add__(self, other: Any) -> Batch:
        return Batch(self.t + _lift(other))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Batch:
        return Batch(self.t - _lift(other))

    def __rsub__(self, other: Any) -> Batch:
        return Batch(_lift(other) - self.t)

    def __mul__(self, other: Any) -> Batch:
        return Batch(self.t * _lift(other))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Batch:
        return Batch(self.t / _lift(other))

    def __neg__(self) -> Batch:
        return Batch(-self.t)


class BatchArithmetic:
    """The arithmetic of `Batch` values. Data arrays are batches too, with a batch axis of length 1
    that broadcasts (operators between a `Batch` and a plain tensor would break ``torch.compile``'s
    tracing)."""

    name = "batch"
    rigor: Rigor = "numeric"

    def __init__(self, dtype: torch.dtype = torch.float64) -> None:
        self.dtype = dtype

    def context(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def constant(self, q: Fraction) -> Any:
        return float(q)

    def matrix(self, rows: Sequence[Sequence[Fraction]]) -> Any:
        """Data, shared by all K points: a batch with a batch axis of length 1."""
        return Batch(torch.tensor([[float(v) for v in row] for row in rows], dtype=self.dtype)[..., None])

    def vector(self, values: Sequence[Any]) -> Any:
        return torch.tensor([float(v) for v in values], dtype=self.dtype)

    def sigmoid(self, a: Any) -> Any:
        return Batch(torch.sigmoid(a.t)) if isinstance(a, Batch) else torch.sigmoid(a)

    def tanh(self, a: Any) -> Any:
        return Batch(torch.tanh(a.t)) if isinstance(a, Batch) else torch.tanh(a)

    def softplus(self, a: Any) -> Any:
        t = a.t if isinstance(a, Batch) else a
        out = torch.nn.functional.softplus(t, threshold=30.0)
        return Batch(out) if isinstance(a, Batch) else out

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        m = mask.t if isinstance(mask, Batch) else torch.as_tensor(mask)[..., None]
        # Python floats as tensors of this dtype: torch.where of two scalars is float32.
        a, b = (torch.tensor(v, dtype=self.dtype) if isinstance(v, float) else _lift(v) for v in (a, b))
        return Batch(torch.where(m, a, b))

    def positive(self, a: Any, *, at_zero: bool) -> Any:
        return Batch(a.t >= 0 if at_zero else a.t > 0)

    def matmul(self, a: Any, b: Any) -> Any:
        return a.__matmul__(b)

    def total(self, a: Any) -> Any:
        """Per point: the sum over every axis but the batch axis, a (K,) tensor."""
        t = a.t if isinstance(a, Batch) else a
        return t.reshape(-1, t.shape[-1]).sum(0)

    def concat(self, parts: Sequence[Any]) -> Any:
        return Batch(torch.cat([p.t.reshape(-1, p.t.shape[-1]) for p in parts]))

    def flat(self, a: Any) -> Any:
        return a.reshape(-1)

    def sign(self, x: Any) -> int | None:
        raise TypeError("BatchArithmetic.sign: a batch has K signs; compare the tensors directly")

    def to_float(self, x: Any) -> float:
        raise TypeError("BatchArithmetic.to_float: a batch has K values; use .t")

    def jacobian(self, fn: Callable[[Any, Arithmetic], Any], at: Any) -> Any:
        raise TypeError("BatchArithmetic.jacobian: differentiate batched losses with torch.func")
