"""What a proof path hands back to `certify` before the certificate is assembled: the verdict, the rigor,
the method and reason, the loss enclosure, and the box, witness and code when there are any."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

from badminima.arithmetic.protocol import Rigor
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.suboptimality import LossEnclosure


@dataclass(frozen=True)
class OnSlice:
    """Where a slice proof's critical point x* is: at ``box_center``'s values in the ``fixed`` flat
    indices, and the gradient's only zero in the others within ``radius`` of it there."""

    fixed: tuple[int, ...]
    radius: Fraction


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    rigor: Rigor
    method: str
    reason: str
    loss: LossEnclosure
    box_radius: Fraction | None = None
    proof_radius: Fraction | None = None
    box_center: Point | None = None
    box_loss_lower: Fraction | None = None
    mu: Fraction | None = None
    witness: Point | None = None
    witness_loss_upper: Fraction | None = None
    steps: tuple[str, ...] = field(default=())
    code: str = ""
    on_slice: OnSlice | None = None


def withdrawn(out: Outcome, reason: str, code: str) -> Outcome:
    """``out`` made ``inconclusive`` (``reason``, ``code``): a proof that went through but is not about the
    given numbers, so its box and witness no longer stand."""
    return replace(
        out,
        verdict=Verdict.INCONCLUSIVE,
        method="none",
        reason=reason,
        box_radius=None,
        witness=None,
        witness_loss_upper=None,
        code=code,
    )


def unknown_loss() -> LossEnclosure:
    return LossEnclosure("unknown (the enclosure overflowed)", None, None)


def about_nearby(out: Outcome, point: Point, nearby: Point, given_loss: str, lead: str) -> Outcome:
    """``out``, proved at the exact point ``nearby`` that the digits of ``point`` round, restated as the
    verdict about ``nearby`` (``box_center``, ``box_radius`` the distance): the reason led by ``lead``,
    the loss text the given point's (``given_loss``) with the bounds of ``nearby``'s."""
    offset = point.distance(nearby)
    return replace(
        out,
        reason=f"{lead} ({float(offset):.2g} away); {out.reason}; the given point itself is not critical: "
        f"the verdict is about box_center",
        loss=LossEnclosure(given_loss, out.loss.lower, out.loss.upper),
        box_center=nearby,
        box_radius=offset,
        proof_radius=Fraction(0),
    )
