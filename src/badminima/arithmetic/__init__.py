"""Number backends behind one protocol: exact (Fraction/sympy), ball (flint arb), float (torch)."""

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.floating import FloatArithmetic
from badminima.arithmetic.germ import GermArithmetic
from badminima.arithmetic.protocol import Arithmetic, Rigor
from badminima.arithmetic.registry import BACKENDS, backend

__all__ = [
    "BACKENDS",
    "Arithmetic",
    "BallArithmetic",
    "ExactArithmetic",
    "FloatArithmetic",
    "GermArithmetic",
    "Rigor",
    "backend",
]
