"""The exact best fit (affine, or on one hidden layer's pieces) that a rounded ReLU point's digits round.

Hold every piece of a ReLU network (units dead at a kink — p ≤ 0 on every point, = 0 on some — output 0
there, whatever their own weights; units active at a kink — p ≥ 0 — output p); when every other unit
keeps one strict sign, the same on every data point, the network acts on the data as one affine map,
its predictions Z(θ) = M(θ)Φ. Z is affine in each single parameter (one layer's, the others held), so a
unit step gives its exact derivative.
With one hidden layer and one output, the units may instead be active on some points only, a kink unit
too ("live"): Z then lies in the span of the constant and each unit's affine functions on its active
set, and at a critical point with non-zero output weights it is the projection of the targets on it.

When the best affine fit Z* = M*Φ is rational — exact least squares with an identity output and mse, or
every logit 0 with a sigmoid output when the targets' centred moments vanish — `snap_to_fit` looks for a
point the digits round where Z = Z* exactly:

1. one Gauss–Newton step in rationals over every number the digits leave free (each weighted by half a
   unit of its last written place; the pieces held), which leaves a second-order rest;
2. the exact correction of one layer, the latest that can make it (Z is affine in one layer's
   parameters);
3. the kink units' own weights and biases re-solved so their kinks stay exactly at 0 (`kink_snap`);
   an active or live kink unit's weights move its predictions, so there the kinks join the equations of
   step 2.

The point is returned only when every number stays within its rounding radius (`rounding_radius`) and
every piece still holds there; it is then an exact best affine fit of the network without its kink units
(or, live, the best fit of its pieces), and the proofs for exact kink points (`dead_kinks`,
`layered_kinks`, the one-hidden-layer least-squares bounds) apply to it as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.least_max import least_max_change
from badminima.arithmetic.least_squares import least_change, least_squares, pivots
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.affine_fits import features
from badminima.verify.kink_snap import Kink, snap_to_kinks
from badminima.verify.kink_units import incoming
from badminima.verify.rounding import rounding_box


def _kink_units(
    signs: Sequence[Sequence[Sequence[int]]], kinks: Sequence[Kink], live: bool = False
) -> dict[tuple[int, int], int] | None:
    """The units of ``kinks`` ((layer, unit)) with their sign on every other data point (−1 dead, +1
    active), when that sign is one and strict and every other unit keeps one strict sign, the same on
    every point (the network, pieces held, is one affine map); with ``live`` (signs 0), when every other
    sign is merely strict (one hidden layer: the network, pieces held, is affine on each unit's active
    set); else None."""
    at = set(kinks)
    kinked: dict[tuple[int, int], int] = {}
    for lay, u, _ in kinks:
        row = signs[lay][u]
        others = {s for i, s in enumerate(row) if (lay, u, i) not in at}
        if not live and (0 in others or len(others) > 1):
            return None
        kinked[(lay, u)] = 0 if live else next(iter(others), -1)
    for lay, layer in enumerate(signs):
        for u, row in enumerate(layer):
            if live:
                if any(s == 0 and (lay, u, i) not in at for i, s in enumerate(row)):
                    return None
            elif (lay, u) not in kinked and (0 in row or len(set(row)) != 1):
                return None
    return kinked


def _live_features(
    network: Network, dataset: Dataset, signs: Sequence[Sequence[int]], kinks: Sequence[Kink]
) -> list[tuple[Fraction, ...]]:
    """The columns spanning a one-hidden-layer network's predictions with its pieces held: the constant
    1 and, for each hidden unit, the affine functions on the points where it is strictly active."""
    at = set(kinks)
    cols = [tuple(Fraction(1) for _ in dataset.X)]
    for u, row in enumerate(signs):
        on = [s > 0 and (0, u, i) not in at for i, s in enumerate(row)]
        cols.append(tuple(Fraction(int(a)) for a in on))
        for m in range(dataset.input_dim):
            cols.append(tuple(Fraction(x[m]) * a for x, a in zip(dataset.X, on, strict=True)))
    return cols


def _target(
    network: Network, dataset: Dataset, cols: Sequence[Sequence[Fraction]]
) -> list[list[Fraction]] | None:
    """Z* (outputs × points): the best fit in the span of ``cols`` when it is rational (module
    docstring), else None."""
    ys = [[Fraction(row[k]) for row in dataset.y] for k in range(network.widths[-1])]
    if network.output == "identity" and network.loss == "mse":
        return [least_squares(cols, y)[1] for y in ys]
    if network.output == "sigmoid" and network.loss in ("bce", "mse"):
        # at logit 0 every ∂ℓ/∂z is a positive multiple of 1/2 − y: the normal equations are Σ (1/2 − y)φ = 0
        half = Fraction(1, 2)
        centred = all(
            sum((half - v) * c for v, c in zip(y, col, strict=True)) == 0 for y in ys for col in cols
        )
        return [[Fraction(0)] * dataset.n_points for _ in ys] if centred else None
    return None


def snap_to_fit(
    network: Network,
    dataset: Dataset,
    point: Point,
    kinks: Sequence[Kink],
    radii: Sequence[Fraction] | None = None,
) -> Point | None:
    """A point inside ``point``'s rounding box (`rounding.rounding_box`; the box ``point`` ± ``radii``
    where given, radius 0 holding a number) where every pre-activation of ``kinks`` is exactly 0 and the
    network, its pieces held as at ``point`` (the kink units off on their kinks), predicts the rational
    best fit those pieces reach exactly (module docstring); None when there is none of that kind.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[0], [1], [2]], [[0], [1], [1]])  # best line 1/6 + x/2
        >>> near = Point.unflatten(net, [3, 1, Fraction("0.1666667"), 0])  # (1/6)·relu(3x + 1) rounded
        >>> [str(v) for v in snap_to_fit(net, data, near, []).flatten()]
        ['3', '1', '1/6', '0']
    """
    if network.activation != "relu" or not network.bias:
        return None
    region = region_of(network, dataset, point)
    kinked = _kink_units(region.signs, kinks)
    live = kinked is None and network.depth == 2 and network.widths[-1] == 1
    if live:
        kinked = _kink_units(region.signs, kinks, live=True)
    if kinked is None:
        return None
    cols = _live_features(network, dataset, region.signs[0], kinks) if live else features(network, dataset)
    target = _target(network, dataset, cols)
    if target is None:
        return None
    if live:
        anchors = list(range(dataset.n_points))
    else:
        anchors = pivots([(*(Fraction(v) for v in x), Fraction(1)) for x in dataset.X])
    box = rounding_box(point) if radii is None else radii  # how far each number may move
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)
    masks = [m.copy() for m in prob.masks or ()]
    if live:
        for lay, u, i in kinks:
            masks[lay][u, i] = False
    else:
        for (lay, u), sign in kinked.items():
            masks[lay][u, :] = sign > 0

    def residual(flat: Sequence[Fraction], kinks: Sequence[Kink]) -> list[Fraction]:
        """What the fit and the ``kinks`` still need: Z* − Z on the anchor points, then −p on each kink."""
        with exact.context():
            params = unflatten(network, exact.vector(flat))
            fwd = forward(network, params, prob.inputs, arith=exact, masks=masks)
        z = fwd.z[-1]
        fit = [target[k][i] - Fraction(z[k, i]) for k in range(len(target)) for i in anchors]
        return fit + [-Fraction(fwd.z[lay][u, i]) for lay, u, i in kinks]

    def step(
        flat: list[Fraction], chosen: Sequence[int], kinks: Sequence[Kink], grid: bool = False
    ) -> list[Fraction]:
        """flat moved by a change of ``chosen`` that solves the equations linearised (exactly, when they
        are affine in ``chosen``): the least weighted change, or with ``grid`` (the Gauss–Newton step,
        which need not be exact) the one of least ∞-norm in half units (`_box_step`), each change rounded
        to 2⁻⁴⁰ of its number's half unit so that the later exact steps stay short; unmoved when the
        equations have no solution."""
        rest = residual(flat, kinks)
        cols = []
        for m in chosen:  # ∂/∂θ_m, exact: Z and p are affine in each single parameter
            moved = residual([v + 1 if j == m else v for j, v in enumerate(flat)], kinks)
            cols.append([a - b for a, b in zip(rest, moved, strict=True)])
        rows = [[col[r] for col in cols] for r in range(len(rest))]
        scale = [box[m] for m in chosen]
        delta = (_box_step(rows, rest, scale) if grid else None) or least_change(rows, rest, scale)
        if delta is None:
            return flat
        out = list(flat)
        for m, d in zip(chosen, delta, strict=True):
            unit = box[m] / 2**40
            out[m] += round(d / unit) * unit if grid else d
        return out

    moving = [m for m in range(network.n_params) if box[m] > 0]
    flat = step(list(point.flatten()), moving, kinks, grid=True)  # Gauss–Newton: a second-order rest is left
    # the exact correction by one layer; an active or live kink unit's own weights move its predictions,
    # so then they move with the rest, the kinks among the equations. A layer whose columns are nearly
    # dependent on the data (two units with h₂ ≈ 2h₁ + 1) asks for an O(1) change: the next layer down
    # makes it instead.
    joint = live or any(sign > 0 for sign in kinked.values())
    own = set() if joint else _own_parameters(network, set(kinked))
    held = kinks if joint else ()
    bounds = (*network.layer_offsets, network.n_params)
    given = point.flatten()
    for layer in reversed(range(network.depth)):
        if not any(residual(flat, held)):
            break
        chosen = [m for m in moving if bounds[layer] <= m < bounds[layer + 1] and m not in own]
        moved = step(flat, chosen, held) if chosen else flat
        if all(abs(v - g) <= r for v, g, r in zip(moved, given, box, strict=True)):
            flat = moved
    if not joint:
        fitted = snap_to_kinks(network, dataset, Point.unflatten(network, flat), kinks, within=point)
        if fitted is None:
            return None
        flat = list(fitted.flatten())
    if any(residual(flat, kinks)) or any(abs(v - g) > r for v, g, r in zip(flat, given, box, strict=True)):
        return None
    snapped = Point.unflatten(network, flat)
    at = set(kinks)
    signs = region_of(network, dataset, snapped).signs
    for lay, (now, was) in enumerate(zip(signs, region.signs, strict=True)):
        for u, (row, held_row) in enumerate(zip(now, was, strict=True)):
            if kinked.get((lay, u), 0) < 0:  # dead at its kinks: only its own pieces matter
                if any(s > 0 for s in row):
                    return None
            elif any(
                s != (0 if (lay, u, i) in at else h)
                for i, (s, h) in enumerate(zip(row, held_row, strict=True))
            ):
                return None
    return snapped


def _own_parameters(network: Network, units: set[tuple[int, int]]) -> set[int]:
    """Flat indices of the given hidden units' incoming weights and biases."""
    return {m for lay, u in units for m in incoming(network, lay, u)}


def _box_step(
    rows: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction], radii: Sequence[Fraction]
) -> list[Fraction] | None:
    """A change δ with rows·δ ≈ rhs (to float accuracy) of least max_m |δ_m| / r_m, by linear programming
    on independent, equilibrated rows; None when the program fails. The least 2-norm change can leave
    the ∞-box that a point the digits round lies in."""
    scaled = [[r * q for r, q in zip(row, radii, strict=True)] for row in rows]
    keep = pivots([tuple(row) for row in scaled])
    if not keep:
        return None
    top = {k: max(abs(x) for x in scaled[k]) for k in keep}  # each row to unit size: HiGHS's tolerances
    A = np.array([[float(x / top[k]) for x in scaled[k]] for k in keep])
    b = np.array([float(rhs[k] / top[k]) for k in keep])
    found = least_max_change(A, b)
    if found is None:
        return None
    return [Fraction(float(y)) * r for y, r in zip(found.change, radii, strict=True)]
