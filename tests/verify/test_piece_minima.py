"""Minima of a ReLU net's activation piece on its rescaling slice: one unit feeding two outputs, with and
without a kink that pushes.

Truth is independent of `badminima.verify`: for a 1-1-K ReLU net the loss at fixed (w, b) is a least
squares problem in (v, c) with features (relu(w x_i + b), 1), so its profile p(w, b) = min over (v, c) of
F (normal equations solved here in exact rationals) bounds F below at every (v, c). p ≥ F(θ*) on a grid
of (w, b) around the point's — on both sides of every kink, at three scales — is the check that no nearby
point does better; one profile value below F(θ*) is a lower point next to it.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima.landscape import region_of
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.kink_units import outgoing
from badminima.verify.piece_minima import certify_piece_minimum, live_slice
from badminima.verify.suboptimality import enclose_loss
from badminima.verify.symmetry_slices import rescaling_slice
from tests.reference import reference_loss
from tests.verify.saved import saved_trap

NET = Network((1, 1, 2), "relu")
STEPS = [F(0)] + [s * F(1, 10**k) for k in (2, 4, 7) for s in (1, -1)]


def _profile(data, w, b):
    """min over (v, c) of the mse with features relu(w x + b) (exact least squares per output)."""
    h = [max(w * x[0] + b, F(0)) for x in data.X]
    n = len(h)
    sh, shh = sum(h), sum(v * v for v in h)
    det = n * shh - sh * sh
    total = F(0)
    for k in range(len(data.y[0])):
        y = [row[k] for row in data.y]
        if det == 0:  # constant feature: the mean
            fit = [sum(y) / n] * n
        else:
            sy, shy = sum(y), sum(a * t for a, t in zip(h, y, strict=True))
            a = (n * shy - sh * sy) / det
            c = (sy - a * sh) / n
            fit = [a * v + c for v in h]
        total += sum((f - t) ** 2 for f, t in zip(fit, y, strict=True))
    return total / n


def _lowest_profile(data, point):
    w, b = point.layers[0].W[0][0], point.layers[0].b[0]
    return min(_profile(data, w + dw, b + db) for dw in STEPS for db in STEPS)


def _loss(data, point):
    return enclose_loss(NET, data, point).lower


def _case(X, y):
    data = Dataset.of([[x] for x in X], y)
    return data, Point.unflatten(NET, [1, 0, 2, 0, 1, F(4, 3)])


def _outcome(data, point):
    return certify_piece_minimum(
        NET, data, point, region_of(NET, data, point), enclose_loss(NET, data, point)
    )


def test_a_rank_one_minimum_without_kinks():
    """Output 1 fits its active points exactly; output 2 is the constant 4/3 with residuals orthogonal to
    relu(x) but not to its shifts: the subspaces' bound (which lets output 2 use any affine function on
    the active points) falls short, the piece's Hessian on the slice is positive definite."""
    data, point = _case([-1, F(-1, 2), 1, 2], [[2, 1], [0, F(4, 3)], [3, 2], [5, 1]])
    cert = certify(Trap(NET, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "piece-slice-minimum")
    assert _lowest_profile(data, point) == _loss(data, point)


def test_a_pushing_kink_beside_a_zero_output_weight():
    """The same with the second point at x = 0, the unit's kink, where the prediction 1 is above the
    target 0 along the output weight 2: turning the unit on there only raises the loss."""
    data, point = _case([-1, 0, 1, 2], [[2, 1], [0, F(4, 3)], [3, 2], [5, 1]])
    assert region_of(NET, data, point).kinks == ((0, 0, 1),)
    cert = certify(Trap(NET, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "piece-slice-minimum")
    assert _lowest_profile(data, point) == _loss(data, point)


def test_a_pulling_kink_is_not_held():
    """Targets 0 and 2 on the inactive points (their mean still 1), so at the kink the prediction 1 is
    below the target 2: the unit turning on there lowers the loss (profile below F at b > 0)."""
    data, point = _case([-1, 0, 1, 2], [[0, 1], [2, F(4, 3)], [3, 2], [5, 1]])
    assert _outcome(data, point) is None
    assert _lowest_profile(data, point) < _loss(data, point)
    assert certify(Trap(NET, data, point), probes=0).verdict is not Verdict.LOCAL_MIN


def test_an_indefinite_piece_is_not_claimed():
    """Output 2's residuals have Σ over the active points ≠ 0 and the coupling of the unit's bias with its
    output weight wins: a saddle (profile below F)."""
    data = Dataset.of([[-1], [1], [2]], [[1, 1], [2, -2], [3, 1]])
    point = Point.unflatten(NET, [1, 0, 1, 0, 1, 0])
    assert _outcome(data, point) is None
    assert _lowest_profile(data, point) < _loss(data, point)
    assert certify(Trap(NET, data, point), probes=0).verdict is Verdict.SADDLE


def _project_out(r, basis):
    """r minus its exact least-squares projection on span(basis) (Gram–Schmidt in rationals)."""
    ortho = []
    for v in basis:
        u = list(v)
        for q in ortho:
            f = sum(a * b for a, b in zip(u, q, strict=True)) / sum(b * b for b in q)
            u = [a - f * b for a, b in zip(u, q, strict=True)]
        if any(u):
            ortho.append(u)
    out = list(r)
    for q in ortho:
        f = sum(a * b for a, b in zip(out, q, strict=True)) / sum(b * b for b in q)
        out = [a - f * b for a, b in zip(out, q, strict=True)]
    return out


@settings(max_examples=25, deadline=None)
@given(
    inactive=st.lists(st.integers(-6, -1), min_size=1, max_size=3, unique=True),
    active=st.lists(st.integers(1, 6), min_size=2, max_size=4, unique=True),
    at_kink=st.booleans(),
    v=st.sampled_from([F(2), F(-1), F(1, 2)]),
    noise=st.lists(st.integers(-4, 4), min_size=16, max_size=16),
)
def test_planted_critical_points_are_minima_only_where_the_profile_agrees(
    inactive, active, at_kink, v, noise
):
    """Exactly critical 1-1-2 points (w = 1, b = 0, output weights (v, 0)): residuals r₁ ⊥ span(1, x) on
    the active points with Σ r₁ = 0 on the inactive ones, r₂ ⊥ span(1, relu(x)) — any of them may sit
    at the kink x = 0. A `piece-slice-minimum` must have no profile value below its loss on the grid."""
    X = sorted([F(x) for x in inactive] + ([F(0)] if at_kink else []) + [F(x) for x in active])
    act = [x > 0 for x in X]
    h = [max(x, F(0)) for x in X]
    n = len(X)
    r1 = [F(e, 2) for e in noise[:n]]
    r1 = _project_out(r1, [[F(a) for a in act], [x if a else F(0) for x, a in zip(X, act, strict=True)]])
    r1 = _project_out(r1, [[F(not a) for a in act]])  # Σ over the inactive points 0
    r2 = _project_out([F(e, 3) for e in noise[8 : 8 + n]], [[F(1)] * n, h])
    y = [[v * hi + 1 - a, F(4, 3) - b] for hi, a, b in zip(h, r1, r2, strict=True)]
    data = Dataset.of([[x] for x in X], y)
    point = Point.unflatten(NET, [1, 0, v, 0, 1, F(4, 3)])
    out = _outcome(data, point)
    if out is not None:
        assert out.verdict is Verdict.LOCAL_MIN
        assert _lowest_profile(data, point) >= _loss(data, point)


def test_a_weight_into_a_dead_unit_does_not_cut_a_rescaling():
    """Reviewer's 3-2-2-3 ReLU case (exact critical point, one pushing kink held, second-layer unit 1 dead
    on the piece): a first-layer unit's largest outgoing weight goes into the dead unit, which the loss of
    the piece does not depend on, so the slice fixes its weight into the live unit instead. Truth: the
    exact loss (plain-loop reference) along random rational directions at radii 10⁻²…10⁻⁶ is never lower."""
    trap = saved_trap("piece-inert-slice-3223")
    net, data, point = trap.network, trap.dataset, trap.point
    region = region_of(net, data, point)
    dead = {(1, 1)}
    assert not region.masks("inactive")[1][1].any()
    assert any(k in outgoing(net, 0, u)[1:2] for u in range(2) for k in rescaling_slice(net, point).fixed)
    assert live_slice(net, point, dead) is not None
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "piece-slice-minimum")
    at = reference_loss(net, data, point)
    rng = random.Random(0)
    flat = point.flatten()
    for radius in (F(1, 10**2), F(1, 10**4), F(1, 10**6)):
        for _ in range(15):
            d = [F(rng.randint(-1000, 1000), 1000) for _ in flat]
            moved = Point.unflatten(net, [a + radius * b for a, b in zip(flat, d, strict=True)])
            assert reference_loss(net, data, moved) >= at


def test_a_kink_with_zero_slope_is_taken_on_both_sides():
    """The unit at its kink on x = 0 where the residual there is 0 along its output weights (neither
    pushing nor pulling): both pieces are critical, each positive definite on its slice. Planted: r₁ = 0
    at the kink, Σ r₁ = 0 on the inactive points, r₁ ⊥ span(1, x) on the active ones, r₂ ⊥ span(1, relu x)."""
    X = [F(x) for x in (-2, -1, 0, 1, 2, 3)]
    act = [x > 0 for x in X]
    h = [max(x, F(0)) for x in X]
    on = [[F(a) for a in act], [x if a else F(0) for x, a in zip(X, act, strict=True)]]
    r1 = [F(1), F(-1), F(0), *_project_out([F(0)] * 3 + [F(1), F(-2), F(1, 2)], on)[3:]]
    r2 = _project_out([F(1), F(2), F(-1), F(0), F(1), F(-3)], [[F(1)] * 6, h])
    y = [[2 * hi + 1 - a, F(4, 3) - b] for hi, a, b in zip(h, r1, r2, strict=True)]
    data = Dataset.of([[x] for x in X], y)
    point = Point.unflatten(NET, [1, 0, 2, 0, 1, F(4, 3)])
    region = region_of(NET, data, point)
    assert region.kinks == ((0, 0, 2),)
    cert = certify(Trap(NET, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "piece-slice-minimum")
    assert _lowest_profile(data, point) >= _loss(data, point)


@pytest.mark.parametrize("digits", [8, 17])
def test_a_rounded_pushing_kink_minimum_is_decided_about_the_exact_point(digits):
    """The pushing-kink case above with its output numbers written to ``digits`` digits (v and the
    4/3 bias a few units off; w = 1, b = 0 exact, so the kink stays): the verdict is about the exact
    point, whose profile the test checks."""
    data, exact = _case([-1, 0, 1, 2], [[2, 1], [0, F(4, 3)], [3, 2], [5, 1]])
    unit = F(1, 10 ** (digits - 1))
    written = [1, 0, 2 - 3 * unit, 0, 1 + 2 * unit, F(mpmath.nstr(mpmath.mpf(4) / 3, digits))]
    point = Point.unflatten(NET, written)
    cert = certify(Trap(NET, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "piece-slice-minimum")
    assert cert.box_center == exact and point.distance(exact) <= cert.box_radius
    assert _lowest_profile(data, exact) == _loss(data, exact)


def _profile2(data, W, b):
    """min over (V, c) of the mse with features relu(W x + b) of two units and 1: each output's residual
    after the exact projection onto their span (`_project_out`, dependent features included)."""
    n = len(data.X)
    cols = [[max(W[j] * x[0] + b[j], F(0)) for x in data.X] for j in range(2)] + [[F(1)] * n]
    residuals = [_project_out([row[k] for row in data.y], cols) for k in range(len(data.y[0]))]
    return sum(sum(r * r for r in res) for res in residuals) / n


def test_a_silent_unit_whose_gradient_vanishes_on_its_piece_is_dropped():
    """1-2-2 ReLU: unit 0 as in the rank-one example, unit 1 = relu(−x − 3/2) silent (output weights 0)
    and active only on x = −2, where both residuals are 0 — its would-be gradient Σ_i r_i relu(w x_i + b)
    is 0 for every (w, b) nearby, so its own numbers are dropped and the rest is positive definite. The
    profile over (V, c) at every (W, b) of a grid around the point is never below the loss."""
    net = Network((1, 2, 2), "relu")
    data = Dataset.of(
        [[-2], [-1], [F(-1, 2)], [1], [2]], [[1, F(4, 3)], [0, 1], [2, F(4, 3)], [3, 2], [5, 1]]
    )
    point = Point.of([([[1], [-1]], [0, F(-3, 2)]), ([[2, 0], [0, 0]], [1, F(4, 3)])])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "piece-slice-minimum")
    at = enclose_loss(net, data, point).lower
    steps = [F(0), F(1, 100), F(-1, 100), F(1, 10**5), F(-1, 10**5)]
    assert all(
        _profile2(data, (1 + a, -1 + b), (c, F(-3, 2) + d)) >= at
        for a in steps
        for b in steps
        for c in steps
        for d in steps
    )
