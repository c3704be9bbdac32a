"""`Dataset`: N exact input rows X (N×d0) and target rows y (N×dL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from badminima.errors import InvalidModelError
from badminima.model.rational import parse_rational

Matrix = tuple[tuple[Fraction, ...], ...]


def rational_matrix(rows: Iterable[Iterable[object]], name: str) -> Matrix:
    """Return ``rows`` as a rectangular tuple of tuples of exact `Fraction` s.

    Accepts ints, Fractions, finite floats (exact binary value) and strings (``"-3/7"``, ``"0.1"``).
    """
    try:
        matrix = tuple(tuple(parse_rational(v) for v in row) for row in rows)
    except (TypeError, ValueError) as exc:
        raise InvalidModelError(f"{name}: {exc}") from None
    if matrix and any(len(r) != len(matrix[0]) for r in matrix):
        raise InvalidModelError(f"{name}: rows have different lengths {[len(r) for r in matrix]}")
    return matrix


def _check_matrix(matrix: object, name: str) -> None:
    if not isinstance(matrix, tuple) or not all(isinstance(r, tuple) for r in matrix):
        raise InvalidModelError(f"{name}: expected a tuple of row tuples (use Dataset.of)")
    for row in matrix:
        for v in row:
            if not isinstance(v, Fraction):
                raise InvalidModelError(
                    f"{name}: expected exact Fractions, got {type(v).__name__} {v!r} "
                    f"(use Dataset.of to convert)"
                )


@dataclass(frozen=True, slots=True)
class Dataset:
    """Inputs ``X`` (N rows of d0 exact rationals) and targets ``y`` (N rows of dL).

    Example:
        >>> Dataset.of([[0], [1]], [[0], ["1/2"]]).y[1][0]
        Fraction(1, 2)
    """

    X: Matrix
    y: Matrix

    def __post_init__(self) -> None:
        _check_matrix(self.X, "X")
        _check_matrix(self.y, "y")
        if len(self.X) == 0:
            raise InvalidModelError("X: expected at least one data point, got none")
        if len(self.X) != len(self.y):
            raise InvalidModelError(
                f"y: expected one target row per input row ({len(self.X)}), got {len(self.y)}"
            )
        for name, m in (("X", self.X), ("y", self.y)):
            if len(m[0]) == 0 or any(len(r) != len(m[0]) for r in m):
                raise InvalidModelError(
                    f"{name}: expected rows of one non-zero length, got lengths {sorted({len(r) for r in m})}"
                )

    @classmethod
    def of(cls, X: Iterable[Iterable[object]], y: Iterable[Iterable[object]]) -> Dataset:
        """Build a dataset from numbers or exact strings, converting each to a `Fraction`."""
        return cls(rational_matrix(X, "X"), rational_matrix(y, "y"))

    @property
    def n_points(self) -> int:
        return len(self.X)

    @property
    def input_dim(self) -> int:
        return len(self.X[0])

    @property
    def output_dim(self) -> int:
        return len(self.y[0])

    @property
    def is_binary(self) -> bool:
        """True when every target is 0 or 1 (a classification set: accuracy is meaningful)."""
        return all(v in (0, 1) for row in self.y for v in row)
