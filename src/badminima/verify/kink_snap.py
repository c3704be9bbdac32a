"""Rounded points beside a kink: the digits may round a point whose pre-activation is exactly 0.

A ReLU unit dead at a kink (p = 0 on a data point), written to d digits, can come out slightly active
(p = +1e-30). On that piece the unit's incoming weights have a gradient of order 1, a first-order descent
at the given numbers, while the point the digits round lies across the kink and may be a minimum or a
saddle. So before `certify` says `not-critical` at a rounded ReLU point, the pre-activations whose range
over the digits' rounding box (each coordinate ± half a unit of its last written place, a float's print
± one ulp: `rounding_radius`; float noise back to 0) holds 0 (`kinks_within`) are moved to exactly 0 by
the least change of their units' incoming weights and biases inside that box (`snap_to_kinks`, exact),
and the snapped point is certified.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import flint

from badminima.arithmetic.least_squares import least_change
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.regions import region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.verify.kink_units import incoming, layer_inputs
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.rounding import rounding_box

Kink = tuple[int, int, int]
"""(hidden layer, unit, data point)."""


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


def snap_to_kinks(
    network: Network, dataset: Dataset, point: Point, kinks: Sequence[Kink], within: Point | None = None
) -> Point | None:
    """A point inside the rounding box of ``within`` (``point`` by default; `rounding_box`) with every
    pre-activation of ``kinks`` exactly 0: each such unit's incoming weights and bias move from ``point``
    by the least change weighted by their rounding radii (numbers written exactly do not move), layer by
    layer (a layer's inputs are the snapped earlier layers' outputs); None when no such change stays
    inside the box.

    Example:
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[3], [0]], [[0], [1]])
        >>> active = Point.unflatten(net, [Fraction("0.66666666666666666667"), -2, 1, 0])
        >>> [str(v) for v in snap_to_kinks(net, data, active, [(0, 0, 0)]).flatten()[:2]]  # b is exact
        ['2/3', '-2']
    """
    given = (within or point).flatten()
    radii = rounding_box(within or point)
    layers = list(point.layers)
    for layer in range(network.depth - 1):
        units = sorted({u for lay, u, _ in kinks if lay == layer})
        if not units:
            continue
        h = layer_inputs(network, dataset, Point(tuple(layers)), layer)
        W, b = [list(row) for row in layers[layer].W], list(layers[layer].b or ())
        for unit in units:
            idx = incoming(network, layer, unit)
            rows = [(*h[i], Fraction(1)) for lay, u, i in kinks if (lay, u) == (layer, unit)]
            current = [*W[unit], b[unit]]
            rhs = [-sum((a * c for a, c in zip(row, current, strict=True)), Fraction(0)) for row in rows]
            delta = least_change(rows, rhs, [radii[k] for k in idx])
            if delta is None:
                return None
            new = [c + d for c, d in zip(current, delta, strict=True)]
            if any(abs(v - given[k]) > radii[k] for v, k in zip(new, idx, strict=True)):
                return None
            W[unit], b[unit] = new[:-1], new[-1]
        layers[layer] = Layer.of(W, b)
    return Point(tuple(layers))
