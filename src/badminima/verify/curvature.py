"""Proved curvature: lower bounds on the smallest Hessian eigenvalue over a box (Gershgorin discs of
QᵀHQ for float eigenvectors Q, in float64 enclosures or in balls), and the float (or refined) spectrum
that guides them. With Q the eigenvectors of the midpoint Hessian, every symmetric H in the enclosure
has λ_min(H) ≥ λ_min(QᵀHQ) / λ_max(QᵀQ) when the numerator is positive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np

from badminima.arithmetic.enclosure import Enclosure, lower_bound, upper
from badminima.arithmetic.flint_bridge import arb_to_fraction, mpf_to_fraction, to_arb
from badminima.verify.options import DEFAULTS
from badminima.verify.parameter_box import ParameterBox


def curvature_bound(H: Enclosure, Q: np.ndarray) -> Fraction | None:
    """A proved lower bound on λ_min of every symmetric matrix in the enclosure ``H`` (None unless
    positive): Gershgorin discs of QᵀHQ, divided by the largest Gershgorin bound of QᵀQ. ``Q`` is any
    float matrix (the midpoint's eigenvectors make the discs tight); λ_min(H) ≥ λ_min(QᵀHQ)/λ_max(QᵀQ)
    when the numerator is positive.

    Example:
        >>> import numpy as np
        >>> mu = curvature_bound(Enclosure.exact(np.diag([2.0, 3.0])), np.eye(2))
        >>> 1.99 < mu <= 2  # a proved bound, a few roundings below the true λ_min = 2
        True
    """
    if not H.is_finite():
        return None
    q = Enclosure.exact(Q)
    M = q.T @ H @ q
    if not M.is_finite():
        return None
    off = M.upper_abs()
    np.fill_diagonal(off, 0.0)
    lows = lower_bound(np.diagonal(M.mid), upper(off.sum(1) + np.diagonal(M.rad), len(off) + 3))
    G = q.T @ q
    tops = upper(G.upper_abs().sum(1), len(Q) + 2)
    if not len(lows) or not (np.all(np.isfinite(lows)) and np.all(np.isfinite(tops))):
        return None
    mu_m = Fraction(float(lows.min()))
    if mu_m <= 0:
        return None
    return mu_m / Fraction(float(tops.max()))


def curvature_bound_balls(H: Any, Q: Any) -> Fraction | None:
    """`curvature_bound` for an ``arb_mat`` enclosure ``H`` and an exact ``arb_mat`` ``Q``, in balls at
    the current working precision (so curvatures far below float64's roundings can be proved)."""
    M = Q.transpose() * H * Q
    G = Q.transpose() * Q
    n = M.nrows()
    low: Any = None
    top: Any = None
    for i in range(n):
        off = sum((abs(M[i, j]) for j in range(n) if j != i), flint.arb(0))
        row = (M[i, i] - off).lower()
        low = row if low is None or row < low else low
        g = sum((abs(G[i, j]) for j in range(n)), flint.arb(0)).upper()
        top = g if top is None or g > top else top
    if low is None or not low.is_finite() or not top.is_finite() or not low > 0:
        return None
    return arb_to_fraction(low) / arb_to_fraction(top)


@dataclass(frozen=True)
class Spectrum:
    """Approximate eigenvalues (ascending) and eigenvectors of the Hessian at a box centre: ``Q`` in
    float64, and ``exact`` — the same vectors as an exact ``arb_mat`` at the box's precision when float64
    could not resolve the smallest eigenvalues (None otherwise). Only a guide for the proof."""

    eig: np.ndarray
    Q: np.ndarray
    exact: Any = None


MAX_BALL_HESSIAN = DEFAULTS.max_ball_hessian
"""Ball-arithmetic Hessians (the fallback when float64 enclosures are too coarse) up to this many
parameters; beyond, only the float64 enclosure is tried."""


RESOLVED = DEFAULTS.resolved
"""Float64 eigenvalues are trusted when the smallest is above this fraction of the largest."""


def spectrum(
    box: ParameterBox,
    hessian_float: np.ndarray,
    *,
    resolved: float = RESOLVED,
    max_ball_hessian: int = MAX_BALL_HESSIAN,
) -> Spectrum:
    """The Hessian's spectrum at the box centre: float64, refined at the box's precision from a ball
    Hessian when the smallest eigenvalue is within `RESOLVED` of the largest (float64 eigenvalues are
    only accurate to about 1e-16 of the largest)."""
    eig, Q = np.linalg.eigh(hessian_float)
    if not len(eig):
        return Spectrum(eig, Q)
    top = max(1.0, float(np.max(np.abs(eig))))
    if float(np.min(np.abs(eig))) > resolved * top or len(eig) > max_ball_hessian:
        return Spectrum(eig, Q)
    H = box.hessian_balls(Fraction(0))
    n = H.nrows()
    with mpmath.workprec(box.ball.precision):
        try:
            E, V = mpmath.eigsy(
                mpmath.matrix([[mpmath.mpf(H[i, j].mid()) for j in range(n)] for i in range(n)])
            )
        except (RuntimeError, ZeroDivisionError):  # no convergence at a low precision: keep float64's guide
            return Spectrum(eig, Q)
        # Entries of these unit vectors below 2^-2p are flushed to 0: any Q is sound in the bound (a poor
        # one only fails to prove), and a saturated unit's entries can be 2^-(10^8), whose exact dyadic
        # would take minutes and gigabytes.
        tiny = mpmath.mpf(2) ** (-2 * box.ball.precision)
        with box.ball.context():
            exact = flint.arb_mat(
                n, n, [exact_arb(V[i, j]) if abs(V[i, j]) >= tiny else 0 for i in range(n) for j in range(n)]
            )
        eig_hp = np.array([float(E[i]) for i in range(n)])
        Q_hp = np.array([[float(V[i, j]) for j in range(n)] for i in range(n)])
    order = np.argsort(eig_hp)
    return Spectrum(eig_hp[order], Q_hp[:, order], _columns(exact, [int(k) for k in order]))


def exact_arb(x: Any) -> Any:
    """An mpmath number as an exact `arb` (call at a working precision that holds its mantissa)."""
    return to_arb(mpf_to_fraction(x))


def _columns(M: Any, order: Sequence[int]) -> Any:
    n = M.nrows()
    return flint.arb_mat(n, len(order), [M[i, int(j)] for i in range(n) for j in order])


def proved_curvature(
    box: ParameterBox, radius: Fraction, spec: Spectrum, *, max_ball_hessian: int = MAX_BALL_HESSIAN
) -> tuple[Fraction | None, str]:
    """A proved lower bound on λ_min(∇²F) over the box of ``radius``: float64 enclosure first, then
    (small nets) balls at the box's precision. Returns the bound (or None) and how it was obtained."""
    mu = curvature_bound(box.hessian(radius), spec.Q)
    if mu is not None:
        return mu, "float64 enclosure"
    if len(spec.Q) > max_ball_hessian:
        return None, "float64 enclosure"
    Q = spec.exact
    if Q is None:
        n = len(spec.Q)
        Q = flint.arb_mat(n, n, [float(v) for v in spec.Q.ravel()])
    with box.ball.context():
        return curvature_bound_balls(box.hessian_balls(radius), Q), f"balls at {box.ball.precision} bits"
