# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from .dataset import Dataset as Dataset
from .network import ACTIVATIONS as ACTIVATIONS, LOSSES as LOSSES, OUTPUTS as OUTPUTS, Network as Network
from .point import Layer as Layer, Point as Point
from .rational import format_rational as format_rational, parse_rational as parse_rational
from .trap import Trap as Trap
from .trapfile import (
    FORMAT as FORMAT,
    dumps_trap as dumps_trap,
    load_trap as load_trap,
    loads_trap as loads_trap,
    save_trap as save_trap,
)
