"""Figure 8: how often small 2-h-1 networks reach 100% training accuracy on the paper's 4-point sets.

For XOR and the "jellyfish" set (`badminima.constructions`, kind "dataset"), h = 2, 3, 4 hidden ReLU or
sigmoid units with a sigmoid output and binary cross-entropy (the networks of the constructions), trained
full-batch by gradient descent and by Adam from K initialisations N(0, 1) each
(`badminima.search.starts`, no polishing). A run succeeds when every training point lies on its
label's side of 1/2. Accuracies are computed in float64 from the output logits with a margin: a logit with
|z| ≤ ``MARGIN`` is undecided and that end point is re-decided by the exact ball-arithmetic
`badminima.landscape.evaluation.accuracy` (the number of such rechecks is in the CSV). Shares carry Wilson
95% intervals. The paper's own percentages (Swirszcz, Czarnecki & Pascanu 2016, §5 table, typed from
its text into the ``paper_percent`` column only) are given beside ours; its run count, initialisation and
step sizes are not stated, so compare shapes, not cells.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from badminima.progress import ProgressHook, report

NAME = "small-networks"
TITLE = (
    "Share of random initialisations of 2-h-1 networks reaching 100% training accuracy on XOR and jellyfish"
)

DATASETS = ("xor", "jellyfish")
HIDDEN = (2, 3, 4)
ACTIVATIONS = ("relu", "sigmoid")
OPTIMIZERS = (("gd", 0.5), ("adam", 0.05))
MARGIN = 1e-9
INIT_SCALE = 1.0

# The paper's table (percent of initialisations reaching 100% accuracy), typed from its text; used only
# for the "paper_percent" column, never for a computed number. Key: (optimizer, dataset, activation, h).
PAPER_PERCENT: dict[tuple[str, str, str, int], int] = {
    (opt, data, act, h): value
    for h, row in (
        (2, (28, 79, 7, 0, 23, 90, 16, 62)),
        (3, (52, 98, 34, 0, 47, 100, 33, 100)),
        (4, (68, 100, 50, 2, 70, 100, 66, 100)),
    )
    for (opt, data, act), value in zip(
        ((o, d, a) for o in ("adam", "gd") for d in ("xor", "jellyfish") for a in ("relu", "sigmoid")),
        row,
        strict=True,
    )
}


@dataclass(frozen=True)
class Cell:
    """One table cell: a dataset, hidden width, activation and optimiser, and how many starts fit."""

    dataset: str
    hidden: int
    activation: str
    optimizer: str
    lr: float
    starts: int
    perfect: int
    rechecked: int
    steps: int

    @property
    def share(self) -> float:
        return self.perfect / self.starts


def network_for(hidden: int, activation: str) -> Any:
    """The 2-h-1 network with sigmoid output and binary cross-entropy."""
    from badminima.model.network import Network

    return Network((2, hidden, 1), activation, "sigmoid", "bce")


def _logits(network: Any, dataset: Any, thetas: np.ndarray) -> np.ndarray:
    """Output logits (K, N) at the K rows of ``thetas``, float64, by the package's forward pass."""
    import torch

    from badminima.arithmetic.floating import FloatArithmetic
    from badminima.landscape.forward_pass import forward, unflatten

    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*dataset.X, strict=True)))

    def one(theta: Any) -> Any:
        return forward(network, unflatten(network, theta), inputs, arith=arith, kink_side="inactive").logits[
            0
        ]

    return torch.func.vmap(one)(torch.as_tensor(thetas, dtype=torch.float64)).numpy()


def perfect_runs(network: Any, dataset: Any, thetas: np.ndarray) -> tuple[np.ndarray, int]:
    """Which rows classify every point correctly, and how many rows needed the exact recheck."""
    from badminima.landscape.evaluation import accuracy
    from badminima.model.point import Point

    z = _logits(network, dataset, thetas)
    labels = np.array([float(row[0]) for row in dataset.y])
    decided = np.abs(z) > MARGIN
    correct = decided & ((z > 0) == (labels > 0.5))
    perfect = correct.all(axis=1)
    unsure = np.flatnonzero(~decided.all(axis=1) & (correct | ~decided).all(axis=1))
    for row in unsure:
        point = Point.unflatten(network, [Fraction(float(v)) for v in thetas[row]])
        perfect[row] = accuracy(network, dataset, point) == 1
    return perfect, int(unsure.size)


def _run(small: bool, seed: int, progress: ProgressHook | None) -> tuple[list[Cell], list[list[object]]]:
    import torch

    from badminima.constructions import construction
    from badminima.search.starts import Init, Optimizer, Stopping, multistart

    torch.set_num_threads(1)
    k, steps = (64, 150) if small else (256, 3000)
    hidden = (2,) if small else HIDDEN
    cells, ends_rows = [], []
    total = len(DATASETS) * len(hidden) * len(ACTIVATIONS) * len(OPTIMIZERS)
    for data_name in DATASETS:
        dataset = construction(data_name).dataset()
        for h in hidden:
            for activation in ACTIVATIONS:
                network = network_for(h, activation)
                for opt, lr in OPTIMIZERS:
                    note = f"{data_name}, {h} hidden {activation}, {opt}: {k} starts"
                    report(progress, "multistart settings", len(cells), total, note=note)
                    ends = multistart(
                        network,
                        dataset,
                        k,
                        init=Init("normal", INIT_SCALE, 0.0),
                        optimizer=Optimizer(opt, lr),
                        stopping=Stopping(max_steps=steps, grad_tol=1e-9, max_norm=1e3),
                        seed=seed,
                        polish_iterations=0,
                    )
                    perfect, rechecked = perfect_runs(network, dataset, ends.thetas)
                    cells.append(
                        Cell(data_name, h, activation, opt, lr, k, int(perfect.sum()), rechecked, steps)
                    )
                    for row in range(k):
                        ends_rows.append(
                            [
                                data_name,
                                h,
                                activation,
                                opt,
                                row,
                                int(perfect[row]),
                                " ".join(repr(float(v)) for v in ends.thetas[row]),
                            ]
                        )
    return cells, ends_rows


def make(
    out: Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[Path]:
    """Write ``small-networks.png`` (the table), ``small-networks.csv`` (one row per cell, the paper's
    percentage beside ours) and ``small-networks-ends.csv`` (every end point and its verdict)."""
    from badminima.search.clustering import wilson_interval

    out.mkdir(parents=True, exist_ok=True)
    cells, ends_rows = _run(small, seed, progress)
    intervals = [wilson_interval(c.perfect, c.starts) for c in cells]
    csv_path = out / f"{NAME}.csv"
    with csv_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "dataset",
                "hidden_units",
                "hidden_activation",
                "output_and_loss",
                "optimizer",
                "learning_rate",
                "steps",
                "init",
                "starts",
                "count_100pct_accuracy",
                "share",
                "wilson95_lower",
                "wilson95_upper",
                "exact_rechecks",
                "paper_percent",
            ]
        )
        for c, (lo, hi) in zip(cells, intervals, strict=True):
            w.writerow(
                [
                    c.dataset,
                    c.hidden,
                    c.activation,
                    "sigmoid+bce",
                    c.optimizer,
                    repr(c.lr),
                    c.steps,
                    f"normal(0, {INIT_SCALE:g}^2)",
                    c.starts,
                    c.perfect,
                    repr(c.share),
                    repr(lo),
                    repr(hi),
                    c.rechecked,
                    PAPER_PERCENT[(c.optimizer, c.dataset, c.activation, c.hidden)],
                ]
            )
    ends_path = out / f"{NAME}-ends.csv"
    with ends_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["dataset", "hidden_units", "hidden_activation", "optimizer", "row", "perfect", "theta_flat"]
        )
        w.writerows(ends_rows)
    png_path = out / f"{NAME}.png"
    _plot(png_path, cells, intervals)
    return [png_path, csv_path, ends_path]


def _plot(path: Path, cells: list[Cell], intervals: list[tuple[float, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(dict.fromkeys((c.optimizer, c.dataset, c.activation) for c in cells))
    cols = list(dict.fromkeys(c.hidden for c in cells))
    grid = np.full((len(rows), len(cols)), np.nan)
    fig, ax = plt.subplots(figsize=(6.0 + 2.0 * len(cols), 1.6 + 0.62 * len(rows)))
    for c, (lo, hi) in zip(cells, intervals, strict=True):
        i, j = rows.index((c.optimizer, c.dataset, c.activation)), cols.index(c.hidden)
        grid[i, j] = 100 * c.share
        paper = PAPER_PERCENT[(c.optimizer, c.dataset, c.activation, c.hidden)]
        ax.text(
            j,
            i,
            f"{100 * c.share:.0f}% [{100 * lo:.0f}–{100 * hi:.0f}]\npaper {paper}%",
            ha="center",
            va="center",
            fontsize=8.5,
            color="white" if 100 * c.share < 45 else "black",
        )
    image = ax.imshow(grid, cmap="viridis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([f"h = {h}" for h in cols])
    ax.set_yticks(range(len(rows)))
    lr = {c.optimizer: c.lr for c in cells}
    ax.set_yticklabels([f"{'GD' if o == 'gd' else 'Adam'} (lr {lr[o]:g}), {d}, {a}" for o, d, a in rows])
    ax.set_xlabel("hidden units h of the 2-h-1 net (sigmoid output, cross-entropy)")
    fig.colorbar(image, ax=ax, label="starts reaching 100% accuracy (%)")
    ax.set_title(
        f"Runs reaching 100% training accuracy: ours (Wilson 95%) vs paper\n"
        f"{cells[0].starts} starts N(0, {INIT_SCALE:g}²) per cell, {cells[0].steps} full-batch steps",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
