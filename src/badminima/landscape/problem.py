"""One (network, dataset, point) laid out for a backend: transposed data, flat parameters, and the
piece masks of the exactly computed activation region (piecewise-linear networks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.protocol import Arithmetic
from badminima.errors import BackendError
from badminima.landscape.forward_pass import Forward, KinkSide, forward, predictions, unflatten
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


@dataclass(frozen=True)
class ExactPass:
    """A point's forward pass in exact arithmetic: the laid-out ``problem``, the ``forward`` pass (logits
    in ``forward.logits``) and the ``predictions`` (Fractions, or sympy numbers past a sigmoid or tanh)."""

    problem: Problem
    forward: Forward
    predictions: Any


def exact_pass(network: Network, dataset: Dataset, point: Point) -> ExactPass | None:
    """The exact forward pass at ``point`` on the exactly decided region, or None where exact arithmetic
    fails (a value sympy cannot build).

    Example:
        >>> from fractions import Fraction
        >>> net = Network((1, 1), "identity", output="sigmoid", loss="bce")
        >>> run = exact_pass(net, Dataset.of([[1]], [[1]]), Point.unflatten(net, [1, -1]))
        >>> run.forward.logits.tolist(), run.predictions.tolist()
        ([[Fraction(0, 1)]], [[Fraction(1, 2)]])
    """
    exact = ExactArithmetic()
    try:
        prob = prepare(network, dataset, point, arith=exact)
        with exact.context():
            fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=exact, masks=prob.masks)
            return ExactPass(prob, fwd, predictions(network, fwd, arith=exact))
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return None
