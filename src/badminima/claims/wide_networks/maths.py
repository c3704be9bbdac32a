"""Wide networks, the maths: the Khatri–Rao matrix of a leaky-ReLU slope pattern and its exact rank, the
exact least-squares point of an activation region, and the feature matrix of a wide layer, its rank proved
over a box."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from badminima.arithmetic.flint_bridge import fmpq_matrix
from badminima.landscape.region_fit import region_columns, unit_slopes
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point

if TYPE_CHECKING:
    import numpy as np


KINK_MARGIN = 1e-6
"""A float end point is differentiable when every |pre-activation| exceeds this times 1 + max |z|."""

RANK_TOL = 1e-4
"""F counts as rank N when σ_min(F) > RANK_TOL·max(1, σ_max(F)). At a critical end point (gradient below
1e-9) the theorem's own bound on the loss, (N/4)·(‖∇‖/σ_min)², then stays below `ZERO_LOSS`."""


# ---------------------------------------------------------------------------------------------------------
# Soudry & Carmon: the Khatri–Rao matrix of a leaky-ReLU slope pattern


def khatri_rao(
    slopes: Sequence[Sequence[Fraction]], X: Sequence[Sequence[Fraction]], *, bias: bool
) -> list[list[Fraction]]:
    """The N rows of G: row i is ``(a_i1·x̃_i, …, a_id1·x̃_i)``, followed by 1 with biases, where
    ``slopes[i][j] = a_ij`` and ``x̃_i = (x_i, 1)`` with biases, ``x_i`` without.

    Example:
        >>> F = Fraction
        >>> khatri_rao([[F(1), F(1, 2)]], [[F(3)]], bias=True)
        [[Fraction(3, 1), Fraction(1, 1), Fraction(3, 2), Fraction(1, 2), Fraction(1, 1)]]
    """
    by_unit = [tuple(a[j] for a in slopes) for j in range(len(slopes[0]))] if slopes else []
    return [list(row) for row in zip(*region_columns(by_unit, X, bias=bias), strict=True)]


def exact_rank(rows: Sequence[Sequence[Fraction]]) -> int:
    """The rank of a rational matrix, exactly (fraction-free elimination in FLINT)."""
    if not rows or not rows[0]:
        return 0
    m = fmpq_matrix(rows)
    return int(m.rref()[1])


def slopes_from_signs(network: Network, signs: Sequence[Sequence[int]]) -> list[list[Fraction]] | None:
    """``a[i][j]`` from the signs ``signs[j][i]`` of unit j on point i; None at a kink (a zero sign)."""
    if any(s == 0 for unit in signs for s in unit):
        return None
    per_unit = [unit_slopes(network, unit) for unit in signs]
    return [list(row) for row in zip(*per_unit, strict=True)]


def _float_pre_activations(network: Network, dataset: Dataset, theta: Any) -> list[np.ndarray]:
    """Hidden pre-activations (units, N) of every hidden layer at a float point: the package's own
    forward pass in float64."""
    import torch

    from badminima.arithmetic.floating import FloatArithmetic
    from badminima.landscape.forward_pass import forward, unflatten

    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*dataset.X, strict=True)))
    flat = torch.as_tensor(theta, dtype=torch.float64)
    fwd = forward(network, unflatten(network, flat), inputs, arith=arith)
    return [z.numpy() for z in fwd.z[:-1]]


def feature_matrix(network: Network, dataset: Dataset, theta: Any) -> np.ndarray:
    """``F = [a, 1]`` (N × (n + 1)): the last hidden layer's activations and the ones column."""
    import numpy as np
    import torch

    from badminima.arithmetic.floating import FloatArithmetic
    from badminima.landscape.forward_pass import forward, unflatten

    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*dataset.X, strict=True)))
    flat = torch.as_tensor(theta, dtype=torch.float64)
    a = forward(network, unflatten(network, flat), inputs, arith=arith).a[-1].numpy()
    return np.hstack([a.T, np.ones((dataset.n_points, 1))])


def float_signs(network: Network, dataset: Dataset, theta: Any) -> list[list[int]] | None:
    """Signs (units × N) of the first hidden layer's pre-activations at a float point, or None when one
    is within `KINK_MARGIN` of its kink (not numerically differentiable there)."""
    import numpy as np

    z = _float_pre_activations(network, dataset, theta)[0]
    margin = KINK_MARGIN * (1 + float(np.max(np.abs(z))))
    if float(np.min(np.abs(z))) <= margin:
        return None
    return [[1 if v > 0 else -1 for v in row] for row in z]


def _solve_columns(cols: Sequence[Sequence[Fraction]], target: Sequence[Fraction]) -> list[Fraction] | None:
    """Exact coefficients z with ``Σ z_j cols[j] = target`` using independent columns only (zero on the
    others), or None when ``target`` is outside their span."""
    from badminima.arithmetic.least_squares import least_squares

    z, fitted = least_squares(cols, target)
    return z if fitted == list(target) else None


def projection(cols: Sequence[Sequence[Fraction]], y: Sequence[Fraction]) -> list[Fraction]:
    """The exact orthogonal projection of ``y`` onto the span of ``cols`` (rank-deficient spans allowed)."""
    from badminima.arithmetic.least_squares import least_squares

    return least_squares(cols, y)[1]


def snap_to_least_squares(network: Network, dataset: Dataset, theta: Any) -> Point | None:
    """An exact point with the activation pattern of the float point ``theta`` whose predictions are the
    exact projection of y onto the span of G: a DLM by construction (see the module docstring), whose
    loss `certify` proves minimal by least squares over the region. None when ``theta`` is at a kink,
    the network is not one hidden layer with one output, or the exact point leaves the pattern.

    The linearised coefficients ``c_j = v_j·(w_j, b_j)`` and c of the rationalised point get an exact
    correction, the least-squares one on independent columns of G, that moves ``G c`` onto the
    projection (small when ``theta`` is near a DLM); then ``(w_j, b_j) = ±c_j / v_j`` with ``±v_j``, the
    sign that keeps unit j's pattern. Units whose ``|v_j|`` is below 1e-8·max |v| get ``v_j = 0``.

    The package's `badminima.landscape.region_fit.snap` is the same least-squares correction and is
    tried first. It keeps every output weight and refuses a zero ``v_j`` and a correction that leaves
    the region; the code below covers those two cases: a (nearly) dead output weight set to 0 while
    the projection still uses the unit's columns (a DLM needs Gᵀe = 0 for them too), and the sign flip
    ``(−v_j, −w̃_j)``. The region's columns are `badminima.landscape.region_fit`'s.
    """
    from badminima.landscape.region_fit import snap
    from badminima.landscape.regions import region_of
    from badminima.search.shrinking import to_point

    if network.depth != 2 or network.widths[-1] != 1 or not network.is_piecewise_linear:
        return None
    start = to_point(network, theta)
    if network.loss == "mse" and network.output == "identity":
        snapped = snap(network, dataset, start)
        if snapped is not None:
            return snapped
    region = region_of(network, dataset, start)
    if region.kinks:
        return None
    d0, d1 = network.widths[0], network.widths[1]
    hidden, out = start.layers
    slopes = [unit_slopes(network, signs) for signs in region.signs[0]]
    cols = region_columns(slopes, dataset.X, bias=network.bias)
    n = dataset.n_points
    per = d0 + (1 if network.bias else 0)
    v = [out.W[0][j] for j in range(d1)]
    top = max(abs(float(x)) for x in v)
    keep = [abs(float(x)) > 1e-8 * top for x in v]
    c: list[Fraction] = []
    for j in range(d1):
        wt = [*hidden.W[j], *((hidden.b or ())[j : j + 1])]
        c += [v[j] * w if keep[j] else Fraction(0) for w in wt]
    if network.bias:
        assert out.b is not None
        c.append(out.b[0])
    p = projection(cols, [row[0] for row in dataset.y])
    fitted = [sum((c[k] * cols[k][i] for k in range(len(c))), Fraction(0)) for i in range(n)]
    free = [k for k in range(len(c)) if k // per >= d1 or keep[k // per]]
    dz = _solve_columns([cols[k] for k in free], [pi - fi for pi, fi in zip(p, fitted, strict=True)])
    if dz is None:
        return None
    for k, dk in zip(free, dz, strict=True):
        c[k] += dk
    units = [
        ([ck / v[j] for ck in c[j * per : (j + 1) * per]], v[j])
        if keep[j]
        else ([*hidden.W[j], *((hidden.b or ())[j : j + 1])], Fraction(0))
        for j in range(d1)
    ]
    c_out = c[-1] if network.bias else Fraction(0)
    signs = region_of(network, dataset, _one_hidden_layer(network, units, c_out)).signs[0]
    # c_j = v_j·w̃_j is also (−v_j)·(−w̃_j): a unit whose signs came out opposite takes the other sign.
    units = [
        ([-x for x in wt], -vj) if keep[j] and signs[j] != region.signs[0][j] else (wt, vj)
        for j, (wt, vj) in enumerate(units)
    ]
    point = _one_hidden_layer(network, units, c_out)
    return point if region_of(network, dataset, point).signs == region.signs else None


def _one_hidden_layer(
    network: Network, units: Sequence[tuple[Sequence[Fraction], Fraction]], c: Fraction
) -> Point:
    """The point with unit j's input weights (then bias) ``units[j][0]`` and output weight ``units[j][1]``,
    and output bias ``c`` (with biases)."""
    d0 = network.widths[0]
    W1 = tuple(tuple(wt[:d0]) for wt, _ in units)
    b1 = tuple(wt[d0] for wt, _ in units) if network.bias else None
    v = tuple(vj for _, vj in units)
    return Point((Layer(W1, b1), Layer((v,), (c,) if network.bias else None)))


# ---------------------------------------------------------------------------------------------------------
# Nguyen & Hein: the feature matrix of a wide layer


def feature_rank(F: np.ndarray) -> tuple[bool, float]:
    """Whether F (N rows) has numerical rank N (σ_min > `RANK_TOL`·max(1, σ_max)), and σ_min."""
    import numpy as np

    n = F.shape[0]
    if F.shape[1] < n:
        return False, 0.0
    s = np.linalg.svd(F, compute_uv=False)
    return bool(s[n - 1] > RANK_TOL * max(1.0, float(s[0]))), float(s[n - 1])


def proved_full_rank(network: Network, dataset: Dataset, center: Point, radius: Fraction) -> bool:
    """True when F = [σ(Z), 1] of the last hidden layer is proved to have rank N at every point of the box
    ``center ± radius`` (∞-norm): some N × N minor's determinant, enclosed in ball arithmetic over the
    whole box, excludes 0. False when that could not be shown (not a proof of a lower rank)."""
    import flint
    import numpy as np

    from badminima.arithmetic.ball import BallArithmetic
    from badminima.landscape.forward_pass import forward, unflatten
    from badminima.landscape.problem import prepare

    n = dataset.n_points
    if network.widths[-2] + 1 < n:
        return False
    ball = BallArithmetic(128)
    prob = prepare(network, dataset, center, arith=ball)
    with ball.context():
        rad = ball.constant(radius).upper()
        flat = ball.vector([v + flint.arb(0, rad) for v in prob.flat])
        a = forward(network, unflatten(network, flat), prob.inputs, arith=ball).a[-1]
        cols = [[a[u, i] for i in range(n)] for u in range(network.widths[-2])]
        cols.append([ball.constant(Fraction(1))] * n)
        mid = np.array([[float(c[i].mid()) for c in cols] for i in range(n)])
        # Column choice is a heuristic (QR with pivoting on the midpoints); the proof is the enclosure.
        import scipy.linalg

        _, _, perm = scipy.linalg.qr(mid, pivoting=True)
        chosen = sorted(int(j) for j in perm[:n])
        minor = flint.arb_mat(n, n, [cols[j][i] for i in range(n) for j in chosen])
        return ball.sign(minor.det()) in (-1, 1)
