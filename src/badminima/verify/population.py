"""Certificates for population traps (Safran & Shamir's Gaussian model): the box method on the closed form.

The argument is the one `badminima.verify.box` states. Newton steps (float64, then balls) move the given
point to an exact centre x̃ with a tiny gradient, enclosed in balls: ‖∇F(x̃)‖ ≤ g. Over the box
B = x̃ + [−r, r]^P the geometry the Hessian is made of (norms, cosines, angles, sines, unit normals) is
enclosed in `arb` balls — which fails, and so proves nothing, if a neuron could vanish or two directions
could be parallel in B — and the Hessian is assembled from it in float64 enclosures
(`landscape.population.hessian_from`, the same code as the float Hessian). `curvature_bound` proves
∇²F ⪰ μI on B; when g < μr/2 a unique strict local minimiser lies in B and every loss there is at least
F(x̃) − g²/(2μ). The better point (the teacher, for a realisable one: loss 0) has its loss enclosed in
balls, and the verdict is ``bad-local-min`` when it is provably below every loss in the stated box.

Saddles: the Krawczyk test (`badminima.verify.krawczyk`) on the same Hessian enclosure proves a unique
critical point x* in the box, vᵀ∇²F v < 0 over the whole box proves x* is no local minimum, and a point
x̃ + t·v whose loss is proved below every loss near x* is exhibited. A gradient entry whose ball excludes
zero proves the given point not critical (with a lower point along −∇F), unless the point is a rounded
critical point that could not be classified (``near-critical-set``, as for finite data). Anything else
is ``inconclusive`` with the reason.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import torch

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic, lower_bound
from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.errors import BackendError
from badminima.landscape.population import (
    Pairs,
    hessian_from,
    pairs,
    population_gradient,
    population_hessian,
    population_loss,
)
from badminima.model.population import PopulationTrap, student_point
from badminima.verify.certificate import Certificate, Diagnostics, Verdict
from badminima.verify.certification import _at_rounding_level
from badminima.verify.curvature import curvature_bound
from badminima.verify.krawczyk import inside_radius, krawczyk_offset
from badminima.verify.options import DEFAULTS
from badminima.verify.parameter_box import ball_bounds, norm_upper

Rows = list[list[Fraction]]
PRECISIONS = (128, 256)
NO_HESSIAN = (
    "the closed-form Hessian is not defined at the point (a neuron is zero, or parallel to another "
    "neuron or to a teacher neuron)"
)


def _floats(rows: Rows) -> torch.Tensor:
    return torch.tensor([[float(v) for v in r] for r in rows], dtype=DTYPE)


def _balls(ball: BallArithmetic, rows: Rows, radius: Fraction = Fraction(0)) -> np.ndarray:
    """The rows as `arb` balls, each widened by ``radius`` (call inside ``ball.context()``)."""
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    rad = ball.constant(radius).upper() if radius else flint.arb(0)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            out[i, j] = ball.constant(v) + flint.arb(0, rad) if radius else ball.constant(v)
    return out


def enclose_loss(rows: Rows, teacher: Rows, *, precision: int = 128, radius: Fraction = Fraction(0)) -> Any:
    """F over the box of ``radius`` (∞-norm) around ``rows``, as one `arb` ball.

    Example (the teacher's own loss is 0):
        >>> eye = [[Fraction(int(i == j)) for j in range(3)] for i in range(3)]
        >>> ball_bounds(enclose_loss(eye, eye))[1] < Fraction(1, 10**30)
        True
    """
    ball = BallArithmetic(precision)
    with ball.context():
        return population_loss(_balls(ball, rows, radius), _balls(ball, teacher), arith=ball)


def gradient_balls(rows: Rows, teacher: Rows, *, precision: int) -> list[Any]:
    """∇F at the exact point ``rows`` in `arb` balls, flattened row-major."""
    ball = BallArithmetic(precision)
    with ball.context():
        g = population_gradient(_balls(ball, rows), _balls(ball, teacher), arith=ball)
    return list(np.asarray(g, dtype=object).ravel())


def _enclosed(p: Pairs) -> Pairs:
    def enc(x: Any) -> Any:
        return None if x is None else Enclosure.of_balls(np.asarray(x, dtype=object))

    return Pairs(*(enc(getattr(p, f)) for f in Pairs.__dataclass_fields__))


def box_hessian(rows: Rows, teacher: Rows, radius: Fraction, *, precision: int = 128) -> Enclosure:
    """An enclosure of ∇²F over the whole box of ``radius`` (∞-norm) around ``rows``: the geometry in
    balls, the assembly in float64 enclosures (see the module docstring)."""
    ball = BallArithmetic(precision)
    with ball.context():
        W, V = _balls(ball, rows, radius), _balls(ball, teacher)
        student, cross = pairs(W, W, arith=ball, same=True), pairs(W, V, arith=ball)
    return hessian_from(_enclosed(student), _enclosed(cross), arith=EnclosureArithmetic())


@dataclass(frozen=True)
class Polished:
    """An exact centre, the float Hessian there, and its float gradient norm."""

    rows: Rows
    hessian: np.ndarray
    gradient_norm: float


def polish(
    rows: Rows,
    teacher: Rows,
    *,
    precision: int | None = None,
    hessian: np.ndarray | None = None,
    steps: int = 8,
) -> Polished:
    """Newton steps x ← x − H̃⁻¹∇F(x), the gradient in float64 (``precision`` None) or in balls, H̃ the
    float Hessian at the start (``hessian``, or computed): the given point is accurate to many digits,
    so a fixed H̃ converges fast. A starting point for the proof, never part of it."""
    f = FloatArithmetic()
    V = _floats(teacher)
    x = [list(r) for r in rows]
    k, n = len(x), len(x[0])
    hess = population_hessian(_floats(x), V, arith=f).numpy() if hessian is None else hessian
    best: Polished | None = None
    for _ in range(steps):
        if precision is None:
            g = population_gradient(_floats(x), V, arith=f).numpy().ravel()
        else:
            g = np.array([float(v.mid()) for v in gradient_balls(x, teacher, precision=precision)])
        norm = float(np.linalg.norm(g))
        if not math.isfinite(norm) or (best is not None and norm >= best.gradient_norm):
            break
        best = Polished([list(r) for r in x], hess, norm)
        if norm == 0:
            break
        step = np.linalg.solve(hess, g)
        flat = [v - Fraction(float(d)) for v, d in zip((v for r in x for v in r), step, strict=True)]
        x = [flat[i * n : (i + 1) * n] for i in range(k)]
    assert best is not None
    return best


@dataclass(frozen=True)
class MinimumProof:
    """A proved strict local minimiser within ``proof_radius`` of ``center``, with ∇²F ⪰ ``mu``·I there."""

    center: Rows
    proof_radius: Fraction
    mu: Fraction
    gradient_upper: Fraction
    precision: int
    steps: tuple[str, ...]


def prove_minimum(
    rows: Rows, teacher: Rows, *, precisions: Sequence[int] = PRECISIONS, hessian: np.ndarray | None = None
) -> MinimumProof | tuple[str, tuple[str, ...]]:
    """The box proof of a strict local minimum near ``rows`` (``hessian``: the float Hessian there, if
    known), or (reason, steps) when it fails."""
    steps: list[str] = []
    if hessian is not None and not np.all(np.isfinite(hessian)):
        return NO_HESSIAN, ()
    start = polish(rows, teacher, hessian=hessian)
    eig = np.linalg.eigvalsh(start.hessian)
    if not eig[0] > 0:
        return f"the float Hessian has eigenvalue {eig[0]:.3g} ≤ 0: not a minimum to prove", ()
    scale = 1 + max(abs(float(v)) for r in rows for v in r)
    last = ""
    for prec in precisions:
        label = f"prec {prec}"
        polished = polish(start.rows, teacher, precision=prec, hessian=start.hessian, steps=3)
        eig, Q = np.linalg.eigh(polished.hessian)
        g_up = norm_upper(BallArithmetic(prec), gradient_balls(polished.rows, teacher, precision=prec))
        floor = Fraction(scale) * Fraction(1, 2 ** (prec // 3))
        radius = max(Fraction(4) * g_up / Fraction(float(eig[0])), floor)
        for _attempt in range(4):
            mu = curvature_bound(box_hessian(polished.rows, teacher, radius, precision=prec), Q)
            if mu is None:
                last = f"the Hessian is not proved positive definite on the box of radius {float(radius):.3g}"
                steps.append(f"{label}: {last}")
                if radius / 16 < floor:
                    break
                radius /= 16
                continue
            if g_up < mu * radius / 2:
                steps.append(f"{label}: μ ≥ {float(mu):.3g} on the box of radius {float(radius):.3g}")
                return MinimumProof(polished.rows, radius, mu, g_up, prec, tuple(steps))
            last = f"‖∇F‖ ≤ {float(g_up):.3g} is not below μr/2 = {float(mu * radius / 2):.3g}"
            steps.append(f"{label}: {last}")
            radius = Fraction(4) * g_up / mu
    return last or "no box was tried", tuple(steps)


@dataclass(frozen=True)
class SaddleProof:
    """A proved critical point within ``delta`` of ``center`` (Krawczyk, on the box of ``proof_radius``),
    vᵀ∇²F v ≤ ``curvature_upper`` < 0 on that box, the critical point's loss in [``loss_lower``,
    ``loss_upper``], and a ``witness`` at distance ``step`` along v with loss ≤ ``witness_upper`` <
    ``loss_lower``."""

    center: Rows
    proof_radius: Fraction
    delta: Fraction
    curvature_upper: Fraction
    loss_lower: Fraction
    loss_upper: Fraction
    witness: Rows
    step: Fraction
    witness_upper: Fraction
    precision: int
    steps: tuple[str, ...]


def _shift(rows: Rows, direction: Sequence[Fraction], t: Fraction) -> Rows:
    n = len(rows[0])
    flat = [v + t * d for v, d in zip((v for r in rows for v in r), direction, strict=True)]
    return [flat[i * n : (i + 1) * n] for i in range(len(rows))]


def lower_point(
    rows: Rows,
    teacher: Rows,
    direction: Sequence[Fraction],
    *,
    below: Fraction,
    start: Fraction,
    limit: Fraction,
    precision: int,
    grow: Fraction,
) -> tuple[Rows, Fraction, Fraction] | None:
    """The first of rows + t·direction, t = start, start·grow, … (while t stays within ``limit``)
    whose population loss is proved below ``below``: (point, t, upper bound on its loss), or None."""
    t = start
    for _ in range(200):
        if not (Fraction(0) < t <= limit):
            return None
        cand = _shift(rows, direction, t)
        value = enclose_loss(cand, teacher, precision=precision)
        if value.is_finite() and ball_bounds(value)[1] < below:
            hi = ball_bounds(value)[1]
            return cand, t, hi
        t *= grow
    return None


def prove_saddle(
    rows: Rows, teacher: Rows, *, precisions: Sequence[int] = PRECISIONS, hessian: np.ndarray | None = None
) -> SaddleProof | tuple[str, tuple[str, ...]]:
    """The proof of a saddle near ``rows``: Newton steps to an exact centre c; the Krawczyk test on the
    box of radius r around c proves a unique critical point x* within δ of c; vᵀ∇²F v < 0 over the whole
    box (v: the float Hessian's lowest eigenvector, the Hessian enclosed as in `box_hessian`) proves
    x* is not a local minimum; and a point c + t·v whose loss is proved below every loss within δ of c
    is exhibited. Returns (reason, steps) when a step fails."""
    if hessian is not None and not np.all(np.isfinite(hessian)):
        return NO_HESSIAN, ()
    start = polish(rows, teacher, hessian=hessian)
    if not math.isfinite(start.gradient_norm):
        return NO_HESSIAN, ()
    eig = np.linalg.eigvalsh(start.hessian)
    if not eig[0] < 0:
        return f"the float Hessian has no negative eigenvalue (smallest {eig[0]:.3g})", ()
    scale = Fraction(1 + max(abs(float(v)) for r in rows for v in r))
    steps: list[str] = []
    last = ""
    for prec in precisions:
        label = f"prec {prec}"
        polished = polish(start.rows, teacher, precision=prec, hessian=start.hessian, steps=3)
        eig, Q = np.linalg.eigh(polished.hessian)
        if float(np.min(np.abs(eig))) <= 1e-12 * max(1.0, float(np.max(np.abs(eig)))):
            return "the Hessian is singular: the Krawczyk test needs an invertible Hessian", tuple(steps)
        C = (Q / eig) @ Q.T
        g = Enclosure.of_balls(np.array(gradient_balls(polished.rows, teacher, precision=prec), dtype=object))
        newton = float((Enclosure.exact(C) @ g).upper_abs().max())
        floor = scale * Fraction(1, 2 ** (prec // 3))
        radius = inside_radius(max(Fraction(4 * newton), floor))
        H = box_hessian(polished.rows, teacher, Fraction(radius), precision=prec)
        v = Q[:, 0]
        curvature = Enclosure.exact(v) @ H @ Enclosure.exact(v)
        if not (H.is_finite() and curvature.is_finite()):
            last = f"the Hessian could not be enclosed on the box of radius {radius:.3g}"
            steps.append(f"{label}: {last}")
            continue
        curv_upper = -float(lower_bound(-curvature.mid, curvature.rad))
        if not curv_upper < 0:
            last = f"vᵀHv is not proved negative on the box of radius {radius:.3g}"
            steps.append(f"{label}: {last}")
            continue
        delta = krawczyk_offset(g, C, H, radius)
        if delta is None:
            last = f"the Krawczyk operator does not map the box of radius {radius:.3g} into itself"
            steps.append(f"{label}: {last}")
            continue
        near = enclose_loss(polished.rows, teacher, precision=prec, radius=Fraction(delta))
        lo, hi = ball_bounds(near)
        direction = [Fraction(float(x)) for x in v]
        found = lower_point(
            polished.rows,
            teacher,
            direction,
            below=lo,
            start=max(Fraction(radius), floor),
            limit=scale,
            precision=prec,
            grow=Fraction(2),
        )
        if found is None:
            last = "no point of provably lower loss was found along the negative-curvature direction"
            steps.append(f"{label}: {last}")
            continue
        witness, t, w_hi = found
        steps.append(
            f"{label}: Krawczyk δ ≤ {delta:.3g} in the box of radius {radius:.3g}; vᵀHv ≤ {curv_upper:.3g}"
        )
        return SaddleProof(
            polished.rows,
            Fraction(radius),
            Fraction(delta),
            Fraction(curv_upper),
            lo,
            hi,
            witness,
            t,
            w_hi,
            prec,
            tuple(steps),
        )
    return last or "no box was tried", tuple(steps)


def _distance(a: Rows, b: Rows) -> Fraction:
    return max(abs(x - y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True))


def _diagnostics(rows: Rows, teacher: Rows, hessian: np.ndarray) -> Diagnostics:
    g = float(population_gradient(_floats(rows), _floats(teacher), arith=FloatArithmetic()).norm())
    if not np.all(np.isfinite(hessian)):
        return Diagnostics(g, (), 0, (), 0.0, False)
    eig = tuple(float(e) for e in np.linalg.eigvalsh(hessian))
    return Diagnostics(g, eig, 0, (), 0.0, g < 1e-6 and eig[0] > 0)


def _descent(
    rows: Rows, teacher: Rows, g_mid: np.ndarray, below: Fraction
) -> tuple[Rows, Fraction, Fraction] | None:
    """A point x − t·g (g the float gradient) proved below ``below``, t halving from 1/‖g‖."""
    norm = float(np.linalg.norm(g_mid))
    if not norm > 0:
        return None
    direction = [Fraction(-float(x)) for x in g_mid]
    scale = Fraction(1 + max(abs(float(v)) for r in rows for v in r))
    return lower_point(
        rows,
        teacher,
        direction,
        below=below,
        start=Fraction(1 / norm) * min(scale, Fraction(1)) / 4,
        limit=scale,
        precision=PRECISIONS[0],
        grow=Fraction(1, 2),
    )


def certify_population(
    trap: PopulationTrap, *, precisions: Sequence[int] = PRECISIONS, literal: bool = False
) -> Certificate:
    """Prove what the trap's point is, rigor ``interval``: ``bad-local-min`` (a strict local minimiser
    in a stated box, every loss in it above the better point's), ``local-min`` (no better point, or a
    gap not proved), ``saddle`` (a critical point in a stated box with negative curvature over the box,
    and a lower point exhibited), ``not-critical`` (a gradient entry proved non-zero at the given point,
    and a lower point along −∇F), or ``inconclusive`` with the reason.

    As for finite data (`badminima.verify.certification`), a point written to many digits next to a critical
    point is taken as that critical point: a non-zero gradient at its rounding level gives
    ``inconclusive`` (code ``near-critical-set``) when the critical point cannot be classified, never
    ``not-critical``; ``literal`` answers about the given digits.

    Example:
        >>> from badminima.constructions.safran_shamir import safran_shamir
        >>> certify_population(safran_shamir(7)).verdict.value
        'bad-local-min'
    """
    start = time.perf_counter()
    try:
        return _certify(trap, precisions=precisions, literal=literal, start=start)
    except BackendError as exc:  # an enclosure overflowed or came out NaN: nothing proved, say so
        return Certificate(
            verdict=Verdict.INCONCLUSIVE,
            rigor="interval",
            method="population-box",
            reason=f"ball arithmetic failed: {exc}",
            loss="unknown",
            loss_lower=None,
            loss_upper=None,
            better_loss=None,
            better_loss_upper=None,
            gap_lower=None,
            box_radius=None,
            box_center=None,
            proof_radius=None,
            min_eigenvalue_bound=None,
            witness=None,
            witness_loss_upper=None,
            seconds=time.perf_counter() - start,
            diagnostics=None,
            code="arithmetic-failed",
        )


def _certify(trap: PopulationTrap, *, precisions: Sequence[int], literal: bool, start: float) -> Certificate:
    rows = [list(r) for r in trap.point.layers[0].W]
    teacher = [list(r) for r in trap.population.teacher_rows]
    loss_ball = enclose_loss(rows, teacher)
    better_ball = (
        None if trap.better is None else enclose_loss([list(r) for r in trap.better.layers[0].W], teacher)
    )
    better_upper = None if better_ball is None else ball_bounds(better_ball)[1]
    hessian = population_hessian(_floats(rows), _floats(teacher), arith=FloatArithmetic()).numpy()
    diag = _diagnostics(rows, teacher, hessian)

    def cert(verdict: Verdict, reason: str, code: str, **kw: Any) -> Certificate:
        fields: dict[str, Any] = dict(
            loss_lower=None,
            loss_upper=None,
            gap_lower=None,
            box_radius=None,
            box_center=None,
            proof_radius=None,
            min_eigenvalue_bound=None,
            witness=None,
            witness_loss_upper=None,
            steps=(),
        )
        fields.update(kw)
        return Certificate(
            verdict=verdict,
            rigor="interval",
            method="population-box",
            reason=reason,
            loss=loss_ball.str(20, radius=True),
            better_loss=None if better_ball is None else better_ball.str(20, radius=True),
            better_loss_upper=better_upper,
            seconds=time.perf_counter() - start,
            diagnostics=diag,
            code=code,
            **fields,
        )

    ball = BallArithmetic(PRECISIONS[0])
    g = gradient_balls(rows, teacher, precision=PRECISIONS[0])
    signs = [ball.sign(b) for b in g]
    nonzero = [i for i, s in enumerate(signs) if s not in (0, None)]
    g_mid = np.array([float(b.mid()) for b in g])
    finite = bool(np.all(np.isfinite(hessian)) and np.all(np.isfinite(g_mid)))
    eig = np.linalg.eigvalsh(hessian) if finite else np.zeros(0)
    top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
    scale = 1 + max(abs(float(v)) for r in rows for v in r)
    newton = float(np.linalg.norm(np.linalg.lstsq(hessian, g_mid, rcond=1e-13)[0])) if finite else math.inf
    near = newton <= DEFAULTS.near_critical * scale
    not_at_point = (
        f"; the given point itself is not critical (gradient entry {nonzero[0]} is proved non-zero): the "
        f"verdict is about the critical point in the box"
        if nonzero
        else ""
    )
    tried: list[str] = []
    steps: list[str] = []
    if near and eig[0] > 0:
        proof = prove_minimum(rows, teacher, precisions=precisions, hessian=hessian)
        if isinstance(proof, MinimumProof):
            return _minimum_certificate(proof, rows, teacher, better_upper, cert, not_at_point)
        reason, more = proof
        tried.append(f"no minimum proved: {reason}")
        steps += more
    if near and eig[0] < 0:
        saddle = prove_saddle(rows, teacher, precisions=precisions, hessian=hessian)
        if isinstance(saddle, SaddleProof):
            stated = saddle.proof_radius + _distance(rows, saddle.center)
            return cert(
                Verdict.SADDLE,
                f"a unique critical point lies within {float(saddle.delta):.3g} of box_center (Krawczyk); "
                f"vᵀ∇²F v ≤ {float(saddle.curvature_upper):.3g} < 0 on the whole box of radius "
                f"{float(saddle.proof_radius):.3g} around it, so it is not a local minimum; the point at "
                f"distance {float(saddle.step):.3g} along v has population loss ≤ "
                f"{float(saddle.witness_upper):.17g}, below the critical point's ≥ "
                f"{float(saddle.loss_lower):.17g}{not_at_point}",
                "krawczyk-saddle",
                loss_lower=saddle.loss_lower,
                loss_upper=saddle.loss_upper,
                box_radius=stated,
                box_center=student_point(saddle.center),
                proof_radius=saddle.proof_radius,
                witness=student_point(saddle.witness),
                witness_loss_upper=saddle.witness_upper,
                steps=(*steps, *saddle.steps),
            )
        reason, more = saddle
        tried.append(f"no saddle proved: {reason}")
        steps += more
    if not finite:
        tried.append(NO_HESSIAN)
    elif not near:
        tried.append(f"no critical point nearby (Newton step {newton:.3g})")
    elif eig[0] == 0:
        tried.append("the float Hessian is singular: the box tests need a definite direction")
    why = "; ".join(tried)
    if nonzero:
        i = max(nonzero, key=lambda j: abs(float(g[j].mid())))
        rho = None if literal or not finite else _at_rounding_level(trap.point, g_mid, hessian, newton, top)
        if rho is not None:
            return cert(
                Verdict.INCONCLUSIVE,
                f"within {newton:.2g} (Newton step) of a critical point, and the point's numbers are written "
                f"to a rounding scale of {float(rho):.2g}: gradient entry {i} is non-zero at the given point "
                f"(in {g[i].str(radius=True)}), but that is a fact about its digits; the nearby critical "
                f"point could not be classified ({why}). literal=True answers about the given numbers",
                "near-critical-set",
                steps=tuple(steps),
            )
        # a point where the closed form is singular (parallel rows) has no loss enclosure: no witness
        found = _descent(rows, teacher, g_mid, ball_bounds(loss_ball)[0]) if loss_ball.is_finite() else None
        witness: dict[str, Any] = {}
        descent = ""
        if found is not None:
            w_rows, t, w_hi = found
            witness = dict(witness=student_point(w_rows), witness_loss_upper=w_hi)
            descent = (
                f"; the point x − t·∇F with t = {float(t):.3g} has population loss ≤ {float(w_hi):.17g}, "
                f"below the point's ≥ {float(ball_bounds(loss_ball)[0]):.17g}"
            )
        return cert(
            Verdict.NOT_CRITICAL,
            f"gradient entry {i} is proved non-zero (in {g[i].str(radius=True)}){descent}"
            + (f"; {why}" if why else ""),
            "gradient-nonzero",
            steps=tuple(steps),
            **witness,
        )
    return cert(
        Verdict.INCONCLUSIVE,
        f"{why or 'nothing proved'}; the gradient is not proved non-zero. A small gradient with a positive "
        f"semidefinite Hessian is not a proof of a minimum",
        "no-proof",
        steps=tuple(steps),
    )


def _minimum_certificate(
    proof: MinimumProof,
    rows: Rows,
    teacher: Rows,
    better_upper: Fraction | None,
    cert: Callable[..., Certificate],
    note: str,
) -> Certificate:
    """The ``bad-local-min`` or ``local-min`` certificate of a proved minimum."""
    lo, hi = ball_bounds(enclose_loss(proof.center, teacher, precision=proof.precision))
    floor = lo - proof.gradient_upper**2 / (2 * proof.mu)
    stated = proof.proof_radius + _distance(rows, proof.center)
    box_lo = ball_bounds(enclose_loss(rows, teacher, precision=proof.precision, radius=stated))[0]
    lowest = min(box_lo, floor)
    common: dict[str, Any] = dict(
        loss_lower=floor,
        loss_upper=hi,
        box_radius=stated,
        box_center=student_point(proof.center),
        proof_radius=proof.proof_radius,
        min_eigenvalue_bound=proof.mu,
        steps=proof.steps,
    )
    why = (
        f"the Hessian is ≥ {float(proof.mu):.3g}·I on the whole box of radius "
        f"{float(proof.proof_radius):.3g} around box_center and ‖∇F(box_center)‖ ≤ "
        f"{float(proof.gradient_upper):.3g} < μr/2: a unique strict local minimiser lies "
        f"in it, so within {float(stated):.3g} (∞-norm) of the given point"
    )
    if better_upper is not None and lowest - better_upper > 0:
        gap = lowest - better_upper
        return cert(
            Verdict.BAD_LOCAL_MIN,
            f"{why}; every population loss in that box is ≥ {float(lowest):.6g}, above the better point's "
            f"{float(better_upper):.3g}{note}",
            "strong-convexity-box",
            gap_lower=gap,
            **common,
        )
    extra = "" if better_upper is None else "; the better point is not proved lower"
    return cert(Verdict.LOCAL_MIN, why + extra + note, "strong-convexity-box", **common)
