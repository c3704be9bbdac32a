"""No critical point in a box where some numbers are held: eliminate the moving ones, then test the rest.

A box that holds some coordinates E fixed (numbers written exactly, radius 0) and lets the others R move
holds a critical point only where ∇_R F = 0. With E held, that is a square system in R; the Krawczyk
operator of ∇_R F over the box X_R (centre m ∈ X_R, C ≈ (∇²_RR F(m))⁻¹, J ⊇ ∇²_RR F over X_R)

    K = m − C ∇_R F(m) + (I − C J)(X_R − m)

holds every zero in X_R (the mean-value form: Neumaier 1990, Thm 5.1.8 — whether or not K contracts; J
then encloses the Hessian over the hull of X_R and m, the segments from m to the zeros), so
X_R ← X_R ∩ K keeps them all and shrinks to a tiny box around the one zero, or empties. A gradient entry
of E proved non-zero over that tiny box (or an empty one) leaves no critical point in the whole box.

That decides a point whose only free number (a rounded output bias) must move to where the exactly
written ones are not stationary — the gradient of every single entry straddles 0 over the whole box,
since each vanishes somewhere in it, only not together.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction, to_arb
from badminima.errors import BackendError
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.kink_units import held_kinks
from badminima.verify.parameter_box import signs_hold

PRECISION = 256
"""Bits of the balls: the moving numbers' zero is found to about this many bits."""

MAX_MOVING = 40
"""Boxes with more moving coordinates are left to the other tests (a Hessian block per step)."""

NEWTON_STEPS = 12
KRAWCZYK_STEPS = 8


def _box(centre: Sequence[Fraction], radii: Sequence[Fraction]) -> list[Any]:
    return [
        to_arb(c) + flint.arb(0, to_arb(r).upper()) if r else to_arb(c)
        for c, r in zip(centre, radii, strict=True)
    ]


def no_critical_point_held(
    network: Network, dataset: Dataset, point: Point, radii: Sequence[Fraction]
) -> str | None:
    """Why no critical point lies in the box of per-coordinate ``radii`` around ``point`` (radius 0 holds a
    number), by eliminating the moving numbers (module docstring), or None when that is not proved.
    Piecewise-linear units only where every pre-activation keeps its strict sign over the box, and every
    kink's feeding numbers are held (`kink_units.held_kinks`: it stays at 0; its entries are one-sided,
    never used).

    Example (one output bias free, the exactly written weight 1/3 is not the least-squares slope 1/2):
        >>> net = Network((1, 1), "identity")
        >>> data = Dataset.of([[0], [1]], [[0], [1]])
        >>> point = Point.unflatten(net, ["1/3", "0.3333"])
        >>> no_critical_point_held(net, data, point, [Fraction(0), Fraction(1, 100)]) is not None
        True
    """
    moving = [k for k, r in enumerate(radii) if r]
    held = [k for k, r in enumerate(radii) if not r]
    if not moving or not held or len(moving) > MAX_MOVING:
        return None
    ball = BallArithmetic(PRECISION)
    piecewise = network.activation in ("relu", "leaky_relu")
    try:
        prob = prepare(network, dataset, point, arith=ball)
        one_sided: set[int] = set()
        if piecewise:
            if prob.region is None or (feeding := held_kinks(network, prob.region, radii)) is None:
                return None
            one_sided = feeding
        with ball.context():
            whole = ball.vector(_box(point.flatten(), radii))
            if piecewise:
                assert prob.region is not None
                fwd = forward(network, unflatten(network, whole), prob.inputs, arith=ball, masks=prob.masks)
                if not signs_hold(ball, fwd.z[:-1], prob.region.signs):
                    return None

            def gradient(flat: list[Any]) -> list[Any]:
                vec = ball.vector(flat)
                return list(
                    gradient_of_flat(network, prob.inputs, prob.targets, vec, arith=ball, masks=prob.masks)
                )

            def block(flat: list[Any]) -> flint.arb_mat:
                vec = ball.vector(flat)
                H = hessian_of_flat(network, prob.inputs, prob.targets, vec, arith=ball, masks=prob.masks)
                return flint.arb_mat([[H[i, j] for j in moving] for i in moving])

            lo = [to_arb(point.flatten()[k] - radii[k]) for k in moving]
            hi = [to_arb(point.flatten()[k] + radii[k]) for k in moving]
            centre = [to_arb(v) for v in point.flatten()]  # the held numbers stay exact balls
            tiny = flint.arb(2) ** (20 - PRECISION)
            for _ in range(NEWTON_STEPS):  # midpoints only: any m in the box will do, a good one is tight
                g = gradient(centre)
                step = _solve_mid(block(centre), [g[k] for k in moving])
                if step is None:
                    return None
                for k, s in zip(moving, step, strict=True):
                    centre[k] = (centre[k] - s).mid()
                if all(abs(s) <= tiny * (1 + abs(centre[k])) for k, s in zip(moving, step, strict=True)):
                    break
            m = [centre[k] for k in moving]
            if not all(a <= c <= b for a, c, b in zip(lo, m, hi, strict=True)):
                # the moving numbers' zero lies outside the box: from the box's own centre, Krawczyk may
                # find no zero in it at all
                for k in moving:
                    centre[k] = to_arb(point.flatten()[k]).mid()
                m = [centre[k] for k in moving]
                if not all(a <= c <= b for a, c, b in zip(lo, m, hi, strict=True)):
                    return None  # a box narrower than the balls' precision
            inverse = _inverse_mid(block(centre))
            if inverse is None:
                return None
            g = gradient(centre)
            start = flint.arb_mat([[c] for c in m]) - inverse * flint.arb_mat([[g[k]] for k in moving])
            X = [a.union(b) for a, b in zip(lo, hi, strict=True)]
            entry = None
            for _ in range(KRAWCZYK_STEPS):
                # J over the hull of X and m: X shrinks away from m, and the mean-value form needs the
                # segment from m to every zero in X (inside the first box, where the signs hold)
                flat = list(centre)
                for k, x, c in zip(moving, X, m, strict=True):
                    flat[k] = x.union(c)
                spread = _identity(len(moving)) - inverse * block(flat)
                K = start + spread * flint.arb_mat([[x - c] for x, c in zip(X, m, strict=True)])
                narrowed = []
                for i, x in enumerate(X):
                    if not x.overlaps(K[i, 0]):
                        return "the moving numbers' gradient has no zero in the box (Krawczyk)"
                    narrowed.append(x.intersection(K[i, 0]))
                shrunk = max(abs(x.rad()) for x in narrowed) < max(abs(x.rad()) for x in X) / 2
                X = narrowed
                flat = list(centre)
                for k, x in zip(moving, X, strict=True):
                    flat[k] = x
                g = gradient(flat)
                entry = next(
                    (k for k in held if k not in one_sided and ball.sign(g[k]) not in (0, None)), None
                )
                if entry is not None or not shrunk:
                    break
    except (BackendError, ZeroDivisionError, ValueError):
        return None
    if entry is None:
        return None
    width = max(arb_to_fraction(x.rad()) for x in X)
    return (
        f"with the {len(held)} held number(s) fixed, the {len(moving)} moving one(s) are stationary only "
        f"within {float(width):.2g} of one point (Krawczyk), where gradient entry {entry} is proved non-zero"
    )


def _identity(n: int) -> flint.arb_mat:
    return flint.arb_mat([[1 if i == j else 0 for j in range(n)] for i in range(n)])


def _mid(M: flint.arb_mat) -> flint.arb_mat:
    return flint.arb_mat([[M[i, j].mid() for j in range(M.ncols())] for i in range(M.nrows())])


def _inverse_mid(M: flint.arb_mat) -> flint.arb_mat | None:
    """An approximate inverse of ``M``'s midpoint (taken as exact: any matrix keeps Krawczyk sound)."""
    try:
        return _mid(_mid(M).inv())
    except ZeroDivisionError:
        return None


def _solve_mid(M: flint.arb_mat, g: list[Any]) -> list[Any] | None:
    inverse = _inverse_mid(M)
    if inverse is None:
        return None
    step = inverse * flint.arb_mat([[v.mid()] for v in g])
    return [step[i, 0].mid() for i in range(len(g))]
