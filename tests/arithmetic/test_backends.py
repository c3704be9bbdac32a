from fractions import Fraction

import flint
import mpmath
import pytest
import sympy
from hypothesis import given

from badminima import BackendError, BallArithmetic, ExactArithmetic, UndecidableSignError, backend
from badminima.arithmetic.exact import to_ball
from badminima.strategies import rationals

BALL = BallArithmetic(64)


@given(rationals(max_numerator=40, max_denominator=7))
def test_ball_functions_enclose_mpmath_values(q):
    with mpmath.workdps(50):  # local: the reference elsewhere relies on the global 60 digits
        _check_enclosures(q)


def _check_enclosures(q):
    x = mpmath.mpf(q.numerator) / q.denominator
    expected = {
        "sigmoid1": 1 / (1 + mpmath.exp(-x)),
        "tanh1": mpmath.tanh(x),
        "softplus1": mpmath.log(1 + mpmath.exp(x)),
    }
    with BALL.context():
        for name, value in expected.items():
            ball = getattr(BALL, name)(BALL.constant(q))
            lo, hi = (
                mpmath.mpf(ball.lower().str(40, radius=False)),
                mpmath.mpf(ball.upper().str(40, radius=False)),
            )
            assert lo - mpmath.mpf(10) ** -35 <= value <= hi + mpmath.mpf(10) ** -35, name


def test_signs_are_decided_or_none():
    exact = ExactArithmetic()
    assert exact.sign(Fraction(-1, 3)) == -1
    assert exact.sign(Fraction(0)) == 0
    assert exact.sign(sympy.exp(sympy.Rational(1, 3)) - 1) == 1
    with BALL.context():
        assert BALL.sign(BALL.constant(Fraction(1, 3)) - BALL.constant(Fraction(1, 3))) is None
        assert BALL.sign(BALL.constant(Fraction(0))) == 0


def test_ball_backend_refuses_to_guess_a_relu_side():
    with BALL.context(), pytest.raises(UndecidableSignError):
        third = BALL.constant(Fraction(1, 3))
        import numpy as np

        BALL.positive(np.array([[third * 3 - 1]], dtype=object), at_zero=True)


def test_to_ball_of_symbolic_value():
    with flint.ctx.workprec(200):
        ball = to_ball(sympy.log(1 + sympy.exp(sympy.Rational(1, 2))), 200)
    assert ball.contains(flint.arb("0.9740769841801067")) is False  # far tighter than 1e-16
    assert abs(float(ball.mid()) - 0.9740769841801067) < 1e-15


def test_backend_by_name():
    assert backend("ball", precision=64).rigor == "interval"
    assert backend("float").rigor == "numeric"
    with pytest.raises(BackendError, match="expected one of exact, ball, float"):
        backend("interval")


def test_ball_enclosure_of_an_integer_power_of_a_ball_around_zero():
    # Found by the backend-agreement property: (−1 + σ(64))² is about 2.6e-56; a ball around the base
    # contains 0, and arb's ** went through log and gave NaN. The square is enclosed finitely instead.
    import sympy

    from badminima.arithmetic.exact import to_ball

    base = -1 + 1 / (sympy.exp(-64) + 1)
    ball = to_ball(base**2 / 2 + sympy.Rational(3, 8), 80)
    assert ball.is_finite() and ball.contains(flint.arb(3) / 8)
    assert to_ball(sympy.Integer(-3) ** 3, 64) == -27
