"""How a unit dead at a kink reaches the logits (`badminima.verify.kink_units`), against the network's
output computed independently (`tests.reference`): raising the unit's bias by δ makes u = δ on its kink
point, and the logit there moves by a·δ exactly, the later layers keeping their pieces."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings, strategies as st

from badminima.landscape import region_of
from badminima.model import Dataset, Network, Point
from badminima.verify import Verdict, certify
from badminima.verify.kink_units import dead_units, effective_weights, later_jacobians, raisers, rise
from tests.reference import reference_loss, reference_output
from tests.verify.saved import saved_trap

SMALL = st.sampled_from([F(1, 2), F(1), F(3, 2), F(2)])


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.lists(SMALL, min_size=3, max_size=3), st.lists(SMALL, min_size=2, max_size=2), st.booleans())
def test_the_effective_weight_is_the_logits_rate_in_the_dead_units_output(w2, v, second_dead):
    # 1-1-2-1 ReLU: h = relu(x − 2) is dead on x ∈ {1, 2} with its kink on x = 2; the second layer's unit 0
    # is active (bias 1), unit 1 active or dead (bias ±5); by hand a = v·D·(w2 column) = v0 w2[0] + v1 w2[1]
    # (without the second term when unit 1 is dead).
    net = Network((1, 1, 2, 1), "relu")
    data = Dataset.of([[1], [2]], [[0], [0]])
    b1 = F(-5) if second_dead else F(5)
    point = Point.of([([[1]], [-2]), ([[w2[0]], [w2[1]]], [1, b1]), ([[v[0], v[1]]], [w2[2]])])
    region = region_of(net, data, point)
    dead = dead_units(net, region)
    assert dead is not None and dead.layer == 0 and dead.at_kinks == ((0, (1,)),)
    a = effective_weights(net, point, None, region, dead, [0])[(0, 1)]
    assert list(a) == [v[0] * w2[0] + (0 if second_dead else v[1] * w2[1])]
    assert later_jacobians(net, point, None, region, 0, [1])[1].tolist() == [
        [v[0], 0 if second_dead else v[1]]
    ]
    delta = F(1, 1000)
    raised = Point.of([([[1]], [-2 + delta]), *[(lay.W, lay.b) for lay in point.layers[1:]]])
    moved = reference_output(net, raised, [F(2)]) - reference_output(net, point, [F(2)])
    assert moved == a[0] * delta


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(SMALL, SMALL), min_size=2, max_size=2, unique=True))
def test_a_raiser_lifts_each_of_two_kink_points_alone(points):
    # two distinct inputs: (h, 1) are independent rows, so for each kink point some move raises it and
    # lowers the other (checked exactly)
    moves = raisers(points, [0, 1])
    for i, k in ((0, 1), (1, 0)):
        assert any(rise(dw, db, points[i]) > 0 > rise(dw, db, points[k]) for dw, db in moves)


def test_a_deep_kink_unit_with_one_pulling_kink_point_is_a_first_order_descent():
    # red team s8: A (hidden layer 2 of 3) is dead with a kink on two points, r·α < 0 on one of them only;
    # raising that point alone (its inputs are independent) lowers the loss at first order
    trap = saved_trap("kink2-L23-sigmoid-bce-mixedA-d17")
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "first-order-descent"), cert.reason
    assert reference_loss(trap.network, trap.dataset, cert.witness) < reference_loss(
        trap.network, trap.dataset, trap.point
    )
