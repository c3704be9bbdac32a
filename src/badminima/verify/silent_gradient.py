"""The gradient along a silent unit's outgoing weights, in balls: the one equation its lift must solve.

A hidden unit j whose outgoing weights are all 0 (Fukumizu & Amari's embedding of a narrower network)
changes nothing downstream, and its incoming weights get no gradient; the gradient along its outgoing
weight to unit k of the next layer is

    ∂F/∂u_kj = Σ_i g_ik σ(w_j·x_i + b_j),

with x_i its inputs (the data, or the layer below's outputs) and g_ik the loss's slope at unit k's
pre-activation (`badminima.landscape.derivatives.backward`), both those of the narrower network
without the silent units. `silent_units` proves zeros of it (saddles on the critical curve),
`silent_apart` proves it non-zero over a window (no critical point there).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.landscape.derivatives import activation_slope, backward
from badminima.landscape.forward_pass import forward, unflatten
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.output_splits import unit_indices
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.rounding import coarsest_rounding, held_windows

Inputs = Sequence[Sequence[Any]]
"""A silent unit's inputs: one row of balls per data point."""


def ball_activation(ball: BallArithmetic, network: Network) -> Any:
    """σ of the hidden units on balls: a ReLU's (leaky or not) ball that straddles 0 is enclosed by the
    hull of its two pieces; identity units pass z through.

    Example:
        >>> ball = BallArithmetic(64)
        >>> relu = ball_activation(ball, Network((1, 1, 1), "relu"))
        >>> with ball.context():
        ...     print(relu(ball.constant(Fraction(-3))), relu(ball.constant(Fraction(2))))
        0 2.00000000000000000
    """
    if network.activation == "sigmoid":
        return ball.sigmoid1
    if network.activation == "tanh":
        return ball.tanh1
    if network.activation == "identity":
        return lambda z: z
    slope = network.leaky_slope or Fraction(0)

    def piecewise(z: Any) -> Any:
        low = z * ball.constant(slope)
        return z if z > 0 else low if z < 0 else z.union(low)

    return piecewise


def silent_slope(
    ball: BallArithmetic, network: Network, inputs: Inputs, weights: Sequence[Any], w: Any, b: Any
) -> Any:
    """Σ_i weights_i·σ(w·x_i + b): ∂F/∂u for a silent unit at (w, b) (balls), the x_i being its
    ``inputs`` and the weights the loss's slope at the pre-activation its outgoing weight u feeds.

    Example:
        >>> ball = BallArithmetic(64)
        >>> net, one = Network((1, 1, 1), "tanh"), lambda q: ball.constant(Fraction(q))
        >>> with ball.context():  # tanh(2) + tanh(-2) = 0
        ...     h = silent_slope(ball, net, [[one(1)], [one(-1)]], [one(1), one(1)], [one(2)], one(0))
        >>> h.contains(0)
        True
    """
    act = ball_activation(ball, network)
    total = ball.constant(Fraction(0))
    for x, weight in zip(inputs, weights, strict=True):
        z = b + sum((wi * xi for wi, xi in zip(w, x, strict=True)), ball.constant(Fraction(0)))
        total = total + weight * act(z)
    return total


def silent_slope_on_box(
    ball: BallArithmetic,
    network: Network,
    inputs: Inputs,
    weights: Sequence[Any],
    centre: list[Fraction],
    half: list[Fraction],
) -> Any:
    """`silent_slope` over the box centre ± half (the unit's weights, then its bias) in the mean-value
    form h(centre) + Σ_k ∂_k h(box)·[−half_k, half_k], ∂_k h = Σ_i weights_i σ'(z_i) x_ik: the slopes'
    sum cancels where the weights are residuals orthogonal to the features, which a ball of h over the
    box, Σ_i |weights_i|·|σ'|·(|x_i|·half), does not see (tanh and sigmoid units only: `ValueError`
    for others, whose σ' this does not enclose).

    Example:
        >>> ball = BallArithmetic(64)
        >>> net, tenth, one = Network((1, 1, 1), "tanh"), Fraction(1, 10), lambda q: ball.constant(q)
        >>> x, g = [[one(1)], [one(2)]], [one(1), one(1)]
        >>> with ball.context():  # tanh(w + b) + tanh(2w + b) > 0 for w, b within 1/10 of 1, 0
        ...     h = silent_slope_on_box(ball, net, x, g, [1, 0], [tenth, tenth])
        >>> h > 0
        True
    """
    spread = [
        b + flint.arb(0, ball.constant(r).upper()) if r else b
        for b, r in ((ball.constant(c), r) for c, r in zip(centre, half, strict=True))
    ]
    total = silent_slope(
        ball, network, inputs, weights, [ball.constant(c) for c in centre[:-1]], ball.constant(centre[-1])
    )
    slopes = silent_slope_gradient(ball, network, inputs, weights, spread)
    for k, r in enumerate(half):
        if r:
            total = total + slopes[k] * flint.arb(0, ball.constant(r).upper())
    return total


def silent_slope_gradient(
    ball: BallArithmetic, network: Network, inputs: Inputs, weights: Sequence[Any], numbers: Sequence[Any]
) -> list[Any]:
    """∇ of `silent_slope` by the unit's weights and bias at ``numbers`` (balls: a point or a box),
    Σ_i weights_i σ'(w·x_i + b) (x_i, 1), for tanh and sigmoid units: the Hessian's block between the
    unit's numbers and its outgoing weight, where that weight is 0.

    Example:
        >>> ball = BallArithmetic(64)
        >>> net, one = Network((1, 1, 1), "tanh"), lambda q: ball.constant(q)
        >>> with ball.context():  # tanh'(0)·(2, 1)
        ...     print(*silent_slope_gradient(ball, net, [[one(2)]], [one(1)], [one(1), one(-2)]))
        2.00000000000000000 1.00000000000000000
    """
    if network.activation not in ("tanh", "sigmoid"):
        raise ValueError(f"silent_slope_gradient needs tanh or sigmoid units, not {network.activation}")
    act = ball_activation(ball, network)
    zero = ball.constant(Fraction(0))
    slopes = [zero] * len(numbers)
    for x, weight in zip(inputs, weights, strict=True):
        z = numbers[-1] + sum((wi * xi for wi, xi in zip(numbers[:-1], x, strict=True)), zero)
        d = activation_slope(network, act(z), None, ball)
        for k, xi in enumerate([*x, ball.constant(Fraction(1))]):
            slopes[k] = slopes[k] + weight * d * xi
    return slopes


def quiet_layers(network: Network, point: Point, *, noise: bool = True) -> list[tuple[int, list[int]]]:
    """Every hidden layer (0-based, shallowest first) with silent units beside live ones, and its silent
    units: those whose outgoing weights are 0 or, with ``noise``, float noise (below the digits'
    rounding, in a window that holds 0: the critical point has them at 0).

    Example:
        >>> net = Network((1, 2, 1, 1), "tanh")
        >>> quiet_layers(net, Point.unflatten(net, [1, 2, 0, 0, Fraction("0.5"), 0, 0, 1, 0]))
        [(0, [1])]
    """
    held, rho, given = held_windows(point), coarsest_rounding(point), point.flatten()
    found = []
    for layer, width in enumerate(network.widths[1:-1]):
        quiet = [
            j
            for j in range(width)
            if all(
                given[k] == 0 or (noise and abs(given[k]) <= held[k] and abs(given[k]) < rho)
                for k in unit_indices(network, j, layer)[1]
            )
        ]
        if 0 < len(quiet) < width:
            found.append((layer, quiet))
    return found


def quiet_units(network: Network, point: Point, *, noise: bool = True) -> tuple[int, list[int]] | None:
    """The last of `quiet_layers`: silent units of shallower layers stay in the narrower network, whose
    proof is then this one again.

    Example:
        >>> net = Network((1, 2, 1, 1), "tanh")
        >>> quiet_units(net, Point.unflatten(net, [1, 2, 0, 0, Fraction("0.5"), 0, 0, 1, 0]))
        (0, [1])
    """
    layers = quiet_layers(network, point, noise=noise)
    return layers[-1] if layers else None


def silent_numbers(network: Network, silent: Sequence[int], layer: int) -> set[int]:
    """The flat indices of the silent units' (of hidden layer ``layer``) incoming weights, biases and
    outgoing weights.

    Example:
        >>> sorted(silent_numbers(Network((1, 2, 1), "tanh"), [1], 0))
        [1, 3, 5]
    """
    return {k for j in silent for part in unit_indices(network, j, layer) for k in part}


def downstream_slopes(
    small: Network,
    dataset: Dataset,
    lower: Sequence[Fraction],
    upper: Sequence[Fraction],
    bits: int,
    layer: int = 0,
) -> tuple[BallArithmetic, Inputs, Any] | None:
    """Over the box [lower, upper] of the narrower network's numbers: the inputs of hidden layer
    ``layer`` (one row of balls per data point) and the loss's slope at the pre-activations of the layer
    after it (K × N balls; the outputs after the last hidden layer), or None where a ReLU unit's side
    may change in the box.

    Example:
        >>> net = Network((1, 1, 1), "identity", bias=False)
        >>> data = Dataset.of([[1]], [[5]])
        >>> ball, inputs, slopes = downstream_slopes(net, data, [2, 3], [2, 3], 64)
        >>> print(inputs[0][0], slopes[0, 0])
        1.00000000000000 2.00000000000000
    """
    mid = Point.unflatten(small, [(lo + hi) / 2 for lo, hi in zip(lower, upper, strict=True)])
    box = ParameterBox(small, dataset, mid, max(bits, 256))
    with box.ball.context():
        flat = box.flat([(hi - lo) / 2 for lo, hi in zip(lower, upper, strict=True)])
        if not box.region_holds(flat):
            return None
        params = unflatten(small, flat)
        fwd = forward(small, params, box.prob.inputs, arith=box.ball, masks=box.masks)
        slopes = backward(small, params, fwd, box.prob.targets, arith=box.ball)[layer + 1]
        inputs = fwd.a[layer]
        return box.ball, [list(inputs[:, i]) for i in range(inputs.shape[1])], slopes
