"""Figure 5 (width-spread): final losses recomputed at the written end points by the generic loss in
float64 (not the batched training code) and by the exact-rational/mpmath reference loop, and the
summary statistics re-derived from the raw CSV with numpy."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from badminima.arithmetic.floating import FloatArithmetic
from badminima.landscape.losses import loss
from badminima.model import Point
from paper_figures import width_spread

from ..reference import reference_loss

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    out = tmp_path_factory.mktemp("width_spread")
    return width_spread.make(out, small=True, seed=0), out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_files_and_module_convention(made: tuple[list[Path], Path]) -> None:
    paths, out = made
    assert width_spread.NAME == "width-spread" and width_spread.TITLE
    assert paths == [out / "width-spread.png", out / "width-spread.csv", out / "width-spread-summary.csv"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC
    rows = _rows(paths[1])
    widths = width_spread.SMALL.widths
    assert [int(r["width"]) for r in rows] == [w for w in widths for _ in range(width_spread.SMALL.starts)]
    assert {r["status"] for r in rows} <= {"critical", "unconverged", "escaped", "diverged"}


def test_dataset_is_the_fixed_rational_set() -> None:
    data = width_spread.dataset()
    assert data.n_points == width_spread.N_POINTS
    assert data.X[0][0] == -2 and data.X[-1][0] == 2
    assert all(isinstance(y[0], Fraction) and (10 * y[0]).denominator == 1 for y in data.y)
    assert width_spread.dataset() == data


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_final_losses_recomputed_at_end_points(made: tuple[list[Path], Path]) -> None:
    _, out = made
    data = width_spread.dataset()
    rows = _rows(out / "width-spread.csv")
    for r in rows[:: max(1, len(rows) // 12)]:
        net = width_spread.network(int(r["width"]))
        theta = [Fraction(float(v)) for v in r["theta_flat (end point)"].split()]
        assert len(theta) == net.n_params
        point = Point.unflatten(net, theta)
        value = float(loss(net, data, point, arith=FloatArithmetic()))
        assert float(r["final loss (mse)"]) == pytest.approx(value, rel=1e-9, abs=1e-15)
        assert float(r["final loss (mse)"]) == pytest.approx(
            float(reference_loss(net, data, point)), rel=1e-9, abs=1e-15
        )


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_summary_from_the_raw_csv(made: tuple[list[Path], Path]) -> None:
    _, out = made
    rows = _rows(out / "width-spread.csv")
    summary = _rows(out / "width-spread-summary.csv")
    assert [int(s["width"]) for s in summary] == list(width_spread.SMALL.widths)
    for s in summary:
        mine = [r for r in rows if r["width"] == s["width"]]
        assert int(s["starts"]) == len(mine)
        assert int(s["critical"]) == sum(r["status"] == "critical" for r in mine)
        assert int(s["n_params"]) == 3 * int(s["width"]) + 1
        kept = np.array(
            [float(r["final loss (mse)"]) for r in mine if r["status"] in ("critical", "unconverged")]
        )
        assert int(s["plotted (critical or unconverged)"]) == kept.size
        kept.sort()
        q1, med, q3 = np.percentile(kept, [25, 50, 75])
        assert float(s["min loss (mse)"]) == kept[0]
        assert float(s["max loss (mse)"]) == kept[-1]
        assert float(s["median loss (mse)"]) == pytest.approx(med, rel=1e-12)
        assert float(s["q25 loss (mse)"]) == pytest.approx(q1, rel=1e-12)
        assert float(s["q75 loss (mse)"]) == pytest.approx(q3, rel=1e-12)
        assert float(s["IQR loss (mse)"]) == pytest.approx(q3 - q1, rel=1e-9)
    # the spread shrinks with width: the widest net's IQR is below the narrowest's, and its median too
    assert float(summary[-1]["IQR loss (mse)"]) < float(summary[0]["IQR loss (mse)"])
    assert float(summary[-1]["median loss (mse)"]) < float(summary[0]["median loss (mse)"])
