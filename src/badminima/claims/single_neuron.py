"""A single sigmoid neuron: square loss can trap it, its matching loss (cross-entropy) cannot.

Auer, Herbster & Warmuth (1995) study one neuron ``f(x) = σ(w·x + b)`` with the logistic σ. Two claims:

**Square loss has spurious minima** (their main result: on n examples in d dimensions the error can have
⌊n/d⌋^d local minima). The mechanism is *saturation*: the square loss of one example,
``(σ(z) − y)²``, is bounded and flattens out as ``z → ±∞``, so a neuron that fits one group of
examples while sitting on the flat part of the others' losses can be a strict local minimum whose loss
is above another point's. Our instance (in the paper's spirit; its own numbers are not reproduced
here) has two groups far apart on a line, each fitted by a sigmoid that is saturated on the other
group. Found minima are proved by `certify` (ball-arithmetic box method: a strict local minimiser in a
tiny box, and a better point whose loss is below every loss in that box). Targets are drawn strictly
inside (0, 1): with 0/1 targets the low points run off to infinity (a minimum at infinity is not a
finite minimum; the search marks such runs ``escaped``).

**Cross-entropy is convex** (the paper's matching-loss discussion, pp. 317-318: for the *matching loss*
of a transfer function φ the Hessian of one example's loss is ``φ'(x·w) x xᵀ``, positive semidefinite).
For the logistic the matching loss is the cross-entropy, ``ℓ(z) = softplus(z) − y z`` with
``z = w·x + b`` affine in the parameters; ``ℓ'' = σ'(z) > 0``, so the loss is convex in (w, b) and
every local minimum is global. The executable property is midpoint convexity,
``L((p + q)/2) ≤ (L(p) + L(q))/2`` at drawn points p, q, decided rigorously:

* if p − q gives every data point the same logit (exactly, in rationals: ``z_i(p) = z_i(q)``), the
  three losses are equal (the loss depends on the parameters only through the logits) — equality, an
  exact agreement;
* otherwise the inequality is strict (strict convexity of each ℓ, some logit moves), and 128-bit ball
  enclosures almost always separate the two sides; if they do not, 512 and 2048 bits are tried, and
  only then the example is ``Undecided``. A proved ``>`` would be a certified counterexample.

The same check on the *square* loss finds certified violations (the tests run it): saturation makes
``(σ(z) − y)²`` concave on part of the line, which is what lets spurious minima exist.

Reference:
    P. Auer, M. Herbster, M. K. Warmuth, "Exponentially many local minima for single neurons",
    Advances in Neural Information Processing Systems 8 (NeurIPS 1995), pp. 316-322.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from hypothesis import strategies as st

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
from badminima.claims.minima import Candidate, MinimaSearch, certify_minima, find_minima
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import format_rational
from badminima.model.trap import Trap
from badminima.strategies import points, rationals

PAPER = "Auer, Herbster & Warmuth 1995, NeurIPS 8 (Exponentially many local minima for single neurons)"
SOURCE = "badminima claims check"

STARTS = 16
"""Multistart initialisations per dataset in the spurious-minimum search (Adam, seed 0)."""

TRIES = 2
"""Candidate spurious minima handed to `certify` per dataset, worst first."""

MIN_GAP = 1e-6
"""A numerical minimum counts as a candidate when its float loss is this far above the best end point."""

SHRINKS = 30
"""Simpler datasets tried when hypothesis shrinks a drawn witness (each costs a multistart)."""

PRECISIONS = (128, 512, 2048)
"""Ball precisions (bits) tried in turn to separate the two sides of the midpoint inequality."""

TWO_CLUSTERS = Dataset.of([[0], [1], [6], [7]], [["1/5"], ["4/5"], ["4/5"], ["1/5"]])
"""Two groups far apart: (0, 1/5), (1, 4/5) rise, (6, 4/5), (7, 1/5) fall. A rising sigmoid fitting the
first group is saturated at ≈ 1 on the second (loss ≈ (0.8² + 0.2²)/4 = 0.17), a strict local minimum;
the mirror-image fit of the second group is another minimum of the same loss, and the constant 1/2
(w = b = 0) does better (loss 0.09 exactly). Ours, in the spirit of the paper's construction."""


def neuron(inputs: int, *, loss: str = "mse", bias: bool = True) -> Network:
    """One sigmoid neuron ``σ(w·x + b)`` on ``inputs`` inputs: a network without hidden layers (its
    hidden activation is never used), sigmoid output, ``loss`` (``mse`` or ``bce``)."""
    return Network((inputs, 1), "identity", output="sigmoid", loss=loss, bias=bias)


# ---------------------------------------------------------------------------------------------------
# Claim 1: square loss, spurious minima (existential, certified witness)
# ---------------------------------------------------------------------------------------------------


@st.composite
def interior_datasets(draw: st.DrawFn, *, max_points: int = 6, spread: int = 8) -> Dataset:
    """Datasets of 3..``max_points`` distinct points with 1 or 2 integer coordinates in ±``spread``
    (wide enough for a sigmoid to saturate) and targets k/10, 1 ≤ k ≤ 9: strictly inside (0, 1)."""
    d = draw(st.integers(1, 2))
    coordinate = st.integers(-spread, spread)
    X = draw(st.lists(st.tuples(*[coordinate] * d), min_size=3, max_size=max_points, unique=True))
    y = [[Fraction(draw(st.integers(1, 9)), 10)] for _ in X]
    return Dataset.of(X, y)


def examine_spurious(dataset: Dataset, *, starts: int = STARTS) -> Finding:
    """Look for a certified spurious local minimum of the square-loss neuron on ``dataset``.

    Adam from ``starts`` random initialisations, end points Newton-polished and clustered modulo
    symmetry (`badminima.search.survey`); every numerically strict minimum clearly above the best end
    point is rationalised and given to `certify` with that end point as the better point (worst first,
    `TRIES` of them). ``bad-local-min`` is a `Found` witness; nothing above the best: `Agrees`.
    """
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    if dataset.output_dim != 1 or not all(0 < row[0] < 1 for row in dataset.y):
        return Skip("targets not scalars strictly inside (0, 1)")
    net = neuron(dataset.input_dim)
    seen = find_minima(net, dataset, search=MinimaSearch(starts))
    bad = seen.above(seen.landscape.best_loss, gap=MIN_GAP)
    if not bad:
        return Agrees(f"no minimum above the best of {starts} end points")
    best = seen.best
    better = best.point

    def judge(cand: Candidate) -> Found | str:
        assert cand.critical is not None
        trap = Trap(
            net,
            dataset,
            cand.point,
            better,
            name="sigmoid-neuron-spurious-minimum",
            description=(
                f"a strict local minimum of a single sigmoid neuron with square loss (float loss "
                f"{cand.loss:.6g}, reached by {cand.critical.cluster.count} of {starts} starts); the better "
                f"point is the lowest end point ({best.status}, float loss {best.loss:.6g})"
            ),
            source=f"{SOURCE} sigmoid-neuron-square-loss-spurious-minima ({PAPER})",
        )
        cert = certify(trap)
        if cert.verdict is Verdict.BAD_LOCAL_MIN:
            assert cert.gap_lower is not None
            return Found(
                f"spurious local minimum on {dataset.n_points} points in {dataset.input_dim}-D: loss "
                f"≈ {cand.loss:.4g} vs {best.loss:.4g}, gap ≥ {float(cert.gap_lower):.3g} "
                f"({cert.rigor})",
                CertifiedTrap(trap, cert, f"certify: {cert.reason}"),
            )
        return cert.verdict.value

    out = certify_minima(judge, bad, tries=TRIES, stop=lambda r: isinstance(r, Found))
    if isinstance(out.settled, Found):
        return out.settled
    verdicts = [str(r) for r in out.results]
    return Undecided(f"numerical spurious minima not certified ({', '.join(verdicts)})")


def _run_spurious(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    import torch

    # The thorough profile hunts from scratch; the others start from the two-cluster instance.
    explicit = [] if settings.profile == "thorough" else [TWO_CLUSTERS]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        h = hunt(
            interior_datasets(),
            examine_spurious,
            settings,
            explicit=explicit,
            max_shrinks=SHRINKS,
            progress=progress,
        )
    finally:
        torch.set_num_threads(threads)
    lines = [
        f"each dataset: {STARTS} Adam runs from random starts, Newton-polished, clustered modulo symmetry; "
        f"numerically strict minima above the best end point are rationalised and certified (ball box "
        f"method) against that end point",
        "targets strictly inside (0, 1), so minima are finite (runs to infinity are counted as escaped)",
        "first example: the two-cluster instance (0, 1/5), (1, 4/5), (6, 4/5), (7, 1/5)"
        if explicit
        else "examples drawn by hypothesis from scratch (thorough profile); a witness is shrunk",
    ]
    return h.outcome(claim, evidence=lines)


# ---------------------------------------------------------------------------------------------------
# Claim 2: cross-entropy, midpoint convexity (universal, decided in balls)
# ---------------------------------------------------------------------------------------------------

ConvexityExample = tuple[Network, Dataset, Point, Point]


def midpoint(p: Point, q: Point, network: Network) -> Point:
    """The exact midpoint (p + q)/2 of two points of ``network``."""
    return Point.unflatten(network, [(a + b) / 2 for a, b in zip(p.flatten(), q.flatten(), strict=True)])


def _same_logits(network: Network, dataset: Dataset, p: Point, q: Point) -> bool:
    """Whether p and q give every data point the same logit, decided exactly. For a single layer the
    logit is linear in the parameters, so this is: the point p − q has logit 0 on every data point."""
    from badminima.arithmetic.exact import ExactArithmetic
    from badminima.landscape.forward_pass import forward, unflatten
    from badminima.landscape.problem import prepare

    exact = ExactArithmetic()
    delta = Point.unflatten(network, [a - b for a, b in zip(p.flatten(), q.flatten(), strict=True)])
    prob = prepare(network, dataset, delta, arith=exact)
    with exact.context():
        logits = forward(network, unflatten(network, prob.flat), prob.inputs, arith=exact).logits
        return all(exact.sign(v) == 0 for v in logits.flat)


def midpoint_convexity(network: Network, dataset: Dataset, p: Point, q: Point) -> Finding:
    """Decide ``L((p + q)/2) ≤ (L(p) + L(q))/2`` for a single neuron (any output and loss).

    Equal logits (exact) give equality: `Agrees`. Otherwise ball enclosures at `PRECISIONS` bits:
    proved ``≤`` agrees, proved ``>`` is a `Found` violation whose trap has the midpoint as its point
    and the lower of p, q as the better point (``L(m) > (L(p) + L(q))/2 ≥ min(L(p), L(q))``), the
    enclosures in its proof; still overlapping at the last precision: `Undecided`.

    Raises:
        ValueError: ``network`` has hidden layers (the equality test needs logits affine in the
            parameters).
    """
    from badminima.verify.suboptimality import enclose_loss

    if network.depth != 1:
        raise ValueError(f"network: expected a single neuron (no hidden layer), got {network.describe()}")
    m = midpoint(p, q, network)
    if _same_logits(network, dataset, p, q):
        return Agrees("equality: p and q give every point the same logit (exact)")
    for bits in PRECISIONS:
        lp, lq, lm = (enclose_loss(network, dataset, x, precision=bits) for x in (p, q, m))
        if None in (lp.lower, lp.upper, lq.lower, lq.upper, lm.lower, lm.upper):
            continue
        assert lp.lower is not None and lp.upper is not None and lq.lower is not None
        assert lq.upper is not None and lm.lower is not None and lm.upper is not None
        avg_lower, avg_upper = (lp.lower + lq.lower) / 2, (lp.upper + lq.upper) / 2
        if lm.upper <= avg_lower:
            return Agrees("midpoint convex (proved in ball arithmetic)")
        if lm.lower > avg_upper:
            better = p if lp.upper <= lq.upper else q
            trap = Trap(
                network,
                dataset,
                m,
                better,
                name="midpoint-convexity-violation",
                description=(
                    f"the loss of {network.describe()} at the midpoint m of p and q exceeds the average of "
                    f"their losses; the better point is the lower of p and q"
                ),
                source=f"{SOURCE} ({PAPER}, matching loss)",
            )
            gap = lm.lower - avg_upper
            proof = (
                f"{bits}-bit ball arithmetic, m = (p + q)/2 exact: L(p) = {lp.text}, L(q) = {lq.text}, "
                f"L(m) = {lm.text}; lower(L(m)) − (upper(L(p)) + upper(L(q)))/2 = "
                f"{format_rational(gap, decimal=False)} > 0, so L(m) > (L(p) + L(q))/2"
            )
            return Found(
                f"midpoint convexity fails by ≥ {float(gap):.3g} ({network.loss})",
                CertifiedTrap(trap, None, proof),
            )
    return Undecided(f"the two sides of the midpoint inequality overlap at {PRECISIONS[-1]} bits")


@st.composite
def convexity_examples(draw: st.DrawFn, *, loss: str = "bce") -> ConvexityExample:
    """A single sigmoid neuron with ``loss`` (1-2 inputs, with or without bias), 1-5 points with small
    rational inputs and targets in {0, 1/4, 1/2, 3/4, 1}, and two points p, q of small rationals."""
    net = neuron(draw(st.integers(1, 2)), loss=loss, bias=draw(st.booleans()))
    row = st.tuples(*[rationals()] * net.widths[0])
    X = draw(st.lists(row, min_size=1, max_size=5))
    y = [[Fraction(draw(st.integers(0, 4)), 4)] for _ in X]
    return net, Dataset.of(X, y), draw(points(net)), draw(points(net))


def examine_convexity(example: ConvexityExample) -> Finding:
    """Check the claim's hypotheses (one sigmoid neuron, cross-entropy, targets in [0, 1]), then
    `midpoint_convexity`."""
    net, data, p, q = example
    if net.depth != 1 or net.output != "sigmoid" or net.loss != "bce":
        return Skip("not a single sigmoid neuron with cross-entropy loss")
    if not all(0 <= v <= 1 for row in data.y for v in row):
        return Skip("a target outside [0, 1]")
    return midpoint_convexity(net, data, p, q)


def _run_convexity(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    h = hunt(convexity_examples(), examine_convexity, settings, progress=progress)
    lines = [
        "each example: a sigmoid neuron with cross-entropy (1-2 inputs, bias or not), 1-5 rational points "
        "with targets in {0, 1/4, 1/2, 3/4, 1}, and two rational parameter points p, q",
        "L(p), L(q), L((p + q)/2) enclosed in ball arithmetic (128 bits, then 512 and 2048 if needed); "
        "equality decided exactly when p and q give every point the same logit",
        "contrast (the tests): the same check on the square loss finds certified violations",
    ]
    return h.outcome(claim, evidence=lines)


CLAIMS = (
    Claim(
        name="sigmoid-neuron-square-loss-spurious-minima",
        title="a single sigmoid neuron with square loss can have a spurious (bad) local minimum",
        source=PAPER,
        statement=(
            "for the logistic transfer function and the square loss, the error of a single neuron on n "
            "examples in d dimensions can have ⌊n/d⌋^d local minima; in particular a local minimum that "
            "is not global"
        ),
        hypotheses=(
            "one neuron x ↦ σ(w·x + b), σ the logistic function",
            "square loss (mse) on a finite dataset",
            "targets strictly inside (0, 1), so that the minima found are finite",
        ),
        quantifier="exists",
        kind="certified",
        expected="held",
        examples={"ci": 4, "dev": 8, "thorough": 60},
        run=_run_spurious,
    ),
    Claim(
        name="sigmoid-neuron-cross-entropy-convex",
        title="a single sigmoid neuron with cross-entropy loss has a convex loss (no spurious minima)",
        source=f"{PAPER}, pp. 317-318 (matching loss)",
        statement=(
            "with the matching loss of its transfer function (for the logistic: the cross-entropy) the "
            "error of a single neuron is convex in its weights: the Hessian of one example's loss is "
            "φ'(z) x xᵀ ⪰ 0; so every local minimum is global"
        ),
        hypotheses=(
            "one neuron x ↦ σ(w·x + b) (or σ(w·x)), σ the logistic function",
            "cross-entropy loss (bce), targets in [0, 1]",
            "property: midpoint convexity L((p + q)/2) ≤ (L(p) + L(q))/2 for all parameter points p, q",
        ),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 100, "dev": 200, "thorough": 2000},
        run=_run_convexity,
    ),
)
