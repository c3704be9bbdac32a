"""Minima at ReLU units dead at kinks in several hidden layers at once, under a smooth loss (sigmoid
output with mse or bce, or identity output with mse).

Setting: as in `dead_kinks`, but the kinks lie in two or more hidden layers, each at a unit dead on the
data (p_ji ≤ 0 on every point, = 0 exactly on K_j). Replace every such unit's output on point i by a
free u_ji ≥ 0. Over a ball box B every other unit keeps its piece for every u in the kink units' ranges
(`kink_units.kink_reach`: one forward pass takes each kink unit over its whole range, so a later kink
unit's range holds whatever the earlier ones feed it), so the network so obtained is affine in u:

    z_i(θ) = z_red,i(θ_red) + Σ_{ℓ,j} a_ji(θ) u_ji(θ),    u_ji = max(0, p_ji(θ)) ∈ [0, P_ji],

with a_ji = J_i·(unit j's outgoing weights), J_i taken through the later layers' pieces with every other
kink unit held (slope 0: its output is a variable here, not a function of this one), and z_red the
network without the dead units of the kink layers. By the mean value theorem along s ↦ z_red + s Σ a u,

    F(θ) − F_red(θ_red) = Σ_{ℓ,j} Σ_{i∈K_j} u_ji · a_ji·∇_z ℓ_i(ξ_i),

each term ≥ 0 when a_ji·∇ℓ_i (summed over kink points sharing an input) is proved > 0 in balls over
every prediction the box produces, or when a_ji is exactly 0 over the whole box (its path to the logits
runs only through units held at 0). The narrower problem: the network without those units at an exact
best affine fit (`affine_fits`), F_red ≥ F* = F_red at the point, or the constant model when the deepest
kink layer is dead throughout (`kink_reductions`), its optimum reached by moving the output bias only.
Either way u = 0 where F* is attained, so F ≥ F_red ≥ F* = F(θ*) on the box: a non-strict local minimum
(code ``kink-dead-unit-minimum``). A born unit (a_ji = 0 exactly at the point but not over the box) leaves
only a second-order term: with every other kink unit's term signed, every one-sided derivative is ≥ 0,
and a proved second-order descent along a ray that raises it (`born_units`) makes the point a saddle (code
``kink-born-unit-saddle``). Rounded points reach here through `fit_snap`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction

from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.affine_fits import fit_reductions
from badminima.verify.born_units import born_descent
from badminima.verify.certificate import Verdict
from badminima.verify.embeddings import without_units
from badminima.verify.kink_reductions import Reduction, constant_reductions, silent_layer_reductions
from badminima.verify.kink_units import (
    DeadUnits,
    dead_layers,
    effective_weights,
    kink_reach,
    one_sided_growth,
)
from badminima.verify.outcome import Outcome
from badminima.verify.suboptimality import LossEnclosure


def _reductions(
    network: Network, dataset: Dataset, point: Point, deads: Sequence[DeadUnits], literal: bool
) -> Iterator[Reduction]:
    """The constant model when the deepest kink layer is dead throughout, else the network without the
    dead units of every kink layer at an exact best affine fit (attained at the point itself)."""
    deepest = deads[-1]
    if len(deepest.units) == network.widths[deepest.layer + 1]:
        if deepest.layer == network.depth - 2:
            yield from constant_reductions(network, dataset, point, literal=literal)
        else:
            yield from silent_layer_reductions(network, dataset, point, deepest.layer, literal=literal)
        return
    if any(len(dead.units) == network.widths[dead.layer + 1] for dead in deads):
        return
    small, small_point = network, point
    for dead in reversed(deads):
        small, small_point = without_units(small, small_point, dead.units, dead.layer)
    yield from fit_reductions(small, dataset, small_point, point)


def _vanishing(
    network: Network, center: Point, R: Fraction, region: Region, deads: Sequence[DeadUnits]
) -> set[tuple[int, int]]:
    """Kink units (layer, j) whose a_ji is exactly 0 over the whole box on every kink point: their terms
    vanish identically."""
    out = set()
    for dead in deads:
        units = [j for j, _ in dead.at_kinks]
        weights = effective_weights(network, center, R, region, dead, units)
        for j in units:
            if all(a.is_zero() for (unit, _), a_ji in weights.items() if unit == j for a in a_ji):
                out.add((dead.layer, j))
    return out


def _born(
    network: Network, center: Point, region: Region, deads: Sequence[DeadUnits]
) -> list[tuple[int, int]]:
    """Kink units (layer, j) whose a_ji is exactly 0 at ``center`` on every kink point: born units."""
    out = []
    for dead in deads:
        units = [j for j, _ in dead.at_kinks]
        weights = effective_weights(network, center, None, region, dead, units)
        out += [
            (dead.layer, j)
            for j in units
            if all(a == 0 for (u, _), a_ji in weights.items() if u == j for a in a_ji)
        ]
    return out


def _born_saddle(
    network: Network,
    dataset: Dataset,
    point: Point,
    value: LossEnclosure,
    red: Reduction,
    deads: Sequence[DeadUnits],
    born: Sequence[tuple[int, int]],
) -> Outcome | None:
    """``saddle`` (code ``kink-born-unit-saddle``) at the reduction's centre when a born unit has a proved
    second-order descent there (`born_units`); every other kink unit's one-sided growth is proved by the
    caller, so every one-sided derivative there is ≥ 0."""
    if red.loss_lower is None:
        return None
    found = born_descent(network, dataset, red.center, deads, born, red.loss_lower)
    if found is None:
        return None
    layer, j = found.unit
    offset = point.distance(red.center)
    return Outcome(
        Verdict.SADDLE,
        "interval",
        "second-order-kink-descent",
        f"kinks in {len(deads)} hidden layers, all of units dead on the data; unit {j} of hidden layer "
        f"{layer + 1} is born at its kink (its effect on the logits is exactly 0 there): {red.reason}; with "
        f"every other kink unit's a·∂ℓ/∂z proved > 0 over the box (or a = 0 throughout), every one-sided "
        f"derivative at box_center is ≥ 0 (the born unit's term is of second order); raising unit {j} on its "
        f"kink, moving one of its outgoing weights and lowering the later kink units' biases, every piece "
        f"is the one the ray's germs decide for t ≤ {float(found.reach):.3g} (exact), the logits move by "
        f"t²·w(t) (exactly no first-order term), and Σ ∂ℓ/∂z·w < 0 is proved over that segment (balls): "
        f"every such step goes down at second order, not a local minimum; a point at distance "
        f"{float(found.step):.3g} along that direction has loss ≤ {float(found.upper):.17g}, below the "
        f"critical loss",
        LossEnclosure(value.text, red.loss_lower, red.loss_upper),
        box_radius=offset + red.radius,
        proof_radius=red.radius,
        box_center=red.center,
        witness=found.witness,
        witness_loss_upper=found.upper,
        steps=(f"narrower network: {red.code} proved", f"unit {j}: second-order descent proved"),
        code="kink-born-unit-saddle",
    )


def certify_layered_kinks(
    network: Network,
    dataset: Dataset,
    point: Point,
    value: LossEnclosure,
    *,
    region: Region,
    literal: bool = False,
) -> Outcome | None:
    """A non-strict local minimum (code ``kink-dead-unit-minimum``), or a saddle at a unit born at its kink
    (code ``kink-born-unit-saddle``), at a point whose kinks, in two or more hidden layers, all belong to
    units dead on the data (module docstring); None when neither is proved.

    Example:
        >>> from badminima.model import Dataset, Network
        >>> from badminima.landscape import region_of
        >>> from badminima.verify.suboptimality import enclose_loss
        >>> net = Network((1, 2, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1], [2]], [[0], [1], ["1/2"]])
        >>> # layer 1's unit 1 has p = −x, layer 2's unit p = −x too: both dead, at a kink on x = 0
        >>> kinked = Point.unflatten(net, [1, -1, 1, 0, -1, 1, 1, 1, 0])
        >>> region = region_of(net, data, kinked)
        >>> certify_layered_kinks(net, data, kinked, enclose_loss(net, data, kinked), region=region).code
        'kink-dead-unit-minimum'
    """
    deads = dead_layers(network, region)
    if deads is None or len(deads) < 2:
        return None
    for red in _reductions(network, dataset, point, deads, literal):
        R = red.radius
        reach = kink_reach(network, dataset, red.center, R, deads, region)
        if reach is None:
            continue
        held = _vanishing(network, red.center, R, region, deads)
        born = [u for u in _born(network, red.center, region, deads) if u not in held]
        signed = [
            (dead.layer, j)
            for dead in deads
            for j, _ in dead.at_kinks
            if (dead.layer, j) not in held and (dead.layer, j) not in born
        ]
        if not one_sided_growth(
            network, red.center, deads, signed, red.predictions, R, reach, region, dataset.X
        ):
            continue
        if born:
            saddle = _born_saddle(network, dataset, point, value, red, deads, born)
            if saddle is not None:
                return saddle
            continue
        kinked = "; ".join(
            f"hidden layer {dead.layer + 1}: "
            + ", ".join(f"unit {j} on point(s) {', '.join(map(str, k))}" for j, k in dead.at_kinks)
            for dead in deads
        )
        offset = point.distance(red.center)
        return Outcome(
            Verdict.LOCAL_MIN,
            "interval",
            "reduce-one-sided-growth",
            f"pre-activations exactly at a kink in {len(deads)} hidden layers ({kinked}), of units dead on "
            f"every other point: {red.reason}; within {float(R):.3g} (∞-norm) of box_center, with every "
            f"such unit's output replaced by a free u ≥ 0, the other units keep their pieces (balls, each "
            f"kink unit over its whole range), so the logits are the narrower network's plus Σ a·u with a "
            f"the logits' rate in u (the other kink units held), and a·∂ℓ/∂z (summed over the kink points "
            f"that share an input) is proved > 0 over every prediction the box produces"
            + (f", or a is 0 over the whole box ({len(held)} unit(s))" if held else "")
            + ": by the mean value theorem every loss in the box is at least the narrower network's, "
            "hence at least its minimum, attained with the dead units as given: a non-strict local minimum",
            LossEnclosure(value.text, red.loss_lower, red.loss_upper),
            box_radius=offset + R,
            proof_radius=R,
            box_center=red.center,
            steps=(f"narrower network: {red.code} proved", "a·∂ℓ/∂z > 0 at every kink, every layer (balls)"),
            code="kink-dead-unit-minimum",
        )
    return None
