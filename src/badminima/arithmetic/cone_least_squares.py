"""Exact least squares over a polyhedral cone: min ‖y − M u‖² subject to C u ≥ 0, over the rationals.

The feasible predictions ``K = {M u : C u ≥ 0}`` form a closed polyhedral cone, and the problem is the
squared distance from ``y`` to K. It is solved by enumerating *faces*: for a set S of constraint rows
(linearly independent) held at equality, the face problem is ordinary least squares over the subspace
``M·null(C_S)``, with residual ``r = y − M u``. Its multipliers λ solve ``C_Sᵀ λ = −Mᵀ r``.

*Why a face's answer is a proof (weak duality).* If λ ≥ 0, then for every feasible u
``r·M u = (Mᵀ r)·u = −λᵀ C_S u ≤ 0``, i.e. r lies in the polar cone K°, and then for every q ∈ K

    ‖y − q‖² = ‖r + (y − r − q)‖² ≥ ‖r‖² + 2 r·(y − r) − 2 r·q ≥ 2 r·y − ‖r‖²,

so ``2 r·y − ‖r‖²`` is a lower bound on the minimum, whatever else is true of the face. When the face's
u is also feasible (C u ≥ 0), its value ‖r‖² is attained: the bound is the minimum.

*Why some face attains it (completeness).* The minimum is attained at some u* (K is closed), and the KKT
conditions hold with multipliers λ* ≥ 0 on the active rows; a vertex of the polyhedron of such λ* has
linearly independent support S. u* minimises the objective on ``null(C_S)`` (its gradient
``C_Sᵀ λ*`` is orthogonal to it), the projection onto ``M·null(C_S)`` is unique, so the face S gives
r = r* and λ = λ* ≥ 0, with the bound ``2 r*·y − ‖r*‖² = ‖r*‖²`` (complementary slackness). Only the
faces are enumerated (2^rows of them), so the caller bounds the number of rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint

from badminima.arithmetic.flint_bridge import to_fmpq
from badminima.arithmetic.least_squares import dot, least_squares, null_space, pivots

Vector = tuple[Fraction, ...]


@dataclass(frozen=True)
class ConeFit:
    """The result of `cone_least_squares`.

    ``value`` is a proved lower bound on min ‖y − M u‖² over C u ≥ 0, and the minimum itself when
    ``exact`` (the certifying face's ``coefficients`` u are then feasible and attain it). ``residual``
    is that face's r = y − M u, proved to lie in the polar cone of K = {M u : C u ≥ 0} (r·q ≤ 0 for every
    q ∈ K) by the ``multipliers`` λ ≥ 0 (one per constraint row, zero off the face)."""

    value: Fraction
    exact: bool
    residual: Vector
    coefficients: Vector
    multipliers: Vector


def _solve_exact(columns: Sequence[Vector], target: Vector) -> Vector | None:
    """Coefficients λ with Σ λ_k columns[k] = target exactly (columns independent), or None."""
    if not columns:
        return () if not any(target) else None
    coef, fitted = least_squares(columns, target)
    return tuple(coef) if tuple(fitted) == tuple(target) else None


def cone_least_squares(
    columns: Sequence[Sequence[Fraction]],
    constraints: Sequence[Sequence[Fraction]],
    y: Sequence[Fraction],
    *,
    max_faces: int,
) -> ConeFit | None:
    """Exact min ‖y − Σ_j u_j columns[j]‖² subject to ``row·u ≥ 0`` for every row of ``constraints``,
    by enumerating faces (see the module docstring); None when it would take more than ``max_faces``
    face problems, or when no face certifies a bound (not expected: see the completeness argument).

    Example (distance from (1, −1) to the first quadrant: cone{e₁, e₂}):
        >>> F = Fraction
        >>> e1, e2 = (F(1), F(0)), (F(0), F(1))
        >>> fit = cone_least_squares([e1, e2], [e1, e2], [F(1), F(-1)], max_faces=4)
        >>> fit.value, fit.exact, fit.residual
        (Fraction(1, 1), True, (Fraction(0, 1), Fraction(-1, 1)))
    """
    target = tuple(Fraction(v) for v in y)
    n_var = len(columns)
    everything = [tuple(Fraction(v) for v in r) for r in constraints]
    kept = [k for k, r in enumerate(everything) if any(r)]  # a zero row constrains nothing
    rows = [everything[k] for k in kept]
    if 2 ** len(rows) > max_faces:
        return None
    cols = [tuple(Fraction(v) for v in c) for c in columns]
    best: ConeFit | None = None
    for size in range(len(rows) + 1):
        for face in itertools.combinations(range(len(rows)), size):
            held = [rows[k] for k in face]
            if held and flint.fmpq_mat(len(held), n_var, [to_fmpq(v) for r in held for v in r]).rank() < size:
                continue
            basis = null_space(held, n_var)
            reduced = [
                tuple(
                    sum((b[j] * cols[j][i] for j in range(n_var) if b[j]), Fraction(0))
                    for i in range(len(target))
                )
                for b in basis
            ]
            xi, fitted = least_squares(reduced, target) if reduced else ([], [Fraction(0)] * len(target))
            u = tuple(
                sum((x * b[j] for x, b in zip(xi, basis, strict=True)), Fraction(0)) for j in range(n_var)
            )
            r = tuple(a - b for a, b in zip(target, fitted, strict=True))
            gradient = tuple(-dot(c, r) for c in cols)  # = C_Sᵀ λ
            lam = _solve_exact([tuple(h[j] for j in range(n_var)) for h in held], gradient)
            if lam is None or any(v < 0 for v in lam):
                continue
            multipliers = [Fraction(0)] * len(everything)
            for k, v in zip(face, lam, strict=True):
                multipliers[kept[k]] = v
            value = 2 * dot(r, target) - dot(r, r)
            feasible = all(dot(row, u) >= 0 for row in rows)
            fit = ConeFit(value, feasible, r, u, tuple(multipliers))
            if feasible:
                return fit
            if best is None or value > best.value:
                best = fit
    return best


def membership_systems(count: int, dim: int) -> int:
    """How many exact systems `in_cone` solves at most for ``count`` generators in dimension ``dim``.

    Example:
        >>> membership_systems(7, 2)
        29
    """
    return sum(math.comb(count, size) for size in range(min(count, dim) + 1))


def in_cone(generators: Sequence[tuple[Fraction, ...]], target: tuple[Fraction, ...]) -> bool:
    """Whether ``target`` is a non-negative combination of ``generators`` (exact). By Carathéodory's
    theorem it is one of at most dim linearly independent generators, so only those subsets are solved:
    Σ_{s ≤ dim} C(m, s) small exact systems instead of the 2^m faces of the cone.

    Example:
        >>> one, zero = Fraction(1), Fraction(0)
        >>> gens = [(one, zero), (one, one), (zero, one), (-one, one)]
        >>> in_cone(gens, (Fraction(-1), Fraction(3))), in_cone(gens, (Fraction(1), Fraction(-1)))
        (True, False)
    """
    if not any(target):
        return True
    dim = len(target)
    for size in range(1, min(len(generators), dim) + 1):
        for chosen in itertools.combinations(generators, size):
            if len(pivots([list(g) for g in chosen])) < size:
                continue
            coef, fitted = least_squares([list(g) for g in chosen], list(target))
            if list(fitted) == list(target) and all(c >= 0 for c in coef):
                return True
    return False
