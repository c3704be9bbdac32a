"""Candidate descent directions at degenerate critical points of piecewise-linear networks.

Where every piece Hessian is positive semidefinite with zero eigenvalues, or a ReLU unit sits on its kink
at every data point, eigenvectors of negative eigenvalues find nothing. Two families of rays are then
worth handing to the exact germ (`badminima.verify.descent.exact_descent`):

* **Null directions.** Along an exact null vector v of a piece Hessian the second-order term vanishes,
  so the cubic or quartic term decides: a deep linear net at the origin has loss 5 − 7t³ along (1, 1, 1).
  The null space is computed over QQ (python-flint), then ± its basis, a few seeded random combinations
  and ± sums and differences of pairs are tried.
* **Kink cells.** For a unit with pre-activations exactly at zero, each cell (and face) of the arrangement
  of its kink hyperplanes {u : a_i·u = 0} in its incoming-weight space selects one piece. A direction u
  strictly inside the cell is completed by minimising that piece's quadratic form over every other
  coordinate, or, where the form is unbounded below, by following the unbounded direction. This finds the
  ReLU "unit birth" saddle (w = b = 0, output weight 0: the loss moves by 2s/N·Σ_i r_i relu(a_i·u)·t²).

Everything here is a heuristic in floats, rationalised: soundness comes from `exact_descent` alone.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.least_squares import null_space, to_fmpq, to_fraction
from badminima.errors import BackendError
from badminima.landscape.derivatives import hessian_of_flat
from badminima.landscape.forward_pass import KinkSide, forward, unflatten
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point

Vector = tuple[Fraction, ...]
Column = tuple[tuple[bool, ...], ...]

DEFAULT_LIMIT = 128
"""Default number of directions returned (each costs one exact germ, a few ms for ~20 parameters)."""

RANDOM_COMBINATIONS = 8
"""Seeded random combinations of each null-space basis (each tried with both signs)."""

CELL_SAMPLES = 48
"""Random samples per dimension of a unit's incoming-weight space (three or more dimensions)."""

FACE_SAMPLES = 8
"""Random samples within each kink hyperplane (three or more dimensions)."""

MAX_UNIT_CELLS = 48
"""At most this many cells and faces of one unit's kink arrangement are completed."""

_DIGITS = 12
_CELL_DIGITS = 8


def unit_coordinates(network: Network, layer: int, unit: int) -> list[int]:
    """Flat indices of the incoming weights (then the bias) of ``unit`` in weight layer ``layer``.

    Example:
        >>> unit_coordinates(Network((2, 3, 1), "relu"), 0, 1)
        [2, 3, 7]
    """
    offset = 0
    for lay, (out, inp) in enumerate(network.layer_shapes):
        if lay == layer:
            coords = [offset + unit * inp + m for m in range(inp)]
            return coords + ([offset + out * inp + unit] if network.bias else [])
        offset += out * inp + (out if network.bias else 0)
    raise IndexError(f"layer {layer} is not a weight layer of {network.describe()}")


def negative_direction(H: Sequence[Sequence[Fraction]]) -> Vector | None:
    """An exact v with vᵀHv < 0 when the symmetric rational H is not positive semidefinite, else None.

    Symmetric elimination on a basis B (H restricted to B is kept as A = BᵀHB): a negative diagonal entry
    is the answer; a positive one is eliminated from the rest (a congruence); when only zero diagonal
    entries remain, a non-zero A_ij gives B_i − sign(A_ij)·B_j with value −2|A_ij|, and an all-zero rest
    is positive semidefinite. Exact and complete, unlike a float eigenvector at a curvature of 1e-12·‖H‖.

    Example:
        >>> negative_direction([[Fraction(1), Fraction(2)], [Fraction(2), Fraction(3)]])  # det −1
        (Fraction(-2, 1), Fraction(1, 1))
        >>> negative_direction([[Fraction(1), Fraction(1)], [Fraction(1), Fraction(1)]]) is None
        True
    """
    n = len(H)
    A = [[Fraction(v) for v in row] for row in H]
    B = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    rest = list(range(n))
    while rest:
        negative = [i for i in rest if A[i][i] < 0]
        if negative:
            return tuple(B[negative[0]])
        positive = [i for i in rest if A[i][i] > 0]
        if not positive:
            for i, j in itertools.combinations(rest, 2):
                if A[i][j] != 0:
                    sign = 1 if A[i][j] > 0 else -1
                    return tuple(a - sign * b for a, b in zip(B[i], B[j], strict=True))
            return None
        k = positive[0]
        rest.remove(k)
        for j in rest:
            f = A[j][k] / A[k][k]
            if f:
                B[j] = [bj - f * bk for bj, bk in zip(B[j], B[k], strict=True)]
                for m in rest:  # every row j of the rest is reduced by row k: A stays symmetric
                    A[j][m] -= f * A[k][m]
    return None


class _Pieces:
    """Piece Hessians in floats as (1/N) Σ_i H_i(column_i): the loss is a sum over data points and
    point i's term depends only on its own mask column, so one cache of per-point Hessians serves every
    piece. They only steer the search, so 64-bit ball midpoints do (several times faster than exact)."""

    def __init__(self, network: Network, dataset: Dataset, point: Point, region: Region | None) -> None:
        self.network, self.dataset, self.point, self.region = network, dataset, point, region
        self.n = len(dataset.X)
        self.ball = BallArithmetic(64)
        self._cache: dict[tuple[int, Column | None], np.ndarray] = {}

    def base(self, side: KinkSide) -> list[Column | None]:
        """Per-point mask columns with every kink on ``side`` (None for identity networks)."""
        if self.region is None:
            return [None] * self.n
        masks = self.region.masks(side)
        return [tuple(tuple(bool(v) for v in m[:, i]) for m in masks) for i in range(self.n)]

    def _point_hessian(self, i: int, column: Column | None) -> np.ndarray:
        key = (i, column)
        if key not in self._cache:
            ball = self.ball
            with ball.context():
                inputs = ball.matrix([[v] for v in self.dataset.X[i]])
                targets = ball.matrix([[v] for v in self.dataset.y[i]])
                flat = ball.vector(self.point.flatten())
                masks = None if column is None else [np.array(c, dtype=bool).reshape(-1, 1) for c in column]
                H = hessian_of_flat(self.network, inputs, targets, flat, arith=ball, masks=masks)
            self._cache[key] = np.vectorize(ball.to_float, otypes=[float])(H)
        return self._cache[key]

    def hessian(self, columns: Sequence[Column | None]) -> np.ndarray:
        total = np.zeros((self.network.n_params, self.network.n_params))
        for i, c in enumerate(columns):
            total += self._point_hessian(i, c)
        out: np.ndarray = (total + total.T) / (2 * self.n)
        return out


def _exact_hessians(
    network: Network, dataset: Dataset, point: Point, region: Region | None
) -> list[Sequence[Sequence[Fraction]]]:
    """Exact Hessians of the pieces with every kink on one side (one piece without kinks)."""
    exact = ExactArithmetic()
    inputs = exact.matrix(list(zip(*dataset.X, strict=True)))
    targets = exact.matrix(list(zip(*dataset.y, strict=True)))
    flat = exact.vector(point.flatten())
    sides: tuple[KinkSide, ...] = (
        ("inactive", "active") if region is not None and region.kinks else ("active",)
    )
    return [
        hessian_of_flat(
            network, inputs, targets, flat, arith=exact, masks=region.masks(side) if region else None
        ).tolist()
        for side in sides
    ]


def _key(v: Sequence[Any]) -> tuple[Any, ...] | None:
    """``v`` scaled to ∞-norm 1 (one name per ray), None for the zero vector."""
    top = max((abs(c) for c in v), default=0)
    return tuple(c / top for c in v) if top else None


def _null_directions(basis: list[Vector], rng: np.random.Generator) -> Iterator[list[Vector]]:
    """Tiers of directions from one null basis, lazily: ± basis, then ± the sum and ± seeded random
    combinations, then ± sums and differences of pairs."""
    if not basis:
        return
    rows = [[to_fmpq(c) for c in b] for b in basis]

    def combo(coeffs: Sequence[int]) -> list[Vector]:
        out = [flint.fmpq(0)] * len(rows[0])
        for c, row in zip(coeffs, rows, strict=True):
            if c:
                out = [o + c * r for o, r in zip(out, row, strict=True)]
        plus = tuple(to_fraction(o) for o in out)
        return [plus, tuple(-c for c in plus)]

    k = len(basis)
    yield [d for j in range(k) for d in combo([int(i == j) for i in range(k)])]
    if k > 1:
        mixed = combo([1] * k)
        for _ in range(RANDOM_COMBINATIONS):
            mixed += combo([int(c) for c in rng.integers(-4, 5, size=k)])
        yield mixed
        for a, b in itertools.combinations(range(k), 2):
            yield combo([int(i in (a, b)) for i in range(k)]) + combo(
                [1 if i == a else -1 if i == b else 0 for i in range(k)]
            )


def _angle(r: Vector) -> float:
    return math.atan2(float(r[1]), float(r[0])) % (2 * math.pi)


def _plane_cells(normals: list[Vector]) -> list[Vector]:
    """Exact rational interior points of every cell and face of lines through the origin in the plane:
    the boundary rays ±(−a₂, a₁) sorted by angle, the sum of each consecutive pair (a quarter turn
    where they are opposite), and the rays themselves."""
    if not normals:
        return [
            (Fraction(1), Fraction(0)),
            (Fraction(-1), Fraction(0)),
            (Fraction(0), Fraction(1)),
            (Fraction(0), Fraction(-1)),
        ]
    rays: dict[Vector, float] = {}
    for a in normals:
        for sign in (1, -1):
            x, y = -sign * a[1], sign * a[0]
            top = max(abs(x), abs(y))
            ray: Vector = (x / top, y / top)
            rays[ray] = _angle(ray)
    ordered = sorted(rays, key=rays.__getitem__)
    cells = []
    for k, r in enumerate(ordered):
        nxt = ordered[(k + 1) % len(ordered)]
        mid = (r[0] + nxt[0], r[1] + nxt[1])
        cells.append(mid if any(mid) else (-r[1], r[0]))
    return cells + ordered


def _sampled_cells(normals: list[Vector], dim: int, rng: np.random.Generator) -> list[Vector]:
    """Interior points of the cells (and faces) of central hyperplanes in ``dim`` ≥ 3 dimensions that
    seeded random samples hit: the normalised mean of the samples sharing a sign vector, rationalised
    and projected exactly onto the hyperplanes it lies on."""
    A = np.array([[float(c) for c in a] for a in normals], dtype=float).reshape(len(normals), dim)
    samples = [rng.standard_normal((CELL_SAMPLES * dim, dim))]
    for a in A:
        s = rng.standard_normal((FACE_SAMPLES, dim))
        samples.append(s - np.outer(s @ a, a) / float(a @ a))
    groups: dict[tuple[int, ...], list[np.ndarray]] = {}
    for block in samples:
        for s in block:
            s = s / np.linalg.norm(s)
            dots = A @ s if len(A) else np.zeros(0)
            key = tuple(int(np.sign(d)) if abs(d) > 1e-12 else 0 for d in dots)
            groups.setdefault(key, []).append(s)
    out = []
    for key in sorted(groups, key=lambda k: (sum(1 for v in k if v == 0), k)):
        out.append(_rational_on_faces(np.mean(groups[key], axis=0), normals, key))
    return out


def _rational_on_faces(u: np.ndarray, normals: list[Vector], signs: tuple[int, ...]) -> Vector:
    """``u`` rationalised with the smallest denominators (10, 100, …) that keep the sign vector
    ``signs`` against ``normals``, projected exactly onto the hyperplanes where ``signs`` is 0 (so that a
    face direction keeps those pre-activations exactly at zero along the ray)."""
    uf = np.array(u, dtype=float) / float(np.max(np.abs(u)))
    q: list[Fraction] = []
    for digits in range(1, _CELL_DIGITS + 1):
        q = [Fraction(float(c)).limit_denominator(10**digits) for c in uf]
        for a, s in zip(normals, signs, strict=True):
            if s == 0:
                aa = sum((c * c for c in a), Fraction(0))
                dot = sum((c * d for c, d in zip(a, q, strict=True)), Fraction(0))
                q = [d - dot / aa * c for c, d in zip(a, q, strict=True)]
        dots = [sum((c * d for c, d in zip(a, q, strict=True)), Fraction(0)) for a in normals]
        if all((d > 0) - (d < 0) == s for d, s in zip(dots, signs, strict=True)) and any(q):
            break
    return tuple(q)


def _completions(H: np.ndarray, U: list[int], u: Vector) -> list[Vector]:
    """Full directions (u on ``U``, y elsewhere) with negative quadratic form vᵀHv: y minimises the form
    over the other coordinates, plus a step along the direction in which the form is unbounded below."""
    P = len(H)
    Fc = [k for k in range(P) if k not in U]
    uf = np.array([float(c) for c in u])
    if not np.all(np.isfinite(H)) or not np.all(np.isfinite(uf)):
        return []  # float overflow: these pieces are beyond a float-guided search
    scale = max(1.0, float(np.max(np.abs(H)))) if H.size else 1.0
    tol = 1e-9 * scale
    c = float(uf @ H[np.ix_(U, U)] @ uf)

    def rational(x: np.ndarray) -> list[Fraction]:
        top = float(np.max(np.abs(x))) if len(x) else 0.0
        if top == 0.0:
            return [Fraction(0)] * len(x)
        scale = Fraction(2) ** math.ceil(math.log2(top))  # a power of two keeps the numbers simple
        return [
            scale * Fraction(float(c) / float(scale)).limit_denominator(10**_DIGITS)
            if abs(c) > 1e-13 * top
            else Fraction(0)
            for c in x
        ]

    def full(y0: np.ndarray, e: np.ndarray | None = None, step: float = 0.0) -> Vector | None:
        if not np.all(np.isfinite(y0)) or not math.isfinite(step):
            return None
        y = rational(y0)
        if e is not None:
            eq = rational(e / float(np.max(np.abs(e))))
            s = Fraction(2) ** math.ceil(math.log2(step * float(np.max(np.abs(e)))))
            y = [a + s * b for a, b in zip(y, eq, strict=True)]
        top = max((abs(c) for c in y), default=Fraction(0))
        scale = Fraction(2) ** max(0, math.ceil(math.log2(top))) if top else Fraction(1)
        v = [Fraction(0)] * P
        for k, val in zip(U, u, strict=True):
            v[k] = val / scale
        for k, val in zip(Fc, y, strict=True):
            v[k] = val / scale
        return tuple(v)

    if not Fc:
        v = full(np.zeros(0))
        return [v] if v is not None and c < -tol else []
    A = H[np.ix_(Fc, Fc)]
    b = H[np.ix_(Fc, U)] @ uf
    lam, Q = np.linalg.eigh(A)
    beta = Q.T @ b
    pos, neg, null = lam > tol, lam < -tol, np.abs(lam) <= tol
    y0 = -Q[:, pos] @ (beta[pos] / lam[pos])
    q0 = c - float(np.sum(beta[pos] ** 2 / lam[pos]))
    out: list[Vector | None] = []
    if q0 < -tol * float(uf @ uf):
        out.append(full(y0))
    margin = abs(q0) + scale * float(uf @ uf)
    bn = beta[null]
    if float(np.linalg.norm(bn)) > 1e-9 * max(1.0, float(np.linalg.norm(b))):
        e = -Q[:, null] @ bn
        out.append(full(y0, e, margin / float(bn @ bn)))
    if np.any(neg):  # the most negative curvature only: the others would mostly repeat it
        k = int(np.argmin(lam))
        e = Q[:, k] * (-1.0 if beta[k] > 0 else 1.0)
        out.append(full(y0, e, 2 * math.sqrt(margin / -lam[k])))
    return [v for v in out if v is not None]


def _kinked_units(region: Region | None) -> dict[tuple[int, int], list[int]]:
    units: dict[tuple[int, int], list[int]] = {}
    for lay, u, i in region.kinks if region is not None else ():
        units.setdefault((lay, u), []).append(i)
    return units


def _kink_directions(pieces: _Pieces, rng: np.random.Generator) -> Iterator[Vector]:
    """Lazily, for each unit with kinks and each cell or face of its arrangement: the completions."""
    network, dataset, region = pieces.network, pieces.dataset, pieces.region
    units = _kinked_units(region)
    if not units:
        return
    exact = ExactArithmetic()
    inputs = exact.matrix(list(zip(*dataset.X, strict=True)))
    flat = exact.vector(pieces.point.flatten())
    masks = region.masks("inactive") if region is not None else None
    acts = forward(network, unflatten(network, flat), inputs, arith=exact, masks=masks).a
    bases = [pieces.base("inactive")]
    if any(lay > 0 for lay, _ in units):  # deeper kinks also move with the completed coordinates
        bases.append(pieces.base("active"))
    for (lay, unit), points in sorted(units.items()):
        U = unit_coordinates(network, lay, unit)
        normal_of = {i: _normal(acts, lay, i, network) for i in points}
        normals: list[Vector] = []
        for a in normal_of.values():
            if any(a) and a not in normals:
                normals.append(a)
        dim = len(U)
        if dim == 1:
            cells: list[Vector] = [(Fraction(1),), (Fraction(-1),)]
        elif dim == 2:
            cells = _plane_cells(normals)
        else:
            cells = _sampled_cells(normals, dim, rng)
        for u in cells[:MAX_UNIT_CELLS]:
            sides = {
                i: sum((c * d for c, d in zip(a, u, strict=True)), Fraction(0)) for i, a in normal_of.items()
            }
            for base in bases:
                columns: list[Column | None] = []
                for i, col in enumerate(base):
                    if i in sides and col is not None:
                        layers = [list(c) for c in col]
                        layers[lay][unit] = sides[i] > 0
                        col = tuple(tuple(c) for c in layers)
                    columns.append(col)
                yield from _completions(pieces.hessian(columns), U, u)


def _normal(acts: list[Any], lay: int, i: int, network: Network) -> Vector:
    """Gradient of pre-activation ``i`` of a unit in layer ``lay`` with respect to its incoming weights."""
    return tuple(Fraction(v) for v in acts[lay][:, i]) + ((Fraction(1),) if network.bias else ())


def descent_candidates(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region | None,
    *,
    limit: int = DEFAULT_LIMIT,
    seed: int = 0,
    hessians: Sequence[Sequence[Sequence[Any]]] | None = None,
) -> tuple[Vector, ...]:
    """A bounded, deterministic list of exact rational directions worth testing with `exact_descent` at a
    degenerate critical point: kink-cell directions with their best completion first (at most two thirds
    of ``limit``), then ± exact null vectors of the piece Hessians, random null combinations, ± pairs.

    Args:
        region: the exact activation region at ``point`` (None for identity networks).
        limit: at most this many directions (distinct rays) are returned.
        seed: seed of the random null combinations and of the cell samples in three or more dimensions.
        hessians: exact piece Hessians the caller already has (their null spaces are searched); when
            None, those of the pieces with every kink on one side are computed here.

    Example:
        >>> from badminima.model import Dataset, Network, Point
        >>> net = Network((1, 1, 1, 1), "identity", bias=False)
        >>> data = Dataset.of([[1], [2]], [[1], [3]])
        >>> zero = Point.unflatten(net, [0, 0, 0])
        >>> (1, 1, 1) in [tuple(map(int, v)) for v in descent_candidates(net, data, zero, None)]
        True
    """
    if not network.has_rational_loss:
        raise BackendError(
            f"descent candidates need a rational loss (piecewise-linear units, identity output, mse), "
            f"got {network.describe()}"
        )
    rng = np.random.default_rng(seed)
    pieces = _Pieces(network, dataset, point, region)
    seen: set[tuple[Any, ...]] = set()
    out: list[Vector] = []

    def take(directions: Iterable[Vector], cap: int) -> None:
        taken = 0
        for v in directions:
            key = _key(v)
            if len(out) >= limit or taken >= cap:
                return
            if key is not None and key not in seen:
                seen.add(key)
                out.append(v)
                taken += 1

    take(_kink_directions(pieces, rng), max(1, 2 * limit // 3))
    if hessians is None:
        hessians = _exact_hessians(network, dataset, point, region)
    tiers = [_null_directions(null_space(H), rng) for H in hessians]
    # Interleave the pieces tier by tier, so that each gets its basis and random combinations in.
    for batch in itertools.chain.from_iterable(itertools.zip_longest(*tiers, fillvalue=[])):
        take(batch, limit)
    return tuple(out)
