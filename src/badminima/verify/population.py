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

Only minima are proved here; anything else is ``inconclusive`` with the reason.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import torch

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic
from badminima.arithmetic.floating import DTYPE, FloatArithmetic
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
from badminima.verify.curvature import curvature_bound
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


def _distance(a: Rows, b: Rows) -> Fraction:
    return max(abs(x - y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True))


def _diagnostics(rows: Rows, teacher: Rows, hessian: np.ndarray) -> Diagnostics:
    g = float(population_gradient(_floats(rows), _floats(teacher), arith=FloatArithmetic()).norm())
    if not np.all(np.isfinite(hessian)):
        return Diagnostics(g, (), 0, (), 0.0, False)
    eig = tuple(float(e) for e in np.linalg.eigvalsh(hessian))
    return Diagnostics(g, eig, 0, (), 0.0, g < 1e-6 and eig[0] > 0)


def certify_population(trap: PopulationTrap, *, precisions: Sequence[int] = PRECISIONS) -> Certificate:
    """Prove what the trap's point is: ``bad-local-min`` (a strict local minimiser in a stated box, every
    loss in it above the better point's), ``local-min`` (no better point, or a gap not proved), or
    ``inconclusive`` with the reason. Rigor ``interval``.

    Example:
        >>> from badminima.constructions.safran_shamir import safran_shamir
        >>> certify_population(safran_shamir(7)).verdict.value
        'bad-local-min'
    """
    start = time.perf_counter()
    rows = [list(r) for r in trap.point.layers[0].W]
    teacher = [list(r) for r in trap.population.teacher_rows]
    loss_ball = enclose_loss(rows, teacher)
    better_ball = (
        None if trap.better is None else enclose_loss([list(r) for r in trap.better.layers[0].W], teacher)
    )
    better_upper = None if better_ball is None else ball_bounds(better_ball)[1]
    hessian = population_hessian(_floats(rows), _floats(teacher), arith=FloatArithmetic()).numpy()
    diag = _diagnostics(rows, teacher, hessian)
    proof = prove_minimum(rows, teacher, precisions=precisions, hessian=hessian)

    def cert(verdict: Verdict, reason: str, **kw: Any) -> Certificate:
        fields: dict[str, Any] = dict(
            loss_lower=None,
            loss_upper=None,
            gap_lower=None,
            box_radius=None,
            box_center=None,
            proof_radius=None,
            min_eigenvalue_bound=None,
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
            witness=None,
            witness_loss_upper=None,
            seconds=time.perf_counter() - start,
            diagnostics=diag,
            **fields,
        )

    if not isinstance(proof, MinimumProof):
        reason, steps = proof
        return cert(Verdict.INCONCLUSIVE, f"no minimum proved: {reason}", steps=steps)
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
            f"{float(better_upper):.3g}",
            gap_lower=gap,
            **common,
        )
    note = "" if better_upper is None else "; the better point is not proved lower"
    return cert(Verdict.LOCAL_MIN, why + note, **common)
