"""Exact least squares: the residual is exactly orthogonal to every column (the normal equations), the
fitted values are the stated combination, and dependent columns get coefficient 0; the exact null space
has sympy's rank–nullity dimension."""

from __future__ import annotations

from fractions import Fraction

import sympy
from hypothesis import given, strategies as st

from badminima.arithmetic.least_squares import least_squares, null_space, pivots
from badminima.strategies import rationals


@given(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(rationals(), min_size=n, max_size=n), max_size=4),
            st.lists(rationals(), min_size=n, max_size=n),
        )
    )
)
def test_the_residual_is_orthogonal_to_every_column(case):
    columns, y = case
    z, fitted = least_squares(columns, y)
    assert fitted == [
        sum((zj * c[i] for zj, c in zip(z, columns, strict=True)), Fraction(0)) for i in range(len(y))
    ]
    r = [a - b for a, b in zip(y, fitted, strict=True)]
    assert all(sum((ci * ri for ci, ri in zip(c, r, strict=True)), Fraction(0)) == 0 for c in columns)
    basis = set(pivots(columns))
    assert all(zj == 0 for j, zj in enumerate(z) if j not in basis)


def test_a_repeated_column_is_not_a_pivot():
    x = [Fraction(1), Fraction(2)]
    assert pivots([x, x, [Fraction(0), Fraction(1)]]) == [0, 2]


@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_null_space_is_an_exact_basis(rows, cols, data):
    entries = st.sampled_from([Fraction(0), Fraction(0), Fraction(1), Fraction(-2), Fraction(1, 3)])
    H = [[data.draw(entries) for _ in range(cols)] for _ in range(rows)]
    basis = null_space(H)
    rank = sympy.Matrix([[sympy.Rational(v.numerator, v.denominator) for v in r] for r in H]).rank()
    assert len(basis) == cols - rank  # rank–nullity, rank by sympy
    for v in basis:
        assert all(sum((h * c for h, c in zip(r, v, strict=True)), Fraction(0)) == 0 for r in H)
    if basis:
        M = sympy.Matrix([[sympy.Rational(c.numerator, c.denominator) for c in v] for v in basis])
        assert M.rank() == len(basis)


def test_no_rows_leave_the_whole_space():
    basis = null_space([], 3)
    assert sorted(basis) == sorted(tuple(Fraction(int(i == j)) for j in range(3)) for i in range(3))
