"""Exact derivatives against sympy differentiation of the same loss with symbolic parameters."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from badminima import ExactArithmetic, gradient, hessian
from badminima.landscape import loss_of_flat
from badminima.landscape.problem import prepare
from badminima.strategies import datasets, networks, points

EXACT = ExactArithmetic()


@st.composite
def small_cases(draw):
    net = draw(networks(max_hidden_layers=1, max_width=2, max_inputs=1, max_outputs=1))
    return net, draw(datasets(net, max_points=3)), draw(points(net))


@settings(max_examples=25)
@given(small_cases())
@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_exact_gradient_and_hessian_equal_sympy_derivatives(case):
    net, data, point = case
    prob = prepare(net, data, point, arith=EXACT)
    symbols = sympy.symbols(f"t0:{net.n_params}")
    theta = np.array(symbols, dtype=object)
    expr = loss_of_flat(net, prob.inputs, prob.targets, theta, arith=EXACT, masks=prob.masks)
    at = {
        s: sympy.Rational(v.numerator, v.denominator) for s, v in zip(symbols, point.flatten(), strict=True)
    }
    g = gradient(net, data, point, arith=EXACT)
    h = hessian(net, data, point, arith=EXACT)
    for i, si in enumerate(symbols):
        di = sympy.diff(expr, si)
        assert _is_zero(di.subs(at) - g[i])
        for j, sj in enumerate(symbols[: i + 1]):
            assert _is_zero(sympy.diff(di, sj).subs(at) - h[i, j])


def _is_zero(difference: sympy.Expr) -> bool:
    """Exactly zero when rational; otherwise zero to 80 digits (``simplify`` of exp-laden differences
    can take minutes, and a true mismatch is of the size of the terms, far above 1e-60)."""
    difference = sympy.sympify(difference)
    if difference.is_Rational:
        return bool(difference == 0)
    return bool(abs(difference.evalf(80)) < sympy.Rational(1, 10**60))
