"""`certify(trap)`: pick the methods that can prove what the trap's point is, and say what was proved.

Rational losses (identity/ReLU/leaky-ReLU hidden units, identity output, mse) get exact proofs:
least squares over activation regions for minima, an exact cone test for first-order stationarity at
kinks, and exact descent germs for non-minima. Every other loss gets the ball-arithmetic box method.
Float diagnostics ride along and never decide a verdict.
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction

import numpy as np

from badminima.errors import BackendError
from badminima.landscape.regions import region_of
from badminima.model.dataset import Dataset
from badminima.model.limits import check_numbers
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.population import PopulationTrap
from badminima.model.rational import format_rational, rounding_scale
from badminima.model.trap import Trap
from badminima.progress import ProgressHook, report
from badminima.verify.best_fit import certify_best_fit
from badminima.verify.box import certify_minimum
from badminima.verify.certificate import Certificate, Verdict
from badminima.verify.dropped_inputs import lift_dropped_inputs, narrower_options, without_dropped_inputs
from badminima.verify.fit_snap import snap_to_fit
from badminima.verify.kink_snap import kinks_within, snap_to_kinks
from badminima.verify.linear_points import certify_linear_point, is_deep_linear
from badminima.verify.logit_surrogate import certify_through_surrogates
from badminima.verify.numerics import diagnostics, float_derivatives
from badminima.verify.options import DEFAULTS, CertifyOptions
from badminima.verify.outcome import Outcome, unknown_loss, withdrawn
from badminima.verify.piecewise import certify_piecewise
from badminima.verify.rounding import (
    judged_rounding,
)
from badminima.verify.saturation import unreachable_output
from badminima.verify.smooth import certify_smooth
from badminima.verify.suboptimality import LossEnclosure, enclose_loss, proved_gap
from badminima.verify.upper_layers import collapse_upper_layers, collapsed_minimum
from badminima.verify.window_kinds import one_kind_in_the_window, zeroed_in_the_window
from badminima.verify.window_verdicts import exact_numbers_kept, inside_the_window

GAP_PRECISIONS = (512, 2048)
"""Precisions at which a box minimum and the better point are re-enclosed when the gap is too thin for
128 bits (a better point 1e-40 below)."""


def _sharper_gap(
    trap: Trap,
    hess: np.ndarray,
    gap: Fraction | None,
    better: LossEnclosure,
    first: Outcome,
    progress: ProgressHook | None = None,
) -> tuple[Fraction | None, LossEnclosure]:
    """Re-prove the box minimum with a centre polished to more bits and enclose both losses there, while
    the better point's loss is not proved above the minimum's: a tighter F(c) − ‖∇F(c)‖²/(2μ). Used only
    when the new proof box lies inside the first one, whose minimiser is unique there: the same point."""
    assert trap.better is not None
    if first.box_center is None or first.proof_radius is None:
        return gap, better
    for k, prec in enumerate(GAP_PRECISIONS):
        report(progress, "sharper gap", k, len(GAP_PRECISIONS), note=f"at {prec} bits")
        res = certify_minimum(trap.network, trap.dataset, trap.point, hess, precisions=(prec,))
        if res.verdict is not Verdict.LOCAL_MIN or res.loss_lower is None or res.loss_upper is None:
            break
        assert res.center is not None and res.proof_radius is not None
        apart = res.center.distance(first.box_center)
        if apart + res.proof_radius > first.proof_radius:
            break
        better = enclose_loss(trap.network, trap.dataset, trap.better, precision=prec)
        gap = proved_gap(res.loss_lower, better)
        if (gap is not None and gap > 0) or (better.lower is not None and better.lower > res.loss_upper):
            break
    return gap, better


def _across_a_kink(
    trap: Trap, out: Outcome, options: CertifyOptions, progress: ProgressHook | None
) -> Outcome | None:
    """The verdict about the point the digits round when that point sits at a kink the rounding moved
    the given numbers off, or at an exact best fit beside its kinks: first the point where the kinks
    are exactly 0 and the rest predicts the rational best fit its pieces reach (`fit_snap`), then the point
    where only the kink units' own weights move (`kink_snap`); the snapped point's minimum or saddle,
    stated with a box holding the given point; `near-critical-set` when the snapped point is not
    classified, or when no change of the kink units' own weights inside the rounding box reaches their
    kinks; None (the given point's `not-critical` stands) when nothing is within reach or the snapped
    point is not critical beyond the given digits' rounding."""
    net, data, point = trap.network, trap.dataset, trap.point
    if net.activation not in ("relu", "leaky_relu") or rounding_scale(point.flatten()) == 0:
        return None
    near = kinks_within(net, data, point)
    at = region_of(net, data, point).kinks
    fitted = snap_to_fit(net, data, point, (*near, *at)) if near or at else None
    if fitted is not None:
        report(progress, "the digits may round an exact best fit at its kinks: the snapped point")
        inner = _snapped(trap, fitted, options)
        if inner.verdict in (Verdict.LOCAL_MIN, Verdict.SADDLE):
            kinked = ", ".join(f"layer {lay + 1} unit {u} on point {i}" for lay, u, i in (*near, *at))
            return _about_snapped(
                out,
                inner,
                point,
                fitted,
                f"the digits round a point where the pre-activation(s) ({kinked}) are exactly 0 and the "
                f"network, those units off there, predicts exactly the best fit its pieces reach (the best "
                f"affine fit when the other units keep one sign; each number within half a unit of its last "
                f"written place, a float's 15-17-digit print within one ulp)",
            )
    if not near:
        return None
    where = ", ".join(f"layer {lay + 1} unit {u} on point {i}" for lay, u, i in near)
    snapped = snap_to_kinks(net, data, point, near)
    if snapped is None:
        # the kinks are within the digits' rounding only through other numbers (earlier layers): a point
        # the digits round may sit at them, so the given numbers' descent decides nothing
        return _near_a_kink(
            out,
            f"pre-activation(s) ({where}) are non-zero at the given numbers but reach 0 within the digits' "
            f"rounding (each number ± half a unit of its last place, a float's print ± one ulp), though not "
            f"by moving those units' own "
            f"weights and biases alone: the point the digits round may sit at a kink, which is not "
            f"classified here",
        )
    offset = point.distance(snapped)
    report(progress, "the digits may round a kink: the snapped point")
    inner = _snapped(trap, snapped, options)
    if inner.verdict is Verdict.NOT_CRITICAL:
        return None  # the kink itself has a descent beyond the digits' rounding: not critical either way
    moved = (
        f"the digits may round a point at a kink: pre-activation(s) ({where}) are non-zero at the given "
        f"numbers but reach 0 within the digits' rounding (each number ± half a unit of its last place, a "
        f"float's print ± one ulp), and "
        f"the least change of those units' weights and biases inside that box ({float(offset):.2g} away) "
        f"puts them at 0"
    )
    if inner.verdict in (Verdict.LOCAL_MIN, Verdict.SADDLE):
        return _about_snapped(out, inner, point, snapped, moved)
    return _near_a_kink(out, f"{moved}; that point is not classified ({inner.code}: {inner.reason})")


def _snapped(trap: Trap, snapped: Point, options: CertifyOptions) -> Certificate:
    """``snapped``'s certificate, its slopes judged against the given digits' rounding, not its own."""
    rho = rounding_scale(trap.point.flatten())
    inner_options = replace(options, snap_kinks=False, probes=0, rounding=rho)
    return certify(Trap(trap.network, trap.dataset, snapped), options=inner_options)


def _about_snapped(out: Outcome, inner: Certificate, given: Point, snapped: Point, moved: str) -> Outcome:
    """The snapped point's minimum or saddle as the answer about the ``given`` point (``moved`` says how
    it was snapped): its box grown by how far the snap moved it."""
    offset = given.distance(snapped)
    return Outcome(
        inner.verdict,
        inner.rigor,
        inner.method,
        f"{moved}; there: {inner.reason} (the verdict is about that point, box_center)",
        LossEnclosure(out.loss.text, inner.loss_lower, inner.loss_upper),
        box_radius=offset + (inner.box_radius or Fraction(0)),
        proof_radius=inner.proof_radius,
        box_center=inner.box_center if inner.box_center is not None else snapped,
        mu=inner.min_eigenvalue_bound,
        witness=inner.witness,
        witness_loss_upper=inner.witness_loss_upper,
        steps=(*out.steps, "snapped to the kink the digits may round", *inner.steps),
        code=inner.code,
    )


def _classified_across_a_kink(
    trap: Trap, out: Outcome, options: CertifyOptions, progress: ProgressHook | None
) -> Outcome | None:
    """At a rounded point left `near-critical-set`, the snapped kink point's minimum or saddle when the
    digits may round one (`_across_a_kink`); None (the answer stands) otherwise."""
    found = _across_a_kink(trap, out, options, progress)
    return found if found is not None and found.verdict in (Verdict.LOCAL_MIN, Verdict.SADDLE) else None


def _near_a_kink(out: Outcome, why: str) -> Outcome:
    """`near-critical-set` in place of the given numbers' `not-critical`: ``why`` a point the digits round
    may sit at a kink that nothing classified."""
    return withdrawn(
        out,
        f"{why}; the given numbers' descent ({out.code}) is a fact about their digits. --literal "
        f"answers about the given numbers themselves",
        "near-critical-set",
    )


def _rounded_descent(out: Outcome, options: CertifyOptions) -> bool:
    """Whether ``out`` is an exact first-order descent at numbers that may be a rounding (not --literal),
    or a ball proof about a nearby point (``box_center``) that an exact snap may improve on."""
    nearby = out.box_center is not None and out.rigor != "exact"
    return (out.code == "first-order-descent" or nearby) and not options.literal


def _exact_outcome(
    net: Network, data: Dataset, point: Point, options: CertifyOptions, progress: ProgressHook | None
) -> Outcome:
    """The exact proofs for a rational loss: activation regions, then the best fit any function or any
    deep linear map could give."""
    out = certify_piecewise(net, data, point, options=options, progress=progress)
    if out.verdict is Verdict.INCONCLUSIVE:
        # Predictions exactly at each input's mean target: no function does better, whatever the
        # kinks (deep leaky-ReLU nets have no least-squares bound of their own).
        out = certify_best_fit(net, data, point) or out
    if is_deep_linear(net) and (out.verdict is Verdict.INCONCLUSIVE or _rounded_descent(out, options)):
        # Deep linear nets: exact global optima and flat (order ≥ 3) saddles, see linear_points; a rounded
        # point's descent may be its digits', about an exactly critical point in their window; and an
        # exact proof at a member of a rational family beats a ball proof on its orbit's slice.
        out = certify_linear_point(net, data, point, out, options=options, progress=progress)
    if out.verdict is Verdict.INCONCLUSIVE and net.depth > 2 and net.activation in ("relu", "leaky_relu"):
        # Layers above the first affine on the data: a minimum of the one-hidden-layer net they collapse to.
        collapsed = collapse_upper_layers(net, point, region_of(net, data, point))
        if collapsed is not None:
            small, at = collapsed
            inner = _exact_outcome(small, data, at, replace(options, literal=True), progress)
            if inner.verdict is Verdict.LOCAL_MIN and inner.box_center is None and not inner.box_radius:
                out = collapsed_minimum(inner, net, small)
    return out


def _outcome(
    trap: Trap, grad: np.ndarray, hess: np.ndarray, options: CertifyOptions, progress: ProgressHook | None
) -> Outcome:
    """The verdict at ``trap.point`` (the better point aside): the piecewise or smooth proofs, then a
    rounded point's kinks."""
    net, data, point = trap.network, trap.dataset, trap.point
    k = unreachable_output(net, data)
    if k is not None:
        c_k = net.n_params - net.widths[-1] + k
        return Outcome(
            Verdict.NOT_CRITICAL,
            "exact",
            "output-range",
            f"every target of output {k} lies at or beyond one end of the sigmoid's range, so the "
            f"derivative in that output's bias (gradient entry {c_k}) has one strict sign at every "
            f"parameter: the loss has no critical point anywhere",
            enclose_loss(net, data, point),
            code="gradient-nonzero",
        )
    if net.has_rational_loss:
        out = _exact_outcome(net, data, point, options, progress)
    else:
        try:
            out = certify_smooth(net, data, point, grad, hess, options=options, progress=progress)
        except BackendError as exc:
            out = Outcome(
                Verdict.INCONCLUSIVE,
                "interval",
                "none",
                f"ball arithmetic failed: {exc}",
                unknown_loss(),
                code="arithmetic-failed",
            )
        if out.verdict is Verdict.INCONCLUSIVE:
            # Logits all exactly 0 over piecewise-linear units: the exact proofs of two mse surrogates.
            literal = replace(options, literal=True)
            out = (
                certify_through_surrogates(
                    net,
                    data,
                    point,
                    lambda n, d, p: _exact_outcome(n, d, p, literal, progress),
                    exact_digits=options.literal or judged_rounding(point, options.rounding) == 0,
                )
                or out
            )
    if out.verdict is Verdict.NOT_CRITICAL and options.snap_kinks and not options.literal:
        out = _across_a_kink(trap, out, options, progress) or out
    elif out.code == "near-critical-set" and options.snap_kinks and not options.literal:
        out = _classified_across_a_kink(trap, out, options, progress) or out
    return out


def certify(
    trap: Trap | PopulationTrap,
    *,
    options: CertifyOptions = DEFAULTS,
    probes: int | None = None,
    seed: int | None = None,
    literal: bool | None = None,
    progress: ProgressHook | None = None,
) -> Certificate:
    """Prove what ``trap.point`` is (local minimum, saddle, not critical) and whether ``trap.better``
    is strictly better, or say why not.

    A point written to many digits (a rounded critical point) is taken as the critical point it rounds:
    a non-zero gradient at rounding level is not reported as ``not-critical`` but classified, or
    ``inconclusive`` with reason code ``near-critical-set``.

    Args:
        options: every setting and threshold (`CertifyOptions`); ``probes``, ``seed`` and ``literal``,
            when given, replace the fields of the same name.
        probes: random directions per radius in the float descent probes (diagnostics only).
        seed: seed of those probes.
        literal: answer about the given numbers exactly as written, digits and all (``not-critical`` as
            soon as a first-order descent is proved there).
        progress: hears each stage (float diagnostics, the exact or box proof and its precision loop,
            the better point) as it runs, with its steps; never changes the result.

    Example:
        >>> from badminima.model import load_trap
        >>> certify(load_trap("examples/relu-blind-spot.json"), probes=0).verdict.value
        'bad-local-min'
    """
    if probes is not None:
        options = replace(options, probes=probes)
    if seed is not None:
        options = replace(options, seed=seed)
    if literal is not None:
        options = replace(options, literal=literal)
    if isinstance(trap, PopulationTrap):
        from badminima.verify.population import certify_population

        return certify_population(trap, literal=options.literal, dense=options.dense)
    start = time.perf_counter()
    net, data, point = trap.network, trap.dataset, trap.point
    check_numbers(net, data, point, trap.better)
    report(progress, "float derivatives")
    derivatives = float_derivatives(net, data, point, progress=progress)
    _, grad, hess = derivatives
    diag = diagnostics(
        net,
        data,
        point,
        probes=options.probes,
        seed=options.seed,
        derivatives=derivatives,
        progress=progress,
    )
    out = _outcome(trap, grad, hess, options, progress)
    reduced = without_dropped_inputs(trap) if out.verdict is Verdict.INCONCLUSIVE else None
    if reduced is not None:
        # Inputs the first layer sees only through others: the narrower network may decide what this one
        # can't (its own proofs, e.g. constant units over the data's affine span, come first: sharper).
        small, columns = reduced
        small_options = narrower_options(point, small.point, columns, options)
        if small_options is not None:
            _, small_grad, small_hess = float_derivatives(small.network, small.dataset, small.point)
            narrower = _outcome(small, small_grad, small_hess, small_options, progress)
            if narrower.verdict is not Verdict.INCONCLUSIVE:
                out = lift_dropped_inputs(narrower, point, columns, net)
    if not options.literal:
        out = exact_numbers_kept(net, data, point, out, Fraction(options.near_critical))
        out = inside_the_window(net, data, point, out, options.rounding)
        zero = None if out.verdict is Verdict.INCONCLUSIVE else zeroed_in_the_window(net, data, point)
        if zero is not None and zero != out.box_center:
            report(progress, "the point with the numbers near 0 set to 0")
            there = certify(Trap(net, data, zero), options=replace(options, literal=True, probes=0))
            out = one_kind_in_the_window(net, data, point, out, zero, there)
    verdict, reason = out.verdict, out.reason
    better = better_text = better_upper = gap = None
    if trap.better is not None:
        report(progress, "better point's loss")
        try:
            better = enclose_loss(net, data, trap.better)
        except BackendError as exc:
            better_text = f"unknown (its enclosure failed: {exc})"
        if better is not None:
            better_text, better_upper = better.text, better.upper
            # The proved lower bound on the minimiser's loss: exact at the point, or F(c) − ‖∇F(c)‖²/(2μ)
            # for a box proof, which bounds every loss in the proof box.
            gap = proved_gap(out.loss.lower, better)
            if (
                verdict is Verdict.LOCAL_MIN
                and out.method == "box-strong-convexity"
                and not (gap and gap > 0)
            ):
                gap, better = _sharper_gap(trap, hess, gap, better, out, progress)
                better_text, better_upper = better.text, better.upper
        if verdict is Verdict.LOCAL_MIN:
            if gap is not None and gap > 0:
                verdict = Verdict.BAD_LOCAL_MIN
                shown = format_rational(gap, decimal=False) if out.rigor == "exact" else f"{float(gap):.3g}"
                reason += f"; the better point's loss {better_text} is lower by at least {shown}"
            else:
                reason += "; the better point's loss is not proved lower than the minimum's"
    return Certificate(
        verdict=verdict,
        rigor=out.rigor,
        method=out.method,
        reason=reason,
        loss=out.loss.text,
        loss_lower=out.loss.lower,
        loss_upper=out.loss.upper,
        better_loss=better_text,
        better_loss_upper=better_upper,
        gap_lower=gap,
        box_radius=out.box_radius,
        box_center=out.box_center if out.box_center is not None else (point if out.box_radius == 0 else None),
        proof_radius=out.proof_radius if out.proof_radius is not None else out.box_radius,
        min_eigenvalue_bound=out.mu,
        witness=out.witness,
        witness_loss_upper=out.witness_loss_upper,
        seconds=time.perf_counter() - start,
        diagnostics=diag,
        steps=out.steps,
        code=out.code,
    )
