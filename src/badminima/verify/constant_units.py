"""Minima and saddles where every hidden unit is constant on the data (Yun, Sra & Jadbabaie 2019, Thm 2).

A hidden unit j of a one-hidden-layer smooth network is *constant on the data* when its pre-activation
z_ij = w_j·x_i + b_j is the same number β_j at every data point, i.e. w_j lies in
K = {u : u·(x_i − x_0) = 0 for all i} (K = {0} unless the inputs lie in a proper affine subspace, as in
Yun et al.'s collinear dataset). Such a unit only adds V_kj σ(β_j) to output k, so folding it into the
output bias reduces the network, when every unit is constant, to a constant model f_k = g(C_k) (g the
output activation), whose least-squares (or cross-entropy) optimum is g(C*_k) = ȳ_k, the target mean:
exact, no box needed.

The lift. M = {w_j ∈ K, c_k + Σ_j V_kj σ(β_j) = C*_k} is a manifold of points computing that optimum,
dimension h·(dim K + 1 + o). Every point of M is exactly critical when, for every output k,
Σ_i (ȳ_k − y_ik) x_i = 0 (the affine least-squares fit is the constant ȳ; checked in exact rationals):
the gradient along w_j is σ'(β_j) Σ_k V_kj (1/N) Σ_i ℓ'_ik x_i with ℓ'_ik ∝ ȳ_k − y_ik, and every
other entry is a multiple of Σ_i ℓ'_ik = 0. When those moments are not all 0, the points
of M whose output weights V_j lie in the null space of the moments' matrix (`residual_moments`) are still
exactly critical (with one output: V_j = 0), and always saddles (`_restricted_outputs_saddle`).

The proof (Morse–Bott). Take T = {δb = 0, δV = 0, δw_j ∈ K^⊥}, a fixed subspace transversal to M. Every y
in the box N = B(x̃, η) is exactly y = m(y) + t with t ∈ T and m(y) ∈ M: m keeps y's b and V, projects
each w_j onto K, and sets c_k = C*_k − Σ_j V_kj σ(β_j(y)). Balls bound ‖m(y) − x̃‖∞ ≤ R_m over all of
N. If the Hessian restricted to T is ≥ μ > 0 on the box B(x̃, max(η, R_m)) — which holds every segment
[m(y), y], because ∞-balls are convex — then F(y) = F(m) + ∇F(m)·t + ½ tᵀ∇²F(ξ)t ≥ F(m) = F*: every loss
in N is at least F*, attained on M ∩ N. The incoming weights of a constant unit are *not* an invariance
direction (only their K part is): they are in T, so their curvature — Yun et al.'s conditions
(C2.6)–(C2.7) — is what the proof checks. Where the Hessian on T has a proved negative direction
instead, the exactly critical point m(x̃) is a saddle and a point of lower loss is exhibited.

Reference: C. Yun, S. Sra, A. Jadbabaie, "Small nonlinearities in activation functions create bad local
minima in neural networks", ICLR 2019, Theorem 2 (dataset X = [[1, 0, 1/2], [0, 1, 1/2]], Y = [0, 0, 1];
the local minimum has W₁ = 0 and output u₁h(v₁) + u₂h(v₂) = 1/3, the least-squares constant).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure
from badminima.arithmetic.flint_bridge import to_fmpq, to_fraction as fmpq_fraction
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import last_place, may_round, relative_rounding, rounding_scale
from badminima.verify.box import BoxResult
from badminima.verify.certificate import Verdict
from badminima.verify.curvature import MAX_BALL_HESSIAN, curvature_bound, curvature_bound_balls
from badminima.verify.higher_order import cubic_descent, cubic_direction, second_derivative
from badminima.verify.lift import Lifted, lifted_saddle
from badminima.verify.numerics import float_derivatives
from badminima.verify.parameter_box import ParameterBox, ball_bounds

SMOOTH = ("sigmoid", "tanh")

ETAS = tuple(Fraction(1, 2**k) for k in (8, 16, 24, 32, 40))
"""Radii of the box N tried, largest first (each at least twice the distance to M)."""


def constant_units(network: Network, dataset: Dataset, point: Point) -> list[int]:
    """Hidden units of a one-hidden-layer network whose pre-activation is the same at every data point,
    exactly or to the point's rounding scale.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((2, 2, 1), "sigmoid")
        >>> data = Dataset.of([[1, 0], [0, 1], ["1/2", "1/2"]], [[0], [0], [1]])
        >>> constant_units(net, data, Point.of([([[0, 0], [1, 1]], [1, 2]), ([[1, 1]], [0])]))
        [0, 1]
    """
    if len(network.widths) != 3 or not network.bias:
        return []
    X = dataset.X
    tol = 4 * relative_rounding(point.flatten())
    spread = 1 + max((sum(abs(a - b) for a, b in zip(x, X[0], strict=True)) for x in X), default=0)
    out = []
    for j, w in enumerate(point.layers[0].W):
        moves = (abs(sum((a * (p - q) for a, p, q in zip(w, x, X[0], strict=True)), Fraction(0))) for x in X)
        # short weights are exact; rounded ones within the point's relative rounding of their own size
        size = max(Fraction(1), *map(abs, w))
        slack = tol * size * spread if any(last_place(a) for a in w) else Fraction(0)
        if all(m <= slack for m in moves):
            out.append(j)
    return out


def _row_space(rows: list[tuple[Fraction, ...]], dim: int) -> list[tuple[int, ...]]:
    """An integer basis of the span of ``rows`` (the standard basis when they span everything)."""
    if not rows:
        return []
    rref, rank = flint.fmpq_mat(len(rows), dim, [to_fmpq(v) for r in rows for v in r]).rref()
    if rank == dim:
        return [tuple(int(i == k) for i in range(dim)) for k in range(dim)]
    basis = []
    for r in range(rank):
        row = [fmpq_fraction(rref[r, c]) for c in range(dim)]
        den = 1
        for v in row:
            den = den * v.denominator // np.gcd(den, v.denominator)
        basis.append(tuple(int(v * den) for v in row))
    return basis


@dataclass(frozen=True)
class DataGeometry:
    """The exact linear algebra of the lift: K^⊥'s integer basis, the projection P_K onto K, and the
    flat indices of the network's parameter blocks."""

    basis: list[tuple[int, ...]]
    P_K: list[list[Fraction]]
    anchor: list[Fraction]  # P_K x_0: β_j = w_j·anchor + b_j for every w_j (their K part decides)
    d0: int
    h: int
    o: int

    def w(self, j: int, m: int) -> int:
        return j * self.d0 + m

    def b(self, j: int) -> int:
        return self.h * self.d0 + j

    def V(self, k: int, j: int) -> int:
        return self.h * self.d0 + self.h + k * self.h + j

    def c(self, k: int) -> int:
        return self.h * self.d0 + self.h + self.o * self.h + k

    def transversal(self, P: int, units: Sequence[int] | None = None, free: Sequence[int] = ()) -> np.ndarray:
        """S: an exact integer basis of T as columns (w_j along K^⊥'s basis for every unit j of ``units``,
        all units by default; then every c_k; then a unit vector per flat index in ``free``)."""
        cols = []
        for j in range(self.h) if units is None else units:
            for vec in self.basis:
                col = np.zeros(P, dtype=np.int64)
                for m, v in enumerate(vec):
                    col[self.w(j, m)] = v
                cols.append(col)
        for k in range(self.o):
            col = np.zeros(P, dtype=np.int64)
            col[self.c(k)] = 1
            cols.append(col)
        for i in free:
            col = np.zeros(P, dtype=np.int64)
            col[i] = 1
            cols.append(col)
        return np.array(cols, dtype=np.int64).T


def data_geometry(network: Network, dataset: Dataset) -> DataGeometry:
    d0, h, o = network.widths
    X = dataset.X
    basis = _row_space([tuple(a - b for a, b in zip(x, X[0], strict=True)) for x in X[1:]], d0)
    # P_K = I − B(BᵀB)⁻¹Bᵀ over the rationals (d0 is small).
    P_K = [[Fraction(int(i == k)) for k in range(d0)] for i in range(d0)]
    if basis:
        B = flint.fmpq_mat(
            d0, len(basis), [flint.fmpq(basis[c][r]) for r in range(d0) for c in range(len(basis))]
        )
        proj = B * (B.transpose() * B).inv() * B.transpose()
        P_K = [[P_K[i][k] - fmpq_fraction(proj[i, k]) for k in range(d0)] for i in range(d0)]
    anchor = [sum((P_K[i][m] * v for m, v in enumerate(X[0])), Fraction(0)) for i in range(d0)]
    return DataGeometry(basis, P_K, anchor, d0, h, o)


def target_means(network: Network, dataset: Dataset) -> list[Fraction] | None:
    """The target means ȳ_k (None when a sigmoid output cannot reach one: ȳ_k ∉ (0, 1))."""
    N = len(dataset.y)
    means = [sum((y[k] for y in dataset.y), Fraction(0)) / N for k in range(network.widths[-1])]
    if network.output == "sigmoid" and not all(0 < m < 1 for m in means):
        return None
    return means


def residual_moments(network: Network, dataset: Dataset, means: list[Fraction]) -> list[list[Fraction]]:
    """A d₀ × o matrix A whose column k is D_k Σ_i (ȳ_k − y_ik) x_i, with D_k ∝ ∂ℓ/∂z at the constant
    optimum per unit of ȳ_k − y_ik (1 for an identity output or cross-entropy, ȳ_k(1 − ȳ_k) = σ'(C*_k)
    for a sigmoid output with mse): on M the gradient along w_j is σ'(β_j)·A V_j up to a positive factor,
    so the points of M with A V_j = 0 for every unit j are exactly critical.

    Example (two outputs on x = 0, 1, 2; output 0 fits a line, output 1 is constant):
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 2), "tanh")
        >>> data = Dataset.of([[0], [1], [2]], [[0, 1], [1, 1], [2, 1]])
        >>> residual_moments(net, data, [Fraction(1), Fraction(1)])
        [[Fraction(-2, 1), Fraction(0, 1)]]
    """
    d0, o = network.widths[0], network.widths[-1]
    sigmoid_mse = network.output == "sigmoid" and network.loss == "mse"
    cols = []
    for k, m in enumerate(means):
        D = m * (1 - m) if sigmoid_mse else Fraction(1)
        cols.append(
            [
                D * sum(((m - y[k]) * x[a] for x, y in zip(dataset.X, dataset.y, strict=True)), Fraction(0))
                for a in range(d0)
            ]
        )
    return [[cols[k][a] for k in range(o)] for a in range(d0)]


def output_projection(A: list[list[Fraction]]) -> list[list[Fraction]] | None:
    """The exact orthogonal projection of R^o onto null(A) (None when A = 0: every V_j is allowed)."""
    o = len(A[0])
    basis = [row for row in _row_space([tuple(r) for r in A if any(r)], o)]
    if not basis:
        return None
    B = flint.fmpq_mat(len(basis), o, [flint.fmpq(v) for r in basis for v in r])
    onto_rows = B.transpose() * (B * B.transpose()).inv() * B
    return [[int(i == k) - fmpq_fraction(onto_rows[i, k]) for k in range(o)] for i in range(o)]


def _projected_outputs(
    network: Network, point: Point, proj: list[list[Fraction]], tol: Fraction
) -> Point | None:
    """``point`` with every unit's output weights V_j projected onto null(A) by ``proj``, or None when
    some V_j is more than ``tol`` away from it (the point is not near that manifold)."""
    hidden, out = point.layers
    o, h = network.widths[-1], network.widths[1]
    V = [list(row) for row in out.W]
    for j in range(h):
        col = [V[k][j] for k in range(o)]
        new = [sum((proj[k][m] * col[m] for m in range(o)), Fraction(0)) for k in range(o)]
        if any(abs(a - b) > tol for a, b in zip(col, new, strict=True)):
            return None
        for k in range(o):
            V[k][j] = new[k]
    return Point((hidden, Layer(tuple(tuple(r) for r in V), out.b)))


def optimal_bias(ball: BallArithmetic, network: Network, mean: Fraction) -> Any:
    """C* with g(C*) = ȳ: ȳ itself for an identity output, logit(ȳ) for a sigmoid output (a ball)."""
    q = ball.constant(mean)
    return q if network.output == "identity" else (q / (1 - q)).log()


def exact_optimal_bias(network: Network, mean: Fraction) -> Fraction | None:
    """`optimal_bias` where it is rational: ȳ for an identity output, 0 = logit(1/2) for a sigmoid output
    at ȳ = 1/2; None where it is irrational (logit(ȳ), ȳ ≠ 1/2).

    Example:
        >>> net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
        >>> exact_optimal_bias(net, Fraction(1, 2)), exact_optimal_bias(net, Fraction(1, 3))
        (Fraction(0, 1), None)
    """
    if network.output == "identity":
        return mean
    return Fraction(0) if mean == Fraction(1, 2) else None


def distance_to_manifold(
    network: Network,
    geo: DataGeometry,
    point: Point,
    C: list[Any],
    eta: Fraction,
    ball: BallArithmetic,
    units: Sequence[int] | None = None,
) -> Fraction | None:
    """A proved bound on ‖m(y) − x̃‖∞ over every y with ‖y − x̃‖∞ ≤ ``eta`` (x̃ = ``point``) on the w_j
    and c_k coordinates, m(y) projecting w_j (j in ``units``, all by default) onto K and setting
    c_k = C_k − Σ_j V_kj σ(β_j(y)); ``C`` may be balls (every C_k in them is covered)."""
    x = point.flatten()
    d0, o = geo.d0, geo.o
    chosen = range(geo.h) if units is None else units
    # w: P_K y_w − x̃_w = P_K (y_w − x̃_w) − P_K⊥ x̃_w.
    norm_PK = max((sum(abs(v) for v in row) for row in geo.P_K), default=Fraction(0))
    far_w = Fraction(0)
    for j in chosen:
        w = [x[geo.w(j, m)] for m in range(d0)]
        for i in range(d0):
            perp = w[i] - sum((geo.P_K[i][m] * w[m] for m in range(d0)), Fraction(0))
            far_w = max(far_w, abs(perp))
    bound = max(eta, norm_PK * eta + far_w)
    # β_j(y) = y_w·(P_K x_0) + y_b varies by at most η(1 + ‖P_K x_0‖₁); c_k = C*_k − Σ_j V_kj σ(β_j).
    spread = eta * (1 + sum(abs(v) for v in geo.anchor))
    act = ball.sigmoid1 if network.activation == "sigmoid" else ball.tanh1
    with ball.context():
        for k in range(o):
            total = C[k]
            for j in chosen:
                beta = sum((x[geo.w(j, m)] * geo.anchor[m] for m in range(d0)), Fraction(0)) + x[geo.b(j)]
                beta_ball = ball.constant(beta) + flint.arb(0, ball.constant(spread).upper())
                v_ball = ball.constant(x[geo.V(k, j)]) + flint.arb(0, ball.constant(eta).upper())
                total = total - v_ball * act(beta_ball)
            if not total.is_finite():
                return None
            lo, hi = ball_bounds(total - ball.constant(x[geo.c(k)]))
            bound = max(bound, abs(lo), abs(hi))
    return bound


def constant_model_loss(
    network: Network, dataset: Dataset, means: list[Fraction], ball: BallArithmetic
) -> Any:
    """F* = the loss of the constant prediction ȳ (exact for mse; a ball for cross-entropy)."""
    N = len(dataset.y)
    if network.loss == "mse":
        return (
            sum(
                (sum(((m - y[k]) ** 2 for y in dataset.y), Fraction(0)) for k, m in enumerate(means)),
                Fraction(0),
            )
            / N
        )
    with ball.context():
        total = ball.constant(Fraction(0))
        for k, m in enumerate(means):
            q = ball.constant(m)
            for y in dataset.y:
                t = ball.constant(y[k])
                total = total - (t * q.log() + (1 - t) * (1 - q).log())
        return total / N


def transversal_curvature(
    box: ParameterBox, S: np.ndarray, tube: Fraction, H_mid: np.ndarray
) -> Fraction | None:
    """A proved μ > 0 with tᵀ∇²F t ≥ μ‖t‖² for every t in T = span(S) on the whole box of ``tube``, or
    None. With H_T = SᵀHS and t = S s: tᵀHt ≥ λ_min(H_T)‖s‖² ≥ λ_min(H_T)/λ_max(SᵀS)·‖t‖²."""
    St = S.T
    G = St @ S
    g_top = Fraction(int(np.max(np.abs(G).sum(axis=1))))
    R = np.linalg.eigh(St @ H_mid @ S)[1]  # H_T's eigenvectors: tight Gershgorin discs
    s = Enclosure.exact(S)
    mu = curvature_bound(s.T @ box.hessian(tube) @ s, R)
    P = len(S)
    if mu is None and P <= MAX_BALL_HESSIAN:
        with box.ball.context():
            Sb = flint.arb_mat(P, S.shape[1], [int(v) for v in S.ravel()])
            Rb = flint.arb_mat(len(R), len(R), [float(v) for v in R.ravel()])
            mu = curvature_bound_balls(Sb.transpose() * box.hessian_balls(tube) * Sb, Rb)
    return None if mu is None else mu / g_top


def constant_optimum(
    network: Network, dataset: Dataset, means: list[Fraction], ball: BallArithmetic
) -> tuple[list[Any], BoxResult]:
    """The constant model's optimal output biases C*_k (balls) and its loss F*, exact for mse."""
    with ball.context():
        C = [optimal_bias(ball, network, m) for m in means]
        F_star = constant_model_loss(network, dataset, means, ball)
        lo, hi = (F_star, F_star) if isinstance(F_star, Fraction) else ball_bounds(F_star)
    reduced = BoxResult(
        Verdict.LOCAL_MIN,
        "the constant model's optimum (exact)",
        128,
        radius=Fraction(0),
        proof_radius=Fraction(0),
        mu=None,
        loss_lower=lo,
        loss_upper=hi,
    )
    return C, reduced


def _restricted_outputs_saddle(
    network: Network, dataset: Dataset, center: Point, means: list[Fraction]
) -> Lifted | None:
    """Every hidden unit constant on the data and some residual moment A ≠ 0 (see `residual_moments`):
    M = {w_j ∈ K, A V_j = 0, c_k = C*_k − Σ_j V_kj σ(β_j)} is exactly critical with loss F*, and
    ``center`` (V_j already in null(A)) is within a proved R of its point m(center). Along u ∉ null(A)
    with δc = −σ(β_j)u the outputs do not move, so the Hessian pairs that direction with w_j through
    σ'(β_j)·uᵀAᵀ ≠ 0 beside a zero diagonal entry: indefinite, never a minimum. `lifted_saddle` proves
    the negative curvature over the box of radius R and exhibits a lower point."""
    geo = data_geometry(network, dataset)
    ball = BallArithmetic(128)
    C, reduced = constant_optimum(network, dataset, means, ball)
    if any(abs(v) > 2**52 for vec in geo.basis for v in vec):
        return None
    R = distance_to_manifold(network, geo, center, C, Fraction(0), ball)
    if R is None:
        return None
    units = ", ".join(str(j) for j in range(network.widths[1]))
    found = lifted_saddle(
        network,
        dataset,
        center,
        max(R, Fraction(1, 2**60)),
        reduced,
        f"hidden unit(s) {units} are constant on the data",
        "folded into the output bias they leave the constant model, whose optimum g(C*) = ȳ is exact; the "
        "residual moments Σ_i (ȳ_k − y_ik) x_i are not all 0, but the output weights lie (after an exact "
        "projection within the point's rounding) in the null space of their matrix A, so every point with "
        "those weights, incoming weights orthogonal to the data's affine span and c = C* − Σ_j V_j σ(β_j) "
        "is exactly critical, with the constant model's loss; there is",
    )
    return None if found is None else dataclasses.replace(found, code="lifted-constant-saddle")


def certify_constant_units(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """Prove a (non-strict) local minimum, or a saddle, at a point whose hidden units are all constant on
    the data, by the lift through the manifold M of the module docstring; None when the invariance is
    not exact here or neither proof goes through.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((2, 2, 1), "sigmoid")
        >>> data = Dataset.of([[1, 0], [0, 1], ["1/2", "1/2"]], [[0], [0], [1]])
        >>> point = Point.of([([[0, 0], [0, 0]], [-1, -2]), ([[1, 1]], ["-0.05481"])])
        >>> certify_constant_units(net, data, point).verdict.value  # hypotheses (C2.6)-(C2.7) hold
        'local-min'
    """
    if network.activation not in SMOOTH or len(network.widths) != 3 or not network.bias:
        return None
    if (network.output, network.loss) not in (("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce")):
        return None
    h = network.widths[1]
    if constant_units(network, dataset, point) != list(range(h)):
        return None
    means = target_means(network, dataset)
    if means is None:
        return None
    proj = output_projection(residual_moments(network, dataset, means))
    if proj is not None:
        o = network.widths[-1]
        center = _projected_outputs(network, point, proj, 4 * o * rounding_scale(point.flatten()))
        return None if center is None else _restricted_outputs_saddle(network, dataset, center, means)
    geo = data_geometry(network, dataset)
    if any(abs(v) > 2**52 for vec in geo.basis for v in vec):
        return None  # an integer basis beyond exact float64 values: the enclosure below cannot hold it
    ball = BallArithmetic(128)
    C, reduced = constant_optimum(network, dataset, means, ball)
    P = network.n_params
    S = geo.transversal(P)
    H_mid = float_derivatives(network, dataset, point)[2]
    units = ", ".join(str(j) for j in range(h))
    what = f"hidden unit(s) {units} are constant on the data"
    offset = distance_to_manifold(network, geo, point, C, Fraction(0), ball)
    if offset is None:
        return None
    box = ParameterBox(network, dataset, point, 128)
    for eta in sorted(
        {e for e in (*ETAS, 4 * offset, 2 * offset) if e >= 2 * offset and e > 0}, reverse=True
    ):
        R_m = distance_to_manifold(network, geo, point, C, eta, ball)
        if R_m is None:
            continue
        tube = max(eta, R_m)
        mu = transversal_curvature(box, S, tube, H_mid)
        if mu is None:
            continue
        dim_M = P - S.shape[1]
        return Lifted(
            Verdict.LOCAL_MIN,
            "constant units",
            point,
            eta,
            tube,
            mu,
            reduced,
            f"{what}: folded into the output bias they leave the constant model, whose optimum g(C*) = ȳ "
            f"(the target mean) is exact and, since Σ_i (ȳ − y_i) x_i = 0, lifts to a {dim_M}-dimensional "
            f"manifold of exactly critical points of equal loss (the units' biases and output weights, and "
            f"the part of their incoming weights orthogonal to the data's affine span); the Hessian on the "
            f"transversal directions (their incoming weights along that span, and the output bias) is ≥ "
            f"{float(mu):.3g}·I on the whole box of radius {float(tube):.3g}, so every loss within "
            f"{float(eta):.3g} (∞-norm) of the point is at least the manifold's (Morse–Bott)",
            code="lift-constant-units",
        )
    return lifted_saddle(
        network,
        dataset,
        point,
        offset,
        reduced,
        what,
        "the constant model's optimum is exact and lifts to a manifold of exactly critical points, so there "
        "is",
    ) or _silent_third_order(network, dataset, point, geo, C, reduced, what)


def silent_unit_direction(
    network: Network,
    geo: DataGeometry,
    j: int,
    u: Sequence[Fraction],
    kappa: Fraction,
    beta: Fraction,
    ball: BallArithmetic,
) -> list[Any]:
    """d = (δw_j = u, δV_j = −κ, δc = κσ(β_j)): a silent constant unit j (output weight 0, pre-activation
    β_j on every point) starts to speak while the output bias absorbs its constant part, so the output
    moves by −κs(σ(β_j + s u·x) − σ(β_j)): no term below s² in the output. δc is a ball (call in
    ``ball.context()``)."""
    act = ball.sigmoid1 if network.activation == "sigmoid" else ball.tanh1
    direction: list[Any] = [Fraction(0)] * network.n_params
    for m in range(geo.d0):
        direction[geo.w(j, m)] = u[m]
    direction[geo.V(0, j)] = -kappa
    direction[geo.c(0)] = ball.constant(kappa) * act(ball.constant(beta))
    return direction


def _silent_third_order(
    network: Network,
    dataset: Dataset,
    point: Point,
    geo: DataGeometry,
    C: list[Any],
    reduced: BoxResult,
    what: str,
) -> Lifted | None:
    """A third-order saddle (code ``higher-order-lifted-saddle``) on M where the residual moments vanish
    (so M is critical and the Hessian has no negative direction of this kind) and a unit j is silent.

    With one output, at m ∈ M with V_j = 0 every output is C*, so ℓ'_i = D(ȳ − y_i) (D > 0, see
    `residual_moments`). Along d = (δw_j = u, δV_j = −κ, δc = κσ(β_j)) the outputs move by
    Δp_i = −κs(σ(β_j + s u·x_i) − σ(β_j)) = −κs² σ'(β_j) u·x_i − ½κs³ σ''(β_j)(u·x_i)² + O(s⁴), so
    F(m + s d) − F* = (1/N) Σ_i ℓ'_i Δp_i + O(s⁴): the s² coefficient is −κσ'(β_j) D u·(1/N)Σ_i (ȳ − y_i)x_i
    = 0 exactly (the moments are 0 in rationals), the cubic one −½κσ''(β_j) D (1/N) Σ_i (ȳ − y_i)(u·x_i)².
    κ = sign of uᵀAu, A = Σ_i (ȳ − y_i)σ''(β_j) x_i x_iᵀ (`cubic_direction`), makes it negative; the
    proof encloses φ⁽³⁾(ξ)/6 below 0 for every base in the box of radius R around the centre (which holds
    m: its V_j is the centre's 0, the rest `distance_to_manifold`) and every ξ ∈ [0, s₀], δc a ball
    around κσ(β_j) (`curve_coefficients`); with φ'(0) = φ''(0) = 0 exactly at m, Taylor's theorem gives
    F(m + s d) < F* for 0 < s ≤ s₀, and a lower point is exhibited."""
    if network.widths[2] != 1 or reduced.loss_lower is None:
        return None
    tol = 4 * relative_rounding(point.flatten())
    means = target_means(network, dataset)
    assert means is not None
    x0 = point.flatten()
    X = np.array([[float(v) for v in x] for x in dataset.X])
    r = np.array([float(means[0] - y[0]) for y in dataset.y])
    ball = BallArithmetic(128)
    act = ball.sigmoid1 if network.activation == "sigmoid" else ball.tanh1
    for j in range(geo.h):
        if not may_round(x0[geo.V(0, j)], Fraction(0), tol):
            continue
        x = list(x0)
        x[geo.V(0, j)] = Fraction(0)
        for i in range(geo.d0):
            x[geo.w(j, i)] = sum((geo.P_K[i][m] * x0[geo.w(j, m)] for m in range(geo.d0)), Fraction(0))
        beta = sum((x[geo.w(j, m)] * geo.anchor[m] for m in range(geo.d0)), Fraction(0)) + x[geo.b(j)]
        chosen = cubic_direction(X, r * second_derivative(network.activation, np.array(float(beta))))
        if chosen is None:
            continue
        u, sign = chosen
        kappa = Fraction(sign)
        with ball.context():
            betas = [
                sum((x[geo.w(k, m)] * geo.anchor[m] for m in range(geo.d0)), Fraction(0)) + x[geo.b(k)]
                for k in range(geo.h)
            ]
            fold = sum(
                (ball.constant(x[geo.V(0, k)]) * act(ball.constant(b)) for k, b in enumerate(betas)),
                ball.constant(Fraction(0)),
            )
            x[geo.c(0)] = Fraction(float((C[0] - fold).mid()))
        center = Point.unflatten(network, x)
        R = distance_to_manifold(network, geo, center, C, Fraction(0), ball)
        if R is None:
            continue
        with ball.context():
            direction = silent_unit_direction(network, geo, j, u, kappa, beta, ball)
        found = cubic_descent(network, dataset, center, R, direction, reduced.loss_lower, ball)
        if found is None:
            continue
        return Lifted(
            Verdict.SADDLE,
            f"unit {j} constant on the data and silent",
            center,
            R,
            R,
            None,
            reduced,
            f"{what}: folded into the output bias they leave the constant model, whose optimum g(C*) = ȳ is "
            f"exact, and since Σ_i (ȳ − y_i) x_i = 0 (exact rationals) it lifts to a manifold of exactly "
            f"critical points of equal loss; the one within {float(R):.3g} of box_center has unit {j} "
            f"silent (output weight 0); along d (unit {j}'s incoming weights, its output weight −κ and the "
            f"output bias +κσ(β)) {found.explain()}",
            found.witness,
            found.upper,
            code="higher-order-lifted-saddle",
        )
    return None
