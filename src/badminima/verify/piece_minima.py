"""Minima of a ReLU network's activation piece on a rescaling slice, with pushing kinks held inactive.

With identity outputs and mse, let every kink at the exact point θ* be one of the last hidden layer's
that push (`pushing_kinks`: turning the unit on there moves the outputs along their residuals). Near θ*
the loss is then at least G, the loss of the polynomial piece with those kinks held inactive and every
other pre-activation on its own side — F ≥ G on a neighbourhood, F(θ*) = G(θ*). G keeps the positive
rescalings of the ReLU units (a held piece is linear in each unit) and does not depend at all on a unit
that is inactive on every point of the piece. (A sigmoid output has exact rational derivatives only
where every logit is 0, which with live units leaves flat directions beyond these: not tried.)

Every other kink (one that pulls, or whose slope Σ_k r_k v_k is exactly 0, or in an earlier layer) is
taken on each side in turn: near θ*, F equals the loss of the piece its actual sides select, so F ≥ the
least of the 2^k pieces' losses G_A, and it is enough that each G_A has a minimum at θ* as below (a
pulling kink fails there at once: its active piece has a non-zero gradient).

The proof for each piece, in rationals (`null_descent.exact_derivatives`). ∇G(θ*) = 0 exactly; fix one
outgoing weight per live unit, into a live unit or an output (the slice S of `live_slice`: a weight into
a dead unit would not cut the rescaling), and drop the numbers of the units dead on the piece; the
Hessian of G on the remaining coordinates is positive definite (exact symmetric elimination and a
non-zero determinant). So θ* is a strict local minimum of G on S with the dead units' numbers held.
Every y near θ* is, after rescaling each live unit so that its fixed weight is θ*'s (top-down; G
unchanged, α_u near 1) and resetting the dead units' numbers (G does not depend on them), a point of S
near θ* with those held: G(y) ≥ G(θ*), so F(y) ≥ G(y) ≥ F(θ*). A non-strict local minimum (code
``piece-slice-minimum``) — where the least-squares bounds fall short because the piece's outputs share
one hidden layer (a rank constraint the subspaces relax away).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from badminima.arithmetic.flint_bridge import fmpq_matrix
from badminima.landscape.regions import Region, region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.descent_candidates import negative_direction
from badminima.verify.kink_units import incoming, outgoing
from badminima.verify.linear_snap import simplest_coordinates
from badminima.verify.null_descent import exact_derivatives
from badminima.verify.outcome import Outcome, about_nearby
from badminima.verify.pushing_kinks import pushing_kinks, pushing_text
from badminima.verify.rounding import digits_may_round
from badminima.verify.silent_saddles import silent_units
from badminima.verify.suboptimality import LossEnclosure, enclose_loss

MAX_PARAMS = 80
"""Largest parameter count tried (one exact Hessian per piece)."""

MAX_SIDED_KINKS = 6
"""Most kinks that do not push (each side of each taken: 2^k pieces) tried."""


def live_slice(network: Network, point: Point, dead: set[tuple[int, int]]) -> list[int] | None:
    """For every hidden unit not in ``dead`` ((layer, unit) pairs: units dead on the piece, or silent),
    the flat index of its largest outgoing weight into a unit not in ``dead`` (or into an output), or None
    when such a unit has none that is non-zero (then its rescaling is not cut by the slice). A weight into
    a dead or silent unit is one whose coordinate the proof drops, leaving the rescaling a flat direction.

    Example (unit 0's larger weight goes into the dead unit (1, 1), so its weight into (1, 0) is fixed):
        >>> net = Network((1, 1, 2, 1), "relu")
        >>> point = Point.unflatten(net, [1, 0, 1, 5, 0, 0, 1, 1, 0])
        >>> live_slice(net, point, {(1, 1)})
        [2, 6]
    """
    fixed = []
    for layer in range(network.depth - 1):
        W = point.layers[layer + 1].W
        for u in range(network.widths[layer + 1]):
            if (layer, u) in dead:
                continue
            into = [k for k in range(len(W)) if (layer + 1, k) not in dead]
            k = max(into, key=lambda k: abs(W[k][u]), default=None)
            if k is None or W[k][u] == 0:
                return None
            fixed.append(outgoing(network, layer, u)[k])
    return fixed


def _slice_minimum(network: Network, dataset: Dataset, point: Point, masks: list[np.ndarray]) -> bool | None:
    """When the piece ``masks`` selects has an exactly zero gradient at ``point`` and an exact Hessian
    positive definite on its slice (`live_slice`, the numbers of units dead on the piece dropped, and the
    incoming numbers θ_u of silent units — every outgoing weight 0 — whose gradient along those weights,
    linear in θ_u on the piece, is 0 with a zero mixed Hessian block: then it is 0 for every θ_u nearby,
    and the Hessian on the rest, positive definite at θ*, stays so uniformly for θ_u nearby): whether
    some unit is dead on the piece. Else None."""
    dead_units = (
        {(layer, u) for layer, mask in enumerate(masks) for u, row in enumerate(mask) if not row.any()}
        if network.activation == "relu"
        else set()
    )
    silent = set(silent_units(network, point)) - dead_units
    fixed = live_slice(network, point, dead_units | silent)
    if fixed is None:
        return None
    derivatives = exact_derivatives(network, dataset, point, masks=masks)
    if derivatives is None or any(derivatives[0]):
        return None
    H = derivatives[1]
    for layer, u in silent:  # a(θ_u) ≡ 0: linear in θ_u on the piece, 0 at θ*, and flat
        if any(H[i][j] for i in outgoing(network, layer, u) for j in incoming(network, layer, u)):
            return None
    dead = {
        k for layer, u in dead_units for k in (*incoming(network, layer, u), *outgoing(network, layer, u))
    }
    dropped = dead | {k for layer, u in silent for k in incoming(network, layer, u)}
    free = [k for k in range(network.n_params) if k not in set(fixed) | dropped]
    if not free:
        return None
    H_free = [[H[i][j] for j in free] for i in free]
    if negative_direction(H_free) is not None or fmpq_matrix(H_free).det() == 0:
        return None
    return bool(dead)


def certify_piece_minimum(
    network: Network, dataset: Dataset, point: Point, region: Region, value: LossEnclosure
) -> Outcome | None:
    """``local-min`` (code ``piece-slice-minimum``) at the exact ``point`` when, with the last hidden
    layer's pushing kinks held inactive and each other kink of ``region`` taken on each side (at most
    `MAX_SIDED_KINKS`), every piece's gradient is exactly 0 and its exact Hessian positive definite on
    its rescaling slice (module docstring); None otherwise.

    Example (one ReLU unit, two outputs; the first fits its active points exactly, the second is the
    constant 4/3 with residuals orthogonal to the unit, but not to a shift of its kink — a rank-one
    minimum the subspaces' bound misses):
        >>> from badminima.landscape import region_of
        >>> from badminima.verify.suboptimality import enclose_loss
        >>> net = Network((1, 1, 2), "relu")
        >>> X = [[-1], [Fraction(-1, 2)], [1], [2]]
        >>> data = Dataset.of(X, [[2, 1], [0, Fraction(4, 3)], [3, 2], [5, 1]])
        >>> point = Point.unflatten(net, [1, 0, 2, 0, 1, Fraction(4, 3)])
        >>> region = region_of(net, data, point)
        >>> certify_piece_minimum(net, data, point, region, enclose_loss(net, data, point)).code
        'piece-slice-minimum'
    """
    if network.activation not in ("relu", "leaky_relu") or not network.has_rational_loss:
        return None
    if network.n_params > MAX_PARAMS:
        return None
    pushed = pushing_kinks(network, dataset, point, region)
    sided = [kink for kink in region.kinks if kink not in pushed]
    if len(sided) > MAX_SIDED_KINKS:
        return None
    dead = []
    for masks in region.side_masks(sided):
        piece = _slice_minimum(network, dataset, point, masks)
        if piece is None:
            return None
        dead.append(piece)
    held_text = (
        "with the last hidden layer's kinks that push ("
        + pushing_text(pushed)
        + ") held inactive, which only lowers the loss nearby, "
        if pushed
        else ""
    )
    inert = " and free of the numbers of units dead on it" if any(dead) else ""
    pieces = (
        f"each of the {len(dead)} pieces the other kinks' sides make (their loss equal to the loss nearby "
        f"on its side)"
        if sided
        else "the point's activation piece"
    )
    return Outcome(
        Verdict.LOCAL_MIN,
        "exact",
        "exact-slice",
        f"{held_text}the loss of {pieces} is a polynomial with an exactly zero gradient here, invariant "
        f"under the units' positive rescalings{inert}; on the slice fixing one outgoing weight per live "
        f"unit its exact Hessian on the other coordinates is positive "
        f"definite, so no nearby point does better than the loss {value.text}: a "
        f"non-strict local minimum (on its orbit of rescalings)",
        value,
        box_radius=Fraction(0),
        code="piece-slice-minimum",
    )


def certify_nearby_piece_minimum(
    network: Network, dataset: Dataset, point: Point, value: LossEnclosure
) -> Outcome | None:
    """`certify_piece_minimum` at the point of the simplest rationals the digits round
    (`linear_snap.simplest_coordinates`, within `digits_may_round`): a ``local-min`` about that point
    (``box_center``), or None.

    Example (the docstring example above, its numbers written to 8 digits a few units off):
        >>> from badminima.verify.suboptimality import enclose_loss
        >>> net = Network((1, 1, 2), "relu")
        >>> X = [[-1], [Fraction(-1, 2)], [1], [2]]
        >>> data = Dataset.of(X, [[2, 1], [0, Fraction(4, 3)], [3, 2], [5, 1]])
        >>> point = Point.unflatten(net, ["1.0000001", "0", "1.9999999", "0", "1.0000002", "1.3333333"])
        >>> out = certify_nearby_piece_minimum(net, data, point, enclose_loss(net, data, point))
        >>> out.code, out.box_center.flatten()[4:]
        ('piece-slice-minimum', (Fraction(1, 1), Fraction(4, 3)))
    """
    snapped = simplest_coordinates(network, point)
    if snapped == point or not digits_may_round(point, snapped):
        return None
    out = certify_piece_minimum(
        network,
        dataset,
        snapped,
        region_of(network, dataset, snapped),
        enclose_loss(network, dataset, snapped),
    )
    lead = (
        "the digits round box_center, the point of the simplest rationals within 10 units of each number's "
        "last digit"
    )
    return None if out is None else about_nearby(out, point, snapped, value.text, lead)
