"""Exact proofs at degenerate critical points of deep linear networks (identity units and output, mse).

The loss is a polynomial in the weights, so everything here is exact over ℚ.

**Global minima.** The output is ``A x + c`` with ``A = W_L ⋯ W_1`` of rank at most r (the narrowest
width). With Z, Y₀ the inputs and targets (centred when the network has biases, which makes c free), Q
the projection onto the columns of Z and Σ = (QY₀)ᵀ(QY₀), every point has
N·loss ≥ ‖Y₀‖² − (λ₁ + ⋯ + λ_r)(Σ) (Eckart–Young; Baldi & Hornik 1989). Let V be the column space of
the point's A and P its orthogonal projection (both rational). If ΣV ⊆ V, and Σ on V is ≥ c ≥ Σ on V^⊥
for a rational c (tested exactly by the signs of the characteristic polynomials), then tr PΣ is the sum
of the top dim V eigenvalues, and the bound is the rational ‖Y₀‖² − tr PΣ (when dim V < r, Σ must
vanish on V^⊥). A point whose loss equals it is a global, hence local, minimum: non-strict,
``local-min``, rigor exact (code ``reduced-rank-optimum``).

**Flat saddles.** Perturb a set of weight layers i_1 < ⋯ < i_k (k ≥ 2) by rank-one matrices
``D_{i_1} = a_1 qᵀ``, ``D_{i_m} = a_m c_mᵀ``, ``D_{i_k} = e_p c_kᵀ`` (q on the input side of layer i_1,
bias included). Between consecutive members u < v, let z ↦ Sz + s be the unperturbed layers u+1..v−1
(S = I for v = u + 1) and require the link: ``W_v S a = 0`` (a, the output of D_u, is switched off by
the next perturbed layer's own weights) and ``cᵀ(S(W_u z + b_u) + s) = 0`` for every z (c, read by D_v,
sees nothing of what reaches layer v unperturbed), with ``cᵀ S a ≠ 0``. Then every term of the
expansion that mixes perturbed and unperturbed members vanishes, the outputs move by exactly
``t^k·Π(cᵀSa)·(W_L⋯W_{i_k+1} e_p)(qᵀ ã(x))`` (ã the activations entering layer i_1, with a 1 for the
bias), and loss(x + t v) = loss(x) − (2/N)·Π(cᵀSa)·G_pq·t^k + O(t^{2k}) with
G = (W_L⋯W_{i_k+1})ᵀ R ãᵀ, R the residuals: a descent of order k at an exactly critical point wherever
G ≠ 0, the sign of q chosen to make it one. This grows one singular direction through every layer at
once: the origin of a deep net, rank-deficient points whose hidden layers have a direction dead on both
sides (a = c = h), and their images under any invertible change of hidden basis (the links are
invariant under it, a dead direction is not). The package's exact germ
(`badminima.verify.descent.exact_descent`) re-derives the lowest term and exhibits the lower point; the
derivation above only proposes the direction. Code ``rank-growth-saddle``.

**Rounded points.** A point written to many digits is snapped to an exactly critical point within
its digits' reach (`linear_snap.snap_critical`: coordinate by coordinate to the simplest rationals, or
through the end-to-end map's rational family); only that point is classified (the verdict is about
it, within reach of the given point), otherwise the other answers stand.

References: P. Baldi, K. Hornik, Neural Networks 2(1), 1989; K. Kawaguchi, "Deep learning without poor
local minima", NeurIPS 2016; T. Laurent, J. von Brecht, ICML 2018; C. Yun, S. Sra, A. Jadbabaie,
"Global optimality conditions for deep neural networks", ICLR 2018.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction, fmpq_matrix, to_fmpq, to_fraction
from badminima.arithmetic.least_squares import least_squares, null_space, pivots
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.losses import loss
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import format_rational, rounding_scale
from badminima.progress import ProgressHook, noter, report
from badminima.verify.certificate import Verdict
from badminima.verify.descent import Descent, exact_descent
from badminima.verify.linear_snap import (
    SNAP_FACTOR,
    exactly_critical,
    simplest_between,
    simplest_coordinates,
    snap_critical,
)
from badminima.verify.options import CertifyOptions
from badminima.verify.outcome import Outcome
from badminima.verify.piecewise import certify_piecewise
from badminima.verify.suboptimality import LossEnclosure

EIGEN_PRECISION = 128
"""Bits of the ball enclosures that only propose the rational separator c (checked exactly)."""


def is_deep_linear(network: Network) -> bool:
    """Identity hidden units, identity output, mse, at least one hidden layer.

    Example:
        >>> is_deep_linear(Network((2, 2, 1), "identity")), is_deep_linear(Network((2, 1), "identity"))
        (True, False)
    """
    return (
        network.activation == "identity"
        and network.output == "identity"
        and network.loss == "mse"
        and network.depth >= 2
    )


# ---------------------------------------------------------------------------------------------------
# The rank-constrained optimum


@dataclass(frozen=True)
class RankOptimum:
    """The global minimum ``value`` of the network's loss, proved from the subspace V of dimension
    ``dimension`` (the column space of a point's end-to-end map): ``separator`` is the rational c with
    Σ ≥ c on V and Σ ≤ c on V^⊥ (None when no separation was needed), ``rank`` the narrowest width."""

    value: Fraction
    dimension: int
    rank: int
    separator: Fraction | None


def _layers(network: Network, point: Point) -> list[tuple[flint.fmpq_mat, flint.fmpq_mat | None]]:
    out = []
    for layer in point.layers:
        b = fmpq_matrix([[v] for v in layer.b]) if layer.b is not None else None
        out.append((fmpq_matrix(layer.W), b))
    return out


def _product(mats: list[flint.fmpq_mat], size: int) -> flint.fmpq_mat:
    """mats[-1] ⋯ mats[0], the identity of ``size`` for an empty list."""
    out = flint.fmpq_mat(size, size)
    for i in range(size):
        out[i, i] = 1
    for m in mats:
        out = m * out
    return out


def _columns(m: flint.fmpq_mat) -> list[tuple[Fraction, ...]]:
    return [tuple(to_fraction(m[i, j]) for i in range(m.nrows())) for j in range(m.ncols())]


def _from_columns(cols: list[tuple[Fraction, ...]], rows: int) -> flint.fmpq_mat:
    return flint.fmpq_mat(rows, len(cols), [to_fmpq(c[i]) for i in range(rows) for c in cols])


def _trace(m: flint.fmpq_mat) -> Fraction:
    return sum((to_fraction(m[i, i]) for i in range(m.nrows())), Fraction(0))


def _restricted(sigma: flint.fmpq_mat, basis: flint.fmpq_mat) -> flint.fmpq_mat:
    """Σ on the span of ``basis`` (assumed invariant) in that basis: (BᵀB)⁻¹BᵀΣB, similar to a
    symmetric matrix, so its characteristic polynomial is real-rooted."""
    return (basis.transpose() * basis).inv() * basis.transpose() * sigma * basis


def _all_roots_nonnegative(m: flint.fmpq_mat) -> bool:
    """For a matrix with real eigenvalues: all ≥ 0 iff det(xI − M) = Σ c_k x^k has (−1)^{n−k} c_k ≥ 0
    (then (−1)^n p(x) > 0 for every x < 0; the converse by expanding ∏(x − μ))."""
    n = m.nrows()
    coeffs = m.charpoly().coeffs()
    return all((-1) ** (n - k) * c >= 0 for k, c in enumerate(coeffs))


def _shifted(m: flint.fmpq_mat, c: Fraction, sign: int) -> flint.fmpq_mat:
    """sign·(M − cI)."""
    out = flint.fmpq_mat(m)
    for i in range(m.nrows()):
        out[i, i] = out[i, i] - to_fmpq(c)
    return out * sign


def _separators(inside: flint.fmpq_mat, outside: flint.fmpq_mat) -> list[Fraction]:
    """Rational candidates c between Σ's eigenvalues on V (``inside``) and on V^⊥ (``outside``): the
    simplest rational strictly between their ball enclosures when those are apart, else the rational
    eigenvalues the two share (a tie across the boundary)."""
    p_in, p_out = inside.charpoly(), outside.charpoly()
    with flint.ctx.workprec(EIGEN_PRECISION):
        roots_in: list[Any] = p_in.complex_roots()
        roots_out: list[Any] = p_out.complex_roots()
        lo_in = min(arb_to_fraction(r.real.lower()) for r, _ in roots_in)
        hi_out = max(arb_to_fraction(r.real.upper()) for r, _ in roots_out)
    if hi_out < lo_in:
        return [simplest_between(hi_out, lo_in)]
    common = p_in.gcd(p_out)
    if common.degree() < 1:
        return []
    _, factors = common.factor()
    return [-to_fraction(f[0]) / to_fraction(f[1]) for f, _ in factors if f.degree() == 1]


def _centred_data(
    network: Network, dataset: Dataset
) -> tuple[list[tuple[Fraction, ...]], list[tuple[Fraction, ...]]]:
    """The input and target columns, about their means when the network has biases."""
    n = dataset.n_points
    xs = [tuple(r[m] for r in dataset.X) for m in range(dataset.input_dim)]
    ys = [tuple(r[k] for r in dataset.y) for k in range(dataset.output_dim)]
    if network.bias:
        xs = [tuple(v - sum(c, Fraction(0)) / n for v in c) for c in xs]
        ys = [tuple(v - sum(c, Fraction(0)) / n for v in c) for c in ys]
    return xs, ys


def rank_optimum(network: Network, dataset: Dataset, point: Point) -> RankOptimum | None:
    """The global minimum of a deep linear network's loss, proved exactly from the column space of
    ``point``'s end-to-end map (see the module docstring), or None when that space does not prove it
    (not invariant under Σ, not the top eigenvalues, or ties at an irrational eigenvalue).

    Example:
        >>> net = Network((2, 1, 2), "identity", bias=False)
        >>> data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
        >>> top = Point.of([([[3, 0]], None), ([[1], [0]], None)])
        >>> rank_optimum(net, data, top).value  # (9 + 1 − 9)/2: the top direction kept
        Fraction(1, 2)
    """
    if not is_deep_linear(network):
        return None
    xs, ys = _centred_data(network, dataset)
    fitted = [tuple(least_squares(xs, y)[1]) for y in ys]
    n, dy = dataset.n_points, dataset.output_dim
    F = _from_columns(fitted, n)
    sigma = F.transpose() * F
    total = sum((v * v for y in ys for v in y), Fraction(0))
    r = min(network.widths)
    A = _product([W for W, _ in _layers(network, point)], dataset.input_dim)
    cols = _columns(A)
    basis = [cols[j] for j in pivots(cols)] if any(any(c) for c in cols) else []
    k = len(basis)
    if k > r:
        raise AssertionError(f"the end-to-end map has rank {k} > {r}: a bug in verify")
    perp = (
        null_space([list(b) for b in basis])
        if basis
        else [tuple(Fraction(int(i == j)) for i in range(dy)) for j in range(dy)]
    )
    Vb = _from_columns(basis, dy) if basis else None
    Pb = _from_columns(perp, dy) if perp else None
    if Vb is not None and Pb is not None and any(v != 0 for v in (Pb.transpose() * sigma * Vb).entries()):
        return None  # V is not invariant under Σ
    inside = _restricted(sigma, Vb) if Vb is not None else None
    outside = _restricted(sigma, Pb) if Pb is not None else None
    separator = None
    if outside is not None and k < r:
        if any(v != 0 for v in outside.entries()):
            return None  # rank to spare, yet Σ is not zero on V^⊥: a larger subspace does better
    elif outside is not None and inside is not None:
        for c in _separators(inside, outside):
            if _all_roots_nonnegative(_shifted(inside, c, 1)) and _all_roots_nonnegative(
                _shifted(outside, c, -1)
            ):
                separator = c
                break
        else:
            return None
    kept = _trace(inside) if inside is not None else Fraction(0)
    return RankOptimum((total - kept) / n, k, r, separator)


# ---------------------------------------------------------------------------------------------------
# Growth directions: a rank-one chain through switched-off hidden directions

MAX_CHAIN_LAYERS = 8
"""Chains are searched over every subset of weight layers up to this depth (2^L − L − 1 subsets)."""

MAX_GROWTH_CANDIDATES = 32
"""At most this many chains are handed to the exact germ, lowest order first."""


@dataclass(frozen=True)
class Growth:
    """A proposed descent: the weight layers ``layers`` (0-based, increasing) perturbed by a rank-one
    chain, of order ``len(layers)``; ``direction`` is flat (the order of `Point.flatten`)."""

    layers: tuple[int, ...]
    direction: tuple[Fraction, ...]

    @property
    def order(self) -> int:
        return len(self.layers)


def _rows(m: flint.fmpq_mat) -> list[list[Fraction]]:
    return [[to_fraction(m[i, j]) for j in range(m.ncols())] for i in range(m.nrows())]


def _vector(v: tuple[Fraction, ...]) -> flint.fmpq_mat:
    return fmpq_matrix([[c] for c in v])


def _link(
    layers: list[Any], u: int, v: int
) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...], Fraction] | None:
    """Vectors a (output side of layer u) and c (input side of layer v > u) with W_v S a = 0 and
    cᵀ(S(W_u z + b_u) + s) = 0 for every z, where z ↦ Sz + s is the unperturbed layers u+1..v−1, and
    cᵀSa ≠ 0 (returned too); None when there are none. For v = u + 1 (S = I) this is a direction
    switched off on both sides of a hidden layer, or a pair of them."""
    W_u, b_u = layers[u]
    S = _product([W for W, _ in layers[u + 1 : v]], W_u.nrows())
    lin, off = W_u, b_u
    for W, b in layers[u + 1 : v]:
        lin = W * lin
        off = W * off if off is not None else None
        off = off + b if off is not None and b is not None else off
    killed = null_space(_rows(layers[v][0] * S))
    rows = _rows(lin.transpose()) + (_rows(off.transpose()) if off is not None else [])
    blind = null_space(rows)
    for c in blind:
        for a in killed:
            value = to_fraction((_vector(c).transpose() * S * _vector(a))[0, 0])
            if value != 0:
                return a, c, value
    return None


def growth_directions(network: Network, dataset: Dataset, point: Point) -> list[Growth]:
    """Rank-one chains through switched-off hidden directions (module docstring), lowest order first:
    one per set of two or more weight layers whose consecutive members are linked (`_link`) and whose
    coupling G to the residuals is non-zero. Each is only a candidate for the exact germ.

    Example:
        >>> net = Network((1, 1, 1, 1), "identity", bias=False)
        >>> data = Dataset.of([[1], [2]], [[1], [3]])
        >>> [(g.order, g.direction) for g in growth_directions(net, data, Point.unflatten(net, [0, 0, 0]))]
        [(3, (Fraction(1, 1), Fraction(1, 1), Fraction(1, 1)))]
    """
    if not is_deep_linear(network) or network.depth > MAX_CHAIN_LAYERS:
        return []
    exact = ExactArithmetic()
    layers = _layers(network, point)
    L = len(layers)
    inputs = exact.matrix(list(zip(*dataset.X, strict=True)))
    fwd = forward(network, unflatten(network, exact.vector(point.flatten())), inputs, arith=exact)
    n = dataset.n_points
    residual = fmpq_matrix(
        [[dataset.y[i][k] - Fraction(fwd.z[-1][k, i]) for i in range(n)] for k in range(dataset.output_dim)]
    )
    links: dict[tuple[int, int], Any] = {}
    found = []
    for order in range(2, L + 1):
        for chosen in itertools.combinations(range(L), order):
            pairs = list(itertools.pairwise(chosen))
            for pair in pairs:
                if pair not in links:
                    links[pair] = _link(layers, *pair)
            if any(links[pair] is None for pair in pairs):
                continue
            first, last = chosen[0], chosen[-1]
            acts = [[Fraction(v) for v in row] for row in fwd.a[first]]
            if network.bias:
                acts.append([Fraction(1)] * n)
            upper = _product([W for W, _ in layers[last + 1 :]], network.widths[last + 1])
            G = upper.transpose() * residual * fmpq_matrix(acts).transpose()
            size, p, q = max(
                ((abs(to_fraction(G[p, q])), p, q) for p in range(G.nrows()) for q in range(G.ncols())),
                key=lambda e: e[0],
            )
            if size == 0:
                continue
            along = to_fraction(G[p, q])
            for pair in pairs:
                along *= links[pair][2]
            chain = [links[pair] for pair in pairs]
            found.append(Growth(chosen, _chain(network, chosen, chain, p, q, 1 if along > 0 else -1)))
            if len(found) >= MAX_GROWTH_CANDIDATES:
                return found
    return found


def _chain(
    network: Network, chosen: tuple[int, ...], links: list[Any], p: int, q: int, sign: int
) -> tuple[Fraction, ...]:
    """The flat direction D_first = a₁(±e_q)ᵀ, D_m = a_m c_mᵀ, D_last = e_p c_lastᵀ (zero elsewhere)."""
    flat: list[Fraction] = []
    for lay, (out, inp) in enumerate(network.layer_shapes):
        width = inp + int(network.bias)
        D = [[Fraction(0)] * width for _ in range(out)]
        if lay in chosen:
            k = chosen.index(lay)
            left = [Fraction(int(i == p)) for i in range(out)] if k == len(chosen) - 1 else list(links[k][0])
            if k == 0:
                right = [Fraction(sign * int(j == q)) for j in range(width)]
            else:
                right = [*links[k - 1][1], *([Fraction(0)] if network.bias else [])]
            D = [[a * c for c in right] for a in left]
        flat += [v for row in D for v in row[:inp]]
        if network.bias:
            flat += [row[inp] for row in D]
    return tuple(flat)


# ---------------------------------------------------------------------------------------------------
# The proof path


def _growth_saddle(
    network: Network, dataset: Dataset, point: Point, progress: ProgressHook | None
) -> tuple[Growth, Descent] | None:
    candidates = growth_directions(network, dataset, point)
    for j, g in enumerate(candidates):
        desc = exact_descent(
            network,
            dataset,
            point,
            g.direction,
            note=noter(progress, "rank-growth directions", j, len(candidates)),
        )
        if desc is not None:
            return g, desc
    return None


def _snapped(
    network: Network, out: Outcome, given: Point, center: Point, rho: Fraction, text: str
) -> Outcome:
    """``out`` (proved at the exactly critical ``center``) restated for the rounded ``given`` point."""
    offset = given.distance(center)
    simplest = center == simplest_coordinates(network, given)
    where = f"{SNAP_FACTOR} units of each coordinate's last digit" if simplest else "the digits' window"
    which = (
        "the point of the simplest rationals"
        if simplest
        else "a point of the end-to-end map's rational family (its product W_L⋯W_1 a rational critical "
        "product the digits allow, reached by the least change of the last, the first or a middle layer)"
    )
    note = (
        f"; the given point is written to a rounding scale ρ = {float(rho):.2g}, and {which} within "
        f"{where} (box_center in --json), "
        f"{float(offset):.2g} away (∞-norm), is exactly critical: the verdict is about that point"
    )
    return replace(
        out,
        reason=out.reason + note,
        loss=LossEnclosure(text, out.loss.lower, out.loss.upper),
        box_radius=offset,
        proof_radius=Fraction(0),
        box_center=center,
        steps=(*out.steps, f"snapped to an exactly critical point {float(offset):.2g} away"),
    )


def certify_linear_point(
    network: Network,
    dataset: Dataset,
    point: Point,
    fallback: Outcome,
    *,
    options: CertifyOptions,
    progress: ProgressHook | None = None,
) -> Outcome:
    """Where the piecewise-linear proofs left a deep linear network's point ``inconclusive``
    (``fallback``): prove it exactly critical (as given, or snapped within its rounding scale unless
    ``options.literal``), then a global minimum (`rank_optimum`) or a flat saddle (`growth_directions`);
    otherwise return ``fallback`` with the steps tried.

    Example:
        >>> from badminima.model import Trap
        >>> from badminima.verify import certify
        >>> net = Network((2, 1, 2), "identity", bias=False)
        >>> data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
        >>> top = Point.of([([[3, 0]], None), ([[1], [0]], None)])
        >>> certify(Trap(net, data, top), probes=0).code
        'reduced-rank-optimum'
    """
    if not is_deep_linear(network):
        return fallback
    steps = list(fallback.steps)
    report(progress, "deep linear: exact criticality")
    rho = rounding_scale(point.flatten())
    snapped = None
    if not exactly_critical(network, dataset, point):
        snapped = None if options.literal else snap_critical(network, dataset, point)
        if snapped is None:
            steps.append("deep linear: not exactly critical, and no exactly critical point within rounding")
            return replace(fallback, steps=tuple(steps))
    center = snapped if snapped is not None else point
    value = loss(network, dataset, center, arith=ExactArithmetic())
    exact = LossEnclosure(format_rational(value, decimal=False), value, value)
    report(progress, "deep linear: rank-constrained optimum")
    optimum = rank_optimum(network, dataset, center)
    if optimum is not None and optimum.value > value:
        raise AssertionError(
            f"rank-constrained optimum {optimum.value} above a loss {value}: a bug in verify"
        )
    found: Outcome | None = None
    if optimum is not None and optimum.value == value:
        sep = (
            f"Σ ≥ c on V and Σ ≤ c on V^⊥ for c = {format_rational(optimum.separator, decimal=False)}"
            if optimum.separator is not None
            else "no separation needed"
        )
        found = Outcome(
            Verdict.LOCAL_MIN,
            "exact",
            "reduced-rank-optimum",
            f"the exact gradient is zero, and the loss {format_rational(value, decimal=False)} equals the "
            f"global minimum of every network of rank ≤ {optimum.rank}: the column space V (dimension "
            f"{optimum.dimension}) of the end-to-end map W_L⋯W_1 is invariant under Σ and holds its top "
            f"eigenvalues ({sep}, proved exactly), so no point anywhere does better (Eckart–Young): a "
            f"global, hence local, minimum (not strict)",
            exact,
            box_radius=Fraction(0),
            steps=(*steps, "deep linear: the loss equals the proved rank-constrained optimum"),
            code="reduced-rank-optimum",
        )
    else:
        steps.append(
            "deep linear: the loss is above the proved rank-constrained optimum "
            f"{format_rational(optimum.value, decimal=False)}"
            if optimum is not None
            else "deep linear: the end-to-end map's column space does not prove the global optimum"
        )
        report(progress, "deep linear: rank-growth directions")
        saddle = _growth_saddle(network, dataset, center, progress)
        if saddle is not None:
            g, desc = saddle
            found = Outcome(
                Verdict.SADDLE,
                "exact",
                "exact-descent",
                f"the exact gradient is zero, and growing a rank-one chain through weight layers "
                f"{', '.join(map(str, g.layers))}, linked by directions switched off between them (a with "
                f"W_v S a = 0, c orthogonal to everything reaching layer v, cᵀSa ≠ 0), moves the output "
                f"only at order {g.order}: along it "
                f"loss(x + t v) − loss(x) = {format_rational(desc.coefficient, decimal=False)}"
                f"·t^{desc.order} + o(t^{desc.order}) for small t > 0, so the point is not a local minimum "
                f"(a flat saddle of a deep linear network)",
                exact,
                box_radius=Fraction(0),
                witness=desc.witness,
                witness_loss_upper=desc.witness_loss,
                steps=(*steps, f"deep linear: descent of order {desc.order} along a rank-one chain"),
                code="rank-growth-saddle",
            )
        elif center is not point:
            at = certify_piecewise(network, dataset, center, options=options, progress=progress)
            if at.verdict in (Verdict.SADDLE, Verdict.LOCAL_MIN):
                found = replace(at, steps=(*steps, *at.steps))
    if found is None:
        steps.append(
            "deep linear: no rank-growth descent, and not the rank-constrained optimum"
            + ("" if snapped is None else " (at the exactly critical point the given one rounds)")
        )
        return replace(fallback, steps=tuple(steps))
    if center is point:
        return replace(found, loss=LossEnclosure(fallback.loss.text, value, value))
    return _snapped(network, found, point, center, rho, fallback.loss.text)
