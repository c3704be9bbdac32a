"""Snapping a rounded deep linear point to the exactly critical point its digits round (`linear_snap`).

Truth is by construction: with the inputs e₁, …, e_d, the targets' map T = σ₁u₁c₁ᵀ + σ₂u₂c₂ᵀ (u₁ ⊥ u₂,
c₁ ⊥ c₂, small integers) has the rank-one critical products σ_k u_k c_kᵀ: the top one the global minimum of
every bottleneck-one network (Eckart–Young), the other a saddle. A point W₁ = a·c_kᵀ, (W₂ = b,)
W_L = σ_k u_k/(ab) with irrational a, b (square roots at 60 digits) has no rational member near it
coordinate by coordinate; its digits round a rational member of the family, whose product is σ_k u_k c_kᵀ.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.model.rational import written_decimal
from badminima.verify import Verdict, certify
from badminima.verify.linear_snap import critical_products, simplest_between, snap_critical
from badminima.verify.rounding import judged_rounding, written_short
from tests.verify.saved import saved_trap
from tests.verify.test_linear_points import reference_gradient

FAST = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def test_simplest_between_is_the_simplest():
    """By brute force over denominators: the first denominator with a fraction in [lo, hi]."""
    for lo, hi in [(F(3, 10), F(4, 10)), (F(-7, 3), F(-9, 4)), (F(1, 1000), F(2, 1000)), (F(5), F(5))]:
        got = simplest_between(lo, hi)
        q = next(
            q
            for q in itertools.count(1)
            if any(lo <= F(p, q) <= hi for p in range(int(lo * q) - 1, int(hi * q) + 2))
        )
        assert lo <= got <= hi and got.denominator == q


def _written(v: F, digits: int) -> F:
    """``v`` written to ``digits`` significant digits, trailing zeros kept as digits ("-0.25000000")."""
    if v == 0:
        return v
    with mpmath.workdps(digits + 10):
        return written_decimal(
            mpmath.nstr(mpmath.mpf(v.numerator) / v.denominator, digits, strip_zeros=False)
        )


def _root(k: int) -> F:
    """√k to 60 digits (irrational for a non-square k)."""
    with mpmath.workdps(70):
        return F(mpmath.nstr(mpmath.sqrt(k), 60))


@st.composite
def families(draw):
    """(network, data, exact product, whether it is the top one, the point at 60 digits)."""
    d0, dl = draw(st.sampled_from([2, 3])), draw(st.sampled_from([2, 3]))
    deep = draw(st.booleans())
    c1 = [F(v) for v in draw(st.sampled_from([(1, 2, 0), (2, -1, 1), (3, 1, -2)]))[:d0]]
    u1 = [F(v) for v in draw(st.sampled_from([(1, 1, 1), (2, -1, 0), (1, 3, -1)]))[:dl]]
    c2 = [-c1[1], c1[0], *[F(0)] * (d0 - 2)]  # c₁ ⊥ c₂ (and u₁ ⊥ u₂)
    u2 = [-u1[1], u1[0], *[F(0)] * (dl - 2)]
    s1, s2 = draw(st.sampled_from([(F(3), F(1, 2)), (F(2), F(1, 3)), (F(5, 2), F(1))]))
    if s1 * s1 * _norm2(u1) * _norm2(c1) <= s2 * s2 * _norm2(u2) * _norm2(c2):  # σ₁ on top
        s1, s2, u1, u2, c1, c2 = s2, s1, u2, u1, c2, c1
    targets = [[s1 * u1[o] * c1[i] + s2 * u2[o] * c2[i] for o in range(dl)] for i in range(d0)]
    data = Dataset.of([[F(int(i == j)) for j in range(d0)] for i in range(d0)], targets)
    top = draw(st.booleans())
    s, u, c = (s1, u1, c1) if top else (s2, u2, c2)
    a, b = _root(draw(st.sampled_from([2, 3, 5, 7]))), _root(draw(st.sampled_from([2, 6, 10])))
    widths = (d0, 1, 1, dl) if deep else (d0, 1, dl)
    net = Network(widths, "identity", bias=False)
    layers = [([[a * v for v in c]], None)]
    if deep:
        layers.append(([[b]], None))
    layers.append(([[s * v / (a * (b if deep else 1))] for v in u], None))
    product = [[s * u[o] * c[i] for i in range(d0)] for o in range(dl)]
    return net, data, product, top, Point.of(layers)


def _norm2(v):
    return sum(x * x for x in v)


def _product(point: Point):
    out = [list(row) for row in point.layers[0].W]
    for layer in point.layers[1:]:
        out = [[sum(w * out[k][i] for k, w in enumerate(row)) for i in range(len(out[0]))] for row in layer.W]
    return out


def _check(case, digits: int, classify: bool, first_digits: int | None = None) -> None:
    """``first_digits``: the first layer written to that many digits, the rest to ``digits``."""
    net, data, product, top, exact = case
    flat = exact.flatten()
    places = [first_digits or digits] * len(exact.layers[0].W[0]) + [digits] * (
        len(flat) - len(exact.layers[0].W[0])
    )
    given = Point.unflatten(net, [_written(v, d) for v, d in zip(flat, places, strict=True)])
    snapped = snap_critical(net, data, given)
    assert snapped is not None
    assert all(g == 0 for g in reference_gradient(net, data, snapped))
    assert _product(snapped) == product
    for written, moved, digits in zip(given.flatten(), snapped.flatten(), places, strict=True):
        # ten units of the written last place (``digits`` significant ones), twenty ulps for a decimal of
        # float length (15 to 17 digits: it may be a float's print, each of whose numbers is ± one ulp)
        unit = F(10) ** (int(mpmath.floor(mpmath.log10(abs(written)))) - digits + 1) if written else F(0)
        ulp = F(math.ulp(float(written))) if 15 <= digits <= 17 else F(0)
        assert abs(moved - written) <= max(10 * unit, 20 * ulp)
    if classify:
        cert = certify(Trap(net, data, given), probes=0)
        assert cert.verdict is (Verdict.LOCAL_MIN if top else Verdict.SADDLE), cert.reason


@FAST
@given(families(), st.sampled_from([4, 8, 12, 17, 30]))
def test_a_rounded_member_of_a_rational_family_snaps_to_an_exact_member(case, digits):
    _check(case, digits, classify=False)


@FAST
@given(families())
def test_a_first_layer_written_to_four_digits_beside_thirty_is_moved_alone(case):
    # the last layer's thirty digits cannot absorb the first layer's four-digit rounding: the first
    # layer alone is solved onto the product
    _check(case, 30, classify=False, first_digits=4)


@pytest.mark.slow
@SLOW
@given(families(), st.sampled_from([4, 8, 12, 17, 30]))
def test_rounded_members_snap_and_are_classified_thorough(case, digits):
    _check(case, digits, classify=True)


@pytest.mark.parametrize(
    ("name", "verdict"),
    [("s21-lin212-min-sqrt2-d17", Verdict.LOCAL_MIN), ("s21-lin212-saddle-sqrt3-d30", Verdict.SADDLE)],
)
def test_a_red_team_rescaled_point_is_classified_at_its_rational_family_member(name, verdict):
    # red team s21 (truth in each file: the exact point's, a rational rescaling inside the digits' box
    # checked in Fractions): the √2- and √3-rescaled global minimum and saddle of a 2-1-2 linear net
    trap = saved_trap(name)
    cert = certify(trap, probes=0)
    assert cert.verdict is verdict, cert.reason
    assert all(g == 0 for g in reference_gradient(trap.network, trap.dataset, cert.box_center))


def test_the_critical_products_are_the_eigenspace_projections_by_hand():
    # X = I, so T = Yᵀ and Σ = TTᵀ; with T = 3·u₁c₁ᵀ + u₂c₂ᵀ (u₁ = (1, 1), u₂ = (1, −1), c₁ = e₁, c₂ = e₂)
    # the eigenvectors of Σ are u₁, u₂ (eigenvalues 18, 2): the rank ≤ 1 critical products (Baldi &
    # Hornik) are 0, 3u₁c₁ᵀ and u₂c₂ᵀ
    net = Network((2, 1, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1]], [[3, 3], [1, -1]])
    got = {tuple(tuple(row) for row in A) for A in critical_products(net, data)}
    zero = ((F(0), F(0)), (F(0), F(0)))
    assert got == {zero, ((F(3), F(0)), (F(3), F(0))), ((F(0), F(1)), (F(0), F(-1)))}


@settings(max_examples=8, deadline=None, derandomize=True)
@given(
    w1=st.fractions(min_value=F(1, 2), max_value=2, max_denominator=9),
    w3=st.fractions(min_value=F(1, 2), max_value=2, max_denominator=9),
    c=st.sampled_from([F(1, 10**4), F(97, 10**6), F(965, 10**5)]),
    nudge=st.integers(-900, 900),
)
def test_a_small_middle_weight_printed_from_a_float_snaps_onto_the_product(w1, w3, c, nudge):
    """Red team s29 W4: F = (w₃w₂w₁ − c)² (1-1-1-1, bias-free, x = 1). Moving only w₂ to c/(w₁w₃) gives
    F = 0, the global minimum; w₂ printed from a float ``nudge``·1e-6 of its window off (the window
    1e-3·(1 + |w₂|), by hand) is within reach of that point, though moving w₁ or w₃ is far beyond theirs."""
    net = Network((1, 1, 1, 1), "identity", bias=False)
    data = Dataset.of([[1]], [[c]])
    star = c / (w1 * w3)
    printed = [
        F(repr(float(w1))),
        F(repr(float(star + nudge * F(1, 10**6) * (1 + star) / 1000))),
        F(repr(float(w3))),
    ]
    assert all(abs(p - q) <= F(1, 1000) * (1 + abs(p)) for p, q in zip(printed, (w1, star, w3), strict=True))
    # a float's print (not a short decimal, which is exact or digits its writer chose)
    assume(
        not written_short(Point.unflatten(net, printed)) and judged_rounding(Point.unflatten(net, printed))
    )
    snapped = snap_critical(net, data, Point.unflatten(net, printed))
    assert snapped is not None
    a, b, d = snapped.flatten()
    assert a * b * d == c  # F = 0 exactly: a global minimum
    assert all(abs(p - q) <= F(1, 1000) * (1 + abs(p)) for p, q in zip(printed, (a, b, d), strict=True))
    cert = certify(Trap(net, data, Point.unflatten(net, printed)), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason


def test_a_point_written_exactly_is_not_snapped_to_a_critical_point_nearby():
    """The slow soundness fuzz's deep-linear draw: 1-2-1 identity units, no biases, every number short
    (3/2, −2, 3/2, 1: exact, no window). Its product W₂W₁ = 1/4 is not the least-squares slope
    Σxy/Σx² = 10/39 (by hand), so the gradient is non-zero and the answer is `not-critical`, not a
    minimum 0.002 away."""
    net = Network((1, 2, 1), "identity", bias=False)
    data = Dataset.of([[1], ["3/2"]], [["-2/3"], [1]])
    point = Point.of([([["3/2"], [-2]], None), ([["3/2", 1]], None)])
    assert F(3, 2) * F(3, 2) + 1 * -2 != F(10, 39)
    assert snap_critical(net, data, point) is None
    assert certify(Trap(net, data, point), probes=0).verdict is Verdict.NOT_CRITICAL
