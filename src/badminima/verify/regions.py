"""Exact local-minimality of piecewise-linear networks by least squares over activation regions.

Near a rational point every pre-activation that is not exactly zero keeps its sign; a kink may go
either way. For one hidden layer with unit slopes ``D_j`` (1 or the leaky slope per data point) the
predictions of every nearby parameter lie in one of the subspaces
``S_A = span{D_j X[:, m], D_j 1, 1}`` (one per choice ``A`` of sides at the kinks), because
``v_j D_j (X w_j + b_j)`` sweeps exactly ``span{D_j X, D_j 1}``. So the loss near the point is at
least ``min_A dist(y, S_A)² / N``; when the point's loss equals that bound, it is a local minimum
(strict or not) — dead units, rescaling orbits and mixed patterns need no Hessian.
Deeper networks use coarser supersets: a strictly dead ReLU layer makes every output constant, and
otherwise a point that no last-layer unit can reach is predicted by the output bias alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from badminima.arithmetic.least_squares import least_squares
from badminima.landscape.region_fit import Column, unit_columns, unit_slopes
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.verify.options import DEFAULTS

MAX_KINKS = DEFAULTS.max_region_kinks
"""The bound enumerates 2^k kink sides; beyond this many kinks it is not attempted."""


@dataclass(frozen=True)
class LeastSquaresBound:
    """``value``: a proved lower bound on the loss over a neighbourhood of the point (None when not
    computed); ``how``: which superset of reachable predictions was used, or why none was."""

    value: Fraction | None
    how: str


def residual(columns: Sequence[Column], y: Column) -> Fraction:
    """Exact squared distance from ``y`` to the span of ``columns`` (rank-deficient spans allowed)."""
    _, fitted = least_squares(columns, y)
    return sum(((a - b) * (a - b) for a, b in zip(y, fitted, strict=True)), Fraction(0))


def _bound(network: Network, dataset: Dataset, spans: Sequence[Sequence[Column]]) -> Fraction:
    """min over candidate spans of Σ_k dist(y_k, span)² / N."""
    n = dataset.n_points
    best: Fraction | None = None
    for cols in spans:
        total = sum(
            (residual(cols, tuple(row[k] for row in dataset.y)) for k in range(dataset.output_dim)),
            Fraction(0),
        )
        best = total if best is None else min(best, total)
    assert best is not None
    return best / n


def least_squares_bound(
    network: Network, dataset: Dataset, region: Region | None, *, max_kinks: int = MAX_KINKS
) -> LeastSquaresBound:
    """A lower bound on the mse over a neighbourhood of the point whose activation ``region`` is given
    (None for identity networks). Needs identity output and mse (``network.has_rational_loss``)."""
    if not network.has_rational_loss:
        return LeastSquaresBound(None, "needs identity output and mse")
    n, d0 = dataset.n_points, dataset.input_dim
    ones = tuple(Fraction(1) for _ in range(n))
    inputs = [tuple(row[m] for row in dataset.X) for m in range(d0)]
    affine = inputs + ([ones] if network.bias else [])
    if network.depth == 1 or network.activation == "identity":
        how = f"the network is {'affine' if network.bias else 'linear'} in its input: predictions lie in " + (
            "span{X, 1}" if network.bias else "span{X}"
        )
        return LeastSquaresBound(_bound(network, dataset, [affine]), how)
    assert region is not None
    dead_layers = [lay for lay, layer in enumerate(region.signs) if all(s < 0 for u in layer for s in u)]
    if network.activation == "relu" and dead_layers:
        cols = [ones] if network.bias else []
        how = f"hidden layer {dead_layers[0]} is dead on every point: the output is constant nearby"
        return LeastSquaresBound(_bound(network, dataset, [cols]), how)
    if network.depth == 2:
        kinks = region.kinks
        if len(kinks) > max_kinks:
            return LeastSquaresBound(None, f"{len(kinks)} kinks: more than {max_kinks} to enumerate")
        spans = []
        for sides in itertools.product((False, True), repeat=len(kinks)):
            cols = [ones] if network.bias else []
            k = 0
            for unit in region.signs[0]:
                nk = sum(1 for s in unit if s == 0)
                cols += unit_columns(network, dataset, unit_slopes(network, unit, sides[k : k + nk]))
                k += nk
            spans.append(cols)
        how = f"one hidden layer: least squares over the {len(spans)} activation region(s) at the point"
        return LeastSquaresBound(_bound(network, dataset, spans), how)
    if network.activation == "relu":
        last = region.signs[-1]
        covered = {i for unit in last for i, s in enumerate(unit) if s >= 0}
        cols = [tuple(Fraction(int(i == c)) for i in range(n)) for c in sorted(covered)]
        cols += [ones] if network.bias else []
        how = (
            f"{n - len(covered)} point(s) reached by no unit of the last hidden layer are predicted by "
            f"the output bias alone"
        )
        return LeastSquaresBound(_bound(network, dataset, [cols]), how)
    return LeastSquaresBound(None, "deep leaky-ReLU networks have no subspace bound here")
