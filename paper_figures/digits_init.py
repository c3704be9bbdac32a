"""Figure 4: a deep ReLU network trains from zero-mean initialisation and fails from a shifted mean.

The paper shows on MNIST that deep rectifier networks whose weights are drawn from N(μ, σ²) with a
shifted mean (μ = 0.24 with LeCun/Glorot σ) do not learn. MNIST cannot be downloaded here, so this
figure uses scikit-learn's handwritten digits (``sklearn.datasets.load_digits``: 1797 images of 8×8
pixels, 10 classes, shipped inside the package), pixels scaled to [0, 1] by dividing by 16.

A 64-w-…-w-10 ReLU network (``depth`` hidden layers of ``width`` units, biases 0, softmax
cross-entropy) is trained with Adam on minibatches from two initialisations that share their random
draws: *standard* weights N(0, 1/fan_in) (LeCun normal) and *shifted* weights N(μ, 1/fan_in), the same
draws plus μ. Several seeds each; the loss and accuracy on the whole training set after every epoch
(epoch 0 = at initialisation). Plain torch, float64, one thread; no badminima engine is needed.

Run ``s`` of seed ``seed`` draws its initial weights (layer by layer, each a ``(fan_in, fan_out)``
``torch.randn``) and then its minibatch orders (one ``torch.randperm`` per epoch) from
``torch.Generator().manual_seed(1000 * seed + s)``. Initial and final weights of every run are saved in
``digits-init-weights.npz`` (keys ``{init}-s{s}-{initial|final}-W{layer}`` and ``…-b{layer}``) so that
another program can recompute the plotted numbers.

Reference: Swirszcz, Czarnecki & Pascanu, arXiv:1611.06310, section on initialisation (shifted-mean
weights make deep rectifier networks untrainable).
"""

from __future__ import annotations

import csv
import itertools
import math
import pathlib
from dataclasses import dataclass
from typing import Any

from badminima.progress import ProgressHook, report

NAME = "digits-init"
TITLE = "Deep ReLU network on handwritten digits: zero-mean initialisation trains, shifted mean does not"

SHIFT = 0.24
"""The shifted mean μ of every weight, the paper's value."""
INITS = (("standard", 0.0), ("shifted", SHIFT))
"""(name, weight mean μ) of the two initialisations; σ = 1/√fan_in for both."""


@dataclass(frozen=True, slots=True)
class Setting:
    """Network depth (hidden layers) and width, how many digits (the first ``samples`` of
    ``load_digits``), epochs, minibatch size, Adam's learning rate, and seeds per initialisation."""

    depth: int
    width: int
    samples: int
    epochs: int
    batch: int
    lr: float
    seeds: int


FULL = Setting(depth=6, width=64, samples=1797, epochs=30, batch=64, lr=1e-3, seeds=5)
SMALL = Setting(depth=4, width=24, samples=400, epochs=8, batch=50, lr=3e-3, seeds=2)


def digits(samples: int) -> tuple[Any, Any]:
    """The first ``samples`` digits as float64 pixels in [0, 1] (shape (samples, 64)) and their labels."""
    import numpy as np
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return np.asarray(x[:samples], dtype=np.float64) / 16.0, np.asarray(y[:samples], dtype=np.int64)


def layer_sizes(setting: Setting) -> list[int]:
    """Units per layer, input to output: 64, width × depth, 10."""
    return [64] + [setting.width] * setting.depth + [10]


def train(setting: Setting, mean: float, run_seed: int) -> tuple[list[tuple[int, int, float, int]], dict]:
    """Train one network; return per-epoch rows (epoch, step, loss, correct) on the whole training set
    and the initial and final weights as numpy arrays keyed ``{initial|final}-{W|b}{layer}``."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    x_np, y_np = digits(setting.samples)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    gen = torch.Generator().manual_seed(run_seed)
    sizes = layer_sizes(setting)
    weights = [
        (mean + torch.randn(a, b, generator=gen, dtype=torch.float64) / math.sqrt(a)).requires_grad_()
        for a, b in itertools.pairwise(sizes)
    ]
    biases = [torch.zeros(b, dtype=torch.float64, requires_grad=True) for b in sizes[1:]]
    saved = {f"initial-W{i}": w.detach().numpy().copy() for i, w in enumerate(weights)}
    saved |= {f"initial-b{i}": b.detach().numpy().copy() for i, b in enumerate(biases)}

    def forward(h: torch.Tensor) -> torch.Tensor:
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            h = h @ w + b
            if i < len(weights) - 1:
                h = torch.relu(h)
        return h

    def measure(epoch: int, step: int) -> tuple[int, int, float, int]:
        with torch.no_grad():
            z = forward(x)
            return epoch, step, float(F.cross_entropy(z, y)), int((z.argmax(1) == y).sum())

    opt = torch.optim.Adam([*weights, *biases], lr=setting.lr)
    rows = [measure(0, 0)]
    step = 0
    for epoch in range(1, setting.epochs + 1):
        order = torch.randperm(setting.samples, generator=gen)
        for k in range(0, setting.samples, setting.batch):
            idx = order[k : k + setting.batch]
            loss = F.cross_entropy(forward(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        rows.append(measure(epoch, step))
    saved |= {f"final-W{i}": w.detach().numpy().copy() for i, w in enumerate(weights)}
    saved |= {f"final-b{i}": b.detach().numpy().copy() for i, b in enumerate(biases)}
    assert all(np.isfinite(v).all() for v in saved.values()), "training diverged"
    return rows, saved


def make(
    out: pathlib.Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[pathlib.Path]:
    """Write digits-init.png, digits-init.csv (one row per run and epoch) and digits-init-weights.npz
    (initial and final weights of every run); return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    setting = SMALL if small else FULL
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rows: list[list[str]] = []
    arrays: dict[str, Any] = {}
    curves: dict[str, list[list[tuple[int, int, float, int]]]] = {}
    try:
        for n, (init, mean) in enumerate(INITS):
            curves[init] = []
            for s in range(setting.seeds):
                note = f"{init} initialisation, seed {s}: {setting.epochs} epochs"
                report(
                    progress, "training runs", n * setting.seeds + s, len(INITS) * setting.seeds, note=note
                )
                run_rows, saved = train(setting, mean, 1000 * seed + s)
                curves[init].append(run_rows)
                arrays |= {f"{init}-s{s}-{k}": v for k, v in saved.items()}
                for epoch, step, loss, correct in run_rows:
                    rows.append(
                        [
                            init,
                            repr(mean),
                            str(s),
                            str(epoch),
                            str(step),
                            repr(loss),
                            str(correct),
                            repr(correct / setting.samples),
                        ]
                    )
    finally:
        torch.set_num_threads(threads)

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(13, 6))
    colours = {"standard": "tab:blue", "shifted": "tab:red"}
    labels = {
        "standard": "standard: weights N(0, 1/fan_in)",
        "shifted": f"shifted mean: weights N({SHIFT}, 1/fan_in)",
    }
    for init, _ in INITS:
        runs = curves[init]
        epochs = np.array([r[0] for r in runs[0]])
        losses = np.array([[r[2] for r in run] for run in runs])
        acc = np.array([[r[3] / setting.samples for r in run] for run in runs])
        c = colours[init]
        ax_loss.plot(epochs, losses.mean(0), c=c, lw=2, label=f"{labels[init]}, mean of {len(runs)} seeds")
        ax_loss.fill_between(
            epochs, losses.min(0), losses.max(0), color=c, alpha=0.2, label="min–max over seeds"
        )
        ax_acc.plot(epochs, acc.mean(0), c=c, lw=2, label=f"{labels[init]}, mean of {len(runs)} seeds")
        ax_acc.fill_between(epochs, acc.min(0), acc.max(0), color=c, alpha=0.2, label="min–max over seeds")
    ax_loss.axhline(math.log(10), c="grey", ls=":", label="chance: log 10 (uniform prediction)")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch (0 = at initialisation)")
    ax_loss.set_ylabel("training loss (mean cross-entropy, nats; log scale)")
    ax_loss.set_title("training loss")
    ax_acc.axhline(0.1, c="grey", ls=":", label="chance: 10%")
    ax_acc.set_ylim(0, 1.02)
    ax_acc.set_xlabel("epoch (0 = at initialisation)")
    ax_acc.set_ylabel("training accuracy (fraction of images correct)")
    ax_acc.set_title("training accuracy")
    handles, names = ax_loss.get_legend_handles_labels()
    handles += ax_acc.get_legend_handles_labels()[0][-1:]
    names += ax_acc.get_legend_handles_labels()[1][-1:]
    fig.legend(handles, names, loc="lower center", ncol=3, fontsize=9, frameon=False)
    arch = "-".join(str(n) for n in [64, setting.width, "…", setting.width, 10])
    fig.suptitle(
        f"{TITLE}\nscikit-learn digits (8×8 pixels, {setting.samples} of 1797 images; MNIST is not available "
        f"offline) · {arch} ReLU net, {setting.depth} hidden layers · Adam lr {setting.lr:g}, "
        f"batch {setting.batch} · base seed {seed}",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    png = out / f"{NAME}.png"
    fig.savefig(png, dpi=90, metadata={"Software": None})
    plt.close(fig)

    table = out / f"{NAME}.csv"
    with table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "init",
                "weight mean μ",
                "seed",
                "epoch",
                "step (minibatch updates)",
                "training loss (mean cross-entropy, nats)",
                "correct (images)",
                "training accuracy (fraction)",
            ]
        )
        w.writerows(rows)
    weights = out / f"{NAME}-weights.npz"
    np.savez(weights, **arrays)
    return [png, table, weights]
