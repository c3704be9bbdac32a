"""Kinks of the last hidden layer that push (`verify.pushing_kinks`): taken on their inactive side, the
least-squares bound proves minima the two-sided bound could not.

Truth is independent of the verifier: the hand example's predictions and loss are worked out below,
and every minimum claimed is checked by the reference loss (exact Fractions) at points sampled around
it, every coordinate moved, on both sides of the kink; a kink that pulls instead has a descent.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from tests.reference import reference_loss, reference_output

# 1-1-1-1 ReLU on x = 0..3: h = relu(x + 1) = x + 1; g = relu(h − 2) is dead on x = 0, at its kink on
# x = 1, active on x = 2, 3; f = 2g + 1 = (1, 1, 3, 5).
NET = Network((1, 1, 1, 1), "relu")
POINT = Point.of([([[1]], [1]), ([[1]], [-2]), ([[2]], [1])])


def _nearby_never_lower(net, data, point, floor, radius=F(1, 1000), n=60, seed=0) -> None:
    rng = random.Random(seed)
    theta = point.flatten()
    for _ in range(n):
        moved = [q + radius * F(rng.randint(-1000, 1000), 1000) for q in theta]
        assert reference_loss(net, data, Point.unflatten(net, moved)) >= floor


def test_a_pushing_kink_behind_a_first_layer_is_a_minimum_by_hand():
    """Targets (2, 0, 3, 5): residuals f − y = (−1, 1, 0, 0), loss 1/2. At x = 1 the kink's output weight
    2 times the residual 1 is > 0: raising g there only raises the loss. With g held inactive at x = 1,
    x = 0 and 1 are predicted by c alone (best c = 1: loss (1 + 1)/4 = 1/2) and x = 2, 3 by any line:
    the bound 1/2 is the loss."""
    data = Dataset.of([[0], [1], [2], [3]], [[2], [0], [3], [5]])
    assert reference_loss(NET, data, POINT) == F(1, 2)
    cert = certify(Trap(NET, data, POINT), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "least-squares-bound"), cert.reason
    assert cert.loss_lower == F(1, 2)
    _nearby_never_lower(NET, data, POINT, F(1, 2))


def test_a_pulling_kink_is_never_claimed():
    """Target 2 at x = 1 instead: the residual there is −1, so raising g at x = 1 (by b₂ up) lowers the
    loss at first order: not a minimum, and the reference loss at the witness is lower."""
    data = Dataset.of([[0], [1], [2], [3]], [[2], [2], [3], [5]])
    cert = certify(Trap(NET, data, POINT), probes=0)
    assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.SADDLE), cert.reason
    assert reference_loss(NET, data, cert.witness) < reference_loss(NET, data, POINT)


@st.composite
def pushing_cases(draw):
    """A 1-h-1 or 1-1-h-1 ReLU net whose last-layer unit 0 sits at its kink on one point, the targets
    random small integers there and elsewhere; minima are checked by sampling, whatever they are."""
    deep = draw(st.booleans())
    h = draw(st.integers(1, 2))
    net = Network((1, 1, h, 1) if deep else (1, h, 1), "relu")
    xs = [F(k) for k in range(-2, 3)]
    theta = [F(draw(st.integers(-4, 4)), 2) for _ in range(net.n_params)]
    point = Point.unflatten(net, theta)
    layers = [[list(map(list, lay.W)), list(lay.b)] for lay in point.layers]
    i = draw(st.integers(0, len(xs) - 1))
    a = [xs[i]]
    for lay in layers[:-2]:
        W0, b0 = lay
        a = [
            max(sum((w * v for w, v in zip(row, a, strict=True)), F(0)) + c, F(0))
            for row, c in zip(W0, b0, strict=True)
        ]
    W, b = layers[-2]
    b[0] = -sum((w * v for w, v in zip(W[0], a, strict=True)), F(0))
    point = Point.of([(W_, b_) for W_, b_ in layers])
    ys = [F(draw(st.integers(-3, 3))) for _ in xs]
    return net, Dataset.of([[x] for x in xs], [[y] for y in ys]), point


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(pushing_cases())
def test_a_claimed_minimum_at_a_last_layer_kink_has_no_lower_point_nearby(case):
    net, data, point = case
    cert = certify(Trap(net, data, point), probes=0)
    if cert.verdict is Verdict.LOCAL_MIN and cert.box_center is None:
        _nearby_never_lower(net, data, point, reference_loss(net, data, point), radius=F(1, 10**4), n=30)
    if cert.witness is not None:
        assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


@pytest.mark.parametrize("side", [1, -1])
def test_multi_output_pushing_needs_the_residuals_sum_along_the_output_weights(side):
    """1-1-2: relu(x) at its kink on x = 0 with output weights (1, 1); residuals there (side, −side/2):
    Σ_k r_k v_k = side/2 decides whether the kink pushes (the pinned bound may prove a minimum) or pulls
    (never a minimum)."""
    net = Network((1, 1, 2), "relu")
    point = Point.of([([[1]], [0]), ([[1], [1]], [0, 0])])
    data = Dataset.of([[-1], [0], [1]], [[0, 0], [-side, F(side, 2)], [1, 1]])
    cert = certify(Trap(net, data, point), probes=0)
    if side == -1:
        assert cert.verdict is not Verdict.LOCAL_MIN, cert.reason
    elif cert.verdict is Verdict.LOCAL_MIN:
        _nearby_never_lower(net, data, point, reference_loss(net, data, point))


def _pre(point: Point, x) -> list[list[F]]:
    """Every hidden layer's pre-activations at input ``x`` (ReLU, exact)."""
    a, out = list(x), []
    for layer in point.layers[:-1]:
        z = [
            sum((w * v for w, v in zip(row, a, strict=True)), F(0)) + c
            for row, c in zip(layer.W, layer.b, strict=True)
        ]
        out.append(z)
        a = [max(v, F(0)) for v in z]
    return out


@st.composite
def planted_deep_pushes(draw):
    """A 1-1-2-1 ReLU net whose last-layer unit 0 is at its kink on point i, no other last-layer unit
    active there, and targets y = f − r with r = ±1 at i, ∓1 at another point j no last-layer unit
    reaches, 0 elsewhere: with the kink held inactive, i and j are predicted by c alone (best: their
    mean, which r leaves right) and every other point is free, so the bound is the loss; the kink pushes
    (r_i·v₀ > 0) or pulls (< 0), known by construction."""
    net = Network((1, 1, 2, 1), "relu")
    xs = [F(k) for k in range(-2, 3)]
    theta = [F(draw(st.integers(-4, 4)), 2) for _ in range(net.n_params)]
    point = Point.unflatten(net, theta)
    i = draw(st.integers(0, len(xs) - 1))
    layers = [[list(map(list, lay.W)), list(lay.b)] for lay in point.layers]
    h = _pre(point, [xs[i]])[0]
    a = [max(v, F(0)) for v in h]
    layers[1][1][0] = -sum((w * v for w, v in zip(layers[1][0][0], a, strict=True)), F(0))
    point = Point.of([(W, b) for W, b in layers])
    last = [_pre(point, [x])[1] for x in xs]
    v0 = layers[2][0][0][0]
    assume(v0 != 0 and last[i][0] == 0 and last[i][1] < 0)
    others = [j for j in range(len(xs)) if j != i and all(z < 0 for z in last[j])]
    assume(others)
    push = draw(st.booleans())
    r = [F(0)] * len(xs)
    r[i] = F(1 if (v0 > 0) == push else -1)
    r[others[0]] = -r[i]
    f = [reference_output(net, point, [x]) for x in xs]
    return net, Dataset.of([[x] for x in xs], [[fi - ri] for fi, ri in zip(f, r, strict=True)]), point, push


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(planted_deep_pushes())
def test_planted_pushing_kinks_behind_a_first_layer_are_minima_and_pulling_ones_are_not(case):
    net, data, point, push = case
    cert = certify(Trap(net, data, point), probes=0)
    if push:
        assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "least-squares-bound"), cert.reason
        _nearby_never_lower(net, data, point, reference_loss(net, data, point), radius=F(1, 10**4), n=30)
    else:
        assert cert.verdict is not Verdict.LOCAL_MIN, cert.reason
