"""The sigmoid deadlock: certified, accuracies by an independent float evaluation, symmetric data."""

import math
from fractions import Fraction

from badminima.constructions import construction
from badminima.verify import certify


def hand_outputs(trap, point):
    (W, b), (V, c) = ((lay.W, lay.b) for lay in point.layers)

    def sigmoid(z):
        return 1 / (1 + math.exp(-z))

    out = []
    for x in trap.dataset.X:
        h = [
            sigmoid(sum(float(w) * float(xi) for w, xi in zip(row, x, strict=True)) + float(bj))
            for row, bj in zip(W, b, strict=True)
        ]
        out.append(sum(float(v) * hj for v, hj in zip(V[0], h, strict=True)) + float(c[0]))
    return out


def hand_accuracy(trap, point):
    outs = hand_outputs(trap, point)
    return sum((o > 0.5) == (y[0] == 1) for o, y in zip(outs, trap.dataset.y, strict=True)) / len(outs)


def test_deadlock_is_a_certified_bad_minimum_at_80_percent_against_100():
    trap = construction("sigmoid-deadlock").build()
    assert trap.dataset.n_points == 10 and trap.network.widths == (2, 2, 1)
    assert {tuple(x) for x in trap.dataset.X} == {(-a, b) for a, b in trap.dataset.X}  # mirror symmetric
    cert = certify(trap, probes=0)
    assert (cert.verdict.value, cert.rigor) == ("bad-local-min", "interval")
    assert hand_accuracy(trap, trap.point) == 0.8
    assert hand_accuracy(trap, trap.better) == 1.0
    mse = (
        sum(
            (o - float(y[0])) ** 2
            for o, y in zip(hand_outputs(trap, trap.point), trap.dataset.y, strict=True)
        )
        / 10
    )
    assert cert.loss_lower <= Fraction(mse) * (1 + Fraction(1, 10**9))
    assert abs(float(cert.loss_lower) - mse) < 1e-9
    assert cert.gap_lower > Fraction(1, 10)


def test_moved_deadlock_is_the_same_trap():
    trap = construction("sigmoid-deadlock").build(scale="1/2", shift_x=3, shift_y="-2/3")
    assert trap.dataset.X[0] == (Fraction(1, 2) + 3, 1 - Fraction(2, 3))
    cert = certify(trap, probes=0)
    assert cert.verdict.value == "bad-local-min"
    assert abs(float(cert.loss_lower) - 0.129632637949682) < 1e-9
    assert hand_accuracy(trap, trap.point) == 0.8
