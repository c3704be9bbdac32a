"""Minima and second-order saddles at ReLU units dead at a kink, under a smooth loss (sigmoid output with
mse or bce, or identity output with mse), any number of outputs.

Setting: a ReLU network with biases whose only kinks are in its *last* hidden layer L, at units dead on
the data. Unit j of layer L is *dead* when its pre-activation p_ji = w_j·h_i + b_j is ≤ 0 on every data
point (h_i: what layer L receives on point i — the input x_i for one hidden layer), and *dead at a kink*
when it is exactly 0 on a non-empty set K_j (exact rationals). Every other hidden pre-activation, in
every layer, has a strict sign, so on a small enough box B around the point every layer keeps its piece,
h_i(θ) is smooth, and the network computes

    z_i(θ) = z_red,i(θ_red) + Σ_j v_j u_ji,    u_ji = max(0, p_ji(θ)) ∈ [0, P_ji], i ∈ K_j,

u_ji = 0 for i ∉ K_j, where z_red is the narrower network without the dead units, θ_red its parameters,
v_j unit j's output weights, and P_ji an upper bound of p_ji over B. B's non-kink signs and the P_ji
come from one forward pass in balls over all of B (`_kink_reach`): that is where the earlier layers'
outputs, which move with θ, are bounded. So F(θ) = G(θ_red, v, u) with G(θ_red, v, u) =
ℓ(z_red(θ_red) + Σ_j v_j u_j) and G(θ_red, v, 0) = F_red(θ_red).

The narrower problem (`_reductions`). (a) Units left alive in layer L: the narrower network's point is
proved a (non-strict) local minimum on a slice through its ReLU rescaling orbits
(`symmetry_slices.certify_on_slice`): every loss of F_red in the ∞-box of radius R around its centre x̂
is ≥ F_red(x*) = F*, with the minimiser x* within R of x̂, the activation region holding there.
(b) Every unit of layer L dead: the narrower network is the constant model z = c (`kink_reductions`),
F_red(c) ≥ F* for every c, with F* attained at c = C*; any R will do.

*Minimum* (code ``kink-dead-unit-minimum``). By the mean value theorem along s ↦ G(θ_red, v, s·u),
s ∈ [0, 1],

    F(θ) − F_red(θ_red) = Σ_j Σ_{i∈K_j} u_ji · v_j·∇_z ℓ_i(ξ_i)   (a dot product over the outputs),

each term ≥ 0 when v_j·∇_z ℓ_i is proved > 0 in balls over every prediction that θ_red ∈ B, v_j within
R of its value and u_ji ∈ [0, P_ji] produce (ξ_i = z_red,i + s Σ_j v_j u_ji lies among them). Then
F ≥ F_red ≥ F* on the box B of radius R around the lifted centre θ̂ = (x̂, the dead units as given).
F* is attained inside B: with one hidden layer (a), or in (b) where the minimiser moves only the output
bias, nothing feeding the dead units moves, so at θ* = (x*, the dead units as given) p_ji(θ*) = 0 exactly
on K_j (even when the rest of the point is rounded), u(θ*) = 0 and F(θ*) = F*. Behind a first hidden
layer in (a), x* moves the earlier layers and with them h_i, so p_ji(x*) need not be 0; but it is at most
the shift s = max P_ji over the box of radius ρ = ‖∇F_red(x̂)‖/μ ≥ ‖x* − x̂‖ around θ̂ (strong convexity
on the slice, balls), so at θ° = (x*, w_j, b_j − s) every p_ji ≤ 0, u = 0 and F(θ°) = F*; with
max(ρ, s) < R, θ° lies inside B, and F ≥ F* = F(θ°) on a neighbourhood of θ°: a non-strict local
minimum either way (w_j can move keeping p ≤ 0).

*Saddle* (code ``kink-born-unit-saddle``, "a unit born at a kink"): a dead-at-kink unit j with v_j = 0
(exactly, or to the point's rounding scale). θ* = (x*, dead units, v_j = 0) is critical: along any
direction the unit's term is t·dv·max(0, t q) = O(t²), ∇F_red(x*) = 0, and every other dead-at-kink unit
has v·∂ℓ/∂z > 0, so every one-sided derivative is ≥ 0 (Clarke stationary). Along d = (δ(w_j, b_j) with
q_i = δw·h_i + δb, δv_j = dv) — h_i does not move, d touches layer L only — the predictions are
z_i = z_red,i(x*) + t² dv q_i⁺ for t ∈ (0, t₀] (t₀|q_i| < |p_ji| off K_j), so F(θ* + t d) − F(θ*) =
t² Σ_{i∈K_j} q_i⁺ dv·∂ℓ_i/∂z_i(ξ) (mean value in σ = t² ∈ [0, t₀²]). With dv_k = −sign(Σ_i q_i⁺
∂ℓ_i/∂z_ki), that sum is proved < 0 in balls over all of B: every small step along d goes down, θ* is
not a local minimum. A point of lower loss is exhibited, its loss enclosed below the narrower minimum's
proved lower bound. (Not where the shift s above is needed: there θ* is not at the kink.)

Where some v_j·∂ℓ_i/∂z_i < 0, raising p_ji is a first-order descent (`raising_directions` hands those
directions to `kink_descent` first); where it is 0 or unsigned, nothing here is proved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.flint_bridge import to_arb
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import rounding_scale
from badminima.progress import ProgressHook, report
from badminima.verify.affine_fits import affine_reductions
from badminima.verify.box import lower_point
from badminima.verify.certificate import Verdict
from badminima.verify.embeddings import silenced, with_units, without_units
from badminima.verify.kink_reductions import (
    HEADS,
    BoxPredictions,
    Predictions,
    Reduction,
    constant_reductions,
)
from badminima.verify.lift import Lifted
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ParameterBox, ball_bounds, norm_upper
from badminima.verify.suboptimality import LossEnclosure
from badminima.verify.symmetry_slices import certify_on_slice, rescaling_slice

BORN_REACH = tuple(Fraction(1, 2**k) for k in (0, 4, 8, 12, 16, 20, 30))
"""Lengths t₀ over which a born unit's second-order descent is proved, longest first."""

WITNESS_START = Fraction(1, 2**64)
"""First step tried for the born unit's lower point (doubled until its loss is proved lower)."""


@dataclass(frozen=True)
class DeadUnits:
    """Units ``units`` (ascending) of hidden layer ``layer`` (0-based) whose
    pre-activation is ≤ 0 on every data point; ``kinks[n]`` lists the data points where ``units[n]``'s
    pre-activation is exactly 0 (empty: strictly dead)."""

    units: tuple[int, ...]
    kinks: tuple[tuple[int, ...], ...]
    layer: int = 0

    @property
    def at_kinks(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        """(unit, its kink points) of the units dead at a kink."""
        return tuple((j, k) for j, k in zip(self.units, self.kinks, strict=True) if k)


def dead_units(network: Network, region: Region) -> DeadUnits | None:
    """The dead units of the hidden layer that holds every kink of ``region``, in a ReLU network with
    biases, when every kink is one of theirs and there is a kink; None otherwise.

    Example:
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> dead_units(net, Region((((1, 1, -1), (-1, 0, -1)),)))
        DeadUnits(units=(1,), kinks=((1,),), layer=0)
        >>> dead_units(Network((1, 1, 1, 1), "relu"), Region((((1, 1),), ((-1, 0),))))
        DeadUnits(units=(0,), kinks=((1,),), layer=1)
        >>> dead_units(Network((1, 1, 1, 1), "relu"), Region((((-1, 0),), ((1, 1),))))
        DeadUnits(units=(0,), kinks=((1,),), layer=0)
    """
    if network.activation != "relu" or not network.bias or len(network.widths) < 3:
        return None
    layers = {lay for lay, _, _ in region.kinks}
    if len(layers) != 1:
        return None
    layer = layers.pop()
    rows = region.signs[layer]
    units = tuple(j for j, row in enumerate(rows) if all(s <= 0 for s in row))
    kinks = tuple(tuple(i for i, s in enumerate(rows[j]) if s == 0) for j in units)
    n_kinks = sum(len(k) for k in kinks)
    if not n_kinks or n_kinks != len(region.kinks):
        return None
    return DeadUnits(units, kinks, layer)


def layer_inputs(network: Network, dataset: Dataset, point: Point, layer: int) -> list[tuple[Fraction, ...]]:
    """h_i: what hidden layer ``layer`` receives on each data point (the inputs for layer 0), exactly;
    the layers before it must have no kink (their pieces are then the point's own).

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


def _pre_activation(point: Point, layer: int, j: int, h: Sequence[Fraction]) -> Fraction:
    hidden = point.layers[layer]
    assert hidden.b is not None
    return sum((w * hi for w, hi in zip(hidden.W[j], h, strict=True)), hidden.b[j])


def _rise(dw: Sequence[Fraction], db: Fraction, h: Sequence[Fraction]) -> Fraction:
    """q = δw·h + δb: how fast the move (δw, δb) raises a pre-activation whose layer receives h."""
    return sum((a * b for a, b in zip(dw, h, strict=True)), db)


def _raisers(
    inputs: Sequence[Sequence[Fraction]], kinks: Sequence[int]
) -> list[tuple[tuple[Fraction, ...], Fraction]]:
    """Moves (δw, δb) of one unit that raise its pre-activation on some of its kink points: the bias
    alone, then ± each incoming weight, alone or with the bias raised or lowered."""
    d0 = len(inputs[0])
    out = [(tuple(Fraction(0) for _ in range(d0)), Fraction(1))]
    for m in range(d0):
        for s in (1, -1):
            e = tuple(Fraction(s if n == m else 0) for n in range(d0))
            out += [(e, Fraction(0)), (e, Fraction(1)), (e, Fraction(-1))]
    return [(dw, db) for dw, db in out if any(_rise(dw, db, inputs[i]) > 0 for i in kinks)]


def _direction(
    network: Network, layer: int, j: int, dw: Sequence[Fraction], db: Fraction, dv: Sequence[Fraction]
) -> tuple[Fraction, ...]:
    """The flat direction moving unit j of hidden layer ``layer``: its incoming weights by dw, its bias
    by db, its outgoing weights (into the next layer) by dv."""
    offset = sum(o * i + o for o, i in network.layer_shapes[:layer])
    h, d_in = network.layer_shapes[layer]
    d = [Fraction(0)] * network.n_params
    for m, value in enumerate(dw):
        d[offset + j * d_in + m] = value
    d[offset + h * d_in + j] = db
    for k, value in enumerate(dv):
        d[offset + h * d_in + h + k * h + j] = value
    return tuple(d)


def raising_directions(
    network: Network, dataset: Dataset, region: Region, point: Point | None = None
) -> list[tuple[Fraction, ...]]:
    """Directions that move one dead-at-kink unit's incoming weights and bias so as to raise its
    pre-activation on some kink point (empty when the point has no such unit): with v_j·∂ℓ_i/∂z_i < 0
    there, a first-order descent that `kink_descent` should try before any other. Behind a first
    hidden layer the moves depend on what the earlier layers hand on: ``point`` (none tried without).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1]], [[0], [1]])
        >>> [str(v) for v in raising_directions(net, data, Region((((1, 1), (-1, 0)),)))[0]]  # unit 1's b
        ['0', '0', '0', '1', '0', '0', '0']
    """
    dead = dead_units(network, region)
    if dead is None or (dead.layer and point is None):
        return []
    inputs = (
        [tuple(x) for x in dataset.X] if point is None else layer_inputs(network, dataset, point, dead.layer)
    )
    k = network.widths[dead.layer + 2]
    return [
        _direction(network, dead.layer, j, dw, db, [Fraction(0)] * k)
        for j, kinks in dead.at_kinks
        for dw, db in _raisers(inputs, kinks)
    ]


def _range(lo: Fraction, hi: Fraction) -> Any:
    return to_arb(lo).union(to_arb(hi))


def _kink_reach(
    network: Network, dataset: Dataset, center: Point, R: Fraction, dead: DeadUnits, region: Region
) -> dict[tuple[int, int], Fraction] | None:
    """Over the box of ∞-radius R around ``center`` (balls): every hidden pre-activation that is not a
    kink keeps its sign in ``region``, and each kink's pre-activation p_ji is ≤ ``reach[(j, i)]`` ≥ 0, so
    u_ji = max(0, p_ji) ∈ [0, reach]; None when a sign is not proved."""
    box = ParameterBox(network, dataset, center, 256)
    ball = box.ball
    with ball.context():
        fwd = forward(network, unflatten(network, box.flat(R)), box.prob.inputs, arith=ball, masks=box.masks)
        for z, signs in zip(fwd.z[:-1], region.signs, strict=True):
            for u, row in enumerate(signs):
                if any(s and ball.sign(z[u, i]) != s for i, s in enumerate(row)):
                    return None
        reach = {}
        for j, kinks in dead.at_kinks:
            for i in kinks:
                _, hi = ball_bounds(fwd.z[dead.layer][j, i])
                reach[(j, i)] = max(Fraction(0), hi)
    return reach


def _weights(point: Point, layer: int, R: Fraction | None) -> Any:
    """Layer ``layer``'s weight matrix (0-based over all layers): exact with R None, else widened by ±R
    as balls."""
    W = point.layers[layer].W
    return np.array([[w if R is None else _range(w - R, w + R) for w in row] for row in W], dtype=object)


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
        J = _weights(center, top, R)
        for m in range(top - 1, layer, -1):
            J = J * np.array([one if unit[i] > 0 else zero for unit in region.signs[m]], dtype=object)
            if m > layer + 1:
                J = J.dot(_weights(center, m, R))
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
    cols = _weights(center, dead.layer + 1, R)
    return {(j, i): jac[i].dot(cols[:, j]) for j in units for i in kinks[j]}


def _one_sided_growth(
    network: Network,
    center: Point,
    dead: DeadUnits,
    signed: Sequence[int],
    pred: Predictions,
    R: Fraction,
    reach: dict[tuple[int, int], Fraction],
    region: Region,
    inputs: Sequence[Sequence[Fraction]],
) -> bool:
    """True when a_ji·Σ_{i∈g} ∂ℓ_i/∂z_i is proved > 0 for every ``signed`` unit j and every group g of its
    kink points with one input (such points share u_ji and every prediction at every parameter, so the
    mean value identity groups them), over every prediction of the narrower box plus Σ_j a_ji u_ji with
    u_ji ∈ [0, reach[(j, i)]] and a_ji = J_i·(unit j's outgoing weights) over the box of radius R: the
    logits' rate of change in u_ji (unit j's output weights v_j after the last hidden layer)."""
    kinks = dict(dead.at_kinks)
    ball = pred.ball
    with ball.context():
        A = effective_weights(network, center, R, region, dead, signed)
        extra: dict[tuple[int, int], Any] = {}
        for j in signed:
            for i in kinks[j]:
                u = _range(Fraction(0), reach[(j, i)])
                for k, a in enumerate(A[(j, i)]):
                    extra[(k, i)] = extra.get((k, i), flint.arb(0)) + a * u
        S = pred.slopes(extra)
        for j in signed:
            groups: dict[tuple[Fraction, ...], list[int]] = {}
            for i in kinks[j]:
                groups.setdefault(tuple(inputs[i]), []).append(i)
            for group in groups.values():
                growth = sum((a * S[k, i] for i in group for k, a in enumerate(A[(j, i)])), flint.arb(0))
                if ball.sign(growth) != 1:
                    return False
    return True


def _segment_holds(
    network: Network, dataset: Dataset, center: Point, d: Sequence[Fraction], reach: Fraction, region: Region
) -> bool:
    """True when every hidden pre-activation that is not a kink keeps its sign in ``region`` all along
    center + s·d, s ∈ [0, reach] (balls; a kink unit's piece is widened to its whole range)."""
    box = ParameterBox(network, dataset, center, 256)
    ball = box.ball
    with ball.context():
        s = _range(Fraction(0), reach)
        flat = ball.vector([v + s * to_arb(dv) for v, dv in zip(box.prob.flat, d, strict=True)])
        fwd = forward(network, unflatten(network, flat), box.prob.inputs, arith=ball, masks=box.masks)
        for z, signs in zip(fwd.z[:-1], region.signs, strict=True):
            for u, row in enumerate(signs):
                if any(sg and ball.sign(z[u, i]) != sg for i, sg in enumerate(row)):
                    return False
    return True


def _born_descent(
    network: Network,
    dataset: Dataset,
    inputs: Sequence[Sequence[Fraction]],
    center: Point,
    dead: DeadUnits,
    j: int,
    kinks: Sequence[int],
    red: Reduction,
    region: Region,
) -> tuple[tuple[Fraction, ...], Fraction] | None:
    """A direction d of unit j (born: outgoing weights 0) and a reach t₀ with F(θ* + t d) < F(θ*) for
    every t ∈ (0, t₀] and every narrower critical point x* in the proof box (see the module docstring);
    ``inputs``: what the unit's layer receives on each data point."""
    pred = red.predictions
    ball = pred.ball
    width = network.widths[dead.layer + 2]
    with ball.context():
        jac = later_jacobians(network, red.center, red.radius, region, dead.layer, kinks)
        S0 = pred.slopes({})
        best = None
        for dw, db in _raisers(inputs, kinks):
            q = {i: max(Fraction(0), _rise(dw, db, inputs[i])) for i in kinks}
            m = [
                sum(
                    float(jac[i][k, c].mid()) * float(S0[k, i].mid()) * float(qi)
                    for i, qi in q.items()
                    for k in range(len(S0))
                )
                for c in range(width)
            ]
            size = sum(abs(x) for x in m)
            if size > 0 and (best is None or size > best[0]):
                best = (size, dw, db, q, [Fraction(-1 if x > 0 else 1 if x < 0 else 0) for x in m])
        if best is None:
            return None
        _, dw, db, q, dv = best
        d = _direction(network, dead.layer, j, dw, db, dv)
        g = {i: jac[i].dot(np.array([to_arb(c) for c in dv], dtype=object)) for i in q}
        for reach in BORN_REACH:
            if not _segment_holds(network, dataset, center, d, reach, region):
                continue
            sigma = _range(Fraction(0), reach * reach)
            extra = {
                (k, i): sigma * g[i][k] * to_arb(qi) for i, qi in q.items() for k in range(len(g[i])) if qi
            }
            S = pred.slopes(extra)
            moment = sum(
                (g[i][k] * to_arb(qi) * S[k, i] for i, qi in q.items() for k in range(len(g[i])) if qi),
                flint.arb(0),
            )
            if ball.sign(moment) == -1:
                return d, reach
    return None


def _narrower_minimum(small: Network, dataset: Dataset, small_point: Point) -> Lifted | None:
    """The narrower ReLU network's point proved a non-strict local minimum on its rescaling slice (every
    loss within ``radius`` of ``center`` is ≥ the minimum's, the activation region holds there), or None."""
    chart = rescaling_slice(small, small_point)
    if chart is None:
        return None
    found = certify_on_slice(small, dataset, small_point, chart)
    if found is None or found.verdict is not Verdict.LOCAL_MIN:
        return None
    return found


def _minimiser_distance(
    small: Network, dataset: Dataset, small_point: Point, reduced: Lifted
) -> Fraction | None:
    """A proved bound ‖∇F(x̂)‖/μ ≥ ‖x* − x̂‖ on how far the slice minimiser lies from the proof's centre:
    the slice's free gradient at x̂ in balls over the curvature μ that the proof established on a convex
    box holding both (strong convexity), often far below the proof box's radius r; None without μ."""
    chart = rescaling_slice(small, small_point)
    mu, r = reduced.mu, reduced.reduced.radius
    if chart is None or mu is None or r is None:
        return None
    box = ParameterBox(small, dataset, reduced.center, reduced.reduced.precision)
    g = box.ball_gradient()
    g_up = norm_upper(box.ball, [v for i, v in enumerate(g) if i not in chart.fixed])
    return min(r, g_up / mu)


def _reductions(
    network: Network, dataset: Dataset, point: Point, dead: DeadUnits, region: Region, literal: bool
) -> Iterator[Reduction]:
    """The narrower problem's proved minimum: the constant model when the dead units are the whole last
    hidden layer; otherwise the narrower network at a best affine fit (`affine_fits`), or its minimum on
    its rescaling slice, with — behind a first hidden layer — the ``shift`` that restores p ≤ 0 on the
    kinks at its minimiser (module docstring)."""
    last = dead.layer == network.depth - 2
    if len(dead.units) == network.widths[dead.layer + 1]:
        if last:
            yield from constant_reductions(network, dataset, point, literal=literal)
        return
    yield from affine_reductions(network, dataset, point, dead.units, dead.layer)
    if not last:
        return
    small, small_point = without_units(network, point, dead.units)
    reduced = _narrower_minimum(small, dataset, small_point)
    if reduced is None:
        return
    center = with_units(reduced.center, point, dead.units)
    R, shift = reduced.radius, Fraction(0)
    if dead.layer:
        rho = _minimiser_distance(small, dataset, small_point, reduced)
        reach = None if rho is None else _kink_reach(network, dataset, center, rho, dead, region)
        if rho is None or reach is None:
            return
        shift = max(reach.values())
        if not max(rho, shift) < R:
            return
    yield Reduction(
        center,
        R,
        reduced.reduced.loss_lower,
        reduced.reduced.loss_upper,
        BoxPredictions(small, dataset, reduced.center, reduced.radius, reduced.reduced.precision),
        f"the network without them ({'-'.join(map(str, small.widths))}) has a non-strict local minimum: "
        f"{reduced.reason}",
        reduced.code,
        shift,
    )


def certify_dead_kinks(
    network: Network,
    dataset: Dataset,
    point: Point,
    value: LossEnclosure,
    *,
    region: Region,
    literal: bool = False,
    progress: ProgressHook | None = None,
) -> Outcome | None:
    """A (non-strict) local minimum (code ``kink-dead-unit-minimum``) or a second-order saddle (code
    ``kink-born-unit-saddle``) at a point whose only kinks are those of units dead at a kink (see the
    module docstring), or None when a step fails or the point is not of that kind. ``value`` is the
    given point's loss enclosure; ``literal``: a born unit's output weights must be exactly 0 (else to
    the point's rounding scale), and the constant model's output bias exactly its optimum.

    Example:
        >>> from badminima.model import load_trap
        >>> from badminima.landscape import region_of
        >>> from badminima.verify.suboptimality import enclose_loss
        >>> t = load_trap("examples/degenerate/kink-dead-unit-bce.json")
        >>> region = region_of(t.network, t.dataset, t.point)
        >>> value = enclose_loss(t.network, t.dataset, t.point)
        >>> certify_dead_kinks(t.network, t.dataset, t.point, value, region=region).code
        'kink-dead-unit-minimum'
    """
    dead = dead_units(network, region)
    if dead is None or (network.output, network.loss) not in HEADS:
        return None
    report(progress, "units dead at a kink: the narrower network's minimum")
    last = dead.layer == network.depth - 2
    tol = Fraction(0) if literal or not last else 4 * rounding_scale(point.flatten())
    at_point = effective_weights(network, point, None, region, dead, [j for j, _ in dead.at_kinks])
    born = [j for j, k in dead.at_kinks if all(abs(a) <= tol for i in k for a in at_point[(j, i)])]
    signed = [j for j, _ in dead.at_kinks if j not in born]
    for red in _reductions(network, dataset, point, dead, region, literal):
        R = red.radius
        report(progress, "units dead at a kink: signs of v·∂ℓ/∂z")
        reach = _kink_reach(network, dataset, red.center, R, dead, region)
        if reach is None or not _one_sided_growth(
            network, red.center, dead, signed, red.predictions, R, reach, region, dataset.X
        ):
            continue
        center = silenced(red.center, born, dead.layer)
        offset = max(abs(a - b) for a, b in zip(point.flatten(), center.flatten(), strict=True))
        names = ", ".join(map(str, dead.units))
        narrower = (
            f"unit(s) {names} of hidden layer {dead.layer + 1} are dead (pre-activation ≤ 0 on every data "
            f"point); {red.reason}"
        )
        loss = LossEnclosure(value.text, red.loss_lower, red.loss_upper)
        if not born:
            kinked = ", ".join(f"unit {j} on point(s) {', '.join(map(str, k))}" for j, k in dead.at_kinks)
            attained = (
                f"with the dead units' biases lowered by at most {float(red.shift):.3g} (the narrower "
                f"minimiser moves the layers that feed them), inside the box"
                if red.shift
                else "with the dead units as given"
            )
            return Outcome(
                Verdict.LOCAL_MIN,
                "interval",
                "reduce-one-sided-growth",
                f"pre-activations exactly at a kink ({kinked}), of units dead on every other point: "
                f"{narrower}; within {float(R):.3g} (∞-norm) of box_center the network is the narrower one "
                f"plus Σ v_j·max(0, p_j) on those points, p_j bounded over the box (balls), and v_j·∂ℓ/∂z "
                f"(summed over the kink points that share an input) is proved > 0 there over every "
                f"prediction the box produces (balls), so by the mean value theorem in max(0, p_j) ≥ 0 "
                f"every loss in the box is at least the narrower network's, hence at least its minimum, "
                f"attained {attained}: a non-strict local minimum",
                loss,
                box_radius=offset + R,
                proof_radius=R,
                box_center=center,
                steps=(f"narrower network: {red.code} proved", "v_j·∂ℓ/∂z > 0 at every kink (balls)"),
                code="kink-dead-unit-minimum",
            )
        if red.shift:
            continue  # the narrower minimiser moves the born unit off its kink: no saddle argument here
        found = _born(network, dataset, point, dead, born, red, center, region)
        if found is None:
            continue
        j, reach_t, witness, step, upper = found
        kinks_of = dict(dead.at_kinks)
        return Outcome(
            Verdict.SADDLE,
            "interval",
            "second-order-kink-descent",
            f"unit {j} is born at a kink (output weight 0, pre-activation ≤ 0 on every data point and "
            f"exactly 0 on point(s) {', '.join(map(str, kinks_of[j]))}): {narrower}; with unit {j}'s "
            f"output weight 0 that minimum is a critical point of the whole network (every one-sided "
            f"derivative is ≥ 0) within {float(R):.3g} of box_center; raising unit {j}'s pre-activation "
            f"on its kink by t·q and its output weight by t·dv moves those predictions by t²·dv·q, and "
            f"Σ q·dv·∂ℓ/∂z < 0 is proved over the whole box for t ≤ {float(reach_t):.3g} (balls), so "
            f"every such step goes down at second order: not a local minimum; a point at distance "
            f"{float(step):.3g} along that direction has loss ≤ {float(upper):.17g}, below the critical "
            f"loss",
            loss,
            box_radius=offset + R,
            proof_radius=R,
            box_center=center,
            witness=witness,
            witness_loss_upper=upper,
            steps=(f"narrower network: {red.code} proved", f"unit {j}: second-order descent proved"),
            code="kink-born-unit-saddle",
        )
    return None


def _born(
    network: Network,
    dataset: Dataset,
    point: Point,
    dead: DeadUnits,
    born: Sequence[int],
    red: Reduction,
    center: Point,
    region: Region,
) -> tuple[int, Fraction, Point, Fraction, Fraction] | None:
    """The first born unit with a proved second-order descent over the reduction's box and a point of
    proved lower loss than the narrower minimum's lower bound along it: (unit, reach, witness, step,
    its loss's upper bound), or None."""
    lo = red.loss_lower
    if lo is None:
        return None
    inputs = layer_inputs(network, dataset, point, dead.layer)
    kinks_of = dict(dead.at_kinks)
    for j in born:
        found = _born_descent(network, dataset, inputs, center, dead, j, kinks_of[j], red, region)
        if found is None:
            continue
        d, reach = found
        scale = 1 + max((abs(float(x)) for x in center.flatten()), default=0.0)
        lower = lower_point(network, dataset, center, d, WITNESS_START, scale, lo, BallArithmetic(256))
        if lower is not None:
            return (j, reach, *lower)
    return None
