"""The search loop: propose candidate datasets generation by generation, evaluate them (here, in a
process pool or on Dask), and commit each result to the catalogue as it arrives.

Determinism: candidate i of a search with seed s is proposed from (s, i) and the evaluations of the
generations before i's, never from its own generation, so the same seed gives the same candidates
whatever the number of workers, the order results arrive in, or where a resumed search restarted.
A budget in candidates therefore reproduces exactly; a budget in time stops wherever the clock does.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from badminima.errors import InvalidModelError
from badminima.search.candidates import CandidateResult, SearchSettings, evaluate_candidates
from badminima.search.catalogue import CERTIFIED, Catalogue
from badminima.search.executors import Executor, InProcess
from badminima.search.proposals import propose

ELITE = 8
_UNITS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True, slots=True)
class Budget:
    """How long a search runs: ``seconds`` of wall time, or ``candidates`` evaluated in the run (a
    resumed run counts what it did before), whichever ends first."""

    seconds: float | None = None
    candidates: int | None = None

    @classmethod
    def parse(cls, text: str) -> Budget:
        """``90s``, ``10m``, ``1.5h`` (time) or ``200`` (candidates)."""
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
        if m is None or float(m.group(1)) <= 0:
            raise InvalidModelError(
                f"budget: expected a time like 90s, 10m, 1.5h or a number of candidates like 200, "
                f"got {text!r}"
            )
        value, unit = float(m.group(1)), m.group(2)
        if unit:
            return cls(seconds=value * _UNITS[unit])
        if not value.is_integer():
            raise InvalidModelError(f"budget: a number of candidates must be whole, got {text!r}")
        return cls(candidates=int(value))


@dataclass
class Progress:
    """The live counts a progress display shows (updated after every recorded candidate)."""

    tried: int = 0
    evaluated: int = 0
    traps: int = 0
    uncertified: int = 0
    best_gap: float | None = None
    init_steps: int = 0
    seconds: float = 0.0
    budget: Budget = field(default_factory=Budget)

    @property
    def rate(self) -> float:
        """Init-steps per second of this session's candidate evaluations."""
        return self.init_steps / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class SearchReport:
    """What a search did: its run, the candidates this session evaluated, the catalogue ids of the
    traps it certified (new entries), the best certified gap of the whole run, and whether it was
    interrupted (then ``--resume`` continues it)."""

    run_id: int
    resumed: bool
    evaluated_before: int
    tried: int
    new_traps: tuple[int, ...]
    uncertified: int
    best_gap: float | None
    init_steps: int
    seconds: float
    interrupted: bool


def elite(evaluations: Sequence[tuple[int, dict[str, Any]]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The datasets worth mutating: the best ``ELITE`` by certified score, then by numeric promise (a
    numerically strict bad minimum not yet certified), ties to the earlier candidate."""
    ranked = sorted(
        (
            (-float(s.get("score", 0.0)), -float(s.get("promise", 0.0)), i, s)
            for i, s in evaluations
            if float(s.get("score", 0.0)) > 0 or float(s.get("promise", 0.0)) > 0
        ),
        key=lambda r: r[:3],
    )
    return [(np.array(s["coords"]), np.array(s["targets"])) for *_, s in ranked[:ELITE]]


def _parts(items: list[int], n: int) -> list[list[int]]:
    size = math.ceil(len(items) / max(1, n))
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_search(
    settings: SearchSettings,
    *,
    seed: int,
    budget: Budget,
    catalogue: Catalogue,
    resume: bool = False,
    executor: Executor | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SearchReport:
    """Search until the budget is spent or the user interrupts (KeyboardInterrupt, which the CLI also
    raises on SIGTERM): what was recorded stays, at most the candidates in flight are lost.

    With ``resume``, continue the newest run in ``catalogue`` with these settings and seed (skipping
    every candidate it recorded); without, start a new run.
    """
    executor = executor or InProcess()
    started = clock()
    settings_json = settings.to_json()
    run_id = catalogue.latest_run(settings_json, seed) if resume else None
    resumed = run_id is not None
    if run_id is None:
        run_id = catalogue.start_run(settings_json, seed)
    done: dict[int, dict[str, Any]] = dict(catalogue.evaluations(run_id))
    before = len(done)
    progress = Progress(evaluated=before, budget=budget)
    progress.best_gap = max((float(s["gap"]) for s in done.values() if "gap" in s), default=None)
    new_traps: list[int] = []
    interrupted = False

    def out_of_budget() -> bool:
        if budget.seconds is not None and clock() - started >= budget.seconds:
            return True
        return budget.candidates is not None and len(done) >= budget.candidates

    def take(result: CandidateResult) -> None:
        ids = catalogue.record(run_id, result.index, result.summary, result.traps)
        done[result.index] = result.summary
        new_traps.extend(i for i in ids if catalogue.entry(i).status == CERTIFIED)
        progress.tried += 1
        progress.evaluated = len(done)
        progress.traps += sum(1 for t in result.traps if t.status == CERTIFIED)
        progress.uncertified += sum(1 for t in result.traps if t.status != CERTIFIED)
        if "gap" in result.summary:
            gap = float(result.summary["gap"])
            progress.best_gap = gap if progress.best_gap is None else max(progress.best_gap, gap)
        progress.init_steps += result.init_steps
        progress.seconds = clock() - started
        if on_progress is not None:
            on_progress(progress)

    size = settings.generation
    generation = 0
    try:
        while not out_of_budget():
            base = generation * size
            generation += 1
            todo = [i for i in range(base, base + size) if i not in done]
            if budget.candidates is not None:
                todo = [i for i in todo if i < budget.candidates]
            if not todo:
                continue
            parents = elite(sorted((i, s) for i, s in done.items() if i < base))
            proposals = {i: propose(settings.data, seed, i, parents) for i in todo}
            calls = [
                (settings, seed, part, [proposals[i] for i in part])
                for part in _parts(todo, executor.workers)
            ]
            for results in executor.map_unordered(evaluate_candidates, calls):
                for result in results:
                    take(result)
                if out_of_budget():
                    break
    except KeyboardInterrupt:
        interrupted = True
    return SearchReport(
        run_id=run_id,
        resumed=resumed,
        evaluated_before=before,
        tried=progress.tried,
        new_traps=tuple(new_traps),
        uncertified=progress.uncertified,
        best_gap=progress.best_gap,
        init_steps=progress.init_steps,
        seconds=clock() - started,
        interrupted=interrupted,
    )
