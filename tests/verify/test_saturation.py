"""The output biases' gradient at saturated units (`verify.saturation`), against mpmath's plain formula
at enough digits to hold 1 − e^(−|z|), and the red team's saturated case end to end."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.model.rational import rounding_scale
from badminima.strategies import datasets, networks, points
from badminima.verify import Verdict, certify
from badminima.verify.saturation import output_bias_gradient
from tests.reference import reference_loss


def _reference(activation, theta, X, Y, h):
    """(2/N) Σ_i (f(x_i) − y_i), f = Σ_j v_j s(w_j x + b_j) + c, at 1200 digits."""
    with mpmath.workdps(1200):
        w, b, v, c = theta[:h], theta[h : 2 * h], theta[2 * h : 3 * h], theta[3 * h]
        s = (lambda z: 1 / (1 + mpmath.exp(-z))) if activation == "sigmoid" else mpmath.tanh
        total = mpmath.mpf(0)
        for x, y in zip(X, Y, strict=True):
            f = mpmath.mpf(c.numerator) / c.denominator
            for wj, bj, vj in zip(w, b, v, strict=True):
                z = mpmath.mpf((wj * x + bj).numerator) / (wj * x + bj).denominator
                f += mpmath.mpf(vj.numerator) / vj.denominator * s(z)
            total += f - mpmath.mpf(y.numerator) / y.denominator
        return 2 * total / len(X)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    st.sampled_from(["sigmoid", "tanh"]),
    st.integers(1, 3),
    st.lists(st.integers(-2000, 2000), min_size=3, max_size=3),
    st.lists(st.fractions(-2, 2, max_denominator=4), min_size=9, max_size=9),
)
def test_the_saturated_bias_gradient_encloses_the_1200_digit_reference(activation, h, biases, rest):
    net = Network((1, h, 1), activation)
    X = [F(-1), F(0), F(1), F(2)]
    Y = [rest[6], rest[7], rest[8], rest[6] + rest[7]]
    theta = [rest[j] / 100 for j in range(h)] + [F(b) for b in biases[:h]] + rest[3 : 3 + h] + [rest[5]]
    data = Dataset.of([[x] for x in X], [[y] for y in Y])
    [(index, g)] = output_bias_gradient(net, data, Point.unflatten(net, theta))
    assert index == net.n_params - 1
    ref = _reference(activation, theta, X, Y, h)
    with mpmath.workdps(1200):
        lo, hi = mpmath.mpf(g.lower().str(60, radius=False)), mpmath.mpf(g.upper().str(60, radius=False))
        assert lo - abs(ref) * mpmath.mpf(10) ** -50 <= ref <= hi + abs(ref) * mpmath.mpf(10) ** -50


def test_a_saturated_constant_unit_is_not_critical():
    # The red team's case: σ(10⁶) < 1, so Σ_i (f_i − y_i) = 4σ(10⁶) − 4 < 0 and ∂F/∂c ≠ 0 (by hand); the
    # gradient is about e^(−10⁶), unsigned in balls at any fixed precision before.
    net = Network((1, 1, 1), "sigmoid")
    data = Dataset.of([[-2], [-1], [1], [2]], [[1], [0], [2], [1]])
    point = Point.unflatten(net, [0, 10**6, 1, 0])
    assert rounding_scale(point.flatten()) == 0  # 1000000 is one significant digit: an exact point
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL and cert.code == "gradient-nonzero", cert.reason


@st.composite
def _out_of_range(draw):
    """A sigmoid-output net with biases, data whose output 0 targets all sit at one end of the sigmoid's
    range (bce: all 1 or all 0; mse: all ≥ 1 or all ≤ 0), and a point."""
    net = draw(networks(outputs=("sigmoid",), bias=True, max_hidden_layers=2, max_width=2))
    data = draw(datasets(net, max_points=4))
    high = draw(st.booleans())
    if net.loss == "bce":
        end = [F(1 if high else 0)] * data.n_points
    else:
        end = [F(draw(st.integers(1, 3)) if high else -draw(st.integers(0, 3))) for _ in range(data.n_points)]
    y = [[e, *row[1:]] for e, row in zip(end, data.y, strict=True)]
    return net, Dataset.of(data.X, y), draw(points(net)), high


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_out_of_range())
def test_targets_beyond_the_sigmoids_range_leave_no_critical_point(case):
    """Independent check: ∂F/∂c₀ by a 60-digit central difference of tests.reference has the sign the
    argument says (negative when every target is at or above 1), and the verdict is `not-critical`."""
    net, data, point, high = case
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason
    k = net.n_params - net.widths[-1]
    with mpmath.workdps(60):
        h = F(1, 10**25)
        flat = list(point.flatten())
        up, down = list(flat), list(flat)
        up[k] += h
        down[k] -= h
        slope = (
            reference_loss(net, data, Point.unflatten(net, up))
            - reference_loss(net, data, Point.unflatten(net, down))
        ) / (2 * mpmath.mpf(h.numerator) / h.denominator)
    assert (slope < 0) if high else (slope > 0)


def test_a_saturated_output_at_targets_of_one_is_not_critical_however_small_its_gradient():
    """Logit 40 (17 digits) behind a dead ReLU unit, every target 1: ∂F/∂c = σ(40) − 1 ≈ −4e-18, below
    the digits' rounding, yet of one sign at every parameter (red team s24's b9/b10 family)."""
    net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
    data = Dataset.of([[0], [1], [2]], [[1], [1], [1]])
    point = Point.unflatten(net, [-1, -5, F("1.2345678901234567"), F("40.000000000000000")])
    cert = certify(Trap(net, data, point), probes=0)
    assert (cert.verdict, cert.code, cert.method) == (
        Verdict.NOT_CRITICAL,
        "gradient-nonzero",
        "output-range",
    )
