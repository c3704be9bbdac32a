# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from .certificate import Certificate as Certificate, Diagnostics as Diagnostics, Verdict as Verdict
from .certification import certify as certify
from .descent import Descent as Descent, exact_descent as exact_descent, loss_germ_term as loss_germ_term
from .kinks import FirstOrder as FirstOrder, first_order as first_order
from .numerics import diagnostics as diagnostics
from .options import CertifyOptions as CertifyOptions
from .regions import (
    LeastSquaresBound as LeastSquaresBound,
    least_squares_bound as least_squares_bound,
    sign_cone_bound as sign_cone_bound,
    sign_cone_optimum as sign_cone_optimum,
)
