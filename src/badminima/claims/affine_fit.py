"""Small nonlinearities create bad local minima: the affine least-squares fit is one (Yun, Sra &
Jadbabaie 2019, Theorem 1).

For a one-hidden-layer network ``f(x) = Σ_j v_j h(w_j·x + b_j) + c`` with ReLU or leaky-ReLU ``h``,
width ≥ 2, identity output and square loss, and any dataset (distinct inputs, N ≥ 2, scalar targets)
that no affine model fits exactly, the theorem gives a local minimum that is not global, at a point
that computes the affine least-squares fit. The check builds such a point for every drawn dataset and
proves it with `certify`.

The point (one concrete choice; the paper's proof builds its own point computing the same fit)
    Let ``ŷ = X a + c`` be the least-squares affine fit (exact, in rationals; ``r = y − ŷ ≠ 0`` its
    residual). Unit 1 carries it: ``w_1 = a``, ``b_1 = β = 1 − min_i a·x_i`` (so ``a·x_i + β ≥ 1 > 0``,
    strictly active on every point), ``v_1 = 1``, output bias ``c − β``. Every other unit is strictly
    inactive: ``w_j = 0``, ``b_j = −1``, ``v_j = 0``. Near this point no pre-activation changes sign, so
    each unit is affine in x on the data (a leaky unit on its negative side is ``α(w·x + b)``, still
    affine) and the predictions of every nearby point lie in ``span{X, 1}``: the loss there is at least
    the least-squares loss, which the point attains — a local minimum. `certify` proves exactly this
    (least squares over the point's activation region, `badminima.verify.regions`).

The better point (the paper shows one exists; this is a concrete one)
    Add one bent unit: unit 2 becomes ``h(u·x − t)`` with output weight ``γ``, everything else kept.
    With ``g_i = h(u·x_i − t)`` the residual becomes ``r − γ g``; the best ``γ = (r·g)/(g·g)`` lowers
    the mean loss by exactly ``(r·g)² / ((g·g) N)``, which is positive iff ``r·g ≠ 0``. Since
    ``r ⟂ span{X, 1}`` and ``leaky(z) = α z + (1 − α) relu(z)``, ``r·g = (1 − α) Σ_i r_i relu(u·x_i − t)``.
    For a direction u whose projections ``u·x_i`` are pairwise distinct, ``t ↦ Σ_i r_i relu(u·x_i − t)``
    is piecewise linear with knots at the projections and vanishes for t beyond either end (for t below
    all of them it is ``r·(Xu − t) = 0``); were it zero at every midpoint between consecutive
    projections it would be zero everywhere, and then every ``r_i`` would be 0. So some midpoint
    threshold works, whenever ``r ≠ 0``. Directions tried: ±coordinate axes, then ±(1, k, k², …) for
    k = 1, 2, … until one has distinct projections (all but finitely many k do); the best
    (direction, midpoint) is kept. Its loss is exact, so the gap is exact.

Verdicts: ``bad-local-min`` agrees; a certified ``saddle`` or ``not-critical`` at the point would refute
the claim (it says this very point is a local minimum) and is returned as a certified counterexample;
anything else is undecided. Datasets an affine model fits exactly are skipped (decided in rationals).

Reference:
    C. Yun, S. Sra, A. Jadbabaie, "Small nonlinearities in activation functions create bad local minima
    in neural networks", ICLR 2019, Theorem 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

from badminima.arithmetic.least_squares import dot
from badminima.claims.checking import (
    Agrees,
    CertifiedTrap,
    Claim,
    Finding,
    Found,
    Outcome,
    Settings,
    Skip,
    Undecided,
    hunt,
)
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import format_rational
from badminima.model.trap import Trap

PAPER = (
    "Yun, Sra & Jadbabaie 2019, ICLR (Small nonlinearities in activation functions create bad local minima)"
)

Vector = tuple[Fraction, ...]


@dataclass(frozen=True)
class AffineFit:
    """The least-squares affine fit ``ŷ_i = a·x_i + c`` of a dataset's scalar targets, exact:
    ``slopes`` a, ``intercept`` c and ``residuals`` r = y − ŷ (orthogonal to every column of [X 1])."""

    slopes: Vector
    intercept: Fraction
    residuals: Vector

    @property
    def is_exact(self) -> bool:
        """True when an affine model fits every point exactly (every residual is 0)."""
        return not any(self.residuals)


@dataclass(frozen=True)
class Bend:
    """One bent unit ``γ h(u·x − t)`` added to the affine fit: ``direction`` u, ``threshold`` t,
    ``coefficient`` γ = (r·g)/(g·g), and the exact ``decrease`` (r·g)²/((g·g) N) of the mean loss."""

    direction: Vector
    threshold: Fraction
    coefficient: Fraction
    decrease: Fraction


def affine_least_squares(dataset: Dataset) -> AffineFit:
    """The exact least-squares affine fit of ``dataset``'s (scalar) targets.

    Solves the normal equations on a basis of the columns of ``[1 X]`` (the ones column first, so the
    intercept is always free; coefficients of dependent columns are 0): the fitted values are unique
    even when the inputs are affinely dependent, the coefficients are then one solution.

    Example:
        >>> fit = affine_least_squares(Dataset.of([[0], [1], [2]], [[0], [1], [4]]))
        >>> fit.slopes, fit.intercept, fit.residuals
        ((Fraction(2, 1),), Fraction(-1, 3), (Fraction(1, 3), Fraction(-2, 3), Fraction(1, 3)))
    """
    from badminima.arithmetic.least_squares import least_squares

    n, d = dataset.n_points, dataset.input_dim
    columns = [tuple(Fraction(1) for _ in range(n))] + [tuple(row[m] for row in dataset.X) for m in range(d)]
    y = tuple(row[0] for row in dataset.y)
    coef, fitted = least_squares(columns, y)
    return AffineFit(tuple(coef[1:]), coef[0], tuple(v - f for v, f in zip(y, fitted, strict=True)))


def affine_fit_point(network: Network, dataset: Dataset, fit: AffineFit) -> Point:
    """The point of ``network`` (one hidden layer of width ≥ 2, biases, one output) computing ``fit``:
    unit 1 strictly active on every point (``w = a``, ``b = β = 1 − min_i a·x_i``, output weight 1),
    the others strictly inactive (``w = 0``, ``b = −1``, output weight 0), output bias ``c − β``."""
    d, width = network.widths[0], network.widths[1]
    beta = 1 - min(dot(fit.slopes, x) for x in dataset.X)
    W = [list(fit.slopes)] + [[Fraction(0)] * d for _ in range(width - 1)]
    b = [beta] + [Fraction(-1)] * (width - 1)
    v = [Fraction(1)] + [Fraction(0)] * (width - 1)
    return Point((Layer.of(W, b), Layer.of([v], [fit.intercept - beta])))


def bent_point(network: Network, point: Point, bend: Bend) -> Point:
    """``point`` (from `affine_fit_point`) with its second unit replaced by ``bend``: input weights u,
    bias −t, output weight γ."""
    first, last = point.layers
    assert first.b is not None
    W = [list(w) for w in first.W]
    b = list(first.b)
    v = list(last.W[0])
    W[1], b[1], v[1] = list(bend.direction), -bend.threshold, bend.coefficient
    return Point((Layer.of(W, b), Layer.of([v], last.b)))


def _directions(dataset: Dataset) -> Iterator[Vector]:
    """±coordinate axes, then ±(1, k, k², …) for k = 1, 2, …, stopping after the first direction whose
    projections of the inputs are pairwise distinct (distinct inputs: all but finitely many k)."""
    d = dataset.input_dim

    def distinct(u: Vector) -> bool:
        return len({dot(u, x) for x in dataset.X}) == dataset.n_points

    axes = [tuple(Fraction(int(i == m)) for i in range(d)) for m in range(d)]
    for u in axes:
        yield u
        yield tuple(-c for c in u)
    if any(distinct(u) for u in axes):
        return
    k = 1
    while True:
        u = tuple(Fraction(k) ** i for i in range(d))
        yield u
        yield tuple(-c for c in u)
        if distinct(u):
            return
        k += 1


def best_bend(network: Network, dataset: Dataset, fit: AffineFit) -> Bend | None:
    """The bent unit (direction from `_directions`, threshold at a midpoint between consecutive
    projections) that lowers the loss of the affine fit the most, or None if none lowers it (only
    when the fit is exact)."""
    slope = network.negative_slope
    assert slope is not None
    r, n = fit.residuals, dataset.n_points
    best: Bend | None = None
    for u in _directions(dataset):
        s = [dot(u, x) for x in dataset.X]
        knots = sorted(set(s))
        for lo, hi in itertools.pairwise(knots):
            t = (lo + hi) / 2
            g = [z - t if z > t else slope * (z - t) for z in s]
            rg, gg = dot(r, g), dot(g, g)
            if rg == 0:
                continue
            decrease = rg * rg / (gg * n)
            if best is None or decrease > best.decrease:
                best = Bend(u, t, rg / gg, decrease)
    return best


def problems() -> st.SearchStrategy[tuple[Network, Dataset]]:
    """The no-bad-local-minima hunt's problems (`bad_minima.problems`: one hidden layer of 2-3 (leaky)
    ReLU units, 1-2 inputs), on at least d0 + 2 points: three points in the plane are fitted exactly
    unless collinear."""
    from badminima.claims.bad_minima import problems as relu_problems

    return relu_problems(min_points=lambda net: net.widths[0] + 2)


def hypotheses_failed(network: Network, dataset: Dataset) -> str | None:
    """Which of the theorem's hypotheses ``(network, dataset)`` fails (None: all hold), bar the
    affine-fit one (`examine` decides that exactly)."""
    if not (
        network.depth == 2
        and network.activation in ("relu", "leaky_relu")
        and network.output == "identity"
        and network.loss == "mse"
        and network.bias
        and network.widths[-1] == 1
    ):
        return "not one hidden layer of (leaky) ReLU units with biases, identity output, one output, mse"
    if network.widths[1] < 2:
        return "hidden width below 2"
    if dataset.n_points < 2:
        return "fewer than 2 points"
    if len(set(dataset.X)) != dataset.n_points:
        return "repeated inputs"
    return None


def examine(problem: tuple[Network, Dataset]) -> Finding:
    """Check the hypotheses, build the affine-fit point and a bent better point, and `judge` the trap."""
    net, data = problem
    failed = hypotheses_failed(net, data)
    if failed is not None:
        return Skip(failed)
    fit = affine_least_squares(data)
    if fit.is_exact:
        return Skip("an affine model fits the data exactly")
    point = affine_fit_point(net, data, fit)
    bend = best_bend(net, data, fit)
    trap = Trap(
        net,
        data,
        point,
        None if bend is None else bent_point(net, point, bend),
        name="affine-fit-bad-minimum",
        description=(
            "the affine least-squares fit, carried by one strictly active unit (the others strictly "
            "inactive)"
            + (
                ""
                if bend is None
                else f"; better point: a unit bent at {format_rational(bend.threshold)} along "
                f"({', '.join(format_rational(c) for c in bend.direction)}), loss lower by "
                f"{format_rational(bend.decrease, decimal=False)}"
            )
        ),
        source=f"badminima claims check relu-affine-fit-bad-minimum ({PAPER}, Theorem 1)",
    )
    return judge(trap)


def judge(trap: Trap) -> Finding:
    """`certify` the trap and read the verdict as a finding: ``bad-local-min`` agrees; ``saddle`` or
    ``not-critical`` refutes the claim that the point is a local minimum (a certified counterexample);
    anything else (no better point, or nothing proved) is undecided."""
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    net, data = trap.network, trap.dataset
    cert = certify(trap)
    if cert.verdict is Verdict.BAD_LOCAL_MIN:
        return Agrees(
            f"bad local minimum at the affine fit ({net.activation}, exact)",
            CertifiedTrap(trap, cert, f"certify: {cert.reason}"),
        )
    if cert.verdict in (Verdict.SADDLE, Verdict.NOT_CRITICAL):
        return Found(
            f"the affine-fit point of {net.describe()} on {data.n_points} points is a certified "
            f"{cert.verdict.value}, not a local minimum",
            CertifiedTrap(trap, cert, f"certify: {cert.reason}"),
        )
    if trap.better is None:
        return Undecided(f"no better point found ({cert.verdict.value}: {cert.reason})")
    return Undecided(f"{cert.verdict.value}: {cert.reason}")


def _run(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    h = hunt(problems(), examine, settings, progress=progress)
    lines = [
        "each example: one hidden layer of 2-3 ReLU or leaky-ReLU (1/10, 1/3) units, 1-2 inputs, mse, "
        "3-6 distinct rational points with rational targets; datasets an affine model fits exactly are "
        "skipped (exact least squares)",
        "point: the exact affine least-squares fit on one strictly active unit, the others strictly "
        "inactive; better point: one unit bent at a midpoint threshold, output weight by 1-D least squares",
        "certify: least squares over the point's activation region (exact) proves the local minimum; "
        "the better point's exact loss gives the gap",
    ]
    return h.outcome(claim, evidence=lines)


CLAIMS = (
    Claim(
        name="relu-affine-fit-bad-minimum",
        title="one-hidden-layer (leaky) ReLU nets have a bad local minimum at the affine least-squares fit",
        source=f"{PAPER}, Theorem 1",
        statement=(
            "for a one-hidden-layer network with ReLU or leaky-ReLU units, width at least 2, and squared "
            "loss, every dataset with distinct inputs that no affine model fits exactly gives a local "
            "minimum that is not global, at a point computing the affine least-squares fit. Checked at "
            "one concrete such point (one unit strictly active on every input carries the fit, the others "
            "strictly inactive): a certified saddle there refutes the statement as checked, i.e. this "
            "construction of the theorem's point"
        ),
        hypotheses=(
            "one hidden layer of width ≥ 2, ReLU or leaky-ReLU units, biases, identity output, mse",
            "N ≥ 2 data points with distinct inputs and scalar targets",
            "no affine model fits the data exactly (decided in rationals)",
        ),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 30, "dev": 80, "thorough": 1000},
        run=_run,
    ),
)
