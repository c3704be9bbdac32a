"""Duplicated hidden units in networks with several outputs: where the split line stops being a line of
minima, and the direction of descent that proves it.

Let a one-hidden-layer network have output weight *vectors* v_j ∈ R^K (K = d_out ≥ 1), pre-activation
outputs p(x) = c + Σ_j v_j σ(w̃_j·x̃) (x̃ = (x, 1), w̃_j = (w_j, b_j)) and loss F = (1/N) Σ_i ℓ_i(p(x_i)),
with e_i = ∂ℓ_i/∂p ∈ R^K (any smooth head: identity output and mse, sigmoid output and mse or bce). Then

    ∂F/∂v_j = (1/N) Σ_i e_i σ(z_ij),   ∂F/∂w̃_j = Σ_k v_jk G_jk,   G_jk = (1/N) Σ_i e_ik σ'(z_ij) x̃_i.

Units a and b with w̃_a = w̃_b compute the narrower network's function with output vector V = v_a + v_b,
for *every* split of V: the equal-loss set through the lift is K-dimensional ({v_a + v_b = V}). At a
critical point θ* of the narrower network, ∂F/∂v = 0 and Σ_k V_k G_k = G V = 0 (G = (G_1 … G_K), a
(d₀+1) × K matrix); so the lift is critical exactly where G v_a = 0, which the narrower network's
criticality gives only on the line v_a = λV, v_b = (1 − λ)V (for K = 1 that is the whole set; Fukumizu
& Amari 2000). Off it, along v_a = λV + δ with δ ⟂ V, the gradient is ∂F/∂w̃_a = G δ = −∂F/∂w̃_b.

Second order. Along d = (Δv_a, Δv_b, Δw̃_a, Δw̃_b) = (t δ, −t δ, (1 − λ) ξ, −λ ξ) from the lift m, with
u_i = ξ·x̃_i, the outputs move by

    p(m + s d) − p(m) = s V u_i σ'(z_i)(λ(1 − λ) − (1 − λ)λ)
                        + s² (t δ u_i σ'(z_i) + ½ λ(1 − λ) V u_i² σ''(z_i)) + O(s³),

the first-order term vanishing identically; so the Gauss–Newton part of dᵀ∇²F d is 0 and

    dᵀ∇²F(m) d = 2t ξᵀ G δ + λ(1 − λ) ξᵀ A ξ,   A = (1/N) Σ_i (V·e_i) σ''(z_i) x̃_i x̃_iᵀ.

With t = 0 this is Fukumizu & Amari's criterion (λ(1 − λ)A definite: a line of minima, for K = 1). For
K ≥ 2 the term 2t ξᵀGδ is linear in t: whenever G restricted to V^⊥ is not zero (generic: G has K
columns and only V is forced into its kernel), some t makes dᵀ∇²F d < 0, for *every* λ — including the
split ends λ ∈ {0, 1} and the splits λ(1 − λ)A > 0 that are minima with one output. The Hessian has the
block [[0, ξᵀGδ], [ξᵀGδ, λ(1 − λ)ξᵀAξ]] on span{(δ, −δ, 0, 0), (0, 0, (1 − λ)ξ, −λξ)}: the null
direction (δ, −δ) of F's flat set is not a null direction of ∇²F, and ∇²F is indefinite. So a lift of a
narrower strict minimum (or saddle) is a saddle unless G V^⊥ = 0 exactly, a single equation on the
unknown exact critical point that balls cannot prove in general; such lifts stay ``inconclusive``, except
in the one exact case below.

The proof (`badminima.verify.lift.lift_duplicated_minimum`): the narrower minimum is proved in a box by
the box method, its exact lift L_λ(θ*) is critical and within max(1, |λ|, |1 − λ|)·r of the lifted
centre; a fixed rational direction v with vᵀ∇²F v < 0 enclosed over that whole box (`lift.lifted_saddle`;
the Hessian's own most negative eigenvector first, else `cross_term_direction` from the formula above),
and a point along v whose loss is enclosed below the critical loss, make it a saddle (code
``lifted-saddle``; the argument is the one-output lifted saddle's, only the reason for the negative
curvature differs). Since the pair (w̃_a, w̃_b) sees σ(z_a) = σ(z_b) at the lift, G is read off the
Hessian itself: G_k = ∂²F/∂w̃_a∂v_ak − ∂²F/∂w̃_a∂v_bk.

One exact case makes G V^⊥ = 0 (identity output, mse): targets whose columns are affine in one column r,
y_k = α_k y_r + β_k on every sample (exact rationals; `affine_targets`). The box method proves the
narrower Hessian ≥ μ > 0 at θ*, so its output-k block (2/N)ΦᵀΦ (Φ the features [σ(z_i), 1]) is
invertible and the critical output weights are the unique least-squares fits θ_k = α_k θ_r + β_k e_c:
every residual e_k = α_k e_r, so G_k = α_k G_r, V_k = α_k V_r, and G V = V_r (Σ_k α_k²) G_r = 0 gives
G = 0 when V_r ≠ 0 (proved: |V_r(c)| > 2r). Then the whole K-dimensional set S = {v_a = μ, v_b = V* − μ}
(the rest at θ*) is critical with loss F*, and the Morse–Bott argument of `badminima.verify.lift` runs with
T = {Δv_ak = Δv_bk for every k} = D^⊥, D = span{e_{v_ak} − e_{v_bk}}: y = m(μ(y)) + t with
μ_k(y) = (y_{v_ak} − y_{v_bk} + V*_k)/2, so for ‖y − x̃‖∞ ≤ η (x̃ = L_λ0(c)) every coordinate of m lies
within η + 3r/2 of x̃ (v_a within η + r/2, v_b within r + η + r/2, the rest within r), hence the whole
segment [m, y]; the Hessian restricted to T proved ≥ μ' > 0 over that box gives F(y) ≥ F(m) = F*
(`proportional_split_minimum`, code ``lift-duplicated-units``).

Reference: K. Fukumizu, S. Amari, Neural Networks 13(3), 2000, Theorem 3 (one output); B. Simsek et al.,
ICML 2021 (embeddings of critical points of narrower networks).
"""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.curvature import MAX_BALL_HESSIAN, curvature_bound, curvature_bound_balls
from badminima.verify.descent import rational_direction
from badminima.verify.numerics import float_derivatives
from badminima.verify.parameter_box import ParameterBox


def unit_indices(network: Network, unit: int, layer: int = 0) -> tuple[list[int], list[int]]:
    """Flat indices of unit ``unit`` of hidden layer ``layer`` (0-based): its incoming weights and bias
    (w̃), and its outgoing weights (one per unit of the next layer; the output weights after the last
    hidden layer), in the package's order (each layer's W row-major, then its b).

    Example:
        >>> unit_indices(Network((2, 3, 2), "tanh"), 1)
        ([2, 3, 7], [10, 13])
        >>> unit_indices(Network((1, 2, 1, 1), "tanh"), 0, layer=1)
        ([4, 5, 6], [7])
    """
    start, after = network.layer_offsets[layer], network.layer_offsets[layer + 1]
    width, d = network.widths[layer + 1], network.widths[layer]
    incoming = [start + unit * d + m for m in range(d)] + ([start + width * d + unit] if network.bias else [])
    outgoing = [after + k * width + unit for k in range(network.widths[layer + 2])]
    return incoming, outgoing


def split_coupling(network: Network, hess: np.ndarray, a: int, b: int) -> np.ndarray:
    """G (a (d₀+1) × K matrix, G_k = (1/N) Σ_i e_ik σ'(z_i) x̃_i) read off a float Hessian at a lift where
    units a and b are duplicates: G_k = ∂²F/∂w̃_a∂v_ak − ∂²F/∂w̃_a∂v_bk (see the module docstring).

    Example:
        >>> H = np.zeros((9, 9)); H[0, 4] = H[4, 0] = 3.0
        >>> split_coupling(Network((1, 2, 1), "tanh"), H, 0, 1).tolist()
        [[3.0], [0.0]]
    """
    win, va = unit_indices(network, a)
    _, vb = unit_indices(network, b)
    return np.asarray(hess[np.ix_(win, va)] - hess[np.ix_(win, vb)], dtype=float)


def cross_term_direction(
    network: Network, hess: np.ndarray, a: int, b: int, lam: Fraction, V: np.ndarray
) -> tuple[Fraction, ...] | None:
    """A rational direction d = (tδ, −tδ, (1 − λ)ξ, −λξ) on (v_a, v_b, w̃_a, w̃_b) with dᵀ∇²F d < 0 in
    floats, ξ, δ the top singular pair of G restricted to V^⊥ and t the most negative ratio on that plane;
    None with one output, or when G V^⊥ is 0 in floats (no second-order descent of this kind).

    Example (a 1-2-2 net: G = [[1, 0], [0, 0]] with V = (0, 1), λ = 1/2, A = 0):
        >>> net = Network((1, 2, 2), "tanh")
        >>> H = np.zeros((net.n_params, net.n_params))
        >>> H[0, 4] = H[4, 0] = 1.0  # ∂²F/∂w_0∂v_00 − ∂²F/∂w_0∂v_01 = G_00 = 1
        >>> d = cross_term_direction(net, H, 0, 1, Fraction(1, 2), np.array([0.0, 1.0]))
        >>> x = np.array([float(v) for v in d]); float(x @ H @ x) < 0
        True
    """
    if network.widths[2] < 2:
        return None
    G = split_coupling(network, hess, a, b)
    V = np.asarray(V, dtype=float)
    if not np.any(V):
        return None
    proj = np.eye(len(V)) - np.outer(V, V) / float(V @ V)
    U, S, Wt = np.linalg.svd(G @ proj)
    top = max(1.0, float(np.max(np.abs(hess)))) if hess.size else 1.0
    if not S.size or S[0] <= 1e-9 * top:
        return None
    xi, delta = U[:, 0], proj @ Wt[0]
    win_a, va = unit_indices(network, a)
    win_b, vb = unit_indices(network, b)
    flat_v = np.zeros(network.n_params)
    flat_v[va], flat_v[vb] = delta, -delta
    flat_w = np.zeros(network.n_params)
    lf = float(lam)
    flat_w[win_a], flat_w[win_b] = (1 - lf) * xi, -lf * xi
    # The Hessian on span{flat_v, flat_w} (orthogonal: disjoint coordinates), relative to their Gram
    # matrix: its lowest generalised eigenvector is the most negative curvature on that plane.
    M = np.array([[flat_v @ hess @ flat_v, flat_v @ hess @ flat_w], [flat_w @ hess @ flat_v, 0.0]])
    M[1, 1] = flat_w @ hess @ flat_w
    scale = np.array([np.linalg.norm(flat_v), np.linalg.norm(flat_w)])
    eig, vecs = np.linalg.eigh(M / np.outer(scale, scale))
    if eig[0] >= 0:
        return None
    coeff = vecs[:, 0] / scale
    return rational_direction(coeff[0] * flat_v + coeff[1] * flat_w)


def affine_targets(dataset: Dataset) -> tuple[int, tuple[Fraction, ...], tuple[Fraction, ...]] | None:
    """(r, α, β) with y_ik = α_k y_ir + β_k exactly on every sample, r the first non-constant target
    column; None when no such relation holds (or every column is constant).

    Example:
        >>> data = Dataset.of([[0], [1], [2]], [[1, 3], [2, 5], [4, 9]])
        >>> affine_targets(data)
        (0, (Fraction(1, 1), Fraction(2, 1)), (Fraction(0, 1), Fraction(1, 1)))
        >>> affine_targets(Dataset.of([[0], [1], [2]], [[1, 3], [2, 5], [4, 8]])) is None
        True
    """
    Y = dataset.y
    K = len(Y[0])
    for ref in range(K):
        other = next((i for i in range(1, len(Y)) if Y[i][ref] != Y[0][ref]), None)
        if other is not None:
            break
    else:
        return None
    span = Y[other][ref] - Y[0][ref]
    alpha = tuple((Y[other][k] - Y[0][k]) / span for k in range(K))
    beta = tuple(Y[0][k] - alpha[k] * Y[0][ref] for k in range(K))
    if any(row[k] != alpha[k] * row[ref] + beta[k] for row in Y for k in range(K)):
        return None
    return ref, alpha, beta


def split_set_critical(network: Network, dataset: Dataset, small_center: Point, r: Fraction, a: int) -> bool:
    """Whether the whole K-dimensional split set {v_a + v_b = V*} of a duplicated pair is exactly critical,
    given the narrower network's strict minimum θ* proved within ``r`` of ``small_center`` (unit ``a``
    the merged one): identity output and mse, K ≥ 2 outputs, targets affine in one column r and
    |V_r*| > 0 proved (|V_r(c)| > 2r), so that G = 0 (module docstring).

    Example:
        >>> from badminima.model import Dataset, Network, Point
        >>> net = Network((1, 2, 2), "tanh")
        >>> data = Dataset.of([[0], [1], [2]], [[1, 3], [2, 5], [4, 9]])  # y₂ = 2y₁ + 1
        >>> small = Point.of([([[1]], [0]), ([[2], [4]], [1, 3])])
        >>> split_set_critical(net, data, small, Fraction(1, 10), 0)
        True
        >>> split_set_critical(net, data, small, Fraction(1), 0)  # V₁ = 2 might be 0 within 2r
        False
    """
    if network.output != "identity" or network.loss != "mse" or not network.bias or network.widths[2] < 2:
        return False
    rel = affine_targets(dataset)
    if rel is None:
        return False
    # V_r* might be 0 within the box: G V = 0 would not give G = 0
    return abs(small_center.layers[1].W[rel[0]][a]) > 2 * r


def proportional_split_minimum(
    network: Network,
    dataset: Dataset,
    point: Point,
    center: Point,
    small_center: Point,
    r: Fraction,
    a: int,
    b: int,
) -> tuple[Fraction, Fraction, Fraction] | None:
    """(η, tube, μ): every loss within η (∞-norm) of ``center`` = L_λ(c) is ≥ F*, by the Morse–Bott argument
    on the K-dimensional critical set of a split whose targets are affine in one column (module
    docstring); None when the case does not apply or the bound fails. ``small_center`` (c) and ``r`` are
    the narrower network's proved minimum box (its Hessian ≥ μ > 0 there), a < b the pair."""
    if not split_set_critical(network, dataset, small_center, r, a):
        return None
    offset = max(
        (abs(x - y) for x, y in zip(point.flatten(), center.flatten(), strict=True)), default=Fraction(0)
    )
    _, va = unit_indices(network, a)
    _, vb = unit_indices(network, b)
    P = network.n_params
    D = np.zeros((len(va), P))
    for k, (i, j) in enumerate(zip(va, vb, strict=True)):
        D[k, i], D[k, j] = 1.0, -1.0
    basis = np.linalg.svd(D)[2][len(va) :].T  # orthonormal basis of T = D^⊥ (P × (P − K))
    hess = float_derivatives(network, dataset, center)[2]
    basis = basis @ np.linalg.eigh(basis.T @ hess @ basis)[1]
    # Columns exactly in T (equal v_ak, v_bk entries): a proved positive definite QᵀHQ then makes
    # span(Q) = T exactly (P − K independent columns in the (P − K)-dimensional T).
    for i, j in zip(va, vb, strict=True):
        basis[i] = basis[j] = (basis[i] + basis[j]) / 2
    box = ParameterBox(network, dataset, center, 128)
    for eta in (2 * offset + r, 8 * offset + 4 * r, (offset + r) * 64):
        tube = eta + 3 * r / 2
        mu = curvature_bound(box.hessian(tube), basis)
        if mu is None and P <= MAX_BALL_HESSIAN:
            with box.ball.context():
                Q = flint.arb_mat(P, P - len(va), [float(v) for v in basis.ravel()])
                mu = curvature_bound_balls(box.hessian_balls(tube), Q)
        if mu is not None:
            return eta, tube, mu
    return None
