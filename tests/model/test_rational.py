from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from badminima.model.rational import (
    format_rational,
    last_place,
    parse_rational,
    relative_rounding,
    rounding_radius,
    rounding_scale,
)


@given(st.fractions())
def test_format_then_parse_is_identity(q):
    assert parse_rational(format_rational(q)) == q
    assert parse_rational(format_rational(q, decimal=False)) == q


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.1", Fraction(1, 10)),  # exactly one tenth, not the double nearest 0.1
        ("-3/7", Fraction(-3, 7)),
        ("2.2e-6", Fraction(22, 10_000_000)),
        (".5", Fraction(1, 2)),
        ("7", Fraction(7)),
        (3, Fraction(3)),
        (0.5, Fraction(1, 2)),
    ],
)
def test_parse_exact_values(text, value):
    assert parse_rational(text) == value


@pytest.mark.parametrize("bad", ["nan", "inf", "1/0", "abc", "1/2/3", "", True, None, [1], float("nan")])
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        parse_rational(bad)


def test_format_prefers_the_shorter_exact_form():
    assert format_rational(Fraction(1, 10)) == "0.1"
    assert format_rational(Fraction(1, 3)) == "1/3"
    assert format_rational(Fraction(-35, 16), decimal=False) == "-35/16"


@given(
    st.fractions(min_value=Fraction(-(10**6)), max_value=Fraction(10**6)), st.sampled_from(["repr", ".17g"])
)
def test_a_floats_print_is_within_its_rounding_radius_of_the_number_meant(meant, style):
    # A writer rounds the number meant to a float, then prints it (Python's shortest repr, or %.17g).
    f = float(meant)
    written = Fraction(repr(f) if style == "repr" else format(f, ".17g"))
    if last_place(written) == 0:  # short (exact) prints are numbers meant exactly
        return
    assert abs(written - meant) <= rounding_radius(written)


rounded_numbers = (
    st.integers(10**4, 10**9)
    .flatmap(
        lambda m: st.integers(-12, 3).map(lambda e: Fraction(m, 10 ** (-e)) if e < 0 else Fraction(m * 10**e))
    )
    .filter(lambda q: last_place(q) != 0)
)


@given(
    st.lists(rounded_numbers, min_size=1, max_size=4), st.lists(st.integers(-(10**12), 10**12), max_size=3)
)
def test_exact_numbers_neither_scale_the_rounding_nor_silence_the_bulk(rounded, exact):
    # numbers written exactly (integers of any size) do not move, so they cannot widen how far the
    # others may sit from what was meant (an exact 1e8 beside 0.7777 once allowed moves of 1e4)
    values = rounded + [Fraction(e) for e in exact]
    assert rounding_scale(values) == rounding_scale(rounded)
    # and no number of the bulk passes for a rounded 0 by its own digits
    rel = relative_rounding(values)
    bulk = max(Fraction(1), max(abs(q) for q in values)) / 1000
    for q in values:
        if abs(q) >= bulk and q != 0:
            assert abs(q) > 4 * rel * max(1, abs(q))


def test_a_decimal_below_the_float_range_keeps_its_own_digits():
    # 1.2345678901234567e-400 has a float's length but no float prints it (it converts to 0.0): its
    # radius is half its own last place, not 5e-324 (s20: that widened a kink snap 10^76 times)
    q = Fraction("1.2345678901234567e-400")
    assert rounding_radius(q) == last_place(q) / 2 < abs(q)
