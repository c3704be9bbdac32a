"""Ball-arithmetic box certificates for smooth losses (sigmoid, tanh, identity; a ReLU-family network
strictly inside one activation region).

Around an approximate point x̃ take the box B = x̃ + [−r, r]^P and enclose the Hessian over all of B
by evaluating it on balls of radius r. With Q the float eigenvectors of the midpoint Hessian, every
symmetric H in the enclosure has λ_min(H) ≥ λ_min(QᵀHQ) / λ_max(QᵀQ) when the numerator is positive,
and both are bounded by Gershgorin discs of ball matrices — a proved lower bound μ on the curvature
over B. Then:

- minimum: if ‖∇F(x̃)‖ < μ r / 2, F is μ-strongly convex on B and larger on the sphere of radius r than
  at x̃, so a unique strict local minimiser x* lies within 2‖∇F(x̃)‖/μ of x̃ and every loss in B is at
  least F(x̃) − ‖∇F(x̃)‖² / (2μ).
- saddle: if the Krawczyk operator K(B) = x̃ − C∇F(x̃) + (I − C H(B))(B − x̃), C ≈ H(x̃)⁻¹, lies inside
  B, there is exactly one critical point x* in B; if vᵀH(B)v < 0 for a fixed v, F(x* + s v) < F(x*)
  for every small s ≠ 0, so x* is not a local minimum; a point of proved lower loss is exhibited.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic, lower_bound, upper
from badminima.arithmetic.flint_bridge import arb_to_fraction, mpf_to_fraction, to_arb
from badminima.errors import BackendError, UndecidableSignError
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.losses import loss_of_flat
from badminima.landscape.problem import Problem, prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.descent import rational_direction
from badminima.verify.numerics import float_derivatives

PRECISIONS = (128, 256, 512)
HESSIAN_CHUNK = 4_000_000  # tangent entries (units × points × P) per chunk of data


to_fraction = arb_to_fraction


def ball_bounds(x: Any) -> tuple[Fraction, Fraction]:
    """Exact rational endpoints of a ball (at a working precision that keeps them tight)."""
    with flint.ctx.workprec(1024):
        return to_fraction(x.lower()), to_fraction(x.upper())


@dataclass(frozen=True)
class BoxResult:
    """Outcome of the box method: ``verdict`` is LOCAL_MIN, SADDLE, or None when nothing was proved."""

    verdict: Verdict | None
    reason: str
    precision: int
    radius: Fraction | None = None
    proof_radius: Fraction | None = None
    center: Point | None = None
    mu: Fraction | None = None
    box_loss_lower: Fraction | None = None
    loss_lower: Fraction | None = None
    loss_upper: Fraction | None = None
    witness: Point | None = None
    witness_loss_upper: Fraction | None = None
    steps: tuple[str, ...] = field(default=())


class _Box:
    """One point laid out in `arb` balls at ``precision`` bits (the box Hessian goes through float64
    enclosures, see `hessian`); with ``precision`` None, in float64 enclosures only, for the cheap
    Newton steps of `polish`."""

    def __init__(self, network: Network, dataset: Dataset, point: Point, precision: int | None) -> None:
        self.network, self.dataset, self.point = network, dataset, point
        self.ball = BallArithmetic(precision or 128)
        self.arith: Any = self.ball if precision else EnclosureArithmetic()
        self.prob: Problem = prepare(network, dataset, point, arith=self.arith)
        self.masks = self.prob.masks

    def flat(self, radius: Fraction) -> Any:
        """The box of ``radius`` (∞-norm) around the point, as a flat array of the backend."""
        with self.ball.context():
            rad = self.ball.constant(radius).upper()
            return self.ball.vector([v + flint.arb(0, rad) for v in self.prob.flat])

    def loss(self, flat: Any) -> Any:
        p = self.prob
        with self.arith.context():
            return loss_of_flat(self.network, p.inputs, p.targets, flat, arith=self.arith, masks=self.masks)

    def gradient_mid(self) -> tuple[np.ndarray, Fraction | None]:
        """Float midpoints of the gradient at the point (for Newton steps), and a proved upper bound on
        its norm at ball levels (None for float enclosures: a sum over N points is about N ulps wide,
        too wide to prove the tiny gradient a small box needs)."""
        if isinstance(self.arith, EnclosureArithmetic):
            p = self.prob
            g = gradient_of_flat(
                self.network, p.inputs, p.targets, p.flat, arith=self.arith, masks=self.masks
            )
            if not g.is_finite():
                raise BackendError("the float enclosure of the gradient is not finite")
            return g.mid, None
        balls = self.ball_gradient()
        return np.array([float(v.mid()) for v in balls]), norm_upper(self.ball, balls)

    def ball_gradient(self) -> list[Any]:
        """The gradient at the point in balls (``precision`` bits; 128 at the float level)."""
        p = self.prob
        prob = p if p.arith is self.ball else prepare(self.network, self.dataset, self.point, arith=self.ball)
        with self.ball.context():
            return list(
                gradient_of_flat(
                    self.network, prob.inputs, prob.targets, prob.flat, arith=self.ball, masks=self.masks
                )
            )

    def gradient_bound(self) -> Fraction:
        """A proved upper bound on ‖∇F‖ at the point."""
        return norm_upper(self.ball, self.ball_gradient())

    def hessian(self, radius: Fraction) -> Enclosure:
        """An enclosure of ∇²F over the whole box of ``radius`` around the point: float64 midpoint-radius
        arithmetic with every rounding bounded (`badminima.arithmetic.enclosure`), all P directions at
        once, and the data in chunks so the (units × points × P) tangents stay a few MB."""
        p = self.prob
        enc = EnclosureArithmetic()
        with self.ball.context():
            flat = Enclosure.of_balls(self.flat(radius))
            inputs, targets = Enclosure.of_balls(p.inputs), Enclosure.of_balls(p.targets)
        n = inputs.shape[1]
        chunk = max(1, HESSIAN_CHUNK // (max(self.network.widths) * len(flat)))
        total: Enclosure | None = None
        for start in range(0, n, chunk):
            cols = slice(start, min(n, start + chunk))
            masks = None if self.masks is None else [m[:, cols] for m in self.masks]
            part = hessian_of_flat(
                self.network, inputs[:, cols], targets[:, cols], flat, arith=enc, masks=masks
            ) * (cols.stop - cols.start)
            total = part if total is None else total + part
        assert total is not None
        return total / n

    def hessian_balls(self, radius: Fraction) -> Any:
        """An enclosure of ∇²F over the box of ``radius`` in `arb` balls at the box's precision (an
        ``arb_mat``): slower than `hessian`, but as tight as the precision, for curvatures that float64
        roundings would swamp (1e-11, or large weights)."""
        p = self.prob
        prob = p if p.arith is self.ball else prepare(self.network, self.dataset, self.point, arith=self.ball)
        flat = self.flat(radius)
        with self.ball.context():
            H = hessian_of_flat(
                self.network, prob.inputs, prob.targets, flat, arith=self.ball, masks=self.masks
            )
            n = len(flat)
            return flint.arb_mat(n, n, [H[i, j] for i in range(n) for j in range(n)])

    def region_holds(self, flat: Any) -> bool:
        """True when every hidden pre-activation keeps its (non-zero) sign on the whole box."""
        if self.prob.region is None:
            return True
        with self.ball.context():
            fwd = forward(
                self.network,
                unflatten(self.network, flat),
                self.prob.inputs,
                arith=self.ball,
                masks=self.masks,
            )
            for z, signs in zip(fwd.z[:-1], self.prob.region.signs, strict=True):
                for u, row in enumerate(signs):
                    for i, s in enumerate(row):
                        if s == 0 or self.ball.sign(z[u, i]) != s:
                            return False
        return True


def curvature_bound(H: Enclosure, Q: np.ndarray) -> Fraction | None:
    """A proved lower bound on λ_min of every symmetric matrix in the enclosure ``H`` (None unless
    positive): Gershgorin discs of QᵀHQ, divided by the largest Gershgorin bound of QᵀQ. ``Q`` is any
    float matrix (the midpoint's eigenvectors make the discs tight); λ_min(H) ≥ λ_min(QᵀHQ)/λ_max(QᵀQ)
    when the numerator is positive.

    Example:
        >>> import numpy as np
        >>> mu = curvature_bound(Enclosure.exact(np.diag([2.0, 3.0])), np.eye(2))
        >>> 1.99 < mu <= 2  # a proved bound, a few roundings below the true λ_min = 2
        True
    """
    if not H.is_finite():
        return None
    q = Enclosure.exact(Q)
    M = q.T @ H @ q
    if not M.is_finite():
        return None
    off = M.upper_abs()
    np.fill_diagonal(off, 0.0)
    lows = lower_bound(np.diagonal(M.mid), upper(off.sum(1) + np.diagonal(M.rad), len(off) + 3))
    G = q.T @ q
    tops = upper(G.upper_abs().sum(1), len(Q) + 2)
    if not len(lows) or not (np.all(np.isfinite(lows)) and np.all(np.isfinite(tops))):
        return None
    mu_m = Fraction(float(lows.min()))
    if mu_m <= 0:
        return None
    return mu_m / Fraction(float(tops.max()))


def curvature_bound_balls(H: Any, Q: Any) -> Fraction | None:
    """`curvature_bound` for an ``arb_mat`` enclosure ``H`` and an exact ``arb_mat`` ``Q``, in balls at
    the current working precision (so curvatures far below float64's roundings can be proved)."""
    M = Q.transpose() * H * Q
    G = Q.transpose() * Q
    n = M.nrows()
    low: Any = None
    top: Any = None
    for i in range(n):
        off = sum((abs(M[i, j]) for j in range(n) if j != i), flint.arb(0))
        row = (M[i, i] - off).lower()
        low = row if low is None or row < low else low
        g = sum((abs(G[i, j]) for j in range(n)), flint.arb(0)).upper()
        top = g if top is None or g > top else top
    if low is None or not low.is_finite() or not top.is_finite() or not low > 0:
        return None
    return to_fraction(low) / to_fraction(top)


@dataclass(frozen=True)
class Spectrum:
    """Approximate eigenvalues (ascending) and eigenvectors of the Hessian at a box centre: ``Q`` in
    float64, and ``exact`` — the same vectors as an exact ``arb_mat`` at the box's precision when float64
    could not resolve the smallest eigenvalues (None otherwise). Only a guide for the proof."""

    eig: np.ndarray
    Q: np.ndarray
    exact: Any = None


MAX_BALL_HESSIAN = 150
"""Ball-arithmetic Hessians (the fallback when float64 enclosures are too coarse) up to this many
parameters; beyond, only the float64 enclosure is tried."""

RESOLVED = 1e-6
"""Float64 eigenvalues are trusted when the smallest is above this fraction of the largest."""


def spectrum(box: _Box, hessian_float: np.ndarray) -> Spectrum:
    """The Hessian's spectrum at the box centre: float64, refined at the box's precision from a ball
    Hessian when the smallest eigenvalue is within `RESOLVED` of the largest (float64 eigenvalues are
    only accurate to about 1e-16 of the largest)."""
    eig, Q = np.linalg.eigh(hessian_float)
    if not len(eig):
        return Spectrum(eig, Q)
    top = max(1.0, float(np.max(np.abs(eig))))
    if float(np.min(np.abs(eig))) > RESOLVED * top or len(eig) > MAX_BALL_HESSIAN:
        return Spectrum(eig, Q)
    H = box.hessian_balls(Fraction(0))
    n = H.nrows()
    with mpmath.workprec(box.ball.precision):
        E, V = mpmath.eigsy(mpmath.matrix([[mpmath.mpf(H[i, j].mid()) for j in range(n)] for i in range(n)]))
        with box.ball.context():
            exact = flint.arb_mat(n, n, [_dyadic(V[i, j]) for i in range(n) for j in range(n)])
        eig_hp = np.array([float(E[i]) for i in range(n)])
        Q_hp = np.array([[float(V[i, j]) for j in range(n)] for i in range(n)])
    order = np.argsort(eig_hp)
    return Spectrum(eig_hp[order], Q_hp[:, order], _columns(exact, [int(k) for k in order]))


def _dyadic(x: Any) -> Any:
    """An mpmath number as an exact `arb` (call at a working precision that holds its mantissa)."""
    return to_arb(mpf_to_fraction(x))


def _columns(M: Any, order: Sequence[int]) -> Any:
    n = M.nrows()
    return flint.arb_mat(n, len(order), [M[i, int(j)] for i in range(n) for j in order])


def _mu(box: _Box, radius: Fraction, spec: Spectrum) -> tuple[Fraction | None, str]:
    """A proved lower bound on λ_min(∇²F) over the box of ``radius``: float64 enclosure first, then
    (small nets) balls at the box's precision. Returns the bound (or None) and how it was obtained."""
    mu = curvature_bound(box.hessian(radius), spec.Q)
    if mu is not None:
        return mu, "float64 enclosure"
    if len(spec.Q) > MAX_BALL_HESSIAN:
        return None, "float64 enclosure"
    Q = spec.exact
    if Q is None:
        n = len(spec.Q)
        Q = flint.arb_mat(n, n, [float(v) for v in spec.Q.ravel()])
    with box.ball.context():
        return curvature_bound_balls(box.hessian_balls(radius), Q), f"balls at {box.ball.precision} bits"


def norm_upper(ball: BallArithmetic, values: Sequence[Any]) -> Fraction:
    """A proved upper bound on the Euclidean norm of a vector of balls."""
    with ball.context():
        total = sum((v * v for v in values), flint.arb(0)).upper()
        return Fraction(0) if total <= 0 else to_fraction(total.sqrt().upper())


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
            g, bound = _Box(network, dataset, at, precision).gradient_mid()
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
                    if fresh and not precise and precision is not None and len(x) <= MAX_BALL_HESSIAN:
                        precise = True  # float64 cannot resolve the weak directions: Newton in balls
                    hess, hess_at = float_derivatives(network, dataset, trial)[2], trial
                    best = Polished(trial, hess, bound)
                break
        if not moved:
            if hess_at is best.point:
                if precise or precision is None or len(x) > MAX_BALL_HESSIAN:
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
    box = _Box(network, dataset, point, precision)
    H = box.hessian_balls(Fraction(0))
    g = box.ball_gradient()
    ks = [int(k) for k in idx]
    with mpmath.workprec(precision):
        Hm = mpmath.matrix([[mpmath.mpf(H[i, j].mid()) for j in ks] for i in ks])
        step = mpmath.lu_solve(Hm, mpmath.matrix([mpmath.mpf(g[i].mid()) for i in ks]))
        return [mpf_to_fraction(step[i]) for i in range(len(ks))]


def _stated_box(
    network: Network, dataset: Dataset, point: Point, center: Point, radius: Fraction, precision: int | None
) -> tuple[Fraction, Fraction | None]:
    """The box around the given ``point`` that contains the proving box (centre, radius): its radius
    d + r, and a proved lower bound on every loss in it (ball evaluation over the whole box; None when
    an activation region changes inside it)."""
    stated = radius + _distance_bound(point, center)
    try:
        box = _Box(network, dataset, point, precision)
        flat = box.flat(stated)
        if not box.region_holds(flat):
            return stated, None
        return stated, ball_bounds(box.loss(flat))[0]
    except (BackendError, UndecidableSignError):
        return stated, None  # evidence only: the proof does not rest on it


def _distance_bound(a: Point, b: Point) -> Fraction:
    """The exact ∞-norm distance between two points."""
    return max((abs(x - y) for x, y in zip(a.flatten(), b.flatten(), strict=True)), default=Fraction(0))


def _distance(a: Point, b: Point) -> float:
    return float(_distance_bound(a, b))


def _is_exact_zero(values: Sequence[Any]) -> bool:
    return all(v.is_zero() for v in values)


def certify_minimum(
    network: Network,
    dataset: Dataset,
    point: Point,
    hessian_float: np.ndarray,
    *,
    precisions: Sequence[int] = PRECISIONS,
) -> BoxResult:
    """Try to prove a strict local minimiser in a box around ``point`` (see the module docstring)."""
    eig = np.linalg.eigvalsh(hessian_float)
    steps: list[str] = []
    top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
    if not len(eig) or eig[0] < -RESOLVED * top:
        return BoxResult(None, "the float Hessian is not positive definite", precisions[0])
    scale = 1 + max((abs(float(v)) for v in point.flatten()), default=0.0)
    last = ""
    # Float64 Newton steps first (cheap), then a step or two in balls at each precision.
    start = polish(network, dataset, point, precision=None, hessian=hessian_float)
    for prec in precisions:
        label = f"prec {prec}"
        polished = polish(network, dataset, start.point, precision=prec, hessian=start.hessian)
        center = polished.point
        box = _Box(network, dataset, center, prec)
        spec = spectrum(box, polished.hessian)
        if not len(spec.eig) or spec.eig[0] <= 0:
            last = "the Hessian at the polished centre is not positive definite"
            steps.append(f"{label}: {last}")
            continue
        lam = float(spec.eig[0])
        g_up = polished.gradient_bound if polished.gradient_bound is not None else box.gradient_bound()
        floor = Fraction(scale) * Fraction(1, 2 ** (prec // 3))
        radius = max(Fraction(4) * g_up / Fraction(lam), floor)
        for _attempt in range(5):
            flat = box.flat(radius)
            if not box.region_holds(flat):
                last = f"a ReLU pre-activation changes sign inside the box of radius {float(radius):.3g}"
                steps.append(f"{label}: {last}")
                radius /= 16
                if radius < floor:
                    break
                continue
            mu, how = _mu(box, radius, spec)
            if mu is None:
                last = f"the Hessian is not proved positive definite on the box of radius {float(radius):.3g}"
                steps.append(f"{label}: {last} ({how})")
                if radius / 16 < floor:
                    break
                radius /= 16
                continue
            if g_up < mu * radius / 2:
                lo, hi = ball_bounds(box.loss(box.prob.flat))
                steps.append(f"{label}: μ ≥ {float(mu):.3g} on the box of radius {float(radius):.3g} ({how})")
                minimiser_lower = lo - g_up * g_up / (2 * mu)
                stated, lowest = _stated_box(network, dataset, point, center, radius, prec)
                return BoxResult(
                    Verdict.LOCAL_MIN,
                    f"the Hessian is ≥ {float(mu):.3g}·I on the whole box of radius {float(radius):.3g} "
                    f"around box_center and ‖∇F(box_center)‖ ≤ {float(g_up):.3g} < μr/2: a unique strict "
                    f"local minimiser lies in it, so within {float(stated):.3g} (∞-norm) of the given point",
                    prec,
                    radius=stated,
                    proof_radius=radius,
                    center=center,
                    mu=mu,
                    loss_lower=minimiser_lower,
                    loss_upper=hi,
                    box_loss_lower=None if lowest is None else min(lowest, minimiser_lower),
                    steps=tuple(steps),
                )
            last = f"‖∇F‖ ≤ {float(g_up):.3g} is not below μr/2 = {float(mu * radius / 2):.3g}"
            steps.append(f"{label}: {last}")
            radius = Fraction(4) * g_up / mu
    return BoxResult(None, last or "no box was tried", precisions[-1], steps=tuple(steps))


def _direction(spec: Spectrum, precision: int) -> tuple[Fraction, ...]:
    """The eigenvector of the smallest eigenvalue as exact rationals (from the refined vectors when
    float64 could not resolve it)."""
    if spec.exact is None:
        return rational_direction(spec.Q[:, 0])
    n = spec.exact.nrows()
    with flint.ctx.workprec(precision):
        return tuple(to_fraction(spec.exact[i, 0]) for i in range(n))  # exact balls: no rounding


def _inverse_guess(spec: Spectrum, n: int) -> Any:
    """C ≈ H(centre)⁻¹ as an exact ``arb_mat`` (any C is sound in the Krawczyk test; a good one makes
    it pass)."""
    if spec.exact is None:
        C = (spec.Q / spec.eig) @ spec.Q.T
        return flint.arb_mat(n, n, [float(C[i, j]) for i in range(n) for j in range(n)])
    Q = spec.exact
    D = flint.arb_mat(n, n, [0] * (n * n))
    for i in range(n):
        D[i, i] = 1 / _dyadic(mpmath.mpf(spec.eig[i])) if spec.eig[i] != 0 else 0
    M = Q * D * Q.transpose()
    return flint.arb_mat(n, n, [M[i, j].mid() for i in range(n) for j in range(n)])


def _curvature_along(box: _Box, radius: Fraction, v: Sequence[Fraction]) -> tuple[Any, Any, str]:
    """vᵀH(B)v over the box of ``radius`` (a ball) and the Hessian enclosure used, float64 enclosure
    first, balls at the box's precision when that cannot prove the sign."""
    ball = box.ball
    n = len(v)
    with ball.context():
        vb = flint.arb_mat(n, 1, [ball.constant(c) for c in v])
        H_enc = box.hessian(radius)
        if H_enc.is_finite():
            H = flint.arb_mat(H_enc.balls().tolist())
            curv = (vb.transpose() * H * vb)[0, 0]
            if curv < 0 or n > MAX_BALL_HESSIAN:
                return curv, H, "float64 enclosure"
        if n > MAX_BALL_HESSIAN:
            return flint.arb("nan"), None, "float64 enclosure"
        H = box.hessian_balls(radius)
        return (vb.transpose() * H * vb)[0, 0], H, f"balls at {ball.precision} bits"


def certify_saddle(
    network: Network,
    dataset: Dataset,
    point: Point,
    hessian_float: np.ndarray,
    *,
    critical: bool = False,
    precisions: Sequence[int] = PRECISIONS,
) -> BoxResult:
    """Try to prove a unique critical point near ``point`` with a direction of negative curvature over
    its box, and exhibit a point of lower loss (see the module docstring). ``critical``: the gradient
    at ``point`` is already proved exactly zero (no Krawczyk step needed)."""
    eig = np.linalg.eigvalsh(hessian_float)
    top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
    if not len(eig) or eig[0] > RESOLVED * top:
        return BoxResult(None, "the float Hessian has no negative eigenvalue", precisions[0])
    n = len(eig)
    scale = 1 + max((abs(float(x)) for x in point.flatten()), default=0.0)
    steps: list[str] = []
    last = ""
    for prec in precisions:
        if critical:
            center, hess_center = point, hessian_float
        else:
            polished = polish(network, dataset, point, precision=prec, hessian=hessian_float)
            center, hess_center = polished.point, polished.hessian
        box = _Box(network, dataset, center, prec)
        ball = box.ball
        spec = spectrum(box, hess_center)
        if not len(spec.eig) or spec.eig[0] >= 0:
            last = "the Hessian at the polished centre has no negative eigenvalue"
            steps.append(f"prec {prec}: {last}")
            continue
        singular = np.min(np.abs(spec.eig)) <= 1e-12 * max(1.0, float(np.max(np.abs(spec.eig))))
        if spec.exact is not None:
            singular = bool(np.min(np.abs(spec.eig)) <= 2.0 ** (-prec // 2) * top)
        v = _direction(spec, prec)
        g = box.ball_gradient()
        exact_critical = critical or _is_exact_zero(g)
        if singular and not exact_critical:
            return BoxResult(
                None,
                "the Hessian is singular and the gradient is not exactly zero: the Krawczyk test "
                "needs an invertible Hessian",
                prec,
                steps=tuple(steps),
            )
        g_up = norm_upper(ball, g)
        floor = Fraction(scale) * Fraction(1, 2 ** (prec // 3))
        C = _inverse_guess(spec, n) if not singular else None
        with ball.context():
            newton = 0.0 if C is None else float(norm_upper(ball, list(C * flint.arb_mat(n, 1, g))))
        radius = max(Fraction(4 * newton) if newton > 0 else Fraction(0), floor)
        flat = box.flat(radius)
        if not box.region_holds(flat):
            last = "a ReLU pre-activation changes sign inside the box"
            steps.append(f"prec {prec}: {last}")
            continue
        curv, H, how = _curvature_along(box, radius, v)
        if H is None:
            last = "the Hessian enclosure overflowed"
            steps.append(f"prec {prec}: {last}")
            continue
        with ball.context():
            if not curv < 0:
                last = f"vᵀH(B)v is not proved negative on the box of radius {float(radius):.3g}"
                steps.append(f"prec {prec}: {last} ({how})")
                continue
            delta = Fraction(0)
            if not exact_critical:
                assert C is not None
                gm = flint.arb_mat(n, 1, g)
                rad = ball.constant(radius)
                R = flint.arb_mat(n, 1, [flint.arb(0, rad.upper()) for _ in range(n)])
                eye = flint.arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
                K = -(C * gm) + (eye - C * H) * R
                if not all(abs(K[i, 0]) < rad for i in range(n)):
                    last = (
                        f"the Krawczyk operator does not map the box of radius {float(radius):.3g} "
                        f"into itself"
                    )
                    steps.append(f"prec {prec}: {last}")
                    continue
                delta = norm_upper(ball, [K[i, 0] for i in range(n)])
            # F(x*) ≥ F(x̃) − ‖g‖δ − ½‖H(B)‖_F δ² since x* − x̃ has length ≤ δ and lies in B.
            frob = norm_upper(ball, [H[i, j] for i in range(n) for j in range(n)])
            lo, hi = ball_bounds(box.loss(box.prob.flat))
            critical_lower = lo - g_up * delta - frob * delta * delta / 2
            witness = lower_point(
                network, dataset, center, v, radius if radius > 0 else floor, scale, critical_lower, ball
            )
            if witness is not None:
                cand, step, c_hi = witness
                what = (
                    "the point is exactly critical"
                    if exact_critical
                    else f"a unique critical point lies within {float(delta):.3g} of the point (Krawczyk)"
                )
                steps.append(f"prec {prec}: witness at step {float(step):.3g} ({how})")
                return BoxResult(
                    Verdict.SADDLE,
                    f"{what}; vᵀHv < 0 on the whole box of radius {float(radius):.3g}, so it is not a "
                    f"local minimum; a point at distance {float(step):.3g} along v has loss ≤ "
                    f"{float(c_hi):.17g}, lower by at least {float(critical_lower - c_hi):.3g}",
                    prec,
                    radius=radius + _distance_bound(point, center),
                    proof_radius=radius,
                    center=center,
                    loss_lower=critical_lower,
                    loss_upper=hi,
                    witness=cand,
                    witness_loss_upper=c_hi,
                    steps=tuple(steps),
                )
            last = "no point of provably lower loss was found along the negative-curvature direction"
            steps.append(f"prec {prec}: {last}")
    return BoxResult(None, last, precisions[-1], steps=tuple(steps))


def lower_point(
    network: Network,
    dataset: Dataset,
    center: Point,
    v: Sequence[Fraction],
    step: Fraction,
    scale: float,
    below: Fraction,
    ball: BallArithmetic,
) -> tuple[Point, Fraction, Fraction] | None:
    """The first of center + 2^k·step·v (k = 0, 1, …, up to the point's scale) whose loss is proved
    below ``below``: (point, step, upper bound on its loss), or None."""
    x = center.flatten()
    for _ in range(200):
        cand = Point.unflatten(network, [a + step * b for a, b in zip(x, v, strict=True)])
        cprob = prepare(network, dataset, cand, arith=ball)
        with ball.context():
            value = loss_of_flat(
                network, cprob.inputs, cprob.targets, cprob.flat, arith=ball, masks=cprob.masks
            )
        _, c_hi = ball_bounds(value)
        if c_hi < below:
            return cand, step, c_hi
        step *= 2
        if step > Fraction(scale):
            return None
    return None
