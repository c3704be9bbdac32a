"""A best affine fit whose slice misses the digits' window, while its manifold of best fits meets it.

A best affine fit (`affine_fits`) is proved on a slice: the numbers of one layer's basis move, the rest
(``kept``) stay at their given values, and the slice's one critical point x*(kept) is a best fit, a
non-strict local minimum. Every best fit nearby is such a point, so they form a manifold
{(k, x*(k))} over the kept numbers. Where the digits' window is finer than a float resolves, the slice
through the given kept numbers may leave the window while a slice through other kept numbers, each still
inside its own window, meets it (red team s36b: four numbers 0.3 windows off, the slice's point 1.15
windows off). Two ways to find such a point, each proved again where it is:

- exactly (`fit_snap.snap_to_fit` over the window), when the best fit is rational: a point where the
  network predicts it exactly, a best fit by `affine_fits.certify_affine_fit`;
- by moving the kept numbers: the slice's point, enclosed at the precision the window needs
  (`pinpoint.held_critical_point`), moves with them as x*(k) ≈ x*(k̂) − H_xx⁻¹ H_xk (k − k̂) (the implicit
  function theorem on ∇_x F = 0); the kept numbers that bring it furthest inside, in units of the
  windows, solve a linear program. At those numbers the fit is proved again
  (`affine_fits.certify_nearby_affine_fit`) and its point enclosed again: inside the window, the digits
  round a local minimum. The linear program only proposes; the two proofs decide.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.affine_fits import certify_affine_fit, certify_nearby_affine_fit
from badminima.verify.certificate import Verdict
from badminima.verify.fit_snap import snap_to_fit
from badminima.verify.numerics import float_derivatives
from badminima.verify.outcome import Outcome
from badminima.verify.pinpoint import Pinpoint, held_critical_point
from badminima.verify.suboptimality import LossEnclosure

INSIDE = 0.75
"""The largest distance from the given numbers, in units of their windows, the linear program may
propose: the rest is room for its second-order error and the enclosures."""


def best_fit_in_the_window(
    network: Network, dataset: Dataset, point: Point, out: Outcome, radii: list[Fraction]
) -> Outcome | None:
    """A local minimum the digits of ``point`` round, about a best fit inside the window ``radii`` (radius
    0: a number held), when ``out`` is a best affine fit whose own slice point is not held to that
    window (module docstring); else None.

    Example (y = v·relu(w x + b) + c on three points, the best line 1/6 + x/2 at (w, b, v, c) = (1/2, 1,
    1, −5/6); every number to 30 digits, w 0.3 and v 0.6 windows of 1e-26 off it, so that re-fitting v
    and c with w held would leave the window by 0.2):
        >>> from badminima.model import Dataset, Network
        >>> from badminima.verify.affine_fits import certify_nearby_affine_fit
        >>> net = Network((1, 1, 1), "relu")
        >>> data = Dataset.of([[0], [1], [2]], [[0], [1], [1]])
        >>> digits = ["0.500000000000000000000000003000", "1.00000000000000000000000000000",
        ...           "1.00000000000000000000000000600", "-0.833333333333333333333333333333"]
        >>> point = Point.unflatten(net, digits)
        >>> radii = [Fraction(1, 10**26)] * 4
        >>> fit = certify_nearby_affine_fit(net, data, point)
        >>> best_fit_in_the_window(net, data, point, fit, radii).verdict.value
        'local-min'
    """
    if out.code != "best-affine-fit" or out.verdict is not Verdict.LOCAL_MIN:
        return None
    snapped = snap_to_fit(network, dataset, point, (), radii=radii)
    exact = None if snapped is None else certify_affine_fit(network, dataset, snapped)
    if snapped is not None and exact is not None and exact.verdict is Verdict.LOCAL_MIN:
        return replace(
            exact,
            reason=f"{exact.reason}; that point (box_center, exact) lies inside the digits' window: the "
            f"digits round a point of the manifold of best fits, where the network predicts the rational "
            f"best fit exactly (found by exact steps over the window, every piece held)",
            loss=LossEnclosure(out.loss.text, exact.loss.lower, exact.loss.upper),
            box_radius=point.distance(snapped) + (exact.proof_radius or Fraction(0)),
        )
    return _moved_into_the_window(network, dataset, point, out, radii)


def _slice_point(
    network: Network, dataset: Dataset, point: Point, fit: Outcome, radii: list[Fraction]
) -> Pinpoint | None:
    """The critical point of ``fit``'s slice through ``point`` (its kept numbers at ``point``'s values),
    enclosed within an eighth of the finest window on a box that holds the window's moving part and the
    proof's own box, so that it is the proof's point; None where it is not, or the slice would move a
    number held."""
    on, center = fit.on_slice, fit.box_center
    if on is None or center is None:
        return None
    kept = set(on.fixed)
    if any(not r for k, r in enumerate(radii) if k not in kept):
        return None
    free = [Fraction(0) if k in kept else r for k, r in enumerate(radii)]
    finest = min(r for r in radii if r)
    return held_critical_point(network, dataset, point, free, finest / 8, (center, on.radius))


def _moved_into_the_window(
    network: Network, dataset: Dataset, point: Point, out: Outcome, radii: list[Fraction]
) -> Outcome | None:
    """The kept numbers moved inside their windows so that the slice's point enters the window (module
    docstring), proved there; else None."""
    given = point.flatten()
    found = _slice_point(network, dataset, point, out, radii)
    if found is None or out.on_slice is None:
        return None
    kept = set(out.on_slice.fixed)
    adjust = [k for k in sorted(kept) if radii[k]]
    moving = [k for k in range(len(given)) if k not in kept]
    mid = [(lo + hi) / 2 for lo, hi in zip(found.lower, found.upper, strict=True)]
    hessian = float_derivatives(network, dataset, Point.unflatten(network, mid))[2]
    try:
        slope = -np.linalg.solve(hessian[np.ix_(moving, moving)], hessian[np.ix_(moving, adjust)])
    except np.linalg.LinAlgError:
        return None
    if not adjust or not np.all(np.isfinite(slope)):
        return None
    # in units of the windows: y_j = (k_j − k̂_j)/r_j, the slice's point moves to e + S y; least max |·|
    e = np.array([float((mid[m] - given[m]) / radii[m]) for m in moving])
    s = slope * np.array([[float(radii[a] / radii[m]) for a in adjust] for m in moving])
    n = len(adjust)
    ones = -np.ones((2 * (n + len(moving)), 1))
    rows = np.vstack([np.eye(n), -np.eye(n), s, -s])
    res = linprog(
        np.r_[np.zeros(n), 1.0],
        A_ub=np.hstack([rows, ones]),
        b_ub=np.r_[np.zeros(2 * n), -e, e],
        bounds=[(None, None)] * (n + 1),
    )
    if not res.success or res.x[-1] > INSIDE:
        return None
    flat = list(given)
    for j, k in enumerate(adjust):
        flat[k] = given[k] + Fraction(round(float(res.x[j]) * 2**40), 2**40) * radii[k]
    moved = Point.unflatten(network, flat)
    again = certify_nearby_affine_fit(network, dataset, moved)
    there = None if again is None else _slice_point(network, dataset, moved, again, radii)
    if again is None or there is None or there.beyond(given, radii) or again.box_center is None:
        return None
    return replace(
        again,
        reason=f"{again.reason}; with {len(adjust)} kept number(s) moved inside their windows, that slice's "
        f"point (enclosed at {there.precision} bits within {float(there.width):.2g}) lies inside the digits' "
        f"window: the digits round a point of the manifold of best fits",
        loss=LossEnclosure(out.loss.text, again.loss.lower, again.loss.upper),
        box_radius=point.distance(again.box_center) + (again.proof_radius or Fraction(0)),
    )
