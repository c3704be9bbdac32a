"""Jet arithmetic: the package's forward pass and loss run on jets along a polynomial curve give the loss's
Taylor coefficients. Checked against mpmath's 60-digit numerical Taylor expansion (`mpmath.taylor`) of the
independent reference loss (tests/reference.py, plain loops sharing no code with badminima), for every
activation, output and loss, deep nets and curves; exact coefficients must equal it, balls contain it."""

from __future__ import annotations

from fractions import Fraction as F
from types import SimpleNamespace

import flint
import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima.arithmetic.jet import Jet, JetArithmetic, is_exact_zero
from badminima.errors import UndecidableSignError
from badminima.model import Dataset, Network, Point
from badminima.verify.higher_order import curve_coefficients
from tests.reference import reference_loss

small = st.fractions(min_value=-2, max_value=2, max_denominator=4)
HEADS = [("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce")]


def _mp(v):
    return mpmath.mpf(v.numerator) / v.denominator


def _phi(network, dataset, theta, curve):
    """ε ↦ the reference loss at θ + ε c₁ + ε² c₂ + … (mpmath numbers in the reference's own loops)."""

    def at(eps):
        flat = [
            _mp(t) + sum(eps ** (k + 1) * _mp(c[i]) for k, c in enumerate(curve)) for i, t in enumerate(theta)
        ]
        layers, i = [], 0
        for out, inp in network.layer_shapes:
            W = [flat[i + r * inp : i + (r + 1) * inp] for r in range(out)]
            i += out * inp
            b = flat[i : i + out] if network.bias else None
            i += out if network.bias else 0
            layers.append(SimpleNamespace(W=W, b=b))
        return reference_loss(network, dataset, SimpleNamespace(layers=layers))

    return at


def _bounds(c):
    if isinstance(c, F):
        return _mp(c), _mp(c)
    return mpmath.mpf(c.lower().str(45, radius=False)), mpmath.mpf(c.upper().str(45, radius=False))


SLACK = mpmath.mpf(10) ** -25


def _check(coefficients, reference, slack=SLACK):
    for c, value in zip(coefficients, reference, strict=True):
        lo, hi = _bounds(c)
        assert lo - slack <= value <= hi + slack, (c, value)


@st.composite
def _cases(draw, activations=("sigmoid", "tanh", "identity")):
    activation = draw(st.sampled_from(activations))
    output, loss = draw(st.sampled_from(HEADS))
    hidden = draw(st.lists(st.integers(1, 2), min_size=1, max_size=2))
    widths = (draw(st.integers(1, 2)), *hidden, 1)
    net = Network(widths, activation, output=output, loss=loss)
    n = draw(st.integers(1, 3))
    X = draw(st.lists(st.lists(small, min_size=widths[0], max_size=widths[0]), min_size=n, max_size=n))
    target = st.fractions(0, 1, max_denominator=4) if output == "sigmoid" else small
    y = draw(st.lists(target, min_size=n, max_size=n))
    # Zero weights are drawn often, so exact coefficients (σ(0) = 1/2, tanh(0) = 0) are exercised too.
    entry = st.one_of(st.just(F(0)), small)
    theta = draw(st.lists(entry, min_size=net.n_params, max_size=net.n_params))
    curve = [
        draw(st.lists(entry, min_size=net.n_params, max_size=net.n_params))
        for _ in range(draw(st.integers(1, 2)))
    ]
    return net, Dataset.of(X, [[v] for v in y]), theta, curve


@settings(max_examples=25, deadline=None)
@given(_cases(("sigmoid", "tanh", "identity", "relu", "leaky_relu")))
def test_jets_match_60_digit_taylor_coefficients(case):
    # ReLU units at an exact kink take the piece the curve enters for ε > 0, so the reference is the
    # one-sided expansion (forward differences, mpmath's direction=1) for them.
    net, data, theta, curve = case
    coefficients = curve_coefficients(net, data, Point.unflatten(net, theta), F(0), curve, F(0), order=4)
    side = 1 if net.activation in ("relu", "leaky_relu") else 0
    with mpmath.workdps(60):
        _check(coefficients, mpmath.taylor(_phi(net, data, theta, curve), 0, 4, direction=side))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_cases(("sigmoid", "tanh", "identity", "relu", "leaky_relu")))
def test_jets_match_60_digit_taylor_coefficients_thorough(case):
    test_jets_match_60_digit_taylor_coefficients.hypothesis.inner_test(case)


@settings(max_examples=10, deadline=None)
@given(_cases(), st.sampled_from([F(1, 3), F(1), F(0)]))
def test_a_segment_and_a_box_are_enclosed(case, where):
    # The coefficients at a base point moved along the curve (ξ = where · s₀) and off it (inside the box)
    # lie in the enclosure over the segment and the box.
    net, data, theta, curve = case
    reach, radius = F(1, 8), F(1, 64)
    coefficients = curve_coefficients(net, data, Point.unflatten(net, theta), radius, curve, reach, order=3)
    xi = where * reach
    shifted = [t + radius * (-1) ** i for i, t in enumerate(theta)]

    def moved(eps):
        return _phi(net, data, shifted, curve)(xi + eps)

    with mpmath.workdps(60):
        _check(coefficients, mpmath.taylor(moved, 0, 3))


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_relu_pieces_follow_the_leading_term(activation):
    # z = ε·(1) at the data point: the piece is the active one for ε > 0 (one-sided coefficients); a ball of
    # base points whose pre-activation straddles 0 cannot choose a piece.
    net = Network((1, 1, 1), activation)
    data = Dataset.of([[1]], [[1]])
    zero = Point.unflatten(net, [0, 0, 1, 0])
    got = curve_coefficients(net, data, zero, F(0), [[1, 0, 0, 0]], F(0), order=3)
    assert got == [F(1), F(-2), F(1), F(0)]  # (ε − 1)² = 1 − 2ε + ε², by hand
    with pytest.raises(UndecidableSignError):
        curve_coefficients(net, data, zero, F(1, 10), [[1, 0, 0, 0]], F(0), order=3)


def test_zero_is_proved_only_by_exact_coefficients():
    ar = JetArithmetic(2)
    with ar.context():
        ball = flint.arb(1) / 3
        u = Jet([ball, 1], 2)
        v = u - u  # the same ball twice: contains 0, proves nothing
        assert not is_exact_zero(v.coefficient(0)) and ar.sign(v) is None
        assert is_exact_zero((Jet([0, 0, 1], 2) * ball).coefficient(1))  # an exact 0 times a ball
        assert ar.sign(Jet([0, 0, F(-1, 7)], 2)) == -1


@pytest.mark.parametrize("name", ["sigmoid1", "tanh1", "softplus1"])
def test_functions_of_a_jet_match_their_series(name):
    # f(z₀ + ε z₁ + ε² z₂) against mpmath.taylor at 60 digits, at an exact z₀ = 0 and at z₀ = 1/3 (balls).
    f = {
        "sigmoid1": lambda z: 1 / (1 + mpmath.exp(-z)),
        "tanh1": mpmath.tanh,
        "softplus1": lambda z: mpmath.log(1 + mpmath.exp(z)),
    }[name]
    ar = JetArithmetic(5)
    for z0 in (F(0), F(1, 3)):
        with ar.context():
            got = getattr(ar, name)(Jet([z0, F(2), F(-1, 2)], 5)).coefficients()
        if z0 == 0 and name != "softplus1":
            assert all(isinstance(c, F) for c in got)
        with mpmath.workdps(60):
            _check(got, mpmath.taylor(lambda e, z0=z0: f(_mp(z0) + 2 * e - e * e / 2), 0, 5))


def test_division_inverts_multiplication():
    ar = JetArithmetic(4)
    with ar.context():
        a, b = Jet([F(2), F(1), F(-3)], 4), Jet([F(1, 2), F(0), F(5)], 4)
        assert ((a * b) / b).coefficients() == a.coefficients()
        assert (1 / b * b).coefficients() == [F(1), 0, 0, 0, 0]
