"""Dataset search: find bad local minima, certify them, and keep them in a catalogue.

Re-exports only, loaded on first use (as in the top-level package), so that importing one search module
— say the catalogue, for ``badminima catalogue list`` — does not load the others and their torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from badminima.search.catalogue import (
        CERTIFIED,
        UNCERTIFIED,
        Catalogue,
        Entry,
        NewTrap,
        Run,
        trap_key,
    )
    from badminima.search.clustering import Cluster, canonical, cluster_points, wilson_interval

_HOMES = {
    "CERTIFIED": "badminima.search.catalogue",
    "Catalogue": "badminima.search.catalogue",
    "Entry": "badminima.search.catalogue",
    "NewTrap": "badminima.search.catalogue",
    "Run": "badminima.search.catalogue",
    "UNCERTIFIED": "badminima.search.catalogue",
    "trap_key": "badminima.search.catalogue",
    "Cluster": "badminima.search.clustering",
    "canonical": "badminima.search.clustering",
    "cluster_points": "badminima.search.clustering",
    "wilson_interval": "badminima.search.clustering",
}

__all__ = [
    "CERTIFIED",
    "UNCERTIFIED",
    "Catalogue",
    "Cluster",
    "Entry",
    "NewTrap",
    "Run",
    "canonical",
    "cluster_points",
    "trap_key",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'badminima.search' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
