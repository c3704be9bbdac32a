"""Exact arithmetic in Q(e^{1/D}) against 60-digit mpmath: every value encloses the true one, and the
zeros it decides are the identities σ(q) + σ(−q) = 1, tanh(−q) = −tanh(q), tanh(q) = 2σ(2q) − 1."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima.arithmetic.exponential import MAX_DEGREE, ExpNumber, ExponentialArithmetic
from badminima.errors import BackendError

A = ExponentialArithmetic()
small = st.fractions(min_value=-3, max_value=3, max_denominator=6)


def _sig(q):
    return 1 / (1 + mpmath.exp(-mpmath.mpf(q.numerator) / q.denominator))


@settings(max_examples=60, deadline=None)
@given(q=small, r=small, c=st.fractions(min_value=-2, max_value=2, max_denominator=5))
def test_values_enclose_mpmath_and_identities_are_exact_zeros(q, r, c):
    with mpmath.workdps(60):
        value = A.sigmoid1(q) * A.tanh1(r) + c * A.sigmoid1(r) - A.tanh1(q)
        truth = (
            _sig(q) * mpmath.tanh(mpmath.mpf(r.numerator) / r.denominator)
            + (mpmath.mpf(c.numerator) / c.denominator) * _sig(r)
            - mpmath.tanh(mpmath.mpf(q.numerator) / q.denominator)
        )
        if isinstance(value, F):
            assert abs(truth - mpmath.mpf(value.numerator) / value.denominator) < mpmath.mpf(10) ** -50
        else:
            ball = value.ball(256)
            assert abs(truth - mpmath.mpf(float(ball.mid()))) <= float(ball.rad()) + 1e-15 * (1 + abs(truth))
            assert A.sign(value) == (1 if truth > 0 else -1)
    assert A.sigmoid1(q) + A.sigmoid1(-q) == 1
    assert A.tanh1(-q) + A.tanh1(q) == 0
    assert A.tanh1(q) - (2 * A.sigmoid1(2 * q) - 1) == 0


def test_rational_results_are_fractions_and_the_rest_never_equal_one():
    assert A.sigmoid1(F(0)) == F(1, 2) and A.tanh1(F(0)) == 0
    assert isinstance(A.sigmoid1(F(1)), ExpNumber) and A.sigmoid1(F(1)) != 1


def test_values_it_cannot_hold_raise():
    with pytest.raises(BackendError):
        A.sigmoid1(A.sigmoid1(F(1)))
    with pytest.raises(BackendError):
        A.softplus1(F(1))
    with pytest.raises(BackendError):
        A.tanh1(F(MAX_DEGREE + 1))


def test_dual_numbers_combine_with_it_in_either_order():
    from badminima.arithmetic.dual import Dual

    x, d = A.sigmoid1(F(1)), Dual(F(1), F(2))
    for left, right in ((x, d), (d, x)):
        for out in (left + right, left - right, left * right, left / right):
            assert isinstance(out, Dual)
    assert (x - d).v == x - 1 and (x * d).d == 2 * x
