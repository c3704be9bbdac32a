"""Taylor coefficients of the loss along a line, enclosed in balls (or exact): checked against mpmath's
numerical Taylor expansion of an independent 60-digit forward pass (a plain loop, no badminima code)."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point
from badminima.verify.higher_order import curve_coefficients

small = st.fractions(min_value=-2, max_value=2, max_denominator=8)


def _bounds(c):
    """(lower, upper) of an exact coefficient or a ball, as mpmath numbers."""
    if isinstance(c, F):
        v = mpmath.mpf(c.numerator) / c.denominator
        return v, v
    return mpmath.mpf(c.lower().str(40, radius=False)), mpmath.mpf(c.upper().str(40, radius=False))


def _phi(act, widths, theta, direction, X, y):
    d0, h, _ = widths

    def q(v):
        return mpmath.mpf(v.numerator) / v.denominator

    def loss(eps):
        p = [q(a) + eps * q(b) for a, b in zip(theta, direction, strict=True)]
        total = 0
        for x, t in zip(X, y, strict=True):
            f = p[h * d0 + 2 * h]
            for j in range(h):
                z = sum(p[j * d0 + m] * q(x[m]) for m in range(d0)) + p[h * d0 + j]
                s = 1 / (1 + mpmath.exp(-z)) if act == "sigmoid" else mpmath.tanh(z)
                f += p[h * d0 + h + j] * s
            total += (f - q(t[0])) ** 2
        return total / len(X)

    return loss


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(["sigmoid", "tanh"]),
    st.integers(1, 2),
    st.integers(1, 2),
    st.data(),
)
def test_curve_coefficients_enclose_the_taylor_coefficients(act, d0, h, data):
    net = Network((d0, h, 1), act)
    n = data.draw(st.integers(1, 3))
    X = data.draw(st.lists(st.lists(small, min_size=d0, max_size=d0), min_size=n, max_size=n))
    y = data.draw(st.lists(small, min_size=n, max_size=n))
    theta = data.draw(st.lists(small, min_size=net.n_params, max_size=net.n_params))
    direction = data.draw(st.lists(small, min_size=net.n_params, max_size=net.n_params))
    dataset = Dataset.of(X, [[v] for v in y])
    point = Point.unflatten(net, theta)
    balls = curve_coefficients(net, dataset, point, F(0), [direction], F(0), order=3)
    with mpmath.workdps(60):
        ref = mpmath.taylor(_phi(act, net.widths, theta, direction, X, [[v] for v in y]), 0, 3)
    for ball, value in zip(balls, ref, strict=True):
        lo, hi = _bounds(ball)
        slack = mpmath.mpf(10) ** -30
        assert lo - slack <= value <= hi + slack


def test_a_box_and_a_segment_are_enclosed_too():
    # The coefficient at a base point shifted along the segment must lie in the enclosure over it.
    net = Network((1, 1, 1), "tanh")
    data = Dataset.of([[1], [2]], [[0], [1]])
    theta = [F(1, 2), F(-1, 3), F(2), F(1, 5)]
    d = [F(1), F(0), F(-1, 2), F(1, 4)]
    balls = curve_coefficients(net, data, Point.unflatten(net, theta), F(1, 100), [d], F(1, 10), order=3)
    shifted = [a + F(1, 20) * b + F(1, 200) for a, b in zip(theta, d, strict=True)]
    with mpmath.workdps(60):
        ref = mpmath.taylor(_phi("tanh", net.widths, shifted, d, data.X, data.y), 0, 3)
    for ball, value in zip(balls, ref, strict=True):
        lo, hi = _bounds(ball)
        assert lo <= value <= hi
