"""The box proofs for population traps (Safran & Shamir's Gaussian model) on the closed form: the
enclosures, Newton polishing, and the proofs of a strict minimum and of a saddle near a given point.

Minimum (the argument `badminima.verify.box` states): Newton steps (float64, then balls) move the given
point to an exact centre x̃ with a tiny gradient, enclosed in balls: ‖∇F(x̃)‖ ≤ g. Over the box
B = x̃ + [−r, r]^P the geometry the Hessian is made of (norms, cosines, angles, sines, unit normals) is
enclosed in `arb` balls — which fails, and so proves nothing, if a neuron could vanish or two directions
could be parallel in B — and the Hessian is assembled from it in float64 enclosures
(`landscape.population.hessian_from`, the same code as the float Hessian). `curvature_bound` proves
∇²F ⪰ μI on B; when g < μr/2 a unique strict local minimiser lies in B and every loss there is at least
F(x̃) − g²/(2μ).

Saddle: the Krawczyk test (`badminima.verify.krawczyk`) on the same Hessian enclosure proves a unique
critical point x* in the box, vᵀ∇²F v < 0 over the whole box proves x* is no local minimum, and a point
x̃ + t·v whose loss is proved below every loss near x* is exhibited.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import torch

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic, lower_bound
from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.landscape.population import (
    Pairs,
    hessian_from,
    output_energy,
    pairs,
    population_gradient,
    population_hessian,
    population_loss,
)
from badminima.verify.curvature import curvature_bound
from badminima.verify.krawczyk import inside_radius, krawczyk_offset
from badminima.verify.parameter_box import ball_bounds, norm_upper

Rows = list[list[Fraction]]
PRECISIONS = (128, 256)
NO_HESSIAN = (
    "the closed-form Hessian is not defined at the point (a neuron is zero, or parallel to another "
    "neuron or to a teacher neuron)"
)


def floats(rows: Rows) -> torch.Tensor:
    """The rows as a float64 tensor."""
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


def enclose_better_loss(rows: Rows, teacher: Rows, *, precision: int = 128) -> Any:
    """F at a better point, as one `arb` ball: exactly 0 when its neurons are the teacher's (the same
    function), ½E[(Σ relu(x·x))²] over the extra neurons x when they are the teacher's and more
    (`output_energy`: a teacher row with non-dyadic entries, enclosed against itself, would give
    cos θ = 1 ± ε and no enclosure), else `enclose_loss`. Row equality is decided exactly.

    Example (the teacher rotated by (3/5, 4/5): exactly 0):
        >>> F = Fraction
        >>> V = [[F(3, 5), F(4, 5)], [F(-4, 5), F(3, 5)]]
        >>> enclose_better_loss(V, V).is_zero()
        True
    """
    extra = Counter(tuple(r) for r in rows)
    extra.subtract(Counter(tuple(r) for r in teacher))
    if any(c < 0 for c in extra.values()):
        return enclose_loss(rows, teacher, precision=precision)
    rest = [list(r) for r, c in extra.items() for _ in range(c)]
    if not rest:
        return flint.arb(0)
    ball = BallArithmetic(precision)
    with ball.context():
        return output_energy(_balls(ball, rest), arith=ball)


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
    V = floats(teacher)
    x = [list(r) for r in rows]
    k, n = len(x), len(x[0])
    hess = population_hessian(floats(x), V, arith=f).numpy() if hessian is None else hessian
    best: Polished | None = None
    for _ in range(steps):
        if precision is None:
            g = population_gradient(floats(x), V, arith=f).numpy().ravel()
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
