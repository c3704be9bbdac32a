"""Hunt for the paper's half-accuracy deadlock: 2-2-1 sigmoid traps whose accuracy is at most half the
better point's, with every output at both points at least a margin from 1/2.

Runs ``badminima search --objective accuracy`` (evolve, or design with ``--design``) for a time budget
on N-point datasets, then reads every certified trap of the run (shrunk copies included: their data
differ) and prints the distribution of the ratio trap accuracy / better-point accuracy over the traps
whose margins hold (`badminima.search.margins`, proved in balls), and the best one, written as a trap
file for ``badminima verify``.

    python benchmarks/accuracy_hunt.py [--points 10] [--budget 3m] [--seed 0] [--margin 0.05] [--design]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from fractions import Fraction
from pathlib import Path

import torch

from badminima import Network, save_trap
from badminima.landscape.evaluation import accuracy
from badminima.search.candidates import SearchSettings
from badminima.search.catalogue import Catalogue
from badminima.search.catalogue_entries import CERTIFIED
from badminima.search.margins import output_margin
from badminima.search.pipeline import Budget, run_search
from badminima.search.proposals import DatasetSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--grid", type=int, default=3)
    parser.add_argument("--budget", default="3m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--margin", type=Fraction, default=Fraction(1, 20))
    parser.add_argument("--design", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("accuracy-hunt-best.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = SearchSettings(
        Network((2, 2, 1), "sigmoid"),
        DatasetSpec(args.points, 2, extent=args.grid),
        objective="accuracy",
        margin=args.margin,
        strategy="design" if args.design else "evolve",
    )
    ratios: Counter[Fraction] = Counter()
    best = None
    with tempfile.TemporaryDirectory() as tmp, Catalogue.open(Path(tmp) / "hunt.sqlite") as cat:
        report = run_search(settings, seed=args.seed, budget=Budget.parse(args.budget), catalogue=cat)
        traps = [e.trap for e in cat.entries(run_id=report.run_id, status=CERTIFIED)]
        for trap in traps:
            assert trap.better is not None
            margins = [output_margin(trap.network, trap.dataset, p) for p in (trap.point, trap.better)]
            if min(margins) < args.margin:
                continue
            bad = accuracy(trap.network, trap.dataset, trap.point)
            good = accuracy(trap.network, trap.dataset, trap.better)
            if bad is None or not good:
                continue
            ratio = bad / good
            ratios[ratio] += 1
            if best is None or ratio < best[0]:
                best = (ratio, bad, good, min(margins), trap)
    total = sum(report.ends.values())
    print(
        f"{args.points} points, {report.tried} candidates in {report.seconds:.0f} s, seed {args.seed}; "
        f"{len(traps)} certified traps, {sum(ratios.values())} with margin >= {float(args.margin)}; "
        f"starts classified {1 - report.ends.get('unconverged', 0) / max(1, total):.1%}"
    )
    for ratio, count in sorted(ratios.items()):
        print(f"  trap/better accuracy {ratio!s:>6} ({float(ratio):.3f}): {count}")
    if best is not None:
        ratio, bad, good, margin, trap = best
        save_trap(trap, args.out)
        print(f"best: {bad} vs {good} (ratio {ratio}), margin {float(margin):.3f}; written to {args.out}")


if __name__ == "__main__":
    main()
