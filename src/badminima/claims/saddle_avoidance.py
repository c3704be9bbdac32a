"""Gradient descent with a small constant step, from a random start, does not converge to a strict saddle.

**Lee, Simchowitz, Jordan & Recht 2016** (COLT, "Gradient descent only converges to minimizers", main
theorem): for f of class C² whose gradient is L-Lipschitz, gradient descent ``x ← x − α∇f(x)`` with
``0 < α < 1/L`` converges to a strict saddle (∇f = 0 and λ_min(∇²f) < 0) only from a set of starting
points of measure zero — with probability zero from any initialisation with a density. The map
``g(x) = x − α∇f(x)`` is a diffeomorphism when α < 1/L, and by the centre–stable manifold theorem the
points attracted to a strict saddle lie on a manifold of lower dimension. Panageas & Piliouras (2017,
ITCS) extend it to non-isolated critical points (our saddles come in families: with zero output weights
any hidden bias gives a critical point) and to gradients Lipschitz only on a forward-invariant region.

The executable version is statistical (``kind="statistical"``). Each drawn problem is a network with one
hidden layer of tanh or identity units, identity output and square loss. Such a network has an explicit
strict saddle: every weight and hidden bias 0 and the output bias ȳ (the targets' mean; no output bias
and target 0 without biases). There f ≡ ȳ, every gradient vanishes (each is a product with a zero output
weight or a zero hidden activation), and the Hessian couples the output weight v_j of unit j with its
incoming weights through ``∂²L/∂v_j∂w_j = (2/N)·Xᵀ(ȳ − y)`` (σ'(0) = 1), so its smallest eigenvalue is
``−(2/N)·‖Xᵀ(y − ȳ)‖``: a strict saddle whenever the inputs correlate with the targets (checked, else the
example is skipped).

K starts are drawn from N(0, 1) and run by plain gradient descent with ``α = 1/(2·L̂)``,
``L̂ = 1.5·max ‖∇²f‖`` over the starts and the saddle. The paper's L is a global Lipschitz constant, which
the square loss of a network does not have (its curvature grows with the weights); the hypothesis
``α·‖∇²f‖ < 1`` is therefore checked at every point the runs visit that we look at — the starts, a few
checkpoints, the end points and the saddle — and examples that fail it are skipped. An end point is *near
a strict saddle* when damped Newton polishing (`badminima.search.float_polish.polish`) finds a critical
point within `NEAR`·(1 + ‖θ‖∞) of it whose Hessian has an eigenvalue below −`STRICT`·L̂. A run that ends
there makes its example undecided, not a counterexample: a finite run cannot tell convergence from a slow
escape. The positive control — gradient descent started with every weight 0 (the saddle's stable
manifold: those weights then stay exactly 0 while the output bias converges to ȳ) — must end near the
strict saddle, or the classifier could not have seen one and the example is undecided too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from badminima.claims.checking import Agrees, Claim, Finding, Hunt, Outcome, Settings, Skip, Undecided, hunt
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.strategies import datasets, networks

if TYPE_CHECKING:
    import numpy as np

LEE = (
    "Lee, Simchowitz, Jordan & Recht 2016, COLT (arXiv:1602.04915); non-isolated saddles: Panageas & "
    "Piliouras 2017, ITCS (arXiv:1605.00405)"
)

SAFETY = 1.5
"""L̂ = SAFETY·max ‖∇²f‖ over the starts and the saddle; the step is α = 1/(2·L̂)."""

STRICT = 1e-3
"""A critical point is a strict saddle when its smallest Hessian eigenvalue is below −STRICT·L̂."""

NEAR = 1e-3
"""An end point is near a critical point when polishing reaches it within NEAR·(1 + ‖θ‖∞) (∞-norm)."""

CRITICAL = 1e-9
"""Polished points with a gradient norm below this count as critical (as in `multistart`)."""

SADDLE, CRITICAL_POINT, MOVING = (
    "strict saddle",
    "critical, no strict negative curvature",
    "no critical point near",
)


@dataclass(frozen=True)
class SaddleRuns:
    """``runs`` random starts of ``steps`` gradient steps, curvature sampled at ``checkpoints`` points."""

    runs: int
    steps: int
    checkpoints: int


BUDGETS = {"ci": SaddleRuns(32, 600, 3), "dev": SaddleRuns(64, 2000, 4), "thorough": SaddleRuns(128, 5000, 5)}


def origin_saddle(network: Network, dataset: Dataset) -> Point:
    """The exact point with every weight and hidden bias 0 and output bias the targets' mean (a critical
    point of any one-hidden-layer network whose activation vanishes at 0).

    Example:
        >>> net = Network((1, 1, 1), "tanh")
        >>> origin_saddle(net, Dataset.of([[0], [1]], [[1], [2]])).layers[1].b
        (Fraction(3, 2),)
    """
    layers = []
    for k, (out, inp) in enumerate(network.layer_shapes):
        W = tuple(tuple(Fraction(0) for _ in range(inp)) for _ in range(out))
        b = None
        if network.bias:
            last = k == network.depth - 1
            b = tuple(
                sum((row[c] for row in dataset.y), Fraction(0)) / dataset.n_points if last else Fraction(0)
                for c in range(out)
            )
        layers.append(Layer(W, b))
    return Point(tuple(layers))


def origin_curvature(dataset: Dataset, *, bias: bool) -> float:
    """The smallest Hessian eigenvalue at `origin_saddle` of a one-hidden-layer tanh or linear network
    with one output, by the closed form −(2/N)·‖Xᵀ(y − ȳ)‖ (ȳ = 0 without biases)."""
    n = dataset.n_points
    mean = sum((r[0] for r in dataset.y), Fraction(0)) / n if bias else Fraction(0)
    corr = [
        sum((x[m] * (y[0] - mean) for x, y in zip(dataset.X, dataset.y, strict=True)), Fraction(0))
        for m in range(dataset.input_dim)
    ]
    return -2 / n * float(sum(c * c for c in corr)) ** 0.5


def spectra(network: Network, dataset: Dataset, thetas: Any) -> np.ndarray:
    """Hessian eigenvalues (K, P), ascending, at the K points ``thetas`` (K, P), float64."""
    import torch

    from badminima.landscape.batched import batched_hessians

    H = batched_hessians(network, dataset, torch.as_tensor(thetas, dtype=torch.float64))
    return torch.linalg.eigvalsh((H + H.transpose(1, 2)) / 2).numpy()


def classify(network: Network, dataset: Dataset, thetas: Any, *, curvature: float) -> list[str]:
    """Each end point (rows of ``thetas``) as `SADDLE`, `CRITICAL_POINT` or `MOVING` (see the module
    docstring); ``curvature`` is L̂, the scale of "strictly negative"."""
    import numpy as np
    import torch

    from badminima.search.float_polish import polish

    ends = torch.as_tensor(np.asarray(thetas, dtype=np.float64))
    polished, _, gn, min_eig, _ = polish(network, dataset, ends.T.contiguous())
    moved = (polished.T - ends).abs().amax(1).numpy()
    reach = NEAR * (1 + ends.abs().amax(1).numpy())
    out = []
    for j in range(ends.shape[0]):
        if not (np.isfinite(gn[j]) and gn[j] < CRITICAL and moved[j] <= reach[j]):
            out.append(MOVING)
        elif min_eig[j] < -STRICT * curvature:
            out.append(SADDLE)
        else:
            out.append(CRITICAL_POINT)
    return out


@dataclass(frozen=True)
class Runs:
    """What K gradient-descent runs did: the step ``lr``, the curvature estimate ``curvature`` (L̂) it came
    from, the largest |Hessian eigenvalue| ``seen`` at the starts, checkpoints, end points and saddle,
    each run's class, the positive control's class, and the saddle's smallest eigenvalue."""

    lr: float
    curvature: float
    seen: float
    kinds: tuple[str, ...]
    control: str
    saddle_eigenvalue: float

    @property
    def step_ok(self) -> bool:
        """The hypothesis α·‖∇²f‖ < 1 at every point looked at."""
        return self.lr * self.seen < 1


def gd_runs(
    network: Network,
    dataset: Dataset,
    *,
    budget: SaddleRuns,
    seed: int = 0,
    starts: Any = None,
) -> Runs:
    """Plain gradient descent from ``budget.runs`` N(0, 1) starts (or the given ``starts``, (K, P)) and
    from the positive control, with α = 1/(2·L̂), in ``budget.checkpoints`` chunks.

    The control starts on the saddle's stable manifold: every weight 0 (they stay exactly 0) and, with
    biases, the output bias ȳ + δ. The loss is (δ_t)² + const along that line (curvature 2), so GD
    contracts δ by |1 − 2α| per step; δ = min(1, (NEAR/4)·|1 − 2α|^(−T)) puts the saddle within reach
    after T steps if GD does what the theory says. Without biases the control starts at the saddle."""
    import numpy as np
    import torch

    from badminima.search.starts import Init, Optimizer, Stopping, initial_points, train

    saddle = torch.tensor([float(v) for v in origin_saddle(network, dataset).flatten()], dtype=torch.float64)
    if starts is None:
        theta0 = initial_points(network, budget.runs, init=Init("normal", 1.0), seed=seed)
    else:
        theta0 = torch.as_tensor(np.asarray(starts, dtype=np.float64)).T.contiguous()
    first = spectra(network, dataset, torch.cat([theta0, saddle[:, None]], dim=1).T)
    seen = float(np.abs(first).max())
    curvature = SAFETY * seen
    lr = 1 / (2 * curvature)
    if not first[-1, 0] < -STRICT * curvature:
        # Not an example of the claim (no strict saddle here): no runs.
        return Runs(lr, curvature, seen, (), MOVING, float(first[-1, 0]))
    per = -(-budget.steps // budget.checkpoints)
    control = saddle.clone()
    if network.bias:
        contraction = abs(1 - 2 * lr) ** (per * budget.checkpoints)
        control[-network.widths[-1] :] += min(1.0, NEAR / 4 / contraction) if contraction > 0 else 1.0
    theta = torch.cat([theta0, control[:, None]], dim=1)
    stop = Stopping(max_steps=per, grad_tol=0.0, loss_tol=0.0, max_norm=1e3)
    for _ in range(budget.checkpoints):
        theta, *_ = train(network, dataset, theta, optimizer=Optimizer("gd", lr=lr), stopping=stop)
        eig = spectra(network, dataset, theta.T)
        seen = max(seen, float(np.nanmax(np.abs(eig))))
    kinds = classify(network, dataset, theta.T, curvature=curvature)
    return Runs(lr, curvature, seen, tuple(kinds[:-1]), kinds[-1], float(first[-1, 0]))


@dataclass
class Tally:
    """Counts over every example of the check."""

    runs: int = 0
    near_saddle: int = 0
    critical: int = 0
    moving: int = 0
    controls: int = 0
    controls_seen: int = 0
    worst_step: float = 0.0


def examine_saddles(
    network: Network,
    dataset: Dataset,
    *,
    budget: SaddleRuns = BUDGETS["ci"],
    seed: int = 0,
    starts: Any = None,
    tally: Tally | None = None,
) -> Finding:
    """One example of ``gd-avoids-strict-saddles``: Skip unless the hypotheses hold (a smooth one-hidden-
    layer network with a strict saddle at the origin; α·‖∇²f‖ < 1 where looked), then Undecided if the
    positive control was not seen at the saddle or a run ended near a strict saddle, else Agrees.
    ``starts`` replaces the random starts (to test the check with starts that are not random)."""
    tally = tally if tally is not None else Tally()
    if network.depth != 2 or network.activation not in ("tanh", "identity"):
        return Skip("not one hidden layer of tanh or identity units")
    if network.output != "identity" or network.loss != "mse" or network.widths[-1] != 1:
        return Skip("not a single identity output with square loss")
    runs = gd_runs(network, dataset, budget=budget, seed=seed, starts=starts)
    if not runs.saddle_eigenvalue < -STRICT * runs.curvature:
        return Skip("the origin is not a strict saddle (inputs uncorrelated with the targets)")
    if not runs.step_ok:
        return Skip("α·‖∇²f‖ ≥ 1 at a point the runs visited")
    tally.controls += 1
    tally.controls_seen += int(runs.control == SADDLE)
    tally.worst_step = max(tally.worst_step, runs.lr * runs.seen)
    if runs.control != SADDLE:
        return Undecided(
            f"{network.describe()}: the positive control (started on the saddle's stable manifold) ended "
            f"'{runs.control}', so this example could not have shown a saddle"
        )
    near = runs.kinds.count(SADDLE)
    tally.runs += len(runs.kinds)
    tally.near_saddle += near
    tally.critical += runs.kinds.count(CRITICAL_POINT)
    tally.moving += runs.kinds.count(MOVING)
    if near:
        return Undecided(
            f"{network.describe()}, N = {dataset.n_points}: {near} of {len(runs.kinds)} runs ended near a "
            f"strict saddle; a finite run cannot tell convergence to it from a slow escape"
        )
    return Agrees("no run ended near a strict saddle")


@st.composite
def saddle_examples(draw: st.DrawFn) -> tuple[Network, Dataset]:
    """One hidden layer of 1–2 tanh or identity units on 1–2 inputs, one identity output, square loss,
    with or without biases; 2–4 distinct float-valued points in [−2, 2]."""
    net = draw(
        networks(
            activations=("tanh", "identity"),
            min_hidden_layers=1,
            max_hidden_layers=1,
            max_width=2,
            max_inputs=2,
            max_outputs=1,
            outputs=("identity",),
            losses=("mse",),
        )
    )
    data = draw(
        datasets(net, min_points=2, max_points=4, numbers="float", task="regression", max_numerator=2)
    )
    return net, data


def _run(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    from badminima.search.clustering import wilson_interval

    budget = BUDGETS[settings.profile]
    tally = Tally()
    h: Hunt[tuple[Network, Dataset]] = hunt(
        saddle_examples(),
        lambda ex: examine_saddles(ex[0], ex[1], budget=budget, tally=tally),
        settings,
        progress=progress,
    )
    evidence = [
        f"statistical evidence: per example {budget.runs} N(0, 1) starts, {budget.steps} steps of plain "
        f"gradient descent with α = 1/(2·L̂), L̂ = {SAFETY:g}·max ‖∇²f‖ at the starts and the saddle",
        f"step-size hypothesis: the largest α·|λ(∇²f)| at the starts, {budget.checkpoints} checkpoints, the "
        f"end points and the saddle was {tally.worst_step:.3g} (< 1 required)",
        f"positive control (started on the saddle's stable manifold) ended near the strict saddle in "
        f"{tally.controls_seen} of {tally.controls} example(s)",
        f"{tally.near_saddle} of {tally.runs} random runs ended near a strict saddle (polished critical "
        f"point within {NEAR:g}·(1 + ‖θ‖∞), λ_min < −{STRICT:g}·L̂); {tally.critical} near a critical point "
        f"without strict negative curvature; {tally.moving} with no critical point near",
    ]
    if tally.runs:
        upper = wilson_interval(tally.near_saddle, tally.runs)[1]
        evidence.append(
            f"95% Wilson upper bound on the chance that a run ends near a strict saddle: {upper:.3g} "
            f"(rule of three: {3 / tally.runs:.3g}), pooled over the drawn problems"
        )
    return h.outcome(claim, evidence=evidence)


CLAIMS = (
    Claim(
        name="gd-avoids-strict-saddles",
        title="gradient descent with step α < 1/L from a random start: a strict saddle has probability 0",
        source=LEE,
        statement=(
            "If f is C² with an L-Lipschitz gradient and 0 < α < 1/L, the set of initial points from which "
            "gradient descent x ← x − α∇f(x) converges to a strict saddle point has measure zero"
        ),
        hypotheses=(
            "f is C²: one hidden layer of tanh or identity units, identity output, square loss",
            "f has a strict saddle: the origin (output bias ȳ) with λ_min(∇²f) < −"
            f"{STRICT:g}·L̂ (examples without one are skipped)",
            "α·|λ(∇²f)| < 1 at the starts, checkpoints, end points and the saddle (else skipped)",
            "starts drawn from N(0, 1), a distribution with a density",
        ),
        quantifier="all",
        kind="statistical",
        expected="held",
        examples={"ci": 3, "dev": 10, "thorough": 60},
        run=_run,
    ),
)
