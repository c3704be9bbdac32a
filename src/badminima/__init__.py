"""badminima: does this network, on this finite dataset, have a bad local minimum, and where?

The public API, re-exported from the modules that define it.
"""

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
from badminima.verify import Certificate, Diagnostics, Verdict, certify

__version__ = "0.1.0"

__all__ = [
    "Arithmetic",
    "BackendError",
    "BadminimaError",
    "BallArithmetic",
    "Certificate",
    "Dataset",
    "Diagnostics",
    "Evaluation",
    "ExactArithmetic",
    "FloatArithmetic",
    "InvalidModelError",
    "Layer",
    "Network",
    "PatternSummary",
    "Point",
    "Region",
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
    "load_trap",
    "loads_trap",
    "loss",
    "pattern_summary",
    "region_of",
    "save_trap",
]
