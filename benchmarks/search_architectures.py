"""What a time-budgeted search finds per architecture: traps, best gaps and the share of starts classified.

Runs ``badminima search ... --budget B --workers 1 --seed S --json`` once per architecture below (the
command's defaults otherwise), each into its own catalogue in a temporary directory, and prints one
Markdown table row per architecture (the README's "Beyond 2-2-1" table): candidates evaluated, starts
classified, certified traps (catalogue entries, shrunk and designed copies included), distinct traps
(modulo the network's symmetries, a shrunk copy counted with its trap: ``benchmarks/search.py``'s
``distinct``), the best proved loss gap, and the best accuracy gap (binary targets).

    python benchmarks/search_architectures.py [--budget 5m] [--seed 0] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from search import distinct  # benchmarks/search.py, beside this script

from badminima.search.catalogue import Catalogue
from badminima.search.catalogue_entries import CERTIFIED

# name: (command-line options, what the table says about the data)
ARCHITECTURES = {
    "2-3-1-sigmoid": (["--widths", "2,3,1", "--activation", "sigmoid", "--points", "10"], "10 points, 0/1"),
    "3-3-1-sigmoid": (["--widths", "3,3,1", "--activation", "sigmoid", "--points", "10"], "10 points, 0/1"),
    "2-3-1-tanh": (["--widths", "2,3,1", "--activation", "tanh", "--points", "10"], "10 points, 0/1"),
    "3-3-1-tanh": (["--widths", "3,3,1", "--activation", "tanh", "--points", "10"], "10 points, 0/1"),
    "2-2-2-1-sigmoid": (
        ["--widths", "2,2,2,1", "--activation", "sigmoid", "--points", "10"],
        "10 points, 0/1",
    ),
    "1-3-1-relu": (
        ["--widths", "1,3,1", "--activation", "relu", "--points", "6", "--targets", "real"],
        "6 points, real targets",
    ),
    "2-2-1-sigmoid-bce": (
        [
            "--widths",
            "2,2,1",
            "--activation",
            "sigmoid",
            "--output",
            "sigmoid",
            "--loss",
            "bce",
            "--points",
            "10",
        ],
        "10 points, 0/1",
    ),
}


def run(name: str, budget: str, seed: int, tmp: Path) -> str:
    """One architecture's search; its table row."""
    options, data = ARCHITECTURES[name]
    path = tmp / f"{name}.sqlite"
    command = [sys.executable, "-m", "badminima.cli", "search", *options]
    command += ["--budget", budget, "--seed", str(seed), "--workers", "1", "--catalogue", str(path), "--json"]
    env = {**os.environ, "CI": "1"}
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    report = json.loads(out)
    ends = report["ends"]
    starts = sum(ends.values())
    classified = 1 - ends["unconverged"] / starts if starts else 0.0
    with Catalogue.open(path, create=False, readonly=True) as cat:
        entries = [e for e in cat.entries(run_id=report["run"]) if e.status == CERTIFIED]
        n_distinct = distinct(entries)
    loss_gaps = [e.loss_gap for e in entries if e.loss_gap is not None]
    accuracy_gaps = [e.accuracy_gap for e in entries if e.accuracy_gap is not None]
    best_loss = f"{max(loss_gaps):.4g}" if loss_gaps else "—"
    best_accuracy = f"{max(accuracy_gaps):.2g}" if accuracy_gaps else "—"
    return (
        f"| {name} | {data} | {report['candidates']} | {classified:.1%} | {len(entries)} | {n_distinct} | "
        f"{best_loss} | {best_accuracy} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="5m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", choices=sorted(ARCHITECTURES), default=None)
    args = parser.parse_args()
    print(
        f"badminima search --budget {args.budget} --workers 1 --seed {args.seed}, one architecture at a time"
    )
    print(
        "| network | data | candidates | starts classified | certified traps | distinct traps | "
        "best loss gap | best accuracy gap |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or ARCHITECTURES:
            print(run(name, args.budget, args.seed, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
