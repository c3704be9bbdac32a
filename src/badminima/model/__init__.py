"""Frozen, exact data: networks, datasets, points, traps, and trap files."""

from badminima.model.dataset import Dataset
from badminima.model.network import ACTIVATIONS, LOSSES, OUTPUTS, Network
from badminima.model.point import Layer, Point
from badminima.model.rational import format_rational, parse_rational
from badminima.model.trap import Trap
from badminima.model.trapfile import FORMAT, dumps_trap, load_trap, loads_trap, save_trap

__all__ = [
    "ACTIVATIONS",
    "FORMAT",
    "LOSSES",
    "OUTPUTS",
    "Dataset",
    "Layer",
    "Network",
    "Point",
    "Trap",
    "dumps_trap",
    "format_rational",
    "load_trap",
    "loads_trap",
    "parse_rational",
    "save_trap",
]
