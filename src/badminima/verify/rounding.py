"""When a gradient is "a fact about the digits": the rounding scale of a point written to many digits,
within which a nearby critical point would leave the given gradient and Newton step."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from badminima.model.point import Point
from badminima.model.rational import (
    FLOAT_PRINT_DIGITS,
    NOISE_LEVEL,
    last_place,
    non_terminating,
    relative_rounding,
    rounding_radius,
    rounding_scale,
)
from badminima.verify.curvature import RESOLVED
from badminima.verify.options import DEFAULTS


def judged_rounding(point: Point, rho: Fraction | None = None) -> Fraction:
    """The rounding scale a verdict at ``point`` is judged against: ``rho`` when given (a point snapped
    from the user's digits carries theirs), else the point's own `rounding_scale` (0: written exactly).

    Example:
        >>> from badminima.model import Network
        >>> judged_rounding(Point.unflatten(Network((1, 1), "identity"), [1, Fraction(1, 2)]))
        Fraction(0, 1)
    """
    if rho is not None:
        return rho
    fine = rounding_scale(point.flatten())
    return coarsest_rounding(point) if _mixed(point, fine) else fine


MIXED_DIGITS = 1000
"""A point whose coarsest rounded number's last digit is worth this many times its finest rounding scale
was written to mixed precision (four digits beside thirty): its rounding is the coarsest number's."""


def mixed_digits(point: Point) -> bool:
    """Whether some numbers are written far more coarsely than others (`MIXED_DIGITS`): then a gradient a
    coarse number's rounding leaves is at rounding level, however finely the rest is written, and each
    number is judged within its own digits (`digits_reach`).

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> mixed_digits(Point.unflatten(net, [Fraction("0.1234"), Fraction("0.123456789012345678901234")]))
        True
        >>> mixed_digits(Point.unflatten(net, [Fraction("0.1234"), Fraction("12.34")]))
        False
    """
    return _mixed(point, rounding_scale(point.flatten()))


FLOAT_LENGTH = 13
"""A number of 13 to 17 significant digits beside a float's print is one too, not a coarser writer's
choice: a float's shortest print drops trailing zeros (about one print in a hundred has 14 digits)."""


def _significant(q: Fraction) -> int:
    """How many significant digits ``q`` is written to (0 for a number written exactly)."""
    ratio = rounding_scale([q]) / abs(q) if q else Fraction(0)
    return round(-math.log10(ratio)) if ratio else 0


def float_printed(point: Point) -> list[bool]:
    """Per coordinate, whether the number is a float's print: 15 to 17 significant digits, or
    `FLOAT_LENGTH` to 14 beside such a print (a float's shortest print drops trailing zeros).

    Example:
        >>> from badminima.model import Network
        >>> net = Network((2, 1), "identity")
        >>> float_printed(Point.unflatten(net, ["-9.7997600214452", "4.736137232590027", "0.1234"]))
        [True, True, False]
    """
    return _printed([_significant(q) for q in point.flatten()])


def _printed(digits: list[int]) -> list[bool]:
    """`float_printed` from each number's significant digits."""
    prints = any(FLOAT_PRINT_DIGITS[0] <= d <= FLOAT_DIGITS for d in digits)
    low = FLOAT_LENGTH if prints else FLOAT_PRINT_DIGITS[0]
    return [low <= d <= FLOAT_DIGITS for d in digits]


def _mixed(point: Point, fine: Fraction) -> bool:
    """`mixed_digits` given the point's (finest) ``rounding_scale``; a float's print that came out
    short (13 or 14 digits, `float_printed`) is not coarser than the other prints."""
    digits = [_significant(q) for q in point.flatten()]
    printed = _printed(digits)
    coarse = [
        q
        for q, d, p in zip(point.flatten(), digits, printed, strict=True)
        if last_place(q) and not (p and d < FLOAT_PRINT_DIGITS[0])
    ]
    return (
        fine > 0 and 5 * max((rounding_scale([q]) for q in coarse), default=Fraction(0)) > MIXED_DIGITS * fine
    )


def at_rounding_level(
    point: Point, g_mid: np.ndarray, eig: np.ndarray, newton: float, top: float, rho: Fraction | None = None
) -> Fraction | None:
    """The rounding scale ρ of the given numbers when the gradient and the Newton step are both at the
    level that rounding a critical point to ρ would leave (‖g‖ ≤ c·ρ·‖H‖, and the step ≤ c·ρ unless the
    Hessian is nearly singular, c = 10√P), else None: then a non-zero gradient is about the point the user
    meant, not about its digits. ``eig`` are the float Hessian's eigenvalues, which every caller has;
    ``rho`` replaces the point's own rounding scale (a point snapped from given digits)."""
    rho = judged_rounding(point, rho)
    if rho == 0 or not len(g_mid):
        return None
    c = 10 * math.sqrt(len(g_mid))
    # A nearly singular Hessian (a plant with eigenvalue 8e-12, say) makes the Newton step long however
    # small the rounding: then the gradient alone decides. Either way the answer weakens to inconclusive.
    singular = bool(len(eig)) and float(np.min(np.abs(eig))) <= RESOLVED * top
    if float(np.linalg.norm(g_mid)) <= c * float(rho) * top and (newton <= c * float(rho) or singular):
        return rho
    return None


def slope_at_rounding_level(slope: float, rho: Fraction, top: float, n_params: int) -> bool:
    """True when a one-sided slope along a unit-∞-norm direction is small enough that moving the point by
    its rounding scale ρ could have made it: a piece's derivative moves by at most about ρ·‖H‖·√P per
    coordinate moved, so the level is c·ρ·‖H‖·√P (c = 10√P, ``top`` = max(1, ‖H‖)). A larger negative
    slope is about the point meant, not its digits.

    Example:
        >>> slope_at_rounding_level(-1.4, Fraction(1, 2000), 2.0, 16), slope_at_rounding_level(
        ...     -1e-6, Fraction(1, 2000), 2.0, 16)
        (False, True)
    """
    c = 10 * math.sqrt(n_params)
    return abs(slope) <= c * float(rho) * top * math.sqrt(n_params)


FLOAT_DIGITS = 17
"""Significant digits that a float64 can need in decimal (JSON writers print floats with at most this)."""

WRITERS_NOISE = 1000
"""How many units of its last written digit a long decimal may be off by and still round a critical point:
a writer polishing at 30 digits may get the last two or three wrong."""


WINDOW_SLACK = 2.0
"""How many windows out a float Newton step may land and still leave a critical point plausibly inside
(the least-change step is the window's 2-norm one, whose ∞-norm may exceed the nearest point's)."""


def newton_windows(H: np.ndarray, g: np.ndarray, radii: list[Fraction]) -> float:
    """How many windows the least-change Newton step s = D u, (D H D) u = −D g (least squares, D the
    window radii) moves the farthest number: max_k |s_k| / radii_k, numbers of radius 0 held; the least
    over relative cut-offs 1e-13, 1e-9, 1e-6 and 1e-4 of D H D's spectrum, and one inside its widest gap
    (`spectral_gap_cut`): near a critical manifold the Hessian's residual terms leave small eigenvalues
    along it, whose step runs far along the manifold. A float estimate: it only ever keeps a verdict
    back or lets a proof be tried, never makes one.

    Example:
        >>> H, g = np.eye(2), np.array([1e-6, 0.0])
        >>> round(newton_windows(H, g, [Fraction(1, 10**5), Fraction(1, 10**5)]), 9)
        0.1
    """
    d = np.array([float(r) for r in radii])
    if not len(d) or not np.any(d):
        return math.inf
    scaled = d[:, None] * H * d[None, :]
    cuts = [1e-13, 1e-9, 1e-6, 1e-4, *spectral_gap_cut(scaled)]
    steps = (np.linalg.lstsq(scaled, -d * g, rcond=cut)[0] for cut in cuts)
    return min(float(np.max(np.abs(u))) for u in steps)


GAP = 100.0
"""Consecutive eigenvalues this far apart split a spectrum into a critical manifold's normal directions
and the small ones its off-manifold residuals leave along it (`spectral_gap_cut`)."""


def spectral_gap_cut(H: np.ndarray, most: float = 1e-2) -> list[float]:
    """A relative cut-off inside the widest gap (at least `GAP`) of |eig H| whose lower side is below
    ``most`` of the top, as a one-element list, else none. At a point ε off a critical manifold of
    dimension m, the Hessian has P − m eigenvalues of the landscape's own size and m of size O(ε) along
    the manifold: the cut keeps the first, so the step goes to the manifold, not along it.

    Example:
        >>> [round(c, 9) for c in spectral_gap_cut(np.diag([1.0, 1e-1, 1e-5]))]
        [0.001]
        >>> spectral_gap_cut(np.diag([1.0, 1e-1, 1e-2]))
        []
    """
    mags = np.sort(np.abs(np.linalg.eigvalsh(H)))[::-1] if len(H) else np.zeros(0)
    if not len(mags) or mags[0] <= 0:
        return []
    best, cut = GAP, None
    for big, small in itertools.pairwise(float(m) for m in mags):
        ratio = big / small if small > 0 else math.inf
        if small <= most * mags[0] and ratio >= best:
            best, cut = ratio, (math.sqrt(big * small) if small > 0 else big / GAP) / float(mags[0])
    return [] if cut is None else [cut]


def written_reach(point: Point) -> Fraction:
    """How far a critical point that ``point``'s digits round can lie (∞-norm) when some coordinate is a
    decimal *written* to more significant digits than a float64 holds: `WRITERS_NOISE` units of the
    coarsest last written digit (`last_place`), the unit `digits_reach` gives such a number beside
    shorter ones; where the lengths are mixed (`mixed_digits`: 18 digits beside 30) the windows are
    `digits_reach`'s, each number's own. Else 0: floats, decimals of float length and exact products such as
    ``float·9/10`` carry digits fixed by a format or by arithmetic, not by the accuracy of whatever
    produced them.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> float(written_reach(Point.unflatten(net, [Fraction("0.1234567890123456789"), Fraction(1)])))
        1e-16
        >>> written_reach(Point.unflatten(net, [Fraction(0.1), Fraction("0.12345678901234567")]))
        Fraction(0, 1)
        >>> written_reach(Point.unflatten(net, [Fraction(0.1) * Fraction(9, 10), Fraction(1)]))
        Fraction(0, 1)
    """
    if any(_written_beyond_float(q) for q in point.flatten()):
        return WRITERS_NOISE * max(last_place(q) for q in point.flatten())
    return Fraction(0)


def _beyond_windows(point: Point, beyond: Fraction) -> list[Fraction]:
    """Per coordinate, `written_reach`'s window ``beyond`` for a rounded number and 0 for one written
    exactly (an integer, a short decimal, a fraction with no terminating expansion: `last_place` 0), which
    does not move beside decimals written beyond a float's any more than elsewhere; float noise
    (`rounding_box`) reaches as far past 0 as it lies from it."""
    return [
        beyond if last_place(q) else 2 * noise
        for q, noise in zip(point.flatten(), rounding_box(point), strict=True)
    ]


def _written_beyond_float(q: Fraction) -> bool:
    """A decimal n/10^p (p places) has 2s and 5s in nearly equal numbers in its reduced denominator; an
    exact product of a float and a short decimal has far more 2s. Written, and longer than a float's
    `FLOAT_DIGITS` significant digits."""
    twos, fives, den = 0, 0, q.denominator
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    written = den == 1 and fives > 0 and twos <= fives + 8
    return written and 0 < rounding_scale([q]) < abs(q) / 10**FLOAT_DIGITS


def coarsest_rounding(point: Point) -> Fraction:
    """How far the critical point a writer meant can sit from ``point``, per coordinate: five times the
    largest rounding scale of any one coordinate (|q|·10^-d is a unit of q's last written digit
    or a tenth of one; half a unit is at most 5 of them; 0 when every number is short, i.e. exact).
    `rounding_scale` uses the most precisely written coordinate instead, which bounds the digits' effect
    on the gradient, not the distance to the meant point. (This was once scaled by max(1, max|x|) as
    well, so a coordinate of 1e8 written to 0.1 let every coordinate move by 5e7.)

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> float(coarsest_rounding(Point.unflatten(net, [Fraction("0.123456789"), Fraction("0.12345")])))
        6.1725e-06
    """
    x = point.flatten()
    # A coordinate q with d significant digits has relative precision 10^-d, but its last digit is worth
    # up to 10·|q|·10^-d (q in [1, 10) has d − 1 decimals): half of it is 5·|q|·10^-d.
    return 5 * max((rounding_scale([q]) for q in x), default=Fraction(0))


def coordinate_reach(point: Point, units: int) -> list[Fraction]:
    """Per coordinate, how far the number its digits round may sit: ``units`` times its own rounding
    radius (half a unit of its last written place, a float's ulp for a float's print; `rounding_radius`),
    0 for numbers written exactly, which do not move. A large number's last digit moves only it.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> coordinate_reach(Point.unflatten(net, [Fraction("0.1234"), Fraction(10**8)]), 10)
        [Fraction(1, 2000), Fraction(0, 1)]
    """
    return [units * rounding_radius(q) for q in point.flatten()]


def within_reach(point: Point, other: Point, units: int) -> bool:
    """Whether every coordinate of ``other`` lies within `coordinate_reach` of ``point``'s."""
    return all(
        abs(b - a) <= r
        for a, b, r in zip(point.flatten(), other.flatten(), coordinate_reach(point, units), strict=True)
    )


def digits_reach(point: Point, units: int, near: Fraction) -> list[Fraction]:
    """Per coordinate, how far the number a point written to mixed precision rounds may sit: ``units``
    rounding radii for a number shorter than a float's print (its writer chose its digits; trailing zeros
    count, `WrittenDecimal`),
    `WRITERS_NOISE` units of its last digit for one written beyond a float's, ``near``·(1 + |q|) (an
    optimiser's accuracy, relative to the number itself) for a float's print (`float_printed`), a float
    itself or an exact product of one (binary digits), 0 for a number written exactly; float noise
    (`rounding_box`: 4.3e-62 beside thirty digits) reaches as far past 0 as it lies from it (its sign is
    noise too), so a critical point at 0 is inside its window, not on its edge.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> x = Point.unflatten(net, [Fraction("0.1234"), Fraction("0.123456789012345678901234")])
        >>> [float(r) for r in digits_reach(x, 10, Fraction(1, 1000))]
        [0.0005, 1e-21]
        >>> noisy = Point.unflatten(net, ["0.123456789012345678901234", "4.31234567890e-62"])
        >>> float(digits_reach(noisy, 10, Fraction(1, 1000))[1])  # float noise: its window holds 0
        8.6246913578e-62
    """
    out = []
    box = rounding_box(point)  # float noise (4.3e-62 beside 30 digits) reaches 0 there
    for q, printed, reach in zip(point.flatten(), float_printed(point), box, strict=True):
        noise = 2 * reach  # past 0 for float noise; other numbers' own terms below exceed it
        place = last_place(q)
        if not place:
            out.append(Fraction(0))
        elif _written_beyond_float(q):
            out.append(max(WRITERS_NOISE * place, noise))
        elif printed or _significant(q) > FLOAT_DIGITS:  # a float's print, a float, a product of one
            out.append(max(near * (1 + abs(q)), noise))
        else:
            out.append(max(units * rounding_radius(q), noise))
    return out


def digits_may_round(point: Point, star: Point) -> bool:
    """Whether the digits of ``point`` may round ``star``: every number within its `window_radii`.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> p = Point.unflatten(net, ["0.3333", "1"])
        >>> third, tenths = Point.unflatten(net, [Fraction(1, 3), 1]), Point.unflatten(net, ["0.3", 1])
        >>> digits_may_round(p, third), digits_may_round(p, tenths)
        (True, False)
    """
    radii = window_radii(point)
    return all(abs(b - a) <= r for a, b, r in zip(point.flatten(), star.flatten(), radii, strict=True))


def window_radii(point: Point) -> list[Fraction]:
    """Per coordinate, how far the critical point the digits of ``point`` round may sit — the README's
    windows: where every number is written shorter than a float's print, 100⌈√P⌉ rounding radii of each
    (0 for numbers written exactly, which do not move; float noise printed to those digits, `rounding_box`,
    reaches 0); for mixed precision each number's `digits_reach`;
    `written_reach` for all where some are decimals written beyond a float's; else (a float's print)
    1e-3·(1 + |q|) for each number q, an optimiser's accuracy (a short number beside such digits may be a
    float that came out short; one written exactly on purpose is `pinned_numbers`' to hold:
    `held_windows`).

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> [float(r) for r in window_radii(Point.unflatten(net, ["0.3333", "1"]))]
        [0.01, 0.0]
        >>> [float(r) for r in window_radii(Point.unflatten(net, ["0.33333333333333331", "1"]))]
        [0.0013333333333333333, 0.002]
    """
    units = 100 * math.ceil(math.sqrt(len(point.flatten())))
    if written_short(point):  # digits its writer chose: each number moves within its own last digit,
        return [units * r for r in rounding_box(point)]  # float noise printed to them reaches 0
    if mixed_digits(point):
        return digits_reach(point, units, Fraction(DEFAULTS.near_critical))
    beyond = written_reach(point)
    if beyond:  # decimals written beyond a float's: WRITERS_NOISE units of the coarsest last digit
        return _beyond_windows(point, beyond)
    # a float's print: an optimiser's accuracy relative to each number (a large one widens nobody else's),
    # a short number beside such digits included (a float may come out short)
    near = Fraction(DEFAULTS.near_critical)
    return [max(near * (1 + abs(q)), WRITERS_NOISE * coarsest_rounding(point)) for q in point.flatten()]


def held_windows(point: Point) -> list[Fraction]:
    """`window_radii` with every number written exactly on purpose (`pinned_numbers`: 1/7 beside a
    float's print) held at 0: how far each number of the critical point the digits round may sit.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> [float(r) for r in held_windows(Point.unflatten(net, ["1/7", "0.14285714285714285"]))]
        [0.0, 0.001142857142857143]
    """
    return hold_pinned(point, window_radii(point))


def resolvable_window(point: Point) -> list[Fraction] | None:
    """`window_radii` where a proof's float-polished centre can resolve it — digits shorter than a
    float's print, a float's print, and mixed or longer digits whose finest window side is at least
    `FLOAT_RESOLVES` of the scale (12 digits beside 4) — its `held_windows`, else None: a window of a
    few units of a 30th digit lies below a float centre's own accuracy (a proof that encloses its
    critical point at high precision keeps to `held_windows` still).

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> [float(r) for r in resolvable_window(Point.unflatten(net, ["0.3333", "1"]))]
        [0.01, 0.0]
        >>> resolvable_window(Point.unflatten(net, ["0.3333", "0.123456789012345678901234"])) is None
        True
    """
    window = held_windows(point)
    if mixed_digits(point) or written_reach(point):
        finest = min((r for r in window if r), default=Fraction(0))
        if finest < FLOAT_RESOLVES * (1 + max(abs(q) for q in point.flatten())):
            return None
    return window


FLOAT_RESOLVES = Fraction(1, 10**11)
"""The finest window (relative to the point's scale) a proof's float-polished centre resolves: its
box is about 1e-13 of that scale."""


def newton_radii(point: Point) -> list[Fraction]:
    """The radii a float Newton step is measured in (`newton_windows`): the `resolvable_window`, else
    each number's own window floored at `FLOAT_RESOLVES` of the scale — four digits beside thirty: the
    short numbers' windows decide, the long one's is below what a float step resolves.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> [float(r) for r in newton_radii(Point.unflatten(net, ["0.3333", "0.123456789012345678901234"]))]
        [0.01, 1.3333e-11]
    """
    window = resolvable_window(point)
    if window is not None:
        return window
    floor = FLOAT_RESOLVES * (1 + max(abs(q) for q in point.flatten()))
    return [max(r, floor) if r else r for r in held_windows(point)]


def written_short(point: Point) -> bool:
    """Whether the point's rounded numbers all carry fewer significant digits than a float's print
    (`FLOAT_PRINT_DIGITS`): digits its writer chose, so the point it rounds lies within a few units of
    each number's own last digit. A float's print (15 to 17 digits) says nothing of the accuracy of the
    optimiser behind it.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> written_short(Point.unflatten(net, [Fraction("0.1234"), Fraction(10**8)]))
        True
        >>> written_short(Point.unflatten(net, [Fraction("0.1234"), Fraction("0.33333333333333331")]))
        False
    """
    scale = rounding_scale(point.flatten())
    largest = max((abs(q) for q in point.flatten() if last_place(q)), default=Fraction(0))
    return scale > 0 and scale / largest > Fraction(1, 10 ** FLOAT_PRINT_DIGITS[0])


def digits_window(point: Point, near: Fraction) -> tuple[list[Fraction], str]:
    """Per coordinate, how far the critical point a rounded point's digits round may sit (the README's
    windows), and that window in words: for mixed precision `digits_reach`; for decimals written beyond
    a float's `written_reach`; for digits all shorter than a float's print 100⌈√P⌉ rounding radii of each
    number; numbers written exactly never move. All 0 for a float's print, whose accuracy its length does
    not tell (the Newton-step test decides there).

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> radii, _ = digits_window(Point.unflatten(net, [Fraction("0.1234"), Fraction(1, 3)]), Fraction(0))
        >>> [float(r) for r in radii]
        [0.01, 0.0]
    """
    n = len(point.flatten())
    units = 100 * math.ceil(math.sqrt(n))
    beyond = written_reach(point)
    if mixed_digits(point):
        return digits_reach(point, units, near), (
            "the numbers are written to mixed precision: a critical point they round lies within "
            "100⌈√P⌉ rounding radii of each number shorter than a float's print, "
            f"{WRITERS_NOISE} units of the last digit of each longer one, and {float(near):.2g}·(1 + |q|) "
            "of each float's print q (numbers written exactly do not move)"
        )
    if beyond:
        return _beyond_windows(point, beyond), (
            f"the numbers are decimals written beyond float precision: a critical point they round lies "
            f"within {float(beyond):.2g} (∞-norm; {WRITERS_NOISE} units of the coarsest last digit; numbers "
            f"written exactly do not move)"
        )
    if written_short(point):
        return window_radii(point), (
            "a critical point the digits round lies within 100⌈√P⌉ rounding radii of each number "
            "(numbers written exactly do not move)"
        )
    return [Fraction(0)] * n, "a float's print: the Newton step decides"


def rounding_box(point: Point) -> list[Fraction]:
    """Per coordinate, how far the number a writer rounded can sit from it (`rounding_radius`: half a unit
    of its last written place, a float's ulp for a float's print), 0 for numbers taken as exact; a
    non-zero number at the level of the others' rounding (float noise such as 1e-17 beside
    seventeen-digit numbers, however it is written: a float prints 1e-17 as "1e-17") reaches 0.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1, 1), "relu")
        >>> box = rounding_box(Point.unflatten(net, ["-1.4142135623730950", "1e-17", 1, "0.5"]))
        >>> [float(r) for r in box]
        [2.220446049250313e-16, 1e-17, 0.0, 0.0]
    """
    flat = point.flatten()
    tol = 4 * relative_rounding(flat)
    noise = tol <= NOISE_LEVEL
    return [
        max(rounding_radius(q), abs(q))
        if noise and q and abs(q) <= tol * max(Fraction(1), abs(q))
        else rounding_radius(q)
        for q in flat
    ]


def pinned_numbers(point: Point) -> frozenset[int]:
    """The coordinates no rounding reaches: fractions with no terminating expansion (`non_terminating`)
    that `rounding_box` does not take for noise. A critical point the digits may round keeps them.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1, 1), "relu")
        >>> sorted(pinned_numbers(Point.unflatten(net, ["1/7", "0.1428571", 1, "1/2"])))
        [0]
    """
    return frozenset(
        k
        for k, (q, r) in enumerate(zip(point.flatten(), rounding_box(point), strict=True))
        if r == 0 and non_terminating(q)
    )


def hold_pinned(point: Point, radii: list[Fraction]) -> list[Fraction]:
    """``radii`` with every number no rounding reaches (`pinned_numbers`) held at radius 0.

    Example:
        >>> from badminima.model import Network
        >>> net = Network((1, 1), "identity")
        >>> hold_pinned(Point.unflatten(net, ["1/7", "0.1428"]), [Fraction(1, 10)] * 2)
        [Fraction(0, 1), Fraction(1, 10)]
    """
    pinned = pinned_numbers(point)
    return [Fraction(0) if k in pinned else r for k, r in enumerate(radii)]
