"""One (network, dataset, point) laid out for a backend: transposed data, flat parameters, and the
piece masks of the exactly computed activation region (piecewise-linear networks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from badminima.arithmetic.protocol import Arithmetic
from badminima.landscape.forward_pass import KinkSide
from badminima.landscape.regions import Region, region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point


@dataclass(frozen=True)
class Problem:
    """Backend arrays: ``inputs`` (d0, N), ``targets`` (dL, N), ``flat`` (P,), and ``masks``."""

    network: Network
    arith: Arithmetic
    inputs: Any
    targets: Any
    flat: Any
    masks: list[Any] | None
    region: Region | None
    kink_side: KinkSide


def prepare(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    arith: Arithmetic,
    kink_side: KinkSide = "active",
) -> Problem:
    """Lay out a point for ``arith``; on piecewise-linear networks the region is decided exactly,
    so ball and float backends evaluate the very piece the exact backend does."""
    point.check_fits(network)
    region = region_of(network, dataset, point) if network.activation in ("relu", "leaky_relu") else None
    with arith.context():
        return Problem(
            network=network,
            arith=arith,
            inputs=arith.matrix(list(zip(*dataset.X, strict=True))),
            targets=arith.matrix(list(zip(*dataset.y, strict=True))),
            flat=arith.vector(point.flatten()),
            masks=region.masks(kink_side) if region is not None else None,
            region=region,
            kink_side=kink_side,
        )
