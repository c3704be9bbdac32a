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

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction
from badminima.errors import BackendError, UndecidableSignError
from badminima.landscape.losses import loss_of_flat
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.progress import ProgressHook, report
from badminima.verify.certificate import Verdict
from badminima.verify.curvature import (
    MAX_BALL_HESSIAN,
    RESOLVED,
    Spectrum,
    exact_arb,
    proved_curvature,
    spectrum,
)
from badminima.verify.descent import rational_direction
from badminima.verify.options import DEFAULTS
from badminima.verify.parameter_box import ParameterBox, ball_bounds, norm_upper, strong_convexity_floor
from badminima.verify.polish import polish

PRECISIONS = DEFAULTS.precisions


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


def _stated_box(
    network: Network, dataset: Dataset, point: Point, center: Point, radius: Fraction, precision: int | None
) -> tuple[Fraction, Fraction | None]:
    """The box around the given ``point`` that contains the proving box (centre, radius): its radius
    d + r, and a proved lower bound on every loss in it (ball evaluation over the whole box; None when
    an activation region changes inside it)."""
    stated = radius + _distance_bound(point, center)
    try:
        box = ParameterBox(network, dataset, point, precision)
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
    resolved: float = RESOLVED,
    max_ball_hessian: int = MAX_BALL_HESSIAN,
    progress: ProgressHook | None = None,
) -> BoxResult:
    """Try to prove a strict local minimiser in a box around ``point`` (see the module docstring);
    ``progress`` hears the precision loop and, within it, each box radius tried."""
    eig = np.linalg.eigvalsh(hessian_float)
    steps: list[str] = []
    if not len(eig):
        return BoxResult(None, "no parameters", precisions[0])
    scale = 1 + max((abs(float(v)) for v in point.flatten()), default=0.0)
    last = ""
    # Float64 Newton steps first (cheap), then a step or two in balls at each precision.
    start = polish(
        network, dataset, point, precision=None, hessian=hessian_float, max_ball_hessian=max_ball_hessian
    )
    for k, prec in enumerate(precisions):
        stage = ("box proof of a minimum", k, len(precisions))
        report(progress, *stage, note=f"at {prec} bits: polishing the centre")
        label = f"prec {prec}"
        polished = polish(
            network,
            dataset,
            start.point,
            precision=prec,
            hessian=start.hessian,
            max_ball_hessian=max_ball_hessian,
        )
        center = polished.point
        box = ParameterBox(network, dataset, center, prec)
        spec = spectrum(box, polished.hessian, resolved=resolved, max_ball_hessian=max_ball_hessian)
        if not len(spec.eig) or spec.eig[0] <= 0:
            last = "the Hessian at the polished centre is not positive definite"
            steps.append(f"{label}: {last}")
            continue
        lam = float(spec.eig[0])
        g_up = polished.gradient_bound if polished.gradient_bound is not None else box.gradient_bound()
        floor = Fraction(scale) * Fraction(1, 2 ** (prec // 3))
        radius = max(Fraction(4) * g_up / Fraction(lam), floor)
        for attempt in range(5):
            note = f"at {prec} bits: box {attempt + 1} of at most 5, radius {float(radius):.2g}"
            report(progress, *stage, note=note)
            flat = box.flat(radius)
            if not box.region_holds(flat):
                last = f"a ReLU pre-activation changes sign inside the box of radius {float(radius):.3g}"
                steps.append(f"{label}: {last}")
                radius /= 16
                if radius < floor:
                    break
                continue
            mu, how = proved_curvature(box, radius, spec, max_ball_hessian=max_ball_hessian)
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
                minimiser_lower = strong_convexity_floor(lo, g_up, mu)
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
        return tuple(arb_to_fraction(spec.exact[i, 0]) for i in range(n))  # exact balls: no rounding


def _inverse_guess(spec: Spectrum, n: int, ball: BallArithmetic) -> Any:
    """C ≈ H(centre)⁻¹ as an exact ``arb_mat`` (any C is sound in the Krawczyk test; a good one makes
    it pass). The refined Q·D⁻¹·Qᵀ is formed at the box's precision: at 53 bits, the 1/λ of an eigenvalue
    of 1e-44 is a ball of radius 1e28, and arb trims the product's midpoints to that accuracy, smearing
    1e18-sized errors over the strong directions."""
    if spec.exact is None:
        C = (spec.Q / spec.eig) @ spec.Q.T
        return flint.arb_mat(n, n, [float(C[i, j]) for i in range(n) for j in range(n)])
    Q = spec.exact
    D = flint.arb_mat(n, n, [0] * (n * n))
    with ball.context():
        for i in range(n):
            D[i, i] = 1 / exact_arb(mpmath.mpf(spec.eig[i])) if spec.eig[i] != 0 else 0
        M = Q * D * Q.transpose()
        return flint.arb_mat(n, n, [M[i, j].mid() for i in range(n) for j in range(n)])


def _curvature_along(
    box: ParameterBox, radius: Fraction, v: Sequence[Fraction], max_ball_hessian: int
) -> tuple[Any, Any, str]:
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
            if curv < 0 or n > max_ball_hessian:
                return curv, H, "float64 enclosure"
        if n > max_ball_hessian:
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
    free: Sequence[int] | None = None,
    precisions: Sequence[int] = PRECISIONS,
    resolved: float = RESOLVED,
    max_ball_hessian: int = MAX_BALL_HESSIAN,
    progress: ProgressHook | None = None,
) -> BoxResult:
    """Try to prove a unique critical point near ``point`` with a direction of negative curvature over
    its box, and exhibit a point of lower loss (see the module docstring). ``critical``: the gradient
    at ``point`` is already proved exactly zero (no Krawczyk step needed). ``free``: only these
    coordinates move (polish and Krawczyk on that slice; the others stay at ``point``'s values), so
    what is proved is a unique critical point *of F restricted to the slice* — critical for F only by
    an argument of the caller's (a symmetry's identities). ``progress`` hears the precision loop."""
    eig = np.linalg.eigvalsh(hessian_float)
    top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
    if not len(eig):
        return BoxResult(None, "no parameters", precisions[0])
    n = len(eig)
    scale = 1 + max((abs(float(x)) for x in point.flatten()), default=0.0)
    steps: list[str] = []
    last = ""
    for k, prec in enumerate(precisions):
        report(progress, "box proof of a saddle", k, len(precisions), note=f"at {prec} bits")
        if critical:
            center, hess_center = point, hessian_float
        else:
            polished = polish(
                network,
                dataset,
                point,
                precision=prec,
                hessian=hessian_float,
                max_ball_hessian=max_ball_hessian,
                free=free,
            )
            center, hess_center = polished.point, polished.hessian
        box = ParameterBox(network, dataset, center, prec)
        ball = box.ball
        spec = spectrum(box, hess_center, resolved=resolved, max_ball_hessian=max_ball_hessian)
        if not len(spec.eig) or spec.eig[0] >= 0:
            last = "the Hessian at the polished centre has no negative eigenvalue"
            steps.append(f"prec {prec}: {last}")
            continue
        idx = list(range(n)) if free is None else list(free)
        if free is None:
            singular = np.min(np.abs(spec.eig)) <= 1e-12 * max(1.0, float(np.max(np.abs(spec.eig))))
            if spec.exact is not None:
                singular = bool(np.min(np.abs(spec.eig)) <= 2.0 ** (-prec // 2) * top)
        else:
            slice_eig = np.linalg.eigvalsh(hess_center[np.ix_(idx, idx)])
            singular = bool(np.min(np.abs(slice_eig)) <= 1e-12 * max(1.0, float(np.max(np.abs(slice_eig)))))
        v = _direction(spec, prec)
        g = box.ball_gradient()
        exact_critical = critical or _is_exact_zero(g)
        if singular and not exact_critical:
            last = (
                "the Hessian is singular and the gradient is not exactly zero: the Krawczyk test "
                "needs an invertible Hessian"
            )
            steps.append(f"prec {prec}: {last}")
            continue
        g_up = norm_upper(ball, g)
        floor = Fraction(scale) * Fraction(1, 2 ** (prec // 3))
        m = len(idx)
        if singular:
            C = None
        elif free is None:
            C = _inverse_guess(spec, n, ball)
        else:
            Cs = np.linalg.inv(hess_center[np.ix_(idx, idx)])
            C = flint.arb_mat(m, m, [float(Cs[i, j]) for i in range(m) for j in range(m)])
        g_slice = [g[i] for i in idx]
        with ball.context():
            newton = 0.0 if C is None else float(norm_upper(ball, list(C * flint.arb_mat(m, 1, g_slice))))
        radius = max(Fraction(4 * newton) if newton > 0 else Fraction(0), floor)
        flat = box.flat(radius)
        if not box.region_holds(flat):
            last = "a ReLU pre-activation changes sign inside the box"
            steps.append(f"prec {prec}: {last}")
            continue
        curv, H, how = _curvature_along(box, radius, v, max_ball_hessian)
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
                gm = flint.arb_mat(m, 1, g_slice)
                rad = ball.constant(radius)
                R = flint.arb_mat(m, 1, [flint.arb(0, rad.upper()) for _ in range(m)])
                eye = flint.arb_mat(m, m, [1 if i == j else 0 for i in range(m) for j in range(m)])
                H_slice = H if free is None else flint.arb_mat(m, m, [H[i, j] for i in idx for j in idx])
                K = -(C * gm) + (eye - C * H_slice) * R
                if (
                    not all(abs(K[i, 0]) < rad for i in range(m))
                    and how == "float64 enclosure"
                    and (n <= max_ball_hessian)
                ):
                    # A float64 enclosure is ~1e-16 wide: too wide where ‖C‖ is huge (a tiny eigenvalue).
                    H = box.hessian_balls(radius)
                    how = f"balls at {ball.precision} bits"
                    H_slice = H if free is None else flint.arb_mat(m, m, [H[i, j] for i in idx for j in idx])
                    K = -(C * gm) + (eye - C * H_slice) * R
                if not all(abs(K[i, 0]) < rad for i in range(m)):
                    last = (
                        f"the Krawczyk operator does not map the box of radius {float(radius):.3g} "
                        f"into itself"
                    )
                    steps.append(f"prec {prec}: {last}")
                    continue
                delta = norm_upper(ball, [K[i, 0] for i in range(m)])
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
                    else f"a unique critical point{' of F on the slice' if free is not None else ''} lies "
                    f"within {float(delta):.3g} of the point (Krawczyk)"
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
    doubling = (step * 2**k for k in range(200))
    return first_lower(
        network,
        dataset,
        center,
        v,
        itertools.takewhile(lambda s: s <= Fraction(scale), doubling),
        below,
        ball,
    )


def first_lower(
    network: Network,
    dataset: Dataset,
    center: Point,
    v: Sequence[Fraction],
    steps: Iterable[Fraction],
    below: Fraction,
    ball: BallArithmetic,
) -> tuple[Point, Fraction, Fraction] | None:
    """The first of center + s·v, s in ``steps``, whose loss is proved below ``below`` (balls): (point,
    s, upper bound on its loss), or None."""
    x = center.flatten()
    for step in steps:
        cand = Point.unflatten(network, [a + step * b for a, b in zip(x, v, strict=True)])
        cprob = prepare(network, dataset, cand, arith=ball)
        with ball.context():
            value = loss_of_flat(
                network, cprob.inputs, cprob.targets, cprob.flat, arith=ball, masks=cprob.masks
            )
        _, c_hi = ball_bounds(value)
        if c_hi < below:
            return cand, step, c_hi
    return None
