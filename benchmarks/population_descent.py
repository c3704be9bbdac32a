"""Speed of Safran & Shamir's gradient descent on the Gaussian population loss, against the engine it
replaced, measured in the same run.

Two measurements, float64:

1. one batched gradient ∇F at R students at once, on one torch thread: the baseline maps the
   one-student closed form over the runs with ``torch.func.vmap`` (the engine before); the new path
   runs the same closed form (`badminima.landscape.population.pairs` broadcasts over leading axes) on
   the whole (R, k, n) stack;
2. whole descents, Xavier starts, step 5/k, to ‖∇F‖ ≤ 1e-12 (or F ≤ 1e-9): the baseline is the loop
   before (a vmapped gradient, every step a gather and scatter of the active runs out of and into the
   full stack, torch's default thread count), also timed on one thread; the new one is
   `badminima.search.population.descend` (a compact stack of the runs still moving, one thread). Both
   must end at the same losses; the ratios are printed. On a busy machine the thread count is most of
   the difference: tiny matrix products on two threads wait for a core. The last column is the work
   an engine that freezes finished runs with masks (fixed shapes, as `badminima.search.starts.train`)
   would do, R × the longest run, over the work of the compact stack, Σ steps.

    python benchmarks/population_descent.py [--k 7 10 14] [--runs 100]
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.landscape.population import (
    batched_population_gradients,
    batched_population_losses,
    population_gradient,
    population_loss,
)
from badminima.search.population import GLOBAL_LOSS, descend, xavier

FLOAT = FloatArithmetic()


def vmapped(fn, V: torch.Tensor):
    return torch.func.vmap(lambda w: fn(w, V, arith=FLOAT))


def baseline_descend(W: torch.Tensor, V: torch.Tensor, *, step: float, tol: float, max_steps: int):
    """The descent loop as it was before the compact stack (kept here only as the baseline)."""
    grad, loss = vmapped(population_gradient, V), vmapped(population_loss, V)
    W = W.clone()
    norms = torch.full((len(W),), math.inf, dtype=DTYPE)
    steps = torch.zeros(len(W), dtype=torch.long)
    at_global = torch.zeros(len(W), dtype=torch.bool)
    active = torch.arange(len(W))
    for it in range(max_steps + 1):
        if not len(active):
            break
        G = grad(W[active])
        g = G.flatten(1).norm(dim=1)
        norms[active] = g
        moving = ~(g <= tol)
        if it % 100 == 0:
            low = loss(W[active]) <= GLOBAL_LOSS
            at_global[active] = low
            moving &= ~low
        if not bool(moving.any()):
            break
        active, G = active[moving], G[moving]
        if int(steps[active[0]]) >= max_steps:
            break
        W[active] = W[active] - step * G
        steps[active] += 1
    return W, steps


def per_step(fn, W: torch.Tensor, repeats: int) -> float:
    fn(W)
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn(W)
    return (time.perf_counter() - t0) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[7, 10, 14])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--max-steps", type=int, default=60_000)
    args = parser.parse_args()
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    print("one gradient of R students (ms)")
    print(f"{'k':>3} {'R':>5} {'vmap':>9} {'batched':>9} {'ratio':>6}")
    for k in (6, 10, 20):
        V = torch.eye(k, dtype=DTYPE)
        for R in (10, 100, 500):
            W = xavier(k, k, R, generator=torch.Generator().manual_seed(0))
            reps = max(5, 2000 // R)
            old = per_step(vmapped(population_gradient, V), W, reps)
            new = per_step(lambda W, V=V: batched_population_gradients(W, V), W, reps)
            print(f"{k:3d} {R:5d} {1e3 * old:9.3f} {1e3 * new:9.3f} {old / new:5.1f}×")
    print(f"\nwhole descents: {args.runs} Xavier starts, step 5/k, to ‖∇F‖ ≤ 1e-12 (s)")
    print(
        f"{'k':>3} {'run-steps':>9} {'before, ' + str(default_threads) + ' threads':>18} "
        f"{'before, 1 thread':>17} {'now':>7}  ratios  masked/compact"
    )
    for k in args.k:
        V = torch.eye(k, dtype=DTYPE)
        W0 = xavier(k, k, args.runs, generator=torch.Generator().manual_seed(k))
        times, ends = [], []
        for threads in (default_threads, 1):
            torch.set_num_threads(threads)
            t0 = time.perf_counter()
            ends.append(baseline_descend(W0, V, step=5 / k, tol=1e-12, max_steps=args.max_steps))
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        end = descend(W0, V, step=5 / k, tol=1e-12, max_steps=args.max_steps)
        now = time.perf_counter() - t0
        for W_old, _ in ends:
            gap = batched_population_losses(end.W, V) - batched_population_losses(W_old, V)
            assert float(gap.abs().max()) < 1e-9, "the two engines ended at different points"
        print(
            f"{k:3d} {int(end.steps.sum()):9d} {times[0]:18.2f} {times[1]:17.2f} {now:7.2f}  "
            f"{times[0] / now:.1f}×, {times[1] / now:.1f}×  "
            f"{args.runs * int(end.steps.max()) / int(end.steps.sum()):.1f}×"
        )


if __name__ == "__main__":
    main()
