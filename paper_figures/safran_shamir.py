"""Share of gradient-descent runs ending in a spurious minimum against k (Safran & Shamir 2018, §5).

For each k, n = k, teacher V = I, `badminima.search.population.run_experiment` runs gradient descent on
the closed-form Gaussian population loss from Xavier starts with step 5/k until ‖∇F‖ ≤ 1e-12 (or a step
cap: those runs are counted as unconverged, never as minima), for a student of k neurons and, beside it,
a mildly over-parameterised student of k + 1 neurons (Safran, Yehudai & Shamir 2021). The CSV has one row
per (k, student) with the share of runs in spurious minima and its Wilson 95% interval, the number of
distinct spurious minima modulo neuron and coordinate permutations, their losses and smallest Hessian
eigenvalues (float64), and a ``paper_percent`` column for the paper's published share — empty: the
paper's table was not found in the sources this project can read, and it is not typed from memory.
``safran-shamir-minima.csv`` lists every distinct spurious minimum.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from badminima.progress import ProgressHook, report

NAME = "safran-shamir"
TITLE = "Share of GD runs ending in a spurious minimum of the Gaussian population loss against k"

FULL_K = tuple(range(6, 21))
FULL_RUNS = 40
"""Runs per (k, student width) in the full setting: fewer than the paper's (their follow-up used 500) so
that the whole figure runs in minutes on two cores; the Wilson intervals say what that costs."""
SMALL_K = (6, 8)
SMALL_RUNS = 6

PAPER_PERCENT: dict[int, str] = {}
"""The paper's share (percent) per k, when a source for it is found; none is typed from memory."""


def _experiments(small: bool, seed: int, progress: ProgressHook | None = None) -> Iterator[Any]:
    from badminima.search.population import run_experiment

    ks, runs = (SMALL_K, SMALL_RUNS) if small else (FULL_K, FULL_RUNS)
    steps, tol = (6_000, 1e-9) if small else (60_000, 1e-12)
    done, total = 0, 2 * len(ks)
    for k in ks:
        for width in (k, k + 1):
            note = f"k = {k}, {width} student neurons: {runs} runs (larger k take longer)"
            report(progress, "experiments", done, total, note=note)
            done += 1
            yield run_experiment(k, runs=runs, seed=seed * 1000 + k, student=width, max_steps=steps, tol=tol)


HEADER = (
    "k",
    "n",
    "student_neurons",
    "runs",
    "global_runs",
    "spurious_runs",
    "unconverged_runs",
    "spurious_share",
    "wilson_low",
    "wilson_high",
    "distinct_spurious_minima",
    "spurious_losses",
    "smallest_hessian_eigenvalues",
    "paper_percent",
    "max_steps",
    "gradient_tol",
    "seconds",
)


def _row(e: Any) -> list[object]:
    return [
        e.k,
        e.n,
        e.student,
        e.runs,
        e.global_runs,
        e.spurious_runs,
        e.unconverged_runs,
        repr(e.share),
        repr(e.interval[0]),
        repr(e.interval[1]),
        len(e.minima),
        " ".join(f"{m.loss:.10g}" for m in e.minima),
        " ".join(f"{m.min_eigenvalue:.6g}" for m in e.minima),
        PAPER_PERCENT.get(e.k, "") if e.student == e.k else "",
        e.max_steps,
        e.tol,
        round(e.seconds, 2),
    ]


def make(
    out: Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[Path]:
    """Write ``safran-shamir.png``, ``safran-shamir.csv`` (one row per k and student width, written as
    each finishes) and ``safran-shamir-minima.csv`` (every distinct spurious minimum)."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path, minima_path = out / f"{NAME}.csv", out / f"{NAME}-minima.csv"
    exps = []
    with csv_path.open("w", newline="") as fh, minima_path.open("w", newline="") as mh:
        w, mw = csv.writer(fh), csv.writer(mh)
        w.writerow(HEADER)
        mw.writerow(["k", "student_neurons", "loss", "runs", "smallest_hessian_eigenvalue", "point_rows"])
        for e in _experiments(small, seed, progress):
            exps.append(e)
            w.writerow(_row(e))
            for m in e.minima:
                rows = ";".join(",".join(repr(float(v)) for v in r) for r in m.point.tolist())
                mw.writerow([e.k, e.student, repr(m.loss), m.runs, repr(m.min_eigenvalue), rows])
            fh.flush()
            mh.flush()
    png_path = out / f"{NAME}.png"
    _plot(png_path, exps)
    return [png_path, csv_path, minima_path]


def _plot(path: Path, exps: list[Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for offset, label, pick in ((0, "student k (ours)", 0), (1, "student k + 1 (ours)", 1)):
        sel = [e for e in exps if e.student - e.k == pick]
        ks = [e.k for e in sel]
        share = [100 * e.share for e in sel]
        err = [[100 * (e.share - e.interval[0]) for e in sel], [100 * (e.interval[1] - e.share) for e in sel]]
        ax.errorbar(ks, share, yerr=err, marker="o" if not offset else "s", capsize=3, label=label)
    paper = [(k, float(v)) for k, v in sorted(PAPER_PERCENT.items())]
    if paper:
        ax.plot([k for k, _ in paper], [v for _, v in paper], "k--x", label="paper")
    ax.set_xlabel("k = n (teacher V = I)")
    ax.set_ylabel("runs ending in a spurious minimum (%)")
    ax.set_ylim(-3, 103)
    runs = exps[0].runs
    ax.set_title(
        f"GD from Xavier, step 5/k, to ‖∇F‖ ≤ {exps[0].tol:g}: {runs} runs per point, Wilson 95%",
        fontsize=10,
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
