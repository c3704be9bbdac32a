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
