"""The paper's counterexamples as exact, parametrised families of traps, and a registry of them."""

from badminima.constructions.family import Construction, ConstructionError, Parameter, SymbolicTrap
from badminima.constructions.registry import REGISTRY, construction
from badminima.constructions.reproduce import Row, reproduce
from badminima.constructions.saturated import better_point, gradient_bound, saturated_layers
from badminima.constructions.small_sets import jellyfish, xor

__all__ = [
    "REGISTRY",
    "Construction",
    "ConstructionError",
    "Parameter",
    "Row",
    "SymbolicTrap",
    "better_point",
    "construction",
    "gradient_bound",
    "jellyfish",
    "reproduce",
    "saturated_layers",
    "xor",
]
