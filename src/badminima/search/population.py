"""Safran & Shamir's experiment: gradient descent on the Gaussian population loss from Xavier starts.

Protocol (Safran & Shamir 2018, and the code of Safran, Yehudai & Shamir 2021): n = k, teacher V = I,
W ~ Xavier (N(0, 2/(k + n)) entries, i.e. N(0, 1/k) when n = k), fixed step 5/k, run until
‖∇F‖ ≤ 1e-12. Here every run also stops at ``max_steps`` (reported as unconverged, never counted as a
minimum). A converged run ends at the global minimum when F ≤ `GLOBAL_LOSS` and at a spurious critical
point otherwise; a run whose loss falls to `GLOBAL_LOSS` is stopped there and counted as global (with
k + 1 student neurons the global minima are not isolated and ‖∇F‖ decays too slowly for 1e-12).
End points are grouped modulo the symmetries of the problem by the package's clustering
(`badminima.search.clustering.cluster_points`, which quotients permutations of the neurons) after
the coordinates are put in a canonical order modulo the coordinate permutations the teacher allows
(`badminima.search.population_orbits`; for V = I all of them: permuting the coordinates permutes the
teacher's neurons). Each
distinct spurious end point gets its smallest float Hessian eigenvalue.

The batched float gradient is the closed form of `badminima.landscape.population`, vmapped over runs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from badminima.arithmetic.floating import DTYPE
from badminima.constructions.safran_shamir import teacher
from badminima.errors import SettingsError
from badminima.landscape.population import (
    batched_population_gradients,
    batched_population_hessians,
    batched_population_losses,
)
from badminima.model.population import sum_of_relus
from badminima.search.clustering import Cluster, cluster_points, wilson_interval
from badminima.search.population_orbits import (
    CoordinateSymmetry,
    canonical_columns as canonical_columns,  # re-exported: its home before population_orbits
    coordinate_symmetries,
)

GLOBAL_LOSS = 1e-9
"""A converged run with F at most this ended at the global minimum (spurious minima have F ≥ 1e-3)."""


def xavier(k: int, n: int, runs: int, *, generator: torch.Generator) -> torch.Tensor:
    """``runs`` Xavier-normal starts for a k × n layer: entries N(0, 2/(k + n)), shape (runs, k, n)."""
    return torch.randn(runs, k, n, generator=generator, dtype=DTYPE) * math.sqrt(2.0 / (k + n))


NORMS = ("frobenius", "neuron")
DIVERGED = 1e4
"""A gradient norm above this stops a run as diverged (counted unconverged; the 2018 code's threshold)."""


@dataclass(frozen=True, slots=True)
class Protocol:
    """One published GD protocol: the step (``step``/k, at most 1, when ``step_over_k``; else ``step``),
    the start (``init``: ``xavier``, N(0, 2/(k + n)) for a k × n student, or ``fan-in``, N(0, 1/n)),
    and the stopping rule: ``norm`` of ∇F at most ``tol``, where ``frobenius`` is ‖∇F‖_F and ``neuron``
    is max_i ‖∇_{w_i}F‖. ``source`` says where each setting was read."""

    name: str
    step: float
    step_over_k: bool
    init: str
    norm: str
    tol: float
    source: str

    def step_size(self, k: int) -> float:
        """The step for a teacher of k neurons."""
        return min(self.step / k, 1.0) if self.step_over_k else self.step

    def starts(self, width: int, n: int, runs: int, *, generator: torch.Generator) -> torch.Tensor:
        """``runs`` start points for a ``width`` × ``n`` student, shape (runs, width, n)."""
        if self.init == "xavier":
            return xavier(width, n, runs, generator=generator)
        return torch.randn(runs, width, n, generator=generator, dtype=DTYPE) / math.sqrt(n)


PROTOCOLS = {
    "2021": Protocol(
        "2021",
        step=5.0,
        step_over_k=True,
        init="xavier",
        norm="frobenius",
        tol=1e-12,
        source=(
            "Safran, Yehudai & Shamir 2021 (COLT, arXiv:2006.01005), "
            "github.com/ItaySafran/Overparameterization README and local_minima.py: "
            "Xavier W ~ N(0, 1/k), fixed step 5/k, until ‖∇F‖_F ≤ 1e-12"
        ),
    ),
    "2018": Protocol(
        "2018",
        step=0.1,
        step_over_k=False,
        init="fan-in",
        norm="neuron",
        tol=1e-9 / (2 * math.pi),
        source=(
            "Safran & Shamir 2018 (ICML, arXiv:1712.08968), github.com/ItaySafran/OneLayerGDconvergence "
            "GD_code/findBadMinima.m and findMinimum.m: W = randn(d, k)/sqrt(d), stepsize 0.1 on ∇F, until "
            "max_i ‖2π ∇_{w_i} F‖ ≤ 1e-9"
        ),
    ),
}
"""The two published protocols (their code read, not copied; see README, Population landscapes). For a
student of k neurons the two starts agree (N(0, 1/k)); for k + 1 neurons the 2018 code draws N(0, 1/n)."""


@dataclass(frozen=True)
class Descent:
    """End points of batched gradient descent: points, gradient norms, steps taken per run, and which
    runs stopped at the global minimum's loss level."""

    W: torch.Tensor
    gradient_norm: torch.Tensor
    steps: torch.Tensor
    at_global: torch.Tensor

    def converged(self, tol: float) -> torch.Tensor:
        """Runs that reached ‖∇F‖ ≤ ``tol`` or the global minimum's loss level."""
        return (self.gradient_norm <= tol) | self.at_global


def descend(
    W: torch.Tensor,
    V: torch.Tensor,
    *,
    step: float,
    tol: float = 1e-12,
    max_steps: int = 60_000,
    check_loss: int = 100,
    norm: str = "frobenius",
    threads: int = 1,
) -> Descent:
    """Gradient descent W ← W − step·∇F on every run at once; a run stops once ‖∇F‖_F ≤ ``tol``, or
    (checked every ``check_loss`` steps) once F ≤ `GLOBAL_LOSS`: F ≥ 0 and every spurious minimum
    lies far above, so such a run is classified as ending at the global minimum — where, with more
    student neurons than teacher neurons, the minima are not isolated and the gradient decays too slowly
    to reach ``tol``. ``norm`` is ``frobenius`` (‖∇F‖_F) or ``neuron`` (max_i ‖∇_{w_i}F‖, as the 2018
    code); a run whose gradient norm exceeds `DIVERGED` (or is not finite) stops there, unconverged.
    Torch runs on ``threads`` threads meanwhile (restored after): the arrays are small, and on a busy
    2-core machine two threads made each step about ten times slower (measured; see
    ``benchmarks/population_descent.py``)."""
    if norm not in NORMS:
        raise SettingsError(f"norm: expected one of {', '.join(NORMS)}, got {norm!r}")
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _descend(W, V, step=step, tol=tol, max_steps=max_steps, check_loss=check_loss, norm=norm)
    finally:
        torch.set_num_threads(previous)


def _descend(
    W: torch.Tensor, V: torch.Tensor, *, step: float, tol: float, max_steps: int, check_loss: int, norm: str
) -> Descent:
    W = W.clone()
    norms = torch.full((len(W),), math.inf, dtype=DTYPE)
    steps = torch.zeros(len(W), dtype=torch.long)
    at_global = torch.zeros(len(W), dtype=torch.bool)
    # The runs still moving, as one compact stack: finished runs leave it (their end points are written
    # back once), so a step costs O(active runs · k² · n) and no gather or scatter over all runs.
    active, live = torch.arange(len(W)), W.clone()
    for it in range(max_steps + 1):
        if not len(active):
            break
        G = batched_population_gradients(live, V)
        g = G.flatten(1).norm(dim=1) if norm == "frobenius" else G.norm(dim=2).amax(dim=1)
        stop = (g <= tol) | ~(g <= DIVERGED)
        low = None
        if it % check_loss == 0:
            low = batched_population_losses(live, V) <= GLOBAL_LOSS
            stop |= low
        if it == max_steps:
            stop[:] = True
        if bool(stop.any()):
            done = active[stop]
            W[done], norms[done], steps[done] = live[stop], g[stop], it
            if low is not None:
                at_global[done] = low[stop]
            keep = ~stop
            active, live, G = active[keep], live[keep], G[keep]
        live = live - step * G
    return Descent(W, norms, steps, at_global)


@dataclass(frozen=True)
class DistinctMinimum:
    """One spurious end point modulo symmetry: its loss, how many runs reached it, its smallest float
    Hessian eigenvalue, and one representative point."""

    loss: float
    runs: int
    min_eigenvalue: float
    point: torch.Tensor


@dataclass(frozen=True)
class Experiment:
    """The outcome for one k: counts of runs by end, the share in spurious minima with its Wilson 95%
    interval, and the distinct spurious minima."""

    k: int
    n: int
    student: int
    runs: int
    global_runs: int
    spurious_runs: int
    unconverged_runs: int
    share: float
    interval: tuple[float, float]
    minima: tuple[DistinctMinimum, ...]
    seconds: float
    max_steps: int
    tol: float
    protocol: str = "2021"


def cluster_ends(W: torch.Tensor, losses: torch.Tensor, symmetry: CoordinateSymmetry) -> list[Cluster]:
    """Clusters of the end points ``W`` (K, k, n) with ``losses`` (K,) modulo permutations of the
    neurons and the teacher's coordinate ``symmetry``: `cluster_points` on the student network (output
    weights 1) after `CoordinateSymmetry.canonical`."""
    if not len(W):
        return []
    k, n = W.shape[1:]
    points = torch.stack([symmetry.canonical(w) for w in W])
    thetas = torch.cat([points.flatten(1), torch.ones(len(W), k, dtype=DTYPE)], dim=1)
    return cluster_points(sum_of_relus(n, k), thetas.numpy(), losses.numpy())


def max_steps_for(protocol: Protocol, k: int) -> int:
    """The step cap: 60,000 steps of 5/k at most, as many more as a smaller step needs to cover the
    same length (neither paper caps its runs; a capped run is reported unconverged, never a minimum)."""
    return max(60_000, math.ceil(60_000 * min(5.0 / k, 1.0) / protocol.step_size(k)))


def run_experiment(
    k: int,
    *,
    runs: int,
    seed: int = 0,
    student: int | None = None,
    protocol: Protocol = PROTOCOLS["2021"],
    tol: float | None = None,
    max_steps: int | None = None,
) -> Experiment:
    """Safran & Shamir's experiment for one k (n = k, V = I): ``runs`` GD runs of a student of
    ``student`` neurons (default k; k + 1 for mild over-parameterisation) under ``protocol`` (default
    the 2021 one: Xavier starts, step min(5/k, 1) — their 5/k for k ≥ 5; below, 5/k exceeds
    2/λ_max(∇²F) and GD oscillates — until ‖∇F‖_F ≤ 1e-12). ``tol`` overrides the protocol's
    tolerance; ``max_steps`` caps every run (the papers set none; default `max_steps_for`).

    Example:
        >>> ex = run_experiment(4, runs=8, seed=0, max_steps=4000, tol=1e-8)
        >>> ex.runs == ex.global_runs + ex.spurious_runs + ex.unconverged_runs
        True
    """
    start = time.perf_counter()
    width = student or k
    tol = protocol.tol if tol is None else tol
    max_steps = max_steps_for(protocol, k) if max_steps is None else max_steps
    gen = torch.Generator().manual_seed(seed)
    V = torch.eye(k, dtype=DTYPE)
    start_points = protocol.starts(width, k, runs, generator=gen)
    end = descend(
        start_points, V, step=protocol.step_size(k), tol=tol, max_steps=max_steps, norm=protocol.norm
    )
    done = end.converged(tol)
    losses = batched_population_losses(end.W, V)
    spurious = done & (losses > GLOBAL_LOSS)
    index = torch.nonzero(spurious).flatten()
    clusters = cluster_ends(end.W[index], losses[index], coordinate_symmetries(teacher(k).teacher_rows))
    reps = [int(index[c.index]) for c in clusters]
    eigs = torch.linalg.eigvalsh(batched_population_hessians(end.W[reps], V))[:, 0].tolist() if reps else []
    minima = tuple(
        DistinctMinimum(float(losses[r]), c.count, e, end.W[r])
        for c, r, e in zip(clusters, reps, eigs, strict=True)
    )
    n_spurious, n_done = int(spurious.sum()), int(done.sum())
    return Experiment(
        k=k,
        n=k,
        student=width,
        runs=runs,
        global_runs=n_done - n_spurious,
        spurious_runs=n_spurious,
        unconverged_runs=runs - n_done,
        share=n_spurious / runs,
        interval=wilson_interval(n_spurious, runs),
        minima=minima,
        seconds=time.perf_counter() - start,
        max_steps=max_steps,
        tol=tol,
        protocol=protocol.name,
    )
