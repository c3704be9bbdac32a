# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from .checking import (
    Agrees as Agrees,
    CertifiedTrap as CertifiedTrap,
    Claim as Claim,
    ClaimError as ClaimError,
    Found as Found,
    Hunt as Hunt,
    Outcome as Outcome,
    Settings as Settings,
    Skip as Skip,
    Undecided as Undecided,
    hunt as hunt,
)
from .prooffiles import ClaimFile as ClaimFile, write_claim_files as write_claim_files
from .registry import claim as claim, claims as claims
