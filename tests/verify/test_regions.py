"""The sign-cone least-squares bound (`verify.regions.sign_cone_bound`) at kinks of one-hidden-layer
ReLU / leaky-ReLU nets with mse.

The bound only assumes that every non-zero pre-activation and every non-zero output weight keeps its
sign. So in the box around the point where that is guaranteed (computed here from the margins), *every*
point must have loss ≥ the bound: checked on random rational points by `tests.reference.reference_loss`
(plain Fraction loops, shared with no package code; the package's exact loss must agree), and by a
float box minimisation (scipy L-BFGS-B from several starts). The hand cases have hand-derived truth.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st
from scipy.optimize import minimize

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.least_squares import least_squares
from badminima.landscape import region_of
from badminima.landscape.losses import loss
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify, least_squares_bound, sign_cone_bound
from tests.reference import reference_loss

HEALTH = list(HealthCheck)
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
small = st.fractions(min_value=-2, max_value=2, max_denominator=3)

# The hand case: a 1-2-1 ReLU net on x = (1, 2, 3), y = (0, 1, 0). Unit 0 is relu(x − 3): dead on x = 1, 2
# and exactly at its kink on x = 3; unit 1 is the constant relu(1); f = −2/3 + v₀·relu(x − 3) + 1 = 1/3,
# the least-squares line (slope 0), residuals f − y = (1/3, −2/3, 1/3), loss 2/9.
NET = Network((1, 2, 1), "relu")
DATA = Dataset.of([[1], [2], [3]], [[0], [1], [0]])


def _point(v0):
    return Point.of([([[1], [0]], [-3, 1]), ([[v0, 1]], ["-2/3"])])


def _box(network, data, point):
    """A radius δ such that moving every parameter by at most δ keeps the sign of every non-zero
    pre-activation and every non-zero output weight (|Δz_i| ≤ δ·(Σ|x_i| + 1) per unit)."""
    first, last = point.layers
    reach = max(sum(abs(v) for v in x) + 1 for x in data.X)
    zs = [
        abs(sum((w * v for w, v in zip(row, x, strict=True)), F(0)) + (first.b[j] if first.b else 0))
        for j, row in enumerate(first.W)
        for x in data.X
    ]
    margins = [z / reach for z in zs if z] + [abs(v) for row in last.W for v in row if v]
    return min(margins, default=F(1)) / 2


def _near(network, point, radius, rng):
    return Point.unflatten(network, [v + radius * F(rng.randint(-1000, 1000), 1000) for v in point.flatten()])


def _float_loss(network, data, theta):
    X = np.array([[float(v) for v in x] for x in data.X])
    Y = np.array([[float(v) for v in y] for y in data.y])
    p = Point.unflatten(network, [F(0)] * network.n_params)
    shapes = [(len(layer.W), len(layer.W[0])) for layer in p.layers]
    i, params = 0, []
    for out, inp in shapes:
        W = theta[i : i + out * inp].reshape(out, inp)
        i += out * inp
        params.append((W, theta[i : i + out] if network.bias else np.zeros(out)))
        i += out if network.bias else 0
    (W1, b1), (W2, b2) = params
    z = X @ W1.T + b1
    slope = float(network.leaky_slope) if network.activation == "leaky_relu" else 0.0
    h = np.where(z > 0, z, slope * z)
    return float(np.mean(np.sum((h @ W2.T + b2 - Y) ** 2, axis=1)))


def _box_minimum(network, data, point, radius, seed):
    """A float local minimum of the loss over the box (L-BFGS-B from the point and random starts)."""
    x0 = np.array([float(v) for v in point.flatten()])
    r = float(radius)
    rng = np.random.default_rng(seed)
    best = np.inf
    for start in [x0] + [x0 + rng.uniform(-r, r, x0.shape) for _ in range(4)]:
        res = minimize(
            lambda t: _float_loss(network, data, t),
            start,
            method="L-BFGS-B",
            bounds=[(v - r, v + r) for v in x0],
        )
        best = min(best, res.fun)
    return best


def _assert_sound(network, data, point, bound, seed):
    radius = _box(network, data, point)
    rng = random.Random(seed)
    exact = ExactArithmetic()
    for _ in range(25):
        near = _near(network, point, radius, rng)
        value = reference_loss(network, data, near)
        assert value == loss(network, data, near, arith=exact)
        assert value >= bound
    assert _box_minimum(network, data, point, radius, seed) >= float(bound) * (1 - 1e-9) - 1e-12


def test_dead_unit_at_a_kink_pushing_away_from_its_target_is_a_minimum():
    # Near the point unit 0 adds v₀·max(0, z₃) ≥ 0 (v₀ = 1) to f(3) only, and unit 1 with the output bias
    # any affine function: f = a + bx + δe₃, δ ≥ 0. At δ = 0 the best line is the constant 1/3, whose
    # residual at x = 3 is f − y = 1/3 > 0: raising f(3) only costs, so (convex problem) the minimum over
    # δ ≥ 0 is at δ = 0, loss 2/9. The subspaces' bound lets δ take either sign: it fits all three
    # points, bound 0.
    point = _point(1)
    region = region_of(NET, DATA, point)
    assert least_squares_bound(NET, DATA, region).value == 0
    assert sign_cone_bound(NET, DATA, point, region).value == F(2, 9) == reference_loss(NET, DATA, point)
    cert = certify(Trap(NET, DATA, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "sign-cone-bound")
    _assert_sound(NET, DATA, point, F(2, 9), 0)
    # Brute force at the kink itself: raising z₃ by s > 0 (bias of unit 0) raises f(3) by s.
    for s in (F(1, 10), F(1, 1000)):
        moved = Point.unflatten(NET, [1, 0, -3 + s, 1, 1, 1, F(-2, 3)])
        assert reference_loss(NET, DATA, moved) == F(2, 9) + (2 * F(1, 3) * s + s * s) / 3


def test_mirror_with_the_output_weight_flipped_is_not_critical():
    # v₀ = −1: raising z₃ by s lowers f(3) toward y₃ = 0: loss(s) = 2/9 + (−2s/3 + s²)/3.
    point = _point(-1)
    for s in (F(1, 10), F(1, 1000)):
        moved = Point.unflatten(NET, [1, 0, -3 + s, 1, -1, 1, F(-2, 3)])
        assert reference_loss(NET, DATA, moved) == F(2, 9) + (-2 * F(1, 3) * s + s * s) / 3
    assert sign_cone_bound(NET, DATA, point, region_of(NET, DATA, point)).value == 0
    cert = certify(Trap(NET, DATA, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "first-order-descent")
    assert reference_loss(NET, DATA, cert.witness) < F(2, 9)


def test_the_face_limit_makes_the_bound_unavailable():
    point = _point(1)
    bound = sign_cone_bound(NET, DATA, point, region_of(NET, DATA, point), max_faces=1)
    assert bound.value is None


@st.composite
def kinked_fit(draw):
    """A 1- or 2-input, 1-3 unit ReLU / leaky-ReLU net, 1 or 2 outputs, with or without biases, with units
    planted on kinks (b_j = −w_j·x_i; without biases w_j ⊥ x_i, or x_i = 0 with one input; with one input
    and biases, optionally dead except at the kink: the extreme point), the output layer fitted by exact
    least squares to the hidden features (so the output layer is critical), and a random non-zero output
    weight on units whose features vanish on the data."""
    d0, h, dL = draw(st.sampled_from([1, 2])), draw(st.integers(1, 3)), draw(st.sampled_from([1, 1, 2]))
    act = draw(st.sampled_from(["relu", "relu", "leaky_relu"]))
    bias = draw(st.sampled_from([True, True, False]))
    net = Network((d0, h, dL), act, bias=bias)
    n = draw(st.integers(2, 5))
    X = [[draw(small) for _ in range(d0)] for _ in range(n)]
    y = [[draw(small) for _ in range(dL)] for _ in range(n)]
    W = [[draw(small) for _ in range(d0)] for _ in range(h)]
    b = [draw(small) if bias else F(0) for _ in range(h)]
    for j in range(h):
        mode = draw(st.sampled_from(["free", "kink", "dead-kink"]))
        if mode == "free":
            continue
        i = draw(st.integers(0, n - 1))
        if not bias:
            if d0 == 1:
                X[i][0] = F(0)
            else:
                scale = draw(st.sampled_from([1, -2]))
                W[j] = [scale * X[i][1], -scale * X[i][0]]
        elif mode == "dead-kink" and d0 == 1:
            W[j][0] = draw(st.sampled_from([F(1), F(-1), F(2)]))
            i = max(range(n), key=lambda k: W[j][0] * X[k][0])
            b[j] = -W[j][0] * X[i][0]
        else:
            b[j] = -sum((w * x for w, x in zip(W[j], X[i], strict=True)), F(0))
    slope = net.leaky_slope if act == "leaky_relu" else F(0)
    feats = []
    for j in range(h):
        z = [sum((w * x for w, x in zip(W[j], X[i], strict=True)), b[j]) for i in range(n)]
        feats.append(tuple(v if v > 0 else slope * v for v in z))
    cols = [*feats, tuple(F(1) for _ in range(n))] if bias else feats
    V, c = [], []
    for k in range(dL):
        coef, _ = least_squares(cols, [y[i][k] for i in range(n)])
        row = list(coef[:h])
        for j in range(h):
            if not any(feats[j]):
                row[j] = draw(st.sampled_from([F(1), F(-1), F(1, 2)]))
        V.append(row)
        c.append(coef[h] if bias else None)
    point = Point.of([(W, b if bias else None), (V, c if bias else None)])
    data = Dataset.of(X, y)
    region = region_of(net, data, point)
    assume(region.kinks)
    return net, data, point, region


def _check(case, seed):
    net, data, point, region = case
    bound = sign_cone_bound(net, data, point, region)
    if bound.value is None:
        return None
    L = reference_loss(net, data, point)
    assert bound.value <= L
    span = least_squares_bound(net, data, region).value
    assert span is None or bound.value >= span
    _assert_sound(net, data, point, bound.value, seed)
    return bound.value == L


@settings(max_examples=5, deadline=None, suppress_health_check=HEALTH, derandomize=True, phases=NO_SHRINK)
@given(kinked_fit())
def test_no_point_in_the_sign_box_is_below_the_sign_cone_bound(case):
    _check(case, 0)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)
@given(kinked_fit(), st.integers(0, 10**6))
def test_no_point_in_the_sign_box_is_below_the_sign_cone_bound_thoroughly(case, seed):
    if _check(case, seed):
        net, data, point, _ = case
        cert = certify(Trap(net, data, point), probes=0)
        assert cert.verdict is Verdict.LOCAL_MIN
