"""Mixed points: hidden units constant on the data beside varying ones, proved by reducing and lifting.

Truth, independent of badminima: the full Hessian at the point in 80-digit mpmath from the closed forms of
`tests.verify.planted` (f = Σ_j v_j tanh(w_j x + b_j) + c, mse). On the lifted manifold M (dimension 2 for
one constant unit on 1-D data: its bias and output weight, with c compensating) a point is a Morse–Bott
minimum when the Hessian has exactly dim M zero eigenvalues and the rest positive, and a saddle when one is
negative; witnesses of lower loss are checked with `tests.reference`.
"""

from __future__ import annotations

from fractions import Fraction as F
from functools import cache

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.mixed_units import data_reflection, split_units
from badminima.verify.polish import polish
from tests.grid import diagonal
from tests.reference import reference_loss
from tests.verify.planted import CTX, hessian_eigenvalues, outputs_and_derivatives, plant, rounded

XS = [F(k, 2) for k in range(-4, 5)]
EVEN = ["-21/8", "-19/8", "-9/4", "-11/8", "-7/8"]  # targets at |x| = 0, 1/2, …, 2 (even in x)


def _even_data(half):
    return [[x] for x in XS], [[F(half[abs(int(2 * x))])] for x in XS]


@cache
def _symmetric_minimum(half: tuple[str, ...] = tuple(EVEN)):
    """A 1-2-1 tanh minimum on even data, two mirror units (w, b), (−w, b): polished from a mirror start
    (Newton keeps the mirror symmetry), rounded to 40 digits; its 80-digit Hessian decides what it is
    (-inf when the 80-digit gradient shows Newton did not reach a critical point)."""
    X, Y = _even_data(half)
    data = Dataset.of(X, Y)
    small = Network((1, 2, 1), "tanh")
    w, b, v, c = (F(t) for t in ("2.362", "-3.227", "0.848", "-0.792"))  # near a minimum (scipy BFGS)
    p = Point.of([([[w], [-w]], [b, b]), ([[v, v]], [c])])
    p = polish(small, data, p, precision=None, steps=60).point
    p = polish(small, data, p, precision=256, steps=20).point
    theta = tuple(rounded(v, 40) for v in p.flatten())
    vals = outputs_and_derivatives("tanh", (1, 2, 1), theta, X)
    grad = [
        sum(
            2 * (f - CTX.mpf(y[0].numerator) / y[0].denominator) * g[a]
            for (f, g, _), y in zip(vals, Y, strict=True)
        )
        for a in range(len(theta))
    ]
    if max(abs(v) for v in grad) > 1e-30:  # Newton did not reach a critical point: nothing to lift
        return X, Y, theta, (float("-inf"),)
    return X, Y, theta, hessian_eigenvalues("tanh", (1, 2, 1), theta, X, Y)


def _mixed(theta, beta, v, digits=None):
    """The 1-3-1 point: the two varying units, a third unit with w = 0, bias β, output weight v, and the
    output bias lowered by v·tanh(β), written to θ's 40 digits (computed at 60 from θ's rounded c, it is
    no more accurate than θ: more digits would claim a precision the README's window holds it to)."""
    w1, w2, b1, b2, v1, v2, c = theta
    q = CTX.mpf
    c3 = rounded(
        F(
            CTX.nstr(
                q(c.numerator) / c.denominator
                - q(v.numerator) / v.denominator * CTX.tanh(q(beta.numerator) / beta.denominator),
                60,
            )
        ),
        40,
    )
    full = [w1, w2, F(0), b1, b2, beta, v1, v2, v, c3]
    return full if digits is None else [rounded(t, digits) for t in full]


def _truth(X, Y, full) -> str:
    # 80-digit eigenvalues: the manifold's two are below 1e-40, and anything above 1e-20·top is resolved
    # (a transversal eigenvalue of 6e-8 beside a top one of 6 is a minimum's, found by the slow fuzz)
    e = hessian_eigenvalues("tanh", (1, 3, 1), full, X, Y)
    top = max(abs(t) for t in e)
    if e[0] < -1e-20 * top:
        return "saddle"
    zero = sum(abs(t) < 1e-20 * top for t in e)
    return "min" if zero == 2 and e[2] > 1e-20 * top else "unclear"


def _lower(v):
    return mpmath.mpf(v.numerator) / v.denominator


@pytest.mark.parametrize(
    ("beta_v", "digits"),
    diagonal(
        [(F(-2), F(1)), (F(2), F(-4)), (F(-1), F(1)), (F(2), F(1)), (F(0), F(-1)), (F(1, 2), F(4))],
        [None, 17],
    ),
)
def test_a_constant_unit_beside_a_symmetric_minimum_is_what_the_80_digit_hessian_says(beta_v, digits):
    beta, v = beta_v
    X, Y, theta, small_eig = _symmetric_minimum()
    assert small_eig[0] > 1e-4  # the reduced point is a strict minimum (80 digits)
    full = _mixed(theta, beta, v)
    truth = _truth(X, Y, full)
    assert truth in ("min", "saddle")
    net, data = Network((1, 3, 1), "tanh"), Dataset.of(X, Y)
    point = Point.unflatten(net, full if digits is None else [rounded(t, digits) for t in full])
    cert = certify(Trap(net, data, point), probes=0)
    if truth == "min":
        assert cert.verdict is Verdict.LOCAL_MIN and cert.code == "lift-mixed-units", cert.reason
        assert cert.min_eigenvalue_bound > 0
        with mpmath.workdps(60):
            F_star = reference_loss(
                Network((1, 2, 1), "tanh"), data, Point.unflatten(Network((1, 2, 1), "tanh"), list(theta))
            )
            assert _lower(cert.loss_lower) <= F_star + mpmath.mpf(10) ** -30
            assert F_star - mpmath.mpf(10) ** -30 <= _lower(cert.loss_upper)
    else:
        assert cert.verdict is Verdict.SADDLE and cert.code == "lifted-saddle", cert.reason
        assert reference_loss(net, data, cert.witness) < _lower(cert.loss_lower)


def test_the_data_reflection_is_found_only_when_exact():
    X, Y = _even_data(EVEN)
    assert data_reflection(Dataset.of(X, Y)) == [F(0)]
    Y[0] = [F(0)]  # one target off: no longer even
    assert data_reflection(Dataset.of(X, Y)) is None


def test_a_constant_unit_without_an_exact_reason_for_criticality_is_never_a_minimum():
    # Not even data: by hand ∂F/∂w₃ = v·tanh'(β)·(2/N) Σ_i r_i x_i, with r the residuals of the narrower
    # minimum, which no symmetry makes 0; 80 digits show it is not (the point is not critical at all).
    p = plant(5, widths=(1, 1, 1), residual=0.05)
    assert p.index == 0
    w, b, v, c = p.theta
    vals = outputs_and_derivatives("tanh", (1, 1, 1), p.theta, p.dataset.X)
    moment = sum(
        (f - CTX.mpf(y[0].numerator) / y[0].denominator) * CTX.mpf(x[0].numerator) / x[0].denominator
        for (f, _, _), x, y in zip(vals, p.dataset.X, p.dataset.y, strict=True)
    )
    assert abs(moment) > 1e-3
    net = Network((1, 2, 1), "tanh")
    c2 = rounded(F(CTX.nstr(CTX.mpf(c.numerator) / c.denominator - CTX.tanh(1), 60)), 45)
    point = Point.unflatten(net, [w, F(0), b, F(1), v, F(1), c2])
    assert split_units(net, p.dataset, point).constant == (1,)
    cert = certify(Trap(net, p.dataset, point), probes=0)
    assert cert.verdict not in (Verdict.LOCAL_MIN, Verdict.BAD_LOCAL_MIN), cert.reason


@pytest.mark.parametrize("digits", [None, 30])
def test_two_silent_constant_units_on_a_minimum_make_a_saddle(digits):
    # A planted 1-1-1 tanh minimum (80-digit index 0) and two units with w = 0 and output weight 0: every
    # lift is critical (each derivative carries v_j = 0 or σ(β_j)·∂F/∂c = 0). By hand each (w_j, v_j) block
    # is [[0, a_j], [a_j, ·]] with a_j = tanh'(β_j)(2/N)Σ r_i x_i ≠ 0: indefinite, a saddle. Two such
    # units are beyond the one-unit born-unit lift (the narrower point keeps a silent unit, singular).
    p = plant(5, widths=(1, 1, 1), residual=0.05)
    w, b, v, c = p.theta
    net = Network((1, 3, 1), "tanh")
    full = [w, F(0), F(0), b, F(1, 2), F(-1), v, F(0), F(0), c]
    e = hessian_eigenvalues("tanh", (1, 3, 1), full, p.dataset.X, p.dataset.y)
    assert e[0] < -1e-4
    point = Point.unflatten(net, full if digits is None else [rounded(t, digits) for t in full])
    cert = certify(Trap(net, p.dataset, point), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "lifted-saddle", cert.reason
    assert reference_loss(net, p.dataset, cert.witness) < _lower(cert.loss_lower)


# Soundness: even data around a mirror teacher with even noise, a constant unit of any bias and output
# weight (0 included), rounded or not. Truth by construction of the 80-digit spectrum.

_small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def _mixed_cases(draw):
    noise = [F(draw(st.integers(-2, 2)), 16) for _ in range(5)]
    half = tuple(str(F(e) + n) for e, n in zip(EVEN, noise, strict=True))
    beta, v = draw(_small), draw(_small)
    digits = draw(st.sampled_from([None, 30, 17]))
    return half, beta, v, digits


_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much]


def _check_mixed(case):
    half, beta, v, digits = case
    X, Y, theta, small_eig = _symmetric_minimum(half)
    assume(small_eig[0] > 1e-6 and max(abs(t) for t in theta) < 50)
    full = _mixed(theta, beta, v)
    truth = _truth(X, Y, full)
    net, data = Network((1, 3, 1), "tanh"), Dataset.of(X, Y)
    point = Point.unflatten(net, full if digits is None else [rounded(t, digits) for t in full])
    cert = certify(Trap(net, data, point), probes=0)
    if cert.verdict is Verdict.LOCAL_MIN:
        assert truth == "min", (truth, cert.reason)
    elif cert.verdict is Verdict.SADDLE:
        assert truth != "min"
        assert reference_loss(net, data, cert.witness) < _lower(cert.loss_lower)
    else:
        assert cert.verdict is Verdict.INCONCLUSIVE, cert.reason


@settings(max_examples=3, deadline=None, suppress_health_check=_HEALTH, derandomize=True)
@given(_mixed_cases())
def test_soundness_fuzz_mixed_units(case):
    _check_mixed(case)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=_HEALTH)
@given(_mixed_cases())
def test_soundness_fuzz_mixed_units_thorough(case):
    _check_mixed(case)


@pytest.mark.parametrize(("sign", "lam", "digits"), diagonal([1, -1], [F(1, 3), F(2)], [None, 17]))
def test_a_duplicated_pair_beside_a_silent_constant_unit_is_a_saddle(sign, lam, digits):
    # Two lifts at once: a proved 1-unit tanh minimum (claims.unit_splitting.definite_case) split λ : 1 − λ,
    # and a third unit with w = 0, output weight 0 (bias 1/2). Every such lift is critical (Fukumizu &
    # Amari's line; the silent unit's derivatives carry v₃ = 0 or σ(β)·∂F/∂c = 0); the 80-digit Hessian
    # has a negative eigenvalue (the silent unit's (w, v) block, as for a born unit), so a saddle.
    from badminima.claims.unit_splitting import definite_case, split_point

    case = definite_case(sign)
    small = polish(case.network, case.dataset, case.start, precision=256, steps=30).point
    small = Point.unflatten(case.network, [rounded(v, 40) for v in small.flatten()])
    _, lifted = split_point(case.network, small, 0, lam)
    w1, w2, b1, b2, v1, v2, c = lifted.flatten()
    full = [w1, w2, F(0), b1, b2, F(1, 2), v1, v2, F(0), c]
    assert hessian_eigenvalues("tanh", (1, 3, 1), full, case.dataset.X, case.dataset.y)[0] < -1e-3
    net = Network((1, 3, 1), "tanh")
    point = Point.unflatten(net, full if digits is None else [rounded(t, digits) for t in full])
    cert = certify(Trap(net, case.dataset, point), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "lifted-saddle", cert.reason
    assert reference_loss(net, case.dataset, cert.witness) < _lower(cert.loss_lower)


@pytest.mark.parametrize(("digits", "beta"), diagonal([None, 17], [F(-1), F(1, 2), F(0)]))
def test_a_born_unit_on_a_symmetric_minimum_is_a_third_order_saddle(beta, digits):
    # w = 0, output weight 0, bias β beside the mirror-symmetric minimum: the (w, v) coupling
    # tanh'(β)(2/N)Σ r_i x_i is 0 (even residuals), and the 80-digit Hessian is positive semidefinite, so no
    # second-order proof exists. By hand, along (δw = 1, δv = −κ, δc = κ tanh β) the loss is
    # F* − κ tanh''(β)(1/N)Σ r_i x_i² s³ + O(s⁴): a third-order saddle when tanh''(β) ≠ 0; at β = 0 the
    # cubic vanishes (fourth order, not tried), so never a minimum claim there.
    X, Y, theta, _ = _symmetric_minimum()
    full = _mixed(theta, beta, F(0))
    e = hessian_eigenvalues("tanh", (1, 3, 1), full, X, Y)
    assert e[0] > -1e-30  # positive semidefinite: the second order decides nothing
    vals = outputs_and_derivatives("tanh", (1, 2, 1), theta, X)
    r = [f - _lower(y[0]) for (f, _, _), y in zip(vals, Y, strict=True)]
    t = CTX.tanh(_lower(beta))
    cubic = -2 * t * (1 - t * t) * sum(ri * _lower(x[0]) ** 2 for ri, x in zip(r, X, strict=True)) / len(X)
    assert abs(sum(ri * _lower(x[0]) for ri, x in zip(r, X, strict=True))) < 1e-30  # the moment, by hand
    net, data = Network((1, 3, 1), "tanh"), Dataset.of(X, Y)
    point = Point.unflatten(net, full if digits is None else [rounded(t, digits) for t in full])
    cert = certify(Trap(net, data, point), probes=0)
    if beta == 0:
        assert abs(cubic) < 1e-30
        assert cert.verdict is Verdict.INCONCLUSIVE, cert.reason
    else:
        assert abs(cubic) > 1e-4
        assert cert.verdict is Verdict.SADDLE and cert.code == "higher-order-lifted-saddle", cert.reason
        assert reference_loss(net, data, cert.witness) < _lower(cert.loss_lower)
