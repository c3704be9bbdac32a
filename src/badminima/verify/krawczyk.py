"""The Krawczyk test: a unique zero of a gradient in a box, proved from enclosures.

For a smooth F, a centre c, an enclosure g ∋ ∇F(c), an enclosure H(B) of every Hessian on the box
B = c + [−r, r]^P and any matrix C (a good guess of ∇²F(c)⁻¹ makes it pass):

    K = −C g + (I − C H(B)) [−r, r]^P  ⊂  (−r, r)^P   ⇒   ∇F has exactly one zero x* in B, and x* ∈ c + K.

(Krawczyk 1969; Neumaier, "Interval Methods for Systems of Equations", 1990, Theorem 5.1.8.) The test
runs in float64 enclosures (`badminima.arithmetic.enclosure`), so it costs two P × P products.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from badminima.arithmetic.enclosure import Enclosure


def inside_radius(radius: Fraction) -> float:
    """The largest double ≤ ``radius`` (a box of this radius lies inside the one of ``radius``).

    Example:
        >>> inside_radius(Fraction(1, 3)) <= 1 / 3
        True
    """
    r = float(radius)
    return float(np.nextafter(r, 0.0)) if Fraction(r) > radius else r


def krawczyk_offset(
    gradient: Enclosure, inverse: np.ndarray, hessian: Enclosure, radius: float
) -> float | None:
    """An upper bound δ < ``radius`` on ‖x* − c‖∞ for the unique zero x* of ∇F in c + [−r, r]^P, or None
    when the Krawczyk test fails (the box may still hold a zero; nothing is proved).

    Args:
        gradient: an enclosure of ∇F(c), shape (P,).
        inverse: any float (P, P) matrix C, taken as exact.
        hessian: an enclosure of ∇²F over the whole box c + [−r, r]^P, shape (P, P).
        radius: r, a double (see `inside_radius`).

    Example (F = ½‖x − a‖², zero at a = 10⁻³ from the centre 0):
        >>> g = Enclosure.exact(np.array([-1e-3, 0.0]))
        >>> krawczyk_offset(g, np.eye(2), Enclosure.exact(np.eye(2)), 1e-2) < 1e-2
        True
    """
    if not (gradient.is_finite() and hessian.is_finite()) or not radius > 0:
        return None
    n = len(inverse)
    C = Enclosure.exact(np.asarray(inverse, dtype=np.float64))
    spread = Enclosure.exact(np.eye(n)) - C @ hessian
    box = Enclosure(np.zeros(n), np.full(n, radius))
    K = -(C @ gradient) + spread @ box
    if not K.is_finite():
        return None
    top = float(K.upper_abs().max()) if n else 0.0
    return top if top < radius else None
