"""The search's old settings against its new defaults, on the same seed and candidate budget, in one run.

Workload of issue #16: ``badminima search --widths 2,2,1 --activation sigmoid --points 10``, in this
process with torch single-threaded. "Old" is the search as it shipped before: 256 starts of 1,000
full-batch GD steps (lr 0.5) per candidate, then a damped-Newton polish; "new" is the default now:
128 starts of at most 150 batched saddle-free Newton steps (`badminima.search.newton`). Prints, for each:

- init-steps/s (a Newton step costs far more than a GD step: compare the other rows, not this one);
- the share of starts classified (at a critical point, escaping to infinity, or diverged);
- distinct certified traps, and per minute: distinct modulo the network's symmetries (same data up to
  the order of the points, same canonical point to 6 digits), and a shrunk copy counted once, with the
  trap it was shrunk from;

and the ratio new/old of each.

    python benchmarks/search.py [--candidates 32] [--seed 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from badminima import Network
from badminima.search.candidates import SearchSettings
from badminima.search.catalogue import Catalogue
from badminima.search.catalogue_entries import CERTIFIED, Entry
from badminima.search.clustering import canonical
from badminima.search.pipeline import Budget, run_search
from badminima.search.proposals import DatasetSpec
from badminima.search.starts import Optimizer, Stopping

NETWORK = Network((2, 2, 1), "sigmoid")
SPEC = DatasetSpec(10, 2, extent=3)
OLD = SearchSettings(
    NETWORK, SPEC, starts=256, optimizer=Optimizer("gd", lr=0.5), stopping=Stopping(max_steps=1000)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=32)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        old = measure(OLD, args.candidates, args.seed, Path(tmp) / "old.sqlite")
        new = measure(NEW, args.candidates, args.seed, Path(tmp) / "new.sqlite")
    print(
        f"2-2-1 sigmoid, 10 points, seed {args.seed}, {args.candidates} candidates each, one thread; "
        "old = 256 GD starts x 1000 steps, new = 128 Newton starts x <= 150 steps"
    )
    print(f"{'':28}{'old':>12}{'new':>12}{'new/old':>10}")
    for key in old:
        a, b = old[key], new[key]
        ratio = f"{b / a:.2f}x" if a else "—"
        fmt = ".3g" if key != "share classified" else ".1%"
        print(f"{key:28}{a:>12{fmt}}{b:>12{fmt}}{ratio:>10}")


if __name__ == "__main__":
    main()
