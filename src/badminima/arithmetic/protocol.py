"""The one small protocol every number backend implements.

The maths in `badminima.landscape` is written once against this protocol; a backend supplies arrays of
its number type and the few non-polynomial functions. Arrays are 2-D ``(units, points)`` or 1-D flat
parameter vectors; ``+ - * / @ .T .sum(axis) .reshape`` are used directly on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from fractions import Fraction
from typing import Any, Literal, Protocol

Rigor = Literal["exact", "interval", "numeric"]


class Arithmetic(Protocol):
    """A number backend. ``sign`` returns -1, 0, +1, or None when it cannot decide — never a guess."""

    name: str
    rigor: Rigor

    def context(self) -> AbstractContextManager[Any]:
        """Scope in which the backend's settings (e.g. ball precision) hold; wraps every computation."""
        ...

    def constant(self, q: Fraction) -> Any:
        """The exact rational ``q`` as a scalar of this backend (an enclosure for balls)."""
        ...

    def matrix(self, rows: Sequence[Sequence[Fraction]]) -> Any:
        """A 2-D array of this backend from exact rationals."""
        ...

    def vector(self, values: Sequence[Any]) -> Any:
        """A 1-D array from exact rationals or this backend's scalars."""
        ...

    def sigmoid(self, a: Any) -> Any: ...

    def tanh(self, a: Any) -> Any: ...

    def softplus(self, a: Any) -> Any:
        """Elementwise ``log(1 + exp(a))``."""
        ...

    def where(self, mask: Any, a: Any, b: Any) -> Any:
        """Elementwise choice; ``mask`` is a boolean array (NumPy, or this backend's own)."""
        ...

    def positive(self, a: Any, *, at_zero: bool) -> Any:
        """Boolean array of ``a > 0`` (``a >= 0`` when ``at_zero``).

        Raises:
            UndecidableSignError: an entry's sign cannot be decided by this backend.
        """
        ...

    def matmul(self, a: Any, b: Any) -> Any:
        """The matrix product ``a @ b`` of this backend's arrays (a method, not the operator, so that
        ``torch.compile`` can trace batched arrays through it)."""
        ...

    def total(self, a: Any) -> Any:
        """Sum of all entries, as a scalar."""
        ...

    def concat(self, parts: Sequence[Any]) -> Any:
        """Concatenate 1-D arrays."""
        ...

    def flat(self, a: Any) -> Any:
        """Entries of ``a`` as a 1-D array (row-major)."""
        ...

    def sign(self, x: Any) -> int | None: ...

    def to_float(self, x: Any) -> float:
        """A float near ``x`` (the midpoint of a ball) — for display, never for a proof."""
        ...

    def jacobian(self, fn: Callable[[Any, Arithmetic], Any], at: Any) -> Any:
        """Jacobian ``(len(fn(at)), len(at))`` of a function written against the protocol, by
        forward-mode differentiation in this backend's arithmetic."""
        ...


class AngularArithmetic(Arithmetic, Protocol):
    """A backend that also has the functions of angles between vectors (the closed-form Gaussian
    population loss, `badminima.landscape.population`): ball and float do."""

    def acos(self, a: Any) -> Any:
        """Elementwise arccos, in [0, π] (float: the argument clamped to [−1, 1] first, since rounding
        can push a cosine a hair past ±1; a ball reaching past ±1 gives an indeterminate ball)."""
        ...

    def sqrt(self, a: Any) -> Any:
        """Elementwise square root (float: negative rounding noise clamped to 0)."""
        ...

    def sin(self, a: Any) -> Any:
        """Elementwise sine."""
        ...
