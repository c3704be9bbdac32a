"""Safran & Shamir's experiment: gradient descent on the Gaussian population loss from Xavier starts.

Protocol (Safran & Shamir 2018, and the code of Safran, Yehudai & Shamir 2021): n = k, teacher V = I,
W ~ Xavier (N(0, 2/(k + n)) entries, i.e. N(0, 1/k) when n = k), fixed step 5/k, run until
‖∇F‖ ≤ 1e-12. Here every run also stops at ``max_steps`` (reported as unconverged, never counted as a
minimum). A converged run ends at the global minimum when F ≤ `GLOBAL_LOSS` and at a spurious critical
point otherwise; a run whose loss falls to `GLOBAL_LOSS` is stopped there and counted as global (with
k + 1 student neurons the global minima are not isolated and ‖∇F‖ decays too slowly for 1e-12).
End points are grouped modulo the symmetries of the problem by the package's clustering
(`badminima.search.clustering.cluster_points`, which quotients permutations of the neurons) after
`canonical_columns` has put the coordinates in a canonical order when the teacher allows permuting them
(V a permutation matrix, as V = I: permuting the coordinates permutes the teacher's neurons). Each
distinct spurious end point gets its smallest float Hessian eigenvalue.

The batched float gradient is the closed form of `badminima.landscape.population`, vmapped over runs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from badminima.arithmetic.floating import DTYPE
from badminima.landscape.population import (
    batched_population_gradients,
    batched_population_hessians,
    batched_population_losses,
)
from badminima.model.population import sum_of_relus
from badminima.search.clustering import Cluster, cluster_points, wilson_interval

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


def permutes_coordinates(V: torch.Tensor) -> bool:
    """True when the teacher's rows are the rows of a permutation matrix (V = I among them): then
    permuting the input coordinates maps F to itself (it permutes the teacher's neurons)."""
    if V.shape[0] != V.shape[1]:
        return False
    ones = V == 1
    return bool(torch.all(ones | (V == 0)) and torch.all(ones.sum(0) == 1) and torch.all(ones.sum(1) == 1))


def canonical_columns(W: torch.Tensor) -> torch.Tensor:
    """``W`` (k, n) with its columns in a canonical order: sorted by their sorted entries (each column's
    multiset of entries is unchanged by permuting the neurons), compared on a grid of 1e-9 of the
    largest entry. Points related by permutations of neurons and of coordinates then differ by a
    permutation of neurons only — which `cluster_points` quotients — whenever the order is strict or
    the tied columns are exchangeable together with neurons (as in the symmetric minima, whose
    columns 1…k−1 tie); otherwise an orbit may come out as more than one cluster, never two orbits as one.

    Example:
        >>> W = torch.tensor([[3.0, 1.0], [4.0, 2.0]], dtype=torch.float64)
        >>> canonical_columns(W).tolist()
        [[1.0, 3.0], [2.0, 4.0]]
    """
    keys = torch.sort(W, dim=0).values
    grid = float(W.abs().max()) * 1e-9 or 1.0
    rounded = torch.round(keys / grid).numpy()
    order = np.lexsort(rounded[::-1])
    return W[:, torch.as_tensor(order.copy())]


def cluster_ends(W: torch.Tensor, losses: torch.Tensor, symmetric_coordinates: bool) -> list[Cluster]:
    """Clusters of the end points ``W`` (K, k, n) with ``losses`` (K,) modulo permutations of the
    neurons and, when ``symmetric_coordinates``, of the coordinates: `cluster_points` on the student
    network (output weights 1) after `canonical_columns`."""
    if not len(W):
        return []
    k, n = W.shape[1:]
    points = torch.stack([canonical_columns(w) for w in W]) if symmetric_coordinates else W
    thetas = torch.cat([points.flatten(1), torch.ones(len(W), k, dtype=DTYPE)], dim=1)
    return cluster_points(sum_of_relus(n, k), thetas.numpy(), losses.numpy())


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
    index = torch.nonzero(spurious).flatten()
    clusters = cluster_ends(end.W[index], losses[index], permutes_coordinates(V))
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
    )
