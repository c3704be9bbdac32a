"""Minima of held one-hidden-layer ReLU nets whose output layer spans the region's predictions, under
heads with no rational optimum (`verify.prediction_span`). The truth is computed here: the output
layer's optimum by a 60-digit Newton on a gradient written out by hand, the hidden gradient there, and
the windows by the README's rule (100⌈√P⌉ halves of each number's last digit)."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.prediction_span import certify_span_minimum, spans_the_region
from tests.reference import reference_loss

X = [F(k, 2) for k in range(-4, 6)]
"""−2, −1.5, …, 2.5: no point between the kinks 1/3 and 1001/3000 (red team s33 G2)."""

HIDDEN = ([[F(4, 3)], [F(4, 3)]], [F(-4, 9), F(-1001, 2250)])
"""Two ReLU units active on the same points, kinks 1/3000 apart: output-layer curvature 1e-8."""


def _mp(q: F) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _head_slope(z, y, head):
    """∂ℓ/∂z by hand: σ(z) − y for cross-entropy, 2(σ(z) − y)σ'(z) for a sigmoid with squares."""
    s = 1 / (1 + mpmath.exp(-z))
    return s - y if head == "bce" else 2 * (s - y) * s * (1 - s)


def _features(hidden, x):
    (W, b) = hidden
    return [max(_mp(w[0]) * _mp(x) + _mp(c), mpmath.mpf(0)) for w, c in zip(W, b, strict=True)]


def _output_gradient(hidden, X, labels, head):
    """The loss's gradient in the output numbers (v₁, v₂, c), the hidden layer held, by hand."""
    phi = [[*_features(hidden, x), mpmath.mpf(1)] for x in X]
    ys = [_mp(y) for y in labels]

    def grad(*u):
        zs = [sum(a * b for a, b in zip(u, f, strict=True)) for f in phi]
        g = [_head_slope(z, y, head) for z, y in zip(zs, ys, strict=True)]
        return [sum(gi * f[k] for gi, f in zip(g, phi, strict=True)) / len(X) for k in range(3)]

    return grad


def _optimum(hidden, X, labels, head, start=(1, -1, 0)):
    """The output layer's critical point (v₁, v₂, c) near ``start`` by Newton at 60 digits, and the
    loss's gradient in the hidden numbers there (each unit: v_j Σ ℓ' · 1[active] · (x, 1) / N)."""
    with mpmath.workdps(60):
        phi = [[*_features(hidden, x), mpmath.mpf(1)] for x in X]
        ys = [_mp(y) for y in labels]
        grad = _output_gradient(hidden, X, labels, head)
        u = mpmath.findroot(grad, tuple(mpmath.mpf(q) for q in start), tol=mpmath.mpf(10) ** -55)
        u = [u[k] for k in range(3)]
        zs = [sum(a * b for a, b in zip(u, f, strict=True)) for f in phi]
        g = [_head_slope(z, y, head) for z, y in zip(zs, ys, strict=True)]
        hidden_grad = []
        for j in range(2):
            on = [f[j] > 0 for f in phi]
            hidden_grad.append(
                sum(gi * _mp(x) for gi, x, a in zip(g, X, on, strict=True) if a) * u[j] / len(X)
            )
            hidden_grad.append(sum(gi for gi, a in zip(g, on, strict=True) if a) * u[j] / len(X))
        return u, hidden_grad


def _written(u, digits: int, offsets: tuple[float, ...]) -> list[F]:
    """Each number to ``digits`` significant digits, moved ``offsets[k]`` windows: 300 halves (P = 7) of
    its own last digit."""
    out = []
    with mpmath.workdps(60):
        for v, offset in zip(u, offsets, strict=True):
            unit = mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(v)))) + 1 - digits)
            out.append(F(mpmath.nstr(v + 150 * unit * offset, digits, strip_zeros=False)))
    return out


def _trap(
    head: str, labels, digits: int, offsets, hidden=HIDDEN, xs=X, start=(1, -1, 0)
) -> tuple[Trap, list]:
    net = Network((1, 2, 1), "relu", output="sigmoid", loss=head)
    u, hidden_grad = _optimum(hidden, xs, labels, head, start)
    v1, v2, c = _written(u, digits, offsets)
    point = Point.of([hidden, ([[v1, v2]], [c])])
    return Trap(net, Dataset.of([[x] for x in xs], [[y] for y in labels]), point), [u, hidden_grad]


LABELS = [F(k, 10) for k in (3, 8, 2, 6, 5, 9, 1, 7, 4, 6)]


@pytest.mark.parametrize("head", ["bce", pytest.param("mse", marks=pytest.mark.slow)])
@pytest.mark.parametrize(
    ("offsets", "verdict"), [((0.3, -0.3, 0.3), Verdict.LOCAL_MIN), ((3, -3, 0), Verdict.NOT_CRITICAL)]
)
def test_a_held_relu_layer_under_a_sigmoid_is_a_minimum_at_its_output_layers_optimum(head, offsets, verdict):
    """With the hidden layer held the output layer's optimum u* makes the hidden gradient vanish (by
    hand, 1e-50: the two units' features span the constant, 1_A and x·1_A); 0.3 windows off, the
    minimum (hidden, u*) is the digits', its box holding u*. Three windows off along the near-flat
    v₁ − v₂ (curvature 1e-8: the gradient is at the digits' rounding level) the loss in the output
    numbers, strictly convex over the window, has its one critical point outside it."""
    trap, (u, hidden_grad) = _trap(head, LABELS, 12, offsets)
    assert max(abs(g) for g in hidden_grad) < mpmath.mpf(10) ** -50
    out = certify(trap, probes=0)
    assert out.verdict is verdict, out.reason
    if verdict is Verdict.LOCAL_MIN:
        assert out.code == "prediction-span"
        centre, r = out.box_center, out.proof_radius
        assert centre is not None and r is not None and centre.layers[0] == trap.point.layers[0]
        for q, v in zip((*centre.layers[1].W[0], *centre.layers[1].b), u, strict=True):
            assert abs(_mp(q) - v) <= _mp(r)
    else:
        assert (out.code, out.method) == ("gradient-nonzero", "held-convexity")


def test_units_with_different_active_sets_do_not_span_their_region_and_nothing_is_claimed():
    """Kinks at 1/3 and 1: unit 2 is off on x = 1/2, so the region's columns hold 1_{x ≥ 1/2} and
    1_{x ≥ 3/2} apart and the output layer's three features cannot span its five; at the output
    layer's optimum the hidden gradient is not 0 (by hand, 60 digits), so that point is no minimum."""
    hidden = ([[F(4, 3)], [F(1)]], [F(-4, 9), F(-1)])
    trap, (_, hidden_grad) = _trap("bce", LABELS, 12, (0.3, 0.3, 0.3), hidden)
    assert max(abs(g) for g in hidden_grad) > mpmath.mpf(10) ** -3
    assert not spans_the_region(trap.network, trap.dataset, trap.point)
    assert certify_span_minimum(trap.network, trap.dataset, trap.point) is None
    assert not certify(trap, probes=0).verdict.is_minimum


@settings(deadline=None)
@given(
    activation=st.sampled_from(["relu", "leaky_relu"]),
    w=st.lists(st.integers(-3, 3).filter(bool), min_size=2, max_size=2),
    b=st.lists(st.integers(-6, 6), min_size=2, max_size=2),
)
def test_the_span_test_agrees_with_ranks_computed_by_hand(activation, w, b):
    """`spans_the_region` against the ranks of the feature and region columns built here: 1, and per
    unit s·(w x + b) (features) or s·x, s (region), s the unit's slope on each point (1 where it is
    active, else 0 for ReLU and the leaky slope), all off their kinks."""
    hidden = ([[F(v)] for v in w], [F(v, 4) for v in b])
    net = Network((1, 2, 1), activation)
    data = Dataset.of([[x] for x in X], [[0] for _ in X])
    point = Point.of([hidden, ([[1, 1]], [0])])
    z = [[F(v) * x + F(c, 4) for x in X] for v, c in zip(w, b, strict=True)]
    if any(q == 0 for row in z for q in row):
        assert not spans_the_region(net, data, point)
        return
    low = F(0) if activation == "relu" else net.leaky_slope
    slopes = [[F(1) if q > 0 else low for q in row] for row in z]
    ones = [mpmath.mpf(1)] * len(X)
    feats = [ones] + [
        [_mp(s * q) for s, q in zip(sl, row, strict=True)] for sl, row in zip(slopes, z, strict=True)
    ]
    region = [ones]
    for sl in slopes:
        region += [[_mp(s * x) for s, x in zip(sl, X, strict=True)], [_mp(s) for s in sl]]

    def rank(cols):
        with mpmath.workdps(50):
            M = mpmath.matrix([[c[i] for c in cols] for i in range(len(X))])
            return sum(1 for s in mpmath.svd_r(M, compute_uv=False) if s > mpmath.mpf(10) ** -30)

    expected = rank(feats) == 3 and rank(region) == 3
    assert spans_the_region(net, data, point) is expected


@pytest.mark.slow
def test_eight_digits_leave_a_window_where_the_heads_curvature_spreads_and_the_minimum_still_holds():
    """At 8 digits the window reaches 1.5e-2 in v: ℓ'' varies by about 1% over it, which turns the
    bound matrix's eigenvectors away from the centre Hessian's by more than the weak curvature (1e-8);
    `output_curvature` proves it along the bound matrix's own eigenvectors."""
    trap, _ = _trap("bce", LABELS, 8, (0.3, -0.3, 0.3))
    out = certify(trap, probes=0)
    assert (out.verdict, out.code) == (Verdict.LOCAL_MIN, "prediction-span"), out.reason


def _solve(A, r):
    """A x = r in Fractions (Gauss–Jordan; A square and invertible)."""
    n = len(A)
    M = [[*row, v] for row, v in zip(A, r, strict=True)]
    for c in range(n):
        p = next(i for i in range(c, n) if M[i][c] != 0)
        M[c], M[p] = M[p], M[c]
        M[c] = [v / M[c][c] for v in M[c]]
        for i in range(n):
            if i != c:
                M[i] = [a - M[i][c] * b for a, b in zip(M[i], M[c], strict=True)]
    return [row[-1] for row in M]


def test_two_identity_outputs_with_squares_are_a_minimum_at_the_output_layers_least_squares_fit():
    """Two outputs, no snap for them: the output layer's least-squares optimum, exact (normal equations
    in Fractions, by hand), written to 12 digits 0.3 windows off (P = 12: 400 halves of each last
    digit), is the digits' minimum."""
    phi = [[*(max(w[0] * x + c, F(0)) for w, c in zip(*HIDDEN, strict=True)), F(1)] for x in X]
    targets = [[F(k % 7, 5), F((3 * k) % 5, 4) - 1] for k in range(len(X))]
    A = [[sum(f[i] * f[j] for f in phi) for j in range(3)] for i in range(3)]
    u = [
        _solve(A, [sum(f[i] * t[o] for f, t in zip(phi, targets, strict=True)) for i in range(3)])
        for o in range(2)
    ]
    written = []
    with mpmath.workdps(60):
        for row in u:
            out = []
            for v in row:
                unit = mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(_mp(v))))) - 11)
                out.append(F(mpmath.nstr(_mp(v) + 200 * unit * mpmath.mpf(3) / 10, 12)))
            written.append(out)
    net = Network((1, 2, 2), "relu")
    point = Point.of([HIDDEN, ([written[0][:2], written[1][:2]], [written[0][2], written[1][2]])])
    out = certify(Trap(net, Dataset.of([[x] for x in X], targets), point), probes=0)
    assert (out.verdict, out.code) == (Verdict.LOCAL_MIN, "prediction-span"), out.reason
    centre, r = out.box_center, out.proof_radius
    assert centre is not None and r is not None
    got = [*centre.layers[1].W[0], centre.layers[1].b[0], *centre.layers[1].W[1], centre.layers[1].b[1]]
    for q, v in zip(got, [*u[0], *u[1]], strict=True):
        assert abs(q - v) <= r


SADDLE_X = [F(k, 4) for k in range(-9, 10, 2)]
SADDLE_LABELS = [F(k, 10) for k in (9, 1, 0, 0, 5, 0, 10, 10, 1, 1)]
SADDLE_HIDDEN = ([[F(1)], [F(2)]], [F(-1, 10), F(-3, 10)])
"""Red team s35 D-outsaddle: under a sigmoid with squares the output layer's loss has a saddle."""


@pytest.mark.parametrize(
    ("digits", "offsets", "verdict"),
    [
        (12, (0.3, -0.3, 0.3), Verdict.SADDLE),
        (12, (3, -3, 0), Verdict.NOT_CRITICAL),
        pytest.param(30, (0.3, -0.3, 0.3), Verdict.SADDLE, marks=pytest.mark.slow),
    ],
)
def test_a_saddle_of_the_output_layers_loss_is_a_saddle_of_the_net(digits, offsets, verdict):
    """The output layer's critical point u* (60-digit Newton on the hand gradient) has a Hessian with a
    negative eigenvalue (central differences of that gradient) and makes the hidden gradient vanish (by
    hand, 1e-50): (hidden, u*) is a saddle of the whole net. 0.3 windows off it is the digits' (12 and
    30 digits: the box holds u*, the witness is below its loss); 3 windows off no critical point is."""
    trap, (u, hidden_grad) = _trap(
        "mse", SADDLE_LABELS, digits, offsets, SADDLE_HIDDEN, SADDLE_X, (-5.818, 4.328, -0.847)
    )
    assert max(abs(g) for g in hidden_grad) < mpmath.mpf(10) ** -50
    with mpmath.workdps(60):
        grad, h = _output_gradient(SADDLE_HIDDEN, SADDLE_X, SADDLE_LABELS, "mse"), mpmath.mpf(10) ** -25
        columns = [
            [
                (a - b) / (2 * h)
                for a, b in zip(
                    grad(*(u[j] + h * (j == k) for j in range(3))),
                    grad(*(u[j] - h * (j == k) for j in range(3))),
                    strict=True,
                )
            ]
            for k in range(3)
        ]
        least = min(mpmath.eigsy(mpmath.matrix(columns))[0])
    assert least < -0.03
    out = certify(trap, probes=0)
    assert out.verdict is verdict, out.reason
    if verdict is Verdict.NOT_CRITICAL:
        return
    assert out.code == "prediction-span-saddle"
    centre, r = out.box_center, out.proof_radius
    assert centre is not None and r is not None and centre.layers[0] == trap.point.layers[0]
    for q, v in zip((*centre.layers[1].W[0], *centre.layers[1].b), u, strict=True):
        assert abs(_mp(q) - v) <= _mp(r)
    # the witness lies within r (1e-51 at 30 digits) of u*: its loss is lower by about r², so u* is
    # refined and both losses taken at 130 digits
    with mpmath.workdps(130):
        u = mpmath.findroot(_output_gradient(SADDLE_HIDDEN, SADDLE_X, SADDLE_LABELS, "mse"), tuple(u))
        out_u = ([[F(mpmath.nstr(u[0], 125)), F(mpmath.nstr(u[1], 125))]], [F(mpmath.nstr(u[2], 125))])
        at_u = Point.of([SADDLE_HIDDEN, out_u])
        assert reference_loss(trap.network, trap.dataset, out.witness) < reference_loss(
            trap.network, trap.dataset, at_u
        )
