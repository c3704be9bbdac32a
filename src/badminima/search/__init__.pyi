# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from .basins import CriticalPoint as CriticalPoint, Landscape as Landscape, survey as survey
from .candidates import SearchSettings as SearchSettings, evaluate_candidates as evaluate_candidates
from .catalogue import Catalogue as Catalogue
from .catalogue_entries import (
    CERTIFIED as CERTIFIED,
    UNCERTIFIED as UNCERTIFIED,
    Entry as Entry,
    NewTrap as NewTrap,
    Run as Run,
    trap_key as trap_key,
)
from .clustering import (
    Cluster as Cluster,
    canonical as canonical,
    cluster_points as cluster_points,
    wilson_interval as wilson_interval,
)
from .design import Design as Design, inverse_design as inverse_design
from .executors import make_executor as make_executor
from .float_polish import polish as polish
from .pipeline import Budget as Budget, SearchReport as SearchReport, run_search as run_search
from .proposals import DatasetSpec as DatasetSpec
from .shrinking import Shrunk as Shrunk, shrink as shrink
from .starts import (
    Ends as Ends,
    Init as Init,
    Optimizer as Optimizer,
    Stopping as Stopping,
    initial_points as initial_points,
    multistart as multistart,
    multistart_many as multistart_many,
    train as train,
)
