"""Mixed points: some hidden units constant on the data, the others varying (a narrower network's minimum
with constant units added; Fukumizu & Amari's embeddings, Yun, Sra & Jadbabaie's Theorem 2 beside
working units).

Let C be the units whose pre-activation is the same number β_j at every data point (w_j ∈ K, the
directions orthogonal to the data's affine span; `badminima.verify.constant_units`) and U the rest.
Folded into the output bias (c'_k = c_k + Σ_{j∈C} V_kj σ(β_j)), the point is the narrower network of the
units U, whose strict minimiser x* is proved in a box B(c, r) by the box method. Every point of

    M = {θ_U = x*_U, w_j ∈ K, b_j and V_kj free (j ∈ C), c_k = x*_c'k − Σ_{j∈C} V_kj σ(β_j)}

computes x*'s function, so it has x*'s loss F*; its gradient vanishes except along the constant units'
incoming weights, where ∂F/∂w_j = σ'(β_j) Σ_k V_kj (1/N) Σ_i ℓ'_ik x_i. So M is a manifold of critical
points exactly when the residual moment Σ_i ℓ'_ik x_i vanishes at x* (Yun et al.'s condition; for
the constant model it is checked in rationals). A box around x* cannot prove a number is 0; two exact
arguments can:

- *Silent constant units* (V_kj = 0 for j ∈ C): every term of ∂F/∂w_j carries V_kj, so the lifted point
  (x*_U, P_K w_j, b_j, V_C = 0, c' = x*_c') is exactly critical whatever the moment. Its (V_j, w_j)
  Hessian block is [[·, σ'(β_j) m], [σ'(β_j) mᵀ, 0]] with m the moment: a saddle unless m = 0. A proved
  negative curvature over the box holding it makes it a saddle (`lifted_saddle`).
- *A point reflection of the data*: if x ↦ 2x̄ − x (x̄ the mean input) maps the data onto themselves
  with equal targets, S: (w_j, b_j) ↦ (−w_j, b_j + 2w_j·x̄) followed by a permutation π of the units U
  leaves F_U invariant (f_{Sθ}(x) = f_θ(2x̄ − x)), so S x* is critical too. With x* within ρ = ‖∇F(c)‖/μ of
  c and S linear of ∞-norm L = 1 + 2‖x̄‖₁, S x* lies within ‖Sc − c‖∞ + Lρ of c; where that is ≤ r, the
  uniqueness of the critical point in B gives S x* = x*, so x*'s residuals are even
  (ℓ'_{ρ(i)} = ℓ'_i) and Σ_i ℓ'_i (x_i − x̄) = 0 exactly. Then all of M is critical and the
  Morse–Bott argument of `badminima.verify.constant_units` applies with T = {δb_C = 0, δV_C = 0,
  δw_C ∈ K^⊥} (every U coordinate and c free): y = m(y) + t with m(y) ∈ M keeping y's b_C, V_C and K
  part of w_C; the Hessian on T proved ≥ μ > 0 over a box holding every [m(y), y] gives F ≥ F* near the
  point (code `lift-mixed-units`), and a proved negative direction gives a saddle.

Otherwise (V_C ≠ 0 with no exact reason for the moment to vanish) nothing is claimed: the point is
critical only if the moment is exactly 0, which balls cannot decide.

Reference: K. Fukumizu, S. Amari, Neural Networks 13(3), 2000 (embeddings of a narrower network's
critical points); C. Yun, S. Sra, A. Jadbabaie, ICLR 2019, Theorem 2 and conditions (C2.6)–(C2.7).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.floating import FloatArithmetic
from badminima.landscape.forward_pass import forward, predictions, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import may_round, relative_rounding
from badminima.verify.box import BoxResult, certify_minimum
from badminima.verify.certificate import Verdict
from badminima.verify.constant_units import (
    SMOOTH,
    DataGeometry,
    constant_units,
    data_geometry,
    distance_to_manifold,
    silent_unit_direction,
    transversal_curvature,
)
from badminima.verify.embeddings import find_duplicates, lift_duplicate, reduce_duplicate
from badminima.verify.higher_order import cubic_descent, cubic_direction, second_derivative
from badminima.verify.kink_reductions import HEADS
from badminima.verify.lift import Lifted, lifted_saddle
from badminima.verify.numerics import float_derivatives
from badminima.verify.parameter_box import ParameterBox

ETAS = tuple(Fraction(1, 2**k) for k in (8, 16, 24, 32, 40))
"""Radii of the box around the point tried, largest first (each at least twice its distance to M)."""


@dataclass(frozen=True)
class Split:
    """The point's hidden units split into ``constant`` (constant on the data) and ``varying``, and the
    narrower network of the varying units with the constant ones folded into its output bias."""

    constant: tuple[int, ...]
    varying: tuple[int, ...]
    small: Network
    small_point: Point


def split_units(network: Network, dataset: Dataset, point: Point) -> Split | None:
    """The constant and varying hidden units of a one-hidden-layer smooth network and the narrower point
    (None unless both kinds occur). The folded output bias is a float64 value: only a start for the box
    method, which polishes it.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "tanh")
        >>> data = Dataset.of([[-1], [0], [1]], [[1], [0], [1]])
        >>> s = split_units(net, data, Point.of([([[0], [2]], [1, 0]), ([[0, 1]], [0])]))
        >>> s.constant, s.varying, s.small.widths
        ((0,), (1,), (1, 1, 1))
    """
    if network.activation not in SMOOTH or len(network.widths) != 3 or not network.bias:
        return None
    if (network.output, network.loss) not in HEADS:
        return None
    C = tuple(constant_units(network, dataset, point))
    U = tuple(j for j in range(network.widths[1]) if j not in C)
    if not C or not U:
        return None
    hidden, out = point.layers
    assert hidden.b is not None and out.b is not None
    x0 = dataset.X[0]
    act = (lambda z: 1 / (1 + mpmath.exp(-z))) if network.activation == "sigmoid" else mpmath.tanh
    c = []
    for k in range(network.widths[2]):
        total = mpmath.mpf(float(out.b[k]))
        for j in C:
            beta = sum((w * x for w, x in zip(hidden.W[j], x0, strict=True)), Fraction(0)) + hidden.b[j]
            total += float(out.W[k][j]) * act(mpmath.mpf(float(beta)))
        c.append(Fraction(float(total)))
    small = Network(
        (network.widths[0], len(U), network.widths[2]),
        network.activation,
        output=network.output,
        loss=network.loss,
        bias=True,
    )
    small_point = Point(
        (
            Layer(tuple(hidden.W[j] for j in U), tuple(hidden.b[j] for j in U)),
            Layer(tuple(tuple(row[j] for j in U) for row in out.W), tuple(c)),
        )
    )
    return Split(C, U, small, small_point)


def data_reflection(dataset: Dataset) -> list[Fraction] | None:
    """The mean input x̄ when x ↦ 2x̄ − x maps the data (inputs with their targets, as a multiset) onto
    themselves exactly, else None.

    Example:
        >>> from badminima.model import Dataset
        >>> data_reflection(Dataset.of([[0], [1], [2]], [[1], [0], [1]]))
        [Fraction(1, 1)]
        >>> data_reflection(Dataset.of([[0], [1], [2]], [[1], [0], [0]])) is None
        True
    """
    N = len(dataset.X)
    mean = [sum((x[m] for x in dataset.X), Fraction(0)) / N for m in range(len(dataset.X[0]))]
    rows = Counter((tuple(x), tuple(y)) for x, y in zip(dataset.X, dataset.y, strict=True))
    mirrored = Counter(
        (tuple(2 * a - b for a, b in zip(mean, x, strict=True)), tuple(y))
        for x, y in zip(dataset.X, dataset.y, strict=True)
    )
    return mean if rows == mirrored else None


def _reflect(network: Network, point: Point, mean: list[Fraction], perm: list[int]) -> Point:
    """S θ: unit j's (w, b) ↦ (−w, b + 2w·x̄) moved, with its output weights, to position perm[j]."""
    hidden, out = point.layers
    assert hidden.b is not None
    h = len(hidden.W)
    W: list[tuple[Fraction, ...]] = [()] * h
    b = [Fraction(0)] * h
    V = [[Fraction(0)] * h for _ in out.W]
    for j in range(h):
        W[perm[j]] = tuple(-w for w in hidden.W[j])
        b[perm[j]] = hidden.b[j] + 2 * sum(
            (w * m for w, m in zip(hidden.W[j], mean, strict=True)), Fraction(0)
        )
        for k, row in enumerate(out.W):
            V[k][perm[j]] = row[j]
    return Point((Layer(tuple(W), tuple(b)), Layer(tuple(tuple(r) for r in V), out.b)))


def reflection_fixes_minimiser(small: Network, dataset: Dataset, reduced: BoxResult) -> bool:
    """True when the data's point reflection provably fixes the unique minimiser x* of the box proof
    ``reduced`` (see the module docstring), so that x*'s residuals are even and Σ_i ℓ'_i x_i = 0."""
    mean = data_reflection(dataset)
    if mean is None or reduced.center is None or reduced.proof_radius is None or not reduced.mu:
        return False
    c, r = reduced.center, reduced.proof_radius
    hidden, out = c.layers
    assert hidden.b is not None
    h = len(hidden.W)
    mirror = _reflect(small, c, mean, list(range(h)))  # unpermuted images of each unit
    perm = []
    for j in range(h):
        unit = (*mirror.layers[0].W[j], mirror.layers[0].b[j], *(row[j] for row in out.W))  # type: ignore[index]
        far = [
            max(
                abs(a - b)
                for a, b in zip(unit, (*hidden.W[q], hidden.b[q], *(row[q] for row in out.W)), strict=True)
            )
            for q in range(h)
        ]
        perm.append(min(range(h), key=lambda q: far[q]))
    if sorted(perm) != list(range(h)) or any(perm[perm[j]] != j for j in range(h)):
        return False
    image = _reflect(small, c, mean, perm)
    delta = image.distance(c)
    L = 1 + 2 * sum(abs(m) for m in mean)
    rho = ParameterBox(small, dataset, c, reduced.precision).gradient_bound() / reduced.mu
    return delta + L * rho < r


def _varying_indices(geo: DataGeometry, varying: tuple[int, ...]) -> list[int]:
    """Flat indices of the varying units' w, b and V entries (the output bias is listed separately)."""
    idx = [geo.w(j, m) for j in varying for m in range(geo.d0)] + [geo.b(j) for j in varying]
    return idx + [geo.V(k, j) for k in range(geo.o) for j in varying]


def _small_geometry(geo: DataGeometry, split: Split) -> DataGeometry:
    return DataGeometry(geo.basis, geo.P_K, geo.anchor, geo.d0, len(split.varying), geo.o)


def _lift_center(
    network: Network, geo: DataGeometry, point: Point, split: Split, reduced: BoxResult, silent: bool
) -> Point:
    """A rational point near M: the varying units and the output bias from the reduced box centre, the
    constant units' incoming weights projected onto K, and (``silent``) their output weights 0; the
    output bias then exactly the reduced centre's, else minus Σ V_kj σ(β_j) rounded to float64."""
    assert reduced.center is not None
    given = point.flatten()
    x = list(given)
    small = reduced.center.flatten()
    sg = _small_geometry(geo, split)
    for pos, j in enumerate(split.varying):
        for m in range(geo.d0):
            x[geo.w(j, m)] = small[sg.w(pos, m)]
        x[geo.b(j)] = small[sg.b(pos)]
        for k in range(geo.o):
            x[geo.V(k, j)] = small[sg.V(k, pos)]
    for j in split.constant:
        for i in range(geo.d0):
            x[geo.w(j, i)] = sum((geo.P_K[i][m] * given[geo.w(j, m)] for m in range(geo.d0)), Fraction(0))
        if silent:
            for k in range(geo.o):
                x[geo.V(k, j)] = Fraction(0)
    ball = BallArithmetic(128)
    act = ball.sigmoid1 if split.small.activation == "sigmoid" else ball.tanh1
    with ball.context():
        for k in range(geo.o):
            if silent:
                x[geo.c(k)] = small[sg.c(k)]
                continue
            total = ball.constant(small[sg.c(k)])
            for j in split.constant:
                beta = sum((x[geo.w(j, m)] * geo.anchor[m] for m in range(geo.d0)), Fraction(0)) + x[geo.b(j)]
                total = total - ball.constant(x[geo.V(k, j)]) * act(ball.constant(beta))
            x[geo.c(k)] = Fraction(float(total.mid()))
    return Point.unflatten(network, x)


def _reduced_bias_balls(
    ball: BallArithmetic, geo: DataGeometry, split: Split, reduced: BoxResult
) -> list[Any]:
    """Balls holding the minimiser's output bias x*_c' (the reduced centre's, ± the proof radius)."""
    assert reduced.center is not None and reduced.proof_radius is not None
    small = reduced.center.flatten()
    sg = _small_geometry(geo, split)
    with ball.context():
        rad = ball.constant(reduced.proof_radius).upper()
        return [ball.constant(small[sg.c(k)]) + flint.arb(0, rad) for k in range(geo.o)]


def _morse_bott(
    network: Network,
    dataset: Dataset,
    point: Point,
    geo: DataGeometry,
    split: Split,
    reduced: BoxResult,
    what: str,
) -> Lifted | None:
    """The Morse–Bott proof around the given point once every point of M is known critical."""
    assert reduced.center is not None and reduced.proof_radius is not None
    ball = BallArithmetic(128)
    C = _reduced_bias_balls(ball, geo, split, reduced)
    sg = _small_geometry(geo, split)
    small, given = reduced.center.flatten(), point.flatten()
    pairs = [
        (i, k)
        for i, k in zip(
            _varying_indices(geo, split.varying),
            _varying_indices(sg, tuple(range(len(split.varying)))),
            strict=True,
        )
    ]
    # m(y)'s varying coordinates are x*'s: within r of the reduced centre, whatever y is.
    base = reduced.proof_radius + max((abs(given[i] - small[k]) for i, k in pairs), default=Fraction(0))
    R0 = distance_to_manifold(network, geo, point, C, Fraction(0), ball, units=split.constant)
    if R0 is None:
        return None
    R0 = max(R0, base)
    P = network.n_params
    S = geo.transversal(P, units=split.constant, free=_varying_indices(geo, split.varying))
    H_mid = float_derivatives(network, dataset, point)[2]
    box = ParameterBox(network, dataset, point, 128)
    for eta in sorted({e for e in (*ETAS, 4 * R0, 2 * R0) if e >= 2 * R0 and e > 0}, reverse=True):
        R_m = distance_to_manifold(network, geo, point, C, eta, ball, units=split.constant)
        if R_m is None:
            continue
        tube = max(eta, R_m, base)
        mu = transversal_curvature(box, S, tube, H_mid)
        if mu is None:
            continue
        return Lifted(
            Verdict.LOCAL_MIN,
            "constant units beside varying units",
            point,
            eta,
            tube,
            mu,
            reduced,
            f"{what}: folded into the output bias they leave the {len(split.varying)}-unit network, "
            f"whose strict local minimum x* is proved by the box method (μ ≥ {float(reduced.mu or 0):.3g}); "
            f"the data's point reflection fixes x* (the box's unique critical point), so x*'s residuals "
            f"are even and Σ_i ℓ'_i x_i = 0: x* lifts to a {P - S.shape[1]}-dimensional manifold of "
            f"exactly critical points of equal loss (the constant units' biases, output weights and "
            f"incoming weights orthogonal to the data's affine span); the Hessian on the transversal "
            f"directions (every varying-unit parameter, the output bias, the constant units' incoming "
            f"weights along the data's span) is ≥ {float(mu):.3g}·I on the whole box of radius "
            f"{float(tube):.3g}, so every loss within {float(eta):.3g} (∞-norm) of the point is at least "
            f"the manifold's (Morse–Bott)",
            code="lift-mixed-units",
        )
    return None


def _born_third_order(
    network: Network,
    dataset: Dataset,
    point: Point,
    geo: DataGeometry,
    split: Split,
    reduced: BoxResult,
    what: str,
) -> Lifted | None:
    """Silent constant units on a minimiser whose residual moment is exactly 0 (the reflection): the
    (w_j, V_j) Hessian coupling σ'(β_j)(2/N)Σ r_i x_i vanishes too, so no second-order proof exists. Along
    d = (δw_j = u ∈ K^⊥, δV_j = −κ, δc = κσ(β_j)) the output moves by −κs(σ(β_j + s u·x) − σ(β_j)), and
    F(m + s d) − F* = −κσ''(β_j) s³ (1/N)Σ r_i (u·x_i)² + O(s⁴) exactly (the s and s² terms are
    multiples of Σ r_i and Σ r_i x_i): a cubic coefficient enclosed below 0 over a whole segment
    (`curve_coefficients`, with δc a ball around κσ(β_j)) proves F(m + s d) < F* for every small s > 0."""
    if network.output != "identity" or network.loss != "mse" or network.widths[2] != 1:
        return None
    if reduced.loss_lower is None or reduced.proof_radius is None:
        return None
    center = _lift_center(network, geo, point, split, reduced, silent=True)
    fl = FloatArithmetic()
    prob = prepare(network, dataset, center, arith=fl)
    fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=fl)
    r = (predictions(network, fwd, arith=fl) - prob.targets).detach().numpy()[0]
    X = np.array([[float(v) for v in x] for x in dataset.X])
    x = center.flatten()
    ball = BallArithmetic(128)
    for j in split.constant:
        beta = sum((x[geo.w(j, m)] * geo.anchor[m] for m in range(geo.d0)), Fraction(0)) + x[geo.b(j)]
        B = np.array(geo.basis, dtype=float).T  # K^⊥'s basis as columns
        if not B.size:
            continue
        second = second_derivative(network.activation, np.array(float(beta)))
        chosen = cubic_direction(X @ B, r * second)
        if chosen is None:
            continue
        coeff, sign = chosen
        u = [
            sum((Fraction(geo.basis[c][m]) * coeff[c] for c in range(len(coeff))), Fraction(0))
            for m in range(geo.d0)
        ]
        with ball.context():
            direction = silent_unit_direction(network, geo, j, u, Fraction(sign), beta, ball)
        found = cubic_descent(
            network, dataset, center, reduced.proof_radius, direction, reduced.loss_lower, ball
        )
        if found is None:
            continue
        return Lifted(
            Verdict.SADDLE,
            f"unit {j} constant on the data, silent, on a minimiser with zero residual moment",
            center,
            reduced.proof_radius,
            reduced.proof_radius,
            None,
            reduced,
            f"{what}: the {len(split.varying)}-unit network has a strict local minimum proved by the box "
            f"method, fixed by the data's point reflection (so Σ_i r_i x_i = 0 there), and its lift m is an "
            f"exactly critical point within {float(reduced.proof_radius):.3g} of box_center; along d (unit "
            f"{j}'s incoming weights, its output weight −κ and the output bias +κσ(β)) {found.explain()}",
            found.witness,
            found.upper,
            code="higher-order-lifted-saddle",
        )
    return None


def _through_duplicates(split: Split, dataset: Dataset) -> tuple[BoxResult, str]:
    """The varying units' point as the lift of a still narrower strict minimum through a duplicated pair
    (Fukumizu & Amari's line, critical for every split λ): a box result whose centre is the lifted
    centre and whose radius R = max(1, |λ|, |1 − λ|)·r holds the lifted critical point; or a failed one."""
    for dup in find_duplicates(split.small, split.small_point):
        narrow, narrow_point = reduce_duplicate(split.small, split.small_point, dup)
        hess = float_derivatives(narrow, dataset, narrow_point)[2]
        res = certify_minimum(narrow, dataset, narrow_point, hess)
        if res.verdict is not Verdict.LOCAL_MIN or res.center is None or res.proof_radius is None:
            continue
        if all(abs(row[dup.a]) <= 2 * res.proof_radius for row in res.center.layers[1].W):
            continue  # the summed output weight might be 0: no line to lift along
        center = lift_duplicate(res.center, dup, dup.lam, split.small.widths[1])
        R = max(Fraction(1), abs(dup.lam), abs(1 - dup.lam)) * res.proof_radius
        a, b = split.varying[dup.a], split.varying[dup.b]
        return replace(
            res, center=center, proof_radius=R
        ), f" (varying units {a} and {b} are duplicates, merged)"
    return BoxResult(None, "no duplicated pair", 0), ""


def certify_mixed_units(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """Prove a (non-strict) local minimum or a saddle at a point where some hidden units are constant on
    the data and the others vary, by reducing to the varying units and lifting back (see the module
    docstring); None when no exact argument makes the lift critical or no proof goes through.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "tanh")
        >>> data = Dataset.of([[-1], [0], [1], [2]], [[0], [1], [0], [1]])
        >>> point = Point.of([([[0], [1]], [1, 0]), ([[0, 1]], [0])])  # unit 0 constant and silent
        >>> certify_mixed_units(net, data, point) is None  # unit 1 alone is no minimum here
        True
    """
    split = split_units(network, dataset, point)
    if split is None:
        return None
    hess = float_derivatives(split.small, dataset, split.small_point)[2]
    reduced = certify_minimum(split.small, dataset, split.small_point, hess)
    tol = 4 * relative_rounding(point.flatten())
    out = point.layers[1]
    silent = all(may_round(row[j], Fraction(0), tol) for row in out.W for j in split.constant)
    pair = ""
    if reduced.verdict is not Verdict.LOCAL_MIN and silent:
        reduced, pair = _through_duplicates(split, dataset)
    if reduced.verdict is not Verdict.LOCAL_MIN or reduced.center is None or reduced.proof_radius is None:
        return None
    geo = data_geometry(network, dataset)
    if any(abs(v) > 2**52 for vec in geo.basis for v in vec):
        return None  # an integer basis beyond exact float64 values: the enclosure cannot hold it
    units = ", ".join(str(j) for j in split.constant)
    what = f"hidden unit(s) {units} are constant on the data beside {len(split.varying)} varying unit(s)" + (
        " and have output weight 0" if silent else ""
    )
    r = reduced.proof_radius
    if not pair and reflection_fixes_minimiser(split.small, dataset, reduced):
        proved = _morse_bott(network, dataset, point, geo, split, reduced, what)
        if proved is not None:
            return proved
        center = _lift_center(network, geo, point, split, reduced, silent=False)
        ball = BallArithmetic(128)
        C = _reduced_bias_balls(ball, geo, split, reduced)
        far = distance_to_manifold(network, geo, center, C, Fraction(0), ball, units=split.constant)
        if far is None:
            return None
        saddle = lifted_saddle(
            network,
            dataset,
            center,
            max(far, r),
            reduced,
            what,
            f"the {len(split.varying)}-unit network has a strict local minimum proved by the box method, "
            f"fixed by the data's point reflection (so Σ_i ℓ'_i x_i = 0 there), and its lift is",
        )
        if saddle is None and silent:
            return _born_third_order(network, dataset, point, geo, split, reduced, what)
        return saddle
    if silent:
        center = _lift_center(network, geo, point, split, reduced, silent=True)
        return lifted_saddle(
            network,
            dataset,
            center,
            r,
            reduced,
            what,
            f"the {len(split.varying) - bool(pair)}-unit network{pair} has a strict local minimum proved by "
            f"the box method, and units constant on the data with output weight 0 keep its lift critical, "
            f"so there is",
        )
    return None
