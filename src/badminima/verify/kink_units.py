"""ReLU units dead at a kink: which they are (`dead_units`), what their layer receives (`layer_inputs`),
the moves that raise their pre-activation on a kink point (`raisers`, `raising_directions`), and how their
output reaches the logits (`later_jacobians`, `effective_weights`): the pieces `dead_kinks`' proofs and
`kink_descent`'s first tries are made of.

A unit j of hidden layer ℓ is *dead* when its pre-activation p_ji = w_j·h_i + b_j is ≤ 0 on every data
point, and *dead at a kink* when it is exactly 0 on a non-empty set K_j. Where every other pre-activation
has a strict sign, the layers after ℓ act on point i as fixed affine maps, so u_ji = max(0, p_ji) moves
the logits of point i by a_ji·u_ji with a_ji = J_i·(unit j's outgoing weights) and
J_i = W_L D_{L−1,i} ⋯ W_{ℓ+2} D_{ℓ+1,i} (D the ReLU slopes, 1 or 0; J = I after the last hidden layer,
where a_ji is unit j's output weight vector v_j).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.flint_bridge import to_arb
from badminima.arithmetic.least_squares import least_change
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.kink_reductions import Predictions
from badminima.verify.parameter_box import ParameterBox, ball_bounds, signs_hold


@dataclass(frozen=True)
class DeadUnits:
    """Units ``units`` (ascending) of hidden layer ``layer`` (0-based) whose
    pre-activation is ≤ 0 on every data point; ``kinks[n]`` lists the data points where ``units[n]``'s
    pre-activation is exactly 0 (empty: strictly dead). `affine_fits` also uses it for units at a kink on
    chosen points whatever their piece elsewhere."""

    units: tuple[int, ...]
    kinks: tuple[tuple[int, ...], ...]
    layer: int = 0

    @property
    def at_kinks(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        """(unit, its kink points) of the units dead at a kink."""
        return tuple((j, k) for j, k in zip(self.units, self.kinks, strict=True) if k)


def dead_layers(network: Network, region: Region) -> tuple[DeadUnits, ...] | None:
    """The dead units of every hidden layer that holds a kink of ``region`` (ascending layers), in a ReLU
    network with biases, when every kink is one of theirs and there is a kink; None otherwise.

    Example:
        >>> dead_layers(Network((1, 1, 1, 1), "relu"), Region((((-1, 0),), ((0, -1),))))
        (DeadUnits(units=(0,), kinks=((1,),), layer=0), DeadUnits(units=(0,), kinks=((0,),), layer=1))
    """
    if network.activation != "relu" or not network.bias or len(network.widths) < 3 or not region.kinks:
        return None
    out, n_kinks = [], 0
    for layer in sorted({lay for lay, _, _ in region.kinks}):
        rows = region.signs[layer]
        units = tuple(j for j, row in enumerate(rows) if all(s <= 0 for s in row))
        kinks = tuple(tuple(i for i, s in enumerate(rows[j]) if s == 0) for j in units)
        n_kinks += sum(len(k) for k in kinks)
        out.append(DeadUnits(units, kinks, layer))
    return tuple(out) if n_kinks == len(region.kinks) else None


def dead_units(network: Network, region: Region) -> DeadUnits | None:
    """The dead units of the hidden layer that holds every kink of ``region``, in a ReLU network with
    biases, when every kink is one of theirs and there is a kink; None otherwise (also when the kinks
    are in several layers: `dead_layers`).

    Example:
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> dead_units(net, Region((((1, 1, -1), (-1, 0, -1)),)))
        DeadUnits(units=(1,), kinks=((1,),), layer=0)
        >>> dead_units(Network((1, 1, 1, 1), "relu"), Region((((1, 1),), ((-1, 0),))))
        DeadUnits(units=(0,), kinks=((1,),), layer=1)
        >>> dead_units(Network((1, 1, 1, 1), "relu"), Region((((-1, 0),), ((1, 1),))))
        DeadUnits(units=(0,), kinks=((1,),), layer=0)
    """
    layers = dead_layers(network, region)
    return layers[0] if layers is not None and len(layers) == 1 else None


def layer_inputs(network: Network, dataset: Dataset, point: Point, layer: int) -> list[tuple[Fraction, ...]]:
    """h_i: what hidden layer ``layer`` receives on each data point (the inputs for layer 0), exactly (a
    kink in an earlier layer outputs 0 whichever piece the forward pass takes there).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1, 1), "relu")
        >>> data = Dataset.of([[1], [-5]], [[0], [0]])
        >>> layer_inputs(net, data, Point.unflatten(net, [2, 1, 1, 0, 1, 0]), 1)
        [(Fraction(3, 1),), (Fraction(0, 1),)]
    """
    if layer == 0:
        return [tuple(x) for x in dataset.X]
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)
    with exact.context():
        fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=exact, masks=prob.masks)
    a = fwd.a[layer]
    return [tuple(Fraction(a[m, i]) for m in range(a.shape[0])) for i in range(a.shape[1])]


def rise(dw: Sequence[Fraction], db: Fraction, h: Sequence[Fraction]) -> Fraction:
    """q = δw·h + δb: how fast the move (δw, δb) raises a pre-activation whose layer receives h."""
    return sum((a * b for a, b in zip(dw, h, strict=True)), db)


def raisers(
    inputs: Sequence[Sequence[Fraction]], kinks: Sequence[int]
) -> list[tuple[tuple[Fraction, ...], Fraction]]:
    """Moves (δw, δb) of one unit that raise its pre-activation on some of its kink points: the bias
    alone, then ± each incoming weight, alone or with the bias raised or lowered, then (several kink
    points) the least move raising one kink point and lowering the others, where the inputs allow it."""
    d0 = len(inputs[0])
    out = [(tuple(Fraction(0) for _ in range(d0)), Fraction(1))]
    for m in range(d0):
        for s in (1, -1):
            e = tuple(Fraction(s if n == m else 0) for n in range(d0))
            out += [(e, Fraction(0)), (e, Fraction(1)), (e, Fraction(-1))]
    if len(kinks) > 1:  # raise one kink point, lower the others: the least such move (exact)
        rows = [(*inputs[i], Fraction(1)) for i in kinks]
        for i in kinks:
            rhs = [Fraction(1 if k == i else -1) for k in kinks]
            move = least_change(rows, rhs, [Fraction(1)] * (d0 + 1))
            if move is not None:
                out.append((tuple(move[:-1]), move[-1]))
    return [(dw, db) for dw, db in out if any(rise(dw, db, inputs[i]) > 0 for i in kinks)]


def incoming(network: Network, layer: int, j: int) -> list[int]:
    """Flat indices of unit j of hidden layer ``layer``: its incoming weights, then its bias (none in a
    network without biases).

    Example:
        >>> incoming(Network((2, 3, 1), "relu"), 0, 1), incoming(Network((2, 3, 1), "relu", bias=False), 0, 1)
        ([2, 3, 7], [2, 3])
    """
    offset = network.layer_offsets[layer]
    h, d_in = network.layer_shapes[layer]
    return [offset + j * d_in + m for m in range(d_in)] + ([offset + h * d_in + j] if network.bias else [])


def outgoing(network: Network, layer: int, j: int) -> list[int]:
    """Flat indices of unit j of hidden layer ``layer``'s outgoing weights (column j of the next layer's W).

    Example:
        >>> outgoing(Network((2, 3, 2), "relu"), 0, 1)
        [10, 13]
    """
    offset = network.layer_offsets[layer + 1]
    h = network.layer_shapes[layer][0]
    return [offset + k * h + j for k in range(network.layer_shapes[layer + 1][0])]


def held_kinks(
    network: Network, dataset: Dataset, region: Region, radii: Sequence[Fraction]
) -> set[int] | None:
    """The flat indices feeding the region's kinks when a box of per-coordinate ``radii`` holds them all
    (radius 0): a first-layer kink's bias and the weights on its point's non-zero inputs; a deeper kink's
    own numbers and every earlier layer's. The kinks then stay exactly at 0 over the box, the loss is
    smooth there in every other number, and only these entries of its gradient are one-sided. None when
    the box moves one of them (a kink may leave 0).

    Example (relu(w·x + b) at its kink on x = 1, w and b held; the output weight and bias free):
        >>> from badminima.landscape import region_of
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[1], [2]], [[0], [1]])
        >>> region = region_of(net, data, Point.unflatten(net, [1, -1, 1, 0]))
        >>> sorted(held_kinks(net, data, region, [Fraction(0), Fraction(0), Fraction(1), Fraction(1)]))
        [0, 1]
        >>> held_kinks(net, data, region, [Fraction(1, 10**9), Fraction(0), Fraction(1), Fraction(1)]) is None
        True
        >>> at_zero = Dataset.of([[0], [2]], [[0], [1]])  # the kink on x = 0: w does not move it
        >>> region = region_of(net, at_zero, Point.unflatten(net, [1, 0, 1, 0]))
        >>> w_free = [Fraction(1, 10**9), Fraction(0), Fraction(1), Fraction(1)]
        >>> sorted(held_kinks(net, at_zero, region, w_free))
        [1]
    """
    feeding: set[int] = set()
    d0 = network.widths[0]
    for layer, u, i in region.kinks:
        if layer == 0:
            numbers = incoming(network, 0, u)
            feeding |= {k for m, k in enumerate(numbers) if m >= d0 or dataset.X[i][m] != 0}
        else:
            feeding |= {*incoming(network, layer, u), *range(network.layer_offsets[layer])}
    return None if any(radii[k] for k in feeding) else feeding


def unit_direction(
    network: Network, layer: int, j: int, dw: Sequence[Fraction], db: Fraction, dv: Sequence[Fraction]
) -> tuple[Fraction, ...]:
    """The flat direction moving unit j of hidden layer ``layer``: its incoming weights by dw, its bias
    by db (a network without biases has none: db is then dropped), its outgoing weights (into the next
    layer) by dv."""
    d = [Fraction(0)] * network.n_params
    moves = (*dw, db) if network.bias else tuple(dw)
    for m, value in zip(incoming(network, layer, j), moves, strict=True):
        d[m] = value
    for k, value in zip(outgoing(network, layer, j), dv, strict=False):
        d[k] = value
    return tuple(d)


def raising_directions(
    network: Network, dataset: Dataset, region: Region, point: Point | None = None
) -> list[tuple[Fraction, ...]]:
    """Directions that move one dead-at-kink unit's incoming weights and bias so as to raise its
    pre-activation on some kink point, in every layer with kinks (empty when some kink is not such a
    unit's): with v_j·∂ℓ_i/∂z_i < 0
    there, a first-order descent that `kink_descent` should try before any other. Behind a first
    hidden layer the moves depend on what the earlier layers hand on: ``point`` (none tried without).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1]], [[0], [1]])
        >>> [str(v) for v in raising_directions(net, data, Region((((1, 1), (-1, 0)),)))[0]]  # unit 1's b
        ['0', '0', '0', '1', '0', '0', '0']
    """
    out: list[tuple[Fraction, ...]] = []
    for dead in dead_layers(network, region) or ():
        if dead.layer and point is None:
            continue
        inputs = (
            [tuple(x) for x in dataset.X]
            if point is None
            else layer_inputs(network, dataset, point, dead.layer)
        )
        k = network.widths[dead.layer + 2]
        out += [
            unit_direction(network, dead.layer, j, dw, db, [Fraction(0)] * k)
            for j, kinks in dead.at_kinks
            for dw, db in raisers(inputs, kinks)
        ]
    return out


def ball_range(lo: Fraction, hi: Fraction) -> Any:
    """The ball holding [lo, hi] (call inside the ball context)."""
    return to_arb(lo).union(to_arb(hi))


def layer_weights(point: Point, layer: int, R: Fraction | None) -> Any:
    """Layer ``layer``'s weight matrix (0-based over all layers): exact with R None, else widened by ±R
    as balls."""
    W = point.layers[layer].W
    return np.array([[w if R is None else ball_range(w - R, w + R) for w in row] for row in W], dtype=object)


def later_jacobians(
    network: Network, center: Point, R: Fraction | None, region: Region, layer: int, points: Sequence[int]
) -> dict[int, Any]:
    """J_i = ∂z_i/∂p_i for each of ``points``: how the logits move with the pre-activations p of hidden
    layer ``layer + 1`` (the logits themselves after the last hidden layer: J = I) on point i's pieces,
    which ``region`` gives strictly; a (dL, width) array, exact at ``center`` with R None, else of balls
    over the ∞-box of radius R around it (call inside the ball context):
    J_i = W_L D_{L−1,i} W_{L−1} ⋯ W_{layer+2} D_{layer+1,i}, D the ReLU slopes (1 or 0)."""
    top = len(center.layers) - 1
    one, zero = (Fraction(1), Fraction(0)) if R is None else (flint.arb(1), flint.arb(0))
    k = network.widths[-1]
    if layer + 1 == top:
        eye = np.array([[one if a == b else zero for b in range(k)] for a in range(k)], dtype=object)
        return {i: eye for i in points}
    out = {}
    for i in points:
        J = layer_weights(center, top, R)
        for m in range(top - 1, layer, -1):
            J = J * np.array([one if unit[i] > 0 else zero for unit in region.signs[m]], dtype=object)
            if m > layer + 1:
                J = J.dot(layer_weights(center, m, R))
        out[i] = J
    return out


def effective_weights(
    network: Network, center: Point, R: Fraction | None, region: Region, dead: DeadUnits, units: Sequence[int]
) -> dict[tuple[int, int], Any]:
    """a_ji = J_i·(unit j's outgoing weights) at each kink point i of each of ``units``: how fast the
    logits of point i move with u_ji = max(0, p_ji) (unit j's output weights after the last hidden
    layer); exact with R None, else balls over the box (see `later_jacobians`)."""
    kinks = dict(dead.at_kinks)
    jac = later_jacobians(
        network, center, R, region, dead.layer, sorted({i for j in units for i in kinks[j]})
    )
    cols = layer_weights(center, dead.layer + 1, R)
    return {(j, i): jac[i].dot(cols[:, j]) for j in units for i in kinks[j]}


def kink_bounds(
    network: Network,
    dataset: Dataset,
    center: Point,
    R: Fraction,
    deads: Sequence[DeadUnits],
    region: Region,
) -> dict[tuple[int, int, int], tuple[Fraction, Fraction]] | None:
    """Over the box of ∞-radius R around ``center`` (balls): every hidden pre-activation that is not a
    kink keeps its sign in ``region``, and each kink's pre-activation p_ji (unit j of layer ℓ, point i)
    lies in ``bounds[(ℓ, j, i)]`` = (lo, hi); None when a sign is not proved. One forward pass takes every
    kink unit's output over its whole range at once (its pre-activation, on its active piece: a superset
    of max(0, p)), so a later kink unit's bounds hold whatever the earlier ones do."""
    box = ParameterBox(network, dataset, center, 256)
    ball = box.ball
    with ball.context():
        fwd = forward(network, unflatten(network, box.flat(R)), box.prob.inputs, arith=ball, masks=box.masks)
        if not signs_hold(ball, fwd.z[:-1], region.signs):
            return None
        bounds = {}
        for dead in deads:
            for j, kinks in dead.at_kinks:
                for i in kinks:
                    p = fwd.z[dead.layer][j, i]
                    if not p.is_finite():
                        return None
                    bounds[(dead.layer, j, i)] = ball_bounds(p)
    return bounds


def kink_reach(
    network: Network,
    dataset: Dataset,
    center: Point,
    R: Fraction,
    deads: Sequence[DeadUnits],
    region: Region,
) -> dict[tuple[int, int, int], Fraction] | None:
    """`kink_bounds`' upper ends, at least 0: u_ji = max(0, p_ji) ∈ [0, reach[(ℓ, j, i)]] over the box;
    None when a sign is not proved."""
    bounds = kink_bounds(network, dataset, center, R, deads, region)
    return None if bounds is None else {key: max(Fraction(0), hi) for key, (_, hi) in bounds.items()}


def one_sided_growth(
    network: Network,
    center: Point,
    deads: Sequence[DeadUnits],
    signed: Sequence[tuple[int, int]],
    pred: Predictions,
    R: Fraction,
    reach: dict[tuple[int, int, int], Fraction],
    region: Region,
    inputs: Sequence[Sequence[Fraction]],
) -> bool:
    """True when a_ji·Σ_{i∈g} ∂ℓ_i/∂z_i is proved > 0 for every ``signed`` unit (layer, j) and every group
    g of its kink points that feed its layer one input at every parameter of the box (one data input, or
    every unit of the layer below strictly dead on each: all zeros), over every prediction of the
    narrower box plus Σ a_ji u_ji with u_ji ∈ [0, reach] and a_ji = J_i·(unit j's outgoing weights) over
    the box of radius R: the logits' rate of change in u_ji, the other kink units' outputs held (their
    slope in J_i is 0). Points of a group share u_ji and every prediction at every parameter, so the mean
    value identity groups them. (The strict signs hold over the box: the caller's ``reach`` is proved.)"""
    by_layer = {dead.layer: dead for dead in deads}
    ball = pred.ball
    with ball.context():
        A: dict[tuple[int, int, int], Any] = {}
        for layer in sorted({lay for lay, _ in signed}):
            units = [j for lay, j in signed if lay == layer]
            weights = effective_weights(network, center, R, region, by_layer[layer], units)
            A.update({(layer, j, i): a for (j, i), a in weights.items()})
        extra: dict[tuple[int, int], Any] = {}
        for (layer, j, i), a_ji in A.items():
            u = ball_range(Fraction(0), reach[(layer, j, i)])
            for k, a in enumerate(a_ji):
                extra[(k, i)] = extra.get((k, i), flint.arb(0)) + a * u
        S = pred.slopes(extra)
        for layer, j in signed:
            groups: dict[object, list[int]] = {}
            for i in dict(by_layer[layer].at_kinks)[j]:
                silent = (  # ReLU only: a strictly dead leaky unit still passes slope·z
                    network.activation == "relu"
                    and layer > 0
                    and all(row[i] == -1 for row in region.signs[layer - 1])
                )
                groups.setdefault("silent" if silent else tuple(inputs[i]), []).append(i)
            for group in groups.values():
                growth = sum(
                    (a * S[k, i] for i in group for k, a in enumerate(A[(layer, j, i)])), flint.arb(0)
                )
                if ball.sign(growth) != 1:
                    return False
    return True
