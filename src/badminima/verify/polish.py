"""Newton polish of a point towards the critical point it approximates, with the gradient at a chosen
ball precision (or in float64 enclosures), optionally over a subset of free coordinates: the box proofs
start from a polished centre, and ball levels give a proved bound on its gradient norm."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

from badminima.arithmetic.flint_bridge import mpf_to_fraction
from badminima.errors import BackendError
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.curvature import MAX_BALL_HESSIAN
from badminima.verify.numerics import float_derivatives
from badminima.verify.parameter_box import ParameterBox


@dataclass(frozen=True)
class Polished:
    """A polished point, the float Hessian used for its last step, and (ball levels) a proved upper
    bound on its gradient norm."""

    point: Point
    hessian: np.ndarray
    gradient_bound: Fraction | None


def polish(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    precision: int | None,
    hessian: np.ndarray | None = None,
    steps: int = 10,
    free: Sequence[int] | None = None,
    max_ball_hessian: int = MAX_BALL_HESSIAN,
) -> Polished:
    """Newton steps ``x ← x − H̃⁻¹∇F(x)`` with the gradient at ``precision`` bits (float64 enclosures when
    None) and a float Hessian H̃ (``hessian`` at the start), retaken at the best point so far whenever a
    step shrinks the gradient less than 16-fold or not at all; steps are halved until the gradient
    shrinks, and where float64 cannot resolve weak directions, H̃⁻¹∇F is solved in balls at
    ``precision``. Turns a point given to 6 digits into one accurate to the precision, so the box around
    it can be tiny. Stops once the gradient is below 2^(−precision/2) (2^−44 for float64)
    relative to the point's scale. With ``free``, only those coordinates move (Newton on that slice, the
    gradient measured on them). Only a starting point for the proof, never part of it."""
    idx = np.arange(len(point.flatten())) if free is None else np.asarray(list(free), dtype=int)
    scale = 1 + max((abs(float(v)) for v in point.flatten()), default=0.0)
    enough = scale * 2.0 ** -(precision // 2 if precision else 44)
    hess = float_derivatives(network, dataset, point)[2] if hessian is None else hessian
    hess_at: Point | None = point if hessian is None else None  # where ``hess`` was computed

    def grad(at: Point) -> tuple[np.ndarray, Fraction | None, float]:
        try:
            g, bound = ParameterBox(network, dataset, at, precision).gradient_mid()
        except BackendError:
            return np.zeros(0), None, math.inf
        g = g[idx]
        norm = float(np.linalg.norm(g))
        return g, bound, norm if math.isfinite(norm) else math.inf

    precise = False
    best_g, bound, best_norm = grad(point)
    best = Polished(point, hess, bound)
    for _ in range(steps):
        if best_norm <= enough or not math.isfinite(best_norm):
            break
        try:
            part = (
                _precise_newton_step(network, dataset, best.point, precision, idx)
                if precise and precision is not None
                else [Fraction(float(d)) for d in np.linalg.solve(hess[np.ix_(idx, idx)], best_g)]
            )
            step = [Fraction(0)] * len(best.point.flatten())
            for k, d in zip(idx, part, strict=True):
                step[int(k)] = d
        except (np.linalg.LinAlgError, ZeroDivisionError):
            break
        x = best.point.flatten()
        moved = False
        # Damped: near a weakly curved minimum the full step can overshoot; halve it before giving up.
        for halving in range(8):
            trial = Point.unflatten(network, [a - d / 2**halving for a, d in zip(x, step, strict=True)])
            g, bound, norm = grad(trial)
            if norm < best_norm:
                slow = norm > best_norm / 16
                fresh = hess_at is best.point
                best, best_g, best_norm, moved = Polished(trial, hess, bound), g, norm, True
                if slow and norm > enough:
                    if fresh and not precise and precision is not None and len(x) <= max_ball_hessian:
                        precise = True  # float64 cannot resolve the weak directions: Newton in balls
                    hess, hess_at = float_derivatives(network, dataset, trial)[2], trial
                    best = Polished(trial, hess, bound)
                break
        if not moved:
            if hess_at is best.point:
                if precise or precision is None or len(x) > max_ball_hessian:
                    break  # a Hessian taken at the best point already failed
                precise = True  # float64 cannot resolve the weak directions: Newton in balls from here
                continue
            # A Hessian from another point can be far off along weak directions: take one here, retry.
            hess, hess_at = float_derivatives(network, dataset, best.point)[2], best.point
            best = Polished(best.point, hess, best.gradient_bound)
    return best


def _precise_newton_step(
    network: Network, dataset: Dataset, point: Point, precision: int, idx: np.ndarray
) -> list[Fraction]:
    """The Newton step H⁻¹∇F on the coordinates ``idx`` at ``point``, solved at ``precision`` bits from
    the midpoints of the ball gradient and Hessian: for Hessians whose weak directions float64 cannot
    resolve."""
    box = ParameterBox(network, dataset, point, precision)
    H = box.hessian_balls(Fraction(0))
    g = box.ball_gradient()
    ks = [int(k) for k in idx]
    with mpmath.workprec(precision):
        Hm = mpmath.matrix([[mpmath.mpf(H[i, j].mid()) for j in ks] for i in ks])
        try:
            step = mpmath.lu_solve(Hm, mpmath.matrix([mpmath.mpf(g[i].mid()) for i in ks]))
        except TypeError as exc:
            # mpmath's pivot search leaves the pivot None on a column that is exactly 0 below the
            # diagonal (an exactly singular Hessian, e.g. a silent duplicated unit) and then fails
            # indexing with it: the same "singular" the caller already handles.
            raise ZeroDivisionError("the Hessian is exactly singular") from exc
        return [mpf_to_fraction(step[i]) for i in range(len(ks))]
