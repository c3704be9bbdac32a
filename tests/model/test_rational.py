from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from badminima.model.rational import format_rational, last_place, parse_rational, rounding_radius


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
