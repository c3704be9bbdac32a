"""The three backends agree: ball encloses exact, float is within 1e-12 of exact (relative to the
scale of the values), and all match an independent per-point reference implementation."""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from badminima import BallArithmetic, ExactArithmetic, FloatArithmetic, gradient, hessian, loss
from badminima.arithmetic.exact import to_ball
from badminima.landscape import loss_of_flat
from badminima.landscape.problem import prepare
from badminima.strategies import datasets, networks, points

from ..reference import reference_loss

EXACT, BALL, FLOAT = ExactArithmetic(), BallArithmetic(128), FloatArithmetic()


@st.composite
def cases(draw, **kwargs):
    net = draw(networks(**kwargs))
    return net, draw(datasets(net, max_points=4)), draw(points(net))


def _encloses(ball, exact) -> bool:
    # The exact value enclosed at 512 bits through an independent path (sympy tree -> arb); a ball
    # from the backend must contain that whole tighter enclosure, i.e. the true value.
    tight = to_ball(exact, 512)
    with flint.ctx.workprec(512):
        return bool(ball.contains(tight))


def _close(f: float, exact_float: float, scale: float) -> bool:
    return abs(f - exact_float) <= 1e-12 * max(1.0, scale)


@given(cases(max_hidden_layers=2, max_width=2))
def test_loss_and_gradient_agree_across_backends(case):
    net, data, point = case
    le, lb, lf = (loss(net, data, point, arith=a) for a in (EXACT, BALL, FLOAT))
    assert _encloses(lb, le)
    assert _close(float(lf), EXACT.to_float(le), abs(EXACT.to_float(le)))
    ref = reference_loss(net, data, point)
    if isinstance(ref, Fraction):
        assert le == ref  # piecewise-linear hidden units, identity output: exactly rational
    else:
        assert abs(mpmath.mpf(EXACT.to_float(le)) - ref) <= 1e-13 * max(1, abs(ref))
    ge, gb, gf = (gradient(net, data, point, arith=a) for a in (EXACT, BALL, FLOAT))
    scale = max([abs(EXACT.to_float(g)) for g in ge] + [1.0])
    for e, b, f in zip(ge, gb, gf, strict=True):
        assert _encloses(b, e)
        assert _close(float(f), EXACT.to_float(e), scale)


def _hessians_agree(case):
    net, data, point = case
    he, hb, hf = (hessian(net, data, point, arith=a) for a in (EXACT, BALL, FLOAT))
    scale = max([abs(EXACT.to_float(v)) for v in he.ravel()] + [1.0])
    n = net.n_params
    for i in range(n):
        for j in range(n):
            assert _encloses(hb[i, j], he[i, j])
            assert _close(float(hf[i, j]), EXACT.to_float(he[i, j]), scale)


@settings(max_examples=12)
@given(cases(activations=("identity", "relu", "leaky_relu"), max_hidden_layers=2, max_width=2))
def test_hessian_agrees_across_backends_piecewise_linear(case):
    _hessians_agree(case)


@pytest.mark.slow
@settings(max_examples=200)
@given(cases(activations=("identity", "relu", "leaky_relu"), max_hidden_layers=2, max_width=2))
def test_hessian_agrees_across_backends_piecewise_linear_thorough(case):
    _hessians_agree(case)


@given(cases(activations=("sigmoid", "tanh"), max_hidden_layers=1, max_width=2, max_outputs=1))
def test_hessian_agrees_across_backends_smooth(case):
    net, data, point = case
    hb, hf = hessian(net, data, point, arith=BALL), hessian(net, data, point, arith=FLOAT)
    scale = max(float(abs(hf).max()), 1.0)
    for i in range(net.n_params):
        for j in range(net.n_params):
            assert _close(float(hf[i, j]), BALL.to_float(hb[i, j]), scale)
            assert hb[i, j].rad() < 1e-25


@given(cases(max_hidden_layers=3, max_width=3))
def test_backprop_matches_torch_autograd(case):
    """The hand-written back-propagation against torch's autograd of the forward pass."""
    net, data, point = case
    prob = prepare(net, data, point, arith=FLOAT)

    def f(theta):
        return loss_of_flat(net, prob.inputs, prob.targets, theta, arith=FLOAT, masks=prob.masks)

    auto_g = torch.func.grad(f)(prob.flat)
    auto_h = torch.func.hessian(f)(prob.flat)
    ours_g = gradient(net, data, point, arith=FLOAT)
    ours_h = hessian(net, data, point, arith=FLOAT)
    np.testing.assert_allclose(ours_g.numpy(), auto_g.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours_h.numpy(), auto_h.numpy(), rtol=1e-10, atol=1e-11)
