"""The claims' proof files: a counterexample or witness on disk reads back as the same trap, its proof
beside it, and a certified one is re-derived by `certify` from the file alone."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

from badminima import certify, load_trap
from badminima.claims import CertifiedTrap, Claim, ClaimFile, Outcome, write_claim_files
from badminima.constructions import construction
from badminima.model import Dataset, Network, Point, Trap


def _claim(quantifier: str) -> Claim:
    return Claim(
        name=f"toy-{quantifier}",
        title="toy",
        source="tests",
        statement="toy",
        hypotheses=(),
        quantifier=quantifier,  # type: ignore[arg-type]
        kind="certified",
        expected="held",
        examples={"ci": 1, "dev": 1, "thorough": 1},
        run=lambda claim, settings, progress: None,  # type: ignore[arg-type,return-value]
    )


def _outcome(claim: Claim, status: str, counterexample=None, witnesses=()) -> Outcome:
    return Outcome(claim.name, status, 1, 0, (), (), "toy", counterexample, tuple(witnesses))  # type: ignore[arg-type]


# A proof that is not a certificate: two exact losses (hand-computed: 1 at x = 0, 1/4 at x = 1/2).
TOY = Trap(
    Network((1, 1), "identity"),
    Dataset.of([[1]], [[1]]),
    Point.of([([["0"]], ["0"])]),
    Point.of([([["1/2"]], ["0"])]),
    name="toy",
)
EXACT = CertifiedTrap(TOY, None, "loss(point) = 1 > 1/4 = loss(better), both exact")


def test_a_counterexample_without_certificate_reads_back_with_its_proof(tmp_path):
    claim = _claim("all")
    written = write_claim_files(_outcome(claim, "counterexample", EXACT), claim, tmp_path / "new" / "dir")
    trap_path = tmp_path / "new" / "dir" / "toy-all-counterexample.json"
    proof_path = tmp_path / "new" / "dir" / "toy-all-counterexample.proof.json"
    assert written == [ClaimFile(str(trap_path), str(proof_path), False)]
    assert load_trap(trap_path) == TOY
    assert json.loads(proof_path.read_text()) == {
        "claim": "toy-all",
        "role": "counterexample",
        "trap_file": trap_path.name,
        "proof": EXACT.proof,
        "certificate": None,
    }
    assert not [p for p in os.listdir(trap_path.parent) if p.endswith(".tmp")]


def test_a_certified_witness_is_rederived_from_the_file_alone(tmp_path):
    trap = construction("relu-blind-spot").build()
    cert = certify(trap)
    claim = _claim("exists")
    # An existential claim writes its first witness; a later one is not written.
    later = CertifiedTrap(TOY, None, "not written")
    (written,) = write_claim_files(
        _outcome(claim, "held", witnesses=(CertifiedTrap(trap, cert, "certify"), later)), claim, tmp_path
    )
    assert written.rederivable and written.trap.endswith("toy-exists-witness.json")
    document = json.loads(Path(written.proof).read_text())
    again = certify(load_trap(written.trap))

    def timeless(d):
        return {k: v for k, v in d.items() if k != "seconds"}

    assert timeless(document["certificate"]) == timeless(again.to_json()) == timeless(cert.to_json())
    # Hand derivation: relu(x − 3) on x = 5, 4, 3, 1, −1 against y = 2, 1, 0, −3, 3 misses by 0, 0, 0, 3, 3.
    assert document["role"] == "witness" and Fraction(document["certificate"]["loss"]) == Fraction(18, 5)


def test_nothing_is_written_without_a_counterexample_or_an_existential_witness(tmp_path):
    universal = _claim("all")
    # A universal claim's witnesses support it; they are not a finding to write.
    held = _outcome(universal, "held", witnesses=(EXACT,))
    assert write_claim_files(held, universal, tmp_path / "out") == []
    assert not (tmp_path / "out").exists()
