"""Figure 5: the spread of local-minimum losses shrinks as a network widens.

One hidden layer of tanh units, widths 1, 2, 4, …, 64, on one fixed regression set: N = 24 inputs
x = −2, …, 2 (equally spaced, exact rationals) with targets round(10·sin(2x) + ε)/10, ε ~ N(0, 0.5²) from
a fixed generator (``DATA_SEED``), stored as exact tenths. For each width `badminima.search.starts`
trains K starts in one (P, K) tensor with Adam from N(0, 1) inits, then polishes every end point by
damped Newton (40 iterations; 2 above width 8, where each iteration costs seconds). The loss plotted is
the *final loss* of every end point that did not diverge or escape to infinity: the polished
point's loss, whatever its status (``critical`` when the polished gradient norm is below 1e-9; wide
networks' end points on the zero-loss manifold are often left
``unconverged`` by that test, not by a poor fit). Markers show the status, the box the quartiles.

Reference: Soudry & Carmon, arXiv:1605.08361 (with more hidden units than needed, differentiable local
minima are global: the losses reached concentrate near the lowest as the width grows).
"""

from __future__ import annotations

import csv
import pathlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from badminima.progress import ProgressHook, report

NAME = "width-spread"
TITLE = "Final losses of many random starts per hidden width (1-w-1 tanh): the spread shrinks as w grows"

N_POINTS = 24
DATA_SEED = 20161106
LOSS_FLOOR = 1e-16
"""Losses below this are drawn at it (log axis); the CSVs keep the computed values."""
POLISH = 40
WIDE_POLISH = 2
"""Newton iterations for widths above 8: each builds K Hessians of size P (P = 193 at width 64), which
costs about 12 s there; the wide nets' end points are mostly on the zero-loss manifold anyway."""
PLOTTED = ("critical", "unconverged")
"""Statuses whose end points are plotted and summarised; ``escaped``/``diverged`` are only listed."""


@dataclass(frozen=True, slots=True)
class Setting:
    """Widths, starts per width, and Adam's step budget."""

    widths: tuple[int, ...]
    starts: int
    max_steps: int


FULL = Setting(widths=(1, 2, 4, 8, 16, 32, 64), starts=48, max_steps=3000)
SMALL = Setting(widths=(1, 2, 4, 8), starts=16, max_steps=600)


def dataset() -> Any:
    """The fixed regression set (exact rationals; independent of the figure's ``seed``)."""
    import numpy as np

    from badminima.model import Dataset

    xs = [Fraction(-2) + Fraction(4 * i, N_POINTS - 1) for i in range(N_POINTS)]
    noise = np.random.default_rng(DATA_SEED).normal(0.0, 0.5, N_POINTS)
    ys = [Fraction(round(10 * np.sin(2 * float(x)) + e), 10) for x, e in zip(xs, noise, strict=True)]
    return Dataset.of([[x] for x in xs], [[y] for y in ys])


def network(width: int) -> Any:
    from badminima.model import Network

    return Network((1, width, 1), "tanh")


def summary(losses: Any) -> tuple[float, float, float, float, float, float]:
    """(min, q25, median, q75, max, IQR) of the losses (numpy's linear quantiles)."""
    import numpy as np

    q = np.quantile(np.asarray(losses, dtype=float), [0.0, 0.25, 0.5, 0.75, 1.0])
    return (float(q[0]), float(q[1]), float(q[2]), float(q[3]), float(q[4]), float(q[3] - q[1]))


def make(
    out: pathlib.Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[pathlib.Path]:
    """Write width-spread.png, width-spread.csv (every end point: width, start, final loss, status, the
    point) and width-spread-summary.csv (min/quartiles/max/IQR per width); return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    from badminima.search.starts import Init, Optimizer, Stopping, multistart

    torch.set_num_threads(1)
    setting = SMALL if small else FULL
    data = dataset()
    rows: list[list[str]] = []
    summaries: list[list[str]] = []
    per_width: list[tuple[int, np.ndarray, np.ndarray]] = []
    for n, width in enumerate(setting.widths):
        note = f"width {width}: {setting.starts} starts (wider nets take longer)"
        report(progress, "hidden widths", n, len(setting.widths), note=note)
        net = network(width)
        ends = multistart(
            net,
            data,
            setting.starts,
            init=Init("normal", 1.0),
            optimizer=Optimizer("adam", lr=0.02),
            stopping=Stopping(max_steps=setting.max_steps, grad_tol=1e-8, loss_tol=1e-12, max_norm=50.0),
            seed=seed + width,
            polish_iterations=POLISH if width <= 8 else WIDE_POLISH,
        )
        for i in range(ends.k):
            rows.append(
                [
                    str(width),
                    str(i),
                    repr(float(ends.losses[i])),
                    str(ends.status[i]),
                    repr(float(ends.grad_norms[i])),
                    " ".join(repr(float(v)) for v in ends.thetas[i]),
                ]
            )
        keep = np.isin(ends.status, PLOTTED) & np.isfinite(ends.losses)
        losses = ends.losses[keep].astype(float)
        per_width.append((width, losses, ends.status[keep]))
        lo, q1, med, q3, hi, iqr = summary(losses) if losses.size else (np.nan,) * 6
        summaries.append(
            [str(width), str(net.n_params), str(ends.k), str(int(keep.sum())), str(ends.count("critical"))]
            + [repr(float(v)) for v in (lo, q1, med, q3, hi, iqr)]
        )

    fig, ax = plt.subplots(figsize=(9, 5.6))
    positions = np.arange(len(per_width))
    ax.boxplot(
        [np.maximum(v, LOSS_FLOOR) for _, v, _ in per_width],
        positions=positions,
        widths=0.5,
        whis=(0, 100),
        showfliers=False,
        medianprops={"color": "black", "lw": 2},
        boxprops={"color": "tab:gray"},
        whiskerprops={"color": "tab:gray"},
        capprops={"color": "tab:gray"},
    )
    jitter = np.random.default_rng(0)
    for pos, (_, losses, status) in zip(positions, per_width, strict=True):
        for st, face, edge, marker in (
            ("critical", "tab:blue", "tab:blue", "o"),
            ("unconverged", "none", "tab:orange", "s"),
        ):
            sel = status == st
            xs = pos + jitter.uniform(-0.18, 0.18, int(sel.sum()))
            ys = np.maximum(losses[sel], LOSS_FLOOR)
            ax.scatter(xs, ys, s=16, alpha=0.7, facecolors=face, edgecolors=edge, marker=marker, zorder=3)
    ax.scatter([], [], c="tab:blue", marker="o", label="end point: critical (‖∇L‖ < 1e-9)")
    ax.scatter(
        [], [], facecolors="none", edgecolors="tab:orange", marker="s", label="end point: not yet critical"
    )
    ax.plot([], [], c="black", lw=2, label="median; box = quartiles, whiskers = min/max")
    ax.set_yscale("log")
    ax.set_xticks(positions)
    ax.set_xticklabels(
        [f"{w}\n(P = {network(w).n_params})" for w, _, _ in per_width],
    )
    ax.set_xlabel("hidden width w (number of parameters P)")
    ax.set_ylabel(f"final training loss (mean squared error; below {LOSS_FLOOR:g} drawn at it)")
    ax.set_title(
        f"{TITLE}\n{N_POINTS} fixed points, {setting.starts} N(0,1) starts per width, "
        f"Adam ≤ {setting.max_steps} steps + Newton polish, seed {seed}",
        fontsize=10,
    )
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    png = out / f"{NAME}.png"
    fig.savefig(png, dpi=100, metadata={"Software": None})
    plt.close(fig)

    table = out / f"{NAME}.csv"
    with table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["width", "start", "final loss (mse)", "status", "gradient norm", "theta_flat (end point)"]
        )
        w.writerows(rows)
    summary_table = out / f"{NAME}-summary.csv"
    with summary_table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "width",
                "n_params",
                "starts",
                "plotted (critical or unconverged)",
                "critical",
                "min loss (mse)",
                "q25 loss (mse)",
                "median loss (mse)",
                "q75 loss (mse)",
                "max loss (mse)",
                "IQR loss (mse)",
            ]
        )
        w.writerows(summaries)
    return [png, table, summary_table]
