"""The exact embeddings of a narrower network into a wider one keep the loss exactly.

Truth: the losses are computed by `tests.reference` (plain per-point Fraction loops, no badminima code),
so every map is checked against the network function it must preserve, not against itself.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point
from badminima.model.point import Layer
from badminima.verify.embeddings import (
    find_dead_units,
    find_duplicates,
    insert_born_unit,
    lift_duplicate,
    reduce_duplicate,
    silenced,
    with_units,
    without_units,
)
from tests.reference import reference_loss

SMALL = st.fractions(min_value=-3, max_value=3, max_denominator=7)


@st.composite
def _layers(draw, widths):
    return Point(
        tuple(
            Layer(
                tuple(tuple(draw(SMALL) for _ in range(n_in)) for _ in range(n_out)),
                tuple(draw(SMALL) for _ in range(n_out)),
            )
            for n_in, n_out in itertools.pairwise(widths)
        )
    )


@st.composite
def _problem(draw, depth):
    d0, k = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    widths = (d0, *(draw(st.integers(1, 3)) for _ in range(depth)), k)
    n = draw(st.integers(2, 4))
    data = Dataset(
        tuple(tuple(draw(SMALL) for _ in range(d0)) for _ in range(n)),
        tuple(tuple(draw(SMALL) for _ in range(k)) for _ in range(n)),
    )
    return Network(widths, "relu"), data, draw(_layers(widths))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2).flatmap(_problem), st.data())
def test_a_duplicated_unit_keeps_the_loss_for_every_split(problem, data):
    net, dataset, point = problem
    *front, hidden, out = point.layers
    a = data.draw(st.integers(0, len(hidden.W) - 1))
    lam = data.draw(SMALL)
    V = tuple(row[a] for row in out.W)
    if all(v == 0 for v in V):
        V = tuple(F(1) for _ in V)
    W = (*hidden.W, hidden.W[a])
    b = (*hidden.b, hidden.b[a])
    rows = tuple(
        (*(row[:a]), lam * v, *(row[a + 1 :]), (1 - lam) * v) for row, v in zip(out.W, V, strict=True)
    )
    wide_net = Network((*net.widths[:-2], len(W), net.widths[-1]), "relu")
    wide = Point((*front, Layer(W, b), Layer(rows, out.b)))
    dup = next(d for d in find_duplicates(wide_net, wide) if (d.a, d.b) == (a, len(W) - 1))
    assert dup.lam == lam
    small_net, small = reduce_duplicate(wide_net, wide, dup)
    assert small_net.widths == net.widths
    loss = reference_loss(wide_net, dataset, wide)
    assert reference_loss(small_net, dataset, small) == loss
    other = data.draw(SMALL)
    assert reference_loss(wide_net, dataset, lift_duplicate(small, dup, other, len(W))) == loss
    assert lift_duplicate(small, dup, lam, len(W)) == wide


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2).flatmap(_problem), SMALL, st.data())
def test_a_unit_born_at_zero_keeps_the_loss_and_is_found(problem, bias, data):
    net, dataset, point = problem
    unit = data.draw(st.integers(0, net.widths[-2]))
    wide = insert_born_unit(point, unit, bias)
    wide_net = Network((*net.widths[:-2], net.widths[-2] + 1, net.widths[-1]), "relu")
    assert unit in find_dead_units(wide_net, wide)
    assert reference_loss(wide_net, dataset, wide) == reference_loss(net, dataset, point)
    assert without_units(wide_net, wide, [unit]) == (net, point)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2).flatmap(_problem), st.data())
def test_silenced_units_of_the_last_hidden_layer_come_out_and_go_back_at_any_depth(problem, data):
    net, dataset, point = problem
    h = net.widths[-2]
    units = sorted(data.draw(st.sets(st.integers(0, h - 1), max_size=h - 1)))
    quiet = silenced(point, units)
    small_net, small = without_units(net, quiet, units)
    assert small_net.widths == (*net.widths[:-2], h - len(units), net.widths[-1])
    assert reference_loss(small_net, dataset, small) == reference_loss(net, dataset, quiet)
    assert with_units(small, point, units) == point
    assert with_units(small, quiet, units) == quiet


def test_duplicates_are_found_only_when_exact_or_within_rounding():
    net = Network((1, 2, 1), "tanh")
    point = Point.of([([[F(7, 5)], [F(7, 5)]], [F(1, 2), F(1, 2)]), ([[F(1, 3), F(2, 3)]], [0])])
    assert [(d.a, d.b, d.lam) for d in find_duplicates(net, point)] == [(0, 1, F(1, 3))]
    x = list(point.flatten())
    x[0] += F(1, 10**6)  # far beyond the point's rounding scale
    assert find_duplicates(net, Point.unflatten(net, x)) == []


@pytest.mark.parametrize(
    ("small", "bias", "top", "dead"),
    [
        ("0.03", "1.03", "123.4", False),
        ("0.0001234", "1.031", "123.4", False),
        ("0.3456", "1.031", "98765432.1", False),
        ("2.345e-9", "1.031", "98765432.1", False),
        ("2.345e-17", "1.0312345678901234", "123.45678901234567", True),
        ("0.0001234", "1.0312345678901234", "123.45678901234567", False),
    ],
)
def test_a_weight_is_a_rounded_zero_only_within_the_relative_rounding_of_its_own_size(small, bias, top, dead):
    """A short 0.03 is exact (the README's rule): unit 0 with weights 0.03 is not born at zero. A rounded
    weight is a rounded 0 (a float's noise) only beside numbers written to ten or more digits, within 4×
    the point's relative rounding of its own size: 2.345e-17 beside 17-digit numbers is; 0.0001234
    beside four-digit numbers is a value written to its own digits (red team s19: it silenced ReLU
    minima into saddles), 0.3456 beside 98765432.1 is not (s18: the large bias's last digit, 0.1, used
    to silence it), and neither is 2.345e-9 beside nine-digit numbers, nor 0.0001234 beside 17-digit
    ones. Units 1 and 2 with biases 1 and 1.031… are never duplicates."""
    net = Network((1, 3, 1), "tanh")
    q = F(small)
    point = Point.of([([[q], [2], [2]], [1, 1, F(bias)]), ([[q, 1, 1]], [F(top)])])
    assert find_dead_units(net, point) == ([0] if dead else [])
    assert find_duplicates(net, point) == []
