"""No critical point in a window where silent units sit off their curve of critical points.

With a silent unit's outgoing weights held at 0 (written exactly 0), every critical point in a window
has the live units' numbers at a critical point of the narrower network without the silent units; where
that network is strictly convex about the live window it has one (`pinpoint.held_critical_point`), and
where the gradient along the silent unit's outgoing weight (`silent_gradient`), with the loss's slopes
enclosed over that one point, is proved non-zero on the whole of the unit's window, no point in the
window is critical: `not-critical` about the digits (method ``held-convexity``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from badminima.arithmetic.ball import BallArithmetic
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.embeddings import without_units
from badminima.verify.output_splits import unit_indices
from badminima.verify.pinpoint import held_critical_point
from badminima.verify.silent_gradient import (
    Inputs,
    downstream_slopes,
    quiet_units,
    silent_numbers,
    silent_slope_on_box,
)

SPLITS = 64
"""The most parts a silent unit's window is cut into (halving its widest side in window units) before
`silent_units_apart` gives up on proving its h non-zero on each."""


def silent_units_apart(
    network: Network, dataset: Dataset, point: Point, radii: Sequence[Fraction]
) -> str | None:
    """Why the window ``point`` ± ``radii`` holds no critical point, or None: its silent units' outgoing
    weights (in one hidden layer) are held at 0 (radius 0), so at every critical point in it the live
    units' numbers are a critical point of their narrower network, the only one in its window
    (`held_critical_point`: strictly convex there), and the gradient along some silent unit's outgoing
    weight, Σ_i g_i σ(w·x_i + b) with its inputs and the next layer's slopes enclosed over that one point
    (`silent_gradient`), is proved non-zero on every part of the unit's own window (or that point lies
    outside its window)."""
    if not network.bias or network.activation not in ("tanh", "sigmoid"):
        return None
    quiet = quiet_units(network, point, noise=False)
    if quiet is None:
        return None
    layer, silent = quiet
    given = point.flatten()
    if not silent or any(radii[k] for j in silent for k in unit_indices(network, j, layer)[1]):
        return None
    still = silent_numbers(network, silent, layer)
    live = [k for k in range(network.n_params) if k not in still]
    small, small_point = without_units(network, point, silent, layer)
    live_radii = [radii[k] for k in live]
    finest = min((r for r in live_radii if r), default=Fraction(0))
    if not finest:
        return None
    where = (
        f"the narrower network of the live units ({'-'.join(map(str, small.widths))}) has one critical "
        f"point about their window (strictly convex there)"
    )
    # near a duplicate of a live unit the sums are second order in the distance to it (1e-20 for
    # windows of 1e-10), so the one critical point is enclosed again, as tightly as a window squared
    for width in (finest / 1024, (finest / 1024) ** 2):
        found = held_critical_point(small, dataset, small_point, live_radii, width)
        if found is None:
            return None
        if found.outside(small_point.flatten(), live_radii):
            return f"{where}, outside it"
        enclosed = downstream_slopes(small, dataset, found.lower, found.upper, found.precision, layer)
        if enclosed is None:
            return None
        ball, inputs, slopes = enclosed
        for j in silent:
            incoming, _ = unit_indices(network, j, layer)
            unit, window = [given[m] for m in incoming], [radii[m] for m in incoming]
            for k in range(network.widths[layer + 2]):
                weights = [slopes[k, i] for i in range(len(dataset.X))]
                if _nonzero_on_parts(ball, network, inputs, weights, unit, window):
                    return (
                        f"{where}, and with its loss slopes there the gradient along unit {j}'s outgoing "
                        f"weight {k} is proved non-zero on every part of the unit's window, its outgoing "
                        "weights held at 0"
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
