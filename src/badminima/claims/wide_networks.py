"""Wide networks: at a critical point where a layer's features have rank N, the training error is zero.

Both claims here rest on one piece of linear algebra. When the gradient of the square loss with respect
to some of the parameters is ``(2/N)·Gᵀe`` for a matrix G with N rows (e = f(X) − y the residuals), and
G has rank N, a zero gradient forces ``e = 0``: zero training error, a global minimum.

**Soudry & Carmon 2016** (arXiv:1605.08361, the one-hidden-layer theorem): a network with d1 leaky-ReLU
units (slope s on the negative side), identity output and square loss. At a point where no pre-activation
is 0 — a *differentiable* point — unit j takes slope ``a_ij ∈ {1, s}`` on point i, the activation region
is locally constant, and ``f_i = Σ_j v_j a_ij (w_j·x_i + b_j) + c``. So
``∂L/∂w_j = (2/N)·v_j·Σ_i e_i a_ij x_i`` (and ``∂L/∂b_j`` the same with x_i replaced by 1, ``∂L/∂c =
(2/N)·Σ_i e_i``). At a differentiable local minimum (DLM) even a unit with ``v_j = 0`` has
``Σ_i e_i a_ij x̃_i = 0`` (x̃_i = (x_i, 1) with biases): otherwise move ``w_j`` (free while v_j = 0: the loss
does not change) so that ``w̃_j·Σ_i e_i a_ij x̃_i ≠ 0``, then move v_j, whose derivative is now non-zero,
and the loss drops arbitrarily close to the point. Hence ``Gᵀe = 0`` with the Khatri–Rao matrix

    G = [a_1 ∘ X̃, …, a_d1 ∘ X̃, 1]   (N × (d1·(d0 + 1) + 1) with biases, N × d1·d0 without),

row i being ``(a_i1 x̃_i, …, a_id1 x̃_i, 1)``, and rank G = N gives e = 0. The paper multiplies each slope
a_ij by a dropout-like random factor ε_ij, which makes G of rank N at *every* pattern for almost every
(X, ε) once N ≤ d0·d1. Our networks carry no such noise, so two claims split the statement:
``wide-leaky-relu-zero-error`` reads it literally on plain networks and is refuted by a certified DLM
with positive loss (kind "certified", expected "counterexample"); ``wide-leaky-relu-full-rank-zero-error``
adds rank G = N as a hypothesis, checked at each minimum exactly (the pattern's slopes and the data are
rationals) — by the lemma above it cannot fail, so it checks the machinery, not the paper. Minima where
the rank fails are counted apart there: without the noise they can have positive loss. Example
(`HAND_NETWORK`, `HAND_DATA`): 1-2-1 without biases on x = (1, 2), y = (1, 3); both points are positive,
each unit has one slope on both, f(x) = c·x, and every DLM sits at the least-squares slope c = 7/5 with
loss 1/10 although N = 2 ≤ d0·d1 = 2.

**Nguyen & Hein 2017** (ICML, "The loss surface of deep and wide neural networks", main result): square
loss, an analytic strictly increasing activation; if hidden layer k has n_k ≥ N − 1 units, every
critical point at which ``F_k = [σ(Z_k), 1]`` (N × (n_k + 1), the layer's features and the ones column)
has rank N and the later layers' weights have full column rank is a global minimum. We take k as the
last hidden layer, where the later-layers condition is empty: the gradient with respect to the output
layer is ``(2/N)·F_kᵀE``, so rank F_k = N and a zero gradient give E = 0.

The full-rank and the Nguyen & Hein checks are numerical (``kind="numerical"``): multistart end points,
polished to critical points and clustered modulo symmetry. An end point that would break a claim is
handed to `certify`, and only a certified critical point with a proved positive loss and a proved rank N
counts as a counterexample. The literal claim's counterexample is certified the same way, without the
rank condition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from badminima.claims.checking import (
    Agrees,
    CertifiedTrap,
    Claim,
    Finding,
    Found,
    Hunt,
    Outcome,
    Settings,
    Skip,
    Undecided,
    hunt,
)
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.trap import Trap
from badminima.strategies import datasets, networks

if TYPE_CHECKING:
    import numpy as np

    from badminima.verify.certificate import Certificate

SOUDRY = "Soudry & Carmon 2016, arXiv:1605.08361"
NGUYEN = "Nguyen & Hein 2017, ICML (arXiv:1704.08045)"

ZERO_LOSS = 1e-8
"""An end point's loss counts as zero at or below this (polished zero-loss end points sit near 1e-25)."""

KINK_MARGIN = 1e-6
"""A float end point is differentiable when every |pre-activation| exceeds this times 1 + max |z|."""

RANK_TOL = 1e-4
"""F counts as rank N when σ_min(F) > RANK_TOL·max(1, σ_max(F)). At a critical end point (gradient below
1e-9) the theorem's own bound on the loss, (N/4)·(‖∇‖/σ_min)², then stays below `ZERO_LOSS`."""


@dataclass(frozen=True)
class Budget:
    """How hard each example is searched: ``starts`` Adam runs of at most ``steps`` steps."""

    starts: int
    steps: int


BUDGETS = {"ci": Budget(64, 500), "dev": Budget(64, 1000), "thorough": Budget(128, 2000)}


@dataclass
class Tally:
    """Counts over every example of a check, for the evidence lines."""

    minima: int = 0
    at_kink: int = 0
    full_rank: int = 0
    full_rank_zero: int = 0
    deficient: int = 0
    deficient_bad: int = 0
    worst_full_rank_loss: float = 0.0
    worst_deficient_loss: float = 0.0
    certified_tries: int = 0
    certified_deficient: str | None = None


# ---------------------------------------------------------------------------------------------------------
# Soudry & Carmon: the Khatri–Rao matrix of a leaky-ReLU slope pattern


def khatri_rao(
    slopes: Sequence[Sequence[Fraction]], X: Sequence[Sequence[Fraction]], *, bias: bool
) -> list[list[Fraction]]:
    """The N rows of G: row i is ``(a_i1·x̃_i, …, a_id1·x̃_i)``, followed by 1 with biases, where
    ``slopes[i][j] = a_ij`` and ``x̃_i = (x_i, 1)`` with biases, ``x_i`` without.

    Example:
        >>> F = Fraction
        >>> khatri_rao([[F(1), F(1, 2)]], [[F(3)]], bias=True)
        [[Fraction(3, 1), Fraction(1, 1), Fraction(3, 2), Fraction(1, 2), Fraction(1, 1)]]
    """
    rows = []
    for a, x in zip(slopes, X, strict=True):
        xt = [*x, Fraction(1)] if bias else list(x)
        row = [aj * v for aj in a for v in xt]
        rows.append([*row, Fraction(1)] if bias else row)
    return rows


def exact_rank(rows: Sequence[Sequence[Fraction]]) -> int:
    """The rank of a rational matrix, exactly (fraction-free elimination in FLINT)."""
    import flint

    if not rows or not rows[0]:
        return 0
    m = flint.fmpq_mat(
        len(rows), len(rows[0]), [flint.fmpq(v.numerator, v.denominator) for r in rows for v in r]
    )
    return int(m.rref()[1])


def _slopes_from_signs(network: Network, signs: Sequence[Sequence[int]]) -> list[list[Fraction]] | None:
    """``a[i][j]`` from the signs ``signs[j][i]`` of unit j on point i; None at a kink (a zero sign)."""
    neg = network.negative_slope
    assert neg is not None
    if any(s == 0 for unit in signs for s in unit):
        return None
    n = len(signs[0])
    return [[Fraction(1) if unit[i] > 0 else neg for unit in signs] for i in range(n)]


def _float_pre_activations(network: Network, dataset: Dataset, theta: Any) -> list[np.ndarray]:
    """Hidden pre-activations (units, N) of every hidden layer at a float point: the package's own
    forward pass in float64."""
    import torch

    from badminima.arithmetic.floating import FloatArithmetic
    from badminima.landscape.forward_pass import forward, unflatten

    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*dataset.X, strict=True)))
    flat = torch.as_tensor(theta, dtype=torch.float64)
    fwd = forward(network, unflatten(network, flat), inputs, arith=arith)
    return [z.numpy() for z in fwd.z[:-1]]


def feature_matrix(network: Network, dataset: Dataset, theta: Any) -> np.ndarray:
    """``F = [a, 1]`` (N × (n + 1)): the last hidden layer's activations and the ones column."""
    import numpy as np
    import torch

    from badminima.arithmetic.floating import FloatArithmetic
    from badminima.landscape.forward_pass import forward, unflatten

    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*dataset.X, strict=True)))
    flat = torch.as_tensor(theta, dtype=torch.float64)
    a = forward(network, unflatten(network, flat), inputs, arith=arith).a[-1].numpy()
    return np.hstack([a.T, np.ones((dataset.n_points, 1))])


def float_signs(network: Network, dataset: Dataset, theta: Any) -> list[list[int]] | None:
    """Signs (units × N) of the first hidden layer's pre-activations at a float point, or None when one
    is within `KINK_MARGIN` of its kink (not numerically differentiable there)."""
    import numpy as np

    z = _float_pre_activations(network, dataset, theta)[0]
    margin = KINK_MARGIN * (1 + float(np.max(np.abs(z))))
    if float(np.min(np.abs(z))) <= margin:
        return None
    return [[1 if v > 0 else -1 for v in row] for row in z]


def _solve_columns(cols: Sequence[Sequence[Fraction]], target: Sequence[Fraction]) -> list[Fraction] | None:
    """Exact coefficients z with ``Σ z_j cols[j] = target`` using independent columns only (zero on the
    others), or None when ``target`` is outside their span."""
    from badminima.arithmetic.least_squares import least_squares

    z, fitted = least_squares(cols, target)
    return z if fitted == list(target) else None


def projection(cols: Sequence[Sequence[Fraction]], y: Sequence[Fraction]) -> list[Fraction]:
    """The exact orthogonal projection of ``y`` onto the span of ``cols`` (rank-deficient spans allowed)."""
    from badminima.arithmetic.least_squares import least_squares

    return least_squares(cols, y)[1]


def snap_to_least_squares(network: Network, dataset: Dataset, theta: Any) -> Point | None:
    """An exact point with the activation pattern of the float point ``theta`` whose predictions are the
    exact projection of y onto the span of G: a DLM by construction (see the module docstring), whose
    loss `certify` proves minimal by least squares over the region. None when ``theta`` is at a kink,
    the network is not one hidden layer with one output, or the exact point leaves the pattern.

    The linearised coefficients ``c_j = v_j·(w_j, b_j)`` and c of the rationalised point get an exact
    correction, the least-squares one on independent columns of G, that moves ``G c`` onto the
    projection (small when ``theta`` is near a DLM); then ``(w_j, b_j) = ±c_j / v_j`` with ``±v_j``, the
    sign that keeps unit j's pattern. Units whose ``|v_j|`` is below 1e-8·max |v| get ``v_j = 0``.

    The package's `badminima.landscape.region_fit.snap` is the same least-squares correction and is
    tried first. It keeps every output weight and refuses a zero ``v_j`` and a correction that leaves
    the region; the code below covers those two cases: a (nearly) dead output weight set to 0 while
    the projection still uses the unit's columns (a DLM needs Gᵀe = 0 for them too), and the sign flip
    ``(−v_j, −w̃_j)``.
    """
    from badminima.landscape.region_fit import snap
    from badminima.landscape.regions import region_of
    from badminima.search.shrinking import to_point

    if network.depth != 2 or network.widths[-1] != 1 or not network.is_piecewise_linear:
        return None
    start = to_point(network, theta)
    if network.loss == "mse" and network.output == "identity":
        snapped = snap(network, dataset, start)
        if snapped is not None:
            return snapped
    region = region_of(network, dataset, start)
    slopes = _slopes_from_signs(network, region.signs[0])
    if slopes is None:
        return None
    d0, d1 = network.widths[0], network.widths[1]
    hidden, out = start.layers
    G = khatri_rao(slopes, dataset.X, bias=network.bias)
    n = dataset.n_points
    cols = [[G[i][j] for i in range(n)] for j in range(len(G[0]))]
    per = d0 + (1 if network.bias else 0)
    v = [out.W[0][j] for j in range(d1)]
    top = max(abs(float(x)) for x in v)
    keep = [abs(float(x)) > 1e-8 * top for x in v]
    c: list[Fraction] = []
    for j in range(d1):
        wt = [*hidden.W[j], *((hidden.b or ())[j : j + 1])]
        c += [v[j] * w if keep[j] else Fraction(0) for w in wt]
    if network.bias:
        assert out.b is not None
        c.append(out.b[0])
    p = projection(cols, [row[0] for row in dataset.y])
    fitted = [sum((c[k] * cols[k][i] for k in range(len(c))), Fraction(0)) for i in range(n)]
    free = [k for k in range(len(c)) if k // per >= d1 or keep[k // per]]
    dz = _solve_columns([cols[k] for k in free], [pi - fi for pi, fi in zip(p, fitted, strict=True)])
    if dz is None:
        return None
    for k, dk in zip(free, dz, strict=True):
        c[k] += dk
    W1, b1, v2 = [], [], []
    for j in range(d1):
        if keep[j]:
            wt = [ck / v[j] for ck in c[j * per : (j + 1) * per]]
            vj = v[j]
            if _unit_signs(wt, dataset, bias=network.bias) != list(region.signs[0][j]):
                # c_j = v_j·w̃_j is also (−v_j)·(−w̃_j): the other sign may lie in the region.
                wt, vj = [-x for x in wt], -vj
            v2.append(vj)
        else:
            wt = [*hidden.W[j], *((hidden.b or ())[j : j + 1])]
            v2.append(Fraction(0))
        W1.append(tuple(wt[:d0]))
        b1.append(wt[d0] if network.bias else None)
    point = Point(
        (
            Layer(tuple(W1), tuple(b for b in b1 if b is not None) if network.bias else None),
            Layer((tuple(v2),), (c[-1],) if network.bias else None),
        )
    )
    return point if region_of(network, dataset, point).signs == region.signs else None


def _unit_signs(wt: Sequence[Fraction], dataset: Dataset, *, bias: bool) -> list[int]:
    """Exact signs of one unit's pre-activation ``w·x_i (+ b)`` on every point (``wt = (w, b)``)."""
    d0 = dataset.input_dim
    out = []
    for x in dataset.X:
        z = sum((w * xm for w, xm in zip(wt[:d0], x, strict=True)), wt[d0] if bias else Fraction(0))
        out.append((z > 0) - (z < 0))
    return out


def certify_dlm(
    network: Network, dataset: Dataset, theta: Any, *, rank_hypothesis: bool = True
) -> Found | Undecided:
    """Try to certify the float end point ``theta`` as a counterexample to Soudry & Carmon: an exact point
    (snapped to least squares over its region, else the plain rationalisation) that `certify` proves a
    local minimum with a proved positive loss, with no pre-activation exactly 0 (a DLM), N ≤ d0·d1, and
    — unless ``rank_hypothesis`` is False, the deliberately wrong variant of the claim — G of exact
    rank N. Otherwise Undecided, saying why."""
    from badminima.landscape.regions import region_of
    from badminima.search.shrinking import to_point
    from badminima.verify.certification import certify

    n, d0, d1 = dataset.n_points, network.widths[0], network.widths[1]
    why: list[str] = []
    snapped = snap_to_least_squares(network, dataset, theta)
    if snapped is None:
        why.append("no exact least-squares point with the same pattern")
    for how, point in (("snapped to least squares", snapped), ("rationalised", to_point(network, theta))):
        if point is None:
            continue
        region = region_of(network, dataset, point)
        slopes = _slopes_from_signs(network, region.signs[0])
        if slopes is None:
            why.append(f"{how}: {len(region.kinks)} pre-activation(s) exactly 0 (not a DLM)")
            continue
        rank = exact_rank(khatri_rao(slopes, dataset.X, bias=network.bias))
        if rank_hypothesis and rank < n:
            why.append(f"{how}: rank G = {rank} < N = {n}, outside the hypothesis")
            continue
        trap = Trap(
            network,
            dataset,
            point,
            name="wide-leaky-relu-zero-error",
            description=f"a differentiable local minimum with positive loss, N = {n} ≤ d0·d1 = {d0 * d1}",
            source="badminima claims",
        )
        cert = certify(trap)
        lower = cert.loss_lower
        if cert.verdict.is_minimum and lower is not None and lower > 0:
            proof = (
                f"certify: {cert.verdict.value} ({cert.rigor}, {cert.method}): {cert.reason}; no "
                f"pre-activation is 0 (exact signs), so the point is a differentiable local minimum; "
                f"its loss is ≥ {float(lower):.6g} > 0; exact rank of G = {rank} (N = {n}); "
                f"N = {n} ≤ d0·d1 = {d0 * d1}"
            )
            label = f"DLM with loss {float(lower):.4g} > 0 and rank G = {rank} (N = {n})"
            return Found(label, CertifiedTrap(trap, cert, proof))
        why.append(f"{how}: certify says {cert.verdict.value}: {cert.reason}")
    return Undecided("a minimum with loss > 0 was not certified: " + "; ".join(why))


def examine_dlms(
    network: Network,
    dataset: Dataset,
    *,
    budget: Budget = BUDGETS["ci"],
    seed: int = 0,
    rank_hypothesis: bool = True,
    tally: Tally | None = None,
) -> Finding:
    """One example of ``wide-leaky-relu-full-rank-zero-error``: Skip unless the hypotheses hold, then
    multistart, and check every numerically differentiable local minimum. With ``rank_hypothesis`` False
    (``wide-leaky-relu-zero-error``: the noise-free reading without the rank condition, which is false)
    every DLM must have zero loss."""
    from badminima.search.basins import survey
    from badminima.search.starts import Init, Optimizer, Stopping, multistart

    tally = tally if tally is not None else Tally()
    if network.depth != 2 or network.activation != "leaky_relu":
        return Skip("not one hidden layer of leaky ReLUs")
    if network.output != "identity" or network.loss != "mse" or network.widths[-1] != 1:
        return Skip("not a single identity output with square loss")
    n, d0, d1 = dataset.n_points, network.widths[0], network.widths[1]
    if n > d0 * d1:
        return Skip("N > d0·d1")
    ends = multistart(
        network,
        dataset,
        budget.starts,
        init=Init("normal", 1.0),
        optimizer=Optimizer("adam", lr=0.05),
        stopping=Stopping(max_steps=budget.steps),
        seed=seed,
    )
    seen = survey(network, ends)
    full = deficient = 0
    for p in seen.minima:
        tally.minima += 1
        theta = ends.thetas[p.row]
        signs = float_signs(network, dataset, theta)
        if signs is None:
            tally.at_kink += 1
            continue
        slopes = _slopes_from_signs(network, signs)
        assert slopes is not None
        rank = exact_rank(khatri_rao(slopes, dataset.X, bias=network.bias))
        if rank == n:
            full += 1
            tally.full_rank += 1
            tally.worst_full_rank_loss = max(tally.worst_full_rank_loss, p.loss)
            if p.loss <= ZERO_LOSS:
                tally.full_rank_zero += 1
                continue
        else:
            deficient += 1
            tally.deficient += 1
            tally.worst_deficient_loss = max(tally.worst_deficient_loss, p.loss)
            if p.loss <= ZERO_LOSS:
                continue
            tally.deficient_bad += 1
            if rank_hypothesis:
                _certify_deficient(network, dataset, theta, tally)
                continue
        result = certify_dlm(network, dataset, theta, rank_hypothesis=rank_hypothesis)
        if isinstance(result, Found):
            return result
        return Undecided(f"{network.describe()}, N = {n}: {result.label}")
    if full:
        return Agrees("every rank-N DLM reached has zero loss")
    if deficient:
        return Agrees("only rank-deficient DLMs reached (vacuous)")
    return Agrees("no differentiable minimum reached (vacuous)")


def _certify_deficient(network: Network, dataset: Dataset, theta: Any, tally: Tally) -> None:
    """Certify the first few rank-deficient DLMs with positive loss until one is proved, for the evidence:
    what the noise-free network allows outside the rank hypothesis."""
    if tally.certified_deficient is not None or tally.certified_tries >= 3:
        return
    tally.certified_tries += 1
    found = certify_dlm(network, dataset, theta, rank_hypothesis=False)
    if isinstance(found, Found) and found.trap.certificate is not None:
        cert = found.trap.certificate
        tally.certified_deficient = (
            f"{network.describe()} on N = {dataset.n_points} points: {cert.verdict.value} proved "
            f"({cert.rigor}, {cert.method}) at loss {cert.loss}; {found.label}"
        )


@st.composite
def leaky_examples(draw: st.DrawFn) -> tuple[Network, Dataset]:
    """One hidden layer of 1–3 leaky ReLUs on 1–3 inputs, one identity output, square loss, with or
    without biases; 2–6 distinct float-valued points (generic data: the theorem holds almost everywhere)."""
    net = draw(
        networks(
            activations=("leaky_relu",),
            min_hidden_layers=1,
            max_hidden_layers=1,
            max_width=3,
            max_inputs=3,
            max_outputs=1,
            outputs=("identity",),
            losses=("mse",),
        )
    )
    data = draw(datasets(net, min_points=2, max_points=6, numbers="float", task="regression"))
    return net, data


def _run_leaky(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    budget = BUDGETS[settings.profile]
    tally = Tally()
    h: Hunt[tuple[Network, Dataset]] = hunt(
        leaky_examples(),
        lambda ex: examine_dlms(ex[0], ex[1], budget=budget, tally=tally),
        settings,
        progress=progress,
    )
    evidence = [
        f"numerical evidence: per example {budget.starts} Adam starts (≤ {budget.steps} steps), end points "
        f"polished to critical points (gradient < 1e-9) and clustered modulo symmetry; a minimum is a "
        f"cluster of Hessian index 0",
        f"{tally.minima} numerical minima: {tally.minima - tally.at_kink} differentiable (every "
        f"|pre-activation| > {KINK_MARGIN:g}·(1 + max|z|)), {tally.at_kink} at a kink (not DLMs, not "
        f"covered)",
        f"{tally.full_rank} DLM(s) with exact rank G = N (Khatri–Rao matrix of the slope pattern and the "
        f"data, bias columns included): {tally.full_rank_zero} at loss ≤ {ZERO_LOSS:g} (largest loss "
        f"{tally.worst_full_rank_loss:.3g})",
        f"{tally.deficient} DLM(s) with rank G < N — outside the hypothesis; the paper's dropout-like "
        f"noise makes G full rank almost surely, our noise-free networks do not: {tally.deficient_bad} of "
        f"them have loss > {ZERO_LOSS:g} (largest {tally.worst_deficient_loss:.3g}), as the noise-free "
        f"network allows",
    ]
    if tally.certified_deficient is not None:
        evidence.append(
            f"one of them certified (a DLM with loss > 0 outside the rank hypothesis): "
            f"{tally.certified_deficient}"
        )
    return h.outcome(claim, evidence=evidence)


HAND_NETWORK = Network((1, 2, 1), "leaky_relu", bias=False, leaky_slope=Fraction(1, 10))
HAND_DATA = Dataset.of([[1], [2]], [[1], [3]])
"""The hand counterexample to the noise-free reading: both inputs positive, so in the region where both
units are positive on both points f(x) = c·x, and the least-squares slope c = 7/5 leaves loss 1/10 at a
DLM although N = 2 ≤ d0·d1 = 2 (rank G = 1). Every (x, y) with x_1, x_2 > 0 and y not proportional to x
does the same (an open set of datasets), so "almost every dataset" does not save the noise-free reading."""


def _run_literal(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    budget = BUDGETS[settings.profile]
    h: Hunt[tuple[Network, Dataset]] = hunt(
        leaky_examples(),
        lambda ex: examine_dlms(ex[0], ex[1], budget=budget, rank_hypothesis=False),
        settings,
        explicit=[(HAND_NETWORK, HAND_DATA)],
        progress=progress,
    )
    evidence = [
        "the first example is the hand one: 1-2-1 leaky ReLU (slope 1/10), no biases, x = (1, 2), "
        "y = (1, 3); then drawn one-hidden-layer leaky-ReLU networks with N ≤ d0·d1",
        f"per example {budget.starts} Adam starts (≤ {budget.steps} steps), polished and clustered; each "
        "numerical DLM with loss > 0 is snapped to the exact least-squares point of its activation region "
        "and handed to `certify`; a counterexample is a certified local minimum with no pre-activation "
        "exactly 0 (a DLM, exact signs), a proved positive loss and N ≤ d0·d1",
        "no rank condition is imposed: this is the paper's statement on plain networks, without the "
        "dropout-like noise on the slopes that its proof uses to make the Khatri–Rao matrix G of rank N; "
        "see wide-leaky-relu-full-rank-zero-error for the statement with that rank as a hypothesis",
        "not an artefact of a null set of data: every dataset with x_1, x_2 > 0 and y not proportional to x "
        "has such a DLM for the hand network (hand argument: f(x) = c·x in the all-positive region)",
    ]
    return h.outcome(claim, evidence=evidence)


# ---------------------------------------------------------------------------------------------------------
# Nguyen & Hein: the feature matrix of a wide layer


def feature_rank(F: np.ndarray) -> tuple[bool, float]:
    """Whether F (N rows) has numerical rank N (σ_min > `RANK_TOL`·max(1, σ_max)), and σ_min."""
    import numpy as np

    n = F.shape[0]
    if F.shape[1] < n:
        return False, 0.0
    s = np.linalg.svd(F, compute_uv=False)
    return bool(s[n - 1] > RANK_TOL * max(1.0, float(s[0]))), float(s[n - 1])


def proved_full_rank(network: Network, dataset: Dataset, center: Point, radius: Fraction) -> bool:
    """True when F = [σ(Z), 1] of the last hidden layer is proved to have rank N at every point of the box
    ``center ± radius`` (∞-norm): some N × N minor's determinant, enclosed in ball arithmetic over the
    whole box, excludes 0. False when that could not be shown (not a proof of a lower rank)."""
    import flint
    import numpy as np

    from badminima.arithmetic.ball import BallArithmetic
    from badminima.landscape.forward_pass import forward, unflatten
    from badminima.landscape.problem import prepare

    n = dataset.n_points
    if network.widths[-2] + 1 < n:
        return False
    ball = BallArithmetic(128)
    prob = prepare(network, dataset, center, arith=ball)
    with ball.context():
        rad = ball.constant(radius).upper()
        flat = ball.vector([v + flint.arb(0, rad) for v in prob.flat])
        a = forward(network, unflatten(network, flat), prob.inputs, arith=ball).a[-1]
        cols = [[a[u, i] for i in range(n)] for u in range(network.widths[-2])]
        cols.append([ball.constant(Fraction(1))] * n)
        mid = np.array([[float(c[i].mid()) for c in cols] for i in range(n)])
        # Column choice is a heuristic (QR with pivoting on the midpoints); the proof is the enclosure.
        import scipy.linalg

        _, _, perm = scipy.linalg.qr(mid, pivoting=True)
        chosen = sorted(int(j) for j in perm[:n])
        minor = flint.arb_mat(n, n, [cols[j][i] for i in range(n) for j in chosen])
        return ball.sign(minor.det()) in (-1, 1)


def certify_critical(
    network: Network,
    dataset: Dataset,
    theta: Any,
    *,
    rank_hypothesis: bool = True,
) -> Found | Undecided:
    """Try to certify the float end point ``theta`` as a counterexample to Nguyen & Hein: `certify` proves a
    critical point in a box (a local minimum, or a saddle: both are critical) whose loss is proved
    positive, and — unless ``rank_hypothesis`` is False, the deliberately wrong variant — F is proved of
    rank N on the whole box. Otherwise Undecided, saying why."""
    from badminima.search.shrinking import to_point
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    n = dataset.n_points
    trap = Trap(
        network,
        dataset,
        to_point(network, theta),
        name="wide-layer-critical-global",
        description=f"a critical point with positive loss, last hidden width {network.widths[-2]}, N = {n}",
        source="badminima claims",
    )
    cert: Certificate = certify(trap)
    lower = cert.loss_lower
    if cert.verdict not in (Verdict.LOCAL_MIN, Verdict.BAD_LOCAL_MIN, Verdict.SADDLE):
        return Undecided(f"a critical point with loss > 0 was not certified: {cert.reason}")
    if lower is None or lower <= 0:
        return Undecided(f"certified {cert.verdict.value}, but its loss is not proved positive")
    center = cert.box_center if cert.box_center is not None else trap.point
    radius = cert.proof_radius if cert.proof_radius is not None else Fraction(0)
    rank_text = "rank of F not required (variant)"
    if rank_hypothesis:
        if not proved_full_rank(network, dataset, center, radius):
            return Undecided(
                f"certified {cert.verdict.value} with loss ≥ {float(lower):.4g}, but rank F = N is not "
                f"proved on its box"
            )
        rank_text = f"F has rank N = {n} on the whole box (an N × N minor's ball determinant excludes 0)"
    proof = (
        f"certify: {cert.verdict.value} ({cert.rigor}, {cert.method}): {cert.reason}; the critical point's "
        f"loss is ≥ {float(lower):.6g} > 0; {rank_text}"
    )
    label = f"critical point ({cert.verdict.value}) with loss {float(lower):.4g} > 0"
    return Found(label, CertifiedTrap(trap, cert, proof))


@dataclass
class CriticalTally:
    """Counts over every example of the Nguyen & Hein check."""

    critical: int = 0
    full_rank: int = 0
    full_rank_zero: int = 0
    deficient: int = 0
    deficient_bad: int = 0
    worst_full_rank_loss: float = 0.0
    smallest_full_sigma: float = math.inf


def examine_critical(
    network: Network,
    dataset: Dataset,
    *,
    budget: Budget = BUDGETS["ci"],
    seed: int = 0,
    rank_hypothesis: bool = True,
    tally: CriticalTally | None = None,
) -> Finding:
    """One example of ``wide-layer-critical-global``: Skip unless the hypotheses hold, then multistart and
    check every critical end point (any Hessian index) whose F has numerical rank N."""
    import numpy as np

    from badminima.search.basins import survey
    from badminima.search.starts import Init, Optimizer, Stopping, multistart

    tally = tally if tally is not None else CriticalTally()
    if network.depth < 2 or network.activation not in ("sigmoid", "tanh"):
        return Skip("no hidden layer with an analytic strictly increasing activation")
    if network.output != "identity" or network.loss != "mse" or not network.bias:
        return Skip("not identity output, square loss and biases")
    n = dataset.n_points
    if network.widths[-2] < n - 1:
        return Skip("last hidden width < N − 1")
    if len(set(dataset.X)) < n:
        return Skip("repeated inputs")
    ends = multistart(
        network,
        dataset,
        budget.starts,
        init=Init("normal", 1.0),
        optimizer=Optimizer("adam", lr=0.05),
        stopping=Stopping(max_steps=budget.steps),
        seed=seed,
    )
    seen = survey(network, ends)
    full = 0
    for p in seen.points:
        tally.critical += 1
        theta = ends.thetas[p.row]
        is_full, sigma = feature_rank(feature_matrix(network, dataset, theta))
        if not is_full:
            tally.deficient += 1
            tally.deficient_bad += int(p.loss > ZERO_LOSS)
            if rank_hypothesis or p.loss <= ZERO_LOSS:
                continue
        else:
            full += 1
            tally.full_rank += 1
            tally.smallest_full_sigma = min(tally.smallest_full_sigma, sigma)
            tally.worst_full_rank_loss = max(tally.worst_full_rank_loss, p.loss)
            if p.loss <= ZERO_LOSS:
                tally.full_rank_zero += 1
                continue
        result = certify_critical(network, dataset, np.asarray(theta), rank_hypothesis=rank_hypothesis)
        if isinstance(result, Found):
            return result
        return Undecided(f"{network.describe()}, N = {n}: {result.label}")
    if full:
        return Agrees("every rank-N critical point reached has zero loss")
    return Agrees("no rank-N critical point reached (vacuous)")


@st.composite
def wide_examples(draw: st.DrawFn) -> tuple[Network, Dataset]:
    """Sigmoid or tanh networks with one or two hidden layers (the last of 1–4 units) on 1–2 inputs, 1–2
    identity outputs, square loss, biases; 2–5 distinct float-valued points."""
    net = draw(
        networks(
            activations=("sigmoid", "tanh"),
            min_hidden_layers=1,
            max_hidden_layers=2,
            max_width=4,
            max_inputs=2,
            max_outputs=2,
            outputs=("identity",),
            losses=("mse",),
            bias=True,
        )
    )
    data = draw(datasets(net, min_points=2, max_points=5, numbers="float", task="regression"))
    return net, data


def _run_wide(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    budget = BUDGETS[settings.profile]
    tally = CriticalTally()
    h: Hunt[tuple[Network, Dataset]] = hunt(
        wide_examples(),
        lambda ex: examine_critical(ex[0], ex[1], budget=budget, tally=tally),
        settings,
        progress=progress,
    )
    sigma = "n/a" if math.isinf(tally.smallest_full_sigma) else f"{tally.smallest_full_sigma:.3g}"
    evidence = [
        f"numerical evidence: per example {budget.starts} Adam starts (≤ {budget.steps} steps), end points "
        f"polished to critical points of any index (gradient < 1e-9) and clustered modulo symmetry",
        f"{tally.critical} critical point(s); F = [σ(Z), 1] of the last hidden layer counts as rank N when "
        f"σ_min(F) > {RANK_TOL:g}·max(1, σ_max(F))",
        f"{tally.full_rank} critical point(s) with rank F = N (smallest σ_min {sigma}): "
        f"{tally.full_rank_zero} at loss ≤ {ZERO_LOSS:g} (largest loss {tally.worst_full_rank_loss:.3g})",
        f"{tally.deficient} critical point(s) with rank F < N (outside the hypothesis), "
        f"{tally.deficient_bad} of them with loss > {ZERO_LOSS:g}",
    ]
    return h.outcome(claim, evidence=evidence)


CLAIMS = (
    Claim(
        name="wide-leaky-relu-zero-error",
        title="one hidden leaky-ReLU layer with N ≤ d0·d1: differentiable local minima have zero error",
        source=SOUDRY,
        statement=(
            "For a network with one hidden layer of leaky ReLUs, identity output and square loss, with "
            "N ≤ d0·d1, every differentiable local minimum has zero training error, for almost every "
            "dataset — read literally on plain networks. The paper's theorem also has dropout-like noise "
            "(each slope multiplied by a random factor), which the plain network lacks; without that noise "
            "the statement is false"
        ),
        hypotheses=(
            "one hidden layer of leaky ReLUs, a single identity output, square loss",
            "N ≤ d0·d1 (drawn examples that fail it are skipped)",
            "the point is differentiable: no pre-activation is exactly 0 (exact signs)",
            "plain network: no dropout-like noise on the slopes, no rank condition",
        ),
        quantifier="all",
        kind="certified",
        expected="counterexample",
        examples={"ci": 1, "dev": 4, "thorough": 20},
        run=_run_literal,
    ),
    Claim(
        name="wide-leaky-relu-full-rank-zero-error",
        title=(
            "one hidden leaky-ReLU layer, N ≤ d0·d1: differentiable local minima where the Khatri–Rao "
            "matrix has rank N have zero error"
        ),
        source=SOUDRY,
        statement=(
            "For a network with one hidden layer of leaky ReLUs, identity output and square loss, with "
            "N ≤ d0·d1, every differentiable local minimum at which the Khatri–Rao matrix G of the slope "
            "pattern and the data has rank N has zero training error. This is the step of the paper's proof "
            "that its dropout-like noise makes apply (G of rank N almost surely); with rank G = N as a "
            "hypothesis it follows from Gᵀe = 0 at a DLM, so a counterexample is impossible and the check "
            "tests the machinery (that GD's DLMs satisfy Gᵀe = 0) rather than the paper's claim; the "
            "literal noise-free reading is wide-leaky-relu-zero-error (refuted)"
        ),
        hypotheses=(
            "one hidden layer of leaky ReLUs, a single identity output, square loss",
            "N ≤ d0·d1 (drawn examples that fail it are skipped)",
            "float-valued distinct inputs (generic data)",
            "the point is differentiable: every pre-activation is away from 0",
            "G = [a_j ∘ x̃_i]_j (with bias columns and the ones column with biases) has rank N, checked "
            "exactly at each minimum; minima where it fails are counted apart",
        ),
        quantifier="all",
        kind="numerical",
        expected="held",
        examples={"ci": 4, "dev": 12, "thorough": 80},
        run=_run_leaky,
    ),
    Claim(
        name="wide-layer-critical-global",
        title="a hidden layer of width ≥ N − 1: critical points where its features have rank N are global",
        source=NGUYEN,
        statement=(
            "For square loss and an analytic strictly increasing activation, if a hidden layer has width "
            "≥ N − 1, every critical point at which that layer's feature matrix [F, 1] has rank N and the "
            "later layers' weights have full column rank is a global minimum (zero training error)"
        ),
        hypotheses=(
            "sigmoid or tanh hidden units, identity output, square loss, biases",
            "distinct inputs",
            "the last hidden layer has width ≥ N − 1 (so no later-layer condition applies)",
            f"the critical point's F = [σ(Z), 1] has rank N (σ_min(F) > {RANK_TOL:g}·max(1, σ_max(F)))",
        ),
        quantifier="all",
        kind="numerical",
        expected="held",
        examples={"ci": 4, "dev": 12, "thorough": 80},
        run=_run_wide,
    ),
)
