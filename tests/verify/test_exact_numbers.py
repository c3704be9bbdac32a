"""Numbers written exactly on purpose (fractions with no terminating expansion) are never moved by a verdict.

Truth, independent of the verifier: the 1-1-1 tanh minimum of `definite_case(1)` is isolated and
non-degenerate (its Hessian is positive definite at 60 digits, checked here by hand-written central
differences of tests.reference), so it is the only critical point near; a coordinate pinned to a value
60-digit arithmetic shows is not the minimiser's leaves no critical point that keeps it. The ReLU region
optimum is exact: v = (1/6, 1/7), c = 1/3 solve the region's least squares (tests.verify.test_regions's
normal equations, recomputed here in rationals).
"""

from __future__ import annotations

import functools
from fractions import Fraction as F

import mpmath
import pytest

from badminima.claims.unit_splitting.strategies import definite_case
from badminima.landscape.region_fit import snap_output
from badminima.model import Dataset, Network, Point, Trap
from badminima.model.rational import non_terminating
from badminima.verify import Verdict, certify
from badminima.verify.critical_free import no_critical_point_within
from badminima.verify.polish import polish
from tests.reference import reference_loss
from tests.verify.planted import rounded
from tests.verify.saved import saved_trap


@functools.cache
def _minimum():
    case = definite_case(1)
    pol = polish(case.network, case.dataset, case.start, precision=256, steps=30)
    return case, [rounded(v, 60) for v in pol.point.flatten()]


def _isolated(case, theta) -> bool:
    """The 60-digit Hessian (central differences of the reference loss) is positive definite."""
    with mpmath.workdps(60):
        x0 = [mpmath.mpf(v.numerator) / v.denominator for v in theta]

        def f(*x):
            return reference_loss(
                case.network, case.dataset, Point.unflatten(case.network, [F(str(v)) for v in x])
            )

        n, h = len(x0), mpmath.mpf(10) ** -20
        H = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                e = [
                    [x0[k] + (s if k == i else 0) + (t if k == j else 0) for k in range(n)]
                    for s, t in ((h, h), (h, -h), (-h, h), (-h, -h))
                ]
                H[i, j] = (f(*e[0]) - f(*e[1]) - f(*e[2]) + f(*e[3])) / (4 * h * h)
        return min(mpmath.eigsy(H, eigvals_only=True)) > 0


@pytest.mark.parametrize(("coordinate", "offset"), [(2, 10**-10), (0, 3 * 10**-7), (2, 4 * 10**-13)])
def test_a_fraction_pinned_off_an_isolated_minimum_is_not_critical(coordinate, offset):
    case, theta = _minimum()
    written = [rounded(v, 17) for v in theta]
    pinned = F(round((theta[coordinate] + F(offset)) * 3 * 10**13), 3 * 10**13)
    assert non_terminating(pinned) and abs(pinned - theta[coordinate]) > F(offset) / 2
    written[coordinate] = pinned
    trap = Trap(case.network, case.dataset, Point.unflatten(case.network, written))
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason
    # the control: the same coordinate written as a 17-digit rounding is the minimum it rounds
    written[coordinate] = rounded(theta[coordinate], 17)
    control = certify(Trap(case.network, case.dataset, Point.unflatten(case.network, written)), probes=0)
    assert control.verdict is Verdict.LOCAL_MIN, control.reason


def test_the_minimum_is_isolated():
    case, theta = _minimum()
    assert _isolated(case, theta)


def _region_case(w1: F) -> Trap:
    net = Network((1, 2, 1), "relu")
    data = Dataset.of([[-2], [-1], [0], [1], [2]], [[0], [2], [1], [4], [7]])
    c = F("0.33333333333333333")
    point = Point.of([([[3], [w1]], [7, F(-7, 2)]), ([[F(1, 6), F(1, 7)]], [c])])
    return Trap(net, data, point)


def _region_optimum() -> tuple[F, F, F]:
    """(v0, v1, c) of the region's least squares: features relu(3x + 7) = 3x + 7 on every point and
    relu(35x/2 − 7/2) = 14 on x = 1, 63/2 on x = 2, else 0; exact normal equations (Cramer's rule)."""
    X = [-2, -1, 0, 1, 2]
    y = [F(0), F(2), F(1), F(4), F(7)]
    cols = [[F(3 * x + 7) for x in X], [max(F(0), F(35, 2) * x - F(7, 2)) for x in X], [F(1)] * 5]
    A = [[sum(a * b for a, b in zip(p, q, strict=True)) for q in cols] for p in cols]
    r = [sum(a * t for a, t in zip(p, y, strict=True)) for p in cols]

    def det(M):
        return (
            M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1])
            - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0])
            + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0])
        )

    d = det(A)
    sol = [det([[r[i] if j == k else A[i][j] for j in range(3)] for i in range(3)]) / d for k in range(3)]
    return sol[0], sol[1], sol[2]


def test_an_exact_fraction_that_is_right_stays_a_minimum_and_one_that_is_off_is_not_claimed():
    """v = (1/6, 1/7) written exactly (1/7 has no terminating expansion) with c rounded: the region optimum
    the digits round keeps them, a minimum. With the exact first-layer weight 35/2 + 1/(3·10^14) instead,
    no critical point keeps it (the optimum needs w1/b1 = −5), so no minimum is claimed."""
    assert _region_optimum() == (F(1, 6), F(1, 7), F(1, 3))
    right = certify(_region_case(F(35, 2)), probes=0)
    assert right.verdict is Verdict.LOCAL_MIN, right.reason
    off = certify(_region_case(F(35, 2) + F(1, 3 * 10**14)), probes=0)
    assert (off.verdict, off.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), off.reason


@pytest.mark.parametrize(
    "name",
    [
        "s24-b15d-deadlayer-exactc-7e+15",
        "s24-b13-region-exactfrac-w1n3e14-d17",
        "s24-b17-dup122-saddle-exactc-3e+12-d17",
    ],
)
def test_red_team_points_with_a_pinned_fraction_off_the_critical_set_get_no_minimum_or_saddle(name):
    """Red team s24 (truths at 60 digits, in each file's description): a dead layer whose exact output
    bias misses logit(ȳ), a region optimum whose
    exact first-layer weight is off, a duplicated pair whose exact output bias is off the split line's."""
    cert = certify(saved_trap(name), probes=0)
    assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), cert.reason
    if name.startswith("s24-b15d"):  # decided over the wide box with the fraction held
        assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason


def _logistic_optimum() -> tuple[mpmath.mpf, mpmath.mpf]:
    """(s*, k*): logistic regression of y on x = −2..2, y = (0, 1, 0, 1, 1), by Newton at 60 digits."""
    X, y = [-2, -1, 0, 1, 2], [0, 1, 0, 1, 1]
    with mpmath.workdps(60):
        s, k = mpmath.mpf(0), mpmath.mpf(0)
        for _ in range(60):
            p = [1 / (1 + mpmath.exp(-(s * x + k))) for x in X]
            g = [
                sum((q - t) * x for q, t, x in zip(p, y, X, strict=True)),
                sum(q - t for q, t in zip(p, y, strict=True)),
            ]
            w = [q * (1 - q) for q in p]
            H = mpmath.matrix(
                [
                    [
                        sum(a * x * x for a, x in zip(w, X, strict=True)),
                        sum(a * x for a, x in zip(w, X, strict=True)),
                    ],
                    [sum(a * x for a, x in zip(w, X, strict=True)), sum(w)],
                ]
            )
            step = mpmath.lu_solve(H, mpmath.matrix(g))
            s, k = s - step[0], k - step[1]
        return s, k


@pytest.mark.parametrize("digits", [13, 17])
def test_an_exact_output_bias_off_a_relu_nets_logistic_fit_is_not_critical(digits):
    """A 1-1-1 ReLU net, sigmoid output, cross-entropy, its one unit relu(x + 3) active on every point:
    critical only where v = s* and 3v + c = k* (logistic regression's irrational optimum). c written as
    an exact fraction 10^-digits off k* − 3s*: no critical point keeps it; written as its 17-digit
    rounding instead: the best affine fit the digits round."""
    s, k = _logistic_optimum()
    with mpmath.workdps(60):
        c_star = k - 3 * s
        c = F(int(mpmath.nint((c_star + mpmath.mpf(10) ** -digits) * 3 * 10**20)), 3 * 10**20)
        v = F(mpmath.nstr(s, 17, strip_zeros=False))
        assert non_terminating(c) and abs(c - F(mpmath.nstr(c_star, 40))) > F(1, 2 * 10**digits)

    def trap(c):
        net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        data = Dataset.of([[-2], [-1], [0], [1], [2]], [[0], [1], [0], [1], [1]])
        return Trap(net, data, Point.of([([[1]], [3]), ([[v]], [c])]))

    cert = certify(trap(c), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason
    with mpmath.workdps(60):
        control = certify(trap(F(mpmath.nstr(c_star, 17, strip_zeros=False))), probes=0)
    assert (control.verdict, control.code) == (Verdict.LOCAL_MIN, "best-affine-fit"), control.reason


@pytest.mark.parametrize("digits", [4, 8])
def test_a_rounded_output_layer_over_an_exact_hidden_layer_rounds_the_region_optimum(digits):
    """The hidden layer written exactly (3, 7, 35/2, −7/2), the output layer rounded: the region optimum
    the digits round is reached by solving the output layer alone (the exact hidden layer never moves),
    and it is the independently computed (1/6, 1/7, 1/3)."""
    trap = _region_case(F(35, 2))
    (hidden, out) = trap.point.layers
    written = Point.of(
        [
            (hidden.W, hidden.b),
            (
                [[F(mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, digits)) for q in out.W[0]]],
                [F(mpmath.nstr(mpmath.mpf(1) / 3, digits))],
            ),
        ]
    )
    cert = certify(Trap(trap.network, trap.dataset, written), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "least-squares-bound"), cert.reason
    assert cert.box_center is not None and cert.box_center.layers[0] == hidden
    assert (*cert.box_center.layers[1].W[0], *cert.box_center.layers[1].b) == _region_optimum()


def test_a_kink_made_by_numbers_held_exactly_stays_a_kink_over_the_box():
    """relu(x/3 − 1) is at its kink on x = 3 with 1/3 and −1 held (1/3 is not a dyadic ball): the loss is
    smooth in the output layer over the box, and ∂F/∂c = (2/3)·Σ residuals = (2/3)(1/3 − 2/3 − 11/3) ≠ 0
    (by hand); once w may move, the kink may leave 0 and nothing is claimed."""
    net = Network((1, 1, 1), "relu")
    data = Dataset.of([[3], [0], [6]], [[0], [1], [5]])
    point = Point.of([([[F(1, 3)]], [F(-1)]), ([[F(1)]], [F(1, 3)])])
    assert no_critical_point_within(net, data, point, [F(0)] * 4, piecewise=True) is not None
    assert (
        no_critical_point_within(net, data, point, [F(1, 10**17), F(0), F(0), F(0)], piecewise=True) is None
    )


def test_the_output_snap_keeps_the_weight_of_a_duplicated_units_dependent_feature():
    """Two copies of relu(x) on x = 1, 2, 3 (targets 1, 2, 4): the output layer's optimum is any split of
    v₀ + v₁ = 3/2 with c = −2/3 (the least-squares line 3x/2 − 2/3, by hand); the second copy keeps its
    written weight and the first takes the rest."""
    net = Network((1, 2, 1), "relu")
    data = Dataset.of([[1], [2], [3]], [[1], [2], [4]])
    point = Point.of([([[1], [1]], [0, 0]), ([[F("0.7501"), F("0.7502")]], [F("-0.6667")])])
    snapped = snap_output(net, data, point)
    assert snapped is not None
    assert snapped.layers[1].W[0] == (F(3, 2) - F("0.7502"), F("0.7502")) and snapped.layers[1].b == (
        F(-2, 3),
    )


def test_a_dead_layer_under_an_exact_output_bias_off_logit_of_the_mean_is_not_critical():
    """Red team s24 (b15d), a float print beside an exact fraction: relu(1.414…x − 8.66…) is dead on
    x = −2..2 by a margin of 5.8, so nearby the logit is the exact output bias c on every point and
    ∂F/∂c = σ(c) − ȳ (ȳ = 4/5), zero only at c = log 4. The exact c is 4.7e-17 off it (60 digits): the
    wide box around the digits must hold c, and then ∂F/∂c is non-zero over all of it."""
    trap = saved_trap("s24-b15d-deadlayer-exactc-7e+15")
    (w,), (b,) = trap.point.layers[0].W[0], trap.point.layers[0].b
    assert max(w * x[0] + b for x in trap.dataset.X) < -5
    c = trap.point.layers[1].b[0]
    assert non_terminating(c)
    with mpmath.workdps(60):
        assert abs(mpmath.mpf(c.numerator) / c.denominator - mpmath.log(4)) > mpmath.mpf(10) ** -17
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason


def test_a_duplicated_pair_under_an_exact_output_bias_off_the_reduced_minimum_is_no_lift():
    """Red team s24 (b17): two copies of the 1-1-2 tanh net's unit, 12-digit numbers, output bias c₁
    written as the exact fraction −523214883587/3·10¹² (3.97e-13 off c₁*, 60 digits, in the file's
    description). Every critical point near the lift has the reduced minimiser's output biases
    (dF/dc₁ is the mean residual of output 1), so no minimum is about these numbers; written as a
    12-digit decimal instead, c₁ is a rounding like the others and the lift is the minimum they round."""
    trap = saved_trap("s24-b17-dup122-local-min-exactc-3e+12-d12")
    pinned = certify(trap, probes=0)
    assert pinned.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), pinned.reason
    flat = list(trap.point.flatten())
    assert non_terminating(flat[8])
    flat[8] = F("-0.174404961196")
    rounded_c = certify(Trap(trap.network, trap.dataset, Point.unflatten(trap.network, flat)), probes=0)
    assert (rounded_c.verdict, rounded_c.code) == (Verdict.LOCAL_MIN, "lift-duplicated-units"), (
        rounded_c.reason
    )


@pytest.mark.parametrize("digits", [4, 8])
@pytest.mark.parametrize("power", [5, 14])
def test_a_rounded_output_bias_beside_an_exact_weight_off_the_region_optimum_is_not_critical(digits, power):
    """Red team s24 (b13b): a 1-2-1 ReLU region, every number exact but c (1/3 to ``digits`` digits), the
    first-layer weight 35/2 + 1/(3·10^power) (non-terminating, held). With everything else held, c is
    stationary only at the mean residual c*, where ∂F/∂w₁ ≠ 0 (both in rationals here): no critical point
    in the digits' window. The control with w₁ = 35/2 is the region optimum, a minimum."""
    off = _region_case(F(35, 2) + F(1, 3 * 10**power))
    net, data = off.network, off.dataset
    hidden, out = off.point.layers
    c_written = F(str(round(F(1, 3), digits)))

    def at(point_c: F, w1: F) -> Point:
        return Point.of([([[3], [w1]], [7, F(-7, 2)]), ([list(out.W[0])], [point_c])])

    w1 = hidden.W[1][0]
    X = [x[0] for x in data.X]
    feats = [[max(F(0), 3 * x + 7), max(F(0), w1 * x - F(7, 2))] for x in X]
    pred = [out.W[0][0] * a + out.W[0][1] * b for a, b in feats]
    c_star = sum(t[0] - p for t, p in zip(data.y, pred, strict=True)) / len(X)
    grad_w1 = (
        2
        * sum(
            (p + c_star - t[0]) * out.W[0][1] * x * (1 if b > 0 else 0)
            for p, t, x, (_, b) in zip(pred, data.y, X, feats, strict=True)
        )
        / len(X)
    )
    assert grad_w1 != 0
    cert = certify(Trap(net, data, at(c_written, w1)), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.NOT_CRITICAL, "gradient-nonzero"), cert.reason
    assert _region_optimum() == (F(1, 6), F(1, 7), F(1, 3))
    control = certify(Trap(net, data, at(c_written, F(35, 2))), probes=0)
    assert control.verdict is Verdict.LOCAL_MIN, control.reason


def test_a_pinned_bias_stays_and_a_float_printed_weight_reaches_the_silent_curve():
    """Red team s24 b15j: a silent tanh unit whose bias is an exact fraction 1.43e-16 off the curve
    Σ(ȳ − y)tanh(wx + b) = 0 at w = 1 (60 digits, the file's description), w and c float prints. s24 held
    w to its own half unit; the README's float window, 1e-3·(1 + |w|), lets w alone reach the curve
    (a move of order 1e-16) with the fraction kept: the saddle the digits round."""
    cert = certify(saved_trap("s24-b15j-silent-exactb-3e+15"), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "silent-unit-saddle"), cert.reason


def test_a_pinned_output_weight_beside_twelve_digits_rounds_the_identity_units_orbit():
    """Red team s25 `lident-bce-vexact1e-9-wround-d12`: one identity unit, sigmoid output, the same data;
    v = 1635638341/1500000000 pinned, w, b, c to 12 digits. The critical set is v·w = s*, v·b + c = k*.
    With v held, w = s*/v lies 68 half units from 1.00000000000 and some b in its window puts
    c = k* − v·b in c's (the README's window, 100⌈√4⌉ = 200 half units, by hand): a minimum the digits
    round, which the digits' own rounding (one half unit) used to deny."""
    s, k = _logistic_optimum()
    v, w, b, c = F(1635638341, 1500000000), F("1.00000000000"), F("3.00000000000"), F("-2.64858661546")
    window = 200 * F(1, 2 * 10**11)

    def mp(q: F) -> mpmath.mpf:
        return mpmath.mpf(q.numerator) / q.denominator

    with mpmath.workdps(60):
        assert abs(s / mp(v) - mp(w)) < mp(window)
        # c' = k* − v·b' over b' ∈ [b − window, b + window] meets [c − window, c + window]
        lo, hi = k - mp(v) * mp(b + window), k - mp(v) * mp(b - window)
        assert lo <= mp(c + window) and hi >= mp(c - window)
    net = Network((1, 1, 1), "identity", output="sigmoid", loss="bce")
    data = Dataset.of([[-2], [-1], [0], [1], [2]], [[0], [1], [0], [1], [1]])
    point = Point.unflatten(net, ["1.00000000000", "3.00000000000", v, "-2.64858661546"])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason


@pytest.mark.parametrize(("offset", "claimed"), [(F(3, 10), True), (F(3), False)])
def test_an_output_layer_written_off_its_exact_optimum_is_judged_by_its_window(offset, claimed):
    """The same exact hidden layer, the output layer's optimum (1/6, 1/7, 1/3) written to 12 digits and
    moved ``offset`` windows (by hand: 100⌈√7⌉ = 300 halves of each number's last digit): inside the
    window the optimum is the digits' (red team s33 G2: the snap once had to land within two halves),
    three windows out it is not, and no minimum is claimed."""
    trap = _region_case(F(35, 2))
    hidden = trap.point.layers[0]
    written = []
    for q in _region_optimum():
        with mpmath.workdps(60):
            unit = mpmath.mpf(10) ** (int(mpmath.floor(mpmath.log10(abs(q.numerator) / q.denominator))) - 11)
            text = mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator + 150 * unit * offset, 12)
        written.append(F(text))
    point = Point.of([(hidden.W, hidden.b), ([written[:2]], [written[2]])])
    cert = certify(Trap(trap.network, trap.dataset, point), probes=0)
    if claimed:
        assert (cert.verdict, cert.code) == (Verdict.LOCAL_MIN, "least-squares-bound"), cert.reason
        assert cert.box_center is not None
        assert (*cert.box_center.layers[1].W[0], *cert.box_center.layers[1].b) == _region_optimum()
    else:
        assert not cert.verdict.is_minimum, cert.reason
