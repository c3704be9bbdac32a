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
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.least_max import least_max_change
from badminima.arithmetic.least_squares import pivots
from badminima.errors import BackendError
from badminima.landscape.forward_pass import forward, unflatten
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.affine_fits import certify_affine_fit, certify_nearby_affine_fit, features, moving_layer
from badminima.verify.certificate import Verdict
from badminima.verify.fit_snap import snap_to_fit
from badminima.verify.numerics import float_derivatives
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.pinpoint import Pinpoint, slice_point
from badminima.verify.suboptimality import LossEnclosure, enclose_loss

INSIDE = 0.85
"""The largest distance from the given numbers, in units of their windows, the linear program may
propose: the rest is room for the enclosure of the slice's point (an eighth of the finest window) and
the program's second-order error (~1e-20 of a window at 20 digits and beyond)."""


def best_fit_window_verdict(
    network: Network, dataset: Dataset, point: Point, out: Outcome, radii: list[Fraction]
) -> Outcome | None:
    """When ``out`` is a best affine fit whose own slice point is not held to the window ``radii`` (radius
    0: a number held): a local minimum the digits of ``point`` round, about a best fit inside the window
    (module docstring), else `not-critical` where the manifold of best fits misses the window
    (`_apart`), else None.

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
        >>> best_fit_window_verdict(net, data, point, fit, radii).verdict.value
        'local-min'
    """
    if out.code != "best-affine-fit" or out.verdict is not Verdict.LOCAL_MIN:
        return None
    snapped = snap_to_fit(network, dataset, point, (), radii=radii)
    exact = None if snapped is None else certify_affine_fit(network, dataset, snapped)
    if snapped is not None and exact is not None and exact.verdict is Verdict.LOCAL_MIN:
        return _about_the_digits(
            exact,
            point,
            out,
            "that point (box_center, exact) lies inside the digits' window: the digits round a point of "
            "the manifold of best fits, where the network predicts the rational best fit exactly (found by "
            "exact steps over the window, every piece held)",
        )
    found = _slice_point(network, dataset, point, out, radii)
    if found is None:
        return None
    moved = _moved_into_the_window(network, dataset, point, out, radii, found)
    if moved is not None:
        return moved
    apart = _apart(network, dataset, point, out, radii, found)
    if apart is None:
        return None
    return Outcome(
        Verdict.NOT_CRITICAL,
        "interval",
        "best-fit-apart",
        f"{out.reason}; but {apart}: the digits round no critical point",
        enclose_loss(network, dataset, point),
        code="gradient-nonzero",
    )


def _slice_point(
    network: Network, dataset: Dataset, point: Point, fit: Outcome, radii: list[Fraction]
) -> Pinpoint | None:
    """`pinpoint.slice_point` for the fit ``fit`` (its slice and the box where its point lies)."""
    on, center = fit.on_slice, fit.box_center
    if on is None or center is None:
        return None
    return slice_point(network, dataset, point, on.fixed, (center, on.radius), radii)


def _moved_into_the_window(
    network: Network, dataset: Dataset, point: Point, out: Outcome, radii: list[Fraction], found: Pinpoint
) -> Outcome | None:
    """The kept numbers moved inside their windows so that the slice's point (``found``, `_slice_point`)
    enters the window (module docstring), proved there; else None."""
    given = point.flatten()
    if out.on_slice is None:
        return None
    kept = set(out.on_slice.fixed)
    adjust = [k for k in sorted(kept) if radii[k]]
    moving = [k for k in range(len(given)) if k not in kept]
    mid = [(lo + hi) / 2 for lo, hi in zip(found.lower, found.upper, strict=True)]
    if not adjust:
        return None
    hessian = float_derivatives(network, dataset, Point.unflatten(network, mid))[2]
    try:
        slope = -np.linalg.solve(hessian[np.ix_(moving, moving)], hessian[np.ix_(moving, adjust)])
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(slope)):
        return None
    # in units of the windows: y_j = (k_j − k̂_j)/r_j, the slice's point moves to e + S y; least max |·|
    e = np.array([float((mid[m] - given[m]) / radii[m]) for m in moving])
    s = slope * np.array([[float(radii[a] / radii[m]) for a in adjust] for m in moving])
    # variables (y, z), z = e + S y the slice's point: [S, −I](y, z) = −e, least max |·|
    found_move = least_max_change(np.hstack([s, -np.eye(len(moving))]), -e)
    if found_move is None or found_move.size > INSIDE:
        return None
    flat = list(given)
    for j, k in enumerate(adjust):
        flat[k] = given[k] + Fraction(round(float(found_move.change[j]) * 2**40), 2**40) * radii[k]
    moved = Point.unflatten(network, flat)
    again = certify_nearby_affine_fit(network, dataset, moved)
    there = None if again is None else _slice_point(network, dataset, moved, again, radii)
    if again is None or there is None or there.beyond(given, radii) or again.box_center is None:
        return None
    return _about_the_digits(
        again,
        point,
        out,
        f"with {len(adjust)} kept number(s) moved inside their windows, that slice's point (enclosed at "
        f"{there.precision} bits within {float(there.width):.2g}) lies inside the digits' window: the "
        f"digits round a point of the manifold of best fits",
    )


def _about_the_digits(proved: Outcome, point: Point, out: Outcome, why: str) -> Outcome:
    """``proved`` (a fit proved about a point of the manifold) stated for the digits of ``point``: ``why``
    it is theirs appended, the loss text of ``out`` (the given point's), the box widened to hold them."""
    center = proved.box_center
    reach = (point.distance(center) if center is not None else Fraction(0)) + (proved.proof_radius or 0)
    return replace(
        proved,
        reason=f"{proved.reason}; {why}",
        loss=LossEnclosure(out.loss.text, proved.loss.lower, proved.loss.upper),
        box_radius=reach,
    )


def _apart(
    network: Network, dataset: Dataset, point: Point, out: Outcome, radii: list[Fraction], found: Pinpoint
) -> str | None:
    """Why the window ``point`` ± ``radii`` holds no critical point, when ``out`` is a best affine fit
    proved on a box that holds the window, and the manifold of best fits misses the window; else None.
    ``found``: the fit's point x* (`_slice_point`).

    On the proof's box every sign holds, so the logits Z(θ) lie in the space S of affine maps of the
    input and ℓ is strictly convex in them. Where one layer's basis columns ∂Z/∂θ_k span S over the
    whole window (their determinant on the anchor points, the pivots of the features, is proved non-zero
    in balls), a critical point there has ∇L(Z) ⊥ S, so Z = Z* = Z(x*), the proof's best fit. A functional
    λ of the anchors' logits (the linear program's multipliers) then separates: |λ·(Z(θ̂) − Z*)| exceeds
    Σ_k |λ·∂_k Z(window)| r_k (the mean value form, Z affine in each single number, ∂_k Z a unit step):
    no θ in the window has Z(θ) = Z*."""
    on, center, reach = out.on_slice, out.box_center, out.proof_radius
    if out.code != "best-affine-fit" or on is None or center is None or reach is None:
        return None
    given, there = point.flatten(), center.flatten()
    if any(abs(g - c) + r > reach for g, c, r in zip(given, there, radii, strict=True)):
        return None
    chosen = moving_layer(network, dataset, point)
    if chosen is None:
        return None
    cols = features(network, dataset)
    anchors = pivots([tuple(c[i] for c in cols) for i in range(dataset.n_points)])
    rows = [(k, i) for k in range(network.widths[-1]) for i in anchors]
    try:
        return _separated(network, dataset, point, found, chosen, rows, radii)
    except (BackendError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None


def _separated(
    network: Network,
    dataset: Dataset,
    point: Point,
    found: Pinpoint,
    chosen: tuple[int, list[int]],
    rows: list[tuple[int, int]],
    radii: list[Fraction],
) -> str | None:
    """`_apart`'s two checks in balls at ``found``'s precision: the basis columns' determinant
    on the anchor ``rows`` (output, point) over the window, and the separating functional; ``chosen``:
    the layer and its basis (`affine_fits.moving_layer`)."""
    layer, basis = chosen
    box = ParameterBox(network, dataset, point, found.precision)
    ball, n = box.ball, len(radii)
    mids = [(lo + hi) / 2 for lo, hi in zip(found.lower, found.upper, strict=True)]
    star = ParameterBox(network, dataset, Point.unflatten(network, mids), found.precision)
    with ball.context():

        def logits(flat: Any, shift: int | None = None) -> list[Any]:
            moved = list(flat)
            if shift is not None:
                moved[shift] = moved[shift] + 1
            fwd = forward(
                network, unflatten(network, ball.vector(moved)), box.prob.inputs, arith=ball, masks=box.masks
            )
            return [fwd.logits[k, i] for k, i in rows]

        window = box.flat(radii)
        at, inside = logits(box.flat([Fraction(0)] * n)), logits(window)
        halves = [(hi - lo) / 2 for lo, hi in zip(found.lower, found.upper, strict=True)]
        best = logits(star.flat(halves))
        slope = {k: [a - b for a, b in zip(logits(window, k), inside, strict=True)] for k in range(n)}
        m = len(rows)
        if len(basis) != m or flint.arb_mat(
            m, m, [slope[k][j] for j in range(m) for k in basis]
        ).det().contains(0):
            return None
        finest = min(r for r in radii if r)
        moving = [k for k in range(n) if radii[k]]
        a = np.array(
            [[float(slope[k][j].mid()) * float(radii[k] / finest) for k in moving] for j in range(m)]
        )
        b = np.array([float(((best[j] - at[j]) / ball.constant(finest)).mid()) for j in range(m)])
        res = least_max_change(a, b)
        if res is None or res.size <= 1 or res.multipliers is None:
            return None
        lam = [ball.constant(Fraction(float(v))) for v in res.multipliers]
        gap = abs(
            sum((u * (x - y) for u, x, y in zip(lam, at, best, strict=True)), ball.constant(Fraction(0)))
        )
        spread = sum(
            (
                abs(sum((u * c for u, c in zip(lam, slope[k], strict=True)), ball.constant(Fraction(0))))
                * ball.constant(radii[k])
                for k in moving
            ),
            ball.constant(Fraction(0)),
        )
        if not gap > spread:
            return None
    return (
        f"every sign holds on the fit's box, which holds the window, and weight layer {layer + 1}'s basis "
        f"columns span the affine maps over all of it (their determinant on {m} anchor logits is non-zero "
        f"in balls), so a "
        f"critical point there predicts the best fit Z* = Z(x*) (x* enclosed at {found.precision} bits); a "
        f"functional of those logits moves by at most {float(spread.mid()):.3g} over the window, and "
        f"differs by {float(gap.mid()):.3g} between the given numbers and x* (the manifold of best fits is "
        f"{res.size:.3g} windows away, to first order)"
    )
