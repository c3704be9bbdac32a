"""Figure 3 (basins): the small run's counts re-derived from its raw end points by another route."""

from __future__ import annotations

import csv
import math
from fractions import Fraction
from pathlib import Path

import pytest

from badminima.arithmetic.floating import FloatArithmetic
from badminima.constructions import construction
from badminima.landscape.losses import loss
from badminima.model.point import Point
from paper_figures import basins

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Φ⁻¹(0.975), the 95% two-sided normal quantile, to 16 digits (standard tables).
Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    out = tmp_path_factory.mktemp("basins")
    return basins.make(out, small=True, seed=0), out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_files_and_module_convention(made: tuple[list[Path], Path]) -> None:
    paths, out = made
    assert basins.NAME == "basins" and basins.TITLE
    assert out / "basins.png" in paths and out / "basins.csv" in paths
    assert (out / "basins.png").read_bytes()[:8] == PNG_MAGIC
    rows = _rows(out / "basins.csv")
    assert {r["construction"] for r in rows} == set(basins.CONSTRUCTIONS)


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_relu_blind_spot_share_recounted_from_end_points(made: tuple[list[Path], Path]) -> None:
    """Recompute every end point's loss with the generic loss in float arithmetic, and the activation
    region by hand: for the 1-1-1 ReLU net the trap (w, b) = (1, −3) has pre-activations x − 3 on
    x = (5, 4, 3, 1, −1), signs (+, +, 0, −, −) — the 0 (a kink) matches either side."""
    _, out = made
    summary = next(r for r in _rows(out / "basins.csv") if r["construction"] == "relu-blind-spot")
    assert summary["criterion"] == "loss+region"
    trap = construction("relu-blind-spot").build()
    assert float(summary["trap_loss"]) == 18 / 5  # sum of squares 18 (paper) over N = 5 points
    ends = [r for r in _rows(out / "basins-ends.csv") if r["construction"] == "relu-blind-spot"]
    assert len(ends) == int(summary["starts"])
    xs = [5, 4, 3, 1, -1]
    trap_signs = [1, 1, 0, -1, -1]
    count = 0
    for r in ends:
        theta = [float(v) for v in r["theta_flat"].split()]
        point = Point.unflatten(trap.network, [Fraction(v) for v in theta])
        value = float(loss(trap.network, trap.dataset, point, arith=FloatArithmetic(), kink_side="inactive"))
        assert value == pytest.approx(float(r["loss"]), rel=1e-12, abs=1e-12)
        w, b = theta[0], theta[1]
        z = [w * x + b for x in xs]
        tol = 1e-7 * max(1.0, max(abs(v) for v in z))
        signs = [0 if abs(v) <= tol else (1 if v > 0 else -1) for v in z]
        same = all(s == t or s == 0 or t == 0 for s, t in zip(signs, trap_signs, strict=True))
        hit = r["status"] == "critical" and abs(value - 3.6) <= 1e-7 * 3.6 and same
        assert int(hit) == int(r["in_bad_basin"]), r["row"]
        count += hit
    assert count == int(summary["count_in_bad_basin"])
    assert count > 0  # the blind-spot trap has a visible basin even at 64 starts
    n = int(summary["starts"])
    assert float(summary["share"]) == count / n
    # Wilson score interval by hand: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
    p = count / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    assert float(summary["wilson95_lower"]) == pytest.approx(centre - half, rel=1e-12)
    assert float(summary["wilson95_upper"]) == pytest.approx(centre + half, rel=1e-12)


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_every_setting_counts_its_flagged_end_points(made: tuple[list[Path], Path]) -> None:
    _, out = made
    ends = _rows(out / "basins-ends.csv")
    for s in _rows(out / "basins.csv"):
        mine = [
            r
            for r in ends
            if (r["construction"], r["init_scale"], r["init_mean"])
            == (s["construction"], s["init_scale"], s["init_mean"])
        ]
        flagged = [r for r in mine if r["in_bad_basin"] == "1"]
        assert len(mine) == int(s["starts"])
        assert len(flagged) == int(s["count_in_bad_basin"])
        trap_loss = float(s["trap_loss"])
        for r in flagged:
            assert r["status"] == "critical"
            assert abs(float(r["loss"]) - trap_loss) <= 1e-7 * max(1.0, trap_loss)
        lower, upper = float(s["wilson95_lower"]), float(s["wilson95_upper"])
        assert 0 <= lower <= float(s["share"]) <= upper <= 1
