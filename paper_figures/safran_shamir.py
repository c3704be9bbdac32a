"""Share of gradient-descent runs ending in a spurious minimum against k (Safran & Shamir 2018, §5),
ours beside the authors' published result files.

For each k, n = k, teacher V = I, `badminima.search.population.run_experiment` runs gradient descent on
the closed-form Gaussian population loss under one of two published protocols
(`badminima.search.population.PROTOCOLS`): the 2021 one (Safran, Yehudai & Shamir: Xavier starts, step
5/k, until ‖∇F‖_F ≤ 1e-12) and the 2018 one (Safran & Shamir's own code: step 0.1, until every neuron's
2π-scaled gradient is at most 1e-9), for a student of k neurons and, under the 2018 protocol, of k + 1.
A step cap counts a run as unconverged, never as a minimum.

The CSV has one row per (protocol, k, student) with the share of runs in spurious minima and its Wilson
95% interval, the distinct spurious minima modulo neuron and coordinate permutations, their losses and
smallest Hessian eigenvalues (float64), and the authors' count for the same setting (`PUBLISHED`: runs
ending at objective ≥ 1e-3 in their released result files, with the file in ``paper_source``) and
whether our Wilson interval contains their share (``paper_in_wilson``). ``safran-shamir-minima.csv``
lists every distinct spurious minimum. ``make`` resumes: rows already in ``out`` for the same settings
are kept, so an interrupted full run continues where it stopped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from badminima.progress import ProgressHook, report

NAME = "safran-shamir"
TITLE = "Share of GD runs ending in a spurious minimum of the Gaussian population loss against k"

FULL_K = tuple(range(6, 21))
FULL_SETTINGS = (("2021", 0, 500), ("2018", 0, 200), ("2018", 1, 200), ("2021", 1, 200))
"""(protocol, extra student neurons, runs per k), in the order the full figure runs them: 500 runs per k
under the 2021 protocol, that paper's count; 200 under the 2018 one (which ran 1000: its steps of 0.1
make a run 2.5-8 times longer than steps of 5/k, and 200 is what the shared 2-core machine allowed) and
for k + 1 neurons; the Wilson intervals say what the counts cost. Both protocols start a student of k
neurons from the same normal draws (seed·1000 + k), so the first 200 runs of the two are paired: they
differ only in the step and the stopping rule."""
SMALL_K = (6, 8)
SMALL_SETTINGS = (("2021", 0, 6), ("2021", 1, 6))

SOURCE_2021 = "ItaySafran/Overparameterization@d162690 'Processed minima.zip' (500 runs per k)"
SOURCE_2018 = "ItaySafran/OneLayerGDconvergence@0719662 Results/newExp-k-n.mat (1000 runs per k)"


@dataclass(frozen=True, slots=True)
class Published:
    """The authors' count of runs ending in a spurious point for one setting, and where it was read."""

    spurious_runs: int
    runs: int
    source: str

    @property
    def percent(self) -> float:
        return 100 * self.spurious_runs / self.runs


def _table(source: str, runs: int, counts: dict[int, int]) -> dict[int, Published]:
    return {k: Published(c, runs, source) for k, c in counts.items()}


PUBLISHED: dict[tuple[str, int], dict[int, Published]] = {
    # Safran, Yehudai & Shamir 2021: runs per k whose minimum is not global (‖WᵀW − I‖ ≥ 1e-6), summed over
    # the multiplicities of the authors' stored minima (read by the project's literature helper).
    ("2021", 0): _table(
        SOURCE_2021,
        500,
        {
            6: 0,
            7: 27,
            8: 57,
            9: 111,
            10: 160,
            11: 237,
            12: 269,
            13: 335,
            14: 352,
            15: 390,
            16: 436,
            17: 451,
            18: 448,
            19: 472,
            20: 471,
        },
    ),
    # Safran & Shamir 2018: Σ magnitude over the families of newExp-k-n.mat, objective ≥ 1e-3 (verified by
    # their symbolic check or not; the printed table's prNonGlobal counts verified ones only, so ≤ these).
    ("2018", 0): _table(
        SOURCE_2018,
        1000,
        {
            6: 3,
            7: 55,
            8: 126,
            9: 218,
            10: 346,
            11: 455,
            12: 585,
            13: 730,
            14: 736,
            15: 803,
            16: 851,
            17: 897,
            18: 900,
            19: 934,
            20: 949,
        },
    ),
    # k + 1 student neurons: no result file was released for k = 6, 7, 9 (probably no spurious run; not
    # stated) and k = 20 was not run, so those cells stay empty.
    ("2018", 1): _table(
        SOURCE_2018,
        1000,
        {8: 1, 10: 1, 11: 1, 12: 3, 13: 15, 14: 55, 15: 102, 16: 180, 17: 233, 18: 369, 19: 491},
    ),
}
"""The authors' published counts, per (protocol, extra student neurons) and k; none typed from memory
(see README, Population landscapes, for the files and how they were read)."""

HEADER = (
    "protocol",
    "k",
    "n",
    "student_neurons",
    "runs",
    "seed",
    "global_runs",
    "spurious_runs",
    "unconverged_runs",
    "spurious_share",
    "wilson_low",
    "wilson_high",
    "distinct_spurious_minima",
    "spurious_losses",
    "smallest_hessian_eigenvalues",
    "paper_spurious_runs",
    "paper_runs",
    "paper_percent",
    "paper_in_wilson",
    "paper_source",
    "max_steps",
    "gradient_tol",
    "seconds",
)
MINIMA_HEADER = (
    "protocol",
    "k",
    "student_neurons",
    "loss",
    "runs",
    "smallest_hessian_eigenvalue",
    "point_rows",
)


def _plan(small: bool, seed: int) -> list[dict[str, Any]]:
    ks, settings = (SMALL_K, SMALL_SETTINGS) if small else (FULL_K, FULL_SETTINGS)
    return [
        {"protocol": p, "k": k, "student": k + extra, "runs": runs, "seed": seed * 1000 + k, "small": small}
        for p, extra, runs in settings
        for k in ks
    ]


def _key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row[f]) for f in ("protocol", "k", "student_neurons", "runs", "seed", "max_steps"))


def _experiments(todo: list[dict[str, Any]], progress: ProgressHook | None) -> Iterator[Any]:
    from badminima.search.population import PROTOCOLS, run_experiment

    for done, job in enumerate(todo):
        note = f"{job['protocol']} protocol, k = {job['k']}, {job['student']} neurons: {job['runs']} runs"
        report(progress, "experiments", done, len(todo), note=note)
        steps, tol = (6_000, 1e-9) if job["small"] else (None, None)
        yield run_experiment(
            job["k"],
            runs=job["runs"],
            seed=job["seed"],
            student=job["student"],
            protocol=PROTOCOLS[job["protocol"]],
            max_steps=steps,
            tol=tol,
        )


def _row(e: Any, seed: int) -> list[object]:
    paper = PUBLISHED.get((e.protocol, e.student - e.k), {}).get(e.k)
    return [
        e.protocol,
        e.k,
        e.n,
        e.student,
        e.runs,
        seed,
        e.global_runs,
        e.spurious_runs,
        e.unconverged_runs,
        repr(e.share),
        repr(e.interval[0]),
        repr(e.interval[1]),
        len(e.minima),
        " ".join(f"{m.loss:.10g}" for m in e.minima),
        " ".join(f"{m.min_eigenvalue:.6g}" for m in e.minima),
        "" if paper is None else paper.spurious_runs,
        "" if paper is None else paper.runs,
        "" if paper is None else f"{paper.percent:g}",
        ""
        if paper is None
        else ("yes" if e.interval[0] <= paper.spurious_runs / paper.runs <= e.interval[1] else "no"),
        "" if paper is None else paper.source,
        e.max_steps,
        e.tol,
        round(e.seconds, 2),
    ]


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows if rows and set(HEADER) <= set(rows[0]) else []  # another version's table: run again


def make(
    out: Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[Path]:
    """Write ``safran-shamir.png``, ``safran-shamir.csv`` (one row per protocol, k and student width,
    written as each finishes) and ``safran-shamir-minima.csv`` (every distinct spurious minimum); rows
    already in ``out`` for the same settings are kept and not run again."""
    from badminima.search.population import PROTOCOLS, max_steps_for

    out.mkdir(parents=True, exist_ok=True)
    csv_path, minima_path = out / f"{NAME}.csv", out / f"{NAME}-minima.csv"
    plan = _plan(small, seed)
    for job in plan:
        job["max_steps"] = 6_000 if small else max_steps_for(PROTOCOLS[job["protocol"]], job["k"])
    wanted = {_key({**j, "student_neurons": j["student"]}): j for j in plan}
    kept = [r for r in _read(csv_path) if _key(r) in wanted]
    done = {_key(r) for r in kept}
    kept_cells = {(r["protocol"], r["k"], r["student_neurons"]) for r in kept}
    kept_minima = [
        r for r in _read_minima(minima_path) if (r["protocol"], r["k"], r["student_neurons"]) in kept_cells
    ]
    todo = [j for key, j in wanted.items() if key not in done]
    with csv_path.open("w", newline="") as fh, minima_path.open("w", newline="") as mh:
        w, mw = csv.writer(fh), csv.writer(mh)
        w.writerow(HEADER)
        mw.writerow(MINIMA_HEADER)
        for r in kept:
            w.writerow([r[h] for h in HEADER])
        for r in kept_minima:
            mw.writerow([r[h] for h in MINIMA_HEADER])
        fh.flush()
        mh.flush()
        for job, e in zip(todo, _experiments(todo, progress), strict=False):
            w.writerow(_row(e, job["seed"]))
            for m in e.minima:
                rows = ";".join(",".join(repr(float(v)) for v in r) for r in m.point.tolist())
                mw.writerow([e.protocol, e.k, e.student, repr(m.loss), m.runs, repr(m.min_eigenvalue), rows])
            fh.flush()
            mh.flush()
    png_path = out / f"{NAME}.png"
    _plot(png_path, _read(csv_path))
    return [png_path, csv_path, minima_path]


def _read_minima(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows if rows and set(MINIMA_HEADER) <= set(rows[0]) else []


def _plot(path: Path, rows: list[dict[str, str]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    settings = list(dict.fromkeys((r["protocol"], int(r["student_neurons"]) - int(r["k"])) for r in rows))
    for i, (protocol, extra) in enumerate(settings):
        sel = [
            r for r in rows if r["protocol"] == protocol and int(r["student_neurons"]) - int(r["k"]) == extra
        ]
        ks = [int(r["k"]) + 0.12 * (i - 1) for r in sel]
        share = [100 * float(r["spurious_share"]) for r in sel]
        low = [100 * float(r["wilson_low"]) for r in sel]
        high = [100 * float(r["wilson_high"]) for r in sel]
        err = [
            [s - lo for s, lo in zip(share, low, strict=True)],
            [h - s for s, h in zip(share, high, strict=True)],
        ]
        width = "k" if not extra else f"k + {extra}"
        runs = sel[0]["runs"]
        line = ax.errorbar(
            ks,
            share,
            yerr=err,
            marker="os^"[i % 3],
            capsize=3,
            ms=4,
            label=f"ours: {protocol} protocol, student {width}, {runs} runs, Wilson 95%",
        )
        paper = PUBLISHED.get((protocol, extra), {})
        if paper:
            pk = sorted(paper)
            ax.plot(
                pk,
                [paper[k].percent for k in pk],
                "x--",
                color=line[0].get_color(),
                alpha=0.7,
                label=f"published: {protocol} result files, student {width}, {paper[pk[0]].runs} runs",
            )
    ax.set_xlabel("k = n (teacher V = I)")
    ax.set_ylabel("runs ending in a spurious minimum (%)")
    ax.set_ylim(-3, 103)
    ax.set_title(
        "GD on the Gaussian population loss: ours beside Safran et al.'s released results", fontsize=10
    )
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
