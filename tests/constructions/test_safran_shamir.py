"""The Safran–Shamir family: stored compact minima against a fresh Newton solve, and bad parameters."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch

from badminima.arithmetic.floating import FloatArithmetic
from badminima.constructions.family import ConstructionError
from badminima.constructions.safran_shamir import (
    FAMILIES,
    PUBLISHED_K7,
    STORED,
    STORED_OVERPARAM,
    Compact,
    Split,
    safran_shamir,
    safran_shamir_overparam,
    split_minimum,
    symmetric_minimum,
)
from badminima.landscape.population import population_gradient, population_loss
from badminima.verify.certificate import Verdict
from badminima.verify.population import certify_population
from tests.reference import mp_rows, reference_population_loss


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
    assert (cert["verdict"], cert["rigor"], cert["method"]) == (
        "bad-local-min",
        "interval",
        "population-symmetry",
    )
    assert main(["verify", str(path), "--json", "--dense"]) == 0
    dense = json.loads(capsys.readouterr().out)
    assert (dense["verdict"], dense["method"]) == ("bad-local-min", "population-box")
    lo = max(Fraction(cert["loss_lower"]), Fraction(dense["loss_lower"]))
    hi = min(Fraction(cert["loss_upper"]), Fraction(dense["loss_upper"]))
    assert lo <= hi  # the two proofs' enclosures of the same minimum's loss overlap
    assert main(["evaluate", str(path), "--json", "--backend", "float"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["parameters"] == 36 and abs(ev["loss_float"] - float(cert["loss_float"])) < 1e-12
    assert main(["evaluate", str(path), "--backend", "exact"]) == 2
    assert "ball or float" in capsys.readouterr().err


def test_split_form_with_s1_and_no_extra_neuron_is_the_symmetric_form():
    # hand derivation: (p_own, p_r) = (a, c) on the special neuron, (q_s, q_own, q_r) = (b, d, e)
    a, b, c, d, e = (Fraction(v) for v in STORED[9])
    split = Split(9, 1, False, (a, Fraction(0), c, d, e, b, Fraction(0), Fraction(0)))
    assert split.rows() == Compact(9, a, b, c, d, e).rows()


def test_stored_overparam_numbers_are_a_fixed_point_of_newton_on_the_split_family():
    s, values = STORED_OVERPARAM[15]
    fresh = split_minimum(15, s, tuple(float(v) for v in values))
    assert max(abs(x - float(v)) for x, v in zip(fresh, values, strict=True)) < 1e-12


@pytest.mark.slow  # `badminima reproduce` certifies it in every CI run; this checks it against references
def test_overparam_minimum_is_certified_against_independent_references():
    trap = safran_shamir_overparam(15)
    assert trap.network.widths == (15, 16, 1) and trap.n_params == 240
    W = torch.tensor([[float(v) for v in r] for r in trap.point.layers[0].W], dtype=torch.float64)
    V = torch.eye(15, dtype=torch.float64)
    auto = torch.func.grad(lambda w: population_loss(w, V, arith=FloatArithmetic()))(W)
    assert float(auto.norm()) < 1e-12  # critical in the full 240-dimensional space (autograd)
    cert = certify_population(trap)
    assert (cert.verdict, cert.rigor) == (Verdict.BAD_LOCAL_MIN, "interval")
    # the loss: 60-digit mpmath closed form, and Monte Carlo within six standard errors
    mpmath.mp.dps = 60
    ref = reference_population_loss(mp_rows(trap.point.layers[0].W), mp_rows(trap.population.teacher_rows))
    assert (
        cert.loss_lower - Fraction(1, 10**12)
        <= Fraction(mpmath.nstr(ref, 40))
        <= cert.loss_upper + Fraction(1, 10**12)
    )
    rng = np.random.default_rng(15)
    x = rng.standard_normal((400_000, 15))
    sample = 0.5 * (np.maximum(x @ W.numpy().T, 0).sum(1) - np.maximum(x, 0).sum(1)) ** 2
    assert abs(sample.mean() - float(ref)) <= 6 * sample.std() / np.sqrt(len(sample))
    # higher than the loss of the k-neuron symmetric minimum (the README says so)
    assert float(ref) > float(certify_population(safran_shamir(15)).loss_upper)


def test_overparam_family_builds_only_stored_k():
    assert FAMILIES["safran-shamir-overparam"].build(k="15").name == "safran-shamir-overparam-k15"
    with pytest.raises(ConstructionError, match="parameter k: expected one of 15"):
        FAMILIES["safran-shamir-overparam"].build(k=14)
