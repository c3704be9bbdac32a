"""The Safran–Shamir family: stored compact minima against a fresh Newton solve, and bad parameters."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from badminima.arithmetic.floating import FloatArithmetic
from badminima.constructions.family import ConstructionError
from badminima.constructions.safran_shamir import (
    FAMILIES,
    PUBLISHED_K7,
    STORED,
    safran_shamir,
    symmetric_minimum,
)
from badminima.landscape.population import population_gradient


@pytest.mark.parametrize("k", [6, 8, 13, 20])
def test_stored_numbers_are_the_symmetric_critical_point(k):
    fresh = symmetric_minimum(k)
    for stored, ours in zip(STORED[k], fresh, strict=True):
        assert abs(float(stored) - ours) < 1e-12


def test_k7_agrees_with_the_published_point_to_its_ten_digits():
    for stored, published in zip(STORED[7], PUBLISHED_K7, strict=True):
        assert abs(Fraction(stored) - Fraction(published)) <= Fraction(6, 10**11)


@pytest.mark.parametrize("k", sorted(STORED))
def test_every_stored_point_is_critical_in_the_full_space(k):
    trap = safran_shamir(k)
    W = torch.tensor([[float(v) for v in r] for r in trap.point.layers[0].W], dtype=torch.float64)
    g = population_gradient(W, torch.eye(k, dtype=torch.float64), arith=FloatArithmetic())
    assert float(g.norm()) < 1e-12


@pytest.mark.parametrize("k", [5, 0, "7", 6.5, True])
def test_bad_k_is_refused(k):
    with pytest.raises(ConstructionError):
        safran_shamir(k)


def test_family_builds_by_parameter():
    fam = FAMILIES["safran-shamir"]
    assert fam.build(k="8").name == "safran-shamir-k8"
    with pytest.raises(ConstructionError, match="no parameter"):
        fam.build(n=3)
    with pytest.raises(ConstructionError, match="integer"):
        fam.build(k="7/2")


def test_cli_export_verify_evaluate_round_trip(tmp_path, capsys):
    import json

    from badminima.cli import main

    path = tmp_path / "ss.json"
    assert main(["export", "safran-shamir", "--param", "k=6", "-o", str(path)]) == 0
    capsys.readouterr()
    assert main(["verify", str(path), "--json"]) == 0
    cert = json.loads(capsys.readouterr().out)
    assert (cert["verdict"], cert["rigor"], cert["method"]) == ("bad-local-min", "interval", "population-box")
    assert main(["evaluate", str(path), "--json", "--backend", "float"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["parameters"] == 36 and abs(ev["loss_float"] - float(cert["loss_float"])) < 1e-12
    assert main(["evaluate", str(path), "--backend", "exact"]) == 2
    assert "ball or float" in capsys.readouterr().err
