"""Every claim the toolkit can check, by name, in the order `badminima claims list` shows them."""

from __future__ import annotations

import importlib

from badminima.claims.checking import Claim, ClaimError

MODULES = (
    "badminima.claims.linear_networks",
    "badminima.claims.single_neuron",
    "badminima.claims.bad_minima",
    "badminima.claims.affine_fit",
    "badminima.claims.wide_networks",
    "badminima.claims.symmetries",
    "badminima.claims.saddle_avoidance",
    "badminima.claims.unit_splitting",
    "badminima.claims.population",
)
"""Each module defines ``CLAIMS``, a tuple of `Claim`; heavy imports stay inside its functions."""


def claims() -> tuple[Claim, ...]:
    """All claims, grouped by module."""
    out: list[Claim] = []
    for name in MODULES:
        out.extend(importlib.import_module(name).CLAIMS)
    return tuple(out)


def claim(name: str) -> Claim:
    """The claim called ``name``.

    Raises:
        ClaimError: no claim has that name (the message lists them).
    """
    known = claims()
    for c in known:
        if c.name == name:
            return c
    raise ClaimError(f"claim: no claim named {name!r}; expected one of: {', '.join(c.name for c in known)}")
