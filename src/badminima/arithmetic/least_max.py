"""The change of least ∞-norm that meets linear equations, by linear programming in floats.

min s subject to A y = b, −s ≤ y_m ≤ s (HiGHS, through scipy). Its answers are proposals: a point it
suggests, or the multipliers λ of its equations (by duality, λ·b = s and ‖Aᵀλ‖₁ ≤ 1 at the optimum, so
λ separates b from the image of the unit box when s > 1), are checked by the caller in exact or ball
arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog


@dataclass(frozen=True)
class LeastMax:
    """``change`` y of least ∞-norm ``size`` with A y = b, and the equations' ``multipliers`` λ (None
    where the solver reports none)."""

    change: np.ndarray
    size: float
    multipliers: np.ndarray | None


def least_max_change(a: np.ndarray, b: np.ndarray) -> LeastMax | None:
    """The least ∞-norm solution of ``a`` y = ``b`` (module docstring); None when the program fails (no
    solution, or HiGHS gives up). Rows should be of comparable size: HiGHS's tolerances are absolute.

    Example (y₁ + y₂ = 1 and y₁ − y₂ = 0: y = (1/2, 1/2), ∞-norm 1/2):
        >>> found = least_max_change(np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, 0.0]))
        >>> [round(float(v), 9) for v in found.change], round(found.size, 9)
        ([0.5, 0.5], 0.5)
    """
    rows, n = a.shape
    res = linprog(
        np.r_[np.zeros(n), 1.0],
        A_ub=np.hstack([np.vstack([np.eye(n), -np.eye(n)]), -np.ones((2 * n, 1))]),
        b_ub=np.zeros(2 * n),
        A_eq=np.hstack([a, np.zeros((rows, 1))]),
        b_eq=b,
        bounds=[(None, None)] * (n + 1),
    )
    if not res.success:
        return None
    marginals = getattr(getattr(res, "eqlin", None), "marginals", None)
    return LeastMax(
        np.asarray(res.x[:n]), float(res.x[-1]), None if marginals is None else np.asarray(marginals)
    )
