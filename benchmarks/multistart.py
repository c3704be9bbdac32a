"""Init-steps per second of the multistart engine against a naive loop, measured in the same run.

The workload of issue #5: the 2-2-1 sigmoid network on the 10-point deadlock set, full-batch gradient
descent, K = 4096 initialisations. The baseline is one ``torch.nn`` model and one ``torch.optim.SGD``
per initialisation in a Python loop. Prints each engine mode's rate and its ratio to the baseline.

    python benchmarks/multistart.py [--k 4096] [--steps 2000] [--no-compile]
"""

from __future__ import annotations

import argparse
import time

import torch

from badminima.constructions import construction
from badminima.search.starts import Optimizer, Stopping, initial_points, train

LR = 0.5


def naive(trap, inits: int, steps: int) -> float:
    """Init-steps/s of one nn.Module + optim.SGD per initialisation."""
    X = torch.tensor([[float(v) for v in row] for row in trap.dataset.X], dtype=torch.float64)
    y = torch.tensor([[float(v) for v in row] for row in trap.dataset.y], dtype=torch.float64)
    t0 = time.perf_counter()
    for seed in range(inits):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1)).double()
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        for _ in range(steps):
            opt.zero_grad()
            loss = ((model(X) - y) ** 2).mean()
            loss.backward()
            opt.step()
    return inits * steps / (time.perf_counter() - t0)


def engine(trap, k: int, steps: int, dtype: torch.dtype, compile: bool) -> float:
    """Init-steps/s of `train` with every init kept active for ``steps`` steps."""
    starts = initial_points(trap.network, k, seed=0)
    never = Stopping(max_steps=steps, grad_tol=0.0, loss_tol=-1.0, max_norm=float("inf"), check_every=50)
    opt = Optimizer("gd", lr=LR)
    if compile:  # the first call compiles (about 20 s cold, 2 s with inductor's cache); not timed
        train(trap.network, trap.dataset, starts, optimizer=opt, stopping=never, dtype=dtype, compile=True)
    t0 = time.perf_counter()
    *_, init_steps = train(
        trap.network, trap.dataset, starts, optimizer=opt, stopping=never, dtype=dtype, compile=compile
    )
    return init_steps / (time.perf_counter() - t0)


def best(measure, threads: list[int]) -> tuple[float, int]:
    """The highest rate of ``measure()`` over torch thread counts (tiny tensors often run faster on one)."""
    rates = []
    for n in threads:
        torch.set_num_threads(n)
        rates.append((measure(), n))
    return max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--naive-inits", type=int, default=8)
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    trap = construction("sigmoid-deadlock").build()
    threads = sorted({1, torch.get_num_threads()})
    print(
        f"2-2-1 sigmoid, {trap.dataset.n_points} points, GD lr {LR}, K = {args.k}, {args.steps} steps; "
        f"each row the best over torch threads {threads}"
    )
    base, n = best(lambda: naive(trap, args.naive_inits, 200), threads)
    print(
        f"{'naive loop (nn.Module + optim.SGD per init)':48s} {base:12.3g} init-steps/s      1×  ({n} thread)"
    )
    modes = [("float64, eager", torch.float64, False), ("float32, eager", torch.float32, False)]
    if not args.no_compile:
        modes += [("float64, compiled", torch.float64, True), ("float32, compiled", torch.float32, True)]
    for label, dtype, comp in modes:
        rate, n = best(lambda dtype=dtype, comp=comp: engine(trap, args.k, args.steps, dtype, comp), threads)
        print(f"{'engine ' + label:48s} {rate:12.3g} init-steps/s {rate / base:6.0f}×  ({n} thread)")


if __name__ == "__main__":
    main()
