"""One hidden unit split into m ≥ 3 duplicates: a Morse–Bott lift over an (m − 1)-dimensional set.

Units u_1 < … < u_m of a one-hidden-layer network with one output that share incoming weights and bias
compute what one unit of output weight V = Σ v_i computes, for every split (v_1, …, v_m) with Σ v_i = V
(Fukumizu & Amari 2000, for m = 2). If x* is the narrower network's strict minimiser (proved in B(c, r)
by the box method), every such split of x* is a critical point with its loss F*: the set
M = {lift(x*, v) : Σ v_i = V*} is an (m − 1)-dimensional affine set of critical points.

The proof, as for a pair (`lift.lift_duplicated_minimum`). T = the directions that move the m output
weights alike is a fixed complement of M's directions e_i − e_j. Every y within η of the lifted centre
decomposes as y = m(y) + t, t ∈ T: m(y) is x*'s lift with v_i = y_{v_i} − s, s = (Σ y_{v_i} − V*)/m.
Then |s| ≤ η + r, so ‖m(y) − centre‖∞ ≤ R = 2η + r and ‖t‖∞ ≤ η + R, and every m + s′t (s′ ∈ [0, 1])
lies within 2R + η = 5η + 2r of the centre. If the Hessian restricted to T is ≥ μ > 0 over that box
(`lift.transversal_curvature`), F(y) = F* + ½ tᵀ∇²F(ξ)t ≥ F* on the whole η-box, where F* is attained
on M: non-strict local minima. Where a direction of negative curvature is proved over the box around the
lifted critical point (`lift.lifted_saddle`), it is a saddle instead. For m = 3 the sign pattern is
Fukumizu & Amari's: with A = V Σ ℓ'_i φ''(z_i) x̃_i x̃_iᵀ definite, the lifts are minima when every
λ_i A (λ_i = v_i / V) has the sign that makes the split form Σ λ_i δ_iᵀ A δ_i positive on Σ λ_i δ_i = 0.
"""

from __future__ import annotations

from fractions import Fraction

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import certify_minimum
from badminima.verify.certificate import Verdict
from badminima.verify.embeddings import find_duplicate_groups, lift_group, reduce_group
from badminima.verify.lift import Lifted, lifted_saddle, moves_pinned_output_bias, transversal_curvature
from badminima.verify.numerics import float_derivatives


def certify_duplicate_group(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """A minimum or a saddle at a point whose hidden layer holds m ≥ 3 copies of one unit (sigmoid or
    tanh units, identity output, mse, one output), by the narrower network's proved strict minimum and
    the lift over the split set (module docstring); None when no group is found or a step fails.

    Example (one tanh unit of `claims.unit_splitting.definite_case`'s minimum split into thirds):
        >>> from badminima.claims.unit_splitting.strategies import definite_case
        >>> from badminima.verify.polish import polish
        >>> case = definite_case(1)
        >>> small = polish(case.network, case.dataset, case.start, precision=256, steps=30).point
        >>> third = Fraction(1, 3)
        >>> point = lift_group(small, (0, 1, 2), (third, third, third), 3)
        >>> lifted = certify_duplicate_group(Network((1, 3, 1), "tanh"), case.dataset, point)
        >>> lifted.verdict.value, lifted.code
        ('local-min', 'lift-duplicated-units')
    """
    if (
        network.activation not in ("sigmoid", "tanh")
        or network.output != "identity"
        or network.loss != "mse"
        or len(network.widths) != 3
    ):
        return None
    for group in find_duplicate_groups(network, point):
        lifted = _lift_group(network, dataset, point, group)
        if lifted is not None:
            return lifted
    return None


def _lift_group(network: Network, dataset: Dataset, point: Point, group: tuple[int, ...]) -> Lifted | None:
    small, small_point = reduce_group(network, point, group)
    reduced = certify_minimum(small, dataset, small_point, float_derivatives(small, dataset, small_point)[2])
    if reduced.verdict is not Verdict.LOCAL_MIN or reduced.center is None or reduced.proof_radius is None:
        return None
    c, r = reduced.center, reduced.proof_radius
    if moves_pinned_output_bias(point, small, dataset, reduced):
        return None
    first = group[0]
    V_c = c.layers[1].W[0][first]
    v = point.layers[1].W[0]
    V = sum((v[u] for u in group), Fraction(0))
    if abs(V_c) <= 2 * r or V == 0:
        return None  # V* might be 0: no split set to lift along
    lams = tuple(v[u] / V for u in group)
    center = lift_group(c, group, lams, network.widths[1])
    splits = ", ".join(f"{float(lam):.6g}" for lam in lams)
    units = ", ".join(str(u) for u in group)
    what = f"units {units} are duplicates (splits λ ≈ {splits})"
    h, d0 = network.widths[1], network.widths[0]
    why = (
        f"the {h - len(group) + 1}-unit network has a strict local minimum proved by the box method, so its "
        f"lift with these splits is"
    )
    R = max(Fraction(1), *(abs(lam) for lam in lams)) * r
    saddle = lifted_saddle(network, dataset, center, R, reduced, what, why)
    if saddle is not None:
        return saddle
    split = tuple(h * d0 + h + u for u in group)  # flat indices of the copies' output weights
    offset = point.distance(center)
    for eta in (2 * offset + r, 8 * offset + 4 * r, (offset + r) * 64):
        tube = 5 * eta + 2 * r
        mu = transversal_curvature(network, dataset, center, split, tube)
        if mu is not None:
            return Lifted(
                Verdict.LOCAL_MIN,
                f"duplicated units {units}",
                center,
                eta,
                tube,
                mu,
                reduced,
                f"{what}: the {h - len(group) + 1}-unit network has a strict local minimum proved by the box "
                f"method (μ ≥ {float(reduced.mu or 0):.3g}); its lifts with every split Σ v_i = V* are a "
                f"{len(group) - 1}-dimensional set of critical points of equal loss, and the Hessian "
                f"restricted to the directions that move the copies' output weights alike is ≥ "
                f"{float(mu):.3g}·I on the whole tube of radius {float(tube):.3g}, so every loss within "
                f"{float(eta):.3g} (∞-norm) of the lifted point is at least the set's (Morse–Bott)",
                code="lift-duplicated-units",
            )
    return None
