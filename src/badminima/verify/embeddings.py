"""Exact embeddings of a narrower network's point into a wider one, and their inverses: the maps under
which the loss is unchanged (Fukumizu & Amari 2000; Simsek et al., ICML 2021).

- A duplicated hidden unit: units a and b with the same incoming weights and bias compute what one unit
  of output weight V = v_a + v_b computes, for every split v_a = λV (`find_duplicates`,
  `reduce_duplicate`, `lift_duplicate`), and with several outputs for every split v_a + v_b = V
  (`find_off_line_duplicates`); m ≥ 3 copies, for every split Σ v_i = V (`find_duplicate_groups`,
  `reduce_group`, `lift_group`).
- A unit born at zero: zero incoming and output weights, any bias (`find_dead_units`,
  `insert_born_unit`).
- Units of a hidden layer removed (`without_units`), put back as they were (`with_units`, the last
  hidden layer) or silenced (`silenced`: their outgoing weights set to 0).

Every map here is exact on rationals: the verifier proves a narrower point and maps the proof's box
through these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import last_place, may_coincide, may_round, relative_rounding


@dataclass(frozen=True)
class Duplicate:
    """Units ``a`` < ``b`` share incoming weights and bias (up to the point's rounding scale); ``lam`` is
    the split v_a = λ (v_a + v_b) as written (with several outputs, v_a and v_b are parallel vectors).
    ``share``, for an off-line split of several outputs (v_a not parallel to V = v_a + v_b), is v_a as
    written, one entry per output; ``lam`` is then read off the output of largest |V_k| alone."""

    a: int
    b: int
    lam: Fraction
    share: tuple[Fraction, ...] | None = None


def _split(out: Layer, a: int, b: int, tol: Fraction) -> Fraction | None:
    """λ with v_a = λ V (V = v_a + v_b, output weight vectors), read off the output with the largest |V_k|;
    None when V = 0 or v_a is not parallel to V (beyond ``tol``): no split line passes through the point.
    """
    V = [row[a] + row[b] for row in out.W]
    k = max(range(len(V)), key=lambda i: abs(V[i]))
    if V[k] == 0:
        return None
    lam = out.W[k][a] / V[k]
    if not any(last_place(row[u]) for row in out.W for u in (a, b)):
        tol = Fraction(0)  # output weights written exactly: exactly parallel, or no split line
    slack = 4 * tol * (1 + abs(lam)) * max(Fraction(1), abs(V[k]))  # ``tol`` is relative
    if any(abs(row[a] - lam * Vk) > slack for row, Vk in zip(out.W, V, strict=True)):
        return None
    return lam


def find_duplicates(network: Network, point: Point) -> list[Duplicate]:
    """Pairs of units of the last hidden layer (any depth) whose incoming weights and biases agree exactly
    or to the point's rounding scale, with a non-zero summed output weight vector V to which unit a's
    output weights are parallel (v_a = λV; with one output, always).

    Example:
        >>> net = Network((1, 2, 1), "tanh")
        >>> find_duplicates(net, Point.of([([[2], [2]], [1, 1]), ([[1, 2]], [0])]))
        [Duplicate(a=0, b=1, lam=Fraction(1, 3), share=None)]
        >>> net2 = Network((1, 2, 2), "tanh")
        >>> find_duplicates(net2, Point.of([([[2], [2]], [1, 1]), ([[1, 2], [-1, -2]], [0, 0])]))
        [Duplicate(a=0, b=1, lam=Fraction(1, 3), share=None)]
        >>> find_duplicates(net2, Point.of([([[2], [2]], [1, 1]), ([[1, 2], [2, 1]], [0, 0])]))
        []
    """
    tol = 4 * relative_rounding(point.flatten())
    out = point.layers[-1]
    return [
        Duplicate(a, b, lam) for a, b in _twins(network, point) if (lam := _split(out, a, b, tol)) is not None
    ]


def find_off_line_duplicates(network: Network, point: Point) -> list[Duplicate]:
    """The pairs of `find_duplicates`' kind whose summed output weight vector V is non-zero but to which
    unit a's output weights are not parallel: points of the K-dimensional equal-loss set {v_a + v_b = V}
    off its split line (critical only where an exact identity makes the splits' coupling vanish,
    `badminima.verify.output_splits`).

    Example:
        >>> net = Network((1, 2, 2), "tanh")
        >>> find_off_line_duplicates(net, Point.of([([[2], [2]], [1, 1]), ([[1, 2], [2, 1]], [0, 0])]))
        [Duplicate(a=0, b=1, lam=Fraction(1, 3), share=(Fraction(1, 1), Fraction(2, 1)))]
    """
    tol = 4 * relative_rounding(point.flatten())
    out = point.layers[-1]
    found = []
    for a, b in _twins(network, point):
        V = [row[a] + row[b] for row in out.W]
        k = max(range(len(V)), key=lambda i: abs(V[i]))
        if V[k] != 0 and _split(out, a, b, tol) is None:
            found.append(Duplicate(a, b, out.W[k][a] / V[k], tuple(row[a] for row in out.W)))
    return found


def _twins(network: Network, point: Point) -> list[tuple[int, int]]:
    """Pairs a < b of last-hidden-layer units whose incoming weights and biases agree exactly or to the
    point's rounding scale (networks with biases)."""
    if len(network.widths) < 3 or not network.bias:
        return []
    hidden = point.layers[-2]
    assert hidden.b is not None
    tol = 4 * relative_rounding(point.flatten())
    return [
        (a, b)
        for a in range(len(hidden.W))
        for b in range(a + 1, len(hidden.W))
        if all(may_coincide(x, y, tol) for x, y in zip(hidden.W[a], hidden.W[b], strict=True))
        and may_coincide(hidden.b[a], hidden.b[b], tol)
    ]


def find_duplicate_groups(network: Network, point: Point) -> list[tuple[int, ...]]:
    """Three or more units of the last hidden layer, pairwise duplicates (incoming weights and biases
    equal exactly or to the point's rounding scale, as `find_duplicates` asks), in a network with one
    output: one unit split into m ≥ 3 parts (ascending unit indices).

    Example:
        >>> net = Network((1, 3, 1), "tanh")
        >>> find_duplicate_groups(net, Point.of([([[2], [2], [2]], [1, 1, 1]), ([[1, 2, 3]], [0])]))
        [(0, 1, 2)]
    """
    if network.widths[-1] != 1:
        return []
    twins = set(_twins(network, point))
    groups: list[tuple[int, ...]] = []
    for a, _ in sorted(twins):
        if any(a in g for g in groups):
            continue
        group = (a, *sorted({y for x, y in twins if x == a}))
        if len(group) >= 3 and all((x, y) in twins for i, x in enumerate(group) for y in group[i + 1 :]):
            groups.append(group)
    return groups


def reduce_duplicate(network: Network, point: Point, dup: Duplicate) -> tuple[Network, Point]:
    """The smaller network: unit b removed, unit a at the pair's average, output weights v_a + v_b."""
    return reduce_group(network, point, (dup.a, dup.b))


def reduce_group(network: Network, point: Point, group: Sequence[int]) -> tuple[Network, Point]:
    """The smaller network: the duplicated units of ``group`` (ascending) merged into its first, at their
    incoming weights' average, with their summed output weights; the others removed.

    Example:
        >>> net = Network((1, 3, 1), "tanh")
        >>> three = Point.of([([[2], [2], [2]], [1, 1, 1]), ([[1, 2, 3]], [0])])
        >>> small, p = reduce_group(net, three, (0, 1, 2))
        >>> small.widths, [str(x) for x in p.flatten()]
        ((1, 1, 1), ['2', '1', '6', '0'])
    """
    first, rest = group[0], list(group[1:])
    small, reduced = without_units(network, point, rest)
    *front, hidden, out = point.layers
    assert hidden.b is not None
    m = len(group)
    W, b = list(reduced.layers[-2].W), list(reduced.layers[-2].b or ())
    W[first] = tuple(sum(col, Fraction(0)) / m for col in zip(*(hidden.W[u] for u in group), strict=True))
    b[first] = sum((hidden.b[u] for u in group), Fraction(0)) / m
    rows = []
    for small_row, row in zip(reduced.layers[-1].W, out.W, strict=True):
        v = list(small_row)
        # the group ascends: removing the rest kept ``first`` at its index
        v[first] = sum((row[u] for u in group), Fraction(0))
        rows.append(tuple(v))
    return small, Point((*front, Layer(tuple(W), tuple(b)), Layer(tuple(rows), out.b)))


def lift_duplicate(small_point: Point, dup: Duplicate, lam: Fraction, width: int) -> Point:
    """L_λ: the reduced point with unit a split into a and b (b re-inserted at its index), output weights
    λV and (1 − λ)V on every output; for an off-line ``dup`` (``share`` set), v_a = share and
    v_b = V − share instead."""
    if dup.share is None:
        return lift_group(small_point, (dup.a, dup.b), (lam, 1 - lam), width)
    *front, hidden, out = small_point.layers
    assert hidden.b is not None
    W, b = list(hidden.W), list(hidden.b)
    W.insert(dup.b, hidden.W[dup.a])  # a < b, so removing b did not move a
    b.insert(dup.b, hidden.b[dup.a])
    rows = []
    for k, row in enumerate(out.W):
        v = list(row)
        V = v[dup.a]
        v[dup.a] = dup.share[k]
        v.insert(dup.b, V - v[dup.a])
        rows.append(tuple(v))
    assert len(W) == width
    return Point((*front, Layer(tuple(W), tuple(b)), Layer(tuple(rows), out.b)))


def lift_group(small_point: Point, group: Sequence[int], lams: Sequence[Fraction], width: int) -> Point:
    """The inverse of `reduce_group` along a split: the merged unit ``group[0]`` copied to every index of
    ``group`` (ascending), the i-th copy with output weights ``lams[i]``·V on every output (Σλ = 1 keeps
    the network's function).

    Example:
        >>> small = Point.of([([[2]], [1]), ([[6]], [0])])
        >>> third = Fraction(1, 3)
        >>> [str(x) for x in lift_group(small, (0, 1, 2), (third, third, third), 3).layers[1].W[0]]
        ['2', '2', '2']
    """
    *front, hidden, out = small_point.layers
    assert hidden.b is not None
    first = group[0]
    W, b = list(hidden.W), list(hidden.b)
    rows = [list(row) for row in out.W]
    for u in group[1:]:  # ascending: each insertion leaves the earlier indices in place
        W.insert(u, hidden.W[first])
        b.insert(u, hidden.b[first])
        for row in rows:
            row.insert(u, Fraction(0))
    for row, small_row in zip(rows, out.W, strict=True):
        for u, lam in zip(group, lams, strict=True):
            row[u] = lam * small_row[first]
    assert len(W) == width
    return Point((*front, Layer(tuple(W), tuple(b)), Layer(tuple(tuple(r) for r in rows), out.b)))


def find_dead_units(network: Network, point: Point) -> list[int]:
    """Units of the last hidden layer (any depth) of a network with biases whose incoming weights and
    output weights (to every output) are zero (exactly, or to the point's rounding scale): a unit "born"
    at zero, whatever its bias. With another unit left, the point is the lift of the narrower network's
    point.

    Example:
        >>> net = Network((1, 2, 1), "tanh")
        >>> find_dead_units(net, Point.of([([[0], [2]], [5, 1]), ([[0, 1]], [0])]))
        [0]
        >>> two = Point.of([([[0], [2]], [5, 1]), ([[0, 1], [1, 1]], [0, 0])])
        >>> find_dead_units(Network((1, 2, 2), "tanh"), two)  # unit 0 speaks to output 2
        []
    """
    if len(network.widths) < 3 or not network.bias or network.widths[-2] < 2:
        return []
    hidden, out = point.layers[-2:]
    tol = 4 * relative_rounding(point.flatten())
    return [
        j
        for j, row in enumerate(hidden.W)
        if all(may_round(x, Fraction(0), tol) for x in row)
        and all(may_round(v[j], Fraction(0), tol) for v in out.W)
    ]


def insert_born_unit(small_point: Point, unit: int, bias: Fraction) -> Point:
    """The narrower point with a unit of zero incoming and output weights (and ``bias``) at ``unit`` of
    its last hidden layer."""
    *front, hidden, out = small_point.layers
    assert hidden.b is not None
    W, b = list(hidden.W), list(hidden.b)
    W.insert(unit, tuple(Fraction(0) for _ in hidden.W[0]))
    b.insert(unit, bias)
    rows = []
    for row in out.W:
        v = list(row)
        v.insert(unit, Fraction(0))
        rows.append(tuple(v))
    return Point((*front, Layer(tuple(W), tuple(b)), Layer(tuple(rows), out.b)))


def without_units(
    network: Network, point: Point, units: Sequence[int], layer: int = -1
) -> tuple[Network, Point]:
    """The narrower network without ``units`` of hidden layer ``layer`` (0-based; the last by default;
    any depth, any number of outputs), and the point's remaining parameters.

    Example:
        >>> net = Network((1, 2, 2), "relu")
        >>> small, p = without_units(net, Point.of([([[1], [2]], [3, 4]), ([[5, 6], [7, 8]], [9, 0])]), [0])
        >>> small.widths, p.flatten()[:3], p.layers[1].W
        ((1, 1, 2), (Fraction(2, 1), Fraction(4, 1), Fraction(6, 1)), ((Fraction(6, 1),), (Fraction(8, 1),)))
    """
    layer %= len(point.layers) - 1
    hidden, nxt = point.layers[layer], point.layers[layer + 1]
    assert hidden.b is not None
    keep = [j for j in range(len(hidden.W)) if j not in units]
    widths = list(network.widths)
    widths[layer + 1] = len(keep)
    small = Network(
        tuple(widths),
        network.activation,
        output=network.output,
        loss=network.loss,
        bias=True,
        leaky_slope=network.leaky_slope,
    )
    layers = (
        *point.layers[:layer],
        Layer(tuple(hidden.W[j] for j in keep), tuple(hidden.b[j] for j in keep)),
        Layer(tuple(tuple(row[j] for j in keep) for row in nxt.W), nxt.b),
        *point.layers[layer + 2 :],
    )
    return small, Point(layers)


def with_units(small_point: Point, point: Point, units: Sequence[int], layer: int = -1) -> Point:
    """The narrower point with hidden layer ``layer``'s ``units`` (the last by default) put back as
    ``point`` has them: the inverse of `without_units`.

    Example:
        >>> net = Network((1, 2, 2), "relu")
        >>> point = Point.of([([[1], [2]], [3, 4]), ([[5, 6], [7, 8]], [9, 0])])
        >>> with_units(without_units(net, point, [0])[1], point, [0]) == point
        True
    """
    layer %= len(point.layers) - 1
    hidden, nxt = point.layers[layer], point.layers[layer + 1]
    small_hidden, small_nxt = small_point.layers[layer], small_point.layers[layer + 1]
    assert small_hidden.b is not None and hidden.b is not None
    alive = iter(range(len(small_hidden.W)))
    W, b, cols = [], [], []
    for j in range(len(hidden.W)):
        if j in units:
            W.append(hidden.W[j])
            b.append(hidden.b[j])
            cols.append(tuple(row[j] for row in nxt.W))
        else:
            a = next(alive)
            W.append(small_hidden.W[a])
            b.append(small_hidden.b[a])
            cols.append(tuple(row[a] for row in small_nxt.W))
    V = tuple(tuple(col[k] for col in cols) for k in range(len(nxt.W)))
    return Point(
        (
            *small_point.layers[:layer],
            Layer(tuple(W), tuple(b)),
            Layer(V, small_nxt.b),
            *small_point.layers[layer + 2 :],
        )
    )


def silenced(point: Point, units: Sequence[int], layer: int = -1) -> Point:
    """The point with the outgoing weights of hidden layer ``layer``'s ``units`` (the last by default) set
    to 0."""
    layer %= len(point.layers) - 1
    nxt = point.layers[layer + 1]
    W = tuple(tuple(Fraction(0) if j in units else v for j, v in enumerate(row)) for row in nxt.W)
    return Point((*point.layers[: layer + 1], Layer(W, nxt.b), *point.layers[layer + 2 :]))
