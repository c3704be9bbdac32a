"""A window holding critical points of two kinds (`verify.window_kinds`); truth by hand for
F(w₁, w₂) = (w₂w₁ − a)²: the origin is a saddle (Hessian [[0, −2a], [−2a, 0]]), the hyperbola w₁w₂ = a
is the global minimum, and a float's print rounds the box of 1e-3·(1 + |θ_i|) around each number."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from tests.verify.saved import saved_trap

LINEAR = Network((1, 1, 1), "identity", bias=False)


def _window(q: Fraction) -> Fraction:
    return Fraction(1, 1000) * (1 + abs(q))


def _kinds(a: Fraction, x: list[Fraction]) -> tuple[bool, bool]:
    """(the origin lies in the window, the hyperbola w₁w₂ = a meets it): w₁w₂ over a box takes every
    value between its least and greatest corner products (a connected box, a bilinear map)."""
    lo = [q - _window(q) for q in x]
    hi = [q + _window(q) for q in x]
    origin = all(low <= 0 <= high for low, high in zip(lo, hi, strict=True))
    corners = [u * v for u in (lo[0], hi[0]) for v in (lo[1], hi[1])]
    return origin, min(corners) <= a <= max(corners)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    a=st.sampled_from([Fraction(1, 10**6), Fraction(-4, 10**7)]),
    x=st.lists(
        st.floats(min_value=-1.5e-3, max_value=1.5e-3, allow_nan=False).filter(lambda v: abs(v) > 1e-6),
        min_size=2,
        max_size=2,
    ),
)
def test_a_window_holding_the_origin_saddle_is_never_answered_by_a_minimum_or_no_critical_point(a, x):
    """Where the window holds the origin alone (the hyperbola misses it), the answer is the origin's
    saddle (the rest of the window cleared, the parts about the origin by a cube that holds it alone)."""
    data = Dataset.of([[1]], [[a]])
    point = [Fraction(repr(v)) for v in x]  # a float's print
    origin, hyperbola = _kinds(a, point)
    cert = certify(Trap(LINEAR, data, Point.unflatten(LINEAR, point)), probes=0)
    if origin:
        assert cert.verdict not in (Verdict.NOT_CRITICAL, Verdict.LOCAL_MIN, Verdict.BAD_LOCAL_MIN), (
            cert.reason
        )
    if origin and hyperbola:
        assert cert.verdict is Verdict.INCONCLUSIVE, cert.reason
    if origin and not hyperbola:  # the origin is the window's only critical point: a saddle
        assert cert.verdict is Verdict.SADDLE, cert.reason
        assert cert.box_center is not None and not any(cert.box_center.flatten())
    if not origin and not hyperbola:
        assert not cert.verdict.is_minimum and cert.verdict is not Verdict.SADDLE, cert.reason


def test_a_relu_window_holding_the_origin_and_minima_is_not_answered():
    """Red team s27 F8a: v·relu(w) with target 1e-6 printed at 5e-4, 6e-4: the origin (a saddle: the loss
    falls at second order along w, v > 0) and the curve v·w = 1e-6, w > 0, both within the window."""
    cert = certify(saved_trap("s27-f8a-relu111-float-mixed-5e-4-6e-4"), probes=0)
    assert (cert.verdict, cert.code) == (Verdict.INCONCLUSIVE, "window-not-cleared"), cert.reason
