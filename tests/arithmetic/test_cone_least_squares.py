"""Exact least squares over a polyhedral cone (`arithmetic.cone_least_squares`).

Independent truth: the certificate is re-checked here from its definition (λ ≥ 0, Cᵀλ = −Mᵀr, so r is
in the polar cone and 2r·y − ‖r‖² is a lower bound), no feasible point sampled here does better than the
value, an exact fit attains it, and scipy's SLSQP (float, a different algorithm) finds the same minimum.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.optimize import minimize

from badminima.arithmetic.cone_least_squares import cone_least_squares, in_cone

small = st.fractions(min_value=-3, max_value=3, max_denominator=3)


def _dot(a, b):
    return sum((x * y for x, y in zip(a, b, strict=True)), F(0))


def _value(columns, y, u):
    fitted = [sum((u[j] * columns[j][i] for j in range(len(columns))), F(0)) for i in range(len(y))]
    return sum(((a - b) ** 2 for a, b in zip(y, fitted, strict=True)), F(0))


def test_distance_to_a_half_line_by_hand():
    # min ‖(1, 2) − u·(1, 1)‖² over u ≥ 0: u = 3/2, residual (−1/2, 1/2), value 1/2; over u ≤ 0 (row −1):
    # u = 0, value 5.
    col = [(F(1), F(1))]
    assert cone_least_squares(col, [(F(1),)], [F(1), F(2)], max_faces=2).value == F(1, 2)
    assert cone_least_squares(col, [(F(-1),)], [F(1), F(2)], max_faces=2).value == 5
    assert cone_least_squares(col, [(F(-1),)], [F(1), F(2)], max_faces=1) is None


@st.composite
def problems(draw):
    n_var, n = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    columns = [tuple(draw(small) for _ in range(n)) for _ in range(n_var)]
    m = draw(st.integers(0, 3))
    rows = [tuple(draw(st.sampled_from([F(0), F(1), F(-1), F(2)])) for _ in range(n_var)) for _ in range(m)]
    y = [draw(small) for _ in range(n)]
    return columns, rows, y


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(problems())
def test_the_certificate_the_bound_and_the_float_minimum_agree(problem):
    columns, rows, y = problem
    fit = cone_least_squares(columns, rows, y, max_faces=64)
    assert fit is not None
    # The dual certificate, from its definition.
    assert all(v >= 0 for v in fit.multipliers)
    for j, col in enumerate(columns):
        assert sum((lam * row[j] for lam, row in zip(fit.multipliers, rows, strict=True)), F(0)) == -_dot(
            col, fit.residual
        )
    assert fit.value == 2 * _dot(fit.residual, y) - _dot(fit.residual, fit.residual)
    if fit.exact:
        assert all(_dot(row, fit.coefficients) >= 0 for row in rows)
        assert _value(columns, y, fit.coefficients) == fit.value
    # No feasible point does better.
    rng = random.Random(0)
    for _ in range(40):
        u = [F(rng.randint(-20, 20), 4) for _ in columns]
        if all(_dot(row, u) >= 0 for row in rows):
            assert _value(columns, y, u) >= fit.value
    # scipy's SLSQP finds the same minimum.
    M = np.array([[float(v) for v in c] for c in columns]).T
    C = np.array([[float(v) for v in r] for r in rows]) if rows else None
    Y = np.array([float(v) for v in y])
    cons = [{"type": "ineq", "fun": lambda u: C @ u, "jac": lambda u: C}] if C is not None else []
    res = minimize(
        lambda u: float(np.sum((Y - M @ u) ** 2)),
        np.zeros(len(columns)),
        jac=lambda u: -2 * M.T @ (Y - M @ u),
        constraints=cons,
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assert abs(res.fun - float(fit.value)) <= 1e-6 * (1 + float(fit.value))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.integers(1, 3).flatmap(
        lambda dim: st.tuples(
            st.lists(st.tuples(*[st.integers(-3, 3)] * dim), min_size=1, max_size=6),
            st.tuples(*[st.integers(-4, 4)] * dim),
        )
    )
)
def test_cone_membership_agrees_with_the_cone_least_squares_residual(case):
    # Two algorithms: Carathéodory subsets (in_cone) and the face enumeration of min ‖t − Gu‖², u ≥ 0
    # (cone_least_squares with the identity as the constraint); the target is in the cone iff that
    # minimum is 0
    gens, target = ([tuple(F(v) for v in g) for g in case[0]], tuple(F(v) for v in case[1]))
    eye = [tuple(F(int(m == n)) for m in range(len(gens))) for n in range(len(gens))]
    fit = cone_least_squares(gens, eye, target, max_faces=2 ** len(gens))
    assert fit is not None and fit.exact
    assert in_cone(gens, target) == (not any(fit.residual))
