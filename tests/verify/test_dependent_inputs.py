"""Dependent inputs: layer 1's weights move along the data's input dependencies without changing the loss.

Truth is by construction: a planted 1-2-1 tanh critical point (`planted`, its Hessian's index from the
80-digit reference) is embedded into a 2-2-1 net whose second input is 2x − 1 on every data point, with
weight a_u on it and w_u − 2a_u, b_u + a_u on the first input and the bias. The embedded loss is the
planted one composed with a linear surjection, so the point is a minimum or a saddle exactly when the
planted one is; a proved saddle's lower point and a proved minimum's box are rechecked at 60 digits.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap, load_trap
from badminima.verify import Verdict, certify
from badminima.verify.dependent_inputs import dependent_input_slice, input_dependencies
from tests.reference import reference_loss
from tests.verify.planted import plant
from tests.verify.saved import saved_trap

SHIFTS = (F(1, 8), F(-3, 4))


def _embedded(seed: int, residual: float, shifts=SHIFTS):
    """The planted 1-2-1 point moved onto inputs (x, 2x − 1): (planted, trap)."""
    p = plant(seed, widths=(1, 2, 1), residual=residual)
    (w0, w1, b0, b1, v0, v1, c) = p.theta
    (a0, a1) = shifts
    net = Network((2, 2, 1), "tanh")
    X = [[x[0], 2 * x[0] - 1] for x in p.dataset.X]
    theta = [w0 - 2 * a0, a0, w1 - 2 * a1, a1, b0 + a0, b1 + a1, v0, v1, c]
    return p, Trap(net, Dataset.of(X, [list(y) for y in p.dataset.y]), Point.unflatten(net, theta))


@given(st.lists(st.lists(st.integers(-3, 3), min_size=3, max_size=3), min_size=1, max_size=5), st.booleans())
def test_each_dependent_input_column_is_its_stated_combination_of_independent_pivots(rows, bias):
    net = Network((3, 1, 1), "tanh", bias=bias)
    data = Dataset.of(rows, [[0]] * len(rows))
    deps = input_dependencies(net, data)
    columns = [[F(x) for x in row] + [F(1)] for row in rows]
    for k, coefficients in deps.items():
        for row in columns:
            assert row[k] == sum(c * row[j] for j, c in coefficients.items())
    pivots = [k for k in (([3] if bias else []) + [0, 1, 2]) if k not in deps]
    M = sympy.Matrix([[row[k] for k in pivots] for row in columns])
    assert M.rank() == len(pivots)  # the pivots are independent (sympy's rank, not flint's)
    assert not any(j in deps for c in deps.values() for j in c)


def test_a_point_moved_along_the_dependencies_has_the_same_loss():
    _, trap = _embedded(3, 0.05)
    chart = dependent_input_slice(trap.network, trap.dataset)
    assert chart is not None and chart.fixed == (1, 3) and chart.code == "lift-dependent-inputs"
    rng = random.Random(0)
    t = [F(rng.randint(-9, 9), 7) for _ in range(2)]
    moved = list(trap.point.flatten())
    for u, (wk, bk) in enumerate(((1, 4), (3, 5))):  # U_k += t, U_x −= 2t, b += t (x₂ = 2x₁ − 1)
        moved[wk] += t[u]
        moved[wk - 1] -= 2 * t[u]
        moved[bk] += t[u]
    assert reference_loss(trap.network, trap.dataset, Point.unflatten(trap.network, moved)) == reference_loss(
        trap.network, trap.dataset, trap.point
    )


def _in_box(trap, cert, seed: int, n: int = 20) -> None:
    """No point of the proof box (random) has a 60-digit loss below the certified lower bound."""
    rng = random.Random(seed)
    lower = mpmath.mpf(cert.loss_lower.numerator) / cert.loss_lower.denominator
    for _ in range(n):
        moved = [q + cert.proof_radius * F(rng.randint(-1000, 1000), 1000) for q in cert.box_center.flatten()]
        assert (
            reference_loss(trap.network, trap.dataset, Point.unflatten(trap.network, moved)) >= lower - 1e-50
        )


@pytest.mark.parametrize(
    ("seed", "residual"),
    [
        (3, 0.05),
        (3, 1.0),
        pytest.param(4, 0.05, marks=pytest.mark.slow),
        pytest.param(2, 1.0, marks=pytest.mark.slow),
    ],
)
def test_a_planted_point_on_dependent_inputs_keeps_its_index(seed, residual):
    p, trap = _embedded(seed, residual)
    cert = certify(trap, probes=0)
    if p.index == 0:
        assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "lift-dependent-inputs"), cert.reason
        _in_box(trap, cert, seed)
    else:
        assert (cert.verdict, cert.code) == (Verdict.SADDLE, "slice-saddle"), cert.reason
        lower = mpmath.mpf(cert.loss_lower.numerator) / cert.loss_lower.denominator
        assert reference_loss(trap.network, trap.dataset, cert.witness) < lower
    assert trap.point.distance(cert.box_center) <= cert.box_radius


def test_the_example_is_the_sigmoid_deadlock_with_a_dependent_input():
    trap = load_trap("examples/degenerate/dependent-inputs.json")
    original = load_trap("examples/sigmoid-deadlock.json")
    assert reference_loss(trap.network, trap.dataset, trap.point) == reference_loss(
        original.network, original.dataset, original.point
    )
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.BAD_LOCAL_MIN, "lift-dependent-inputs"), cert.reason
    _in_box(trap, cert, 0, n=10)


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(
    st.integers(0, 40),
    st.sampled_from([0.05, 1.0]),
    st.tuples(st.fractions(-2, 2, max_denominator=8), st.fractions(-2, 2, max_denominator=8)),
)
def test_soundness_fuzz_dependent_inputs_thorough(seed, residual, shifts):
    try:
        p, trap = _embedded(seed, residual, shifts)
    except (ZeroDivisionError, ValueError):  # the planted Jacobian is singular: nothing planted
        return
    if min(abs(e) for e in p.eigenvalues) < 1e-12:
        return  # too close to degenerate for the 80-digit index to be the truth at 40 digits
    cert = certify(trap, probes=0)
    if p.index == 0:
        assert cert.verdict in (Verdict.LOCAL_MIN, Verdict.INCONCLUSIVE), cert.reason
        if cert.verdict is Verdict.LOCAL_MIN:
            _in_box(trap, cert, seed, n=5)
    else:
        assert cert.verdict in (Verdict.SADDLE, Verdict.INCONCLUSIVE), cert.reason


def test_a_weight_written_exactly_on_purpose_stays_and_a_rounded_one_moves_along_the_dependency():
    """Red team s25 (truth in the file, at 60 digits): inputs (x, x), w₁ = 1/3 exact on purpose, w₂
    rounded 30 units off: the slice takes the pinned weight's input as the dependent one, so the minimum
    it proves keeps 1/3 (it once fixed w₂ and moved 1/3, then answered `not-critical`)."""
    trap = saved_trap("s25-dupcol-tanh-w230u-d8")
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "lift-dependent-inputs"), cert.reason
    assert cert.box_center is not None and cert.box_center.flatten()[0] == F(1, 3)
    chart = dependent_input_slice(trap.network, trap.dataset, trap.point)
    assert chart is not None and chart.fixed == (0,)
