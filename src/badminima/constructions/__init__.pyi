# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from .family import (
    Construction as Construction,
    ConstructionError as ConstructionError,
    Parameter as Parameter,
    SymbolicTrap as SymbolicTrap,
)
from .registry import REGISTRY as REGISTRY, construction as construction
from .reproduction import Row as Row, reproduce as reproduce
from .saturated import (
    better_point as better_point,
    gradient_bound as gradient_bound,
    saturated_layers as saturated_layers,
)
from .small_sets import jellyfish as jellyfish, xor as xor
