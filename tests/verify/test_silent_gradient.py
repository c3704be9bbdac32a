"""Silent units in deeper layers (outgoing weights 0) beside a live network of depth 3.

Truth is independent of `badminima`: the live 1-1-1-1 tanh network's minimum by a 60-digit Newton on its
gradient written out by hand, the silent unit's ∂F/∂u = Σ_i g_i tanh(w·x_i + b) with its inputs x_i and
the slopes g_i at the next layer written out by hand too, its zero by mpmath, losses by
`tests.reference`.
"""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima.arithmetic.ball import BallArithmetic
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.silent_gradient import downstream_slopes, silent_slope_gradient
from tests.reference import reference_loss

X = [F(k, 2) for k in range(-4, 6)]
Y = [F(v, 100) for v in (-71, -73, -62, -40, -4, 40, 60, 72, 72, 77)]


def _mp(q: F) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _passes(theta, x):
    """The 1-1-1-1 tanh network by hand: (a1, a2, f) at input x."""
    w1, b1, w2, b2, w3, b3 = theta
    a1 = mpmath.tanh(w1 * x + b1)
    a2 = mpmath.tanh(w2 * a1 + b2)
    return a1, a2, w3 * a2 + b3


def _slopes(theta, xy=(X, Y)):
    """Per point (a1, d2, e): the first layer's output, the loss's slope at the second layer's
    pre-activation d2 = e·w3·(1 − a2²), and at the output e = 2(f − y)/N (squared error, mean), on the
    data ``xy``."""
    rows = []
    for x, y in zip(*xy, strict=True):
        a1, a2, f = _passes(theta, _mp(x))
        e = 2 * (f - _mp(y)) / len(xy[0])
        rows.append((a1, e * theta[4] * (1 - a2 * a2), e))
    return rows


def _gradient(*theta, xy=(X, Y)):
    """The 1-1-1-1 network's loss gradient on the data ``xy``, back-propagated by hand."""
    g = [mpmath.mpf(0)] * 6
    for x, (a1, d2, e) in zip(xy[0], _slopes(theta, xy), strict=True):
        a2 = _passes(theta, _mp(x))[1]
        d1 = d2 * theta[2] * (1 - a1 * a1)
        for k, part in enumerate((d1 * _mp(x), d1, d2 * a1, d2, e * a2, e)):
            g[k] += part
    return g


def _live_critical(start, xy):
    """The 1-1-1-1 network's critical point near ``start`` on the data ``xy`` by Newton at 60 digits on
    its hand-written gradient."""
    with mpmath.workdps(60):
        return list(
            mpmath.findroot(
                lambda *t: _gradient(*t, xy=xy), start, solver="mdnewton", tol=mpmath.mpf(10) ** -50
            )
        )


def _smallest_curvature(theta, xy):
    """The least eigenvalue of the Hessian at ``theta``: central differences of the hand-written
    gradient (step 1e-25, 60 digits)."""
    with mpmath.workdps(60):
        step = mpmath.mpf(10) ** -25
        columns = []
        for k in range(6):
            up = [t + (step if j == k else 0) for j, t in enumerate(theta)]
            down = [t - (step if j == k else 0) for j, t in enumerate(theta)]
            ends = zip(_gradient(*up, xy=xy), _gradient(*down, xy=xy), strict=True)
            columns.append([(a - b) / (2 * step) for a, b in ends])
        H = mpmath.matrix([[(columns[i][j] + columns[j][i]) / 2 for j in range(6)] for i in range(6)])
        return min(mpmath.eigsy(H)[0])


def _live_minimum():
    """The 1-1-1-1 network's critical point by Newton at 60 digits on its hand-written gradient."""

    def grad(*theta):
        g = [mpmath.mpf(0)] * 6
        for x, (a1, d2, e) in zip(X, _slopes(theta), strict=True):
            a2 = _passes(theta, _mp(x))[1]
            d1 = d2 * theta[2] * (1 - a1 * a1)
            for k, part in enumerate((d1 * _mp(x), d1, d2 * a1, d2, e * a2, e)):
                g[k] += part
        return g

    with mpmath.workdps(60):
        start = (1.098, -0.218, 0.512, 0.433, 1.841, -0.600)
        return list(mpmath.findroot(grad, start, solver="mdnewton", tol=mpmath.mpf(10) ** -50))


def _silent_h(theta, layer, w, b, xy=(X, Y)):
    """∂F/∂u for the silent unit at (w, b): in hidden layer 1 its inputs are x and its slopes d2; in
    hidden layer 2 its inputs are a1 and its slopes e."""
    total = mpmath.mpf(0)
    for x, (a1, d2, e) in zip(xy[0], _slopes(theta, xy), strict=True):
        total += d2 * mpmath.tanh(w * _mp(x) + b) if layer == 1 else e * mpmath.tanh(w * a1 + b)
    return total


W_SILENT = F("1.33141592654")


def _deep_point(theta, layer, w, b, digits):
    """The wider network (1-2-1-1 or 1-1-2-1) with the silent unit at (w, b), its outgoing weight 0."""
    q = [F(mpmath.nstr(t, digits)) for t in theta]
    wb = F(mpmath.nstr(b, digits))
    if layer == 1:
        net = Network((1, 2, 1, 1), "tanh")
        return net, Point.unflatten(net, [q[0], w, q[1], wb, q[2], 0, q[3], q[4], q[5]])
    net = Network((1, 1, 2, 1), "tanh")
    return net, Point.unflatten(net, [q[0], q[1], q[2], w, q[3], wb, q[4], 0, q[5]])


DATA = Dataset.of([[x] for x in X], [[y] for y in Y])


def _deep_saddle(theta, layer, near, digits, xy):
    """The wider point with the silent unit's bias at a zero of its sum beside the live critical point
    θ* (60 digits), every number rounded to ``digits``, certified on the data ``xy``: a
    `silent-unit-saddle` whose box holds θ* and whose witness is below the lift's loss (every critical
    point of the curve has θ*'s). Returns its centre (60 digits) and radius."""
    with mpmath.workdps(60):
        b_star = mpmath.findroot(lambda t: _silent_h(theta, layer, _mp(W_SILENT), t, xy), near)
    data = Dataset.of([[x] for x in xy[0]], [[y] for y in xy[1]])
    net, point = _deep_point(theta, layer, W_SILENT, b_star, digits)
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    exact = _deep_point(theta, layer, W_SILENT, b_star, 60)[1]
    R = _mp(cert.proof_radius) + mpmath.mpf(10) ** -55
    centre = [_mp(q) for q in cert.box_center.flatten()]
    silent = (1, 3, 5) if layer == 1 else (3, 5, 7)
    assert all(abs(centre[k] - _mp(q)) <= R for k, q in enumerate(exact.flatten()) if k not in silent)
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, exact)
    return centre, R


@pytest.mark.parametrize(
    ("layer", "digits", "near"),
    [
        (1, 12, -1.24),
        (2, 12, -1.50),
        pytest.param(1, 30, -1.24, marks=pytest.mark.slow),
        pytest.param(2, 30, -1.50, marks=pytest.mark.slow),
    ],
)
def test_a_silent_unit_in_a_deeper_layer_next_to_its_curve_is_a_saddle(layer, digits, near):
    """The live network at its minimum θ*, the silent unit's bias at a zero of its ∂F/∂u there (both
    at 60 digits), every number rounded to ``digits`` (red team s33 G3-deep): the certificate's box holds
    θ* and meets the silent unit's curve of zeros (its sum has both signs on the box's corners), and the
    witness's loss is below F at the critical points (all of them have θ*'s loss)."""
    theta = _live_minimum()
    centre, R = _deep_saddle(theta, layer, near, digits, (X, Y))
    incoming, outgoing = ([1, 3], 5) if layer == 1 else ([3, 5], 7)
    # the box meets the silent unit's curve (its sum changes sign on the box's corners)
    assert abs(centre[outgoing]) <= R
    with mpmath.workdps(60):
        w, b = (centre[k] for k in incoming)
        corners = [_silent_h(theta, layer, w + i * R, b + j * R) for i in (-1, 1) for j in (-1, 1)]
    assert min(corners) <= 0 <= max(corners)


@pytest.mark.parametrize(
    ("layer", "offset", "near"),
    [
        (1, 3, -1.24),
        (2, -3, -1.50),
        pytest.param(1, F(1, 2), -1.24, marks=pytest.mark.slow),
        pytest.param(2, F(1, 2), -1.50, marks=pytest.mark.slow),
    ],
)
def test_a_silent_unit_in_a_deeper_layer_off_its_curve_is_not_critical(layer, offset, near):
    """The silent unit's (w, b) written ``offset`` windows off its zero in each, the way that moves its
    ∂F/∂u away from 0 (12 digits, P = 9: a window is 100⌈√9⌉ = 300 halves of a number's last digit).
    Where ∂F/∂u at 60 digits (θ* exact) has one sign on all four corners of the (w, b) window, no
    critical point is the digits' (u = 0 is exact, and the live network is strictly convex about its
    window): `not-critical`; half a window off, a saddle."""
    theta = _live_minimum()

    def window(q):
        return 150 * mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(q))) - 11)

    with mpmath.workdps(60):
        w_star = _mp(W_SILENT)
        b_star = mpmath.findroot(lambda t: _silent_h(theta, layer, w_star, t), near)
        slope_w = mpmath.diff(lambda t: _silent_h(theta, layer, t, b_star), w_star)
        slope_b = mpmath.diff(lambda t: _silent_h(theta, layer, w_star, t), b_star)
        w = F(mpmath.nstr(w_star + _mp(F(offset)) * mpmath.sign(slope_w) * window(w_star), 12))
        net, point = _deep_point(
            theta, layer, w, b_star + _mp(F(offset)) * mpmath.sign(slope_b) * window(b_star), 12
        )
        b = _mp(point.layers[layer - 1].b[-1])
        corners = [
            _silent_h(theta, layer, _mp(w) + i * window(_mp(w)), b + j * window(b))
            for i in (-1, 1)
            for j in (-1, 1)
        ]
    misses = all(h > 0 for h in corners) or all(h < 0 for h in corners)
    assert misses == (abs(offset) >= 2)
    cert = certify(Trap(net, DATA, point), probes=0)
    if misses:
        assert (cert.verdict, cert.method) == (Verdict.NOT_CRITICAL, "held-convexity"), cert.reason
    else:
        assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason


@settings(max_examples=20, deadline=None)
@given(
    theta=st.lists(st.fractions(min_value=-2, max_value=2, max_denominator=8), min_size=6, max_size=6),
    layer=st.sampled_from([0, 1]),
)
def test_downstream_slopes_are_the_hand_written_ones(theta, layer):
    """The inputs of a hidden layer and the loss's slopes at the layer after it, enclosed at a point,
    hold the hand-written values (60 digits)."""
    net = Network((1, 1, 1, 1), "tanh")
    _, inputs, slopes = downstream_slopes(net, DATA, theta, theta, 128, layer)
    with mpmath.workdps(60):
        for i, (x, (a1, d2, e)) in enumerate(zip(X, _slopes([_mp(t) for t in theta]), strict=True)):
            expected = ((inputs[i][0], _mp(x) if layer == 0 else a1), (slopes[0, i], d2 if layer == 0 else e))
            for got, want in expected:
                low, high = (mpmath.mpf(end.str(60, radius=False)) for end in (got.lower(), got.upper()))
                assert low - mpmath.mpf(10) ** -45 <= want <= high + mpmath.mpf(10) ** -45


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "identity"])
def test_the_sums_gradient_is_refused_for_units_without_a_smooth_slope(activation):
    """The mean-value form needs σ' (review s34: a ReLU unit once got the sigmoid's)."""
    ball = BallArithmetic(64)
    net = Network((1, 1, 1), activation)
    with ball.context(), pytest.raises(ValueError):
        silent_slope_gradient(ball, net, [[ball.constant(1)]], [ball.constant(1)], [ball.constant(1)] * 2)


SADDLE_XY = ([F(k, 4) for k in range(-9, 10, 2)], Y)
"""x = −9/4, −7/4, …, 9/4 with the same targets: the 1-1-1-1 network has a saddle near `LIVE_SADDLE`."""
SADDLE_DATA = Dataset.of([[x] for x in SADDLE_XY[0]], [[y] for y in Y])
LIVE_SADDLE = (0.711, 0.156, -1.521, 0.0048, -0.843, 0.0067)
"""Near a saddle of the 1-1-1-1 network on `SADDLE_XY` (red team s34 D)."""


@pytest.mark.parametrize(("layer", "near"), [(1, -0.75), pytest.param(2, -1.3, marks=pytest.mark.slow)])
def test_a_silent_unit_beside_a_live_saddle_on_its_curve_is_a_saddle(layer, near):
    """The live network at a saddle (its Hessian's least eigenvalue < 0 by differences of the hand-written
    gradient), the silent unit on its curve (12 digits): the lift of the saddle is exactly critical and
    not a minimum (the live saddle's descent lifts); the box holds the saddle, the witness is lower."""
    theta = _live_critical(LIVE_SADDLE, SADDLE_XY)
    assert _smallest_curvature(theta, SADDLE_XY) < -(mpmath.mpf(10) ** -5)
    _deep_saddle(theta, layer, near, 12, SADDLE_XY)


def test_a_silent_unit_beside_a_live_saddle_off_its_curve_is_not_critical():
    """The same saddle, the silent unit's (w, b) 3 windows off its zero the way that moves its sum from
    0 (one sign on the window's corners, 60 digits), its outgoing weight exactly 0: every critical point
    in the window has the live numbers at the saddle, the one critical point of a cube that holds their
    window, so none is the digits'."""
    theta = _live_critical(LIVE_SADDLE, SADDLE_XY)

    def window(q):
        return 150 * mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(q))) - 11)

    with mpmath.workdps(60):
        w_star = _mp(W_SILENT)
        b_star = mpmath.findroot(lambda t: _silent_h(theta, 1, w_star, t, SADDLE_XY), -0.75)
        slope_w = mpmath.diff(lambda t: _silent_h(theta, 1, t, b_star, SADDLE_XY), w_star)
        slope_b = mpmath.diff(lambda t: _silent_h(theta, 1, w_star, t, SADDLE_XY), b_star)
        w = F(mpmath.nstr(w_star + 3 * mpmath.sign(slope_w) * window(w_star), 12))
        net, point = _deep_point(theta, 1, w, b_star + 3 * mpmath.sign(slope_b) * window(b_star), 12)
        b = _mp(point.layers[0].b[-1])
        corners = [
            _silent_h(theta, 1, _mp(w) + i * window(_mp(w)), b + j * window(b), SADDLE_XY)
            for i in (-1, 1)
            for j in (-1, 1)
        ]
    assert all(h > 0 for h in corners) or all(h < 0 for h in corners)
    cert = certify(Trap(net, SADDLE_DATA, point), probes=0)
    assert (cert.verdict, cert.method) == (Verdict.NOT_CRITICAL, "krawczyk-pinpoint"), cert.reason


@pytest.mark.slow
@pytest.mark.parametrize("digits", [12, 30])
def test_a_silent_unit_whose_incoming_weight_is_exactly_0_is_on_its_curve(digits):
    """Incoming weight written 0 (exact): the unit is tanh(b) on every point, so its ∂F/∂u =
    tanh(b)·Σ_i d2_i, the live network's ∂F/∂b₂, is 0 at θ* whatever b (1e-45 by hand), and no sign
    change is needed (red team s34 K). Not a minimum: with w = s and u = −h(s)/c (c = ∂²F/∂u² by a
    second difference) the loss at 60 digits is below the lift's."""
    theta = _live_minimum()
    b = mpmath.mpf("0.731415926536")
    net, point = _deep_point(theta, 1, F(0), b, digits)
    cert = certify(Trap(net, DATA, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    with mpmath.workdps(60):
        assert abs(_silent_h(theta, 1, mpmath.mpf(0), b)) < mpmath.mpf(10) ** -45
        lift = [F(mpmath.nstr(q, 60)) if isinstance(q, mpmath.mpf) else q for q in _lift(theta, b)]

        def loss(w, u):
            flat = list(lift)
            flat[1], flat[5] = w, u
            return reference_loss(net, DATA, Point.unflatten(net, flat))

        step = F(1, 10**8)
        c = (loss(F(0), step) - 2 * loss(F(0), F(0)) + loss(F(0), -step)) / _mp(step) ** 2
        s = F(1, 10**6)
        u = F(mpmath.nstr(-_silent_h(theta, 1, _mp(s), b) / c, 40))
        assert loss(s, u) < loss(F(0), F(0))
    assert reference_loss(net, DATA, cert.witness) < loss(F(0), F(0))


def _lift(theta, b):
    """The 1-2-1-1 lift of θ* with the silent unit at (0, b), its outgoing weight 0 (flat order: W₁, b₁,
    W₂, b₂, W₃, b₃)."""
    return [theta[0], F(0), theta[1], b, theta[2], F(0), theta[3], theta[4], theta[5]]


@pytest.mark.slow
def test_silent_units_in_two_hidden_layers_on_their_curves_make_a_saddle():
    """A 1-2-2-1 net: unit A of hidden layer 1 silent (both outgoing weights 0) and unit B of hidden
    layer 2 silent, beside the live 1-1-1-1 minimum θ*. B never sees A (A's weight into B is one of its
    outgoing weights, 0), so A's sum is layer 1's (slopes at the live layer-2 unit) and B's is layer 2's
    (inputs the live layer-1 output): each on its own zero (60 digits) makes the lift exactly critical
    (red team s34 E); the witness is below the lift's loss."""
    theta = _live_minimum()
    with mpmath.workdps(60):
        b_a = mpmath.findroot(lambda t: _silent_h(theta, 1, _mp(W_SILENT), t), -1.24)
        b_b = mpmath.findroot(lambda t: _silent_h(theta, 2, _mp(W_SILENT), t), -1.50)

    def lift(digits):
        q = [F(mpmath.nstr(t, digits)) for t in (*theta, b_a, b_b)]
        w1, b1, w2, b2, w3, b3, ba, bb = q
        return [w1, W_SILENT, b1, ba, w2, 0, W_SILENT, 0, b2, bb, w3, 0, b3]

    net = Network((1, 2, 2, 1), "tanh")
    cert = certify(Trap(net, DATA, Point.unflatten(net, lift(12))), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    exact = Point.unflatten(net, lift(60))
    R = _mp(cert.proof_radius) + mpmath.mpf(10) ** -55
    live = [0, 2, 4, 8, 10, 12]
    centre = cert.box_center.flatten()
    assert all(abs(_mp(centre[k]) - _mp(exact.flatten()[k])) <= R for k in live)
    assert reference_loss(net, DATA, cert.witness) < reference_loss(net, DATA, exact)


@pytest.mark.parametrize("off", ["A", pytest.param("B", marks=pytest.mark.slow)])
def test_silent_units_in_two_hidden_layers_one_off_its_curve_are_not_critical(off):
    """The same 1-2-2-1 net with one silent unit's (w, b) 3 windows off its zero (the way that moves its
    sum from 0; one sign on its window's corners at 60 digits) and every silent outgoing weight exactly
    0: each critical point in the window has the live numbers at θ*, and that unit's sum is not 0."""
    theta = _live_minimum()
    layer = 1 if off == "A" else 2

    def window(q):
        return 150 * mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(q))) - 11)  # P = 13: 100⌈√13⌉ halves

    with mpmath.workdps(60):
        w_star = _mp(W_SILENT)
        zeros = {
            k: mpmath.findroot(lambda t, k=k: _silent_h(theta, k, w_star, t), g)
            for k, g in ((1, -1.24), (2, -1.5))
        }
        b_star = zeros[layer]
        sw = mpmath.sign(mpmath.diff(lambda t: _silent_h(theta, layer, t, b_star), w_star))
        sb = mpmath.sign(mpmath.diff(lambda t: _silent_h(theta, layer, w_star, t), b_star))
        w_off = F(mpmath.nstr(w_star + 3 * sw * window(w_star), 12))
        b_off = F(mpmath.nstr(b_star + 3 * sb * window(b_star), 12))
        corners = [
            _silent_h(theta, layer, _mp(w_off) + i * window(w_star), _mp(b_off) + j * window(b_star))
            for i in (-1, 1)
            for j in (-1, 1)
        ]
        assert all(h > 0 for h in corners) or all(h < 0 for h in corners)
        q = [F(mpmath.nstr(t, 12)) for t in theta]
        ba, bb = (F(mpmath.nstr(zeros[k], 12)) for k in (1, 2))
    wa, wb = (w_off, W_SILENT) if off == "A" else (W_SILENT, w_off)
    ba, bb = (b_off, bb) if off == "A" else (ba, b_off)
    net = Network((1, 2, 2, 1), "tanh")
    flat = [q[0], wa, q[1], ba, q[2], 0, wb, 0, q[3], bb, q[4], 0, q[5]]
    cert = certify(Trap(net, DATA, Point.unflatten(net, flat)), probes=0)
    assert (cert.verdict, cert.method) == (Verdict.NOT_CRITICAL, "held-convexity"), cert.reason


def _chain(theta, x):
    """The 1-1-…-1 tanh chain by hand (θ = w₁, b₁, …, w_L, b_L, w_out, b_out): its activations a₀ = x,
    a₁, …, a_L and its output."""
    acts = [x]
    for w, b in zip(theta[0:-2:2], theta[1:-2:2], strict=True):
        acts.append(mpmath.tanh(w * acts[-1] + b))
    return acts, theta[-2] * acts[-1] + theta[-1]


def _chain_slopes(theta, xy=SADDLE_XY):
    """Per point: the activations and the loss's slopes at each hidden pre-activation d₁, …, d_L and at
    the output e = 2(f − y)/N, back-propagated by hand, on the data ``xy``."""
    rows = []
    for x, y in zip(*xy, strict=True):
        acts, f = _chain(theta, _mp(x))
        e = 2 * (f - _mp(y)) / len(xy[0])
        d = [e * theta[-2] * (1 - acts[-1] ** 2)]
        for k in range(len(acts) - 2, 0, -1):
            d.insert(0, d[0] * theta[2 * k] * (1 - acts[k] ** 2))
        rows.append((acts, d, e))
    return rows


def _chain_gradient(*theta):
    g = [mpmath.mpf(0)] * len(theta)
    for acts, d, e in _chain_slopes(theta):
        for k, dk in enumerate(d):
            g[2 * k] += dk * acts[k]
            g[2 * k + 1] += dk
        g[-2] += e * acts[-1]
        g[-1] += e
    return g


def _chain_silent_h(theta, layer, w, b):
    """A silent unit's sum in hidden layer ``layer`` (1-based) of the chain: Σ_i s_i tanh(w·a_{layer−1} +
    b), s_i the slope at the next layer's pre-activation (the output's after the last layer)."""
    total = mpmath.mpf(0)
    for acts, d, e in _chain_slopes(theta):
        s = d[layer] if layer < len(d) else e
        total += s * mpmath.tanh(w * acts[layer - 1] + b)
    return total


@pytest.mark.slow
def test_silent_units_in_three_hidden_layers_on_their_curves_make_a_saddle():
    """A 1-2-2-2-1 net: one silent unit in each hidden layer, beside the live 1-1-1-1-1 minimum θ* (60
    digits, hand gradient, on `SADDLE_XY`), each on its own zero (red team s35b). Each level's proof is
    the next one's narrower network, so the innermost is enclosed finely enough for the outermost's
    sign changes, and every shallower silent unit's outgoing weights stay exactly 0 in the enclosure.
    The box holds θ*, the witness is below the lift's loss."""
    start = [  # the red team's 12 digits: the Hessian's least eigenvalue is 2e-8, Newton's basin narrow
        mpmath.mpf(q)
        for q in (
            "1.09027294994",
            "0.0656061085468",
            "0.379971374695",
            "-0.0522780363886",
            "1.01625952412",
            "0.694856182988",
            "3.04281616074",
            "-1.58018333250",
        )
    ]
    with mpmath.workdps(60):
        theta = list(mpmath.findroot(_chain_gradient, start, solver="mdnewton", tol=mpmath.mpf(10) ** -50))
        assert max(abs(g) for g in _chain_gradient(*theta)) < mpmath.mpf(10) ** -45
        w = _mp(W_SILENT)
        silent = [
            mpmath.findroot(lambda t, k=k: _chain_silent_h(theta, k, w, t), near)
            for k, near in ((1, -0.9056), (2, -1.7551), (3, -0.7514))
        ]
        assert all(
            abs(_chain_silent_h(theta, k + 1, w, b)) < mpmath.mpf(10) ** -45 for k, b in enumerate(silent)
        )

    def lift(digits):
        w1, b1, w2, b2, w3, b3, wo, bo = (F(mpmath.nstr(t, digits)) for t in theta)
        s1, s2, s3 = (F(mpmath.nstr(b, digits)) for b in silent)
        return [w1, W_SILENT, b1, s1, w2, 0, W_SILENT, 0, b2, s2, w3, 0, W_SILENT, 0, b3, s3, wo, 0, bo]

    net = Network((1, 2, 2, 2, 1), "tanh")
    cert = certify(Trap(net, SADDLE_DATA, Point.unflatten(net, lift(12))), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason
    exact = Point.unflatten(net, lift(60))
    R = _mp(cert.proof_radius) + mpmath.mpf(10) ** -55
    centre = cert.box_center.flatten()
    live = [0, 2, 4, 8, 10, 14, 16, 18]
    assert all(abs(_mp(centre[k]) - _mp(exact.flatten()[k])) <= R for k in live)
    assert reference_loss(net, SADDLE_DATA, cert.witness) < reference_loss(net, SADDLE_DATA, exact)
