"""Minima on the orbits of a continuous symmetry of the loss, proved on a slice that cuts the orbits.

Two groups act on the parameters without changing the network's function on any input:

- *positive rescalings of (leaky-)ReLU units, in any hidden layer*: unit u's incoming weights and bias
  times α_u > 0, its outgoing weights divided by α_u (W_l[u][p] ↦ α_u W_l[u][p] / α_p, α = 1 for inputs
  and outputs), one dimension per hidden unit;
- *GL(p) ⋉ Rᵖ on a hidden layer of p identity units* (one hidden layer): W₁ ↦ A W₁, b₁ ↦ A b₁ + δ,
  W₂ ↦ W₂ A⁻¹, c ↦ c − W₂ A⁻¹ δ (A invertible), p² + p dimensions (p² without biases).

The proof. Fix a set of coordinates ("the slice" S: one outgoing weight per ReLU unit; p columns of W₁
forming an invertible block X_J, and b₁, for identity units) at their given values. The box method on
S — the gradient on S's free coordinates below μr/2 and the Hessian restricted to them ≥ μ over a box B
— proves a unique minimiser x* of F on S near the point. x* is critical for F: the group's
infinitesimal identities (per ReLU unit Σ_in θ ∂F/∂θ − Σ_out θ ∂F/∂θ = 0; for identity units
∂F/∂b₁ = W₂ᵀ ∂F/∂c and (∂F/∂W₁) W₁ᵀ + (∂F/∂b₁) b₁ᵀ = W₂ᵀ ∂F/∂W₂) express the fixed coordinates'
derivatives through the free ones, all 0 at x*, and leave only (∂F/∂θ_fixed)·θ_fixed = 0 (ReLU: layer
by layer from the first) or G_J X_Jᵀ = 0 (X_J invertible). Every y near x* is exactly m(y) + t with
m(y) = g(y)·x* on x*'s orbit (g(y) solves "m's fixed coordinates are y's": α_u a product of ratios
θ*_f / y_f; A = Y_J X_J⁻¹, δ = y_b − A b₁*) and t on S's tangent; m(y) is critical with F(m) = F(x*),
and a proved bound on ‖m(y) − x̃‖∞ puts every m + s t in B, so F(y) ≥ F(x*) by Taylor's theorem: a
non-strict local minimum on its orbit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import flint
import numpy as np

from badminima.arithmetic.flint_bridge import to_fmpq, to_fraction
from badminima.landscape.symmetries import apply_symmetry, hidden_layers
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import PRECISIONS, BoxResult, certify_saddle
from badminima.verify.certificate import Verdict
from badminima.verify.curvature import MAX_BALL_HESSIAN, curvature_bound, curvature_bound_balls
from badminima.verify.lift import Lifted
from badminima.verify.numerics import float_derivatives
from badminima.verify.output_curvature import output_layer_curvature
from badminima.verify.parameter_box import ParameterBox, ball_bounds, norm_upper, strong_convexity_floor
from badminima.verify.polish import polish

OrbitBound = Callable[[Point, Fraction, Fraction], Fraction | None]
"""(centre, r, η) ↦ a proved bound on ‖g(y)·x* − centre‖∞ over every y within η of the centre and every
x* on the slice within r of it (None when the orbit cannot be charted there)."""


@dataclass(frozen=True)
class Slice:
    """A slice through the orbits: the ``fixed`` flat indices, the ``bound`` on the orbit's reach, what
    the group is (``invariance``), the certificate's ``code``, and the orbit dimension ``dim``."""

    fixed: tuple[int, ...]
    bound: OrbitBound
    invariance: str
    code: str
    dim: int


def rescaling_slice(network: Network, point: Point) -> Slice | None:
    """The slice fixing, for every hidden unit of a (leaky-)ReLU network, its largest outgoing weight
    (None when some unit's outgoing weights are all 0).

    Example:
        >>> net = Network((1, 2, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> p = Point.unflatten(net, [1, -1, 0, 0, 2, -3, 0, 5, 0])
        >>> rescaling_slice(net, p).fixed  # W₂[0][0], W₂[0][1], W₃[0][0] in flat order
        (4, 5, 7)
    """
    if network.activation not in ("relu", "leaky_relu"):
        return None
    offsets = network.layer_offsets
    fixed = []
    for layer in range(1, len(point.layers)):
        W = point.layers[layer].W
        cols = len(W[0])
        for u in range(cols):
            k = max(range(len(W)), key=lambda k: abs(W[k][u]))
            if W[k][u] == 0:
                return None
            fixed.append(offsets[layer] + k * cols + u)
    depth = len(network.widths) - 2
    values = [abs(point.flatten()[i]) for i in fixed]

    def bound(center: Point, r: Fraction, eta: Fraction) -> Fraction | None:
        if 2 * eta >= min(values):
            return None
        # Each α_u is a product of at most `depth` ratios θ*_f / y_f ∈ [1/(1+ε), 1+ε], each coordinate
        # moves by a ratio α_u/α_p of at most 2·depth of them.
        eps = max(eta / (v - eta) for v in values)
        spread = (1 + eps) ** (2 * depth) - 1
        top = max(abs(v) for v in center.flatten())
        return r + spread * (top + r) + eta

    return Slice(tuple(fixed), bound, "positive rescalings of ReLU units", "lift-relu-rescaling", len(fixed))


def _independent_columns(W: list[list[Fraction]], p: int) -> list[int] | None:
    """p columns of W (p rows) forming an invertible block, greedy by float pivoting (None if rank < p)."""
    M = np.array([[float(v) for v in row] for row in W])
    chosen: list[int] = []
    for _ in range(p):
        best, best_val = None, 0.0
        for j in range(M.shape[1]):
            if j in chosen:
                continue
            cols = M[:, [*chosen, j]]
            val = float(np.linalg.svd(cols, compute_uv=False)[-1])
            if val > best_val:
                best, best_val = j, val
        if best is None or best_val <= 1e-12 * (1 + float(np.abs(M).max())):
            return None
        chosen.append(best)
    return sorted(chosen)


def linear_layer_slice(network: Network, point: Point) -> Slice | None:
    """The slice fixing an invertible p×p block X_J of W₁ (and b₁) for one hidden layer of p identity
    units (None for other networks, or when W₁ has rank below p).

    Example:
        >>> net = Network((2, 1, 1), "identity", output="sigmoid", loss="bce")
        >>> linear_layer_slice(net, Point.unflatten(net, [0, 2, 1, 1, 0])).fixed  # W₁[0][1] and b₁
        (1, 2)
    """
    if network.activation != "identity" or len(network.widths) != 3:
        return None
    d, p = network.widths[0], network.widths[1]
    W1 = [list(row) for row in point.layers[0].W]
    J = _independent_columns(W1, p)
    if J is None:
        return None
    X_J = flint.fmpq_mat(p, p, [to_fmpq(W1[i][j]) for i in range(p) for j in J])
    if X_J.det() == 0:
        return None  # float pivoting was fooled by tiny entries: exactly singular
    inv = X_J.inv()
    norm_inv = max(sum(abs(to_fraction(inv[i, k])) for k in range(p)) for i in range(p))
    fixed = [i * d + j for i in range(p) for j in J]
    if network.bias:
        fixed += [p * d + i for i in range(p)]

    def bound(center: Point, r: Fraction, eta: Fraction) -> Fraction | None:
        # A − I = (Y_J − X_J) X_J⁻¹ (row sums ≤ pη‖X_J⁻¹‖∞), ‖A⁻¹ − I‖∞ ≤ e/(1 − e); δ = (y_b − b*) −
        # (A − I) b*; every coordinate of m − x* is then bounded through ‖x*‖max ≤ top + r.
        e = p * eta * norm_inv
        if e >= Fraction(1, 2):
            return None
        e_inv = e / (1 - e)
        top = max(abs(v) for v in center.flatten()) + r
        moves = [e * top, p * top * e_inv]
        if network.bias:
            delta = eta + e * top
            moves += [eta, p * top * (1 + e_inv) * delta]
        return r + max(moves) + eta

    dim = p * p + (p if network.bias else 0)
    group = f"GL({p}) ⋉ R^{p}" if network.bias else f"GL({p})"
    return Slice(tuple(fixed), bound, f"{group} of a layer of {p} identity units", "lift-linear-units", dim)


def _slice_starts(
    network: Network,
    dataset: Dataset,
    point: Point,
    fixed: tuple[int, ...],
    precisions: tuple[int, ...] = PRECISIONS,
) -> Iterator[tuple[int, Point, ParameterBox, Fraction, np.ndarray, Fraction]]:
    """Per precision, the point polished on the slice that holds ``fixed`` at its values, where the
    Hessian's free block is positive at the centre: (precision, centre, its box, a proved bound on the
    free gradient, the free block's eigenvectors as P-vectors, the radius r = 4‖g‖/λ_min, floored at
    the precision) for the box method."""
    P = network.n_params
    held = set(fixed)
    free = [i for i in range(P) if i not in held]
    if not free:
        return
    start = polish(network, dataset, point, precision=None, free=free)
    for prec in precisions:
        polished = polish(network, dataset, start.point, precision=prec, hessian=start.hessian, free=free)
        center = polished.point
        if any(center.flatten()[i] != point.flatten()[i] for i in fixed):
            continue  # the slice is where the point's fixed coordinates are
        box = ParameterBox(network, dataset, center, prec)
        g = box.ball_gradient()
        g_up = norm_upper(box.ball, [g[i] for i in free])
        eig, vecs = np.linalg.eigh(polished.hessian[np.ix_(free, free)])
        if not len(eig) or eig[0] <= 0:
            continue
        basis = np.zeros((P, len(free)))
        basis[free, :] = vecs  # T's eigenvectors: tight Gershgorin discs
        scale = 1 + max(abs(float(v)) for v in center.flatten())
        yield (
            prec,
            center,
            box,
            g_up,
            basis,
            max(4 * g_up / Fraction(float(eig[0])), Fraction(scale) / 2 ** (prec // 3)),
        )


def slice_curvature(
    box: ParameterBox,
    basis: np.ndarray,
    radius: Fraction | Sequence[Fraction],
    moving: Collection[int] | None = None,
) -> Fraction | None:
    """A proved lower bound on the Hessian along ``basis`` over the box of ``radius`` (one for all
    numbers, or one each; float64 enclosures, then, where only output-layer numbers move, the
    generalised linear model's bound of `output_layer_curvature`, then balls up to `MAX_BALL_HESSIAN`
    parameters), or None."""
    P, k = basis.shape
    mu = curvature_bound(box.hessian(radius, moving), basis)
    if mu is None:
        mu = output_layer_curvature(box, basis, radius, moving)
    if mu is None and P <= MAX_BALL_HESSIAN:
        with box.ball.context():
            Q = flint.arb_mat(P, k, [float(v) for v in basis.ravel()])
            mu = curvature_bound_balls(box.hessian_balls(radius, moving), Q)
    return mu


def _slice_result(
    box: ParameterBox, prec: int, center: Point, g_up: Fraction, r: Fraction, mu: Fraction
) -> BoxResult:
    lo, hi = ball_bounds(box.loss(box.prob.flat))
    return BoxResult(
        Verdict.LOCAL_MIN,
        "slice minimum",
        prec,
        radius=r,
        proof_radius=r,
        center=center,
        mu=mu,
        loss_lower=strong_convexity_floor(lo, g_up, mu),
        loss_upper=hi,
    )


def slice_minima(
    network: Network,
    dataset: Dataset,
    point: Point,
    fixed: tuple[int, ...],
    precisions: tuple[int, ...] = PRECISIONS,
) -> Iterator[BoxResult]:
    """The unique minimiser x* of the loss restricted to the slice that holds the ``fixed`` flat indices
    at the point's values, proved by the box method on that slice alone (its Hessian enclosed over a box
    that moves only the free coordinates), once per precision of ``precisions`` where the proof goes
    through: a higher precision encloses x* in a smaller box. x* is critical along the slice only: what
    that means for the whole network is the caller's argument (`affine_fits`: the free coordinates move
    the logits over every affine map, so x* is a best affine fit).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "identity", output="identity", loss="mse")
        >>> data = Dataset.of([[0], [1], [2]], [[1], [2], [4]])
        >>> found = next(slice_minima(net, data, Point.unflatten(net, [1, 0, 1, 1]), fixed=(0, 1)))
        >>> abs(float(found.center.flatten()[2]) - 1.5) < 1e-12  # the least-squares slope of 1·x
        True
    """
    free = set(range(network.n_params)) - set(fixed)
    for prec, center, box, g_up, basis, r in _slice_starts(network, dataset, point, fixed, precisions):
        mu = slice_curvature(box, basis, r, free)
        if mu is not None and g_up < mu * r / 2:
            yield _slice_result(box, prec, center, g_up, r, mu)


def certify_on_slice(
    network: Network,
    dataset: Dataset,
    point: Point,
    chart: Slice,
    *,
    reach: Callable[[Point, Fraction], Fraction] | None = None,
) -> Lifted | None:
    """Prove the point lies in a neighbourhood where every loss is at least that of a critical point on
    the slice ``chart`` (see the module docstring), or None. The neighbourhood's ∞-radius η around the
    polished centre c is 2‖point − c‖∞ + r, or ``reach(c, r)`` where that is larger (r the slice
    minimiser's box radius): a caller that maps the box elsewhere asks for the room it needs."""
    v_fixed = chart.fixed
    for prec, center, box, g_up, basis, r in _slice_starts(network, dataset, point, v_fixed):
        offset = point.distance(center)
        eta = 2 * offset + r if reach is None else max(2 * offset + r, reach(center, r))
        R_m = chart.bound(center, r, eta)
        if R_m is None:
            continue
        tube = 2 * R_m + eta
        if not box.region_holds(box.flat(tube)):
            continue
        mu = slice_curvature(box, basis, tube)
        if mu is None or not g_up < mu * r / 2:
            continue
        reduced = _slice_result(box, prec, center, g_up, r, mu)
        return Lifted(
            Verdict.LOCAL_MIN,
            chart.invariance,
            center,
            eta,
            tube,
            mu,
            reduced,
            f"the loss is invariant under {chart.invariance} (orbits of dimension {chart.dim}): on the slice "
            f"that fixes {len(v_fixed)} coordinate(s) at their given values, the Hessian on the remaining "
            f"directions is ≥ {float(mu):.3g}·I on the whole box of radius {float(tube):.3g} and the "
            f"gradient there is ≤ {float(g_up):.3g} < μr/2, so the slice has a unique minimiser, critical "
            f"for the whole network (the group's identities), and every loss within {float(eta):.3g} "
            f"(∞-norm) of box_center is at least its loss: a non-strict local minimum on its orbit",
            code=chart.code,
            fixed=v_fixed,
        )
    return None


BALANCE_RATIO = 4
"""A unit whose incoming and outgoing weights differ in size by more than this factor is rescaled to the
balanced representative of its orbit before the slice proof (`balancing_scales`)."""


BALANCE_SWEEPS = 8
"""Layer-by-layer balancing sweeps at most (each rescaled layer changes its neighbours' balance)."""


def balancing_scales(network: Network, point: Point) -> list[list[Fraction]] | None:
    """Powers of two α_u per hidden (leaky-)ReLU unit, layer by layer, that make each unit's largest
    incoming weight or bias and largest outgoing weight equal within a factor 2 (α_u² ≈ |out| / |in|),
    swept over the layers until no unit moves (at most `BALANCE_SWEEPS` times); None when no unit is out
    of balance by more than `BALANCE_RATIO` (or for other activations).

    Example:
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> balancing_scales(net, Point.unflatten(net, [1024, 512, Fraction(1, 1024), 0]))
        [[Fraction(1, 1024)]]
    """
    if network.activation not in ("relu", "leaky_relu"):
        return None
    theta = list(point.flatten())
    layers = hidden_layers(network)
    scales = [[Fraction(1)] * network.widths[layer] for layer in layers]
    unbalanced = False
    for _ in range(BALANCE_SWEEPS):  # rescaling one layer unbalances its neighbours: sweep until settled
        moved = False
        for n, layer in enumerate(layers):
            current = Point.unflatten(network, theta)
            incoming, outgoing = current.layers[layer - 1], current.layers[layer]
            alphas = []
            for u, row in enumerate(incoming.W):
                inn = max(abs(v) for v in (*row, *(() if incoming.b is None else (incoming.b[u],))))
                out = max(abs(w[u]) for w in outgoing.W)
                k = 0
                if inn > 0 and out > 0:
                    unbalanced |= max(inn / out, out / inn) > BALANCE_RATIO
                    k = round(float(np.log2(float(out)) - np.log2(float(inn))) / 2)
                alphas.append(Fraction(2) ** k)
                moved |= k != 0
            theta = list(apply_symmetry(network, theta, layer, scales=alphas))
            scales[n] = [a * b for a, b in zip(scales[n], alphas, strict=True)]
        if not moved:
            break
    return scales if unbalanced else None


def _rescale(
    network: Network, theta: tuple[Fraction, ...], scales: list[list[Fraction]]
) -> tuple[Fraction, ...]:
    out = list(theta)
    for layer, alphas in zip(hidden_layers(network), scales, strict=True):
        out = list(apply_symmetry(network, out, layer, scales=alphas))
    return tuple(out)


def certify_on_balanced_slice(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """A minimum on an orbit of ReLU rescalings proved at the orbit's balanced representative and mapped
    back (code ``lift-relu-rescaling``); None when the point is balanced already or a step fails.

    Why. With a unit rescaled by α ≫ 1 (incoming ×α, outgoing ÷α) the slice through the point fixes a
    tiny outgoing weight, the orbit's chart moves coordinates of size α by a relative amount η/|v|, and
    the Hessian's conditioning grows like α⁴: the box on the slice cannot be closed. The rescaling g
    (α_u powers of two, `balancing_scales`) is an exact linear map, diagonal with factors f_i > 0
    (α_u on unit u's incoming weights and bias, α_p/α_u on its outgoing ones), with F∘g = F; so
    ∇F(y) = gᵀ∇F(g y) and y is critical iff g y is. The slice proof at x' = g x (exact rationals) gives
    a critical x* within r of its centre c' and F(y') ≥ F(x*) for every y' with ‖y' − c'‖∞ ≤ η'. The
    preimage g⁻¹B(c', η') is a box with half-widths η'/f_i, so it contains the ∞-ball of radius
    ρ = η'/max f_i around g⁻¹c', on which F(y) = F(g y) ≥ F(x*) = F(g⁻¹x*); and g⁻¹x* lies within
    r·max(1/f_i) < ρ of g⁻¹c' (η' is chosen so), inside that ball's interior: it is a critical point
    with a neighbourhood of losses ≥ its own, a (non-strict) local minimum on its orbit.
    """
    scales = balancing_scales(network, point)
    if scales is None:
        return None
    inverse = [[1 / a for a in alphas] for alphas in scales]
    factors = _rescale(network, tuple(Fraction(1) for _ in range(network.n_params)), scales)
    f_max, f_inv_max = max(factors), max(1 / f for f in factors)
    balanced = Point.unflatten(network, _rescale(network, point.flatten(), scales))
    chart = rescaling_slice(network, balanced)
    if chart is None:
        return None
    proved = certify_on_slice(
        network, dataset, balanced, chart, reach=lambda _c, r: 2 * f_max * f_inv_max * r
    )
    if proved is None:
        return None
    rho = proved.radius / f_max
    if proved.reduced.proof_radius is None or not proved.reduced.proof_radius * f_inv_max < rho:
        return None  # the critical point's preimage might leave the ball (never expected: η' is chosen so)
    center = Point.unflatten(network, _rescale(network, proved.center.flatten(), inverse))
    offset = point.distance(center)
    where = (
        "which holds the given point" if offset < rho else f"the given point is {float(offset):.3g} from it"
    )
    return Lifted(
        Verdict.LOCAL_MIN,
        chart.invariance,
        center,
        rho,
        proved.tube,
        proved.mu,
        replace(proved.reduced, radius=(proved.reduced.radius or Fraction(0)) * f_inv_max),
        f"the point's units are far from balanced: rescaled exactly by powers of two (factors f_i "
        f"between {float(min(factors)):.3g} and {float(f_max):.3g}) to the orbit's balanced "
        f"representative, where {proved.reason}; mapped back, the "
        f"box of radius η = {float(proved.radius):.3g} holds the ∞-ball of radius η/max f_i = "
        f"{float(rho):.3g} around box_center ({where}), so every loss there is at least that of the "
        f"critical point the slice proof found, which lies inside it (within r·max(1/f_i)): a non-strict "
        f"local minimum on its orbit (μ and the tube in the balanced coordinates)",
        code=chart.code,
        # g is diagonal: the balanced slice's fixed numbers are the given point's, times f_i, and its
        # minimiser, within r of c', lies within r·max(1/f_i) of box_center (the slice's `reduced.radius`)
        fixed=chart.fixed,
    )


def certify_saddle_on_slice(network: Network, dataset: Dataset, point: Point, chart: Slice) -> Lifted | None:
    """A saddle on a symmetry orbit: the Krawczyk test on the slice's free coordinates proves a unique
    critical point x* of F restricted to the slice (`certify_saddle` with ``free``), critical for F by
    the group's identities (x*'s fixed coordinates are the point's: non-zero weights, an invertible
    block); a fixed direction of proved negative curvature over the box makes it a saddle, and a point
    of lower loss is exhibited (code ``slice-saddle``). None when any step fails."""
    fixed = set(chart.fixed)
    free = [i for i in range(network.n_params) if i not in fixed]
    hess = float_derivatives(network, dataset, point)[2]
    res = certify_saddle(network, dataset, point, hess, free=free)
    if res.verdict is not Verdict.SADDLE or res.center is None or res.proof_radius is None:
        return None
    if any(res.center.flatten()[i] != point.flatten()[i] for i in chart.fixed):
        return None  # not on the slice through the point (never expected: polish keeps them)
    return Lifted(
        Verdict.SADDLE,
        chart.invariance,
        res.center,
        res.proof_radius,
        res.proof_radius,
        None,
        res,
        f"the loss is invariant under {chart.invariance} (orbits of dimension {chart.dim}): on the slice "
        f"that fixes {len(chart.fixed)} coordinate(s) at their given values, {res.reason}; that critical "
        f"point of the slice is critical for the whole network (the group's identities)",
        res.witness,
        res.witness_loss_upper,
        code="slice-saddle",
        fixed=chart.fixed,
    )


def _smooth_head(network: Network) -> bool:
    """A sigmoid output or cross-entropy: the loss is not rational, so the exact region proofs do not
    apply and these slices are the proof for singular Hessians."""
    return network.output == "sigmoid" or network.loss == "bce"


def certify_orbit(
    network: Network, dataset: Dataset, point: Point, *, rounded: bool = False
) -> Lifted | None:
    """A minimum (codes ``lift-relu-rescaling``, ``lift-linear-units``) or a saddle (``slice-saddle``)
    on an orbit of ReLU rescalings (a (leaky-)ReLU net of any depth, strictly inside one activation
    region) or of GL(p) ⋉ Rᵖ (one hidden layer of identity units), for a smooth head — or, with
    ``rounded``, for identity output with mse too, whose exact proofs stop at a rounded point; or None.

    Example:
        >>> from badminima.model import load_trap
        >>> trap = load_trap("examples/degenerate/linear-units.json")
        >>> certify_orbit(trap.network, trap.dataset, trap.point).code
        'lift-linear-units'
    """
    if not (_smooth_head(network) or rounded):
        return None
    chart = rescaling_slice(network, point) or linear_layer_slice(network, point)
    if chart is None:
        return None
    return (
        certify_on_slice(network, dataset, point, chart)
        or certify_on_balanced_slice(network, dataset, point)
        or certify_saddle_on_slice(network, dataset, point, chart)
    )
