"""Figure 2: the barrier between each bad minimum and its better point.

For every construction with a better point: the loss along the straight segment θ(t) = θ_bad +
t (θ_better − θ_bad), t in [0, 1], and the loss on a plane through both points, spanned by that segment
and a seeded random direction orthogonal to it (scaled to the segment's length). Losses by
`badminima.landscape.batched_losses` (float64); the end points' exact losses are written beside them.

Reference: Swirszcz, Czarnecki & Pascanu, arXiv:1611.06310 (the traps are separated from the better
points by a barrier: loss rises before it falls).
"""

from __future__ import annotations

import csv
import pathlib
from typing import Any

from badminima.progress import ProgressHook

NAME = "barrier"
TITLE = "Loss between each bad minimum (t = 0) and its better point (t = 1): segment and 2-D slice"

CONSTRUCTIONS = (
    "sigmoid-deadlock",
    "relu-blind-spot",
    "relu-no-blind-spot",
    "relu-blind-spot-in-better",
    "saturated-relu",
)
SPAN_T = (-0.25, 1.25)
SPAN_S = (-0.5, 0.5)


def exact_loss(trap: Any, point: Any) -> float:
    """The loss at ``point`` in exact arithmetic (ReLU) or a 128-bit ball (sigmoid), as a float."""
    from badminima.arithmetic import BallArithmetic, ExactArithmetic
    from badminima.landscape import loss

    arith = ExactArithmetic() if trap.network.has_rational_loss else BallArithmetic(128)
    return float(arith.to_float(loss(trap.network, trap.dataset, point, arith=arith)))


def plane(trap: Any, *, seed: int) -> tuple[Any, Any, Any]:
    """(θ_bad, d, e) as float64 arrays: d = θ_better − θ_bad, e a seeded random unit direction
    orthogonal to d, scaled to |d|."""
    import numpy as np

    a = np.array([float(v) for v in trap.point.flatten()])
    d = np.array([float(v) for v in trap.better.flatten()]) - a
    e = np.random.default_rng(seed).standard_normal(a.size)
    e -= (e @ d) / (d @ d) * d
    e *= np.linalg.norm(d) / np.linalg.norm(e)
    return a, d, e


def make(
    out: pathlib.Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[pathlib.Path]:
    """Write barrier.png, barrier.csv (t, loss on the segment) and barrier-slice.csv (the plane's
    grid); return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import torch
    from matplotlib.colors import BoundaryNorm

    from badminima.constructions.registry import construction
    from badminima.landscape import batched_losses

    n_t = 21 if small else 201
    n_grid = 15 if small else 81
    seg_rows: list[list[str]] = []
    grid_rows: list[list[str]] = []
    fig, axes = plt.subplots(2, len(CONSTRUCTIONS), figsize=(4.2 * len(CONSTRUCTIONS), 8.4))
    for col, name in enumerate(CONSTRUCTIONS):
        trap = construction(name).build()
        net, data = trap.network, trap.dataset
        a, d, e = plane(trap, seed=seed)
        ts = np.linspace(0.0, 1.0, n_t)
        seg = batched_losses(net, data, torch.tensor(a[None] + ts[:, None] * d[None])).numpy()
        bad, better = exact_loss(trap, trap.point), exact_loss(trap, trap.better)
        for t, v in zip(ts, seg, strict=True):
            seg_rows.append([name, repr(float(t)), repr(float(v)), repr(bad), repr(better)])
        ax = axes[0, col]
        ax.plot(ts, seg, c="tab:purple", lw=2, label="loss on the segment")
        ax.axhline(bad, c="tab:red", ls=":", label=f"bad minimum {bad:.4g}")
        ax.axhline(better, c="tab:blue", ls=":", label=f"better point {better:.4g}")
        ax.set_title(f"{name}\n{net.describe()}", fontsize=10)
        ax.set_xlabel("t (0 = bad minimum, 1 = better point)")
        ax.set_ylabel("loss (mean squared error)")
        ax.legend(fontsize=8)

        tt = np.linspace(*SPAN_T, n_grid)
        ss = np.linspace(*SPAN_S, n_grid)
        T, S = np.meshgrid(tt, ss)
        thetas = a[None] + T.reshape(-1, 1) * d[None] + S.reshape(-1, 1) * e[None]
        Z = batched_losses(net, data, torch.tensor(thetas)).numpy().reshape(T.shape)
        for t, s, v in zip(T.ravel(), S.ravel(), Z.ravel(), strict=True):
            grid_rows.append([name, repr(float(t)), repr(float(s)), repr(float(v))])
        ax = axes[1, col]
        # quantile levels: the losses span orders of magnitude, equal steps would show one band
        levels = np.unique(np.quantile(Z, np.linspace(0, 1, 16)))
        cs = ax.contourf(T, S, Z, levels=levels, cmap="viridis", norm=BoundaryNorm(levels, 256))
        ax.contour(T, S, Z, levels=levels, colors="white", linewidths=0.3)
        fig.colorbar(cs, ax=ax, label="loss", format="%.3g")
        ax.plot([0, 1], [0, 0], c="white", lw=1, ls="--")
        ax.plot(0, 0, "o", c="tab:red", ms=9, mec="white", label="bad minimum")
        ax.plot(1, 0, "*", c="tab:blue", ms=14, mec="white", label="better point")
        ax.set_xlabel("t along the segment")
        ax.set_ylabel("s along a random orthogonal direction")
        ax.legend(fontsize=8, loc="lower left")
    fig.suptitle(TITLE + f" (slice direction seed {seed})", fontsize=13)
    fig.tight_layout()
    png = out / f"{NAME}.png"
    fig.savefig(png, dpi=90, metadata={"Software": None})
    plt.close(fig)

    table = out / f"{NAME}.csv"
    with table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["construction", "t (segment parameter)", "loss (mse)", "exact loss at t=0", "exact loss at t=1"]
        )
        w.writerows(seg_rows)
    grid_table = out / f"{NAME}-slice.csv"
    with grid_table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["construction", "t (along the segment)", "s (orthogonal, |e| = |d|)", "loss (mse)"])
        w.writerows(grid_rows)
    return [png, table, grid_table]
