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
unknown exact critical point that balls cannot prove; such lifts stay ``inconclusive`` (no minimum is
claimed for K ≥ 2).

The proof (`badminima.verify.lift.lift_duplicated_minimum`): the narrower minimum is proved in a box by
the box method, its exact lift L_λ(θ*) is critical and within max(1, |λ|, |1 − λ|)·r of the lifted
centre; a fixed rational direction v with vᵀ∇²F v < 0 enclosed over that whole box (`lift.lifted_saddle`;
the Hessian's own most negative eigenvector first, else `cross_term_direction` from the formula above),
and a point along v whose loss is enclosed below the critical loss, make it a saddle (code
``lifted-saddle``; the argument is the one-output lifted saddle's, only the reason for the negative
curvature differs). Since the pair (w̃_a, w̃_b) sees σ(z_a) = σ(z_b) at the lift, G is read off the
Hessian itself: G_k = ∂²F/∂w̃_a∂v_ak − ∂²F/∂w̃_a∂v_bk.

Reference: K. Fukumizu, S. Amari, Neural Networks 13(3), 2000, Theorem 3 (one output); B. Simsek et al.,
ICML 2021 (embeddings of critical points of narrower networks).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from badminima.model.network import Network
from badminima.verify.descent import rational_direction


def unit_indices(network: Network, unit: int) -> tuple[list[int], list[int]]:
    """Flat indices of hidden unit ``unit``'s incoming weights and bias (w̃), and of its output weights
    (one per output), in the package's order (W₁ row-major, b₁, W₂ row-major, c).

    Example:
        >>> unit_indices(Network((2, 3, 2), "tanh"), 1)
        ([2, 3, 7], [10, 13])
    """
    d0, h, K = network.widths[0], network.widths[1], network.widths[2]
    incoming = [unit * d0 + m for m in range(d0)] + [h * d0 + unit]
    outgoing = [h * d0 + h + k * h + unit for k in range(K)]
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
