"""Saddles on the curve of critical points made by silent units, at rounded points.

In a one-hidden-layer smooth network with one output whose every output weight is 0 and whose output
bias is the constant model's optimum C* (`constant_units.constant_optimum`), the outputs are C* on every
input, so the gradient vanishes along every weight except the output weights, where it is

    ∂F/∂v_j ∝ h_j(w_j, b_j) = Σ_i (ȳ − y_i) σ(w_j·x_i + b_j)

(the loss's derivative at C* is a positive multiple of ȳ − y_i for every head). With K outputs whose
targets are affine in one column r (y_k = α_k y_r + β_k exactly, `output_splits.affine_targets`),
ȳ_k − y_ik = α_k(ȳ_r − y_ir), so ∂F/∂v_jk ∝ α_k h_j for the column r's h_j: one equation per unit
again. The critical points form the set {h_j = 0 for every j}: a curve or more in each unit's
(w_j, b_j), so the Hessian is singular and a Krawczyk test cannot run. With w_j as given, a sign change
of h_j over [b_j − δ, b_j + δ] (balls) puts a zero b_j* there (intermediate values): the point with those
biases and c = C* is exactly critical and within R = max(δ, |c − C*|) of the given one. A bias written
exactly on purpose stays; one of the unit's rounded incoming weights moves instead, within its own
rounding (half a unit of its last digit). Where the digits are shorter than a float's print, or a
float's print, the window (`rounding.resolvable_window`) bounds each move instead: the output biases'
miss, and the unit's segment across h_j = 0 along the direction that moves its numbers least in units of
their windows (so w moves too where b alone would leave its window). A direction of
negative curvature proved over that whole box (`lift.lifted_saddle`) makes it a saddle, with a lower
point exhibited.

Beside live units (one output) the same holds with the constant model replaced by the narrower network
of the live units (Fukumizu & Amari's embedding by units of zero output weight): its strict minimum θ*,
proved by the box method and enclosed tightly, fixes the outputs, and h_j(w_j, b_j) =
Σ_i ℓ'_i σ(w_j·x_i + b_j) with each ℓ'_i (the loss's slope at x_i's output) enclosed over θ*'s box.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.landscape.derivatives import logit_slope
from badminima.landscape.forward_pass import forward, unflatten
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import non_terminating
from badminima.verify.box import certify_minimum
from badminima.verify.certificate import Verdict
from badminima.verify.constant_units import constant_optimum, exact_optimal_bias, target_means
from badminima.verify.embeddings import silenced, with_units, without_units
from badminima.verify.lift import Lifted, lifted_saddle
from badminima.verify.numerics import float_derivatives
from badminima.verify.output_splits import affine_targets
from badminima.verify.parameter_box import ParameterBox, ball_bounds
from badminima.verify.pinpoint import bits_for, held_critical_point, pinpoint
from badminima.verify.rounding import (
    coarsest_rounding,
    hold_pinned,
    resolvable_window,
    rounding_box,
    window_radii,
)
from badminima.verify.symmetry_slices import certify_orbit, slice_minima

WIDENINGS = 8
"""Half-widths δ = 2ρ, 4ρ, … tried for each bias's sign change (ρ the point's coarsest rounding), up
to the bias's window instead where a float resolves it (`resolvable_window`)."""


def _activation(ball: BallArithmetic, network: Network) -> Any:
    """σ of the hidden units on balls: a ReLU's (leaky or not) ball that straddles 0 is enclosed by the
    hull of its two pieces."""
    if network.activation == "sigmoid":
        return ball.sigmoid1
    if network.activation == "tanh":
        return ball.tanh1
    slope = network.leaky_slope or Fraction(0)

    def piecewise(z: Any) -> Any:
        low = z * ball.constant(slope)
        return z if z > 0 else low if z < 0 else z.union(low)

    return piecewise


def _slope(network: Network, z: float) -> float:
    """σ'(z) in floats, for a search direction only."""
    if network.activation == "sigmoid":
        s = 1 / (1 + math.exp(-z))
        return s * (1 - s)
    if network.activation == "tanh":
        return 1 - math.tanh(z) ** 2
    return 1.0 if z > 0 else float(network.leaky_slope or 0)


def _h(
    ball: BallArithmetic, network: Network, dataset: Dataset, weights: Sequence[Any], w: Any, b: Any
) -> Any:
    """Σ_i weights_i·σ(w·x_i + b): a positive multiple of ∂F/∂v_j for a silent unit j at (w, b), the
    weights being each data point's loss slope at the outputs (balls)."""
    act = _activation(ball, network)
    total = ball.constant(Fraction(0))
    for x, weight in zip(dataset.X, weights, strict=True):
        z = b + sum((wi * ball.constant(xi) for wi, xi in zip(w, x, strict=True)), ball.constant(Fraction(0)))
        total = total + weight * act(z)
    return total


def _sign_change(
    ball: BallArithmetic,
    network: Network,
    dataset: Dataset,
    weights: Sequence[Any],
    unit: list[Fraction],
    direction: list[Fraction],
    t: Fraction,
    cap: Fraction,
) -> Fraction | None:
    """The half-length (``t``, doubled up to ``cap``) of a segment unit ± t·direction (the unit's weights,
    then its bias) over which h changes sign: a zero of h lies on it; 0 where h is exactly 0 at the unit
    itself (a unit born at zero: tanh(0) = 0)."""
    with ball.context():
        here = _h(
            ball, network, dataset, weights, [ball.constant(v) for v in unit[:-1]], ball.constant(unit[-1])
        )
        if ball.sign(here) == 0:
            return Fraction(0)
    while t > 0:
        ends = []
        for side in (-1, 1):
            moved = [q + side * t * e for q, e in zip(unit, direction, strict=True)]
            with ball.context():
                w = [ball.constant(v) for v in moved[:-1]]
                ends.append(ball.sign(_h(ball, network, dataset, weights, w, ball.constant(moved[-1]))))
        if None not in ends and ends[0] * ends[1] < 0:  # type: ignore[operator]
            return t
        if t >= cap:
            return None
        t = min(2 * t, cap)
    return None


def _axis(k: int, d: int) -> list[Fraction]:
    """The unit vector along a unit's k-th number (its d weights, then its bias)."""
    return [Fraction(int(m == k)) for m in range(d + 1)]


def _across_the_curve(
    network: Network, dataset: Dataset, weights: Sequence[float], unit: list[Fraction], window: list[Fraction]
) -> list[Fraction]:
    """The direction across h = 0 that moves each of the unit's numbers least in units of its window: the
    gradient of h scaled twice by the windows (a float estimate; only the signs at its ends are proved),
    normalised so that t = 1 reaches the edge of the window and no farther."""
    slope = [0.0] * len(unit)
    for x, weight in zip(dataset.X, weights, strict=True):
        z = float(unit[-1]) + sum(float(u) * float(xi) for u, xi in zip(unit[:-1], x, strict=True))
        c = weight * _slope(network, z)
        for m, xi in enumerate([*x, 1]):
            slope[m] += c * float(xi)
    e = [Fraction(g) * r * r for g, r in zip(slope, window, strict=True)]
    top = max((abs(q) / r for q, r in zip(e, window, strict=True) if r), default=Fraction(0))
    return [q / top for q in e] if top else e


def _unit_moves(
    crosses: Callable[[list[Fraction], list[Fraction], Fraction, Fraction], Fraction | None],
    network: Network,
    dataset: Dataset,
    weights: Sequence[float],
    point: Point,
    units: Iterable[int],
    window: list[Fraction] | None,
) -> list[Fraction] | None:
    """How far each of ``units`` moves to a zero of its h (`_unit_move`), or None where one does not."""
    moves = []
    for j in units:
        found = _unit_move(crosses, network, dataset, weights, point, j, window)
        if found is None:
            return None
        moves.append(found)
    return moves


def _unit_move(
    crosses: Callable[[list[Fraction], list[Fraction], Fraction, Fraction], Fraction | None],
    network: Network,
    dataset: Dataset,
    weights: Sequence[float],
    point: Point,
    j: int,
    window: list[Fraction] | None,
) -> Fraction | None:
    """How far silent unit j's numbers move to a zero of its h (``crosses`` finds a sign change along a
    direction), or None. With a window a float resolves (`resolvable_window`) they move across h = 0
    within it; else its bias moves (within 2ρ, 4ρ, … and its own window), and where that is held or
    does not reach the curve, one of its rounded incoming weights, within that weight's own window.
    0 where h is exactly 0 as written."""
    hidden = point.layers[0]
    assert hidden.b is not None
    h, d = network.widths[1], network.widths[0]
    unit, b = [*hidden.W[j], hidden.b[j]], hidden.b[j]
    if window:
        unit_window = [*window[j * d : j * d + d], window[h * d + j]]
        across = _across_the_curve(network, dataset, weights, unit, unit_window)
        # the least move in the 2-norm of window units, then the least in the ∞-norm (every number its
        # whole window, each the way that moves h towards 0: a corner of the window)
        corner = [(1 if e > 0 else -1 if e < 0 else 0) * r for e, r in zip(across, unit_window, strict=True)]
        # from twice the coarsest rounding up: a float's print sits within 1e-16 of the curve, and the
        # saddle's curvature proof needs a box no wider than the move
        top = max(unit_window)
        start = min(Fraction(1, 128), 2 * coarsest_rounding(point) / top) if top else Fraction(1, 128)
        for direction in (across, corner):
            t = crosses(unit, direction, start, Fraction(1))
            if t is not None and (t == 0 or any(direction)):  # 0: on the curve as written
                return t * max(abs(e) for e in direction)
        return None
    radii, rho = rounding_box(point), coarsest_rounding(point)
    held = hold_pinned(point, window_radii(point))
    # each number moves as far as its own window and no farther (a long bias beside short digits has a
    # narrow one; an exact one, none): the bias first, then each rounded incoming weight
    reach = held[h * d + j]
    if reach and (radii[h * d + j] or not non_terminating(b)):
        found = crosses(unit, _axis(d, d), min(2 * rho, reach), reach)
        if found is not None:
            return found
    own = [(k, radii[j * d + k], held[j * d + k]) for k in range(d) if radii[j * d + k] and held[j * d + k]]
    return next(
        (t for k, r, top in own if (t := crosses(unit, _axis(k, d), min(r, top), top)) is not None), None
    )


def certify_silent_units(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """A saddle (code ``silent-unit-saddle``) at a rounded point next to the critical curve of silent
    units (see the module docstring), or None when a step fails or the point is not of that kind.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[-2], [-1], [0], [1], [3]], [[1], [0], [Fraction(1, 2)], [0], [1]])
        >>> point = Point.unflatten(net, [1, Fraction(409703, 10**7), 0, 0])  # b rounded to 7 digits
        >>> certify_silent_units(net, data, point).code
        'silent-unit-saddle'
    """
    if len(network.widths) != 3 or not network.bias or network.activation == "identity":
        return None
    column = 0
    if network.widths[-1] > 1:
        relation = affine_targets(dataset)
        if relation is None:
            return None
        column = relation[0]
    hidden, out = point.layers
    assert hidden.b is not None and out.b is not None
    rho = coarsest_rounding(point)
    if rho == 0:
        return None  # exact numbers: the exact proofs decide
    h, d = network.widths[1], network.widths[0]
    if any(row[j] != 0 for row in out.W for j in range(h)):
        # beside live units, output weights of float noise (below the digits' rounding, in a window that
        # holds 0) are silent too: the critical point has them at 0
        held, rho = hold_pinned(point, window_radii(point)), coarsest_rounding(point)
        quiet = [
            j
            for j in range(h)
            if all(
                row[j] == 0 or (abs(row[j]) <= held[h * d + h + k * h + j] and abs(row[j]) < rho)
                for k, row in enumerate(out.W)
            )
        ]
        return _beside_live_units(network, dataset, point, quiet) if 0 < len(quiet) < h else None
    means = target_means(network, dataset)
    if means is None or (network.loss == "bce" and not all(0 < m < 1 for m in means)):
        return None
    ball = BallArithmetic(256)
    C, reduced = constant_optimum(network, dataset, means, ball)
    with ball.context():
        bounds = [ball_bounds(ball.constant(c) - C_k) for c, C_k in zip(out.b, C, strict=True)]
    miss = max(max(abs(lo), abs(hi)) for lo, hi in bounds)
    # every number the critical point moves stays in its window (digits shorter than a float's print,
    # or a float's print: 1e-3·(1 + |θ_i|) each)
    window = resolvable_window(point)
    outputs = window[-network.widths[-1] :] if window else None
    if (
        any(max(abs(lo), abs(hi)) > r for (lo, hi), r in zip(bounds, outputs, strict=True))
        if outputs
        else miss > 10 * math.sqrt(network.n_params) * rho
    ):
        return None
    # The critical point moves the output biases (to the constant optimum) and one number of each unit
    # (inside its sign-change interval): none of them may be a number written exactly on purpose.
    radii = rounding_box(point)
    exact = [exact_optimal_bias(network, m) for m in means]
    given = zip(radii[-network.widths[-1] :], out.b, exact, strict=True)
    if any(r == 0 and non_terminating(c) and c != C_k for r, c, C_k in given):
        return None
    weights = [means[column] - y[column] for y in dataset.y]
    with ball.context():
        crosses = functools.partial(_sign_change, ball, network, dataset, [ball.constant(q) for q in weights])
    moves = _unit_moves(
        crosses, network, dataset, [float(q) for q in weights], point, range(network.widths[1]), window
    )
    if moves is None:
        return None
    R = max([miss, *moves])
    lifted = lifted_saddle(
        network,
        dataset,
        point,
        R,
        reduced,
        "every hidden unit is silent (output weight 0) beside the constant model's optimum"
        + (", the targets affine in one column" if network.widths[-1] > 1 else ""),
        "with the other numbers as given, each unit's Σ_i (ȳ − y_i)σ(w·x_i + b) changes sign over an "
        "interval of its bias (or, where that is written exactly, of one incoming weight) inside the box, "
        "so a point with those numbers and the optimal output bias is exactly "
        "critical (the outputs are constant; every other partial derivative vanishes with the output "
        "weights); there is",
    )
    return None if lifted is None else replace(lifted, code="silent-unit-saddle")


def _silent_numbers(network: Network, silent: Sequence[int]) -> set[int]:
    """The flat indices of the silent units' incoming weights, biases and output weights."""
    h, d, K = network.widths[1], network.widths[0], network.widths[2]
    return {k for j in silent for k in (*range(j * d, j * d + d), h * d + j)} | {
        h * d + h + m * h + j for j in silent for m in range(K)
    }


def _slopes_over(
    small: Network, dataset: Dataset, lower: Sequence[Fraction], upper: Sequence[Fraction], bits: int
) -> tuple[BallArithmetic, Any] | None:
    """The loss's slope at each output of the narrower network (K × N balls) over the box [lower, upper]
    of its numbers, or None where a ReLU unit's side may change in it."""
    mid = Point.unflatten(small, [(lo + hi) / 2 for lo, hi in zip(lower, upper, strict=True)])
    box = ParameterBox(small, dataset, mid, max(bits, 256))
    with box.ball.context():
        flat = box.flat([(hi - lo) / 2 for lo, hi in zip(lower, upper, strict=True)])
        if not box.region_holds(flat):
            return None
        fwd = forward(small, unflatten(small, flat), box.prob.inputs, arith=box.ball, masks=box.masks)
        return box.ball, logit_slope(small, fwd.logits, box.prob.targets, arith=box.ball)


def _beside_live_units(network: Network, dataset: Dataset, point: Point, silent: list[int]) -> Lifted | None:
    """Silent units beside live ones (one output): the narrower network of the live units has a strict
    minimum θ* proved by the box method (radius r about its centre c; for ReLU units a minimum on its
    rescaling orbit, proved on a slice, which is critical for the whole network); with it each silent unit's
    ∂F/∂v_j ∝ Σ_i ℓ'_i σ(w_j·x_i + b_j), ℓ'_i the loss's slope at the outputs enclosed over the whole
    box B(c, r), changes sign along the unit's numbers, so the point with θ*, those numbers and the
    silent output weights 0 is exactly critical (Fukumizu & Amari's embedding of a narrower critical
    point by units of zero output weight). The live numbers move to θ*, within their windows."""
    if network.widths[-1] != 1:
        return None
    small, small_point = without_units(network, point, silent)
    reduced = certify_minimum(small, dataset, small_point, float_derivatives(small, dataset, small_point)[2])
    how = "a strict local minimum proved by the box method"
    fixed: tuple[int, ...] = ()
    if reduced.verdict is not Verdict.LOCAL_MIN and small.activation in ("relu", "leaky_relu"):
        # ReLU units: the live network's minima form rescaling orbits; a slice proof's minimiser is
        # critical for the whole network, and the outputs (so the slopes) are the same along its orbit
        orbit = certify_orbit(small, dataset, small_point, rounded=True)
        if orbit is not None and orbit.verdict is Verdict.LOCAL_MIN:
            reduced, fixed = orbit.reduced, orbit.fixed
            how = (
                "a minimum on an orbit of ReLU rescalings, proved on a slice (critical for the whole network)"
            )
    c, r, mu = reduced.center, reduced.proof_radius, reduced.mu
    if reduced.verdict is not Verdict.LOCAL_MIN or c is None or r is None or not mu:
        return None
    h = network.widths[1]
    still = _silent_numbers(network, silent)
    window = resolvable_window(point)
    held = window or hold_pinned(point, window_radii(point))
    live = [k for k in range(network.n_params) if k not in still]
    # μ-strong convexity over the box puts θ* within ‖∇F(c)‖₂/μ of c, far tighter than the box; where
    # even that is coarse beside the digits (their rounding, or the finest window), θ* is enclosed
    # more tightly at a higher precision
    near = min(r, ParameterBox(small, dataset, c, reduced.precision).gradient_bound() / mu)
    fine = min([coarsest_rounding(point), *(side for side in held if side)]) / 1024
    lower = tuple(q - near for q in c.flatten())
    upper = tuple(q + near for q in c.flatten())
    bits = reduced.precision
    if 2 * near > fine and fixed:  # the slice's one minimiser, at a higher precision
        top = bits_for(1 + max(abs(q) for q in c.flatten()), fine)
        tight = next(slice_minima(small, dataset, small_point, fixed, (top,)), None) if top else None
        if tight is not None and tight.center is not None and tight.proof_radius and tight.mu:
            box = ParameterBox(small, dataset, tight.center, tight.precision)
            near = min(tight.proof_radius, box.gradient_bound() / tight.mu)
            lower = tuple(q - near for q in tight.center.flatten())
            upper = tuple(q + near for q in tight.center.flatten())
            bits, reduced = max(bits, tight.precision), tight  # its loss bound is the enclosed point's
    found = pinpoint(small, dataset, c, r, fine) if 2 * near > fine and not fixed else None
    if found is not None:
        lower, upper, bits = found.lower, found.upper, max(bits, found.precision)
    mid = Point.unflatten(small, [(lo + hi) / 2 for lo, hi in zip(lower, upper, strict=True)])
    center = silenced(with_units(mid, point, silent), silent)
    given = point.flatten()
    if any(
        max(abs(given[k] - lo), abs(hi - given[k])) > held[k]
        for k, lo, hi in zip(live, lower, upper, strict=True)
    ):
        return None  # the live numbers' minimiser is not the digits'
    enclosed = _slopes_over(small, dataset, lower, upper, bits)
    if enclosed is None:
        return None
    ball, slopes = enclosed
    weights = [slopes[0, i] for i in range(len(dataset.X))]
    crosses = functools.partial(_sign_change, ball, network, dataset, weights)
    floats = [float(q.mid()) for q in weights]
    moves = _unit_moves(crosses, network, dataset, floats, point, silent, window)
    if moves is None:
        return None
    n = h - len(silent)
    lifted = lifted_saddle(
        network,
        dataset,
        center,
        max([*((hi - lo) / 2 for lo, hi in zip(lower, upper, strict=True)), *moves]),
        reduced,
        f"unit{'s' if len(silent) > 1 else ''} {', '.join(map(str, silent))} silent (output weight 0) beside "
        f"{n} live unit{'s' if n > 1 else ''}",
        f"the {n}-unit network has {how} (radius {float(r):.3g}); "
        "with the loss's slope at its outputs enclosed over that box, each silent unit's "
        "Σ_i ℓ'_i σ(w·x_i + b) changes sign over an interval of its bias (or, where that is written "
        "exactly, of one incoming weight), or is exactly 0 as written, so the lift with such numbers is "
        "exactly critical (the outputs are the narrower network's; the silent units' other partial "
        "derivatives vanish with their output weights); there is",
    )
    return None if lifted is None else replace(lifted, code="silent-unit-saddle")


SPLITS = 64
"""The most parts a silent unit's window is cut into (halving its widest side in window units) before
`silent_units_apart` gives up on proving its h non-zero on each."""


def silent_units_apart(
    network: Network, dataset: Dataset, point: Point, radii: Sequence[Fraction]
) -> str | None:
    """Why the window ``point`` ± ``radii`` holds no critical point, or None: its silent units' output
    weights are held at 0 (radius 0), so at every critical point in it the live units' numbers are a
    critical point of their narrower network, the only one in its window (`held_critical_point`:
    strictly convex there), and some silent unit's ∂F/∂v ∝ Σ_i ℓ'_i σ(w·x_i + b), the slopes ℓ'_i
    enclosed over that one point, is proved non-zero on every part of the unit's own window (or that
    point lies outside its window)."""
    if len(network.widths) != 3 or not network.bias or network.activation not in ("tanh", "sigmoid"):
        return None
    hidden, out = point.layers
    assert hidden.b is not None
    h, d, K = network.widths[1], network.widths[0], network.widths[2]
    silent = [j for j in range(h) if all(row[j] == 0 for row in out.W)]
    first = h * d + h
    if not silent or len(silent) == h or any(radii[first + k * h + j] for j in silent for k in range(K)):
        return None
    still = _silent_numbers(network, silent)
    live = [k for k in range(network.n_params) if k not in still]
    small, small_point = without_units(network, point, silent)
    live_radii = [radii[k] for k in live]
    finest = min((r for r in live_radii if r), default=Fraction(0))
    if not finest:
        return None
    found = held_critical_point(small, dataset, small_point, live_radii, finest / 1024)
    if found is None:
        return None
    n = h - len(silent)
    where = (
        f"the {n}-unit network of the live units has one critical point about their window (strictly "
        f"convex there)"
    )
    if found.outside(small_point.flatten(), live_radii):
        return f"{where}, outside it"
    enclosed = _slopes_over(small, dataset, found.lower, found.upper, found.precision)
    if enclosed is None:
        return None
    ball, slopes = enclosed
    for j in silent:
        unit = [*hidden.W[j], hidden.b[j]]
        window = [*radii[j * d : j * d + d], radii[h * d + j]]
        for k in range(K):
            weights = [slopes[k, i] for i in range(len(dataset.X))]
            if _nonzero_on_parts(ball, network, dataset, weights, unit, window):
                return (
                    f"{where}, and with its loss slopes there unit {j}'s ∂F/∂v (output {k}) is proved "
                    f"non-zero on every part of the unit's window, its output weights held at 0"
                )
    return None


def _h_on_box(
    ball: BallArithmetic,
    network: Network,
    dataset: Dataset,
    weights: Sequence[Any],
    centre: list[Fraction],
    half: list[Fraction],
) -> Any:
    """h over the box centre ± half (the unit's weights, then its bias) in the mean-value form
    h(centre) + Σ_k ∂_k h(box)·[−half_k, half_k], ∂_k h = Σ_i weights_i σ'(z_i) x_ik: the slopes' sum
    cancels where the weights are residuals orthogonal to the features, which a ball of h over the box,
    Σ_i |weights_i|·|σ'|·(|x_i|·half), does not see (smooth units only)."""
    act = _activation(ball, network)
    zero = ball.constant(Fraction(0))
    spread = [
        b + flint.arb(0, ball.constant(r).upper()) if r else b
        for b, r in ((ball.constant(c), r) for c, r in zip(centre, half, strict=True))
    ]
    total = _h(
        ball, network, dataset, weights, [ball.constant(c) for c in centre[:-1]], ball.constant(centre[-1])
    )
    slopes = [zero] * len(centre)
    for x, weight in zip(dataset.X, weights, strict=True):
        z = spread[-1] + sum((wi * ball.constant(xi) for wi, xi in zip(spread[:-1], x, strict=True)), zero)
        s = act(z)
        d = 1 - s * s if network.activation == "tanh" else s * (1 - s)
        for k, xi in enumerate([*x, Fraction(1)]):
            slopes[k] = slopes[k] + weight * d * ball.constant(xi)
    for k, r in enumerate(half):
        if r:
            total = total + slopes[k] * flint.arb(0, ball.constant(r).upper())
    return total


def _nonzero_on_parts(
    ball: BallArithmetic,
    network: Network,
    dataset: Dataset,
    weights: Sequence[Any],
    unit: list[Fraction],
    window: list[Fraction],
) -> bool:
    """Whether h is proved non-zero (`_h_on_box`; not merely not 0: an exact 0 is no proof) on every part
    of the box unit ± window, cutting the widest side (in window units) in halves, up to `SPLITS` parts."""
    parts = [(unit, window)]
    done = 0
    while parts:
        centre, half = parts.pop()
        with ball.context():
            if ball.sign(_h_on_box(ball, network, dataset, weights, centre, half)) in (1, -1):
                done += 1
                continue
        if done + len(parts) + 2 > SPLITS or not any(half):
            return False
        m = max(range(len(half)), key=lambda i: half[i] / window[i] if window[i] else 0)
        for side in (-1, 1):
            moved = list(centre)
            moved[m] += side * half[m] / 2
            parts.append((moved, [r / 2 if i == m else r for i, r in enumerate(half)]))
    return True
