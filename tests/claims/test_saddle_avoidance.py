"""Gradient descent avoids strict saddles (Lee et al. 2016): the statistical check, the saddle's curvature
against its closed form, the classifier against a certificate and a positive control, and skipped cases."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from badminima.claims.checking import Agrees, Skip, Undecided
from badminima.claims.saddle_avoidance import (
    CLAIMS,
    CRITICAL_POINT,
    SADDLE,
    SaddleRuns,
    classify,
    examine_saddles,
    gd_runs,
    origin_curvature,
    origin_saddle,
    spectra,
)
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify.certificate import Verdict
from badminima.verify.certification import certify

SMALL = SaddleRuns(runs=8, steps=300, checkpoints=2)
DATA = Dataset.of([[1, "0.5"], [-1, 2], ["0.25", -1]], [[1], [0], [2]])


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.name)
def test_claim_check_gives_the_expected_status(claim, profile):
    out = claim.check(profile=profile)
    assert out.status == claim.expected, out.reason
    assert out.examples > 0
    assert any("Wilson upper bound" in line for line in out.evidence)


@pytest.mark.parametrize(("activation", "bias"), [("tanh", True), ("tanh", False), ("identity", True)])
def test_saddle_curvature_matches_its_closed_form(activation, bias):
    # Hand derivation: at the origin only ∂²L/∂v_j∂w_j = (2/N)·Xᵀ(ȳ − y) couples parameters (σ'(0) = 1),
    # each unit contributing eigenvalues ±(2/N)·‖Xᵀ(y − ȳ)‖; the output bias adds 2.
    net = Network((2, 2, 1), activation, bias=bias)
    saddle = [float(v) for v in origin_saddle(net, DATA).flatten()]
    eig = spectra(net, DATA, np.array([saddle]))[0]
    y = np.array([1.0, 0.0, 2.0])
    X = np.array([[1, 0.5], [-1, 2], [0.25, -1]])
    r = np.linalg.norm(X.T @ (y - (y.mean() if bias else 0))) * 2 / 3
    assert origin_curvature(DATA, bias=bias) == pytest.approx(-r, rel=1e-12)
    assert eig[0] == pytest.approx(-r, rel=1e-10)
    assert eig[-1] == pytest.approx(max(r, 2.0 if bias else 0.0), rel=1e-10)
    assert np.sum(eig < -1e-9) == 2  # one negative direction per unit


def test_classifier_agrees_with_an_exact_saddle_certificate():
    # A linear network's origin is certified a saddle exactly; the float classifier calls it a strict saddle,
    # and calls the least-squares minimum a critical point without negative curvature.
    net = Network((1, 1, 1), "identity", bias=False)
    data = Dataset.of([[1], [2]], [[1], [3]])
    saddle = origin_saddle(net, data)
    cert = certify(Trap(net, data, saddle))
    assert cert.verdict is Verdict.SADDLE and cert.rigor == "exact"
    best = Point.unflatten(net, [1, Fraction(7, 5)])  # v·w = 7/5, the least-squares slope
    rows = np.array([[0.0, 0.0], [1.0, 1.4]])
    assert classify(net, data, rows, curvature=1.0) == [SADDLE, CRITICAL_POINT]
    assert certify(Trap(net, data, best)).verdict is Verdict.LOCAL_MIN


def test_positive_control_ends_at_the_saddle():
    net = Network((2, 2, 1), "tanh")
    runs = gd_runs(net, DATA, budget=SMALL)
    assert runs.control == SADDLE
    assert runs.step_ok and runs.lr * runs.seen < 1
    assert len(runs.kinds) == SMALL.runs


def test_starts_on_the_stable_manifold_are_reported_undecided():
    # Not random starts: every weight 0 (the saddle's stable manifold), output biases spread out. Each run
    # converges to the strict saddle, which the check must report rather than pass.
    net = Network((2, 2, 1), "tanh")
    starts = np.zeros((4, net.n_params))
    starts[:, -1] = [-3.0, -1.0, 2.0, 5.0]
    result = examine_saddles(net, DATA, budget=SMALL, starts=starts)
    assert isinstance(result, Undecided)
    assert "4 of 4 runs ended near a strict saddle" in result.label
    random = examine_saddles(net, DATA, budget=SMALL)
    assert isinstance(random, Agrees)


def test_examples_outside_the_hypotheses_are_skipped():
    # x = (−1, 0, 1), y = (1, 0, 1): Xᵀ(y − ȳ) = 0, the origin is not a strict saddle.
    flat = Dataset.of([[-1], [0], [1]], [[1], [0], [1]])
    net = Network((1, 2, 1), "tanh")
    assert origin_curvature(flat, bias=True) == 0
    assert isinstance(examine_saddles(net, flat, budget=SMALL), Skip)
    assert isinstance(examine_saddles(Network((1, 2, 1), "relu"), flat, budget=SMALL), Skip)
    assert isinstance(examine_saddles(Network((1, 2, 2, 1), "tanh"), flat, budget=SMALL), Skip)
