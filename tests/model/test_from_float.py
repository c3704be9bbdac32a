"""The one float → exact conversion: each policy's defining property, checked against Fraction arithmetic."""

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from badminima.model.rational import from_float

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
denominators = st.integers(min_value=1, max_value=10**6)


@given(finite)
def test_binary_is_the_doubles_exact_value(x):
    q = from_float(x, "binary")
    assert q == Fraction(*x.as_integer_ratio())


@given(finite)
def test_decimal_reads_back_as_the_same_double_and_is_a_short_decimal(x):
    q = from_float(x, "decimal")
    assert float(q) == x
    assert _only_2_and_5(q.denominator)  # a terminating decimal
    k = 0
    while (q * 10**k).denominator != 1:
        k += 1
    digits = str(abs((q * 10**k).numerator)).rstrip("0")
    assert len(digits) <= 17  # a double needs at most 17 significant digits, not its ~50 exact ones


def _only_2_and_5(n):
    for p in (2, 5):
        while n % p == 0:
            n //= p
    return n == 1


@given(finite, denominators)
def test_grid_is_the_nearest_multiple_of_one_over_the_denominator(x, d):
    q = from_float(x, "grid", denominator=d)
    assert (q * d).denominator == 1
    assert abs(q - Fraction(x)) <= Fraction(1, 2 * d)


@given(finite, denominators)
def test_simplest_is_at_least_as_close_as_any_fraction_with_a_small_denominator(x, d):
    q = from_float(x, "simplest", denominator=d)
    assert q.denominator <= d
    grid = from_float(x, "grid", denominator=d)  # one competitor with denominator dividing d
    assert abs(q - Fraction(x)) <= abs(grid - Fraction(x))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_floats_are_refused(bad):
    with pytest.raises(ValueError):
        from_float(bad)
