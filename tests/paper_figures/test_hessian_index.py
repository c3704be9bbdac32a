"""Figure 6 (hessian-index): each critical point's index re-derived from a Hessian computed by another
route (the generic `badminima.landscape.hessian` in float64, not the batched polish), its loss by the
exact-rational/mpmath reference loop of tests/reference.py, and its gradient recomputed."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from badminima.arithmetic.floating import FloatArithmetic
from badminima.landscape import gradient, hessian
from badminima.model import Point
from paper_figures import hessian_index

from ..reference import reference_loss

pytestmark = pytest.mark.slow  # draws the figure (seconds); the registry tests draw one in every run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    out = tmp_path_factory.mktemp("hessian_index")
    return hessian_index.make(out, small=True, seed=0), out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _point(row: dict[str, str]) -> Point:
    theta = [Fraction(float(v)) for v in row["theta_flat (representative)"].split()]
    return Point.unflatten(hessian_index.network(), theta)


def test_files_and_module_convention(made: tuple[list[Path], Path]) -> None:
    paths, out = made
    assert hessian_index.NAME == "hessian-index" and hessian_index.TITLE
    assert paths == [out / "hessian-index.png", out / "hessian-index.csv"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC
    rows = _rows(paths[1])
    assert len(rows) >= 2
    assert {int(r["n_params"]) for r in rows} == {6}


def test_zero_point_is_found_with_index_half(made: tuple[list[Path], Path]) -> None:
    """By hand: at θ = 0 the net outputs 0, the loss is mean(y²), and each unit's (w, v) Hessian block is
    [[0, c], [c, 0]] with c = (2/N) Σ (0 − y_i) x_i ≠ 0: eigenvalues ±c, so the index is 3 of 6."""
    _, out = made
    data = hessian_index.dataset()
    mean_sq = float(sum(y[0] ** 2 for y in data.y) / data.n_points)
    c = float(2 * sum(-y[0] * x[0] for x, y in zip(data.X, data.y, strict=True)) / data.n_points)
    rows = [r for r in _rows(out / "hessian-index.csv") if abs(float(r["loss (mse)"]) - mean_sq) < 1e-12]
    assert rows, "the all-zero critical point was not found"
    assert int(rows[0]["index (negative Hessian eigenvalues)"]) == 3
    assert float(rows[0]["min eigenvalue"]) == pytest.approx(-abs(c), rel=1e-6)


def test_rows_by_another_route(made: tuple[list[Path], Path]) -> None:
    _, out = made
    net, data = hessian_index.network(), hessian_index.dataset()
    arith = FloatArithmetic()
    checked = 0
    for r in _rows(out / "hessian-index.csv"):
        point = _point(r)
        assert float(r["loss (mse)"]) == pytest.approx(float(reference_loss(net, data, point)), rel=1e-9)
        g = gradient(net, data, point, arith=arith).numpy()
        assert np.linalg.norm(g) < 1e-8
        h = hessian(net, data, point, arith=arith).numpy()
        assert np.allclose(h, h.T, atol=1e-12)
        eig = np.linalg.eigvalsh(h)
        assert float(r["min eigenvalue"]) == pytest.approx(eig[0], rel=1e-5, abs=1e-9)
        tol = 1e-9 * max(1.0, float(np.abs(eig).max()))
        if np.any(np.abs(np.abs(eig) - tol) < 10 * tol) or np.any(np.abs(eig) < 10 * tol):
            continue  # an eigenvalue too close to the threshold to count the same way by any route
        assert int(r["index (negative Hessian eigenvalues)"]) == int((eig < -tol).sum())
        assert float(r["index / n_params"]) == int((eig < -tol).sum()) / 6
        checked += 1
    assert checked >= 1
