"""Exact least squares over the rationals with python-flint, rank-deficient column sets allowed.

The normal equations are solved on a maximal independent subset of the columns (the earliest ones, found
by an exact row reduction), so the fitted values — the orthogonal projection — are unique even when the
coefficients are not; coefficients of the dependent columns are 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import flint

from badminima.arithmetic.flint_bridge import to_fmpq, to_fraction


def dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    """Σ a_i b_i, exactly (lengths must match).

    Example:
        >>> dot([Fraction(1, 2), Fraction(3)], [Fraction(4), Fraction(1, 3)])
        Fraction(3, 1)
    """
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def pivots(columns: Sequence[Sequence[Fraction]]) -> list[int]:
    """Indices of a maximal linearly independent subset of ``columns``, earliest first."""
    if not columns:
        return []
    n = len(columns[0])
    rref, rank = flint.fmpq_mat(n, len(columns), [to_fmpq(c[i]) for i in range(n) for c in columns]).rref()
    out, row = [], 0
    for j in range(len(columns)):
        if row < rank and rref[row, j] != 0:
            out.append(j)
            row += 1
    return out


def least_squares(
    columns: Sequence[Sequence[Fraction]], y: Sequence[Fraction]
) -> tuple[list[Fraction], list[Fraction]]:
    """Exact coefficients ``z`` minimising ‖Σ_j z_j columns[j] − y‖ (zero on dependent columns) and the
    fitted values Σ_j z_j columns[j] (the projection of ``y`` onto the span).

    Example:
        >>> ones, x = [Fraction(1)] * 3, [Fraction(0), Fraction(1), Fraction(2)]
        >>> z, fitted = least_squares([ones, x, [2 * v for v in x]], [Fraction(0), Fraction(1), Fraction(4)])
        >>> z
        [Fraction(-1, 3), Fraction(2, 1), Fraction(0, 1)]
        >>> fitted
        [Fraction(-1, 3), Fraction(5, 3), Fraction(11, 3)]
    """
    n = len(y)
    z = [Fraction(0)] * len(columns)
    basis = pivots(columns)
    if not basis:
        return z, [Fraction(0)] * n
    B = flint.fmpq_mat(n, len(basis), [to_fmpq(columns[j][i]) for i in range(n) for j in basis])
    coef = (B.transpose() * B).solve(B.transpose() * flint.fmpq_mat(n, 1, [to_fmpq(v) for v in y]))
    for k, j in enumerate(basis):
        z[j] = to_fraction(coef[k, 0])
    fitted = [sum((z[j] * columns[j][i] for j in basis), Fraction(0)) for i in range(n)]
    return z, fitted


def least_change(
    rows: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction], radii: Sequence[Fraction]
) -> list[Fraction] | None:
    """The change δ with Σ_m row_m·δ_m = rhs for every row that minimises Σ_m (δ_m / r_m)² over the
    coordinates with r_m > 0 (the others stay 0): δ = R·Aᵀ(A·Aᵀ)⁻¹·rhs with A = rows·R, on a maximal set
    of independent rows; None when the system has no such solution (exact).

    Example:
        >>> one, zero = Fraction(1), Fraction(0)
        >>> least_change([[one, one]], [2 * one], [one, one]), least_change([[one, one]], [one], [one, zero])
        ([Fraction(1, 1), Fraction(1, 1)], [Fraction(1, 1), Fraction(0, 1)])
    """
    free = [m for m, r in enumerate(radii) if r > 0]
    delta = [Fraction(0)] * len(radii)
    scaled = [[row[m] * radii[m] for m in free] for row in rows]
    keep = pivots([tuple(r) for r in scaled]) if free else []
    if keep:
        n = len(free)
        A = flint.fmpq_mat(len(keep), n, [to_fmpq(scaled[k][j]) for k in keep for j in range(n)])
        b = flint.fmpq_mat(len(keep), 1, [to_fmpq(rhs[k]) for k in keep])
        y = A.transpose() * (A * A.transpose()).solve(b)
        for j, m in enumerate(free):
            delta[m] = radii[m] * to_fraction(y[j, 0])
    for row, target in zip(rows, rhs, strict=True):
        if sum((a * d for a, d in zip(row, delta, strict=True)), Fraction(0)) != target:
            return None
    return delta


def null_space(H: Sequence[Sequence[Fraction]], cols: int | None = None) -> list[tuple[Fraction, ...]]:
    """An exact basis of {v : H v = 0} over the rationals (one vector per free column of the RREF);
    ``cols`` is the number of columns, needed when H has no rows (then the basis is the identity's).

    Example:
        >>> null_space([[Fraction(1), Fraction(2)], [Fraction(2), Fraction(4)]])
        [(Fraction(-2, 1), Fraction(1, 1))]
        >>> null_space([], 2)
        [(Fraction(1, 1), Fraction(0, 1)), (Fraction(0, 1), Fraction(1, 1))]
    """
    rows, cols = len(H), (len(H[0]) if len(H) else cols or 0)
    if not cols:
        return []
    if not rows:
        return [tuple(Fraction(int(i == j)) for j in range(cols)) for i in range(cols)]
    rref, rank = flint.fmpq_mat(rows, cols, [to_fmpq(Fraction(v)) for r in H for v in r]).rref()
    pivot_of_row: list[int] = []
    for r in range(rank):
        pivot_of_row.append(next(c for c in range(cols) if rref[r, c] != 0))
    free = [c for c in range(cols) if c not in pivot_of_row]
    basis = []
    for f in free:
        v = [Fraction(0)] * cols
        v[f] = Fraction(1)
        for r, p in enumerate(pivot_of_row):
            v[p] = -to_fraction(rref[r, f])
        basis.append(tuple(v))
    return basis
