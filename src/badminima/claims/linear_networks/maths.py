"""Deep linear networks, the maths: exact second moments over ℚ, Kawaguchi's hypotheses, the reduced-rank
optimum L* (rigorous), and the Baldi–Hornik subspace critical points built exactly."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from badminima.arithmetic.flint_bridge import fmpq_matrix, mpf_to_fraction, to_fmpq, to_fraction
from badminima.model.dataset import Dataset, Matrix
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import from_float
from badminima.verify.linear_points import is_deep_linear

if TYPE_CHECKING:
    import flint


EIGEN_PRECISION = 128
"""Bits of the rigorous eigenvalue enclosures of Σ."""

EIGEN_DIGITS = 50
"""Decimal digits of the mpmath eigenvectors behind the rational reduced-rank point."""


# ---------------------------------------------------------------------------------------------------
# Exact linear algebra over ℚ (flint fmpq_mat)


def _rows(m: flint.fmpq_mat) -> Matrix:
    return tuple(tuple(to_fraction(m[i, j]) for j in range(m.ncols())) for i in range(m.nrows()))


def _eye(n: int) -> flint.fmpq_mat:
    import flint

    m = flint.fmpq_mat(n, n)
    for i in range(n):
        m[i, i] = 1
    return m


def _columns(m: flint.fmpq_mat, cols: Sequence[int]) -> flint.fmpq_mat:
    import flint

    return flint.fmpq_mat(m.nrows(), len(cols), [m[i, j] for i in range(m.nrows()) for j in cols])


def _block(m: flint.fmpq_mat, rows: int, cols: int) -> flint.fmpq_mat:
    """``m`` in the top-left corner of a zero ``rows × cols`` matrix."""
    import flint

    out = flint.fmpq_mat(rows, cols)
    for i in range(m.nrows()):
        for j in range(m.ncols()):
            out[i, j] = m[i, j]
    return out


def matrix_trace(m: flint.fmpq_mat) -> Fraction:
    """The trace of a square rational matrix, exactly."""
    return sum((to_fraction(m[i, i]) for i in range(m.nrows())), Fraction(0))


def cayley(skew: Sequence[Fraction], n: int) -> Matrix:
    """The rational orthogonal matrix ``Q = (I − A)(I + A)⁻¹`` of the n × n skew-symmetric ``A`` whose
    strict upper triangle, row by row, is ``skew`` (n(n−1)/2 entries).

    ``I + A`` is invertible because a real skew-symmetric matrix has imaginary eigenvalues, and ``Q``
    is orthogonal because ``A`` commutes with ``(I ± A)``: ``QᵀQ = (I − A)⁻¹(I + A)(I − A)(I + A)⁻¹ = I``.

    Example:
        >>> cayley([Fraction(1)], 2)
        ((Fraction(0, 1), Fraction(-1, 1)), (Fraction(1, 1), Fraction(0, 1)))
    """
    import flint

    if len(skew) != n * (n - 1) // 2:
        raise ValueError(f"skew: expected {n * (n - 1) // 2} entries for n = {n}, got {len(skew)}")
    a = flint.fmpq_mat(n, n)
    for (i, j), v in zip(itertools.combinations(range(n), 2), skew, strict=True):
        a[i, j], a[j, i] = to_fmpq(v), -to_fmpq(v)
    eye = _eye(n)
    return _rows((eye - a) * (eye + a).inv())


# ---------------------------------------------------------------------------------------------------
# The data's second moments, the hypotheses, and the reduced-rank optimum


@dataclass(frozen=True)
class Moments:
    """Exact second moments of a dataset (centred when ``centred``): ``sxx`` = XᵀX, ``sxy`` = XᵀY,
    ``syy`` = YᵀY, and the means ``mean_x``, ``mean_y`` (column vectors; zero when not centred)."""

    n: int
    sxx: flint.fmpq_mat
    sxy: flint.fmpq_mat
    syy: flint.fmpq_mat
    mean_x: flint.fmpq_mat
    mean_y: flint.fmpq_mat
    centred: bool

    @property
    def coefficients(self) -> flint.fmpq_mat:
        """B = S_yx S_xx⁻¹ (d_y × d_x): the least-squares map. Needs S_xx invertible."""
        return self.sxy.transpose() * self.sxx.inv()

    @property
    def sigma(self) -> flint.fmpq_mat:
        """Σ = S_yx S_xx⁻¹ S_xy (d_y × d_y). Needs S_xx invertible."""
        return self.coefficients * self.sxy


def moments(dataset: Dataset, *, centred: bool) -> Moments:
    """The exact second moments of ``dataset``, about the means when ``centred`` (networks with biases)."""
    import flint

    X, Y = fmpq_matrix(dataset.X), fmpq_matrix(dataset.y)
    n = dataset.n_points
    ones = flint.fmpq_mat(1, n, [1] * n)
    mx = (ones * X).transpose() * flint.fmpq(1, n) if centred else flint.fmpq_mat(X.ncols(), 1)
    my = (ones * Y).transpose() * flint.fmpq(1, n) if centred else flint.fmpq_mat(Y.ncols(), 1)
    Xc = X - ones.transpose() * mx.transpose()
    Yc = Y - ones.transpose() * my.transpose()
    return Moments(n, Xc.transpose() * Xc, Xc.transpose() * Yc, Yc.transpose() * Yc, mx, my, centred)


def linear_hypotheses(network: Network, dataset: Dataset) -> str | None:
    """The first of Kawaguchi's hypotheses that ``(network, dataset)`` fails, or None; checked exactly.

    S_xx invertible; d_y ≤ d_x; S_xy of full rank d_y; Σ with d_y distinct eigenvalues (its
    characteristic polynomial is squarefree). Moments are centred when the network has biases.
    """
    if not is_deep_linear(network):
        return "not a deep linear network (identity units and output, mse, a hidden layer)"
    dx, dy = dataset.input_dim, dataset.output_dim
    if dy > dx:
        return "d_y > d_x"
    mo = moments(dataset, centred=network.bias)
    if mo.sxx.rank() < dx:
        return "S_xx singular" + (" (centred: needs N ≥ d_x + 1)" if network.bias else "")
    if mo.sxy.rank() < dy:
        return "S_xy not of full rank d_y"
    poly = mo.sigma.charpoly()
    if poly.gcd(poly.derivative()).degree() > 0:
        return "Σ has a repeated eigenvalue"
    return None


def bottleneck(network: Network) -> int:
    """r = min(hidden widths, d_y): the largest rank of ``W_L ⋯ W_1`` (with d_y ≤ d_x)."""
    return min(*network.widths[1:-1], network.widths[-1])


@dataclass(frozen=True)
class ReducedRank:
    """The global minimum of a deep linear network: ``optimum`` = L* as a ball, the eigenvalues of Σ
    (balls, descending), the rank ``r`` and ``gap`` = (λ_r − λ_{r+1})/N (λ_{d_y+1} = 0), the distance
    from L* to the nearest other critical value."""

    optimum: flint.arb
    eigenvalues: tuple[flint.arb, ...]
    rank: int
    gap: flint.arb
    trace: Fraction
    n: int


def reduced_rank_optimum(network: Network, dataset: Dataset) -> ReducedRank:
    """L* = (tr S_yy − λ_1 − ⋯ − λ_r)/N, the reduced-rank regression optimum, as a rigorous ball.

    The eigenvalues are the roots of Σ's characteristic polynomial over ℚ, isolated by flint (arb,
    `EIGEN_PRECISION` bits); nothing is computed through the network. Needs `linear_hypotheses`.

    Example:
        >>> net = Network((2, 1, 2), "identity", bias=False)
        >>> float(reduced_rank_optimum(net, Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])).optimum)
        0.5
    """
    import flint

    mo = moments(dataset, centred=network.bias)
    r = bottleneck(network)
    with flint.ctx.workprec(EIGEN_PRECISION):
        roots: list[Any] = mo.sigma.charpoly().complex_roots()
        lam = sorted((c.real for c, _ in roots), key=lambda b: b.mid(), reverse=True)
        trace = matrix_trace(mo.syy)
        top = sum(lam[:r], flint.arb(0))
        optimum = (flint.arb(to_fmpq(trace)) - top) / mo.n
        nxt = lam[r] if r < len(lam) else flint.arb(0)
        gap = (lam[r - 1] - nxt) / mo.n
    return ReducedRank(optimum, tuple(lam), r, gap, trace, mo.n)


def reduced_rank_point(network: Network, dataset: Dataset, *, digits: int = EIGEN_DIGITS) -> Point:
    """A rational point within ~10^-digits of the global minimum: the top-r subspace point
    ``A = U_r U_rᵀ B`` (eigenvectors of Σ by mpmath at ``digits`` digits, rounded to rationals), the
    first r units of every hidden layer carrying it, the last bias ``ȳ − A x̄``, all else zero."""
    import mpmath

    mo = moments(dataset, centred=network.bias)
    r = bottleneck(network)
    sigma = _rows(mo.sigma)
    with mpmath.workdps(digits + 10):
        S = mpmath.matrix([[mpmath.mpf(v.numerator) / v.denominator for v in row] for row in sigma])
        _, vecs = mpmath.eigsy(S)
        dy = len(sigma)
        # eigsy sorts ascending: the top r eigenvectors are the last r columns.
        cols = [[mpf_to_fraction(vecs[i, j]) for j in range(dy - 1, dy - 1 - r, -1)] for i in range(dy)]
    return _subspace_layers(network, mo, fmpq_matrix(cols), [_eye(r)] * (network.depth - 1))


def _subspace_layers(
    network: Network, mo: Moments, u_sub: flint.fmpq_mat, rescalings: Sequence[flint.fmpq_mat]
) -> Point:
    """The point of ``network`` that carries ``A = U_I U_Iᵀ B`` on the first p = |I| units of every
    hidden layer: ``W_1 = [C_1 U_Iᵀ B; 0]``, ``W_l = [[C_l C_{l−1}⁻¹, 0], [0, 0]]``,
    ``W_L = [U_I C_{L−1}⁻¹, 0]``; hidden biases 0 and the last bias ``ȳ − A x̄`` (with biases)."""
    p = u_sub.ncols()
    widths = network.widths
    if p > min(widths[1:-1]):
        raise ValueError(f"subset: {p} eigenvectors do not fit a hidden layer of width {min(widths[1:-1])}")
    B = mo.coefficients
    mats = [_block(rescalings[0] * u_sub.transpose() * B, widths[1], widths[0])]
    for lay in range(1, network.depth - 1):
        mats.append(_block(rescalings[lay] * rescalings[lay - 1].inv(), widths[lay + 1], widths[lay]))
    mats.append(_block(u_sub * rescalings[-1].inv(), widths[-1], widths[-2]))
    layers = []
    for lay, W in enumerate(mats):
        b = None
        if network.bias:
            if lay == len(mats) - 1:
                A = u_sub * u_sub.transpose() * B
                b = tuple(to_fraction(v) for v in (mo.mean_y - A * mo.mean_x).entries())
            else:
                b = tuple(Fraction(0) for _ in range(W.nrows()))
        layers.append(Layer(_rows(W), b))
    return Point(tuple(layers))


def rationalise(network: Network, theta: Sequence[float], *, denominator: int = 10**9) -> Point:
    """A float parameter vector as an exact point: each entry the nearest fraction whose denominator is
    at most ``denominator``."""
    return Point.unflatten(network, [from_float(v, "simplest", denominator=denominator) for v in theta])


def spectral_dataset(
    frame: Matrix,
    rotation: Matrix,
    eigenvectors: Matrix,
    singular_values: Sequence[Fraction],
    *,
    scale: Fraction = Fraction(1),
    residual: Matrix = (),
    mirrored: bool = False,
) -> Dataset:
    """A dataset whose Σ has the exact eigen-decomposition ``eigenvectors · diag(c σ²) · eigenvectorsᵀ``.

    ``frame`` (K × K) and ``rotation`` (d_x × d_x) are orthogonal, ``eigenvectors`` (d_y × d_y)
    orthogonal, σ = ``singular_values`` (d_y ≤ d_x). Inputs ``X = scale · frame[:, :d_x]`` (so
    XᵀX = scale²·I), targets ``Y = X Mᵀ + frame[:, d_x:] · residual`` with
    ``M = eigenvectors · diag(σ) · rotation[:, :d_y]ᵀ``; the residual (K − d_x rows) is orthogonal to
    the inputs, so S_xy = scale²·Mᵀ and Σ = scale²·M Mᵀ, while tr S_yy gains ‖residual‖². ``mirrored``
    appends the points (−x, −y): the data are then centred (for networks with biases) and every
    moment doubles, c = 2·scale².
    """
    import flint

    K, dx, dy = len(frame), len(rotation), len(eigenvectors)
    if dy > dx or dx > K:
        raise ValueError(f"shapes: expected d_y ≤ d_x ≤ K, got d_y={dy}, d_x={dx}, K={K}")
    if len(singular_values) != dy:
        raise ValueError(f"singular_values: expected {dy}, got {len(singular_values)}")
    if residual and (len(residual) != K - dx or any(len(r) != dy for r in residual)):
        raise ValueError(f"residual: expected {K - dx} rows of {dy} entries")
    F = fmpq_matrix(frame)
    Z = _columns(F, range(dx)) * to_fmpq(scale)
    D = flint.fmpq_mat(dy, dy)
    for i, s in enumerate(singular_values):
        D[i, i] = to_fmpq(s)
    M = fmpq_matrix(eigenvectors) * D * _columns(fmpq_matrix(rotation), range(dy)).transpose()
    Y = Z * M.transpose()
    if dx < K:
        G = fmpq_matrix(residual) if residual else flint.fmpq_mat(K - dx, dy)
        Y += _columns(F, range(dx, K)) * G
    X0, Y0 = _rows(Z), _rows(Y)
    if mirrored:
        X0 = X0 + tuple(tuple(-v for v in r) for r in X0)
        Y0 = Y0 + tuple(tuple(-v for v in r) for r in Y0)
    return Dataset(X0, Y0)


@dataclass(frozen=True)
class SubspaceCase:
    """A deep linear network, a dataset, the claimed orthonormal eigenvectors of its Σ (columns of
    ``eigenvectors``), the index set ``subset`` of the critical point, and one invertible p × p
    rescaling per hidden layer (p = len(subset))."""

    network: Network
    dataset: Dataset
    eigenvectors: Matrix
    subset: tuple[int, ...]
    rescalings: tuple[Matrix, ...] = field(default=())


def subspace_point(case: SubspaceCase) -> Point:
    """The Baldi–Hornik critical point of ``case.subset`` (all layers as in `_subspace_layers`),
    with the moments taken from the dataset itself."""
    net = case.network
    mo = moments(case.dataset, centred=net.bias)
    u_sub = _columns(fmpq_matrix(case.eigenvectors), case.subset)
    p = len(case.subset)
    scales = [fmpq_matrix(c) for c in case.rescalings] or [_eye(p)] * (net.depth - 1)
    return _subspace_layers(net, mo, u_sub, scales)


def top_subset(case: SubspaceCase) -> tuple[int, ...]:
    """The indices of the p largest eigenvalues uᵢᵀ Σ uᵢ (p = len(case.subset)), ascending."""
    mo = moments(case.dataset, centred=case.network.bias)
    U = fmpq_matrix(case.eigenvectors)
    lam = matrix_diagonal(U.transpose() * mo.sigma * U)
    order = sorted(range(len(lam)), key=lambda i: lam[i], reverse=True)
    return tuple(sorted(order[: len(case.subset)]))


def matrix_diagonal(m: flint.fmpq_mat) -> list[Fraction]:
    """The diagonal entries of a square rational matrix, exactly."""
    return [to_fraction(m[i, i]) for i in range(m.nrows())]


def subspace_hypotheses(case: SubspaceCase) -> str | None:
    """The first hypothesis ``case`` fails, or None; exact. Kawaguchi's data hypotheses
    (`linear_hypotheses`); the eigenvectors orthonormal and diagonalising Σ exactly; p = |subset| below
    d_y and within every hidden width; rescalings invertible; the subset not the top one."""
    net, data = case.network, case.dataset
    reason = linear_hypotheses(net, data)
    if reason is not None:
        return reason
    dy = data.output_dim
    U = fmpq_matrix(case.eigenvectors)
    if (U.nrows(), U.ncols()) != (dy, dy) or U.transpose() * U != _eye(dy):
        return "eigenvectors not orthonormal"
    D = U.transpose() * moments(data, centred=net.bias).sigma * U
    if any(D[i, j] != 0 for i in range(dy) for j in range(dy) if i != j):
        return "eigenvectors do not diagonalise Σ"
    p = len(case.subset)
    if len(set(case.subset)) != p or not set(case.subset) <= set(range(dy)) or not 0 < p < dy:
        return "subset: expected 1 ≤ p < d_y distinct eigenvector indices"
    if p > min(net.widths[1:-1]):
        return "subset larger than the narrowest hidden layer"
    if case.rescalings and (
        len(case.rescalings) != net.depth - 1 or any(fmpq_matrix(c).rank() < p for c in case.rescalings)
    ):
        return "rescalings: expected one invertible p × p matrix per hidden layer"
    if tuple(sorted(case.subset)) == top_subset(case):
        return "subset is the top one (the global minimum)"
    return None
