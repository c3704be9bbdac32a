"""Figure safran-shamir: the CSV's counts add up, its Wilson intervals match the formula computed here,
and every spurious loss it reports at k = 8 is a certified minimum's."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from badminima.constructions.safran_shamir import safran_shamir
from badminima.verify.population import certify_population
from paper_figures import safran_shamir as figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
Z95 = 1.959963984540054  # Φ⁻¹(0.975), standard tables


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return figure.make(tmp_path_factory.mktemp("ss"), small=True, seed=0)


def _wilson(s: int, n: int) -> tuple[float, float]:
    p = s / n
    d = 1 + Z95**2 / n
    c = (p + Z95**2 / (2 * n)) / d
    h = Z95 / d * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    return max(0.0, c - h), min(1.0, c + h)


@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_files_and_counts(made):
    png, table, minima = made
    assert png.read_bytes()[:8] == PNG_MAGIC
    rows = list(csv.DictReader(table.open(newline="")))
    assert {(int(r["k"]), int(r["student_neurons"])) for r in rows} == {(6, 6), (6, 7), (8, 8), (8, 9)}
    for r in rows:
        runs = int(r["runs"])
        assert runs == int(r["global_runs"]) + int(r["spurious_runs"]) + int(r["unconverged_runs"])
        lo, hi = _wilson(int(r["spurious_runs"]), runs)
        assert abs(float(r["wilson_low"]) - lo) < 1e-12 and abs(float(r["wilson_high"]) - hi) < 1e-12
        assert r["paper_percent"] == ""  # no published number typed from memory
    assert list(csv.DictReader(minima.open(newline=""))) is not None


@pytest.mark.slow  # draws the whole figure first (about 30 s idle)
def test_reported_spurious_losses_at_k8_are_certified_minima(made):
    rows = [
        r for r in csv.DictReader(made[2].open(newline="")) if r["k"] == "8" and r["student_neurons"] == "8"
    ]
    cert = certify_population(safran_shamir(8))
    for r in rows:
        if abs(float(r["loss"]) - float(cert.loss_upper)) < 1e-6:
            assert float(cert.loss_lower) - 1e-9 <= float(r["loss"]) <= float(cert.loss_upper) + 1e-9
