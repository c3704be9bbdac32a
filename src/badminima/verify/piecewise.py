"""Exact proofs for piecewise-linear networks with identity output and mse: the least-squares bound over
the activation regions at the point, first-order one-sided derivatives at kinks, and second-order
searches over the pieces; rationals throughout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction

import numpy as np

from badminima.arithmetic.exact import ExactArithmetic
from badminima.landscape.derivatives import hessian_of_flat
from badminima.landscape.problem import prepare
from badminima.landscape.region_fit import snap, snap_output
from badminima.landscape.regions import Region, region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import format_rational, rounding_radius
from badminima.progress import ProgressHook, noter, report
from badminima.verify.affine_fits import certify_affine_fit, certify_nearby_affine_fit
from badminima.verify.certificate import Verdict
from badminima.verify.critical_free import no_critical_point_within
from badminima.verify.dead_kinks import certify_dead_kinks
from badminima.verify.descent import Descent, exact_descent, rational_direction
from badminima.verify.descent_candidates import descent_candidates, negative_direction
from badminima.verify.kinks import first_order, piece_gradient
from badminima.verify.lift import lifted_outcome
from badminima.verify.options import CertifyOptions
from badminima.verify.orbit_window import into_the_window, rescaled_into_the_window
from badminima.verify.outcome import Outcome, about_nearby
from badminima.verify.piece_minima import certify_nearby_piece_minimum, certify_piece_minimum
from badminima.verify.pinpoint import convex_apart
from badminima.verify.prediction_span import certify_span_minimum, certify_span_saddle
from badminima.verify.pushing_kinks import pin_pushing_kinks, pushing_text
from badminima.verify.regions import (
    LeastSquaresBound,
    least_squares_bound,
    sign_cone_bound,
    sign_cone_optimum,
)
from badminima.verify.rounding import (
    WINDOW_SLACK,
    at_rounding_level,
    digits_may_round,
    digits_window,
    judged_rounding,
    newton_radii,
    newton_windows,
    slope_at_rounding_level,
)
from badminima.verify.silent_units import certify_silent_units
from badminima.verify.smooth import window_not_cleared
from badminima.verify.suboptimality import LossEnclosure, enclose_loss
from badminima.verify.symmetry_slices import certify_orbit


def _piece_masks(region: Region | None, max_side_kinks: int) -> list[list[np.ndarray] | None]:
    if region is None:
        return [None]
    kinks = region.kinks
    if not kinks:
        return [region.masks("active")]
    if len(kinks) > max_side_kinks:
        return [region.masks("active"), region.masks("inactive")]
    return list(region.side_masks(kinks))


def _exact_rounding_level(
    network: Network, dataset: Dataset, point: Point, region: Region | None, rho: Fraction | None = None
) -> tuple[Fraction, float, float, bool, np.ndarray, np.ndarray] | None:
    """(ρ, Newton step, max(1, ‖H‖), whether the exact gradient of the point's piece and its Newton step
    are at the level that rounding a critical point to the point's rounding scale ρ would leave (see
    `at_rounding_level`), and that Hessian and gradient as floats) for a point written to many digits;
    None when its numbers are exact."""
    rho = judged_rounding(point, rho)
    if rho == 0:
        return None
    masks = region.masks("inactive") if region is not None else None
    g = np.array([float(v) for v in piece_gradient(network, dataset, point, masks)])
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)
    H = np.array(
        hessian_of_flat(network, prob.inputs, prob.targets, prob.flat, arith=exact, masks=masks), float
    )
    eig = np.linalg.eigvalsh((H + H.T) / 2) if len(g) else np.zeros(0)
    top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
    newton = float(np.linalg.norm(np.linalg.lstsq(H, g, rcond=1e-13)[0])) if len(g) else 0.0
    return rho, newton, top, at_rounding_level(point, g, eig, newton, top, rho) is not None, H, g


def _nearby_region_optimum(
    network: Network, dataset: Dataset, point: Point, value: LossEnclosure
) -> Outcome | None:
    """``local-min`` about the optimum of the point's activation region when the digits round it (one
    hidden layer, one output): `region_fit.snap` corrects the combined weights v_j(w_j, b_j) by one exact
    least-squares step, output weights kept, without changing any activation sign (or, where that moves
    numbers written exactly, `region_fit.snap_output` solves the output layer alone, the hidden layer
    as written), when the digits' window holds the optimum or its image on a rescaling orbit
    (`into_the_window`: 100⌈√P⌉ rounding radii of each number shorter than a float's print,
    `WRITERS_NOISE` units of the coarsest last digit beyond it; exact numbers do not move: a 4-digit
    0.7777 does not round 1/3). There the loss equals the region's
    least-squares bound, which holds on a neighbourhood: a non-strict local minimum (rescaling orbits
    and dependent region columns make it non-isolated, so no Hessian proof reaches it)."""
    moves = (
        # the snap keeps the output weights: its optimum may sit on the orbit just outside the window
        (snap, "the combined weights v_j·(w_j, b_j) (output weights kept)", into_the_window),
        (snap_output, "the output layer (the hidden layer kept)", into_the_window),
    )
    for move, moved, near in moves:
        star = move(network, dataset, point)
        if star is None or star == point:
            continue
        star = near(network, point, star)
        if star is None:
            continue
        offset = point.distance(star)
        region = region_of(network, dataset, star)
        bound = least_squares_bound(network, dataset, region)
        loss = enclose_loss(network, dataset, star).lower
        if bound.value is not None and loss is not None and bound.value == loss:
            return _region_optimum_outcome(star, offset, moved, bound.how, loss, value)
    return None


def _nearby_kink_optimum(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region | None,
    value: LossEnclosure,
    options: CertifyOptions,
) -> Outcome | None:
    """At a point with units at their kink, the optimum of its region with every kink held
    (`region_fit.snap` with ``hold_kinks``: each unit moves only along directions that keep its kink
    points at 0), or of its output layer alone (`region_fit.snap_output`), whichever moves fewer numbers
    written exactly, when the digits may round it (`digits_may_round`), classified there by the exact
    proofs (`certify_piecewise` on its numbers as they are): a minimum or saddle about it, or None."""
    if region is None or not region.kinks:
        return None
    moves = (
        (
            snap(network, dataset, point, hold_kinks=True),
            "the combined weights v_j·(w_j, b_j), output weights kept",
        ),
        (snap_output(network, dataset, point), "the output layer, the hidden layer kept"),
    )
    exact = [not rounding_radius(q) for q in point.flatten()]

    def moved_exact(star: Point) -> int:
        return sum(a != b and e for a, b, e in zip(point.flatten(), star.flatten(), exact, strict=True))

    inside = [
        (into_the_window(network, point, star), how) for star, how in moves if star not in (None, point)
    ]
    near = [(star, how) for star, how in inside if star is not None]
    for star, how in sorted(near, key=lambda m: (moved_exact(m[0]), point.distance(m[0]))):
        out = certify_piecewise(network, dataset, star, options=replace(options, literal=True))
        if out.verdict in (Verdict.LOCAL_MIN, Verdict.SADDLE) and out.box_center is None:
            lead = (
                f"the digits round box_center, the exact optimum of the point's activation region with every "
                f"kink held at its kink (one least-squares correction of {how})"
            )
            return about_nearby(out, point, star, value.text, lead)
    return None


def _region_optimum_outcome(
    star: Point, offset: Fraction, moved: str, how: str, loss: Fraction, value: LossEnclosure
) -> Outcome:
    return Outcome(
        Verdict.LOCAL_MIN,
        "exact",
        "least-squares",
        f"the point's digits round the optimum of its activation region: one exact least-squares "
        f"correction of {moved} moves it by "
        f"{float(offset):.2g} (∞-norm) to box_center without changing any activation sign, and there "
        f"{how}, and the loss equals the least-squares bound {format_rational(loss, decimal=False)}: "
        f"no nearby point does better (a non-strict local minimum; the verdict is about box_center, the "
        f"given point itself is not critical)",
        LossEnclosure(value.text, loss, loss),
        box_radius=offset,
        box_center=star,
        proof_radius=Fraction(0),
        code="least-squares-bound",
    )


def _pushed_text(pushed: tuple[tuple[int, int, int], ...]) -> str:
    return (
        f"with the last hidden layer's kinks that push ({pushing_text(pushed)}: raising the unit there "
        f"moves the output along its residual, which only raises the loss) taken on their inactive side"
    )


def _region_bound(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region | None,
    L: Fraction,
    *,
    options: CertifyOptions,
    progress: ProgressHook | None,
) -> tuple[LeastSquaresBound, str, list[str]]:
    """The best proved lower bound on the loss near the point (its certificate code, and the steps):
    the subspaces' least-squares bound, and — when that is below the loss ``L`` at a kink of a
    one-hidden-layer net — the sharper sign-cone bound; still below ``L``, the same over the region with
    the last hidden layer's pushing kinks taken inactive (`pin_pushing_kinks`: a different relaxation,
    neither bound dominates)."""
    steps: list[str] = []
    bound, code = _bounds_of(network, dataset, point, region, L, options, progress, steps, "")
    if region is not None and region.kinks and (bound.value is None or bound.value < L):
        pinned, pushed = pin_pushing_kinks(network, dataset, point, region)
        if pushed:
            note = f", {_pushed_text(pushed)}"
            other, other_code = _bounds_of(network, dataset, point, pinned, L, options, progress, steps, note)
            if other.value is not None and (bound.value is None or other.value > bound.value):
                bound, code = other, other_code
    return bound, code, steps


def _bounds_of(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region | None,
    L: Fraction,
    options: CertifyOptions,
    progress: ProgressHook | None,
    steps: list[str],
    note: str,
) -> tuple[LeastSquaresBound, str]:
    """The least-squares bound over ``region``'s pieces and, for one hidden layer below ``L``, the
    sign-cone bound; ``note`` is added to each bound's account."""
    report(progress, "least-squares bound")
    bound = least_squares_bound(network, dataset, region, max_kinks=options.max_region_kinks)
    bound = replace(bound, how=bound.how + note)
    code = "least-squares-bound"
    candidates = [bound]
    if bound.value is not None:
        steps.append(f"least squares: {bound.how}; bound {format_rational(bound.value, decimal=False)}")
    else:
        steps.append(f"least squares: not available ({bound.how})")
    if (
        region is not None
        and region.kinks
        and network.depth == 2
        and (bound.value is None or bound.value < L)
    ):
        # A unit at a kink with a non-zero output weight sweeps a cone, not a subspace: a sharper bound.
        report(progress, "sign-cone least-squares bound")
        cone = sign_cone_bound(
            network,
            dataset,
            point,
            region,
            max_kinks=options.max_region_kinks,
            max_faces=options.max_cone_faces,
            stop_below=L,
        )
        if cone.value is None:
            # Too many sides to enumerate together: decide the bound's equality unit by unit, by duality.
            report(progress, "sign-cone optimality by duality")
            optimum = sign_cone_optimum(network, dataset, point, region, L, max_faces=options.max_cone_faces)
            if optimum.value is not None:
                cone = optimum
        cone = replace(cone, how=cone.how + note)
        candidates.append(cone)
        if cone.value is None:
            steps.append(f"sign-cone bound: not available ({cone.how})")
        else:
            steps.append(f"sign-cone bound: {cone.how}; bound {format_rational(cone.value, decimal=False)}")
            if bound.value is None or cone.value > bound.value:
                bound, code = cone, "sign-cone-bound"
    for c in candidates:
        if c.value is not None and c.value > L:
            raise AssertionError(f"least-squares bound {c.value} exceeds the loss {L}: a bug in verify")
    return bound, code


def _nearby_proof(
    network: Network,
    dataset: Dataset,
    point: Point,
    region: Region | None,
    value: LossEnclosure,
    options: CertifyOptions,
    steps: list[str],
) -> Outcome | None:
    """A rounded point's descent may be the digits' rounding of a dead-at-kink minimum or saddle, of its
    activation region's optimum (exact; with its kinks held), of a minimum on a rescaling orbit, of a
    best affine fit or of a piece minimum: the first of those proved, about the critical point in its
    box, or None."""
    if region is not None:
        proved = certify_dead_kinks(
            network, dataset, point, value, region=region, literal=options.literal, rounded=True
        )
        if proved is not None:
            return proved
    optimum = _nearby_region_optimum(network, dataset, point, value)
    if optimum is not None:
        return replace(optimum, steps=(*steps, "snapped to the region's least-squares optimum"))
    held = _nearby_kink_optimum(network, dataset, point, region, value, options)
    if held is not None:
        return replace(held, steps=(*steps, "snapped to the region's optimum with every kink held"))
    span = certify_span_minimum(network, dataset, point, value.text) or certify_span_saddle(
        network, dataset, point, value.text
    )  # several outputs, or a head not convex in the predictions: no snap
    if span is not None:
        return replace(span, steps=(*steps, "the output layer spans its region's predictions"))
    lifted = (
        None
        if region and region.kinks
        else certify_orbit(network, dataset, point, rounded=True)
        or certify_silent_units(network, dataset, point)
    )
    if lifted is not None:
        suffix = (
            "; the given point itself is not critical (its exact gradient is not zero): the verdict is "
            "about the critical point in the box"
        )
        return lifted_outcome(lifted, point, value.text, suffix, steps)
    fit = certify_nearby_affine_fit(network, dataset, point)
    if fit is not None:  # its loss bounds are x*'s, the point the verdict is about
        return replace(fit, steps=(*steps, "nearby best affine fit"))
    held = certify_nearby_piece_minimum(network, dataset, point, value)
    if held is not None:
        return replace(held, steps=(*steps, "snapped to the simplest rationals: a piece minimum"))
    return None


def _in_window(point: Point, proved: Outcome) -> bool:
    """Whether a verdict about a nearby critical point is about one the point's digits may round
    (`digits_may_round`): a descent steeper than their rounding leaves is then theirs, not the point's."""
    return proved.box_center is not None and digits_may_round(point, proved.box_center)


def _scale_of(point: Point) -> Fraction:
    """1 + max|θ|: the scale of the Newton-step reach 1e-3·(1 + max|θ|)."""
    return 1 + max((abs(q) for q in point.flatten()), default=Fraction(0))


def _digits_apart(
    network: Network, dataset: Dataset, point: Point, window: tuple[list[Fraction], str]
) -> tuple[str, str] | None:
    """Why no critical point lies in the ``window`` the digits of a rounded point allow (`digits_window`:
    radii and words; every sign kept over it), and the method, or None: then a descent at the rounding's
    level is about the numbers. A gradient entry proved non-zero on each part, else a loss strictly
    convex about the window whose one critical point is enclosed outside it (`pinpoint.convex_apart`)."""
    radii, within = window
    if not any(radii):
        return None
    apart = no_critical_point_within(network, dataset, point, radii, piecewise=True)
    if apart is not None:
        return f"{within}, and {apart}", "ball-gradient"
    convex = convex_apart(network, dataset, point, radii)
    return None if convex is None else (f"{within}, and {convex}", "held-convexity")


def _descent_outcome(
    verdict: Verdict, lead: str, desc: Descent, value: LossEnclosure, steps: list[str]
) -> Outcome:
    """The outcome of an exact germ along its witness: ``not-critical`` (code ``first-order-descent``) for
    order 1, else ``saddle`` at a stationary point (code ``higher-order-descent``)."""
    k = desc.order
    term = "t + O(t²)" if k == 1 else f"t^{k} + o(t^{k})"
    return Outcome(
        verdict,
        "exact",
        "exact-descent",
        f"{lead} the witness direction loss(x + t v) − loss(x) = "
        f"{format_rational(desc.coefficient, decimal=False)}·{term} for small t > 0"
        + ("" if k == 1 else ": not a local minimum"),
        value,
        box_radius=Fraction(0),
        witness=desc.witness,
        witness_loss_upper=desc.witness_loss,
        steps=tuple(steps),
        code="first-order-descent" if k == 1 else "higher-order-descent",
    )


def certify_piecewise(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    options: CertifyOptions,
    progress: ProgressHook | None = None,
) -> Outcome:
    literal = options.literal
    rounded = judged_rounding(point, options.rounding) > 0
    exact = ExactArithmetic()
    report(progress, "exact loss")
    value = enclose_loss(network, dataset, point)
    L = value.lower
    assert L is not None
    report(progress, "activation region")
    region = region_of(network, dataset, point) if network.activation in ("relu", "leaky_relu") else None
    bound, code, steps = _region_bound(network, dataset, point, region, L, options=options, progress=progress)
    if bound.value == L:
        return Outcome(
            Verdict.LOCAL_MIN,
            "exact",
            "least-squares",
            f"no nearby point does better: {bound.how}, and the loss equals the least-squares bound "
            f"{format_rational(L, decimal=False)}",
            value,
            box_radius=Fraction(0),
            steps=tuple(steps),
            code=code,
        )
    report(progress, "first-order test")
    fo = first_order(
        network,
        dataset,
        point,
        region,
        max_unit_kinks=options.max_unit_kinks,
        max_side_kinks=options.max_side_kinks,
    )
    steps.append(f"first order: {fo.reason}")
    second: list[tuple[Fraction, ...]] = []
    for j, d in enumerate(fo.directions):
        note = noter(progress, "first-order descent directions", j, len(fo.directions))
        desc = exact_descent(network, dataset, point, d, note=note)
        if desc is not None and desc.order == 1:
            scale = (
                None if literal else _exact_rounding_level(network, dataset, point, region, options.rounding)
            )
            slope = float(desc.coefficient) / float(max(abs(v) for v in d))
            near = None
            # A slope at the level the digits' rounding leaves is about the digits where the gradient and
            # Newton step are too, and at a kink even where they are not (a kink unit's weights can carry an
            # O(1) gradient on one side of a kink that pushes). A larger slope is about the point meant,
            # unless a critical point the digits round (their window) is proved nearby.
            kinked = region is not None and bool(region.kinks)
            if (
                scale is not None
                and (scale[3] or kinked)
                and slope_at_rounding_level(slope, scale[0], scale[2], network.n_params)
            ):
                near = scale
            reach = options.near_critical * float(_scale_of(point))
            # the nearby proofs are tried where the Newton step lands within the float reach, or within
            # the digits' window (four digits: a window wider than that reach)
            tried = scale is not None and (
                near is not None
                or scale[1] <= reach
                or newton_windows(scale[4], scale[5], newton_radii(point)) <= WINDOW_SLACK
            )
            if tried:
                proved = _nearby_proof(network, dataset, point, region, value, options, steps)
                # at rounding level as ever (identity units, new here, only inside the window); beyond it,
                # only a critical point inside the window
                at_level = near is not None and (
                    region is not None or proved is None or proved.box_center is None
                )
                if proved is not None and (at_level or _in_window(point, proved)):
                    return proved
                moved = None if proved is None else rescaled_into_the_window(network, point, proved)
                if moved is not None:
                    return moved
            if near is not None:
                apart = _digits_apart(
                    network, dataset, point, digits_window(point, Fraction(options.near_critical))
                )
                if apart is not None:
                    return Outcome(
                        Verdict.NOT_CRITICAL,
                        "interval",
                        apart[1],
                        f"{fo.reason} at the given numbers, and they round no critical point: {apart[0]}",
                        value,
                        steps=tuple(steps),
                        code="gradient-nonzero",
                    )
                where = (
                    f"they sit within {near[1]:.2g} (Newton step) of a critical set"
                    if near[3]
                    else f"that descent's slope ({slope:.2g} per unit step) is at the level their rounding "
                    f"leaves"
                )
                return Outcome(
                    Verdict.INCONCLUSIVE,
                    "exact",
                    "none",
                    f"{fo.reason} at the given numbers, but {where} and they are written to a rounding "
                    f"scale of {float(near[0]):.2g}: a fact about their digits, not about the critical point "
                    f"meant; that critical set is not classified here. --literal answers about the given "
                    f"numbers themselves",
                    value,
                    steps=tuple(steps),
                    code="near-critical-set",
                )
            if tried and scale is not None:  # the nearby proofs were tried, and failed
                radii, within = digits_window(point, Fraction(options.near_critical))
                if (
                    any(radii)
                    and newton_windows(scale[4], scale[5], radii) <= WINDOW_SLACK
                    and _digits_apart(network, dataset, point, (radii, within)) is None
                ):
                    return window_not_cleared(
                        f"{fo.reason} at the given numbers",
                        within,
                        "no nearby proof went through",
                        value,
                        steps,
                    )
            return _descent_outcome(Verdict.NOT_CRITICAL, f"{fo.reason}: along", desc, value, steps)
        if desc is not None:
            second.append(d)
    if fo.stationary is False:
        return Outcome(
            Verdict.INCONCLUSIVE,
            "exact",
            "exact-descent",
            f"{fo.reason}, but the descent germ did not confirm it",
            value,
            steps=tuple(steps),
            code="descent-unconfirmed",
        )
    prob = prepare(network, dataset, point, arith=exact)
    eig_min, zero = np.inf, 0
    hessians = []
    pieces = _piece_masks(region, options.max_side_kinks)
    for piece, masks in enumerate(pieces):
        report(progress, "piece Hessians", piece, len(pieces))
        H = hessian_of_flat(network, prob.inputs, prob.targets, prob.flat, arith=exact, masks=masks)
        hessians.append(H)
        Hf = np.array(H, dtype=float)
        eig, vecs = np.linalg.eigh((Hf + Hf.T) / 2)
        top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
        eig_min = min(eig_min, float(eig[0])) if len(eig) else eig_min
        zero = max(zero, int(np.sum(np.abs(eig) <= 1e-10 * top)))
        for k in np.nonzero(eig < -1e-10 * top)[0]:
            second += [rational_direction(vecs[:, k]), rational_direction(-vecs[:, k])]

    def second_order() -> Iterator[tuple[Fraction, ...]]:
        yield from second
        # Curvature too small beside the Hessian's norm for a float eigenvector (a badly balanced deep
        # linear net): exact symmetric elimination finds a negative direction whenever one exists.
        for H in hessians:
            exact_dir = negative_direction(H)
            if exact_dir is not None:
                top = max(abs(v) for v in exact_dir)
                yield tuple(v / top for v in exact_dir)
        # Degenerate critical points (zero or singular Hessian, units born at zero): exact null
        # directions and kink-cell directions, each only a candidate for the exact germ.
        yield from descent_candidates(network, dataset, point, region, hessians=hessians)

    for j, d in enumerate(second_order()):
        note = noter(progress, "second-order descent directions", j)
        desc = exact_descent(network, dataset, point, d, note=note)
        if desc is None:
            continue
        if fo.stationary:
            return _descent_outcome(Verdict.SADDLE, f"{fo.reason}, and along", desc, value, steps)
        if desc.order == 1 and (literal or judged_rounding(point, options.rounding) == 0):
            # A first-order one-sided descent at numbers written exactly is what `not-critical` claims,
            # whether or not the cone test could decide stationarity.
            return _descent_outcome(Verdict.NOT_CRITICAL, f"{fo.reason}; but along", desc, value, steps)
        return Outcome(
            Verdict.INCONCLUSIVE,
            "exact",
            "exact-descent",
            f"not a local minimum (points of lower loss arbitrarily close along the witness direction, order "
            f"{desc.order}), but {fo.reason}",
            value,
            witness=desc.witness,
            witness_loss_upper=desc.witness_loss,
            steps=tuple(steps),
            code="stationarity-undecided",
        )
    if region is not None:
        # Units dead at a kink (every kink theirs): the one-sided growth argument of `dead_kinks`.
        proved = certify_dead_kinks(
            network, dataset, point, value, region=region, literal=literal, rounded=rounded
        ) or certify_affine_fit(network, dataset, point)
        if proved is not None:
            return proved
        held = certify_piece_minimum(network, dataset, point, region, value)
        if held is not None:
            return replace(held, steps=(*steps, "the held piece's exact Hessian on the rescaling slice"))
    why = []
    if bound.value is not None:
        why.append(
            f"the least-squares bound {format_rational(bound.value, decimal=False)} is below the loss "
            f"{format_rational(L, decimal=False)} ({bound.how})"
        )
    else:
        why.append(f"no least-squares bound ({bound.how})")
    if fo.stationary is None:
        why.append(fo.reason)
    why.append(
        f"no descent direction was found (smallest piece Hessian eigenvalue {eig_min:.3g}, {zero} near zero; "
        f"a positive semidefinite Hessian with zero eigenvalues is not a proof)"
    )
    return Outcome(
        Verdict.INCONCLUSIVE, "exact", "none", "; ".join(why), value, steps=tuple(steps), code="no-proof"
    )
