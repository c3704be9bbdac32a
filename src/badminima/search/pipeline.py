"""The search loop: propose candidate datasets generation by generation, evaluate them (here, in a
process pool or on Dask), and commit each result to the catalogue as it arrives.

Determinism: candidate i of a search with seed s is proposed from (s, i) and the evaluations of the
generations before i's, never from its own generation, so the same seed gives the same candidates
whatever the number of workers, the order results arrive in, or where a resumed search restarted.
A budget in candidates therefore reproduces exactly; a budget in time stops wherever the clock does
(after the round in flight, sized to end near the deadline).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from badminima.errors import SettingsError
from badminima.search.candidates import CandidateResult, SearchSettings, evaluate_candidates, iter_candidates
from badminima.search.catalogue import Catalogue
from badminima.search.catalogue_entries import CERTIFIED
from badminima.search.executors import Executor, InProcess
from badminima.search.proposals import propose

ELITE = 8
# A time-budgeted round's batches are at most this many times the largest batch measured so far.
GROWTH = 4
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
            raise SettingsError(
                f"budget: expected a time like 90s, 10m, 1.5h or a number of candidates like 200, "
                f"got {text!r}"
            )
        value, unit = float(m.group(1)), m.group(2)
        if unit:
            return cls(seconds=value * _UNITS[unit])
        if not value.is_integer():
            raise SettingsError(f"budget: a number of candidates must be whole, got {text!r}")
        return cls(candidates=int(value))


@dataclass
class Progress:
    """The live counts a progress display shows: `run_search` passes it to ``on_progress`` once at the
    start (``evaluated`` then counts what a resumed run did before) and after every recorded candidate."""

    tried: int = 0
    evaluated: int = 0
    traps: int = 0
    uncertified: int = 0
    best_gap: float | None = None
    init_steps: int = 0
    seconds: float = 0.0
    budget: Budget = field(default_factory=Budget)
    ends: dict[str, int] = field(default_factory=dict)

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
    ends: dict[str, int] = field(default_factory=dict)


def elite(evaluations: Sequence[tuple[int, dict[str, Any]]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The datasets worth mutating: the best ``ELITE`` by certified score, then its tie-break (the other
    gap), then numeric promise (a numerically strict bad minimum not yet certified), ties to the
    earlier candidate."""
    ranked = sorted(
        (
            (-float(s.get("score", 0.0)), -float(s.get("tiebreak", 0.0)), -float(s.get("promise", 0.0)), i, s)
            for i, s in evaluations
            if float(s.get("score", 0.0)) > 0 or float(s.get("promise", 0.0)) > 0
        ),
        key=lambda r: r[:4],
    )
    return [(np.array(s["coords"]), np.array(s["targets"])) for *_, s in ranked[:ELITE]]


def _best_gap(summaries: Iterable[dict[str, Any]], best: float | None = None) -> float | None:
    """The largest certified loss gap among candidate ``summaries`` (a designed find's counts too) and
    ``best``; None if there is none."""
    for s in summaries:
        if "gap" in s:
            gap = max(float(s.get(k, 0.0)) for k in ("gap", "designed_gap", "shrunk_gap"))
            best = gap if best is None else max(best, gap)
    return best


def _ends(summary: dict[str, Any]) -> dict[str, int]:
    """How a candidate's starts ended (critical, escaped, diverged, unconverged), from its summary."""
    counts = {k: int(summary.get(k, 0)) for k in ("critical", "escaped", "diverged")}
    counts["unconverged"] = int(summary.get("starts", 0)) - sum(counts.values())
    return counts


def batch_seconds(parts: Sequence[tuple[int, float, float]], n: int) -> float:
    """The seconds a worker's batch of ``n`` candidates should take, from the ``parts`` measured so
    far, each (candidates in the batch, its multistart seconds, its analysis seconds).

    Analysis (clustering, certify, shrink) costs the same per candidate; the batched multistart is
    mostly per-step overhead (a Newton batch of one candidate takes nearly as long as one of 16), so
    it is fitted as m0 + m1·n by least squares (both ≥ 0) once two batch sizes have been seen, and
    counted as a fixed cost before then.

    Example:
        >>> round(batch_seconds([(1, 8.0, 1.0), (4, 10.0, 4.0)], 16), 9)  # 22/3 + (2/3 + 1)·16
        34.0
    """
    sizes = np.array([p[0] for p in parts], dtype=float)
    multi = np.array([p[1] for p in parts], dtype=float)
    per_candidate = sum(p[2] for p in parts) / max(1.0, float(sizes.sum()))
    m0, m1 = float(multi.mean()), 0.0
    if len(set(sizes.tolist())) > 1:
        m1, m0 = (float(c) for c in np.polyfit(sizes, multi, 1))
        if m1 < 0:
            m0, m1 = float(multi.mean()), 0.0
        elif m0 < 0:
            m0, m1 = 0.0, float(multi @ sizes / (sizes @ sizes))
    return m0 + (m1 + per_candidate) * n


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

    Candidates go out a generation at a time (``settings.generation``), split over the executor's
    workers; under a time budget a round holds only what the time left allows at the pace measured so
    far. Each result is committed to ``catalogue`` as it arrives.

    Args:
        settings: what decides the candidates and their evaluation (stored with the run).
        seed: the search seed; with ``settings`` it decides every candidate.
        budget: seconds of this session, or candidates of the run (a resumed run counts its earlier ones).
        catalogue: where the run, its evaluations and its traps are recorded.
        resume: continue the newest run in ``catalogue`` with these settings and seed, skipping every
            candidate it recorded; start a new run if there is none (the CLI refuses that case instead).
        executor: where evaluations run (default: `InProcess`); the caller closes it.
        on_progress: called with the live `Progress` once at the start and after every recorded candidate;
            a KeyboardInterrupt it raises stops the search like Ctrl-C.
        clock: seconds, for the time budget and the pace (a fake one in tests).

    Returns:
        The `SearchReport`; ``interrupted`` is True if a KeyboardInterrupt stopped it.

    Raises:
        CatalogueError: the catalogue cannot be written.
        RuntimeError: the executor returned no result for a round (a broken executor, not bad input).
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
    progress.best_gap = _best_gap(done.values())
    earlier = frozenset(done)
    new_traps: list[int] = []
    interrupted = False

    def out_of_budget() -> bool:
        if budget.seconds is not None and clock() - started >= budget.seconds:
            return True
        # Which candidates, not how many: a resumed run also completes those a kill lost below the budget.
        return budget.candidates is not None and all(i in done for i in range(budget.candidates))

    def take(result: CandidateResult) -> None:
        ids = catalogue.record(run_id, result.index, result.summary, result.traps)
        done[result.index] = result.summary
        statuses = [catalogue.entry(i).status for i in ids]
        new_traps.extend(i for i, status in zip(ids, statuses, strict=True) if status == CERTIFIED)
        progress.tried += 1
        progress.evaluated = len(done)
        progress.traps = len(new_traps)
        progress.uncertified += sum(1 for status in statuses if status != CERTIFIED)
        progress.best_gap = _best_gap([result.summary], progress.best_gap)
        progress.init_steps += result.init_steps
        for status, count in _ends(result.summary).items():
            progress.ends[status] = progress.ends.get(status, 0) + count
        progress.seconds = clock() - started
        if on_progress is not None:
            on_progress(progress)

    def this_round(todo: list[int]) -> list[int]:
        # Under a time budget, submit no more than the time left allows at the pace measured so far
        # (a first round of one candidate per worker measures it; each round at most GROWTH times
        # the largest batch measured), and let that round finish: the search ends near its
        # deadline, neither a whole generation later nor throwing finished work away. Which
        # candidates share a batch does not change their results.
        if budget.seconds is None:
            return todo
        if not measured:
            return todo[: executor.workers]
        left = budget.seconds - (clock() - started)
        most = min(-(-len(todo) // executor.workers), GROWTH * max(n for n, _, _ in measured))
        n = max([1, *(n for n in range(1, most + 1) if batch_seconds(measured, n) <= left)])
        return todo[: executor.workers * n]

    size = settings.generation
    generation = 0
    # Per worker batch of a round: (candidates, multistart seconds, analysis seconds).
    measured: list[tuple[int, float, float]] = []
    try:
        if on_progress is not None:
            on_progress(progress)
        while not out_of_budget():
            base = generation * size
            todo = [
                i
                for i in range(base, base + size)
                if i not in done and (budget.candidates is None or i < budget.candidates)
            ]
            if not todo:
                generation += 1
                continue
            todo = this_round(todo)
            parents = elite(sorted((i, s) for i, s in done.items() if i < base))
            proposals = {i: propose(settings.data, seed, i, parents, explore=settings.explore) for i in todo}
            calls = [
                (settings, seed, part, [proposals[i] for i in part])
                for part in _parts(todo, executor.workers)
            ]
            recorded = progress.tried
            # In this process, results are committed one by one as they are analysed; elsewhere a
            # worker's part arrives whole.
            evaluate = iter_candidates if isinstance(executor, InProcess) else evaluate_candidates
            part_of = {i: j for j, part in enumerate(_parts(todo, executor.workers)) for i in part}
            cost: dict[int, list[float]] = {}
            with closing(executor.map_unordered(evaluate, calls)) as finished:
                for results in finished:
                    for result in results:
                        take(result)
                        spent = cost.setdefault(part_of[result.index], [0, 0.0, 0.0])
                        spent[0] += 1
                        spent[1] += result.multistart_seconds
                        spent[2] += result.seconds - result.multistart_seconds
            if progress.tried == recorded:
                raise RuntimeError(f"the executor returned no result for candidates {todo}")
            measured.extend((int(n), m, a) for n, m, a in cost.values())
    except KeyboardInterrupt:
        interrupted = True
        # The interrupt may land between a record's commit and `take` counting it: what this session
        # did is what the catalogue holds, so recount from there when the two disagree.
        session = [(i, s) for i, s in catalogue.evaluations(run_id) if i not in earlier]
        if len(session) != progress.tried:
            entries = [e for e in catalogue.entries(run_id=run_id) if e.candidate not in earlier]
            new_traps = [e.id for e in entries if e.status == CERTIFIED]
            progress.uncertified = sum(1 for e in entries if e.status != CERTIFIED)
            progress.tried = len(session)
            progress.best_gap = _best_gap((s for _, s in session), progress.best_gap)
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
        ends=dict(progress.ends),
    )
