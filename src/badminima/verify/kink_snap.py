"""Rounded points beside a kink: the digits may round a point whose pre-activation is exactly 0.

A ReLU unit dead at a kink (p = 0 on a data point), written to d digits, can come out slightly active
(p = +1e-30). On that piece the unit's incoming weights have a gradient of order 1, a first-order descent
at the given numbers, while the point the digits round lies across the kink and may be a minimum or a
saddle. So before `certify` says `not-critical` at a rounded ReLU point, the pre-activations whose range
over the box of the digits' reach holds 0 (`kinks_within`) are moved to exactly 0 by the least change of
their units' incoming weights and biases (`snap_to_kinks`, exact), and the snapped point is certified.
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
from badminima.verify.kink_units import layer_inputs
from badminima.verify.parameter_box import ParameterBox

Kink = tuple[int, int, int]
"""(hidden layer, unit, data point)."""


def kinks_within(network: Network, dataset: Dataset, point: Point, radius: Fraction) -> tuple[Kink, ...]:
    """Pre-activations that are not 0 at ``point`` but whose ball over the ∞-box of ``radius`` around it
    (each unit on the point's piece) holds 0: kinks the digits may have rounded away. Empty for networks
    without piecewise-linear units.

    Example:
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[1], [2]], [[0], [1]])
        >>> active = Point.unflatten(net, [-1, 1 + Fraction(1, 10**20), 1, 0])  # p = 1e-20 on x = 1
        >>> kinks_within(net, data, active, Fraction(1, 10**15))
        ((0, 0, 0),)
    """
    if network.activation not in ("relu", "leaky_relu"):
        return ()
    region = region_of(network, dataset, point)
    box = ParameterBox(network, dataset, point, 256)
    ball = box.ball
    out = []
    with ball.context():
        fwd = forward(
            network, unflatten(network, box.flat(radius)), box.prob.inputs, arith=ball, masks=box.masks
        )
        for layer, (z, signs) in enumerate(zip(fwd.z[:-1], region.signs, strict=True)):
            for u, row in enumerate(signs):
                out += [(layer, u, i) for i, s in enumerate(row) if s and ball.sign(z[u, i]) is None]
    return tuple(out)


def snap_to_kinks(network: Network, dataset: Dataset, point: Point, kinks: Sequence[Kink]) -> Point | None:
    """The point with every pre-activation of ``kinks`` exactly 0: a unit whose kink pre-activations are
    equal moves its bias alone (the digits stay as written), any other moves its incoming weights and
    bias by the least (Euclidean) change; layer by layer (a layer's inputs are the snapped earlier
    layers' outputs); None when a unit's equations cannot all hold.

    Example:
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[1], [2]], [[0], [1]])
        >>> active = Point.unflatten(net, [-1, 1 + Fraction(1, 10**20), 1, 0])
        >>> [str(v) for v in snap_to_kinks(net, data, active, [(0, 0, 0)]).flatten()[:2]]  # w + b = 0
        ['-1', '1']
    """
    layers = list(point.layers)
    for layer in sorted({lay for lay, _, _ in kinks}):
        h = layer_inputs(network, dataset, Point(tuple(layers)), layer)
        W, b = [list(row) for row in layers[layer].W], list(layers[layer].b or ())
        for unit in sorted({u for lay, u, _ in kinks if lay == layer}):
            rows = [
                (*h[i], *((Fraction(1),) if b else ())) for lay, u, i in kinks if (lay, u) == (layer, unit)
            ]
            current = [*W[unit], *((b[unit],) if b else ())]
            residual = [-sum((a * c for a, c in zip(row, current, strict=True)), Fraction(0)) for row in rows]
            if b and len(set(residual)) == 1:
                # one shift of the bias does it, and keeps the digits the numbers were written with
                new = [*current[:-1], current[-1] + residual[0]]
            else:
                keep = pivots([tuple(r) for r in rows])  # independent equations
                n = len(current)
                A = flint.fmpq_mat(len(keep), n, [to_fmpq(rows[k][m]) for k in keep for m in range(n)])
                rhs = flint.fmpq_mat(len(keep), 1, [to_fmpq(residual[k]) for k in keep])
                step = A.transpose() * (A * A.transpose()).solve(rhs)
                new = [c + to_fraction(step[m, 0]) for m, c in enumerate(current)]
            if any(sum((a * c for a, c in zip(row, new, strict=True)), Fraction(0)) for row in rows):
                return None
            W[unit] = new[: len(W[unit])]
            if b:
                b[unit] = new[-1]
        layers[layer] = Layer.of(W, b if b else None)
    return Point(tuple(layers))
