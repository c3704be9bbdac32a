"""Minima of a ReLU network's activation piece on a rescaling slice, with pushing kinks held inactive.

With identity outputs and mse, let every kink at the exact point θ* be one of the last hidden layer's
that push (`pushing_kinks`: turning the unit on there moves the outputs along their residuals). Near θ*
the loss is then at least G, the loss of the polynomial piece with those kinks held inactive and every
other pre-activation on its own side — F ≥ G on a neighbourhood, F(θ*) = G(θ*). G keeps the positive
rescalings of the ReLU units (a held piece is linear in each unit) and does not depend at all on a unit
that is inactive on every point of the piece. (A sigmoid output has exact rational derivatives only
where every logit is 0, which with live units leaves flat directions beyond these: not tried.)

The proof, in rationals (`null_descent.exact_derivatives`). ∇G(θ*) = 0 exactly; fix one outgoing weight
per live unit, into a live unit or an output (the slice S of `live_slice`: a weight into a dead unit would
not cut the rescaling), and drop the numbers of the units dead on the piece; the Hessian of G on the
remaining coordinates is positive definite (exact symmetric elimination and a non-zero determinant). So
θ* is a strict local minimum of G on S with the dead units' numbers held. Every y near θ* is, after
rescaling each live unit so that its fixed weight is θ*'s (top-down; G unchanged, α_u near 1) and
resetting the dead units' numbers (G does not depend on them), a point of S near θ* with those held:
G(y) ≥ G(θ*), so F(y) ≥ G(y) ≥ F(θ*). A non-strict local minimum (code ``piece-slice-minimum``) — where
the least-squares bounds fall short because the piece's outputs share one hidden layer (a rank
constraint the subspaces relax away).
"""

from __future__ import annotations

from fractions import Fraction

from badminima.arithmetic.flint_bridge import fmpq_matrix
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.descent_candidates import negative_direction
from badminima.verify.kink_units import incoming, outgoing
from badminima.verify.null_descent import exact_derivatives
from badminima.verify.outcome import Outcome
from badminima.verify.pushing_kinks import pushing_kinks
from badminima.verify.suboptimality import LossEnclosure

MAX_PARAMS = 80
"""Largest parameter count tried (one exact Hessian of the piece)."""


def live_slice(network: Network, point: Point, dead: set[tuple[int, int]]) -> list[int] | None:
    """For every hidden unit not in ``dead`` ((layer, unit) pairs), the flat index of its largest outgoing
    weight into a unit not in ``dead`` (or into an output), or None when such a unit has none that is
    non-zero (then its rescaling is not cut by the slice). A weight into a dead unit would be one G does
    not depend on, leaving that unit's rescaling a flat direction.

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


def certify_piece_minimum(
    network: Network, dataset: Dataset, point: Point, region: Region, value: LossEnclosure
) -> Outcome | None:
    """``local-min`` (code ``piece-slice-minimum``) at the exact ``point`` when every kink of ``region``
    is a pushing kink of the last hidden layer (or there is none), the held piece's gradient is exactly 0
    and its exact Hessian is positive definite on the rescaling slice (module docstring); None otherwise.

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
    if len(pushed) != len(region.kinks):
        return None
    masks = region.masks("inactive")
    dead_units = (
        {(layer, u) for layer, mask in enumerate(masks) for u, row in enumerate(mask) if not row.any()}
        if network.activation == "relu"
        else set()
    )
    fixed = live_slice(network, point, dead_units)
    if fixed is None:
        return None
    derivatives = exact_derivatives(network, dataset, point, masks=masks)
    if derivatives is None or any(derivatives[0]):
        return None
    H = derivatives[1]
    dead = {
        k for layer, u in dead_units for k in (*incoming(network, layer, u), *outgoing(network, layer, u))
    }
    free = [k for k in range(network.n_params) if k not in set(fixed) | dead]
    if not free:
        return None
    H_free = [[H[i][j] for j in free] for i in free]
    if negative_direction(H_free) is not None or fmpq_matrix(H_free).det() == 0:
        return None
    held_text = (
        "with the last hidden layer's kinks that push ("
        + ", ".join(f"unit {u} on point {i}" for _, u, i in pushed)
        + ") held inactive, which only lowers the loss nearby, "
        if pushed
        else ""
    )
    inert = f" and free of the {len(dead)} numbers of units dead on it" if dead else ""
    return Outcome(
        Verdict.LOCAL_MIN,
        "exact",
        "exact-slice",
        f"{held_text}the loss of the point's activation piece is a polynomial with an exactly zero "
        f"gradient here, invariant under the units' positive rescalings{inert}; on the slice fixing one "
        f"outgoing weight per live unit its exact Hessian on the other {len(free)} coordinates is positive "
        f"definite, so no nearby point does better than the loss {value.text}: a "
        f"non-strict local minimum (on its orbit of rescalings)",
        value,
        box_radius=Fraction(0),
        code="piece-slice-minimum",
    )
