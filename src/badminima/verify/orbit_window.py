"""A critical point found just outside the digits' window, moved along its rescaling orbit into it.

Positive rescalings (w, b, c) → (αw, αb, c/α) of a ReLU, leaky ReLU or identity unit leave the network
function, hence the loss, unchanged (`landscape.symmetries.rescale_unit`). So they map critical points to
critical points of the same loss and kind: a minimum to a minimum, a saddle and its lower point to a
saddle and a lower point. A proof about an exact critical point x* whose numbers are not all within the
window of the given digits (`rounding.window_radii`) is then a proof about its image αx*, wherever that
image is: `toward_the_digits` picks, unit by unit, the rational α that brings the unit's numbers closest
to the given ones in units of their windows (numbers written exactly must be met exactly).
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

from badminima.landscape.symmetries import has_scale_symmetry, hidden_layers, rescale_unit
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.outcome import Outcome
from badminima.verify.rounding import digits_may_round, window_radii

PASSES = 3
"""Sweeps over the hidden units (a unit's outgoing weights are the next layer's incoming ones)."""


def _unit_coordinates(network: Network, layer: int, unit: int) -> tuple[list[int], list[int]]:
    """The flat indices the rescaling of ``unit`` multiplies by α (incoming, bias) and divides by α."""
    moved = rescale_unit(network, [Fraction(1)] * network.n_params, layer, unit, Fraction(2))
    return [k for k, v in enumerate(moved) if v == 2], [k for k, v in enumerate(moved) if v == Fraction(1, 2)]


def _worst(
    alpha: Fraction,
    center: list[Fraction],
    given: list[Fraction],
    radii: list[Fraction],
    up: list[int],
    down: list[int],
) -> Fraction | None:
    """max over the unit's numbers of |moved − given| / window (None: a number written exactly missed)."""
    worst = Fraction(0)
    for k, moved in [*((k, alpha * center[k]) for k in up), *((k, center[k] / alpha) for k in down)]:
        gap = abs(moved - given[k])
        if radii[k] == 0:
            if gap:
                return None
        else:
            worst = max(worst, gap / radii[k])
    return worst


def _best_scale(
    center: list[Fraction], given: list[Fraction], radii: list[Fraction], up: list[int], down: list[int]
) -> Fraction | None:
    """The scale α > 0 of one unit that brings it nearest the given numbers (a rational; None if none
    meets the numbers written exactly)."""
    forced = {
        given[k] / center[k] if k in up else center[k] / given[k]
        for k in up + down
        if radii[k] == 0 and center[k] and given[k]
    }
    if len(forced) > 1:
        return None
    if forced:
        alpha = forced.pop()
        return alpha if alpha > 0 and _worst(alpha, center, given, radii, up, down) is not None else None

    def cost(t: float) -> float:  # quasi-convex in log α: a maximum of |α·a − x| and |a/α − x|
        a = math.exp(t)
        terms = [abs(a * float(center[k]) - float(given[k])) / float(radii[k]) for k in up if radii[k]]
        terms += [abs(float(center[k]) / a - float(given[k])) / float(radii[k]) for k in down if radii[k]]
        return max(terms, default=0.0)

    lo, hi = -30.0, 30.0
    for _ in range(200):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (lo, m2) if cost(m1) <= cost(m2) else (m1, hi)
    alpha = Fraction(math.exp((lo + hi) / 2)).limit_denominator(10**15)
    one = _worst(Fraction(1), center, given, radii, up, down)
    there = _worst(alpha, center, given, radii, up, down)
    if there is None or (one is not None and one <= there):
        return Fraction(1)
    return alpha


def toward_the_digits(
    network: Network, point: Point, center: Point, margin: Fraction = Fraction(0)
) -> tuple[Point, list[tuple[int, int, Fraction]]] | None:
    """``center`` rescaled unit by unit (exact rational scales, returned as (layer, unit, α)) into the
    window of the digits of ``point`` — with room for a critical point ``margin`` (∞-norm) from
    ``center``, stretched by the scales — or None (no rescaling symmetry, or none brings it in).

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1, 1), "relu")
        >>> x = Point.unflatten(net, ["0.71428571", "0.14285714", "2.3333383", "-0.44444444"])
        >>> # a critical point v·relu(wx + b) + c on the orbit of (5/7, 1/7, 7/3, −4/9), twice as steep
        >>> star = Point.unflatten(net, [Fraction(10, 7), Fraction(2, 7), Fraction(7, 6), Fraction(-4, 9)])
        >>> moved, scales = toward_the_digits(net, x, star)
        >>> digits_may_round(x, star), digits_may_round(x, moved)
        (False, True)
    """
    if not has_scale_symmetry(network):
        return None
    given, radii = list(point.flatten()), window_radii(point)
    flat = list(center.flatten())
    scales: list[tuple[int, int, Fraction]] = []
    for _ in range(PASSES):
        for layer in hidden_layers(network):
            for unit in range(network.widths[layer]):
                up, down = _unit_coordinates(network, layer, unit)
                alpha = _best_scale(flat, given, radii, up, down)
                if alpha is None:
                    return None
                if alpha != 1:
                    flat = list(rescale_unit(network, flat, layer, unit, alpha))
                    scales.append((layer, unit, alpha))
    moved = Point.unflatten(network, flat)
    stretch = math.prod((max(a, 1 / a) for *_, a in scales), start=Fraction(1))
    room = margin * stretch
    inside = all(abs(m - q) + room <= r for m, q, r in zip(flat, given, radii, strict=True))
    return (moved, scales) if inside else None


def into_the_window(network: Network, point: Point, star: Point) -> Point | None:
    """``star``, an exact critical point, if the digits of ``point`` may round it, else its image on the
    rescaling orbit that they do (`toward_the_digits`), else None."""
    if digits_may_round(point, star):
        return star
    found = toward_the_digits(network, point, star)
    return None if found is None else found[0]


def rescaled_into_the_window(network: Network, point: Point, out: Outcome) -> Outcome | None:
    """``out``, a verdict about the exact critical point ``box_center`` outside the digits' window,
    restated about its image on the rescaling orbit inside it (`toward_the_digits`): the witness moved
    with it, the box the distance from the given point; None where no rescaling brings it in."""
    if out.box_center is None:
        return None
    found = toward_the_digits(network, point, out.box_center, out.proof_radius or Fraction(0))
    if found is None:
        return None
    moved, scales = found
    witness = out.witness
    if witness is not None:
        flat = list(witness.flatten())
        for layer, unit, alpha in scales:
            flat = list(rescale_unit(network, flat, layer, unit, alpha))
        witness = Point.unflatten(network, flat)
    return replace(
        out,
        reason=f"{out.reason}; rescaled along its orbit (units' scales "
        f"{', '.join(str(a) for *_, a in scales)}: the same loss and kind) to box_center, which the digits "
        f"round",
        box_center=moved,
        box_radius=point.distance(moved),
        proof_radius=Fraction(0),
        witness=witness,
        on_slice=None,
    )
