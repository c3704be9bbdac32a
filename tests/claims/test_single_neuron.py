"""The single sigmoid neuron (Auer, Herbster & Warmuth 1995): a certified spurious minimum under the
square loss, checked against the hand derivation of the two-cluster instance; midpoint convexity of the
cross-entropy, and the same check *failing*, certified, on the square loss (hypothesis finds and shrinks
a violation; mpmath at 60 digits confirms it)."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest

from badminima import certify, loads_trap
from badminima.claims import Agrees, Found, Settings, Skip, claim, hunt
from badminima.claims.single_neuron import (
    TWO_CLUSTERS,
    convexity_examples,
    examine_convexity,
    examine_spurious,
    midpoint,
    midpoint_convexity,
    neuron,
)
from badminima.model import Dataset, Point
from badminima.model.trapfile import dumps_trap
from badminima.verify.certificate import Verdict


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _mp(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _loss(point: Point, data: Dataset, *, loss: str) -> mpmath.mpf:
    """The neuron's mean loss at ``point``, in mpmath (60 digits): independent of the package's forward."""
    with mpmath.workdps(60):
        (layer,) = point.layers
        w, b = layer.W[0], (layer.b[0] if layer.b is not None else Fraction(0))
        total = mpmath.mpf(0)
        for x, (y,) in zip(data.X, data.y, strict=True):
            z = sum((_mp(wi) * _mp(xi) for wi, xi in zip(w, x, strict=True)), _mp(b))
            if loss == "bce":
                total += mpmath.log1p(mpmath.exp(z)) - _mp(y) * z
            else:
                total += (1 / (1 + mpmath.exp(-z)) - _mp(y)) ** 2
        return total / len(data.X)


# --- spurious minima under the square loss -----------------------------------------------------------


def test_spurious_minima_claim_holds_with_a_certified_witness(profile):
    c = claim("sigmoid-neuron-square-loss-spurious-minima")
    out = c.check(profile=profile)
    assert out.status == c.expected == "held"
    assert out.examples > 0
    witness = out.witnesses[0]
    assert witness.certificate is not None and witness.certificate.verdict is Verdict.BAD_LOCAL_MIN
    # The trap file alone re-certifies.
    assert certify(loads_trap(dumps_trap(witness.trap))).verdict is Verdict.BAD_LOCAL_MIN


def test_the_two_cluster_minimum_is_the_hand_derived_one():
    """Hand derivation: the first group is fitted almost exactly, σ(b) = 1/5 and σ(w + b) = 4/5, i.e.
    b = −ln 4, w = 2 ln 4, while σ(6w + b), σ(7w + b) ≈ 1 (saturated): loss ≈ (0.8² + 0.2²)/4 = 0.17.
    The constant 1/2 (w = b = 0) has loss Σ(1/2 − y)²/4 = 0.09 exactly: a spurious minimum."""
    found = examine_spurious(TWO_CLUSTERS)
    assert isinstance(found, Found)
    trap, cert = found.trap.trap, found.trap.certificate
    assert cert is not None and cert.verdict is Verdict.BAD_LOCAL_MIN
    (layer,) = trap.point.layers
    w, b = float(layer.W[0][0]), float(layer.b[0])
    assert w == pytest.approx(2 * math.log(4), abs=1e-3)
    assert b == pytest.approx(-math.log(4), abs=1e-3)
    assert float(_loss(trap.point, TWO_CLUSTERS, loss="mse")) == pytest.approx(0.17, abs=1e-4)
    assert cert.loss_lower is not None and cert.loss_lower > Fraction(17, 100) - Fraction(1, 10**4)
    # Against the hand-made better point w = b = 0 (loss 9/100 exactly) the gap is ≈ 0.08.
    net = trap.network
    zero = Point.unflatten(net, [0, 0])
    assert float(_loss(zero, TWO_CLUSTERS, loss="mse")) == pytest.approx(0.09, abs=1e-15)
    again = certify(type(trap)(net, TWO_CLUSTERS, trap.point, zero))
    assert again.verdict is Verdict.BAD_LOCAL_MIN
    assert again.gap_lower is not None and Fraction(79, 1000) < again.gap_lower < Fraction(8, 100)


def test_a_monotone_dataset_has_no_spurious_minimum_and_0_1_targets_are_skipped():
    rising = Dataset.of([[0], [1], [2]], [["1/5"], ["1/2"], ["4/5"]])
    assert isinstance(examine_spurious(rising), Agrees)
    assert isinstance(examine_spurious(Dataset.of([[0], [1]], [[0], [1]])), Skip)


@pytest.mark.slow
def test_hypothesis_finds_and_shrinks_a_spurious_minimum_from_scratch():
    out = claim("sigmoid-neuron-square-loss-spurious-minima").check(profile="thorough", seed=0)
    assert out.status == "held" and out.shrink_steps > 0
    witness = out.witnesses[0]
    assert witness.certificate.verdict is Verdict.BAD_LOCAL_MIN
    assert witness.trap.dataset.n_points <= 6


# --- cross-entropy convexity, and the square loss failing it -----------------------------------------


def test_cross_entropy_convexity_claim_holds(profile):
    c = claim("sigmoid-neuron-cross-entropy-convex")
    out = c.check(profile=profile)
    assert out.status == c.expected == "held"
    assert out.examples > 0
    tally = dict(out.tally)
    assert tally.get("midpoint convex (proved in ball arithmetic)", 0) > out.examples // 2


def test_square_loss_saturation_violates_midpoint_convexity_by_hand():
    """One point x = 0, target 0, bias b: L(b) = σ(b)². At b = 0, 1, 2: σ(1)² ≈ 0.5344 exceeds
    (σ(0)² + σ(2)²)/2 ≈ 0.5129 (hand value with math.exp). Cross-entropy at the same points is convex."""

    def s(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    assert s(1) ** 2 > (s(0) ** 2 + s(2) ** 2) / 2 + 0.02
    data = Dataset.of([[0]], [[0]])
    square, entropy = neuron(1), neuron(1, loss="bce")
    p, q = Point.unflatten(square, [0, 0]), Point.unflatten(square, [0, 2])
    found = midpoint_convexity(square, data, p, q)
    assert isinstance(found, Found) and found.trap.certificate is None
    assert found.trap.trap.point == Point.unflatten(square, [0, 1])
    assert found.trap.trap.better == p
    assert "L(m) > (L(p) + L(q))/2" in found.trap.proof
    assert midpoint_convexity(entropy, data, p, q) == Agrees("midpoint convex (proved in ball arithmetic)")
    assert isinstance(examine_convexity((square, data, p, q)), Skip)


def test_equal_logits_are_decided_exactly_as_equality():
    # x = 1: (w, b) = (1, 0) and (0, 1) give the same logit 1, so all three losses are equal.
    data = Dataset.of([[1]], [["1/2"]])
    net = neuron(1, loss="bce")
    p, q = Point.unflatten(net, [1, 0]), Point.unflatten(net, [0, 1])
    assert examine_convexity((net, data, p, q)).label.startswith("equality")
    # Another point separates them: the inequality is then strict and proved.
    wider = Dataset.of([[1], [2]], [["1/2"], [1]])
    assert examine_convexity((net, wider, p, q)) == Agrees("midpoint convex (proved in ball arithmetic)")


def test_hypothesis_finds_a_certified_square_loss_violation_and_mpmath_confirms_it(profile):
    h = hunt(
        convexity_examples(loss="mse"),
        lambda e: midpoint_convexity(*e),
        Settings(100, profile, seed=None if profile == "ci" else 0),
    )
    assert h.found is not None and h.found_example is not None
    net, data, p, q = h.found_example
    assert net.loss == "mse"
    m = midpoint(p, q, net)
    assert h.found.trap.trap.point == m
    with mpmath.workdps(60):
        lp, lq, lm = (_loss(x, data, loss="mse") for x in (p, q, m))
        assert lm > (lp + lq) / 2
        assert _loss(h.found.trap.trap.better, data, loss="mse") < lm


def test_the_convexity_check_refuses_networks_with_hidden_layers():
    from badminima.model import Network

    net = Network((1, 2, 1), "sigmoid", output="sigmoid", loss="bce")
    p = Point.unflatten(net, [0] * net.n_params)
    with pytest.raises(ValueError, match="single neuron"):
        midpoint_convexity(net, Dataset.of([[0]], [[0]]), p, p)
