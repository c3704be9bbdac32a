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
carry over. Only proofs about θ* itself are carried over (about the point, or a box whose minimum θ*
attains).

Nothing needs the logit to be 0, only σ and its derivatives there to be rational. Where every logit of
output k is the same on the data (units dead, at kinks, or silent), the point is critical in the output
biases only at logit(ȳ_k), ȳ_k the target mean: irrational unless ȳ_k = 1/2, so only a rounded point
can be near it. `constant_logits` takes the point θ* its output biases' digits round, shifts the logits
by logit(ȳ_k) (a rational point with every logit 0) and the surrogates use the slopes and curvatures at
σ = ȳ_k; the verdict (minimum or saddle only) is about θ*, within ``box_radius`` of the given point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.landscape.derivatives import logit_curvature, logit_slope
from badminima.landscape.evaluation import exact_text
from badminima.landscape.problem import exact_pass
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.constant_units import constant_model_loss, optimal_bias
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ball_bounds
from badminima.verify.rounding import coordinate_reach
from badminima.verify.suboptimality import LossEnclosure, enclose_loss

MARGIN = Fraction(1, 64)
"""m = (1 − MARGIN)·min c and M = (1 + MARGIN)·max c: strictly inside and outside the curvatures at θ*, so
the quadratic bounds hold on a neighbourhood."""

REACH_UNITS = 10
"""An output bias's digits round logit(ȳ) when it lies within this many units of their last place."""

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


def logit_surrogates(
    network: Network, dataset: Dataset, point: Point, means: Sequence[Fraction] | None = None
) -> tuple[Surrogate, Surrogate] | None:
    """The lower and upper least-squares surrogates of a sigmoid-output network over identity, ReLU or
    leaky-ReLU hidden units at a point whose logits are all exactly 0 (with positive curvature there), or
    None. With ``means``, the logits are read as shifted by logit(means[k]) on output k: the slopes and
    curvatures are those at σ = means[k] (the point is then `ConstantLogits.shifted`).

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
    logits = run.forward.logits
    with exact.context():
        sigmoid = None if means is None else exact.matrix([[m] * logits.shape[1] for m in means])
    slopes = logit_slope(network, logits, run.problem.targets, arith=exact, sigmoid=sigmoid)
    curves = logit_curvature(network, logits, run.problem.targets, arith=exact, sigmoid=sigmoid)
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


@dataclass(frozen=True)
class ConstantLogits:
    """A rounded point whose logits are constant on the data, output k's equal to L_k, within its output
    biases' rounding of logit(ȳ_k) (ȳ_k the target mean; irrational unless ȳ_k = 1/2): the point θ*
    with output biases c_k − L_k + logit(ȳ_k) the digits round. ``shifted`` is θ* less logit(ȳ), a
    rational point with every logit 0; ``offset`` bounds |L_k − logit(ȳ_k)|, how far θ* is from the given
    point; ``loss`` encloses F(θ*), the constant model's loss; ``center`` is θ* to about 200 bits."""

    shifted: Point
    means: tuple[Fraction, ...]
    offset: Fraction
    loss: LossEnclosure
    center: Point


def constant_logits(network: Network, dataset: Dataset, point: Point) -> ConstantLogits | None:
    """`ConstantLogits` at a sigmoid-output point over piecewise-linear units (with biases) whose logits
    are constant on the data but not all exactly 0, and whose output biases' digits round logit(ȳ_k)
    (within `coordinate_reach`'s 10 units); None otherwise.

    Example (a dead ReLU unit at its kink; ȳ = 1/3, so the optimal output bias is −log 2):
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[-1], [0], [1]], [[0], ["1/2"], ["1/2"]])
        >>> found = constant_logits(net, data, Point.unflatten(net, [1, -1, 1, "-0.6931471805599453"]))
        >>> found.means, [str(v) for v in found.shifted.flatten()], float(found.offset) < 1e-16
        ((Fraction(1, 3),), ['1', '-1', '1', '0'], True)
    """
    if network.output != "sigmoid" or not network.is_piecewise_linear or not network.bias:
        return None
    run = exact_pass(network, dataset, point)
    if run is None:
        return None
    logits = [[Fraction(v) for v in row] for row in run.forward.logits.tolist()]
    if any(len(set(row)) > 1 for row in logits) or all(row[0] == 0 for row in logits):
        return None
    N = len(dataset.y)
    means = tuple(sum((y[k] for y in dataset.y), Fraction(0)) / N for k in range(len(logits)))
    if not all(0 < m < 1 for m in means):
        return None
    out = point.layers[-1]
    assert out.b is not None
    first = network.n_params - len(out.b)
    reach = coordinate_reach(point, 2 * REACH_UNITS)[first:]
    ball = BallArithmetic(256)
    offset, center = Fraction(0), []
    with ball.context():
        for row, m, r, c in zip(logits, means, reach, out.b, strict=True):
            star = optimal_bias(ball, network, m)  # logit(ȳ_k)
            lo, hi = ball_bounds(ball.constant(row[0]) - star)
            if max(abs(lo), abs(hi)) > r:
                return None
            offset = max(offset, abs(lo), abs(hi))
            center.append(c - row[0] + ball_bounds(star)[0])
        loss = constant_model_loss(network, dataset, list(means), ball)
        lo, hi = (loss, loss) if isinstance(loss, Fraction) else ball_bounds(loss)
    flat = point.flatten()
    shifted = Point.unflatten(
        network, [*flat[:first], *(c - row[0] for c, row in zip(out.b, logits, strict=True))]
    )
    near = Point.unflatten(network, [*flat[:first], *center])
    return ConstantLogits(shifted, means, offset, LossEnclosure(exact_text(loss), lo, hi), near)


def _about_the_point(out: Outcome) -> bool:
    return out.box_center is None and not out.box_radius


def _minimum_at(out: Outcome, surrogate: Surrogate, at: Point) -> bool:
    """Whether ``out`` proves ``at`` itself a local minimum of the surrogate: about the point, or every
    loss in its proof box (around box_center) at least loss_lower, with ``at`` strictly inside that box
    and its own exact loss no higher (so it attains the box's minimum)."""
    if out.verdict is not Verdict.LOCAL_MIN:
        return False
    if _about_the_point(out):
        return True
    if out.box_center is None or not out.proof_radius or out.loss.lower is None:
        return False
    if at.distance(out.box_center) >= out.proof_radius:
        return False
    return enclose_loss(surrogate.network, surrogate.dataset, at).upper == out.loss.lower


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
    decide: Callable[[Network, Dataset, Point], Outcome],
    *,
    exact_digits: bool,
) -> Outcome | None:
    """The verdict at ``point`` carried over from the least-squares surrogates (`logit_surrogates`), each
    decided by ``decide`` (the caller's exact proofs, about the given numbers as written): ``local-min``
    from the lower one, ``saddle`` from the upper one (with a lower point of the given loss), and
    ``not-critical`` from either where ``exact_digits`` (the point is not a rounding); None otherwise.
    At a rounded point whose logits are constant near logit(ȳ) (`constant_logits`) the surrogates are
    those of the point θ* the output biases' digits round, and only its minimum or saddle is carried.
    """
    pair = logit_surrogates(network, dataset, point)
    moved = None
    if pair is None:
        moved = constant_logits(network, dataset, point)
        if moved is None:
            return None
        pair = logit_surrogates(network, dataset, moved.shifted, moved.means)
        if pair is None:
            return None
    at = point if moved is None else moved.shifted
    base = point if moved is None else moved.center
    value = enclose_loss(network, dataset, point)
    if moved is not None:  # the given point's loss, with θ*'s bounds
        value = LossEnclosure(value.text, moved.loss.lower, moved.loss.upper)
    where = (
        "every logit is exactly 0"
        if moved is None
        else (
            f"every logit of output k is the same on the data, and the output biases' digits round the point "
            f"θ* where it is logit(ȳ_k) (ȳ = ({', '.join(str(m) for m in moved.means)}), the target means; "
            f"{float(moved.offset):.2g} away, ∞-norm; the verdict is about θ*)"
        )
    )
    where += (
        f", so near the point the loss's rise F − F* lies between (q/2)(G_q − G_q*) "
        f"for q = {pair[0].curvature} and for q = {pair[1].curvature} (below and above its curvature in the "
        f"logits), G_q the mse of the {pair[0].network.describe()} network on targets "
        + ("−ℓ'(0)/q" if moved is None else "−ℓ'(logit ȳ)/q")
        + " (least-squares surrogates)"
    )
    radius = Fraction(0) if moved is None else moved.offset
    center = None if moved is None else moved.center
    low = decide(pair[0].network, pair[0].dataset, at)
    if _minimum_at(low, pair[0], at):
        return Outcome(
            Verdict.LOCAL_MIN,
            "exact" if value.lower == value.upper else "interval",
            "logit-surrogate",
            f"{where}; for q = {pair[0].curvature} the point is a proved local minimum of G_q ({low.code}: "
            f"{low.reason})",
            value,
            box_radius=radius,
            proof_radius=Fraction(0),
            box_center=center,
            code="logit-surrogate-minimum",
        )
    if not _about_the_point(low):
        return None
    if low.verdict is Verdict.NOT_CRITICAL and exact_digits and moved is None:
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
    high = decide(pair[1].network, pair[1].dataset, at)
    if high.verdict is not Verdict.SADDLE or not _about_the_point(high) or high.witness is None:
        return None
    shift = [b - a for a, b in zip(at.flatten(), base.flatten(), strict=True)]
    witness = Point.unflatten(network, [w + d for w, d in zip(high.witness.flatten(), shift, strict=True)])
    lower = _lower_witness(network, dataset, base, witness, value)
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
        box_radius=radius,
        box_center=center,
        proof_radius=Fraction(0) if moved is not None else high.proof_radius,
    )
