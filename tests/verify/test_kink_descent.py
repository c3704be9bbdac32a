"""Kinks under a smooth loss (sigmoid output, cross-entropy): a proved negative one-sided derivative.

Truth is independent of `badminima.verify`: the one-sided derivative along the found direction is
recomputed as a 60-digit difference quotient of `tests.reference.reference_loss` (plain loops, mpmath),
and the witness's loss is compared with the point's by the same reference.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from badminima.landscape import region_of
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.kink_descent import kink_descent, ray_masks
from badminima.verify.kink_units import raising_directions
from tests.reference import reference_loss, reference_output

small = st.fractions(min_value=-2, max_value=2, max_denominator=3)
HEALTH = list(HealthCheck)


def _one_sided(net, data, point, v, t=F(1, 10**25)):
    """(F(x + t v) − F(x)) / t at 60 digits: the one-sided derivative up to O(t) + 1e-35."""
    moved = Point.unflatten(net, [a + t * b for a, b in zip(point.flatten(), v, strict=True)])
    return (reference_loss(net, data, moved) - reference_loss(net, data, point)) * t.denominator / t.numerator


def _not_below(net, data, cert, n=40, seed=0):
    """No point of the proof box (random, and half-way along each coordinate) is lower by the reference
    loss; a proof without a box (the logit surrogate's sign-cone argument, proof radius 0) is sampled
    within 1/1000 of its centre instead."""
    assert cert.box_center is not None and cert.proof_radius is not None
    radius = cert.proof_radius or F(1, 1000)
    centre = cert.box_center.flatten()
    base = reference_loss(net, data, cert.box_center)
    rng = random.Random(seed)
    moves = [[radius * F(rng.randint(-1000, 1000), 1000) for _ in centre] for _ in range(n)]
    for k in range(len(centre)):
        for sign in (1, -1):
            moves.append([sign * radius / 2 if i == k else F(0) for i in range(len(centre))])
    for d in moves:
        moved = Point.unflatten(net, [q + dq for q, dq in zip(centre, d, strict=True)])
        assert reference_loss(net, data, moved) >= base - mpmath.mpf(10) ** -40


@st.composite
def kinked(draw):
    """A 1- or 2-input ReLU/leaky-ReLU net with sigmoid output (mse or bce) whose first hidden unit
    passes exactly through data point 0 (b₀ = −w₀·x₀): that pre-activation is at a kink."""
    d0 = draw(st.sampled_from([1, 2]))
    h = draw(st.sampled_from([1, 2]))
    act = draw(st.sampled_from(["relu", "leaky_relu"]))
    loss = draw(st.sampled_from(["bce", "mse"]))
    net = Network((d0, h, 1), act, output="sigmoid", loss=loss)
    n = draw(st.integers(2, 4))
    X = [[draw(small) for _ in range(d0)] for _ in range(n)]
    y = [[draw(st.sampled_from([F(0), F(1)]))] for _ in range(n)]
    W1 = [[draw(small) for _ in range(d0)] for _ in range(h)]
    b1 = [draw(small) for _ in range(h)]
    b1[0] = -sum((w * x for w, x in zip(W1[0], X[0], strict=True)), F(0))
    W2 = [[draw(small) for _ in range(h)]]
    b2 = [draw(small)]
    return net, Dataset.of(X, y), Point.of([(W1, b1), (W2, b2)])


def _check(case):
    net, data, point = case
    if not region_of(net, data, point).kinks:
        return  # w₀·x₀ = 0 with x₀ = 0 and the kink is of every point: nothing to test
    cert = certify(Trap(net, data, point), probes=0)
    if cert.code == "best-possible-fit":
        # Every prediction is its input's mean target (σ(0) = 1/2 on labels 0 and 1 at one input, say):
        # a global minimum, checked here against the hand rule with the independent forward pass.
        for x in set(data.X):
            ys = [y[0] for xi, y in zip(data.X, data.y, strict=True) if xi == x]
            mean = sum(ys, F(0)) / len(ys)
            out = reference_output(net, point, list(x))
            assert abs(out - mpmath.mpf(mean.numerator) / mean.denominator) < mpmath.mpf(10) ** -50
        return
    if cert.verdict is Verdict.SADDLE:
        # a second-order proof at a point with no first-order descent (a unit born at its kink): the
        # witness must be lower by the independent forward pass
        assert cert.witness is not None
        assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)
        return
    if cert.verdict is Verdict.LOCAL_MIN:
        # a unit dead at its kink that pushes away from its targets: no nearby point in the proof box
        # (random and along each coordinate) is lower by the reference loss
        _not_below(net, data, cert)
        return
    assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE)
    if cert.method == "output-range":
        # every label 1 (or every label 0): σ(z) − y has one sign at every parameter, checked by hand
        assert len({y[0] for y in data.y}) == 1 and cert.verdict is Verdict.NOT_CRITICAL
        return
    if cert.verdict is Verdict.NOT_CRITICAL and cert.method == "logit-surrogate":
        # the surrogate's descent direction (to its witness) goes down at first order by the reference
        assert cert.code == "first-order-descent" and cert.witness is not None
        direction = [a - b for a, b in zip(cert.witness.flatten(), point.flatten(), strict=True)]
        assert _one_sided(net, data, point, direction) < 0
        assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)
        return
    if cert.verdict is Verdict.NOT_CRITICAL:
        assert cert.code == "first-order-descent"
        # the directions `certify` tries first (raising a dead unit's kink points, one or all)
        raising = raising_directions(net, data, region_of(net, data, point), point)
        found = kink_descent(net, data, point, first=raising)
        assert found is not None
        slope = _one_sided(net, data, point, found.direction)
        assert slope < 0
        assert (
            abs(slope - mpmath.mpf(found.lower.numerator) / found.lower.denominator) < mpmath.mpf(10) ** -20
        )
        if cert.witness is not None:
            assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


def _unit_at_zero(xs):
    """The slow fuzz's two draws of s34: a ReLU unit at w = b = 0 (a kink at every input) under v = −1,
    sigmoid output, bce, labels 0, 1, 1, 0. With x = 0, 1, −2, 0 raising (w, b) along (1/2, 1) goes
    down at first order (the surrogate's descent, not `kink_descent`'s); with x = 0, 1, −1, 0 every
    direction rises or keeps the logits affine at logistic regression's optimum (a non-strict minimum
    proved without a box)."""
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[x] for x in xs], [[0], [1], [1], [0]])
    return net, data, Point.unflatten(net, [0, 0, -1, 0])


@settings(max_examples=8, deadline=None, suppress_health_check=HEALTH, derandomize=True)
@given(kinked())
@example(_unit_at_zero([0, 1, -2, 0]))
@example(_unit_at_zero([0, 1, -1, 0]))
def test_a_proved_one_sided_descent_is_real(case):
    _check(case)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)
@given(kinked())
def test_a_proved_one_sided_descent_is_real_thorough(case):
    _check(case)


def test_the_hand_case_goes_down_and_its_slope_is_the_hand_derivative():
    # 1-1-1 ReLU, sigmoid output, bce; z = x − 1 is 0 at x = 1. With u = relu(z) ∈ {0, 0} at the point,
    # the output is σ(c) = 1/2 on both points, and along v = e_b (the hidden bias) the first point's
    # unit switches on: F(t) = (−log σ(t) − log(1 − σ(0)))/2, so F'(0+) = −(1 − σ(0))/2 = −1/4.
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[1], [-1]], [[1], [0]])
    point = Point.unflatten(net, [1, -1, 1, 0])
    e_b = (F(0), F(1), F(0), F(0))
    assert [m.tolist() for m in ray_masks(net, data, point, e_b)] == [[[True, False]]]
    assert abs(_one_sided(net, data, point, e_b) + F(1, 4)) < mpmath.mpf(10) ** -20
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "first-order-descent")
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


def test_no_first_order_descent_is_not_critical_but_a_born_unit_saddle():
    # The unit's output weight is 0 and the output bias is optimal (balanced labels, c = 0): every
    # one-sided derivative is 0, so no first-order proof exists; the answer must not be `not-critical`.
    # The unit is born at its kink on x = 1 (`dead_kinks`, constant model): raising it with a positive
    # output weight lifts σ(z) toward y = 1 there at second order, a saddle.
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[1], [-1]], [[1], [0]])
    point = Point.unflatten(net, [1, -1, 0, 0])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "kink-born-unit-saddle")
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)
    for v in itertools.product((F(-1), F(0), F(1)), repeat=4):
        assert _one_sided(net, data, point, v) >= -(mpmath.mpf(10) ** -20)  # O(t) second-order terms


def test_digits_at_rounding_level_are_not_a_descent():
    # Labels 1, 1, 0 and a silent unit at a kink: the output bias's optimum is logit(2/3) = log 2. Written
    # to 20 digits, the proved slope along the bias is about 1e-20, a fact about the digits: the answer is
    # not `not-critical` unless --literal.
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[1], [-1], [-2]], [[1], [1], [0]])
    c = F(str(mpmath.nstr(mpmath.log(2), 20)))
    point = Point.unflatten(net, [1, -1, 0, c])
    cert = certify(Trap(net, data, point), probes=0)
    # not `not-critical`: the critical point meant (c = log 2) has a unit born at its kink on x = 1, a
    # second-order saddle (`dead_kinks`); its loss F* = −(2 log(2/3) + log(1/3))/3 by hand
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "kink-born-unit-saddle")
    critical = -(2 * mpmath.log(mpmath.mpf(2) / 3) + mpmath.log(mpmath.mpf(1) / 3)) / 3
    assert reference_loss(net, data, cert.witness) < critical
    literal = certify(Trap(net, data, point), probes=0, literal=True)
    assert (literal.verdict, literal.code) == (Verdict.NOT_CRITICAL, "first-order-descent")
    assert reference_loss(net, data, literal.witness) < reference_loss(net, data, point)
