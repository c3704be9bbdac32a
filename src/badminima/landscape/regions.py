"""Activation regions of piecewise-linear networks, decided exactly, and the pattern summary
(dead units, pre-activations exactly at a kink, saturated sigmoid/tanh units)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.errors import BackendError
from badminima.landscape.forward_pass import KinkSide, forward
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point

SATURATION = 10
"""A sigmoid/tanh unit is reported saturated when |z| ≥ 10 on every point (σ'(10) < 4.6e-5)."""


@dataclass(frozen=True)
class Region:
    """Exact signs of every hidden pre-activation: ``signs[layer][unit][point]`` in {-1, 0, +1},
    layer 0 being the first hidden layer. A 0 is a kink: the loss has one polynomial piece per side."""

    signs: tuple[tuple[tuple[int, ...], ...], ...]

    def masks(self, kink_side: KinkSide) -> list[np.ndarray]:
        """Boolean (units, N) arrays, True on the z ≥ 0 piece; kinks go to ``kink_side``."""
        at_zero = kink_side == "active"
        return [
            np.array([[s > 0 or (s == 0 and at_zero) for s in unit] for unit in layer], dtype=bool)
            for layer in self.signs
        ]

    def side_masks(self, kinks: Sequence[tuple[int, int, int]]) -> list[list[np.ndarray]]:
        """`masks` with every kink inactive except ``kinks`` (``(layer, unit, point)`` triples of this
        region's), which take each of their 2^k side assignments in turn: one mask set per piece.

        Example:
            >>> region = Region((((0, 0, 1),),))
            >>> [m[0].tolist() for m in region.side_masks(region.kinks[:1])]
            [[[False, False, True]], [[True, False, True]]]
        """
        out = []
        for code in range(2 ** len(kinks)):
            masks = self.masks("inactive")
            for bit, (layer, u, i) in enumerate(kinks):
                masks[layer][u, i] = bool(code >> bit & 1)
            out.append(masks)
        return out

    @property
    def kinks(self) -> tuple[tuple[int, int, int], ...]:
        """``(layer, unit, point)`` of every pre-activation exactly zero."""
        return tuple(
            (lay, u, i)
            for lay, layer in enumerate(self.signs)
            for u, unit in enumerate(layer)
            for i, s in enumerate(unit)
            if s == 0
        )

    @property
    def affine_on_data(self) -> bool:
        """Every unit's pre-activation has one strict sign on all data points (no kink, no unit active
        on some points and not on others): while those signs hold, each layer acts on the data as one
        affine map, so the network is affine in its input on the data."""
        return all(
            all(s > 0 for s in unit) or all(s < 0 for s in unit) for layer in self.signs for unit in layer
        )

    @property
    def dead_units(self) -> tuple[tuple[int, int], ...]:
        """``(layer, unit)`` of units whose pre-activation is negative on every data point."""
        return tuple(
            (lay, u)
            for lay, layer in enumerate(self.signs)
            for u, unit in enumerate(layer)
            if all(s < 0 for s in unit)
        )


def _pre_activations(
    network: Network, dataset: Dataset, point: Point, arith: ExactArithmetic | BallArithmetic
) -> list[np.ndarray]:
    with arith.context():
        params = [
            (arith.matrix(layer.W), arith.vector(layer.b) if layer.b is not None else None)
            for layer in point.layers
        ]
        inputs = arith.matrix(list(zip(*dataset.X, strict=True)))
        # Forward values do not depend on the side taken at a kink (both pieces vanish there).
        return forward(network, params, inputs, arith=arith).z[:-1]


def region_of(network: Network, dataset: Dataset, point: Point) -> Region:
    """The exact activation region of a piecewise-linear network at a rational point."""
    if not network.is_piecewise_linear:
        raise BackendError(
            f"activation regions need a piecewise-linear hidden activation, got {network.activation!r}"
        )
    point.check_fits(network)
    arith = ExactArithmetic()
    zs = _pre_activations(network, dataset, point, arith)
    return Region(tuple(tuple(tuple(int(arith.sign(v) or 0) for v in row) for row in z) for z in zs))


@dataclass(frozen=True)
class PatternSummary:
    """What the hidden units do on the data. Indices are 0-based, layer 0 = first hidden layer."""

    dead: tuple[tuple[int, int], ...]
    kinks: tuple[tuple[int, int, int], ...]
    saturated: tuple[tuple[int, int], ...]

    def to_json(self) -> dict[str, object]:
        return {
            "dead_units": [{"layer": lay, "unit": u} for lay, u in self.dead],
            "kinks": [{"layer": lay, "unit": u, "point": i} for lay, u, i in self.kinks],
            "saturated_units": [{"layer": lay, "unit": u} for lay, u in self.saturated],
        }


def pattern_summary(network: Network, dataset: Dataset, point: Point) -> PatternSummary:
    """Dead units and exact kinks (piecewise-linear nets, exact arithmetic); units saturated by
    |z| ≥ `SATURATION` on every point (sigmoid/tanh, proved in ball arithmetic)."""
    if network.depth == 1:
        return PatternSummary((), (), ())
    if network.activation == "identity":
        return PatternSummary((), (), ())
    if network.is_piecewise_linear:
        region = region_of(network, dataset, point)
        return PatternSummary(region.dead_units, region.kinks, ())
    ball = BallArithmetic(128)
    zs = _pre_activations(network, dataset, point, ball)
    bound = ball.constant(Fraction(SATURATION))
    saturated = []
    for lay, z in enumerate(zs):
        for u, row in enumerate(z):
            if all(ball.sign(abs(v) - bound) == 1 for v in row):
                saturated.append((lay, u))
    return PatternSummary((), (), tuple(saturated))
