"""Silent units (output weight 0) beside the constant model's optimum, at rounded points: the critical
points form a curve, and the rounded point sits next to it.

Truth is independent of `badminima.verify`: the zero b* of h(b) = Σ_i (ȳ − y_i) tanh(x_i + b) found by
mpmath at 60 digits, and the witness's loss compared with the critical loss by `tests.reference`.
"""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import assume, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from tests.reference import reference_loss
from tests.verify.saved import saved_trap


def _mp(q: F) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


X = [-2, -1, 0, 1, 3]
Y = [F(1), F(0), F(1, 2), F(0), F(1)]  # ȳ = 1/2


def _root():
    ybar = sum(Y) / len(Y)
    h = lambda b: sum((ybar - y) * mpmath.tanh(x + b) for x, y in zip(X, Y, strict=True))  # noqa: E731
    return mpmath.findroot(h, 0.04)


@pytest.mark.parametrize("digits", [7, 12, 20])
@pytest.mark.parametrize(
    ("output", "loss", "c"),
    [("sigmoid", "bce", F(0)), ("sigmoid", "mse", F(0)), ("identity", "mse", F(1, 2))],
)
def test_a_rounded_point_next_to_the_silent_curve_is_a_saddle(digits, output, loss, c):
    net = Network((1, 1, 1), "tanh", output=output, loss=loss)
    data = Dataset.of([[x] for x in X], [[y] for y in Y])
    b_star = _root()
    b = F(mpmath.nstr(b_star, digits))
    point = Point.unflatten(net, [1, b, 0, c])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle")
    assert (
        abs(mpmath.mpf(b.numerator) / b.denominator - b_star)
        <= mpmath.mpf(cert.box_radius.numerator) / cert.box_radius.denominator
    )
    # with v = 0 the loss does not depend on b: F at the critical point equals F at the given point
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


@pytest.mark.parametrize("digits", [10, 13])
def test_an_exact_bias_stays_and_the_rounded_weight_reaches_the_curve(digits):
    """The bias written exactly (1/3: no rounding reaches it), the weight w rounded from the zero w* of
    h(w) = Σ_i (ȳ − y_i) tanh(w x_i + 1/3) (mpmath, 60 digits; w* lies within half a unit of its last
    digit): the critical point keeps b = 1/3 and moves w, a saddle whose lower point the reference loss
    checks."""
    net = Network((1, 1, 1), "tanh")
    data = Dataset.of([[x] for x in X], [[y] for y in Y])
    ybar, b = sum(Y) / len(Y), F(1, 3)
    with mpmath.workdps(60):
        w_star = mpmath.findroot(
            lambda w: sum(
                (ybar - y) * mpmath.tanh(w * x + mpmath.mpf(1) / 3) for x, y in zip(X, Y, strict=True)
            ),
            0.2,
        )
        w = F(mpmath.nstr(w_star, digits))
        assert abs(mpmath.mpf(w.numerator) / w.denominator - w_star) < mpmath.mpf(10) ** -digits / 2
    point = Point.unflatten(net, [w, b, 0, ybar])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    assert cert.box_center.layers[0].b == (b,)
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


def test_a_point_off_the_curve_is_not_claimed():
    net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
    data = Dataset.of([[x] for x in X], [[y] for y in Y])
    b = F(mpmath.nstr(_root() + mpmath.mpf("0.001"), 10))
    cert = certify(Trap(net, data, Point.unflatten(net, [1, b, 0, 0])), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL


@pytest.mark.parametrize(
    ("digits", "output", "loss", "alpha", "beta"),
    [
        (8, "identity", "mse", F(-1), F(1)),
        (17, "sigmoid", "mse", F(2), F(-1, 4)),
        pytest.param(17, "identity", "mse", F(2), F(-1, 4), marks=pytest.mark.slow),
        pytest.param(8, "sigmoid", "mse", F(-1), F(1), marks=pytest.mark.slow),
    ],
)
def test_two_outputs_with_targets_affine_in_one_share_the_silent_curve(digits, output, loss, alpha, beta):
    # y₂ = αy₁ + β: ȳ₂ − y_i2 = α(ȳ₁ − y_i1), so the one root b* of h (mpmath) zeroes ∂F/∂v for both outputs;
    # the critical loss is the constant model's, which the given point (v = 0, c = C*) has exactly
    net = Network((1, 1, 2), "tanh", output=output, loss=loss)
    data = Dataset.of([[x] for x in X], [[y, alpha * y + beta] for y in Y])
    b = F(mpmath.nstr(_root(), digits))
    means = [sum(Y) / len(Y), sum(alpha * y + beta for y in Y) / len(Y)]
    assert output == "identity" or all(0 < m < 1 for m in means)
    c = means  # C* = ȳ, or logit(ȳ) to 40 digits for a sigmoid output
    if output == "sigmoid":
        c = [F(mpmath.nstr(mpmath.log(m / (1 - m)), 40)) for m in means]
    point = Point.unflatten(net, [1, b, 0, 0, *c])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


def test_two_outputs_without_an_affine_relation_are_not_claimed():
    # y₂ not affine in y₁: the two outputs' equations need not share a root, so no critical point is known
    net = Network((1, 1, 2), "tanh")
    data = Dataset.of([[x] for x in X], [[y, F(x * x)] for x, y in zip(X, Y, strict=True)])
    means = [sum(Y) / len(Y), F(sum(x * x for x in X), len(X))]
    b = _root()
    h2 = sum((means[1] - x * x) * mpmath.tanh(x + b) for x in X)
    assert abs(h2) > 1  # ∂F/∂v₂ ∝ h₂(b*) is far from 0 at 60 digits: not critical
    point = Point.unflatten(net, [1, F(mpmath.nstr(b, 17)), 0, 0, *means])
    assert certify(Trap(net, data, point), probes=0).verdict is Verdict.NOT_CRITICAL


@pytest.mark.parametrize(
    ("name", "saddle"),
    [
        ("s27-f6b-tanh-silent-d8-b300", True),
        ("s27-f6b-tanh-silent-d8-c90", True),
        ("s27-f6b-tanh-silent-d8-w150", False),
        ("s27-f6b-tanh-silent-d12-w150", False),
    ],
)
def test_the_silent_curve_is_claimed_only_where_it_meets_the_window(name, saddle):
    """Red team s27 (60-digit truth in each file: the least window ratio over the saddle curve, 0.35 and
    0.9 inside, 1.33 outside). The bias alone used to move up to 512 of the coarsest rounding radii, past
    its own window; now the unit crosses the curve h = 0 within every number's window (b300 needs w to
    move too) and the output bias meets the constant optimum within its own."""
    cert = certify(saved_trap(name), probes=0)
    if saddle:
        assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    else:
        assert cert.verdict is not Verdict.SADDLE, cert.reason


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("w_off", [F(11, 10), F(115, 100), F(12, 10)])
def test_the_silent_curve_met_only_at_a_corner_of_the_window_is_a_saddle(sign, w_off):
    """Red team s28 C: tanh 1-1-1, identity/mse, v = 0 and c = ȳ exact, w and b written to 8 digits with
    w ``w_off`` windows off the curve point (w*, b*) (along w alone the curve lies outside the window).
    A curve point inside the window, found independently: w moved back part of its window, b solved on
    h = 0 at 60 digits and checked inside its own (windows by hand: 100⌈√4⌉ half units of the 8th
    digit). Crossing the curve along the least 2-norm move in window units leaves the window in w; a
    corner of the window (each number its whole window) crosses it. Where no such point exists (1.2
    windows off), no saddle is claimed."""
    net = Network((1, 1, 1), "tanh")
    xs, ys = [-2, -1, 0, 1, 2], [F(3, 10), F(-1, 2), F(7, 10), F(1, 5), F(-1, 5)]  # the red team's
    data = Dataset.of([[x] for x in xs], [[y] for y in ys])
    ybar = sum(ys) / len(ys)

    def h(w, b):
        return sum((ybar - y) * mpmath.tanh(w * x + b) for x, y in zip(xs, ys, strict=True))

    def window(q):
        return 100 * mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(q)))) - 7)

    with mpmath.workdps(60):
        w_star = mpmath.mpf("0.8")
        b_star = mpmath.findroot(lambda b: h(w_star, b), 0)
        w = w_star + sign * w_off * window(w_star)
        g_w, g_b = (mpmath.mpf(mpmath.nstr(q, 8, strip_zeros=False)) for q in (w, b_star))
        inside = []
        for k in range(1, 100):
            w_back = g_w - sign * k * window(g_w) / 100
            b_there = mpmath.findroot(lambda b, w_back=w_back: h(w_back, b), g_b)
            inside.append(abs(b_there - g_b) < window(g_b))
        meets = any(inside)
    # c = ȳ = 1/10 written to 8 digits like the rest (a shorter "0.1" would make the point mixed precision)
    point = Point.unflatten(
        net, [*(mpmath.nstr(q, 8, strip_zeros=False) for q in (w, b_star)), "0", "0.10000000"]
    )
    cert = certify(Trap(net, data, point), probes=0)
    if not meets:
        assert cert.verdict is not Verdict.SADDLE, cert.reason
        return
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    ys=st.lists(st.fractions(-4, 4, max_denominator=12), min_size=4, max_size=4),
    w=st.sampled_from([F("0.77777778"), F("1.2500000"), F("0.64285714")]),
    b_star=st.sampled_from([F(-3, 10), F(-1, 7), F(1, 9), F(2, 7)]),
    units=st.sampled_from([0, 40, 90, 130, 300]),
)
def test_a_silent_relu_unit_beside_its_saddle_line(ys, w, b_star, units):
    """ReLU 1-1-1, identity/mse (red team s27 F2a): v = 0 exact, c = ȳ (to 8 digits), so the critical
    points are where h(w, b) = Σ_i (ȳ − y_i) relu(w x_i + b) = 0: on the pattern A = {x > 0} the line
    b Σ_A r_i + w Σ_A r_i x_i = 0 (r_i = ȳ − y_i). The last target is solved (exactly) to put (w, b*)
    on it; b is written to 8 digits ``units`` units of its last digit off b*. The line meets the window
    where the least window ratio t = |h| / (|∂h/∂w| r_w + |∂h/∂b| r_b) < 1 (windows by hand: 100⌈√4⌉
    half units of each 8th digit). Below 0.9 it is a saddle (the lower point checked independently),
    above 1.1 never a saddle."""
    xs = [F(-2), F(-1), F(1), F(2), F(3)]
    z = [w * x + b_star for x in xs]  # > 0 exactly on x > 0: |b*| < w
    active = [x > 0 for x in xs]
    # h = ȳ Σ_A z_i − Σ_A y_i z_i = 0 with ȳ = (Σ ys + y₄)/5, linear in y₄
    zsum = sum(zi for zi, on in zip(z, active, strict=True) if on)
    rest = sum(y * zi for y, zi, on in zip(ys, z[:4], active[:4], strict=True) if on)
    y4 = (rest - sum(ys) * zsum / 5) / (zsum / 5 - z[4])
    ys = [*ys, y4]
    ybar = sum(ys) / len(ys)
    r = [ybar - y for y in ys]
    sr = sum((ri for ri, on in zip(r, active, strict=True) if on), F(0))
    srx = sum((ri * x for ri, x, on in zip(r, xs, active, strict=True) if on), F(0))
    assert b_star * sr + w * srx == 0
    assume(sr != 0)
    unit = F(10) ** (int(mpmath.floor(mpmath.log10(abs(_mp(b_star))))) - 7)
    b = F(mpmath.nstr(_mp(b_star), 8, strip_zeros=False)) + units * unit
    r_w, r_b = 100 * F(10) ** (int(mpmath.floor(mpmath.log10(abs(_mp(w))))) - 7), 100 * unit
    ratio = abs(b * sr + w * srx) / (abs(srx) * r_w + abs(sr) * r_b)
    assume(ratio < F(9, 10) or ratio > F(11, 10))
    net = Network((1, 1, 1), "relu")
    data = Dataset.of([[x] for x in xs], [[y] for y in ys])
    # every number written to 8 digits, as an optimiser's output would be (c = ȳ too)
    written = [mpmath.nstr(_mp(q), 8, strip_zeros=False) for q in (w, b, ybar)]
    point = Point.unflatten(net, [written[0], written[1], "0", written[2]])
    cert = certify(Trap(net, data, point), probes=0)
    if ratio > 1:
        assert cert.verdict is not Verdict.SADDLE, cert.reason
        return
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)


@pytest.mark.parametrize("digits", [4, 8])
@pytest.mark.parametrize(
    ("w_off", "b_off"), [(F(3, 2), F(0)), (F(11, 10), F(11, 10)), (F(-13, 10), F(1)), (F(9, 10), F(0))]
)
def test_a_window_beside_the_silent_curve_with_the_output_bias_off_holds_no_critical_point(
    digits, w_off, b_off
):
    """Red team s30 S: tanh 1-1-1, identity/mse, v = 0 exact, c 0.3 of its window off ȳ, (w, b) off the
    curve h(w, b) = Σ_i (ȳ − y_i) tanh(w x_i + b) = 0. With v = 0 every critical point has c = ȳ and
    h = 0, so the window holds one only where the curve meets it: found independently by solving
    h(w, b) = 0 for b at 60 digits along w's window (windows by hand: 100⌈√4⌉ half units of the last
    digit). Where the curve misses, `not-critical`: ∂F/∂c alone straddles 0 over c's window, so the
    output bias is first narrowed to ȳ, where ∂F/∂v = (2/N)·h is signed."""
    net = Network((1, 1, 1), "tanh")
    xs, ys = [-2, -1, 0, 1, 2], [F(3, 10), F(-1, 2), F(7, 10), F(1, 5), F(-1, 5)]
    data = Dataset.of([[x] for x in xs], [[y] for y in ys])
    ybar = sum(ys) / len(ys)

    def h(w, b):
        return sum((_mp(ybar) - _mp(y)) * mpmath.tanh(w * x + b) for x, y in zip(xs, ys, strict=True))

    def window(q):
        return 100 * mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(q)))) - digits + 1)

    def written(q):
        return mpmath.nstr(q, digits, strip_zeros=False)

    with mpmath.workdps(60):
        w_star = mpmath.mpf("0.8")
        b_star = mpmath.findroot(lambda b: h(w_star, b), 0)
        given = [
            mpmath.mpf(written(q)) for q in (w_star + w_off * window(w_star), b_star + b_off * window(b_star))
        ]
        ratios = []
        for k in range(-100, 101):
            w = given[0] + k * window(given[0]) / 100
            b = mpmath.findroot(lambda b, w=w: h(w, b), given[1])
            ratios.append(abs(b - given[1]) / window(given[1]))
        meets = min(ratios) <= 1
    c = written(_mp(ybar) + window(_mp(ybar)) * 3 / 10)
    point = Point.unflatten(net, [*(written(q) for q in given), "0", c])
    cert = certify(Trap(net, data, point), probes=0)
    if meets:
        assert cert.verdict is not Verdict.NOT_CRITICAL, cert.reason
    else:
        assert min(ratios) > 1.02  # clearly outside: the sampled curve is no coarser than that
        assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason


LIVE_X = [F(-2), F(-1), F(-1, 2), F(0), F(1, 2), F(1), F(2)]
LIVE_Y = [F(v, 100) for v in (-95, -80, -50, 5, 50, 85, 95)]
"""A tanh-shaped sample: one live unit fits it with a strict minimum (the Hessian's eigenvalues 0.05–2.4
for tanh units, identity output and squares)."""


def _act(activation: str):
    return mpmath.tanh if activation == "tanh" else (lambda z: 1 / (1 + mpmath.exp(-z)))


def _slope(output: str, loss: str, z, y):
    """The per-point loss's derivative by the output logit, written out by hand for each head."""
    if output == "identity":
        return 2 * (z - y)
    s = 1 / (1 + mpmath.exp(-z))
    return s - y if loss == "bce" else 2 * (s - y) * s * (1 - s)


def _live_minimum(activation, output, loss, ys, start):
    """The one-unit network's critical point near ``start`` (w, b, v, c), by Newton at 60 digits on the
    gradient written out by hand: mean_i ℓ'(z_i)·(v a'(u_i) x_i, v a'(u_i), a(u_i), 1), u = wx + b."""
    a = _act(activation)

    def grad(w, b, v, c):
        g = [mpmath.mpf(0)] * 4
        for x, y in zip(LIVE_X, ys, strict=True):
            u = w * _mp(x) + b
            e = _slope(output, loss, v * a(u) + c, _mp(y)) / len(LIVE_X)
            da = mpmath.diff(a, u)
            g = [g[0] + e * v * da * _mp(x), g[1] + e * v * da, g[2] + e * a(u), g[3] + e]
        return g

    with mpmath.workdps(60):
        return list(mpmath.findroot(grad, start, solver="mdnewton", tol=mpmath.mpf(10) ** -50))


def _meets_the_curve(a, slopes, centre, R):
    """Whether h(w₂, b₂) = Σ_i slopes_i a(w₂x_i + b₂) does not keep one sign on the corners of the box
    of radius R about the centre's (w₂, b₂) (flat indices 1 and 3): a zero of h lies in the box."""
    with mpmath.workdps(60):
        corners = [
            sum(
                s * a((centre[1] + i * R) * _mp(x) + centre[3] + j * R)
                for s, x in zip(slopes, LIVE_X, strict=True)
            )
            for i in (-1, 1)
            for j in (-1, 1)
        ]
    return min(corners) <= 0 <= max(corners)


def _silent_root(activation, output, loss, ys, live, w2, near):
    """The silent unit's bias b* where h(b) = Σ_i ℓ'_i a(w2 x_i + b) vanishes, ℓ'_i at the live minimum."""
    a, (w, b, v, c) = _act(activation), live
    with mpmath.workdps(60):
        slopes = [
            _slope(output, loss, v * a(w * _mp(x) + b) + c, _mp(y)) for x, y in zip(LIVE_X, ys, strict=True)
        ]
        return mpmath.findroot(
            lambda t: sum(s * a(w2 * _mp(x) + t) for s, x in zip(slopes, LIVE_X, strict=True)), near
        )


@pytest.mark.parametrize(
    ("activation", "output", "loss", "digits", "start", "w2", "near"),
    [
        pytest.param(
            "tanh", "identity", "mse", 8, (1.18, 0.03, 0.98, 0.003), 3, 0.37, marks=pytest.mark.slow
        ),
        ("tanh", "identity", "mse", 12, (1.18, 0.03, 0.98, 0.003), 3, 0.37),
        pytest.param(
            "tanh", "identity", "mse", 20, (1.18, 0.03, 0.98, 0.003), 3, 0.37, marks=pytest.mark.slow
        ),
        pytest.param(
            "tanh", "identity", "mse", 30, (1.18, 0.03, 0.98, 0.003), 3, 0.37, marks=pytest.mark.slow
        ),
        ("tanh", "sigmoid", "bce", 20, (-0.474, 0.002, -5.05, 0.069), 3, 0.37),
        ("sigmoid", "identity", "mse", 12, (2.35, 0.05, 1.95, -0.97), 3, 0.37),
    ],
)
def test_a_silent_unit_beside_a_live_one_next_to_its_curve_is_a_saddle(
    activation, output, loss, digits, start, w2, near
):
    """Fukumizu & Amari's embedding by a unit of output weight 0: the live unit at the one-unit network's
    minimum θ* (60-digit Newton), the silent unit's bias at a zero of ∂F/∂v₂ there; every number rounded
    to ``digits``. The certificate's box holds θ* and meets the silent unit's curve of zeros, and the
    witness's loss is below F(θ*) (both in reference arithmetic)."""
    ys = LIVE_Y if output == "identity" else [(y + 1) / 2 for y in LIVE_Y]
    live = _live_minimum(activation, output, loss, ys, start)
    b_star = _silent_root(activation, output, loss, ys, live, w2, near)
    net = Network((1, 2, 1), activation, output=output, loss=loss)
    data = Dataset.of([[x] for x in LIVE_X], [[y] for y in ys])
    w, b, v, c = (F(mpmath.nstr(q, digits)) for q in live)
    point = Point.unflatten(net, [w, w2, b, F(mpmath.nstr(b_star, digits)), v, 0, c])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    exact = [live[0], w2, live[1], b_star, live[2], 0, live[3]]
    R = _mp(cert.proof_radius) + mpmath.mpf(10) ** -48  # θ* is this reference's to 1e-50
    centre = [_mp(q) for q in cert.box_center.flatten()]
    # the box holds θ* and meets the silent unit's curve of zeros (h has both signs on its corners)
    assert all(abs(centre[k] - exact[k]) <= R for k in (0, 2, 4, 5, 6))
    a, (w, b, v, c) = _act(activation), live
    with mpmath.workdps(60):
        slopes = [
            _slope(output, loss, v * a(w * _mp(x) + b) + c, _mp(y)) for x, y in zip(LIVE_X, ys, strict=True)
        ]
    assert _meets_the_curve(a, slopes, centre, R)
    # F at the exact critical point, within 1e-100 of F at its 60-digit rounding (the gradient vanishes)
    critical = reference_loss(net, data, Point.unflatten(net, [F(mpmath.nstr(q, 60)) for q in exact]))
    assert reference_loss(net, data, cert.witness) < critical


@pytest.mark.parametrize(
    ("digits", "offset"),
    [
        (12, F(-3)),
        pytest.param(*(12, F(-2)), marks=pytest.mark.slow),
        pytest.param(*(12, F(-9, 10)), marks=pytest.mark.slow),
        pytest.param(*(12, F(1, 2)), marks=pytest.mark.slow),
        (12, F(9, 10)),
        pytest.param(12, F(2), marks=pytest.mark.slow),
        (25, F(3, 100)),
        pytest.param(25, F(-3), marks=pytest.mark.slow),
    ],
)
def test_a_silent_unit_beside_a_live_one_is_a_saddle_only_where_its_curve_meets_the_window(digits, offset):
    """The silent unit's bias written ``offset`` windows off the curve (a window by hand: at 12 digits
    100⌈√P⌉ = 300 halves of the number's last digit; at 25, beyond a float's, the README's 1000 units of
    the coarsest last digit, 1e-21 to 5000·max|θ|·10^-24 = 1.5e-20 by how one reads it: the saddle case,
    0.03 of the larger, lies inside the smaller; the others lie 3 of the larger outside both). Where h
    at 60 digits (θ* exact) has one sign on all four corners of the (w₂, b₂) window — h is affine to
    1e-18 there — no critical point is the digits' (v₂ = 0 is exact, and the one-unit network is strictly
    convex about its window), so the answer is `not-critical`; within 0.9 windows the saddle is found."""
    live = _live_minimum("tanh", "identity", "mse", LIVE_Y, (1.18, 0.03, 0.98, 0.003))
    with mpmath.workdps(60):
        w2 = mpmath.mpf(3) + mpmath.pi / 1000
    b_star = _silent_root("tanh", "identity", "mse", LIVE_Y, live, w2, 0.37)

    def window(q):
        if digits > 17:
            return 5000 * w2 * mpmath.mpf(10) ** (1 - digits)
        return 150 * mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(q))) - digits + 1)

    net = Network((1, 2, 1), "tanh")
    data = Dataset.of([[x] for x in LIVE_X], [[y] for y in LIVE_Y])
    with mpmath.workdps(60):
        b2 = b_star + offset * window(b_star)
        w, b, v, c = (F(mpmath.nstr(q, digits)) for q in live)
        point = Point.unflatten(net, [w, F(mpmath.nstr(w2, digits)), b, F(mpmath.nstr(b2, digits)), v, 0, c])
    cert = certify(Trap(net, data, point), probes=0)
    a, (lw, lb, lv, lc) = mpmath.tanh, live
    with mpmath.workdps(60):
        slopes = [lv * a(lw * _mp(x) + lb) + lc - _mp(y) for x, y in zip(LIVE_X, LIVE_Y, strict=True)]
        given_w, given_b = (_mp(q) for q in (point.layers[0].W[1][0], point.layers[0].b[1]))
        corners = [
            sum(
                s * a((given_w + i * window(given_w)) * _mp(x) + given_b + j * window(given_b))
                for s, x in zip(slopes, LIVE_X, strict=True)
            )
            for i in (-1, 1)
            for j in (-1, 1)
        ]
    misses = all(h > 0 for h in corners) or all(h < 0 for h in corners)
    assert misses == (abs(offset) >= 2)
    if misses:  # v₂ = 0 is exact, so a critical point in the window has θ*'s live numbers: none
        assert (cert.verdict, cert.method) == (Verdict.NOT_CRITICAL, "held-convexity"), cert.reason
    else:
        assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason


@pytest.mark.parametrize(
    "digits", [pytest.param(6, marks=pytest.mark.slow), 12, pytest.param(30, marks=pytest.mark.slow)]
)
def test_a_unit_born_at_zero_beside_a_live_one_is_a_saddle_not_apart(digits):
    """w = b = v = 0 exactly for the second unit (red team s32 B-born): tanh(0) = 0 makes its ∂F/∂v
    exactly 0 for every slope, so the point with the live unit at θ* (60-digit Newton) is exactly
    critical, and the (w, v) block [[0, a], [a, ·]] with a = (1/N) Σ_i ℓ'_i x_i ≠ 0 (computed here) makes
    it a saddle. An h that is exactly 0 on the unit's one-point window is no proof that it is non-zero."""
    live = _live_minimum("tanh", "identity", "mse", LIVE_Y, (1.18, 0.03, 0.98, 0.003))
    with mpmath.workdps(60):
        w, b, v, c = live
        a = sum(
            2 * (v * mpmath.tanh(w * _mp(x) + b) + c - _mp(y)) * _mp(x)
            for x, y in zip(LIVE_X, LIVE_Y, strict=True)
        ) / len(LIVE_X)
        assert abs(a) > mpmath.mpf(10) ** -3
        written = [F(mpmath.nstr(q, digits)) for q in live]
    net = Network((1, 2, 1), "tanh")
    data = Dataset.of([[x] for x in LIVE_X], [[y] for y in LIVE_Y])
    point = Point.unflatten(net, [written[0], 0, written[1], 0, written[2], 0, written[3]])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE, cert.reason


@pytest.mark.parametrize(
    ("activation", "live_digits", "silent_digits", "v2"),
    [
        (
            "tanh",
            12,
            12,
            "-2.71828182846e-40",
        ),  # float noise for the silent output weight: its window holds 0
        ("sigmoid", 17, 17, "0"),  # a float's print
        pytest.param(
            "tanh", 30, 6, "0", marks=pytest.mark.slow
        ),  # mixed: the silent unit's 6 digits beside 30
        ("tanh", 6, 30, "0"),  # mixed: the silent bias to 30 digits beside 6-digit live numbers
    ],
)
def test_a_silent_unit_beside_a_live_one_at_mixed_and_float_digits(
    activation, live_digits, silent_digits, v2
):
    """Red team s32's `inconclusive` kinds: the exact critical point (θ* by 60-digit Newton, w₂ = 3 + π/1000,
    b₂ a 60-digit zero of h, v₂ = 0) lies within every number's window, so the answer is a saddle whose
    box holds it."""
    live = _live_minimum(
        activation,
        "identity",
        "mse",
        LIVE_Y,
        (1.18, 0.03, 0.98, 0.003) if activation == "tanh" else (2.35, 0.05, 1.95, -0.97),
    )
    with mpmath.workdps(60):
        w2 = mpmath.mpf(3) + mpmath.pi / 1000
        b_star = _silent_root(activation, "identity", "mse", LIVE_Y, live, w2, 0.37)
        w, b, v, c = (F(mpmath.nstr(q, live_digits)) for q in live)
        silent = [F(mpmath.nstr(q, silent_digits)) for q in (w2, b_star)]
    net = Network((1, 2, 1), activation)
    data = Dataset.of([[x] for x in LIVE_X], [[y] for y in LIVE_Y])
    point = Point.unflatten(net, [w, silent[0], b, silent[1], v, F(v2), c])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    # the box holds θ*, v₂ = 0 and a zero of h (its corners in (w₂, b₂) do not share one sign)
    R, centre = _mp(cert.proof_radius), [_mp(q) for q in cert.box_center.flatten()]
    assert all(abs(q - e) <= R for q, e in zip([*centre[::2], centre[5]], [*live, 0], strict=True))
    a, (lw, lb, lv, lc) = _act(activation), live
    with mpmath.workdps(60):
        slopes = [lv * a(lw * _mp(x) + lb) + lc - _mp(y) for x, y in zip(LIVE_X, LIVE_Y, strict=True)]
    assert _meets_the_curve(a, slopes, centre, R)


def test_a_unit_born_at_zero_and_a_silent_one_beside_a_live_one_is_a_saddle():
    """Red team s32 B-born-plus-silent: a third unit with w = b = v = 0 exactly beside a silent unit on
    its curve (w₂ = 3, b₂ a 60-digit zero of h) and the live unit at θ*, 12 digits. The born unit's h is
    exactly 0 as written (tanh(0) = 0): it stays, and the point the digits round is a saddle."""
    live = _live_minimum("tanh", "identity", "mse", LIVE_Y, (1.18, 0.03, 0.98, 0.003))
    b_star = _silent_root("tanh", "identity", "mse", LIVE_Y, live, 3, 0.37)
    with mpmath.workdps(60):
        w, b, v, c = (F(mpmath.nstr(q, 12)) for q in live)
        b2 = F(mpmath.nstr(b_star, 12))
    net = Network((1, 3, 1), "tanh")
    data = Dataset.of([[x] for x in LIVE_X], [[y] for y in LIVE_Y])
    point = Point.unflatten(net, [w, 3, 0, b, b2, 0, v, 0, 0, c])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    assert cert.box_center.layers[0].W[2] == (0,) and cert.box_center.layers[0].b[2] == 0


def _relu_silent_beside_live() -> tuple[list[F], list[F], list[F]]:
    """Exact numbers by hand (fractions): on X = −3…3 the live ReLU unit is active on x ≥ 1 only, where
    the best line through the targets is 7/10·x + icpt (least squares on the three points), and the
    output bias is the inactive points' mean 1/3; written on its rescaling orbit with w = 101/70. The
    residuals r then sum to 0 on the inactive points and are orthogonal to 1 and x on x ≥ 1, so a silent
    unit relu(x + b₂) active on x ≥ −1 has ∂F/∂v ∝ Σ_{x_i ≥ −1} r_i (x_i + b₂) = 0 at b₂ = 23/14 (its kink
    −23/14 lies between −2 and −1). Returns X, y and the exact critical point."""
    X = [F(x) for x in range(-3, 4)]
    ys = [F(y) + F(1, 12) for y in ("3/10", "9/10", "-9/10", "7/10", "3/10", "12/5", "17/10")]
    active = list(zip(X[4:], ys[4:], strict=True))
    n, sx, sy = 3, sum(x for x, _ in active), sum(y for _, y in active)
    sxx, sxy = sum(x * x for x, _ in active), sum(x * y for x, y in active)
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    icpt, c = (sy - slope * sx) / n, sum(ys[:4]) / 4
    a = F(101, 70)
    v, w = slope / a, a
    b = (icpt - c) / v  # v·(w x + b) + c = slope·x + icpt on the active points
    residuals = [v * max(w * x + b, F(0)) + c - y for x, y in zip(X, ys, strict=True)]
    silent = [i for i, x in enumerate(X) if x >= -1]
    b2 = -sum(residuals[i] * X[i] for i in silent) / sum(residuals[i] for i in silent)
    assert -2 < -b2 < -1 and slope == F(7, 10) and c == F(1, 3)
    return X, ys, [w, F(1), b, b2, v, F(0), c]


@pytest.mark.parametrize("digits", [12, pytest.param(20, marks=pytest.mark.slow)])
def test_a_silent_relu_unit_beside_a_live_one_on_its_rescaling_orbit_is_a_saddle(digits):
    """The live ReLU network's minima form an orbit of rescalings (its Hessian is singular), proved on a
    slice; the silent unit's zero of ∂F/∂v is exact (`_relu_silent_beside_live`). Rounded to ``digits``:
    a saddle whose box holds the exact critical point with the slice's fixed output weight as given (the
    orbit point w·v = 7/10), and whose lower point lies below the exact critical loss."""
    X, ys, exact = _relu_silent_beside_live()
    net = Network((1, 2, 1), "relu")
    data = Dataset.of([[x] for x in X], [[y] for y in ys])
    with mpmath.workdps(60):
        written = [q if q.denominator == 1 else F(mpmath.nstr(_mp(q), digits)) for q in exact]
    point = Point.unflatten(net, written)
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    centre, R = cert.box_center.flatten(), cert.proof_radius
    v = centre[4]  # the orbit point through the slice: v as fixed there, w v = 7/10, v b = 7/10·b/w
    on_orbit = [F(7, 10) / v, centre[1], exact[2] * exact[4] / v, exact[3], v, F(0), exact[6]]
    assert all(abs(q - e) <= R for q, e in zip(centre, on_orbit, strict=True))
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, Point.unflatten(net, exact))


def _duplicate_lines(live):
    """Near the duplicate (w*, b*) of the live unit its silent copy's h = Σ_i ℓ'_i tanh(w x_i + b) and
    ∇h vanish (they are the live unit's ∂F/∂v and ∂F/∂(w, b) over v), so h ≈ ½ΔᵀMΔ, M = ∇²h there
    (60 digits): its zeros are two lines Δb = m·Δw, the roots m of ½(M_bb m² + 2M_wb m + M_ww)."""
    w, b, v, c = live
    with mpmath.workdps(60):
        slopes = [v * mpmath.tanh(w * _mp(x) + b) + c - _mp(y) for x, y in zip(LIVE_X, LIVE_Y, strict=True)]

        def h(ws, bs):
            return sum(s * mpmath.tanh(ws * _mp(x) + bs) for s, x in zip(slopes, LIVE_X, strict=True))

        Mww, Mwb, Mbb = (mpmath.diff(h, (w, b), order) for order in ((2, 0), (1, 1), (0, 2)))
        disc = mpmath.sqrt(Mwb**2 - Mbb * Mww)
        return h, sorted(((-Mwb + disc) / Mbb, (-Mwb - disc) / Mbb))


@pytest.mark.parametrize(
    ("digits", "saddle"),
    [(12, True), (12, False), pytest.param(8, True, marks=pytest.mark.slow), (20, False)],
)
def test_a_silent_unit_beside_the_duplicate_of_a_live_one(digits, saddle):
    """Red team s33 G1-dupoff: the silent unit 3 windows from the live unit's duplicate, where its h is
    second order in the distance (1e-20 beside windows of 1e-10). On one of h's two zero lines through
    the duplicate (rounded): a saddle, found once θ* is enclosed as tightly as a window squared and the
    segment narrowed about the zero; on the bisector of their angles farther from both, where both lines
    pass half a window beyond the window on one side (checked at 60 digits on its two edges in w),
    `not-critical`."""
    live = _live_minimum("tanh", "identity", "mse", LIVE_Y, (1.18, 0.03, 0.98, 0.003))
    h, (m1, m2) = _duplicate_lines(live)
    w, b = live[0], live[1]

    def window(q):
        if digits > 17:
            return 5000 * max(abs(t) for t in live) * mpmath.mpf(10) ** (1 - digits)
        return 150 * mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(q))) - digits + 1)

    with mpmath.workdps(60):
        rw, rb = window(w), window(b)
        if saddle:  # on the line of the smaller slope in window units, 3 windows out
            m = min((m1, m2), key=lambda s: abs(s * rw / rb))
            dw = 3 / mpmath.sqrt(1 + (m * rw / rb) ** 2)
            ws, bs = w + dw * rw, b + m * dw * rw
        else:  # the bisector of the lines' angles (in window units) farther from both, 3 windows out
            lines = [mpmath.atan(m * rw / rb) for m in (m1, m2)]
            angle = max(
                (sum(lines) / 2, sum(lines) / 2 + mpmath.pi / 2),
                key=lambda phi: min(abs(mpmath.sin(phi - a)) for a in lines),
            )
            ws, bs = w + 3 * mpmath.cos(angle) * rw, b + 3 * mpmath.sin(angle) * rb
        written = [F(mpmath.nstr(q, digits)) for q in (*live, ws, bs)]
        net = Network((1, 2, 1), "tanh")
        data = Dataset.of([[x] for x in LIVE_X], [[y] for y in LIVE_Y])
        point = Point.unflatten(
            net, [written[0], written[4], written[1], written[5], written[2], 0, written[3]]
        )
        if not saddle:  # both lines miss the window: on its two w-edges each lies beyond it, on one side
            gw, gb = _mp(written[4]), _mp(written[5])
            for m in (m1, m2):
                sides = []
                for edge in (gw - window(gw), gw + window(gw)):
                    line = b + m * (edge - w)
                    root = mpmath.findroot(lambda t, e=edge: h(e, t), line)
                    assert abs(root - line) < window(gb) / 100
                    sides.append((root - gb) / window(gb))
                assert min(sides) > 3 / 2 or max(sides) < -3 / 2
    cert = certify(Trap(net, data, point), probes=0)
    if saddle:
        assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    else:
        assert (cert.verdict, cert.method) == (Verdict.NOT_CRITICAL, "held-convexity"), cert.reason


@pytest.mark.parametrize("digits", [12, pytest.param(30, marks=pytest.mark.slow)])
def test_a_silent_unit_beside_a_live_one_with_two_outputs_on_affine_targets_is_a_saddle(digits):
    """Red team s33 G3-mo-affine: y₂ = −2y₁ + 3/10 exactly, identity outputs and squares. For given hidden
    features the best output layer fits y₂ by −2 times the fit of y₁ plus 3/10 (the features hold the
    constant 1), so the loss is 5 times the one-output loss on y₁ there: the two-output minimum is the
    one-output θ* (60-digit Newton) with v₂ = −2v₁, c₂ = −2c₁ + 3/10, and every residual of output 2 is
    −2 times output 1's, so the silent unit's two sums vanish together at the one-output zero b*."""
    live = _live_minimum("tanh", "identity", "mse", LIVE_Y, (1.18, 0.03, 0.98, 0.003))
    b_star = _silent_root("tanh", "identity", "mse", LIVE_Y, live, 3, 0.37)
    net = Network((1, 2, 2), "tanh")
    data = Dataset.of([[x] for x in LIVE_X], [[y, -2 * y + F(3, 10)] for y in LIVE_Y])
    w, b, v, c = live
    with mpmath.workdps(60):
        exact = [w, 3, b, b_star, v, 0, -2 * v, 0, c, -2 * c + mpmath.mpf(3) / 10]
        point = Point.unflatten(net, [F(mpmath.nstr(q, digits)) for q in exact])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    critical = reference_loss(net, data, Point.unflatten(net, [F(mpmath.nstr(q, 60)) for q in exact]))
    assert reference_loss(net, data, cert.witness) < critical
