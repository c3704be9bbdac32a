"""Figure 3: how often random initialisations end in each construction's bad minimum.

For every trap construction (`badminima.constructions`) and several normal initialisations N(mean, scale²),
`badminima.search.starts` trains K starts with Adam and polishes the end points; an end point is *in the
bad basin* when it is a critical point (polished gradient norm below 1e-9, finite weights) whose loss is
within ``LOSS_TOL`` of the trap point's loss and that is the trap point itself modulo symmetry:

- smooth (sigmoid) networks: the end point falls in the trap point's cluster when the trap point is
  clustered together with the end points (`badminima.search.clustering.cluster_points`, permutations and
  sign flips quotiented); criterion ``loss+cluster``;
- ReLU networks, whose minima are not strict (rescalings and dead units leave flat directions): the end
  point's activation pattern on the data in the first hidden layer equals the trap point's, up to a
  permutation of the units, pre-activations within ``KINK_TOL`` of 0 matching either side (the traps sit on
  kinks); criterion ``loss+region``.

Shares carry Wilson 95% intervals (`badminima.search.clustering.wilson_interval`). Besides
``basins.csv`` (one row per bar) the figure writes ``basins-ends.csv``: every end point, its status, loss
and verdict, so the counts can be re-derived. Reference: Swirszcz, Czarnecki & Pascanu 2016 (§3, §4).
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from badminima.progress import ProgressHook, report

NAME = "basins"
TITLE = "Share of random initialisations that end in each construction's bad minimum (Wilson 95% CI)"

CONSTRUCTIONS = (
    "sigmoid-deadlock",
    "relu-blind-spot",
    "relu-no-blind-spot",
    "relu-blind-spot-in-better",
    "saturated-relu",
)
SCALES = (0.5, 1.0, 3.0)
MEANS = (0.0, 1.0)
SMALL_INITS = ((1.0, 0.0),)
LOSS_TOL = 1e-7
"""An end point's loss counts as the trap's when |L − L_trap| ≤ LOSS_TOL · max(1, |L_trap|)."""
KINK_TOL = 1e-7
"""A pre-activation with |z| ≤ KINK_TOL · max(1, max|z|) is at a kink and matches either side."""
CRITICAL_TOL = 1e-9
# The sigmoid deadlock is very flat (smallest Hessian eigenvalue about 9e-6): damped Newton needs many
# more iterations there than the default 40 before the gradient falls below CRITICAL_TOL.
SMOOTH_POLISH = 300
LR = 0.05


@dataclass(frozen=True)
class Setting:
    """One bar: a construction under one initialisation, and what its starts did."""

    construction: str
    scale: float
    mean: float
    starts: int
    in_basin: int
    critical: int
    criterion: str
    trap_loss: float

    @property
    def share(self) -> float:
        return self.in_basin / self.starts


def _region(network: Any, dataset: Any, theta: np.ndarray) -> np.ndarray:
    """First-hidden-layer sign pattern (units, N) in {-1, 0, +1}, 0 within KINK_TOL of a kink."""
    X = np.array([[float(v) for v in row] for row in dataset.X])
    d0, d1 = network.widths[0], network.widths[1]
    W = theta[: d1 * d0].reshape(d1, d0)
    b = theta[d1 * d0 : d1 * d0 + d1] if network.bias else np.zeros(d1)
    z = W @ X.T + b[:, None]
    tol = KINK_TOL * max(1.0, float(np.abs(z).max(initial=0.0)))
    return np.where(np.abs(z) <= tol, 0, np.sign(z)).astype(int)


def same_region(trap_region: np.ndarray, region: np.ndarray) -> bool:
    """Whether two first-layer patterns agree up to a permutation of units (0 matches any sign)."""
    units = trap_region.shape[0]
    for perm in itertools.permutations(range(units)):
        other = region[list(perm)]
        if np.all((trap_region == other) | (trap_region == 0) | (other == 0)):
            return True
    return False


def loss_matches(loss: float, trap_loss: float) -> bool:
    return bool(abs(loss - trap_loss) <= LOSS_TOL * max(1.0, abs(trap_loss)))


def _in_basin(network: Any, dataset: Any, trap_theta: np.ndarray, trap_loss: float, ends: Any) -> np.ndarray:
    from badminima.search.clustering import cluster_points

    critical = ends.status == "critical"
    near = np.array(
        [bool(c) and loss_matches(float(v), trap_loss) for c, v in zip(critical, ends.losses, strict=True)]
    )
    if network.is_piecewise_linear:
        trap_region = _region(network, dataset, trap_theta)
        return np.array(
            [
                bool(n) and same_region(trap_region, _region(network, dataset, t))
                for n, t in zip(near, ends.thetas, strict=True)
            ]
        )
    rows = np.flatnonzero(near)
    out = np.zeros(ends.k, dtype=bool)
    if rows.size:
        thetas = np.vstack([trap_theta[None, :], ends.thetas[rows]])
        losses = np.concatenate([[trap_loss], ends.losses[rows]])
        for cluster in cluster_points(network, thetas, losses):
            if 0 in cluster.members:
                out[rows[[m - 1 for m in cluster.members if m > 0]]] = True
    return out


def _run(small: bool, seed: int, progress: ProgressHook | None) -> tuple[list[Setting], list[list[object]]]:
    import torch

    from badminima.arithmetic.floating import FloatArithmetic
    from badminima.constructions import construction
    from badminima.landscape.losses import loss
    from badminima.search.starts import Init, Optimizer, Stopping, multistart

    torch.set_num_threads(1)
    k, steps, smooth_polish = (64, 200, 150) if small else (256, 3000, SMOOTH_POLISH)
    inits = SMALL_INITS if small else tuple((s, m) for m in MEANS for s in SCALES)
    settings, ends_rows = [], []
    total = len(CONSTRUCTIONS) * len(inits)
    for name in CONSTRUCTIONS:
        trap = construction(name).build()
        net, data = trap.network, trap.dataset
        trap_theta = np.array([float(v) for v in trap.point.flatten()])
        trap_loss = float(loss(net, data, trap.point, arith=FloatArithmetic()))
        criterion = "loss+region" if net.is_piecewise_linear else "loss+cluster"
        for scale, mean in inits:
            note = f"{name}, scale {scale:g}, mean {mean:g}: {k} starts"
            report(progress, "multistart settings", len(settings), total, note=note)
            ends = multistart(
                net,
                data,
                k,
                init=Init("normal", scale, mean),
                optimizer=Optimizer("adam", LR),
                stopping=Stopping(max_steps=steps),
                seed=seed,
                polish_iterations=40 if net.is_piecewise_linear else smooth_polish,
                critical_tol=CRITICAL_TOL,
            )
            hit = _in_basin(net, data, trap_theta, trap_loss, ends)
            settings.append(
                Setting(name, scale, mean, k, int(hit.sum()), ends.count("critical"), criterion, trap_loss)
            )
            for row in range(k):
                ends_rows.append(
                    [
                        name,
                        "normal",
                        repr(scale),
                        repr(mean),
                        row,
                        str(ends.status[row]),
                        repr(float(ends.losses[row])),
                        int(hit[row]),
                        " ".join(repr(float(v)) for v in ends.thetas[row]),
                    ]
                )
    return settings, ends_rows


def make(
    out: Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[Path]:
    """Write ``basins.png``, ``basins.csv`` (one row per bar) and ``basins-ends.csv`` (every end point)."""
    from badminima.search.clustering import wilson_interval

    out.mkdir(parents=True, exist_ok=True)
    settings, ends_rows = _run(small, seed, progress)
    intervals = [wilson_interval(s.in_basin, s.starts) for s in settings]

    csv_path = out / f"{NAME}.csv"
    with csv_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "construction",
                "init_kind",
                "init_scale",
                "init_mean",
                "starts",
                "critical_end_points",
                "count_in_bad_basin",
                "share",
                "wilson95_lower",
                "wilson95_upper",
                "trap_loss",
                "criterion",
                "loss_tol_relative",
                "optimizer",
            ]
        )
        for s, (lo, hi) in zip(settings, intervals, strict=True):
            w.writerow(
                [
                    s.construction,
                    "normal",
                    repr(s.scale),
                    repr(s.mean),
                    s.starts,
                    s.critical,
                    s.in_basin,
                    repr(s.share),
                    repr(lo),
                    repr(hi),
                    repr(s.trap_loss),
                    s.criterion,
                    repr(LOSS_TOL),
                    f"adam lr={LR}",
                ]
            )
    ends_path = out / f"{NAME}-ends.csv"
    with ends_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "construction",
                "init_kind",
                "init_scale",
                "init_mean",
                "row",
                "status",
                "loss",
                "in_bad_basin",
                "theta_flat",
            ]
        )
        w.writerows(ends_rows)

    png_path = out / f"{NAME}.png"
    _plot(png_path, settings, intervals)
    return [png_path, csv_path, ends_path]


def _plot(path: Path, settings: list[Setting], intervals: list[tuple[float, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(s.construction for s in settings))
    inits = list(dict.fromkeys((s.scale, s.mean) for s in settings))
    width = 0.8 / len(inits)
    fig, ax = plt.subplots(figsize=(11, 5.2))
    cmap = plt.get_cmap("tab10")
    for j, (scale, mean) in enumerate(inits):
        xs, ys, lo, hi = [], [], [], []
        for s, (a, b) in zip(settings, intervals, strict=True):
            if (s.scale, s.mean) == (scale, mean):
                xs.append(names.index(s.construction) + (j - (len(inits) - 1) / 2) * width)
                ys.append(s.share)
                lo.append(s.share - a)
                hi.append(b - s.share)
        ax.bar(
            xs,
            ys,
            width,
            yerr=[lo, hi],
            capsize=2,
            color=cmap(j),
            label=f"N({mean:g}, {scale:g}²)",
            error_kw={"elinewidth": 0.8},
        )
    starts = settings[0].starts
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=12)
    ax.set_ylabel("share of starts ending in the bad minimum (fraction)")
    ax.set_xlabel("construction (sigmoid: loss + cluster criterion; ReLU: loss + activation region)")
    ax.set_ylim(0, 1)
    ax.set_title(f"Basin of the bad minimum: {starts} Adam starts per bar, Wilson 95% intervals")
    ax.legend(title="initialisation N(mean, scale²)", fontsize=8, title_fontsize=8, ncol=2, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
