"""The symmetries claim: it holds on the drawn examples; its exact machinery agrees with hand derivations
(a tanh and a sigmoid network whose losses are written out by hand as rational functions of s = e^q) and
with 200-bit ball arithmetic; maps that are *not* symmetries (flipping a ReLU unit, rescaling a sigmoid
unit, an odd-style flip of a sigmoid unit, a tanh flip that forgets the outgoing weights) are found,
with a proof, and the hunt shrinks them."""

from __future__ import annotations

import math
import operator
from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from badminima import BallArithmetic, ExactArithmetic, Network, Point, loss
from badminima.claims import Agrees, Found, Settings, Skip, claim, hunt
from badminima.claims.symmetries import (
    CLAIMS,
    SMOOTH,
    Action,
    ExpRational,
    SymmetryExample,
    examine,
    exp_rational_arithmetic,
    exponential_base,
    symmetry_examples,
)
from badminima.landscape.symmetries import act_on_layers, join_layers, split_layers
from badminima.model import Dataset
from badminima.strategies import datasets, networks, points

CLAIM = CLAIMS[0]
s = flint.fmpq_poly([0, 1])


def unchecked(network: Network, point: Point, layer: int, *, signs=None, scales=None) -> Point:
    """The package's symmetry kernel without its validity checks: it happily 'flips' a ReLU unit or
    'rescales' a sigmoid unit, which are not symmetries."""
    flat = np.array([point.flatten()], dtype=object)

    def as_row(v):
        return None if v is None else np.array([v], dtype=object)

    layers = act_on_layers(
        network, split_layers(network, flat), layer, signs=as_row(signs), scales=as_row(scales)
    )
    return Point.unflatten(network, list(join_layers(layers)[0]))


def at(p: flint.fmpq_poly, x: float) -> float:
    """A polynomial's value at a float, in floating point (independent of flint's ball evaluation)."""
    return sum(float(c) * x**k for k, c in enumerate(p.coeffs()))


def example(network, X, y, point, image, action="hand-made map") -> SymmetryExample:
    return SymmetryExample(network, Dataset.of(X, y), point, image, action, ("map",))


# --- the claim itself --------------------------------------------------------------------------------


def test_the_claim_holds_on_both_exact_branches(profile):
    out = CLAIM.check(profile=profile)
    assert out.status == CLAIM.expected == "held", out.reason
    assert out.examples > 0 and out.counterexample is None
    labels = dict(out.tally)
    # Both decision procedures ran: exact rationals (piecewise linear) and rational functions of e^q.
    assert any("exact rationals" in label for label in labels)
    assert any("rational functions of e^q" in label for label in labels)
    assert any("flip" in label for label in labels) and any("rescale" in label for label in labels)
    assert claim("symmetries-preserve-loss") is CLAIM


# --- hand derivations ----------------------------------------------------------------------------------


def test_tanh_flip_matches_the_hand_derived_rational_function():
    # 1-2-1 tanh, W1 = (1, 1/2)ᵀ, b1 = (0, 1/2), W2 = (2, −1), b2 = 0, on x = 1, 2 with y = 0, 1.
    # Pre-activations: unit 0: 1, 2; unit 1: 1, 3/2; their gcd is q = 1/2, s = e^{1/2}, and
    # tanh(z) = (s^{4z} − 1)/(s^{4z} + 1) =: T_{4z}. f(1) = 2T₄ − T₄ = T₄, f(2) = 2T₈ − T₆, and by hand
    # 2T₈ − T₆ − 1 = (2s⁸ − 4s⁶ − 2)/((s⁸ + 1)(s⁶ + 1)), so
    # loss = ½[(s⁴ − 1)²/(s⁴ + 1)² + (2s⁸ − 4s⁶ − 2)²/((s⁸ + 1)²(s⁶ + 1)²)].
    net = Network((1, 2, 1), "tanh")
    point = Point.of([([[1], ["1/2"]], [0, "1/2"]), ([[2, -1]], [0])])
    # Flipping unit 1: (w, b, c) = (1/2, 1/2, −1) → (−1/2, −1/2, 1); f(2) = 2T₈ + tanh(−3/2) = 2T₈ − T₆.
    image = Point.of([([[1], ["-1/2"]], [0, "-1/2"]), ([[2, 1]], [0])])
    assert Action("flip", 1, unit=1).apply(net, point) == image
    data = Dataset.of([[1], [2]], [[0], [1]])
    num = (s**4 - 1) ** 2 * (s**8 + 1) ** 2 * (s**6 + 1) ** 2 + (2 * s**8 - 4 * s**6 - 2) ** 2 * (
        s**4 + 1
    ) ** 2
    den = 2 * (s**4 + 1) ** 2 * (s**8 + 1) ** 2 * (s**6 + 1) ** 2
    # The hand formula is the real loss: compare with floating-point tanh.
    e = math.exp(0.5)
    assert at(num, e) / at(den, e) == pytest.approx(
        (math.tanh(1) ** 2 + (2 * math.tanh(2) - math.tanh(1.5) - 1) ** 2) / 2, rel=1e-12
    )
    q = exponential_base(net, data, (point, image))
    assert q == Fraction(1, 2)
    arith = exp_rational_arithmetic(q)
    for p in (point, image):
        R = loss(net, data, p, arith=arith)
        assert R.num * den == num * R.den  # the same rational function as the hand derivation
    finding = examine(example(net, [[1], [2]], [[0], [1]], point, image, "flip unit 1 of layer 1"))
    assert isinstance(finding, Agrees) and "rational functions of e^q" in finding.label


def test_sigmoid_flip_moves_the_outgoing_weight_into_the_bias_by_hand():
    # 1-1-1 sigmoid, w = 1, b = 0, c = 3, output bias 0, on x = 1, y = 0: f = 3σ(1) = 3s/(s + 1), s = e.
    # The flip gives w = −1, b = 0, c = −3, output bias 3: f = 3 − 3σ(−1) = 3 − 3/(1 + s) = 3s/(s + 1).
    net = Network((1, 1, 1), "sigmoid")
    point = Point.of([([[1]], [0]), ([[3]], [0])])
    image = Point.of([([[-1]], [0]), ([[-3]], [3])])
    assert Action("flip", 1, unit=0).apply(net, point) == image
    data = Dataset.of([[1]], [[0]])
    q = exponential_base(net, data, (point, image))
    assert q == 1
    for p in (point, image):
        R = loss(net, data, p, arith=exp_rational_arithmetic(q))
        assert R.num * (s + 1) ** 2 == 9 * s**2 * R.den
    assert isinstance(examine(example(net, [[1]], [[0]], point, image)), Agrees)


def test_exact_rational_losses_of_a_relu_rescaling_by_hand():
    # 1-1-1 relu without biases, w = 2, c = 3, x = 1, y = 1: f = 6, loss 25; rescaling by 3/2 gives
    # w = 3, c = 2, f = 6 again.
    net = Network((1, 1, 1), "relu", bias=False)
    point = Point.of([([[2]], None), ([[3]], None)])
    image = Action("rescale", 1, unit=0, alpha=Fraction(3, 2)).apply(net, point)
    assert image == Point.of([([[3]], None), ([[2]], None)])
    assert loss(net, Dataset.of([[1]], [[1]]), image, arith=ExactArithmetic()) == 25
    assert isinstance(examine(example(net, [[1]], [[1]], point, image)), Agrees)


def test_identity_units_rescale_by_negative_alpha():
    net = Network((1, 1, 1), "identity", bias=False)
    point = Point.of([([[2]], None), ([[3]], None)])
    image = Action("rescale", 1, unit=0, alpha=Fraction(-1, 2)).apply(net, point)
    assert image == Point.of([([[-1]], None), ([[-6]], None)])


# --- maps that are not symmetries are found, with a proof --------------------------------------------


def test_flipping_a_relu_unit_is_found_with_exact_losses():
    # relu(1)·1 = 1 before; after the 'flip' relu(−1)·(−1) = 0: losses 1 and 0 (x = 1, y = 0).
    net = Network((1, 1, 1), "relu")
    point = Point.of([([[1]], [0]), ([[1]], [0])])
    image = unchecked(net, point, 1, signs=[-1])
    assert image == Point.of([([[-1]], [0]), ([[-1]], [0])])
    finding = examine(example(net, [[1]], [[0]], point, image, "flip a relu unit"))
    assert isinstance(finding, Found)
    assert finding.trap.certificate is None
    assert "1 at the point and 0 at its image" in finding.trap.proof
    # The trap's better point is the one with the lower loss: the image.
    assert finding.trap.trap.better == image and finding.trap.trap.point == point


@pytest.mark.parametrize(
    "broken",
    [
        # Rescaling a sigmoid unit by 2: 3σ(1) ≈ 2.19 becomes (3/2)σ(2) ≈ 1.32.
        lambda net, point: unchecked(net, point, 1, scales=[Fraction(2)]),
        # An odd-style flip of a sigmoid unit, without moving c into the next bias: 3σ(1) becomes −3σ(1).
        lambda net, point: Point.of([([[-1]], [0]), ([[-3]], [0])]),
    ],
    ids=["rescale-sigmoid", "sigmoid-flip-without-bias"],
)
def test_broken_sigmoid_maps_are_found_with_a_transcendence_and_ball_proof(broken):
    net = Network((1, 1, 1), "sigmoid")
    point = Point.of([([[1]], [0]), ([[3]], [0])])
    image = broken(net, point)
    finding = examine(example(net, [[1]], [[0]], point, image))
    assert isinstance(finding, Found), finding
    assert "Lindemann–Weierstrass" in finding.trap.proof and "disjoint" in finding.trap.proof
    trap = finding.trap.trap
    ball = BallArithmetic(200)
    data = Dataset.of([[1]], [[0]])
    assert loss(net, data, trap.better, arith=ball) < loss(net, data, trap.point, arith=ball)


def test_a_tanh_flip_that_forgets_the_outgoing_weights_is_found():
    net = Network((2, 2, 1), "tanh", bias=False)
    point = Point.of([([[1, 0], [0, "1/2"]], None), ([[1, 1]], None)])
    image = Point.of([([[-1, 0], [0, "1/2"]], None), ([[1, 1]], None)])  # c not negated
    finding = examine(example(net, [[1, 1], [2, "1/3"]], [[0], [1]], point, image))
    assert isinstance(finding, Found)


def test_the_hunt_finds_and_shrinks_relu_flips():
    # A deliberately wrong claim: 'flipping a ReLU unit is a symmetry'. The hunt must find a certified
    # counterexample and shrink it.
    @st.composite
    def relu_flips(draw):
        net = draw(
            networks(
                activations=("relu",),
                min_hidden_layers=1,
                max_hidden_layers=2,
                outputs=("identity",),
                losses=("mse",),
            )
        )
        data, point = draw(datasets(net)), draw(points(net))
        layer = draw(st.integers(1, net.depth - 1))
        signs = [-1 if i == 0 else 1 for i in range(net.widths[layer])]
        image = unchecked(net, point, layer, signs=signs)
        return SymmetryExample(net, data, point, image, f"flip relu unit 0 of layer {layer}", ("flip",))

    h = hunt(relu_flips(), examine, Settings(50, "ci"))
    assert h.found is not None and isinstance(h.found, Found)
    out = h.outcome(CLAIM)
    assert out.status == "counterexample" and out.counterexample is not None
    assert "exact losses" in out.counterexample.proof
    ex = h.found_example
    # Shrunk to the simplest counterexample: one ReLU unit, one data point.
    assert h.shrink_steps > 0 and ex.network.widths == (1, 1, 1) and len(ex.dataset.X) == 1
    exact = ExactArithmetic()
    assert loss(ex.network, ex.dataset, ex.point, arith=exact) != loss(
        ex.network, ex.dataset, ex.image, arith=exact
    )


# --- scope --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("network", "fragment"),
    [
        (Network((1, 1, 1), "tanh", output="sigmoid", loss="bce"), "bce"),
        (Network((1, 1, 1), "relu", output="sigmoid"), "sigmoid output"),
        (Network((1, 1, 1, 1), "sigmoid"), "two or more"),
        (Network((1, 1), "tanh"), "no hidden layer"),
    ],
)
def test_networks_outside_the_exact_scope_are_skipped(network, fragment):
    X, y = [[1]], [[0]]
    layers = [([[1] * i for _ in range(o)], [0] * o) for o, i in network.layer_shapes]
    pt = Point.of(layers)
    finding = examine(example(network, X, y, pt, pt))
    assert isinstance(finding, Skip) and fragment in finding.reason


# --- the rational-function representation against ball arithmetic -------------------------------------


@settings(max_examples=25, deadline=None)
@given(symmetry_examples().filter(lambda e: e.network.activation in SMOOTH))
def test_rational_functions_of_e_q_enclose_the_real_loss(ex):
    q = exponential_base(ex.network, ex.dataset, (ex.point, ex.image))
    arith, ball = exp_rational_arithmetic(q), BallArithmetic(200)
    for p in (ex.point, ex.image):
        R = loss(ex.network, ex.dataset, p, arith=arith)
        value = R.value(q, precision=200)
        real = loss(ex.network, ex.dataset, p, arith=ball)
        assert value.overlaps(real)
        assert value.rad() < 2.0**-120 and real.rad() < 2.0**-120


@given(
    st.lists(st.integers(-3, 3), min_size=1, max_size=4),
    st.lists(st.integers(-3, 3), min_size=1, max_size=4),
    st.lists(st.integers(-3, 3), min_size=1, max_size=4),
    st.sampled_from(["+", "-", "*", "/"]),
)
def test_exp_rational_field_operations_agree_with_balls(a, b, c, op):
    x = ExpRational(flint.fmpq_poly(a), s**2 + 1)
    y = ExpRational(flint.fmpq_poly(b) + flint.fmpq_poly(c) * s**3, s + 3)
    assume(op != "/" or y.num != 0)
    q = Fraction(1, 3)
    fn = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}[op]
    got = fn(x, y).value(q, precision=200)
    vx, vy = x.value(q, precision=200), y.value(q, precision=200)
    with flint.ctx.workprec(200):
        want = fn(vx, vy)
    assert got.overlaps(want) and got.rad() < 2.0**-150
