"""No critical point in a window where silent units sit off their curve of critical points.

With a silent unit's outgoing weights held at 0 (written exactly 0), every critical point in a window
has the live units' numbers at a critical point of the narrower network without the silent units; where
that network is strictly convex about the live window it has one (`pinpoint.held_critical_point`), or,
about a saddle, the Krawczyk test on a cube that holds the live window leaves one (`box.certify_saddle`
finds it, `pinpoint` encloses it, `pinpoint.at_most_one_critical_point` clears the cube), and
where the gradient along the silent unit's outgoing weight (`silent_gradient`), with the loss's slopes
enclosed over that one point, is proved non-zero on the whole of the unit's window, no point in the
window is critical: `not-critical` about the digits (method ``held-convexity``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from badminima.arithmetic.ball import BallArithmetic
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import certify_saddle
from badminima.verify.certificate import Verdict
from badminima.verify.embeddings import without_units
from badminima.verify.numerics import float_derivatives
from badminima.verify.output_splits import unit_indices
from badminima.verify.pinpoint import Pinpoint, at_most_one_critical_point, held_critical_point, pinpoint
from badminima.verify.silent_gradient import (
    Inputs,
    downstream_slopes,
    quiet_layers,
    silent_numbers,
    silent_slope_on_box,
)

SPLITS = 64
"""The most parts a silent unit's window is cut into (halving its widest side in window units) before
`silent_units_apart` gives up on proving its h non-zero on each."""


def silent_units_apart(
    network: Network, dataset: Dataset, point: Point, radii: Sequence[Fraction]
) -> tuple[str, str] | None:
    """Why the window ``point`` ± ``radii`` holds no critical point, and the method (``held-convexity``,
    or ``krawczyk-pinpoint`` beside a live saddle), or None: its silent units' outgoing
    weights (in any hidden layers) are held at 0 (radius 0), so at every critical point in it the live
    units' numbers are a critical point of their narrower network, the only one in its window
    (`held_critical_point`: strictly convex there; or a saddle alone in a cube that holds the window,
    `_lone_saddle`), and the gradient along some silent unit's outgoing
    weight, Σ_i g_i σ(w·x_i + b) with its inputs and the next layer's slopes enclosed over that one point
    (`silent_gradient`), is proved non-zero on every part of the unit's own window (or that point lies
    outside its window)."""
    if not network.bias or network.activation not in ("tanh", "sigmoid"):
        return None
    quiet = quiet_layers(network, point, noise=False)
    given = point.flatten()
    if not quiet or any(
        radii[k] for layer, silent in quiet for j in silent for k in unit_indices(network, j, layer)[1]
    ):
        return None
    still = {k for layer, silent in quiet for k in silent_numbers(network, silent, layer)}
    live = [k for k in range(network.n_params) if k not in still]
    small, small_point = network, point
    for layer, silent in reversed(quiet):  # the deepest first: each removal keeps the others' indices
        small, small_point = without_units(small, small_point, silent, layer)
    live_radii = [radii[k] for k in live]
    finest = min((r for r in live_radii if r), default=Fraction(0))
    if not finest:
        return None
    narrower = f"the narrower network of the live units ({'-'.join(map(str, small.widths))})"
    # near a duplicate of a live unit the sums are second order in the distance to it (1e-20 for
    # windows of 1e-10), so the one critical point is enclosed again, as tightly as a window squared
    saddle = functools.cache(lambda: _narrower_saddle(small, dataset, small_point))  # tried once, if needed
    for width in (finest / 1024, (finest / 1024) ** 2):
        found = held_critical_point(small, dataset, small_point, live_radii, width)
        where = f"{narrower} has one critical point about their window (strictly convex there)"
        method = "held-convexity"
        if found is None:
            found = _lone_saddle(small, dataset, small_point, live_radii, width, saddle())
            where = f"{narrower} has a saddle, its one critical point in a cube that holds their window"
            method = "krawczyk-pinpoint"
        if found is None:
            return None
        if found.outside(small_point.flatten(), live_radii):
            return f"{where}, outside it", method
        below = dict(quiet)
        for layer, silent in quiet:
            enclosed = downstream_slopes(small, dataset, found.lower, found.upper, found.precision, layer)
            if enclosed is None:
                return None
            ball, inputs, slopes = enclosed
            for j in silent:
                # its weights from the silent units below are theirs to hold at 0: it sees the live ones
                incoming = [
                    m
                    for n, m in enumerate(unit_indices(network, j, layer)[0])
                    if n == network.widths[layer] or n not in below.get(layer - 1, ())
                ]
                unit, window = [given[m] for m in incoming], [radii[m] for m in incoming]
                for k in range(small.widths[layer + 2]):
                    weights = [slopes[k, i] for i in range(len(dataset.X))]
                    if _nonzero_on_parts(ball, network, inputs, weights, unit, window):
                        return (
                            f"{where}, and with its loss slopes there the gradient along unit {j}'s (of "
                            f"hidden layer {layer + 1}) outgoing weight {k} is proved non-zero on every "
                            "part of the unit's window, every silent unit's outgoing weights held at 0",
                            method,
                        )
    return None


def _nonzero_on_parts(
    ball: BallArithmetic,
    network: Network,
    inputs: Inputs,
    weights: Sequence[Any],
    unit: list[Fraction],
    window: list[Fraction],
) -> bool:
    """Whether h is proved non-zero (`silent_gradient.silent_slope_on_box`; not merely not 0: an exact 0
    is no proof) on every part of the box unit ± window, cutting the widest side (in window units) in
    halves, up to `SPLITS` parts."""
    parts = [(unit, window)]
    done = 0
    while parts:
        centre, half = parts.pop()
        with ball.context():
            if ball.sign(silent_slope_on_box(ball, network, inputs, weights, centre, half)) in (1, -1):
                done += 1
                continue
        if done + len(parts) + 2 > SPLITS or not any(half):
            return False
        m = max(range(len(half)), key=lambda i: half[i] / window[i] if window[i] else 0)
        for side in (-1, 1):
            moved = list(centre)
            moved[m] += side * half[m] / 2
            parts.append((moved, [r / 2 if i == m else r for i, r in enumerate(half)]))
    return True


def _narrower_saddle(small: Network, dataset: Dataset, point: Point) -> tuple[Point, Fraction] | None:
    """The centre and radius of the box in which `certify_saddle` proves the narrower network's saddle
    near ``point``, or None."""
    hessian = float_derivatives(small, dataset, point)[2]
    saddle = certify_saddle(small, dataset, point, hessian)
    c, r = saddle.center, saddle.proof_radius
    if saddle.verdict is not Verdict.SADDLE or c is None or r is None:
        return None
    return c, r


def _lone_saddle(
    small: Network,
    dataset: Dataset,
    point: Point,
    radii: Sequence[Fraction],
    width: Fraction,
    saddle: tuple[Point, Fraction] | None,
) -> Pinpoint | None:
    """The narrower network's ``saddle`` (`_narrower_saddle`) enclosed within ``width`` (`pinpoint`),
    where the cube about its centre that holds the window ``point`` ± ``radii`` has no other critical
    point (`at_most_one_critical_point`), else None."""
    if saddle is None:
        return None
    c, r = saddle
    found = pinpoint(small, dataset, c, r, width)
    if found is None:
        return None
    cube = max(abs(q - m) + w for q, m, w in zip(point.flatten(), c.flatten(), radii, strict=True))
    alone = at_most_one_critical_point(small, dataset, c, max(cube, r), precision=found.precision)
    return found if alone else None
