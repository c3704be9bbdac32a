"""Newton polish of a point towards the critical point it approximates, with the gradient at a chosen
ball precision (or in float64 enclosures), optionally over a subset of free coordinates: the box proofs
start from a polished centre, and ball levels give a proved bound on its gradient norm."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
from badminima.verify.rounding import coarsest_rounding


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
    if precision is not None and len(idx) <= max_ball_hessian and _weakly_curved(hess[np.ix_(idx, idx)]):
        best = _refine(network, dataset, point, best, precision, idx, grad)
    return best


def _weakly_curved(hess: np.ndarray) -> bool:
    """Whether float64 cannot resolve the Hessian's weakest direction: there a small gradient is no
    small Newton step (a gradient of 1e-38 along an eigenvalue of 1e-21 is a step of 1e-17)."""
    eig = np.linalg.eigvalsh(hess) if len(hess) else np.zeros(0)
    return bool(len(eig)) and float(np.min(np.abs(eig))) <= 1e-6 * max(1.0, float(np.max(np.abs(eig))))


def _refine(
    network: Network,
    dataset: Dataset,
    start: Point,
    best: Polished,
    precision: int,
    idx: np.ndarray,
    grad: Callable[[Point], tuple[np.ndarray, Fraction | None, float]],
) -> Polished:
    """Newton steps solved in balls at ``precision`` from the polished point, for as long as each
    shortens the next step: a gradient below the stopping level can still be far from the critical
    point along a weakly curved direction, and the box proofs need the centre close to it. Progress is
    the step length, not the gradient: within 1e-17 of a critical point whose weakest eigenvalue is
    1e-21, the third-order terms swamp the gradient, and the first steps overshoot before Newton
    settles; the point with the shortest next step wins. The centre never strays further from
    ``start`` than twice the distance already travelled, four times the coarsest rounding of its
    digits, or 2^(−p/3) of the scale, so it cannot slide along a flat valley (an exactly singular
    Hessian's null directions)."""
    x0 = start.flatten()
    scale = 1 + max((abs(float(v)) for v in x0), default=0.0)
    travelled = max((abs(a - b) for a, b in zip(best.point.flatten(), x0, strict=True)), default=Fraction(0))
    cap = max(2 * travelled, 4 * coarsest_rounding(start), Fraction(scale) / 2 ** (precision // 3))
    done = Fraction(scale) / 2 ** (precision // 2)

    def step_at(at: Point, resolved: bool = False) -> tuple[list[Fraction], Fraction] | None:
        try:
            part = _precise_newton_step(network, dataset, at, precision, idx, resolved=resolved)
        except (ZeroDivisionError, BackendError):
            return None
        return part, max((abs(d) for d in part), default=Fraction(0))

    here, found = best.point, step_at(best.point, resolved=True)
    best_here, best_step = best.point, None if found is None else found[1]
    stalled = 0
    for _ in range(40):
        if found is None or found[1] <= done or stalled >= 2:
            break
        x = list(here.flatten())
        for k, d in zip(idx, found[0], strict=True):
            x[int(k)] -= d
        if max(abs(a - b) for a, b in zip(x, x0, strict=True)) > cap:
            break
        here = Point.unflatten(network, x)
        found = step_at(here)
        if found is not None and best_step is not None and found[1] < best_step:
            best_here, best_step, stalled = here, found[1], 0
        else:
            stalled += 1
    moved = best_here is not best.point
    here = best_here
    if not moved:
        return best
    return Polished(here, best.hessian, grad(here)[1])


def _precise_newton_step(
    network: Network,
    dataset: Dataset,
    point: Point,
    precision: int,
    idx: np.ndarray,
    *,
    resolved: bool = False,
) -> list[Fraction]:
    """The Newton step H⁻¹∇F on the coordinates ``idx`` at ``point``, solved at ``precision`` bits from
    the midpoints of the ball gradient and Hessian: for Hessians whose weak directions float64 cannot
    resolve. With ``resolved``, ZeroDivisionError unless every eigenvalue of H exceeds 2^(−p/2) of the
    largest: a Hessian singular even at this precision (a manifold of critical points) has no Newton
    step worth taking."""
    box = ParameterBox(network, dataset, point, precision)
    H = box.hessian_balls(Fraction(0))
    g = box.ball_gradient()
    ks = [int(k) for k in idx]
    with mpmath.workprec(precision):
        Hm = mpmath.matrix([[mpmath.mpf(H[i, j].mid()) for j in ks] for i in ks])
        if resolved:
            try:
                eig = [abs(e) for e in mpmath.eigsy(Hm, eigvals_only=True)]
            except (RuntimeError, ZeroDivisionError) as exc:
                raise ZeroDivisionError("no eigenvalues at this precision") from exc
            if not eig or min(eig) <= mpmath.mpf(2) ** (-(precision // 2)) * max(eig):
                raise ZeroDivisionError("the Hessian is singular at this precision")
        try:
            step = mpmath.lu_solve(Hm, mpmath.matrix([mpmath.mpf(g[i].mid()) for i in ks]))
        except TypeError as exc:
            # mpmath's pivot search leaves the pivot None on a column that is exactly 0 below the
            # diagonal (an exactly singular Hessian, e.g. a silent duplicated unit) and then fails
            # indexing with it: the same "singular" the caller already handles.
            raise ZeroDivisionError("the Hessian is exactly singular") from exc
        return [mpf_to_fraction(step[i]) for i in range(len(ks))]
