"""Minima and second-order saddles at ReLU units dead at a kink, under a smooth loss (sigmoid output with
mse or bce, or identity output with mse), any number of outputs.

Setting: a ReLU network with biases whose only kinks are in one hidden layer ℓ, at units dead on the data
(`kink_units`): p_ji = w_j·h_i + b_j ≤ 0 on every data point, = 0 exactly on K_j. Every other hidden
pre-activation, in every layer, has a strict sign, so on a small enough box B around the point every
layer keeps its piece, h_i(θ) is smooth, and the layers after ℓ act on point i as fixed affine maps:

    z_i(θ) = z_red,i(θ_red) + Σ_j a_ji(θ) u_ji,    u_ji = max(0, p_ji(θ)) ∈ [0, P_ji], i ∈ K_j,

u_ji = 0 for i ∉ K_j, where z_red is the narrower network without the dead units, θ_red its parameters,
a_ji = J_i·(unit j's outgoing weights) the rate at which u_ji moves the logits (unit j's output weights
v_j after the last hidden layer; `kink_units.effective_weights`, enclosed in balls over B), and P_ji an
upper bound of p_ji over B. B's non-kink signs and the P_ji come from one forward pass in balls over
all of B (`kink_units.kink_reach`), a kink unit's output taken over its whole range: that is where the earlier
layers' outputs, which move with θ, are bounded, and why the later layers keep their pieces for every
u. So F(θ) = G(θ, u) with G(θ, u) = ℓ(z_red(θ_red) + Σ_j a_j(θ) u_j) and G(θ, 0) = F_red(θ_red).

The narrower problem (`_reductions`). (a) The narrower network at a best affine fit (`affine_fits`, any
layer ℓ): F_red ≥ F_red(θ̂) = F* on the box, attained at the point itself. (b) Units left alive in the
last hidden layer: the narrower network's point is proved a (non-strict) local minimum on a slice
through its ReLU rescaling orbits (`symmetry_slices.certify_on_slice`): every loss of F_red in the ∞-box
of radius R around its centre x̂ is ≥ F_red(x*) = F*, with the minimiser x* within R of x̂, the
activation region holding there. (c) Every unit of a hidden layer dead: the narrower network is the
constant model z = c (`kink_reductions`; after an earlier layer c is what the later layers make of
constants), F_red ≥ F* for every c, with F* attained where the output bias makes c = C*; any R will do.

*Minimum* (code ``kink-dead-unit-minimum``). By the mean value theorem along s ↦ G(θ, s·u), s ∈ [0, 1],

    F(θ) − F_red(θ_red) = Σ_j Σ_{i∈K_j} u_ji · a_ji·∇_z ℓ_i(ξ_i)   (a dot product over the outputs),

each term ≥ 0 when a_ji·∇_z ℓ_i is proved > 0 in balls over every prediction that θ_red ∈ B, a_ji over
B and u_ji ∈ [0, P_ji] produce (ξ_i = z_red,i + s Σ_j a_ji u_ji lies among them; points with one input
share u_ji and every prediction, so their terms are signed together). Then F ≥ F_red ≥ F* on the box B
of radius R around the lifted centre θ̂ = (x̂, the dead units as given). F* is attained inside B: in (a)
at the point; with one hidden layer in (b), or in (c) where the minimiser moves only the output bias,
nothing feeding the dead units moves, so at θ* = (x*, the dead units as given) p_ji(θ*) = 0 exactly on
K_j (even when the rest of the point is rounded), u(θ*) = 0 and F(θ*) = F*. Behind a first hidden layer
in (b), x* moves the earlier layers and with them h_i, so p_ji(x*) need not be 0; but it is at most the
shift s = max P_ji over the box of radius ρ = ‖∇F_red(x̂)‖/μ ≥ ‖x* − x̂‖ around θ̂ (strong convexity on
the slice, balls), so at θ° = (x*, w_j, b_j − s) every p_ji ≤ 0, u = 0 and F(θ°) = F*; with
max(ρ, s) < R, θ° lies inside B, and F ≥ F* = F(θ°) on a neighbourhood of θ°: a non-strict local
minimum either way (w_j can move keeping p ≤ 0).

*Saddle* (code ``kink-born-unit-saddle``, "a unit born at a kink"): a dead-at-kink unit j with a_ji = 0
on its kink points (v_j = 0 exactly, or to the point's rounding scale, after the last hidden layer;
exactly 0 deeper, where its outgoing weights may reach the logits only through units dead there).
θ* = (x*, dead units, a_j = 0) is critical: along any direction the unit's term is
a_j(θ* + t d)·max(0, t q) = O(t²), ∇F_red(x*) = 0, and every other dead-at-kink unit has a·∂ℓ/∂z > 0,
so every one-sided derivative is ≥ 0 (Clarke stationary). Along d = (δ(w_j, b_j) with q_i = δw·h_i + δb,
unit j's outgoing weights moved by dv), which moves nothing J_i depends on, the logits are
z_i = z_red,i(x*) + t² (J_i dv) q_i⁺ for t ∈ (0, t₀] (every other sign checked along the segment in
balls), so F(θ* + t d) − F(θ*) = t² Σ_{i∈K_j} q_i⁺ (J_i dv)·∂ℓ_i/∂z_i(ξ) (mean value in σ = t²). With dv
against Σ_i q_i⁺ J_iᵀ∂ℓ_i/∂z_i, that sum is proved < 0 in balls over all of B: every small step along d
goes down, θ* is not a local minimum. A point of lower loss is exhibited, its loss enclosed below the
narrower minimum's proved lower bound. Where the shift s above is needed (x* moves the layers that feed
the dead units), a born unit of the last hidden layer whose kink points share one input still gives a
saddle: at θ* = (x*, its bias moved by −p_j(x*), |p_j| bounded over the box of radius ρ in balls, the
other dead units lowered by s) its kink is exactly 0 again, and raising it by its bias alone (q = 1
whatever x* is) gives the same t² descent, all inside B when max(ρ, s, |p_j|) < R.

Where some a_ji·∂ℓ_i/∂z_i < 0, raising p_ji is a first-order descent (`raising_directions` hands those
directions to `kink_descent` first); where it is 0 or unsigned, nothing here is proved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import to_arb
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import may_round, relative_rounding
from badminima.progress import ProgressHook, report
from badminima.verify.affine_fits import affine_reductions
from badminima.verify.box import lower_point
from badminima.verify.certificate import Verdict
from badminima.verify.embeddings import silenced, with_units, without_units
from badminima.verify.kink_reductions import (
    HEADS,
    BoxPredictions,
    Reduction,
    constant_reductions,
    silent_layer_reductions,
)
from badminima.verify.kink_units import (
    DeadUnits,
    ball_range,
    dead_units,
    effective_weights,
    kink_bounds,
    kink_reach,
    later_jacobians,
    layer_inputs,
    one_sided_growth,
    raisers,
    rise,
    unit_direction,
)
from badminima.verify.layered_kinks import certify_layered_kinks
from badminima.verify.lift import Lifted
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ParameterBox, norm_upper, signs_hold
from badminima.verify.suboptimality import LossEnclosure
from badminima.verify.symmetry_slices import certify_on_slice, rescaling_slice
from badminima.verify.upper_layers import CANCELLATION

BORN_REACH = tuple(Fraction(1, 2**k) for k in (0, 4, 8, 12, 16, 20, 30))
"""Lengths t₀ over which a born unit's second-order descent is proved, longest first."""

WITNESS_START = Fraction(1, 2**64)
"""First step tried for the born unit's lower point (doubled until its loss is proved lower)."""


def _segment_holds(
    network: Network,
    dataset: Dataset,
    center: Point,
    d: Sequence[Fraction],
    reach: Fraction,
    region: Region,
    radius: Fraction,
) -> bool:
    """True when every hidden pre-activation that is not a kink keeps its sign in ``region`` all along
    θ + s·d, s ∈ [0, reach], for every θ within ``radius`` of ``center`` (the narrower critical point
    lies somewhere there; balls; a kink unit's piece is widened to its whole range)."""
    box = ParameterBox(network, dataset, center, 256)
    ball = box.ball
    with ball.context():
        s = ball_range(Fraction(0), reach)
        flat = ball.vector([v + s * to_arb(dv) for v, dv in zip(box.flat(radius), d, strict=True)])
        fwd = forward(network, unflatten(network, flat), box.prob.inputs, arith=ball, masks=box.masks)
        return signs_hold(ball, fwd.z[:-1], region.signs)


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
    bias_only: bool = False,
) -> tuple[tuple[Fraction, ...], Fraction] | None:
    """A direction d of unit j (born: outgoing weights 0) and a reach t₀ with F(θ* + t d) < F(θ*) for
    every t ∈ (0, t₀] and every narrower critical point x* in the proof box (see the module docstring);
    ``inputs``: what the unit's layer receives on each data point. With ``bias_only`` the unit is raised
    by its bias alone (q = 1 on its kink, whatever x* does to its inputs)."""
    pred = red.predictions
    ball = pred.ball
    width = network.widths[dead.layer + 2]
    with ball.context():
        jac = later_jacobians(network, red.center, red.radius, region, dead.layer, kinks)
        S0 = pred.slopes({})
        best = None
        moves = [((Fraction(0),) * len(inputs[0]), Fraction(1))] if bias_only else raisers(inputs, kinks)
        for dw, db in moves:
            q = {i: max(Fraction(0), rise(dw, db, inputs[i])) for i in kinks}
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
        d = unit_direction(network, dead.layer, j, dw, db, dv)
        g = {i: jac[i].dot(np.array([to_arb(c) for c in dv], dtype=object)) for i in q}
        for reach in BORN_REACH:
            if not _segment_holds(network, dataset, center, d, reach, region, red.radius):
                continue
            sigma = ball_range(Fraction(0), reach * reach)
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


def _one_input(dataset: Dataset, kinks: Sequence[int]) -> bool:
    """Whether the kink points share one input: then every unit's pre-activation is the same on all of
    them, whatever the parameters, and one bias puts them all at the kink at once."""
    return len({tuple(dataset.X[i]) for i in kinks}) == 1


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
        else:
            yield from silent_layer_reductions(network, dataset, point, dead.layer, literal=literal)
        return

    def rise(center: Point, rho: Fraction) -> Fraction | None:
        reach = kink_reach(network, dataset, center, rho, [dead], region)
        return None if reach is None else max(reach.values(), default=Fraction(0))

    yield from affine_reductions(network, dataset, point, dead.units, dead.layer, literal=literal, reach=rise)
    if not last:
        return
    small, small_point = without_units(network, point, dead.units)
    reduced = _narrower_minimum(small, dataset, small_point)
    if reduced is None:
        return
    center = with_units(reduced.center, point, dead.units)
    R, shift = reduced.radius, Fraction(0)
    rho: Fraction | None = Fraction(0)
    if dead.layer:
        rho = _minimiser_distance(small, dataset, small_point, reduced)
        reach = None if rho is None else kink_reach(network, dataset, center, rho, [dead], region)
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
        rho or Fraction(0),
    )


def certify_dead_kinks(
    network: Network,
    dataset: Dataset,
    point: Point,
    value: LossEnclosure,
    *,
    region: Region,
    literal: bool = False,
    rounded: bool = False,
    progress: ProgressHook | None = None,
) -> Outcome | None:
    """A (non-strict) local minimum (code ``kink-dead-unit-minimum``) or a second-order saddle (code
    ``kink-born-unit-saddle``) at a point whose only kinks are those of units dead at a kink (see the
    module docstring), or None when a step fails or the point is not of that kind. ``value`` is the
    given point's loss enclosure; ``literal``: a born unit's output weights must be exactly 0 (else to
    the point's rounding scale), and the constant model's output bias exactly its optimum; ``rounded``:
    the point is judged against rounded digits (its own, or those it was snapped from), so an effective
    weight through later layers that its paths nearly cancel may be a rounded 0.

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
    if (network.output, network.loss) not in HEADS:
        return None
    dead = dead_units(network, region)
    if dead is None:
        return certify_layered_kinks(network, dataset, point, value, region=region, literal=literal)
    report(progress, "units dead at a kink: the narrower network's minimum")
    last = dead.layer == network.depth - 2
    tol = Fraction(0) if literal or not last else 4 * relative_rounding(point.flatten())
    at_point = effective_weights(network, point, None, region, dead, [j for j, _ in dead.at_kinks])
    if literal or last or not rounded:
        cancelled = {key: [False] * len(v) for key, v in at_point.items()}
    else:
        # Through later layers a_ji is a sum over paths: one its paths nearly cancel (a point snapped from
        # rounded digits beside Σ_k v_k W_kj = 0) may round 0 and is never taken for a sign.
        size = Point.unflatten(network, [abs(q) for q in point.flatten()])
        mass = effective_weights(network, size, None, region, dead, [j for j, _ in dead.at_kinks])
        cancelled = {
            key: [0 < abs(a) < CANCELLATION * m for a, m in zip(at_point[key], mass[key], strict=True)]
            for key in at_point
        }
    # a short (exact) output weight is never silenced, whatever the point's other digits (`may_round`)
    born = [
        j
        for j, k in dead.at_kinks
        if all(
            _may_be_zero(a, tol) or c
            for i in k
            for a, c in zip(at_point[(j, i)], cancelled[(j, i)], strict=True)
        )
    ]
    signed = [j for j, _ in dead.at_kinks if j not in born]
    for red in _reductions(network, dataset, point, dead, region, literal):
        R = red.radius
        report(progress, "units dead at a kink: signs of v·∂ℓ/∂z")
        reach = kink_reach(network, dataset, red.center, R, [dead], region)
        units = [(dead.layer, j) for j in signed]
        if reach is None or not one_sided_growth(
            network, red.center, [dead], units, red.predictions, R, reach, region, dataset.X
        ):
            continue
        # A deep born unit's outgoing weights reach the logits as exactly 0 already (tolerance 0 there):
        # only the last hidden layer's rounded output weights are set to their 0.
        center = silenced(red.center, born) if last else red.center
        offset = point.distance(center)
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
        moved = Fraction(0)
        if red.rho:
            # x* moves the layers that feed the born unit (even where no shift is needed, p(x*) < 0 may
            # leave it strictly dead there): its bias puts its kink back at exactly 0
            kinks_of = dict(dead.at_kinks)
            bounds = kink_bounds(network, dataset, center, red.rho, [dead], region) if last else None
            if bounds is None:
                continue
            # how far each born unit's bias moves to put its (first) kink back at 0 anywhere x* may lie
            ranges = {
                j: max(abs(v) for v in bounds[(dead.layer, j, kinks_of[j][0])])
                for j in born
                if _one_input(dataset, kinks_of[j])
            }
            kept = [j for j, r in ranges.items() if max(red.rho, red.shift, r) < R]
            if not kept:
                continue
            found = _born(network, dataset, point, dead, kept, red, center, region, bias_only=True)
            if found is not None:
                moved = ranges[found[0]]
        else:
            found = _born(network, dataset, point, dead, born, red, center, region)
        if found is None:
            continue
        j, reach_t, witness, step, upper = found
        kink_back = (
            f"; x* moves the layers that feed unit {j}: at the critical point its bias is moved by at most "
            f"{float(moved):.3g} so its kink is exactly 0 again, and the other dead units' biases are "
            f"lowered by at most {float(red.shift):.3g}, inside the box"
            if red.rho
            else ""
        )
        kinks_of = dict(dead.at_kinks)
        weight = (
            "output weight 0"
            if last
            else "its outgoing weights reach the logits as exactly 0 on its kink points"
        )
        return Outcome(
            Verdict.SADDLE,
            "interval",
            "second-order-kink-descent",
            f"unit {j} is born at a kink ({weight}, pre-activation ≤ 0 on every data point and "
            f"exactly 0 on point(s) {', '.join(map(str, kinks_of[j]))}): {narrower}; with unit {j}'s "
            f"output weight 0 that minimum is a critical point of the whole network (every one-sided "
            f"derivative is ≥ 0) within {float(R):.3g} of box_center{kink_back}; raising unit {j}'s "
            f"pre-activation on its kink by t·q and its output weight by t·dv moves those predictions by "
            f"t²·dv·q, and "
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


def _may_be_zero(a: object, tol: Fraction) -> bool:
    """Whether an effective output weight may be a rounded 0: exactly 0, or a rational written rounded
    within ``tol`` (relative, `may_round`) of it."""
    return a == 0 or (isinstance(a, Fraction) and may_round(a, Fraction(0), tol))


def _born(
    network: Network,
    dataset: Dataset,
    point: Point,
    dead: DeadUnits,
    born: Sequence[int],
    red: Reduction,
    center: Point,
    region: Region,
    bias_only: bool = False,
) -> tuple[int, Fraction, Point, Fraction, Fraction] | None:
    """The first born unit with a proved second-order descent over the reduction's box and a point of
    proved lower loss than the narrower minimum's lower bound along it: (unit, reach, witness, step,
    its loss's upper bound), or None (``bias_only``: see `_born_descent`)."""
    lo = red.loss_lower
    if lo is None:
        return None
    inputs = layer_inputs(network, dataset, point, dead.layer)
    kinks_of = dict(dead.at_kinks)
    for j in born:
        found = _born_descent(network, dataset, inputs, center, dead, j, kinks_of[j], red, region, bias_only)
        if found is None:
            continue
        d, reach = found
        scale = 1 + max((abs(float(x)) for x in center.flatten()), default=0.0)
        lower = lower_point(network, dataset, center, d, WITNESS_START, scale, lo, BallArithmetic(256))
        if lower is not None:
            return (j, reach, *lower)
    return None
