"""Deep piecewise-linear nets whose layers above the first act as one affine map on the data: the
one-hidden-layer net they collapse to.

Suppose every unit of hidden layers 2…L−1 has one strict sign on every data point (all pre-activations
> 0, or all < 0). Near the point those signs hold, so each such layer multiplies by a fixed diagonal of
slopes D_ℓ (1 or the leaky slope; 0 for a dead ReLU unit) and the output is, on every data point,

    f(x) = M h(x) + c,   M = W_L D_{L−1} W_{L−1} ⋯ D_2 W_2,   c = b_L + W_L D_{L−1}(b_{L−1} + ⋯),

h(x) = σ(W_1 x + b_1) the first hidden layer, kinks and all. (W_1, b_1, M, c) depends continuously on the
parameters, so every nearby parameter's predictions are those of a one-hidden-layer net near the collapsed
point: a local minimum of that net (proved about its exact point) is one of the deep net. Not the other
way: a descent of the collapsed net need not be reachable through the product M.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from badminima.arithmetic.least_squares import dot
from badminima.landscape.regions import Region
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.verify.outcome import Outcome

CANCELLATION = Fraction(1, 10**6)
"""An effective output weight that its paths cancel to within this fraction of their sizes (a rounded
point snapped near a = Σ_k v_k W_kj = 0) may be a rounding of 0, which the collapsed net would hold to
one sign: such points are not collapsed."""


def collapse_upper_layers(network: Network, point: Point, region: Region) -> tuple[Network, Point] | None:
    """The one-hidden-layer network and point the layers above the first collapse to (see the module
    docstring), or None when the network has one hidden layer, a hidden activation that is not ReLU or
    leaky ReLU, a unit above the first layer without one strict sign on every data point, or an effective
    output weight its paths nearly cancel (`CANCELLATION`).

    Example (a 1-1-1-1 ReLU net whose second unit is active everywhere: M = 2·3, c = 1 + 2·(−1)):
        >>> from badminima.model import Dataset
        >>> from badminima.landscape.regions import region_of
        >>> net, data = Network((1, 1, 1, 1), "relu"), Dataset.of([[1], [2]], [[0], [1]])
        >>> point = Point.of([([[1]], [0]), ([[3]], [-1]), ([[2]], [1])])
        >>> small, at = collapse_upper_layers(net, point, region_of(net, data, point))
        >>> small.widths, [str(v) for v in at.flatten()]
        ((1, 1, 1), ['1', '0', '6', '-1'])
    """
    if network.depth < 3 or network.activation not in ("relu", "leaky_relu"):
        return None
    slope = network.negative_slope
    assert slope is not None
    signs = region.signs
    diagonals = []
    for hidden in signs[1:]:
        units = []
        for unit in hidden:
            if all(s > 0 for s in unit):
                units.append(Fraction(1))
            elif all(s < 0 for s in unit):
                units.append(slope)
            else:
                return None
        diagonals.append(units)
    first, *upper = point.layers
    M = [list(row) for row in upper[0].W]
    mass = [[abs(w) for w in row] for row in M]  # Σ over paths of |products|: what M's entries cancel from
    c = list(upper[0].b) if upper[0].b is not None else [Fraction(0)] * len(M)
    for layer, d in zip(upper[1:], diagonals, strict=True):
        # Apply D then this layer: M ← W D M, c ← W D c + b.
        scaled = [[w * dk for w, dk in zip(row, d, strict=True)] for row in layer.W]
        M = [[dot(row, [m[j] for m in M]) for j in range(len(M[0]))] for row in scaled]
        mass = [
            [dot([abs(w) for w in row], [m[j] for m in mass]) for j in range(len(M[0]))] for row in scaled
        ]
        bias = layer.b if layer.b is not None else (Fraction(0),) * len(scaled)
        c = [dot(row, c) + b for row, b in zip(scaled, bias, strict=True)]
    if any(
        0 < abs(m) < CANCELLATION * t
        for mrow, trow in zip(M, mass, strict=True)
        for m, t in zip(mrow, trow, strict=True)
    ):
        return None
    small = replace(network, widths=(network.widths[0], network.widths[1], network.widths[-1]))
    top = Layer.of(M, c if network.bias else None)
    return small, Point((first, top))


def collapsed_minimum(inner: Outcome, network: Network, small: Network) -> Outcome:
    """The deep net's ``local-min`` from the collapsed net's (same loss at the point, same rigor)."""
    return replace(
        inner,
        method=f"collapsed-upper-layers/{inner.method}",
        reason=(
            f"every unit above the first hidden layer keeps one strict sign on every data point nearby, so "
            f"there the {network.describe()} network computes the {small.describe()} network with output "
            f"weights M = W_L D⋯D W_2, whose nearby parameters hold every nearby parameter's predictions; "
            f"at its point: {inner.reason}"
        ),
    )
