"""When a gradient is "a fact about the digits": the rounding scale of a point written to many digits,
within which a nearby critical point would leave the given gradient and Newton step."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from badminima.model.point import Point
from badminima.model.rational import rounding_scale


def at_rounding_level(
    point: Point, g_mid: np.ndarray, hess: np.ndarray, newton: float, top: float
) -> Fraction | None:
    """The rounding scale ρ of the given numbers when the gradient and the Newton step are both at the
    level that rounding a critical point to ρ would leave (‖g‖ ≤ c·ρ·‖H‖, step ≤ c·ρ, c = 10√P), else
    None: then a non-zero gradient is about the point the user meant, not about its digits."""
    rho = rounding_scale(point.flatten())
    if rho == 0 or not len(g_mid):
        return None
    c = 10 * math.sqrt(len(g_mid))
    if newton <= c * float(rho) and float(np.linalg.norm(g_mid)) <= c * float(rho) * top:
        return rho
    return None
