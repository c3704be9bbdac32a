"""Backends by name, as the command line and trap-level functions name them."""

from __future__ import annotations

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.floating import FloatArithmetic
from badminima.arithmetic.protocol import Arithmetic
from badminima.errors import BackendError

BACKENDS = ("exact", "ball", "float")


def backend(name: str, *, precision: int = 128) -> Arithmetic:
    """The arithmetic called ``name`` (``exact``, ``ball`` at ``precision`` bits, or ``float``)."""
    if name == "exact":
        return ExactArithmetic()
    if name == "ball":
        return BallArithmetic(precision)
    if name == "float":
        return FloatArithmetic()
    raise BackendError(f"backend: expected one of {', '.join(BACKENDS)}, got {name!r}")
