"""The claims' shared pipeline: find local minima numerically, then certify them one by one.

A claim that a bad minimum would refute (or witness) looks for one the same way: multistart from random
points (`badminima.search.starts`), end points Newton-polished and clustered modulo symmetry with
their Hessian indices (`badminima.search.basins.survey`) — `find_minima` — then the end points the
claim cares about, in the claim's order, each made exact and handed to the claim's own judgement until
one settles the question — `certify_minima`. The judgement (which certificate refutes, which agrees)
stays with the claim; the population claims feed `certify_minima` from their own engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from badminima.errors import ClaimError
from badminima.model.network import Network
from badminima.model.point import Point

if TYPE_CHECKING:
    import numpy as np

    from badminima.model.dataset import Dataset
    from badminima.search.basins import CriticalPoint, Landscape
    from badminima.search.starts import Ends, Init, Optimizer, Stopping

C = TypeVar("C")
R = TypeVar("R")


# search.starts imports torch: the defaults load it when a search is made, not when the claims load.
def _default_init() -> Init:
    from badminima.search.starts import Init

    return Init()


def _default_optimizer() -> Optimizer:
    from badminima.search.starts import Optimizer

    return Optimizer()


def _default_stopping() -> Stopping:
    from badminima.search.starts import Stopping

    return Stopping()


@dataclass(frozen=True)
class MinimaSearch:
    """How hard and how to look: ``starts`` runs from ``init`` with ``optimizer`` under ``stopping``,
    random points drawn with ``seed`` (the multistart defaults: N(0, 1) starts, Adam, 3000 steps)."""

    starts: int
    init: Init = field(default_factory=_default_init)
    optimizer: Optimizer = field(default_factory=_default_optimizer)
    stopping: Stopping = field(default_factory=_default_stopping)
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.starts, bool) or not isinstance(self.starts, int) or self.starts < 1:
            raise ClaimError(f"starts: expected a positive integer, got {self.starts!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ClaimError(f"seed: expected an integer ≥ 0, got {self.seed!r}")


@dataclass(frozen=True)
class Candidate:
    """One numerical end point: float parameters ``theta``, float ``loss``, its cluster (``critical``;
    None for a point that did not come from `find_minima`'s clustering) and the run's ``status``."""

    network: Network
    theta: np.ndarray
    loss: float
    critical: CriticalPoint | None = None
    status: str = "critical"

    @property
    def point(self) -> Point:
        """``theta`` as an exact point: each entry the shortest decimal that reads back as the float."""
        from badminima.search.shrinking import to_point

        return to_point(self.network, self.theta.tolist())


@dataclass(frozen=True)
class NumericalMinima:
    """What `find_minima` saw: the runs' ``ends`` and the ``landscape`` of critical points they reached."""

    network: Network
    ends: Ends
    landscape: Landscape

    def candidate(self, critical: CriticalPoint) -> Candidate:
        """The representative end point of one critical point of the landscape."""
        return Candidate(self.network, self.ends.thetas[critical.row], critical.loss, critical)

    @property
    def best(self) -> Candidate:
        """The lowest end point of any status but diverged (often one on its way to infinity)."""
        row = self.landscape.best_row
        return Candidate(
            self.network, self.ends.thetas[row], self.landscape.best_loss, status=str(self.ends.status[row])
        )

    @property
    def points(self) -> tuple[Candidate, ...]:
        """Every critical point reached (any Hessian index), by loss."""
        return tuple(self.candidate(p) for p in self.landscape.points)

    @property
    def minima(self) -> tuple[Candidate, ...]:
        """The candidate local minima (`CriticalPoint.is_candidate_minimum`), by loss."""
        return tuple(self.candidate(p) for p in self.landscape.minima)

    def above(self, loss: float, *, gap: float) -> tuple[Candidate, ...]:
        """The candidate minima whose float loss exceeds ``loss + gap``, worst first: the suspects of
        "every minimum is global" when ``loss`` is the best loss known."""
        high = (p for p in self.landscape.minima if p.loss > loss + gap)
        return tuple(self.candidate(p) for p in sorted(high, key=lambda p: -p.loss))


def find_minima(
    network: Network,
    dataset: Dataset,
    *,
    search: MinimaSearch,
    initial: Sequence[Sequence[float]] | None = None,
) -> NumericalMinima:
    """Multistart ``search`` (or from the rows of ``initial``), polish and cluster the end points.

    Numerical: the critical points it reports are what the verifier is then asked to prove.

    Example:
        >>> from badminima.constructions import construction
        >>> from badminima.search.starts import Stopping
        >>> trap = construction("relu-blind-spot").build()
        >>> search = MinimaSearch(8, stopping=Stopping(max_steps=500))
        >>> found = find_minima(trap.network, trap.dataset, search=search)
        >>> found.landscape.starts, round(found.best.loss, 6), 3.6 in {round(c.loss, 6) for c in found.minima}
        (8, 2.8, True)

    (3.6 = 18/5 is the blind spot's bad minimum, 2.8 = 14/5 the better point's loss.)
    """
    import numpy as np

    from badminima.search.basins import survey
    from badminima.search.starts import multistart

    ends = multistart(
        network,
        dataset,
        search.starts,
        init=search.init,
        optimizer=search.optimizer,
        stopping=search.stopping,
        seed=search.seed,
        starts=None if initial is None else np.asarray(initial, dtype=float),
    )
    return NumericalMinima(network, ends, survey(network, ends))


@dataclass(frozen=True)
class Certified(Generic[R]):
    """What `certify_minima` established: every judgement made (``results``, in order; None judgements
    are not kept), the one that settled the question (``settled``, or None) and how many candidates
    were ``tried``."""

    results: tuple[R, ...]
    settled: R | None
    tried: int


def _any(result: Any) -> bool:
    return True


def certify_minima(
    judge: Callable[[C], R],
    candidates: Iterable[C],
    *,
    tries: int | None = None,
    stop: Callable[[R], bool] = _any,
) -> Certified[R]:
    """Hand ``candidates`` in order (at most ``tries`` of them) to ``judge`` — which makes one exact and
    certifies it, returning None to pass it by — until a judgement satisfies ``stop`` (by default: any).

    Example:
        >>> certify_minima(lambda x: x if x > 2 else None, [1, 3, 5]).settled
        3
        >>> out = certify_minima(lambda x: x, [1, 3, 5], tries=2, stop=lambda r: r > 4)
        >>> out.settled, out.results, out.tried
        (None, (1, 3), 2)
    """
    results: list[R] = []
    tried = 0
    for candidate in itertools.islice(candidates, tries):
        tried += 1
        result = judge(candidate)
        if result is None:
            continue
        results.append(result)
        if stop(result):
            return Certified(tuple(results), result, tried)
    return Certified(tuple(results), None, tried)
