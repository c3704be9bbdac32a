"""`badminima claims` as a user runs it: list, check (text and JSON), trap files, exit statuses."""

from __future__ import annotations

import json

import pytest

import badminima.claims as claims_api
from badminima import certify, load_trap
from badminima.claims import Claim, Outcome, claims
from badminima.cli import main
from badminima.verify.certificate import Verdict


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_claim_with_source_and_expectation(capsys):
    code, out, _ = _run(capsys, "claims", "list")
    assert code == 0
    for c in claims():
        assert c.name in out and c.source in out
    assert f"{len(claims())} claims" in out
    code, out, _ = _run(capsys, "claims", "list", "--json")
    rows = json.loads(out)
    assert [r["name"] for r in rows] == [c.name for c in claims()]
    assert all(r["hypotheses"] and r["statement"] for r in rows)


def test_check_writes_the_counterexample_as_a_trap_file_that_re_verifies(capsys, tmp_path):
    out_dir = tmp_path / "traps"
    code, out, _ = _run(
        capsys,
        "claims",
        "check",
        "no-bad-local-minima",
        "--profile",
        "ci",
        "--examples",
        "1",
        "--out",
        str(out_dir),
    )
    assert code == 0
    assert "no-bad-local-minima: COUNTEREXAMPLE FOUND" in out
    assert "1 of 1 claim(s) came out as the literature expects" in out
    path = out_dir / "no-bad-local-minima-counterexample.json"
    assert f"trap file   {path}" in out
    proof = json.loads((out_dir / "no-bad-local-minima-counterexample.proof.json").read_text())
    assert proof["certificate"]["verdict"] == "bad-local-min" and proof["trap_file"] == path.name
    assert f"badminima verify {path}" in out
    assert certify(load_trap(path)).verdict is Verdict.BAD_LOCAL_MIN


def _fake(status: str, expected: str) -> Claim:
    def run(claim, settings, progress):
        progress(1, settings.examples)
        return Outcome(claim.name, status, 1, 0, (("seen", 1),), ("a line",), "because")  # type: ignore[arg-type]

    return Claim(
        "fake",
        "fake",
        "nobody 2026",
        "p",
        ("h",),
        "all",
        "numerical",
        expected,
        {"ci": 1, "dev": 1, "thorough": 1},
        run,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "expected", "code"), [("held", "held", 0), ("inconclusive", "held", 1)])
def test_exit_status_says_whether_the_outcome_is_the_expected_one(
    capsys, monkeypatch, tmp_path, status, expected, code
):
    fake = _fake(status, expected)
    monkeypatch.setattr(claims_api, "claims", lambda: (fake,))
    monkeypatch.setattr(claims_api, "claim", lambda name: fake)
    got, out, _ = _run(capsys, "claims", "check", "--out", str(tmp_path), "--json")
    assert got == code
    (doc,) = json.loads(out)
    assert doc["status"] == status and doc["expected"] == expected and doc["examples"] == 1
    assert doc["tally"] == {"seen": 1} and doc["trap_files"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["claims", "check", "no-such-claim"], "no claim named 'no-such-claim'"),
        (["claims", "check", "--examples", "0"], "--examples: expected a number of examples (at least 1)"),
        (["claims", "check", "--profile", "fast"], "--profile: invalid choice"),
        (["claims"], "required: ACTION"),
        (["claims", "check", "--profile", "ci", "--seed", "1"], "seed: the ci profile is derandomised"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_an_out_path_that_is_a_file_is_refused_before_any_work(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    code, _, err = _run(capsys, "claims", "check", "no-bad-local-minima", "--out", str(blocker))
    assert code == 2 and "--out: expected a directory" in err and len(err.strip().splitlines()) == 1
    assert blocker.read_text() == "keep me"
