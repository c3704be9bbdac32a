"""Sigmoid outputs at logit 0 over ReLU / leaky-ReLU units at their kinks: the least-squares surrogates.

Truth is derived here by hand, sharing no code with `badminima.verify`. The family: one hidden layer
whose units all sit at the origin (w_j = b_j = 0, so every pre-activation is exactly 0), output weights
v_j, output bias 0, so every logit is 0 and the loss's gradient in the logits is g ∝ 1/2 − y (bce, and
mse through a sigmoid). Nearby, the logits move by Δz = c·1 + Σ_j v_j σ(X̃ w̃_j), with σ(X̃ w̃) positively
homogeneous in w̃, so ⟨g, Δz⟩ = c·Σ g + Σ_j v_j φ(w̃_j) with φ(w̃) = Σ_i g_i σ(x̃_i·w̃). φ is linear on
each sector between the rays ±(1, −x_i) (d0 = 1), so its sign is read off those rays. The loss is C² and
strongly convex in the logits at 0, so F − F* = ⟨g, Δz⟩ + Θ(‖Δz‖²):
- Σ g ≠ 0, or v_j ≠ 0 with v_j φ(r) < 0 on some ray r: first-order descent, `not-critical`;
- else a unit with v_j = 0 and φ(r) ≠ 0: v_j = −t·sign φ(r), w̃_j = t·r moves the logits by O(t²) with
  ⟨g, Δz⟩ = −t²|φ(r)| while ‖Δz‖² = O(t⁴), and no first-order descent: a `saddle`;
- else ⟨g, Δz⟩ ≥ 0 nearby: a (non-strict) `local-min`.
"""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.logit_surrogate import constant_logits, logit_surrogates
from tests.reference import reference_loss

SLOPE = F(1, 100)


def _truth(xs, ys, vs, activation):
    g = [F(1, 2) - y for y in ys]
    if sum(g) != 0:
        return "not-critical"

    def act(t):
        return t if t >= 0 else (SLOPE * t if activation == "leaky_relu" else F(0))

    rays = [(F(0), F(1)), (F(0), F(-1))] + [(s, -s * x) for x in xs for s in (F(1), F(-1))]
    phi = [sum(gi * act(w * x + b) for gi, x in zip(g, xs, strict=True)) for w, b in rays]
    if any(v != 0 and any(v * p < 0 for p in phi) for v in vs):
        return "not-critical"
    if any(v == 0 for v in vs) and any(phi):
        return "saddle"
    return "local-min"


def _trap(xs, ys, vs, activation, loss):
    net = Network((1, len(vs), 1), activation, output="sigmoid", loss=loss)
    point = Point.unflatten(net, [F(0)] * (2 * len(vs)) + [F(v) for v in vs] + [F(0)])
    return Trap(network=net, dataset=Dataset.of([[x] for x in xs], [[y] for y in ys]), point=point)


@st.composite
def origin_units(draw):
    """Targets 1/2 − g with g a sum of second differences (Σ g = 0 = Σ g·x, so minima and saddles are
    common), sometimes perturbed; one or two units at the origin."""
    xs = sorted(draw(st.lists(st.integers(-4, 4), min_size=3, max_size=5, unique=True)))
    g = [F(0)] * len(xs)
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.integers(1, len(xs) - 2))
        a, b = F(1, xs[i] - xs[i - 1]), F(1, xs[i + 1] - xs[i])
        s = F(draw(st.sampled_from([1, 1, -1])), draw(st.sampled_from([4, 8])))
        for k, w in ((i - 1, a), (i, -a - b), (i + 1, b)):
            g[k] += s * w
    if draw(st.booleans()):
        k = draw(st.integers(0, len(xs) - 1))
        g[k] += F(1, 16)
        g[(k + 1) % len(xs)] -= F(1, 16)
    ys = [F(1, 2) - v for v in g]
    vs = draw(st.lists(st.sampled_from([-1, 0, 1, 2]), min_size=1, max_size=2))
    activation = draw(st.sampled_from(["relu", "relu", "leaky_relu"]))
    loss = draw(st.sampled_from(["bce", "mse"]))
    return xs, ys, vs, activation, loss


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(origin_units())
def test_units_at_the_origin_under_a_sigmoid_output(case):
    xs, ys, vs, activation, loss = case
    if not all(0 <= y <= 1 for y in ys):
        return
    cert = certify(_trap(xs, ys, vs, activation, loss), probes=0)
    truth = _truth(xs, ys, vs, activation)
    got = "local-min" if cert.verdict is Verdict.BAD_LOCAL_MIN else cert.verdict.value
    assert got == truth, (cert.code, cert.reason)


def test_a_minimum_only_the_surrogate_proves():
    # g = (1/4, −1/2, 1/4) at x = (−1, 0, 1): φ(w̃) is a second difference of a convex function, ≥ 0.
    trap = _trap([-1, 0, 1], [F(1, 4), F(1), F(1, 4)], [1], "relu", "bce")
    assert _truth([-1, 0, 1], [F(1, 4), F(1), F(1, 4)], [1], "relu") == "local-min"
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code, cert.method) == (
        Verdict.LOCAL_MIN,
        "logit-surrogate-minimum",
        "logit-surrogate",
    )


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_a_saddle_through_the_upper_surrogate_has_a_lower_point_at_60_digits(loss):
    xs, ys, vs = [1, 3, 4], [F(3, 8), F(7, 8), F(1, 4)], [1, 0]
    assert _truth(xs, ys, vs, "relu") == "saddle"
    trap = _trap(xs, ys, vs, "relu", loss)
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.method) == (Verdict.SADDLE, "logit-surrogate")
    assert cert.witness is not None
    here = reference_loss(trap.network, trap.dataset, trap.point)
    there = reference_loss(trap.network, trap.dataset, cert.witness)
    assert there < here - mpmath.mpf(10) ** -50
    assert mpmath.mpf(cert.witness_loss_upper.numerator) / cert.witness_loss_upper.denominator < here


def test_no_surrogate_off_logit_zero():
    trap = _trap([-1, 0, 1], [F(1, 4), F(1), F(1, 4)], [1], "relu", "bce")
    moved = Point.unflatten(trap.network, [F(0), F(0), F(1), F(1, 3)])
    assert logit_surrogates(trap.network, trap.dataset, moved) is None
    assert logit_surrogates(trap.network, trap.dataset, trap.point) is not None


# --- constant logits at an irrational optimum -------------------------------------------------------
# One ReLU unit w = 1, b = −1 on x = −1, 0, 1: dead, at its kink on x = 1; the logit is the output bias c
# on every point. Targets (0, 1/2, 1/2) have mean ȳ = 1/3, so the constant optimum is c* = logit(1/3) =
# −log 2, irrational: a point can only round it. The loss's slope in the logit at c* on the kink point
# is s = ȳ − 1/2 = −1/6 (bce) or 2(ȳ − 1/2)ȳ(1 − ȳ) < 0 (mse through a sigmoid). Raising the unit there
# (b up by t) moves that logit by v·t: with v·s > 0 it costs at first order and lowering c costs as the
# constant model's optimum does, a local minimum; with v = 0 the move (v = −t·sign s, b + t) changes that
# logit by t² with ⟨s, Δz⟩ = −|s|t² < 0 at second order, a saddle.
KINK_X, KINK_Y = [[-1], [0], [1]], [[0], [F(1, 2)], [F(1, 2)]]


def _irrational_case(loss: str, v: int, digits: int):
    net = Network((1, 1, 1), "relu", output="sigmoid", loss=loss)
    data = Dataset.of(KINK_X, KINK_Y)
    with mpmath.workdps(digits + 20):
        c = F(mpmath.nstr(-mpmath.log(2), digits))
    return net, data, Point.unflatten(net, [1, -1, v, c])


def _constant_optimum_60(loss: str) -> mpmath.mpf:
    """F at c* = −log 2 (σ(c*) = 1/3), at 60 digits, from the formulas alone."""
    with mpmath.workdps(60):
        p = mpmath.mpf(1) / 3
        ys = [mpmath.mpf(0), mpmath.mpf(1) / 2, mpmath.mpf(1) / 2]
        if loss == "bce":
            return -sum(y * mpmath.log(p) + (1 - y) * mpmath.log(1 - p) for y in ys) / 3
        return sum((p - y) ** 2 for y in ys) / 3


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize("digits", [8, 17, 30])
def test_a_rounded_irrational_constant_optimum_beside_a_dead_kink_is_classified(loss, digits):
    star = _constant_optimum_60(loss)
    net, data, saddle_point = _irrational_case(loss, 0, digits)
    cert = certify(Trap(net, data, saddle_point), probes=0)
    assert cert.verdict is Verdict.SADDLE, cert.reason
    with mpmath.workdps(60):
        assert reference_loss(net, data, cert.witness) < star
        assert abs(_mp(saddle_point.flatten()[3]) + mpmath.log(2)) <= _mp(cert.box_radius)
    net, data, min_point = _irrational_case(loss, -1, digits)
    cert = certify(Trap(net, data, min_point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    with mpmath.workdps(60):
        tol = mpmath.mpf(10) ** -55  # the 60-digit reference's own rounding
        assert _mp(cert.loss_lower) - tol <= star <= _mp(cert.loss_upper) + tol
        for t in range(-4, 5):
            for u in range(-4, 5):  # nothing near c* = −log 2, b = −1 is below F*
                moved = Point.unflatten(
                    net, [1, F(-1) + F(t, 1000), -1, F(mpmath.nstr(-mpmath.log(2), 50)) + F(u, 1000)]
                )
                assert reference_loss(net, data, moved) >= star - mpmath.mpf(10) ** -45


def test_a_bias_whose_digits_do_not_round_the_optimum_is_not_moved():
    # c = −0.5000 is 0.19 from −log 2, far beyond ten units of its last place: no θ* is taken, and the
    # constant model's slope Σ(σ(c) − y) = 3σ(−1/2) − 1 ≈ 0.13 is a first-order descent
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of(KINK_X, KINK_Y)
    point = Point.unflatten(net, [1, -1, 0, "-0.5000"])
    assert constant_logits(net, data, point) is None
    assert certify(Trap(net, data, point), probes=0).verdict is Verdict.NOT_CRITICAL


def _mp(q: F) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator
