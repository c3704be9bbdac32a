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

The package: ``maths`` (moments, hypotheses, L*, the subspace points), ``strategies`` (the drawn
examples), ``checks`` (examining one example, running the claims: `CLAIMS`).
"""

from badminima.claims.linear_networks.checks import (
    CLAIMS,
    RELATIVE_TOLERANCE,
    SOURCE_BH,
    SOURCE_K,
    MinimaRecord,
    examine_linear_minima,
    examine_subspace,
    judge_minimum,
    judge_saddle,
)
from badminima.claims.linear_networks.maths import (
    EIGEN_DIGITS,
    EIGEN_PRECISION,
    Moments,
    ReducedRank,
    SubspaceCase,
    bottleneck,
    cayley,
    is_deep_linear,
    linear_hypotheses,
    moments,
    rationalise,
    reduced_rank_optimum,
    reduced_rank_point,
    spectral_dataset,
    subspace_hypotheses,
    subspace_point,
    top_subset,
)
from badminima.claims.linear_networks.strategies import LinearProblem, linear_problems, subspace_cases

__all__ = [
    "CLAIMS",
    "EIGEN_DIGITS",
    "EIGEN_PRECISION",
    "RELATIVE_TOLERANCE",
    "SOURCE_BH",
    "SOURCE_K",
    "LinearProblem",
    "MinimaRecord",
    "Moments",
    "ReducedRank",
    "SubspaceCase",
    "bottleneck",
    "cayley",
    "examine_linear_minima",
    "examine_subspace",
    "is_deep_linear",
    "judge_minimum",
    "judge_saddle",
    "linear_hypotheses",
    "linear_problems",
    "moments",
    "rationalise",
    "reduced_rank_optimum",
    "reduced_rank_point",
    "spectral_dataset",
    "subspace_cases",
    "subspace_hypotheses",
    "subspace_point",
    "top_subset",
]
