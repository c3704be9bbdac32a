"""Forward-mode derivatives of `Batch` values along all P directions at once, for the search's float
Hessians: a `BatchTangent` is a value tensor ``v`` of shape S + (K,) (as in `Batch`) and its derivatives
``d`` of shape (P,) + S + (K,), the direction axis first so that it broadcasts against ``v``.

Running the package's one back-propagation (`landscape.derivatives.gradient_of_flat`) on tangents
seeded with the identity gives every column's gradient and Hessian in one pass of a few dozen tensor
operations, where reverse-over-reverse autograd needs P backward passes through the graph. Like
`Batch`, it uses elementwise products and sums only, never matmul kernels, so that a column's rounding
does not depend on what else shares the batch. Numeric only, never a proof.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from fractions import Fraction
from typing import Any

import torch

from badminima.arithmetic.batch import Batch, BatchArithmetic, batch_product
from badminima.arithmetic.protocol import Arithmetic, Rigor


def _value(x: Any) -> Any:
    """The value part of an operand as something that broadcasts against a tangent's ``v``."""
    if isinstance(x, BatchTangent):
        return x.v
    if isinstance(x, Batch):
        return x.t
    if isinstance(x, torch.Tensor):
        return x[..., None]
    return x


class BatchTangent:
    """Values ``v`` (S + (K,)) and their derivatives ``d`` ((P,) + S + (K,)) along P directions."""

    __slots__ = ("d", "v")

    def __init__(self, v: torch.Tensor, d: torch.Tensor) -> None:
        self.v = v
        self.d = d

    @classmethod
    def seed(cls, theta: torch.Tensor) -> BatchTangent:
        """The (P, K) points ``theta`` as the independent variables: d θ_i / d θ_j = δ_ij."""
        p, k = theta.shape
        eye = torch.eye(p, dtype=theta.dtype)
        return cls(theta, eye[:, :, None].expand(p, p, k))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.v.shape[:-1])

    @property
    def T(self) -> BatchTangent:
        return BatchTangent(self.v.transpose(0, 1), self.d.transpose(1, 2))

    def reshape(self, *shape: int) -> BatchTangent:
        k = self.v.shape[-1]
        return BatchTangent(self.v.reshape(*shape, k), self.d.reshape(self.d.shape[0], *shape, k))

    def __getitem__(self, index: Any) -> BatchTangent:
        key = index if isinstance(index, tuple) else (index,)
        return BatchTangent(self.v[key], self.d[(slice(None), *key)])

    def sum(self, axis: int) -> BatchTangent:
        axis %= len(self.shape)
        return BatchTangent(self.v.sum(axis), self.d.sum(axis + 1))

    def __neg__(self) -> BatchTangent:
        return BatchTangent(-self.v, -self.d)

    def __add__(self, other: Any) -> BatchTangent:
        if isinstance(other, BatchTangent):
            return BatchTangent(self.v + other.v, self.d + other.d)
        v = self.v + _value(other)
        return BatchTangent(v, self.d.expand(self.d.shape[0], *v.shape))

    __radd__ = __add__

    def __sub__(self, other: Any) -> BatchTangent:
        return self + (-other)

    def __rsub__(self, other: Any) -> BatchTangent:
        return (-self) + other

    def __mul__(self, other: Any) -> BatchTangent:
        if isinstance(other, BatchTangent):
            return BatchTangent(self.v * other.v, self.d * other.v + self.v * other.d)
        o = _value(other)
        return BatchTangent(self.v * o, self.d * o)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> BatchTangent:
        if isinstance(other, BatchTangent):
            return BatchTangent(self.v / other.v, (self.d * other.v - self.v * other.d) / (other.v * other.v))
        o = _value(other)
        return BatchTangent(self.v / o, self.d / o)

    def __matmul__(self, other: Any) -> BatchTangent:
        if isinstance(other, BatchTangent):
            v = batch_product(self.v, other.v)
            return BatchTangent(v, batch_product(self.d, other.v) + batch_product(self.v, other.d))
        o = _value(other)
        return BatchTangent(batch_product(self.v, o), batch_product(self.d, o))

    def __rmatmul__(self, other: Any) -> BatchTangent:
        o = _value(other)
        return BatchTangent(batch_product(o, self.v), batch_product(o, self.d))


def _lift(x: Any, like: BatchTangent) -> BatchTangent:
    """A constant operand as a tangent with zero derivatives."""
    if isinstance(x, BatchTangent):
        return x
    v = _value(x)
    v = v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=like.v.dtype)
    return BatchTangent(v, torch.zeros((like.d.shape[0], *v.shape), dtype=like.v.dtype))


class BatchTangentArithmetic:
    """The `Arithmetic` protocol on `BatchTangent` values, over a `BatchArithmetic` for the data."""

    name = "batch-tangent"
    rigor: Rigor = "numeric"

    def __init__(self, base: BatchArithmetic) -> None:
        self.base = base

    def context(self) -> AbstractContextManager[Any]:
        return self.base.context()

    def constant(self, q: Fraction) -> Any:
        return float(q)

    def matrix(self, rows: Sequence[Sequence[Fraction]]) -> Any:
        return self.base.matrix(rows)

    def vector(self, values: Sequence[Any]) -> Any:
        return self.base.vector(values)

    def sigmoid(self, a: Any) -> Any:
        if not isinstance(a, BatchTangent):
            return self.base.sigmoid(a)
        s = torch.sigmoid(a.v)
        return BatchTangent(s, a.d * (s * (1 - s)))

    def tanh(self, a: Any) -> Any:
        if not isinstance(a, BatchTangent):
            return self.base.tanh(a)
        t = torch.tanh(a.v)
        return BatchTangent(t, a.d * (1 - t * t))

    def softplus(self, a: Any) -> Any:
        if not isinstance(a, BatchTangent):
            return self.base.softplus(a)
        return BatchTangent(torch.nn.functional.softplus(a.v, threshold=30.0), a.d * torch.sigmoid(a.v))

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        if not isinstance(a, BatchTangent) and not isinstance(b, BatchTangent):
            return self.base.where(mask, a, b)
        m = _value(mask)
        da = a.d if isinstance(a, BatchTangent) else 0.0
        db = b.d if isinstance(b, BatchTangent) else 0.0
        return BatchTangent(torch.where(m, _value(a), _value(b)), torch.where(m, da, db))

    def positive(self, a: Any, *, at_zero: bool) -> Any:
        v = _value(a)
        return Batch(v >= 0 if at_zero else v > 0)

    def matmul(self, a: Any, b: Any) -> Any:
        return a @ b

    def total(self, a: Any) -> Any:
        raise TypeError("BatchTangentArithmetic.total: differentiate the gradient code, not the loss")

    def concat(self, parts: Sequence[Any]) -> Any:
        tangents = [p for p in parts if isinstance(p, BatchTangent)]
        like = tangents[0]
        lifted = [_lift(p, like) for p in parts]
        k = like.v.shape[-1]
        q = like.d.shape[0]
        return BatchTangent(
            torch.cat([p.v.reshape(-1, p.v.shape[-1]).expand(-1, k) for p in lifted]),
            torch.cat([p.d.reshape(q, -1, p.d.shape[-1]).expand(q, -1, k) for p in lifted], dim=1),
        )

    def flat(self, a: Any) -> Any:
        return a.reshape(-1)

    def sign(self, x: Any) -> int | None:
        raise TypeError("BatchTangentArithmetic.sign: a batch has K signs; compare the tensors directly")

    def to_float(self, x: Any) -> float:
        raise TypeError("BatchTangentArithmetic.to_float: a batch has K values; use .v")

    def jacobian(self, fn: Callable[[Any, Arithmetic], Any], at: Any) -> Any:
        raise TypeError("BatchTangentArithmetic.jacobian: derivatives of derivatives are not needed")


def batch_jacobian(
    fn: Callable[[Any, Arithmetic], Any], theta: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``fn`` (P → P', written over the arithmetic protocol) and its Jacobians at the (P, K) columns
    ``theta``: values (P', K) and Jacobians (K, P', P), by one forward-mode pass along all P directions.

    >>> th = torch.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=torch.float64)
    >>> value, jac = batch_jacobian(lambda t, ar: t * t, th)
    >>> jac[1].tolist()  # column 2: d(θ²)/dθ = diag(2θ) at θ = (2, 5)
    [[4.0, 0.0], [0.0, 10.0]]
    """
    out = fn(BatchTangent.seed(theta), BatchTangentArithmetic(BatchArithmetic(theta.dtype)))
    return out.v, out.d.permute(2, 1, 0)
