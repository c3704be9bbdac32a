"""The pictures (`--plot`, notebook displays) show what they claim: the data points in their label's
colour where the data are, and the decision boundary / fitted function where an independent reference
(exact Fractions, mpmath) puts it."""

from __future__ import annotations

import base64
import io
from fractions import Fraction
from pathlib import Path

import matplotlib.image
import mpmath
import numpy as np
import pytest

from badminima import load_trap
from badminima.cli import main
from badminima.display.plot import BOUNDARY_COLOUR, CLASS_COLOURS, figure
from tests.reference import reference_output

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _render(fig):
    """The figure as the PNG users get, read back as an RGB array (row 0 at the top)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    buffer.seek(0)
    return matplotlib.image.imread(buffer)[:, :, :3]


def _pixel(fig, ax, x, y):
    px, py = ax.transData.transform((float(x), float(y)))
    height = fig.canvas.get_width_height()[1]
    return round(float(height - py)), round(float(px))


def _rgb(hex_colour):
    return np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def _near(image, row, col, colour, radius=2, tol=0.4):
    """Whether a pixel within ``radius`` of (row, col) has ``colour`` (a thin anti-aliased line between
    two pixel rows is only half as dark, hence the tolerance)."""
    patch = image[max(row - radius, 0) : row + radius + 1, max(col - radius, 0) : col + radius + 1]
    return bool((np.abs(patch - _rgb(colour)).max(axis=2) < tol).any())


def test_data_points_are_drawn_in_their_labels_colours_where_the_data_are():
    trap = load_trap(EXAMPLES / "sigmoid-deadlock.json")
    fig = figure(trap)
    image = _render(fig)
    for ax in fig.axes:
        for x, y in zip(trap.dataset.X, trap.dataset.y, strict=True):
            row, col = _pixel(fig, ax, *x)
            assert _near(image, row, col, CLASS_COLOURS[int(y[0])], radius=1), (x, y)


def _boundary_x(trap, height, lo, hi):
    """Where the output crosses 1/2 along the horizontal line at ``height`` between lo and hi
    (bisection on the mpmath reference, independent of the package's forward pass)."""
    net, point = trap.network, trap.point
    f = lambda x: reference_output(net, point, (Fraction(x), Fraction(height))) - mpmath.mpf(1) / 2  # noqa: E731
    a, b = Fraction(lo), Fraction(hi)
    assert (f(a) > 0) != (f(b) > 0)
    for _ in range(40):
        m = (a + b) / 2
        a, b = (m, b) if (f(m) > 0) == (f(a) > 0) else (a, m)
    return (a + b) / 2


@pytest.mark.parametrize("height", ["0", "1.5", "3"])
def test_the_decision_boundary_passes_where_the_exact_model_puts_it(height):
    trap = load_trap(EXAMPLES / "sigmoid-deadlock.json")
    fig = figure(trap)
    image = _render(fig)
    ax = fig.axes[0]  # the trap's point: two nearly vertical boundaries near x = ±1.26
    for lo, hi in ((-3, 0), (0, 3)):
        x = _boundary_x(trap, Fraction(height), lo, hi)
        row, col = _pixel(fig, ax, x, Fraction(height))
        assert _near(image, row, col, BOUNDARY_COLOUR), (height, float(x))
        far_row, far_col = _pixel(fig, ax, x + Fraction(1, 2), Fraction(height))
        assert not _near(image, far_row, far_col, BOUNDARY_COLOUR)  # half a unit away: no boundary


def test_the_fitted_function_passes_through_the_exact_outputs():
    trap = load_trap(EXAMPLES / "relu-blind-spot.json")
    fig = figure(trap)
    image = _render(fig)
    for ax, point in zip(fig.axes, (trap.point, trap.better), strict=True):
        for x in (Fraction(-1, 2), Fraction(2), Fraction(7, 2), Fraction(9, 2)):  # between data points
            fx = reference_output(trap.network, point, (x,))
            row, col = _pixel(fig, ax, x, fx)
            assert _near(image, row, col, BOUNDARY_COLOUR), (float(x), float(fx))


def test_notebook_display_is_a_table_with_the_exact_loss_and_a_png():
    trap = load_trap(EXAMPLES / "relu-blind-spot.json")
    page = trap._repr_html_()
    assert "<table" in page and "<td style='text-align:left'>3.6</td>" in page  # 18/5: the paper's sse 18
    encoded = page.split("base64,")[1].split("'")[0]
    assert base64.b64decode(encoded).startswith(b"\x89PNG\r\n\x1a\n")


def test_show_and_verify_write_the_picture(tmp_path, capsys):
    shown, verified = tmp_path / "show.png", tmp_path / "verify.png"
    assert main(["show", "sigmoid-deadlock", "--plot", str(shown)]) == 0
    assert (
        main(["verify", str(EXAMPLES / "relu-blind-spot.json"), "--probes", "0", "--plot", str(verified)])
        == 0
    )
    out = capsys.readouterr().out
    assert f"wrote {shown}" in out and f"wrote {verified}" in out
    for path in (shown, verified):
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
