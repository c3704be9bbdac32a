"""Descent candidates at degenerate critical points: found descents are checked against hand-derived germ
coefficients and the independent reference loss; at constructed minima no candidate may descend."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
import sympy
from hypothesis import assume, given, settings, strategies as st

from badminima.arithmetic.exact import ExactArithmetic
from badminima.errors import BackendError
from badminima.landscape import region_of
from badminima.landscape.derivatives import hessian_of_flat
from badminima.landscape.problem import prepare
from badminima.model import Dataset, Network, Point
from badminima.verify import exact_descent
from badminima.verify.descent_candidates import (
    descent_candidates,
    negative_direction,
    unit_coordinates,
)
from tests.reference import reference_loss
from tests.verify.saved import saved_trap

small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


def _region(net, data, point):
    return region_of(net, data, point) if net.activation in ("relu", "leaky_relu") else None


def _descents(net, data, point):
    """Every candidate's proved descent (soundness is exact_descent's; the candidates only propose)."""
    cands = descent_candidates(net, data, point, _region(net, data, point))
    return cands, [d for d in (exact_descent(net, data, point, v) for v in cands) if d is not None]


def _first_descent(net, data, point):
    for v in descent_candidates(net, data, point, _region(net, data, point)):
        d = exact_descent(net, data, point, v)
        if d is not None:
            return d
    return None


def _affine_fit(X, y):
    """Exact least-squares affine fit (sympy, normal equations): slope vector, intercept, residuals f − y."""
    A = sympy.Matrix([[*x, 1] for x in X])
    Y = sympy.Matrix(y)
    coef = (A.T * A).inv() * A.T * Y
    q = [F(int(c.p), int(c.q)) for c in coef]
    fitted = [sum((a * b for a, b in zip(q[:-1], x, strict=True)), q[-1]) for x in X]
    return q[:-1], q[-1], [f - t for f, t in zip(fitted, y, strict=True)]


# --- the exact helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("widths", [(2, 3, 1), (1, 2, 2, 1), (3, 2)])
@pytest.mark.parametrize("bias", [True, False])
def test_unit_coordinates_index_the_flat_point(widths, bias):
    net = Network(widths, "relu" if len(widths) > 2 else "identity", bias=bias)
    # Each parameter's value names it: 1000·layer + 100·unit + input (+ 99 for the bias).
    layers = []
    for lay, (out, inp) in enumerate(net.layer_shapes):
        W = [[1000 * lay + 100 * j + m for m in range(inp)] for j in range(out)]
        layers.append((W, [1000 * lay + 100 * j + 99 for j in range(out)] if bias else None))
    flat = Point.of(layers).flatten()
    for lay, (out, inp) in enumerate(net.layer_shapes):
        for j in range(out):
            expected = [1000 * lay + 100 * j + m for m in range(inp)] + (
                [1000 * lay + 100 * j + 99] if bias else []
            )
            assert [flat[k] for k in unit_coordinates(net, lay, j)] == expected


# --- (a) deep linear networks: zero or singular Hessian, cubic descent ------------------------------------


def test_deep_linear_origin_descends_at_third_order():
    """1-1-1-1 without biases, data (1, 1), (2, 3), at the origin: the Hessian is 0 and by hand
    loss(t v) = ((v₁v₂v₃t³ − 1)² + (2v₁v₂v₃t³ − 3)²)/2 = 5 − 7·v₁v₂v₃·t³ + (5/2)(v₁v₂v₃)²t⁶."""
    net = Network((1, 1, 1, 1), "identity", bias=False)
    data = Dataset.of([[1], [2]], [[1], [3]])
    zero = Point.unflatten(net, [0, 0, 0])
    assert reference_loss(net, data, zero) == 5
    d = _first_descent(net, data, zero)
    assert d is not None
    v1, v2, v3 = d.direction
    assert d.order == 3 and d.coefficient == -7 * v1 * v2 * v3
    assert d.witness_loss == reference_loss(net, data, d.witness) < 5
    # The hand lower point at t = 1 along (1, 1, 1): ((1 − 1)² + (2 − 3)²)/2 = 1/2.
    assert reference_loss(net, data, Point.unflatten(net, [1, 1, 1])) == F(1, 2)


@pytest.mark.parametrize("bias", [False, True])
def test_deep_linear_2222_at_the_origin(bias):
    """2-2-2-2 at W = 0 (biases 0 except b₃ = ȳ): along directions with δb₃ = 0 the outputs move by
    t²·δW₃δb₂ + t³·δW₃δW₂(δW₁x + δb₁), and Σ(ȳ − yᵢ) = 0, so by hand the lowest term of the loss change
    is t³·(2/N)·Σᵢ (ȳ − yᵢ)·δW₃δW₂δW₁xᵢ (the Hessian is zero, or 2 on b₃ alone)."""
    X = [[1, 0], [2, 1], [0, 1], [1, 1]]
    y = [[1, 2], [3, -1], [0, 1], [2, 2]]
    net = Network((2, 2, 2, 2), "identity", bias=bias)
    data = Dataset.of(X, y)
    n = len(X)
    mean = [sum(F(r[k]) for r in y) / n if bias else F(0) for k in range(2)]
    flat = [F(0)] * net.n_params
    if bias:
        flat[-2:] = mean
    point = Point.unflatten(net, flat)
    base = reference_loss(net, data, point)
    d = _first_descent(net, data, point)
    assert d is not None and d.order == 3
    step = Point.unflatten(net, d.direction)
    W1, W2, W3 = (layer.W for layer in step.layers)
    if bias:
        assert step.layers[2].b == (0, 0)

    def mat(A, B):
        return [
            [sum(A[i][k] * B[k][j] for k in range(len(B))) for j in range(len(B[0]))] for i in range(len(A))
        ]

    M = mat(W3, mat(W2, W1))
    cubic = F(2, n) * sum(
        (mean[k] - F(yi[k])) * sum(M[k][m] * xi[m] for m in range(2))
        for xi, yi in zip(X, y, strict=True)
        for k in range(2)
    )
    assert d.coefficient == cubic < 0
    assert d.witness_loss == reference_loss(net, data, d.witness) < base


# --- (b) ReLU unit birth -----------------------------------------------------------------------------------


def _unit_birth(X, y, activation, born=1, dead=False):
    """A one-hidden-layer net whose unit 1 − born (relu(β·x + B), active everywhere, output weight 1) with
    output bias c = α − B is the exact affine least-squares fit y ≈ β·x + α; unit ``born`` has w = b = 0 and
    output weight 0, so every data point sits on its kink; an optional dead unit (w = 0, b = −1, v = 0)."""
    beta, alpha, residual = _affine_fit(X, [r[0] for r in y])
    B = 1 + sum(abs(b) for b in beta) * max(abs(F(v)) for x in X for v in x)
    d0 = len(X[0])
    units = [(list(beta), B, F(1)), ([F(0)] * d0, F(0), F(0))]
    if born == 0:
        units.reverse()
    if dead:
        units.append(([F(0)] * d0, F(-1), F(0)))
    net = Network((d0, len(units), 1), activation)
    point = Point.of(
        [([w for w, _, _ in units], [b for _, b, _ in units]), ([[v for _, _, v in units]], [alpha - B])]
    )
    return net, Dataset.of(X, y), point, residual


def _phi(net, X, residual, u):
    """Σᵢ rᵢ·σ(uᵀ(xᵢ, 1)): by hand, along w_born = t·u_w, b_born = t·u_b, v_born = t·s the loss changes by
    (2s/N)·φ(u)·t² + O(t³), so φ(u) ≠ 0 is a second-order descent with s = −sign φ(u)."""
    slope = F(0) if net.activation == "relu" else net.leaky_slope

    def act(z):
        return z if z > 0 else slope * z

    return sum(
        (
            r * act(sum((a * b for a, b in zip(u, [*x, 1], strict=True)), F(0)))
            for r, x in zip(residual, X, strict=True)
        ),
        F(0),
    )


def _hinges(X):
    """Explicit incoming directions u = (±e_k, −x_ik): hinges through each data point along each axis."""
    d0 = len(X[0])
    out = []
    for k in range(d0):
        for x in X:
            for s in (1, -1):
                out.append([F(s) if m == k else F(0) for m in range(d0)] + [-s * F(x[k])])
    return out


def test_unit_birth_by_hand():
    """Six points x = −2..3, y = (1, 0, 1, 0, 2, 1). By hand: the affine fit is 16/21 + x/7, so the
    residuals f − y at x = 1, 2, 3 are 19/21, −20/21, 4/21, and the hinge relu(x) has
    φ = Σ r_i relu(x_i) = (19 − 40 + 12)/21 = −3/7. Turning the unit on along w = t, v = t (s = +1)
    changes the loss by exactly (2/6)·φ·t² + (1/6)·Σ relu(x_i)²·t⁴ < 0 for small t."""
    xs, ys = [-2, -1, 0, 1, 2, 3], [1, 0, 1, 0, 2, 1]
    X, y = [[x] for x in xs], [[v] for v in ys]
    net, data, point, residual = _unit_birth(X, y, "relu")
    phi = _phi(net, X, residual, [F(1), F(0)])
    assert phi == F(-3, 7)
    base = reference_loss(net, data, point)
    flat = point.flatten()
    w, b, v = [*unit_coordinates(net, 0, 1), net.n_params - 2]
    for k in (10, 100, 1000):
        t = F(1, k)
        moved = list(flat)
        moved[w], moved[v] = t, t  # s = +1 = −sign φ
        # By hand: loss change = (2/N)·t²·φ + (1/N)·t⁴·Σ relu(x_i)², exactly (the rest is unchanged).
        change = F(2, 6) * t * t * phi + F(1, 6) * t**4 * sum(max(x, 0) ** 2 for x in xs)
        assert reference_loss(net, data, Point.unflatten(net, moved)) - base == change < 0
    d = _first_descent(net, data, point)
    assert d is not None and d.order == 2
    assert d.witness_loss == reference_loss(net, data, d.witness) < base
    u = [d.direction[w], d.direction[b]]
    if all(c == 0 for k, c in enumerate(d.direction) if k not in (w, b, v)):
        assert d.coefficient == F(2, 6) * d.direction[v] * _phi(net, X, residual, u)


@st.composite
def unit_births(draw):
    """Random data; the rest of the network at its exact affine least-squares optimum; one unit born at
    zero. Kept when an explicit hinge u has φ(u) ≠ 0: then, by the hand derivation in `_phi`, the point
    is a saddle (a second-order descent along (u, −sign φ(u)) on the born unit)."""
    d0 = draw(st.integers(1, 2))
    n = draw(st.integers(d0 + 2, 6))
    X = draw(st.lists(st.lists(small, min_size=d0, max_size=d0), min_size=n, max_size=n, unique_by=tuple))
    y = [[draw(small)] for _ in range(n)]
    A = sympy.Matrix([[*x, 1] for x in X])
    assume(A.rank() == d0 + 1)
    net, data, point, residual = _unit_birth(
        X,
        y,
        draw(st.sampled_from(["relu", "leaky_relu"])),
        born=draw(st.integers(0, 1)),
        dead=draw(st.booleans()),
    )
    assume(any(_phi(net, X, residual, u) != 0 for u in _hinges(X)))
    return net, data, point


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_unit_birth_in_two_dimensions(activation):
    """Six points in the plane: the hinge u = (1, 0, −1) (through x₁ = 1) has φ(u) ≠ 0 by `_phi`."""
    X = [[0, 0], [1, 0], [0, 1], [1, 1], [2, 1], [1, 3]]
    net, data, point, residual = _unit_birth(X, [[0], [1], [1], [0], [2], [1]], activation)
    assert _phi(net, X, residual, [F(1), F(0), F(-1)]) != 0
    base = reference_loss(net, data, point)
    d = _first_descent(net, data, point)
    assert d is not None and d.order == 2
    assert d.witness_loss == reference_loss(net, data, d.witness) < base


@settings(max_examples=12)
@given(unit_births())
def test_unit_birth_saddles_are_found(case):
    net, data, point = case
    base = reference_loss(net, data, point)
    d = _first_descent(net, data, point)
    assert d is not None and d.order == 2
    assert d.witness_loss == reference_loss(net, data, d.witness) < base


# --- minima: no candidate may show descent ----------------------------------------------------------------


@st.composite
def region_minima(draw):
    """A one-hidden-layer ReLU/leaky-ReLU net at a rational point with no pre-activation at zero, and
    targets y = f(x) + r with r orthogonal (exactly, by sympy) to the region's features D_j·(x, 1) and 1.
    Every nearby point has predictions in that span (same region), so the loss is ≥ ‖r‖²/N = its value:
    a local minimum (the least-squares argument, Swirszcz et al. 2016), with rescaling null directions."""
    act = draw(st.sampled_from(["relu", "leaky_relu"]))
    d0, h = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    n = draw(st.integers(2, 6))
    X = draw(st.lists(st.lists(small, min_size=d0, max_size=d0), min_size=n, max_size=n))
    W = [[draw(small) for _ in range(d0)] for _ in range(h)]
    b = [draw(small) for _ in range(h)]
    v = [draw(small.filter(bool)) for _ in range(h)]
    c = draw(small)
    net = Network((d0, h, 1), act)
    slope = F(0) if act == "relu" else net.leaky_slope
    cols, f = [[F(1)] * n], []
    for j in range(h):
        z = [sum((w * x for w, x in zip(W[j], xi, strict=True)), b[j]) for xi in X]
        assume(all(zi != 0 for zi in z))
        D = [F(1) if zi > 0 else slope for zi in z]
        cols += [[D[i] * X[i][m] for i in range(n)] for m in range(d0)] + [D]
    for xi in X:
        out = c
        for j in range(h):
            z = sum((w * x for w, x in zip(W[j], xi, strict=True)), b[j])
            out += v[j] * (z if z > 0 else slope * z)
        f.append(out)
    Phi = sympy.Matrix([[sympy.Rational(a.numerator, a.denominator) for a in col] for col in cols]).T
    noise = sympy.Matrix([sympy.Rational(draw(small)) for _ in range(n)])
    proj = Phi * Phi.pinv() * noise  # the orthogonal projection onto the span of the features
    r = [F(int(e.p), int(e.q)) for e in (noise - proj)]
    y = [[fi + ri] for fi, ri in zip(f, r, strict=True)]
    point = Point.of([(W, b), ([v], [c])])
    return net, Dataset.of(X, y), point


@st.composite
def deep_linear_minima(draw):
    """A deep linear net (no biases) whose end-to-end product is the exact least-squares solution: a global
    minimum (predictions can only be P·x), with a singular Hessian (rescaling and cancelling directions)."""
    depth = draw(st.integers(2, 3))
    n = draw(st.integers(1, 4))
    X = draw(st.lists(st.lists(small.filter(bool), min_size=1, max_size=1), min_size=n, max_size=n))
    y = [[draw(small)] for _ in range(n)]
    p = sum(F(x[0]) * F(t[0]) for x, t in zip(X, y, strict=True)) / sum(F(x[0]) ** 2 for x in X)
    scales = [draw(small.filter(bool)) for _ in range(depth - 1)]
    first = p
    for s in scales:
        first /= s
    net = Network((1,) * (depth + 1), "identity", bias=False)
    return net, Dataset.of(X, y), Point.unflatten(net, [first, *scales])


@st.composite
def fitted_unit_births(draw):
    """A unit born at zero beside an exact fit (targets affine in x): the loss is 0, a global minimum,
    and every data point is on the born unit's kink."""
    d0 = draw(st.integers(1, 2))
    n = draw(st.integers(d0 + 1, 5))
    X = draw(st.lists(st.lists(small, min_size=d0, max_size=d0), min_size=n, max_size=n, unique_by=tuple))
    beta = [draw(small) for _ in range(d0)]
    alpha = draw(small)
    y = [[sum((a * b for a, b in zip(beta, x, strict=True)), alpha)] for x in X]
    assume(sympy.Matrix([[*x, 1] for x in X]).rank() == d0 + 1)
    net, data, point, residual = _unit_birth(X, y, draw(st.sampled_from(["relu", "leaky_relu"])))
    assert not any(residual)
    return net, data, point


@settings(max_examples=30)
@given(st.one_of(region_minima(), deep_linear_minima(), fitted_unit_births()))
def test_no_candidate_descends_at_a_minimum(case):
    net, data, point = case
    cands, descents = _descents(net, data, point)
    assert cands  # rescaling null directions or kink cells: the search has something to try
    assert descents == []


def test_candidates_are_bounded_and_deterministic():
    X, y = [[x] for x in (-2, -1, 0, 1, 2, 3)], [[v] for v in (1, 0, 1, 0, 2, 1)]
    net, data, point, _ = _unit_birth(X, y, "relu", dead=True)
    region = region_of(net, data, point)
    for limit in (1, 7, 40):
        cands = descent_candidates(net, data, point, region, limit=limit)
        assert 1 <= len(cands) <= limit
        assert cands == descent_candidates(net, data, point, region, limit=limit)
        assert all(len(v) == net.n_params and any(v) for v in cands)


def test_smooth_networks_are_refused():
    net = Network((1, 1, 1), "sigmoid")
    data = Dataset.of([[1]], [[0]])
    with pytest.raises(BackendError, match="rational loss"):
        descent_candidates(net, data, Point.unflatten(net, [0, 0, 0, 0]), None)


def test_the_callers_exact_hessians_give_the_same_candidates():
    """certify already holds the exact piece Hessians (numpy object arrays): passing them changes nothing
    where there is one piece (no kinks)."""
    net = Network((2, 2, 2, 2), "identity")
    data = Dataset.of([[1, 0], [2, 1], [0, 1], [1, 1]], [[1, 2], [3, -1], [0, 1], [2, 2]])
    point = Point.unflatten(net, [0] * (net.n_params - 2) + [F(3, 2), 1])
    exact = ExactArithmetic()
    prob = prepare(net, data, point, arith=exact)
    H = hessian_of_flat(net, prob.inputs, prob.targets, prob.flat, arith=exact, masks=prob.masks)
    assert descent_candidates(net, data, point, None, hessians=[H]) == descent_candidates(
        net, data, point, None
    )


def test_depth_four_linear_origin_descends_at_fourth_order():
    """1-1-1-1-1 without biases at the origin, data (1, 1), (2, 3): by hand, with p = v₁v₂v₃v₄,
    loss(t v) = ((p t⁴ − 1)² + (2p t⁴ − 3)²)/2 = 5 − 7p·t⁴ + (5/2)p²·t⁸: every Hessian and cubic term is 0."""
    net = Network((1, 1, 1, 1, 1), "identity", bias=False)
    data = Dataset.of([[1], [2]], [[1], [3]])
    zero = Point.unflatten(net, [0, 0, 0, 0])
    d = _first_descent(net, data, zero)
    assert d is not None and d.order == 4
    v1, v2, v3, v4 = d.direction
    assert d.coefficient == -7 * v1 * v2 * v3 * v4
    assert d.witness_loss == reference_loss(net, data, d.witness) < 5


def test_unit_birth_in_the_second_hidden_layer():
    """The by-hand line data of `test_unit_birth_by_hand` on a 1-2-2-1 ReLU net: first layer
    (relu(x + 10), dead relu(−1)), second layer unit 0 = relu(h₀) with output weight 1/7 and output bias
    16/21 − 10/7 (the affine fit 16/21 + x/7), unit 1 born with zero weights. Its incoming direction
    u = (1, 0, −10) makes the hinge relu(h₀ − 10) = relu(x), whose φ = −3/7 ≠ 0: a second-order descent."""
    xs, ys = [-2, -1, 0, 1, 2, 3], [1, 0, 1, 0, 2, 1]
    net = Network((1, 2, 2, 1), "relu")
    data = Dataset.of([[x] for x in xs], [[v] for v in ys])
    a, c = F(1, 7), F(16, 21)
    point = Point.of([([[1], [0]], [10, -1]), ([[1, 0], [0, 0]], [0, 0]), ([[a, 0]], [c - 10 * a])])
    base = reference_loss(net, data, point)
    # By hand: residuals (−11, 13, −5, 19, −20, 4)/21, Σ r² = 1092/441, over 6 points = 26/63.
    assert base == F(26, 63)
    d = _first_descent(net, data, point)
    assert d is not None and d.order == 2
    assert d.witness_loss == reference_loss(net, data, d.witness) < base


@st.composite
def kinked_points(draw):
    """Random small piecewise-linear nets at random points, with some first-layer units put exactly on
    their kink at a data point (or at every point, w = b = 0)."""
    act = draw(st.sampled_from(["identity", "relu", "leaky_relu"]))
    d0 = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    widths = (d0, *hidden, draw(st.integers(1, 2)))
    net = Network(widths, act, bias=draw(st.booleans()))
    n = draw(st.integers(1, 6))
    X = [[draw(small) for _ in range(d0)] for _ in range(n)]
    y = [[draw(small) for _ in range(widths[-1])] for _ in range(n)]
    flat = [draw(small) for _ in range(net.n_params)]
    for j in range(widths[1]):
        how = draw(st.sampled_from(["free", "through", "zero"]))
        coords = unit_coordinates(net, 0, j)
        if how == "zero":
            for k in coords:
                flat[k] = F(0)
        elif how == "through" and net.bias:
            i = draw(st.integers(0, n - 1))
            flat[coords[-1]] = -sum((flat[k] * X[i][m] for m, k in enumerate(coords[:-1])), F(0))
    return net, Dataset.of(X, y), Point.unflatten(net, flat)


def _within_the_limit(case, limit):
    net, data, point = case
    cands = descent_candidates(net, data, point, _region(net, data, point), limit=limit)
    assert len(cands) <= limit
    assert all(len(v) == net.n_params and any(v) and all(isinstance(c, F) for c in v) for v in cands)
    assert len({tuple(c / max(abs(x) for x in v) for c in v) for v in cands}) == len(cands)  # distinct rays


@settings(max_examples=10)
@given(kinked_points(), st.integers(1, 60))
def test_candidates_are_exact_directions_within_the_limit(case, limit):
    _within_the_limit(case, limit)


@pytest.mark.slow
@settings(max_examples=100)
@given(kinked_points(), st.integers(1, 60))
def test_candidates_are_exact_directions_within_the_limit_thorough(case, limit):
    _within_the_limit(case, limit)


@given(st.integers(1, 5).flatmap(lambda n: st.lists(st.integers(-3, 3), min_size=n * n, max_size=n * n)))
def test_negative_direction_exists_exactly_when_the_matrix_is_not_positive_semidefinite(entries):
    n = round(len(entries) ** 0.5)
    M = sympy.Matrix(n, n, entries)
    M = M + M.T  # symmetric, integer entries
    if len(entries) % 2 == 0:  # also rank-deficient ones: a Gram matrix with a zero direction
        M = M.T * M
        M[0, 0] -= 1 if M[0, 0] and entries[0] % 3 == 0 else 0
    H = [[F(int(M[i, j])) for j in range(n)] for i in range(n)]
    v = negative_direction(H)
    psd = M.is_positive_semidefinite  # sympy's, independently of the elimination
    if v is None:
        assert psd
    else:
        assert sum(v[i] * H[i][j] * v[j] for i in range(n) for j in range(n)) < 0 and not psd


def test_a_badly_balanced_deep_linear_saddle_is_found_exactly():
    """A black-box red team's trap (s17): a 2-1-2 linear net (no biases) at its second singular pair,
    the layers unbalanced 1000 : 1/1000, so the negative curvature (1e-6) is 1e-12 of the Hessian's norm
    and no float eigenvector is trusted. Truth: the exact gradient is 0 (sympy differentiates the
    reference loss here) and the exhibited point is lower at 60 digits."""

    from badminima.verify import Verdict, certify

    trap = saved_trap("s17-lin-bottleneck-second-a1000")
    theta = sympy.symbols(f"t0:{trap.network.n_params}")
    flat = trap.point.flatten()
    w, v = theta[:2], theta[2:]
    loss = sum(
        ((v[k] * (w[0] * x[0] + w[1] * x[1])) - y[k]) ** 2
        for x, y in zip(trap.dataset.X, trap.dataset.y, strict=True)
        for k in range(2)
    ) / len(trap.dataset.X)
    at = dict(zip(theta, [sympy.Rational(q.numerator, q.denominator) for q in flat], strict=True))
    assert all(sympy.diff(loss, t).subs(at) == 0 for t in theta)
    assert loss.subs(at) == reference_loss(trap.network, trap.dataset, trap.point)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.SADDLE, cert.reason
    assert reference_loss(trap.network, trap.dataset, cert.witness) < reference_loss(
        trap.network, trap.dataset, trap.point
    )
