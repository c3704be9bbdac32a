"""A sigmoid output at logit 0 over piecewise-linear hidden units: proofs through least-squares surrogates
in the logits.

Write F(θ) = (1/N) Σ_ik ℓ_ik(z_ik(θ)) with z the logits (pre-sigmoid outputs). Where every logit at the
point θ* is exactly 0, each per-point loss has a rational slope s_ik = ℓ'_ik(0) and curvature
c_ik = ℓ''_ik(0) (σ(0) = 1/2; `logit_slope`, `logit_curvature`). For m < min c_ik and M > max c_ik,
ℓ being C², near 0

    s Δ + (m/2) Δ²  ≤  ℓ(Δ) − ℓ(0)  ≤  s Δ + (M/2) Δ²,

and since (z − y')² − (0 − y')² = Δ² + 2Δ s/q for targets y' = −s/q, summing gives, for θ near θ*,

    (m/2)·[G_m(θ) − G_m(θ*)]  ≤  F(θ) − F(θ*)  ≤  (M/2)·[G_M(θ) − G_M(θ*)],

G_q the mse of the same network with an identity output on targets −s/q: a rational loss, with exact
proofs. A local minimum of G_m at θ* is one of F; a ray along which G_M goes below G_M(θ*) for every small
step takes F below F(θ*) too, and the one-sided derivatives of F, G_m and G_M at θ* are the same up to
positive factors (all three have gradient ∝ s in the logits), so stationarity and first-order descent
carry over. Only proofs about θ* itself (no box around a nearby point) are carried over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

from badminima.arithmetic.exact import ExactArithmetic
from badminima.landscape.derivatives import logit_curvature, logit_slope
from badminima.landscape.problem import exact_pass
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.outcome import Outcome
from badminima.verify.suboptimality import LossEnclosure, enclose_loss

MARGIN = Fraction(1, 64)
"""m = (1 − MARGIN)·min c and M = (1 + MARGIN)·max c: strictly inside and outside the curvatures at θ*, so
the quadratic bounds hold on a neighbourhood."""

WITNESS_HALVINGS = 40
"""How often a surrogate's lower point is moved halfway back to θ* until its loss under F is proved lower."""


@dataclass(frozen=True)
class Surrogate:
    """The identity-output, mse ``network`` on ``dataset`` (targets −s/q) whose loss bounds the given one
    from below (``side`` "below", q = m) or above ("above", q = M) near the point, up to the factor q/2."""

    network: Network
    dataset: Dataset
    curvature: Fraction
    side: str


def logit_surrogates(network: Network, dataset: Dataset, point: Point) -> tuple[Surrogate, Surrogate] | None:
    """The lower and upper least-squares surrogates of a sigmoid-output network over identity, ReLU or
    leaky-ReLU hidden units at a point whose logits are all exactly 0 (with positive curvature there), or
    None.

    Example (one ReLU unit at its kink on every input; bce at logit 0 has slope 1/2 − y, curvature 1/4):
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[-1], [0], [1]], [["1/4"], [1], ["1/4"]])
        >>> low, high = logit_surrogates(net, data, Point.unflatten(net, [0, 0, 1, 0]))
        >>> low.network.describe(), low.curvature, [str(r[0]) for r in low.dataset.y]
        ('1-1-1 relu→identity, mse, bias', Fraction(63, 256), ['-64/63', '128/63', '-64/63'])
    """
    if network.output != "sigmoid" or not network.is_piecewise_linear:
        return None
    run = exact_pass(network, dataset, point)
    if run is None or any(q != 0 for q in run.forward.logits.flat):
        return None
    exact = ExactArithmetic()
    slopes = logit_slope(network, run.forward.logits, run.problem.targets, arith=exact)
    curves = logit_curvature(network, run.forward.logits, run.problem.targets, arith=exact)
    if not all(isinstance(q, Fraction) for q in [*slopes.flat, *curves.flat]) or min(curves.flat) <= 0:
        return None
    square = replace(network, output="identity", loss="mse")
    outs, n = slopes.shape

    def surrogate(q: Fraction, side: str) -> Surrogate:
        targets = [[-slopes[k, i] / q for k in range(outs)] for i in range(n)]
        return Surrogate(square, Dataset(dataset.X, tuple(tuple(r) for r in targets)), q, side)

    return (
        surrogate((1 - MARGIN) * min(curves.flat), "below"),
        surrogate((1 + MARGIN) * max(curves.flat), "above"),
    )


def _about_the_point(out: Outcome) -> bool:
    return out.box_center is None and not out.box_radius


def _lower_witness(
    network: Network, dataset: Dataset, point: Point, witness: Point, value: LossEnclosure
) -> tuple[Point, Fraction] | None:
    """``witness`` moved back towards ``point`` by halvings until its loss under the given network is
    proved below ``value``; None if no halving proves it."""
    here, there = point.flatten(), witness.flatten()
    for k in range(WITNESS_HALVINGS):
        t = Fraction(1, 2**k)
        moved = Point.unflatten(network, [a + t * (b - a) for a, b in zip(here, there, strict=True)])
        upper = enclose_loss(network, dataset, moved).upper
        if upper is not None and value.lower is not None and upper < value.lower:
            return moved, upper
    return None


def certify_through_surrogates(
    network: Network,
    dataset: Dataset,
    point: Point,
    decide: Callable[[Network, Dataset], Outcome],
    *,
    exact_digits: bool,
) -> Outcome | None:
    """The verdict at ``point`` carried over from the least-squares surrogates (`logit_surrogates`), each
    decided by ``decide`` (the caller's exact proofs, about the given numbers as written): ``local-min``
    from the lower one, ``saddle`` from the upper one (with a lower point of the given loss), and
    ``not-critical`` from either where ``exact_digits`` (the point is not a rounding); None otherwise.
    """
    pair = logit_surrogates(network, dataset, point)
    if pair is None:
        return None
    value = enclose_loss(network, dataset, point)
    where = (
        f"every logit is exactly 0, so near the point the loss's rise F − F* lies between (q/2)(G_q − G_q*) "
        f"for q = {pair[0].curvature} and for q = {pair[1].curvature} (below and above its curvature in the "
        f"logits), G_q the mse of the {pair[0].network.describe()} network on targets −ℓ'(0)/q "
        f"(least-squares surrogates)"
    )
    low = decide(pair[0].network, pair[0].dataset)
    if not _about_the_point(low):
        return None
    if low.verdict is Verdict.LOCAL_MIN:
        return Outcome(
            Verdict.LOCAL_MIN,
            "exact" if value.lower == value.upper else "interval",
            "logit-surrogate",
            f"{where}; for q = {pair[0].curvature} the point is a proved local minimum of G_q ({low.code}: "
            f"{low.reason})",
            value,
            box_radius=Fraction(0),
            proof_radius=Fraction(0),
            code="logit-surrogate-minimum",
        )
    if low.verdict is Verdict.NOT_CRITICAL and exact_digits:
        lower = None if low.witness is None else _lower_witness(network, dataset, point, low.witness, value)
        return replace(
            low,
            rigor="interval",
            method="logit-surrogate",
            reason=f"{where}, whose one-sided derivatives are the loss's times 2/q: {low.reason}",
            loss=value,
            witness=None if lower is None else lower[0],
            witness_loss_upper=None if lower is None else lower[1],
        )
    if low.verdict is not Verdict.SADDLE and low.witness is None:
        return None
    high = decide(pair[1].network, pair[1].dataset)
    if high.verdict is not Verdict.SADDLE or not _about_the_point(high) or high.witness is None:
        return None
    lower = _lower_witness(network, dataset, point, high.witness, value)
    if lower is None:
        return None
    witness, upper = lower
    return replace(
        high,
        rigor="interval",
        method="logit-surrogate",
        reason=(
            f"{where}; for q = {pair[1].curvature} the point is a proved saddle of G_q ({high.code}: "
            f"{high.reason}); a point of proved lower loss F is at "
            f"witness"
        ),
        loss=value,
        witness=witness,
        witness_loss_upper=upper,
    )
