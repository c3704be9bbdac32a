"""Float64 arithmetic on torch tensors: fast, differentiable with `torch.func`, batchable with
`torch.func.vmap`, and never a proof (rigor ``numeric``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from badminima.arithmetic.protocol import Arithmetic, Rigor

DTYPE = torch.float64
JACOBIAN_CHUNK = 16


class FloatArithmetic:
    """torch float64 tensors."""

    name = "float"
    rigor: Rigor = "numeric"

    def context(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def constant(self, q: Fraction) -> Any:
        return torch.tensor(float(q), dtype=DTYPE)

    def matrix(self, rows: Sequence[Sequence[Fraction]]) -> Any:
        return torch.tensor([[float(v) for v in row] for row in rows], dtype=DTYPE)

    def vector(self, values: Sequence[Any]) -> Any:
        return torch.tensor([float(v) for v in values], dtype=DTYPE)

    def sigmoid(self, a: Any) -> Any:
        return torch.sigmoid(a)

    def tanh(self, a: Any) -> Any:
        return torch.tanh(a)

    def softplus(self, a: Any) -> Any:
        return torch.logaddexp(a, torch.zeros_like(a))

    def acos(self, a: Any) -> Any:
        return torch.acos(torch.clamp(a, -1.0, 1.0))

    def sqrt(self, a: Any) -> Any:
        return torch.sqrt(torch.clamp(a, min=0.0))

    def sin(self, a: Any) -> Any:
        return torch.sin(a)

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        if isinstance(mask, np.ndarray):
            mask = torch.from_numpy(mask)
        return torch.where(mask, torch.as_tensor(a, dtype=DTYPE), torch.as_tensor(b, dtype=DTYPE))

    def positive(self, a: Any, *, at_zero: bool) -> Any:
        return a >= 0 if at_zero else a > 0

    def matmul(self, a: Any, b: Any) -> Any:
        return a @ b

    def total(self, a: Any) -> Any:
        return a.sum()

    def concat(self, parts: Sequence[Any]) -> Any:
        return torch.cat([p.reshape(-1) for p in parts])

    def flat(self, a: Any) -> Any:
        return a.reshape(-1)

    def sign(self, x: Any) -> int | None:
        """Sign of the rounded float value (numeric; certificates never rely on it)."""
        return int(torch.sign(torch.as_tensor(x)).item())

    def to_float(self, x: Any) -> float:
        return float(x)

    def jacobian(self, fn: Callable[[Any, Arithmetic], Any], at: Any) -> Any:
        # Forward mode, JACOBIAN_CHUNK directions at a time: one vmap over all P directions builds
        # (P × units × points) tensors that fall out of cache and is 3-4 times slower.
        def column(v: Any) -> Any:
            return torch.func.jvp(lambda t: fn(t, self), (at,), (v,))[1]

        eye = torch.eye(len(at), dtype=DTYPE)
        return torch.func.vmap(column, chunk_size=JACOBIAN_CHUNK)(eye).T
