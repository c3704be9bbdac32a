"""Deep linear networks, the claims: examining one example, and running ``linear-minima-are-global`` and
``linear-subspace-saddles`` (`CLAIMS`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from badminima.arithmetic.flint_bridge import fmpq_matrix
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
from badminima.claims.linear_networks.maths import (
    EIGEN_PRECISION,
    SubspaceCase,
    bottleneck,
    linear_hypotheses,
    matrix_diagonal,
    matrix_trace,
    moments,
    rationalise,
    reduced_rank_optimum,
    reduced_rank_point,
    subspace_hypotheses,
    subspace_point,
    top_subset,
)
from badminima.claims.linear_networks.strategies import LinearProblem, linear_problems, subspace_cases
from badminima.claims.minima import Candidate, Certified, MinimaSearch, certify_minima, find_minima
from badminima.model.trap import Trap

if TYPE_CHECKING:
    from badminima.verify.certificate import Certificate

SOURCE_BH = "Baldi & Hornik 1989, Neural Networks 2(1):53-58"
SOURCE_K = "Kawaguchi 2016, NeurIPS (Deep learning without poor local minima), Theorem 2.3"


RELATIVE_TOLERANCE = 1e-7
"""A numerical minimum is 'at the optimum' when its float loss is within this (relative to the loss
scale tr S_yy/N, the loss of the zero map), and within a quarter of the gap to the next critical
value, of L*."""


# ---------------------------------------------------------------------------------------------------
# Claim 1: every local minimum is global (numerical evidence, suspicious points certified)


@dataclass
class MinimaRecord:
    """What `examine_linear_minima` saw, summed over examples (for the evidence lines): starts run,
    index-0 and higher-index clusters, runs that did not end critical, examples whose index-0 point
    above L* went to `certify`, and the largest |loss − L*|/(tr S_yy/N) of the index-0 points at L*."""

    starts: int = 0
    minima: int = 0
    saddles: int = 0
    unsettled: int = 0
    certified: int = 0
    worst: float = 0.0


def judge_minimum(trap: Trap) -> Finding:
    """What a certificate of a suspicious minimum means for "every local minimum is global":
    BAD_LOCAL_MIN (a proved local minimum with a proved better point) refutes it; SADDLE agrees (the
    end point was a slow saddle); NOT_CRITICAL (about the rationalised point only), LOCAL_MIN without a
    proved better point and INCONCLUSIVE decide nothing."""
    from badminima.verify.certification import certify

    cert = certify(trap)
    v = cert.verdict.value
    if v == "bad-local-min":
        return Found("certified bad local minimum", CertifiedTrap(trap, cert, cert.reason))
    if v == "saddle":
        return Agrees("suspicious end point certified saddle", CertifiedTrap(trap, cert, cert.reason))
    if v == "not-critical":
        # Proved about the rationalised point only, which is almost never exactly critical: it says
        # nothing about the minimum the float end point approximates.
        return Undecided("suspicious end point: its rationalisation is not critical, which decides nothing")
    if v == "local-min":
        return Undecided(f"certified local minimum, not proved worse than the better point: {cert.reason}")
    return Undecided(f"suspicious end point not decided: {cert.reason}")


def examine_linear_minima(
    problem: LinearProblem,
    *,
    starts: int = 16,
    seed: int = 0,
    initial: Sequence[Sequence[float]] | None = None,
    record: MinimaRecord | None = None,
) -> Finding:
    """Check "every local minimum is global" on one problem: hypotheses exactly, L* rigorously, then
    ``starts`` Adam runs (from random points drawn with ``seed``, or from the rows of ``initial``),
    polished and clustered; every index-0 end point must be at L*, and one that is not is certified.

    Example:
        >>> from badminima.model import Dataset, Network
        >>> net = Network((2, 1, 2), "identity", bias=False)
        >>> data = Dataset.of([[1, 0], [0, 1], [1, 1]], [[3, 0], [0, 1], [2, 2]])
        >>> examine_linear_minima(LinearProblem(net, data)).label  # doctest: +SKIP
        'every minimum reached L*'
    """
    net, data = problem.network, problem.dataset
    reason = linear_hypotheses(net, data)
    if reason is not None:
        return Skip(reason)
    from badminima.arithmetic.exact import ExactArithmetic
    from badminima.landscape.losses import loss
    from badminima.search.starts import Optimizer, Stopping
    from badminima.verify.parameter_box import ball_bounds

    ref = reduced_rank_optimum(net, data)
    star, gap = float(ref.optimum.mid()), float(ref.gap.lower())
    # The loss of the zero map: the scale of every loss on these data (positive: S_xy ≠ 0).
    scale = float(ref.trace) / ref.n
    better = reduced_rank_point(net, data)
    better_loss = loss(net, data, better, arith=ExactArithmetic())
    lo, hi = ball_bounds(ref.optimum)
    slack = Fraction(1, 10**20) * max(Fraction(1), hi)
    if not lo - slack <= better_loss <= hi + slack:
        # Eckart–Young says the rounded reduced-rank point sits within ~10^-50 of L*: either is wrong.
        return Undecided(f"the reduced-rank point's loss {float(better_loss)!r} is not L* = {ref.optimum}")
    tol = min(RELATIVE_TOLERANCE * scale, gap / 4)
    if tol < 1e-10 * scale:
        return Undecided(f"the gap to the next critical value ({gap:.3g}) is below float64 resolution")
    search = MinimaSearch(
        starts, optimizer=Optimizer("adam", 0.05), stopping=Stopping(max_steps=1000), seed=seed
    )
    found = find_minima(net, data, search=search, initial=initial)
    seen = found.landscape
    minima = [p for p in seen.points if p.index == 0]
    if record is not None:
        record.starts += found.ends.k
        record.minima += len(minima)
        record.saddles += sum(1 for p in seen.points if p.index > 0)
        record.unsettled += seen.escaped + seen.diverged + seen.unconverged
    if not minima:
        return Undecided("no start ended at a minimum")
    low = [p for p in minima if p.loss < star - tol]
    if low:
        return Undecided(f"an end point has loss {low[0].loss!r} below L* = {star!r}: L* is wrong")
    high = [p for p in minima if p.loss > star + tol]
    if record is not None:
        at = [abs(p.loss - star) / scale for p in minima if p not in high]
        record.worst = max(record.worst, *at) if at else record.worst
    if not high:
        return Agrees("every minimum reached L*")
    if record is not None:
        record.certified += 1

    def judge(suspect: Candidate) -> Finding:
        trap = Trap(
            net,
            data,
            rationalise(net, suspect.theta.tolist()),
            better,
            name="linear-minimum-above-optimum",
            description=f"index-0 end point with loss {suspect.loss!r} > L* = {star!r}",
            source=f"badminima claims check linear-minima-are-global ({SOURCE_K})",
        )
        return judge_minimum(trap)

    suspects = [found.candidate(p) for p in high]
    out: Certified[Finding] = certify_minima(judge, suspects, stop=lambda f: isinstance(f, Found))
    if out.settled is not None:
        return out.settled
    # Every suspect agreed (saddle or not critical), or the first one that could not be decided.
    return next((f for f in out.results if isinstance(f, Undecided)), out.results[0])


def _run_minima(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    import torch

    starts = {"ci": 16, "dev": 32, "thorough": 64}[settings.profile]
    record = MinimaRecord()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        h: Hunt[LinearProblem] = hunt(
            linear_problems(max_hidden_layers=3 if settings.profile == "thorough" else 2),
            lambda p: examine_linear_minima(p, starts=starts, record=record),
            settings,
            progress=progress,
        )
    finally:
        torch.set_num_threads(threads)
    evidence = [
        "numerical evidence, not a proof: Adam from random starts, end points Newton-polished, clustered "
        "modulo symmetry and classified by Hessian index; index-0 end points clearly above L* are "
        "rationalised and certified",
        f"hypotheses checked exactly over Q; L* = (tr S_yy - top r eigenvalues of Σ)/N from Σ's "
        f"characteristic polynomial by arb root isolation ({EIGEN_PRECISION} bits), confirmed by the "
        f"exact loss of a rational reduced-rank point",
        f"{record.starts} starts: {record.minima} index-0 cluster(s) (distinct modulo sign and scale "
        f"symmetries; the GL(p) symmetry of linear units is not modelled, so one minimum shows as many), "
        f"those at L* within {record.worst:.2g} of it relative to tr S_yy/N; {record.saddles} cluster(s) "
        f"of index > 0; "
        f"{record.unsettled} run(s) escaped, diverged or did not settle",
        f"{record.certified} example(s) had an index-0 end point above L*, handed to certify",
    ]
    return h.outcome(claim, evidence=evidence)


# ---------------------------------------------------------------------------------------------------
# Claim 2: the non-top eigenvector subspaces are saddles (certified)


def judge_saddle(trap: Trap) -> Finding:
    """What a certificate of a claimed saddle means: SADDLE agrees; LOCAL_MIN or BAD_LOCAL_MIN (a
    proved local minimum) refutes; anything else decides nothing."""
    from badminima.verify.certification import certify

    cert: Certificate = certify(trap)
    v = cert.verdict.value
    witness = CertifiedTrap(trap, cert, cert.reason)
    if v == "saddle":
        return Agrees(f"certified saddle, depth {trap.network.depth}", witness)
    if v in ("local-min", "bad-local-min"):
        return Found(f"certified {v} at a claimed saddle", witness)
    return Undecided(f"certify: {v}: {cert.reason}")


def examine_subspace(case: SubspaceCase) -> Finding:
    """Check "non-top subspace critical points are saddles" on one case, exactly: the hypotheses; the
    point's gradient is zero; its loss and the top point's are ``(tr S_yy − Σ_{i∈I} λ_i)/N``, and when
    p is the narrowest width the top one's lies in the enclosure of L* from Σ's characteristic
    polynomial (`reduced_rank_optimum`); then `certify` with the top point as the better point."""
    reason = subspace_hypotheses(case)
    if reason is not None:
        return Skip(reason)
    from badminima.arithmetic.exact import ExactArithmetic
    from badminima.landscape.derivatives import gradient
    from badminima.landscape.losses import loss

    net, data = case.network, case.dataset
    exact = ExactArithmetic()
    mo = moments(data, centred=net.bias)
    U = fmpq_matrix(case.eigenvectors)
    lam = matrix_diagonal(U.transpose() * mo.sigma * U)
    top = top_subset(case)
    point = subspace_point(case)
    best = subspace_point(SubspaceCase(net, data, case.eigenvectors, top))
    trace = matrix_trace(mo.syy)
    for name, pt, subset in (("point", point, case.subset), ("top point", best, top)):
        if any(v != 0 for v in gradient(net, data, pt, arith=exact)):
            return Undecided(f"the {name} is not critical: a bug in the construction")
        expected = (trace - sum((lam[i] for i in subset), Fraction(0))) / mo.n
        if loss(net, data, pt, arith=exact) != expected:
            return Undecided(f"the {name}'s loss is not (tr S_yy − Σ_I λ_i)/N: a bug in the construction")
    if len(top) == bottleneck(net):
        from badminima.verify.parameter_box import ball_bounds

        lo, hi = ball_bounds(reduced_rank_optimum(net, data).optimum)
        optimum = (trace - sum((lam[i] for i in top), Fraction(0))) / mo.n
        if not lo <= optimum <= hi:
            return Undecided("the top point's loss is not the reduced-rank optimum L*: a bug")
    paper = SOURCE_BH if net.depth == 2 else SOURCE_K
    trap = Trap(
        net,
        data,
        point,
        best,
        name="linear-subspace-point",
        description=f"Baldi–Hornik critical point of eigenvector subset {list(case.subset)}; top {list(top)}",
        source=f"badminima claims check linear-subspace-saddles ({paper})",
    )
    return judge_saddle(trap)


def _run_saddles(claim: Claim, settings: Settings, progress: Callable[[int, int], None] | None) -> Outcome:
    size = 4 if settings.profile == "thorough" else 3
    strategy = subspace_cases(max_depth=size, max_outputs=size, max_inputs=size)
    h = hunt(strategy, examine_subspace, settings, progress=progress)
    evidence = [
        "datasets built so that Σ = U diag(λ) Uᵀ exactly (U a Cayley-transform rational orthogonal matrix, "
        "λ = c·σ², σ distinct), checked exactly from the data; critical points W_1 = C_1 U_Iᵀ B, "
        "W_l = C_l C_(l-1)⁻¹, W_L = U_I C_(L-1)⁻¹",
        "per case: gradient zero in exact arithmetic at the subset point and the top point, both losses "
        "equal to (tr S_yy - Σ_I λ_i)/N exactly, the top one inside the arb enclosure of the reduced-rank "
        "optimum L* from Σ's characteristic polynomial, then certify (exact descent germ) on the subset "
        "point; depth 3 (4 under thorough) is Kawaguchi's deep case",
    ]
    return h.outcome(claim, evidence=evidence)


CLAIMS = (
    Claim(
        name="linear-minima-are-global",
        title="Deep linear networks: every local minimum is a global minimum",
        source=f"{SOURCE_BH} (one hidden layer); {SOURCE_K} (any depth)",
        statement=(
            "For a deep linear network (identity units and output) with squared loss, under the data "
            "hypotheses below, every local minimum is a global minimum; the global minimum loss is the "
            "reduced-rank regression optimum (tr S_yy - λ_1 - ... - λ_r)/N, r the narrowest width."
        ),
        hypotheses=(
            "identity hidden units and output, mse, at least one hidden layer; biases allowed (the "
            "moments are then centred: the last bias absorbs the offset)",
            "S_xx = XᵀX is invertible",
            "d_y ≤ d_x and S_xy = XᵀY has full rank d_y",
            "Σ = S_yx S_xx⁻¹ S_xy has d_y distinct eigenvalues",
        ),
        quantifier="all",
        kind="numerical",
        expected="held",
        examples={"ci": 4, "dev": 12, "thorough": 60},
        run=_run_minima,
    ),
    Claim(
        name="linear-subspace-saddles",
        title="Linear networks: critical points on non-top eigenvector subspaces are saddles",
        source=f"{SOURCE_BH} (one hidden layer); {SOURCE_K} (depth ≥ 3)",
        statement=(
            "For a linear network with a hidden layer of width p < d_y and squared loss, the critical "
            "point W_2 = U_I C, W_1 = C⁻¹ U_Iᵀ S_yx S_xx⁻¹ built from a set I of p eigenvectors of Σ is a "
            "saddle unless I is the top-p set, which is the global minimum (also for deeper networks)."
        ),
        hypotheses=(
            "identity hidden units and output, mse; biases allowed (centred moments)",
            "S_xx invertible, d_y ≤ d_x, S_xy of full rank, Σ with d_y distinct eigenvalues",
            "U orthonormal with UᵀΣU diagonal (checked exactly)",
            "1 ≤ p < d_y, p ≤ every hidden width, I ≠ the top-p set, C_l invertible",
        ),
        quantifier="all",
        kind="certified",
        expected="held",
        examples={"ci": 8, "dev": 30, "thorough": 200},
        run=_run_saddles,
    ),
)
