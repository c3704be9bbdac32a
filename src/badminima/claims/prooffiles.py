"""A claim's finding on disk: the certified counterexample (and an existential claim's witness) as a trap
file, with its proof beside it.

For a claim ``NAME`` and a role (``counterexample`` or ``witness``) two files are written into the output
directory: ``NAME-ROLE.json``, a trap file (`badminima.model.trapfile`), and ``NAME-ROLE.proof.json``::

    {"claim": NAME, "role": ROLE, "trap_file": "NAME-ROLE.json",
     "proof": the argument in words, "certificate": the certificate's JSON, or null}

``certificate`` is null when the proof is not one of `certify`'s verdicts (e.g. two exact losses that
differ); when it is there, ``badminima verify NAME-ROLE.json`` re-derives it. Both files are replaced
atomically: a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from badminima.claims.checking import CertifiedTrap, Claim, Outcome


class ClaimFile(NamedTuple):
    """One written finding: the trap file's path, the proof file's path, and whether `certify` re-derives
    the proof from the trap file (``badminima verify TRAP``)."""

    trap: str
    proof: str
    rederivable: bool


def proof_document(claim: Claim, role: str, trap_file: str, found: CertifiedTrap) -> dict[str, Any]:
    """The ``.proof.json`` content of one finding (see the module docstring)."""
    cert = found.certificate
    return {
        "claim": claim.name,
        "role": role,
        "trap_file": trap_file,
        "proof": found.proof,
        "certificate": None if cert is None else cert.to_json(),
    }


def _findings(outcome: Outcome, claim: Claim) -> list[tuple[str, CertifiedTrap]]:
    """(role, finding) for what a check writes: its counterexample, and an existential claim's first
    witness."""
    found = []
    if outcome.counterexample is not None:
        found.append(("counterexample", outcome.counterexample))
    if claim.quantifier == "exists" and outcome.witnesses:
        found.append(("witness", outcome.witnesses[0]))
    return found


def write_claim_files(outcome: Outcome, claim: Claim, out: str | os.PathLike[str]) -> list[ClaimFile]:
    """Write ``outcome``'s counterexample (and an existential claim's witness) into the directory
    ``out`` (created when missing) as a trap file with its proof beside it; nothing when there is
    neither. Returns what was written, in that order.

    Example:
        >>> import tempfile
        >>> from badminima.claims import claim
        >>> c = claim("no-bad-local-minima")
        >>> outcome = Outcome(c.name, "held", 0, 0, (), (), "nothing found")
        >>> write_claim_files(outcome, c, tempfile.mkdtemp())
        []
    """
    from badminima.model.trapfile import save_trap

    written = []
    for role, found in _findings(outcome, claim):
        Path(out).mkdir(parents=True, exist_ok=True)
        path = Path(out) / f"{claim.name}-{role}.json"
        proof_path = Path(out) / f"{claim.name}-{role}.proof.json"
        save_trap(found.trap, path)
        tmp = proof_path.with_name(f".{proof_path.name}.tmp")
        document = proof_document(claim, role, path.name, found)
        tmp.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        os.replace(tmp, proof_path)
        written.append(ClaimFile(str(path), str(proof_path), found.certificate is not None))
    return written
