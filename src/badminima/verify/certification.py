"""`certify(trap)`: pick the methods that can prove what the trap's point is, and say what was proved.

Rational losses (identity/ReLU/leaky-ReLU hidden units, identity output, mse) get exact proofs:
least squares over activation regions for minima, an exact cone test for first-order stationarity at
kinks, and exact descent germs for non-minima. Every other loss gets the ball-arithmetic box method.
Float diagnostics ride along and never decide a verdict.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.protocol import Rigor
from badminima.errors import BackendError
from badminima.landscape.derivatives import gradient, gradient_of_flat, hessian_of_flat
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region, region_of
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.population import PopulationTrap
from badminima.model.rational import format_rational, rounding_scale
from badminima.model.trap import Trap
from badminima.progress import ProgressHook, noter, report
from badminima.verify.box import BoxResult, certify_minimum, certify_saddle
from badminima.verify.certificate import Certificate, Verdict
from badminima.verify.constant_units import certify_constant_units
from badminima.verify.descent import exact_descent, rational_direction
from badminima.verify.descent_candidates import descent_candidates
from badminima.verify.kinks import first_order, piece_gradient
from badminima.verify.lift import (
    certify_lifted_minimum,
    certify_lifted_saddle_of_dead_unit,
    certify_rescaled_minimum,
)
from badminima.verify.numerics import diagnostics, float_derivatives
from badminima.verify.options import DEFAULTS, CertifyOptions
from badminima.verify.regions import least_squares_bound
from badminima.verify.suboptimality import LossEnclosure, enclose_loss, proved_gap


@dataclass(frozen=True)
class _Outcome:
    verdict: Verdict
    rigor: Rigor
    method: str
    reason: str
    loss: LossEnclosure
    box_radius: Fraction | None = None
    proof_radius: Fraction | None = None
    box_center: Point | None = None
    box_loss_lower: Fraction | None = None
    mu: Fraction | None = None
    witness: Point | None = None
    witness_loss_upper: Fraction | None = None
    steps: tuple[str, ...] = field(default=())
    code: str = ""


def _unknown_loss() -> LossEnclosure:
    return LossEnclosure("unknown (the enclosure overflowed)", None, None)


def _piece_masks(region: Region | None, max_side_kinks: int) -> list[list[np.ndarray] | None]:
    if region is None:
        return [None]
    kinks = region.kinks
    if not kinks:
        return [region.masks("active")]
    if len(kinks) > max_side_kinks:
        return [region.masks("active"), region.masks("inactive")]
    out: list[list[np.ndarray] | None] = []
    for code in range(2 ** len(kinks)):
        masks = region.masks("inactive")
        for bit, (lay, u, i) in enumerate(kinks):
            masks[lay][u, i] = bool(code >> bit & 1)
        out.append(masks)
    return out


def _exact_rounding_level(
    network: Network, dataset: Dataset, point: Point, region: Region | None
) -> tuple[Fraction, float] | None:
    """(ρ, Newton step) when the exact gradient of the point's piece is at the level that rounding a
    critical point to the point's rounding scale ρ would leave (see `at_rounding_level`), else None."""
    if rounding_scale(point.flatten()) == 0:
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
    rho = at_rounding_level(point, g, H, newton, top)
    return None if rho is None else (rho, newton)


def _piecewise(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    options: CertifyOptions,
    progress: ProgressHook | None = None,
) -> _Outcome:
    literal = options.literal
    exact = ExactArithmetic()
    report(progress, "exact loss")
    value = enclose_loss(network, dataset, point)
    L = value.lower
    assert L is not None
    report(progress, "activation region")
    region = region_of(network, dataset, point) if network.activation in ("relu", "leaky_relu") else None
    steps: list[str] = []
    report(progress, "least-squares bound")
    bound = least_squares_bound(network, dataset, region, max_kinks=options.max_region_kinks)
    if bound.value is not None:
        if bound.value > L:
            raise AssertionError(f"least-squares bound {bound.value} exceeds the loss {L}: a bug in verify")
        steps.append(f"least squares: {bound.how}; bound {format_rational(bound.value, decimal=False)}")
        if bound.value == L:
            return _Outcome(
                Verdict.LOCAL_MIN,
                "exact",
                "least-squares",
                f"no nearby point does better: {bound.how}, and the loss equals the least-squares bound "
                f"{format_rational(L, decimal=False)}",
                value,
                box_radius=Fraction(0),
                steps=tuple(steps),
                code="least-squares-bound",
            )
    else:
        steps.append(f"least squares: not available ({bound.how})")
    report(progress, "first-order test")
    fo = first_order(network, dataset, point, region, max_unit_kinks=options.max_unit_kinks)
    steps.append(f"first order: {fo.reason}")
    second: list[tuple[Fraction, ...]] = []
    for j, d in enumerate(fo.directions):
        note = noter(progress, "first-order descent directions", j, len(fo.directions))
        desc = exact_descent(network, dataset, point, d, note=note)
        if desc is not None and desc.order == 1:
            near = None if literal else _exact_rounding_level(network, dataset, point, region)
            if near is not None:
                return _Outcome(
                    Verdict.INCONCLUSIVE,
                    "exact",
                    "none",
                    f"{fo.reason} at the given numbers, but they sit within {near[1]:.2g} (Newton step) of a "
                    f"critical set and are written to a rounding scale of {float(near[0]):.2g}: a fact about "
                    f"their digits, not about the critical point meant; that critical set is not classified "
                    f"here. --literal answers about the given numbers themselves",
                    value,
                    steps=tuple(steps),
                    code="near-critical-set",
                )
            return _Outcome(
                Verdict.NOT_CRITICAL,
                "exact",
                "exact-descent",
                f"{fo.reason}: along the witness direction loss(x + t v) − loss(x) = "
                f"{format_rational(desc.coefficient, decimal=False)}·t + O(t²) for small t > 0",
                value,
                box_radius=Fraction(0),
                witness=desc.witness,
                witness_loss_upper=desc.witness_loss,
                steps=tuple(steps),
                code="first-order-descent",
            )
        if desc is not None:
            second.append(d)
    if fo.stationary is False:
        return _Outcome(
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
        # Degenerate critical points (zero or singular Hessian, units born at zero): exact null
        # directions and kink-cell directions, each only a candidate for the exact germ.
        yield from descent_candidates(network, dataset, point, region, hessians=hessians)

    for j, d in enumerate(second_order()):
        note = noter(progress, "second-order descent directions", j)
        desc = exact_descent(network, dataset, point, d, note=note)
        if desc is None:
            continue
        if fo.stationary:
            return _Outcome(
                Verdict.SADDLE,
                "exact",
                "exact-descent",
                f"{fo.reason}, and along the witness direction loss(x + t v) − loss(x) = "
                f"{format_rational(desc.coefficient, decimal=False)}·t^{desc.order} + o(t^{desc.order}) "
                f"for small t > 0: not a local minimum",
                value,
                box_radius=Fraction(0),
                witness=desc.witness,
                witness_loss_upper=desc.witness_loss,
                steps=tuple(steps),
                code="higher-order-descent",
            )
        return _Outcome(
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
    return _Outcome(
        Verdict.INCONCLUSIVE, "exact", "none", "; ".join(why), value, steps=tuple(steps), code="no-proof"
    )


def _from_box(
    res: BoxResult, method: str, loss_text: str, note: str, steps: list[str], code: str
) -> _Outcome:
    """The outcome of a successful box proof (a minimum or a saddle)."""
    assert res.verdict is not None and res.loss_lower is not None and res.loss_upper is not None
    return _Outcome(
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


GRADIENT_PRECISIONS = (128, 256, 512, 1024, 2048)
"""Ball precisions tried in turn to sign every gradient entry before any symbolic computation."""


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
    """True when the symbolic gradient is proved zero, False when an entry is proved non-zero, None when
    undecided (or the symbolic computation failed: the fallback is total)."""
    exact = ExactArithmetic()
    try:
        signs = [exact.sign(v) for v in gradient(network, dataset, point, arith=exact)]
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return None
    if all(s == 0 for s in signs):
        return True
    return False if any(s not in (0, None) for s in signs) else None


def at_rounding_level(
    point: Point, g_mid: np.ndarray, hess: np.ndarray, newton: float, top: float
) -> Fraction | None:
    """The rounding scale ρ of the given numbers when the gradient and the Newton step are both at the
    level that rounding a critical point to ρ would leave (‖g‖ ≤ c·ρ·‖H‖, step ≤ c·ρ, c = 10√P), else
    None: then a non-zero gradient is about the point the user meant, not about its digits."""
    rho = rounding_scale(point.flatten())
    if rho == 0 or not len(g_mid):
        return None
    c = 10 * math.sqrt(len(g_mid))
    if newton <= c * float(rho) and float(np.linalg.norm(g_mid)) <= c * float(rho) * top:
        return rho
    return None


def _box_options(options: CertifyOptions, progress: ProgressHook | None = None) -> dict[str, Any]:
    return {
        "precisions": options.precisions,
        "resolved": options.resolved,
        "max_ball_hessian": options.max_ball_hessian,
        "progress": progress,
    }


def _smooth(
    network: Network,
    dataset: Dataset,
    point: Point,
    grad: np.ndarray,
    hess: np.ndarray,
    *,
    options: CertifyOptions,
    progress: ProgressHook | None = None,
) -> _Outcome:
    report(progress, "loss enclosure")
    try:
        value = enclose_loss(network, dataset, point)
    except BackendError:
        value = _unknown_loss()
    steps: list[str] = []
    if network.is_piecewise_linear and network.activation != "identity":
        region = region_of(network, dataset, point)
        if region.kinks:
            return _Outcome(
                Verdict.INCONCLUSIVE,
                "interval",
                "none",
                f"{len(region.kinks)} pre-activation(s) exactly at a kink with a non-polynomial loss "
                f"({network.output} output, {network.loss}): kinks are only handled for identity output "
                f"and mse",
                value,
                code="kink-smooth-loss",
            )
    g, signs = _gradient_balls(network, dataset, point, progress)
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
    tried: list[str] = []

    def try_minimum() -> _Outcome | None:
        res = certify_minimum(network, dataset, point, hess, **_box_options(options, progress))
        steps.extend(res.steps)
        if res.verdict is Verdict.LOCAL_MIN:
            return _from_box(
                res, "box-strong-convexity", value.text, not_at_point, steps, "strong-convexity-box"
            )
        tried.append(f"box method: {res.reason}")
        return None

    def try_saddle() -> _Outcome | None:
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

    if near and len(eig):
        # Both proofs are tried; the float spectrum at the given point only orders them (a rounded
        # point's float Hessian can have the wrong sign where the polished centre has the right one).
        order = (try_saddle, try_minimum) if eig[0] < -options.resolved * top else (try_minimum, try_saddle)
        for attempt in order:
            proved = attempt()
            if proved is not None:
                return proved
    if near:
        report(progress, "lift through an exact invariance")
        lifted = (
            certify_lifted_minimum(network, dataset, point)
            or certify_rescaled_minimum(network, dataset, point)
            or certify_lifted_saddle_of_dead_unit(network, dataset, point)
            or certify_constant_units(network, dataset, point)
        )
        if lifted is not None:
            lo, hi = lifted.reduced.loss_lower, lifted.reduced.loss_upper
            offset = max(abs(a - b) for a, b in zip(point.flatten(), lifted.center.flatten(), strict=True))
            minimum = lifted.verdict is Verdict.LOCAL_MIN
            return _Outcome(
                lifted.verdict,
                "interval",
                ("slice-rescaling" if lifted.code == "lift-relu-rescaling" else "morse-bott-lift")
                if minimum
                else "lifted-saddle",
                lifted.reason + not_at_point,
                LossEnclosure(value.text, lo, hi),
                box_radius=offset + lifted.radius,
                proof_radius=lifted.radius,
                box_center=lifted.center,
                mu=lifted.mu,
                witness=lifted.witness,
                witness_loss_upper=lifted.witness_loss_upper,
                steps=(*steps, f"lift through {lifted.invariance}: {lifted.verdict.value} proved"),
                code=lifted.code,
            )
        tried.append(
            "no exact invariance (duplicated units, a unit born at zero, units constant on the data) lifts a "
            "proof to this point"
        )
    if not near:
        tried.append(f"no critical point nearby (Newton step {newton:.3g})")
    elif unresolved and not tried:
        tried.append("the Hessian is singular (zero eigenvalues): the box tests need a definite direction")
    why = "; ".join(tried)
    steps.append(why)
    if nonzero:
        i = max(nonzero, key=lambda k: abs(float(g[k].mid())))
        rho = None if options.literal else at_rounding_level(point, g_mid, hess, newton, top)
        if rho is not None:
            return _Outcome(
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
        return _Outcome(
            Verdict.NOT_CRITICAL,
            "interval",
            "ball-gradient",
            f"gradient entry {i} is proved non-zero (in {g[i].str(radius=True)}); {why}",
            value,
            steps=tuple(steps),
            code="gradient-nonzero",
        )
    return _Outcome(
        Verdict.INCONCLUSIVE,
        "interval",
        "none",
        f"{why}; the gradient is not proved non-zero. A zero gradient with a positive semidefinite or zero "
        f"Hessian is not a proof of a minimum",
        value,
        steps=tuple(steps),
        code="degenerate-critical-point" if exactly_critical else "gradient-undecided",
    )


GAP_PRECISIONS = (512, 2048)
"""Precisions at which a box minimum and the better point are re-enclosed when the gap is too thin for
128 bits (a better point 1e-40 below)."""


def _sharper_gap(
    trap: Trap,
    hess: np.ndarray,
    gap: Fraction | None,
    better: LossEnclosure,
    first: _Outcome,
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
        apart = max(abs(a - b) for a, b in zip(res.center.flatten(), first.box_center.flatten(), strict=True))
        if apart + res.proof_radius > first.proof_radius:
            break
        better = enclose_loss(trap.network, trap.dataset, trap.better, precision=prec)
        gap = proved_gap(res.loss_lower, better)
        if (gap is not None and gap > 0) or (better.lower is not None and better.lower > res.loss_upper):
            break
    return gap, better


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

        return certify_population(trap, literal=options.literal)
    start = time.perf_counter()
    net, data, point = trap.network, trap.dataset, trap.point
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
    if net.has_rational_loss:
        out = _piecewise(net, data, point, options=options, progress=progress)
    else:
        try:
            out = _smooth(net, data, point, grad, hess, options=options, progress=progress)
        except BackendError as exc:
            out = _Outcome(
                Verdict.INCONCLUSIVE,
                "interval",
                "none",
                f"ball arithmetic failed: {exc}",
                _unknown_loss(),
                code="arithmetic-failed",
            )
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
