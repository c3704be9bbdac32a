"""One candidate dataset, end to end: multistart, clusters modulo symmetry, the worst strict local
minimum against the best point found, a certificate, and the shrunk trap.

`evaluate_candidates` is a pure function of its arguments (the seed of its starts comes from the
search seed and the candidate index), importable at top level, so process pools and Dask workers can
run it and a re-run gives the same answer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, cast

import numpy as np

from badminima.errors import SettingsError
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.trap import Trap
from badminima.search.catalogue_entries import CERTIFIED, UNCERTIFIED, NewTrap
from badminima.search.margins import DEFAULT_MARGIN
from badminima.search.proposals import DatasetSpec, grid_of, to_dataset
from badminima.search.starts import Ends, Init, Optimizer, Stopping

# Bad minima closer than this (absolute, in loss) to the best point found are not worth certifying.
MIN_GAP = 1e-4
STRATEGIES = ("evolve", "design")
OBJECTIVES = ("loss", "accuracy")
# Default step budgets: saddle-free Newton steps, or first-order steps (gd, momentum, adam).
NEWTON_STEPS = 300
FIRST_ORDER_STEPS = 1000
# A candidate's distinct numerically bad minima go to the verifier worst first, at most this many more
# than the traps still wanted (``SearchSettings.minima``): an uncertifiable one does not end the try.
SPARE_TRIES = 1


@dataclass(frozen=True, slots=True)
class SearchSettings:
    """Everything that decides what a search finds, except the seed: the network, the dataset shape,
    the multistart per candidate (``starts`` inits drawn by ``init``, trained by ``optimizer`` under
    ``stopping``), the strategy (``evolve``: random and mutated datasets; ``design``: the same, and each
    find then moved by gradient-based inverse design), the objective (``loss``: the certified loss
    gap; ``accuracy``: the accuracy gap of a certified trap whose outputs all keep at least ``margin``
    from 1/2 at both points, loss gap breaking ties), whether the score is weighted by basin share,
    whether finds are shrunk, how often a proposal mutates an elite dataset instead of drawing a fresh
    one (1 − ``explore``), and how many distinct bad minima of one candidate are certified as traps
    (``minima``, worst first; the worst certified one scores the candidate and is shrunk)."""

    network: Network
    data: DatasetSpec
    starts: int = 128
    init: Init = field(default_factory=lambda: Init("normal", 3.0))
    optimizer: Optimizer = field(default_factory=lambda: Optimizer("newton"))
    stopping: Stopping = field(default_factory=lambda: Stopping(max_steps=NEWTON_STEPS))
    strategy: str = "evolve"
    objective: str = "loss"
    margin: Fraction = DEFAULT_MARGIN
    weight_by_basin: bool = False
    shrink: bool = True
    generation: int = 16
    explore: float = 0.2
    minima: int = 6

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise SettingsError(f"strategy: expected one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        if self.objective not in OBJECTIVES:
            raise SettingsError(f"objective: expected one of {', '.join(OBJECTIVES)}, got {self.objective!r}")
        if self.network.loss == "bce" and self.data.targets != "binary":
            raise SettingsError("targets: loss 'bce' needs binary (0/1) targets, got targets 'real'")
        if self.objective == "accuracy" and self.data.targets != "binary":
            raise SettingsError("objective: 'accuracy' needs binary (0/1) targets")
        if not 0 <= self.margin < Fraction(1, 2):
            raise SettingsError(f"margin: expected 0 <= margin < 1/2, got {self.margin}")
        if not 0 <= self.explore <= 1:
            raise SettingsError(f"explore: expected a probability 0 <= explore <= 1, got {self.explore}")
        if self.minima < 1:
            raise SettingsError(f"minima: expected at least 1, got {self.minima}")
        if self.starts < 1 or self.generation < 1:
            raise SettingsError(
                f"starts, generation: expected at least 1, got {self.starts} and {self.generation}"
            )
        if self.data.dim != self.network.widths[0] or self.data.outputs != self.network.widths[-1]:
            raise SettingsError(
                f"data: expected {self.network.widths[0]}-D inputs and {self.network.widths[-1]} target "
                f"column(s) for {self.network.describe()}, got {self.data.dim} and {self.data.outputs}"
            )

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON (stored with every run and trap; a resumed run must match it)."""
        net = self.network
        return {
            "network": {
                "widths": list(net.widths),
                "activation": net.activation,
                "output": net.output,
                "loss": net.loss,
                "bias": net.bias,
            },
            "data": self.data.to_json(),
            "starts": self.starts,
            "init": {"kind": self.init.kind, "scale": self.init.scale, "mean": self.init.mean},
            "optimizer": {"name": self.optimizer.name, "lr": self.optimizer.lr},
            "stopping": {
                "max_steps": self.stopping.max_steps,
                "grad_tol": self.stopping.grad_tol,
                "max_norm": self.stopping.max_norm,
            },
            "strategy": self.strategy,
            "objective": self.objective,
            **({"margin": str(self.margin)} if self.objective == "accuracy" else {}),
            "weight_by_basin": self.weight_by_basin,
            "shrink": self.shrink,
            "generation": self.generation,
            "explore": self.explore,
            "minima": self.minima,
        }


@dataclass(frozen=True)
class CandidateResult:
    """What one candidate gave: its ``summary`` (stored for resuming; holds the dataset and score),
    the traps to store, the init-steps and seconds it took, and of those seconds its share of the
    batched multistart it was trained in (the rest is its own analysis), from which the search
    predicts what a batch of another size will take."""

    index: int
    summary: dict[str, Any]
    traps: tuple[NewTrap, ...]
    init_steps: int
    seconds: float
    multistart_seconds: float = 0.0


def _accuracy_gap(trap: Trap) -> float | None:
    from badminima.landscape.evaluation import accuracy

    if not trap.dataset.is_binary or trap.better is None:
        return None
    bad, good = (
        accuracy(trap.network, trap.dataset, trap.point),
        accuracy(trap.network, trap.dataset, trap.better),
    )
    return None if bad is None or good is None else float(good - bad)


def qualified_accuracy_gap(trap: Trap, margin: Fraction) -> float | None:
    """The accuracy gap (better − trap) when every output at both points is proved at least
    ``margin`` from 1/2 (`badminima.search.margins`), else None: a gap resting on a hair is no gap."""
    from badminima.search.margins import has_margin

    gap = _accuracy_gap(trap)
    if gap is None or trap.better is None:
        return None
    return gap if has_margin(trap.network, trap.dataset, (trap.point, trap.better), margin) else None


def _designed(
    settings: SearchSettings, trap: Trap, gap: float, bad: np.ndarray, better: np.ndarray
) -> tuple[NewTrap, float] | None:
    """The find moved by inverse design, when `certify` proves the moved trap with a wider gap."""
    from badminima.search.design import inverse_design
    from badminima.search.shrinking import to_point
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    spec = settings.data
    accept = None
    if settings.objective == "accuracy":
        # The loss gap drives the moves; each must also keep the margin-qualified accuracy gap.
        floor = qualified_accuracy_gap(trap, settings.margin) or 0.0

        def accept(dataset: Dataset, bad_now: np.ndarray, better_now: np.ndarray) -> bool:
            moved = Trap(
                trap.network,
                dataset,
                to_point(trap.network, bad_now.tolist()),
                to_point(trap.network, better_now.tolist()),
            )
            gap_now = qualified_accuracy_gap(moved, settings.margin)
            return gap_now is not None and gap_now >= floor

    design = inverse_design(
        trap.network,
        trap.dataset,
        bad,
        better,
        extent=spec.extent / spec.denominator,
        denominator=8 * spec.denominator,
        move_targets=spec.targets == "real",
        accept=accept,
    )
    if len(design.gaps) < 2:
        return None
    moved = Trap(
        trap.network,
        design.dataset,
        to_point(trap.network, design.bad.tolist()),
        to_point(trap.network, design.better.tolist()),
        name=f"{trap.name}-designed",
        description=(
            f"{trap.description} (on the original data); data then moved by inverse design "
            f"({len(design.gaps) - 1} steps)"
        ),
        source=trap.source,
    )
    cert = certify(moved)
    if (
        cert.verdict is not Verdict.BAD_LOCAL_MIN
        or cert.gap_lower is None
        or float_below(cert.gap_lower) <= gap
    ):
        return None
    if settings.objective == "accuracy" and qualified_accuracy_gap(moved, settings.margin) is None:
        return None
    return _stored(moved, cert, None, None), float_below(cert.gap_lower)


def _stored(trap: Trap, cert: Any, share: float | None, interval: tuple[float, float] | None) -> NewTrap:
    from badminima.verify.certificate import Verdict

    certified = cert.verdict is Verdict.BAD_LOCAL_MIN
    return NewTrap(
        trap=trap,
        status=CERTIFIED if certified else UNCERTIFIED,
        certificate=cert.to_json(),
        loss_gap=float_below(cert.gap_lower) if certified and cert.gap_lower is not None else None,
        accuracy_gap=_accuracy_gap(trap),
        basin_share=share,
        basin_interval=interval,
    )


def float_below(q: Fraction) -> float:
    """The largest float ≤ ``q``: a proved lower bound stays a lower bound when stored as a float."""
    x = float(q)
    return math.nextafter(x, -math.inf) if Fraction(x) > q else x


def start_seed(seed: int, index: int) -> int:
    """The seed of candidate ``index``'s initialisations in a search with ``seed``."""
    return int(np.random.SeedSequence([seed, index, 1]).generate_state(1)[0])


def evaluate_candidates(
    settings: SearchSettings,
    seed: int,
    indices: Sequence[int],
    data: Sequence[tuple[np.ndarray, np.ndarray]],
) -> list[CandidateResult]:
    """Evaluate candidates ``indices`` with grid data ``(coords, targets)``: one batched multistart
    for all of them (`multistart_many`; the end points do not depend on which candidates share the
    batch), then `analyse` each. Top level and picklable, for process pools and Dask workers."""
    return list(iter_candidates(settings, seed, indices, data))


def iter_candidates(
    settings: SearchSettings,
    seed: int,
    indices: Sequence[int],
    data: Sequence[tuple[np.ndarray, np.ndarray]],
) -> Iterator[CandidateResult]:
    """`evaluate_candidates`, yielding each result as soon as it is analysed (so that a search in
    this process can commit it before certifying the next)."""
    from badminima.search.starts import multistart_many

    t0 = time.perf_counter()
    datasets = [to_dataset(settings.data, c, y) for c, y in data]
    all_ends = multistart_many(
        settings.network,
        datasets,
        settings.starts,
        seeds=[start_seed(seed, i) for i in indices],
        init=settings.init,
        optimizer=settings.optimizer,
        stopping=settings.stopping,
    )
    share = (time.perf_counter() - t0) / max(1, len(datasets))
    for i, dataset, ends in zip(indices, datasets, all_ends, strict=True):
        yield replace(analyse(settings, seed, i, dataset, ends, seconds=share), multistart_seconds=share)


def analyse(
    settings: SearchSettings, seed: int, index: int, dataset: Dataset, ends: Ends, *, seconds: float = 0.0
) -> CandidateResult:
    """Certify candidate ``index``'s worst numerically strict bad minimum among its multistart
    ``ends`` (against the lowest-loss end point found), shrink what is certified, and score the
    candidate by the objective (times the basin share when ``weight_by_basin``); 0 when nothing is
    certified."""
    from badminima.landscape.region_fit import snap
    from badminima.search.basins import survey
    from badminima.search.shrinking import shrink, size, to_point
    from badminima.verify.certificate import Verdict
    from badminima.verify.certification import certify

    t0 = time.perf_counter()
    net, spec = settings.network, settings.data
    coords, targets = grid_of(spec, dataset)
    seen = survey(net, ends)
    best, best_loss = seen.best_row, seen.best_loss
    bad = sorted((p for p in seen.minima if p.loss > best_loss + MIN_GAP), key=lambda p: -p.loss)
    summary: dict[str, Any] = {
        "coords": coords.tolist(),
        "targets": targets.tolist(),
        "starts": ends.k,
        "critical": sum(p.cluster.count for p in seen.points),
        "escaped": seen.escaped,
        "diverged": seen.diverged,
        "clusters": len(seen.points),
        "strict_minima": len(seen.minima),
        "best_loss": best_loss,
        "worst_minimum_loss": bad[0].loss if bad else None,
        "promise": (bad[0].loss - best_loss) if bad else 0.0,
        "score": 0.0,
        "tiebreak": 0.0,
        "certified": False,
    }
    traps: list[NewTrap] = []

    def exact(theta: np.ndarray) -> Point:
        # On one-hidden-layer ReLU/leaky-ReLU/identity nets, the float end point moved to its activation
        # region's exact least-squares optimum, where the region proofs apply (unchanged elsewhere).
        point = to_point(net, theta.tolist())
        return (snap(net, dataset, point) or point) if net.is_piecewise_linear else point

    better = exact(ends.thetas[best])
    certified = 0
    for rank, found in enumerate(bad[: settings.minima + SPARE_TRIES]):
        if certified == settings.minima:
            break
        row, share, interval = found.row, found.share, found.interval
        trap = Trap(
            net,
            dataset,
            exact(ends.thetas[row]),
            better,
            name=f"search-{seed}-{index}" + (f"-m{rank + 1}" if rank else ""),
            description=(
                f"found by badminima search (seed {seed}, candidate {index}): a numerically strict "
                f"local minimum reached by {found.cluster.count} of {ends.k} starts"
            ),
            source="badminima search",
        )
        cert = certify(trap)
        traps.append(_stored(trap, cert, share, interval))
        if cert.verdict is not Verdict.BAD_LOCAL_MIN:
            continue
        certified += 1
        if certified > 1:  # only the worst certified minimum scores the candidate and is shrunk
            continue
        gap = float_below(cert.gap_lower or Fraction(0))
        weight = share if settings.weight_by_basin else 1.0
        accuracy_gap = traps[-1].accuracy_gap
        if settings.objective == "accuracy":
            accuracy_gap = qualified_accuracy_gap(trap, settings.margin)
        summary.update(
            certified=True,
            gap=gap,
            basin_share=share,
            accuracy_gap=accuracy_gap,
            size=list(size(dataset)),
        )
        if settings.strategy == "design":
            designed = _designed(settings, trap, gap, ends.thetas[row], ends.thetas[best])
            if designed is not None:
                traps.append(designed[0])
                summary["designed_gap"] = designed[1]
                gap = max(gap, designed[1])
                if settings.objective == "accuracy":
                    designed_accuracy = qualified_accuracy_gap(cast(Trap, designed[0].trap), settings.margin)
                    summary["designed_accuracy_gap"] = designed_accuracy
                    accuracy_gap = max(accuracy_gap or 0.0, designed_accuracy or 0.0)
        primary, secondary = (
            (gap, accuracy_gap or 0.0) if settings.objective == "loss" else (accuracy_gap or 0.0, gap)
        )
        summary.update(score=primary * weight, tiebreak=secondary * weight)
        if settings.shrink:
            small = shrink(trap, cert, binary_targets=spec.targets == "binary")
            if small.accepted:
                described = (
                    f"{trap.description} (on the original data); shrunk from {small.size_before[0]} "
                    f"points (data size "
                    f"{small.size_before[1]}) to {small.size_after[0]} (size {small.size_after[1]})"
                )
                shrunk = Trap(
                    net,
                    small.trap.dataset,
                    small.trap.point,
                    small.trap.better,
                    name=f"{trap.name}-shrunk",
                    description=described,
                    source=trap.source,
                )
                # The basin share was measured on the found data, not the shrunk data: not stored.
                traps.append(_stored(shrunk, small.certificate, None, None))
            summary["shrunk_size"] = list(small.size_after)
            if small.accepted and small.certificate.gap_lower is not None:
                summary["shrunk_gap"] = float_below(small.certificate.gap_lower)
    return CandidateResult(
        index=index,
        summary=summary,
        traps=tuple(traps),
        init_steps=ends.init_steps,
        seconds=seconds + time.perf_counter() - t0,
    )
