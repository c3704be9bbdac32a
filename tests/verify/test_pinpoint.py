"""A box proof's critical point enclosed at high precision (`verify.pinpoint`), and the window check that
uses it for digits mixed or written beyond a float's (`certify`); truths by exact least squares, by hand,
and by a 100-digit Newton iteration of logistic regression in mpmath."""

from __future__ import annotations

from fractions import Fraction, Fraction as F

import mpmath
import pytest
from hypothesis import assume, example, given, settings, strategies as st

from badminima.arithmetic.least_squares import pivots
from badminima.model import Dataset, Network, Point, Trap
from badminima.model.rational import written_decimal
from badminima.verify import Verdict, certify
from badminima.verify.pinpoint import (
    at_most_one_critical_point,
    bits_for,
    held_critical_point,
    pinpoint,
    strictly_convex,
)
from tests.verify.saved import saved_trap

LINE = Network((1, 1), "identity")


def _least_squares(xs: list[Fraction], ys: list[Fraction]) -> tuple[Fraction, Fraction]:
    """The exact minimiser (a, b) of Σ (a x + b − y)² by the normal equations."""
    n, sx, sy = len(xs), sum(xs), sum(ys)
    sxx, sxy = sum(x * x for x in xs), sum(x * y for x, y in zip(xs, ys, strict=True))
    det = n * sxx - sx * sx
    return (n * sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det


small = st.fractions(min_value=-3, max_value=3, max_denominator=7)


@given(
    xs=st.lists(small, min_size=3, max_size=6, unique=True),
    ys=st.lists(small, min_size=6, max_size=6),
    nudge=st.integers(-1000, 1000),
    reach=st.sampled_from([Fraction(1, 10**3), Fraction(1, 10**12)]),
)
@settings(max_examples=15, deadline=None)
def test_the_enclosure_holds_the_exact_least_squares_line(xs, ys, nudge, reach):
    """Inside the proof's box, the enclosure holds the exact minimiser and is as narrow as asked; where
    the box misses it (a nudge of 1e-9 beside a reach of 1e-12), nothing is enclosed."""
    ys = ys[: len(xs)]
    a, b = _least_squares(xs, ys)
    data = Dataset.of([[x] for x in xs], [[y] for y in ys])
    center = Point.unflatten(LINE, [a + Fraction(nudge, 10**12), b - Fraction(nudge, 10**12)])
    width = Fraction(1, 10**45)
    found = pinpoint(LINE, data, center, reach, width)
    if abs(nudge) * Fraction(1, 10**12) >= reach:
        assert found is None
        return
    assert found is not None
    assert all(lo <= q <= hi for lo, q, hi in zip(found.lower, (a, b), found.upper, strict=True))
    assert found.width <= width


def test_the_enclosure_holds_an_odd_nets_saddle_at_the_origin():
    """v·tanh(w x) is critical at w = v = 0 (by hand: every term carries tanh(0) = 0 or v = 0), a saddle
    (H = [[0, s], [s, 0]], s = −(2/N) Σ x y ≠ 0): a non-convex zero is enclosed too."""
    net = Network((1, 1, 1), "tanh", bias=False)
    data = Dataset.of([[1], [2], [-1]], [[1], [1], [0]])
    center = Point.unflatten(net, [Fraction(1, 10**9), Fraction(-2, 10**9)])
    found = pinpoint(net, data, center, Fraction(1, 10**3), Fraction(1, 10**60))
    assert found is not None
    assert all(lo <= 0 <= hi for lo, hi in zip(found.lower, found.upper, strict=True))


def test_the_precision_grows_with_the_window():
    assert bits_for(Fraction(1), Fraction(1, 10**12)) < bits_for(Fraction(1), Fraction(1, 10**40))
    assert bits_for(Fraction(1), Fraction(0)) is None


# Logistic regression on soft labels: strictly convex, one minimiser, found at 100 digits.
LOGREG = Network((2, 1), "identity", output="sigmoid", loss="bce")
X = [[0, 0], [1, "1.1"], [2, "1.9"], [3, "3.2"], [-1, "-0.8"], ["0.5", "0.4"], ["1.5", "1.7"], ["2.5", "2.4"]]
Y = [["0.1"], ["0.2"], ["0.7"], ["0.9"], ["0.05"], ["0.3"], ["0.6"], ["0.8"]]


def _logreg_minimiser() -> list[mpmath.mpf]:
    """Newton's method on the mean cross-entropy at 100 digits (independent of the package)."""
    with mpmath.workdps(100):
        rows = [[mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator for v in r] + [1] for r in X]
        t = mpmath.matrix([0, 0, 0])
        for _ in range(60):
            g, H = mpmath.matrix(3, 1), mpmath.matrix(3, 3)
            for r, (label,) in zip(rows, Y, strict=True):
                y = mpmath.mpf(Fraction(label).numerator) / Fraction(label).denominator
                s = 1 / (1 + mpmath.exp(-sum(r[i] * t[i] for i in range(3))))
                for i in range(3):
                    g[i] += (s - y) * r[i]
                    for j in range(3):
                        H[i, j] += s * (1 - s) * r[i] * r[j]
            t = t - mpmath.lu_solve(H, g)
        return [t[i] for i in range(3)]


def _printed(v: mpmath.mpf, digits: int = 17, off: mpmath.mpf | float = 0) -> str:
    """``v + off`` to ``digits`` significant digits (trailing zeros kept: they are digits; 17: a float's
    print)."""
    with mpmath.workdps(100):
        return mpmath.nstr(v + off, digits, strip_zeros=False)


def _written(v: mpmath.mpf, digits: int, off: int = 0) -> str:
    """``v`` to ``digits`` significant digits, moved ``off`` units of the last one."""
    with mpmath.workdps(100):
        return _printed(
            v, digits, off * mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(v)))) - digits + 1)
        )


def _logreg_trap(digits: tuple[int, int, int], off: int) -> Trap:
    w1, w2, b = _logreg_minimiser()
    numbers = [_written(w1, digits[0]), _written(w2, digits[1], off), _written(b, digits[2])]
    return Trap(LOGREG, Dataset.of(X, Y), Point.unflatten(LOGREG, numbers))


def test_thirty_digits_beside_four_round_the_minimum_within_their_window():
    """w2 to 30 digits 500 units off the 100-digit minimiser (its window: 1000 units), the rest to 4."""
    out = certify(_logreg_trap((4, 30, 4), 500), probes=0)
    assert out.verdict.value == "local-min"


def test_thirty_digits_beside_four_do_not_round_a_minimum_beyond_their_window():
    """3000 units off: the box proof's minimiser (6.7e-13 wide) is no longer the one the digits round,
    and logistic regression on inputs of full rank is strictly convex: it is the only critical point."""
    out = certify(_logreg_trap((4, 30, 4), 3000), probes=0)
    assert (out.verdict, out.code, out.method) == (
        Verdict.NOT_CRITICAL,
        "gradient-nonzero",
        "strict-convexity",
    )


def test_thirty_digits_everywhere_round_no_critical_point_just_beyond_their_window():
    """All to 30 digits, w2 1.1e-26 off: the window (1000 units of the coarsest last digit, 1e-29: 1e-26)
    lies inside the proof's box, whose one minimiser is outside it."""
    out = certify(_logreg_trap((30, 30, 30), 11000), probes=0)
    assert (out.verdict.value, out.code) == ("not-critical", "gradient-nonzero")
    inside = certify(_logreg_trap((30, 30, 30), 9000), probes=0)
    assert inside.verdict.value == "local-min"


@pytest.mark.parametrize(
    ("digits", "windows", "verdict"),
    [
        (30, 3, "not-critical"),
        (30, F(3, 10), "local-min"),
        pytest.param(40, 3, "not-critical", marks=pytest.mark.slow),
    ],
)
def test_a_best_affine_fit_in_long_digits_is_held_to_their_window(digits, windows, verdict):
    """Least squares for a line (red team s36 F1): the one critical point is the exact solution of the
    normal equations (Cramer's rule here, w* = 17/105, b* = 193/420); every number written to ``digits``
    digits, b moved ``windows`` windows (1000 units of the coarsest last digit). The best-affine-fit
    proof found x* only to 3e-13 and was kept whatever the window (a `local-min` 3 windows off)."""
    xs = [F(v) for v in ("-2", "-1.5", "-1", "0", "0.5", "1", "2", "3")]
    ys = [F(v) for v in ("0.1", "0.2", "0.35", "0.4", "0.6", "0.65", "0.8", "0.9")]
    n, sx, sy = len(xs), sum(xs), sum(ys)
    sxx, sxy = sum(x * x for x in xs), sum(x * y for x, y in zip(xs, ys, strict=True))
    det = n * sxx - sx * sx
    w, b = (n * sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det
    assert (w, b) == (F(17, 105), F(193, 420))
    with mpmath.workdps(digits + 20):
        written = [F(mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, digits)) for q in (w, b)]
    window = 1000 * F(1, 10**digits)  # both lie in [0.1, 1): their last digit is 10^-digits
    written[1] += windows * window
    net = Network((1, 1), "identity")
    point = Point.unflatten(net, written)
    off = abs(written[1] - b)
    assert off > 2 * window if windows > 1 else off < window / 2
    out = certify(Trap(net, Dataset.of([[x] for x in xs], [[y] for y in ys]), point), probes=0)
    assert out.verdict.value == verdict, out.reason


def test_a_relu_best_affine_fit_three_windows_off_thirty_digit_outputs_is_not_claimed():
    """Red team s36b: a 1-2-1 ReLU net, hidden layer written exactly (both units active on every point),
    so it is critical iff v₁ + 2v₂ = A* and v₁ + v₂/2 + c = B*, the exact least-squares line (Cramer's
    rule here). v₁, v₂ on that set to 30 digits, c 6 windows (1000 units of the coarsest last digit) off:
    each critical point with these v₁, v₂ has c = B* − v₁ − v₂/2, and moving v₁, v₂ within their windows
    moves it by at most 1.5 windows, so none is in the window. The float-located fit was kept."""
    xs = [F(v) for v in ("0", "0.25", "0.5", "1", "1.5", "2")]
    ys = [F(v) for v in ("0.31", "0.52", "0.6", "1.05", "1.2", "1.71")]
    n, sx, sy = len(xs), sum(xs), sum(ys)
    sxx, sxy = sum(x * x for x in xs), sum(x * y for x, y in zip(xs, ys, strict=True))
    det = n * sxx - sx * sx
    a, b = (n * sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det
    assert (a, b) == (F(1587, 2375), F(8939, 28500))
    v2 = written_decimal("0." + "5" + "0" * 29)  # 1/2 to 30 digits: a rounding, not an exact 1/2
    v1 = a - 2 * v2  # −0.3317…: its last (30th) digit is 1e-30, like v₂'s and c's
    with mpmath.workdps(60):
        v1_30 = written_decimal(mpmath.nstr(mpmath.mpf(v1.numerator) / v1.denominator, 30))
    window = 1000 * F(1, 10**30)
    with mpmath.workdps(60):
        c_star = b - v1_30 - v2 / 2 + 6 * window
        c = written_decimal(mpmath.nstr(mpmath.mpf(c_star.numerator) / c_star.denominator, 30))
    assert abs(c - (b - v1_30 - v2 / 2)) > 5 * window
    net = Network((1, 2, 1), "relu")
    point = Point.of([([[1], [2]], [1, F(1, 2)]), ([[v1_30, v2]], [c])])
    out = certify(Trap(net, Dataset.of([[x] for x in xs], [[y] for y in ys]), point), probes=0)
    assert out.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), out.reason


def test_twelve_digits_beside_four_are_held_to_their_own_window():
    """w2 to 12 digits beside 4-digit numbers: a window of 100⌈√3⌉ half units of the 12th digit (by
    hand: 100 units), which a float centre resolves. 50 units off is the minimum; 150 units off is not
    the digits' (a regression of s28, which left every mixed point to the proofs' reach)."""
    assert certify(_logreg_trap((4, 12, 4), 50), probes=0).verdict.value == "local-min"
    assert certify(_logreg_trap((4, 12, 4), 150), probes=0).verdict is Verdict.NOT_CRITICAL


def test_a_float_print_that_came_out_with_fourteen_digits_is_a_float_print():
    """An optimiser's output 3e-10 off the 100-digit minimiser, printed as floats; b's shortest print
    happens to have 14 digits (a float's print drops trailing zeros: about one in a hundred). It is a
    float's print like the rest (window 1e-3·(1 + |θ|)), not a coarser writer's choice whose window
    (200 half units of its 14th digit: 1e-12) the minimiser would miss."""
    w1, w2, b = (float(v + mpmath.mpf(3) / 10**10) for v in _logreg_minimiser())
    short = float(format(b, ".14g"))
    assert len(repr(short).lstrip("-0.").replace(".", "")) == 14  # the float's own shortest print
    trap = Trap(LOGREG, Dataset.of(X, Y), Point.unflatten(LOGREG, [repr(w1), repr(w2), repr(short)]))
    assert certify(trap, probes=0).verdict.value == "local-min"


def _logreg_minimiser_of(rows: list[list[Fraction]], labels: list[Fraction]) -> list[mpmath.mpf]:
    """The minimiser of the mean cross-entropy of σ(w·x + b), by Newton at 100 digits."""
    with mpmath.workdps(100):
        feats = [[mpmath.mpf(q.numerator) / q.denominator for q in r] + [mpmath.mpf(1)] for r in rows]
        ys = [mpmath.mpf(q.numerator) / q.denominator for q in labels]
        n = len(feats[0])
        t = mpmath.matrix([0] * n)
        for _ in range(80):
            g, H = mpmath.matrix(n, 1), mpmath.matrix(n, n)
            for r, y in zip(feats, ys, strict=True):
                s = 1 / (1 + mpmath.exp(-sum(r[i] * t[i] for i in range(n))))
                for i in range(n):
                    g[i] += (s - y) * r[i]
                    for j in range(n):
                        H[i, j] += s * (1 - s) * r[i] * r[j]
            t = t - mpmath.lu_solve(H, g)
        return [t[i] for i in range(n)]


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True)
@example(  # s35: a nearby best fit accepted the float reach beside a 30-digit number 1.5 windows off
    rows=[tuple(map(Fraction, r)) for r in ((0, 0), (0, 3), (1, 0), (1, 0), (0, 0))],
    seed=32,
    which=0,
    units=1500,
    rest=4,
)
@given(
    rows=st.lists(st.tuples(small, small), min_size=5, max_size=7),
    seed=st.integers(0, 10**6),
    which=st.integers(0, 2),
    units=st.sampled_from([300, 600, 1500, 4000]),
    rest=st.sampled_from([4, 30]),
)
def test_long_digits_round_a_logistic_minimum_only_within_their_window(rows, seed, which, units, rest):
    """Soundness fuzz: logistic regression on soft labels (one minimiser, 100-digit Newton), one number
    written to 30 digits ``units`` units of its last digit off, the rest to ``rest`` digits. The window
    by hand: 1000 units of a 30-digit number's last digit beside 4-digit numbers (mixed precision);
    1000 units of the coarsest last digit when all are written to 30 digits. Outside it, never a
    minimum."""
    x0, (a1, a2), (b1, b2) = rows[0], rows[1], rows[2]
    assume((a1 - x0[0]) * (b2 - x0[1]) != (a2 - x0[1]) * (b1 - x0[0]))  # affinely independent inputs
    labels = [Fraction(1 + (seed >> k) % 9, 10) for k in range(len(rows))]
    data = Dataset.of([list(r) for r in rows], [[q] for q in labels])
    theta = _logreg_minimiser_of([list(r) for r in rows], labels)
    if max(abs(v) for v in theta) > 50:
        return  # separable data: no finite minimiser worth writing
    written = [
        _written(v, 30 if k == which else rest, units if k == which else 0) for k, v in enumerate(theta)
    ]
    with mpmath.workdps(100):
        last = mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(theta[which])))) - 29)
        coarsest = max(int(mpmath.floor(mpmath.log10(abs(v)))) for v in theta)
        window = 1000 * last if rest == 4 else 1000 * mpmath.mpf(10) ** (coarsest - 29)
        off = abs(
            mpmath.mpf(Fraction(written[which]).numerator) / Fraction(written[which]).denominator
            - theta[which]
        )
    net = Network((2, 1), "identity", output="sigmoid", loss="bce")
    cert = certify(Trap(net, data, Point.unflatten(net, written)), probes=0)
    if off > window * 1.2:  # the one minimiser outside the window: no critical point in it
        assert cert.verdict is Verdict.NOT_CRITICAL, (off / window, cert.reason)
    elif off < window * 0.8 and rest == 30:
        assert cert.verdict is not Verdict.NOT_CRITICAL, (off / window, cert.reason)


def test_float_prints_beside_one_long_number_keep_an_optimisers_window():
    """Red team s29 W2: w1 and b float prints, w2 to 30 digits: mixed precision, so each print keeps
    1e-3·(1 + |θ|) (b 1e-9 off the 100-digit minimiser is the minimum it rounds), not 1000 units of a
    17th digit."""
    w1, w2, b = _logreg_minimiser()
    point = Point.unflatten(LOGREG, [_printed(w1), _printed(w2, 30), _printed(b, 17, mpmath.mpf(10) ** -9)])
    assert certify(Trap(LOGREG, Dataset.of(X, Y), point), probes=0).verdict.value == "local-min"


def test_each_float_print_in_a_mixed_point_has_its_own_window():
    """Red team s29 W3: w2 to 12 digits beside float prints; w1 (1.59) printed 2.75e-3 off, 1.06 of its
    own window 1e-3·(1 + |w1|) and 0.94 of one scaled by the largest number (|b| = 1.94). Its window is
    its own: the minimiser is not the digits'."""
    w1, w2, b = _logreg_minimiser()
    point = Point.unflatten(LOGREG, [_printed(w1, 17, 0.00275), _printed(w2, 12), _printed(b)])
    assert not certify(Trap(LOGREG, Dataset.of(X, Y), point), probes=0).verdict.is_minimum


def test_a_thirteen_digit_float_print_in_a_mixed_point_is_a_float_print():
    """Red team s29 W1: w1 to 13 digits 1e-7 off, w2 to 12, b a float's print: w1 beside a float's print
    is one too (window 1e-3·(1 + |w1|)), and the minimiser lies in the window."""
    w1, w2, b = _logreg_minimiser()
    point = Point.unflatten(LOGREG, [_printed(w1, 13, mpmath.mpf(10) ** -7), _printed(w2, 12), _printed(b)])
    assert certify(Trap(LOGREG, Dataset.of(X, Y), point), probes=0).verdict.value == "local-min"


def test_the_readme_example_is_this_point():
    """`examples/windows/logreg-thirty-digits-off-the-minimum.json` is the 100-digit minimiser written
    to 30 digits, w2 11000 units off (rebuilt here, not read back from the verifier)."""
    from pathlib import Path

    from badminima.model import load_trap

    name = "examples/windows/logreg-thirty-digits-off-the-minimum.json"
    example = load_trap(Path(__file__).parents[2] / name)
    built = _logreg_trap((30, 30, 30), 11000)
    assert example.point.flatten() == built.point.flatten() and example.dataset == built.dataset
    assert [getattr(q, "place", None) for q in example.point.flatten()] == [
        getattr(q, "place", None) for q in built.point.flatten()
    ]


# ½(w v − a)² (one input x = 1, target a, no biases): critical at the origin and on the hyperbola w v = a.
PRODUCT = Network((1, 1, 1), "identity", bias=False)


@given(
    w=st.fractions(-2, 2, max_denominator=8),
    v=st.fractions(-2, 2, max_denominator=8),
    radius=st.sampled_from([Fraction(1, 100), Fraction(1, 10), Fraction(1, 2), Fraction(1)]),
    a=st.sampled_from([Fraction(1), Fraction(1, 10), Fraction(-1, 2)]),
)
@settings(max_examples=40, deadline=None)
def test_one_critical_point_in_a_cube_misses_the_hyperbola(w, v, radius, a):
    """A cube the test passes holds at most one critical point, so it cannot meet the hyperbola of
    minima w v = a (a curve of them): by hand, w v over the cube spans its corner products."""
    data = Dataset.of([[1]], [[a]])
    if not at_most_one_critical_point(PRODUCT, data, Point.unflatten(PRODUCT, [w, v]), radius):
        return
    corners = [(w + s * radius) * (v + t * radius) for s in (-1, 1) for t in (-1, 1)]
    assert not min(corners) <= a <= max(corners)


def test_one_critical_point_near_a_strict_minimum():
    """The cube test passes about a strict minimum (the least-squares line) and fails on a cube that
    holds the product's origin saddle and a stretch of its hyperbola."""
    data = Dataset.of([[0], [1], [2]], [[1], [3], [5]])
    assert at_most_one_critical_point(LINE, data, Point.unflatten(LINE, [2, 1]), Fraction(10))
    product = Dataset.of([[1]], [[Fraction(1, 100)]])
    assert not at_most_one_critical_point(PRODUCT, product, Point.unflatten(PRODUCT, [0, 0]), Fraction(1, 2))


def test_strict_convexity_needs_no_hidden_layer_a_convex_head_and_full_rank():
    """By hand: logistic regression and least squares on inputs spanning their affine hull are strictly
    convex; repeated inputs (x and the bias dependent), a hidden layer, or sigmoid with squares are not
    (or not known to be)."""
    spread = Dataset.of([[0, 1], [1, 0], [1, 1]], [[0], [1], [1]])
    assert strictly_convex(LOGREG, spread)
    assert strictly_convex(Network((2, 1), "identity"), spread)
    assert not strictly_convex(LOGREG, Dataset.of([[0, 1], [0, 1], [1, 2]], [[0], [1], [1]]))
    assert not strictly_convex(Network((2, 1), "identity", output="sigmoid", loss="mse"), spread)
    assert not strictly_convex(Network((2, 1, 1), "identity", output="sigmoid", loss="bce"), spread)


TANH = Network((1, 1, 1), "tanh")
TANH_X = [[-2], [-1], [0], [1], [2]]
TANH_Y = [["-0.9"], ["-0.7"], ["0.1"], ["0.75"], ["0.85"]]


def _tanh_critical_point(start: list[mpmath.mpf]) -> list[mpmath.mpf]:
    """A critical point of the mean squared error of v·tanh(w x + b) + c, by Newton's method at 60
    digits (mpmath's own derivatives) from ``start``."""
    xs = [mpmath.mpf(r[0]) for r in TANH_X]
    ys = [mpmath.mpf(r[0]) for r in TANH_Y]

    def loss(w, b, v, c):
        return sum((v * mpmath.tanh(w * x + b) + c - y) ** 2 for x, y in zip(xs, ys, strict=True)) / len(xs)

    with mpmath.workdps(60):
        t = [mpmath.mpf(q) for q in start]
        for _ in range(60):
            g = mpmath.matrix([mpmath.diff(loss, t, tuple(int(i == k) for i in range(4))) for k in range(4)])
            H = mpmath.matrix(
                [
                    [
                        mpmath.diff(loss, t, tuple(int(m == i) + int(m == j) for m in range(4)))
                        for j in range(4)
                    ]
                    for i in range(4)
                ]
            )
            t = list(mpmath.matrix(t) - mpmath.lu_solve(H, g))
        return t


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [(Fraction(1, 2), Verdict.LOCAL_MIN), pytest.param(2, Verdict.NOT_CRITICAL, marks=pytest.mark.slow)],
)
def test_a_tanh_minimum_beyond_eight_digits_window_is_the_cubes_only_critical_point(ratio, verdict):
    """Red team s27 F6 (tanh): the minimiser (60-digit Newton) written to 8 digits, the output bias moved
    ``ratio`` windows (its window by hand: 100⌈√4⌉ = 200 half units of its 8th digit). Outside it, the
    Krawczyk test on a cube holding the window and the minimiser leaves no other critical point there;
    Newton from the window's corners (independent) finds only the minimiser."""
    theta = _tanh_critical_point([1, 0, 1, 0])
    with mpmath.workdps(60):
        unit = mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(theta[3])))) - 7)
        window = 100 * unit
        written = [_written(q, 8) for q in theta[:3]] + [_printed(theta[3] + ratio * window, 8)]
    trap = Trap(TANH, Dataset.of(TANH_X, TANH_Y), Point.unflatten(TANH, written))
    cert = certify(trap, probes=0)
    assert cert.verdict is verdict, cert.reason
    if verdict is Verdict.NOT_CRITICAL:
        assert cert.method == "krawczyk-pinpoint", cert.reason
        for corner in ([1, 1, 1, 1], [-1, 1, -1, 1], [1, -1, -1, -1]):
            start = [
                mpmath.mpf(Fraction(q).numerator) / Fraction(q).denominator + s * window
                for q, s in zip(written, corner, strict=True)
            ]
            found = _tanh_critical_point(start)
            assert max(abs(a - b) for a, b in zip(found, theta, strict=True)) < mpmath.mpf(10) ** -40


@pytest.mark.parametrize("k", [Fraction(2, 10), Fraction(6, 10), Fraction(9, 10)])
def test_four_digit_numbers_most_of_their_window_off_beside_thirty_digits_round_the_minimum(k):
    """Red team s30 A: w1 and b written to 4 digits ``k`` of their own window off the 100-digit minimiser
    (by hand: 100⌈√3⌉ halves of the 4th digit, 100 units), w2 to 30 digits on it. The float Newton step
    (about 4e-3) is beyond 1e-3·(1 + max|θ|) but inside those windows: the minimum is the digits', not a
    `not-critical` answer (measured in each number's own window, the 30-digit one floored at what a float
    step resolves)."""
    w1, w2, b = _logreg_minimiser()
    with mpmath.workdps(100):
        unit = [mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(v)))) - 3) for v in (w1, b)]
        moved = [
            v + mpmath.mpf(k.numerator) / k.denominator * 100 * u for v, u in zip((w1, b), unit, strict=True)
        ]
    numbers = [_printed(moved[0], 4), _written(w2, 30), _printed(moved[1], 4)]
    out = certify(Trap(LOGREG, Dataset.of(X, Y), Point.unflatten(LOGREG, numbers)), probes=0)
    assert out.verdict is Verdict.LOCAL_MIN, out.reason


@pytest.mark.parametrize("name", ["s30-N-logreg-w1L30-w2d4-bnoise12", "s30-T-tanh-wd8-vL30-bcnoise12"])
def test_float_noise_beside_thirty_digits_is_a_rounded_zero_at_mixed_precision(name):
    """Red team s30 B (truth in each file): the minimiser's bias is exactly 0, printed as 4.3e-62 to 12
    digits beside 30-digit and short numbers. Float noise's window (`rounding_box`) reaches as far past
    0 as the noise lies from it, so the minimiser, enclosed within 1e-120, is inside it: `local-min`."""
    cert = certify(saved_trap(name), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason


HELD = (
    [[Fraction(1, 21), Fraction(1, 47)], [Fraction(-1, 33), Fraction(1, 27)]],
    [Fraction(1, 3), Fraction(2, 7)],
)
"""A hidden layer of fractions with no terminating expansion: written exactly, held by every window."""


def _held_layer_trap(
    activation: str, digits: int, offsets: tuple[float, ...], biases: list[Fraction] | None = None
) -> tuple[Trap, list[mpmath.mpf]]:
    """A 2-2-1 net (identity units, or ReLU units active on every input) with the `HELD` hidden layer and
    sigmoid output: with that layer held, the output layer's loss is logistic regression on the hidden
    features, whose one minimiser θ* (100-digit Newton) is written to ``digits``, each number moved
    ``offsets[k]`` windows (by hand: 1000 units of the coarsest last digit, the README's window for
    decimals written beyond a float's). ``biases`` replace the hidden layer's."""
    X = [[3, 1], [1, 2], [2, 2], [4, 3], [1, 1], [5, 2], [2, 4]]
    labels = [Fraction(t, 10) for t in (2, 7, 4, 3, 8, 1, 6)]
    W, b = HELD[0], biases or HELD[1]
    rows = [
        [sum((w * x for w, x in zip(row, point, strict=True)), bias) for row, bias in zip(W, b, strict=True)]
        for point in X
    ]
    theta = _logreg_minimiser_of(rows, labels)
    with mpmath.workdps(100):
        coarsest = max(int(mpmath.floor(mpmath.log10(abs(v)))) for v in theta)
        window = 1000 * mpmath.mpf(10) ** (coarsest + 1 - digits)
        written = [_printed(v + off * window, digits) for v, off in zip(theta, offsets, strict=True)]
    net = Network((2, 2, 1), activation, output="sigmoid", loss="bce")
    point = Point.unflatten(net, [*W[0], *W[1], *b, *written])  # strings: trailing zeros are digits
    return Trap(net, Dataset.of(X, [[q] for q in labels]), point), theta


def test_the_held_problems_one_critical_point_is_enclosed_with_the_held_numbers_exact():
    """`held_critical_point` on the output layer alone: its enclosure holds the 100-digit θ* and keeps
    every hidden number exactly."""
    trap, theta = _held_layer_trap("identity", 20, (1.3, 0, 0))
    radii = [Fraction(0)] * 6 + [Fraction(1, 10**16)] * 3
    found = held_critical_point(trap.network, trap.dataset, trap.point, radii, Fraction(1, 10**25))
    assert found is not None and found.width <= Fraction(1, 10**25)
    given = trap.point.flatten()
    assert found.lower[:6] == found.upper[:6] == tuple(given[:6])
    with mpmath.workdps(100):
        for k, t in enumerate(theta, start=6):
            lo, hi = (mpmath.mpf(q.numerator) / q.denominator for q in (found.lower[k], found.upper[k]))
            assert lo <= t <= hi


@pytest.mark.parametrize(
    ("activation", "digits", "offsets", "verdict"),
    [
        ("identity", 20, (1.3, 0, 0), Verdict.NOT_CRITICAL),
        ("identity", 25, (0, 0, 2), Verdict.NOT_CRITICAL),
        ("relu", 18, (-3, 3, 0), Verdict.NOT_CRITICAL),
        ("identity", 20, (0.5, -0.5, 0.5), Verdict.LOCAL_MIN),
    ],
)
def test_an_output_layer_beyond_its_window_behind_a_held_hidden_layer_rounds_no_critical_point(
    activation, digits, offsets, verdict
):
    """The orbit of θ* (GL(2) ⋉ R² of the identity layer, or ReLU rescalings) passes the point, so a
    slice proof finds a minimum within 1e-14; but the held hidden layer cuts that orbit at θ* alone, and
    θ* is ``offsets`` windows off: outside the window (more than one), the digits round no critical
    point (red team s30 F6b)."""
    trap, _ = _held_layer_trap(activation, digits, offsets)
    out = certify(trap, probes=0)
    assert out.verdict is verdict, out.reason
    if verdict is Verdict.NOT_CRITICAL:
        assert out.code == "gradient-nonzero"


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    weights=st.lists(
        st.tuples(st.integers(1, 9), st.sampled_from([3, 7, 11, 13, 21])), min_size=6, max_size=6
    ),
    seed=st.integers(0, 10**6),
    activation=st.sampled_from(["identity", "relu"]),
    digits=st.sampled_from([18, 20, 25]),
    offsets=st.tuples(*[st.sampled_from([-3, -1.3, -0.5, 0, 0.5, 0.9, 1.3, 2]) for _ in range(3)]),
)
def test_a_held_hidden_layer_cuts_the_orbit_of_minima_at_one_point(
    weights, seed, activation, digits, offsets
):
    """Soundness fuzz: a hidden layer of positive fractions with no terminating expansion (held; ReLU
    units active on the positive data), the output layer logistic regression's minimiser on its features
    (100-digit Newton) written to ``digits`` and moved ``offsets`` windows (by hand, 5000·max|θ|·10^-d).
    Beyond 1.2 windows in some number, never a minimum; within 0.9 in all, never `not-critical`."""
    W = [[Fraction(*weights[0]), Fraction(*weights[1])], [Fraction(*weights[2]), Fraction(*weights[3])]]
    b = [Fraction(*weights[4]), Fraction(*weights[5])]
    assume(all(q.denominator > 1 for q in (*W[0], *W[1], *b)))  # an integer is short, not held
    X = [[1 + (seed >> (2 * k)) % 4, 1 + (seed >> (2 * k + 12)) % 4] for k in range(6)]
    labels = [Fraction(1 + (seed >> (3 * k + 1)) % 9, 10) for k in range(6)]
    rows = [
        [sum((w * x for w, x in zip(row, p, strict=True)), c) for row, c in zip(W, b, strict=True)] for p in X
    ]
    columns = [[r[0] for r in rows], [r[1] for r in rows], [Fraction(1)] * 6]
    assume(len(pivots(columns)) == 3)  # features (h₁, h₂, 1) of full rank: one minimiser
    theta = _logreg_minimiser_of(rows, labels)
    assume(max(abs(v) for v in theta) < 200)
    with mpmath.workdps(100):
        coarsest = max(int(mpmath.floor(mpmath.log10(abs(v)))) for v in theta)
        window = 1000 * mpmath.mpf(10) ** (coarsest + 1 - digits)
        written = [_printed(v + off * window, digits) for v, off in zip(theta, offsets, strict=True)]
    assume(not any(w.endswith("0") for w in written))  # a trailing 0 would widen the window tenfold
    net = Network((2, 2, 1), activation, output="sigmoid", loss="bce")
    point = Point.unflatten(net, [*W[0], *W[1], *b, *written])
    cert = certify(Trap(net, Dataset.of(X, [[q] for q in labels]), point), probes=0)
    if max(abs(o) for o in offsets) > 1.2:
        assert cert.verdict not in (Verdict.LOCAL_MIN, Verdict.SADDLE), (offsets, cert.reason)
    elif max(abs(o) for o in offsets) < 0.95:
        assert cert.verdict is not Verdict.NOT_CRITICAL, (offsets, cert.reason)


def _least_squares_2x2() -> tuple[Dataset, list[Fraction]]:
    """Two-output linear regression on eight points and its one minimiser, solved exactly (normal
    equations in fractions): rows of W, then b."""
    X = [["1.5", "0.3"], ["-0.7", "1.1"], ["0.2", "-1.3"], ["2.1", "0.8"], ["-1.4", "-0.6"], ["0.9", "-0.4"]]
    Y = [["0.3", "1.2"], ["-0.4", "0.1"], ["0.9", "-0.5"], ["0.2", "0.7"], ["-0.6", "0.3"], ["0.5", "-1"]]
    rows = [[Fraction(a), Fraction(b), Fraction(1)] for a, b in X]
    gram = [[sum(r[i] * r[j] for r in rows) for j in range(3)] for i in range(3)]
    solution = []
    for k in range(2):
        rhs = [sum(r[i] * Fraction(y[k]) for r, y in zip(rows, Y, strict=True)) for i in range(3)]
        a = [[*row, v] for row, v in zip(gram, rhs, strict=True)]
        for c in range(3):  # Gauss–Jordan in fractions
            p = next(i for i in range(c, 3) if a[i][c])
            a[c], a[p] = a[p], a[c]
            a[c] = [v / a[c][c] for v in a[c]]
            for i in range(3):
                if i != c:
                    a[i] = [v - a[i][c] * w for v, w in zip(a[i], a[c], strict=True)]
        solution.append([a[i][3] for i in range(3)])
    (w1, w2, b1), (v1, v2, b2) = solution
    return Dataset.of(X, Y), [w1, w2, v1, v2, b1, b2]


@pytest.mark.parametrize(
    ("units", "verdict"),
    [(700, Verdict.LOCAL_MIN), (1100, Verdict.NOT_CRITICAL), (3000, Verdict.NOT_CRITICAL)],
)
def test_thirty_digits_beside_four_beyond_their_window_in_a_strictly_convex_loss(units, verdict):
    """Red team s30 C2: two-output linear regression, one weight written to 30 digits ``units`` units of
    its last digit off the exact least-squares minimiser, the rest to 4 (windows by hand: 1000 units of
    the 30-digit number's last digit; 100⌈√6⌉ half units of each 4-digit one). The loss is quadratic
    and strictly convex: its one critical point, enclosed, lies outside the window beyond 1000 units."""
    data, theta = _least_squares_2x2()
    net = Network((2, 2), "identity")
    with mpmath.workdps(60):
        exact = [mpmath.mpf(q.numerator) / q.denominator for q in theta]
        written = [_written(v, 30, units) if k == 0 else _written(v, 4) for k, v in enumerate(exact)]
    cert = certify(Trap(net, data, Point.unflatten(net, written)), probes=0)
    assert cert.verdict is verdict, cert.reason


@pytest.mark.parametrize("offsets", [(0, 0, 1.2), (0, 1.1, -1.1), (1.3, 0, 0)])
def test_integers_beside_decimals_written_beyond_a_float_do_not_move(offsets):
    """Red team s31 F2: ReLU units with exact fractional weights and integer biases 2 and 3, the output
    layer written to 20 digits 1.1-1.3 windows off logistic regression's minimiser on the features. An
    integer is written exactly and does not move, so the translations (b + δ, c − v·δ) that would carry
    the minimum into the window are not the digits': no critical point is in the window."""
    trap, _ = _held_layer_trap("relu", 20, offsets, [Fraction(2), Fraction(3)])
    out = certify(trap, probes=0)
    assert (out.verdict, out.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), out.reason


def _ill_conditioned_held_trap(digits: int, offsets: tuple[float, ...]) -> Trap:
    """A 2-2-1 net of identity units whose held hidden layer (fractions with no terminating expansion)
    makes nearly collinear features (the logistic Hessian's eigenvalues 1e-6, 0.02, 1.1 at θ*), sigmoid
    output; the output layer at the 100-digit minimiser θ*, each number moved ``offsets[k]`` of its
    window (by hand: 100⌈√P⌉ = 300 halves of its own last digit) and written to ``digits``."""
    X = [[3, 1], [1, 2], [2, 2], [4, 3], [1, 1], [5, 2], [2, 4]]
    labels = [Fraction(t, 10) for t in (2, 7, 4, 3, 8, 1, 6)]
    W = [
        [Fraction(1, 3), Fraction(2, 7)],
        [Fraction(1, 3) + Fraction(1, 300), Fraction(2, 7) - Fraction(1, 700)],
    ]
    b = [Fraction(1, 9), Fraction(1, 11)]
    rows = [
        [sum((w * x for w, x in zip(r, p, strict=True)), c) for r, c in zip(W, b, strict=True)] for p in X
    ]
    theta = _logreg_minimiser_of(rows, labels)
    with mpmath.workdps(100):
        written = [
            _printed(
                v + off * 150 * mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(v))) - digits + 1), digits
            )
            for v, off in zip(theta, offsets, strict=True)
        ]
    net = Network((2, 2, 1), "identity", output="sigmoid", loss="bce")
    return Trap(net, Dataset.of(X, [[q] for q in labels]), Point.unflatten(net, [*W[0], *W[1], *b, *written]))


@pytest.mark.parametrize("digits", [pytest.param(8, marks=pytest.mark.slow), 12])
@pytest.mark.parametrize(
    ("offsets", "verdict"), [((0, 0, 3), Verdict.NOT_CRITICAL), ((0.2, 0.2, 0), Verdict.LOCAL_MIN)]
)
def test_an_ill_conditioned_output_layer_behind_a_held_layer_is_decided_by_its_window(
    digits, offsets, verdict
):
    """The held problem is logistic regression with a curvature of 1e-6 beside features of size 1: an
    entrywise enclosure of the Hessian over the window loses it, the generalised linear model's bound
    (`output_curvature`) keeps it, so θ* is enclosed and the output bias three windows off rounds no
    critical point; 0.2 windows off, the minimum is the digits'."""
    out = certify(_ill_conditioned_held_trap(digits, offsets), probes=0)
    assert out.verdict is verdict, out.reason
