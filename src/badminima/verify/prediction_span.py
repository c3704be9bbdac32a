"""Minima of a one-hidden-layer piecewise-linear network whose output layer reaches every prediction its
activation region can make, for any head (cross-entropy, a sigmoid with squares, squares).

Inside one activation region (no pre-activation at 0) the predictions of a one-hidden-layer ReLU,
leaky-ReLU or identity network lie, output by output, in S = the span of the region's columns
(`region_fit.region_columns`: D_j x_m and D_j 1 for each unit j, and 1), whatever its numbers. With the
hidden layer held at θ_h the output layer's features Φ = [f_1 … f_m, 1] (f_j = D_j(X w_j + b_j), the
unit's outputs on the data) span part of S; where they span all of it and are independent, the output
numbers u are coordinates on S^K: every prediction the region makes is Φu for one u.

Let F_S(u) be the loss with the hidden layer held. Where F_S is strictly convex on a box B about its one
critical point u* (`pinpoint.held_critical_point`: its Hessian proved positive definite over B, which
holds the digits' window), θ* = (θ_h, u*) is a local minimum of the whole loss: for θ near θ* every
sign holds, so z(θ) ∈ S^K and z(θ) = Φu(θ) with u(θ) → u*, and F(θ) = F_S(u(θ)) ≥ F_S(u*) = F(θ*).
It is not strict: the units' rescalings, and the combined weights of units that share an active set,
move θ at equal loss, so no Hessian proof reaches it. (So the hidden gradient is 0 at θ* as well:
∂F/∂(w_j, b_j) = v_j Σ_i g_i D_j(x_i, 1) with g = ∇G(z*) ⟂ S, G the loss of the predictions.)

Under a head that is not convex in the predictions (a sigmoid with squares) F_S may have a saddle u*
instead: the Krawczyk test on the output numbers alone proves it F_S's one critical point in a box, the
same identity makes θ* critical for the whole loss, and a direction of proved negative curvature over
the box gives a point of lower loss: a saddle (`certify_span_saddle`).

This is the least-squares bound of `piecewise` (exact, identity output with squares) for any head, in
balls: red team s33's held ReLU layers with kinks 1/3000 apart, whose sigmoid output's optimum (not
rational) the digits round.
"""

from __future__ import annotations

from fractions import Fraction

from badminima.arithmetic.least_squares import pivots
from badminima.errors import BackendError
from badminima.landscape.region_fit import region_columns, unit_pieces, unit_slopes
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import PRECISIONS
from badminima.verify.certificate import Verdict
from badminima.verify.numerics import float_derivatives
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ParameterBox, ball_bounds
from badminima.verify.pinpoint import held_critical_point, held_saddle, held_saddle_outcome
from badminima.verify.rounding import held_windows
from badminima.verify.suboptimality import LossEnclosure


def spans_the_region(network: Network, dataset: Dataset, point: Point) -> bool:
    """Whether ``point``'s hidden layer (one, piecewise linear) keeps every pre-activation off its kink
    and its features with the constant (where the network has biases) are independent and span the
    region's columns: then the output layer's numbers are coordinates on every prediction the region
    makes (module docstring).

    Example (two ReLU units active on the same two of three points: f₁, f₂ and 1 span 1_A, x·1_A, 1):
        >>> net = Network((1, 2, 1), "relu")
        >>> data = Dataset.of([[0], [1], [2]], [[0], [1], [0]])
        >>> hidden = [[1], [1]], ["-1/2", "-1/4"]
        >>> spans_the_region(net, data, Point.of([hidden, ([[1, 1]], [0])]))
        True
        >>> spans_the_region(net, data, Point.of([([[1], [2]], ["-1/2", -1]), ([[1, 1]], [0])]))  # f₂ = 2f₁
        False
    """
    if network.depth != 2 or not network.is_piecewise_linear or not dataset.n_points:
        return False
    signs, outputs = unit_pieces(network, point, dataset)
    if any(0 in row for row in signs):
        return False
    ones = [tuple(Fraction(1) for _ in dataset.X)] if network.bias else []
    features = [*outputs, *ones]
    region = region_columns(
        [unit_slopes(network, row) for row in signs],
        [tuple(Fraction(v) for v in x) for x in dataset.X],
        bias=network.bias,
    )
    rank = len(pivots(features))
    return rank == len(features) and rank == len(pivots(region))


def _output_windows(network: Network, dataset: Dataset, point: Point) -> list[Fraction] | None:
    """The digits' windows with the hidden layer held (radius 0), where the output layer spans its region
    and every output number is rounded (one written exactly, which no window moves, ends the proofs);
    else None."""
    if not spans_the_region(network, dataset, point):
        return None
    hidden = network.layer_offsets[1]
    radii = [Fraction(0) if k < hidden else r for k, r in enumerate(held_windows(point))]
    return radii if all(radii[hidden:]) else None


def certify_span_minimum(
    network: Network, dataset: Dataset, point: Point, loss_text: str | None = None
) -> Outcome | None:
    """``local-min`` (non-strict, interval) about θ* = (the hidden layer as written, the output layer's
    one optimum), when the digits' window holds θ* and the output layer spans its region (module
    docstring), else None. The output numbers move within their windows (`window_radii`; one written
    exactly, which no window moves, ends the proof), the hidden numbers are held. ``loss_text``
    describes the given point's loss (the bounds are θ*'s).

    Example (the ReLU units above under a sigmoid and cross-entropy; x = 0 sees only the bias, so
    σ(c) = 1/3, and on x = 1, 2, 3 logistic regression of 1/4, 1/2, 3/4 gives ln 3·(x − 2): by hand,
    u* = (7 ln 3 − 4 ln 2, 4 ln 2 − 6 ln 3, −ln 2), here written to 12 digits):
        >>> net = Network((1, 2, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1], [2], [3]], [["1/3"], ["1/4"], ["1/2"], ["3/4"]])
        >>> hidden = [[1], [1]], ["-1/2", "-1/4"]
        >>> near = Point.of([hidden, ([["4.91769729844", "-3.81908500977"]], ["-0.69314718056"])])
        >>> out = certify_span_minimum(net, data, near)
        >>> out.verdict.value, out.code, f"{float(out.box_center.layers[1].b[0]):.12f}"
        ('local-min', 'prediction-span', '-0.693147180560')
    """
    windows = _output_windows(network, dataset, point)
    if windows is None:
        return None
    given, hidden, radii = point.flatten(), network.layer_offsets[1], windows
    finest = min(radii[hidden:])
    # u* enclosed within an eighth of the finest window, and within 1e-40 of the scale: the loss over
    # that box bounds the minimum's loss (a global fit's 0 to 1e-60, not the 1e-23 of a 1e-12 box)
    scale = 1 + max(abs(q) for q in given)
    found = held_critical_point(network, dataset, point, radii, min(finest / 8, scale / 10**40))
    if found is None or found.beyond(given, radii):
        return None
    center = Point.unflatten(
        network, [(lo + hi) / 2 for lo, hi in zip(found.lower, found.upper, strict=True)]
    )
    half = found.width / 2
    try:
        box = ParameterBox(network, dataset, center, found.precision)
        sides = [Fraction(0) if k < hidden else half for k in range(len(given))]
        low, high = ball_bounds(box.loss(box.flat(sides)))
    except (BackendError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return Outcome(
        Verdict.LOCAL_MIN,
        "interval",
        "prediction-span",
        f"one hidden layer, every pre-activation off its kink, and the output layer's features with the "
        f"hidden layer as written span every prediction of the activation region (exact ranks): the "
        f"output layer's loss, strictly convex on a box that holds the digits' window, has its one "
        f"critical point u* inside the window (enclosed at {found.precision} bits within "
        f"{float(found.width):.2g}), and every point near (hidden layer, u*) predicts what some output "
        f"layer near u* predicts, so none does better: a non-strict local minimum (the verdict is about "
        f"box_center; the given point itself is not critical)",
        LossEnclosure(loss_text or f"[{float(low):.15g}, {float(high):.15g}]", low, high),
        box_radius=point.distance(center) + half,
        proof_radius=half,
        box_center=center,
        code="prediction-span",
    )


def certify_span_saddle(
    network: Network, dataset: Dataset, point: Point, loss_text: str | None = None
) -> Outcome | None:
    """``saddle`` about θ* = (the hidden layer as written, a saddle u* of the output layer's loss F_S),
    when the output layer spans its region (module docstring), the Krawczyk test on the output numbers
    proves u* F_S's one critical point in a box inside the digits' window (an eighth of its finest side
    at most), and the curvature along a direction is proved negative over that box: θ* is critical for
    the whole loss (the span's identity) and a point of lower loss is exhibited. Else None.

    Example (two ReLU units under a sigmoid with squares, F_S's Hessian eigenvalues −0.040, 3.6e-5 and
    0.072 at u*, red team s35; the output numbers 0.3 windows off u*):
        >>> from badminima.model import load_trap
        >>> trap = load_trap("examples/degenerate/held-relu-saddle.json")
        >>> certify_span_saddle(trap.network, trap.dataset, trap.point).code
        'prediction-span-saddle'
    """
    windows = _output_windows(network, dataset, point)
    if windows is None:
        return None
    given, hidden, radii = point.flatten(), network.layer_offsets[1], windows
    finest = min(radii[hidden:])
    outputs = range(hidden, len(given))
    hessian = float_derivatives(network, dataset, point)[2]
    for precision in PRECISIONS:  # a finer window needs the higher precision's narrower box
        res = held_saddle(network, dataset, point, outputs, precision, hessian)
        if res is None or res.center is None or res.proof_radius is None:
            continue
        r, there = res.proof_radius, res.center.flatten()
        if any(abs(there[k] - given[k]) > radii[k] + r for k in outputs):
            return None  # F_S's critical point lies outside the window: not the digits'
        if r > finest / 8 or any(abs(there[k] - given[k]) + r > radii[k] for k in outputs):
            continue
        return held_saddle_outcome(
            res,
            point,
            "prediction-span",
            f"one hidden layer, every pre-activation off its kink, and the output layer's features with "
            f"the hidden layer as written span every prediction of the activation region (exact ranks): "
            f"on the output numbers alone {res.reason}; so the output layer's loss has one critical point "
            f"u* in a box inside the digits' window, and (hidden layer, u*) is critical for the whole "
            f"network (the loss's slope at the predictions is orthogonal to every prediction the region "
            f"makes, so the hidden gradient is 0 too): a saddle (the verdict is about box_center; the "
            f"given point itself is not critical)",
            loss_text or f"[{float(res.loss_lower or 0):.15g}, {float(res.loss_upper or 0):.15g}]",
            code="prediction-span-saddle",
        )
    return None
