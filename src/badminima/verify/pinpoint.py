"""A box proof's critical point, enclosed far more tightly than the proof needed.

A box proof (`box.certify_minimum`, `box.certify_saddle`) shows that exactly one critical point x* lies
in c + [−r, r]^P; r is ~1e-13 of the point's scale. Digits written to 30 places round a point within a
few units of their 30th digit, far below r, so whether they round x* is not decided by the proof. Here
x* is pinned down: Newton steps at p bits (p ≈ 3·log₂(scale/width)) give a centre c′, and the Krawczyk
test in `arb` balls at p bits on c′ + [−ρ, ρ]^P ⊂ c + [−r, r]^P,

    K = −C ∇F(c′) + (I − C H(B′)) [−ρ, ρ]^P ⊂ (−ρ, ρ)^P,

proves a zero of ∇F in c′ + K (Neumaier 1990, Thm 5.1.8): by the proof's uniqueness, x* itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np

from badminima.arithmetic.enclosure import Enclosure
from badminima.arithmetic.flint_bridge import arb_to_fraction
from badminima.arithmetic.least_squares import pivots
from badminima.errors import BackendError
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import BoxResult, certify_saddle
from badminima.verify.certificate import Verdict
from badminima.verify.curvature import MAX_BALL_HESSIAN, curvature_bound, exact_arb
from badminima.verify.numerics import float_derivatives
from badminima.verify.outcome import OnSlice, Outcome
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.polish import polish
from badminima.verify.suboptimality import LossEnclosure
from badminima.verify.symmetry_slices import slice_curvature, slice_minima

MAX_PRECISION = 4096
"""The most bits tried: a window finer than about 2^(−1365) of the point's scale is not resolved."""


@dataclass(frozen=True)
class Pinpoint:
    """x* ∈ [lower_k, upper_k] for every coordinate k, proved at ``precision`` bits."""

    lower: tuple[Fraction, ...]
    upper: tuple[Fraction, ...]
    precision: int

    @property
    def width(self) -> Fraction:
        """The widest side of the enclosure."""
        return max((hi - lo for lo, hi in zip(self.lower, self.upper, strict=True)), default=Fraction(0))

    def beyond(self, given: Sequence[Fraction], radii: Sequence[Fraction]) -> list[int]:
        """The coordinates (of non-zero radius) where the enclosure is not inside ``given`` ± ``radii``:
        x* may lie outside that window there."""
        return [
            k
            for k, (g, r, lo, hi) in enumerate(zip(given, radii, self.lower, self.upper, strict=True))
            if r and (lo < g - r or hi > g + r)
        ]

    def outside(self, given: Sequence[Fraction], radii: Sequence[Fraction]) -> list[int]:
        """The coordinates (of non-zero radius) where the enclosure lies wholly outside ``given`` ±
        ``radii``: x* is not in that window."""
        return [
            k
            for k, (g, r, lo, hi) in enumerate(zip(given, radii, self.lower, self.upper, strict=True))
            if r and (lo > g + r or hi < g - r)
        ]


def bits_for(scale: Fraction, width: Fraction) -> int | None:
    """The ball precision (a multiple of 64, at least 128) whose box floor scale·2^(−p/3) is below
    ``width`` / 4, or None beyond `MAX_PRECISION`.

    Example:
        >>> bits_for(Fraction(2), Fraction(1, 10**27))
        320
    """
    if width <= 0:
        return None
    need = 3 * math.ceil(math.log2(4 * scale / width) + 1)
    bits = max(128, 64 * math.ceil(need / 64))
    return bits if bits <= MAX_PRECISION else None


def pinpoint(
    network: Network,
    dataset: Dataset,
    center: Point,
    radius: Fraction,
    width: Fraction,
    *,
    max_ball_hessian: int = MAX_BALL_HESSIAN,
) -> Pinpoint | None:
    """The unique critical point in ``center`` ± ``radius`` (a box proof's; its uniqueness is the
    caller's premise) enclosed in a box no wider than ``width`` on any side, or None where the Krawczyk
    test does not pass or the precision needed exceeds `MAX_PRECISION` (nothing is proved then).

    Example (least squares for y = 2x + 1: the critical point is (2, 1) exactly):
        >>> from badminima.model import Dataset, Network
        >>> net = Network((1, 1), "identity")
        >>> data = Dataset.of([[0], [1], [2]], [[1], [3], [5]])
        >>> box = pinpoint(net, data, Point.unflatten(net, ["2.0000001", "1"]), Fraction(1, 100),
        ...                Fraction(1, 10**40))
        >>> box.lower[0] <= 2 <= box.upper[0] and box.width <= Fraction(1, 10**40)
        True
    """
    given = center.flatten()
    scale = 1 + max((abs(q) for q in given), default=Fraction(0))
    bits = bits_for(scale, width)
    if bits is None or not given:
        return None
    n = len(given)
    try:
        polished = polish(
            network, dataset, center, precision=bits, steps=40, max_ball_hessian=max_ball_hessian
        )
        box = ParameterBox(network, dataset, polished.point, bits)
        g = box.ball_gradient()
        mids = box.hessian_balls(Fraction(0)) if n <= max_ball_hessian else None
    except BackendError:
        return None
    C = _inverse(mids, polished.hessian, bits)
    if C is None:
        return None
    ball = box.ball
    with ball.context():
        step = C * flint.arb_mat(n, 1, g)
        newton = max(arb_to_fraction(abs(step[i, 0]).upper()) for i in range(n))
    rho = max(4 * newton, scale / 2 ** (bits // 3))
    here = polished.point.flatten()
    if any(abs(h - c) + rho > radius for h, c in zip(here, given, strict=True)):
        return None  # the Krawczyk box must lie in the proof's, whose critical point is unique
    K = _krawczyk(box, C, g, rho, n <= max_ball_hessian)
    if K is None:
        return None
    with flint.ctx.workprec(bits + 64):
        lower = tuple(h + arb_to_fraction(k.lower()) for h, k in zip(here, K, strict=True))
        upper = tuple(h + arb_to_fraction(k.upper()) for h, k in zip(here, K, strict=True))
    found = Pinpoint(lower, upper, bits)
    return found if found.width <= width else None


def at_most_one_critical_point(
    network: Network,
    dataset: Dataset,
    center: Point,
    radius: Fraction,
    *,
    precision: int = 128,
    max_ball_hessian: int = MAX_BALL_HESSIAN,
) -> bool:
    """True when ∇F has at most one zero in the cube ``center`` ± ``radius`` (∞-norm), where every hidden
    unit keeps its piece: its Hessian is proved positive definite over the cube (F strictly convex
    there), or the Krawczyk test of the module docstring passes on it (exactly one zero), C ≈ H(centre)⁻¹,
    float64 Hessian enclosures first, balls up to ``max_ball_hessian`` parameters. A critical point
    that another proof encloses in the cube is then its only one. False proves nothing.

    Example (least squares: the gradient is affine, its one zero (2, 1) lies within 1 of (2.5, 1)):
        >>> from badminima.model import Dataset, Network
        >>> net = Network((1, 1), "identity")
        >>> data = Dataset.of([[0], [1], [2]], [[1], [3], [5]])
        >>> at_most_one_critical_point(net, data, Point.unflatten(net, ["2.5", "1"]), Fraction(1))
        True
        >>> odd = Network((1, 1, 1), "identity")  # F(w, v) = ½(wv − 1)², a saddle at 0, a curve of minima
        >>> at_most_one_critical_point(odd, Dataset.of([[1]], [[1]]), Point.unflatten(odd, [1, 0, 1, 0]),
        ...                            Fraction(1, 2))
        False
    """
    n = network.n_params
    try:
        box = ParameterBox(network, dataset, center, precision)
        if not box.region_holds(box.flat(radius)):
            return False
        middle = box.hessian(Fraction(0)).mid
        _, vecs = np.linalg.eigh(middle)
        over = box.hessian(radius)
        if curvature_bound(over, vecs) is not None:
            return True  # (∇F(a) − ∇F(b))·(a − b) = (a − b)ᵀH̄(a − b) > 0 for a ≠ b in the cube
        g = box.ball_gradient()
        mids = box.hessian_balls(Fraction(0)) if n <= max_ball_hessian else None
        C = _inverse(mids, middle, precision)
        if C is None:
            return False
        return any(
            _krawczyk(box, C, g, radius, balls, over) is not None
            for balls in (False, True)
            if not balls or n <= max_ball_hessian
        )
    except (BackendError, np.linalg.LinAlgError):
        return False


def alone_in_a_cube(
    network: Network, dataset: Dataset, center: Point, known: Pinpoint | None = None
) -> Callable[[Sequence[Fraction], Sequence[Fraction]], bool]:
    """`critical_free.no_critical_point_within`'s ``alone`` about a critical point known to lie at
    ``center`` (or in the enclosure ``known``): a part (centre, radii) is decided where the cube about
    ``center`` that holds it, and ``known``, has at most one critical point (`at_most_one_critical_point`)
    — that known one."""
    there = center.flatten()
    lower, upper = (there, there) if known is None else (known.lower, known.upper)
    bits = max(128, known.precision if known is not None else 0)

    def alone(part: Sequence[Fraction], r: Sequence[Fraction]) -> bool:
        cube = max(
            max(abs(p - c) + w, c - lo, hi - c)
            for p, c, w, lo, hi in zip(part, there, r, lower, upper, strict=True)
        )
        return at_most_one_critical_point(network, dataset, center, cube, precision=bits)

    return alone


def held_critical_point(
    network: Network,
    dataset: Dataset,
    point: Point,
    radii: Sequence[Fraction],
    width: Fraction,
    around: tuple[Point, Fraction] | None = None,
) -> Pinpoint | None:
    """With every number of radius 0 in ``radii`` held at ``point``'s value (numbers written exactly),
    the one zero of the loss's gradient in the others — call that restriction F_S — in a box about
    ``point`` that holds the window ``point`` ± ``radii`` (and the box ``around``, a centre and radius,
    where given), enclosed within ``width``; None where it is not proved. `symmetry_slices.slice_minima`
    encloses a minimiser of F_S at about 3·log₂(scale/width) bits, and F_S's Hessian is proved positive
    definite over the box that holds the window and that enclosure: F_S is strictly convex there, so
    that zero is its only one. Every critical point of the loss in the window (or in ``around``, held
    numbers kept) is a zero of ∇F_S: an enclosure outside the window proves the window holds none, though
    a manifold of critical points through the proof's point (a symmetry's orbit) may pass nearby.

    Example (y = w·x + c with x's weight held at 2: the best c is 1 exactly):
        >>> from badminima.model import Dataset, Network
        >>> net = Network((1, 1), "identity")
        >>> data = Dataset.of([[0], [1], [2]], [[1], [3], [5]])
        >>> near = Point.unflatten(net, [2, "1.0000000000000000000001"])
        >>> radii = [Fraction(0), Fraction(1, 10**21)]  # x's weight held, c within 1e-21
        >>> found = held_critical_point(net, data, near, radii, Fraction(1, 10**30))
        >>> found.lower[0] == found.upper[0] == 2 and found.lower[1] <= 1 <= found.upper[1]
        True
    """
    moving = [k for k, r in enumerate(radii) if r]
    fixed = tuple(k for k, r in enumerate(radii) if not r)
    given = point.flatten()
    bits = bits_for(1 + max((abs(q) for q in given), default=Fraction(0)), width)
    if not moving or bits is None:
        return None
    try:
        found = next(slice_minima(network, dataset, point, fixed, (bits,)), None)
        if found is None or found.center is None or (found.proof_radius or 0) > width:
            return None
        reach = found.proof_radius or Fraction(0)
        there = found.center.flatten()
        # a box about the point that holds the window and the enclosure (and ``around``): F_S is
        # strictly convex on it where its Hessian is proved positive definite there
        sides = [
            max(r, abs(t - g) + reach) if r else Fraction(0)
            for r, t, g in zip(radii, there, given, strict=True)
        ]
        if around is not None:
            centre, far = around[0].flatten(), around[1]
            sides = [
                max(s, abs(c - g) + far) if s else s for s, c, g in zip(sides, centre, given, strict=True)
            ]
        box = ParameterBox(network, dataset, point, bits)
        if not box.region_holds(box.flat(sides, moving)):
            return None
        hessian = float_derivatives(network, dataset, found.center)[2]
        _, vecs = np.linalg.eigh(hessian[np.ix_(moving, moving)])
        basis = np.zeros((len(given), len(moving)))
        basis[moving, :] = vecs
        if slice_curvature(box, basis, sides, moving) is None:
            return None
    except (BackendError, np.linalg.LinAlgError, ValueError, OverflowError, ZeroDivisionError):
        return None
    lower = tuple(c - reach if r else c for c, r in zip(there, radii, strict=True))
    upper = tuple(c + reach if r else c for c, r in zip(there, radii, strict=True))
    return Pinpoint(lower, upper, bits)


def slice_point(
    network: Network,
    dataset: Dataset,
    point: Point,
    fixed: Sequence[int],
    around: tuple[Point, Fraction],
    radii: Sequence[Fraction],
) -> Pinpoint | None:
    """The critical point of the slice that holds the numbers ``fixed`` at ``point``'s values — a slice
    proof's, known to lie in the box ``around`` (a centre on that slice, and a radius) — enclosed within
    an eighth of the finest window ``radii`` on a box that holds the window's moving part and ``around``
    (`held_critical_point`), so that it is the proof's; None where it is not, where the slice would move
    a number the window holds (radius 0), or where the centre is off the slice."""
    kept, given = set(fixed), point.flatten()
    free = [Fraction(0) if k in kept else r for k, r in enumerate(radii)]
    if not any(free) or any(not r for k, r in enumerate(radii) if k not in kept):
        return None
    if any(around[0].flatten()[k] != given[k] for k in kept):
        return None
    finest = min(r for r in radii if r)
    return held_critical_point(network, dataset, point, free, finest / 8, around)


def held_saddle(
    network: Network,
    dataset: Dataset,
    start: Point,
    free: Sequence[int],
    precision: int,
    hessian: np.ndarray | None = None,
) -> BoxResult | None:
    """`box.certify_saddle` moving only the numbers ``free`` (the others held at ``start``'s values), at
    one precision: its result where it proved a saddle of that slice — one critical point of the slice
    in ``center`` ± ``proof_radius``, a direction of negative curvature over that box, a lower point —
    and left every held number exactly where ``start`` has it; else None. Every ReLU sign held over the
    box is ``center``'s own, which the caller compares with ``start``'s where it matters. ``hessian``:
    the float Hessian at ``start``, where the caller has it already (several precisions from one start).

    Example (y = v·w·x through the point 1 ↦ 1: at w = v = 0, biases held at 0, the slice's
    Hessian [[0, −2], [−2, 0]] has eigenvalue −2):
        >>> from badminima.model import Dataset, Network
        >>> net = Network((1, 1, 1), "identity")
        >>> data = Dataset.of([[1]], [[1]])
        >>> zero = Point.unflatten(net, [0, 0, 0, 0])
        >>> found = held_saddle(net, data, zero, free=(0, 2), precision=128)
        >>> found.center.flatten()[1] == found.center.flatten()[3] == 0
        True
    """
    h = float_derivatives(network, dataset, start)[2] if hessian is None else hessian
    res = certify_saddle(network, dataset, start, h, free=free, precisions=(precision,))
    if res.verdict is not Verdict.SADDLE or res.center is None or res.proof_radius is None:
        return None
    moving, given, there = set(free), start.flatten(), res.center.flatten()
    if any(t != g for k, (t, g) in enumerate(zip(there, given, strict=True)) if k not in moving):
        return None
    return res


def held_saddle_outcome(
    res: BoxResult,
    point: Point,
    method: str,
    reason: str,
    loss_text: str,
    on_slice: OnSlice | None = None,
    code: str | None = None,
) -> Outcome:
    """A saddle proved by `held_saddle` (``res``), stated for the digits of ``point``: ``saddle`` about its
    centre (``method``, the proof in words ``reason``, ``code`` where it is not the method's name), its
    loss bounds beside the given point's ``loss_text``, its box, witness and slice."""
    assert res.center is not None and res.proof_radius is not None
    return Outcome(
        Verdict.SADDLE,
        "interval",
        method,
        reason,
        LossEnclosure(loss_text, res.loss_lower, res.loss_upper),
        box_radius=point.distance(res.center) + res.proof_radius,
        proof_radius=res.proof_radius,
        box_center=res.center,
        witness=res.witness,
        witness_loss_upper=res.witness_loss_upper,
        code=code or method,
        on_slice=on_slice,
    )


def convex_apart(network: Network, dataset: Dataset, point: Point, radii: Sequence[Fraction]) -> str | None:
    """Why the box ``point`` ± ``radii`` (radius 0: a number held) holds no critical point, or None: the
    loss in the moving numbers is strictly convex on a box that holds it, and its one critical point
    there, enclosed within an eighth of the finest radius (`held_critical_point`), lies outside the box.

    Example (least squares for y = 2x + 1, a box about (2.5, 1) that misses (2, 1)):
        >>> from badminima.model import Dataset, Network
        >>> net = Network((1, 1), "identity")
        >>> data = Dataset.of([[0], [1], [2]], [[1], [3], [5]])
        >>> convex_apart(net, data, Point.unflatten(net, ["2.5", "1"]), [Fraction(1, 4), Fraction(1, 4)])[:30]
        'the loss in the 2 moving numbe'
    """
    given = point.flatten()
    finest = min((r for r in radii if r), default=Fraction(0))
    found = held_critical_point(network, dataset, point, radii, finest / 8) if finest else None
    if found is None:
        return None
    clear = found.outside(given, radii)
    if not clear:
        return None
    held = sum(1 for r in radii if not r)
    return (
        f"the loss in the {len(radii) - held} moving numbers{f' ({held} held)' if held else ''} is strictly "
        f"convex on a box about it, and its one critical point there (enclosed at "
        f"{found.precision} bits within {float(found.width):.2g}) puts parameter {clear[0]} outside it"
    )


CONVEX_HEADS = (("identity", "mse"), ("sigmoid", "bce"))
"""Heads whose loss is strictly convex in each logit: ℓ'' = 2 (squares), ℓ'' = σ'(z) > 0 (cross-entropy)."""


def strictly_convex(network: Network, dataset: Dataset) -> bool:
    """True when the loss is strictly convex in the parameters: no hidden layer, a head of
    `CONVEX_HEADS`, and inputs (with a 1 for the bias) of full column rank, so that θ ↦ logits is linear
    and injective and F = Σ ℓ(logits) is strictly convex; it then has at most one critical point.

    Example:
        >>> from badminima.model import Dataset, Network
        >>> logistic = Network((1, 1), "identity", output="sigmoid", loss="bce")
        >>> strictly_convex(logistic, Dataset.of([[0], [1]], [[0], [1]]))
        True
        >>> strictly_convex(logistic, Dataset.of([[1], [1]], [[0], [1]]))  # x and the bias coincide
        False
    """
    if network.depth != 1 or (network.output, network.loss) not in CONVEX_HEADS:
        return False
    columns = [[Fraction(x[k]) for x in dataset.X] for k in range(network.widths[0])] + (
        [[Fraction(1)] * dataset.n_points] if network.bias else []
    )
    return len(pivots(columns)) == len(columns)


def _inverse(balls: Any, hessian: np.ndarray, bits: int) -> Any:
    """C ≈ H(c′)⁻¹ as an exact `arb_mat`: from the ball Hessian's midpoints at ``bits`` where there is one
    (a float inverse trims a weak direction's accuracy to 1e-16 of the strong ones'), else the float one."""
    n = len(hessian)
    try:
        if balls is None:
            inv = np.linalg.inv(hessian)
            return flint.arb_mat(n, n, [float(inv[i, j]) for i in range(n) for j in range(n)])
        with mpmath.workprec(bits):
            M = mpmath.matrix([[mpmath.mpf(balls[i, j].mid()) for j in range(n)] for i in range(n)])
            inv = mpmath.inverse(M)
            with flint.ctx.workprec(bits):
                return flint.arb_mat(n, n, [exact_arb(inv[i, j]) for i in range(n) for j in range(n)])
    except (np.linalg.LinAlgError, ZeroDivisionError, ValueError, TypeError):  # mpmath: singular
        return None


def _krawczyk(
    box: ParameterBox,
    C: Any,
    g: Sequence[Any],
    rho: Fraction,
    balls: bool,
    enclosure: Enclosure | None = None,
) -> list[Any] | None:
    """K of the module docstring over c′ ± ρ (ball Hessian where ``balls``, else the float64 enclosure,
    ``enclosure`` where the caller has it already), or None where it does not map the box strictly into
    itself."""
    n = len(g)
    ball = box.ball
    with ball.context():
        if balls:
            H = box.hessian_balls(rho)
        else:
            enc = box.hessian(rho) if enclosure is None else enclosure
            if not enc.is_finite():
                return None
            H = flint.arb_mat(enc.balls().tolist())
        r = ball.constant(rho)
        R = flint.arb_mat(n, 1, [flint.arb(0, r.upper()) for _ in range(n)])
        eye = flint.arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
        K = -(C * flint.arb_mat(n, 1, list(g))) + (eye - C * H) * R
        inside = [K[i, 0] for i in range(n)]
        return inside if all(abs(k) < r for k in inside) else None
