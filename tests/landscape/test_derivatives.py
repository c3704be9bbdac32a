"""Per-point loss derivatives in the logit (`badminima.landscape.derivatives`) against mpmath's numerical
differentiation of the loss written out by hand, at 60 digits."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
from hypothesis import given, settings, strategies as st

from badminima.arithmetic import BallArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction
from badminima.landscape.derivatives import logit_curvature, logit_slope
from badminima.model import Network


def _loss(output, loss, z, y):
    if output == "identity":
        return (z - y) ** 2
    s = 1 / (1 + mpmath.exp(-z))
    return (s - y) ** 2 if loss == "mse" else -y * mpmath.log(s) - (1 - y) * mpmath.log(1 - s)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.sampled_from([("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce")]),
    st.fractions(-6, 6, max_denominator=16),
    st.fractions(0, 1, max_denominator=16),
)
def test_slope_and_curvature_are_the_loss_derivatives(head, z, y):
    output, loss = head
    net = Network((1, 1), "identity", output=output, loss=loss)
    ball = BallArithmetic(256)
    with ball.context():
        Z, Y = ball.matrix([[z]]), ball.matrix([[y]])
        slope = logit_slope(net, Z, Y, arith=ball)[0, 0]
        curvature = logit_curvature(net, Z, Y, arith=ball)[0, 0]
    zm, ym = mpmath.mpf(z.numerator) / z.denominator, mpmath.mpf(y.numerator) / y.denominator
    for value, n in ((slope, 1), (curvature, 2)):
        expected = mpmath.diff(lambda t: _loss(output, loss, t, ym), zm, n)
        mid = arb_to_fraction(value.mid())
        assert abs(mpmath.mpf(mid.numerator) / mid.denominator - expected) < mpmath.mpf(10) ** -30, (
            n,
            value,
            expected,
        )


def test_curvature_at_logit_zero_by_hand():
    """σ(0) = ½, σ'(0) = ¼: bce ℓ'' = ¼; sigmoid with mse ℓ'' = 2·¼·(¼ + 0) = ⅛; identity ℓ'' = 2."""
    ball = BallArithmetic(128)
    for (output, loss), want in {
        ("sigmoid", "bce"): F(1, 4),
        ("sigmoid", "mse"): F(1, 8),
        ("identity", "mse"): 2,
    }.items():
        net = Network((1, 1), "identity", output=output, loss=loss)
        with ball.context():
            c = logit_curvature(net, ball.matrix([[0]]), ball.matrix([[F(1, 3)]]), arith=ball)[0, 0]
        assert c.contains(ball.constant(want)), (output, loss, c)
