"""Rounded points beside a kink (`verify.kink_snap`, `certify`'s snap before `not-critical`).

Truth is independent of the verifier: the exact kink points are the hand cases of `test_regions`
(a dead unit at a kink pushing away from its target: a minimum of loss 2/9, derived by hand; the mirror
with the output weight flipped: a first-order descent), and the red team s8's rounded kink minima, whose
exact twins were checked there by 200 random nearby points at 80 digits."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction as F

import pytest

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.kink_snap import kinks_within, snap_to_kinks
from tests.reference import reference_loss
from tests.verify.saved import saved_trap

NET = Network((1, 2, 1), "relu")
DATA = Dataset.of([[1], [2], [3]], [[0], [1], [0]])
# The hand case's unit 0, relu(x − 3), rescaled to (3/2)·relu((2x − 6)/3): the same function. Its weight 2/3
# written to 25 digits, 0.6666666666666666666666667, leaves it 1e-25 active at x = 3 (half a unit of the
# last place is 1.5e-25 there).
ACTIVE = F("0.6666666666666666666666667")


def _point(v0, w0):
    return Point.of([([[w0], [0]], [-2, 1]), ([[v0, 1]], ["-2/3"])])


def test_a_kink_minimum_rounded_to_the_active_side_is_that_minimum():
    point = _point(F(3, 2), ACTIVE)
    assert kinks_within(NET, DATA, point) == ((0, 0, 2),)
    cert = certify(Trap(NET, DATA, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.box_center == _point(F(3, 2), F(2, 3))  # the weight moved alone: the rescaled hand case
    assert reference_loss(NET, DATA, cert.box_center) == F(2, 9) == cert.loss_lower
    assert cert.box_radius is not None and cert.box_radius >= ACTIVE - F(2, 3)
    literal = certify(Trap(NET, DATA, point), probes=0, literal=True)
    assert literal.verdict is Verdict.NOT_CRITICAL  # the given numbers themselves do descend
    assert reference_loss(NET, DATA, literal.witness) < reference_loss(NET, DATA, point)


def test_the_mirror_rounded_to_the_active_side_stays_not_critical():
    # v₀ < 0: raising z₃ lowers f(3) towards its target at first order, at the kink itself too
    point = _point(F(-3, 2), ACTIVE)
    cert = certify(Trap(NET, DATA, point), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL, cert.reason
    assert reference_loss(NET, DATA, cert.witness) < reference_loss(NET, DATA, point)


def test_snapping_solves_every_kink_of_a_unit_exactly_inside_the_rounding_box():
    # relu(w1 x1 + w2 x2 − 2) with w1 = w2 = 2/3 written to 13 places: 1e-13 active on (3, 0) and (0, 3)
    net = Network((2, 1, 1), "relu")
    data = Dataset.of([[3, 0], [0, 3], [3, 3]], [[0], [0], [1]])
    point = Point.unflatten(net, [F("0.6666666666667"), F("0.6666666666667"), -2, 1, 0])
    snapped = snap_to_kinks(net, data, point, [(0, 0, 0), (0, 0, 1)])
    assert snapped.flatten()[:3] == (F(2, 3), F(2, 3), F(-2))  # the exact bias does not move
    # w2 five units of its last place away: no point the digits round has that kink
    far = Point.unflatten(net, [F("0.6666666666667"), F("0.6666666666672"), -2, 1, 0])
    assert snap_to_kinks(net, data, far, [(0, 0, 0), (0, 0, 1)]) is None


@pytest.mark.parametrize(
    "name",
    [
        "kinkround1-kl3-sigmoid-bce-s1-r12",
        "kinkround1-kl1-sigmoid-mse-s2-r12",
        "kink2-L23-sigmoid-mse-min-r30",
    ],
)
def test_red_team_rounded_kink_minima_are_never_not_critical(name):
    trap = saved_trap(name)
    cert = certify(trap, probes=0)
    assert cert.verdict in (Verdict.LOCAL_MIN, Verdict.INCONCLUSIVE), cert.reason


@pytest.mark.parametrize("style", ["repr", ".17g"])
def test_a_kink_saddle_printed_from_floats_is_that_saddle(style):
    # By hand: f = c + v_B·relu(x − 2) + v_A·relu(w_A x + b_A) on x = 0..3, y = (0, 1, 0, 2). The best fit
    # is c = 1/3 (mean of the first three targets), c + v_B = 2, with v_A = w_A = b_A = 0 (unit A at its
    # kink on every point, unit B on x = 2): residuals r = (1/3, −2/3, 1/3, 0). Along v_A = −t,
    # (w_A, b_A) = t·(−1, 3/2) the predictions move by δ = −t²·(3/2, 1/2, 0, 0), the loss by
    # (1/4)Σ(2r_iδ_i + δ_i²) = −t²/12 + 5t⁴/8: a saddle.
    # 1/3 and 5/3 pass through float64 and are printed: %.17g writes 0.33333333333333331, 2.3e-17 from
    # 1/3 while half its last place is 5e-18 (the float's own rounding exceeds the digits').
    net = Network((1, 2, 1), "relu")
    data = Dataset.of([[0], [1], [2], [3]], [[0], [1], [0], [2]])
    exact = Point.of([([[0], [1]], [0, -2]), ([[0, F(5, 3)]], [F(1, 3)])])
    t = F(1, 1000)
    lower = Point.of([([[-t], [1]], [3 * t / 2, -2]), ([[-t, F(5, 3)]], [F(1, 3)])])
    assert reference_loss(net, data, lower) == reference_loss(net, data, exact) - t**2 / 12 + 5 * t**4 / 8

    def written(q):
        return F(repr(float(q)) if style == "repr" else format(float(q), ".17g"))

    point = Point.of([([[0], [1]], [0, -2]), ([[0, written(F(5, 3))]], [written(F(1, 3))])])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE, cert.reason
    assert cert.box_center == exact
    assert cert.box_radius is not None and point.distance(exact) <= cert.box_radius


@pytest.mark.parametrize(
    "name",
    [
        "s23-cl5-bce-b1e-17-wexact",
        "s23-cl4-mse-kinkeps-bpos-vpos",
        "s23-cl5-ide-b1e-17",
        "s23-cl5-bce-b1e-33-d30",
    ],
)
def test_a_kink_bias_written_as_float_noise_is_a_rounded_zero(name):
    # red team s23 (truth by hand and at 60 digits, in each file): the bias of a unit meant at its kink
    # (b = 0, a pulling kink at the constant logit optimum) written as 1e-17 or 1.3e-17 beside
    # seventeen-digit numbers (1e-33 beside thirty): float noise, a rounded 0, so the point the digits
    # round is the minimum at b = 0, never `not-critical`
    trap = saved_trap(name)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.box_center is not None and cert.box_center.layers[0].b[0] == 0


def test_a_tiny_bias_above_the_noise_level_stays_a_value():
    # the same unit with b = 1e-12 beside seventeen-digit numbers: far above their rounding, so not noise;
    # on the active side at x = 0 the bias's gradient is v·s₀ > 0 (first order), not critical
    trap = saved_trap("s23-cl5-bce-b1e-17-wexact")
    first, out = trap.point.layers
    moved = Point((replace(first, b=(F(1, 10**12),)), out))
    assert certify(Trap(trap.network, trap.dataset, moved), probes=0).verdict is Verdict.NOT_CRITICAL
