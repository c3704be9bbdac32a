"""Figure 8 (small networks): one cell's success count re-derived by a numpy forward pass."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from paper_figures import small_networks

pytestmark = pytest.mark.slow  # draws the figure (seconds); the registry tests draw one in every run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Φ⁻¹(0.975), the 95% two-sided normal quantile, to 16 digits (standard tables).
Z95 = 1.959963984540054
# The paper's sets, written out here independently of the package (paper-notes, "Small classification sets").
XOR = (np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float), np.array([0, 1, 1, 0]))
JELLYFISH = (np.array([[1, 0], [0.2, 0.6], [0, 1], [0.6, 0.2]]), np.array([1, 1, 0, 0]))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    out = tmp_path_factory.mktemp("small_networks")
    return small_networks.make(out, small=True, seed=0), out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _logits(theta: np.ndarray, X: np.ndarray, h: int, activation: str) -> np.ndarray:
    """2-h-1 forward pass: flat order W1 (h×2, row-major), b1 (h), W2 (1×h), c."""
    W1 = theta[: 2 * h].reshape(h, 2)
    b1 = theta[2 * h : 3 * h]
    W2 = theta[3 * h : 4 * h]
    c = theta[4 * h]
    z1 = X @ W1.T + b1
    a = np.maximum(z1, 0.0) if activation == "relu" else 1 / (1 + np.exp(-z1))
    return a @ W2 + c


def test_files_and_module_convention(made: tuple[list[Path], Path]) -> None:
    paths, out = made
    assert small_networks.NAME == "small-networks" and small_networks.TITLE
    assert out / "small-networks.png" in paths and out / "small-networks.csv" in paths
    assert (out / "small-networks.png").read_bytes()[:8] == PNG_MAGIC
    rows = _rows(out / "small-networks.csv")
    assert len(rows) == 2 * 2 * 2  # datasets × activations × optimisers at h = 2


@pytest.mark.parametrize(
    ("dataset", "activation", "optimizer"), [("xor", "relu", "adam"), ("jellyfish", "relu", "gd")]
)
def test_cell_count_recomputed_by_numpy(
    made: tuple[list[Path], Path], dataset: str, activation: str, optimizer: str
) -> None:
    _, out = made
    cell = next(
        r
        for r in _rows(out / "small-networks.csv")
        if (r["dataset"], r["hidden_activation"], r["optimizer"]) == (dataset, activation, optimizer)
    )
    h = int(cell["hidden_units"])
    ends = [
        r
        for r in _rows(out / "small-networks-ends.csv")
        if (r["dataset"], r["hidden_units"], r["hidden_activation"], r["optimizer"])
        == (dataset, str(h), activation, optimizer)
    ]
    assert len(ends) == int(cell["starts"])
    X, y = XOR if dataset == "xor" else JELLYFISH
    count = 0
    for r in ends:
        z = _logits(np.array([float(v) for v in r["theta_flat"].split()]), X, h, activation)
        # A logit this close to 0 is too near the boundary for float: the figure rechecks it exactly.
        if np.any(np.abs(z) <= 1e-6):
            continue
        perfect = bool(np.all((z > 0) == (y == 1)))
        assert int(perfect) == int(r["perfect"]), r["row"]
        count += perfect
    undecided = sum(
        np.any(
            np.abs(_logits(np.array([float(v) for v in r["theta_flat"].split()]), X, h, activation)) <= 1e-6
        )
        for r in ends
    )
    assert count <= int(cell["count_100pct_accuracy"]) <= count + undecided
    n = int(cell["starts"])
    k = int(cell["count_100pct_accuracy"])
    assert float(cell["share"]) == k / n
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    assert float(cell["wilson95_lower"]) == pytest.approx(max(0.0, centre - half), abs=1e-12)
    assert float(cell["wilson95_upper"]) == pytest.approx(centre + half, rel=1e-12)


def test_paper_column_is_the_papers_table(made: tuple[list[Path], Path]) -> None:
    """Spot checks against paper-notes.md's table (h = 2 row)."""
    _, out = made
    paper = {
        (r["optimizer"], r["dataset"], r["hidden_activation"]): int(r["paper_percent"])
        for r in _rows(out / "small-networks.csv")
    }
    assert paper[("adam", "xor", "relu")] == 28
    assert paper[("adam", "jellyfish", "sigmoid")] == 0
    assert paper[("gd", "xor", "sigmoid")] == 90
    assert paper[("gd", "jellyfish", "sigmoid")] == 62
