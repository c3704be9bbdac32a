"""Networks that act on the data as one affine map near the point, at a saddle of the loss in that map.

Under a sigmoid with squares ℓ is not convex in the logit, so the loss L on the affine maps of the
input (the space S of `affine_fits`) may have a saddle M_s; every parameter point where a network,
affine on the data, computes M_s is a critical point, and none is a minimum. One layer's basis moves the
logits over all of S (`affine_fits.moving_layer`; its columns ∂Z/∂θ_k do not depend on that layer's own
numbers, so they span S along the whole slice). On that slice the box method proves one critical point
x* and a direction of negative curvature (`pinpoint.held_saddle`), every sign of its centre held over its
box — the point's signs (checked: a moved earlier layer may cross a kink, review of s37).
At x* the gradient in the basis is 0, so ∇L(Z) ⊥ S; every column of the Jacobian lies in S (the signs
hold), so ∇F(x*) = Jᵀ∇L = 0: x* is critical for the whole network, and a point of lower loss is
exhibited beside it — a saddle (code ``affine-fit-saddle``).
"""

from __future__ import annotations

from badminima.landscape.regions import region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.affine_fits import free_points, moving_layer
from badminima.verify.box import PRECISIONS
from badminima.verify.numerics import float_derivatives
from badminima.verify.outcome import OnSlice, Outcome
from badminima.verify.pinpoint import held_saddle, held_saddle_outcome
from badminima.verify.suboptimality import enclose_loss


def certify_nearby_affine_saddle(network: Network, dataset: Dataset, point: Point) -> Outcome | None:
    """``saddle`` (code ``affine-fit-saddle``) about a critical point x* near ``point`` where the network,
    one affine map on the data, computes a saddle of the loss in that map (module docstring); None
    otherwise.

    Example (a sigmoid with squares on six points whose loss in (A, B) has a saddle, eigenvalues −0.018
    and 0.067 (red team s37); the net's numbers written to 12 decimals):
        >>> from badminima.model import Dataset, Network
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="mse")
        >>> data = Dataset.of([["0"], ["0.25"], ["0.5"], ["1"], ["1.5"], ["2"]],
        ...                   [["0.95"], ["0"], ["0.05"], ["0.05"], ["0.05"], ["0.95"]])
        >>> digits = ["1.000000000000", "2.000000000000", "1.000000000000", "0.500000000000",
        ...           "-2.603083539471", "0.500000000000", "2.236113666642"]
        >>> certify_nearby_affine_saddle(net, data, Point.unflatten(net, digits)).code
        'affine-fit-saddle'
    """
    if (network.output, network.loss) != ("sigmoid", "mse") or not network.is_piecewise_linear:
        return None
    if free_points(network, dataset, point)[:1] != [()]:
        return None
    chosen = moving_layer(network, dataset, point)
    if chosen is None:
        return None
    layer, moving = chosen
    hessian = float_derivatives(network, dataset, point)[2]
    signs = region_of(network, dataset, point).signs
    for precision in PRECISIONS:
        res = held_saddle(network, dataset, point, moving, precision, hessian)
        if res is None or res.center is None or res.proof_radius is None:
            continue
        c, r = res.center, res.proof_radius
        if region_of(network, dataset, c).signs != signs:
            # the box proof holds the signs of its own centre: where a moved earlier layer crossed a
            # kink they are not the point's, and its basis need not span the affine maps there
            return None
        where = "the output layer" if layer == network.depth - 1 else f"weight layer {layer + 1}"
        return held_saddle_outcome(
            res,
            point,
            "affine-fit-saddle",
            f"every hidden unit keeps one strict sign on every data point over the proof's box, so there "
            f"the network is one affine map of its input on the data, and the parameters of {where} alone "
            f"move its logits over every affine map (a basis of {len(moving)}, whose columns do not depend "
            f"on their own values); on the slice that moves only them {res.reason}; there the loss's "
            f"gradient in the logits is orthogonal to every affine map, so the whole gradient is 0: a "
            f"saddle of the loss in the affine map, and of the network (the verdict is about box_center; "
            f"the given point itself is not critical)",
            enclose_loss(network, dataset, point).text,
            OnSlice(tuple(k for k in range(network.n_params) if k not in moving), r),
        )
    return None
