"""`snap` lands on an exact critical point of the region: the exact gradient there is zero (the
landscape's own derivative, not the snap's algebra), the loss did not go up, the activation pattern is
the one it started in, and `certify` proves a local minimum."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given, strategies as st

from badminima import Dataset, ExactArithmetic, Network, Point, Trap, certify, gradient, loss
from badminima.landscape.region_fit import snap
from badminima.strategies import datasets, networks, points
from badminima.verify.certificate import Verdict
from tests.reference import reference_loss

EXACT = ExactArithmetic()


def _pattern(net: Network, data: Dataset, point: Point) -> list[list[bool]]:
    first = point.layers[0]
    return [
        [
            sum((a * b for a, b in zip(w, x, strict=True)), first.b[j] if first.b else Fraction(0)) > 0
            for x in data.X
        ]
        for j, w in enumerate(first.W)
    ]


one_hidden = networks(
    activations=("identity", "relu", "leaky_relu"),
    min_hidden_layers=1,
    max_hidden_layers=1,
    max_outputs=1,
    outputs=("identity",),
    losses=("mse",),
)


@given(one_hidden.flatmap(lambda n: st.tuples(st.just(n), datasets(n, task="regression"), points(n))))
def test_snap_reaches_an_exact_critical_point_of_the_same_region(case):
    net, data, point = case
    snapped = snap(net, data, point)
    assume(snapped is not None)
    if net.activation != "identity":
        assert _pattern(net, data, snapped) == _pattern(net, data, point)
    assert all(g == 0 for g in gradient(net, data, snapped, arith=EXACT))
    assert loss(net, data, snapped, arith=EXACT) <= loss(net, data, point, arith=EXACT)
    assert certify(Trap(net, data, snapped)).verdict is Verdict.LOCAL_MIN


def test_snap_declines_what_it_cannot_do():
    data = Dataset.of([[1], [2]], [[0], [1]])
    at_kink = Point.of([([[1]], [-1]), ([[1]], [0])])
    assert snap(Network((1, 1, 1), "relu"), data, at_kink) is None
    assert snap(Network((1, 1, 1), "tanh"), data, Point.of([([[1]], [0]), ([[1]], [0])])) is None
    two_out = Network((1, 1, 2), "relu")
    assert snap(two_out, Dataset.of([[1]], [[0, 1]]), Point.of([([[1]], [0]), ([[1], [1]], [0, 0])])) is None


@st.composite
def _kinked(draw):
    """A 1-h-1 ReLU / leaky-ReLU net whose unit 0 sits at its kink on the first point (b₀ = −w₀x₀)."""
    h = draw(st.integers(1, 2))
    xs = draw(st.lists(st.integers(-3, 3), min_size=4, max_size=6, unique=True))
    ys = [draw(st.integers(-3, 3)) for _ in xs]
    small = st.fractions(min_value=-3, max_value=3, max_denominator=4)
    w = [draw(small.filter(bool)) for _ in range(h)]
    b = [-w[0] * xs[0], *(draw(small) for _ in range(h - 1))]
    v = [draw(small.filter(bool)) for _ in range(h)]
    net = Network((1, h, 1), draw(st.sampled_from(["relu", "leaky_relu"])))
    point = Point.of([([[q] for q in w], b), ([v], [draw(small)])])
    return net, Dataset.of([[x] for x in xs], [[y] for y in ys]), point


@given(_kinked())
def test_snap_holding_a_kink_is_stationary_along_every_move_that_keeps_it(case):
    """Truth by the reference loss: along each direction that keeps every kink point at its kink
    ((δw, δb) = (1, −x_k) for a unit at its kink on x_k, any (δw, δb) for one without, δc), the loss of
    the piece is a quadratic in t, so L(t) = L(−t) for a tiny t exactly when its slope is 0."""
    net, data, point = case
    snapped = snap(net, data, point, hold_kinks=True)
    assume(snapped is not None)
    assert _pattern(net, data, snapped) == _pattern(net, data, point)
    h = net.widths[1]
    flat = list(snapped.flatten())
    z = [[flat[j] * x[0] + flat[h + j] for x in data.X] for j in range(h)]
    assert z[0][0] == 0  # the kink is held
    assert reference_loss(net, data, snapped) <= reference_loss(net, data, point)
    t = Fraction(1, 10**40)
    moves = [[(len(flat) - 1, 1)]]  # the output bias
    for j in range(h):
        kinks = [x[0] for x, zj in zip(data.X, z[j], strict=True) if zj == 0]
        if not kinks:
            moves += [[(j, 1)], [(h + j, 1)]]
        elif len(kinks) == 1:
            moves.append([(j, 1), (h + j, -kinks[0])])
    for move in moves:
        sides = []
        for s in (t, -t):
            moved = list(flat)
            for k, a in move:
                moved[k] += s * a
            sides.append(reference_loss(net, data, Point.unflatten(net, moved)))
        assert sides[0] == sides[1], move
