"""From multistart end points to the landscape they saw: distinct critical points modulo symmetry, each
with its loss, Hessian index and basin share (with a Wilson interval), and the runs that ran off to
infinity, diverged, or did not settle, counted apart. Numeric: what `verify` is then asked to prove."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from badminima.model.network import Network
from badminima.search.clustering import Cluster, cluster_points, wilson_interval
from badminima.search.starts import Ends

# A critical point counts as a numerically strict minimum when its Hessian's smallest eigenvalue exceeds
# this (index 0 alone would admit flat directions; the certificate decides in the end).
STRICT_EIGENVALUE = 1e-9


@dataclass(frozen=True)
class CriticalPoint:
    """One critical point modulo symmetry: its cluster of end points, the Hessian index and smallest
    eigenvalue at its representative, and its basin share (members / the starts that ended classified:
    critical, escaped or diverged) with a confidence interval."""

    cluster: Cluster
    row: int
    index: int
    min_eigenvalue: float
    share: float
    interval: tuple[float, float]
    piecewise_linear: bool = False

    @property
    def loss(self) -> float:
        return self.cluster.loss

    @property
    def is_strict_minimum(self) -> bool:
        """Index 0 and smallest Hessian eigenvalue above `STRICT_EIGENVALUE` (numerically)."""
        return self.index == 0 and self.min_eigenvalue > STRICT_EIGENVALUE

    @property
    def is_candidate_minimum(self) -> bool:
        """Worth asking the verifier: a numerically strict minimum, or, on piecewise-linear networks,
        any point of index 0 (ReLU rescalings and identity units' GL symmetry leave zero eigenvalues
        at every minimum, and the exact region proofs do not need a positive definite Hessian)."""
        return self.is_strict_minimum or (self.piecewise_linear and self.index == 0)


@dataclass(frozen=True)
class Landscape:
    """What K starts found: the critical points (by loss), the lowest-loss end point of any status
    (``best_row``: often a point far out on the way to a minimum at infinity), and the counts of runs
    that escaped to infinity, diverged, or stopped unconverged."""

    points: tuple[CriticalPoint, ...]
    best_row: int
    best_loss: float
    starts: int
    escaped: int
    diverged: int
    unconverged: int

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        """The candidate local minima (`CriticalPoint.is_candidate_minimum`), by loss."""
        return tuple(p for p in self.points if p.is_candidate_minimum)


def survey(network: Network, ends: Ends, *, confidence: float = 0.95) -> Landscape:
    """Cluster the ``critical`` end points modulo the network's symmetries and attach each cluster's
    Hessian index and basin share.

    Example:
        >>> from badminima.constructions import construction
        >>> from badminima.search.starts import multistart
        >>> trap = construction("relu-blind-spot").build()
        >>> seen = survey(trap.network, multistart(trap.network, trap.dataset, 16, seed=0))
        >>> seen.starts
        16
    """
    critical = np.flatnonzero(ends.status == "critical")
    clusters = cluster_points(network, ends.thetas[critical], ends.losses[critical]) if critical.size else []
    # Shares among the starts that ended somewhere: an unconverged start's basin is unknown, and
    # counting it against every basin would bias the shares towards the fast ones.
    ended = max(1, ends.k - ends.count("unconverged"))
    points = []
    for c in clusters:
        row = int(critical[c.index])
        points.append(
            CriticalPoint(
                cluster=c,
                row=row,
                index=int(ends.indices[row]),
                min_eigenvalue=float(ends.min_eigenvalues[row]),
                share=c.count / ended,
                interval=wilson_interval(c.count, ended, confidence=confidence),
                piecewise_linear=network.is_piecewise_linear,
            )
        )
    finite = ends.status != "diverged"
    best = int(np.argmin(np.where(finite, ends.losses, np.inf)))
    return Landscape(
        points=tuple(points),
        best_row=best,
        best_loss=float(ends.losses[best]),
        starts=ends.k,
        escaped=ends.count("escaped"),
        diverged=ends.count("diverged"),
        unconverged=ends.count("unconverged"),
    )
