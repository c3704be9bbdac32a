"""Boxes that hold no critical point (`verify.critical_free`), here where a ReLU kink pulls: a unit held
exactly at its kink whose one-sided derivative is negative over the whole window; truths by exact least
squares and the one-sided derivatives by hand."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import assume, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.critical_free import no_critical_point_within

NET = Network((1, 1, 1), "relu")
XS = [F(-2), F(-1), F(0), F(1), F(2), F(3)]


def _held_fit(ys: list[F]) -> tuple[F, F]:
    """The exact best (a, c) for predictions c on x ≤ 0 and a x + c on x > 0 (the unit relu(w x) with
    b = 0 held at its kink on x = 0, off below it, on above; a = v w): normal equations by hand."""
    rows = [(x if x > 0 else F(0), F(1)) for x in XS]
    s11 = sum(p * p for p, _ in rows)
    s12 = sum(p for p, _ in rows)
    s22 = F(len(rows))
    t1 = sum(p * y for (p, _), y in zip(rows, ys, strict=True))
    t2 = sum(ys, F(0))
    det = s11 * s22 - s12 * s12
    return (s22 * t1 - s12 * t2) / det, (s11 * t2 - s12 * t1) / det


def _one_sided(ys: list[F], a: F, c: F, v: F) -> tuple[F, F]:
    """F'(θ; +e_b) and F'(θ; −e_b) at the held fit, by hand: raising b turns the unit on at x = 0 too
    (its residual joins the active points'), lowering it leaves x = 0 off; each point's residual r_i
    enters as (2/N)·v·r_i."""
    r = [(a * x if x > 0 else F(0)) + c - y for x, y in zip(XS, ys, strict=True)]
    active = sum((ri for x, ri in zip(XS, r, strict=True) if x > 0), F(0))
    at_kink = sum((ri for x, ri in zip(XS, r, strict=True) if x == 0), F(0))
    n = len(XS)
    return 2 * v * (active + at_kink) / n, -2 * v * active / n


def _eight(q: F) -> F:
    return F(format(float(q), ".8g"))


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    ys=st.lists(st.fractions(-3, 3, max_denominator=9), min_size=6, max_size=6),
    w=st.sampled_from([F("0.71428571"), F("1.3"), F("2.0833333")]),
)
def test_a_unit_held_at_its_kink_that_pulls_leaves_no_critical_point_in_the_window(ys, w):
    """relu(w x + b), b written exactly 0 (held: the kink on x = 0 stays), w, v, c written to 8 digits
    at the exact held fit (a family along v w = a). Where a one-sided derivative in b is negative by
    hand (the kink pulls), every point of the window descends that way: `not-critical`; where both are
    positive (it pushes), never `not-critical`."""
    a, c = _held_fit(ys)
    assume(a != 0)
    v = a / w
    up, down = _one_sided(ys, a, c, v)
    assume(min(abs(up), abs(down)) > F(1, 100))
    point = Point.unflatten(NET, [w, F(0), _eight(v), _eight(c)])
    cert = certify(Trap(NET, Dataset.of([[x] for x in XS], [[y] for y in ys]), point), probes=0)
    if min(up, down) < 0:
        assert cert.verdict is Verdict.NOT_CRITICAL, cert.reason
    else:
        assert cert.verdict is not Verdict.NOT_CRITICAL, cert.reason


def test_the_pull_is_named_and_needs_the_kinks_numbers_held():
    """Red team s27 `f3-relu-pull-d8-0`'s family by hand (targets 7/45 at 0 and a line above): over the
    window the one-sided derivative along +b is the one proved negative; with b itself free the kink may
    leave 0 and nothing is claimed."""
    ys = [F(-233, 180), F(-7, 36), F(7, 45), F(11, 9), F(26, 9), F(41, 9)]
    a, c = _held_fit(ys)
    w = F("0.71428571")
    up, down = _one_sided(ys, a, c, a / w)
    assert up < 0 == down  # the line above 0 is fitted exactly: only the kink at 0 pulls
    data = Dataset.of([[x] for x in XS], [[y] for y in ys])
    point = Point.unflatten(NET, [w, F(0), _eight(a / w), _eight(c)])
    window = [F(1, 10**6), F(0), F(1, 10**6), F(1, 10**6)]
    apart = no_critical_point_within(NET, data, point, window, piecewise=True)
    assert apart is not None
    assert no_critical_point_within(NET, data, point, [F(1, 10**6)] * 4, piecewise=True) is None
