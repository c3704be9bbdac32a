"""`arithmetic.least_max`: the least ∞-norm solution and its multipliers, checked by duality."""

from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st

from badminima.arithmetic.least_max import least_max_change

ENTRY = st.integers(-5, 5).map(float)


@given(
    st.integers(1, 3).flatmap(
        lambda rows: st.tuples(
            st.lists(st.lists(ENTRY, min_size=rows + 2, max_size=rows + 2), min_size=rows, max_size=rows),
            st.lists(ENTRY, min_size=rows, max_size=rows),
        )
    )
)
def test_the_change_meets_the_equations_and_its_multipliers_certify_it_least(system):
    """A y = b holds, |y|∞ = s, and the multipliers λ prove no smaller change exists: λ·b = s and
    ‖Aᵀλ‖₁ ≤ 1, so for every y′ with A y′ = b, s = λ·A y′ ≤ ‖Aᵀλ‖₁ |y′|∞ ≤ |y′|∞ (weak duality)."""
    rows, rhs = system
    a, b = np.array(rows), np.array(rhs)
    found = least_max_change(a, b)
    solvable = np.linalg.matrix_rank(a) == np.linalg.matrix_rank(np.c_[a, b])
    assert (found is not None) == solvable
    if found is None:
        return
    assert np.allclose(a @ found.change, b, atol=1e-7)
    assert abs(np.max(np.abs(found.change), initial=0.0) - found.size) < 1e-7
    lam = found.multipliers
    assert lam is not None  # HiGHS reports them
    assert abs(abs(lam @ b) - found.size) < 1e-6
    assert np.sum(np.abs(a.T @ lam)) <= 1 + 1e-6
