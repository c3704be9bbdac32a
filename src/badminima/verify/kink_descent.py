"""One-sided descent at kinks under a smooth loss (sigmoid output or cross-entropy), proved in balls.

Along the ray x + t v the hidden pre-activations of a piecewise-linear network are exact polynomials in
t, so the piece every unit takes for small t > 0 is decided exactly by its germ (`GermArithmetic`),
never by the relu'(0) convention. On that piece the loss is a smooth function F_M that agrees with F
on some (0, t₀) along the ray, and both are continuous at x, so

    F'(x; v) = lim_{t→0+} (F(x + t v) − F(x)) / t = ∇F_M(x) · v.

A ball enclosure of ∇F_M(x) · v below zero proves that every small enough step along v goes down:
x is neither a local minimum nor first-order stationary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.germ import GermArithmetic, ray
from badminima.landscape.derivatives import gradient_of_flat
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region, region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.progress import ProgressHook, report
from badminima.verify.descent import rational_direction
from badminima.verify.parameter_box import ball_bounds
from badminima.verify.suboptimality import enclose_loss

MAX_REFINEMENTS = 4
"""Rounds of "step against the gradient of the piece the last step entered" per starting piece."""

MAX_HALVINGS = 120
"""Steps 2⁰ … 2⁻¹²⁰ tried for a witness point of proved lower loss."""

WITNESS_PRECISION = 512
"""Bits of the witness's loss enclosures: a slope of 1e-20 (a point next to a critical one) goes down
by 1e-40 over its first steps, below 128 bits' resolution of the loss."""


@dataclass(frozen=True)
class KinkDescent:
    """Along ``direction`` the one-sided derivative F'(x; v) lies in [``lower``, ``upper``] < 0, on the
    piece ``masks`` that the ray enters; ``witness`` = x + ``step``·v has loss ≤ ``witness_loss_upper``,
    proved below the loss at x (None when no step down to 2⁻¹²⁰ could be proved lower)."""

    direction: tuple[Fraction, ...]
    lower: Fraction
    upper: Fraction
    masks: tuple[np.ndarray, ...]
    step: Fraction | None
    witness: Point | None
    witness_loss_upper: Fraction | None


def ray_masks(
    network: Network, dataset: Dataset, point: Point, direction: Sequence[Fraction]
) -> list[np.ndarray]:
    """The piece of every hidden unit on every data point along ``point + t·direction`` for small t > 0
    (True: the z ≥ 0 piece), decided exactly from the germs of the pre-activations.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[1], [-1]], [[1], [0]])
        >>> kink = Point.unflatten(net, [1, -1, 1, 0])  # z = x − 1: the first point sits on the kink
        >>> [m.tolist() for m in ray_masks(net, data, kink, [Fraction(-1), 0, 0, 0])]
        [[[False, False]]]
    """
    germ = GermArithmetic()
    flat = germ.vector([ray(a, Fraction(b)) for a, b in zip(point.flatten(), direction, strict=True)])
    inputs = germ.matrix(list(zip(*dataset.X, strict=True)))
    fwd = forward(network, unflatten(network, flat), inputs, arith=germ)
    return [np.asarray(m, dtype=bool) for m in fwd.masks]


def _piece_gradient(
    network: Network, dataset: Dataset, point: Point, masks: Sequence[np.ndarray], prec: int
) -> list[Any]:
    ball = BallArithmetic(prec)
    prob = prepare(network, dataset, point, arith=ball)
    with ball.context():
        return list(
            gradient_of_flat(network, prob.inputs, prob.targets, prob.flat, arith=ball, masks=list(masks))
        )


def _key(masks: Sequence[np.ndarray]) -> bytes:
    return b"".join(np.packbits(m).tobytes() for m in masks)


def _candidates(
    network: Network, dataset: Dataset, point: Point, region: Region, gradient: Any
) -> list[tuple[Fraction, ...]]:
    """Directions worth a proof: against the gradients of the pieces with every kink inactive and every
    kink active (refined by following the piece each step enters), then ± every coordinate."""
    out: list[tuple[Fraction, ...]] = []
    for side in ("inactive", "active"):
        masks = region.masks(side)
        for _ in range(MAX_REFINEMENTS):
            g = np.array([float(v.mid()) for v in gradient(masks)])
            v = rational_direction(-g)
            if not any(v) or v in out:
                break
            out.append(v)
            nxt = ray_masks(network, dataset, point, v)
            if _key(nxt) == _key(masks):
                break
            masks = nxt
    n = network.n_params
    for p in range(n):
        for s in (1, -1):
            e = tuple(Fraction(s if q == p else 0) for q in range(n))
            if e not in out:
                out.append(e)
    return out


def kink_descent(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    region: Region | None = None,
    first: Sequence[tuple[Fraction, ...]] = (),
    precision: int = 128,
    progress: ProgressHook | None = None,
) -> KinkDescent | None:
    """A proved negative one-sided directional derivative at a point of a piecewise-linear network
    whose loss is smooth (sigmoid output or cross-entropy), or None when no tried direction gives one.
    ``region`` is the point's activation region when the caller has it (computed otherwise); ``first``
    are directions tried before the usual candidates (a caller's better guesses: the first proved
    negative slope is the one returned).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[1], [-1]], [[1], [0]])
        >>> kink = Point.unflatten(net, [1, -1, 1, 0])
        >>> found = kink_descent(net, data, kink)
        >>> found is not None and found.upper < 0 and found.witness is not None
        True
    """
    cache: dict[bytes, list[Any]] = {}

    def gradient(masks: Sequence[np.ndarray]) -> list[Any]:
        key = _key(masks)
        if key not in cache:
            cache[key] = _piece_gradient(network, dataset, point, masks, precision)
        return cache[key]

    if region is None:
        region = region_of(network, dataset, point)
    usual = _candidates(network, dataset, point, region, gradient)
    candidates = [*first, *(v for v in usual if v not in first)]
    ball = BallArithmetic(precision)
    for k, v in enumerate(candidates):
        report(progress, "one-sided derivatives at the kinks", k, len(candidates))
        masks = ray_masks(network, dataset, point, v)
        g = gradient(masks)
        with ball.context():
            slope = sum(
                (gi * ball.constant(vi) for gi, vi in zip(g, v, strict=True) if vi),
                ball.constant(Fraction(0)),
            )
            if ball.sign(slope) != -1:
                continue
            lo, hi = ball_bounds(slope)
        step, witness, upper = _witness(network, dataset, point, v, max(precision, WITNESS_PRECISION))
        return KinkDescent(v, lo, hi, tuple(masks), step, witness, upper)
    return None


def _witness(
    network: Network, dataset: Dataset, point: Point, v: Sequence[Fraction], precision: int
) -> tuple[Fraction | None, Point | None, Fraction | None]:
    base = enclose_loss(network, dataset, point, precision=precision).lower
    if base is None:
        return None, None, None
    x = point.flatten()
    step = Fraction(1)
    for _ in range(MAX_HALVINGS):
        candidate = Point.unflatten(network, [a + step * b for a, b in zip(x, v, strict=True)])
        upper = enclose_loss(network, dataset, candidate, precision=precision).upper
        if upper is not None and upper < base:
            return step, candidate, upper
        step /= 2
    return None, None, None
