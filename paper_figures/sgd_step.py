"""Figure 7: SGD with a fixed step size η stalls at a gradient size set by η.

Plain SGD, batch size 1, on a fixed small problem: a 1-1-1 tanh network on nine points (x = −1, −3/4,
…, 1; targets no such network fits exactly), started at the least-squares minimum found by
`badminima.search.starts`. Per-sample gradients stay nonzero there, so SGD keeps bouncing: after a
burn-in it hovers at distance ~√η from the minimum, and the mean squared full-batch gradient norm
E‖∇L‖² is proportional to η (the gradient norm itself to √η). Both, averaged over the tail of the run
and over seeds, on log-log axes with fitted slopes. Gradients by the package's batched forward pass
(`badminima.search.columns.column_losses`) and `torch.func.grad`; the sample drawn at step k of seed
s is ``numpy.random.default_rng([seed, s]).integers(N, size=steps)[k]`` so another program can replay it.

Reference: the stationary-SGD bound E‖∇L‖² ≤ 2(L₀ − L*)/(ηK) + ηLσ² (Ghadimi & Lan 2013), whose
floor ηLσ² is what the fixed step leaves.
"""

from __future__ import annotations

import csv
import pathlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from badminima.progress import ProgressHook, report

NAME = "sgd-step"
TITLE = "SGD with a fixed step: mean gradient size after burn-in against the step size (log-log)"

XS = tuple(Fraction(k, 4) for k in range(-4, 5))
YS = tuple(Fraction(v) for v in ("-1", "-3/4", "0", "1/2", "3/4", "1/4", "1/2", "1/4", "-1/4"))


@dataclass(frozen=True, slots=True)
class Setting:
    """Step sizes, seeds, steps per run, burn-in steps, and the stride of recorded gradient norms."""

    step_sizes: tuple[float, ...]
    seeds: int
    steps: int
    burn_in: int
    stride: int


SMALL = Setting(step_sizes=(0.01, 0.03, 0.1), seeds=3, steps=2000, burn_in=500, stride=10)
FULL = Setting(step_sizes=(0.003, 0.01, 0.02, 0.05, 0.1, 0.2), seeds=8, steps=30000, burn_in=10000, stride=5)


def problem() -> tuple[Any, Any]:
    """The network (1-1-1 tanh, mse) and the nine-point dataset."""
    from badminima.model import Dataset, Network

    return Network((1, 1, 1), "tanh"), Dataset.of([[x] for x in XS], [[y] for y in YS])


def minimum(network: Any, data: Any) -> Any:
    """The lowest strict local minimum multistart finds (float64, flat order of `Point`)."""
    import numpy as np

    from badminima.search.starts import Init, Optimizer, Stopping, multistart

    ends = multistart(
        network,
        data,
        64,
        init=Init("normal", 1.0, 0.0),
        optimizer=Optimizer("adam", lr=0.05),
        stopping=Stopping(max_steps=2000),
        seed=0,
    )
    ok = (ends.status == "critical") & (ends.indices == 0)
    return ends.thetas[int(np.argmin(np.where(ok, ends.losses, np.inf)))]


def sample_indices(seed: int, run: int, n: int, steps: int) -> Any:
    """The sample index of each step of run ``run`` (replayable with numpy alone)."""
    import numpy as np

    return np.random.default_rng([seed, run]).integers(n, size=steps)


REPORT_EVERY = 100
"""SGD steps between progress reports."""


def simulate(
    network: Any, data: Any, theta0: Any, setting: Setting, *, seed: int, progress: ProgressHook | None = None
) -> Any:
    """Full-batch gradient norms (recorded, η, seed) at every ``stride``-th step after the burn-in;
    ``progress`` hears the SGD steps (every step size and seed run at once)."""
    import numpy as np
    import torch

    from badminima.arithmetic.batch import Batch
    from badminima.search.columns import column_losses

    etas, seeds = np.array(setting.step_sizes), setting.seeds
    k = len(etas) * seeds
    lr = torch.tensor(np.repeat(etas, seeds))
    X = torch.tensor([[float(v) for v in x] for x in data.X], dtype=torch.float64).T
    Y = torch.tensor([[float(v) for v in y] for y in data.y], dtype=torch.float64).T
    idx = torch.tensor(
        np.stack([sample_indices(seed, r % seeds, data.n_points, setting.steps) for r in range(k)], 1)
    )

    def summed(theta: Any, inputs: Any, targets: Any) -> Any:
        return column_losses(network, Batch(inputs), Batch(targets), theta).sum()

    grad = torch.func.grad(summed)
    theta = torch.tensor(theta0, dtype=torch.float64)[:, None].repeat(1, k)
    full_x, full_y = X[:, :, None], Y[:, :, None]
    norms = []
    for step in range(setting.steps):
        if step % REPORT_EVERY == 0:
            report(progress, "SGD steps", step, setting.steps, note=f"{k} runs at once")
        i = idx[step]
        theta = theta - lr * grad(theta, X[:, i][:, None, :], Y[:, i][:, None, :])
        if step >= setting.burn_in and (step - setting.burn_in) % setting.stride == 0:
            norms.append(grad(theta, full_x, full_y).norm(dim=0))
    return torch.stack(norms).reshape(-1, len(etas), seeds).numpy()


def fit_slope(x: Any, y: Any) -> tuple[float, float]:
    """Least-squares slope and intercept of log y against log x."""
    import numpy as np

    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(intercept)


def make(
    out: pathlib.Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[pathlib.Path]:
    """Write sgd-step.png and sgd-step.csv (η, mean and std over seeds of the tail-mean gradient norm
    and squared norm, and the run's settings); return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    torch.set_num_threads(1)
    setting = SMALL if small else FULL
    network, data = problem()
    theta0 = minimum(network, data)
    norms = simulate(network, data, theta0, setting, seed=seed, progress=progress)  # (recorded, η, seed)
    per_seed = norms.mean(0)
    per_seed_sq = (norms**2).mean(0)
    etas = np.array(setting.step_sizes)
    mean, std = per_seed.mean(1), per_seed.std(1, ddof=1)
    mean_sq, std_sq = per_seed_sq.mean(1), per_seed_sq.std(1, ddof=1)
    slope, icpt = fit_slope(etas, mean)
    slope_sq, icpt_sq = fit_slope(etas, mean_sq)

    fig, ax = plt.subplots(figsize=(8, 6))
    ax.errorbar(etas, mean_sq, yerr=std_sq, fmt="o", c="tab:blue", capsize=3, label="E‖∇L‖² (tail mean)")
    ax.plot(etas, np.exp(icpt_sq) * etas**slope_sq, "-", c="tab:blue", label=f"fit: slope {slope_sq:.2f}")
    ax.errorbar(etas, mean, yerr=std, fmt="s", c="tab:red", capsize=3, label="E‖∇L‖ (tail mean)")
    ax.plot(etas, np.exp(icpt) * etas**slope, "--", c="tab:red", label=f"fit: slope {slope:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step size η")
    ax.set_ylabel("full-batch gradient norm (squared), after burn-in")
    ax.set_title(
        f"SGD, batch 1, fixed step: 1-1-1 tanh, {data.n_points} points\n"
        f"{setting.steps} steps, burn-in {setting.burn_in}, {setting.seeds} seeds "
        "(error bars: std over seeds)",
        fontsize=11,
    )
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    png = out / f"{NAME}.png"
    fig.savefig(png, dpi=100, metadata={"Software": None})
    plt.close(fig)

    table = out / f"{NAME}.csv"
    with table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "step size (eta)",
                "mean gradient norm",
                "std gradient norm (over seeds)",
                "mean squared gradient norm",
                "std squared gradient norm (over seeds)",
                "seeds",
                "steps",
                "burn-in steps",
                "stride",
                "seed",
                "slope of log mean norm",
                "slope of log mean squared norm",
            ]
        )
        for j, eta in enumerate(etas):
            w.writerow(
                [
                    repr(float(eta)),
                    repr(float(mean[j])),
                    repr(float(std[j])),
                    repr(float(mean_sq[j])),
                    repr(float(std_sq[j])),
                    setting.seeds,
                    setting.steps,
                    setting.burn_in,
                    setting.stride,
                    seed,
                    repr(slope),
                    repr(slope_sq),
                ]
            )
    theta_table = out / f"{NAME}-start.csv"
    with theta_table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["parameter index (flat order of Point)", "start value (the minimum)"])
        w.writerows([[i, repr(float(v))] for i, v in enumerate(theta0)])
    return [png, table, theta_table]
