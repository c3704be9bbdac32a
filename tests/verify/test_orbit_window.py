"""Critical points moved along their rescaling orbit into the digits' window.

Truth is by hand: a ReLU unit active on every input makes v·relu(wx + b) + c the line (vw)x + (vb + c),
so the region's critical points are the 2-dimensional manifold vw = a*, vb + c = β* over the
least-squares line (a*, β*) (normal equations, exact); the window is the README's, by hand
(`tests.reference.readme_window`).
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import assume, given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.orbit_window import toward_the_digits
from tests.reference import half_unit, readme_window, reference_output
from tests.verify.saved import saved_trap

NET = Network((1, 1, 1), "relu")
XS = [F(1), F(2), F(3), F(5)]


def _line(ys):
    """The least-squares line through (XS, ys) by the normal equations."""
    n, sx, sy = len(XS), sum(XS), sum(ys)
    sxx, sxy = sum(x * x for x in XS), sum(x * y for x, y in zip(XS, ys, strict=True))
    a = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    return a, (sy - a * sx) / n


def _digits(q: F, n: int) -> F:
    return F(f"{float(q):.{n}g}")


@st.composite
def orbit_points(draw):
    ys = [F(draw(st.integers(-20, 20)), 4) for _ in XS]
    a, beta = _line(ys)
    w = F(draw(st.integers(3, 40)), 7)
    b = F(draw(st.integers(0, 9)), 11)
    if a == 0:
        a = F(1, 3)
        ys = [y + x / 3 for x, y in zip(XS, ys, strict=True)]
    v, c = a / w, beta - a * b / w
    n = draw(st.sampled_from([8, 4]))  # four digits: a window wider than the Newton step's 1e-3 reach
    written = [_digits(q, n) for q in (w, b, v, c)]
    # every number but an exact 0 written to all n digits (a short decimal such as 0.16 is taken as exact)
    assume(all(q == 0 or _digits(q, n - 1) != q for q in written))
    k = draw(st.integers(0, 95))  # units of v's last digit: with rounding, under the window's 100
    written[2] += 2 * k * half_unit(written[2])
    return Dataset.of([[x] for x in XS], [[y] for y in ys]), (a, beta), Point.unflatten(NET, written)


def _on_the_manifold(point: Point, line, tol: F) -> bool:
    w, b, v, c = point.flatten()
    near = abs(v * w - line[0]) <= tol and abs(v * b + c - line[1]) <= tol
    return near and all(w * x + b > 0 for x in XS)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(orbit_points())
def test_a_region_optimum_reached_by_rescaling_is_the_digits_minimum(case):
    data, line, point = case
    cert = certify(Trap(NET, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    center = cert.box_center if cert.box_center is not None else point
    slack = F(1, 10**9)  # a ball proof's x* lies within 1e-12 of box_center; exact ones are on it
    assert _on_the_manifold(center, line, slack)
    radii = readme_window(point)
    assert all(
        abs(p - q) <= r + slack for p, q, r in zip(point.flatten(), center.flatten(), radii, strict=True)
    )


@settings(max_examples=25, deadline=None, derandomize=True)
@given(orbit_points(), st.sampled_from([F(1, 2), F(3), F(7, 5)]))
def test_the_rescaled_point_computes_the_same_function_inside_the_window(case, alpha):
    _, _, point = case
    w, b, v, c = point.flatten()
    star = Point.unflatten(NET, [alpha * w, alpha * b, v / alpha, c])
    found = toward_the_digits(NET, point, star)
    assert found is not None
    moved, _ = found
    assert all(reference_output(NET, moved, [x]) == reference_output(NET, star, [x]) for x in [*XS, F(-7)])
    radii = readme_window(point)
    assert all(abs(p - q) <= r for p, q, r in zip(point.flatten(), moved.flatten(), radii, strict=True))


@pytest.mark.parametrize(
    ("name", "truth"),
    [
        ("s27-f1-relu111-d8-v50", Verdict.LOCAL_MIN),
        ("s27-f1-relu111-d8-w200", Verdict.LOCAL_MIN),
        ("s27-f5-relu111-wexact-d8-v40", Verdict.LOCAL_MIN),
        ("s27-f1-relu111-d8-v150", Verdict.NOT_CRITICAL),
    ],
)
def test_red_team_orbit_windows(name, truth):
    """Red team s27 (60-digit truth in each file: the least window ratio over the region's critical
    orbit: 0.37 to 0.49 inside, 1.13 for v150). Before, the snap kept v and moved w and b past theirs."""
    cert = certify(saved_trap(name), probes=0)
    if truth is Verdict.LOCAL_MIN:
        assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    else:
        assert not cert.verdict.is_minimum, cert.reason
