"""First-order stationarity of piecewise-linear networks, kinks included, decided exactly.

With every kink in the first hidden layer, the one-sided directional derivative at x is
``F'(x; v) = g0·v + Σ_k β_k max(a_k·v, 0)``: ``g0`` is the gradient of the piece with every kink on its
inactive side, ``a_k`` the gradient of kink k's pre-activation (``(x_i, 1)`` on its unit's weights)
and ``β_k a_k`` the change in gradient when kink k alone switches to its active side. It separates
over units, and on each cone ``{σ_k a_k·v ≥ 0}`` it is linear, so ``F' ≥ 0`` everywhere iff each
cone's gradient lies in the dual cone ``cone{σ_k a_k}`` (Farkas; Yun, Sra & Jadbabaie 2019). A failed
membership yields an explicit descent direction. The autograd convention relu'(0) = 0 is never used.

Kinks in deeper hidden layers (`_all_sides`). Along x + t v every pre-activation is z + t·dz + O(t²),
and the first-order change of every activation is the *derivative network*: ``dσ(z) = σ'(z)·dz`` off
the kinks and ``dσ = σ(dz)`` (relu(dz), or leaky(dz)) at a kink, since there σ(t·dz + O(t²)) =
t·σ(dz) + O(t²) (and O(t²) when dz = 0, on whichever side the second order puts it). So F'(x; v) is
a positively homogeneous piecewise-linear function of v. Fix a side s_k = ±1 for every kink k: with the
sides of the earlier layers fixed, kink k's dz_k(v) = a_k(s)·v is linear (a_k(s) = ∇z_k of the piece s),
and on the polyhedral cone ``C_s = {v : s_k a_k(s)·v ≥ 0 for all k}`` the derivative network takes
the piece s at every kink (dz_k = 0 on the boundary gives σ(0) = 0 on both sides), by induction over
the layers, so F'(x; v) = g_s·v there, g_s the gradient of the piece s. Every v lies in some C_s (take
s_k = sign dz_k layer by layer). Hence F' ≥ 0 everywhere iff g_s ∈ cone{s_k a_k(s)} for every s
(Farkas), decided exactly by `cone_least_squares`; a failed membership gives v = −r (r the residual
of g_s's projection onto that cone) with s_k a_k(s)·v ≥ 0 and g_s·v < 0, a proved descent direction.
Degenerate germs (a_k(s)·v = 0) need no care at first order: they only decide the side at second order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.cone_least_squares import cone_least_squares
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.flint_bridge import fmpq_matrix, to_fraction
from badminima.arithmetic.least_squares import dot
from badminima.arithmetic.protocol import Arithmetic
from badminima.landscape.derivatives import gradient_of_flat
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.options import DEFAULTS

MAX_UNIT_KINKS = DEFAULTS.max_unit_kinks
MAX_SIDE_KINKS = DEFAULTS.max_side_kinks
MAX_DEPENDENT_KINKS = 6
"""A unit at its kink on more points than it has weights is tested by projecting onto 2^k cones of k
generators each (4^k face problems): up to this many kinks."""

Vector = tuple[Fraction, ...]


@dataclass(frozen=True)
class FirstOrder:
    """``stationary``: True when every one-sided directional derivative is proved ≥ 0, False when a
    descent direction was found (in ``directions``, to be confirmed by `exact_descent`), None when
    undecided (``reason`` says why)."""

    stationary: bool | None
    directions: tuple[Vector, ...]
    reason: str


def piece_gradient(
    network: Network, dataset: Dataset, point: Point, masks: list[np.ndarray] | None
) -> Vector:
    """Exact gradient of the polynomial piece selected by ``masks`` (one bool array per hidden layer)."""
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)
    g = gradient_of_flat(network, prob.inputs, prob.targets, prob.flat, arith=exact, masks=masks)
    return tuple(Fraction(v) for v in g)


def _cone_descent(g: Vector, A: list[Vector], signs: tuple[int, ...]) -> Vector | None:
    """A direction u with σ_k a_k·u ≥ 0 for all k and g·u < 0, or None if g ∈ cone{σ_k a_k}.
    The a_k must be linearly independent."""
    if not A:
        return tuple(-v for v in g) if any(g) else None
    Am = fmpq_matrix([[a[i] for a in A] for i in range(len(g))])
    At = Am.transpose()
    gram_inv = (At * Am).inv()
    lam = gram_inv * (At * fmpq_matrix([[v] for v in g]))
    fit = Am * lam
    res = tuple(g[i] - to_fraction(fit[i, 0]) for i in range(len(g)))
    if any(res):
        return tuple(-r for r in res)
    for m, s in enumerate(signs):
        if to_fraction(lam[m, 0]) * s < 0:
            e = fmpq_matrix([[Fraction(s if k == m else 0)] for k in range(len(A))])
            u = Am * (gram_inv * e)
            return tuple(to_fraction(u[i, 0]) for i in range(len(g)))
    return None


def _dependent_cone_descent(g: Vector, A: list[Vector], signs: tuple[int, ...]) -> Vector | None:
    """`_cone_descent` for linearly dependent a_k (a unit at its kink on more points than it has weights):
    the exact projection of g onto cone{σ_k a_k} by its faces; −(residual) is a descent direction.
    Raises `UndecidedCone` when no face is certified."""
    gens = [tuple(s * v for v in a) for s, a in zip(signs, A, strict=True)]
    identity = [tuple(Fraction(int(j == k)) for j in range(len(gens))) for k in range(len(gens))]
    fit = cone_least_squares(gens, identity, g, max_faces=2 ** len(gens))
    if fit is not None and fit.exact and not any(fit.residual):
        return None
    v = tuple(-r for r in fit.residual) if fit is not None else ()
    if fit is None or dot(g, v) >= 0 or any(dot(gen, v) < 0 for gen in gens):
        raise UndecidedCone("the projection onto a unit's kink cone certified no face")
    return v


class UndecidedCone(ArithmeticError):
    """The exact cone projection did not certify membership or a descent direction."""


def kink_normals(
    network: Network,
    dataset: Dataset,
    point: Point,
    kinks: tuple[tuple[int, int, int], ...],
    masks: list[np.ndarray],
) -> list[Vector]:
    """∇θ z_k, exactly, of each kink's pre-activation ``(layer, unit, point)`` on the piece ``masks``
    (only the sides of the layers before the kink's matter).

    Example (z = w·x + b at x = 2 has gradient (x, 1) with respect to (w, b)):
        >>> from badminima.landscape.regions import region_of
        >>> net, data = Network((1, 1, 1), "relu"), Dataset.of([[2]], [[1]])
        >>> point = Point.unflatten(net, [1, -2, 1, 0])
        >>> region = region_of(net, data, point)
        >>> normals = kink_normals(net, data, point, region.kinks, region.masks("active"))
        >>> [[str(v) for v in a] for a in normals]
        [['2', '1', '0', '0']]
    """
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)

    def pre_activations(theta: Any, ar: Arithmetic) -> Any:
        z = forward(network, unflatten(network, theta), prob.inputs, arith=ar, masks=masks).z
        out = np.empty(len(kinks), dtype=object)
        for k, (lay, u, i) in enumerate(kinks):
            out[k] = z[lay][u, i]
        return out

    jac = exact.jacobian(pre_activations, prob.flat)
    return [tuple(Fraction(jac[k, p]) for p in range(len(prob.flat))) for k in range(len(kinks))]


def _all_sides(
    network: Network, dataset: Dataset, point: Point, region: Region, *, max_side_kinks: int
) -> FirstOrder:
    """The cone test over every side assignment of every kink, any layer (see the module docstring)."""
    kinks = region.kinks
    if len(kinks) > max_side_kinks:
        return FirstOrder(
            None,
            (),
            f"{len(kinks)} kinks, some beyond the first hidden layer (more than {max_side_kinks} to try)",
        )
    for code in range(2 ** len(kinks)):
        signs = tuple(1 if code >> bit & 1 else -1 for bit in range(len(kinks)))
        masks = region.masks("inactive")
        for s, (lay, u, i) in zip(signs, kinks, strict=True):
            masks[lay][u, i] = s > 0
        g = piece_gradient(network, dataset, point, masks)
        normals = kink_normals(network, dataset, point, kinks, masks)
        gens = [tuple(s * v for v in a) for s, a in zip(signs, normals, strict=True) if any(a)]
        identity = [tuple(Fraction(int(j == k)) for j in range(len(gens))) for k in range(len(gens))]
        fit = cone_least_squares([*gens], identity, g, max_faces=2 ** len(gens))
        if fit is None:
            return FirstOrder(None, (), "the cone test at the kinks found no certified face")
        if fit.exact and not any(fit.residual):
            continue
        v = tuple(-r for r in fit.residual)
        dot = sum((a * b for a, b in zip(g, v, strict=True)), Fraction(0))
        inside = all(sum((a * b for a, b in zip(gen, v, strict=True)), Fraction(0)) >= 0 for gen in gens)
        if inside and dot < 0:
            return FirstOrder(
                False,
                (v,),
                "a one-sided directional derivative is negative (exact cone test over the kinks' sides, "
                "deeper layers included)",
            )
        return FirstOrder(None, (), "the cone test at the kinks was not decided")
    return FirstOrder(
        True,
        (),
        f"every one-sided directional derivative is ≥ 0 (exact cone test over the {2 ** len(kinks)} side "
        f"assignments of the kinks, deeper layers included)",
    )


def first_order(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region | None,
    *,
    max_unit_kinks: int = MAX_UNIT_KINKS,
    max_side_kinks: int = MAX_SIDE_KINKS,
) -> FirstOrder:
    """Decide exactly whether every one-sided directional derivative at ``point`` is ≥ 0: unit by unit
    when every kink is in the first hidden layer (up to ``max_unit_kinks`` relevant kinks per unit),
    otherwise — or when that test is not decided — over every side assignment of up to
    ``max_side_kinks`` kinks."""
    masks = region.masks("inactive") if region is not None else None
    g0 = piece_gradient(network, dataset, point, masks)
    kinks = region.kinks if region is not None else ()
    if not kinks:
        if any(g0):
            return FirstOrder(False, (tuple(-v for v in g0),), "the exact gradient is non-zero")
        return FirstOrder(True, (), "the exact gradient is zero and no pre-activation is at a kink")
    assert region is not None and masks is not None
    if all(not any(row[u] for row in point.layers[lay + 1].W) for lay, u, _ in kinks):
        # Every unit at a kink has outgoing weights 0: its side never reaches the output at first order
        # (dz_next = dW·relu(0) + W·d relu = 0 through it), so F'(θ; d) = g·d, the same g on every piece.
        if any(g0):
            return FirstOrder(
                False,
                (tuple(-v for v in g0),),
                "every unit at a kink has outgoing weights 0, so the loss is differentiable here, and its "
                "exact gradient is non-zero",
            )
        return FirstOrder(
            True,
            (),
            "every unit at a kink has outgoing weights 0, so the loss is differentiable here (no kink's "
            "side reaches the output at first order), and its exact gradient is zero",
        )
    if any(lay != 0 for lay, _, _ in kinks):
        out = _all_sides(network, dataset, point, region, max_side_kinks=max_side_kinks)
        if out.stationary is None:
            active = piece_gradient(network, dataset, point, region.masks("active"))
            return FirstOrder(None, (tuple(-v for v in g0), tuple(-v for v in active)), out.reason)
        return out
    first = _first_layer(network, dataset, point, region, g0, max_unit_kinks=max_unit_kinks)
    if first.stationary is None and len(kinks) <= max_side_kinks:
        return _all_sides(network, dataset, point, region, max_side_kinks=max_side_kinks)
    return first


def _first_layer(
    network: Network, dataset: Dataset, point: Point, region: Region, g0: Vector, *, max_unit_kinks: int
) -> FirstOrder:
    """The unit-by-unit cone test when every kink is in the first hidden layer."""
    kinks = region.kinks
    masks = region.masks("inactive")
    d1, d0 = network.widths[1], network.widths[0]

    def coords(j: int) -> list[int]:
        return [j * d0 + m for m in range(d0)] + ([d1 * d0 + j] if network.bias else [])

    kinked = sorted({u for _, u, _ in kinks})
    inside = {c for j in kinked for c in coords(j)}
    rest = tuple(Fraction(0) if c in inside else -g0[c] for c in range(len(g0)))
    if any(rest):
        return FirstOrder(False, (rest,), "the gradient is non-zero on weights that no kink touches")
    for j in kinked:
        U = coords(j)
        A: list[Vector] = []
        betas: list[Fraction] = []
        for _, u, i in kinks:
            if u != j:
                continue
            a = tuple(dataset.X[i]) + ((Fraction(1),) if network.bias else ())
            if not any(a):
                continue  # z ≡ 0 for this point whatever the unit's weights: no kink to cross
            one = [m.copy() for m in masks]
            one[0][j, i] = True
            change = piece_gradient(network, dataset, point, one)
            c = tuple(change[k] - g0[k] for k in U)
            pivot = next(k for k, v in enumerate(a) if v != 0)
            beta = c[pivot] / a[pivot]
            if beta != 0:
                A.append(a)
                betas.append(beta)
        if len(A) > max_unit_kinks:
            return FirstOrder(None, (), f"unit {j} has {len(A)} relevant kinks (more than {max_unit_kinks})")
        gU = tuple(g0[k] for k in U)
        dependent = bool(A) and fmpq_matrix([list(a) for a in A]).rank() < len(A)
        if dependent and len(A) > MAX_DEPENDENT_KINKS:
            return FirstOrder(
                None,
                (),
                f"the {len(A)} kink normals of unit {j} are linearly dependent (more than "
                f"{MAX_DEPENDENT_KINKS} to project onto): the cone test is not decided",
            )
        for signs in itertools.product((1, -1), repeat=len(A)):
            g = tuple(
                gU[i] + sum((b * a[i] for a, b, s in zip(A, betas, signs, strict=True) if s > 0), Fraction(0))
                for i in range(len(U))
            )
            try:
                direction = _dependent_cone_descent(g, A, signs) if dependent else _cone_descent(g, A, signs)
            except UndecidedCone as exc:
                return FirstOrder(None, (), f"unit {j}: {exc}")
            if direction is not None:
                full = [Fraction(0)] * len(g0)
                for k, val in zip(U, direction, strict=True):
                    full[k] = val
                return FirstOrder(
                    False,
                    (tuple(full),),
                    f"a one-sided directional derivative on unit {j}'s weights is negative",
                )
    return FirstOrder(
        True, (), "every one-sided directional derivative is ≥ 0 (exact cone test at the kinks)"
    )
