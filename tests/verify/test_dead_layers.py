"""A hidden ReLU layer dead on all the data under a smooth loss: the network is locally the constant model.

Truth is independent of `badminima.verify`: the constant model's optimum by hand (σ(C*) = ȳ, loss the
binary entropy H(ȳ) for cross-entropy), and losses near the point at 60 digits by `tests.reference`.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from tests.reference import reference_loss

HEALTH = list(HealthCheck)


def _mp(q):
    return mpmath.mpf(q.numerator) / q.denominator


def _entropy(p):
    p = mpmath.mpf(p.numerator) / p.denominator
    return -(p * mpmath.log(p) + (1 - p) * mpmath.log(1 - p))


def test_the_hand_case_is_a_bad_minimum_with_the_entropy_as_loss():
    # z = x − 5 < 0 on x = 1, 2: the output is σ(c) everywhere; labels 1, 0 give ȳ = 1/2, so c = 0 is the
    # constant model's optimum and F* = H(1/2) = log 2. The better point fits both labels.
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[1], [2]], [[1], [0]])
    dead = Point.unflatten(net, [1, -5, 3, 0])
    better = Point.unflatten(net, [-10, 15, 2, -5])
    cert = certify(Trap(net, data, dead, better=better), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.BAD_LOCAL_MIN, "dead-layer-constant-model")
    assert _mp(cert.loss_lower) <= reference_loss(net, data, dead) <= _mp(cert.loss_upper)
    assert abs(reference_loss(net, data, dead) - mpmath.log(2)) < mpmath.mpf(10) ** -50
    assert reference_loss(net, data, better) < mpmath.log(2)


def test_a_rounded_optimum_is_the_minimum_next_to_it_and_literal_says_not_critical():
    # Labels 1, 1, 0: C* = logit(2/3) = log 2, written to 20 digits.
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[1], [2], [3]], [[1], [1], [0]])
    c = F(str(mpmath.nstr(mpmath.log(2), 20)))
    point = Point.unflatten(net, [1, -5, 3, c])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "dead-layer-constant-model")
    assert cert.box_radius < F(1, 10**18)
    assert _mp(cert.loss_lower) <= _entropy(F(2, 3)) <= _mp(cert.loss_upper)
    assert certify(Trap(net, data, point), probes=0, literal=True).verdict is Verdict.NOT_CRITICAL


@st.composite
def dead_nets(draw):
    """ReLU nets (1–2 hidden layers, 1–2 outputs, sigmoid output with mse or bce) whose last hidden layer
    is strictly dead on the data; labels balanced per output so that C* = 0; ``off`` moves the output
    bias away from it."""
    depth = draw(st.sampled_from([1, 2]))
    o = draw(st.sampled_from([1, 2]))
    loss = draw(st.sampled_from(["bce", "mse"]))
    widths = (1, *[draw(st.integers(1, 2)) for _ in range(depth)], o)
    net = Network(widths, "relu", output="sigmoid", loss=loss)
    xs = [F(v) for v in draw(st.lists(st.integers(-3, 3), min_size=4, max_size=4, unique=True))]
    ys = [[F(1) if i < 2 else F(0)] * o for i in range(4)]
    values = [F(draw(st.integers(-4, 4)), draw(st.integers(1, 3))) for _ in range(net.n_params)]
    point = Point.unflatten(net, values)
    layers = list(point.layers)
    last = layers[-2]
    # make the last hidden layer dead: its biases far below anything its inputs can reach
    b = tuple(F(-100) for _ in last.b)
    W = tuple(tuple(w / 10 for w in row) for row in last.W)
    layers[-2] = type(last)(W, b)
    off = draw(st.sampled_from([F(0), F(1, 3)]))
    out = layers[-1]
    layers[-1] = type(out)(out.W, tuple(off for _ in out.b))
    return net, Dataset.of([[x] for x in xs], ys), Point(tuple(layers)), off


def _check(case):
    net, data, point, off = case
    cert = certify(Trap(net, data, point), probes=0)
    if off != 0:
        assert cert.verdict is Verdict.NOT_CRITICAL
        return
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "dead-layer-constant-model")
    base = reference_loss(net, data, point)
    assert _mp(cert.loss_lower) <= base <= _mp(cert.loss_upper)
    rng = random.Random(0)
    x = point.flatten()
    for _ in range(20):  # nothing nearby is lower (60 digits)
        moved = Point.unflatten(net, [a + F(rng.randint(-100, 100), 10**4) for a in x])
        assert reference_loss(net, data, moved) >= base - mpmath.mpf(10) ** -40


@settings(max_examples=4, deadline=None, suppress_health_check=HEALTH, derandomize=True)
@given(dead_nets())
def test_dead_layer_minima_are_minima_and_shifted_ones_are_not(case):
    _check(case)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=HEALTH)
@given(dead_nets())
def test_dead_layer_minima_are_minima_and_shifted_ones_are_not_thorough(case):
    _check(case)


@pytest.mark.parametrize(("output", "loss"), [("identity", "mse"), ("sigmoid", "bce")])
def test_an_exact_large_weight_on_a_dead_unit_does_not_make_a_far_bias_a_rounding(output, loss):
    # s19 red team: relu(−x − 1) is dead on x = 0, 1, 2 (margin ≥ 1) and carries an exact weight 1e8,
    # so f = c everywhere nearby. The constant model's optimum is ȳ = 1/3 (mse) or logit(1/3) ≈ −0.69
    # (bce); dF/dc = 2(c − 1/3)/1 or σ(c) − 1/3 is ≥ 0.3 for c within 0.1 of 0.7777: nothing the digits
    # of 0.7777 round is critical. (An exact 1e8 once scaled the rounding to 1e4.)
    net = Network((1, 1, 1), "relu", output=output, loss=loss)
    data = Dataset.of([[0], [1], [2]], [[0], [0], [1]])
    point = Point.of([([[-1]], [-1]), ([[10**8]], [F("0.7777")])])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL, cert.reason


@pytest.mark.parametrize(("units", "inside"), [(5, True), (40, True), (80, True), (150, False)])
def test_an_output_bias_written_off_the_constant_optimum_within_its_window(units, inside):
    """x = −1..2 with labels (0, 1, 0, 0): ȳ = 1/4, so C* = logit(1/4) = −ln 3 (60 digits, by hand); the
    layer is dead (z = x − 5 ≤ −3). c is C* written to 8 digits, ``units`` of its last digit off: within
    the window (100⌈√4⌉ halves = 100 units) the verdict is the minimum one output-bias shift away, with
    the binary entropy H(1/4) in its loss bounds; beyond it, never a minimum."""
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[-1], [0], [1], [2]], [[0], [1], [0], [0]])
    c_star = -mpmath.log(3)
    c = mpmath.nstr(c_star + units * mpmath.mpf("1e-7"), 8)
    point = Point.unflatten(net, ["1.0000000", "-5.0000000", "2.0000000", c])
    cert = certify(Trap(net, data, point), probes=0)
    if not inside:
        assert not cert.verdict.is_minimum, cert.reason
        return
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "dead-layer-constant-model"), cert.reason
    assert _mp(cert.loss_lower) - 1e-40 <= _entropy(F(1, 4)) <= _mp(cert.loss_upper) + 1e-40
    assert abs(_mp(point.flatten()[3]) - c_star) <= _mp(cert.box_radius)
