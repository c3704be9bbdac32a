"""ASCII sketches of a trap for the terminal (float64; pictures, not proofs).

2-D inputs: the plane around the data, each cell marked by the network's class there ('.' below 1/2,
'#' above), each data point by its label ('0'/'1'), upper-case 'O'/'I' where it is misclassified.
1-D inputs: the fitted function ('*') over the data points ('o'; '@' where the curve passes through one).
"""

from __future__ import annotations

import numpy as np
import torch

from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.landscape.forward_pass import forward, predictions, unflatten
from badminima.model.point import Point
from badminima.model.trap import Trap

WIDTH, HEIGHT = 56, 18


def outputs(trap: Trap, point: Point, inputs: np.ndarray) -> np.ndarray:
    """Network outputs (first output unit) at the rows of ``inputs`` (n, d0), in float64 (the package's
    forward pass; also what `badminima.display.plot` draws)."""
    arith = FloatArithmetic()
    flat = torch.tensor([float(v) for v in point.flatten()], dtype=DTYPE)
    fwd = forward(
        trap.network, unflatten(trap.network, flat), torch.tensor(inputs.T, dtype=DTYPE), arith=arith
    )
    return predictions(trap.network, fwd, arith=arith)[0].numpy()


def sketch(trap: Trap, point: Point) -> str | None:
    """A text picture of ``point`` on the trap's data, or None for inputs of more than 2 dimensions."""
    X = np.array([[float(v) for v in row] for row in trap.dataset.X])
    y = np.array([float(r[0]) for r in trap.dataset.y])
    if X.shape[1] == 2:
        return _plane(trap, point, X, y)
    if X.shape[1] == 1:
        return _curve(trap, point, X[:, 0], y)
    return None


def span(lo: float, hi: float) -> tuple[float, float]:
    """``[lo, hi]`` widened by 15% on each side (1 when the interval is a point)."""
    pad = 0.15 * (hi - lo) or 1.0
    return lo - pad, hi + pad


def _plane(trap: Trap, point: Point, X: np.ndarray, y: np.ndarray) -> str:
    (x0, x1), (y0, y1) = span(X[:, 0].min(), X[:, 0].max()), span(X[:, 1].min(), X[:, 1].max())
    xs, ys = np.linspace(x0, x1, WIDTH), np.linspace(y1, y0, HEIGHT)
    grid = np.array([[a, b] for b in ys for a in xs])
    cls = (outputs(trap, point, grid) > 0.5).reshape(HEIGHT, WIDTH)
    rows = [["#" if c else "." for c in row] for row in cls]
    pred = outputs(trap, point, X) > 0.5
    for (a, b), label, p in zip(X, y, pred, strict=True):
        i = round((y1 - b) / (y1 - y0) * (HEIGHT - 1))
        j = round((a - x0) / (x1 - x0) * (WIDTH - 1))
        right = p == (label == 1)
        rows[i][j] = ("1" if right else "I") if label == 1 else ("0" if right else "O")
    legend = (
        f"x from {x0:.3g} to {x1:.3g}, y from {y0:.3g} (bottom) to {y1:.3g}; '#' output > 1/2, '.' below; "
        f"0/1 labels, O/I misclassified"
    )
    return "\n".join(["".join(r) for r in rows] + [legend])


def _curve(trap: Trap, point: Point, x: np.ndarray, y: np.ndarray) -> str:
    x0, x1 = span(x.min(), x.max())
    xs = np.linspace(x0, x1, WIDTH)
    f = outputs(trap, point, xs[:, None])
    lo, hi = span(min(y.min(), f.min()), max(y.max(), f.max()))
    rows = [[" "] * WIDTH for _ in range(HEIGHT)]

    def row_of(v: float) -> int:
        return round((hi - v) / (hi - lo) * (HEIGHT - 1))

    for j, v in enumerate(f):
        rows[row_of(v)][j] = "*"
    for a, b in zip(x, y, strict=True):
        j = round((a - x0) / (x1 - x0) * (WIDTH - 1))
        i = row_of(b)
        rows[i][j] = "@" if rows[i][j] == "*" else "o"
    legend = f"x from {x0:.3g} to {x1:.3g}, f from {lo:.3g} (bottom) to {hi:.3g}; '*' the network, 'o' data"
    return "\n".join(["".join(r).rstrip() for r in rows] + [legend])
