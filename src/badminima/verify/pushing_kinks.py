"""Kinks that push: a last-layer unit at its kink whose activation could only raise the loss.

With identity outputs and mse, let unit u of the last hidden layer sit at its kink on point i (z = 0),
and let the residuals there satisfy Σ_k (f_k(x_i) − y_ik)·v_ku > 0 (v the output weights). Nearby, the
unit's activation at x_i is z'₊ (ReLU; (1 − α)z'₊ beyond the leaky slope α < 1 of the other side), and
each output moves by δ_k = v'_ku·z'₊, so the loss at x_i changes by Σ_k 2(f'_k − y_ik)δ_k + δ_k² ≥ 0 while
those residuals keep their sign: F(θ') ≥ F_in(θ'), the loss with the unit held on its inactive side at
x_i. Several such units at a point add their δ. So a lower bound on the loss over the region with those
kinks taken inactive is one on the loss near the point — fewer pieces to bound, and a sharper bound.
"""

from __future__ import annotations

from fractions import Fraction

from badminima.landscape.problem import exact_pass
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point


def pushing_kinks(
    network: Network, dataset: Dataset, point: Point, region: Region
) -> tuple[tuple[int, int, int], ...]:
    """The kinks ``(layer, unit, point)`` of ``region`` in the last hidden layer that push (module
    docstring: Σ_k (f_k(x_i) − y_ik)·v_ku > 0, exact); none for a network without identity output and mse.

    Example (relu(x) at its kink on x = 0 with output weight 2, the prediction there 1 above its target):
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[0], [1]], [[0], [3]])
        >>> from badminima.landscape import region_of
        >>> point = Point.unflatten(net, [1, 0, 2, 1])
        >>> pushing_kinks(net, data, point, region_of(net, data, point))
        ((0, 0, 0),)
    """
    last = len(region.signs) - 1
    candidates = [(lay, u, i) for lay, u, i in region.kinks if lay == last]
    run = exact_pass(network, dataset, point) if candidates and network.has_rational_loss else None
    if run is None:
        return ()
    out = point.layers[-1].W
    return tuple(
        (lay, u, i)
        for lay, u, i in candidates
        if sum(
            ((Fraction(run.predictions[k, i]) - dataset.y[i][k]) * out[k][u] for k in range(len(out))),
            Fraction(0),
        )
        > 0
    )


def pushing_text(pushed: tuple[tuple[int, int, int], ...]) -> str:
    """The kinks ``(layer, unit, point)`` in words, for a certificate: "unit 0 on point 1, …"."""
    return ", ".join(f"unit {u} on point {i}" for _, u, i in pushed)


def pin_pushing_kinks(
    network: Network, dataset: Dataset, point: Point, region: Region
) -> tuple[Region, tuple[tuple[int, int, int], ...]]:
    """``region`` with every pushing kink of the last hidden layer (`pushing_kinks`) taken on its
    inactive side, and those kinks ``(layer, unit, point)``; the region itself when there is none.

    Example (relu(x) at its kink on x = 0 with output weight 2, the prediction there 1 above its target):
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[0], [1]], [[0], [3]])
        >>> from badminima.landscape import region_of
        >>> point = Point.unflatten(net, [1, 0, 2, 1])
        >>> pinned, pushed = pin_pushing_kinks(net, data, point, region_of(net, data, point))
        >>> pushed, pinned.signs
        (((0, 0, 0),), (((-1, 1),),))
    """
    pushed = pushing_kinks(network, dataset, point, region)
    if not pushed:
        return region, ()
    held = set(pushed)
    signs = tuple(
        tuple(
            tuple(-1 if (lay, u, i) in held else s for i, s in enumerate(unit))
            for u, unit in enumerate(layer)
        )
        for lay, layer in enumerate(region.signs)
    )
    return Region(signs), pushed
