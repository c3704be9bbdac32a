"""Minima and second-order saddles at ReLU units dead at a kink, under a smooth loss (sigmoid output with
mse or bce).

Setting: one hidden ReLU layer with biases. Unit j is *dead* when its pre-activation
p_ji = w_j·x_i + b_j is ≤ 0 on every data point, and *dead at a kink* when it is exactly 0 on a non-empty
set K_j (exact rationals). Every dead unit's own pre-activations depend only on its own (w_j, b_j), so
within ∞-distance R of the point every p_ji < 0 stays negative as long as R(‖x_i‖₁ + 1) < |p_ji|, and
there the network computes

    z_i(θ) = z_red,i(θ_red) + Σ_j v_j u_ji,    u_ji = max(0, p_ji(θ)) ∈ [0, R(‖x_i‖₁ + 1)] for i ∈ K_j,

u_ji = 0 for i ∉ K_j, where z_red is the narrower network without the dead units and θ_red its
parameters. So F(θ) = G(θ_red, v, u) with G(θ_red, v, u) = ℓ(z_red(θ_red) + Σ_j v_j u_j) and
G(θ_red, v, 0) = F_red(θ_red).

*Minimum* (code ``kink-dead-unit-minimum``). The narrower network's point is proved a (non-strict) local
minimum on a slice through its ReLU rescaling orbits (`symmetry_slices.certify_on_slice`): every loss of
F_red in the ∞-box B of radius R around its centre is ≥ F_red(x*) = F*, with x* inside, and the activation
region holds on B. By the mean value theorem along s ↦ G(θ_red, v, s·u), s ∈ [0, 1],

    F(θ) − F_red(θ_red) = Σ_j Σ_{i∈K_j} u_ji · v_j·∂ℓ_i/∂z_i(ξ),

each term ≥ 0 when v_j·∂ℓ_i/∂z_i is proved > 0 in balls over every prediction that θ_red ∈ B, v_j within
R of its value and u ∈ [0, u_max] produce. Then F ≥ F_red ≥ F* on the box of radius R around the lifted
centre, attained at θ* = (x*, the dead units as given): a non-strict local minimum (w_j can move keeping
p ≤ 0). θ*'s dead units are the given numbers, and the narrower network's minimiser does not move them,
so p_ji(θ*) = 0 exactly on K_j even when the rest of the point is rounded.

*Saddle* (code ``kink-born-unit-saddle``, "a unit born at a kink"): a dead-at-kink unit j with v_j = 0
(exactly, or to the point's rounding scale). θ* = (x*, dead units, v_j = 0) is critical: along any
direction the unit's term is t·dv·max(0, t q) = O(t²), ∇F_red(x*) = 0, and every other dead-at-kink unit
has v·∂ℓ/∂z > 0, so every one-sided derivative is ≥ 0 (Clarke stationary). Along d = (δ(w_j, b_j) with
q_i = δw·x_i + δb, δv_j = dv) the predictions are z_i = z_red,i(x*) + t² dv q_i⁺ for t ∈ (0, t₀] (t₀|q_i| <
|p_ji| off K_j), so F(θ* + t d) − F(θ*) = t² Σ_{i∈K_j} q_i⁺ dv·∂ℓ_i/∂z_i(ξ) (mean value in σ = t² ∈
[0, t₀²]). With dv_k = −sign(Σ_i q_i⁺ ∂ℓ_i/∂z_ki), that sum is proved < 0 in balls over all of B: every
small step along d goes down, θ* is not a local minimum. A point of lower loss is exhibited, its loss
enclosed below the narrower minimum's proved lower bound.

Where some v_j·∂ℓ_i/∂z_i < 0, raising p_ji is a first-order descent (`raising_directions` hands those
directions to `kink_descent` first); where it is 0 or unsigned, nothing here is proved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import to_arb
from badminima.landscape.derivatives import logit_slope
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import rounding_scale
from badminima.progress import ProgressHook, report
from badminima.verify.box import lower_point
from badminima.verify.certificate import Verdict
from badminima.verify.lift import Lifted
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.suboptimality import LossEnclosure
from badminima.verify.symmetry_slices import certify_on_slice, rescaling_slice

BORN_REACH = tuple(Fraction(1, 2**k) for k in (0, 4, 8, 12, 16, 20, 30))
"""Lengths t₀ over which a born unit's second-order descent is proved, longest first."""

WITNESS_START = Fraction(1, 2**64)
"""First step tried for the born unit's lower point (doubled until its loss is proved lower)."""


@dataclass(frozen=True)
class DeadUnits:
    """Hidden units ``units`` (ascending) whose pre-activation is ≤ 0 on every data point; ``kinks[n]``
    lists the data points where ``units[n]``'s pre-activation is exactly 0 (empty: strictly dead)."""

    units: tuple[int, ...]
    kinks: tuple[tuple[int, ...], ...]

    @property
    def at_kinks(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        """(unit, its kink points) of the units dead at a kink."""
        return tuple((j, k) for j, k in zip(self.units, self.kinks, strict=True) if k)


def dead_units(network: Network, region: Region) -> DeadUnits | None:
    """The dead units of a one-hidden-layer ReLU network with biases when every kink of ``region`` is
    one of theirs, at least one unit is left alive, and there is a kink; None otherwise.

    Example:
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> dead_units(net, Region((((1, 1, -1), (-1, 0, -1)),)))
        DeadUnits(units=(1,), kinks=((1,),))
    """
    if len(network.widths) != 3 or network.activation != "relu" or not network.bias:
        return None
    rows = region.signs[0]
    units = tuple(j for j, row in enumerate(rows) if all(s <= 0 for s in row))
    kinks = tuple(tuple(i for i, s in enumerate(rows[j]) if s == 0) for j in units)
    n_kinks = sum(len(k) for k in kinks)
    if not n_kinks or n_kinks != len(region.kinks) or len(units) == len(rows):
        return None
    return DeadUnits(units, kinks)


def without_units(network: Network, point: Point, units: Sequence[int]) -> tuple[Network, Point]:
    """The narrower one-hidden-layer network without hidden ``units`` (any number of outputs), and the
    point's remaining parameters.

    Example:
        >>> net = Network((1, 2, 2), "relu")
        >>> small, p = without_units(net, Point.of([([[1], [2]], [3, 4]), ([[5, 6], [7, 8]], [9, 0])]), [0])
        >>> small.widths, p.flatten()[:3], p.layers[1].W
        ((1, 1, 2), (Fraction(2, 1), Fraction(4, 1), Fraction(6, 1)), ((Fraction(6, 1),), (Fraction(8, 1),)))
    """
    hidden, out = point.layers
    assert hidden.b is not None
    keep = [j for j in range(len(hidden.W)) if j not in units]
    small = Network(
        (network.widths[0], len(keep), network.widths[2]),
        network.activation,
        output=network.output,
        loss=network.loss,
        bias=True,
        leaky_slope=network.leaky_slope,
    )
    layers = (
        Layer(tuple(hidden.W[j] for j in keep), tuple(hidden.b[j] for j in keep)),
        Layer(tuple(tuple(row[j] for j in keep) for row in out.W), out.b),
    )
    return small, Point(layers)


def _with_units(small_point: Point, point: Point, units: Sequence[int], silenced: Sequence[int]) -> Point:
    """The narrower point with ``units`` put back as ``point`` has them, the output weights of
    ``silenced`` ones set to 0."""
    small_hidden, small_out = small_point.layers
    hidden, out = point.layers
    assert small_hidden.b is not None and hidden.b is not None
    alive = iter(range(len(small_hidden.W)))
    W, b, cols = [], [], []
    for j in range(len(hidden.W)):
        if j in units:
            W.append(hidden.W[j])
            b.append(hidden.b[j])
            cols.append(tuple(Fraction(0) if j in silenced else row[j] for row in out.W))
        else:
            a = next(alive)
            W.append(small_hidden.W[a])
            b.append(small_hidden.b[a])
            cols.append(tuple(row[a] for row in small_out.W))
    V = tuple(tuple(col[k] for col in cols) for k in range(len(out.W)))
    return Point((Layer(tuple(W), tuple(b)), Layer(V, small_out.b)))


def _pre_activation(point: Point, j: int, x: Sequence[Fraction]) -> Fraction:
    hidden = point.layers[0]
    assert hidden.b is not None
    return sum((w * xi for w, xi in zip(hidden.W[j], x, strict=True)), hidden.b[j])


def _rise(dw: Sequence[Fraction], db: Fraction, x: Sequence[Fraction]) -> Fraction:
    """q = δw·x + δb: how fast the move (δw, δb) raises a pre-activation at input x."""
    return sum((a * b for a, b in zip(dw, x, strict=True)), db)


def _raisers(dataset: Dataset, kinks: Sequence[int]) -> list[tuple[tuple[Fraction, ...], Fraction]]:
    """Moves (δw, δb) of one unit that raise its pre-activation on some of its kink points: the bias
    alone, then ± each input weight, alone or with the bias raised or lowered."""
    d0 = len(dataset.X[0])
    out = [(tuple(Fraction(0) for _ in range(d0)), Fraction(1))]
    for m in range(d0):
        for s in (1, -1):
            e = tuple(Fraction(s if n == m else 0) for n in range(d0))
            out += [(e, Fraction(0)), (e, Fraction(1)), (e, Fraction(-1))]
    return [(dw, db) for dw, db in out if any(_rise(dw, db, dataset.X[i]) > 0 for i in kinks)]


def _direction(
    network: Network, j: int, dw: Sequence[Fraction], db: Fraction, dv: Sequence[Fraction]
) -> tuple[Fraction, ...]:
    """The flat direction moving unit j's incoming weights by dw, its bias by db, its output weights
    by dv."""
    d0, h = network.widths[0], network.widths[1]
    d = [Fraction(0)] * network.n_params
    for m, value in enumerate(dw):
        d[j * d0 + m] = value
    d[h * d0 + j] = db
    for k, value in enumerate(dv):
        d[h * d0 + h + k * h + j] = value
    return tuple(d)


def raising_directions(network: Network, dataset: Dataset, region: Region) -> list[tuple[Fraction, ...]]:
    """Directions that move one dead-at-kink unit's incoming weights and bias so as to raise its
    pre-activation on some kink point (empty when the point has no such unit): with v_j·∂ℓ_i/∂z_i < 0
    there, a first-order descent that `kink_descent` should try before any other.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1]], [[0], [1]])
        >>> [str(v) for v in raising_directions(net, data, Region((((1, 1), (-1, 0)),)))[0]]  # unit 1's b
        ['0', '0', '0', '1', '0', '0', '0']
    """
    dead = dead_units(network, region)
    if dead is None:
        return []
    k = network.widths[2]
    return [
        _direction(network, j, dw, db, [Fraction(0)] * k)
        for j, kinks in dead.at_kinks
        for dw, db in _raisers(dataset, kinks)
    ]


class _Predictions:
    """The narrower network's logits enclosed in balls over its proof box, and ∂ℓ_i/∂z_i over them plus
    extra per-point ranges."""

    def __init__(self, small: Network, dataset: Dataset, reduced: Lifted) -> None:
        self.small = small
        self.box = ParameterBox(small, dataset, reduced.center, reduced.reduced.precision)
        self.ball = self.box.ball
        with self.ball.context():
            flat = self.box.flat(reduced.radius)
            fwd = forward(
                small, unflatten(small, flat), self.box.prob.inputs, arith=self.ball, masks=self.box.masks
            )
            self.logits = fwd.logits

    def slopes(self, extra: dict[tuple[int, int], Any]) -> Any:
        """∂ℓ_i/∂z_ki (a (dL, N) array of balls) over the logits plus ``extra[(k, i)]``."""
        z = self.logits.copy()
        for (k, i), ball in extra.items():
            z[k, i] = z[k, i] + ball
        return logit_slope(self.small, z, self.box.prob.targets, arith=self.ball)


def _range(lo: Fraction, hi: Fraction) -> Any:
    return to_arb(lo).union(to_arb(hi))


def _one_sided_growth(
    network: Network,
    dataset: Dataset,
    point: Point,
    dead: DeadUnits,
    signed: Sequence[int],
    pred: _Predictions,
    R: Fraction,
) -> bool:
    """True when v_j·∂ℓ_i/∂z_i is proved > 0 for every ``signed`` unit j and i ∈ K_j, over every
    prediction of the narrower box plus Σ_j v_j u_j with v_j within R of its value and
    u_ji ∈ [0, R(‖x_i‖₁ + 1)]."""
    out = point.layers[1]
    kinks = dict(dead.at_kinks)
    ball = pred.ball
    with ball.context():
        V = {j: [_range(row[j] - R, row[j] + R) for row in out.W] for j in signed}
        extra: dict[tuple[int, int], Any] = {}
        for j in signed:
            for i in kinks[j]:
                u = _range(Fraction(0), R * (sum(abs(x) for x in dataset.X[i]) + 1))
                for k, vk in enumerate(V[j]):
                    extra[(k, i)] = extra.get((k, i), flint.arb(0)) + vk * u
        S = pred.slopes(extra)
        for j in signed:
            for i in kinks[j]:
                growth = sum((vk * S[k, i] for k, vk in enumerate(V[j])), flint.arb(0))
                if ball.sign(growth) != 1:
                    return False
    return True


def _born_descent(
    network: Network,
    dataset: Dataset,
    point: Point,
    j: int,
    kinks: Sequence[int],
    pred: _Predictions,
) -> tuple[tuple[Fraction, ...], Fraction] | None:
    """A direction d of unit j (born: v_j = 0) and a reach t₀ with F(θ* + t d) < F(θ*) for every
    t ∈ (0, t₀] and every narrower critical point x* in the proof box (see the module docstring)."""
    ball = pred.ball
    k_out = network.widths[2]
    others = [i for i in range(len(dataset.X)) if i not in kinks]
    with ball.context():
        S0 = pred.slopes({})
        best = None
        for dw, db in _raisers(dataset, kinks):
            q = {i: max(Fraction(0), _rise(dw, db, dataset.X[i])) for i in kinks}
            m = [sum(float(S0[k, i].mid()) * float(qi) for i, qi in q.items()) for k in range(k_out)]
            size = sum(abs(x) for x in m)
            if size > 0 and (best is None or size > best[0]):
                best = (size, dw, db, q, [Fraction(-1 if x > 0 else 1 if x < 0 else 0) for x in m])
        if best is None:
            return None
        _, dw, db, q, dv = best
        for reach in BORN_REACH:
            if any(
                reach * abs(_rise(dw, db, dataset.X[i])) >= -_pre_activation(point, j, dataset.X[i])
                for i in others
            ):
                continue
            sigma = _range(Fraction(0), reach * reach)
            extra = {(k, i): sigma * to_arb(dv[k] * qi) for i, qi in q.items() for k in range(k_out) if qi}
            S = pred.slopes(extra)
            moment = sum(
                (to_arb(dv[k] * qi) * S[k, i] for i, qi in q.items() for k in range(k_out) if qi),
                flint.arb(0),
            )
            if ball.sign(moment) == -1:
                return _direction(network, j, dw, db, dv), reach
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
    the point's rounding scale).

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
    if dead is None or network.output != "sigmoid":
        return None
    report(progress, "units dead at a kink: the narrower network's minimum")
    small, small_point = without_units(network, point, dead.units)
    reduced = _narrower_minimum(small, dataset, small_point)
    if reduced is None:
        return None
    R = reduced.radius
    for j, kinks in zip(dead.units, dead.kinks, strict=True):
        for i, x in enumerate(dataset.X):
            if i not in kinks and _pre_activation(point, j, x) + R * (sum(abs(v) for v in x) + 1) >= 0:
                return None  # a strictly negative pre-activation might reach its kink inside the box
    out = point.layers[1]
    tol = Fraction(0) if literal else 4 * rounding_scale(point.flatten())
    born = [j for j, _ in dead.at_kinks if all(abs(row[j]) <= tol for row in out.W)]
    signed = [j for j, _ in dead.at_kinks if j not in born]
    report(progress, "units dead at a kink: signs of v·∂ℓ/∂z")
    pred = _Predictions(small, dataset, reduced)
    if not _one_sided_growth(network, dataset, point, dead, signed, pred, R):
        return None
    center = _with_units(reduced.center, point, dead.units, born)
    offset = max(abs(a - b) for a, b in zip(point.flatten(), center.flatten(), strict=True))
    narrower = (
        f"the {small.widths[1]}-unit network without unit(s) {', '.join(map(str, dead.units))} (dead: "
        f"pre-activation ≤ 0 on every data point) has a non-strict local minimum: {reduced.reason}"
    )
    lo, hi = reduced.reduced.loss_lower, reduced.reduced.loss_upper
    loss = LossEnclosure(value.text, lo, hi)
    if not born:
        kinked = ", ".join(f"unit {j} on point(s) {', '.join(map(str, k))}" for j, k in dead.at_kinks)
        return Outcome(
            Verdict.LOCAL_MIN,
            "interval",
            "reduce-one-sided-growth",
            f"pre-activations exactly at a kink ({kinked}), of units dead on every other point: {narrower}; "
            f"within {float(R):.3g} (∞-norm) of box_center the network is the narrower one plus "
            f"Σ v_j·max(0, p_j) on those points, and v_j·∂ℓ/∂z is proved > 0 there over every prediction "
            f"the box produces (balls), so by the mean value theorem in max(0, p_j) ≥ 0 every loss in the "
            f"box is at least the narrower network's, hence at least its minimum, attained with the dead "
            f"units as given: a non-strict local minimum",
            loss,
            box_radius=offset + R,
            proof_radius=R,
            box_center=center,
            steps=(f"narrower network: {reduced.code} proved", "v_j·∂ℓ/∂z > 0 at every kink (balls)"),
            code="kink-dead-unit-minimum",
        )
    if lo is None:
        return None
    kinks_of = dict(dead.at_kinks)
    for j in born:
        report(progress, "units dead at a kink: second-order descent of a born unit")
        found = _born_descent(network, dataset, point, j, kinks_of[j], pred)
        if found is None:
            continue
        d, reach = found
        scale = 1 + max((abs(float(x)) for x in center.flatten()), default=0.0)
        lower = lower_point(network, dataset, center, d, WITNESS_START, scale, lo, BallArithmetic(256))
        if lower is None:
            continue
        witness, step, upper = lower
        return Outcome(
            Verdict.SADDLE,
            "interval",
            "second-order-kink-descent",
            f"unit {j} is born at a kink (output weight 0, pre-activation ≤ 0 on every data point and "
            f"exactly 0 on point(s) {', '.join(map(str, kinks_of[j]))}): {narrower}; with unit {j}'s "
            f"output weight 0 that minimum is a critical point of the whole network (every one-sided "
            f"derivative is ≥ 0) within {float(R):.3g} of box_center; raising unit {j}'s pre-activation "
            f"on its kink by t·q and its output weight by t·dv moves those predictions by t²·dv·q, and "
            f"Σ q·dv·∂ℓ/∂z < 0 is proved over the whole box for t ≤ {float(reach):.3g} (balls), so every "
            f"such step goes down at second order: not a local minimum; a point at distance "
            f"{float(step):.3g} along that direction has loss ≤ {float(upper):.17g}, below the critical "
            f"loss",
            loss,
            box_radius=offset + R,
            proof_radius=R,
            box_center=center,
            witness=witness,
            witness_loss_upper=upper,
            steps=(f"narrower network: {reduced.code} proved", f"unit {j}: second-order descent proved"),
            code="kink-born-unit-saddle",
        )
    return None
