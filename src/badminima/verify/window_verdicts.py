"""Verdicts about a nearby critical point, held to what the given digits may round.

A proof at a rounded point is often about a critical point a little off it (``box_center``). That point
is the digits' only if each rounded number lies within its window (`rounding.window_radii`: where the
point the digits round may sit) and every number written exactly on purpose (a fraction with no
terminating expansion) is kept. Otherwise the verdict is withdrawn (`beyond-window`,
`exact-number-moved`), or, where a gradient entry is proved non-zero over the window, replaced by
`not-critical`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import format_rational
from badminima.verify.certificate import Verdict
from badminima.verify.critical_free import no_critical_point_within
from badminima.verify.fibre_window import best_fit_window_verdict
from badminima.verify.lift import SLICE_METHODS
from badminima.verify.orbit_window import rescaled_into_the_window
from badminima.verify.outcome import Outcome, withdrawn
from badminima.verify.pinpoint import (
    Pinpoint,
    alone_in_a_cube,
    bits_for,
    convex_apart,
    held_critical_point,
    held_saddle,
    pinpoint,
    slice_point,
    strictly_convex,
)
from badminima.verify.rounding import (
    digits_window,
    held_windows,
    hold_pinned,
    judged_rounding,
    pinned_numbers,
    resolvable_window,
    rounding_box,
    written_short,
)
from badminima.verify.suboptimality import LossEnclosure, enclose_loss

BOX_PROOFS = ("box-strong-convexity", "box-krawczyk-curvature")
"""Methods whose box ``box_center`` ± ``proof_radius`` holds exactly one critical point."""

SLICE_PROOFS = (*SLICE_METHODS, "slice-saddle", "best-affine-fit", "affine-fit-saddle")
"""Codes of the proofs on a slice (``on_slice``): through a symmetry group's orbits (`lift.lifted_outcome`),
or through a manifold of best affine fits (`affine_fits.certify_nearby_affine_fit`) or of saddles in the
affine map (`affine_saddles`)."""


def exact_numbers_kept(
    network: Network, dataset: Dataset, point: Point, out: Outcome, near: Fraction
) -> Outcome:
    """``out``, unless it is a minimum or saddle about a nearby point (``box_center``) that moves a number
    written exactly on purpose (a fraction with no terminating expansion, `non_terminating`, that
    `rounding.rounding_box` does not take for noise): no rounding reaches such a number, so a critical
    point the verdict may be about keeps it. A gradient entry proved non-zero with those numbers held,
    over the verdict's whole box, the digits' window (`digits_window`: where the point they round may lie)
    or their own rounding (not for a manifold of critical points beside digits all shorter than a
    float's print, which round it wherever it meets the held numbers in their window), is
    `not-critical` (`gradient-nonzero`); else a
    move beyond the proof's own radius is `inconclusive` (code `exact-number-moved`). Short decimals
    (1.125) may be roundings that happen to be short: they are left to each proof's own reach."""
    center = out.box_center
    if out.verdict not in (Verdict.LOCAL_MIN, Verdict.SADDLE) or center is None:
        return out
    given, radii, pinned = point.flatten(), rounding_box(point), pinned_numbers(point)
    moved = [(k, given[k], c) for k, c in enumerate(center.flatten()) if k in pinned and given[k] != c]
    if not moved:
        return out
    k, x, c = moved[0]
    what = (
        f"parameter {k}: {format_rational(x)} given, {format_rational(c)} there, {float(abs(x - c)):.2g} away"
    )
    reach = max(out.box_radius or Fraction(0), max(radii))
    isolated = out.method in BOX_PROOFS
    scale = 1 + max((abs(q) for q in given), default=Fraction(0))
    window, _ = digits_window(point, near)
    if not any(window):  # float prints: an optimiser's accuracy, `near` relative, exact numbers held
        window = [near * scale if r else Fraction(0) for r in radii]
    # last, the digits' own rounding: a critical point keeping those numbers beyond it would be one the
    # digits do not round, and a minimum or saddle about a point that moves one is the worse answer
    boxes = (
        ([max(r, reach) for r in radii], f"radius {float(reach):.2g}"),
        (window, "the digits' window (numbers written exactly held)"),
        # the digits' own rounding; but digits their writer chose round a manifold of critical points
        # (an identity unit's orbit) wherever it meets the held numbers inside their window
        *([(radii, "the digits' own rounding")] if isolated or not written_short(point) else []),
    )
    for box, where in boxes:
        apart = no_critical_point_within(network, dataset, point, hold_pinned(point, box), piecewise=True)
        if apart is not None:
            return Outcome(
                Verdict.NOT_CRITICAL,
                "interval",
                "ball-gradient",
                f"{out.reason}; but that point moves {len(moved)} number(s) written exactly ({what}), and "
                f"with every such number held, over the whole box of {where} around the given point "
                f"{apart}: no critical point keeps them, so the given numbers round none",
                enclose_loss(network, dataset, point),
                code="gradient-nonzero",
            )
    slack = out.proof_radius or Fraction(0)
    if all(abs(x - c) <= slack for _, x, c in moved):
        return out
    return withdrawn(
        out,
        f"{out.reason}; but that point moves {len(moved)} number(s) written exactly ({what}), beyond "
        f"the proof's radius {float(slack):.2g}: no rounding reaches it, so the {out.verdict.value} is not "
        f"about the given numbers",
        "exact-number-moved",
    )


def inside_the_window(
    network: Network, dataset: Dataset, point: Point, out: Outcome, rounding: Fraction | None = None
) -> Outcome:
    """``out``, unless it is a minimum or saddle about a nearby point (``box_center``) that the digits of
    ``point`` — all shorter than a float's print (their writer chose them), or a float's print (window
    1e-3·(1 + |θ_i|) per number: one large number widens nobody else's) — do not round: a rounded number
    beyond its window (`window_radii`; numbers written exactly are `exact_numbers_kept`'s or, short
    decimals that may be roundings, each proof's own reach). Then a gradient entry proved non-zero over
    the window is `not-critical` (`gradient-nonzero`), else `inconclusive` (code `beyond-window`)."""
    center = out.box_center
    if out.verdict not in (Verdict.LOCAL_MIN, Verdict.SADDLE) or center is None:
        return out
    window = resolvable_window(point)
    if judged_rounding(point, rounding) == 0:
        return out
    if window is None:  # mixed and longer digits: a float box_center cannot resolve their windows
        return _pinned_in_the_window(network, dataset, point, out)
    if center == point:
        return out
    radii, given, there = window, point.flatten(), center.flatten()
    beyond = [k for k, r in enumerate(radii) if r and abs(there[k] - given[k]) > r]
    if not beyond:
        return out
    moved = rescaled_into_the_window(network, point, out)
    if moved is not None:
        return moved
    k = beyond[0]
    what = f"parameter {k} is {float(abs(there[k] - given[k])):.2g} away, its window {float(radii[k]):.2g}"
    reach = out.proof_radius or Fraction(0)
    found = Pinpoint(tuple(c - reach for c in there), tuple(c + reach for c in there), 0)
    clear = any(abs(there[k] - given[k]) > r + reach for k, r in enumerate(radii) if r)
    return _not_the_digits(
        network, dataset, point, out, radii, what, decide=True, found=found if clear else None
    )


def _pinned_in_the_window(network: Network, dataset: Dataset, point: Point, out: Outcome) -> Outcome:
    """`inside_the_window` for digits mixed or beyond a float's whose window (a few units of a 30th
    digit) a float centre cannot resolve: the proof's critical point — ``box_center`` within an eighth of
    the finest window, else a box proof's one critical point enclosed that tightly (`pinpoint`) — is
    held to the window. Outside it, a window inside a box proof's box holds no critical point
    (`not-critical`); else `beyond-window`, as where it cannot be enclosed. Other proofs whose reach
    exceeds the window are held to it by `_held_decides`; a best affine fit whose slice misses the
    window is met inside it on its manifold, or shown to miss it (`fibre_window`); a slice proof
    (`SLICE_PROOFS`) that is not held is `beyond-window` too (a float-located critical point says nothing of
    a window of 1e-27); others stay with their verdict."""
    if out.box_center is None:
        return out
    radii, given = held_windows(point), point.flatten()
    finest = min((r for r in radii if r), default=Fraction(0))
    reach = out.proof_radius or Fraction(0)
    if not finest:
        return out
    found: Pinpoint | None
    if reach <= finest / 8:
        there = out.box_center.flatten()
        found = Pinpoint(tuple(c - reach for c in there), tuple(c + reach for c in there), 0)
    elif out.method not in BOX_PROOFS:
        decided = _held_decides(network, dataset, point, out, radii)
        if decided is not None or out.code not in SLICE_PROOFS or out.on_slice is None:
            return decided or out  # (an orbit proof without its slice: a narrower network's, judged there)
        fitted = best_fit_window_verdict(network, dataset, point, out, radii)
        if fitted is not None:
            return fitted
        # a slice proof locates its critical point only to a float-polished centre's box, and the orbit
        # (or manifold of best fits) may or may not meet the window: not decided (red teams s36, s36b:
        # ReLU rescaling orbits and ReLU best affine fits 3 windows off 30-digit numbers were taken as
        # the digits')
        return withdrawn(
            out,
            f"{out.reason}; but the digits' window (down to {float(finest):.2g}) is finer than the proof's "
            f"reach ({float(reach):.2g}) and its critical point could not be held to the window: whether "
            f"the digits round it is not decided",
            "beyond-window",
        )
    else:
        found = pinpoint(network, dataset, out.box_center, reach, finest / 8)
    if found is None:
        return withdrawn(
            out,
            f"{out.reason}; but the digits' window (down to {float(finest):.2g}) is finer than the proof's "
            f"box ({float(reach):.2g}) and its critical point could not be enclosed within it: "
            f"whether the digits round it is not decided",
            "beyond-window",
        )
    where = (
        f"enclosed at {found.precision} bits within {float(found.width):.2g}"
        if found.precision
        else f"within {float(reach):.2g} of box_center"
        if reach
        else "box_center itself"
    )
    beyond = found.beyond(given, radii)
    if not beyond:
        return replace(
            out, reason=f"{out.reason}; its critical point, {where}, lies inside the digits' window"
        )
    moved = rescaled_into_the_window(network, point, out) if not reach else None
    if moved is not None:
        return moved
    clear = found.outside(given, radii)
    k = (clear or beyond)[0]
    what = (
        f"parameter {k}, {where}, {'lies' if clear else 'may lie'} outside its window {float(radii[k]):.2g}"
    )
    center = out.box_center.flatten()
    covered = out.method in BOX_PROOFS and all(
        abs(g - c) + r < reach for g, c, r in zip(given, center, radii, strict=True)
    )
    if clear and covered:
        return Outcome(
            Verdict.NOT_CRITICAL,
            "interval",
            "krawczyk-pinpoint",
            f"{out.reason}; but {what}: the digits' window lies inside that box, whose one critical point "
            f"is outside it, so they round no critical point",
            enclose_loss(network, dataset, point),
            code="gradient-nonzero",
        )
    return _not_the_digits(network, dataset, point, out, radii, what, decide=bool(clear), found=found)


def _not_the_digits(
    network: Network,
    dataset: Dataset,
    point: Point,
    out: Outcome,
    radii: list[Fraction],
    what: str,
    *,
    decide: bool,
    found: Pinpoint | None = None,
) -> Outcome:
    """``out``, about a point the digits do not (or may not) round (``what`` says which number), made
    `not-critical` where (with ``decide``) no critical point lies in the whole window ``radii``, else
    `inconclusive` (code `beyond-window`). Parts of the window are cleared by a gradient entry proved
    non-zero (`ball-gradient`), or, given ``found`` (a box proof's critical point enclosed outside the
    window), by lying in a cube about ``box_center`` that holds ``found`` and no other critical point
    (`pinpoint.at_most_one_critical_point`; method `krawczyk-pinpoint`)."""
    center = out.box_center
    usable = found is not None and center is not None and out.method in BOX_PROOFS
    lone: list[bool] = []
    in_a_cube = alone_in_a_cube(network, dataset, center, found) if usable and center is not None else None

    def alone(part: Sequence[Fraction], r: Sequence[Fraction]) -> bool:
        assert in_a_cube is not None
        lone.append(in_a_cube(part, r))
        return lone[-1]

    held = None if usable else _held_decides(network, dataset, point, out, radii)
    if held is not None:
        return held
    if decide and usable and strictly_convex(network, dataset):
        return Outcome(
            Verdict.NOT_CRITICAL,
            "interval",
            "strict-convexity",
            f"{out.reason}; but the digits do not round that point ({what}), and the loss is strictly "
            f"convex in the parameters (no hidden layer, {network.output} output with {network.loss}, "
            f"inputs of full column rank): that point is its only critical point, so they round none",
            enclose_loss(network, dataset, point),
            code="gradient-nonzero",
        )
    apart = (
        no_critical_point_within(
            network, dataset, point, radii, piecewise=True, alone=alone if usable else None
        )
        if decide
        else None
    )
    if apart is not None:
        return Outcome(
            Verdict.NOT_CRITICAL,
            "interval",
            "krawczyk-pinpoint" if any(lone) else "ball-gradient",
            f"{out.reason}; but the digits do not round that point ({what}), and over their window "
            f"{apart}: they round no critical point",
            enclose_loss(network, dataset, point),
            code="gradient-nonzero",
        )
    return withdrawn(
        out,
        f"{out.reason}; but the digits may not round that point ({what}): the {out.verdict.value} is not "
        f"about the given numbers, and no proof decides the critical points inside their window",
        "beyond-window",
    )


def _held_decides(
    network: Network,
    dataset: Dataset,
    point: Point,
    out: Outcome,
    radii: list[Fraction],
) -> Outcome | None:
    """With every number written exactly held (radius 0 in the window ``radii``), the loss in the others
    strictly convex on a box that holds the window, and its one critical point there enclosed within an
    eighth of the finest window outside it (`pinpoint.convex_apart`): `not-critical` (code
    `gradient-nonzero`). A slice proof's critical point x* (``out.on_slice``: at its given values in the
    slice's fixed numbers, a superset of the held ones, and the only zero of the gradient in the others
    near ``box_center``) is enclosed the same way, on a box that holds that neighbourhood too: inside the
    window, ``out`` is about the digits; a slice saddle, not convex there, is proved again at a finer
    precision (`_slice_saddle_in_the_window`). Else None. This decides proofs whose critical point lies on
    a manifold (a symmetry's orbit) that the held numbers cut at one point."""
    given = point.flatten()
    finest = min((r for r in radii if r), default=Fraction(0))
    if not finest:
        return None
    held = [k for k, r in enumerate(radii) if not r]
    apart = convex_apart(network, dataset, point, radii) if held else None
    if apart is not None:
        return Outcome(
            Verdict.NOT_CRITICAL,
            "interval",
            "held-convexity",
            f"{out.reason}; but with the numbers written exactly held, over the digits' window {apart}: "
            f"the digits round no critical point",
            enclose_loss(network, dataset, point),
            code="gradient-nonzero",
        )
    center, on = out.box_center, out.on_slice
    kept = set() if on is None else set(on.fixed)
    if center is None or on is None or not kept >= set(held):
        return None
    if any(center.flatten()[k] != given[k] for k in kept):
        return None
    free = [Fraction(0) if k in kept else r for k, r in enumerate(radii)]
    found = slice_point(network, dataset, point, on.fixed, (center, on.radius), radii)
    if found is not None and found.outside(given, radii) and kept == set(held):
        # the slice fixes only numbers written exactly: x* is the one critical point in reach of the window
        return Outcome(
            Verdict.NOT_CRITICAL,
            "interval",
            "held-convexity",
            f"{out.reason}; but with the numbers written exactly held the loss in the others is strictly "
            f"convex on a box that holds the digits' window and the proof's box, and its one critical "
            f"point there (enclosed at {found.precision} bits within {float(found.width):.2g}) lies "
            f"outside the window: the digits round no critical point",
            enclose_loss(network, dataset, point),
            code="gradient-nonzero",
        )
    where = "a box that holds the digits' window and the proof's box"
    if found is None and on.radius and any(free):
        # not convex over the whole window (6-digit numbers beside a 30-digit one): over the proof's own
        # box only, which says where x* is, not that the window holds no other critical point
        local = [Fraction(0) if k in kept else on.radius for k in range(len(given))]
        found = held_critical_point(network, dataset, point, local, finest / 8, (center, on.radius))
        where = "the proof's box"
    if found is None or found.beyond(given, radii):
        if out.verdict is Verdict.SADDLE:
            return _slice_saddle_in_the_window(network, dataset, point, out, kept, radii)
        return None
    return replace(
        out,
        reason=f"{out.reason}; with its {len(kept)} fixed number(s) held, the loss in the others is "
        f"strictly convex on {where}, so its one "
        f"critical point there (enclosed at {found.precision} bits within {float(found.width):.2g}) is "
        f"that point, and it lies inside the window",
    )


def _slice_saddle_in_the_window(
    network: Network,
    dataset: Dataset,
    point: Point,
    out: Outcome,
    kept: set[int],
    radii: list[Fraction],
) -> Outcome | None:
    """A slice saddle (``out``: its Krawczyk box ``box_center`` ± ``proof_radius`` holds one critical point
    of the slice that fixes ``kept``, critical for F by the symmetry's identities) proved again on the
    slice (`pinpoint.held_saddle` with those numbers fixed) at the precision whose box is an eighth of the
    finest window: where that box lies inside the first (the same critical point) and inside the digits'
    window, ``out`` about its centre; else None."""
    center, reach = out.box_center, out.proof_radius
    if center is None or not reach:
        return None
    given, there = point.flatten(), center.flatten()
    finest = min(r for r in radii if r)
    bits = bits_for(1 + max(abs(q) for q in there), finest / 8)
    if bits is None:
        return None
    free = [k for k in range(network.n_params) if k not in kept]
    res = held_saddle(network, dataset, center, free, bits)
    if res is None or res.center is None or res.proof_radius is None:
        return None
    c, r, again = res.center, res.proof_radius, res.center.flatten()
    if any(again[k] != given[k] for k in kept) or any(
        abs(a - t) + r > reach for a, t in zip(again, there, strict=True)
    ):
        return None
    if any(abs(a - g) + r > w for a, g, w in zip(again, given, radii, strict=True) if w):
        return None
    return replace(
        out,
        reason=f"{out.reason}; proved again on the slice at {bits} bits, its critical point lies within "
        f"{float(r):.2g} of a centre inside the first box, and that box is inside the digits' window",
        loss=LossEnclosure(out.loss.text, res.loss_lower, res.loss_upper),
        box_center=c,
        proof_radius=r,
        box_radius=point.distance(c) + r,
        witness=res.witness,
        witness_loss_upper=res.witness_loss_upper,
    )
