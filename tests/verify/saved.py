"""The trap files saved under tests/verify/cases (red-team and regression cases), by name."""

from __future__ import annotations

from pathlib import Path

from badminima.model import Trap, load_trap

CASES = Path(__file__).parent / "cases"


def saved_trap(name: str) -> Trap:
    """The trap ``tests/verify/cases/{name}.json``."""
    return load_trap(CASES / f"{name}.json")
