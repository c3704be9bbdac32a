"""Wide networks, the claims: examining one example (multistart, then certify the end points that would
break a claim) and running the three claims (`CLAIMS`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

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
from badminima.claims.minima import Candidate, MinimaSearch, certify_minima, find_minima
from badminima.claims.wide_networks.maths import (
    KINK_MARGIN,
    RANK_TOL,
    exact_rank,
    feature_matrix,
    feature_rank,
    float_signs,
    khatri_rao,
    proved_full_rank,
    slopes_from_signs,
    snap_to_least_squares,
)
from badminima.claims.wide_networks.strategies import HAND_DATA, HAND_NETWORK, leaky_examples, wide_examples
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.trap import Trap

if TYPE_CHECKING:
    from badminima.verify.certificate import Certificate

SOUDRY = "Soudry & Carmon 2016, arXiv:1605.08361"
NGUYEN = "Nguyen & Hein 2017, ICML (arXiv:1704.08045)"

ZERO_LOSS = 1e-8
"""An end point's loss counts as zero at or below this (polished zero-loss end points sit near 1e-25)."""


SEARCH = {"ci": (64, 500), "dev": (64, 1000), "thorough": (128, 2000)}
"""How hard each example is searched, per profile: Adam runs from N(0, 1) starts, at most so many steps."""


def minima_search(profile: str, *, seed: int = 0) -> MinimaSearch:
    """The multistart of one example under ``profile``: `SEARCH`'s starts and steps, Adam at 0.05."""
    from badminima.search.starts import Init, Optimizer, Stopping

    starts, steps = SEARCH[profile]
    return MinimaSearch(
        starts, Init("normal", 1.0), Optimizer("adam", lr=0.05), Stopping(max_steps=steps), seed=seed
    )


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
        slopes = slopes_from_signs(network, region.signs[0])
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
    profile: str = "ci",
    seed: int = 0,
    rank_hypothesis: bool = True,
    tally: Tally | None = None,
) -> Finding:
    """One example of ``wide-leaky-relu-full-rank-zero-error``: Skip unless the hypotheses hold, then
    multistart, and check every numerically differentiable local minimum. With ``rank_hypothesis`` False
    (``wide-leaky-relu-zero-error``: the noise-free reading without the rank condition, which is false)
    every DLM must have zero loss."""
    tally = tally if tally is not None else Tally()
    if network.depth != 2 or network.activation != "leaky_relu":
        return Skip("not one hidden layer of leaky ReLUs")
    if network.output != "identity" or network.loss != "mse" or network.widths[-1] != 1:
        return Skip("not a single identity output with square loss")
    n, d0, d1 = dataset.n_points, network.widths[0], network.widths[1]
    if n > d0 * d1:
        return Skip("N > d0·d1")
    found = find_minima(network, dataset, search=minima_search(profile, seed=seed))
    full = deficient = 0

    def judge(p: Candidate) -> Found | Undecided | None:
        nonlocal full, deficient
        tally.minima += 1
        signs = float_signs(network, dataset, p.theta)
        if signs is None:
            tally.at_kink += 1
            return None
        slopes = slopes_from_signs(network, signs)
        assert slopes is not None
        rank = exact_rank(khatri_rao(slopes, dataset.X, bias=network.bias))
        if rank == n:
            full += 1
            tally.full_rank += 1
            tally.worst_full_rank_loss = max(tally.worst_full_rank_loss, p.loss)
            if p.loss <= ZERO_LOSS:
                tally.full_rank_zero += 1
                return None
        else:
            deficient += 1
            tally.deficient += 1
            tally.worst_deficient_loss = max(tally.worst_deficient_loss, p.loss)
            if p.loss <= ZERO_LOSS:
                return None
            tally.deficient_bad += 1
            if rank_hypothesis:
                _certify_deficient(network, dataset, p.theta, tally)
                return None
        result = certify_dlm(network, dataset, p.theta, rank_hypothesis=rank_hypothesis)
        if isinstance(result, Found):
            return result
        return Undecided(f"{network.describe()}, N = {n}: {result.label}")

    settled = certify_minima(judge, found.minima).settled
    if settled is not None:
        return settled
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


def _run_leaky(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    starts, steps = SEARCH[settings.profile]
    tally = Tally()
    h: Hunt[tuple[Network, Dataset]] = hunt(
        leaky_examples(),
        lambda ex: examine_dlms(ex[0], ex[1], profile=settings.profile, tally=tally),
        settings,
        progress=progress,
    )
    evidence = [
        f"numerical evidence: per example {starts} Adam starts (≤ {steps} steps), end points "
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


def _run_literal(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    starts, steps = SEARCH[settings.profile]
    h: Hunt[tuple[Network, Dataset]] = hunt(
        leaky_examples(),
        lambda ex: examine_dlms(ex[0], ex[1], profile=settings.profile, rank_hypothesis=False),
        settings,
        explicit=[(HAND_NETWORK, HAND_DATA)],
        progress=progress,
    )
    evidence = [
        "the first example is the hand one: 1-2-1 leaky ReLU (slope 1/10), no biases, x = (1, 2), "
        "y = (1, 3); then drawn one-hidden-layer leaky-ReLU networks with N ≤ d0·d1",
        f"per example {starts} Adam starts (≤ {steps} steps), polished and clustered; each "
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
    profile: str = "ci",
    seed: int = 0,
    rank_hypothesis: bool = True,
    tally: CriticalTally | None = None,
) -> Finding:
    """One example of ``wide-layer-critical-global``: Skip unless the hypotheses hold, then multistart and
    check every critical end point (any Hessian index) whose F has numerical rank N."""
    import numpy as np

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
    found = find_minima(network, dataset, search=minima_search(profile, seed=seed))
    full = 0

    def judge(p: Candidate) -> Found | Undecided | None:
        nonlocal full
        tally.critical += 1
        is_full, sigma = feature_rank(feature_matrix(network, dataset, p.theta))
        if not is_full:
            tally.deficient += 1
            tally.deficient_bad += int(p.loss > ZERO_LOSS)
            if rank_hypothesis or p.loss <= ZERO_LOSS:
                return None
        else:
            full += 1
            tally.full_rank += 1
            tally.smallest_full_sigma = min(tally.smallest_full_sigma, sigma)
            tally.worst_full_rank_loss = max(tally.worst_full_rank_loss, p.loss)
            if p.loss <= ZERO_LOSS:
                tally.full_rank_zero += 1
                return None
        result = certify_critical(network, dataset, np.asarray(p.theta), rank_hypothesis=rank_hypothesis)
        if isinstance(result, Found):
            return result
        return Undecided(f"{network.describe()}, N = {n}: {result.label}")

    settled = certify_minima(judge, found.points).settled
    if settled is not None:
        return settled
    if full:
        return Agrees("every rank-N critical point reached has zero loss")
    return Agrees("no rank-N critical point reached (vacuous)")


def _run_wide(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    starts, steps = SEARCH[settings.profile]
    tally = CriticalTally()
    h: Hunt[tuple[Network, Dataset]] = hunt(
        wide_examples(),
        lambda ex: examine_critical(ex[0], ex[1], profile=settings.profile, tally=tally),
        settings,
        progress=progress,
    )
    sigma = "n/a" if math.isinf(tally.smallest_full_sigma) else f"{tally.smallest_full_sigma:.3g}"
    evidence = [
        f"numerical evidence: per example {starts} Adam starts (≤ {steps} steps), end points "
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
