# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from .ball import BallArithmetic as BallArithmetic
from .exact import ExactArithmetic as ExactArithmetic
from .floating import FloatArithmetic as FloatArithmetic
from .germ import GermArithmetic as GermArithmetic
from .jet import Jet as Jet, JetArithmetic as JetArithmetic
from .protocol import Arithmetic as Arithmetic, Rigor as Rigor
from .registry import BACKENDS as BACKENDS, backend as backend
