"""Proofs for smooth losses (sigmoid, tanh, softplus, cross-entropy; ReLU-family networks inside one
region): the gradient signed in balls, the box proofs of a minimum and of a saddle, and the lifts through
exact invariances when the Hessian is singular."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.exponential import ExponentialArithmetic
from badminima.errors import BackendError
from badminima.landscape.derivatives import gradient, gradient_of_flat
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region, region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.progress import ProgressHook, report
from badminima.verify.affine_fits import certify_affine_fit, certify_nearby_affine_fit
from badminima.verify.affine_saddles import certify_nearby_affine_saddle
from badminima.verify.best_fit import certify_best_fit, certify_nearby_best_fit
from badminima.verify.born_units import chain_moves
from badminima.verify.box import BoxResult, certify_minimum, certify_saddle
from badminima.verify.certificate import Verdict
from badminima.verify.constant_units import certify_constant_units
from badminima.verify.critical_free import GRADIENT_PRECISIONS, no_critical_point_within
from badminima.verify.dead_kinks import certify_dead_kinks
from badminima.verify.dead_layers import certify_dead_layer
from badminima.verify.dependent_inputs import certify_dependent_inputs
from badminima.verify.duplicate_groups import certify_duplicate_group
from badminima.verify.embedded_saddles import certify_embedded
from badminima.verify.kink_descent import kink_descent
from badminima.verify.kink_saddles import kink_piece_saddle
from badminima.verify.kink_units import dead_layers, raising_directions
from badminima.verify.lift import certify_lifted_minimum, certify_lifted_saddle_of_dead_unit, lifted_outcome
from badminima.verify.mixed_units import certify_mixed_units
from badminima.verify.null_descent import certify_null_descent
from badminima.verify.options import CertifyOptions
from badminima.verify.outcome import Outcome, about_nearby, unknown_loss
from badminima.verify.pinpoint import convex_apart
from badminima.verify.prediction_span import certify_span_minimum, certify_span_saddle
from badminima.verify.rounding import (
    WINDOW_SLACK,
    at_rounding_level,
    coarsest_rounding,
    digits_may_round,
    digits_window,
    held_windows,
    hold_pinned,
    judged_rounding,
    newton_radii,
    newton_windows,
    resolvable_window,
    slope_at_rounding_level,
)
from badminima.verify.saturation import output_bias_gradient
from badminima.verify.silent_apart import silent_units_apart
from badminima.verify.silent_saddles import certify_silent_saddle, silent_constant_fit
from badminima.verify.silent_units import certify_silent_units
from badminima.verify.suboptimality import LossEnclosure, enclose_loss
from badminima.verify.symmetry_slices import certify_orbit


def _from_box(res: BoxResult, method: str, loss_text: str, note: str, steps: list[str], code: str) -> Outcome:
    """The outcome of a successful box proof (a minimum or a saddle)."""
    assert res.verdict is not None and res.loss_lower is not None and res.loss_upper is not None
    return Outcome(
        res.verdict,
        "interval",
        method,
        res.reason + note,
        LossEnclosure(loss_text, res.loss_lower, res.loss_upper),
        box_radius=res.radius,
        proof_radius=res.proof_radius,
        box_center=res.center,
        box_loss_lower=res.box_loss_lower,
        mu=res.mu,
        witness=res.witness,
        witness_loss_upper=res.witness_loss_upper,
        steps=tuple(steps),
        code=code,
    )


def _gradient_balls(
    network: Network, dataset: Dataset, point: Point, progress: ProgressHook | None = None
) -> tuple[list[Any], list[int | None]]:
    """The gradient at ``point`` in balls, at the first precision of `GRADIENT_PRECISIONS` that signs every
    entry (an entry that is exactly zero stays unsigned in balls; the last precision is returned then)."""
    g: list[Any] = []
    signs: list[int | None] = []
    for k, prec in enumerate(GRADIENT_PRECISIONS):
        report(progress, "gradient signs in balls", k, len(GRADIENT_PRECISIONS), note=f"at {prec} bits")
        ball = BallArithmetic(prec)
        prob = prepare(network, dataset, point, arith=ball)
        with ball.context():
            g = list(
                gradient_of_flat(network, prob.inputs, prob.targets, prob.flat, arith=ball, masks=prob.masks)
            )
            signs = [ball.sign(v) for v in g]
        if all(s is not None for s in signs):
            break
    return g, signs


def _exact_gradient_zero(network: Network, dataset: Dataset, point: Point) -> bool | None:
    """True when the gradient is proved exactly zero, False when an entry is proved non-zero, None when
    undecided: first in Q(e^{1/D}) (`ExponentialArithmetic`: σ and tanh of rational pre-activations,
    where a zero is decided, not simplified), then symbolically (sympy); either may fail, the fallback
    is total."""
    for exact in (ExponentialArithmetic(), ExactArithmetic()):
        try:
            signs = [exact.sign(v) for v in gradient(network, dataset, point, arith=exact)]
        except (BackendError, TypeError, ValueError, ArithmeticError):
            continue
        if all(s == 0 for s in signs):
            return True
        if any(s not in (0, None) for s in signs):
            return False
    return None


def _box_options(options: CertifyOptions, progress: ProgressHook | None = None) -> dict[str, Any]:
    return {
        "precisions": options.precisions,
        "resolved": options.resolved,
        "max_ball_hessian": options.max_ball_hessian,
        "progress": progress,
    }


def _at_kinks(
    network: Network,
    dataset: Dataset,
    point: Point,
    hess: np.ndarray,
    region: Region,
    value: LossEnclosure,
    options: CertifyOptions,
    progress: ProgressHook | None,
) -> Outcome:
    """A point with pre-activations at a kink and a smooth loss: a proved negative one-sided derivative
    (`kink_descent`, trying first the moves that raise a dead unit's kinks) answers ``not-critical`` —
    unless that slope is at the level the point's rounding would leave; where no slope beyond that is
    proved, kinks of units dead at a kink may prove a minimum or a saddle (`certify_dead_kinks`), and
    otherwise the answer is ``near-critical-set`` or ``kink-smooth-loss``."""
    where = (
        f"{len(region.kinks)} pre-activation(s) exactly at a kink with a non-polynomial loss "
        f"({network.output} output, {network.loss})"
    )
    raising = raising_directions(network, dataset, region, point)
    deads = dead_layers(network, region)
    if deads is not None and len(deads) > 1:
        raising += chain_moves(network, dataset, point, deads)  # a raised unit's chain cut
    found = kink_descent(network, dataset, point, region=region, first=raising, progress=progress)
    if found is None:
        proved = certify_dead_kinks(
            network,
            dataset,
            point,
            value,
            region=region,
            literal=options.literal,
            rounded=judged_rounding(point, options.rounding) > 0,
            progress=progress,
        )
        if proved is not None:
            return proved
        fit = certify_affine_fit(network, dataset, point)
        if fit is not None:
            return replace(fit, loss=value)
        piece = kink_piece_saddle(network, dataset, point, region, value.lower)
        if piece is not None:
            return Outcome(
                Verdict.SADDLE,
                "interval",
                "exact-piece-curvature",
                f"{where}: every piece's gradient (each side of each kink) is exactly 0, so every "
                f"one-sided derivative is 0; along a direction v the ray enters a piece (decided exactly "
                f"from the germs of the pre-activations) whose exact second-order term is "
                f"{float(piece.curvature) / 2:.6g}·t² < 0: not a local minimum; x + {piece.step}·v has a "
                f"proved lower loss",
                value,
                box_radius=Fraction(0),
                witness=piece.witness,
                witness_loss_upper=piece.witness_loss_upper,
                code="higher-order-descent",
            )
        return Outcome(
            Verdict.INCONCLUSIVE,
            "interval",
            "none",
            f"{where}: no tried direction has a proved negative one-sided derivative, and under this loss "
            f"minima and saddles at kinks are only proved where every kink is of a unit dead on the data "
            f"beside a proved minimum or best affine fit of the narrower network, or where the whole network "
            f"is at a best affine fit with zero loss slope on the points off its common piece",
            value,
            code="kink-smooth-loss",
        )
    slope = f"F'(x; v) ∈ [{float(found.lower):.6g}, {float(found.upper):.6g}]"
    rho = judged_rounding(point, options.rounding)
    if not options.literal and rho and len(hess):
        # Moving x by the rounding scale ρ moves a piece's derivative along the unit-∞-norm v by at most
        # about ρ·‖H‖·√P: a slope at that level may be the digits', not the point's meant.
        top = max(1.0, float(np.max(np.abs(np.linalg.eigvalsh(hess)))))
        if slope_at_rounding_level(float(found.lower), rho, top, len(hess)):
            proved = certify_dead_kinks(
                network, dataset, point, value, region=region, rounded=True, progress=progress
            )
            if proved is not None:
                return proved
            return Outcome(
                Verdict.INCONCLUSIVE,
                "interval",
                "none",
                f"{where}: along a direction v, {slope} < 0 at the given numbers, but they are written to a "
                f"rounding scale of {float(rho):.2g} and that slope is at the level rounding leaves: a fact "
                f"about their digits; the critical set meant is not classified here. --literal answers "
                f"about the given numbers themselves",
                value,
                code="near-critical-set",
            )
    shown = "" if found.step is None else f"; x + {found.step}·v has a proved lower loss"
    return Outcome(
        Verdict.NOT_CRITICAL,
        "interval",
        "ball-one-sided-derivative",
        f"{where}: along a direction v the ray enters one piece (decided exactly from the germs of the "
        f"pre-activations), on which {slope} < 0 (balls): every small step along v goes down{shown}",
        value,
        witness=found.witness,
        witness_loss_upper=found.witness_loss_upper,
        code="first-order-descent",
    )


def window_not_cleared(fact: str, within: str, why: str, value: LossEnclosure, steps: list[str]) -> Outcome:
    """``inconclusive`` (code ``window-not-cleared``): the digits have a window (`digits_window`), no proof
    classifies a critical point in it, and no gradient entry is proved non-zero over all of it — a
    critical point the digits round may sit there, so the descent they leave is not a verdict."""
    return Outcome(
        Verdict.INCONCLUSIVE,
        "interval",
        "none",
        f"{fact}, but the digits' window is not cleared ({within}; no gradient entry is proved non-zero "
        f"over all of it): a critical point they round may lie inside, and none was classified ({why}). "
        f"--literal answers about the given numbers themselves",
        value,
        steps=(*steps, "window not cleared"),
        code="window-not-cleared",
    )


def _nearby_silent_saddle(
    network: Network, dataset: Dataset, point: Point, value: LossEnclosure, options: CertifyOptions
) -> Outcome | None:
    """`certify_silent_saddle` at the constant fit the digits round (`silent_constant_fit`, within
    `digits_may_round`) when it is proved exactly critical: a saddle about that point (``box_center``)."""
    fit = silent_constant_fit(network, dataset, point)
    if fit is None or not digits_may_round(point, fit) or network.n_params > options.max_exact_gradient:
        return None
    if _exact_gradient_zero(network, dataset, fit) is not True:
        return None
    out = certify_silent_saddle(network, dataset, fit, enclose_loss(network, dataset, fit))
    lead = (
        "the digits round the constant fit box_center (every output weight 0 and the output biases at the "
        "constant model's optimum), which is exactly critical"
    )
    return None if out is None else about_nearby(out, point, fit, value.text, lead)


def certify_smooth(
    network: Network,
    dataset: Dataset,
    point: Point,
    grad: np.ndarray,
    hess: np.ndarray,
    *,
    options: CertifyOptions,
    progress: ProgressHook | None = None,
) -> Outcome:
    report(progress, "loss enclosure")
    try:
        value = enclose_loss(network, dataset, point)
    except BackendError:
        value = unknown_loss()
    steps: list[str] = []
    if not len(grad) or float(np.max(np.abs(grad))) <= 1e-8:
        best = certify_best_fit(network, dataset, point)
        if best is not None:
            return best
    if network.is_piecewise_linear and network.activation != "identity":
        region = region_of(network, dataset, point)
        dead = certify_dead_layer(network, dataset, point, region, literal=options.literal)
        if dead is not None:
            return dead
        if region.kinks:
            return _at_kinks(network, dataset, point, hess, region, value, options, progress)
    g, signs = _gradient_balls(network, dataset, point, progress)
    if not any(s not in (0, None) for s in signs):
        # saturated units cancel the output biases' gradient in balls: sign it in a form that does not
        ball = BallArithmetic(GRADIENT_PRECISIONS[0])
        for i, v in output_bias_gradient(network, dataset, point):
            if ball.sign(v) not in (0, None):
                g[i], signs[i] = v, ball.sign(v)
    nonzero = [i for i, s in enumerate(signs) if s not in (0, None)]
    exactly_critical = all(s == 0 for s in signs)
    not_at_point = (
        f"; the given point itself is not critical (gradient entry {nonzero[0]} is proved non-zero): the "
        f"verdict is about the critical point in the box"
        if nonzero
        else ""
    )
    if not nonzero and not exactly_critical and len(signs) <= options.max_exact_gradient:
        report(progress, "symbolic gradient")
        zero = _exact_gradient_zero(network, dataset, point)
        exactly_critical = zero is True
        steps.append(
            "exact gradient: zero" if exactly_critical else "exact gradient: not proved zero or non-zero"
        )
    g_mid = np.array([float(v.mid()) for v in g]) if g else np.zeros(0)
    eig = np.linalg.eigvalsh(hess) if len(grad) else np.zeros(0)
    top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
    scale = 1 + max((abs(float(v)) for v in point.flatten()), default=0.0)
    unresolved = not len(eig) or float(np.min(np.abs(eig))) <= options.resolved * top
    newton = float(np.linalg.norm(np.linalg.lstsq(hess, g_mid, rcond=1e-13)[0])) if len(eig) else 0.0
    near = exactly_critical or newton <= options.near_critical * scale
    window = resolvable_window(point) or []  # the digits' window, where a float centre resolves it
    if not near and len(eig) and judged_rounding(point, options.rounding):
        # four digits: a window wider than the float reach, which the Newton step may land inside (four
        # digits beside thirty: the short numbers' windows)
        near = newton_windows(hess, g_mid, newton_radii(point)) <= WINDOW_SLACK
    if nonzero and (options.literal or judged_rounding(point, options.rounding) == 0):
        # --literal, or numbers all written exactly (short: `1`, `0.25`, `13/3`): a gradient entry proved
        # non-zero is about the numbers as written, however near a critical point they are
        near = False
    digits_apart: str | None = None
    reach: list[Fraction] = []
    within = ""
    if near and nonzero and not options.literal:
        # A critical point the digits round lies within `digits_window`. A gradient proved non-zero over
        # that whole box is about the point as written, however near a critical point farther off lies (an
        # exact 1e8 or all-tiny numbers once made it "near"). Float prints keep the Newton-step test.
        reach, within = digits_window(point, Fraction(options.near_critical))
    apart_method = "ball-gradient"
    if any(reach):
        digits_apart = no_critical_point_within(network, dataset, point, reach, piecewise=True)
        if digits_apart is None:
            quiet = silent_units_apart(network, dataset, point, reach)
            if quiet is not None:
                digits_apart, apart_method = quiet
        near = digits_apart is None
    tried: list[str] = []

    def try_minimum() -> Outcome | None:
        res = certify_minimum(network, dataset, point, hess, **_box_options(options, progress))
        steps.extend(res.steps)
        if res.verdict is Verdict.LOCAL_MIN:
            return _from_box(
                res, "box-strong-convexity", value.text, not_at_point, steps, "strong-convexity-box"
            )
        tried.append(f"box method: {res.reason}")
        return None

    def try_saddle() -> Outcome | None:
        res = certify_saddle(
            network, dataset, point, hess, critical=exactly_critical, **_box_options(options, progress)
        )
        steps.extend(res.steps)
        if res.verdict is Verdict.SADDLE:
            return _from_box(
                res, "box-krawczyk-curvature", value.text, not_at_point, steps, "krawczyk-saddle"
            )
        tried.append(f"saddle test: {res.reason}")
        return None

    def try_span() -> Outcome | None:
        report(progress, "the output layer's optimum over its region's predictions")
        span = certify_span_minimum(network, dataset, point, value.text) or certify_span_saddle(
            network, dataset, point, value.text
        )
        if span is None:
            return None
        return replace(span, steps=(*steps, "the output layer spans its region's predictions"))

    # a manifold of best fits may meet the window where the least-change Newton step does not lead (a
    # corner of it): tried over the window whatever that step says, for rounded digits
    rounded_window = any(window) and not options.literal and judged_rounding(point, options.rounding) > 0
    if near or rounded_window:
        report(progress, "predictions against each input's mean target")
        # the mean-target parameters must sit in the digits' window (a float's print's, and one too fine
        # for a float centre, 30 digits beside 4, included; numbers written exactly do not move)
        best = certify_nearby_best_fit(network, dataset, point, reach=held_windows(point))
        if best is not None:
            return replace(best, steps=(*steps, "Krawczyk: the mean targets are attained nearby"))
    if near and len(eig):
        # Both proofs are tried; the float spectrum at the given point only orders them (a rounded
        # point's float Hessian can have the wrong sign where the polished centre has the right one).
        order = (try_saddle, try_minimum) if eig[0] < -options.resolved * top else (try_minimum, try_saddle)
        for attempt in order:
            proved = attempt()
            if proved is not None:
                return proved
    if exactly_critical and network.is_piecewise_linear:
        report(progress, "best affine fit")
        fit = certify_affine_fit(network, dataset, point)
        if fit is not None:
            return replace(fit, loss=value, steps=(*steps, "best affine fit: normal equations hold exactly"))
    if near:
        report(progress, "lift through an exact invariance")
        lifted = (
            certify_lifted_minimum(network, dataset, point)
            or certify_duplicate_group(network, dataset, point)
            or certify_orbit(network, dataset, point)
            or certify_dependent_inputs(network, dataset, point)
            or certify_lifted_saddle_of_dead_unit(network, dataset, point)
            or certify_constant_units(network, dataset, point)
            or certify_mixed_units(network, dataset, point)
            or certify_embedded(network, dataset, point)
            or certify_silent_units(network, dataset, point)
        )
        if lifted is not None:
            return lifted_outcome(lifted, point, value.text, not_at_point, steps)
        if network.is_piecewise_linear and not options.literal:
            report(progress, "a nearby best affine fit")
            fit = certify_nearby_affine_fit(network, dataset, point)
            if fit is not None:
                return replace(
                    fit, reason=fit.reason + not_at_point, steps=(*steps, "nearby best affine fit")
                )
            span = try_span()
            if span is not None:
                return span
        tried.append(
            "no exact invariance (duplicated units, a unit born at zero, units constant on the data, alone "
            "or beside varying units, ReLU rescalings, identity units' GL(p), dependent inputs) lifts a "
            "proof to this point, and it rounds no best affine fit"
        )
        if exactly_critical:
            report(progress, "descent along the Hessian's null directions")
            search = certify_null_descent(network, dataset, point)
            if search.found is not None:
                found = search.found
                return Outcome(
                    Verdict.SADDLE,
                    "interval",
                    "null-direction-descent",
                    found.reason,
                    LossEnclosure(value.text, found.loss_lower, found.loss_upper),
                    box_radius=Fraction(0),
                    witness=found.witness,
                    witness_loss_upper=found.witness_loss_upper,
                    steps=(*steps, f"order-{found.order} descent along a null direction: saddle proved"),
                    code="null-direction-descent",
                )
            tried.append(f"null directions: {search.why}")
            report(progress, "silent units")
            silent = certify_silent_saddle(network, dataset, point, value)
            if silent is not None:
                return replace(silent, steps=(*steps, "a silent unit's analytic gradient: saddle proved"))
        elif not options.literal:
            silent = _nearby_silent_saddle(network, dataset, point, value, options)
            if silent is not None:
                return replace(silent, steps=(*steps, "a silent unit's analytic gradient at the snapped fit"))
    if rounded_window and not near and digits_apart is None and network.is_piecewise_linear:
        # the output layer's optimum may lie in the window where the Newton step does not lead (its
        # weak curvature, 1e-5 beside 1, sends it along the near-flat output directions)
        span = try_span()
        if span is not None:
            return span
    if digits_apart is not None:
        tried.append(f"{within}, and {digits_apart} (Newton step {newton:.3g})")
    elif not near:
        tried.append(f"no critical point nearby (Newton step {newton:.3g})")
    elif unresolved and not tried:
        tried.append("the Hessian is singular (zero eigenvalues): the box tests need a definite direction")
    why = "; ".join(tried)
    steps.append(why)
    if nonzero:
        i = max(nonzero, key=lambda k: abs(float(g[k].mid())))
        # proved non-zero over the digits' own box: about the point as written, whatever the level
        settled = options.literal or digits_apart is not None
        rho = None if settled else at_rounding_level(point, g_mid, eig, newton, top, options.rounding)
        if rho is not None and not any(reach):
            # digits whose window was tried (`digits_window`) and not cleared keep `near-critical-set`:
            # twice the rounding is a narrower box than the window a critical point may sit in
            wide = 2 * coarsest_rounding(point)
            box = hold_pinned(point, [wide] * network.n_params)  # no rounding reaches those: held
            apart = no_critical_point_within(network, dataset, point, box, piecewise=True)
            if apart is not None:
                why += (
                    f"; no critical point lies within twice the coarsest rounding ({float(wide):.2g}; "
                    f"numbers written exactly held): "
                    f"{apart}, so the digits are not a rounded critical point"
                )
                rho = None
        convex = None
        if rho is not None and any(reach) and digits_apart is None:
            # at rounding level, but the digits have a window: the loss may be strictly convex about it
            # with its one critical point outside (an output layer behind a held hidden layer)
            convex = convex_apart(network, dataset, point, reach)
            rho = None if convex is not None else rho
        saddle = (
            certify_nearby_affine_saddle(network, dataset, point)
            if rho is not None and network.is_piecewise_linear and not options.literal
            else None
        )
        if saddle is not None:  # the digits round a critical point: one of a manifold of saddles
            return replace(saddle, steps=(*steps, "a saddle of the loss in the affine map"))
        if rho is not None:
            return Outcome(
                Verdict.INCONCLUSIVE,
                "interval",
                "none",
                f"within {newton:.2g} (Newton step) of a critical point, and the point's numbers are written "
                f"to a rounding scale of {float(rho):.2g}: gradient entry {i} is non-zero at the given point "
                f"(in {g[i].str(radius=True)}), but that is a fact about its digits; the nearby critical "
                f"{'set is degenerate (singular Hessian) and ' if unresolved else 'point '}could not be "
                f"classified ({why}). --literal answers about the given numbers themselves",
                value,
                steps=tuple(steps),
                code="near-critical-set",
            )
        if near and not options.literal and not any(reach):  # a float's print: its own window
            reach = window
            within = "a float's print: a critical point it rounds lies within 1e-3·(1 + |θ_i|) of each θ_i"
            digits_apart = no_critical_point_within(network, dataset, point, reach, piecewise=True)
            if digits_apart is not None:
                why += f"; {within}, and {digits_apart}"
        if convex is not None or (
            any(reach) and digits_apart is None and newton_windows(hess, g_mid, reach) <= WINDOW_SLACK
        ):
            convex = convex or convex_apart(network, dataset, point, reach)
            if convex is None:
                return window_not_cleared(
                    f"gradient entry {i} is non-zero at the given point", within, why, value, steps
                )
            return Outcome(
                Verdict.NOT_CRITICAL,
                "interval",
                "held-convexity",
                f"gradient entry {i} is proved non-zero (in {g[i].str(radius=True)}); {why}; {within}, and "
                f"{convex}: the digits round no critical point",
                value,
                steps=tuple(steps),
                code="gradient-nonzero",
            )
        return Outcome(
            Verdict.NOT_CRITICAL,
            "interval",
            apart_method,
            f"gradient entry {i} is proved non-zero (in {g[i].str(radius=True)}); {why}",
            value,
            steps=tuple(steps),
            code="gradient-nonzero",
        )
    return Outcome(
        Verdict.INCONCLUSIVE,
        "interval",
        "none",
        f"{why}; the gradient is not proved non-zero. A zero gradient with a positive semidefinite or zero "
        f"Hessian is not a proof of a minimum",
        value,
        steps=tuple(steps),
        code="degenerate-critical-point" if exactly_critical else "gradient-undecided",
    )
