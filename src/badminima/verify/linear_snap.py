"""The exactly critical point a rounded deep linear network's digits round (identity units, mse).

Two snaps, each checked by the exact gradient (`exactly_critical`); a snapped point is returned only when
the digits may round it (`rounding.window_radii`, the README's window):

1. **Coordinate by coordinate**: each rounded number to the simplest rational within reach. It finds the
   critical point when each of its coordinates is a short rational.
2. **Through the end-to-end map** (bias-free nets): the critical points of a deep linear net come in
   families W_L⋯W_1 = M with the same product (W₂ → W₂S, W₁ → S⁻¹W₁), most of whose members have
   irrational coordinates (a √2 rescaling) although M is rational. The product's entries are snapped to
   the simplest rationals within the reach the digits' window gives them; the first layer's rows are projected
   exactly onto the row space of that M, the middle layers kept as written, and the last layer moved by
   the least change that makes the product exactly M (or the first layer alone moved by its least
   change, where its digits are the coarse ones). Besides the simplest rationals, M may be any critical
   product the data give exactly (`critical_products`: Baldi & Hornik's P_U T over rational eigenspaces)
   within the product's reach, nearest first: four digits rarely pin M down by themselves. A rounded
   member of a rational family then lands on an exact member.

References: P. Baldi, K. Hornik, Neural Networks 2(1), 1989 (the critical points of linear networks);
K. Kawaguchi, "Deep learning without poor local minima", NeurIPS 2016.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from fractions import Fraction

import flint

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.flint_bridge import to_fmpq, to_fraction
from badminima.arithmetic.least_squares import least_change, least_squares, null_space, pivots
from badminima.landscape.derivatives import gradient
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.verify.rounding import coordinate_reach, judged_rounding, window_radii

SNAP_FACTOR = 10
"""Snapping looks this many units of each coordinate's own last written digit around it (a float's ulp
for a float's print: 3.0000000000000004 for 3)."""

Matrix = list[list[Fraction]]


def simplest_between(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational of smallest denominator (then smallest magnitude) in ``[lo, hi]``.

    Example:
        >>> simplest_between(Fraction("0.33333333"), Fraction("0.33333334"))
        Fraction(1, 3)
    """
    if lo > hi:
        raise ValueError(f"empty interval [{lo}, {hi}]")
    if lo <= 0 <= hi:
        return Fraction(0)
    if hi < 0:
        return -simplest_between(-hi, -lo)
    n = math.floor(lo)
    if n == lo or n + 1 <= hi:
        return Fraction(n if n == lo else n + 1)
    return n + 1 / simplest_between(1 / (hi - n), 1 / (lo - n))


def exactly_critical(network: Network, dataset: Dataset, point: Point) -> bool:
    """Whether the exact gradient of the loss at ``point`` is zero (rationals).

    Example:
        >>> net = Network((1, 1, 1), "identity", bias=False)
        >>> exactly_critical(net, Dataset.of([[1]], [[1]]), Point.unflatten(net, [2, Fraction(1, 2)]))
        True
    """
    return all(v == 0 for v in gradient(network, dataset, point, arith=ExactArithmetic()))


def simplest_coordinates(network: Network, point: Point) -> Point:
    """Each number replaced by the simplest rational within `SNAP_FACTOR` units of its last written digit
    (numbers written exactly stay).

    Example:
        >>> net = Network((1, 1), "identity")
        >>> simplest_coordinates(net, Point.unflatten(net, ["0.33333333", "2"])).flatten()
        (Fraction(1, 3), Fraction(2, 1))
    """
    reach = coordinate_reach(point, 2 * SNAP_FACTOR)
    values = point.flatten()
    return Point.unflatten(
        network, [simplest_between(v - r, v + r) if r else v for v, r in zip(values, reach, strict=True)]
    )


def snap_critical(network: Network, dataset: Dataset, point: Point) -> Point | None:
    """An exactly critical point the digits may round (numbers written exactly stay): the coordinate-wise
    simplest rationals within `SNAP_FACTOR` units of each last digit, else (bias-free) the member of the
    end-to-end map's family within the digits' window (`window_radii`; module docstring); None when
    neither is exactly critical (also for points written exactly).

    Example:
        >>> net = Network((1, 1, 1), "identity", bias=False)
        >>> data = Dataset.of([[1]], [[1]])
        >>> rounded = Point.unflatten(net, ["0.33333333333333331", "3.0000000000000001"])
        >>> snap_critical(net, data, rounded).flatten()
        (Fraction(1, 3), Fraction(3, 1))
        >>> net = Network((2, 1, 2), "identity", bias=False)
        >>> data = Dataset.of([[1, 0], [0, 1]], [[3, 6], [1, 2]])  # rank one: fitted exactly
        >>> w1 = [["4.2426406871192848", "1.4142135623730950"]]
        >>> w2 = [["0.70710678118654752"], ["1.4142135623730950"]]
        >>> snapped = snap_critical(net, data, Point.of([(w1, None), (w2, None)]))  # √2·(3, 1), (1, 2)/√2
        >>> [[str(v * w) for w in snapped.layers[0].W[0]] for (v,) in snapped.layers[1].W]
        [['3', '1'], ['6', '2']]
    """
    reach = window_radii(point)
    if judged_rounding(point) == 0 or not any(reach):  # written exactly: no rounding to undo
        return None
    snapped = simplest_coordinates(network, point)
    if exactly_critical(network, dataset, snapped):
        return snapped
    for factored in _factored(network, dataset, point, reach):
        inside = all(
            abs(a - b) <= r for a, b, r in zip(point.flatten(), factored.flatten(), reach, strict=True)
        )
        if inside and exactly_critical(network, dataset, factored):
            return factored
    return None


def _factored(network: Network, dataset: Dataset, point: Point, reach: list[Fraction]) -> Iterator[Point]:
    """Members of the families W_L⋯W_1 = M near the given point (module docstring), for M the product's
    simplest rationals, then every critical product of the data (`critical_products`) within the
    product's reach, nearest first; each by the last layer's least change, then by the first layer's.
    Lazy: the caller stops at the first exactly critical one. None for nets with biases."""
    if network.bias:
        return
    given = [_matrix(layer) for layer in point.layers]
    radii = [_matrix(layer) for layer in Point.unflatten(network, reach).layers]
    product = given[0]
    spread = radii[0]  # |δ(W_k⋯W_1)| ≤ Σ_k |W_L|⋯|δW_k|⋯|W_1|, entrywise
    for W, R in zip(given[1:], radii[1:], strict=True):
        spread = _add(_mul(_abs(W), spread), _mul(R, _abs(product)))
        product = _mul(W, product)

    def gaps(M: Matrix) -> list[tuple[Fraction, Fraction]]:
        """(|M − product|, spread) entrywise."""
        return [
            (abs(a - b), s)
            for ra, rb, rs in zip(M, product, spread, strict=True)
            for a, b, s in zip(ra, rb, rs, strict=True)
        ]

    simplest = [
        [simplest_between(m - s, m + s) for m, s in zip(row, sr, strict=True)]
        for row, sr in zip(product, spread, strict=True)
    ]
    yield from _members(given, radii, simplest)
    near = [M for M in critical_products(network, dataset) if all(g <= s for g, s in gaps(M))]
    near.sort(key=lambda M: max(g for g, _ in gaps(M)))
    for M in near:
        yield from _members(given, radii, M)


def _members(given: list[Matrix], radii: list[Matrix], M: Matrix) -> Iterator[Point]:
    """The layers ``given`` moved onto W_L⋯W_1 = M by `_onto`: the last layer solved; then the first
    (the coarsest digits are often the first layer's), which is the last of the transposed chain
    W_1ᵀ⋯W_Lᵀ = Mᵀ; then each middle layer alone (`_middle_onto`)."""
    last = _onto(given, radii, M)
    if last is not None:
        yield _point(last)
    flipped = _onto(
        [_transpose(W) for W in reversed(given)], [_transpose(R) for R in reversed(radii)], _transpose(M)
    )
    if flipped is not None:
        yield _point([_transpose(W) for W in reversed(flipped)])
    for k in range(1, len(given) - 1):
        moved = _middle_onto(given, radii, M, k)
        if moved is not None:
            yield _point(moved)


def _middle_onto(given: list[Matrix], radii: list[Matrix], M: Matrix, k: int) -> list[Matrix] | None:
    """The layers ``given`` moved onto W_L⋯W_1 = M by the least change (weighted by ``radii``) of the
    middle layer k alone, A·(W_k + δ)·B = M with A = W_L⋯W_{k+1}, B = W_{k−1}⋯W_1 (a float's print of a
    small middle weight moves least there); None if that has none."""
    B = given[0]
    for W in given[1:k]:
        B = _mul(W, B)
    A = given[-1]
    for W in reversed(given[k + 1 : -1]):
        A = _mul(A, W)
    rest = _add(M, [[-v for v in row] for row in _mul(A, _mul(given[k], B))])
    shape = [(i, j) for i in range(len(given[k])) for j in range(len(given[k][0]))]
    rows = [[A[r][i] * B[j][c] for i, j in shape] for r in range(len(M)) for c in range(len(M[0]))]
    delta = least_change(rows, [v for row in rest for v in row], [radii[k][i][j] for i, j in shape])
    if delta is None:
        return None
    moved = [list(row) for row in given[k]]
    for (i, j), d in zip(shape, delta, strict=True):
        moved[i][j] += d
    return [*given[:k], moved, *given[k + 1 :]]


def _onto(given: list[Matrix], radii: list[Matrix], M: Matrix) -> list[Matrix] | None:
    """The layers ``given`` moved onto W_L⋯W_1 = M: the first layer's rows projected onto M's row space,
    the middle ones kept, each row of the last by its least change (weighted by ``radii``); None if that
    has none."""
    basis = [M[i] for i in pivots([tuple(row) for row in M])]
    if not basis:
        return None
    columns = [list(row) for row in basis]
    first = [least_squares(columns, row)[1] for row in given[0]]  # each row projected onto row(M)
    layers = [first, *given[1:-1]]
    below = layers[0]
    for W in layers[1:]:
        below = _mul(W, below)
    last = []
    rows = _transpose(below)  # δᵀ·below = rest  ⇔  belowᵀ·δ = rest
    for w, target, r in zip(given[-1], M, radii[-1], strict=True):
        rest = [
            t - sum((a * b for a, b in zip(w, col, strict=True)), Fraction(0))
            for t, col in zip(target, rows, strict=True)
        ]
        delta = least_change(rows, rest, r)
        if delta is None:
            return None
        last.append([a + d for a, d in zip(w, delta, strict=True)])
    return [*layers, last]


def _point(layers: list[Matrix]) -> Point:
    return Point(tuple(Layer(W=tuple(tuple(row) for row in W), b=None) for W in layers))


def critical_products(network: Network, dataset: Dataset) -> list[Matrix]:
    """The end-to-end maps A = P_U T of the bias-free deep linear net's critical points that rational
    arithmetic can write (Baldi & Hornik 1989): T = Σ_yx Σ_xx⁻¹ the least-squares map, U a sum of whole
    eigenspaces of Σ = T Σ_xx Tᵀ with rational eigenvalues, of total dimension at most the narrowest
    width; [] when Σ_xx is singular.

    Example (targets (3, 0), (0, 1) on e₁, e₂: Σ = diag(9, 1), rank one):
        >>> net = Network((2, 1, 2), "identity", bias=False)
        >>> data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
        >>> [[[str(v) for v in row] for row in A] for A in critical_products(net, data)]
        [[['0', '0'], ['0', '0']], [['3', '0'], ['0', '0']], [['0', '0'], ['0', '1']]]
    """
    X = [list(x) for x in dataset.X]
    Y = [list(y) for y in dataset.y]
    Sxx = flint.fmpq_mat([[to_fmpq(v) for v in row] for row in _mul(_transpose(X), X)])
    if Sxx.det() == 0:
        return []
    Syx = flint.fmpq_mat([[to_fmpq(v) for v in row] for row in _mul(_transpose(Y), X)])
    T = Syx * Sxx.inv()
    sigma = T * Sxx * T.transpose()
    spaces = []
    _, factors = sigma.charpoly().factor()
    for f, _ in factors:
        if f.degree() == 1:
            lam = -to_fraction(f[0]) / to_fraction(f[1])
            shifted = [
                [to_fraction(sigma[i, j]) - (lam if i == j else 0) for j in range(sigma.ncols())]
                for i in range(sigma.nrows())
            ]
            spaces.append(null_space(shifted))
    rank = min(network.widths[1:-1])
    out = []
    for size in range(len(spaces) + 1):
        for chosen in itertools.combinations(spaces, size):
            B = [v for space in chosen for v in space]
            if len(B) > rank:
                continue
            out.append(_projected(B, T, sigma.nrows()))
    return out


def _projected(B: list[tuple[Fraction, ...]], T: flint.fmpq_mat, rows: int) -> Matrix:
    """P_U T with U = span(B) (columns), exactly."""
    if not B:
        return [[Fraction(0)] * T.ncols() for _ in range(rows)]
    cols = [[to_fraction(T[i, j]) for i in range(rows)] for j in range(T.ncols())]
    fitted = [least_squares([list(b) for b in B], col)[1] for col in cols]
    return [[fitted[j][i] for j in range(T.ncols())] for i in range(rows)]


def _matrix(layer: Layer) -> Matrix:
    return [list(row) for row in layer.W]


def _transpose(a: Matrix) -> Matrix:
    return [list(col) for col in zip(*a, strict=True)]


def _mul(a: Matrix, b: Matrix) -> Matrix:
    return [
        [sum((x * y for x, y in zip(row, col, strict=True)), Fraction(0)) for col in zip(*b, strict=True)]
        for row in a
    ]


def _add(a: Matrix, b: Matrix) -> Matrix:
    return [[x + y for x, y in zip(r, s, strict=True)] for r, s in zip(a, b, strict=True)]


def _abs(a: Matrix) -> Matrix:
    return [[abs(x) for x in row] for row in a]
