"""The training loss, written once: ``mse = (1/N) Σ_i Σ_k (f_k(x_i) − y_ik)²``;
``bce = (1/N) Σ_i Σ_k [y_ik softplus(−z_ik) + (1 − y_ik) softplus(z_ik)]`` with z the output logits,
which equals the binary cross-entropy of f = σ(z) without ever forming log σ, and stays accurate (no
cancellation) where the output saturates: the float value of a loss of 1e-50 is 1e-50."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from badminima.arithmetic.protocol import Arithmetic
from badminima.landscape.forward_pass import Forward, KinkSide, forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point


def loss_from_forward(network: Network, fwd: Forward, targets: Any, *, arith: Arithmetic) -> Any:
    """The loss given a forward pass and the targets (dL, N)."""
    z = fwd.logits
    n = z.shape[1]
    if network.loss == "bce":
        # y·softplus(−z) + (1 − y)·softplus(z) = softplus(z) − y·z, with no cancellation when the
        # output saturates on the right side (a loss of 1e-50 stays 1e-50 in floats)
        return arith.total(targets * arith.softplus(-z) + (1 - targets) * arith.softplus(z)) / n
    if network.output == "sigmoid":
        # σ(z) − y = (1 − y)·σ(z) − y·σ(−z): 1 − σ(z) is never formed for y = 1
        r = (1 - targets) * arith.sigmoid(z) - targets * arith.sigmoid(-z)
    else:
        r = z - targets
    return arith.total(r * r) / n


def loss_of_flat(
    network: Network,
    inputs: Any,
    targets: Any,
    flat: Any,
    *,
    arith: Arithmetic,
    masks: Sequence[Any] | None = None,
    kink_side: KinkSide = "active",
) -> Any:
    """The loss as a function of the flat parameter array (what `torch.func` differentiates)."""
    fwd = forward(network, unflatten(network, flat), inputs, arith=arith, masks=masks, kink_side=kink_side)
    return loss_from_forward(network, fwd, targets, arith=arith)


def loss(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    arith: Arithmetic,
    kink_side: KinkSide = "active",
) -> Any:
    """The loss at ``point`` as a scalar of ``arith`` (a Fraction, a sympy expression, a ball, or a
    0-d float64 tensor).

    Example:
        >>> from badminima.arithmetic import ExactArithmetic
        >>> from badminima.model import Dataset, Network, Point
        >>> net = Network((1, 1), "identity")
        >>> loss(net, Dataset.of([[0], [1]], [[0], [3]]), Point.of([([[2]], [0])]),
        ...      arith=ExactArithmetic())
        Fraction(1, 2)
    """
    prob = prepare(network, dataset, point, arith=arith, kink_side=kink_side)
    with arith.context():
        return loss_of_flat(
            network,
            prob.inputs,
            prob.targets,
            prob.flat,
            arith=arith,
            masks=prob.masks,
            kink_side=kink_side,
        )
