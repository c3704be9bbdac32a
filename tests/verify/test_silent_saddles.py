"""Silent units (every outgoing weight 0) at exactly critical points of smooth networks: saddles at any
order of degeneracy, where σ(β) and tanh(β) are irrational and no Taylor coefficient can be shown 0.

Truth is independent of `badminima.verify`: the points are critical by construction (silent units with
zero incoming weights beside the best constant fit, so every gradient entry is a multiple of Σ_i r_i = 0
or of an outgoing weight 0), and lower points near them are built by hand — the unit's numbers moved by
t, its outgoing weights set to the exact minimiser V = −A/B of the quadratic 2V·A + |V|²B that the mse is
in them (A = (1/N) Σ_i r_i φ_i, B = (1/N) Σ_i φ_i²) — and compared at 60 digits by `tests.reference`.
"""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.silent_saddles import certify_silent_saddle, silent_units
from badminima.verify.suboptimality import enclose_loss
from tests.reference import reference_loss

X4 = [[-1], [0], [1], [2]]


def _phi(activation, z):
    return mpmath.tanh(z) if activation == "tanh" else 1 / (1 + mpmath.exp(-z))


def _hand_lower_point(net, data, point, unit, d, t):
    """One hidden layer: point with unit's (w, b) moved by t·d and its output weights at −A/B (60 digits,
    then written to 50 digits), or None when A = 0 there."""
    layers = [[list(row) for row in layer.W] for layer in point.layers]
    biases = [list(layer.b) for layer in point.layers]
    d_in = len(data.X[0])
    for m in range(d_in):
        layers[0][unit][m] += t * d[m]
    biases[0][unit] += t * d[d_in]
    w, b = layers[0][unit], biases[0][unit]
    with mpmath.workdps(60):
        phi = [_phi(net.activation, sum(F(wi) * xi for wi, xi in zip(w, x, strict=True)) + b) for x in data.X]
        out = net.widths[-1]
        c = biases[1]
        pred = [
            [
                sum(
                    layers[1][k][j]
                    * _phi(
                        net.activation,
                        sum(F(a) * xi for a, xi in zip(layers[0][j], x, strict=True)) + biases[0][j],
                    )
                    for j in range(net.widths[1])
                    if j != unit
                )
                + c[k]
                for k in range(out)
            ]
            for x in data.X
        ]
        A = [sum((p[k] - y[k]) * f for p, y, f in zip(pred, data.y, phi, strict=True)) for k in range(out)]
        B = sum(f * f for f in phi)
        if all(abs(a) < mpmath.mpf(10) ** -50 for a in A):
            return None
        for k in range(out):
            layers[1][k][unit] = F(mpmath.nstr(-A[k] / B, 50))
    return Point.of(list(zip(layers, biases, strict=True)))


def test_the_multi_output_flat_born_unit_is_a_saddle():
    """1-1-2 tanh, the unit born at zero (w = 0, V = 0, b = 1/2), c at the target means: the residuals
    r₁ = −r₂ = (−1/2, 1/2, 1/2, −1/2) have Σ r = Σ r x = 0, so the Hessian is singular (second order says
    nothing), and Σ r x² = −2 ≠ 0 makes the cubic term tanh''(1/2)·V·w²·(−2)/N decide: a saddle."""
    net = Network((1, 1, 2), "tanh")
    data = Dataset.of(X4, [[1, 0], [0, 1], [0, 1], [1, 0]])
    point = Point.of([([[0]], ["1/2"]), ([[0], [0]], ["1/2", "1/2"])])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "analytic-silent-saddle")
    at = reference_loss(net, data, point)
    assert reference_loss(net, data, cert.witness) < at
    for t in (F(1, 10**3), F(1, 10**6)):  # lower points arbitrarily close, by hand
        lower = _hand_lower_point(net, data, point, 0, (1, 0), t)
        assert lower is not None and point.distance(lower) < 2 * t
        assert reference_loss(net, data, lower) < at


@settings(max_examples=15, deadline=None)
@given(
    activation=st.sampled_from(["tanh", "sigmoid"]),
    width=st.integers(1, 2),
    outputs=st.integers(1, 2),
    targets=st.lists(st.integers(-3, 3), min_size=8, max_size=8),
    biases=st.lists(st.sampled_from([F(0), F(1, 2), F(-1, 3), F(2)]), min_size=2, max_size=2),
)
def test_constant_silent_units_beside_the_constant_fit(activation, width, outputs, targets, biases):
    """Every hidden unit constant (w = 0) and silent (V = 0), c the target means: exactly critical. The
    verifier's `saddle` must come with lower points the hand construction also finds at t = 10⁻³ and
    10⁻⁶ (and its own witness below at 60 digits); constant targets (r = 0: a global minimum) must never
    be called a saddle."""
    net = Network((1, width, outputs), activation)
    y = [[F(targets[2 * i + k]) for k in range(outputs)] for i in range(4)]
    data = Dataset.of(X4, y)
    means = [sum(row[k] for row in y) / 4 for k in range(outputs)]
    point = Point.of([([[0]] * width, biases[:width]), ([[0] * width] * outputs, means)])
    out = certify_silent_saddle(net, data, point, enclose_loss(net, data, point))
    at = reference_loss(net, data, point)
    hand_lower = any(
        all(
            p is not None and reference_loss(net, data, p) < at
            for p in (_hand_lower_point(net, data, point, 0, d, t) for t in (F(1, 10**3), F(1, 10**6)))
        )
        for d in ((1, 0), (1, 1), (2, 1))
    )
    if all(row == y[0] for row in y):
        assert out is None
    else:
        # a non-constant residual is never orthogonal to every tanh(t x + b) / σ(t x + b) on 4 distinct x
        assert hand_lower
        assert out is not None and out.verdict is Verdict.SADDLE
        assert reference_loss(net, data, out.witness) < at


def test_odd_residuals_need_a_mixed_direction():
    """tanh at b = 0 on x = (−1, 0, 1) with r = (1, −2, 1): Σ r_i tanh(w x_i) ≡ 0 and Σ r_i tanh(b) = 0, so
    a vanishes on both axes; on the mixed line (w, b) = t(1, −1/2) it does not (by hand:
    −tanh(3t/2) + 3 tanh(t/2) = t³ + O(t⁵))."""
    net = Network((1, 1, 1), "tanh")
    data = Dataset.of([[-1], [0], [1]], [[-1], [2], [-1]])  # ȳ = 0, r = −y = (1, −2, 1)
    point = Point.unflatten(net, [0, 0, 0, 0])
    with mpmath.workdps(60):
        assert all(
            abs(sum(r * mpmath.tanh(t * x) for r, x in ((1, -1), (-2, 0), (1, 1)))) < mpmath.mpf(10) ** -55
            for t in (mpmath.mpf(1), mpmath.mpf(3))
        )
    out = certify_silent_saddle(net, data, point, enclose_loss(net, data, point))
    assert out is not None and out.code == "analytic-silent-saddle"
    assert "(1, -1/2)" in out.reason
    assert reference_loss(net, data, out.witness) < reference_loss(net, data, point)
    lower = _hand_lower_point(net, data, point, 0, (1, F(-1, 2)), F(1, 10**4))
    assert lower is not None and reference_loss(net, data, lower) < reference_loss(net, data, point)


def test_a_silent_unit_behind_a_constant_layer_proves_nothing():
    """1-1-1-1 tanh with the first layer constant on the data (w₁ = 0): the silent second-layer unit sees
    the same input on every point, so a(θ_u) = φ(w h + b)·Σ_i δ_i = 0 for every θ_u, and the first unit's
    a is 0 because V = 0 blocks every δ. No proof may come out."""
    net = Network((1, 1, 1, 1), "tanh")
    data = Dataset.of(X4, [[1], [0], [0], [2]])
    point = Point.unflatten(net, [0, F(1, 2), 0, F(1, 3), 0, F(3, 4)])
    assert silent_units(net, point) == [(0, 0), (1, 0)]
    assert certify_silent_saddle(net, data, point, enclose_loss(net, data, point)) is None


@pytest.mark.parametrize("activation", ["relu", "identity"])
def test_only_analytic_non_polynomial_units_are_tried(activation):
    net = Network((1, 1, 1), activation)
    data = Dataset.of(X4, [[1], [0], [0], [1]])
    point = Point.unflatten(net, [0, 1, 0, F(1, 2)])
    assert certify_silent_saddle(net, data, point, enclose_loss(net, data, point)) is None


@pytest.mark.parametrize("digits", [8, 12, 17])
def test_a_rounded_constant_fit_with_a_silent_unit_is_a_saddle_about_the_fit(digits):
    """The two-output born unit above with target means 1/3 and 2/3, the output biases written to
    ``digits`` significant digits: the digits round the exact constant fit m (c = ȳ), critical by
    construction, and the verdict is a saddle about m, with lower points beside m built by hand."""
    net = Network((1, 1, 2), "tanh")
    third = F(1, 3)
    y = [[third + a, 2 * third - a] for a in (F(1, 2), F(-1, 2), F(-1, 2), F(1, 2))]
    data = Dataset.of(X4, y)
    c = [F(mpmath.nstr(mpmath.mpf(1) / 3, digits)), F(mpmath.nstr(mpmath.mpf(2) / 3, digits))]
    point = Point.of([([[0]], ["1/2"]), ([[0], [0]], c)])
    fit = Point.of([([[0]], ["1/2"]), ([[0], [0]], [third, 2 * third])])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "analytic-silent-saddle")
    assert cert.box_center == fit and point.distance(fit) <= cert.box_radius
    at = reference_loss(net, data, fit)
    assert reference_loss(net, data, cert.witness) < at
    for t in (F(1, 10**3), F(1, 10**6)):
        lower = _hand_lower_point(net, data, fit, 0, (1, 0), t)
        assert lower is not None and reference_loss(net, data, lower) < at


def test_output_biases_far_from_the_constant_fit_are_not_rounded_onto_it():
    net = Network((1, 1, 2), "tanh")
    data = Dataset.of(X4, [[1, 0], [0, 1], [0, 1], [1, 0]])
    point = Point.of([([[0]], ["1/2"]), ([[0], [0]], ["0.50100000", "0.50000000"])])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.code != "analytic-silent-saddle"
    assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE)


def test_a_gradient_that_vanishes_by_sigmoid_symmetry_is_proved_zero():
    """σ(−x) + σ(x) = 1: a silent sigmoid unit on inputs ±1, ±2 with residuals (1, 1, −1, −1) has
    ∂F/∂V ∝ σ(−1) + σ(1) − σ(−2) − σ(2) = 0 exactly — decided in Q(e) (balls only enclose it), so the
    point is exactly critical and its proofs run. By hand a saddle: ∂²F/∂b² = 0 (V = 0) beside
    ∂²F/∂V∂b ∝ Σ r_i σ'(x_i) = 2(σ'(1) − σ'(2)) ≠ 0; the lower point is checked at 60 digits."""
    net = Network((1, 1, 1), "sigmoid")
    data = Dataset.of([[-1], [1], [-2], [2]], [[1], [1], [3], [3]])
    point = Point.unflatten(net, [1, 0, 0, 2])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, point)
