"""A ReLU layer dead on every data point: the network is locally the constant model.

If every unit of some hidden ReLU layer has a strictly negative pre-activation on every data point, the
same finitely many strict inequalities hold on a neighbourhood U of θ, so on U every layer after it sees
the same input on every data point and the outputs are one constant vector o(θ′). The loss there is
Σ_k g_k(o_k(θ′)), with g_k(c) = mean_i ℓ(c, y_ik) decreasing then increasing around its unique
minimiser C*_k = g⁻¹(ȳ_k) (ȳ_k for an identity output, logit ȳ_k for a sigmoid one; the derivative has
the sign of c − ȳ_k or σ(c) − ȳ_k), so

    F(θ′) ≥ F* = Σ_k g_k(C*_k) on U, with equality where o = C*.

θ is then a (non-strict) local minimum exactly when o(θ) = C*. Changing only the output bias moves o
by the same amount and leaves every hidden layer alone, so a point whose outputs miss C* by a rounding
error lies that close to such a minimum.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.landscape.evaluation import exact_text
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import non_terminating, rounding_scale
from badminima.verify.certificate import Verdict
from badminima.verify.constant_units import (
    constant_model_loss,
    exact_optimal_bias,
    optimal_bias,
    target_means,
)
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ball_bounds
from badminima.verify.rounding import rounding_box, window_radii
from badminima.verify.suboptimality import LossEnclosure


def dead_layer(region: Region) -> int | None:
    """The first hidden layer (0-based) whose every pre-activation on every data point is strictly
    negative, or None."""
    for lay, layer in enumerate(region.signs):
        if all(s < 0 for unit in layer for s in unit):
            return lay
    return None


def _outputs(network: Network, dataset: Dataset, point: Point) -> list[Fraction]:
    """The network's logits on data point 0 (every point gives the same behind a dead layer), exactly."""
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)
    with exact.context():
        fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=exact, masks=prob.masks)
    return [Fraction(fwd.logits[k, 0]) for k in range(network.widths[-1])]


def certify_dead_layer(
    network: Network, dataset: Dataset, point: Point, region: Region, *, literal: bool = False
) -> Outcome | None:
    """A (non-strict) local minimum behind a hidden ReLU layer dead on all the data: at the point when
    its constant outputs are exactly the constant model's optimum, or at the critical point that
    differs only in the output bias when they miss it by the point's rounding or within the output
    biases' windows (`window_radii`); None otherwise (then the point is not critical, which the gradient
    proves elsewhere).

    Example:
        >>> from badminima.landscape import region_of
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[1], [2]], [[1], [0]])
        >>> dead = Point.unflatten(net, [1, -5, 3, 0])  # z = x − 5 < 0 on both points; σ(0) = ȳ = 1/2
        >>> certify_dead_layer(net, data, dead, region_of(net, data, dead)).code
        'dead-layer-constant-model'
    """
    if network.activation != "relu" or not network.bias:
        return None
    lay = dead_layer(region)
    if lay is None:
        return None
    means = target_means(network, dataset)
    if means is None or (network.loss == "bce" and not all(0 < m < 1 for m in means)):
        return None
    outputs = _outputs(network, dataset, point)
    ball = BallArithmetic(256)
    with ball.context():
        targets: list[Any] = [
            q if (q := exact_optimal_bias(network, m)) is not None else optimal_bias(ball, network, m)
            for m in means
        ]
        misses = []
        for o, c in zip(outputs, targets, strict=True):
            if isinstance(c, Fraction):
                misses.append(abs(o - c))
            else:
                lo, hi = ball_bounds(ball.constant(o) - c)
                misses.append(max(abs(lo), abs(hi)))
        F_star = constant_model_loss(network, dataset, means, ball)
        lo, hi = (F_star, F_star) if isinstance(F_star, Fraction) else ball_bounds(F_star)
        text = exact_text(F_star)
    exact = all(isinstance(c, Fraction) for c in targets)
    miss = max(misses)
    units = network.widths[lay + 1]
    why = (
        f"hidden layer {lay + 1} ({units} ReLU unit(s)) has a strictly negative pre-activation on every data "
        f"point, so on a neighbourhood the outputs are one constant vector and the loss is at least the "
        f"constant model's optimum F* (outputs g⁻¹(ȳ_k))"
    )
    if miss == 0:
        return Outcome(
            Verdict.LOCAL_MIN,
            "exact" if exact and isinstance(F_star, Fraction) else "interval",
            "dead-layer",
            f"{why}; the point's outputs are exactly that optimum: a non-strict local minimum (its dead "
            f"layer's weights and every weight before it are free)",
            LossEnclosure(text, lo, hi),
            box_radius=Fraction(0),
            proof_radius=Fraction(0),
            code="dead-layer-constant-model",
        )
    rho = rounding_scale(point.flatten())
    if literal or rho == 0:
        return None
    reach = window_radii(point)[-len(outputs) :]  # the output biases' windows
    if miss > 10 * math.sqrt(network.n_params) * rho and any(
        m > r for m, r in zip(misses, reach, strict=True)
    ):
        return None
    given = zip(rounding_box(point)[-len(outputs) :], point.layers[-1].b or (), misses, strict=True)
    if any(r == 0 and non_terminating(c) and m > 0 for r, c, m in given):
        return None  # an output bias written exactly on purpose does not move: nothing the digits round
    return Outcome(
        Verdict.LOCAL_MIN,
        "interval",
        "dead-layer",
        f"{why}; the point's outputs miss it by at most {float(miss):.2g}, within the digits' window "
        f"(rounding scale {float(rho):.2g}): moving the output bias by that much (and nothing else) gives "
        f"a non-strict local minimum; the verdict is about that critical point",
        LossEnclosure(text, lo, hi),
        box_radius=miss,
        proof_radius=miss,
        box_center=point,
        code="dead-layer-constant-model",
    )
