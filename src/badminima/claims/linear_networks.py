"""Deep linear networks: every local minimum is global, and the critical points built from any other
eigenvector subspace than the top one are saddles (Baldi & Hornik 1989; Kawaguchi 2016).

The setting. Rows are data points: ``X`` (N × d_x), ``Y`` (N × d_y). A network with identity hidden
units, identity output and mse computes ``f(x) = A x + c`` with ``A = W_L ⋯ W_1`` of rank at most
``r = min(d_1, …, d_{L−1}, d_y)`` (the narrowest layer; we always have d_y ≤ d_x), and ``c`` any vector
when the last layer has a bias (else 0). With biases the best ``c`` for a given ``A`` is ``ȳ − A x̄``, so
everything below is computed on centred data; without biases on the raw data. Let

    S_xx = XᵀX,  S_xy = XᵀY,  S_yy = YᵀY,  B = S_yx S_xx⁻¹ (least-squares coefficients),
    Σ = S_yx S_xx⁻¹ S_xy = B S_xx Bᵀ,  eigenvalues λ_1 > ⋯ > λ_{d_y} > 0, orthonormal eigenvectors U.

Then ``N · loss(A) = tr S_yy − tr Σ + ‖(A − B) S_xx^{1/2}‖²_F`` (the package's mse: mean over points,
sum over outputs), and by Eckart–Young the best ``A`` of rank ≤ r is ``U_r U_rᵀ B``, so the global
minimum of the network is the *reduced-rank regression* optimum

    L* = (tr S_yy − λ_1 − ⋯ − λ_r) / N.

Baldi & Hornik (1989, Neural Networks 2(1):53–58) showed, for one hidden layer of width p ≤ d_y, that
the critical points of full rank are ``W_2 = U_I C``, ``W_1 = C⁻¹ U_Iᵀ B`` for a set ``I`` of p
eigenvector indices and an invertible p × p ``C``, with loss ``(tr S_yy − Σ_{i∈I} λ_i)/N``; only the top
set ``I = {1, …, p}`` is a minimum (the global one), every other one is a saddle. Kawaguchi (2016,
NeurIPS, "Deep learning without poor local minima", Theorem 2.3) extended "every local minimum is
global" to any depth and widths, under: ``S_xx`` and ``S_xy`` of full rank, d_y ≤ d_x, and Σ with d_y
distinct eigenvalues. Biases change nothing: at a local minimum of the biased network the last bias is
optimal, and fixing the other biases while the last one follows ``ȳ − A x̄`` shows that ``A`` is a local
minimum of the centred bias-free problem, hence global.

Two claims, checked two ways:

* ``linear-minima-are-global`` (numerical): on drawn data meeting the hypotheses (checked exactly over
  ℚ), ``L*`` is computed from Σ's characteristic polynomial with rigorous root isolation (flint arb,
  128 bits) — never through the network — and confirmed by the exact loss of a rational point next to
  the reduced-rank solution (eigenvectors by mpmath at 50 digits). Gradient descent from random starts
  (`badminima.search.starts`), Newton-polished and clustered with Hessian indices
  (`badminima.search.basins.survey`), must reach ``L*`` at every end point of index 0; an index-0
  end point clearly above ``L*`` is rationalised and handed to `certify` with the reduced-rank point as
  the better point: a certified bad local minimum would refute the claim. Evidence, not proof.
* ``linear-subspace-saddles`` (certified): datasets whose Σ has an exact rational eigen-decomposition
  (rational orthogonal matrices from the Cayley transform), the non-top subspace critical point built
  exactly, its gradient proved zero in exact arithmetic, and `certify` asked to prove it a saddle (an
  exact descent germ of order 2). The top point's exact loss must equal ``L*`` exactly. Depth 3 uses
  Kawaguchi's setting with the middle factors ``C_l C_{l−1}⁻¹`` (identity when C = I).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from badminima.claims.checking import (
    Agrees,
    CertifiedTrap,
    Claim,
    Finding,
    Found,
    Hunt,
    Outcome,
    Settings,
    Skip,
    Undecided,
    hunt,
)
from badminima.model.dataset import Dataset, Matrix
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.trap import Trap
from badminima.strategies import Numbers, datasets, rationals

if TYPE_CHECKING:
    import flint

    from badminima.verify.certificate import Certificate

SOURCE_BH = "Baldi & Hornik 1989, Neural Networks 2(1):53-58"
SOURCE_K = "Kawaguchi 2016, NeurIPS (Deep learning without poor local minima), Theorem 2.3"

EIGEN_PRECISION = 128
"""Bits of the rigorous eigenvalue enclosures of Σ."""

EIGEN_DIGITS = 50
"""Decimal digits of the mpmath eigenvectors behind the rational reduced-rank point."""

RELATIVE_TOLERANCE = 1e-7
"""A numerical minimum is 'at the optimum' when its float loss is within this (relative to the loss
scale tr S_yy/N, the loss of the zero map), and within a quarter of the gap to the next critical
value, of L*."""


# ---------------------------------------------------------------------------------------------------
# Exact linear algebra over ℚ (flint fmpq_mat)


def _q(x: Fraction | int) -> flint.fmpq:
    import flint

    v = Fraction(x)
    return flint.fmpq(v.numerator, v.denominator)


def _frac(x: flint.fmpq) -> Fraction:
    return Fraction(int(x.p), int(x.q))


def _mat(rows: Sequence[Sequence[Fraction | int]]) -> flint.fmpq_mat:
    import flint

    return flint.fmpq_mat(len(rows), len(rows[0]), [_q(v) for r in rows for v in r])


def _rows(m: flint.fmpq_mat) -> Matrix:
    return tuple(tuple(_frac(m[i, j]) for j in range(m.ncols())) for i in range(m.nrows()))


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


def _trace(m: flint.fmpq_mat) -> Fraction:
    return sum((_frac(m[i, i]) for i in range(m.nrows())), Fraction(0))


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
        a[i, j], a[j, i] = _q(v), -_q(v)
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

    X, Y = _mat(dataset.X), _mat(dataset.y)
    n = dataset.n_points
    ones = flint.fmpq_mat(1, n, [1] * n)
    mx = (ones * X).transpose() * flint.fmpq(1, n) if centred else flint.fmpq_mat(X.ncols(), 1)
    my = (ones * Y).transpose() * flint.fmpq(1, n) if centred else flint.fmpq_mat(Y.ncols(), 1)
    Xc = X - ones.transpose() * mx.transpose()
    Yc = Y - ones.transpose() * my.transpose()
    return Moments(n, Xc.transpose() * Xc, Xc.transpose() * Yc, Yc.transpose() * Yc, mx, my, centred)


def is_deep_linear(network: Network) -> bool:
    """Identity hidden units, identity output, mse, at least one hidden layer."""
    return (
        network.activation == "identity"
        and network.output == "identity"
        and network.loss == "mse"
        and network.depth >= 2
    )


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
        trace = _trace(mo.syy)
        top = sum(lam[:r], flint.arb(0))
        optimum = (flint.arb(_q(trace)) - top) / mo.n
        nxt = lam[r] if r < len(lam) else flint.arb(0)
        gap = (lam[r - 1] - nxt) / mo.n
    return ReducedRank(optimum, tuple(lam), r, gap, trace, mo.n)


def _to_fraction(x: Any) -> Fraction:
    """The exact value of an mpmath number."""
    man, exp = x.man_exp  # the magnitude's mantissa: the sign is apart
    return (-1 if x < 0 else 1) * Fraction(man) * Fraction(2) ** exp


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
        cols = [[_to_fraction(vecs[i, j]) for j in range(dy - 1, dy - 1 - r, -1)] for i in range(dy)]
    return _subspace_layers(network, mo, _mat(cols), [_eye(r)] * (network.depth - 1))


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
                b = tuple(_frac(v) for v in (mo.mean_y - A * mo.mean_x).entries())
            else:
                b = tuple(Fraction(0) for _ in range(W.nrows()))
        layers.append(Layer(_rows(W), b))
    return Point(tuple(layers))


# ---------------------------------------------------------------------------------------------------
# Claim 1: every local minimum is global (numerical evidence, suspicious points certified)


@dataclass(frozen=True)
class LinearProblem:
    """A deep linear network and a dataset for it."""

    network: Network
    dataset: Dataset


@st.composite
def linear_problems(
    draw: st.DrawFn,
    *,
    max_hidden_layers: int = 2,
    max_width: int = 3,
    max_inputs: int = 3,
    max_points: int = 6,
    numbers: Numbers = "rational",
) -> LinearProblem:
    """Deep linear networks (d_y ≤ d_x, 1..``max_hidden_layers`` hidden layers) with a regression
    dataset of small rationals (or ``numbers="float"``: float-valued numbers, down to 2^-20, whose
    losses can be too small for the float64 search's absolute tolerances), with enough points for S_xx
    to be invertible."""
    dx = draw(st.integers(1, max_inputs))
    dy = draw(st.integers(1, dx))
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_hidden_layers))
    bias = draw(st.booleans())
    net = Network((dx, *hidden, dy), "identity", bias=bias)
    least = dx + int(bias)
    data = draw(
        datasets(
            net, min_points=least, max_points=max(max_points, least + 1), task="regression", numbers=numbers
        )
    )
    return LinearProblem(net, data)


@dataclass
class MinimaRecord:
    """What `examine_linear_minima` saw, summed over examples (for the evidence lines): starts run,
    index-0 and higher-index clusters, runs that did not end critical, examples whose index-0 point
    above L* went to `certify`, and the largest |loss − L*|/(tr S_yy/N) of the index-0 points at L*."""

    starts: int = 0
    minima: int = 0
    saddles: int = 0
    unsettled: int = 0
    certified: int = 0
    worst: float = 0.0


def rationalise(network: Network, theta: Sequence[float], *, denominator: int = 10**9) -> Point:
    """A float parameter vector as an exact point: each entry the nearest fraction whose denominator is
    at most ``denominator``."""
    return Point.unflatten(network, [Fraction(float(v)).limit_denominator(denominator) for v in theta])


def judge_minimum(trap: Trap) -> Finding:
    """What a certificate of a suspicious minimum means for "every local minimum is global":
    BAD_LOCAL_MIN (a proved local minimum with a proved better point) refutes it; SADDLE agrees (the
    end point was a slow saddle); NOT_CRITICAL (about the rationalised point only), LOCAL_MIN without a
    proved better point and INCONCLUSIVE decide nothing."""
    from badminima.verify.certification import certify

    cert = certify(trap)
    v = cert.verdict.value
    if v == "bad-local-min":
        return Found("certified bad local minimum", CertifiedTrap(trap, cert, cert.reason))
    if v == "saddle":
        return Agrees("suspicious end point certified saddle", CertifiedTrap(trap, cert, cert.reason))
    if v == "not-critical":
        # Proved about the rationalised point only, which is almost never exactly critical: it says
        # nothing about the minimum the float end point approximates.
        return Undecided("suspicious end point: its rationalisation is not critical, which decides nothing")
    if v == "local-min":
        return Undecided(f"certified local minimum, not proved worse than the better point: {cert.reason}")
    return Undecided(f"suspicious end point not decided: {cert.reason}")


def examine_linear_minima(
    problem: LinearProblem,
    *,
    starts: int = 16,
    seed: int = 0,
    initial: Sequence[Sequence[float]] | None = None,
    record: MinimaRecord | None = None,
) -> Finding:
    """Check "every local minimum is global" on one problem: hypotheses exactly, L* rigorously, then
    ``starts`` Adam runs (from random points drawn with ``seed``, or from the rows of ``initial``),
    polished and clustered; every index-0 end point must be at L*, and one that is not is certified.

    Example:
        >>> net = Network((2, 1, 2), "identity", bias=False)
        >>> data = Dataset.of([[1, 0], [0, 1], [1, 1]], [[3, 0], [0, 1], [2, 2]])
        >>> examine_linear_minima(LinearProblem(net, data)).label  # doctest: +SKIP
        'every minimum reached L*'
    """
    net, data = problem.network, problem.dataset
    reason = linear_hypotheses(net, data)
    if reason is not None:
        return Skip(reason)
    import numpy as np

    from badminima.arithmetic.exact import ExactArithmetic
    from badminima.landscape.losses import loss
    from badminima.search.basins import survey
    from badminima.search.starts import Optimizer, Stopping, multistart
    from badminima.verify.box import ball_bounds

    ref = reduced_rank_optimum(net, data)
    star, gap = float(ref.optimum.mid()), float(ref.gap.lower())
    # The loss of the zero map: the scale of every loss on these data (positive: S_xy ≠ 0).
    scale = float(ref.trace) / ref.n
    better = reduced_rank_point(net, data)
    better_loss = loss(net, data, better, arith=ExactArithmetic())
    lo, hi = ball_bounds(ref.optimum)
    slack = Fraction(1, 10**20) * max(Fraction(1), hi)
    if not lo - slack <= better_loss <= hi + slack:
        # Eckart–Young says the rounded reduced-rank point sits within ~10^-50 of L*: either is wrong.
        return Undecided(f"the reduced-rank point's loss {float(better_loss)!r} is not L* = {ref.optimum}")
    tol = min(RELATIVE_TOLERANCE * scale, gap / 4)
    if tol < 1e-10 * scale:
        return Undecided(f"the gap to the next critical value ({gap:.3g}) is below float64 resolution")
    ends = multistart(
        net,
        data,
        starts,
        seed=seed,
        starts=None if initial is None else np.asarray(initial, dtype=float),
        optimizer=Optimizer("adam", 0.05),
        stopping=Stopping(max_steps=1000),
    )
    seen = survey(net, ends)
    minima = [p for p in seen.points if p.index == 0]
    if record is not None:
        record.starts += ends.k
        record.minima += len(minima)
        record.saddles += sum(1 for p in seen.points if p.index > 0)
        record.unsettled += seen.escaped + seen.diverged + seen.unconverged
    if not minima:
        return Undecided("no start ended at a minimum")
    low = [p for p in minima if p.loss < star - tol]
    if low:
        return Undecided(f"an end point has loss {low[0].loss!r} below L* = {star!r}: L* is wrong")
    high = [p for p in minima if p.loss > star + tol]
    if record is not None:
        at = [abs(p.loss - star) / scale for p in minima if p not in high]
        record.worst = max(record.worst, *at) if at else record.worst
    if not high:
        return Agrees("every minimum reached L*")
    if record is not None:
        record.certified += 1
    findings = []
    for suspect in high:
        trap = Trap(
            net,
            data,
            rationalise(net, ends.thetas[suspect.row]),
            better,
            name="linear-minimum-above-optimum",
            description=f"index-0 end point with loss {suspect.loss!r} > L* = {star!r}",
            source=f"badminima claims check linear-minima-are-global ({SOURCE_K})",
        )
        finding = judge_minimum(trap)
        if isinstance(finding, Found):
            return finding
        findings.append(finding)
    # Every suspect agreed (saddle or not critical), or the first one that could not be decided.
    return next((f for f in findings if isinstance(f, Undecided)), findings[0])


def _run_minima(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    import torch

    starts = {"ci": 16, "dev": 32, "thorough": 64}[settings.profile]
    record = MinimaRecord()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        h: Hunt[LinearProblem] = hunt(
            linear_problems(max_hidden_layers=3 if settings.profile == "thorough" else 2),
            lambda p: examine_linear_minima(p, starts=starts, record=record),
            settings,
            progress=progress,
        )
    finally:
        torch.set_num_threads(threads)
    evidence = [
        "numerical evidence, not a proof: Adam from random starts, end points Newton-polished, clustered "
        "modulo symmetry and classified by Hessian index; index-0 end points clearly above L* are "
        "rationalised and certified",
        f"hypotheses checked exactly over Q; L* = (tr S_yy - top r eigenvalues of Σ)/N from Σ's "
        f"characteristic polynomial by arb root isolation ({EIGEN_PRECISION} bits), confirmed by the "
        f"exact loss of a rational reduced-rank point",
        f"{record.starts} starts: {record.minima} index-0 cluster(s) (distinct modulo sign and scale "
        f"symmetries; the GL(p) symmetry of linear units is not modelled, so one minimum shows as many), "
        f"those at L* within {record.worst:.2g} of it relative to tr S_yy/N; {record.saddles} cluster(s) "
        f"of index > 0; "
        f"{record.unsettled} run(s) escaped, diverged or did not settle",
        f"{record.certified} example(s) had an index-0 end point above L*, handed to certify",
    ]
    return h.outcome(claim, evidence=evidence)


# ---------------------------------------------------------------------------------------------------
# Claim 2: the non-top eigenvector subspaces are saddles (certified)


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
    F = _mat(frame)
    Z = _columns(F, range(dx)) * _q(scale)
    D = flint.fmpq_mat(dy, dy)
    for i, s in enumerate(singular_values):
        D[i, i] = _q(s)
    M = _mat(eigenvectors) * D * _columns(_mat(rotation), range(dy)).transpose()
    Y = Z * M.transpose()
    if dx < K:
        G = _mat(residual) if residual else flint.fmpq_mat(K - dx, dy)
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
    u_sub = _columns(_mat(case.eigenvectors), case.subset)
    p = len(case.subset)
    scales = [_mat(c) for c in case.rescalings] or [_eye(p)] * (net.depth - 1)
    return _subspace_layers(net, mo, u_sub, scales)


def top_subset(case: SubspaceCase) -> tuple[int, ...]:
    """The indices of the p largest eigenvalues uᵢᵀ Σ uᵢ (p = len(case.subset)), ascending."""
    mo = moments(case.dataset, centred=case.network.bias)
    U = _mat(case.eigenvectors)
    lam = _diagonal(U.transpose() * mo.sigma * U)
    order = sorted(range(len(lam)), key=lambda i: lam[i], reverse=True)
    return tuple(sorted(order[: len(case.subset)]))


def _diagonal(m: flint.fmpq_mat) -> list[Fraction]:
    return [_frac(m[i, i]) for i in range(m.nrows())]


def subspace_hypotheses(case: SubspaceCase) -> str | None:
    """The first hypothesis ``case`` fails, or None; exact. Kawaguchi's data hypotheses
    (`linear_hypotheses`); the eigenvectors orthonormal and diagonalising Σ exactly; p = |subset| below
    d_y and within every hidden width; rescalings invertible; the subset not the top one."""
    net, data = case.network, case.dataset
    reason = linear_hypotheses(net, data)
    if reason is not None:
        return reason
    dy = data.output_dim
    U = _mat(case.eigenvectors)
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
        len(case.rescalings) != net.depth - 1 or any(_mat(c).rank() < p for c in case.rescalings)
    ):
        return "rescalings: expected one invertible p × p matrix per hidden layer"
    if tuple(sorted(case.subset)) == top_subset(case):
        return "subset is the top one (the global minimum)"
    return None


def judge_saddle(trap: Trap) -> Finding:
    """What a certificate of a claimed saddle means: SADDLE agrees; LOCAL_MIN or BAD_LOCAL_MIN (a
    proved local minimum) refutes; anything else decides nothing."""
    from badminima.verify.certification import certify

    cert: Certificate = certify(trap)
    v = cert.verdict.value
    witness = CertifiedTrap(trap, cert, cert.reason)
    if v == "saddle":
        return Agrees(f"certified saddle, depth {trap.network.depth}", witness)
    if v in ("local-min", "bad-local-min"):
        return Found(f"certified {v} at a claimed saddle", witness)
    return Undecided(f"certify: {v}: {cert.reason}")


def examine_subspace(case: SubspaceCase) -> Finding:
    """Check "non-top subspace critical points are saddles" on one case, exactly: the hypotheses; the
    point's gradient is zero; its loss and the top point's are ``(tr S_yy − Σ_{i∈I} λ_i)/N``, and when
    p is the narrowest width the top one's lies in the enclosure of L* from Σ's characteristic
    polynomial (`reduced_rank_optimum`); then `certify` with the top point as the better point."""
    reason = subspace_hypotheses(case)
    if reason is not None:
        return Skip(reason)
    from badminima.arithmetic.exact import ExactArithmetic
    from badminima.landscape.derivatives import gradient
    from badminima.landscape.losses import loss

    net, data = case.network, case.dataset
    exact = ExactArithmetic()
    mo = moments(data, centred=net.bias)
    U = _mat(case.eigenvectors)
    lam = _diagonal(U.transpose() * mo.sigma * U)
    top = top_subset(case)
    point = subspace_point(case)
    best = subspace_point(SubspaceCase(net, data, case.eigenvectors, top))
    trace = _trace(mo.syy)
    for name, pt, subset in (("point", point, case.subset), ("top point", best, top)):
        if any(v != 0 for v in gradient(net, data, pt, arith=exact)):
            return Undecided(f"the {name} is not critical: a bug in the construction")
        expected = (trace - sum((lam[i] for i in subset), Fraction(0))) / mo.n
        if loss(net, data, pt, arith=exact) != expected:
            return Undecided(f"the {name}'s loss is not (tr S_yy − Σ_I λ_i)/N: a bug in the construction")
    if len(top) == bottleneck(net):
        from badminima.verify.box import ball_bounds

        lo, hi = ball_bounds(reduced_rank_optimum(net, data).optimum)
        optimum = (trace - sum((lam[i] for i in top), Fraction(0))) / mo.n
        if not lo <= optimum <= hi:
            return Undecided("the top point's loss is not the reduced-rank optimum L*: a bug")
    paper = SOURCE_BH if net.depth == 2 else SOURCE_K
    trap = Trap(
        net,
        data,
        point,
        best,
        name="linear-subspace-point",
        description=f"Baldi–Hornik critical point of eigenvector subset {list(case.subset)}; top {list(top)}",
        source=f"badminima claims check linear-subspace-saddles ({paper})",
    )
    return judge_saddle(trap)


def _lower_triangular(draw: st.DrawFn, p: int) -> Matrix:
    """An invertible p × p rescaling: lower triangular with a non-zero diagonal."""
    diagonal = rationals(max_numerator=2, max_denominator=2).filter(lambda v: v != 0)
    below = rationals(max_numerator=1)
    return tuple(
        tuple(draw(diagonal) if i == j else draw(below) if j < i else Fraction(0) for j in range(p))
        for i in range(p)
    )


def _skew(draw: st.DrawFn, n: int) -> tuple[Fraction, ...]:
    entry = rationals(max_numerator=3, max_denominator=3)
    return tuple(draw(st.lists(entry, min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2)))


@st.composite
def subspace_cases(
    draw: st.DrawFn, *, max_depth: int = 3, max_outputs: int = 3, max_inputs: int = 3, max_extra: int = 2
) -> SubspaceCase:
    """Cases with an exact eigen-decomposition (`spectral_dataset` from Cayley matrices), a drawn
    non-top subset of p < d_y eigenvectors, depth 2..``max_depth``, and lower-triangular rescalings."""
    dy = draw(st.integers(2, max_outputs))
    dx = draw(st.integers(dy, max(dy, max_inputs)))
    p = draw(st.integers(1, dy - 1))
    depth = draw(st.integers(2, max_depth))
    hidden = [draw(st.integers(p, p + 1)) for _ in range(depth - 1)]
    hidden[draw(st.integers(0, depth - 2))] = p
    bias = draw(st.booleans())
    K = draw(st.integers(dx, dx + max_extra))
    frame, rotation, eigenvectors = (cayley(_skew(draw, k), k) for k in (K, dx, dy))
    positive = st.builds(Fraction, st.integers(1, 6), st.integers(1, 2))
    sigma = draw(st.lists(positive, min_size=dy, max_size=dy, unique=True))
    residual = tuple(tuple(draw(rationals(max_numerator=2)) for _ in range(dy)) for _ in range(K - dx))
    scale = draw(st.sampled_from((Fraction(1), Fraction(1, 2), Fraction(2), Fraction(3, 2))))
    data = spectral_dataset(
        frame, rotation, eigenvectors, sigma, scale=scale, residual=residual, mirrored=bias
    )
    top = sorted(range(dy), key=lambda i: sigma[i], reverse=True)[:p]
    subsets = [s for s in itertools.combinations(range(dy), p) if set(s) != set(top)]
    subset = draw(st.sampled_from(subsets))
    scales = tuple(_lower_triangular(draw, p) for _ in range(depth - 1))
    net = Network((dx, *hidden, dy), "identity", bias=bias)
    return SubspaceCase(net, data, eigenvectors, subset, scales)


def _run_saddles(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    size = 4 if settings.profile == "thorough" else 3
    strategy = subspace_cases(max_depth=size, max_outputs=size, max_inputs=size)
    h = hunt(strategy, examine_subspace, settings, progress=progress)
    evidence = [
        "datasets built so that Σ = U diag(λ) Uᵀ exactly (U a Cayley-transform rational orthogonal matrix, "
        "λ = c·σ², σ distinct), checked exactly from the data; critical points W_1 = C_1 U_Iᵀ B, "
        "W_l = C_l C_(l-1)⁻¹, W_L = U_I C_(L-1)⁻¹",
        "per case: gradient zero in exact arithmetic at the subset point and the top point, both losses "
        "equal to (tr S_yy - Σ_I λ_i)/N exactly, the top one inside the arb enclosure of the reduced-rank "
        "optimum L* from Σ's characteristic polynomial, then certify (exact descent germ) on the subset "
        "point; depth 3 (4 under thorough) is Kawaguchi's deep case",
    ]
    return h.outcome(claim, evidence=evidence)


CLAIMS = (
    Claim(
        name="linear-minima-are-global",
        title="Deep linear networks: every local minimum is a global minimum",
        source=f"{SOURCE_BH} (one hidden layer); {SOURCE_K} (any depth)",
        statement=(
            "For a deep linear network (identity units and output) with squared loss, under the data "
            "hypotheses below, every local minimum is a global minimum; the global minimum loss is the "
            "reduced-rank regression optimum (tr S_yy - λ_1 - ... - λ_r)/N, r the narrowest width."
        ),
        hypotheses=(
            "identity hidden units and output, mse, at least one hidden layer; biases allowed (the "
            "moments are then centred: the last bias absorbs the offset)",
            "S_xx = XᵀX is invertible",
            "d_y ≤ d_x and S_xy = XᵀY has full rank d_y",
            "Σ = S_yx S_xx⁻¹ S_xy has d_y distinct eigenvalues",
        ),
        quantifier="all",
        kind="numerical",
        expected="held",
        examples={"ci": 4, "dev": 12, "thorough": 60},
        run=_run_minima,
    ),
    Claim(
        name="linear-subspace-saddles",
        title="Linear networks: critical points on non-top eigenvector subspaces are saddles",
        source=f"{SOURCE_BH} (one hidden layer); {SOURCE_K} (depth ≥ 3)",
        statement=(
            "For a linear network with a hidden layer of width p < d_y and squared loss, the critical "
            "point W_2 = U_I C, W_1 = C⁻¹ U_Iᵀ S_yx S_xx⁻¹ built from a set I of p eigenvectors of Σ is a "
            "saddle unless I is the top-p set, which is the global minimum (also for deeper networks)."
        ),
        hypotheses=(
            "identity hidden units and output, mse; biases allowed (centred moments)",
            "S_xx invertible, d_y ≤ d_x, S_xy of full rank, Σ with d_y distinct eigenvalues",
            "U orthonormal with UᵀΣU diagonal (checked exactly)",
            "1 ≤ p < d_y, p ≤ every hidden width, I ≠ the top-p set, C_l invertible",
        ),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 8, "dev": 30, "thorough": 200},
        run=_run_saddles,
    ),
)
