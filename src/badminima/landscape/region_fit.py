"""The algebra of one activation region of a one-hidden-layer piecewise-linear network, written once:
each unit's per-point slopes, the columns its predictions sweep, and the exact snap of a float end point
to its region's optimum (used by the verifier's least-squares bound, the search and the claims).

Inside one activation region (every pre-activation strictly signed) the prediction of a one-hidden-layer
ReLU / leaky-ReLU / identity network with a scalar identity output is linear in ``a_j = v_j (w_j, b_j)``
and the output bias: ``f = Σ_j D_j [X 1] a_j + c``, with ``D_j`` the unit's slopes on the points. The
loss over the region is least squares in ``a``, so one exact least-squares correction from the float
point lands on the region's optimum — the point where `certify`'s least-squares bound is attained and a
local minimum is proved exactly. Float end points are never exactly critical; snapped ones can be.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from badminima.arithmetic.least_squares import dot, least_change, least_squares, null_space, pivots
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import rounding_radius

Column = tuple[Fraction, ...]


def unit_slopes(network: Network, signs: Sequence[int], kink_active: Sequence[bool] = ()) -> Column:
    """One unit's slope on each point from its pre-activation signs: 1 on the active side, the network's
    negative slope (0 for ReLU) on the other; the i-th kink (sign 0) takes the side ``kink_active[i]``.

    Example:
        >>> [str(s) for s in unit_slopes(Network((1, 1, 1), "leaky_relu"), (1, -1, 0), (False,))]
        ['1', '1/100', '1/100']
    """
    neg = network.negative_slope
    assert neg is not None, "slopes are defined for identity, ReLU and leaky-ReLU units"
    out, k = [], 0
    for s in signs:
        if s == 0:
            out.append(Fraction(1) if kink_active[k] else neg)
            k += 1
        else:
            out.append(Fraction(1) if s > 0 else neg)
    return tuple(out)


def unit_columns(network: Network, dataset: Dataset, slopes: Column) -> list[Column]:
    """The columns a unit with these per-point ``slopes`` sweeps: ``D X[:, m]`` for every input m, and
    ``D 1`` when the network has biases (``v (D X w + D b)`` ranges over exactly their span)."""
    return region_columns([slopes], dataset.X, bias=network.bias, output_bias=False)


def region_columns(
    slopes_by_unit: Sequence[Column],
    X: Sequence[Sequence[Fraction]],
    *,
    bias: bool,
    output_bias: bool = True,
) -> list[Column]:
    """The columns of G, whose span holds every prediction of the region: unit by unit, ``D_j X[:, m]``
    and (with ``bias``) ``D_j 1``, then the output bias's column of ones (``output_bias``). G's rows are
    the Khatri–Rao rows ``(a_i1 x̃_i, …, a_id1 x̃_i, 1)`` of Soudry & Carmon (2016).

    Example:
        >>> F = Fraction
        >>> region_columns([(F(1),), (F(1, 2),)], [[F(3)]], bias=True)
        [(Fraction(3, 1),), (Fraction(1, 1),), (Fraction(3, 2),), (Fraction(1, 2),), (Fraction(1, 1),)]
    """
    feats = [tuple(x[m] for x in X) for m in range(len(X[0]))] if X else []
    if bias:
        feats.append(tuple(Fraction(1) for _ in X))
    cols = [tuple(s * x for s, x in zip(slopes, f, strict=True)) for slopes in slopes_by_unit for f in feats]
    if bias and output_bias:
        cols.append(tuple(Fraction(1) for _ in X))
    return cols


def unit_pieces(
    network: Network, point: Point, dataset: Dataset
) -> tuple[list[tuple[int, ...]], list[Column]]:
    """Per unit of the first hidden layer, per point: the side of its kink the unit's pre-activation is on
    (0 at the kink; identity units have none: 1), and the unit's output there, slope·(w_j·x_i + b_j)
    (0 at a kink, either side).

    Example:
        >>> net = Network((1, 1, 1), "relu")
        >>> point = Point.of([([[2]], [-1]), ([[1]], [0])])
        >>> signs, outputs = unit_pieces(net, point, Dataset.of([[0], [1]], [[0], [0]]))
        >>> signs, [str(v) for v in outputs[0]]
        ([(-1, 1)], ['0', '1'])
    """
    first = point.layers[0]
    b = first.b if first.b is not None else tuple(Fraction(0) for _ in first.W)
    signs, outputs = [], []
    for w, bj in zip(first.W, b, strict=True):
        z = [sum((wi * xi for wi, xi in zip(w, x, strict=True)), bj) for x in dataset.X]
        side = tuple(1 if network.activation == "identity" else (q > 0) - (q < 0) for q in z)
        slopes = unit_slopes(network, side, (False,) * side.count(0))
        signs.append(side)
        outputs.append(tuple(d * q for d, q in zip(slopes, z, strict=True)))
    return signs, outputs


def _snap_conditions(network: Network) -> bool:
    """The networks the snaps apply to: one hidden layer of identity, ReLU or leaky-ReLU units, one
    identity output, mse."""
    return (
        network.depth == 2
        and network.activation in ("identity", "relu", "leaky_relu")
        and network.has_rational_loss
        and network.widths[-1] == 1
    )


def snap(network: Network, dataset: Dataset, point: Point, *, hold_kinks: bool = False) -> Point | None:
    """The exact optimum of ``point``'s activation region, reached by one least-squares correction of
    the combined weights ``a_j = v_j (w_j, b_j)`` (output weights ``v_j`` kept), or None when it does not
    apply: not one hidden layer of identity/ReLU/leaky-ReLU units with one identity output and mse, a
    pre-activation exactly at a kink (unless ``hold_kinks``), a zero output weight carrying a live unit,
    or a correction that changes the activation region. With ``hold_kinks`` each unit's correction keeps
    its kink points at their kink (``a_j·(x_k, 1) = 0``, a linear constraint): there the unit adds 0
    whichever side it takes, so the optimum is that of the region with every kink held.

    Example:
        >>> from badminima import Network, Dataset, Point
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[1], [2], [3]], [[1], [2], [4]])
        >>> p = snap(net, data, Point.of([([[1]], [1]), ([["7/5"]], ["-13/10"])]))
        >>> [str(v) for v in p.flatten()]
        ['15/14', '283/444', '7/5', '-3461/2220']

    The prediction is now the least-squares line 3x/2 − 2/3, and the loss its residual 1/18. A kink held
    at x = 0 keeps b = 0: then f = c + a·max(x, 0) with a = v·w, whose normal equations 5a + 3c = 13,
    3a + 4c = 10 give a = 2, c = 1:

        >>> data = Dataset.of([[-1], [0], [1], [2]], [[2], [0], [3], [5]])
        >>> p = snap(net, data, Point.of([([[1]], [0]), ([["2.0000001"]], ["1.0000006"])]), hold_kinks=True)
        >>> [str(v) for v in p.flatten()]
        ['20000000/20000001', '0', '20000001/10000000', '1']
    """
    if not _snap_conditions(network):
        return None
    signs, outputs = unit_pieces(network, point, dataset)
    if not hold_kinks and any(0 in unit for unit in signs):
        return None
    first, last = point.layers
    v = last.W[0]
    d0, bias = network.widths[0], network.bias
    features = [[*x, Fraction(1)] if bias else list(x) for x in dataset.X]
    columns: list[tuple[Fraction, ...]] = []
    moves: list[tuple[int, tuple[Fraction, ...]]] = []  # (unit, its move of (w_j, b_j) per unit of t)
    c = last.b[0] if last.b is not None else Fraction(0)
    fitted = [c] * dataset.n_points
    for j, (unit, out) in enumerate(zip(signs, outputs, strict=True)):
        d = unit_slopes(network, unit, (False,) * unit.count(0))
        fitted = [f + v[j] * o for f, o in zip(fitted, out, strict=True)]
        if not any(d):
            continue
        if v[j] == 0:
            return None
        cols = unit_columns(network, dataset, d)
        kinks = [features[i] for i, sign in enumerate(unit) if sign == 0]
        for n in null_space(kinks, len(cols)):
            columns.append(tuple(dot(n, row) for row in zip(*cols, strict=True)))
            moves.append((j, tuple(a / v[j] for a in n)))
    if bias:
        columns.append(tuple(Fraction(1) for _ in dataset.X))
        moves.append((-1, (Fraction(1),)))
    if not columns:
        return point
    residual = [y[0] - f for y, f in zip(dataset.y, fitted, strict=True)]
    delta, change = least_squares(columns, residual)
    # Of the corrections that reach the optimum, the one that moves the numbers least, each in units of
    # its own rounding (numbers written exactly stay where they can); a unit's numbers move by t/v_j per
    # unit t of its combined weights.
    flat = point.flatten()
    own = [rounding_radius(q) for q in flat]
    b_at, c_at = d0 * len(first.W), len(flat) - 1

    def radius(j: int, move: tuple[Fraction, ...]) -> Fraction:
        if j < 0:
            return own[c_at]
        coords = [j * d0 + m if m < d0 else b_at + j for m, a in enumerate(move) if a]
        return abs(v[j]) * min(own[k] for k in coords)

    rows = list(zip(*columns, strict=True))
    for radii in ([radius(j, move) for j, move in moves], [abs(v[j]) if j >= 0 else 1 for j, _ in moves]):
        found = least_change(rows, change, [Fraction(r) for r in radii])
        if found is not None:
            delta = found
            break
    W1 = [list(w) for w in first.W]
    b1 = list(first.b) if first.b is not None else None
    b2 = list(last.b) if last.b is not None else None
    for (j, move), t in zip(moves, delta, strict=True):
        if j < 0:
            assert b2 is not None
            b2[0] += t
            continue
        for m, step in enumerate(move):
            if m < d0:
                W1[j][m] += t * step
            else:
                assert b1 is not None
                b1[j] += t * step
    snapped = Point((Layer.of(W1, b1), Layer.of(last.W, b2)))
    return snapped if unit_pieces(network, snapped, dataset)[0] == signs else None


def snap_output(network: Network, dataset: Dataset, point: Point) -> Point | None:
    """The output layer's exact least-squares optimum with the hidden layer held as written: the output
    weights and bias (``f = Σ_j v_j σ(w_j·x + b_j) + c`` is linear in them), or None under `snap`'s
    conditions (a unit at its kink adds 0 there, whichever side: the hidden layer held keeps it). Where
    the hidden weights are numbers written exactly (integers, 35/2) and only the output layer is rounded,
    this is the region's optimum whenever the hidden layer is optimal already.

    Example:
        >>> from badminima import Network, Dataset, Point
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[1], [2], [3]], [[1], [2], [4]])
        >>> p = snap_output(net, data, Point.of([([[1]], [0]), ([["1.498"]], ["-0.6668"])]))
        >>> [str(v) for v in p.flatten()]
        ['1', '0', '3/2', '-2/3']
    """
    if not _snap_conditions(network):
        return None
    first, last = point.layers
    features = unit_pieces(network, point, dataset)[1]
    ones = [tuple(Fraction(1) for _ in dataset.X)] if network.bias else []
    # The output bias first, then the units whose features are independent of it and of each other are
    # solved; a unit whose feature is dependent (dead, duplicated, collinear) keeps its output weight.
    order = [-1] * len(ones) + list(range(len(features)))
    basis = [order[k] for k in pivots([*ones, *features])]
    v = list(last.W[0])
    target = [
        row[0] - sum((v[j] * features[j][i] for j in range(len(features)) if j not in basis), Fraction(0))
        for i, row in enumerate(dataset.y)
    ]
    solution, _ = least_squares([ones[0] if j < 0 else features[j] for j in basis], target)
    c = list(last.b) if last.b is not None else None
    for j, value in zip(basis, solution, strict=True):
        if j < 0:
            assert c is not None
            c[0] = value
        else:
            v[j] = value
    return Point((first, Layer.of([v], c)))
