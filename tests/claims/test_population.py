"""Population claims: the expected outcomes, the certified k = 6 counterexample, the numerical side."""

from __future__ import annotations

import pytest

from badminima.claims.checking import Agrees, Found
from badminima.claims.population import CLAIMS, GradientRuns, Tally, examine_spurious
from badminima.verify.certificate import Verdict


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest) -> dict:
    import os

    # ci unless a profile is asked for: the dev budgets run hundreds of GD runs (minutes)
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    return {c.name: c.check(profile=profile) for c in CLAIMS}


@pytest.mark.slow  # every population claim checked at the ci budget: seconds (`claims check` runs it too)
@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.name)
def test_claim_check_gives_the_expected_status(claim, outcomes):
    out = outcomes[claim.name]
    assert out.status == claim.expected, out.reason
    assert out.examples > 0


@pytest.mark.slow
def test_shrunk_counterexample_is_the_certified_k6_minimum(outcomes):
    found = outcomes[CLAIMS[0].name].counterexample
    assert found is not None and found.certificate is not None
    assert found.certificate.verdict is Verdict.BAD_LOCAL_MIN
    assert found.trap.network.widths == (6, 6, 1)


def test_small_k_is_examined_numerically():
    tally = Tally()
    finding = examine_spurious(4, budget=GradientRuns(runs=6, max_steps=6000, tol=1e-8), tally=tally)
    assert isinstance(finding, Agrees)
    assert tally.by_k[4] == (0, 6)
    assert tally.saddles == {4}  # the symmetric critical point, proved a saddle below k = 6
    assert isinstance(examine_spurious(7, budget=GradientRuns(1, 1, 1.0), tally=tally), Found)
