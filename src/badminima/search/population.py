"""Safran & Shamir's experiment: gradient descent on the Gaussian population loss from Xavier starts.

Protocol (Safran & Shamir 2018, and the code of Safran, Yehudai & Shamir 2021): n = k, teacher V = I,
W ~ Xavier (N(0, 2/(k + n)) entries, i.e. N(0, 1/k) when n = k), fixed step 5/k, run until
‖∇F‖ ≤ 1e-12. Here every run also stops at ``max_steps`` (reported as unconverged, never counted as a
minimum). A converged run ends at the global minimum when F ≤ `GLOBAL_LOSS` and at a spurious critical
point otherwise; a run whose loss falls to `GLOBAL_LOSS` is stopped there and counted as global (with
k + 1 student neurons the global minima are not isolated and ‖∇F‖ decays too slowly for 1e-12).
End points are grouped modulo the symmetries of the problem — permutations of the neurons and, since
V = I, of the coordinates (which permute the teacher's neurons among themselves) —
by invariants of that group: the loss (to 1e-9) and the sorted multiset of entries (to 1e-6). Each
distinct spurious end point gets its smallest float Hessian eigenvalue.

The batched float gradient is the closed form of `badminima.landscape.population`, vmapped over runs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from badminima.arithmetic.floating import DTYPE
from badminima.landscape.population import (
    batched_population_gradients,
    batched_population_hessians,
    batched_population_losses,
)
from badminima.search.clustering import wilson_interval

GLOBAL_LOSS = 1e-9
"""A converged run with F at most this ended at the global minimum (spurious minima have F ≥ 1e-3)."""


def xavier(k: int, n: int, runs: int, *, generator: torch.Generator) -> torch.Tensor:
    """``runs`` Xavier-normal starts for a k × n layer: entries N(0, 2/(k + n)), shape (runs, k, n)."""
    return torch.randn(runs, k, n, generator=generator, dtype=DTYPE) * math.sqrt(2.0 / (k + n))


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
) -> Descent:
    """Gradient descent W ← W − step·∇F on every run at once; a run stops once ‖∇F‖_F ≤ ``tol``, or
    (checked every ``check_loss`` steps) once F ≤ `GLOBAL_LOSS`: F ≥ 0 and every spurious minimum
    lies far above, so such a run is classified as ending at the global minimum — where, with more
    student neurons than teacher neurons, the minima are not isolated and the gradient decays too slowly
    to reach ``tol``."""
    W = W.clone()
    norms = torch.full((len(W),), math.inf, dtype=DTYPE)
    steps = torch.zeros(len(W), dtype=torch.long)
    at_global = torch.zeros(len(W), dtype=torch.bool)
    active = torch.arange(len(W))
    for it in range(max_steps + 1):
        if not len(active):
            break
        G = batched_population_gradients(W[active], V)
        g = G.flatten(1).norm(dim=1)
        norms[active] = g
        moving = ~(g <= tol)
        if it % check_loss == 0:
            low = batched_population_losses(W[active], V) <= GLOBAL_LOSS
            at_global[active] = low
            moving &= ~low
        if not bool(moving.any()):
            break
        active, G = active[moving], G[moving]
        if int(steps[active[0]]) >= max_steps:
            break
        W[active] = W[active] - step * G
        steps[active] += 1
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


def orbit_key(W: torch.Tensor, loss: float) -> tuple[float, ...]:
    """Invariants of W under permutations of rows and of columns: the loss and the sorted entries."""
    entries = sorted(round(float(v), 6) for v in W.reshape(-1))
    return (round(loss, 9), *entries)


def run_experiment(
    k: int,
    *,
    runs: int,
    seed: int = 0,
    student: int | None = None,
    tol: float = 1e-12,
    max_steps: int = 60_000,
) -> Experiment:
    """Safran & Shamir's experiment for one k (n = k, V = I): ``runs`` GD runs from Xavier starts with
    step min(5/k, 1) (their 5/k for k ≥ 5; below, 5/k exceeds 2/λ_max(∇²F) and GD oscillates), a
    student of ``student`` neurons (default k; k + 1 for mild over-parameterisation).

    Example:
        >>> ex = run_experiment(4, runs=8, seed=0, max_steps=4000, tol=1e-8)
        >>> ex.runs == ex.global_runs + ex.spurious_runs + ex.unconverged_runs
        True
    """
    start = time.perf_counter()
    width = student or k
    gen = torch.Generator().manual_seed(seed)
    V = torch.eye(k, dtype=DTYPE)
    start_points = xavier(width, k, runs, generator=gen)
    end = descend(start_points, V, step=min(5.0 / k, 1.0), tol=tol, max_steps=max_steps)
    done = end.converged(tol)
    losses = batched_population_losses(end.W, V)
    spurious = done & (losses > GLOBAL_LOSS)
    groups: dict[tuple[float, ...], list[int]] = {}
    for i in torch.nonzero(spurious).flatten().tolist():
        groups.setdefault(orbit_key(end.W[i], float(losses[i])), []).append(i)
    reps = [members[0] for members in groups.values()]
    eigs = torch.linalg.eigvalsh(batched_population_hessians(end.W[reps], V))[:, 0].tolist() if reps else []
    minima = tuple(
        sorted(
            (
                DistinctMinimum(float(losses[m[0]]), len(m), e, end.W[m[0]])
                for m, e in zip(groups.values(), eigs, strict=True)
            ),
            key=lambda d: d.loss,
        )
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
    )
