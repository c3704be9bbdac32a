"""Unit splitting, one example: certify a strict minimum of the small network, split it, and decide every
split point against the sign rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from badminima.claims.checking import (
    Agrees,
    CertifiedTrap,
    Finding,
    Found,
    Skip,
    Undecided,
)
from badminima.claims.minima import Candidate, MinimaSearch, certify_minima, find_minima
from badminima.claims.unit_splitting.maths import (
    definiteness,
    fukumizu_amari_sign,
    quadratic_form,
    split_curvature_matrix,
    split_direction,
    split_point,
)
from badminima.claims.unit_splitting.strategies import SplitCase
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.trap import Trap

if TYPE_CHECKING:
    from badminima.verify.certificate import Certificate

SADDLES = "unit-splitting-saddles"
"""The certified claim: the split line is critical, and the points the sign rule calls saddles are."""

MINIMA = "unit-splitting-minima"
"""The numerical claim: the points the sign rule calls local minima look like minima (no proof)."""

Side = Literal["saddles", "minima"]
"""Which of the two claims an examination serves (they share all the code)."""

PAPER = "Fukumizu & Amari 2000, Neural Networks 13(3) (Local minima and plateaus in hierarchical structures)"
SOURCE = f"badminima claims check {SADDLES} / {MINIMA} ({PAPER})"


STARTS = 32
"""Multistart initialisations for the small network (Adam, seed 0)."""

TRAIN_STEPS = 300
"""Adam steps before the Newton polish: enough to settle into a basin on these tiny problems."""

TRIES = 2
"""Numerically strict minima of the small network handed to `certify`, lowest loss first."""

PRECISION = 128
"""Ball precision (bits) of the enclosures of A, of the gradient and of the Hessian's quadratic forms."""

SINGULAR = 1e-6
"""A is skipped as (nearly) singular when its smallest |eigenvalue| is below this times max(1e-3, top)."""

ZERO_EIGENVALUE = 1e-8
"""Float Hessian eigenvalues below this times max(1, |top|) count as zero in the numerical evidence."""

TINY_GRADIENT = 1e-12
"""Consistency check: the proved bound on ‖∇L_big(S_λc)‖ must be below this (c is polished to ~2^-64)."""


@dataclass
class SplitRecord:
    """What the hunt saw, for the evidence lines."""

    saddles: int = 0
    minima: int = 0
    directions: int = 0
    identity_worst: float = 0.0
    inertia_matches: int = 0
    inertia_checked: int = 0
    gradient_worst: float = 0.0
    classes: dict[str, int] = field(default_factory=dict)

    def saw(self, cls: str) -> None:
        self.classes[cls] = self.classes.get(cls, 0) + 1


def small_minimum(
    network: Network, dataset: Dataset, *, starts: int = STARTS, start: Point | None = None
) -> tuple[Trap, Certificate] | Skip:
    """A certified strict local minimum of the small network, or a `Skip` saying why none was found:
    multistart, `landscape` and `certify` on its numerically strict minima (lowest loss first), or,
    with ``start``, Newton-polish that point and certify the result."""
    import torch

    from badminima.search.float_polish import polish
    from badminima.search.starts import Stopping
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    if start is None:
        search = MinimaSearch(starts, stopping=Stopping(max_steps=TRAIN_STEPS))
        minima = [c for c in find_minima(network, dataset, search=search).minima if _is_strict(c)]
    else:
        x0 = torch.tensor([[float(v)] for v in start.flatten()], dtype=torch.float64)
        theta, losses, _, min_eig, _ = polish(network, dataset, x0)
        ok = bool(min_eig[0] > 0)
        minima = [Candidate(network, theta[:, 0].numpy(), float(losses[0]))] if ok else []
    if not minima:
        return Skip("no finite, numerically strict minimum of the small network was found")

    def judge(candidate: Candidate) -> tuple[Trap, Certificate] | None:
        trap = Trap(
            network,
            dataset,
            candidate.point,
            name="unit-splitting-small-minimum",
            description=f"a strict local minimum of the small network (float loss {candidate.loss:.6g})",
            source=SOURCE,
        )
        cert = certify(trap, probes=0)
        if (
            cert.verdict is Verdict.LOCAL_MIN
            and cert.box_center is not None
            and cert.proof_radius is not None
            and cert.min_eigenvalue_bound is not None
        ):
            return trap, cert
        return None

    proved = certify_minima(judge, minima, tries=TRIES).settled
    if proved is None:
        return Skip("certify did not prove a strict local minimum of the small network")
    return proved


def _is_strict(candidate: Candidate) -> bool:
    return candidate.critical is not None and candidate.critical.is_strict_minimum


@dataclass(frozen=True)
class _Small:
    """The certified small minimum and the proved facts about A over its box."""

    trap: Trap
    cert: Certificate
    center: Point
    radius: Fraction
    cls: str
    directions: tuple[tuple[Fraction, ...], ...]
    signs: tuple[int, ...]
    uAu: tuple[Any, ...]
    A_mid: Any


def _analyse_small(case: SplitCase, trap: Trap, cert: Certificate) -> _Small | Skip:
    """Enclose A over the small network's certified box, decide its definiteness and the sign of uᵀAu
    along its rationalised float eigenvectors u."""
    import flint
    import numpy as np

    from badminima.verify.descent import rational_direction
    from badminima.verify.parameter_box import ParameterBox

    assert cert.box_center is not None and cert.proof_radius is not None
    center, radius = cert.box_center, cert.proof_radius
    box = ParameterBox(case.network, case.dataset, center, PRECISION)
    ball = box.ball
    with ball.context():
        A = split_curvature_matrix(
            case.network, box.prob.inputs, box.prob.targets, box.flat(radius), case.unit, arith=ball
        )
        A_mid = np.array([[float(x.mid()) for x in row] for row in A])
        eig, Q = np.linalg.eigh(A_mid)
        top = float(np.max(np.abs(eig)))
        if float(np.min(np.abs(eig))) <= SINGULAR * max(1e-3, top):
            return Skip("A is (nearly) singular")
        directions = tuple(rational_direction(Q[:, k]) for k in range(len(eig)))
        M = flint.arb_mat(A)
        uAu = tuple(quadratic_form(ball, M, u) for u in directions)
        signs = tuple(s for s in (ball.sign(q) for q in uAu) if s is not None and s != 0)
        cls = definiteness(A)
        if cls is None and 1 in signs and -1 in signs:
            cls = "indefinite"
    if cls is None or len(signs) != len(uAu):
        return Skip("the definiteness of A is not decided over the certified box")
    return _Small(trap, cert, center, radius, cls, directions, signs, uAu, A_mid)


def _saddle_proof(small: _Small, lam: Fraction, direction: str, radius: Fraction, curv: Any) -> str:
    """The text of a saddle proof (what `CertifiedTrap.proof` says)."""
    return (
        f"`certify` proves a strict local minimiser x* of the {small.trap.network.describe()} network "
        f"in the ∞-norm box of radius {float(small.radius):.3g} around its box_center c (Hessian ≥ "
        f"{float(small.cert.min_eigenvalue_bound or 0):.3g}·I there). The split map S_λ (λ = {lam}, "
        f"unit copied, output weights λ·v_j and (1−λ)·v_j) is linear, so S_λx* lies in the ∞-norm box "
        f"of radius {float(radius):.3g} around this trap's point S_λc; ∇L_big(S_λθ) = T_λ∇L_small(θ) "
        f"exactly, so S_λx* is critical. Over that whole box vᵀ∇²L v ∈ {curv.str(5, radius=True)} < 0 "
        f"(float64 enclosure with rounding bounded, quadratic form in balls) for {direction}: a critical "
        f"point with a direction of negative curvature, not a local minimum"
    )


def _join(values: Sequence[Fraction]) -> str:
    return ", ".join(str(x) for x in values)


def _split_text(u: Sequence[Fraction]) -> str:
    return f"the split direction v (δw_a = (1−λ)u, δw_b = −λu) of u = ({_join(u)})"


def _lambda_finding(
    case: SplitCase,
    small: _Small,
    lam: Fraction,
    rule: Callable[[Fraction, int], int],
    record: SplitRecord | None,
    side: Side = "saddles",
) -> Agrees | Found | Undecided | None:
    """Decide one split ratio λ against ``rule`` (the predicted sign of the curvature along each split
    direction). A certified contradiction is `Found` on either ``side``. Otherwise, with ``side`` =
    "saddles", a predicted saddle must be proved (`Agrees` "saddle proved", else `Undecided`); with
    "minima", a predicted minimum must look like one numerically (`Agrees` "minimum (numerical)", else
    `Undecided`). None: λ's prediction is the other side's business and no contradiction was proved."""
    import flint
    import numpy as np

    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify
    from badminima.verify.descent import rational_direction
    from badminima.verify.numerics import float_derivatives
    from badminima.verify.parameter_box import ParameterBox

    big, center = split_point(case.network, small.center, case.unit, lam)
    radius = max(Fraction(1), abs(lam), abs(1 - lam)) * small.radius
    box = ParameterBox(big, case.dataset, center, PRECISION)
    grad = box.gradient_bound()
    if record is not None:
        record.gradient_worst = max(record.gradient_worst, float(grad))
    if grad > TINY_GRADIENT:
        return Undecided(f"λ = {lam}: the split centre's gradient norm ≤ {float(grad):.3g} is not tiny")
    H_enc = box.hessian(radius)
    if not H_enc.is_finite():
        return Undecided(f"λ = {lam}: the Hessian enclosure overflowed")
    ball = box.ball

    def trap(what: str) -> Trap:
        return Trap(
            big, case.dataset, center, name="unit-splitting-split-point", description=what, source=SOURCE
        )

    derivatives = float_derivatives(big, case.dataset, center)
    hess = derivatives[2]
    predicted = [rule(lam, s) for s in small.signs]
    saddle_proved: CertifiedTrap | None = None
    with ball.context():
        H = flint.arb_mat(H_enc.balls().tolist())
        for u, s, uAu, want in zip(small.directions, small.signs, small.uAu, predicted, strict=True):
            v = split_direction(case.network, case.unit, lam, u)
            curv = quadratic_form(ball, H, v)
            formula = ball.constant(lam * (1 - lam)) * uAu
            if record is not None:
                record.directions += 1
                vf = np.array([float(x) for x in v])
                lhs, rhs = float(vf @ hess @ vf), float(formula.mid())
                record.identity_worst = max(record.identity_worst, abs(lhs - rhs) / max(abs(rhs), 1e-300))
            got = ball.sign(curv)
            if not curv.overlaps(formula):
                return Found(
                    "the curvature identity vᵀ∇²L v = λ(1−λ)uᵀAu fails",
                    CertifiedTrap(
                        trap("split point where the curvature identity fails"),
                        None,
                        f"over a box containing S_λx* (λ = {lam}), vᵀ∇²L v ∈ {curv.str(5, radius=True)}, "
                        f"but over a box containing x*, λ(1−λ)uᵀAu ∈ {formula.str(5, radius=True)}: disjoint",
                    ),
                )
            if got == -want and got == -1:
                proof = _saddle_proof(small, lam, _split_text(u), radius, curv)
                return Found(
                    f"A {small.cls}, λ = {lam}: negative curvature proved where the rule predicts positive",
                    CertifiedTrap(
                        trap("a proved saddle where positive split curvature is predicted"), None, proof
                    ),
                )
            if got == -want and got == 1:
                return Found(
                    f"A {small.cls}, λ = {lam}: positive curvature proved where the rule predicts negative",
                    CertifiedTrap(
                        trap("split point whose split curvature has the opposite sign to the prediction"),
                        None,
                        f"S_λx* (λ = {lam}) lies in the ∞-norm box of radius {float(radius):.3g} around this "
                        f"point and over that box vᵀ∇²L v ∈ {curv.str(5, radius=True)} > 0 for the split "
                        f"direction v of u = ({_join(u)}), while uᵀAu has proved sign "
                        f"{s:+d} and the rule predicts a negative curvature",
                    ),
                )
            if want < 0 and got == -1 and saddle_proved is None:
                saddle_proved = CertifiedTrap(
                    trap(f"a split of a strict minimum (λ = {lam}, A {small.cls}): a proved saddle"),
                    None,
                    _saddle_proof(small, lam, _split_text(u), radius, curv),
                )
    eig, vecs = np.linalg.eigh(hess)
    top = max(1.0, float(np.max(np.abs(eig))))
    if record is not None and rule is fukumizu_amari_sign:
        record.inertia_checked += 1
        expected = sum(1 for w in np.linalg.eigvalsh(float(lam * (1 - lam)) * small.A_mid) if w < 0)
        record.inertia_matches += int(int(np.sum(eig < -ZERO_EIGENVALUE * top)) == expected)
    if min(predicted) < 0:
        if side == "minima":
            return None
        if saddle_proved is None:
            return Undecided(f"A {small.cls}, λ = {lam}: negative split curvature not proved")
        if record is not None:
            record.saddles += 1
        return Agrees("saddle proved", saddle_proved)
    # The minima side: a second-order proof is impossible (the line's tangent is in the kernel).
    zero = int(np.sum(np.abs(eig) <= ZERO_EIGENVALUE * top))
    if float(eig[0]) < -ZERO_EIGENVALUE * top:
        w = rational_direction(vecs[:, 0])
        with ball.context():
            curv = quadratic_form(ball, flint.arb_mat(H_enc.balls().tolist()), w)
        if curv < 0:
            return Found(
                f"A {small.cls}, λ = {lam}: a proved saddle where a local minimum is predicted",
                CertifiedTrap(
                    trap("a proved saddle where a local minimum is predicted"),
                    None,
                    _saddle_proof(small, lam, f"v = ({_join(w)})", radius, curv),
                ),
            )
        if side == "saddles":
            return None
        return Undecided(f"A {small.cls}, λ = {lam}: a negative float eigenvalue {eig[0]:.3g}, not proved")
    if side == "saddles":
        return None
    # A proof through the exact invariance: reduce to the narrower network, prove its minimum, lift
    # (verify.lift: the Hessian restricted to the complement of the line is proved positive over a tube).
    split = trap(f"a split of a strict minimum (λ = {lam}, A {small.cls}): a proved local minimum")
    cert = certify(split, probes=0)
    if cert.verdict is Verdict.SADDLE:
        return Found(
            f"A {small.cls}, λ = {lam}: a proved saddle where a local minimum is predicted",
            CertifiedTrap(split, cert, cert.reason),
        )
    if not cert.verdict.is_minimum:
        return Undecided(
            f"A {small.cls}, λ = {lam}: the lifted minimum was not proved ({cert.code}: {cert.reason}); "
            f"{zero} near-zero float eigenvalue(s)"
        )
    if record is not None:
        record.minima += 1
    return Agrees("minimum proved", CertifiedTrap(split, cert, cert.reason))


def examine_split(
    case: SplitCase,
    *,
    rule: Callable[[Fraction, int], int] = fukumizu_amari_sign,
    starts: int = STARTS,
    record: SplitRecord | None = None,
    minimum: tuple[Trap, Certificate] | None = None,
    side: Side = "saddles",
) -> Finding:
    """Certify a strict minimum of the small network, split it at every λ of ``case`` and decide each
    split point against ``rule`` (default: Fukumizu–Amari's sign of λ(1−λ)uᵀAu). ``minimum`` reuses a
    certified minimum of the small network (the tests' hand-built examples). ``side`` says which
    claim is checked: "saddles" (`SADDLES`, certified) or "minima" (`MINIMA`, numerical).

    Returns `Found` for a certified contradiction (on either side), `Undecided` when some λ of this
    side could not be decided, `Skip` when no λ of ``case`` is predicted on this side (e.g. A indefinite
    for the minima), else `Agrees` labelled by A's definiteness and what was seen.
    """
    found = minimum or small_minimum(case.network, case.dataset, starts=starts, start=case.start)
    if isinstance(found, Skip):
        return found
    small = _analyse_small(case, *found)
    if isinstance(small, Skip):
        return small
    kinds: set[str] = set()
    witness: CertifiedTrap | None = None
    for lam in case.lambdas:
        finding = _lambda_finding(case, small, lam, rule, record, side)
        if isinstance(finding, (Found, Undecided)):
            return finding
        if finding is None:
            continue
        kinds.add(finding.label)
        witness = witness or finding.witness
    if not kinds:
        what = {"saddles": "a saddle", "minima": "a local minimum"}[side]
        return Skip(f"A {small.cls}: no split ratio of the example is predicted {what}")
    if record is not None:
        record.saw(small.cls)
    return Agrees(f"A {small.cls}: {', '.join(sorted(kinds))}", witness)
