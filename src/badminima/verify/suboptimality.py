"""The better point's loss, enclosed, and the proved gap to the certified minimum."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.landscape.evaluation import exact_text
from badminima.landscape.losses import loss
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.parameter_box import ball_bounds


@dataclass(frozen=True)
class LossEnclosure:
    """``lower ≤ loss ≤ upper``, exact rationals; ``text`` is the exact value or the ball."""

    text: str
    lower: Fraction | None
    upper: Fraction | None


def enclose_loss(network: Network, dataset: Dataset, point: Point, *, precision: int = 128) -> LossEnclosure:
    """The loss at ``point``: exact when it is rational, otherwise a ball at ``precision`` bits."""
    if network.has_rational_loss:
        value = loss(network, dataset, point, arith=ExactArithmetic())
        return LossEnclosure(exact_text(value), value, value)
    ball = BallArithmetic(precision)
    value = loss(network, dataset, point, arith=ball)
    lo, hi = ball_bounds(value)
    return LossEnclosure(exact_text(value), lo, hi)


def proved_gap(minimum_lower: Fraction | None, better: LossEnclosure) -> Fraction | None:
    """A proved lower bound on (lowest loss around the minimum) − (better loss), or None."""
    return None if minimum_lower is None or better.upper is None else minimum_lower - better.upper
