"""Figure 1: the CSV holds the constructions' exact numbers, and the plotted f(x) agree with a
forward pass written here in numpy (independent of badminima.landscape)."""

from __future__ import annotations

import csv
from fractions import Fraction

import numpy as np
import pytest

from badminima.constructions.registry import construction
from paper_figures import constructions

pytestmark = pytest.mark.slow  # draws the figure (seconds); the registry tests draw one in every run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("constructions")
    paths = constructions.make(out, small=True)
    return out, paths


def _read(path):
    with path.open() as fh:
        return list(csv.reader(fh))


def test_writes_png_and_csvs(written) -> None:
    _, paths = written
    assert [p.name for p in paths] == [
        "constructions.png",
        "constructions.csv",
        "constructions-functions.csv",
    ]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC


def test_csv_numbers_are_the_traps_exact_values(written) -> None:
    out, _ = written
    rows = _read(out / "constructions.csv")[1:]
    table = {(r[0], r[1], r[2], r[3]): Fraction(r[4]) for r in rows}
    assert len(table) == len(rows)
    for name in (constructions.SIGMOID, *constructions.RELU):
        trap = construction(name).build()  # the independent source: the construction itself
        for i, (x, y) in enumerate(zip(trap.dataset.X, trap.dataset.y, strict=True)):
            for k, v in enumerate(x):
                assert table[name, "data", str(i), f"x{k + 1}"] == v
            assert table[name, "data", str(i), "y"] == y[0]
        for which, point in (("trap", trap.point), ("better", trap.better)):
            first, last = point.layers
            for j, row in enumerate(first.W):
                for k, v in enumerate(row):
                    assert table[name, which, f"unit {j + 1}", f"w{k + 1}"] == v
                assert table[name, which, f"unit {j + 1}", "b"] == first.b[j]
                assert table[name, which, f"unit {j + 1}", "v"] == last.W[0][j]
            assert table[name, which, "output", "c"] == last.b[0]
    # read from the paper (ReLU example 1): trap (1, -3, 1, 0), better (-1, 0, 3, 0)
    assert table["relu-blind-spot", "trap", "unit 1", "b"] == -3
    assert table["relu-blind-spot", "better", "unit 1", "v"] == 3


def _numpy_relu_net(point, x: np.ndarray) -> np.ndarray:
    (W1, b1), (W2, b2) = (
        (np.array(lay.W, dtype=float), np.array(lay.b, dtype=float)) for lay in point.layers
    )
    h = np.maximum(W1 @ x[None, :] + b1[:, None], 0.0)
    return (W2 @ h + b2[:, None])[0]


def test_function_values_match_a_numpy_forward_pass(written) -> None:
    out, _ = written
    rows = _read(out / "constructions-functions.csv")[1:]
    assert {r[0] for r in rows} == set(constructions.RELU)
    for name in constructions.RELU:
        trap = construction(name).build()
        for which, point in (("trap", trap.point), ("better", trap.better)):
            sel = [r for r in rows if r[0] == name and r[1] == which]
            x = np.array([float(r[2]) for r in sel])
            f = np.array([float(r[3]) for r in sel])
            np.testing.assert_allclose(f, _numpy_relu_net(point, x), rtol=1e-12, atol=1e-12)
            W1 = np.array(point.layers[0].W, dtype=float)[:, 0]
            b1 = np.array(point.layers[0].b, dtype=float)
            pre = W1[:, None] * x[None, :] + b1[:, None]
            inside = np.abs(pre).min(0) > 1e-9  # away from a kink, where rounding x could flip the side
            blind = np.array([r[4] == "1" for r in sel])
            assert (blind[inside] == (pre[:, inside] <= 0).all(0)).all()


def test_blind_spot_of_the_first_relu_example() -> None:
    # hand derivation: at the trap relu(x - 3) is dead for x <= 3, where x = 1 and x = -1 lie
    trap = construction("relu-blind-spot").build()
    assert constructions.blind(trap, "trap", Fraction(1))
    assert constructions.blind(trap, "trap", Fraction(-1))
    assert not constructions.blind(trap, "trap", Fraction(4))
