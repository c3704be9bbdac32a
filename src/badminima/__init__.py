"""badminima: does this network, on this finite dataset, have a bad local minimum, and where?

The public API, re-exported from the modules that define it. The re-exports load on first use, so that
``badminima --help`` and ``import badminima.errors`` do not pay for torch, sympy and flint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from badminima.arithmetic import (
        Arithmetic,
        BallArithmetic,
        ExactArithmetic,
        FloatArithmetic,
        backend,
    )
    from badminima.errors import (
        BackendError,
        BadminimaError,
        CatalogueError,
        ClaimError,
        ExecutorError,
        InvalidModelError,
        TrapFileError,
        UndecidableSignError,
    )
    from badminima.landscape import (
        Evaluation,
        PatternSummary,
        Region,
        evaluate,
        gradient,
        hessian,
        loss,
        pattern_summary,
        region_of,
    )
    from badminima.model import (
        Dataset,
        Layer,
        Network,
        Point,
        Trap,
        dumps_trap,
        load_trap,
        loads_trap,
        save_trap,
    )
    from badminima.search import Catalogue, SearchSettings, landscape, multistart, run_search, shrink
    from badminima.verify import Certificate, Diagnostics, Verdict, certify

__version__ = "0.1.0"  # the one place: pyproject.toml reads it (tool.hatch.version)

_HOMES = {
    "shrink": "badminima.search",
    "SearchSettings": "badminima.search",
    "run_search": "badminima.search",
    "landscape": "badminima.search",
    "multistart": "badminima.search",
    "Catalogue": "badminima.search",
    "CatalogueError": "badminima.errors",
    "ClaimError": "badminima.errors",
    "ExecutorError": "badminima.errors",
    "Arithmetic": "badminima.arithmetic",
    "BackendError": "badminima.errors",
    "BadminimaError": "badminima.errors",
    "BallArithmetic": "badminima.arithmetic",
    "Certificate": "badminima.verify",
    "Dataset": "badminima.model",
    "Diagnostics": "badminima.verify",
    "Evaluation": "badminima.landscape",
    "ExactArithmetic": "badminima.arithmetic",
    "FloatArithmetic": "badminima.arithmetic",
    "InvalidModelError": "badminima.errors",
    "Layer": "badminima.model",
    "Network": "badminima.model",
    "PatternSummary": "badminima.landscape",
    "Point": "badminima.model",
    "Region": "badminima.landscape",
    "Trap": "badminima.model",
    "TrapFileError": "badminima.errors",
    "UndecidableSignError": "badminima.errors",
    "Verdict": "badminima.verify",
    "backend": "badminima.arithmetic",
    "certify": "badminima.verify",
    "dumps_trap": "badminima.model",
    "evaluate": "badminima.landscape",
    "gradient": "badminima.landscape",
    "hessian": "badminima.landscape",
    "load_trap": "badminima.model",
    "loads_trap": "badminima.model",
    "loss": "badminima.landscape",
    "pattern_summary": "badminima.landscape",
    "region_of": "badminima.landscape",
    "save_trap": "badminima.model",
}

__all__ = [
    "Arithmetic",
    "BackendError",
    "BadminimaError",
    "BallArithmetic",
    "Catalogue",
    "CatalogueError",
    "Certificate",
    "ClaimError",
    "Dataset",
    "Diagnostics",
    "Evaluation",
    "ExactArithmetic",
    "ExecutorError",
    "FloatArithmetic",
    "InvalidModelError",
    "Layer",
    "Network",
    "PatternSummary",
    "Point",
    "Region",
    "SearchSettings",
    "Trap",
    "TrapFileError",
    "UndecidableSignError",
    "Verdict",
    "__version__",
    "backend",
    "certify",
    "dumps_trap",
    "evaluate",
    "gradient",
    "hessian",
    "landscape",
    "load_trap",
    "loads_trap",
    "loss",
    "multistart",
    "pattern_summary",
    "region_of",
    "run_search",
    "save_trap",
    "shrink",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'badminima' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
