"""Claims about the Gaussian population loss of sums of ReLUs with an orthonormal teacher.

**"No spurious minima"** (the hope Safran & Shamir 2018, ICML, arXiv:1712.08968, refute): for x ~ N(0, I_k),
a student of k ReLUs fitting a teacher of k orthonormal ReLUs (V = I) has no local minimum of the
population loss other than the global ones. Drawn examples are k = n from 2 to `MAX_K`. For k ≥ 6 the
stored symmetric point (`badminima.constructions.safran_shamir`) is certified a bad local minimum in ball
arithmetic (the certificate *is* the counterexample); for k ≤ 5 gradient descent from Xavier starts is run
and its end points classified (numerical: a spurious end point there would be handed to the verifier and
reported only if certified). Hypothesis then shrinks k: the shrunk counterexample is the smallest k the
verifier proves, k = 6, which is where Safran & Shamir's computer-assisted proof starts.

**"Mild over-parameterisation removes spurious minima"** (Safran, Yehudai & Shamir 2021, COLT,
arXiv:2006.01005, experiments): with k + 1 student neurons for a teacher of k, gradient descent from
Xavier initialisation ends in a spurious minimum far less often than with k. Statistical: for each drawn
k the same number of runs is made with k and with k + 1 neurons; the example agrees when the k + 1 share's
Wilson 95% upper bound lies below the k share, and is undecided otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
    Undecided,
    hunt,
)
from badminima.claims.minima import certify_minima
from badminima.model.rational import from_float

SAFRAN_SHAMIR = "Safran & Shamir 2018, ICML (arXiv:1712.08968)"
SAFRAN_YEHUDAI_SHAMIR = "Safran, Yehudai & Shamir 2021, COLT (arXiv:2006.01005), §4.2 experiments"
MAX_K = 12
"""The largest k drawn (certification takes under a second up to here)."""
OVERPARAM_K = (12, 13)
"""The k drawn for the over-parameterisation claim: there k neurons end in spurious minima often."""


@dataclass(frozen=True)
class GradientRuns:
    """Gradient-descent runs per example, the step cap, and the gradient tolerance of a converged run."""

    runs: int
    max_steps: int
    tol: float


BUDGETS = {
    "ci": GradientRuns(runs=6, max_steps=4_000, tol=1e-7),
    "dev": GradientRuns(runs=24, max_steps=40_000, tol=1e-10),
    "thorough": GradientRuns(runs=100, max_steps=60_000, tol=1e-12),
}


@dataclass
class Tally:
    """Runs seen across the examples of one check (for the evidence lines)."""

    runs: int = 0
    spurious: int = 0
    unconverged: int = 0
    by_k: dict[int, tuple[int, int]] = field(default_factory=dict)
    saddles: set[int] = field(default_factory=set)


def _certify_end(k: int, rows: list[list[float]]) -> CertifiedTrap | None:
    """A numerically found spurious end point, certified as a bad local minimum, or None."""
    from badminima.constructions.safran_shamir import teacher
    from badminima.model.population import PopulationTrap, student_point, sum_of_relus
    from badminima.verify.population import certify_population

    pop = teacher(k)
    exact = [[from_float(v, "binary") for v in r] for r in rows]
    trap = PopulationTrap(sum_of_relus(k, k), pop, student_point(exact), pop.teacher_point)
    cert = certify_population(trap)
    if cert.verdict.value != "bad-local-min":
        return None
    return CertifiedTrap(trap, cert, cert.reason)


def symmetric_point(k: int) -> Any:
    """The population trap at the symmetric critical point for teacher I_k (one special neuron, k − 1
    alike: the family that holds the spurious minima for k ≥ 6), for any k ≥ 3."""
    from badminima.constructions.safran_shamir import compact, teacher
    from badminima.model.population import PopulationTrap, student_point, sum_of_relus

    pop = teacher(k)
    return PopulationTrap(sum_of_relus(k, k), pop, student_point(compact(k).rows()), pop.teacher_point)


def examine_spurious(k: int, *, budget: GradientRuns, tally: Tally) -> Finding:
    """k ≥ 6: certify the stored symmetric minimum; k ≤ 5: certify what the symmetric critical point is
    (a saddle for k = 3, 4, 5; a certified minimum there would be the counterexample) and classify
    gradient-descent end points."""
    from badminima.constructions.safran_shamir import safran_shamir
    from badminima.search.population import run_experiment
    from badminima.verify.population import certify_population

    if k >= 6:
        trap = safran_shamir(k)
        cert = certify_population(trap)
        if cert.verdict.value == "bad-local-min":
            assert cert.gap_lower is not None and cert.loss_lower is not None
            label = (
                f"certified spurious local minimum at k = n = {k}: population loss ≥ "
                f"{float(cert.loss_lower):.6g}, the global minimum W = I has 0 "
                f"(gap ≥ {float(cert.gap_lower):.3g}, interval)"
            )
            return Found(label, CertifiedTrap(trap, cert, cert.reason))
        return Undecided(f"k = {k}: the stored point was not certified ({cert.reason})")
    if k >= 3:
        trap = symmetric_point(k)
        cert = certify_population(trap)
        if cert.verdict.value == "bad-local-min":
            return Found(
                f"certified spurious local minimum at k = {k}", CertifiedTrap(trap, cert, cert.reason)
            )
        if cert.verdict.value == "saddle":
            tally.saddles.add(k)
    ex = run_experiment(k, runs=budget.runs, seed=k, tol=budget.tol, max_steps=budget.max_steps)
    tally.runs += ex.runs
    tally.spurious += ex.spurious_runs
    tally.unconverged += ex.unconverged_runs
    tally.by_k[k] = (ex.spurious_runs, ex.runs)
    found = certify_minima(lambda m: _certify_end(k, m.point.tolist()), ex.minima).settled
    if found is not None:
        return Found(f"certified spurious local minimum found by GD at k = {k}", found)
    if ex.spurious_runs:
        return Undecided(f"k = {k}: {ex.spurious_runs} GD run(s) ended at an uncertified spurious point")
    if ex.unconverged_runs:
        return Undecided(f"k = {k}: {ex.unconverged_runs} of {ex.runs} GD runs did not converge")
    saddle = "; the symmetric critical point is a certified saddle" if k in tally.saddles else ""
    return Agrees(
        f"k ≤ 5: all GD runs ended at the global minimum (numerical, {budget.runs} runs each){saddle}"
    )


def _run_spurious(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    budget = BUDGETS[settings.profile]
    tally = Tally()
    h: Hunt[int] = hunt(
        st.integers(min_value=2, max_value=MAX_K),
        lambda k: examine_spurious(k, budget=budget, tally=tally),
        settings,
        progress=progress,
        max_shrinks=8,
    )
    seen = ", ".join(f"k = {k}: {s}/{n}" for k, (s, n) in sorted(tally.by_k.items())) or "none drawn"
    evidence = [
        "k ≥ 6: the stored symmetric minimum (one special neuron, k − 1 alike) certified in ball arithmetic "
        "by the box method (`badminima verify` re-derives it from the trap file)",
        f"k ≤ 5, numerical: gradient descent from Xavier starts, step min(5/k, 1), to ‖∇F‖ ≤ "
        f"{budget.tol:g}; runs "
        f"ending in a spurious minimum: {seen}; unconverged runs: {tally.unconverged}",
        "k = 3…5, certified: the symmetric critical point (k ≥ 6's spurious minimum) is a saddle, verdict "
        "`saddle` (Krawczyk test, negative curvature over the box, a lower witness) at k = "
        + (", ".join(map(str, sorted(tally.saddles))) or "none drawn"),
    ]
    return h.outcome(claim, evidence=evidence)


def examine_overparameterisation(k: int, *, budget: GradientRuns, tally: Tally) -> Finding:
    """Runs with k and with k + 1 student neurons from Xavier starts; agrees when the k + 1 share's Wilson
    upper bound is below the k share."""
    from badminima.search.population import run_experiment

    exact = run_experiment(k, runs=budget.runs, seed=k, tol=budget.tol, max_steps=budget.max_steps)
    wider = run_experiment(
        k, runs=budget.runs, seed=k, student=k + 1, tol=budget.tol, max_steps=budget.max_steps
    )
    tally.runs += 2 * budget.runs
    tally.unconverged += exact.unconverged_runs + wider.unconverged_runs
    tally.by_k[k] = (exact.spurious_runs, wider.spurious_runs)
    text = (
        f"k = {k}: spurious {exact.spurious_runs}/{exact.runs} with k neurons, "
        f"{wider.spurious_runs}/{wider.runs} with k + 1"
    )
    if wider.interval[1] < exact.share:
        return Agrees("k + 1 neurons end in spurious minima significantly less often")
    return Undecided(text + " (not separated at 95%)")


def _run_overparameterisation(
    claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None
) -> Outcome:
    budget = BUDGETS[settings.profile]
    tally = Tally()
    h: Hunt[int] = hunt(
        st.integers(min_value=OVERPARAM_K[0], max_value=OVERPARAM_K[1]),
        lambda k: examine_overparameterisation(k, budget=budget, tally=tally),
        settings,
        progress=progress,
    )
    seen = "; ".join(
        f"k = {k}: {a}/{budget.runs} (k neurons) vs {b}/{budget.runs} (k + 1)"
        for k, (a, b) in sorted(tally.by_k.items())
    )
    evidence = [
        f"statistical evidence: per example {budget.runs} Xavier starts for each student width, GD step 5/k "
        f"to ‖∇F‖ ≤ {budget.tol:g} or F ≤ 1e-9 (at most {budget.max_steps} steps)",
        f"runs ending in a spurious minimum: {seen or 'none drawn'}; unconverged runs: {tally.unconverged}",
        "an example agrees when the k + 1 share's Wilson 95% upper bound is below the k share",
    ]
    return h.outcome(claim, evidence=evidence)


CLAIMS = (
    Claim(
        name="gaussian-orthonormal-no-spurious-minima",
        title="k ReLUs fitting k orthonormal ReLUs on Gaussian inputs: every local minimum is global",
        source=f"the hope refuted by {SAFRAN_SHAMIR}",
        statement=(
            "For x ~ N(0, I_k), the population loss ½E[(Σ_i relu(w_i·x) − Σ_i relu(v_i·x))²] of k student "
            "ReLUs fitting k orthonormal teacher ReLUs (V = I) has no spurious local minimum"
        ),
        hypotheses=(
            f"k = n between 2 and {MAX_K}, teacher V = I, output weights fixed at 1, no biases",
            "k ≥ 6: decided by a certificate; k ≤ 5: numerical (gradient descent end points)",
        ),
        quantifier="all",
        kind="certified",
        expected="counterexample",
        examples={"ci": 3, "dev": 6, "thorough": 20},
        run=_run_spurious,
    ),
    Claim(
        name="mild-overparameterization-removes-spurious-minima",
        title="k + 1 student ReLUs for k orthonormal teacher ReLUs: GD rarely ends in a spurious minimum",
        source=SAFRAN_YEHUDAI_SHAMIR,
        statement=(
            "With one more student neuron than teacher neurons (Gaussian inputs, orthonormal teacher), "
            "gradient descent from Xavier initialisation ends in a spurious local minimum far less often "
            "than with exactly k neurons"
        ),
        hypotheses=(
            f"k = n between {OVERPARAM_K[0]} and {OVERPARAM_K[1]} (where k neurons end in spurious minima "
            "often), teacher V = I",
            "the same number of Xavier starts for k and k + 1 neurons, step 5/k",
        ),
        quantifier="all",
        kind="statistical",
        expected="held",
        examples={"ci": 1, "dev": 3, "thorough": 10},
        run=_run_overparameterisation,
    ),
)
