"""The training loss, written once: ``mse = (1/N) Σ_i Σ_k (f_k(x_i) − y_ik)²``;
``bce = (1/N) Σ_i Σ_k [softplus(z_ik) − y_ik z_ik]`` with z the output logits, which equals the
binary cross-entropy of f = σ(z) without ever forming log σ."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from badminima.arithmetic.protocol import Arithmetic
from badminima.landscape.forward import Forward, KinkSide, forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point


def loss_from_forward(network: Network, fwd: Forward, targets: Any, *, arith: Arithmetic) -> Any:
    """The loss given a forward pass and the targets (dL, N)."""
    z = fwd.logits
    n = z.shape[1]
    if network.loss == "bce":
        return arith.total(arith.softplus(z) - targets * z) / n
    f = arith.sigmoid(z) if network.output == "sigmoid" else z
    r = f - targets
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
