"""The exact path at rounded points: a critical point inside the digits' window (100⌈√P⌉ halves of each
number's last digit; 1e-3 relative for a float's print) is proved about that point, however steep the
descent its digits leave; outside the window the answer is never about it.

Truth is computed here by hand: the least-squares line of the data (closed form), the normal equations
of a unit held at its kink, and the reference forward pass of `tests.reference`.
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap, load_trap
from badminima.verify import Verdict, certify
from badminima.verify.rounding import digits_may_round
from tests.reference import reference_loss

FEW = settings(max_examples=6, deadline=None, derandomize=True)

X = [F(-2), F(-1), F(0), F(1), F(2)]
Y = [F(0), F(1), F(0), F(1), F(3)]


def _line() -> tuple[F, F, F]:
    """(slope, intercept, mean squared residual) of the least-squares line through (X, Y)."""
    n, mx, my = len(X), sum(X) / len(X), sum(Y) / len(Y)
    slope = sum((x - mx) * (y - my) for x, y in zip(X, Y, strict=True)) / sum((x - mx) ** 2 for x in X)
    intercept = my - slope * mx
    return slope, intercept, sum((slope * x + intercept - y) ** 2 for x, y in zip(X, Y, strict=True)) / n


def _written(q: F, places: int) -> str:
    """``q`` written with ``places`` decimals (the digits a user would type)."""
    scaled = round(q * 10**places)
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _active_case(activation: str, units: int, places: int) -> tuple[Trap, F]:
    """A 1-1-1 net, every unit active on every point, at the least-squares line with output weight v =
    3/5 + ``units`` of the last of ``places`` decimals (w, b, c written as the exact optimum's digits):
    the critical points of the window are the line's rescaling orbit, minima with the line's residual."""
    slope, intercept, residual = _line()
    v = F(3, 5)
    w, b = slope / v, F(3)
    c = intercept - v * b
    written = [_written(w, places), _written(b, places), _written(v + F(units, 10**places), places)]
    net = Network((1, 1, 1), activation)
    point = Point.unflatten(net, [*written, _written(c, places)])
    return Trap(net, Dataset.of([[x] for x in X], [[y] for y in Y]), point), residual


@FEW
@given(
    st.sampled_from(["relu", "leaky_relu", "identity"]),
    st.integers(20, 90).map(lambda k: k * (1 if k % 2 else -1)),
    st.sampled_from([8, 12]),
)
def test_a_descent_steeper_than_rounding_is_the_digits_when_the_window_holds_a_minimum(
    activation, units, places
):
    trap, residual = _active_case(activation, units, places)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.box_center is not None and digits_may_round(trap.point, cert.box_center)
    assert cert.loss_lower <= residual <= cert.loss_upper
    if cert.rigor == "exact":  # an interval proof's box_center is its box's centre, not the minimum
        assert reference_loss(trap.network, trap.dataset, cert.box_center) == residual
    literal = certify(trap, probes=0, literal=True)
    assert literal.verdict is Verdict.NOT_CRITICAL, literal.reason


def test_a_minimum_beyond_the_window_is_not_claimed():
    trap, _ = _active_case("relu", 150, 8)  # 150 units of the last digit: the window is 100
    cert = certify(trap, probes=0)
    assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), cert.reason


def test_a_float_print_stands_for_a_minimum_within_an_optimisers_accuracy():
    """The README's example `examples/windows/relu-float-print-off-the-fit.json` is this point."""
    slope, intercept, residual = _line()
    net = Network((1, 1, 1), "relu")
    data = Dataset.of([[x] for x in X], [[y] for y in Y])
    v, b = F(3, 5) + F(1, 3 * 10**7), F(10, 3)  # float prints of 16-17 digits, v 3.3e-8 off
    exact = [slope / F(3, 5), b, v, intercept - F(3, 5) * b]
    point = Point.unflatten(net, [repr(float(q)) for q in exact])
    example = load_trap(Path(__file__).parents[2] / "examples/windows/relu-float-print-off-the-fit.json")
    assert (example.network, example.dataset, example.point) == (net, data, point)
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.box_center is not None and reference_loss(net, data, cert.box_center) == residual
    far = Point.unflatten(net, [repr(float(q)) for q in [*exact[:2], F(3, 5) + F(1, 100), exact[3]]])
    assert certify(Trap(net, data, far), probes=0).verdict is not Verdict.LOCAL_MIN


PUSH_X, PUSH_Y = [F(-1), F(0), F(1), F(2)], [F(2), F(0), F(3), F(5)]


def _held_optimum() -> tuple[F, F]:
    """(a, c) minimising Σ (c + a·max(x, 0) − y)², the unit held at its kink x = 0 (b = 0): the normal
    equations, solved by Cramer's rule."""
    feats = [max(x, F(0)) for x in PUSH_X]
    saa, sa, n = sum(f * f for f in feats), sum(feats), len(feats)
    say, sy = sum(f * y for f, y in zip(feats, PUSH_Y, strict=True)), sum(PUSH_Y)
    det = saa * n - sa * sa
    return (say * n - sa * sy) / det, (saa * sy - sa * say) / det


@FEW
@given(st.integers(-95, 95).filter(lambda k: abs(k) > 10), st.sampled_from(["relu", "leaky_relu"]))
def test_a_unit_held_at_its_kink_is_snapped_along_it(units, activation):
    """w = 1, b = 0 exactly (the kink at x = 0 stays exact), v = 2, c written 8 digits, ``units`` of its
    last digit off the held optimum: the optimum with the kink held is what the digits round. The residual
    at x = 0 is c − 0 > 0 with v > 0, so turning the unit on there only raises the loss (a minimum)."""
    a, c = _held_optimum()
    assert (a, c) == (2, 1)
    net = Network((1, 1, 1), activation)
    data = Dataset.of([[x] for x in PUSH_X], [[y] for y in PUSH_Y])
    point = Point.unflatten(net, ["1.0000000", "0", "2.0000000", _written(c + F(units, 10**7), 7)])
    cert = certify(Trap(net, data, point), probes=0)
    if activation == "leaky_relu":  # the leaky side is live at x = −1: another region, another optimum
        assert cert.verdict is not Verdict.LOCAL_MIN or cert.box_center is not None, cert.reason
        return
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    center = cert.box_center
    assert center is not None and digits_may_round(point, center)
    w, b, v, c_star = center.flatten()
    assert (b, v * w, c_star) == (0, a, c)
    assert cert.loss_lower == reference_loss(net, data, center)


def test_a_deep_linear_rank_one_minimum_twenty_units_off():
    """The 2-1-2 linear net on X = I, Y = diag(3, 1) at W₂W₁ = diag(3 + 6e-6, 0): the exact critical
    family W₂W₁ = diag(3, 0) (the top singular direction, a global minimum: loss 1/2) lies 60 units of
    the last digit away, inside the window (100⌈√4⌉ halves = 100 units). (Proved on the GL(1) orbit's
    slice, or by the exact snap: an interval proof's box_center is its box's centre.)"""
    net = Network((2, 1, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
    point = Point.unflatten(net, ["1.0000000", "0", "3.0000060", "0"])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.box_center is not None and digits_may_round(point, cert.box_center)
    assert cert.loss_lower <= F(1, 2) <= cert.loss_upper


def test_a_deep_linear_flat_saddle_thirty_units_off():
    """The same net at W₂W₁ = diag(0, 1 + 3e-6): the family diag(0, 1) keeps the weaker direction, a
    saddle; its witness is lower than the exact point's loss 9/2 by the reference forward pass."""
    net = Network((2, 1, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1]], [[3, 0], [0, 1]])
    point = Point.unflatten(net, ["0", "1.0000000", "0", "1.0000030"])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE, cert.reason
    center = cert.box_center
    assert center is not None and digits_may_round(point, center)
    assert cert.loss_lower <= F(9, 2) <= cert.loss_upper
    assert reference_loss(net, data, cert.witness) < cert.loss_lower
