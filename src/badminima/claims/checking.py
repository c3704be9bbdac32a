"""A claim about loss landscapes as an executable property, and the hunt that checks it.

A `Claim` names its source, states its hypotheses and its property, and says whether it is universal
("every local minimum is global": one certified counterexample refutes it) or existential ("square loss
can have spurious minima": one certified witness proves it). `Claim.check` lets hypothesis draw
examples, calls the claim's ``examine`` on each, and when an example is *found* (a counterexample of a
universal claim, a witness of an existential one) lets hypothesis shrink it to a simpler one that is
still found — re-certified at every shrink step, so what comes back is proved, not just small.

Outcomes: ``held`` (every example agreed, or a witness was certified), ``counterexample`` (a certified
counterexample, with its trap), ``inconclusive`` (some example could not be decided, or none met the
hypotheses, or no witness turned up). Numerical and statistical claims say so in ``kind``: for them
``held`` means "the evidence agrees", never "proved".
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from badminima.errors import ClaimError
from badminima.model.population import PopulationTrap
from badminima.model.trap import Trap

if TYPE_CHECKING:
    from badminima.verify.certificate import Certificate

Status = Literal["held", "counterexample", "inconclusive"]
Quantifier = Literal["all", "exists"]
Kind = Literal["certified", "numerical", "statistical"]
PROFILES = ("ci", "dev", "thorough")
STATUSES: tuple[Status, ...] = ("held", "counterexample", "inconclusive")

T = TypeVar("T")


@dataclass(frozen=True)
class CertifiedTrap:
    """A trap and what was proved about it: ``certificate`` from `certify` when the proof is one of
    its verdicts, else None with the exact argument in ``proof`` (e.g. two exact losses that differ)."""

    trap: Trap | PopulationTrap
    certificate: Certificate | None
    proof: str


@dataclass(frozen=True)
class Agrees:
    """The example satisfies the property; ``label`` is what was seen (counted in the tally)."""

    label: str
    witness: CertifiedTrap | None = None


@dataclass(frozen=True)
class Skip:
    """The example does not meet the claim's hypotheses (hypothesis draws another)."""

    reason: str


@dataclass(frozen=True)
class Undecided:
    """Neither agreement nor a certified counterexample could be established on this example."""

    label: str


@dataclass(frozen=True)
class Found:
    """A certified counterexample (universal claim) or witness (existential claim)."""

    label: str
    trap: CertifiedTrap


Finding = Agrees | Skip | Undecided | Found


@dataclass(frozen=True)
class Settings:
    """How hard to look: ``examples`` valid examples at most, hypothesis ``profile`` (``ci`` is
    derandomised), ``seed`` for the other profiles (None: hypothesis picks one)."""

    examples: int
    profile: str = "dev"
    seed: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.examples, bool) or not isinstance(self.examples, int) or self.examples < 1:
            raise ClaimError(f"examples: expected a positive integer, got {self.examples!r}")
        if self.profile not in PROFILES:
            raise ClaimError(f"profile: expected one of {', '.join(PROFILES)}, got {self.profile!r}")
        if self.seed is not None and self.profile == "ci":
            raise ClaimError(
                "seed: the ci profile is derandomised (the same examples every run); drop the seed or use "
                "the dev or thorough profile"
            )


@dataclass(frozen=True)
class Outcome:
    """What checking a claim established.

    ``examples``: examples tried that met the hypotheses; ``skipped``: drawn examples that did not;
    ``tally``: how many examples ended in each finding label; ``evidence``: lines a reader can check;
    ``counterexample``: the certified counterexample (status ``counterexample``); ``witnesses``:
    certified traps that support the claim (an existential claim's witness, a theorem's instances).
    """

    claim: str
    status: Status
    examples: int
    skipped: int
    tally: tuple[tuple[str, int], ...]
    evidence: tuple[str, ...]
    reason: str
    counterexample: CertifiedTrap | None = None
    witnesses: tuple[CertifiedTrap, ...] = ()
    shrink_steps: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        def trap_json(c: CertifiedTrap) -> dict[str, Any]:
            from badminima.model.trapfile import trap_to_dict

            return {
                "trap": trap_to_dict(c.trap),
                "verdict": None if c.certificate is None else c.certificate.verdict.value,
                "proof": c.proof,
            }

        return {
            "claim": self.claim,
            "status": self.status,
            "examples": self.examples,
            "skipped": self.skipped,
            "tally": dict(self.tally),
            "evidence": list(self.evidence),
            "reason": self.reason,
            "counterexample": None if self.counterexample is None else trap_json(self.counterexample),
            "witnesses": [trap_json(w) for w in self.witnesses],
            "shrink_steps": self.shrink_steps,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class Hunt(Generic[T]):
    """The raw result of `hunt`: counts, the shrunk found example (if any) and the first witnesses."""

    examples: int
    skipped: int
    tally: Counter[str]
    found: Found | None
    found_example: T | None
    witnesses: tuple[CertifiedTrap, ...]
    undecided: tuple[str, ...]
    skip_reasons: Counter[str]
    shrink_steps: int
    unsatisfiable: bool

    def outcome(
        self,
        claim: Claim,
        *,
        evidence: Sequence[str] = (),
        witnesses: Sequence[CertifiedTrap] = (),
        seconds: float = 0.0,
    ) -> Outcome:
        """The claim's outcome from this hunt: the status rules of the module docstring."""
        tally = tuple(sorted(self.tally.items(), key=lambda kv: (-kv[1], kv[0])))
        lines = list(evidence)
        if self.skip_reasons:
            top = ", ".join(f"{r} ({n})" for r, n in self.skip_reasons.most_common(3))
            lines.append(f"{self.skipped} drawn example(s) did not meet the hypotheses: {top}")
        wit = (*witnesses, *self.witnesses)
        tried = f"{self.examples} example(s)"
        if self.found is not None:
            shrunk = (
                f", then shrunk ({self.shrink_steps} simpler candidate(s) examined)"
                if self.shrink_steps
                else ""
            )
            if claim.quantifier == "all":
                status: Status = "counterexample"
                reason = f"certified counterexample after {tried}{shrunk}: {self.found.label}"
            else:
                status, reason = "held", f"certified witness after {tried}{shrunk}: {self.found.label}"
                wit = (self.found.trap, *wit)
            return Outcome(
                claim.name,
                status,
                self.examples,
                self.skipped,
                tally,
                tuple(lines),
                reason,
                self.found.trap if status == "counterexample" else None,
                wit,
                self.shrink_steps,
                seconds,
            )
        if self.examples == 0:
            status = "inconclusive"
            reason = "no drawn example met the hypotheses" + (
                " (hypothesis gave up)" if self.unsatisfiable else ""
            )
        elif claim.quantifier == "exists":
            status = "held" if witnesses else "inconclusive"
            reason = (
                f"certified witness given; {tried} drawn"
                if witnesses
                else f"no certified witness in {tried}; that is not evidence against the claim"
            )
        elif self.undecided:
            status = "inconclusive"
            reason = f"{len(self.undecided)} of {tried} could not be decided, e.g. {self.undecided[0]}"
        else:
            status = "held"
            reason = f"all {tried} agree" + (
                f" ({claim.kind} evidence, not a proof)" if claim.kind != "certified" else ""
            )
        return Outcome(
            claim.name,
            status,
            self.examples,
            self.skipped,
            tally,
            tuple(lines),
            reason,
            None,
            wit,
            0,
            seconds,
        )


class _Found(Exception):
    def __init__(self, finding: Found) -> None:
        super().__init__(finding.label)
        self.finding = finding


def hunt(
    strategy: Any,
    examine: Callable[[T], Finding],
    settings: Settings,
    *,
    explicit: Sequence[T] = (),
    keep_witnesses: int = 3,
    max_shrinks: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Hunt[T]:
    """Draw examples from ``strategy`` (a hypothesis strategy), ``examine`` each, and shrink the first
    `Found` one, examining at most ``max_shrinks`` simpler candidates (None: as many as hypothesis
    tries). ``explicit`` examples run first (hypothesis ``@example``) and are not shrunk.
    ``progress(done, target)`` is called after each examined example."""
    from hypothesis import (
        HealthCheck,
        Phase,
        Verbosity,
        assume,
        example,
        given,
        seed as fix_seed,
        settings as hsettings,
    )
    from hypothesis.errors import Flaky, Unsatisfiable

    tally: Counter[str] = Counter()
    skips: Counter[str] = Counter()
    witnesses: list[CertifiedTrap] = []
    undecided: list[str] = []
    state = {"examples": 0, "skipped": 0, "shrinking": False, "shrinks": 0}
    last: dict[str, Any] = {}

    def run(value: T) -> None:
        if state["shrinking"] and max_shrinks is not None and state["shrinks"] >= max_shrinks:
            return
        finding = examine(value)
        if isinstance(finding, Found):
            if state["shrinking"]:
                state["shrinks"] += 1
            else:
                state["examples"] += 1
                tally[f"found (before shrinking): {finding.label}"] += 1
                state["shrinking"] = True
            last["finding"], last["value"] = finding, value
            # One raise site: hypothesis tells failures apart by where they were raised.
            raise _Found(finding)
        if state["shrinking"]:
            state["shrinks"] += 1
            return
        if isinstance(finding, Skip):
            state["skipped"] += 1
            skips[finding.reason] += 1
            assume(False)
            return
        state["examples"] += 1
        if progress is not None:
            progress(state["examples"], settings.examples)
        tally[finding.label] += 1
        if isinstance(finding, Undecided):
            undecided.append(finding.label)
        elif finding.witness is not None and len(witnesses) < keep_witnesses:
            witnesses.append(finding.witness)

    test: Any = given(strategy)(run)
    for value in reversed(list(explicit)):
        test = example(value)(test)
    test = hsettings(
        max_examples=settings.examples,
        derandomize=settings.profile == "ci",
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
    )(test)
    if settings.seed is not None and settings.profile != "ci":
        test = fix_seed(settings.seed)(test)
    unsatisfiable = False
    found: Found | None = None
    try:
        test()
    except _Found:
        found = last["finding"]
    except Unsatisfiable:
        unsatisfiable = True
    except Flaky:
        # The shrunk example was found once but not when hypothesis re-ran it: keep what was certified.
        if "finding" not in last:
            raise
        found = last["finding"]
    return Hunt(
        examples=state["examples"],
        skipped=state["skipped"],
        tally=tally,
        found=found,
        found_example=last.get("value"),
        witnesses=tuple(witnesses),
        undecided=tuple(undecided),
        skip_reasons=skips,
        shrink_steps=state["shrinks"],
        unsatisfiable=unsatisfiable,
    )


@dataclass(frozen=True)
class Claim:
    """A published statement about loss landscapes, made executable.

    ``name`` is the CLI's handle; ``source`` the paper (authors, year); ``statement`` the property as
    the paper states it; ``hypotheses`` its precise conditions, each checked on every example (examples
    that fail them are skipped and counted); ``quantifier`` whether one found example refutes (``all``)
    or proves (``exists``) it; ``kind`` how strong ``held`` is; ``expected`` what the literature says
    the outcome is (the project's tests assert it); ``examples`` the default number of examples per
    hypothesis profile. ``run`` does the work for `check`.
    """

    name: str
    title: str
    source: str
    statement: str
    hypotheses: tuple[str, ...]
    quantifier: Quantifier
    kind: Kind
    expected: Status
    examples: dict[str, int]
    run: Callable[[Claim, Settings, Callable[[int, int], None] | None], Outcome] = field(repr=False)

    def check(
        self,
        *,
        examples: int | None = None,
        profile: str = "dev",
        seed: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Outcome:
        """Check the claim on ``examples`` drawn examples (default: this claim's count for ``profile``).

        Example:
            >>> from badminima.claims import claim
            >>> claim("symmetries-preserve-loss").check(examples=5, profile="ci").status
            'held'
        """
        if profile not in PROFILES:
            raise ClaimError(f"profile: expected one of {', '.join(PROFILES)}, got {profile!r}")
        settings = Settings(self.examples[profile] if examples is None else examples, profile, seed)
        start = time.perf_counter()
        out = self.run(self, settings, progress)
        from dataclasses import replace

        return replace(out, seconds=time.perf_counter() - start)
