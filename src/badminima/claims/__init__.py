"""Theoretical claims about loss landscapes as executable properties, checked by hypothesis and `certify`."""

from badminima.claims.claim import (
    Agrees,
    CertifiedTrap,
    Claim,
    ClaimError,
    Found,
    Hunt,
    Outcome,
    Settings,
    Skip,
    Undecided,
    hunt,
)
from badminima.claims.prooffiles import ClaimFile, write_claim_files
from badminima.claims.registry import claim, claims

__all__ = [
    "Agrees",
    "CertifiedTrap",
    "Claim",
    "ClaimError",
    "ClaimFile",
    "Found",
    "Hunt",
    "Outcome",
    "Settings",
    "Skip",
    "Undecided",
    "claim",
    "claims",
    "hunt",
    "write_claim_files",
]
