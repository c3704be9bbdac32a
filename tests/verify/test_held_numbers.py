"""No critical point with some numbers held: the moving ones eliminated by Krawczyk (`held_numbers`).

Truth is exact and independent of the verifier: a least-squares line y ≈ w₁x₁ + w₂x₂ + c (an identity
network, mse) with w₁ held at the optimum plus δ has its moving numbers (w₂, c) stationary at one point,
got here from the 2 × 2 normal equations in rationals, where ∂F/∂w₁ is computed in rationals too: the
box holds a critical point exactly when δ = 0 (and the restricted optimum lies in it).
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import assume, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.held_numbers import no_critical_point_held
from tests.verify.test_exact_numbers import _region_case, _region_optimum

NET = Network((2, 1), "identity")


def _restricted_optimum(X, y, w1: F) -> tuple[F, F, F]:
    """(w₂, c) minimising Σ (w₁x₁ + w₂x₂ + c − y)² with w₁ held, and ∂F/∂w₁ there (all exact)."""
    r = [t - w1 * a for (a, _), t in zip(X, y, strict=True)]
    cols = [[F(b) for _, b in X], [F(1)] * len(X)]
    A = [[sum(p * q for p, q in zip(u, v, strict=True)) for v in cols] for u in cols]
    rhs = [sum(p * q for p, q in zip(u, r, strict=True)) for u in cols]
    det = A[0][0] * A[1][1] - A[0][1] * A[1][0]
    w2 = (rhs[0] * A[1][1] - A[0][1] * rhs[1]) / det
    c = (A[0][0] * rhs[1] - A[1][0] * rhs[0]) / det
    res = [w1 * a + w2 * b + c - t for (a, b), t in zip(X, y, strict=True)]
    return w2, c, 2 * sum(e * a for e, (a, _) in zip(res, X, strict=True)) / len(X)


def _full_optimum_w1(X, y) -> F | None:
    """w₁ of the full least-squares optimum: the held value where ∂F/∂w₁ vanishes at the restricted optimum
    (linear in w₁: two evaluations locate it); None when it does not depend on w₁."""
    g0, g1 = _restricted_optimum(X, y, F(0))[2], _restricted_optimum(X, y, F(1))[2]
    return None if g0 == g1 else g0 / (g0 - g1)


POINTS = st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=4, max_size=6)


@settings(max_examples=40, deadline=None)
@given(POINTS, st.lists(st.integers(-5, 5), min_size=6, max_size=6), st.sampled_from([0, 1, 7]))
def test_a_box_proved_free_of_critical_points_holds_none(X, ys, k):
    """δ = 0: a critical point lies in the box, so nothing is proved; δ = k/(3·10⁶) ≠ 0: none lies in it,
    and the Krawczyk elimination proves that with the restricted optimum inside the box; a box that
    misses the restricted optimum holds no critical point either, and Krawczyk finds its zero set empty."""
    y = [F(v) for v in ys[: len(X)]]
    assume(len({b for _, b in X}) > 1)  # the moving numbers' normal equations need a varying x₂
    star = _full_optimum_w1(X, y)
    assume(star is not None)
    assert star is not None
    w1 = star + F(k, 3 * 10**6)
    w2, c, slope = _restricted_optimum(X, y, w1)
    assert (slope == 0) == (k == 0)
    data = Dataset.of([list(x) for x in X], [[t] for t in y])
    written = Point.unflatten(NET, [w1, w2 + F(1, 10**4), c - F(1, 10**4)])
    radii = [F(0), F(1, 10**3), F(1, 10**3)]
    found = no_critical_point_held(NET, data, written, radii)
    if k == 0:
        assert found is None
    else:
        assert found is not None
    # a box the moving numbers' only zero lies outside of: no critical point in it, whatever δ
    away = Point.unflatten(NET, [w1, w2 + F(1, 10), c])
    assert no_critical_point_held(NET, data, away, radii) is not None


def test_nothing_is_claimed_without_a_held_number_or_a_moving_one():
    data = Dataset.of([[0, 1], [1, 0], [1, 1]], [[1], [2], [4]])
    point = Point.unflatten(NET, [F(1, 3), F(1, 7), F(1, 9)])
    assert no_critical_point_held(NET, data, point, [F(1, 100)] * 3) is None
    assert no_critical_point_held(NET, data, point, [F(0)] * 3) is None


@pytest.mark.parametrize("digits", [4, 8])
@pytest.mark.parametrize("power", [5, 14])
def test_a_rounded_output_bias_beside_an_exact_weight_off_the_region_optimum_is_not_critical(digits, power):
    """Red team s24 (b13b): a 1-2-1 ReLU region, every number exact but c (1/3 to ``digits`` digits), the
    first-layer weight 35/2 + 1/(3·10^power) (non-terminating, held). With everything else held, c is
    stationary only at the mean residual c*, where ∂F/∂w₁ ≠ 0 (both in rationals here): no critical point
    in the digits' window. The control with w₁ = 35/2 is the region optimum, a minimum."""
    off = _region_case(F(35, 2) + F(1, 3 * 10**power))
    net, data = off.network, off.dataset
    hidden, out = off.point.layers
    c_written = F(str(round(F(1, 3), digits)))

    def at(point_c: F, w1: F) -> Point:
        return Point.of([([[3], [w1]], [7, F(-7, 2)]), ([list(out.W[0])], [point_c])])

    w1 = hidden.W[1][0]
    X = [x[0] for x in data.X]
    feats = [[max(F(0), 3 * x + 7), max(F(0), w1 * x - F(7, 2))] for x in X]
    pred = [out.W[0][0] * a + out.W[0][1] * b for a, b in feats]
    c_star = sum(t[0] - p for t, p in zip(data.y, pred, strict=True)) / len(X)
    grad_w1 = (
        2
        * sum(
            (p + c_star - t[0]) * out.W[0][1] * x * (1 if b > 0 else 0)
            for p, t, x, (_, b) in zip(pred, data.y, X, feats, strict=True)
        )
        / len(X)
    )
    assert grad_w1 != 0
    cert = certify(Trap(net, data, at(c_written, w1)), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason
    assert _region_optimum() == (F(1, 6), F(1, 7), F(1, 3))
    control = certify(Trap(net, data, at(c_written, F(35, 2))), probes=0)
    assert control.verdict is Verdict.LOCAL_MIN, control.reason


def test_a_critical_point_on_the_edge_of_the_box_is_kept():
    """A reviewer's trap: a 1-1-1 ReLU net whose exact critical point (1/3, 7/13, 7/13, 1/3) (its exact
    gradient is 0, computed here in rationals) lies on the edge of the box; the Krawczyk steps shrink X
    away from the Newton centre, so J must cover the hull of X and that centre, or the zero is lost."""
    net = Network((1, 1, 1), "relu")
    data = Dataset.of(
        [[4], ["-1/3"], [1], [4], [-1], [6]],
        [["6658/3549"], ["5882/10647"], ["407/507"], ["173/507"], ["694/1183"], ["1031/507"]],
    )
    w, b, v, c = F(1, 3), F(7, 13), F(7, 13), F(1, 3)
    residuals = [v * max(w * x[0] + b, F(0)) + c - y[0] for x, y in zip(data.X, data.y, strict=True)]
    active = [w * x[0] + b > 0 for x in data.X]
    assert all(w * x[0] + b != 0 for x in data.X)  # no kink: the loss is smooth there
    grads = [
        sum(r * v * x[0] for r, x, a in zip(residuals, data.X, active, strict=True) if a),
        sum(r * v for r, a in zip(residuals, active, strict=True) if a),
        sum(r * max(w * x[0] + b, F(0)) for r, x in zip(residuals, data.X, strict=True)),
        sum(residuals),
    ]
    assert grads == [0, 0, 0, 0]
    point = Point.unflatten(net, [w, "69883/130000", "6987/13000", c])
    radii = [F(0), F(1, 1000), F(1, 1000), F(0)]
    assert all(abs(p - q) <= r for p, q, r in zip(point.flatten(), (w, b, v, c), radii, strict=True))
    assert no_critical_point_held(net, data, point, radii) is None
