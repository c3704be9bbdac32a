"""Splitting a hidden unit of a minimum: a line of critical points, minima on one side, saddles on the other.

Fukumizu & Amari (2000), Theorem 3. Take a one-hidden-layer network with H−1 smooth units,
``f(x) = Σ_k v_k φ(w_k·x̃) + c`` with ``x̃ = (x, 1)`` (the bias is the last entry of ``w_k``), φ = tanh,
identity output and ``L = (1/N) Σ_i (f(x_i) − y_i)²``; let θ* be a strict local minimum. Split hidden
unit j into two units a, b with the same input weights and output weights λ·v_j and (1 − λ)·v_j: the
split map ``S_λ`` is linear and exact, and ``S_λθ`` computes the same function as θ for every λ. Put

    ℓ'_i = ∂L/∂f(x_i) = 2 (f(x_i) − y_i) / N,      A = v_j Σ_i ℓ'_i φ''(w_j·x̃_i) x̃_i x̃_iᵀ   ((d0+1)×(d0+1)).

The theorem: every ``S_λθ*`` is a critical point of the H-unit network (a line of critical points); if A
is positive definite the points with λ ∈ (0, 1) are local minima and those with λ ∉ [0, 1] saddles; if A
is negative definite the reverse; if A is indefinite all are saddles.

The maths behind the checks (steps 1 and 2 are also tested exactly / independently in the tests):

1. *The line is critical.* At ``S_λθ`` the residuals are those of θ, so the gradient entries of the
   unchanged units and of the output bias are those of the small network; unit a's input weights get
   ``λ v_j Σ_i ℓ'_i φ'(w_j·x̃_i) x̃_i = λ·∂L/∂w_j``, unit b's ``(1 − λ)·∂L/∂w_j``, and both output weights
   ``Σ_i ℓ'_i φ(w_j·x̃_i) = ∂L/∂v_j``. So ``∇L_big(S_λθ) = T_λ ∇L_small(θ)`` for a fixed linear map
   T_λ, and ``S_λθ*`` is exactly critical when θ* is.
2. *The curvature along the split.* Move the two copies apart: ``δw_a = (1 − λ) t u``, ``δw_b = −λ t u``
   (u ∈ R^{d0+1}). Every output changes by ``λ v_j φ' (1−λ) t u·x̃ − (1−λ) v_j φ' λ t u·x̃ = 0`` to
   first order, and by ``½ t² λ(1−λ) v_j φ''(w_j·x̃)(u·x̃)²`` to second order, so with v that direction
   ``vᵀ∇²L v = Σ_i ℓ'_i ∂²f_i/∂t² = λ(1−λ) uᵀAu`` (no Gauss–Newton term: ∂f/∂t = 0). This holds at
   every split point ``S_λθ``, critical or not.
3. *Inertia.* The small network's directions (the image of S_λ), the split directions of 2 and the line's
   tangent (δv_a = v_j, δv_b = −v_j) span the big parameter space (v_j ≠ 0). The line is critical, so its
   tangent is in the Hessian's kernel; ∂L/∂t vanishes on the whole (linear) image of S_λ, so the mixed
   terms vanish; hence ∇²L_big(S_λθ*) is congruent to ``diag(∇²L_small(θ*), λ(1−λ)A, 0)``. With
   ∇²L_small ≻ 0 (what `certify` proves) a negative eigenvalue of the big Hessian can only come from
   λ(1−λ)A, and on the minima side the Hessian is positive semidefinite with exactly one zero eigenvalue:
   the second-order test is silent there, and minimality needs an argument beyond second order (the
   paper's); this module only reports numerical evidence for them (float Hessian PSD with exactly one
   near-zero eigenvalue, float descent probes that do not go down), labelled "numerical", never as proved.

How a saddle is *proved* (ball and float64-enclosure arithmetic): `certify` proves a strict local
minimiser x* of the small network in the ∞-norm box ``B(c, r)`` (``box_center``, ``proof_radius``).
``S_λ`` is linear, so ``S_λx* ∈ B(S_λc, R)`` with ``R = max(1, |λ|, |1 − λ|)·r``, and ``S_λx*`` is exactly
critical (step 1). The big network's Hessian is enclosed over that whole box (the box method's
enclosure, `badminima.verify.parameter_box`) and ``vᵀ∇²L v`` evaluated in balls for v the split direction of a
rationalised eigenvector u of A with ``λ(1−λ)uᵀAu < 0``. An upper bound below 0 proves that the critical
point ``S_λx*`` has a direction of negative curvature: it is not a local minimum. The sign of ``uᵀAu``
and the definiteness of A are proved too, with A enclosed over ``B(c, r)`` in balls (Sylvester's
leading minors), so the prediction itself is about θ*, not about its float approximation.

What counts as a certified counterexample (`Found`): along a split direction, ``vᵀ∇²L v`` proved of the
sign opposite to the one ``λ(1−λ)uᵀAu`` predicts (a proved negative value is moreover a proved saddle
where a minimum may be predicted), or the enclosures of ``vᵀ∇²L(S_λx*)v`` and ``λ(1−λ)uᵀA(x*)u`` proved
disjoint (the identity of step 2 fails); on the minima side, a float negative eigenvalue whose
eigenvector is proved to be a direction of negative curvature over the box.

Two claims share this code, so that "certified" covers only what is proved:

* `unit-splitting-saddles` (kind "certified"): the split line is critical and every split point the sign
  rule calls a saddle is a proved saddle. Split points it calls local minima are not counted as
  agreement there; on them only a proved contradiction counts (`Found`).
* `unit-splitting-minima` (kind "numerical"): the split points the rule calls local minima look like
  minima (float evidence, as in step 3); a proved contradiction is still `Found`. Examples without a
  predicted minimum (A indefinite) are skipped.

Examples: minima of small networks found by multistart on drawn data nearly always have an indefinite
A (only saddles then), so two constructed minima with A positive and negative definite (`definite_case`)
run first on both checks; the minima claim then draws split ratios for them (`definite_splits`), and
the saddles claim draws data (`split_cases`). Each run certifies a constructed minimum once.

The package: ``maths`` (the split map, the split directions, A and the sign rule), ``strategies`` (the
drawn examples), ``examine`` (one example: certify, split, decide), ``checks`` (running the two claims:
`CLAIMS`).

Reference:
    K. Fukumizu, S. Amari, "Local minima and plateaus in hierarchical structures of multilayer
    perceptrons", Neural Networks 13(3), 2000, pp. 317-327, Theorem 3.
"""

from badminima.claims.unit_splitting.checks import CLAIMS
from badminima.claims.unit_splitting.examine import (
    MINIMA,
    PAPER,
    PRECISION,
    SADDLES,
    SINGULAR,
    SOURCE,
    STARTS,
    TINY_GRADIENT,
    TRAIN_STEPS,
    TRIES,
    ZERO_EIGENVALUE,
    Side,
    SplitRecord,
    examine_split,
    small_minimum,
)
from badminima.claims.unit_splitting.maths import (
    definiteness,
    fukumizu_amari_sign,
    quadratic_form,
    split_curvature_matrix,
    split_direction,
    split_network,
    split_point,
)
from badminima.claims.unit_splitting.strategies import (
    LAMBDAS,
    SplitCase,
    definite_case,
    definite_splits,
    split_cases,
)

__all__ = [
    "CLAIMS",
    "LAMBDAS",
    "MINIMA",
    "PAPER",
    "PRECISION",
    "SADDLES",
    "SINGULAR",
    "SOURCE",
    "STARTS",
    "TINY_GRADIENT",
    "TRAIN_STEPS",
    "TRIES",
    "ZERO_EIGENVALUE",
    "Side",
    "SplitCase",
    "SplitRecord",
    "definite_case",
    "definite_splits",
    "definiteness",
    "examine_split",
    "fukumizu_amari_sign",
    "quadratic_form",
    "small_minimum",
    "split_cases",
    "split_curvature_matrix",
    "split_direction",
    "split_network",
    "split_point",
]
