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

from badminima.arithmetic.cone_least_squares import cone_least_squares, in_cone, membership_systems
from badminima.arithmetic.least_squares import least_squares
from badminima.landscape.problem import exact_pass
from badminima.landscape.region_fit import Column, unit_columns, unit_slopes
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.options import DEFAULTS

MAX_KINKS = DEFAULTS.max_region_kinks
"""The bound enumerates 2^k kink sides; beyond this many kinks it is not attempted."""

MAX_CONE_FACES = DEFAULTS.max_cone_faces
"""The sign-cone bound solves at most this many face problems (all kink sides and outputs together)."""


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
    if region.affine_on_data:
        how = (
            "every hidden unit keeps one strict sign on every point: the network is affine in its input "
            "nearby"
        )
        return LeastSquaresBound(_bound(network, dataset, [affine]), how)
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


def _cone_problem(
    network: Network, dataset: Dataset, point: Point, region: Region, sides: Sequence[bool], k: int
) -> tuple[list[Column], list[Column]]:
    """Columns and constraint rows of output ``k``'s sign-cone problem on the kink sides ``sides``
    (one per kink of ``region``, in its order): unit j's variables are u_j = |v_jk|·(w_j, b_j), its
    columns sign(v_jk)·D_j X̃, and each kink point i of a unit with v_jk ≠ 0 adds the row ±x̃_i·u_j ≥ 0
    (+ on its active side); the output bias column last, unconstrained."""
    n = dataset.n_points
    feats = len(unit_columns(network, dataset, tuple(Fraction(1) for _ in range(n))))
    width = len(region.signs[0])
    v = point.layers[1].W[k]
    cols: list[Column] = []
    rows: list[list[Fraction]] = []
    at = 0
    for j, unit in enumerate(region.signs[0]):
        nk = sum(1 for s in unit if s == 0)
        mine = sides[at : at + nk]
        at += nk
        sign = 1 if v[j] > 0 else -1
        cols += [
            tuple(sign * c for c in col)
            for col in unit_columns(network, dataset, unit_slopes(network, unit, mine))
        ]
        if v[j] == 0:
            continue  # v_jk may take either sign nearby: the whole span, as in `least_squares_bound`
        kink_points = [i for i, s in enumerate(unit) if s == 0]
        for i, active in zip(kink_points, mine, strict=True):
            x = tuple(dataset.X[i]) + ((Fraction(1),) if network.bias else ())
            row = [Fraction(0)] * (width * feats + (1 if network.bias else 0))
            for m, value in enumerate(x):
                row[j * feats + m] = value if active else -value
            rows.append(row)
    if network.bias:
        cols.append(tuple(Fraction(1) for _ in range(n)))
    return cols, [tuple(r) for r in rows]


def sign_cone_bound(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region,
    *,
    max_kinks: int = MAX_KINKS,
    max_faces: int = MAX_CONE_FACES,
    stop_below: Fraction | None = None,
) -> LeastSquaresBound:
    """A sharper lower bound than `least_squares_bound` for one hidden layer of ReLU / leaky-ReLU units
    at kinks: the sign of an output weight v_jk ≠ 0 is fixed nearby, so unit j's contribution to output
    k lies in a polyhedral *cone*, not a whole subspace. Needs identity output and mse.

    *The set proved to contain every nearby prediction.* Let X̃ = [X 1] (or X without biases) and
    z_j = X̃ w̃_j unit j's pre-activations. For parameters close enough to the point: every z_ji ≠ 0 at
    the point keeps its sign, every v_jk ≠ 0 keeps its sign s_jk. Name A the side each kink (z_ji = 0 at
    the point) is on (z_ji ≥ 0: active; z_ji ≤ 0: inactive; z_ji = 0 may be put on either) and D_j^A
    the slopes (1 or the leaky slope) this fixes on every point. Then σ(z_j) = D_j^A z_j, and output k
    is

        f_k = Σ_j v_jk D_j^A X̃ w̃_j + c_k 1 = Σ_j s_jk D_j^A X̃ u_j + c_k 1,   u_j = |v_jk| w̃_j,

    where, for each j with v_jk ≠ 0, u_j satisfies x̃_i·u_j ≥ 0 at every active kink i of unit j and
    ≤ 0 at every inactive one (|v_jk| > 0 does not change those signs). For v_jk = 0 (either sign
    nearby) u_j = v_jk w̃_j is unconstrained. So f_k ∈ K_{A,k} = {Σ_j s_jk D_j^A X̃ u_j + c 1 : those
    sign constraints}, a polyhedral cone (the open sign conditions off the kinks and the nearness are
    dropped: a larger set, a lower bound). Outputs are relaxed independently (v_j's outputs share w̃_j:
    dropping that, again a larger set). Hence every nearby loss is at least

        min_A Σ_k dist(y_k, K_{A,k})² / N,

    and each distance is the exact convex quadratic program of `cone_least_squares` (faces enumerated;
    each term is the larger of its certified dual bound and the plain span residual, both proved lower
    bounds). ``value`` is None beyond ``max_kinks`` kinks, when the 2^(kinks) sides times the faces
    would exceed ``max_faces`` face problems, or as soon as one side assignment's bound falls below
    ``stop_below`` (the caller's loss: the bound can then prove nothing, and the rest is not solved).

    Example (a ReLU unit dead except exactly at x = 2, v = 1, prediction 1 everywhere below y₂ = 0:
    raising f(2) only moves it away from 0, so the loss 1 is the bound; the span bound is 0):
        >>> from badminima.landscape.regions import region_of
        >>> net, data = Network((1, 1, 1), "relu"), Dataset.of([[1], [2]], [[2], [0]])
        >>> point = Point.unflatten(net, [1, -2, 1, 1])
        >>> region = region_of(net, data, point)
        >>> least_squares_bound(net, data, region).value, sign_cone_bound(net, data, point, region).value
        (Fraction(0, 1), Fraction(1, 1))
    """
    if not (
        network.has_rational_loss and network.depth == 2 and network.activation in ("relu", "leaky_relu")
    ):
        return LeastSquaresBound(None, "needs one hidden ReLU or leaky-ReLU layer, identity output and mse")
    kinks = region.kinks
    if len(kinks) > max_kinks:
        return LeastSquaresBound(None, f"{len(kinks)} kinks: more than {max_kinks} to enumerate")
    outs = dataset.output_dim
    problems = [
        [_cone_problem(network, dataset, point, region, sides, k) for k in range(outs)]
        for sides in itertools.product((False, True), repeat=len(kinks))
    ]
    faces = sum(2 ** sum(1 for r in rows if any(r)) for per_side in problems for _, rows in per_side)
    if faces > max_faces:
        return LeastSquaresBound(None, f"{faces} face problems: more than {max_faces}")
    best: Fraction | None = None
    for per_side in problems:
        total = Fraction(0)
        for k, (cols, rows) in enumerate(per_side):
            y = tuple(row[k] for row in dataset.y)
            term = residual(cols, y)
            fit = cone_least_squares(cols, rows, y, max_faces=max_faces) if rows else None
            if fit is not None:
                term = max(term, fit.value)
            total += term
        best = total if best is None else min(best, total)
        if stop_below is not None and best < stop_below * dataset.n_points:
            return LeastSquaresBound(None, "one side assignment's bound is already below the loss")
    assert best is not None
    how = (
        f"one hidden layer: least squares over the {len(problems)} activation region(s) at the point, each "
        f"unit at a kink with a non-zero output weight kept to the sign cone that weight's fixed sign allows"
    )
    return LeastSquaresBound(best / dataset.n_points, how)


def sign_cone_optimum(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region,
    loss: Fraction,
    *,
    max_faces: int = MAX_CONE_FACES,
) -> LeastSquaresBound:
    """``loss`` itself as the bound when the point's predictions are optimal in every sign cone of
    `sign_cone_bound` — decided unit by unit through duality, without enumerating every unit's sides
    together — else None with the reason.

    *Why.* Each K_{A,k} = Σ_j P_j + span{1} is a sum of convex cones (P_j = {s_jk D_j X̃ u : u ∈ C_j},
    C_j cut out by unit j's kinks on the sides A; the whole space when v_jk = 0), and the point's
    prediction f_k = Σ_j p_j + c_k 1 lies in it with p_j ∈ P_j. The convex quadratic ‖f − y_k‖² is
    least over K_{A,k} at f_k iff h = f_k − y_k has ⟨h, q⟩ ≥ 0 on every P_j, ⟨h, p_j⟩ = 0 and ⟨h, 1⟩ = 0.
    ⟨h, s D_j X̃ u⟩ ≥ 0 on C_j = {u : r_i·u ≥ 0} iff s (D_j X̃)ᵀ h ∈ cone{r_i} (Farkas), an exact
    projection; (D_j X̃)ᵀ h = 0 when v_jk = 0. D_j depends only on unit j's own sides, so each unit's
    2^(its kinks) side choices are tried alone: every nearby loss is then at least the point's. A unit at
    its kink on k points costs 4^k face problems per output; None beyond ``max_faces`` in all.

    Example (a unit at its kink on all three points, v = 1, predictions −1/3 against targets (−1, 1, −1):
    the residual (2/3, −4/3, 2/3) is a second difference, so raising the unit anywhere only adds loss):
        >>> from badminima.landscape.regions import region_of
        >>> net, data = Network((1, 1, 1), "relu"), Dataset.of([[-1], [0], [1]], [[-1], [1], [-1]])
        >>> point = Point.unflatten(net, [0, 0, 1, Fraction(-1, 3)])
        >>> sign_cone_optimum(net, data, point, region_of(net, data, point), Fraction(8, 9)).value
        Fraction(8, 9)
    """
    if not (
        network.has_rational_loss and network.depth == 2 and network.activation in ("relu", "leaky_relu")
    ):
        return LeastSquaresBound(None, "needs one hidden ReLU or leaky-ReLU layer, identity output and mse")
    kinked = [sum(1 for s in unit if s == 0) for unit in region.signs[0]]
    dim = network.widths[0] + (1 if network.bias else 0)
    faces = dataset.output_dim * sum(2**k * membership_systems(k, dim) for k in kinked if k)
    if faces > max_faces:
        return LeastSquaresBound(None, f"{faces} face problems: more than {max_faces}")
    run = exact_pass(network, dataset, point)
    if run is None:
        return LeastSquaresBound(None, "the exact forward pass failed")
    pred = run.predictions
    hidden = point.layers[0]
    for k, row in enumerate(point.layers[1].W):
        h = [p - y[k] for p, y in zip(pred[k], dataset.y, strict=True)]
        if network.bias and sum(h) != 0:
            return LeastSquaresBound(
                None, f"output {k}'s residual does not sum to 0 (the output bias moves it)"
            )
        for j, unit in enumerate(region.signs[0]):
            weights = tuple(hidden.W[j]) + ((hidden.b[j],) if hidden.b else ())
            kink_points = [i for i, s in enumerate(unit) if s == 0]
            for mine in itertools.product((False, True), repeat=len(kink_points)):
                cols = unit_columns(network, dataset, unit_slopes(network, unit, mine))
                a = tuple(sum((c * e for c, e in zip(col, h, strict=True)), Fraction(0)) for col in cols)
                if sum((x * w for x, w in zip(a, weights, strict=True)), Fraction(0)) != 0:
                    return LeastSquaresBound(
                        None, f"output {k}'s residual is not orthogonal to unit {j}'s part"
                    )
                if row[j] == 0 or not kink_points:
                    if any(a):
                        return LeastSquaresBound(None, f"unit {j} can move output {k} against its residual")
                    continue
                sign = 1 if row[j] > 0 else -1
                gens = [
                    tuple(
                        (1 if on else -1) * v
                        for v in tuple(dataset.X[i]) + ((Fraction(1),) if network.bias else ())
                    )
                    for i, on in zip(kink_points, mine, strict=True)
                ]
                if not in_cone(gens, tuple(sign * v for v in a)):
                    return LeastSquaresBound(None, f"unit {j}'s sign cone on one side choice is not optimal")
    return LeastSquaresBound(
        loss,
        "one hidden layer: every unit's sign cone (each side of each of its kinks, output weights' signs "
        "fixed) holds no prediction of lower loss, by duality (a convex quadratic is least there at the "
        "point's predictions: its residual lies in every unit's dual cone)",
    )
