"""The output biases' gradient at saturated units (`verify.saturation`), against mpmath's plain formula
at enough digits to hold 1 − e^(−|z|), and the red team's saturated case end to end."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.model.rational import rounding_scale
from badminima.verify import Verdict, certify
from badminima.verify.saturation import output_bias_gradient


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
