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

Beside live units (one output, or identity outputs on affine targets) the same holds with the constant
model replaced by the narrower network of the live units (Fukumizu & Amari's embedding by units of zero
output weight): its strict minimum θ*, proved by the box method and enclosed tightly, fixes the outputs,
and h_j(w_j, b_j) = Σ_i ℓ'_i σ(w_j·x_i + b_j) with each ℓ'_i (the loss's slope at x_i's output)
enclosed over θ*'s box (`silent_gradient`: in a deeper hidden layer, x_i the layer below's outputs and
ℓ'_i the slope at the next layer, one unit wide).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

from badminima.arithmetic.ball import BallArithmetic
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import non_terminating
from badminima.verify.box import BoxResult, certify_minimum, certify_saddle
from badminima.verify.certificate import Verdict
from badminima.verify.constant_units import constant_optimum, exact_optimal_bias, target_means
from badminima.verify.embeddings import silenced, with_units, without_units
from badminima.verify.lift import Lifted, lifted_saddle
from badminima.verify.numerics import float_derivatives
from badminima.verify.output_splits import affine_targets, unit_indices
from badminima.verify.parameter_box import ParameterBox, ball_bounds, strong_convexity_floor
from badminima.verify.pinpoint import bits_for, pinpoint
from badminima.verify.rounding import (
    coarsest_rounding,
    held_windows,
    resolvable_window,
    rounding_box,
)
from badminima.verify.silent_gradient import (
    Inputs,
    downstream_slopes,
    quiet_layers,
    quiet_units,
    silent_numbers,
    silent_slope,
    silent_slope_gradient,
)
from badminima.verify.symmetry_slices import certify_orbit, slice_minima

BISECTIONS = 128
"""The most halvings of a sign change's segment about the zero of h (towards the live network's
enclosure: a box as narrow makes a weak negative curvature provable)."""


def _slope(network: Network, z: float) -> float:
    """σ'(z) in floats, for a search direction only."""
    if network.activation == "sigmoid":
        s = 1 / (1 + math.exp(-z))
        return s * (1 - s)
    if network.activation == "tanh":
        return 1 - math.tanh(z) ** 2
    return 1.0 if z > 0 else float(network.leaky_slope or 0)


def _sign_at(
    ball: BallArithmetic, network: Network, inputs: Inputs, weights: Sequence[Any], numbers: list[Fraction]
) -> int | None:
    """The sign of h at the unit's ``numbers`` (its weights, then its bias), or None where the balls do
    not decide it."""
    with ball.context():
        w = [ball.constant(v) for v in numbers[:-1]]
        return ball.sign(silent_slope(ball, network, inputs, weights, w, ball.constant(numbers[-1])))


def _sign_change(
    ball: BallArithmetic,
    network: Network,
    inputs: Inputs,
    weights: Sequence[Any],
    goal: Fraction,
    unit: list[Fraction],
    direction: list[Fraction],
    t: Fraction,
    cap: Fraction,
) -> tuple[Fraction, Fraction] | None:
    """A segment unit + [s − t, s + t]·direction (the unit's weights, then its bias) over which h changes
    sign, so that a zero of h lies on it: found with s = 0 and t doubled from ``t`` up to ``cap``, then
    halved about the zero while t·max|direction| > ``goal`` and the balls decide the sign (a narrower
    segment makes a narrower box for the curvature proof); (0, 0) where h is exactly 0 at the unit
    itself (a unit born at zero: tanh(0) = 0), (s, 0) where it is exactly 0 at a midpoint."""
    sign = functools.partial(_sign_at, ball, network, inputs, weights)
    if sign(unit) == 0:
        return Fraction(0), Fraction(0)
    along = max((abs(e) for e in direction), default=Fraction(0))
    while t > 0:
        ends = [sign([q + side * t * e for q, e in zip(unit, direction, strict=True)]) for side in (-1, 1)]
        if ends[0] is not None and ends[1] is not None and ends[0] * ends[1] < 0:
            break
        if t >= cap:
            return None
        t = min(2 * t, cap)
    else:
        return None
    low, high, first = -t, t, ends[0]
    for _ in range(BISECTIONS):
        if (high - low) / 2 * along <= goal:
            break
        mid = (low + high) / 2
        here = sign([q + mid * e for q, e in zip(unit, direction, strict=True)])
        if here is None:
            break
        if here == 0:
            return mid, Fraction(0)
        low, high = (mid, high) if here == first else (low, mid)
    return (low + high) / 2, (high - low) / 2


def _axis(k: int, d: int) -> list[Fraction]:
    """The unit vector along a unit's k-th number (its d weights, then its bias)."""
    return [Fraction(int(m == k)) for m in range(d + 1)]


def _across_the_curve(
    network: Network,
    inputs: Sequence[Sequence[float]],
    weights: Sequence[float],
    unit: list[Fraction],
    window: list[Fraction],
) -> list[Fraction]:
    """The direction across h = 0 that moves each of the unit's numbers least in units of its window: the
    gradient of h scaled twice by the windows (a float estimate; only the signs at its ends are proved),
    normalised so that t = 1 reaches the edge of the window and no farther."""
    slope = [0.0] * len(unit)
    for x, weight in zip(inputs, weights, strict=True):
        z = float(unit[-1]) + sum(float(u) * xi for u, xi in zip(unit[:-1], x, strict=True))
        c = weight * _slope(network, z)
        for m, xi in enumerate([*x, 1.0]):
            slope[m] += c * xi
    e = [Fraction(g) * r * r for g, r in zip(slope, window, strict=True)]
    top = max((abs(q) / r for q, r in zip(e, window, strict=True) if r), default=Fraction(0))
    return [q / top for q in e] if top else e


Crossing = Callable[[list[Fraction], list[Fraction], Fraction, Fraction], tuple[Fraction, Fraction] | None]
"""`_sign_change` with its balls bound: (unit, direction, t, cap) → (s, t) or None."""


def _unit_moves(
    crosses: Crossing,
    network: Network,
    inputs: Sequence[Sequence[float]],
    weights: Sequence[float],
    point: Point,
    units: Iterable[int],
    window: list[Fraction] | None,
    layer: int = 0,
) -> tuple[Point, list[Fraction]] | None:
    """``point`` with each of ``units`` (of hidden layer ``layer``) moved next to a zero of its h, and
    how far from there the zero lies for each (`_unit_move`), or None where one is not found."""
    held = None if window else held_windows(point)
    flat, moves = list(point.flatten()), []
    for j in units:
        found = _unit_move(crosses, network, inputs, weights, point, j, window, layer, held)
        if found is None:
            return None
        for k, q in zip(unit_indices(network, j, layer)[0], found[0], strict=True):
            flat[k] = q
        moves.append(found[1])
    return Point.unflatten(network, flat), moves


def _unit_move(
    crosses: Crossing,
    network: Network,
    inputs: Sequence[Sequence[float]],
    weights: Sequence[float],
    point: Point,
    j: int,
    window: list[Fraction] | None,
    layer: int,
    held: list[Fraction] | None,
) -> tuple[list[Fraction], Fraction] | None:
    """Silent unit j's numbers moved next to a zero of its h, and how far from them that zero lies
    (``crosses`` finds a sign change along a direction), or None. With a window a float resolves
    (`resolvable_window`) they move across h = 0 within it; else its bias moves (within 2ρ, 4ρ, … and
    its own window), and where that is held or does not reach the curve, one of its rounded incoming
    weights, within that weight's own window (``held``: the point's `held_windows`). The unit as
    written and 0 where h is exactly 0 there; its incoming weights set to 0 where their windows reach
    it (then h = σ(b)·Σ_i g_i = 0 exactly)."""
    incoming, _ = unit_indices(network, j, layer)
    given = point.flatten()
    unit = [given[k] for k in incoming]
    d, b = len(unit) - 1, unit[-1]
    reaches = [(window or held or [])[k] for k in incoming[:-1]]
    if network.bias and all(abs(q) <= r for q, r in zip(unit[:-1], reaches, strict=True)):
        # incoming weights 0 (as written, or inside their windows): the unit is σ(b) on every point and
        # h = σ(b)·Σ_i g_i, Σ_i g_i the narrower network's ∂F/∂(the next layer's bias), 0 at its critical
        # point: on the curve exactly, whatever b
        return [*(Fraction(0) for _ in unit[:-1]), b], Fraction(0)
    if window:
        unit_window = [window[k] for k in incoming]
        across = _across_the_curve(network, inputs, weights, unit, unit_window)
        # the least move in the 2-norm of window units, then the least in the ∞-norm (every number its
        # whole window, each the way that moves h towards 0: a corner of the window)
        corner = [(1 if e > 0 else -1 if e < 0 else 0) * r for e, r in zip(across, unit_window, strict=True)]
        # from twice the coarsest rounding up: a float's print sits within 1e-16 of the curve, and the
        # saddle's curvature proof needs a box no wider than the move
        top = max(unit_window)
        start = min(Fraction(1, 128), 2 * coarsest_rounding(point) / top) if top else Fraction(1, 128)
        for direction in (across, corner):
            found = crosses(unit, direction, start, Fraction(1))
            if found is not None and (found[1] == 0 or any(direction)):  # 0: on the curve as written
                return _along(unit, direction, found)
        return None
    assert held is not None
    radii, rho = rounding_box(point), coarsest_rounding(point)
    # each number moves as far as its own window and no farther (a long bias beside short digits has a
    # narrow one; an exact one, none): the bias first, then each rounded incoming weight
    reach = held[incoming[-1]]
    if reach and (radii[incoming[-1]] or not non_terminating(b)):
        found = crosses(unit, _axis(d, d), min(2 * rho, reach), reach)
        if found is not None:
            return _along(unit, _axis(d, d), found)
    for k, m in enumerate(incoming[:-1]):
        if radii[m] and held[m]:
            found = crosses(unit, _axis(k, d), min(radii[m], held[m]), held[m])
            if found is not None:
                return _along(unit, _axis(k, d), found)
    return None


def _along(
    unit: list[Fraction], direction: list[Fraction], segment: tuple[Fraction, Fraction]
) -> tuple[list[Fraction], Fraction]:
    """The middle unit + s·direction of a sign change's segment (s, t), and its half-length in the
    ∞-norm."""
    s, t = segment
    return [q + s * e for q, e in zip(unit, direction, strict=True)], t * max(abs(e) for e in direction)


def certify_silent_units(
    network: Network, dataset: Dataset, point: Point, finer: Fraction | None = None
) -> Lifted | None:
    """A saddle (code ``silent-unit-saddle``) at a rounded point next to the critical curve of silent
    units (see the module docstring), or None when a step fails or the point is not of that kind.
    ``finer``: beside live units, enclose the narrower network's critical point at least that tightly
    (a deeper layer's silent units, lifted over this proof, need its slopes that sharp).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[-2], [-1], [0], [1], [3]], [[1], [0], [Fraction(1, 2)], [0], [1]])
        >>> point = Point.unflatten(net, [1, Fraction(409703, 10**7), 0, 0])  # b rounded to 7 digits
        >>> certify_silent_units(net, data, point).code
        'silent-unit-saddle'
    """
    if not network.bias or network.activation == "identity" or coarsest_rounding(point) == 0:
        return None  # exact numbers: the exact proofs decide
    out = point.layers[-1]
    assert out.b is not None
    if len(network.widths) != 3 or any(q != 0 for row in out.W for q in row):
        quiet = quiet_units(network, point)
        return None if quiet is None else _beside_live_units(network, dataset, point, *quiet, finer)
    column = 0
    if network.widths[-1] > 1:
        relation = affine_targets(dataset)
        if relation is None:
            return None
        column = relation[0]
    means = target_means(network, dataset)
    if means is None or (network.loss == "bce" and not all(0 < m < 1 for m in means)):
        return None
    ball = BallArithmetic(256)
    C, reduced = constant_optimum(network, dataset, means, ball)
    with ball.context():
        bounds = [ball_bounds(ball.constant(c) - C_k) for c, C_k in zip(out.b, C, strict=True)]
    miss = max(max(abs(lo), abs(hi)) for lo, hi in bounds)
    # every number the critical point moves stays in its window, the output biases' at 256 bits however
    # fine (30 digits beside 4: their own 1000 units)
    outputs = held_windows(point)[-network.widths[-1] :]
    if any(max(abs(lo), abs(hi)) > r for (lo, hi), r in zip(bounds, outputs, strict=True)):
        return None
    window = resolvable_window(point)
    # The critical point moves the output biases (to the constant optimum) and one number of each unit
    # (inside its sign-change interval): none of them may be a number written exactly on purpose.
    radii = rounding_box(point)
    exact = [exact_optimal_bias(network, m) for m in means]
    given = zip(radii[-network.widths[-1] :], out.b, exact, strict=True)
    if any(r == 0 and non_terminating(c) and c != C_k for r, c, C_k in given):
        return None
    weights = [means[column] - y[column] for y in dataset.y]
    with ball.context():
        inputs = [[ball.constant(q) for q in x] for x in dataset.X]
        slopes = [ball.constant(q) for q in weights]
    crosses = functools.partial(_sign_change, ball, network, inputs, slopes, miss)
    crossing = _unit_moves(
        crosses,
        network,
        [[float(q) for q in x] for x in dataset.X],
        [float(q) for q in weights],
        point,
        range(network.widths[1]),
        window,
    )
    if crossing is None:
        return None
    moved, moves = crossing
    lifted = lifted_saddle(
        network,
        dataset,
        moved,
        max([miss, *moves]),
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


def _beside_live_units(
    network: Network,
    dataset: Dataset,
    point: Point,
    layer: int,
    silent: list[int],
    finer: Fraction | None = None,
) -> Lifted | None:
    """Silent units of hidden layer ``layer`` beside live ones, the layer after it one unit wide (one
    output after the last hidden layer, or several with squared errors on targets affine in one
    column): the narrower network of the live units has a strict
    minimum θ* proved by the box method (radius r about its centre c; for ReLU units a minimum on its
    rescaling orbit, proved on a slice, which is critical for the whole network); with it each silent unit's
    ∂F/∂v_j ∝ Σ_i ℓ'_i σ(w_j·x_i + b_j), ℓ'_i the loss's slope at the outputs enclosed over the whole
    box B(c, r), changes sign along the unit's numbers, so the point with θ*, those numbers and the
    silent output weights 0 is exactly critical (Fukumizu & Amari's embedding of a narrower critical
    point by units of zero output weight). The live numbers move to θ*, within their windows. In a
    deeper layer x_i are the unit's inputs (the layer below's outputs) and ℓ'_i the slope at the next
    layer's pre-activation, both enclosed over the box: the silent unit changes neither."""
    column = 0
    if network.widths[layer + 2] != 1:
        # squared errors on targets affine in one column r, y_k = α_k y_r + β_k: at a critical point the
        # output layer's least-squares fit makes every column's residual α_k times column r's (the
        # features include the constant 1), so each silent unit has one equation again
        relation = affine_targets(dataset)
        if layer != len(network.widths) - 3 or network.output != "identity" or relation is None:
            return None
        column = relation[0]
    small, small_point = without_units(network, point, silent, layer)
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
    if reduced.verdict is not Verdict.LOCAL_MIN and not fixed:
        # a live saddle: the Krawczyk test proves its one critical point θ* in the box, and the lift of
        # that point is as critical as a minimum's (the silent units change no output)
        saddle = certify_saddle(
            small, dataset, small_point, float_derivatives(small, dataset, small_point)[2]
        )
        if saddle.verdict is Verdict.SADDLE:
            reduced = saddle
            how = "a saddle proved by the Krawczyk test (its one critical point in the box)"
    held = held_windows(point)
    first = min([coarsest_rounding(point), *(side for side in held if side)]) / 1024
    first = first if finer is None else min(first, finer)
    zeros: set[int] = set()  # numbers the narrower critical point has at exactly 0
    shallower = quiet_units(small, small_point) if reduced.verdict is None else None
    if shallower is not None:
        # silent units in a shallower layer too: the narrower network's critical point is this proof's,
        # one layer up, with their outgoing weights at exactly 0; they change no output, so the slopes
        # enclosed over its box are θ*'s. Its silent units' sign changes are located only as finely as
        # its own slopes allow (1e5 times coarser where their sums are flat), so it is asked for an
        # enclosure as fine as this layer's finest try
        inner = certify_silent_units(small, dataset, small_point, finer=first**2)
        if inner is None:
            return None
        zeros = {  # every shallower silent unit's outgoing weights: each level lifts with them at 0
            k
            for quiet, units in quiet_layers(small, small_point)
            for j in units
            for k in unit_indices(small, j, quiet)[1]
        }
        reduced = replace(
            inner.reduced, verdict=Verdict.SADDLE, center=inner.center, proof_radius=inner.radius, mu=None
        )
        how = "silent units of its own beside live ones, lifted in turn to a critical point in a box"
    c, r, mu = reduced.center, reduced.proof_radius, reduced.mu
    if reduced.verdict is None or c is None or r is None or (reduced.verdict is Verdict.LOCAL_MIN and not mu):
        return None
    h = network.widths[layer + 1]
    still = silent_numbers(network, silent, layer)
    window = resolvable_window(point)
    live = [k for k in range(network.n_params) if k not in still]
    near = min(r, ParameterBox(small, dataset, c, reduced.precision).gradient_bound() / mu) if mu else r
    given = point.flatten()
    # near a duplicate of a live unit a silent unit's sum is second order in the distance to it (1e-20
    # beside windows of 1e-10), so θ* is enclosed again, as tightly as a window squared
    for fine in (first, first**2):
        lower, upper, bits, reduced = _enclosed_minimiser(
            small, dataset, small_point, reduced, fixed, near, fine
        )
        lower, upper = (
            tuple(Fraction(0) if k in zeros else q for k, q in enumerate(e)) for e in (lower, upper)
        )
        if any(
            max(abs(given[k] - lo), abs(hi - given[k])) > held[k]
            for k, lo, hi in zip(live, lower, upper, strict=True)
        ):
            return None  # the live numbers' minimiser is not the digits'
        enclosed = downstream_slopes(small, dataset, lower, upper, bits, layer)
        if enclosed is None:
            return None
        ball, inputs, slopes = enclosed
        weights = [slopes[column, i] for i in range(len(dataset.X))]
        goal = max((hi - lo) / 2 for lo, hi in zip(lower, upper, strict=True))
        crosses = functools.partial(_sign_change, ball, network, inputs, weights, goal)
        floats = [float(q.mid()) for q in weights]
        at = [[float(q.mid()) for q in x] for x in inputs]
        found = _unit_moves(crosses, network, at, floats, point, silent, window, layer)
        if found is not None:
            break
    else:
        return None
    moved, moves = found
    mid = Point.unflatten(small, [(lo + hi) / 2 for lo, hi in zip(lower, upper, strict=True)])
    center = silenced(with_units(mid, moved, silent, layer), silent, layer)
    n = h - len(silent)
    where = f" of hidden layer {layer + 1}" if len(network.widths) > 3 else ""
    what = (
        f"unit{'s' if len(silent) > 1 else ''} {', '.join(map(str, silent))}{where} silent (outgoing "
        f"weight 0) beside {n} live unit{'s' if n > 1 else ''}"
        + (", the targets affine in one column" if network.widths[layer + 2] > 1 else "")
    )
    why = (
        f"the narrower network ({'-'.join(map(str, small.widths))}) has {how} (radius {float(r):.3g}); "
        "with the loss's slope at the next layer enclosed over its minimiser's enclosure, each silent "
        "unit's Σ_i ℓ'_i σ(w·x_i + b) changes sign along a segment of its numbers inside their windows, "
        "or is exactly 0 as written, so the lift with such numbers is "
        "exactly critical (the outputs are the narrower network's; the silent units' other partial "
        "derivatives vanish with their output weights); there is"
    )
    halves = [(hi - lo) / 2 for lo, hi in zip(lower, upper, strict=True)]
    lifted = lifted_saddle(network, dataset, center, max([*halves, *moves]), reduced, what, why)
    if lifted is None and mu and not fixed and network.activation in ("tanh", "sigmoid"):
        radii = [Fraction(0)] * network.n_params
        for k, half in zip(live, halves, strict=True):
            radii[k] = half
        for j, move in zip(silent, moves, strict=True):
            for k in unit_indices(network, j, layer)[0]:
                radii[k] = move
        precision = max(bits, 256)
        floor = _critical_loss_floor(small, dataset, mid, reduced, precision)
        incoming, outgoing = unit_indices(network, silent[0], layer)
        lifted = _weak_saddle(
            network,
            dataset,
            center,
            radii,
            replace(reduced, loss_lower=floor),
            (what, why),
            (ball, inputs, weights),
            (incoming, outgoing[column]),
            precision,
        )
    return None if lifted is None else replace(lifted, code="silent-unit-saddle")


def _critical_loss_floor(
    small: Network, dataset: Dataset, mid: Point, reduced: BoxResult, bits: int
) -> Fraction:
    """A lower bound on the narrower network's minimum loss F(θ*) from a point ``mid`` of its proof's
    box, at ``bits``: F(θ*) ≥ F(mid) − ‖∇F(mid)‖²/(2μ) by μ-strong convexity on the box, as tight as
    mid is near θ* (the box proof's own bound is only as tight as its centre and precision)."""
    c, r = reduced.center, reduced.proof_radius
    assert reduced.mu is not None and reduced.loss_lower is not None and c is not None and r is not None
    if any(abs(p - q) > r for p, q in zip(mid.flatten(), c.flatten(), strict=True)):
        return reduced.loss_lower  # mid outside the box where the convexity was proved
    box = ParameterBox(small, dataset, mid, bits)
    low, _ = ball_bounds(box.loss(box.prob.flat))
    return max(strong_convexity_floor(low, box.gradient_bound(), reduced.mu), reduced.loss_lower)


def _weak_saddle(
    network: Network,
    dataset: Dataset,
    center: Point,
    radii: list[Fraction],
    reduced: BoxResult,
    text: tuple[str, str],
    sums: tuple[BallArithmetic, Inputs, Sequence[Any]],
    unit: tuple[list[int], int],
    bits: int,
) -> Lifted | None:
    """The saddle where the float Hessian does not see it: at the lift the Hessian's block on a silent
    unit's numbers (w, b) and its outgoing weight u is [[0, g], [gᵀ, c]], g = ∇h (``sums``: the balls,
    the unit's inputs and slopes; ``unit``: the flat indices of its (w, b) and of u), so along
    d = (e, −(g·e)/c), e = g/max|g|, dᵀHd = −(g·e)²/c < 0. Beside a live unit's duplicate g is of the
    order of the distance to it and that eigenvalue 1e-22, below float64's resolution. Proved over the
    box of ``radii`` (0 for the outgoing weights: they are exactly 0 at the critical point, and the
    (w, b) block vanishes with them) in balls of ``bits``; the lower point is sought from the box's
    size up."""
    ball, inputs, weights = sums
    incoming, out = unit
    given = center.flatten()
    with ball.context():
        g = silent_slope_gradient(ball, network, inputs, weights, [ball.constant(given[k]) for k in incoming])
        slope = [Fraction(float(q.mid())) for q in g]
    top = max(abs(q) for q in slope)
    c = float(float_derivatives(network, dataset, center)[2][out, out])
    if not top or not c > 0 or not math.isfinite(c):
        return None
    e = [q / top for q in slope]
    v = [Fraction(0)] * network.n_params
    for k, q in zip(incoming, e, strict=True):
        v[k] = q
    v[out] = -sum((q * p for q, p in zip(slope, e, strict=True)), Fraction(0)) / Fraction(c)
    return lifted_saddle(
        network,
        dataset,
        center,
        max(radii),
        reduced,
        *text,
        direction=v,
        how="along d = (e, −(g·e)/c) on the silent unit's numbers and its outgoing weight (g the gradient "
        "of its sum, e = g/max|g|, c = ∂²F/∂u²: curvature −(g·e)²/c), over a box that holds the outgoing "
        "weights at 0",
        radii=radii,
        precision=bits,
    )


def _enclosed_minimiser(
    small: Network,
    dataset: Dataset,
    small_point: Point,
    reduced: BoxResult,
    fixed: tuple[int, ...],
    near: Fraction,
    fine: Fraction,
) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...], int, BoxResult]:
    """The narrower network's proved minimiser θ* enclosed (lower, upper, the bits that did it, the
    proof whose loss bound is the enclosed point's): within ``near`` of the box proof's centre (μ-strong
    convexity puts it within ‖∇F(c)‖₂/μ), and where that is coarser than ``fine``, within ``fine`` at a
    higher precision (`pinpoint`; for a slice proof on a ReLU orbit, the slice's one minimiser again)."""
    c = reduced.center
    assert c is not None and reduced.proof_radius is not None
    lower = tuple(q - near for q in c.flatten())
    upper = tuple(q + near for q in c.flatten())
    bits = reduced.precision
    if 2 * near <= fine:
        return lower, upper, bits, reduced
    if fixed:  # the slice's one minimiser, at a higher precision
        top = bits_for(1 + max(abs(q) for q in c.flatten()), fine)
        tight = next(slice_minima(small, dataset, small_point, fixed, (top,)), None) if top else None
        if tight is not None and tight.center is not None and tight.proof_radius and tight.mu:
            box = ParameterBox(small, dataset, tight.center, tight.precision)
            near = min(tight.proof_radius, box.gradient_bound() / tight.mu)
            lower = tuple(q - near for q in tight.center.flatten())
            upper = tuple(q + near for q in tight.center.flatten())
            return lower, upper, max(bits, tight.precision), tight  # its loss bound is the enclosed point's
        return lower, upper, bits, reduced
    found = pinpoint(small, dataset, c, reduced.proof_radius, fine)
    if found is not None:
        return found.lower, found.upper, max(bits, found.precision), reduced
    return lower, upper, bits, reduced
