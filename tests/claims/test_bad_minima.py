""" "No bad local minima" is refuted: by the paper's certified constructions and by a new counterexample
that hypothesis finds and shrinks, which re-certifies from its trap file and whose exact losses give
the stated gap."""

from __future__ import annotations

import pytest

from badminima import ExactArithmetic, certify, loads_trap, loss
from badminima.claims import claim
from badminima.claims.bad_minima import examiner, paper_witnesses
from badminima.model.trapfile import dumps_trap
from badminima.verify.certificate import Verdict

EXACT = ExactArithmetic()


@pytest.fixture(scope="module", params=["ci", pytest.param("suite", marks=pytest.mark.slow)])
def outcome(request):
    import os

    # ci in the default run; the suite's profile (tests/claims/conftest.py) with -m slow
    suite = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
    profile = "ci" if request.param == "ci" else suite
    return claim("no-bad-local-minima").check(profile=profile, seed=None if profile == "ci" else 0)


def test_the_claim_is_refuted_with_a_certified_counterexample(outcome):
    assert outcome.status == claim("no-bad-local-minima").expected == "counterexample"
    found = outcome.counterexample
    assert found is not None and found.certificate is not None
    assert found.certificate.verdict is Verdict.BAD_LOCAL_MIN
    # the hunt's own find (not a paper construction standing in for it)
    assert found.trap.name == "no-bad-local-minima-counterexample"
    again = certify(loads_trap(dumps_trap(found.trap)))
    assert again.verdict is Verdict.BAD_LOCAL_MIN


def test_an_exact_counterexample_gap_is_the_difference_of_its_exact_losses(outcome):
    trap = outcome.counterexample.trap
    cert = outcome.counterexample.certificate
    assert cert.rigor == "exact"
    here = loss(trap.network, trap.dataset, trap.point, arith=EXACT)
    there = loss(trap.network, trap.dataset, trap.better, arith=EXACT)
    assert cert.gap_lower == here - there > 0


def test_every_paper_trap_that_is_a_trap_is_a_certified_witness():
    witnesses, lines = paper_witnesses()
    names = {w.trap.name for w in witnesses}
    assert {"sigmoid-deadlock", "relu-blind-spot", "relu-no-blind-spot", "saturated-relu"} <= names
    assert all(w.certificate.verdict is Verdict.BAD_LOCAL_MIN for w in witnesses)
    assert any("saturated-sigmoid" in line and "not-critical" in line for line in lines)


def test_the_examiner_finds_the_blind_spot_datasets_bad_minimum_and_shrinking_reuses_it():
    from badminima.claims import Found
    from badminima.constructions import construction

    trap = construction("relu-blind-spot").build()
    examine = examiner()
    first = examine((trap.network, trap.dataset))
    assert isinstance(first, Found)
    assert first.trap.certificate.verdict is Verdict.BAD_LOCAL_MIN
    # Once found, a (here: unchanged) dataset is judged by re-snapping the found point, which is
    # already its region's optimum: the same point comes back, certified again.
    second = examine((trap.network, trap.dataset))
    assert isinstance(second, Found) and second.trap.trap.point == first.trap.trap.point
