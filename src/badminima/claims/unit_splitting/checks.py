"""Unit splitting, the claims: ``unit-splitting-saddles`` and ``unit-splitting-minima`` (`CLAIMS`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from badminima.claims.checking import (
    Claim,
    Finding,
    Hunt,
    Outcome,
    Settings,
    Skip,
    hunt,
)
from badminima.claims.unit_splitting.examine import (
    MINIMA,
    PAPER,
    PRECISION,
    SADDLES,
    STARTS,
    Side,
    SplitRecord,
    examine_split,
    small_minimum,
)
from badminima.claims.unit_splitting.strategies import (
    LAMBDAS,
    SplitCase,
    definite_case,
    definite_splits,
    split_cases,
)
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.trap import Trap

if TYPE_CHECKING:
    from badminima.verify.certificate import Certificate


def _hunt(
    settings: Settings,
    progress: Callable[[int, int], None] | None,
    side: Side,
    strategy: Any,
    record: SplitRecord,
) -> Hunt[SplitCase]:
    """Hunt over ``strategy`` after the two constructed definite cases, on one thread; the certified small
    minimum of a case with a ``start`` (the constructed ones) is computed once per run."""
    import torch

    cache: dict[tuple[Network, Dataset, Point], tuple[Trap, Certificate] | Skip] = {}

    def examine(case: SplitCase) -> Finding:
        minimum = None
        if case.start is not None:
            key = (case.network, case.dataset, case.start)
            if key not in cache:
                cache[key] = small_minimum(case.network, case.dataset, start=case.start)
            found = cache[key]
            if isinstance(found, Skip):
                return found
            minimum = found
        return examine_split(case, record=record, minimum=minimum, side=side)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return hunt(
            strategy,
            examine,
            settings,
            explicit=[definite_case(1), definite_case(-1)],
            max_shrinks=10,
            progress=progress,
        )
    finally:
        torch.set_num_threads(threads)


def _small_line(record: SplitRecord) -> str:
    classes = ", ".join(f"{k} {n}" for k, n in sorted(record.classes.items())) or "none"
    return (
        f"small networks: a strict local minimum certified by `certify` (ball box method; {STARTS} Adam "
        f"starts, Newton-polished); A enclosed in {PRECISION}-bit balls over the certified box, its "
        f"definiteness proved (Sylvester minors, or uᵀAu of both signs); examples counted: {classes}"
    )


def _run_saddles(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    record = SplitRecord()
    h = _hunt(settings, progress, "saddles", split_cases(), record)
    evidence = [
        _small_line(record),
        f"certified: {record.saddles} split point(s) the sign rule calls saddles, each proved critical "
        f"(exact split lemma, S_λ of the certified minimiser x*) with vᵀ∇²L v < 0 over a box containing "
        f"S_λx*",
        "split points the rule calls local minima are not counted as agreement here (no proof of a minimum "
        f"exists at second order; see {MINIMA}); on them only a proved contradiction would count: a proved "
        "direction of negative curvature, or a split curvature of proved opposite sign",
        f"curvature identity vᵀ∇²L v = λ(1−λ)uᵀAu: enclosures overlap on all {record.directions} "
        f"split direction(s); float64 largest relative difference {record.identity_worst:.2g}",
        f"inertia (float): the big Hessian's index equals that of λ(1−λ)A at {record.inertia_matches} "
        f"of {record.inertia_checked} split point(s); largest proved ‖∇L_big(S_λc)‖ ≤ "
        f"{record.gradient_worst:.2g} (consistency: S_λc is as critical as c)",
        "first two examples: constructed minima with A positive and negative definite (`definite_case`); "
        f"then drawn examples (A nearly always indefinite), λ ∈ {{{', '.join(map(str, LAMBDAS))}}} and one "
        "drawn λ each",
    ]
    return h.outcome(claim, evidence=evidence)


def _run_minima(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    record = SplitRecord()
    strategy = definite_splits() if settings.profile == "ci" else st.one_of(definite_splits(), split_cases())
    h = _hunt(settings, progress, "minima", strategy, record)
    evidence = [
        _small_line(record),
        f"{record.minima} split point(s) the sign rule calls local minima are proved (non-strict) local "
        f"minima by `certify`: the Hessian is singular along the line, so the proof reduces to the "
        f"narrower network, proves its minimum, and lifts it — the Hessian restricted to the complement "
        f"of the line's direction is proved positive definite over a tube around it (Morse–Bott)",
        "a contradiction would still be certified: a float negative eigenvalue whose eigenvector is proved "
        "a direction of negative curvature over a box containing the critical point, or a split curvature "
        "of proved opposite sign",
        f"split points the rule calls saddles are {SADDLES}'s business and not counted here",
        "examples: the constructed minima with A positive and negative definite (`definite_case`) at "
        f"λ ∈ {{{', '.join(map(str, LAMBDAS))}}}, then the same minima at drawn λ (one in (0, 1), one "
        "outside [0, 1])"
        + ("" if settings.profile == "ci" else ", or drawn examples (skipped unless A is definite)"),
    ]
    return h.outcome(claim, evidence=evidence)


_STATEMENT = (
    "Let θ* be a strict local minimum of a one-hidden-layer network with H−1 smooth units; split hidden "
    "unit j into two with the same input weights w_j and output weights λ·v_j, (1−λ)·v_j. For every λ the "
    "split point is a critical point of the H-unit network. With A = v_j Σ_i ℓ'_i φ''(w_j·x̃_i) x̃_i x̃_iᵀ "
    "(ℓ'_i = ∂L/∂f(x_i)): if A is positive definite, the points with λ ∈ (0,1) are local minima and those "
    "with λ ∉ [0,1] saddles; if A is negative definite, the reverse; if A is indefinite, all are saddles."
)

_HYPOTHESES = (
    "one hidden layer of tanh units (H−1 ∈ {1, 2}), identity output, mse, biases; 1 or 2 inputs",
    "θ* is a strict local minimum of the small network, proved by `certify` (box method)",
    "A is non-singular over the certified box, its definiteness (or indefiniteness) proved in balls",
    "λ ∉ {0, 1}",
)

CLAIMS = (
    Claim(
        name=SADDLES,
        title="Splitting a unit of a minimum gives critical points; those the sign rule calls saddles are",
        source=PAPER,
        statement=(
            f"{_STATEMENT} This claim covers the critical line and the saddle side: every split point the "
            "rule calls a saddle is a critical point with a direction of negative curvature (along "
            "δw_a = (1−λ)u, δw_b = −λu the curvature is λ(1−λ)uᵀAu). The minima side is "
            f"{MINIMA}."
        ),
        hypotheses=(
            *_HYPOTHESES,
            "split points the rule calls local minima are not counted as agreement (only a proved "
            "contradiction there counts)",
        ),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 1, "dev": 8, "thorough": 40},
        run=_run_saddles,
    ),
    Claim(
        name=MINIMA,
        title="Splitting a unit of a minimum: the split points the sign rule calls minima are minima",
        source=PAPER,
        statement=(
            f"{_STATEMENT} This claim covers the minima side: the split points the rule calls local "
            "minima (A definite) are local minima. The Hessian there is singular (the line's tangent); "
            "each is proved through the exact duplicated-unit invariance (reduce, certify, lift); the "
            f"saddle side is {SADDLES}."
        ),
        hypotheses=(*_HYPOTHESES[:2], "A is definite over the certified box, proved in balls", "λ ∉ {0, 1}"),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 1, "dev": 6, "thorough": 30},
        run=_run_minima,
    ),
)
