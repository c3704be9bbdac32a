"""The hunt: counts what it examines, skips what misses the hypotheses, shrinks what it finds to the
simplest example still found, and turns that into the status rules the module docstring states."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import strategies as st

from badminima import Dataset, Network, Point, Trap
from badminima.claims import Agrees, CertifiedTrap, Claim, ClaimError, Found, Settings, Skip, Undecided, hunt

NET = Network((1, 1), "identity")


def _trap(n: int) -> CertifiedTrap:
    return CertifiedTrap(Trap(NET, Dataset.of([[n]], [[0]]), Point.of([([[1]], [0])])), None, f"n = {n}")


def _claim(quantifier: str, examine, strategy=None, explicit=()) -> Claim:
    def run(claim, settings, progress):
        return hunt(
            strategy if strategy is not None else st.integers(-100, 1000),
            examine,
            settings,
            explicit=explicit,
        ).outcome(claim)

    return Claim(
        name="toy",
        title="toy",
        source="a test",
        statement="n ≤ 50",
        hypotheses=("n not 3 mod 7",),
        quantifier=quantifier,  # type: ignore[arg-type]
        kind="certified",
        expected="held",
        examples={"ci": 30, "dev": 30, "thorough": 30},
        run=run,
    )


def _threshold(limit: int):
    def examine(n: int):
        if n % 7 == 3:
            return Skip("n = 3 mod 7")
        if n > limit:
            return Found(f"n = {n} > {limit}", _trap(n))
        return Agrees("n small")

    return examine


@pytest.mark.parametrize("limit", [0, 50, 51, 600])
@pytest.mark.parametrize("profile", ["ci", "dev"])
def test_a_found_example_is_shrunk_to_the_simplest_one_still_found(limit, profile):
    # The smallest n > limit that is not skipped is the unique minimal counterexample.
    h = hunt(
        st.integers(-100, 1000),
        _threshold(limit),
        Settings(200, profile, seed=None if profile == "ci" else 1),
    )
    assert h.found is not None
    expected = next(n for n in range(limit + 1, 1001) if n % 7 != 3)
    assert h.found_example == expected
    assert h.found.label == f"n = {expected} > {limit}"


def test_skips_are_counted_apart_from_examples_and_the_tally_counts_examples():
    h = hunt(st.integers(0, 20), _threshold(10**6), Settings(25, "ci"))
    assert h.found is None
    assert h.examples == sum(h.tally.values()) == h.tally["n small"]
    assert 0 < h.examples <= 25
    assert h.skipped == h.skip_reasons["n = 3 mod 7"] > 0


def test_status_rules_for_universal_and_existential_claims():
    found = _claim("all", _threshold(50)).check(profile="ci")
    assert found.status == "counterexample" and found.counterexample is not None
    assert found.counterexample.proof == "n = 51"
    assert _claim("exists", _threshold(50)).check(profile="ci").status == "held"
    assert _claim("all", _threshold(10**6)).check(profile="ci").status == "held"
    nothing = _claim("exists", _threshold(10**6)).check(profile="ci")
    assert nothing.status == "inconclusive" and "not evidence against" in nothing.reason


def test_an_undecided_example_makes_a_universal_claim_inconclusive():
    def examine(n: int):
        return Undecided("cannot tell") if n == 7 else Agrees("fine")

    out = _claim("all", examine, strategy=st.integers(0, 9), explicit=[7]).check(profile="ci")
    assert out.status == "inconclusive" and "cannot tell" in out.reason


def test_no_valid_example_is_inconclusive():
    out = _claim("all", lambda n: Skip("never"), strategy=st.integers(0, 3)).check(profile="ci")
    assert out.status == "inconclusive" and out.examples == 0


def test_explicit_examples_run_first_and_are_not_shrunk():
    h = hunt(st.integers(0, 10), _threshold(50), Settings(5, "ci"), explicit=[900])
    assert h.found_example == 900 and h.shrink_steps == 0


def test_max_shrinks_bounds_the_work_after_a_find():
    seen: list[int] = []

    def examine(n: int):
        seen.append(n)
        return _threshold(50)(n)

    h = hunt(st.integers(-100, 1000), examine, Settings(100, "dev", seed=3), max_shrinks=5)
    assert h.found is not None and h.shrink_steps == 5
    assert len(seen) == h.examples + h.skipped + 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"examples": 0}, "examples: expected a positive integer"),
        ({"examples": 3, "profile": "x"}, "profile"),
        ({"examples": 3, "profile": "ci", "seed": 1}, "derandomised"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ClaimError, match=message):
        Settings(**kwargs)


def test_outcome_json_names_the_counterexample_trap():
    out = _claim("all", _threshold(50)).check(profile="ci")
    data = out.to_json()
    assert data["status"] == "counterexample"
    assert data["counterexample"]["proof"] == "n = 51"
    assert [[Fraction(v) for v in row] for row in data["counterexample"]["trap"]["data"]["X"]] == [[51]]
