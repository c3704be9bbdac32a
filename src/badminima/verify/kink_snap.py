"""Rounded points beside a kink: the digits may round a point whose pre-activation is exactly 0.

A ReLU unit dead at a kink (p = 0 on a data point), written to d digits, can come out slightly active
(p = +1e-30). On that piece the unit's incoming weights have a gradient of order 1, a first-order descent
at the given numbers, while the point the digits round lies across the kink and may be a minimum or a
saddle. So before `certify` says `not-critical` at a rounded ReLU point, the pre-activations whose range
over the digits' rounding box (each coordinate ± half a unit of its last written place) holds 0
(`kinks_within`) are moved to exactly 0 by the least change of their units' incoming weights and biases
inside that box (`snap_to_kinks`, exact), and the snapped point is certified.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import flint

from badminima.arithmetic.flint_bridge import to_fmpq, to_fraction
from badminima.arithmetic.least_squares import pivots
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.regions import region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import last_place
from badminima.verify.kink_units import layer_inputs
from badminima.verify.parameter_box import ParameterBox

Kink = tuple[int, int, int]
"""(hidden layer, unit, data point)."""


def rounding_box(point: Point) -> list[Fraction]:
    """Per coordinate, how far the number a writer rounded can sit from it: half a unit of its last
    written place (a point inside rounds to the given numbers), 0 for numbers taken as exact."""
    return [last_place(q) / 2 for q in point.flatten()]


def kinks_within(network: Network, dataset: Dataset, point: Point) -> tuple[Kink, ...]:
    """Pre-activations that are not 0 at ``point`` but whose ball over its rounding box (`rounding_box`;
    each unit on the point's piece) holds 0: kinks the digits may have rounded away. Empty for networks
    without piecewise-linear units or biases, and for points written exactly.

    Example:
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[3], [0]], [[0], [1]])
        >>> w = Fraction("0.66666666666666666667")  # 2/3 rounded: relu(3w − 2) is 1e-20 on x = 3
        >>> kinks_within(net, data, Point.unflatten(net, [w, -2, 1, 0]))
        ((0, 0, 0),)
    """
    radii = rounding_box(point)
    if network.activation not in ("relu", "leaky_relu") or not network.bias or not any(radii):
        return ()
    region = region_of(network, dataset, point)
    box = ParameterBox(network, dataset, point, 256)
    ball = box.ball
    out = []
    with ball.context():
        flat = ball.vector(
            [v + flint.arb(0, ball.constant(r).upper()) for v, r in zip(box.prob.flat, radii, strict=True)]
        )
        fwd = forward(network, unflatten(network, flat), box.prob.inputs, arith=ball, masks=box.masks)
        for layer, (z, signs) in enumerate(zip(fwd.z[:-1], region.signs, strict=True)):
            for u, row in enumerate(signs):
                out += [(layer, u, i) for i, s in enumerate(row) if s and ball.sign(z[u, i]) is None]
    return tuple(out)


def snap_to_kinks(network: Network, dataset: Dataset, point: Point, kinks: Sequence[Kink]) -> Point | None:
    """A point inside ``point``'s rounding box (`rounding_box`) with every pre-activation of ``kinks``
    exactly 0: each such unit's incoming weights and bias move by the least change weighted by their
    rounding radii (numbers written exactly do not move), layer by layer (a layer's inputs are the
    snapped earlier layers' outputs); None when no such change stays inside the box.

    Example:
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[3], [0]], [[0], [1]])
        >>> active = Point.unflatten(net, [Fraction("0.66666666666666666667"), -2, 1, 0])
        >>> [str(v) for v in snap_to_kinks(net, data, active, [(0, 0, 0)]).flatten()[:2]]  # b is exact
        ['2/3', '-2']
    """
    radii = rounding_box(point)
    layers = list(point.layers)
    offset = 0
    for layer, (width, d_in) in enumerate(network.layer_shapes[:-1]):
        units = sorted({u for lay, u, _ in kinks if lay == layer})
        if units:
            h = layer_inputs(network, dataset, Point(tuple(layers)), layer)
            W, b = [list(row) for row in layers[layer].W], list(layers[layer].b or ())
            for unit in units:
                idx = [offset + unit * d_in + m for m in range(d_in)] + [offset + width * d_in + unit]
                rows = [(*h[i], Fraction(1)) for lay, u, i in kinks if (lay, u) == (layer, unit)]
                current = [*W[unit], b[unit]]
                new = _weighted_least_change(rows, current, [radii[k] for k in idx])
                if new is None:
                    return None
                W[unit], b[unit] = new[:-1], new[-1]
            layers[layer] = Layer.of(W, b)
        offset += width * d_in + width
    return Point(tuple(layers))


def _weighted_least_change(
    rows: Sequence[Sequence[Fraction]], current: Sequence[Fraction], radii: Sequence[Fraction]
) -> list[Fraction] | None:
    """x with row·x = 0 for every row, minimising Σ ((x − current)_m / r_m)² over the coordinates with
    r_m > 0 (the others fixed), when every |x − current|_m ≤ r_m; else None (exact)."""
    free = [m for m, r in enumerate(radii) if r > 0]
    residual = [-sum((a * c for a, c in zip(row, current, strict=True)), Fraction(0)) for row in rows]
    if not free:
        return None
    scaled = [[row[m] * radii[m] for m in free] for row in rows]  # A·R on the free coordinates
    keep = pivots([tuple(r) for r in scaled])
    if not keep:
        return None
    n = len(free)
    A = flint.fmpq_mat(len(keep), n, [to_fmpq(scaled[k][j]) for k in keep for j in range(n)])
    rhs = flint.fmpq_mat(len(keep), 1, [to_fmpq(residual[k]) for k in keep])
    y = A.transpose() * (A * A.transpose()).solve(rhs)  # the least-norm y; the change is R·y
    new = list(current)
    for j, m in enumerate(free):
        delta = radii[m] * to_fraction(y[j, 0])
        if abs(delta) > radii[m]:
            return None
        new[m] += delta
    if any(sum((a * c for a, c in zip(row, new, strict=True)), Fraction(0)) for row in rows):
        return None
    return new
