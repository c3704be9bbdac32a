"""The proved output margin: a lower bound on min |f(x_i) − 1/2|, checked against a 50-digit mpmath
forward pass written here from the network's definition (independent of the package's forward)."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima import Dataset, Network, Point
from badminima.constructions import construction
from badminima.search.margins import has_margin, output_margin


def _reference(network: Network, dataset: Dataset, point: Point) -> mpmath.mpf:
    """min over points of |f(x) − 1/2| for a one-hidden-layer sigmoid net, identity output, at 50 digits."""
    mpmath.mp.dps = 50

    def mp(q: Fraction) -> mpmath.mpf:
        return mpmath.mpf(q.numerator) / q.denominator

    hidden_layer, output_layer = point.layers
    lowest = None
    for x in dataset.X:
        z = [
            sum(mp(w) * mp(xi) for w, xi in zip(row, x, strict=True)) + mp(bj)
            for row, bj in zip(hidden_layer.W, hidden_layer.b, strict=True)
        ]
        hidden = [1 / (1 + mpmath.exp(-zj)) for zj in z]
        out = sum(mp(v) * h for v, h in zip(output_layer.W[0], hidden, strict=True)) + mp(output_layer.b[0])
        d = abs(out - mpmath.mpf(1) / 2)
        lowest = d if lowest is None else min(lowest, d)
    return lowest


@pytest.mark.parametrize("which", ["point", "better"])
def test_the_deadlock_margins_are_proved_lower_bounds_and_tight(which):
    trap = construction("sigmoid-deadlock").build()
    point = getattr(trap, which)
    proved = output_margin(trap.network, trap.dataset, point)
    true = _reference(trap.network, trap.dataset, point)
    assert mpmath.mpf(proved.numerator) / proved.denominator <= true
    assert true - mpmath.mpf(proved.numerator) / proved.denominator < mpmath.mpf(10) ** -30


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=9, max_size=9), st.integers(1, 4))
def test_margins_bound_the_reference_from_below(weights, q):
    net = Network((2, 2, 1), "sigmoid")
    data = Dataset.of([[0, 0], [1, 0], [0, 1], [1, 1], [-1, 2]], [[0], [1], [1], [0], [1]])
    flat = [Fraction(w, q) for w in weights]
    point = Point.unflatten(net, flat)
    proved = output_margin(net, data, point)
    true = _reference(net, data, point)
    assert proved >= 0 and mpmath.mpf(proved.numerator) / proved.denominator <= true
    assert true - mpmath.mpf(proved.numerator) / proved.denominator < mpmath.mpf(10) ** -30
    assert has_margin(net, data, (point,), proved) and not has_margin(
        net, data, (point,), proved + Fraction(1, 10**20)
    )
