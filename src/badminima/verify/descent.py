"""Witnesses of lower nearby points.

Exact (piecewise-linear nets, rational loss): the loss along the ray ``x + t v`` is computed as a germ
(a polynomial in t valid on some (0, t0), pieces chosen as they are for small t > 0). If its
lowest-order term is negative, every small enough step goes down: order 1 is a negative one-sided
directional derivative, order ≥ 2 a descent of higher order. A concrete exact point ``x + 2^-k v``
of strictly lower loss is then exhibited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.germ import GermArithmetic, leading_term, ray
from badminima.landscape.losses import loss, loss_of_flat
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import from_float

MAX_HALVINGS = 80


@dataclass(frozen=True)
class Descent:
    """Along ``direction``: loss(x + t v) − loss(x) = ``coefficient`` · t^``order`` + o(t^order) with
    a negative coefficient; ``witness`` = x + ``step``·v has exact loss ``witness_loss`` < loss(x)."""

    direction: tuple[Fraction, ...]
    order: int
    coefficient: Fraction
    step: Fraction
    witness: Point
    witness_loss: Fraction


def loss_germ_term(
    network: Network, dataset: Dataset, point: Point, direction: Sequence[Fraction]
) -> tuple[int, Fraction] | None:
    """Lowest-order term ``(order, coefficient)`` of loss(x + t v) − loss(x) as t → 0+, or None when
    the loss is constant along the ray near x. Exact; needs ``network.has_rational_loss``."""
    germ = GermArithmetic()
    x = point.flatten()
    flat = germ.vector([ray(a, b) for a, b in zip(x, direction, strict=True)])
    inputs = germ.matrix(list(zip(*dataset.X, strict=True)))
    targets = germ.matrix(list(zip(*dataset.y, strict=True)))
    value = loss_of_flat(network, inputs, targets, flat, arith=germ)
    # The germ is the loss on (0, t0) and the loss is continuous, so its constant term is loss(x).
    return leading_term(value - value(0))


def exact_descent(
    network: Network,
    dataset: Dataset,
    point: Point,
    direction: Sequence[Fraction],
    *,
    note: Callable[[str], None] | None = None,
) -> Descent | None:
    """A proved descent along ``direction`` with an exact lower witness point, or None if the ray
    does not go down (lowest-order term ≥ 0, or zero). ``note`` hears each step of the search for the
    witness (progress displays: each is one exact loss over all the data)."""
    v = tuple(Fraction(c) for c in direction)
    if not any(v):
        return None
    if note is not None:
        note("(germ of the loss along the ray)")
    term = loss_germ_term(network, dataset, point, v)
    if term is None or term[1] >= 0:
        return None
    exact = ExactArithmetic()
    base = loss(network, dataset, point, arith=exact)
    x = point.flatten()
    step = Fraction(1)
    for k in range(MAX_HALVINGS):
        if note is not None:
            note(f"(exact loss at step 2^-{k})")
        candidate = Point.unflatten(network, [a + step * b for a, b in zip(x, v, strict=True)])
        value = loss(network, dataset, candidate, arith=exact)
        if value < base:
            return Descent(v, term[0], term[1], step, candidate, value)
        step /= 2
    return None


def rational_direction(values: Sequence[float] | np.ndarray, digits: int = 12) -> tuple[Fraction, ...]:
    """A float direction as exact rationals (scaled to ∞-norm 1, ``digits`` significant digits)."""
    arr = np.asarray(values, dtype=float)
    top = float(np.max(np.abs(arr))) if arr.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        return tuple(Fraction(0) for _ in arr)
    return tuple(from_float(float(a) / top, "simplest", denominator=10**digits) for a in arr)
