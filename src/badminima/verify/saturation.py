"""The output biases' gradient of a one-hidden-layer sigmoid or tanh network with identity output and
mse, signed without cancellation at saturated units; and targets a sigmoid output cannot reach, which
leave no critical point anywhere (`unreachable_output`).

∂F/∂c_k = (2/N) Σ_i (f_ik − y_ik) with f_ik = Σ_j V_kj s(z_ij) + c_k. At a saturated unit s(z) = 1 − ε,
ε = σ(−z) for a sigmoid (2σ(−2z) for tanh) of size e^{−z}: in balls 1 − ε rounds to 1 at any fixed
precision, and the sum cancels to a ball around 0 (a hidden bias of 10⁶ leaves a gradient of e^{−10⁶}
unsigned at 2048 bits). Written with s(z) = ±1 ∓ ε(z) on the saturated side, the sum is an exact
rational R_k plus terms T_k whose every ε is a ball of full relative precision (arb's exponents are
unbounded), so its sign is decided unless R_k + T_k is 0 itself.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point


def output_bias_gradient(
    network: Network, dataset: Dataset, point: Point, precision: int = 256
) -> list[tuple[int, Any]]:
    """(flat index of c_k, ∂F/∂c_k as a ball) for every output k of a one-hidden-layer sigmoid or tanh
    network with biases, identity output and mse; [] for any other network.

    Example:
        >>> net = Network((1, 1, 1), "sigmoid")
        >>> data = Dataset.of([[-1], [1]], [[1], [1]])
        >>> saturated = Point.unflatten(net, [0, 10**6, 1, 0])  # σ(10⁶) = 1 − e^(−10⁶) on both points
        >>> [(i, g.mid() < 0) for i, g in output_bias_gradient(net, data, saturated)]
        [(3, True)]
    """
    if not (
        network.depth == 2
        and network.activation in ("sigmoid", "tanh")
        and (network.output, network.loss) == ("identity", "mse")
        and network.bias
    ):
        return []
    first, last = point.layers
    assert first.b is not None and last.b is not None
    ball = BallArithmetic(precision)
    tanh = network.activation == "tanh"
    n = dataset.n_points
    offset = network.n_params - network.widths[-1]
    out = []
    with ball.context():

        def eps(z: Fraction) -> Any:  # 1 − s(|z|) for z ≠ 0, in full relative precision
            return (
                2 * ball.sigmoid1(ball.constant(-2 * abs(z)))
                if tanh
                else ball.sigmoid1(ball.constant(-abs(z)))
            )

        for k, (row, c) in enumerate(zip(last.W, last.b, strict=True)):
            exact, small = Fraction(0), flint.arb(0)
            for x, y in zip(dataset.X, dataset.y, strict=True):
                exact += c - y[k]
                for v, w, b in zip(row, first.W, first.b, strict=True):
                    z = sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
                    if z > 0:
                        exact, small = exact + v, small - ball.constant(v) * eps(z)
                    elif z < 0 and tanh:
                        exact, small = exact - v, small + ball.constant(v) * eps(z)
                    elif not tanh:
                        small += ball.constant(v) * ball.sigmoid1(ball.constant(z))
            out.append((offset + k, (ball.constant(exact) + small) * 2 / n))
    return out


def unreachable_output(network: Network, dataset: Dataset) -> int | None:
    """An output k of a sigmoid-output network with output biases whose targets all lie at or beyond one
    end of the sigmoid's range (every y_ik ≥ 1, or every y_ik ≤ 0), or None. Then ∂F/∂c_k has one strict
    sign at every parameter: with bce it is (1/N) Σ_i (σ(z_ik) − y_ik), with mse (2/N) Σ_i (σ(z_ik) − y_ik)
    σ'(z_ik), and 0 < σ < 1, σ' > 0 for every finite z. So the loss has no critical point at all: every
    point is `not-critical`, however saturated and however its numbers are written (no finite
    parameter attains the infimum).

    Example:
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> unreachable_output(net, Dataset.of([[0], [1]], [[1], [1]])), unreachable_output(
        ...     net, Dataset.of([[0], [1]], [[1], [0]]))
        (0, None)
    """
    if network.output != "sigmoid" or not network.bias:
        return None
    for k in range(network.widths[-1]):
        column = [row[k] for row in dataset.y]
        if all(y >= 1 for y in column) or all(y <= 0 for y in column):
            return k
    return None
