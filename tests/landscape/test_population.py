"""The closed-form Gaussian population loss against independent computations: Monte Carlo with a stated
error bound, polar quadrature for n = 2 (mpmath), central differences at 60 digits, autograd, and the
published k = 7 value."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.floating import FloatArithmetic
from badminima.constructions.safran_shamir import PUBLISHED_K7, PUBLISHED_K7_LOSS, Compact
from badminima.landscape.population import (
    batched_population_gradients,
    batched_population_hessians,
    batched_population_losses,
    population_gradient,
    population_hessian,
    population_loss,
)
from badminima.verify.parameter_box import ball_bounds
from tests.reference import reference_population_loss

FLOAT = FloatArithmetic()

entry = st.integers(-20, 20).map(lambda v: Fraction(v, 10))


def _parallel(a: list[Fraction], b: list[Fraction]) -> bool:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot * dot == sum(x * x for x in a) * sum(y * y for y in b)


def rows_of(k: int, n: int) -> st.SearchStrategy[list[list[Fraction]]]:
    """k rows in R^n, each of norm ≥ 1/2 (the closed form needs w ≠ 0), no two parallel (a ball cosine
    at exactly ±1 has no arccos enclosure)."""
    row = st.lists(entry, min_size=n, max_size=n).filter(lambda r: sum(v * v for v in r) >= Fraction(1, 4))
    return st.lists(row, min_size=k, max_size=k).filter(
        lambda rs: not any(_parallel(a, b) for i, a in enumerate(rs) for b in rs[:i])
    )


def _mp(v: Fraction) -> mpmath.mpf:
    return mpmath.mpf(v.numerator) / v.denominator


def _t(rows: list[list[Fraction]]) -> torch.Tensor:
    return torch.tensor([[float(v) for v in r] for r in rows], dtype=torch.float64)


@settings(max_examples=12)
@given(rows_of(3, 3), rows_of(2, 3), st.integers(0, 2**31 - 1))
def test_loss_matches_monte_carlo_within_six_standard_errors(W, V, seed):
    # The sample mean of ½(f − g)² over N draws is within 6 sample standard errors of the expectation
    # except with probability about 2e-9 (CLT); the closed form must land inside that bound.
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((200_000, 3))
    Wn, Vn = np.array(W, dtype=float), np.array(V, dtype=float)
    diff = np.maximum(x @ Wn.T, 0).sum(1) - np.maximum(x @ Vn.T, 0).sum(1)
    sample = 0.5 * diff**2
    bound = 6 * sample.std() / np.sqrt(len(sample)) + 1e-12
    closed = float(population_loss(_t(W), _t(V), arith=FLOAT))
    assert abs(sample.mean() - closed) <= bound


@settings(max_examples=4)
@given(rows_of(3, 2), rows_of(2, 2))
def test_loss_matches_polar_quadrature_for_n_2(W, V):
    _quadrature_agrees(W, V)


@pytest.mark.slow
@settings(max_examples=30)
@given(rows_of(3, 2), rows_of(2, 2))
def test_loss_matches_polar_quadrature_for_n_2_thorough(W, V):
    _quadrature_agrees(W, V)


def _quadrature_agrees(W, V):
    assume(not any(_parallel(a, b) for a in W for b in V))
    # For h(x) = ½(f − g)², positively homogeneous of degree 2 in the plane,
    # E h = (1/2π) ∫ h(u_φ) dφ ∫ r³ e^{−r²/2} dr = (1/π) ∫_0^{2π} h(u_φ) dφ; split at every kink angle.
    mpmath.mp.dps = 30

    def h(phi: mpmath.mpf) -> mpmath.mpf:
        u = (mpmath.cos(phi), mpmath.sin(phi))
        f = sum(max(mpmath.mpf(0), _mp(a) * u[0] + _mp(b) * u[1]) for a, b in W)
        g = sum(max(mpmath.mpf(0), _mp(a) * u[0] + _mp(b) * u[1]) for a, b in V)
        return (f - g) ** 2 / 2

    kinks = sorted(
        (mpmath.atan2(_mp(b), _mp(a)) + s * mpmath.pi / 2) % (2 * mpmath.pi)
        for a, b in [*W, *V]
        for s in (-1, 1)
    )
    quad = mpmath.quad(h, [0, *kinks, 2 * mpmath.pi]) / mpmath.pi
    ball = BallArithmetic(128)
    with ball.context():
        enc = population_loss(ball.matrix(W), ball.matrix(V), arith=ball)
    lo, hi = ball_bounds(enc)
    tol = Fraction(1, 10**20)
    assert lo - tol <= Fraction(str(quad)) <= hi + tol


@settings(max_examples=12)
@given(rows_of(3, 3), rows_of(3, 3), st.integers(0, 8))
def test_gradient_matches_central_differences_at_60_digits(W, V, index):
    assume(not any(_parallel(a, b) for a in W for b in V))
    mpmath.mp.dps = 60
    Wm = [[_mp(v) for v in r] for r in W]
    Vm = [[_mp(v) for v in r] for r in V]
    i, a = divmod(index, 3)
    step = mpmath.mpf(10) ** -25

    def at(s: mpmath.mpf) -> mpmath.mpf:
        moved = [list(r) for r in Wm]
        moved[i][a] += s
        return reference_population_loss(moved, Vm)

    fd = (at(step) - at(-step)) / (2 * step)  # error O(step²) = 1e-50, far below the tolerance
    ball = BallArithmetic(200)
    with ball.context():
        g = population_gradient(ball.matrix(W), ball.matrix(V), arith=ball)
    lo, hi = ball_bounds(g[i, a])
    tol = Fraction(1, 10**30)
    assert lo - tol <= Fraction(mpmath.nstr(fd, 55)) <= hi + tol


@given(rows_of(3, 3), rows_of(2, 3))
def test_closed_form_hessian_and_gradient_match_autograd(W, V):
    assume(not any(_parallel(a, b) for a in W for b in V))  # the Hessian needs every σ > 0
    Wt, Vt = _t(W), _t(V)
    H = population_hessian(Wt, Vt, arith=FLOAT)
    auto = torch.func.hessian(lambda w: population_loss(w.reshape(3, 3), Vt, arith=FLOAT))(Wt.reshape(-1))
    assert torch.allclose(H, auto, atol=1e-9, rtol=1e-7)
    assert torch.allclose(H, H.T, atol=1e-12)
    g = population_gradient(Wt, Vt, arith=FLOAT)
    auto_g = torch.func.grad(lambda w: population_loss(w, Vt, arith=FLOAT))(Wt)
    assert torch.allclose(g, auto_g, atol=1e-12)


def test_ball_hessian_matches_second_differences_at_60_digits():
    W = [[Fraction(1), Fraction(1, 2)], [Fraction(-1, 3), Fraction(1)]]
    V = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]
    mpmath.mp.dps = 60
    Wm = [[mpmath.mpf(v.numerator) / v.denominator for v in r] for r in W]
    Vm = [[_mp(v) for v in r] for r in V]
    ball = BallArithmetic(200)
    with ball.context():
        H = population_hessian(ball.matrix(W), ball.matrix(V), arith=ball)
    step = mpmath.mpf(10) ** -15
    for p in range(4):
        for q in range(4):

            def at(sp: mpmath.mpf, sq: mpmath.mpf, p: int = p, q: int = q) -> mpmath.mpf:
                moved = [list(r) for r in Wm]
                moved[p // 2][p % 2] += sp
                moved[q // 2][q % 2] += sq
                return reference_population_loss(moved, Vm)

            fd = (at(step, step) - at(step, -step) - at(-step, step) + at(-step, -step)) / (4 * step**2)
            lo, hi = ball_bounds(H[p, q])
            assert lo - Fraction(1, 10**20) <= Fraction(mpmath.nstr(fd, 50)) <= hi + Fraction(1, 10**20)


def test_published_k7_minimum_has_the_published_loss():
    rows = Compact(7, *(Fraction(v) for v in PUBLISHED_K7)).rows()
    ball = BallArithmetic(128)
    eye = [[Fraction(int(i == j)) for j in range(7)] for i in range(7)]
    with ball.context():
        lo, hi = ball_bounds(population_loss(ball.matrix(rows), ball.matrix(eye), arith=ball))
    published = Fraction(PUBLISHED_K7_LOSS)
    assert abs(lo - published) < Fraction(5, 10**11) and abs(hi - published) < Fraction(5, 10**11)


def test_batched_float_versions_agree_with_the_single_ones():
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(5, 4, 4, generator=gen, dtype=torch.float64)
    V = torch.eye(4, dtype=torch.float64)
    losses = batched_population_losses(W, V)
    grads = batched_population_gradients(W, V)
    hess = batched_population_hessians(W, V, chunk=2)
    for j in range(5):
        assert torch.allclose(losses[j], population_loss(W[j], V, arith=FLOAT))
        assert torch.allclose(grads[j], population_gradient(W[j], V, arith=FLOAT))
        assert torch.allclose(hess[j], population_hessian(W[j], V, arith=FLOAT))


def test_teacher_is_a_zero_of_loss_and_gradient():
    V = torch.eye(5, dtype=torch.float64)
    assert abs(float(population_loss(V, V, arith=FLOAT))) < 1e-14
    assert float(population_gradient(V, V, arith=FLOAT).abs().max()) < 1e-14
