"""Data points off a best affine fit's common piece only because ReLU units sit exactly at their kink
there, kept in the fit when each kink can only push the logits the way the loss does not want them.

On the common piece (the activation pattern of a point ``common`` with no kink) a unit is off, D_j = 0,
or on, D_j = 1. A *signed* point i is off that piece only because some ReLU units (in any hidden layers)
have p_ji = 0 there; every other unit keeps its piece on the proof box B. Write each kink unit's output
as D_j·p_ji + c_ji with c_ji = max(0, p_ji) − D_j·p_ji ≥ 0 (max(0, p), or max(0, −p)). Taking the c_ji as
free inputs, every layer acts on point i as on the common piece, so exactly

    z_i(θ) = M(θ) φ_i + Σ_j a_ji(θ) c_ji,    a_ji = J_i·(unit j's outgoing weights), J_i on the common piece

(`kink_units.effective_weights`). With the normal equations over every point but the free ones, convexity
of the loss in the logits gives F(θ) − F(θ̂) ≥ (1/N) Σ_i Σ_j c_ji ∂ℓ/∂z(ẑ_i)·a_ji(θ) ≥ 0 when each
∂ℓ/∂z(ẑ_i)·a_ji is proved > 0 over B (balls). This proves minima with a unit *born* at its kink (zero
effect on the logits, zero slope on its kink points) beside kink units in other layers that push, and
minima with an active unit at a kink under a smooth loss. (A kink's pre-activation is enclosed on its
active piece, p ∈ [p_lo, p_hi] ∋ 0, a superset of max(0, p), so the logits' ranges hold there too.)
`affine_fits` uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.flint_bridge import to_arb
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.kink_units import DeadUnits, effective_weights

__all__ = ["SignedSplit", "kinks_push", "signed_split"]


@dataclass(frozen=True)
class SignedSplit:
    """The points off a fit's common piece: the ``free`` ones (zero loss slope), the kink units of the
    *signed* ones grouped by layer (``signed``; `DeadUnits` holds units at a kink whatever their common
    piece), and a data point ``common`` on the common piece."""

    free: tuple[int, ...]
    signed: tuple[DeadUnits, ...]
    common: int


def signed_split(
    network: Network,
    dataset: Dataset,
    signs: Sequence[Sequence[Sequence[int]]],
    off: Sequence[int],
    slopes: Any,
) -> SignedSplit | None:
    """``off`` (the points off the common piece, ``signs`` the region's hidden signs, ``slopes`` the exact
    ∂ℓ/∂z per output and point) split into free and signed points (module docstring); None when some point
    is neither, no point is on the common piece, or a slope is not rational.

    Example:
        >>> import numpy as np
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[0], [1], [2]], [[1], [1], [1]])
        >>> signs = (((0, 1, 1),),)  # the unit sits at its kink on point 0 and is active elsewhere
        >>> slopes = np.array([[Fraction(-1), Fraction(0), Fraction(0)]])
        >>> signed_split(net, data, signs, [0], slopes)
        SignedSplit(free=(), signed=(DeadUnits(units=(0,), kinks=((0,),), layer=0),), common=1)
    """
    if network.activation != "relu" or slopes is None:
        return None
    if not all(isinstance(v, Fraction) for v in slopes.flat):  # rational slopes only (balls use them)
        return None
    on = next((i for i in range(dataset.n_points) if i not in off), None)
    if on is None:
        return None
    free: list[int] = []
    kinked: dict[tuple[int, int], list[int]] = {}
    for i in off:
        if not any(slopes[k, i] for k in range(network.widths[-1])):
            free.append(i)
            continue
        moved = [
            (lay, u) for lay, layer in enumerate(signs) for u, row in enumerate(layer) if row[i] != row[on]
        ]
        if any(signs[lay][u][i] != 0 for lay, u in moved):
            return None
        for lay, u in moved:
            kinked.setdefault((lay, u), []).append(i)
    layers = sorted({lay for lay, _ in kinked})
    signed = tuple(
        DeadUnits(
            tuple(u for lay, u in sorted(kinked) if lay == layer),
            tuple(tuple(kinked[(lay, u)]) for lay, u in sorted(kinked) if lay == layer),
            layer,
        )
        for layer in layers
    )
    return SignedSplit(tuple(free), signed, on)


def kinks_push(
    network: Network,
    point: Point,
    radius: Fraction,
    region: Region,
    split: SignedSplit,
    slopes: Any,
    ball: Any,
) -> bool:
    """Whether each signed kink's effect a_ji on the logits has ∂ℓ/∂z(ẑ_i)·a_ji > 0 over the ∞-box of
    ``radius`` around the point, proved in balls (``ball``'s context must be active)."""
    held = _on_common_piece(region, split.signed, split.common)
    for dead in split.signed:
        rates = effective_weights(network, point, radius, held, dead, dead.units)
        for (_, i), a in rates.items():
            pull = sum((to_arb(slopes[k, i]) * a[k] for k in range(len(a))), flint.arb(0))
            if ball.sign(pull) != 1:
                return False
    return True


def _on_common_piece(region: Region, signed: Sequence[DeadUnits], common: int) -> Region:
    """``region`` with every signed point's signs replaced by the common piece's (point ``common``'s):
    the slopes D that a kink correction c = max(0, p) − D·p passes through to the logits."""
    at = {i for dead in signed for _, points in dead.at_kinks for i in points}
    return Region(
        tuple(
            tuple(tuple(row[common] if i in at else s for i, s in enumerate(row)) for row in layer)
            for layer in region.signs
        )
    )
