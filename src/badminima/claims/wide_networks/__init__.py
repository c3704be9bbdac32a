"""Wide networks: at a critical point where a layer's features have rank N, the training error is zero.

Both claims here rest on one piece of linear algebra. When the gradient of the square loss with respect
to some of the parameters is ``(2/N)·Gᵀe`` for a matrix G with N rows (e = f(X) − y the residuals), and
G has rank N, a zero gradient forces ``e = 0``: zero training error, a global minimum.

**Soudry & Carmon 2016** (arXiv:1605.08361, the one-hidden-layer theorem): a network with d1 leaky-ReLU
units (slope s on the negative side), identity output and square loss. At a point where no pre-activation
is 0 — a *differentiable* point — unit j takes slope ``a_ij ∈ {1, s}`` on point i, the activation region
is locally constant, and ``f_i = Σ_j v_j a_ij (w_j·x_i + b_j) + c``. So
``∂L/∂w_j = (2/N)·v_j·Σ_i e_i a_ij x_i`` (and ``∂L/∂b_j`` the same with x_i replaced by 1, ``∂L/∂c =
(2/N)·Σ_i e_i``). At a differentiable local minimum (DLM) even a unit with ``v_j = 0`` has
``Σ_i e_i a_ij x̃_i = 0`` (x̃_i = (x_i, 1) with biases): otherwise move ``w_j`` (free while v_j = 0: the loss
does not change) so that ``w̃_j·Σ_i e_i a_ij x̃_i ≠ 0``, then move v_j, whose derivative is now non-zero,
and the loss drops arbitrarily close to the point. Hence ``Gᵀe = 0`` with the Khatri–Rao matrix

    G = [a_1 ∘ X̃, …, a_d1 ∘ X̃, 1]   (N × (d1·(d0 + 1) + 1) with biases, N × d1·d0 without),

row i being ``(a_i1 x̃_i, …, a_id1 x̃_i, 1)``, and rank G = N gives e = 0. The paper multiplies each slope
a_ij by a dropout-like random factor ε_ij, which makes G of rank N at *every* pattern for almost every
(X, ε) once N ≤ d0·d1. Our networks carry no such noise, so two claims split the statement:
``wide-leaky-relu-zero-error`` reads it literally on plain networks and is refuted by a certified DLM
with positive loss (kind "certified", expected "counterexample"); ``wide-leaky-relu-full-rank-zero-error``
adds rank G = N as a hypothesis, checked at each minimum exactly (the pattern's slopes and the data are
rationals) — by the lemma above it cannot fail, so it checks the machinery, not the paper. Minima where
the rank fails are counted apart there: without the noise they can have positive loss. Example
(`HAND_NETWORK`, `HAND_DATA`): 1-2-1 without biases on x = (1, 2), y = (1, 3); both points are positive,
each unit has one slope on both, f(x) = c·x, and every DLM sits at the least-squares slope c = 7/5 with
loss 1/10 although N = 2 ≤ d0·d1 = 2.

**Nguyen & Hein 2017** (ICML, "The loss surface of deep and wide neural networks", main result): square
loss, an analytic strictly increasing activation; if hidden layer k has n_k ≥ N − 1 units, every
critical point at which ``F_k = [σ(Z_k), 1]`` (N × (n_k + 1), the layer's features and the ones column)
has rank N and the later layers' weights have full column rank is a global minimum. We take k as the
last hidden layer, where the later-layers condition is empty: the gradient with respect to the output
layer is ``(2/N)·F_kᵀE``, so rank F_k = N and a zero gradient give E = 0.

The full-rank and the Nguyen & Hein checks are numerical (``kind="numerical"``): multistart end points,
polished to critical points and clustered modulo symmetry. An end point that would break a claim is
handed to `certify`, and only a certified critical point with a proved positive loss and a proved rank N
counts as a counterexample. The literal claim's counterexample is certified the same way, without the
rank condition.

The package: ``maths`` (the KhatriâRao and feature matrices, their ranks, the exact least-squares point of
a region), ``strategies`` (the drawn examples), ``checks`` (examining one example, running the claims:
`CLAIMS`).
"""

from badminima.claims.wide_networks.checks import (
    CLAIMS,
    NGUYEN,
    SEARCH,
    SOUDRY,
    ZERO_LOSS,
    CriticalTally,
    Tally,
    certify_critical,
    certify_dlm,
    examine_critical,
    examine_dlms,
    minima_search,
)
from badminima.claims.wide_networks.maths import (
    KINK_MARGIN,
    RANK_TOL,
    exact_rank,
    feature_matrix,
    feature_rank,
    float_signs,
    khatri_rao,
    projection,
    proved_full_rank,
    slopes_from_signs,
    snap_to_least_squares,
)
from badminima.claims.wide_networks.strategies import HAND_DATA, HAND_NETWORK, leaky_examples, wide_examples

__all__ = [
    "CLAIMS",
    "HAND_DATA",
    "HAND_NETWORK",
    "KINK_MARGIN",
    "NGUYEN",
    "RANK_TOL",
    "SEARCH",
    "SOUDRY",
    "ZERO_LOSS",
    "CriticalTally",
    "Tally",
    "certify_critical",
    "certify_dlm",
    "exact_rank",
    "examine_critical",
    "examine_dlms",
    "feature_matrix",
    "feature_rank",
    "float_signs",
    "khatri_rao",
    "leaky_examples",
    "minima_search",
    "projection",
    "proved_full_rank",
    "slopes_from_signs",
    "snap_to_least_squares",
    "wide_examples",
]
