"""Figure 1: each construction of the paper drawn as the paper draws it.

The sigmoid deadlock (2-D inputs, 0/1 labels): the data with their labels and each hidden unit's line
w·x + b = 0, at the bad minimum and at the better point. The ReLU examples (1-D inputs): the data, the
fitted piecewise-linear function at the bad minimum and at the better point, and their blind spots
(where every hidden unit is inactive) shaded. Every number comes from `construction(name).build()`;
function values from the package's forward pass in exact arithmetic.

Reference: Swirszcz, Czarnecki & Pascanu, arXiv:1611.06310, Sections 3-4 (the datasets and points).
"""

from __future__ import annotations

import csv
import pathlib
from fractions import Fraction
from typing import Any

from badminima.progress import ProgressHook

NAME = "constructions"
TITLE = "The paper's constructions: data, hidden units and fitted functions at the bad and the better point"

SIGMOID = "sigmoid-deadlock"
RELU = ("relu-blind-spot", "relu-no-blind-spot", "relu-blind-spot-in-better")
POINTS = ("trap", "better")
_STYLE = {"trap": ("tab:red", "-"), "better": ("tab:blue", "--")}
_LABEL = {"trap": "bad minimum", "better": "better point"}


def hidden_units(trap: Any, which: str) -> list[tuple[tuple[Fraction, ...], Fraction, Fraction]]:
    """Per hidden unit of a one-hidden-layer trap: (input weights, bias, output weight), exact."""
    point = trap.point if which == "trap" else trap.better
    first, last = point.layers
    assert first.b is not None
    return [(first.W[j], first.b[j], last.W[0][j]) for j in range(len(first.W))]


def output_bias(trap: Any, which: str) -> Fraction:
    point = trap.point if which == "trap" else trap.better
    b = point.layers[-1].b
    return b[0] if b is not None else Fraction(0)


def grid(trap: Any, n: int) -> list[Fraction]:
    """``n`` exact rational inputs spanning the data with a margin of a tenth of its range each side."""
    xs = [x[0] for x in trap.dataset.X]
    lo, hi = min(xs), max(xs)
    pad = (hi - lo) / 10
    lo, hi = lo - pad, hi + pad
    return [lo + (hi - lo) * k / (n - 1) for k in range(n)]


def function_values(trap: Any, which: str, xs: list[Fraction]) -> list[Fraction]:
    """f(x) at the exact inputs ``xs`` by the package's forward pass (exact arithmetic)."""
    from badminima.arithmetic import ExactArithmetic
    from badminima.landscape.forward_pass import forward, predictions, unflatten
    from badminima.landscape.problem import prepare
    from badminima.model import Dataset

    arith = ExactArithmetic()
    point = trap.point if which == "trap" else trap.better
    data = Dataset.of([[x] for x in xs], [[0] for _ in xs])
    prob = prepare(trap.network, data, point, arith=arith)
    fwd = forward(
        trap.network, unflatten(trap.network, prob.flat), prob.inputs, arith=arith, masks=prob.masks
    )
    out = predictions(trap.network, fwd, arith=arith)
    return [Fraction(out[0, i]) for i in range(len(xs))]


def blind(trap: Any, which: str, x: Fraction) -> bool:
    """True when every hidden unit is inactive (pre-activation ≤ 0) at input ``x``."""
    return all(w[0] * x + b <= 0 for w, b, _ in hidden_units(trap, which))


def _rows(traps: dict[str, Any], functions: dict[tuple[str, str], list[tuple[Fraction, Fraction]]]) -> Any:
    rows: list[list[str]] = []
    for name, trap in traps.items():
        d = trap.dataset.input_dim
        for i, (x, y) in enumerate(zip(trap.dataset.X, trap.dataset.y, strict=True)):
            for k in range(d):
                rows.append([name, "data", str(i), f"x{k + 1}", str(x[k])])
            rows.append([name, "data", str(i), "y", str(y[0])])
        for which in POINTS:
            for j, (w, b, v) in enumerate(hidden_units(trap, which)):
                for k in range(d):
                    rows.append([name, which, f"unit {j + 1}", f"w{k + 1}", str(w[k])])
                rows.append([name, which, f"unit {j + 1}", "b", str(b)])
                rows.append([name, which, f"unit {j + 1}", "v", str(v)])
            rows.append([name, which, "output", "c", str(output_bias(trap, which))])
    fn_rows = [
        [name, which, repr(float(x)), repr(float(f)), str(int(blind(traps[name], which, x)))]
        for (name, which), values in functions.items()
        for x, f in values
    ]
    return rows, fn_rows


def make(
    out: pathlib.Path, *, small: bool = False, seed: int = 0, progress: ProgressHook | None = None
) -> list[pathlib.Path]:
    """Write constructions.png, constructions.csv (data and unit coefficients, exact) and
    constructions-functions.csv (f(x) of the ReLU examples on a grid); return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from badminima.constructions.registry import construction

    del seed  # deterministic: nothing random is drawn
    n = 61 if small else 401
    traps = {name: construction(name).build() for name in (SIGMOID, *RELU)}
    functions: dict[tuple[str, str], list[tuple[Fraction, Fraction]]] = {}
    for name in RELU:
        xs = grid(traps[name], n)
        for which in POINTS:
            functions[name, which] = list(zip(xs, function_values(traps[name], which, xs), strict=True))

    fig, axes = plt.subplots(2, 3, figsize=(16, 9.5))
    sig = traps[SIGMOID]
    X = np.array([[float(v) for v in x] for x in sig.dataset.X])
    y = np.array([float(v[0]) for v in sig.dataset.y])
    lo, hi = X.min(0) - 0.5, X.max(0) + 0.5
    for ax, which in zip(axes[0, :2], POINTS, strict=True):
        for label, marker, colour in ((0, "o", "tab:purple"), (1, "^", "tab:orange")):
            sel = y == label
            ax.scatter(X[sel, 0], X[sel, 1], marker=marker, s=70, c=colour, label=f"label {label}", zorder=3)
        colour, _ = _STYLE[which]
        for j, (w, b, _v) in enumerate(hidden_units(sig, which)):
            w1, w2, bb = float(w[0]), float(w[1]), float(b)
            ls = ("-", "--")[j]
            if abs(w2) >= abs(w1):
                xx = np.linspace(lo[0], hi[0], 2)
                ax.plot(xx, -(w1 * xx + bb) / w2, ls, c=colour, lw=2, label=f"unit {j + 1}: w·x + b = 0")
            else:
                yy = np.linspace(lo[1], hi[1], 2)
                ax.plot(-(w2 * yy + bb) / w1, yy, ls, c=colour, lw=2, label=f"unit {j + 1}: w·x + b = 0")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal")
        ax.set_xlabel("input $x_1$")
        ax.set_ylabel("input $x_2$")
        ax.set_title(f"{SIGMOID} (2-2-1 sigmoid): {_LABEL[which]}")
        ax.legend(loc="best", fontsize=8)
    panels = [axes[0, 2], axes[1, 0], axes[1, 1]]
    for ax, name in zip(panels, RELU, strict=True):
        trap = traps[name]
        xd = np.array([float(x[0]) for x in trap.dataset.X])
        yd = np.array([float(v[0]) for v in trap.dataset.y])
        for which in POINTS:
            colour, ls = _STYLE[which]
            xg = np.array([float(x) for x, _ in functions[name, which]])
            fs = np.array([float(f) for _, f in functions[name, which]])
            mask = np.array([blind(trap, which, x) for x, _ in functions[name, which]])
            ax.plot(xg, fs, ls, c=colour, lw=2, label=f"f at the {_LABEL[which]}")
            ax.fill_between(
                xg,
                0,
                1,
                where=mask,
                transform=ax.get_xaxis_transform(),
                color=colour,
                alpha=0.12,
                hatch="//" if which == "better" else None,
                label=f"blind spot of the {_LABEL[which]}",
            )
        ax.scatter(xd, yd, c="black", s=40, zorder=3, label="data")
        h = len(hidden_units(trap, "trap"))
        ax.set_title(f"{name} (1-{h}-1 ReLU)")
        ax.set_xlabel("input x")
        ax.set_ylabel("output f(x) and target y")
        ax.legend(loc="best", fontsize=8)
    axes[1, 2].axis("off")
    axes[1, 2].text(
        0.0,
        0.5,
        "Lines: hidden units' boundaries w·x + b = 0.\n"
        "Shaded: blind spots, inputs where every\nhidden ReLU is inactive (pre-activation ≤ 0).\n"
        "Red solid: bad local minimum; blue dashed:\nbetter point. All values exact from\n"
        "badminima.constructions.",
        fontsize=11,
        va="center",
    )
    fig.suptitle(TITLE, fontsize=13)
    fig.tight_layout()
    png = out / f"{NAME}.png"
    fig.savefig(png, dpi=100, metadata={"Software": None})
    plt.close(fig)

    rows, fn_rows = _rows(traps, functions)
    table = out / f"{NAME}.csv"
    with table.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["construction", "role", "item", "quantity", "value (exact rational)"])
        writer.writerows(rows)
    fn_table = out / f"{NAME}-functions.csv"
    with fn_table.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["construction", "point", "x (input)", "f(x) (output)", "blind spot (1 = every unit inactive)"]
        )
        writer.writerows(fn_rows)
    return [png, table, fn_table]
