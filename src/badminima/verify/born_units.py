"""Second-order saddles at units born at a kink, in any hidden layer, beside kink units in other layers.

Setting (`layered_kinks`): at an exact point θ* every kink belongs to a ReLU unit dead on the data. Unit j
of hidden layer ℓ is *born* when its effect on the logits is exactly 0 on its kink points (a_ji = 0: its
outgoing weights reach the logits as 0, every other kink unit held). Along the ray θ* + t·d that moves

- unit j's incoming weights and bias by (δw, δb), raising its pre-activation at rate q_i > 0 on some kink
  points,
- its outgoing weight into one live unit (or output) c of the next layer by ±1, and
- the bias of every kink unit of a later layer by −(1 + its first-order rise along the rest of d), so
  that it stays dead,

every piece is the one the ray's germs decide (`kink_descent.ray_masks`, exact), and with those pieces
held each pre-activation and logit is a polynomial in t of degree ≤ depth, computed exactly from exact
evaluations at t = 0 … depth. The pieces hold on (0, t₀] when each pre-activation's leading coefficient
has the piece's sign and dominates the rest there (exact). The logits' first-order coefficient is exactly
0 (a_j = 0), so z_i(t) = z_i(0) + t²·w_i(t), and by the mean value theorem

    F(θ* + t d) − F(θ*) = t² · (1/N) Σ_i ∂ℓ/∂z(ξ_i, y_i)·w_i(t),    ξ_i ∈ z_i(0) + [0, t₀²]·w_i([0, t₀]),

so a sum enclosed below 0 in balls over t ∈ [0, t₀] proves that every step along d goes down at second
order: θ* is not a local minimum (code ``kink-born-unit-saddle``, with `layered_kinks`' proof that every
one-sided derivative is ≥ 0 there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.flint_bridge import to_arb, to_fmpq, to_fraction
from badminima.landscape.derivatives import logit_slope
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import lower_point
from badminima.verify.kink_descent import ray_masks
from badminima.verify.kink_units import DeadUnits, incoming, layer_inputs, raisers, unit_direction

REACH = tuple(Fraction(1, 2**k) for k in (4, 8, 12, 16, 24, 32))
"""Lengths t₀ over which the second-order descent is tried, longest first."""

WITNESS_START = Fraction(1, 2**64)
"""First step tried for the lower point (doubled until its loss is proved lower)."""


@dataclass(frozen=True)
class BornDescent:
    """A proved second-order descent of ``unit`` (layer, j) along ``direction`` for every t ∈ (0,
    ``reach``], and a ``witness`` at distance ``step`` along it with loss ≤ ``upper``."""

    unit: tuple[int, int]
    direction: tuple[Fraction, ...]
    reach: Fraction
    witness: Point
    step: Fraction
    upper: Fraction


def _polynomials(
    network: Network, dataset: Dataset, point: Point, d: Sequence[Fraction], masks: Sequence[np.ndarray]
) -> list[list[list[Fraction]]]:
    """For every layer (hidden, then the logits), per (unit, point), the exact coefficients c₀ … c_D of
    its pre-activation along point + t·d with ``masks`` held (D = depth), flattened unit-major."""
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)
    x = point.flatten()
    D = network.depth
    samples = []
    for t in range(D + 1):
        with exact.context():
            flat = exact.vector([a + t * b for a, b in zip(x, d, strict=True)])
            fwd = forward(network, unflatten(network, flat), prob.inputs, arith=exact, masks=list(masks))
        samples.append([[Fraction(v) for v in z.flat] for z in fwd.z])
    V = flint.fmpq_mat(D + 1, D + 1, [to_fmpq(Fraction(t) ** m) for t in range(D + 1) for m in range(D + 1)])
    Vinv = V.inv()
    out = []
    for layer in range(len(samples[0])):
        coeffs = []
        for u in range(len(samples[0][layer])):
            vals = [to_fmpq(samples[t][layer][u]) for t in range(D + 1)]
            c = Vinv * flint.fmpq_mat(D + 1, 1, vals)
            coeffs.append([to_fraction(c[m, 0]) for m in range(D + 1)])
        out.append(coeffs)
    return out


def _holds(coeffs: Sequence[Fraction], active: bool, reach: Fraction) -> bool:
    """Whether a pre-activation with these coefficients keeps the piece ``active`` on (0, reach]:
    identically 0, or its leading coefficient of that sign dominating the rest there (exact)."""
    lead = next((k for k, c in enumerate(coeffs) if c), None)
    if lead is None:
        return True
    c = coeffs[lead]
    if (c > 0) != active:
        return False
    return abs(c) > sum(abs(v) * reach ** (m - lead) for m, v in enumerate(coeffs) if m > lead)


def _second_order(network: Network, dataset: Dataset, point: Point, d: Sequence[Fraction]) -> Fraction | None:
    """The longest t₀ of `REACH` with F(point + t d) < F(point) proved for every t ∈ (0, t₀] at second
    order (module docstring), or None."""
    masks = ray_masks(network, dataset, point, d)
    polys = _polynomials(network, dataset, point, d, masks)
    *hidden, logits = polys
    if any(c[1] for c in logits):
        return None  # a first-order change of the logits: not this argument
    k_out, n = network.widths[-1], dataset.n_points
    ball = BallArithmetic(128)
    for reach in REACH:
        if not all(
            _holds(c, bool(mask.flat[idx]), reach)
            for layer, mask in zip(hidden, masks, strict=True)
            for idx, c in enumerate(layer)
        ):
            continue
        with ball.context():
            T = flint.arb(0).union(to_arb(reach))
            w = [sum((to_arb(c[m]) * T ** (m - 2) for m in range(2, len(c))), flint.arb(0)) for c in logits]
            xi = [
                to_arb(c[0]) + flint.arb(0).union(to_arb(reach * reach)) * wi
                for c, wi in zip(logits, w, strict=True)
            ]
            z = np.array(xi, dtype=object).reshape(k_out, n)
            targets = ball.matrix(list(zip(*dataset.y, strict=True)))
            slope = logit_slope(network, z, targets, arith=ball)
            total = sum((slope.flat[m] * w[m] for m in range(k_out * n)), flint.arb(0))
            if ball.sign(total) == -1:
                return reach
    return None


def keep_later_kinks_dead(
    network: Network,
    dataset: Dataset,
    point: Point,
    deads: Sequence[DeadUnits],
    layer: int,
    d: Sequence[Fraction],
) -> tuple[Fraction, ...]:
    """``d`` (a move of a unit of hidden ``layer``) with the bias of every kink unit of a later layer
    lowered by 1 + its first-order rise along ``d`` (exact, on the ray's pieces), so that it stays dead:
    the chain a raised unit feeds is cut."""
    later = [(dead.layer, u) for dead in deads if dead.layer > layer for u, _ in dead.at_kinks]
    out = list(d)
    if not later:
        return tuple(out)
    polys = _polynomials(network, dataset, point, d, ray_masks(network, dataset, point, d))
    n = dataset.n_points
    for lay, u in later:
        if not network.bias:
            break  # no bias to lower: the chain is left as it is (the move is only a candidate)
        first = max((polys[lay][u * n + i][1] for i in range(n)), default=Fraction(0))
        out[incoming(network, lay, u)[-1]] -= 1 + max(first, Fraction(0))
    return tuple(out)


def chain_moves(
    network: Network, dataset: Dataset, point: Point, deads: Sequence[DeadUnits]
) -> list[tuple[Fraction, ...]]:
    """Moves raising one kink unit on some of its kink points with every later kink unit kept dead
    (`keep_later_kinks_dead`): a first-order descent where the unit's own effect a_ji pulls towards the
    targets but raising it alone also raises a later kink unit that pushes away (for `kink_descent`)."""
    out = []
    for dead in deads:
        if not any(other.layer > dead.layer for other in deads):
            continue
        inputs = layer_inputs(network, dataset, point, dead.layer)
        zero = [Fraction(0)] * network.widths[dead.layer + 2]
        for j, kinks in dead.at_kinks:
            for dw, db in raisers(inputs, kinks):
                d = unit_direction(network, dead.layer, j, dw, db, zero)
                out.append(keep_later_kinks_dead(network, dataset, point, deads, dead.layer, d))
    return out


def _directions(
    network: Network, dataset: Dataset, point: Point, deads: Sequence[DeadUnits], layer: int, j: int
) -> list[tuple[Fraction, ...]]:
    """Candidate rays for born unit j of hidden ``layer`` (module docstring), later kink units lowered."""
    kinks = dict(next(dead for dead in deads if dead.layer == layer).at_kinks)[j]
    inputs = layer_inputs(network, dataset, point, layer)
    kinked = {(dead.layer, u) for dead in deads for u, _ in dead.at_kinks}
    width = network.widths[layer + 2]
    targets = [c for c in range(width) if (layer + 1, c) not in kinked]
    out = []
    for dw, db in raisers(inputs, kinks):
        for c in targets:
            for s in (1, -1):
                dv = [Fraction(s if m == c else 0) for m in range(width)]
                d = unit_direction(network, layer, j, dw, db, dv)
                out.append(keep_later_kinks_dead(network, dataset, point, deads, layer, d))
    return out


def born_descent(
    network: Network,
    dataset: Dataset,
    point: Point,
    deads: Sequence[DeadUnits],
    born: Sequence[tuple[int, int]],
    below: Fraction,
) -> BornDescent | None:
    """The first born unit ((layer, j) in ``born``) with a proved second-order descent from ``point``
    (module docstring) and a point along it whose loss is proved below ``below``; None when none is found.

    Example (a 1-1-1-1 net: the first unit sits at its kink on x = 0 and reaches the output only through a
    second-layer weight 0; raising it and that weight lowers the loss at x = 0, label 1, at second order):
        >>> from badminima.model import Dataset
        >>> from badminima.verify.kink_units import DeadUnits
        >>> net = Network((1, 1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1]], [[1], [0]])
        >>> from badminima.verify.suboptimality import enclose_loss
        >>> kinked = Point.unflatten(net, [-1, 0, 0, 1, 1, 0])  # p₁ = −x, h₂ = relu(0·h₁ + 1)
        >>> below = enclose_loss(net, data, kinked).lower  # the loss at the point, from below
        >>> found = born_descent(net, data, kinked, [DeadUnits((0,), ((0,),), 0)], [(0, 0)], below)
        >>> found.unit, found.upper < below
        ((0, 0), True)
    """
    for layer, j in born:
        for d in _directions(network, dataset, point, deads, layer, j):
            reach = _second_order(network, dataset, point, d)
            if reach is None:
                continue
            scale = 1 + max((abs(float(x)) for x in point.flatten()), default=0.0)
            lower = lower_point(network, dataset, point, d, WITNESS_START, scale, below, BallArithmetic(256))
            if lower is not None:
                witness, step, upper = lower
                return BornDescent((layer, j), d, reach, witness, step, upper)
    return None
