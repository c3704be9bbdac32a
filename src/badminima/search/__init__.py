"""Dataset search: find bad local minima, certify them, and keep them in a catalogue.

Re-exports only, loaded on first use (as in the top-level package), so that importing one search module
— say the catalogue, for ``badminima catalogue list`` — does not load the others and their torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from badminima.search.basins import (
        CriticalPoint,
        Landscape,
        landscape,
    )
    from badminima.search.candidates import (
        SearchSettings,
        evaluate_candidates,
    )
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
    from badminima.search.design import (
        Design,
        inverse_design,
    )
    from badminima.search.executors import (
        make_executor,
    )
    from badminima.search.multistart import (
        Ends,
        Init,
        Optimizer,
        Stopping,
        initial_points,
        multistart,
        multistart_many,
        polish,
        train,
    )
    from badminima.search.pipeline import (
        Budget,
        SearchReport,
        run_search,
    )
    from badminima.search.proposals import (
        DatasetSpec,
    )
    from badminima.search.shrink import (
        Shrunk,
        shrink,
    )

_HOMES = {
    "Budget": "badminima.search.pipeline",
    "CERTIFIED": "badminima.search.catalogue",
    "Catalogue": "badminima.search.catalogue",
    "Cluster": "badminima.search.clustering",
    "CriticalPoint": "badminima.search.basins",
    "DatasetSpec": "badminima.search.proposals",
    "Design": "badminima.search.design",
    "Ends": "badminima.search.multistart",
    "Entry": "badminima.search.catalogue",
    "Init": "badminima.search.multistart",
    "Landscape": "badminima.search.basins",
    "NewTrap": "badminima.search.catalogue",
    "Optimizer": "badminima.search.multistart",
    "Run": "badminima.search.catalogue",
    "SearchReport": "badminima.search.pipeline",
    "SearchSettings": "badminima.search.candidates",
    "Shrunk": "badminima.search.shrink",
    "Stopping": "badminima.search.multistart",
    "UNCERTIFIED": "badminima.search.catalogue",
    "canonical": "badminima.search.clustering",
    "cluster_points": "badminima.search.clustering",
    "evaluate_candidates": "badminima.search.candidates",
    "initial_points": "badminima.search.multistart",
    "inverse_design": "badminima.search.design",
    "landscape": "badminima.search.basins",
    "make_executor": "badminima.search.executors",
    "multistart": "badminima.search.multistart",
    "multistart_many": "badminima.search.multistart",
    "polish": "badminima.search.multistart",
    "run_search": "badminima.search.pipeline",
    "shrink": "badminima.search.shrink",
    "train": "badminima.search.multistart",
    "trap_key": "badminima.search.catalogue",
    "wilson_interval": "badminima.search.clustering",
}

__all__ = [
    "CERTIFIED",
    "UNCERTIFIED",
    "Budget",
    "Catalogue",
    "Cluster",
    "CriticalPoint",
    "DatasetSpec",
    "Design",
    "Ends",
    "Entry",
    "Init",
    "Landscape",
    "NewTrap",
    "Optimizer",
    "Run",
    "SearchReport",
    "SearchSettings",
    "Shrunk",
    "Stopping",
    "canonical",
    "cluster_points",
    "evaluate_candidates",
    "initial_points",
    "inverse_design",
    "landscape",
    "make_executor",
    "multistart",
    "multistart_many",
    "polish",
    "run_search",
    "shrink",
    "train",
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
