"""Two kinds of critical point in one window: the digits then round neither verdict alone.

Numbers written to a few digits (or printed from a float) round any point within their window
(`rounding.window_radii`). Where a number's window reaches 0, the point with it set to 0 is one the
digits round; it is often exactly critical (the origin of a bias-free deep linear or odd network: every
gradient term carries a zero weight). If that point is a saddle while the verdict found a minimum
elsewhere in the window (or the other way round), the digits round both: which one their writer meant is
not in them. A `not-critical` answer is wrong outright, since the window holds a critical point.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Certificate, Verdict
from badminima.verify.critical_free import no_critical_point_within
from badminima.verify.numerics import float_derivatives
from badminima.verify.outcome import Outcome, withdrawn
from badminima.verify.pinpoint import alone_in_a_cube
from badminima.verify.rounding import held_windows, judged_rounding
from badminima.verify.suboptimality import LossEnclosure

_CRITICAL = (Verdict.LOCAL_MIN, Verdict.BAD_LOCAL_MIN, Verdict.SADDLE)

FLAT = 1e-9
"""A float gradient below this (relative to the point's scale) lets the zeroed point be certified."""


def zeroed_in_the_window(network: Network, dataset: Dataset, point: Point) -> Point | None:
    """``point`` with every rounded number whose window reaches 0 set to 0 (numbers written exactly kept),
    where that point's float gradient is flat enough to be worth certifying; else None.

    Example:
        >>> from badminima.model import Dataset, Network
        >>> net = Network((1, 1, 1), "identity", bias=False)
        >>> data = Dataset.of([[1]], [["0.000001"]])
        >>> x = Point.unflatten(net, [Fraction(0.0001), Fraction(-0.0005)])
        >>> zeroed_in_the_window(net, data, x).flatten()
        (Fraction(0, 1), Fraction(0, 1))
    """
    if judged_rounding(point) == 0:
        return None
    given = point.flatten()
    radii = held_windows(point)
    flat = [Fraction(0) if q and r and abs(q) <= r else q for q, r in zip(given, radii, strict=True)]
    if flat == list(given):
        return None
    zero = Point.unflatten(network, flat)
    grad = float_derivatives(network, dataset, zero)[1]
    scale = 1 + max((abs(float(q)) for q in flat), default=0.0)
    if len(grad) and not float(np.max(np.abs(grad))) <= FLAT * scale:
        return None
    return zero


def one_kind_in_the_window(
    network: Network, dataset: Dataset, point: Point, out: Outcome, zero: Point, there: Certificate
) -> Outcome:
    """``out`` (the verdict at the digits of ``point``), unless ``there`` — the literal certificate of
    ``zero``, a point the digits round — proves ``zero`` a critical point of the other kind: then
    `inconclusive`, code ``mixed-window`` (a minimum and a saddle both rounded). A `not-critical` ``out``
    becomes ``there``'s verdict about ``zero`` where the rest of the window is proved to hold no other
    critical point (`critical_free.no_critical_point_within`, the parts about ``zero`` cleared by a cube
    in which ``zero`` is the only one, `pinpoint.at_most_one_critical_point`), else `inconclusive`,
    code ``window-not-cleared`` (the window holds ``zero``)."""
    if out.box_center == zero or there.box_radius or there.verdict not in _CRITICAL:
        return out
    kind = "a minimum" if there.verdict.is_minimum else "a saddle"
    held = f"the digits also round {_named(zero)}, proved {kind} there ({there.method})"
    if out.verdict is Verdict.NOT_CRITICAL:
        only = _the_only_one(network, dataset, point, zero)
        if only is not None:
            return Outcome(
                there.verdict,
                there.rigor,
                there.method,
                f"{out.reason} at the given numbers; but {held}, and over the rest of the window {only}: "
                f"it is the only critical point the digits round ({there.reason}); the verdict is about "
                f"box_center",
                LossEnclosure(out.loss.text, there.loss_lower, there.loss_upper),
                box_radius=point.distance(zero),
                proof_radius=Fraction(0),
                box_center=zero,
                witness=there.witness,
                witness_loss_upper=there.witness_loss_upper,
                code=there.code,
            )
        return withdrawn(
            out,
            f"{out.reason}; but {held}: the window holds a critical point, so the digits are not "
            f"proved to round none",
            "window-not-cleared",
        )
    if out.verdict not in _CRITICAL or out.verdict.is_minimum == there.verdict.is_minimum:
        return out
    return withdrawn(
        out,
        f"{out.reason}; but {held}: the window holds a minimum and a saddle, and the digits do not say "
        f"which one is meant",
        "mixed-window",
    )


def _the_only_one(network: Network, dataset: Dataset, point: Point, zero: Point) -> str | None:
    """Why the window of ``point`` holds no critical point but ``zero`` (one of them), or None."""
    radii = held_windows(point)
    alone = alone_in_a_cube(network, dataset, zero)
    return no_critical_point_within(network, dataset, point, radii, piecewise=True, alone=alone)


def _named(zero: Point) -> str:
    return "the origin" if not any(zero.flatten()) else "the point with the numbers near 0 set to 0"
