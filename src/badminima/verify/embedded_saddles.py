"""Degenerate critical points that embed a narrower network's critical point, for every smooth head
(identity output with mse, sigmoid output with mse or cross-entropy).

Two exact embeddings L map a narrower one-hidden-layer network's parameters θ to the wider network's
without changing the function computed on any input (Fukumizu & Amari 2000; Simsek et al. 2021):

- *a duplicated unit*: unit a of the narrower net split into units a and b with the same incoming
  weights and bias and output weights λV, (1 − λ)V (any fixed λ, read off the given point);
- *a unit born at zero*: a unit with zero incoming and output weights and any bias inserted.

Both are linear in θ, F_wide(L(θ)) = F_narrow(θ) for every θ, and L maps critical points to critical
points (the split: ∂F/∂v_a = ∂F/∂v_b = ∂F_narrow/∂V and ∂F/∂(w, b)_a = λ ∂F_narrow/∂(w, b); the born
unit: ∂F/∂v = σ(b)·∂F/∂c). So when the narrower net has a proved saddle x* (the Krawczyk test on it:
a unique critical point in its box, a direction of negative curvature over the box, and a point x̂ of
loss below F(x*)), L(x*) is an exactly critical point of the wider net that is not a local minimum:
F_wide(L(x* + s v)) = F_narrow(x* + s v) < F_narrow(x*) = F_wide(L(x*)) for small s ≠ 0. L(x̂) is the
exhibited lower point; its loss is recomputed on the wider net in balls, not assumed. The critical
point L(x*) lies within max(1, |λ|, |1 − λ|)·r of L(centre) (code ``embedded-saddle``).

Where the narrower point is a strict minimum instead, `badminima.verify.lift` proves minima and saddles
of its lift (identity output with mse there); `certify_embedded` runs those proofs for the other heads,
whose argument never used the head. Both embeddings hold for any number of outputs K (output weight
vectors, split λV and (1 − λ)V); with K ≥ 2 a lifted minimum is a saddle unless the targets force
G = 0 (`badminima.verify.output_splits`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction

from badminima.arithmetic.ball import BallArithmetic
from badminima.landscape.losses import loss_of_flat
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import certify_saddle
from badminima.verify.certificate import Verdict
from badminima.verify.embeddings import (
    find_dead_units,
    find_duplicates,
    insert_born_unit,
    lift_duplicate,
    reduce_duplicate,
    without_units,
)
from badminima.verify.lift import Lifted, lift_duplicated_minimum, lifted_minimum_saddle
from badminima.verify.numerics import float_derivatives
from badminima.verify.parameter_box import ball_bounds

SMOOTH = ("sigmoid", "tanh")


def _loss_upper(network: Network, dataset: Dataset, point: Point) -> Fraction | None:
    """An upper bound on the loss at ``point`` (balls at 128 bits), or None if not finite."""
    ball = BallArithmetic(128)
    prob = prepare(network, dataset, point, arith=ball)
    with ball.context():
        value = loss_of_flat(network, prob.inputs, prob.targets, prob.flat, arith=ball, masks=prob.masks)
    if not value.is_finite():
        return None
    return ball_bounds(value)[1]


def lift_saddle(
    network: Network,
    dataset: Dataset,
    small: Network,
    small_point: Point,
    embed: Callable[[Point], Point],
    stretch: Fraction,
    what: str,
) -> Lifted | None:
    """The narrower net's saddle near ``small_point``, proved by the Krawczyk test, lifted by the exact
    embedding ``embed`` (Lipschitz ``stretch`` in the ∞-norm); None when any step fails."""
    hess = float_derivatives(small, dataset, small_point)[2]
    res = certify_saddle(small, dataset, small_point, hess)
    if res.verdict is not Verdict.SADDLE or res.center is None or res.witness is None:
        return None
    if res.proof_radius is None or res.loss_lower is None:
        return None
    witness = embed(res.witness)
    upper = _loss_upper(network, dataset, witness)
    if upper is None or not upper < res.loss_lower:
        return None
    R = stretch * res.proof_radius
    return Lifted(
        Verdict.SADDLE,
        what,
        embed(res.center),
        R,
        R,
        None,
        res,
        f"{what}: the point is the exact image of the {small.widths[-2]}-unit network's point, which is a "
        f"saddle ({res.reason}); the embedding keeps the function, so it maps that critical point to an "
        f"exactly critical point within {float(R):.3g} of box_center and its lower point to a point of "
        f"the same loss ≤ {float(upper):.17g}, below the critical loss: not a local minimum",
        witness,
        upper,
        code="embedded-saddle",
    )


def certify_embedded(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """A saddle (code ``embedded-saddle``) at a point that embeds a narrower network's saddle through a
    duplicated unit or a unit born at zero (any smooth head); for a sigmoid output or cross-entropy also
    the lifts of a narrower strict minimum (`badminima.verify.lift`). None when nothing is proved.

    Example (a 1-1-1 saddle of a cross-entropy net with a unit born at zero; planted as in the tests):
        >>> from badminima.model import load_trap
        >>> trap = load_trap("examples/rounded/embedded-saddle.json")
        >>> certify_embedded(trap.network, trap.dataset, trap.point).code
        'embedded-saddle'
    """
    if network.activation not in SMOOTH or len(network.widths) < 3 or not network.bias:
        return None
    head_done_in_lift = network.output == "identity" and network.loss == "mse"
    h = network.widths[-2]
    for dup in find_duplicates(network, point):
        if not head_done_in_lift:
            lifted = lift_duplicated_minimum(network, dataset, point, dup)
            if lifted is not None:
                return lifted
        small, small_point = reduce_duplicate(network, point, dup)
        stretch = max(Fraction(1), abs(dup.lam), abs(1 - dup.lam))
        what = f"units {dup.a} and {dup.b} are duplicates (split λ ≈ {float(dup.lam):.6g})"
        embed = functools.partial(lift_duplicate, dup=dup, lam=dup.lam, width=h)
        found = lift_saddle(network, dataset, small, small_point, embed, stretch, what)
        if found is not None:
            return found
        if len(network.widths) > 3:
            # Behind a first hidden layer `lift` has no Morse–Bott tube; a lifted strict minimum can
            # still be a proved saddle.
            found = lifted_minimum_saddle(network, dataset, small, small_point, embed, stretch, what)
            if found is not None:
                return found
    hidden = point.layers[-2]
    assert hidden.b is not None
    for unit in find_dead_units(network, point):
        small, small_point = without_units(network, point, [unit])
        bias = hidden.b[unit]
        what = f"unit {unit} is born at zero (w = v = 0)"
        embed = functools.partial(insert_born_unit, unit=unit, bias=bias)
        found = lift_saddle(network, dataset, small, small_point, embed, Fraction(1), what)
        if found is not None:
            return found
        if head_done_in_lift:
            continue
        found = lifted_minimum_saddle(network, dataset, small, small_point, embed, Fraction(1), what)
        if found is not None:
            return found
    return None
