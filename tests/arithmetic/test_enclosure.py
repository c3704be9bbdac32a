"""Float64 enclosures must contain the exact value of everything they compute: checked against
Fraction arithmetic (rational networks) and 300-bit balls (sigmoid, tanh)."""

from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from badminima.arithmetic import BallArithmetic, ExactArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic, tensordot
from badminima.errors import BackendError
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.problem import prepare
from badminima.landscape.regions import region_of
from badminima.strategies import datasets, networks, points

# Floats whose exact products and sums cancel badly, span huge and subnormal scales.
awkward = st.one_of(
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([1e300, -1e300, 1e-300, 5e-324, -2.5e-310, 1 + 2**-52, 1 - 2**-53, 3.0, 0.1, -0.1]),
    st.integers(-(2**60), 2**60).map(float),
)


def contains(enc: Enclosure, exact: np.ndarray) -> bool:
    """Every exact entry (Fraction) lies in [mid − rad, mid + rad], compared exactly."""
    for idx in np.ndindex(enc.shape):
        m, r = Fraction(float(enc.mid[idx])), Fraction(float(enc.rad[idx]))
        if not m - r <= exact[idx] <= m + r:
            return False
    return True


def exact_of(values: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(values)


def arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    n = int(np.prod(shape))
    return st.lists(awkward, min_size=n, max_size=n).map(lambda v: np.array(v).reshape(shape))


@given(arrays((3, 4)), arrays((3, 4)), arrays((4, 2)), st.floats(0, 1e-3))
def test_elementwise_and_matrix_operations_contain_the_exact_result(a, b, c, r):
    A, B, C = Enclosure(a, r), Enclosure.exact(b), Enclosure(c, r / 3)
    with np.errstate(over="ignore"):
        assume(np.all(np.isfinite(np.abs(a) * np.abs(b))) and np.all(np.abs(a) @ np.abs(c) < 1e307))
    # The enclosure of a box: check at its corners and centre, exactly.
    for sa, sc in [(0, 0), (1, -1), (-1, 1)]:
        ea = exact_of(a) + sa * Fraction(float(A.rad[0, 0]))
        ec = exact_of(c) + sc * Fraction(float(C.rad[0, 0]))
        eb = exact_of(b)
        for enc, exact in [
            (A + B, ea + eb),
            (A - B, ea - eb),
            (A * B, ea * eb),
            (A @ C, ea.dot(ec)),
            (A.sum(1), ea.sum(1)),
            (A / 3, ea / 3),
            (Fraction(1, 7) - A, Fraction(1, 7) - ea),
        ]:
            if enc.is_finite():
                assert contains(enc, exact)


@given(arrays((2, 3, 2)), arrays((3, 2)))
def test_tensordot_contains_the_exact_contraction(a, b):
    with np.errstate(over="ignore"):
        assume(np.all(np.abs(a).max() * np.abs(b).max() < 1e150))
    enc = tensordot(Enclosure.exact(a), Enclosure.exact(b), ([1, 2], [0, 1]))
    exact = np.tensordot(exact_of(a), exact_of(b), ([1, 2], [0, 1]))
    assert contains(enc, exact)


def test_rounding_is_enclosed_where_float_arithmetic_loses_everything():
    # (1e16 + 1) − 1e16 is 0 in floats; the enclosure must still contain 1.
    x = Enclosure.exact(np.array([1e16])) + 1 - Enclosure.exact(np.array([1e16]))
    assert contains(x, np.array([Fraction(1)], dtype=object))
    assert float(x.rad[0]) >= 1
    # A dot product with massive cancellation: the exact value is 1.
    a, b = np.array([1e20, 1.0, -1e20]), np.array([1.0, 1.0, 1.0])
    assert contains(Enclosure.exact(a) @ Enclosure.exact(b), np.array(Fraction(1), dtype=object))


@given(st.fractions(-30, 30, max_denominator=50), st.floats(0, 0.1))
def test_elementary_functions_enclose_high_precision_balls(q, r):
    enc = EnclosureArithmetic()
    x = Enclosure(np.array([float(q)]), np.array([r]))
    with flint.ctx.workprec(300):
        for name, fn in [("sigmoid", lambda b: 1 / (1 + (-b).exp())), ("tanh", lambda b: b.tanh())]:
            out = getattr(enc, name)(x)
            for t in (Fraction(float(q)) - Fraction(r), Fraction(float(q)), Fraction(float(q)) + Fraction(r)):
                value = fn(flint.arb(flint.fmpq(t.numerator, t.denominator)))
                assert out.balls()[0].contains(value), (name, t)


@given(st.data())
def test_hessian_enclosure_contains_the_exact_hessian_of_rational_networks(data):
    net = data.draw(networks(activations=("identity", "relu", "leaky_relu"), max_hidden_layers=2))
    assume(net.has_rational_loss)
    dataset = data.draw(datasets(net))
    point = data.draw(points(net))
    region = region_of(net, dataset, point) if net.activation != "identity" else None
    masks = region.masks("active") if region is not None else None
    exact, enc = ExactArithmetic(), EnclosureArithmetic()
    pe = prepare(net, dataset, point, arith=exact)
    pf = prepare(net, dataset, point, arith=enc)
    H = hessian_of_flat(net, pe.inputs, pe.targets, pe.flat, arith=exact, masks=masks)
    Hf = hessian_of_flat(net, pf.inputs, pf.targets, pf.flat, arith=enc, masks=masks)
    g = gradient_of_flat(net, pe.inputs, pe.targets, pe.flat, arith=exact, masks=masks)
    gf = gradient_of_flat(net, pf.inputs, pf.targets, pf.flat, arith=enc, masks=masks)
    assert contains(Hf, np.asarray(H, dtype=object))
    assert contains(gf, np.asarray(g, dtype=object))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@given(data=st.data())
def test_hessian_enclosure_contains_the_ball_hessian_of_smooth_networks(activation, data):
    net = data.draw(networks(activations=(activation,), max_hidden_layers=2, max_width=2))
    dataset = data.draw(datasets(net, max_points=3))
    point = data.draw(points(net))
    ball, enc = BallArithmetic(300), EnclosureArithmetic()
    pb = prepare(net, dataset, point, arith=ball)
    pf = prepare(net, dataset, point, arith=enc)
    with ball.context():
        H = hessian_of_flat(net, pb.inputs, pb.targets, pb.flat, arith=ball)
        Hf = hessian_of_flat(net, pf.inputs, pf.targets, pf.flat, arith=enc).balls()
        for idx in np.ndindex(Hf.shape):
            assert Hf[idx].contains(H[idx]), idx


def test_enclosure_signs_decide_only_what_is_proved():
    enc = EnclosureArithmetic()
    third = enc.constant(Fraction(1, 3))
    assert enc.sign(third) == 1
    assert enc.sign(third * 3 - 1) is None  # 1/3 is not a double
    assert enc.sign(enc.constant(Fraction(0))) == 0
    assert enc.sign(enc.constant(Fraction(1, 4)) * 4 - 1) is None  # exact, but a rounded op is never 0


def test_tensordot_keeps_the_rounding_term_of_huge_times_subnormal():
    # Found in review: scaling |b| by k·2u before the product underflowed to nothing.
    a, b = 2.0**1000 * (1 + 2**-52), 3 * 2.0**-1074
    r = Enclosure.exact(np.array([[a]])) @ Enclosure.exact(np.array([[b]]))
    assert contains(r, np.array([[Fraction(a) * Fraction(b)]], dtype=object))


def test_overflow_is_never_a_finite_ball():
    r = Enclosure.exact(np.array([[-1e308, -1e308]])) @ Enclosure.exact(np.array([[1.0], [1.0]]))
    assert not r.is_finite()
    with pytest.raises(BackendError):
        r.balls()
