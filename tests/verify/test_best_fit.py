"""Points whose predictions are exactly their inputs' mean targets: global minima over all functions.

Truth is independent of `badminima.verify`: the infimum over all functions by hand (per distinct input,
the binary entropy of its mean label for cross-entropy, the within-group variance for mse) and losses
of nearby points at 60 digits by `tests.reference`.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from tests.reference import reference_loss


def _mp(q):
    return mpmath.mpf(q.numerator) / q.denominator


def _infimum(loss, X, Y):
    total = mpmath.mpf(0)
    for x in set(X):
        ys = [y for xi, y in zip(X, Y, strict=True) if xi == x]
        m = sum(ys, F(0)) / len(ys)
        for y in ys:
            if loss == "bce":
                total += -(_mp(y) * mpmath.log(_mp(m)) + (1 - _mp(y)) * mpmath.log(1 - _mp(m)))
            else:
                total += _mp((m - y) ** 2)
    return total / len(X)


@st.composite
def zero_nets(draw):
    """All-zero weights except the output bias, labels in pairs per input with mean 1/2 (sigmoid output,
    σ(0) = 1/2) or any mean c (identity output, output bias c): every prediction is its group's mean —
    or, with ``spoil``, one label flipped so that it is not."""
    act = draw(st.sampled_from(["tanh", "sigmoid"]))
    output, loss = draw(st.sampled_from([("sigmoid", "bce"), ("sigmoid", "mse"), ("identity", "mse")]))
    depth = draw(st.sampled_from([1, 2]))
    widths = (1, *[draw(st.integers(1, 2)) for _ in range(depth)], 1)
    net = Network(widths, act, output=output, loss=loss)
    xs = sorted({F(draw(st.integers(-3, 3))) for _ in range(3)})
    X = [x for x in xs for _ in range(2)]
    Y = [y for _ in xs for y in (F(0), F(1))]
    spoil = draw(st.booleans())
    if spoil:
        Y[0] = F(1)
    values = [F(0)] * net.n_params
    if output == "identity":
        values[-1] = F(1, 2)
    return net, X, Y, Point.unflatten(net, values), spoil


def _check(case):
    net, X, Y, point, spoil = case
    data = Dataset.of([[x] for x in X], [[y] for y in Y])
    cert = certify(Trap(net, data, point), probes=0)
    if spoil:
        assert cert.code != "best-possible-fit"
        return
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "best-possible-fit")
    base = reference_loss(net, data, point)
    assert abs(base - _infimum(net.loss, X, Y)) < mpmath.mpf(10) ** -50
    rng = random.Random(1)
    for _ in range(10):  # anything nearby, or far, is no lower (60 digits)
        for size in (10**3, 10):
            moved = Point.unflatten(net, [a + F(rng.randint(-100, 100), size) for a in point.flatten()])
            assert reference_loss(net, data, moved) >= base - mpmath.mpf(10) ** -50


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(zero_nets())
def test_best_possible_fits_are_global_minima_and_spoiled_ones_are_not_claimed(case):
    _check(case)


def test_a_better_point_cannot_make_it_bad():
    net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
    data = Dataset.of([[-1], [-1], [1], [1]], [[0], [1], [0], [1]])
    zero = Point.unflatten(net, [0, 0, 0, 0])
    other = Point.unflatten(net, [1, 0, 1, 0])
    cert = certify(Trap(net, data, zero, better=other), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "best-possible-fit")
    assert reference_loss(net, data, other) > reference_loss(net, data, zero)
