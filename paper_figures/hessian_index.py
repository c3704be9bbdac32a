"""Figure 6: at critical points, higher loss goes with more negative Hessian eigenvalues.

A 1-3-1 tanh network without biases (P = 6 parameters: f(x) = Σ v_j tanh(w_j x)) on a fixed regression
set of 12 points (x = −2, …, 2 equally spaced, targets round(10·(x/2 − 1.2·tanh(2x)))/10, exact
rationals). Without
biases the symmetries (unit permutations, sign flips) are discrete, and the all-zero point is a critical
point whose Hessian has, per unit, the block [[0, c], [c, 0]] in (w_j, v_j) with c = (2/N) Σ (0 − y_i) x_i
≠ 0: index 3 = P/2 at the highest loss, mean(y²).

Critical points of every index come from `badminima.search.starts` with several start distributions
N(0, s²), small s being perturbations of the zero point, each followed by damped Newton steps
−(H + λI)⁻¹g (the multistart polish) that converge to a nearby critical point of any index: with no
training (saddles), or after a few Adam steps (mostly minima; runs trained to the end creep towards
minima at infinity on this set and are rarely critical). The critical end points (polished gradient
norm below 1e-9) of all sources are pooled and clustered modulo symmetry by
`badminima.search.basins.survey`, which gives each distinct critical point its loss, Hessian index
(eigenvalues below −1e-9·max(1, |λ|max)) and smallest eigenvalue. The scatter shows index / P against
loss. Several points share one loss with different indices: one function realised by different weights
(a unit split in two or switched off), where near-zero eigenvalues make the index fragile.

Reference: Dauphin et al., "Identifying and attacking the saddle point problem in high-dimensional
non-convex optimization", NeurIPS 2014 (fig. 1: the index of critical points grows with their loss).
"""

from __future__ import annotations

import csv
import pathlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from badminima.progress import ProgressHook, report

NAME = "hessian-index"
TITLE = (
    "Critical points of a bias-free 1-3-1 tanh network: fraction of negative Hessian eigenvalues against loss"
)

N_POINTS = 12
CRITICAL_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class Setting:
    """Starts per source; sources are (init scale s of N(0, s²), Adam steps before the Newton polish);
    Newton iterations."""

    starts: int
    sources: tuple[tuple[float, int], ...]
    polish: int


FULL = Setting(
    starts=128,
    sources=((0.1, 0), (0.3, 0), (0.6, 0), (1.0, 0), (2.0, 0), (1.0, 50), (1.0, 200), (1.0, 1000)),
    polish=150,
)
SMALL = Setting(starts=48, sources=((0.3, 0), (1.0, 0), (2.0, 0), (1.0, 100)), polish=150)


def network() -> Any:
    from badminima.model import Network

    return Network((1, 3, 1), "tanh", bias=False)


def dataset() -> Any:
    """The fixed regression set (exact rationals)."""
    import math

    from badminima.model import Dataset

    xs = [Fraction(-2) + Fraction(4 * i, N_POINTS - 1) for i in range(N_POINTS)]
    ys = [Fraction(round(10 * (float(x) / 2 - 1.2 * math.tanh(2 * float(x)))), 10) for x in xs]
    return Dataset.of([[x] for x in xs], [[y] for y in ys])


def _pool(parts: list[Any]) -> Any:
    """One `Ends` holding the runs of several, in order."""
    import numpy as np

    from badminima.search.starts import Ends

    def cat(name: str) -> Any:
        return np.concatenate([getattr(e, name) for e in parts])

    return Ends(
        thetas=cat("thetas"),
        losses=cat("losses"),
        grad_norms=cat("grad_norms"),
        min_eigenvalues=cat("min_eigenvalues"),
        indices=cat("indices"),
        status=cat("status"),
        steps=cat("steps"),
        init_steps=sum(e.init_steps for e in parts),
        seconds=sum(e.seconds for e in parts),
    )


def make(
    out: pathlib.Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[pathlib.Path]:
    """Write hessian-index.png and hessian-index.csv (one row per distinct critical point: loss, index,
    P, smallest eigenvalue, gradient norm, basin count, how it was found, the representative point);
    return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    from badminima.search.basins import survey
    from badminima.search.starts import Init, Optimizer, Stopping, multistart

    torch.set_num_threads(1)
    setting = SMALL if small else FULL
    net, data = network(), dataset()
    parts = []
    sources: list[str] = []
    for i, (scale, steps) in enumerate(setting.sources):
        note = f"N(0,{scale:g}²), {steps} Adam steps: {setting.starts} starts"
        report(progress, "multistart sources", i, len(setting.sources), note=note)
        parts.append(
            multistart(
                net,
                data,
                setting.starts,
                init=Init("normal", scale),
                optimizer=Optimizer("adam", lr=0.02),
                stopping=Stopping(max_steps=steps, max_norm=50.0),
                polish_iterations=setting.polish,
                critical_tol=CRITICAL_TOL,
                seed=seed * 1000 + i,
            )
        )
        label = f"N(0,{scale:g}²)" + (f" + {steps} Adam" if steps else "") + " + Newton"
        sources += [label] * setting.starts
    ends = _pool(parts)
    report(progress, "clustering and classifying the end points")
    seen = survey(net, ends)
    p = net.n_params
    rows: list[list[str]] = []
    for c, cp in enumerate(seen.points):
        found = sorted(
            {sources[int(np.flatnonzero(ends.status == "critical")[m])] for m in cp.cluster.members}
        )
        rows.append(
            [
                str(c),
                repr(float(cp.loss)),
                str(cp.index),
                str(p),
                repr(cp.index / p),
                repr(float(cp.min_eigenvalue)),
                repr(float(ends.grad_norms[cp.row])),
                str(cp.cluster.count),
                "; ".join(found),
                " ".join(repr(float(v)) for v in ends.thetas[cp.row]),
            ]
        )

    losses = np.array([cp.loss for cp in seen.points])
    fractions = np.array([cp.index / p for cp in seen.points])
    counts = np.array([cp.cluster.count for cp in seen.points])
    minima = np.array([cp.index == 0 for cp in seen.points])
    fig, ax = plt.subplots(figsize=(8.5, 5.6))
    sizes = 18 + 10 * np.sqrt(counts)
    ax.scatter(
        losses[~minima],
        fractions[~minima],
        s=sizes[~minima],
        c="tab:red",
        alpha=0.6,
        edgecolors="black",
        linewidths=0.4,
    )
    ax.scatter(
        losses[minima],
        fractions[minima],
        s=sizes[minima],
        c="tab:blue",
        alpha=0.8,
        edgecolors="black",
        linewidths=0.4,
    )
    for colour, label in (
        ("tab:red", "saddle / maximum (index > 0)"),
        ("tab:blue", "local minimum (index 0)"),
    ):
        ax.scatter([], [], s=60, c=colour, edgecolors="black", linewidths=0.4, label=label)
    if losses.size > 1:
        slope, intercept = np.polyfit(losses, fractions, 1)
        grid = np.linspace(losses.min(), losses.max(), 50)
        ax.plot(
            grid,
            slope * grid + intercept,
            c="gray",
            ls="--",
            lw=1,
            label=f"least-squares line, slope {slope:.3g}",
        )
    ax.set_xlabel("loss at the critical point (mean squared error)")
    ax.set_ylabel(f"index / P  (fraction of negative Hessian eigenvalues, P = {p})")
    ax.set_ylim(-0.04, max(0.5, float(fractions.max(initial=0)) + 0.06))
    ax.set_title(
        f"{TITLE}\n{len(seen.points)} distinct critical points (modulo symmetry) from {ends.k} starts, "
        f"seed {seed}; marker area ∝ √(end points in the cluster)",
        fontsize=9,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    png = out / f"{NAME}.png"
    fig.savefig(png, dpi=100, metadata={"Software": None})
    plt.close(fig)

    table = out / f"{NAME}.csv"
    with table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "cluster",
                "loss (mse)",
                "index (negative Hessian eigenvalues)",
                "n_params",
                "index / n_params",
                "min eigenvalue",
                "gradient norm",
                "count (end points in the cluster)",
                "found by",
                "theta_flat (representative)",
            ]
        )
        w.writerows(rows)
    return [png, table]
