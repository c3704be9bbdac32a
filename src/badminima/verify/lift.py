"""Minima at degenerate critical points, by reducing through an exact invariance and lifting back
(a Morse–Bott argument).

Duplicated hidden units (Fukumizu & Amari 2000): if units j and k of a one-hidden-layer network have the
same incoming weights and bias, the network computes what the smaller network with one unit of output
weight V = v_j + v_k computes, for every split λ = v_j / V. If x* is a strict local minimiser of the
smaller network, every lifted point m(λ) = L_λ(x*) is a critical point of the larger one with the same
loss F* (the line M of Fukumizu & Amari, Theorem 3); the Hessian is singular along M.

The proof. The smaller network's minimiser is proved in the box B(c, r) by the box method. Let
d = e_{v_j} − e_{v_k} and T = d^⊥, a fixed subspace transversal to M (M's direction is (V, −V) on
(v_j, v_k)). Every y in the box N = B(x̃, η) around the lifted centre x̃ = L_λ0(c) decomposes as
y = m(λ(y)) + t with t ∈ T, where λ(y) = ((y_{v_j} − y_{v_k}) / V* + 1) / 2 and V* is the minimiser's
output weight: a one-dimensional linear equation, enclosed in balls over all V* ∈ [V_c ± r], so that
|λ(y) − λ0| ≤ ε and ‖t‖₂ ≤ ρ for every y ∈ N. If the Hessian restricted to T is ≥ μ > 0 on the whole box
that holds every such m + s t (s ∈ [0, 1]), then F(y) = F(m) + ∇F(m)·t + ½ tᵀ∇²F(ξ)t ≥ F* because m is
critical with F(m) = F*: every loss in N is at least F*, which is attained on M ∩ N. So the given point
lies in a neighbourhood where the lifted critical points are (non-strict) local minima.

With K ≥ 2 outputs the output weights are vectors, the equal-loss set {v_j + v_k = V} is K-dimensional
and only its line v_j = λV is critical; the off-line split directions (δ, −δ), δ ⟂ V, couple to the
copies' incoming-weight difference through 2ξᵀGδ, which makes the lift a saddle for every λ unless an
exact identity holds (`badminima.verify.output_splits`). There saddles are proved, and a minimum only
where the targets force G = 0 exactly (every target column affine in one), on the K-dimensional set.

Reference: K. Fukumizu, S. Amari, "Local minima and plateaus in hierarchical structures of multilayer
perceptrons", Neural Networks 13(3), 2000, Theorem 3; B. Simsek et al., "Geometry of the loss landscape
in overparameterized neural networks: symmetries and invariances", ICML 2021 (embeddings of critical
points of narrower networks).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np
import torch

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction
from badminima.arithmetic.floating import FloatArithmetic
from badminima.landscape.forward_pass import Forward, forward, unflatten
from badminima.landscape.losses import loss_from_forward
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import BoxResult, certify_minimum, lower_point
from badminima.verify.certificate import Verdict
from badminima.verify.curvature import MAX_BALL_HESSIAN, curvature_bound, curvature_bound_balls
from badminima.verify.descent import rational_direction
from badminima.verify.embeddings import (
    Duplicate,
    find_dead_units,
    find_duplicates,
    find_off_line_duplicates,
    insert_born_unit,
    lift_duplicate,
    reduce_duplicate,
    without_units,
)
from badminima.verify.higher_order import cubic_descent, cubic_direction, second_derivative
from badminima.verify.numerics import float_derivatives
from badminima.verify.outcome import OnSlice, Outcome
from badminima.verify.output_splits import (
    cross_term_direction,
    proportional_split_minimum,
    split_set_critical,
)
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.rounding import pinned_numbers
from badminima.verify.suboptimality import LossEnclosure


@dataclass(frozen=True)
class Lifted:
    """What the lift proved. ``LOCAL_MIN``: every loss in the box of ∞-radius ``radius`` around ``center``
    is ≥ the reduced minimum's loss, attained on the lifted line inside it (``mu`` bounds the transversal
    curvature over ``tube``). ``SADDLE``: the lifted critical point, within ``radius`` of ``center``, has
    a direction of proved negative curvature over that box; ``witness`` is a nearby point of lower loss."""

    verdict: Verdict
    invariance: str
    center: Point
    radius: Fraction
    tube: Fraction
    mu: Fraction | None
    reduced: BoxResult
    reason: str
    witness: Point | None = None
    witness_loss_upper: Fraction | None = None
    code: str = "lifted-saddle"
    fixed: tuple[int, ...] = ()


SLICE_METHODS = {
    "lift-relu-rescaling": "slice-rescaling",
    "lift-linear-units": "slice-linear-units",
    "lift-dependent-inputs": "slice-dependent-inputs",
}
"""Methods of the minima proved on a slice through a symmetry group's orbits (by certificate code)."""


def lifted_outcome(
    lifted: Lifted, point: Point, loss_text: str, suffix: str, steps: Sequence[str]
) -> Outcome:
    """The certificate outcome of a lift: its verdict and box, stated around ``point`` (``suffix`` is added
    to the reason; ``loss_text`` describes the given point's loss)."""
    offset = point.distance(lifted.center)
    minimum = lifted.verdict is Verdict.LOCAL_MIN
    return Outcome(
        lifted.verdict,
        "interval",
        SLICE_METHODS.get(lifted.code, "morse-bott-lift") if minimum else "lifted-saddle",
        lifted.reason + suffix,
        LossEnclosure(loss_text, lifted.reduced.loss_lower, lifted.reduced.loss_upper),
        box_radius=offset + lifted.radius,
        proof_radius=lifted.radius,
        box_center=lifted.center,
        mu=lifted.mu,
        witness=lifted.witness,
        witness_loss_upper=lifted.witness_loss_upper,
        steps=(*steps, f"lift through {lifted.invariance}: {lifted.verdict.value} proved"),
        code=lifted.code,
        on_slice=OnSlice(lifted.fixed, lifted.reduced.radius or Fraction(0)) if lifted.fixed else None,
    )


def certify_lifted_minimum(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """Prove the given point lies in a neighbourhood of (non-strict) local minima on a line of
    duplicated-unit critical points, or return None (see the module docstring)."""
    if network.activation not in ("sigmoid", "tanh") or network.output != "identity" or network.loss != "mse":
        return None
    for dup in find_duplicates(network, point):
        out = lift_duplicated_minimum(network, dataset, point, dup)
        if out is not None:
            return out
    if len(network.widths) == 3 and network.widths[2] > 1:
        for dup in find_off_line_duplicates(network, point):
            out = _off_line_lift(network, dataset, point, dup)
            if out is not None:
                return out
    return None


def _off_line_lift(network: Network, dataset: Dataset, point: Point, dup: Duplicate) -> Lifted | None:
    """A duplicated pair with K ≥ 2 outputs off its split line (v_a not parallel to V): the narrower
    network's strict minimum, and targets affine in one column, make every split of V critical
    (`output_splits.split_set_critical`); the lift with v_a as written is then a saddle by negative
    curvature over its box, or a minimum by the Morse–Bott bound on the split set's transversal."""
    small, small_point = reduce_duplicate(network, point, dup)
    reduced = certify_minimum(small, dataset, small_point, float_derivatives(small, dataset, small_point)[2])
    if reduced.verdict is not Verdict.LOCAL_MIN or reduced.center is None or reduced.proof_radius is None:
        return None
    c, r = reduced.center, reduced.proof_radius
    if moves_pinned_output_bias(point, small, dataset, reduced) or not split_set_critical(
        network, dataset, c, r, dup.a
    ):
        return None
    center = lift_duplicate(c, dup, dup.lam, network.widths[1])
    K = network.widths[2]
    what = (
        f"units {dup.a} and {dup.b} are duplicates whose output weight vectors are not parallel "
        f"({K} outputs, targets affine in one column)"
    )
    why = (
        f"the {network.widths[1] - 1}-unit network has a strict local minimum proved by the box method, and "
        f"every target column is affine in one, so the coupling G of the output splits vanishes exactly and "
        f"every split v_a + v_b = V of its lift, v_a as written included, is"
    )
    # the exact lift keeps v_a as written and moves the rest by at most r: within r of the centre
    saddle = lifted_saddle(network, dataset, center, r, reduced, what, why)
    return saddle or _proportional_minimum(network, dataset, point, center, reduced, dup)


def certify_lifted_saddle_of_dead_unit(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """A unit with zero incoming and output weights on top of a narrower network's strict minimum: the
    lift is exactly critical (∂F/∂v_j = σ(b_j)·∂F/∂c = 0, the rest vanish with v_j = 0); a proved
    negative curvature over the lifted box makes it a saddle."""
    if network.activation not in ("sigmoid", "tanh") or network.output != "identity" or network.loss != "mse":
        return None
    for unit in find_dead_units(network, point):  # none without biases
        hidden = point.layers[-2]
        assert hidden.b is not None
        small, small_point = without_units(network, point, [unit])
        embed = functools.partial(insert_born_unit, unit=unit, bias=hidden.b[unit])
        what = f"unit {unit} is born at zero (w = v = 0)"
        found = lifted_minimum_saddle(network, dataset, small, small_point, embed, Fraction(1), what)
        if found is not None:
            return found
    return None


def lifted_minimum_saddle(
    network: Network,
    dataset: Dataset,
    small: Network,
    small_point: Point,
    embed: Callable[[Point], Point],
    stretch: Fraction,
    what: str,
) -> Lifted | None:
    """The narrower network's strict minimum near ``small_point``, proved by the box method (radius r),
    mapped by the exact embedding ``embed`` (Lipschitz ``stretch`` in the ∞-norm) to an exactly critical
    point of the wider net within stretch·r of the image of the proof's centre; `lifted_saddle` then
    proves negative curvature over that box. None when either proof fails."""
    reduced = certify_minimum(small, dataset, small_point, float_derivatives(small, dataset, small_point)[2])
    if reduced.verdict is not Verdict.LOCAL_MIN or reduced.center is None or reduced.proof_radius is None:
        return None
    R = stretch * reduced.proof_radius
    return lifted_saddle(network, dataset, embed(reduced.center), R, reduced, what)


def moves_pinned_output_bias(point: Point, small: Network, dataset: Dataset, reduced: BoxResult) -> bool:
    """Whether an output bias of ``point`` written exactly on purpose (`rounding.pinned_numbers`) is not
    the reduced minimiser's: every critical point of a duplicated-unit lift has the reduced network's
    output biases (the lift copies them), so none then keeps the given number and no lift is about the
    given numbers. The minimiser x* lies within ‖∇F(c)‖/μ of the box proof's centre c (μ-strong
    convexity over its box), far tighter than the box.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1), "identity")
        >>> data = Dataset.of([[0], [1]], [[0], [1]])  # the least-squares line y = x: c* = 0
        >>> reduced = certify_minimum(net, data, Point.unflatten(net, [1, 0]), np.array([[1.0, 1], [1, 2]]))
        >>> moves_pinned_output_bias(Point.unflatten(net, [1, "1/3000000"]), net, data, reduced)
        True
        >>> moves_pinned_output_bias(Point.unflatten(net, [1, "0.0000003"]), net, data, reduced)
        False
    """
    flat, out = point.flatten(), point.layers[-1].b
    c = reduced.center
    if out is None or c is None or not reduced.mu:
        return False
    first, held = len(flat) - len(out), pinned_numbers(point)
    pinned = [k for k in range(len(out)) if k + first in held]
    if not pinned:
        return False
    near = ParameterBox(small, dataset, c, reduced.precision).gradient_bound() / reduced.mu
    reach = min(near, reduced.proof_radius or near)
    centre_b = c.layers[-1].b or ()
    return any(abs(out[k] - centre_b[k]) > reach for k in pinned)


def lift_duplicated_minimum(
    network: Network, dataset: Dataset, point: Point, dup: Duplicate
) -> Lifted | None:
    """The narrower network's minimum (``dup``'s copy removed), proved by the box method and lifted along
    the split line: a non-strict minimum, or a saddle; None when a step fails (and for more than one
    hidden layer: the tube and the split-end directions below index one)."""
    if len(network.widths) != 3:
        return None
    small, small_point = reduce_duplicate(network, point, dup)
    reduced = certify_minimum(small, dataset, small_point, float_derivatives(small, dataset, small_point)[2])
    if reduced.verdict is not Verdict.LOCAL_MIN or reduced.center is None or reduced.proof_radius is None:
        return None
    c, r = reduced.center, reduced.proof_radius
    if moves_pinned_output_bias(point, small, dataset, reduced):
        return None
    h = network.widths[1]
    width = h
    center = lift_duplicate(c, dup, dup.lam, width)
    V_c = c.layers[1].W[0][dup.a]
    if all(abs(row[dup.a]) <= 2 * r for row in c.layers[1].W):
        return None  # V* might be 0: no line to lift along
    if network.widths[2] > 1:
        return _multi_output_saddle(network, dataset, center, r, reduced, dup) or _proportional_minimum(
            network, dataset, point, center, reduced, dup
        )
    d0 = network.widths[0]
    ia, ib = h * d0 + h + dup.a, h * d0 + h + dup.b  # flat indices of v_a, v_b
    offset = max(
        (abs(x - y) for x, y in zip(point.flatten(), center.flatten(), strict=True)), default=Fraction(0)
    )
    saddle = lifted_saddle(
        network,
        dataset,
        center,
        max(Fraction(1), abs(dup.lam), abs(1 - dup.lam)) * r,
        reduced,
        f"units {dup.a} and {dup.b} are duplicates (split λ ≈ {float(dup.lam):.6g})",
    )
    if saddle is not None:
        return saddle
    if dup.lam in (0, 1):
        end = _split_end_saddle(network, dataset, center, r, reduced, dup)
        if end is not None:
            return end
    for eta in (2 * offset + r, 8 * offset + 4 * r, (offset + r) * 64):
        proved = _transversal(network, dataset, center, dup, V_c, r, eta, ia, ib)
        if proved is not None:
            tube, mu = proved
            return Lifted(
                Verdict.LOCAL_MIN,
                f"duplicated units {dup.a}, {dup.b}",
                center,
                eta,
                tube,
                mu,
                reduced,
                f"units {dup.a} and {dup.b} are duplicates (split λ ≈ {float(dup.lam):.6g}): the "
                f"{h - 1}-unit network has a strict local minimum proved by the box method "
                f"(μ ≥ {float(reduced.mu or 0):.3g}); "
                f"its lift is a line of critical points of equal loss, and the Hessian restricted to the "
                f"complement of the line's direction is ≥ {float(mu):.3g}·I on the whole tube of radius "
                f"{float(tube):.3g}, so every loss within {float(eta):.3g} (∞-norm) of the lifted point is "
                f"at least the line's (Morse–Bott)",
                code="lift-duplicated-units",
            )
    return None


def _transversal(
    network: Network,
    dataset: Dataset,
    center: Point,
    dup: Duplicate,
    V_c: Fraction,
    r: Fraction,
    eta: Fraction,
    ia: int,
    ib: int,
) -> tuple[Fraction, Fraction] | None:
    """(tube radius, μ) when the Hessian restricted to T = (e_a − e_b)^⊥ is proved ≥ μ > 0 on the box
    that holds every m(λ(y)) + s t for y within ``eta`` of ``center``; None otherwise."""
    lam0 = dup.lam
    with flint.ctx.workprec(128):
        q = (2 * lam0 - 1) * V_c
        Vstar = flint.arb(flint.fmpq(V_c.numerator, V_c.denominator)) + flint.arb(
            0, float(r) * (1 + 2.0**-40)
        )
        diff = flint.arb(flint.fmpq(q.numerator, q.denominator)) + flint.arb(
            0, float(2 * eta) * (1 + 2.0**-40)
        )
        lam = (diff / Vstar + 1) / 2
        eps_ball = abs(lam - flint.arb(flint.fmpq(lam0.numerator, lam0.denominator)))
        if not eps_ball.is_finite():
            return None
        eps = arb_to_fraction(eps_ball.upper())
    lam_max = max(abs(lam0) + eps, abs(1 - lam0) + eps, Fraction(1))
    # m(λ) − center: r on every coordinate of the reduced minimiser, λ·r and |λ − λ0|·|V| on v_a, v_b;
    # t = y − m has ‖t‖∞ ≤ η + R_m, so every m + s t lies within 2 R_m + η of the centre.
    R_m = lam_max * r + eps * (abs(V_c) + r)
    tube = 2 * R_m + eta
    mu = transversal_curvature(network, dataset, center, (ia, ib), tube)
    return None if mu is None else (tube, mu)


def transversal_curvature(
    network: Network, dataset: Dataset, center: Point, split: Sequence[int], tube: Fraction
) -> Fraction | None:
    """μ > 0 proved to bound the Hessian restricted to T from below over the box of ∞-radius ``tube``
    around ``center``, T = the directions that move the output weights at flat indices ``split`` (one
    split unit's copies) all alike: the complement of the split set's directions e_i − e_j. None when
    the enclosure does not prove it."""
    P = network.n_params
    D = np.zeros((len(split) - 1, P))
    for row, i in enumerate(split[1:]):
        D[row, split[0]], D[row, i] = 1.0, -1.0
    basis = np.linalg.svd(D)[2][len(split) - 1 :].T  # orthonormal basis of T (P × (P − m + 1))
    hess = float_derivatives(network, dataset, center)[2]
    basis = basis @ np.linalg.eigh(basis.T @ hess @ basis)[1]  # T's eigenvectors: tight Gershgorin discs
    # The bound holds on span(basis); make every column exactly in T (equal entries at ``split``), so
    # that a proved positive definite QᵀHQ makes span(basis) = T exactly, not a float neighbour of it.
    basis[list(split)] = basis[list(split)].mean(axis=0)
    box = ParameterBox(network, dataset, center, 128)
    mu = curvature_bound(box.hessian(tube), basis)
    if mu is None and P <= MAX_BALL_HESSIAN:
        with box.ball.context():
            Q = flint.arb_mat(P, basis.shape[1], [float(v) for v in basis.ravel()])
            mu = curvature_bound_balls(box.hessian_balls(tube), Q)
    return mu


def _multi_output_saddle(
    network: Network, dataset: Dataset, center: Point, r: Fraction, reduced: BoxResult, dup: Duplicate
) -> Lifted | None:
    """A duplicated pair in a net with K ≥ 2 outputs, on the lift of a proved narrower minimum: a saddle
    through the cross term 2t ξᵀGδ between moving output weight off the split line (δ ⟂ V) and moving
    the copies' incoming weights apart (`badminima.verify.output_splits`); None when no proof goes
    through. A minimum needs G V^⊥ = 0 exactly (`_proportional_minimum`)."""
    R = max(Fraction(1), abs(dup.lam), abs(1 - dup.lam)) * r
    what = (
        f"units {dup.a} and {dup.b} are duplicates with parallel output weight vectors (split λ ≈ "
        f"{float(dup.lam):.6g}, {network.widths[2]} outputs)"
    )
    why = (
        f"the {network.widths[1] - 1}-unit network has a strict local minimum proved by the box method, so "
        f"its lift on the split line v_a = λV (critical there since Σ_k V_k G_k = 0, while the off-line "
        f"splits (δ, −δ), δ ⟂ V, couple to the copies' incoming-weight difference through 2ξᵀGδ) is"
    )
    saddle = lifted_saddle(network, dataset, center, R, reduced, what, why)
    if saddle is not None:
        return saddle
    hess = float_derivatives(network, dataset, center)[2]
    V = np.array([float(row[dup.a] + row[dup.b]) for row in center.layers[1].W])
    direction = cross_term_direction(network, hess, dup.a, dup.b, dup.lam, V)
    if direction is None:
        return None
    return lifted_saddle(
        network,
        dataset,
        center,
        R,
        reduced,
        what,
        why,
        direction=direction,
        how="v = (tδ, −tδ, (1 − λ)ξ, −λξ) on (v_a, v_b, w̃_a, w̃_b), with vᵀHv = 2t ξᵀGδ + λ(1 − λ)ξᵀAξ "
        "at the lift (δ ⟂ V: the output-split cross term)",
    )


def _proportional_minimum(
    network: Network, dataset: Dataset, point: Point, center: Point, reduced: BoxResult, dup: Duplicate
) -> Lifted | None:
    """K ≥ 2 outputs whose targets are affine in one column: G = 0 exactly, the K-dimensional split set
    is critical, and a Morse–Bott bound on its transversal T proves a minimum
    (`badminima.verify.output_splits.proportional_split_minimum`)."""
    assert reduced.center is not None and reduced.proof_radius is not None
    c, r = reduced.center, reduced.proof_radius
    proved = proportional_split_minimum(network, dataset, point, center, c, r, dup.a, dup.b)
    if proved is None:
        return None
    eta, tube, mu = proved
    K = network.widths[2]
    return Lifted(
        Verdict.LOCAL_MIN,
        f"duplicated units {dup.a}, {dup.b} ({K} outputs, targets affine in one column)",
        center,
        eta,
        tube,
        mu,
        reduced,
        f"units {dup.a} and {dup.b} are duplicates (split λ ≈ {float(dup.lam):.6g}, {K} outputs): the "
        f"{network.widths[1] - 1}-unit network has a strict local minimum proved by the box method "
        f"(μ ≥ {float(reduced.mu or 0):.3g}), and since every target column is affine in one column its "
        f"least-squares output weights make every residual a multiple of one, so the coupling G of the "
        f"output splits vanishes exactly; its lift is a {K}-dimensional set of critical points of equal "
        f"loss (v_a + v_b = V), and the Hessian restricted to the complement of the splits' directions is "
        f"≥ {float(mu):.3g}·I on the whole box of radius {float(tube):.3g}, so every loss within "
        f"{float(eta):.3g} (∞-norm) of the lifted point is at least the set's (Morse–Bott)",
        code="lift-duplicated-units",
    )


def lifted_saddle(
    network: Network,
    dataset: Dataset,
    center: Point,
    R: Fraction,
    reduced: BoxResult,
    what: str,
    why: str | None = None,
    *,
    direction: Sequence[Fraction] | None = None,
    how: str = "",
    radii: Sequence[Fraction] | None = None,
    precision: int = 128,
) -> Lifted | None:
    """The lifted critical point lies in the box of radius ``R`` around ``center`` (or of ``radii``, one
    per number, each at most R) and is exactly critical; a fixed direction v with vᵀ∇²F v < 0 proved
    over that box (in balls of ``precision`` bits) makes it a saddle (F(m + s v) < F(m) for small
    s ≠ 0). ``what`` says which invariance lifted it, ``why`` why the lifted point is exactly critical
    (by default: the narrower network's proved strict minimum). v is ``direction`` (described by
    ``how``) or, by default, the float Hessian's lowest eigenvector. The lower point is sought from
    R along v (from 2⁻⁴⁰ where R is smaller, unless ``radii`` are given and R > 0)."""
    if reduced.loss_lower is None:
        return None
    if direction is None:
        hess = float_derivatives(network, dataset, center)[2]
        eig, Q = np.linalg.eigh(hess)
        top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
        # Only a candidate: the proof is the ball enclosure below, so a weak negative eigenvalue (−4e-10
        # of a split λ = 1/3 behind a first layer) is worth trying down to float64's resolution.
        if not len(eig) or eig[0] >= -1e-13 * top:
            return None
        v = rational_direction(Q[:, 0])
    else:
        v = tuple(direction)
    extent = R if radii is None else radii
    box = ParameterBox(network, dataset, center, precision)
    if not box.region_holds(box.flat(extent)):
        return None  # a ReLU unit's sign may change in the box: its Hessian is not one piece's
    ball = box.ball
    P = len(v)
    with ball.context():
        vb = flint.arb_mat(P, 1, [ball.constant(c) for c in v])
        H_enc = box.hessian(extent)
        curv = None
        if H_enc.is_finite():
            curv = (vb.transpose() * flint.arb_mat(H_enc.balls().tolist()) * vb)[0, 0]
        if (curv is None or not curv < 0) and P <= MAX_BALL_HESSIAN:
            curv = (vb.transpose() * box.hessian_balls(extent) * vb)[0, 0]
        if curv is None or not curv < 0:
            return None
    scale = 1 + max((abs(float(x)) for x in center.flatten()), default=0.0)
    start = R if radii is not None and R > 0 else max(R, Fraction(1, 2**40))
    found = lower_point(network, dataset, center, v, start, scale, reduced.loss_lower, ball)
    if found is None:
        return None
    witness, step, upper = found
    return Lifted(
        Verdict.SADDLE,
        what,
        center,
        R,
        R,
        None,
        reduced,
        f"{what}: "
        + (
            why
            or f"the {network.widths[-2] - 1}-unit network has a strict local minimum proved by the box "
            f"method, so its lift is"
        )
        + f" an exactly critical point within {float(R):.3g} of box_center; "
        + (f"{how}: " if how else "")
        + "vᵀHv < 0 on "
        f"that whole box, so it is not a local minimum; a point at distance {float(step):.3g} along v has "
        f"loss ≤ {float(upper):.17g}, below the critical loss",
        witness,
        upper,
    )


def _split_end_saddle(
    network: Network, dataset: Dataset, center: Point, R: Fraction, reduced: BoxResult, dup: Duplicate
) -> Lifted | None:
    """An end point λ ∈ {0, 1} of a split line, for every smooth head (identity or sigmoid output, mse or
    cross-entropy): one copy ("silent", output weight 0) duplicates a "loud" one of output weight V* ≠ 0
    at the lifted critical point m.

    The descent. Write the output logit p_i = c + Σ_j v_j σ(w̃_j·x̃_i) (x̃ = (x, 1)), F = (1/N) Σ_i ℓ_i(p_i)
    and e_i = ℓ_i'(p_i) at m (2(p_i − y_i) for identity and mse, σ(p_i) − y_i for cross-entropy,
    2(σ(p_i) − y_i)σ'(p_i) for a sigmoid output with mse). Along the split-end line's transversal
    d = (δw̃_silent = u, δv_silent = κ, δv_loud = −κ), with z_i the copies' shared pre-activation,

        p_i(m + s d) − p_i(m) = κs(σ(z_i + s u·x̃_i) − σ(z_i))
                              = κs² σ'(z_i) u·x̃_i + ½κs³ σ''(z_i)(u·x̃_i)² + O(s⁴),

    so F(m + s d) − F(m) = (1/N) Σ_i e_i Δp_i + O(Δp²) has no s term, the s² coefficient κ u·G with
    G = (1/N) Σ_i e_i σ'(z_i) x̃_i = (∂F/∂w̃_loud)/V* = 0 exactly (m is critical and V* ≠ 0), and the
    cubic coefficient ½κ (1/N) Σ_i e_i σ''(z_i)(u·x̃_i)² (the O(Δp²) terms are O(s⁴)). The sign of
    uᵀAu, A = (1/N) Σ_i e_i σ''(z_i) x̃_i x̃_iᵀ, picks κ = −sign (`cubic_direction`, in floats). The proof
    does not trust that expansion's numbers: the cubic coefficient φ⁽³⁾(ξ)/6 of φ(s) = F(y + s d) is
    enclosed below zero for every base y in the lifted box (which holds m) and every ξ ∈ [0, s₀]
    (`badminima.verify.higher_order`); with φ'(0) = φ''(0) = 0 exactly at m, Taylor's theorem with the
    Lagrange remainder gives F(m + s d) < F(m) for every s ∈ (0, s₀]: a third-order saddle, and a point
    along d whose loss is enclosed below the proved critical loss is exhibited as well."""
    if reduced.loss_lower is None:
        return None
    silent, loud = (dup.a, dup.b) if dup.lam == 0 else (dup.b, dup.a)
    d0, h = network.widths[0], network.widths[1]
    fl = FloatArithmetic()
    prob = prepare(network, dataset, center, arith=fl)
    fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=fl)
    # e_i = ∂ℓ_i/∂p_i (p the output logit; 2(p − y) for identity and mse, σ(p) − y for bce, …), in floats
    # only to choose u and κ: the proof encloses the cubic coefficient itself
    logits = fwd.logits.detach().clone().requires_grad_(True)
    head = Forward([*fwd.z[:-1], logits], fwd.a, fwd.masks)
    (grad,) = torch.autograd.grad(loss_from_forward(network, head, prob.targets, arith=fl), logits)
    r = grad.detach().numpy()[0]
    z = fwd.z[0].detach().numpy()[loud]
    X = np.array([[float(v) for v in x] + [1.0] for x in dataset.X])
    chosen = cubic_direction(X, r * second_derivative(network.activation, z))
    if chosen is None:
        return None
    u, sign = chosen
    kappa = Fraction(-sign)
    direction = [Fraction(0)] * network.n_params
    for m in range(d0):
        direction[silent * d0 + m] = u[m]
    direction[h * d0 + silent] = u[d0]
    direction[h * d0 + h + silent] = kappa
    direction[h * d0 + h + loud] = -kappa
    found = cubic_descent(network, dataset, center, R, direction, reduced.loss_lower, BallArithmetic(128))
    if found is None:
        return None
    return Lifted(
        Verdict.SADDLE,
        f"duplicated units {dup.a}, {dup.b} at a split end (λ = {dup.lam})",
        center,
        R,
        R,
        None,
        reduced,
        f"units {dup.a} and {dup.b} are duplicates split λ = {dup.lam}, unit {silent} with output "
        f"weight 0: the {h - 1}-unit network has a strict local minimum proved by the box method, so its "
        f"lift m is an exactly critical point within {float(R):.3g} of box_center; along d (unit "
        f"{silent}'s incoming weights, and output weight moved from unit {loud} to unit {silent}) "
        f"{found.explain()}",
        found.witness,
        found.upper,
        code="higher-order-lifted-saddle",
    )
