"""Figure 2: the segment's end losses equal the exact losses; interior losses agree with the loss
recomputed point by point in exact rationals (mpmath for sigmoid) by tests/reference.py, a route that
shares no code with badminima.landscape."""

from __future__ import annotations

import csv
from fractions import Fraction

import numpy as np
import pytest

from badminima.constructions.registry import construction
from badminima.model import Point
from paper_figures import barrier

from ..reference import reference_loss

pytestmark = pytest.mark.slow  # draws the figure (seconds); the registry tests draw one in every run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("barrier")
    return out, barrier.make(out, small=True, seed=3)


def _rows(path):
    with path.open() as fh:
        return list(csv.reader(fh))[1:]


def test_writes_png_and_csvs(written) -> None:
    _, paths = written
    assert [p.name for p in paths] == ["barrier.png", "barrier.csv", "barrier-slice.csv"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize("name", barrier.CONSTRUCTIONS)
def test_end_points_are_the_exact_losses(written, name) -> None:
    out, _ = written
    rows = [r for r in _rows(out / "barrier.csv") if r[0] == name]
    trap = construction(name).build()
    bad = float(reference_loss(trap.network, trap.dataset, trap.point))
    better = float(reference_loss(trap.network, trap.dataset, trap.better))
    assert float(rows[0][1]) == 0.0 and float(rows[-1][1]) == 1.0
    assert float(rows[0][2]) == pytest.approx(bad, rel=1e-12, abs=1e-12)
    assert float(rows[-1][2]) == pytest.approx(better, rel=1e-12, abs=1e-12)
    assert float(rows[0][3]) == pytest.approx(bad, rel=1e-12, abs=1e-12)
    assert float(rows[0][4]) == pytest.approx(better, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", ["relu-blind-spot", "relu-no-blind-spot", "sigmoid-deadlock"])
def test_interior_losses_by_another_route(written, name) -> None:
    out, _ = written
    rows = [r for r in _rows(out / "barrier.csv") if r[0] == name]
    trap = construction(name).build()
    a = np.array(trap.point.flatten(), dtype=object)
    d = np.array(trap.better.flatten(), dtype=object) - a
    for r in rows[1:-1:4]:
        t = Fraction(
            float(r[1])
        )  # the float t exactly; the point then differs from the plotted one by rounding
        point = Point.unflatten(trap.network, list(a + t * d))
        assert float(r[2]) == pytest.approx(
            float(reference_loss(trap.network, trap.dataset, point)), rel=1e-10
        )


def test_slice_contains_the_segment(written) -> None:
    out, _ = written
    rows = [r for r in _rows(out / "barrier-slice.csv") if r[0] == "relu-no-blind-spot"]
    trap = construction("relu-no-blind-spot").build()
    a, d, e = barrier.plane(trap, seed=3)
    assert abs(e @ d) < 1e-9 * (d @ d)
    assert np.linalg.norm(e) == pytest.approx(np.linalg.norm(d))
    for r in rows[::17]:
        t, s = Fraction(float(r[1])), Fraction(float(r[2]))
        theta = [Fraction(float(v)) for v in a + float(t) * d + float(s) * e]
        point = Point.unflatten(trap.network, theta)
        assert float(r[3]) == pytest.approx(
            float(reference_loss(trap.network, trap.dataset, point)), rel=1e-9
        )
