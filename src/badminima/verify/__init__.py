"""Certificates: prove a point a (bad) local minimum, a saddle, or not critical — or say why not."""

from badminima.verify.certificate import Certificate, Diagnostics, Verdict
from badminima.verify.certify import certify
from badminima.verify.descent import Descent, exact_descent, loss_germ_term
from badminima.verify.diagnostics import diagnostics
from badminima.verify.kinks import FirstOrder, first_order
from badminima.verify.regions import LeastSquaresBound, least_squares_bound

__all__ = [
    "Certificate",
    "Descent",
    "Diagnostics",
    "FirstOrder",
    "LeastSquaresBound",
    "Verdict",
    "certify",
    "diagnostics",
    "exact_descent",
    "first_order",
    "least_squares_bound",
    "loss_germ_term",
]
