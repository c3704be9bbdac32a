"""Pictures of a trap for people who would rather look than read: the data, the first hidden layer's
units and the fitted function, at the trap's point and at its better point (float64; pictures, not
proofs). Used by ``badminima show/verify --plot FILE.png`` and by the notebook displays.

2-D inputs: each data point coloured by its 0/1 label (`CLASS_COLOURS`), each first-layer unit's line
``w·x + b = 0`` dashed grey, and the decision boundary (output = 1/2) solid black. 1-D inputs: the data
and the fitted function (black), each first-layer unit's kink ``x = −b/w`` dashed grey.
"""

from __future__ import annotations

import io
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.constructions.sketch import outputs, span
from badminima.errors import FigureError
from badminima.model.point import Point
from badminima.model.trap import Trap

CLASS_COLOURS = ("#1f77b4", "#d62728")
"""Label 0 blue, label 1 red (targets that are not 0/1 are drawn in label 0's colour)."""
BOUNDARY_COLOUR = "#000000"
UNIT_COLOUR = "#7f7f7f"
_GRID = 200


def figure(trap: Trap, *, points: tuple[tuple[str, Point], ...] | None = None, dpi: int = 80) -> Any:
    """A matplotlib Figure with one panel per (title, point) — by default the trap's point and its better
    point — or None when the inputs have more than 2 dimensions. Its axes' ``transData`` maps data to
    pixels (the tests use it to read the picture back)."""
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise FigureError(
            "--plot needs matplotlib, which is not installed (pip install 'badminima[figures]')"
        ) from None
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    if trap.dataset.input_dim > 2:
        return None
    if points is None:
        points = (("point", trap.point),) + ((("better point", trap.better),) if trap.better else ())
    fig = Figure(figsize=(3.6 * len(points), 3.2), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, len(points), squeeze=False)[0]
    X = np.array([[float(v) for v in row] for row in trap.dataset.X])
    y = np.array([float(r[0]) for r in trap.dataset.y])
    for ax, (title, point) in zip(axes, points, strict=True):
        if X.shape[1] == 2:
            _plane(ax, trap, point, X, y)
        else:
            _line(ax, trap, point, X[:, 0], y)
        ax.set_title(title, fontsize=10)
    return fig


def _units(point: Point) -> list[tuple[np.ndarray, float]]:
    first = point.layers[0]
    bias = first.b or tuple(Fraction(0) for _ in first.W)
    return [(np.array([float(w) for w in row]), float(b)) for row, b in zip(first.W, bias, strict=True)]


def _plane(ax: Any, trap: Trap, point: Point, X: np.ndarray, y: np.ndarray) -> None:
    (x0, x1), (y0, y1) = span(X[:, 0].min(), X[:, 0].max()), span(X[:, 1].min(), X[:, 1].max())
    xs, ys = np.linspace(x0, x1, _GRID), np.linspace(y0, y1, _GRID)
    gx, gy = np.meshgrid(xs, ys)
    f = outputs(trap, point, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    ax.contourf(gx, gy, f > 0.5, levels=[-0.5, 0.5, 1.5], colors=["#dbe8f5", "#f7d9d9"])
    if trap.network.depth > 1:
        for w, b in _units(point):
            if abs(w[1]) > abs(w[0]):
                ax.plot(xs, -(w[0] * xs + b) / w[1], "--", color=UNIT_COLOUR, lw=1)
            elif w[0] != 0:
                ax.plot(-(w[1] * ys + b) / w[0], ys, "--", color=UNIT_COLOUR, lw=1)
    if f.min() < 0.5 < f.max():
        ax.contour(gx, gy, f, levels=[0.5], colors=[BOUNDARY_COLOUR], linewidths=1.5)
    colours = [CLASS_COLOURS[1] if v == 1 else CLASS_COLOURS[0] for v in y]
    ax.scatter(X[:, 0], X[:, 1], c=colours, s=40, edgecolors="none", zorder=3)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _line(ax: Any, trap: Trap, point: Point, x: np.ndarray, y: np.ndarray) -> None:
    x0, x1 = span(x.min(), x.max())
    xs = np.linspace(x0, x1, _GRID * 2)
    f = outputs(trap, point, xs[:, None])
    if trap.network.depth > 1:
        for w, b in _units(point):
            if w[0] != 0 and x0 < -b / w[0] < x1:
                ax.axvline(-b / w[0], ls="--", color=UNIT_COLOUR, lw=1)
    ax.plot(xs, f, color=BOUNDARY_COLOUR, lw=1.5)
    ax.scatter(x, y, c=CLASS_COLOURS[0], s=40, edgecolors="none", zorder=3)
    lo, hi = span(min(y.min(), f.min()), max(y.max(), f.max()))
    ax.set_xlim(x0, x1)
    ax.set_ylim(lo, hi)


def png(trap: Trap, *, dpi: int = 80) -> bytes | None:
    """The `figure` as PNG bytes (None for inputs of more than 2 dimensions)."""
    fig = figure(trap, dpi=dpi)
    if fig is None:
        return None
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def save_png(trap: Trap, path: str, *, dpi: int = 100) -> bool:
    """Write the `figure` to ``path`` (PNG); False, writing nothing, for inputs of more than 2 dimensions."""
    data = png(trap, dpi=dpi)
    if data is None:
        return False
    with open(path, "wb") as fh:
        fh.write(data)
    return True
