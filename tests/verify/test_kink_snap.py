"""Rounded points beside a kink (`verify.kink_snap`, `certify`'s snap before `not-critical`).

Truth is independent of the verifier: the exact kink points are the hand cases of `test_regions`
(a dead unit at a kink pushing away from its target: a minimum of loss 2/9, derived by hand; the mirror
with the output weight flipped: a first-order descent), and the red team s8's rounded kink minima, whose
exact twins were checked there by 200 random nearby points at 80 digits."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest

from badminima.model import Dataset, Network, Point, Trap, load_trap
from badminima.verify import Verdict, certify
from badminima.verify.kink_snap import kinks_within, snap_to_kinks
from tests.reference import reference_loss

NET = Network((1, 2, 1), "relu")
DATA = Dataset.of([[1], [2], [3]], [[0], [1], [0]])
ACTIVE = F("-2.9999999999999999999999999")  # unit 0's bias: relu(x − 3) rounded to 1e-25 active at x = 3


def _point(v0, b0):
    return Point.of([([[1], [0]], [b0, 1]), ([[v0, 1]], ["-2/3"])])


def test_a_kink_minimum_rounded_to_the_active_side_is_that_minimum():
    point = _point(1, ACTIVE)
    assert kinks_within(NET, DATA, point, F(1, 10**20)) == ((0, 0, 2),)
    cert = certify(Trap(NET, DATA, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.box_center == _point(1, -3)  # the bias moved alone: the hand case exactly
    assert reference_loss(NET, DATA, cert.box_center) == F(2, 9) == cert.loss_lower
    assert cert.box_radius is not None and cert.box_radius >= 3 + ACTIVE
    literal = certify(Trap(NET, DATA, point), probes=0, literal=True)
    assert literal.verdict is Verdict.NOT_CRITICAL  # the given numbers themselves do descend
    assert reference_loss(NET, DATA, literal.witness) < reference_loss(NET, DATA, point)


def test_the_mirror_rounded_to_the_active_side_stays_not_critical():
    # v₀ = −1: raising z₃ lowers f(3) towards its target at first order, at the kink itself too
    point = _point(-1, ACTIVE)
    cert = certify(Trap(NET, DATA, point), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL, cert.reason
    assert reference_loss(NET, DATA, cert.witness) < reference_loss(NET, DATA, point)


def test_snapping_solves_every_kink_of_a_unit_exactly():
    net = Network((2, 1, 1), "relu")
    data = Dataset.of([[1, 0], [0, 1], [1, 1]], [[0], [0], [1]])
    point = Point.unflatten(net, [F("1.0000000000001"), F("0.9999999999998"), -1, 1, 0])
    snapped = snap_to_kinks(net, data, point, [(0, 0, 0), (0, 0, 1)])
    w1, w2, b = snapped.flatten()[:3]
    assert w1 + b == 0 and w2 + b == 0
    assert max(abs(a - c) for a, c in zip(point.flatten(), snapped.flatten(), strict=True)) < F(1, 10**12)


@pytest.mark.parametrize(
    "name",
    [
        "kinkround1-kl3-sigmoid-bce-s1-r12",
        "kinkround1-kl1-sigmoid-mse-s2-r12",
        "kink2-L23-sigmoid-mse-min-r30",
    ],
)
def test_red_team_rounded_kink_minima_are_never_not_critical(name):
    trap = load_trap(Path(__file__).parent / "cases" / f"{name}.json")
    cert = certify(trap, probes=0)
    assert cert.verdict in (Verdict.LOCAL_MIN, Verdict.INCONCLUSIVE), cert.reason
