"""The search's old settings against its new defaults, on the same seed and candidate budget, in one run;
then whether the fast first-order engine pays as a first phase before Newton.

Workload of issue #16: ``badminima search --widths 2,2,1 --activation sigmoid --points 10``, in this
process with torch single-threaded. "Old" is the search's settings as it shipped before: 256 starts of
1,000 full-batch GD steps (lr 0.5) per candidate, then a damped-Newton polish, half the proposals mutated
from the elite, one trap per candidate; "new" is the default now: 128 starts of at most 300 batched
saddle-free Newton steps (`badminima.search.newton`), 80% of proposals mutated, up to 6 distinct bad
minima certified per candidate. Both run on today's engine (its forward-mode Hessians speed up the old
settings' polish too), so the ratio is the settings' alone. Prints, for each:

- init-steps/s (a Newton step costs far more than a GD step: compare the other rows, not this one);
- the share of starts classified (at a critical point, escaping to infinity, or diverged);
- distinct certified traps, and per minute: distinct modulo the network's symmetries (same data up to
  the order of the points, same canonical point to 6 digits), and a shrunk copy counted once, with the
  trap it was shrunk from;

and the ratio new/old of each.

The fast path: one generation's batch (16 candidates of the search's first generation, 128 starts
each, as the search trains them) trained by Newton alone, against a first phase of ``--prelude``
first-order steps (compiled float32 GD and Adam, and eager float64 GD) whose unfinished starts Newton
then takes over. Prints the seconds (compilation apart: it is paid once per process and batch shape),
the Newton init-steps, and the starts classified per second, before the polish.

    python benchmarks/search.py [--candidates 32] [--seed 3] [--prelude 500] [--no-compile]
                                [--fast-only | --no-fast-path]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from badminima import Network
from badminima.search.candidates import SearchSettings, start_seed
from badminima.search.catalogue import Catalogue
from badminima.search.catalogue_entries import CERTIFIED, Entry
from badminima.search.clustering import canonical
from badminima.search.pipeline import Budget, run_search
from badminima.search.proposals import DatasetSpec, propose, to_dataset
from badminima.search.starts import Optimizer, Stopping, initial_points, train

NETWORK = Network((2, 2, 1), "sigmoid")
SPEC = DatasetSpec(10, 2, extent=3)
OLD = SearchSettings(
    NETWORK,
    SPEC,
    starts=256,
    optimizer=Optimizer("gd", lr=0.5),
    stopping=Stopping(max_steps=1000),
    explore=0.5,
    minima=1,
)
NEW = SearchSettings(NETWORK, SPEC)


def distinct(entries: list[Entry]) -> int:
    """Certified traps counted once per (dataset as a set of points, canonical point to 6 digits);
    shrunk copies are left out (each is counted with the trap it was shrunk from)."""
    keys = set()
    for e in entries:
        if e.status != CERTIFIED or (e.trap.name or "").endswith("-shrunk"):
            continue
        data = frozenset(zip(e.trap.dataset.X, e.trap.dataset.y, strict=True))
        point = np.array([float(v) for v in e.trap.point.flatten()])
        keys.add((data, tuple(np.round(canonical(e.trap.network, point), 6))))
    return len(keys)


def measure(settings: SearchSettings, candidates: int, seed: int, path: Path) -> dict[str, float]:
    with Catalogue.open(path) as cat:
        t0 = time.perf_counter()
        report = run_search(settings, seed=seed, budget=Budget(candidates=candidates), catalogue=cat)
        seconds = time.perf_counter() - t0
        traps = distinct(cat.entries(run_id=report.run_id))
    ends = report.ends
    total = sum(ends.values())
    return {
        "seconds": seconds,
        "init-steps/s": report.init_steps / seconds,
        "share classified": (total - ends.get("unconverged", 0)) / total,
        "distinct certified traps": traps,
        "distinct traps per minute": 60 * traps / seconds,
    }


def fast_path(seed: int, prelude: int, compile: bool) -> list[tuple[str, float, float, int, float]]:
    """Rows (name, compile seconds, train seconds, Newton init-steps, classified starts per second)
    for Newton alone and for each first-order first phase, on generation 0 of a search with ``seed``."""
    spec, k = NEW.data, NEW.starts
    datasets = [to_dataset(spec, *propose(spec, seed, i, [])) for i in range(NEW.generation)]
    theta0 = torch.cat(
        [initial_points(NETWORK, k, init=NEW.init, seed=start_seed(seed, i)) for i in range(len(datasets))], 1
    )
    newton, stop = Optimizer("newton"), NEW.stopping
    rows = []
    t0 = time.perf_counter()
    _, status, steps, _ = train(NETWORK, datasets, theta0, optimizer=newton, stopping=stop)
    seconds = time.perf_counter() - t0
    rows.append(
        (
            "Newton alone (the default)",
            0.0,
            seconds,
            int(steps.sum()),
            float((status != "unconverged").sum()) / seconds,
        )
    )
    phases = [("GD lr 0.5", Optimizer("gd", lr=0.5), torch.float64, False)]
    if compile:
        phases = [
            ("GD lr 0.5", Optimizer("gd", lr=0.5), torch.float32, True),
            ("Adam lr 0.05", Optimizer("adam", lr=0.05), torch.float32, True),
            *phases,
        ]
    first = Stopping(max_steps=prelude, check_every=50)
    for name, opt, dtype, compiled in phases:
        label = f"{prelude} {name}, {'compiled float32' if compiled else 'eager float64'}, then Newton"
        kwargs = {"optimizer": opt, "stopping": first, "dtype": dtype, "compile": compiled}
        warm = 0.0
        if compiled:  # the first call compiles; timed apart
            t0 = time.perf_counter()
            train(NETWORK, datasets, theta0, **kwargs)
            warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        theta1, status1, _, _ = train(NETWORK, datasets, theta0, **kwargs)
        # Escaped and diverged starts are final; Newton takes every other start on from where it is.
        _, status, steps, _ = train(NETWORK, datasets, theta1, optimizer=newton, stopping=stop)
        seconds = time.perf_counter() - t0
        final = np.where((status1 == "escaped") | (status1 == "diverged"), status1, status)
        rows.append((label, warm, seconds, int(steps.sum()), float((final != "unconverged").sum()) / seconds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=32)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--prelude", type=int, default=500)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--fast-only", action="store_true", help="only the fast-path comparison")
    parser.add_argument("--no-fast-path", action="store_true", help="only the old/new comparison")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if not args.fast_only:
        with tempfile.TemporaryDirectory() as tmp:
            old = measure(OLD, args.candidates, args.seed, Path(tmp) / "old.sqlite")
            new = measure(NEW, args.candidates, args.seed, Path(tmp) / "new.sqlite")
        print(
            f"2-2-1 sigmoid, 10 points, seed {args.seed}, {args.candidates} candidates each, one thread; "
            f"old = 256 GD starts x 1000 steps, explore {OLD.explore}, {OLD.minima} trap/candidate; "
            f"new = 128 Newton starts x <= {NEW.stopping.max_steps} steps, explore {NEW.explore}, "
            f"<= {NEW.minima} traps/candidate"
        )
        print(f"{'':28}{'old':>12}{'new':>12}{'new/old':>10}")
        for key in old:
            a, b = old[key], new[key]
            ratio = f"{b / a:.2f}x" if a else "—"
            fmt = ".3g" if key != "share classified" else ".1%"
            print(f"{key:28}{a:>12{fmt}}{b:>12{fmt}}{ratio:>10}")
    if args.no_fast_path:
        return
    rows = fast_path(args.seed, args.prelude, not args.no_compile)
    print(
        f"fast path: generation 0 of seed {args.seed}, 16 candidates x {NEW.starts} starts in one batch, "
        "classified before the polish"
    )
    print(f"{'':58}{'compile s':>10}{'train s':>9}{'Newton init-steps':>18}{'classified/s':>13}")
    for label, warm, seconds, steps, rate in rows:
        print(f"{label:58}{warm:>10.1f}{seconds:>9.2f}{steps:>18}{rate:>13.1f}")
    base = rows[0][4]
    best = max(rows[1:], key=lambda r: r[4])
    print(f"best first phase: {best[4] / base:.2f}x the classified starts per second of Newton alone")


if __name__ == "__main__":
    main()
