"""Higher-order saddles along the exact Hessian's null directions. Every expected number is derived by hand
in the test (the cubic or quartic term of the loss along the proof's own curve, written out from the
series of tanh, σ and softplus at 0), and every witness is checked below the point's loss by the
independent 60-digit forward pass of tests/reference.py; the soundness family uses points that are global
minima by construction (zero loss, or σ(z) = y everywhere under cross-entropy), where a saddle would be a
false claim."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import assume, given, settings, strategies as st

from badminima.arithmetic.least_squares import null_space
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.higher_order import curve_coefficients
from badminima.verify.null_descent import certify_null_descent, exact_hessian
from tests.reference import reference_loss

X = [[F(1)], [F(2)], [F(-1)], [F(1, 2)]]
Y = [[F(1)], [F(0)], [F(2)], [F(-1, 2)]]
YBAR = sum(y[0] for y in Y) / len(Y)


def _mp(v):
    return mpmath.mpf(v.numerator) / v.denominator


def _mean(values):
    values = list(values)
    return sum(values, F(0)) / len(values)


def _deep_zero(activation):
    """A 1-2-2-1 net with every weight and hidden bias 0 and the output bias at the mean target: the constant
    fit, exactly critical (every gradient term carries an output weight or a residual mean), Hessian PSD."""
    net = Network((1, 2, 2, 1), activation)
    return net, Dataset.of(X, Y), Point.unflatten(net, [F(0)] * 12 + [YBAR])


def _unpack_deep(d):
    W1, b1 = d[0:2], d[2:4]
    W2, b2 = [d[4:6], d[6:8]], d[8:10]
    v, c = d[10:12], d[12]
    return W1, b1, W2, b2, v, c


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_an_all_zero_deep_net_is_a_third_order_saddle(activation):
    # By hand, along d with r_i = ȳ − y_i (Σ r_i = 0), u_j = δW1_j x + δb1_j:
    #   tanh:    f − ȳ = s δc + s² Σ_k v_k δb2_k + s³ Σ_kj v_k δW2_kj u_j + O(s⁴); null space: δc = 0;
    #            c₃ = 2 Σ_kj v_k δW2_kj δW1_j · mean(r x).
    #   sigmoid: σ(su) = ½ + su/4 − s³u³/48, so
    #            f − ȳ = s(δc + Σv/2) + s²(…) + s³ Σ_kj v_k δW2_kj u_j/16 + O(s⁴);
    #            null space: δc = −Σv/2; c₃ = (1/8) Σ_kj v_k δW2_kj δW1_j · mean(r x).
    net, data, point = _deep_zero(activation)
    search = certify_null_descent(net, data, point)
    assert search.found is not None, search.why
    found = search.found
    assert found.order == 3
    W1, _, W2, _, v, c = _unpack_deep(found.direction)
    if activation == "tanh":
        assert c == 0
    else:
        assert c == -(v[0] + v[1]) / 2
    moment = _mean((YBAR - y[0]) * x[0] for x, y in zip(X, Y, strict=True))
    chain = sum(v[k] * W2[k][j] * W1[j] for k in range(2) for j in range(2))
    cubic = (2 if activation == "tanh" else F(1, 8)) * chain * moment
    assert cubic < 0
    exact = curve_coefficients(net, data, point, F(0), [found.direction], F(0), order=3)
    assert exact[1:] == [0, 0, cubic]
    assert found.coefficient_upper < 0
    # the witness x(s₀), at 60 digits, below F(x)
    assert reference_loss(net, data, found.witness) < reference_loss(net, data, point)
    assert found.witness.flatten() == tuple(
        a + found.reach * b for a, b in zip(point.flatten(), found.direction, strict=True)
    )

    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "null-direction-descent", cert.reason
    assert reference_loss(net, data, cert.witness) < _mp(cert.loss_lower)


SYMMETRIC_X = [[F(-2)], [F(-1)], [F(1)], [F(2)]]
EVEN_Y = [[F(1, 4)], [F(3, 4)], [F(3, 4)], [F(1, 4)]]  # mean 1/2, Σ(y − ½)x = 0


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_born_units_on_symmetric_data_are_fourth_order_saddles(loss):
    # Two tanh units born at zero on the constant fit σ(0) = ½ = mean y of even targets on symmetric inputs
    # (sigmoid output). With z the logit, u_j = δw_j x + δb_j and e_c the curve's second-order output bias:
    #   bce: softplus(z) − yz = log 2 + (½ − y)z + z²/8 − z⁴/192 + …;  mse: (σ(z) − y)² = (½ − y)² +
    #   (½ − y)z/2 + z²/16 + O(z³); along δc = 0 (the null space),
    #   z = s²(e_c + Σ v_j u_j) − s⁴ Σ v_j u_j³/3 + …,
    # so c₁ = c₂ = c₃ = 0 (mean(½ − y) = 0 and the moment kill the s² term of (½ − y)z) and
    #   c₄ = −k₁ mean((½ − y) Σ v_j u_j³)/3 + k₂ mean((e_c + Σ v_j u_j)²),
    #   (k₁, k₂) = (1, 1/8) for bce, (1/2, 1/16) for mse.
    net = Network((1, 2, 1), "tanh", output="sigmoid", loss=loss)
    data = Dataset.of(SYMMETRIC_X, EVEN_Y)
    point = Point.unflatten(net, [F(0)] * net.n_params)
    found = certify_null_descent(net, data, point).found
    assert found is not None and found.order == 4
    w, b, v, c = found.direction[0:2], found.direction[2:4], found.direction[4:6], found.direction[6]
    assert c == 0 and all(t == 0 for t in found.curve[:6])
    e_c = found.curve[6]
    k1, k2 = (F(1), F(1, 8)) if loss == "bce" else (F(1, 2), F(1, 16))
    rows = list(zip(SYMMETRIC_X, EVEN_Y, strict=True))
    u = [[w[j] * x[0] + b[j] for j in range(2)] for x, _ in rows]
    quartic = (
        -k1
        * _mean(
            (F(1, 2) - y[0]) * sum(v[j] * ui[j] ** 3 for j in range(2))
            for (_, y), ui in zip(rows, u, strict=True)
        )
        / 3
    )
    quartic += k2 * _mean((e_c + sum(v[j] * ui[j] for j in range(2))) ** 2 for ui in u)
    assert quartic < 0
    exact = curve_coefficients(net, data, point, F(0), [found.direction, found.curve], F(0), order=4)
    assert exact[1:] == [0, 0, 0, quartic]
    with mpmath.workdps(60):
        assert reference_loss(net, data, found.witness) < reference_loss(net, data, point)

    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "null-direction-descent", cert.reason
    assert reference_loss(net, data, cert.witness) < _mp(cert.loss_lower)


def test_the_exact_null_space_is_the_kernel():
    # H of the all-zero tanh net is 2 at (c, c) and 0 elsewhere (only ∂f/∂c = 1 is non-zero there): its
    # kernel is {δc = 0}, dimension 12.
    net, data, point = _deep_zero("tanh")
    H = exact_hessian(net, data, point)
    assert H is not None
    assert H[12][12] == 2 and all(H[i][j] == 0 for i in range(13) for j in range(13) if (i, j) != (12, 12))
    basis = null_space(H)
    assert len(basis) == 12 and all(v[12] == 0 for v in basis)


def test_transcendental_points_are_left_to_the_other_proofs():
    # A hidden pre-activation of 1: tanh(1) is not rational, so no exact Hessian, no claim.
    net = Network((1, 1, 1), "tanh")
    point = Point.unflatten(net, [F(1), F(0), F(0), YBAR])
    assert exact_hessian(net, Dataset.of(X, Y), point) is None
    assert certify_null_descent(net, Dataset.of(X, Y), point).found is None


@st.composite
def global_minima(draw):
    """Zero-loss (mse) or entropy-attaining (bce) points with every hidden pre-activation exactly 0 on the
    data: first-layer weights and biases 0, later hidden layers' biases cancelling their (free) weights,
    free output weights, the output bias set so that the model is the targets' constant. Global minima by
    construction, degenerate (singular Hessian), with exact rational derivatives."""
    activation = draw(st.sampled_from(["tanh", "sigmoid"]))
    output, loss = draw(st.sampled_from([("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce")]))
    hidden = draw(st.lists(st.integers(1, 2), min_size=1, max_size=2))
    d0 = draw(st.integers(1, 2))
    net = Network((d0, *hidden, 1), activation, output=output, loss=loss)
    small = st.fractions(-2, 2, max_denominator=3)
    n = draw(st.integers(2, 4))
    X = draw(st.lists(st.lists(small, min_size=d0, max_size=d0), min_size=n, max_size=n))
    h0 = F(0) if activation == "tanh" else F(1, 2)
    layers = []
    widths = net.widths
    for layer in range(len(widths) - 1):
        out, inp = widths[layer + 1], widths[layer]
        if layer == 0:
            W = [[F(0)] * inp for _ in range(out)]
        else:
            W = [draw(st.lists(small, min_size=inp, max_size=inp)) for _ in range(out)]
        b = [-h0 * sum(row, F(0)) for row in W]
        layers.append((W, b))
    target = F(1, 2) if output == "sigmoid" else draw(small)
    W_out, b_out = layers[-1]
    if output == "identity":
        b_out = [target - h0 * sum(W_out[0], F(0))]
    layers[-1] = (W_out, b_out)
    point = Point.of(layers)
    return net, Dataset.of(X, [[target]] * n), point


def _never_a_saddle(case):
    net, data, point = case
    search = certify_null_descent(net, data, point)
    assert search.found is None, search.found.reason
    return net, data, point


@settings(max_examples=3, deadline=None)
@given(global_minima())
def test_global_minima_are_never_null_direction_saddles(case):
    _never_a_saddle(case)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(global_minima())
def test_global_minima_are_never_saddles_thorough(case):
    net, data, point = _never_a_saddle(case)
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is not Verdict.SADDLE, cert.reason


@st.composite
def deep_zero_saddles(draw):
    """All-zero tanh nets with 1–2 hidden layers of width 1–2 on random data, output bias at the mean
    target, and whether some input moment m = mean((ȳ − y)x) is non-zero. By hand: with one hidden layer,
    f − ȳ = s δc + s² Σ_j v_j δw_j·x + O(s³), so H couples (v_j, w_j) by 2m with zero diagonal there:
    indefinite, a second-order saddle; with two, the s² term is Σ_k v_k δb2_k (killed by mean(ȳ − y) = 0)
    and c₃ = 2 (vᵀ δW2 δW1)·m as above: H is PSD and the saddle is of third order."""
    hidden = draw(st.lists(st.integers(1, 2), min_size=1, max_size=2))
    d0 = draw(st.integers(1, 2))
    net = Network((d0, *hidden, 1), "tanh")
    small = st.fractions(-2, 2, max_denominator=3)
    n = draw(st.integers(2, 4))
    X = draw(st.lists(st.lists(small, min_size=d0, max_size=d0), min_size=n, max_size=n))
    y = draw(st.lists(small, min_size=n, max_size=n))
    mean = sum(y, F(0)) / n
    point = Point.unflatten(net, [F(0)] * (net.n_params - 1) + [mean])
    moments = [sum(((mean - t) * x[m] for x, t in zip(X, y, strict=True)), F(0)) for m in range(d0)]
    return net, Dataset.of(X, [[t] for t in y]), point, any(moments)


def _check_deep_zero(case):
    net, data, point, moment = case
    found = certify_null_descent(net, data, point).found
    if found is not None:  # sound: the witness is lower at 60 digits
        assert reference_loss(net, data, found.witness) < reference_loss(net, data, point)
    if moment:
        assert found is not None and found.order == len(net.widths) - 1


@settings(max_examples=2, deadline=None)
@given(deep_zero_saddles())
def test_deep_zero_nets_with_a_moment_are_third_order_saddles(case):
    _check_deep_zero(case)


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(deep_zero_saddles())
def test_deep_zero_nets_with_a_moment_are_third_order_saddles_thorough(case):
    _check_deep_zero(case)


@st.composite
def fifth_order_cases(draw):
    """A bias-free 1-2-1-1 tanh net at θ = 0 on data whose first moment Σ x·y is 0 and third Σ x³·y is
    not. By hand, f = v·tanh(Σ_j u_j tanh(w_j x)) = v Σ u_j w_j x − (v/3) Σ u_j w_j³ x³ + O(|θ|⁷), so along a
    ray t·(w, u, v) the loss mean y² − 2 mean(y f) + mean f² has c₃ = −2 v Σ u w · mean(xy) = 0, c₄ = 0 and
    c₅ = (2/3)·v Σ u_j w_j³ · mean(x³y), not 0 for a generic ray: an odd first order, so a saddle of
    order 5 (the Hessian and the third- and fourth-order searches see nothing)."""
    xs = draw(st.lists(st.integers(-3, 3).filter(bool), min_size=4, max_size=5, unique=True))
    raw = [F(draw(st.integers(-6, 6))) for _ in xs]
    moment = sum(x * x for x in xs)
    ys = [
        y - x * sum(a * b for a, b in zip(xs, raw, strict=True)) / moment
        for x, y in zip(xs, raw, strict=True)
    ]
    assert sum(x * y for x, y in zip(xs, ys, strict=True)) == 0
    assume(sum(x**3 * y for x, y in zip(xs, ys, strict=True)) != 0)
    net = Network((1, 2, 1, 1), "tanh", bias=False)
    return Trap(net, Dataset.of([[x] for x in xs], [[y] for y in ys]), Point.unflatten(net, [0] * 5))


@settings(max_examples=3, deadline=None, derandomize=True)
@given(fifth_order_cases())
def test_zero_nets_whose_first_moment_vanishes_are_fifth_order_saddles(trap):
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "null-direction-descent"), cert.reason
    below = reference_loss(trap.network, trap.dataset, cert.witness)
    assert below < reference_loss(trap.network, trap.dataset, trap.point)
