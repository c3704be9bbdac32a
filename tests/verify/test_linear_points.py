"""Deep linear networks at degenerate critical points (`badminima.verify.linear_points`): exact global
optima, flat saddles along rank-one growth chains, and rounded points snapped to exact critical points.

Every expected value comes from outside the verifier: gradients exactly from the reference loss (a
quadratic along each coordinate), losses from `tests.reference`, the global optimum L* from the
eigenvalues of Σ by mpmath at 60 digits, and the saddle/minimum truth from Kawaguchi (2016, Theorem 2.3)
on data whose hypotheses are checked exactly."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, given, settings, strategies as st

from badminima.arithmetic.flint_bridge import fmpq_matrix
from badminima.claims.linear_networks import (
    SubspaceCase,
    cayley,
    linear_hypotheses,
    spectral_dataset,
    subspace_point,
)
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.descent import exact_descent
from badminima.verify.linear_points import (
    _all_roots_nonnegative,
    growth_directions,
    rank_optimum,
)
from badminima.verify.linear_snap import snap_critical
from tests.grid import diagonal
from tests.reference import reference_loss

FAST = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


# --- independent references ---------------------------------------------------------------------------


def reference_gradient(net: Network, data: Dataset, point: Point) -> list[F]:
    """∇loss at ``point``, exactly, from the reference loss alone: each output is linear in any single
    parameter, so the loss is a quadratic q(t) along a coordinate and q'(0) = (q(1) − q(−1))/2 exactly."""
    flat = list(point.flatten())
    out = []
    for i in range(len(flat)):
        up = Point.unflatten(net, [*flat[:i], flat[i] + 1, *flat[i + 1 :]])
        down = Point.unflatten(net, [*flat[:i], flat[i] - 1, *flat[i + 1 :]])
        out.append((reference_loss(net, data, up) - reference_loss(net, data, down)) / 2)
    return out


def _mp(v) -> mpmath.mpf:
    q = sympy.Rational(v)
    return mpmath.mpf(int(q.p)) / int(q.q)


def optimum_60(net: Network, data: Dataset) -> mpmath.mpf:
    """L* = (‖Y₀‖² − top r eigenvalues of Σ)/N at 60 digits (Σ = Y₀ᵀZ(ZᵀZ)⁻¹ZᵀY₀, centred with biases;
    needs ZᵀZ invertible), from sympy matrices and mpmath's symmetric eigensolver."""
    X, Y = sympy.Matrix(data.X), sympy.Matrix(data.y)
    n = X.rows
    if net.bias:
        X = X - sympy.ones(n, 1) * (sympy.ones(1, n) * X) / n
        Y = Y - sympy.ones(n, 1) * (sympy.ones(1, n) * Y) / n
    S = Y.T * X * (X.T * X).inv() * X.T * Y
    r = min(net.widths)
    with mpmath.workdps(60):
        lam, _ = mpmath.eigsy(mpmath.matrix([[_mp(v) for v in row] for row in S.tolist()]))
        top = sorted((lam[i] for i in range(len(lam))), reverse=True)[:r]
        total = sum(_mp(v) for v in (Y.T * Y).diagonal())
        return (total - sum(top)) / n


def cut(v: F, digits: int) -> F:
    """``v`` rounded to ``digits`` significant decimal digits (0 stays 0)."""
    if v == 0:
        return v
    with mpmath.workdps(digits + 10):
        return F(mpmath.nstr(mpmath.mpf(v.numerator) / v.denominator, digits, strip_zeros=False))


def rounded(net: Network, point: Point, digits: int) -> Point:
    return Point.unflatten(net, [cut(v, digits) for v in point.flatten()])


# --- fixed cases -------------------------------------------------------------------------------------

FRAME = cayley([F(1), F(1, 2), F(0), F(-1), F(1, 3), F(2), F(1), F(0), F(1), F(-1, 2)], 5)
ROTATION = cayley([F(1, 2), F(-1), F(1, 3)], 3)
EIGENVECTORS = cayley([F(1), F(2), F(-1, 2)], 3)
RESIDUAL = ((F(1), F(0), F(1)), (F(0), F(1), F(-1)))


def spectral(bias: bool) -> Dataset:
    """Σ = U diag(9, 4, 1) Uᵀ exactly (U = EIGENVECTORS), S_xx = I (mirrored and centred with biases)."""
    return spectral_dataset(
        FRAME, ROTATION, EIGENVECTORS, [F(3), F(2), F(1)], residual=RESIDUAL, mirrored=bias
    )


def case_point(widths, bias, subset, rescaling=None):
    net = Network(widths, "identity", bias=bias)
    data = spectral(bias)
    scales = tuple([rescaling] * (net.depth - 1)) if rescaling else ()
    return net, data, subspace_point(SubspaceCase(net, data, EIGENVECTORS, subset, scales))


@FAST
@given(st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=3), min_size=6, max_size=6))
def test_the_sign_test_for_nonnegative_eigenvalues(entries):
    """The characteristic-polynomial sign test agrees with sympy's exact positive-semidefiniteness on
    symmetric 3 × 3 rational matrices (shifted so that singular and indefinite ones both occur)."""
    a, b, c, d, e, f = entries
    rows = [[a * a + 1, b, c], [b, d * d, e], [c, e, f]]
    M = sympy.Matrix([[sympy.Rational(v.numerator, v.denominator) for v in r] for r in rows])
    assert _all_roots_nonnegative(fmpq_matrix(rows)) == M.is_positive_semidefinite


@pytest.mark.parametrize("widths", [(1, 1, 1, 1), (2, 2, 2), (2, 2, 2, 2), (2, 2, 2, 2, 2)])
def test_growth_at_the_origin_matches_the_hand_coefficient(widths):
    """At W = 0 (no biases) every hidden direction is dead, the outputs are 0 and the residual is Y: by
    hand the chain through all L layers along e_p, e_q (dead vectors e_0, norm 1) gives
    loss(t v) − loss(0) = −(2/N)·|(YᵀX)_pq|·t^L + O(t^{2L}), largest |(YᵀX)_pq| chosen."""
    X = [[1, 0], [2, 1], [0, 1], [1, 1], [3, -1]]
    Y = [[1, 2], [3, -1], [0, 1], [2, 2], [1, 0]]
    d0, dL = widths[0], widths[-1]
    X, Y = [r[:d0] for r in X], [r[:dL] for r in Y]
    net = Network(widths, "identity", bias=False)
    data = Dataset.of(X, Y)
    zero = Point.unflatten(net, [0] * net.n_params)
    G = sympy.Matrix(Y).T * sympy.Matrix(X)
    expected = -sympy.Rational(2, len(X)) * max(abs(v) for v in G)
    (first, *_) = growth_directions(net, data, zero)
    assert first.order == net.depth
    desc = exact_descent(net, data, zero, first.direction)
    assert desc is not None and desc.order == net.depth and desc.coefficient == expected
    assert reference_loss(net, data, desc.witness) == desc.witness_loss < reference_loss(net, data, zero)
    cert = certify(Trap(net, data, zero), probes=0)
    assert cert.verdict is Verdict.SADDLE, cert.reason
    assert reference_loss(net, data, cert.witness) < reference_loss(net, data, zero)


@pytest.mark.parametrize("widths", [(3, 2, 2, 3), (3, 2, 2, 2, 3)])
@pytest.mark.parametrize("bias", [False, True])
def test_the_rank_one_chain_descends_at_the_order_of_its_length(widths, bias):
    """At the rank-1 top point (hidden unit 1 dead in every layer) the first chain proposed runs through
    every layer, and the exact germ along it starts at order L (the loss is flat below it), with a
    witness the reference confirms lower."""
    net, data, point = case_point(widths, bias, (0,))
    chain = growth_directions(net, data, point)[0]
    assert chain.layers == tuple(range(net.depth))
    desc = exact_descent(net, data, point, chain.direction)
    assert desc is not None and desc.order == net.depth and desc.coefficient < 0
    assert reference_loss(net, data, desc.witness) == desc.witness_loss < reference_loss(net, data, point)


@pytest.mark.parametrize("bias", [False, True])
def test_rank_one_point_of_a_deep_net_is_a_flat_saddle(bias):
    """3-2-2-2-3 at the top-eigenvector point of rank 1 (hidden unit 1 dead in every layer): critical
    (reference gradient), not the global minimum (rank 1 < 2 while λ₂ = 4 > 0), and a fourth-order
    descent with a witness whose loss the reference confirms lower. The Hessian there looks positive
    semidefinite (float eigenvalues ≥ −1e-9): no second-order descent exists to find."""
    net, data, point = case_point((3, 2, 2, 2, 3), bias, (0,))
    assert all(g == 0 for g in reference_gradient(net, data, point))
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "rank-growth-saddle", cert.reason
    base = reference_loss(net, data, point)
    assert cert.loss_lower == cert.loss_upper == base
    assert reference_loss(net, data, cert.witness) == cert.witness_loss_upper < base
    assert _mp(base) > optimum_60(net, data) + mpmath.mpf("0.1")
    assert min(cert.diagnostics.hessian_eigenvalues) > -1e-9


def change_hidden_basis(net: Network, point: Point, G) -> Point:
    """W_l → G W_l, b_l → G b_l, W_(l+1) → W_(l+1) G⁻¹ in every hidden layer (same function, same loss)."""
    G = sympy.Matrix(G)
    layers = []
    for lay, layer in enumerate(point.layers):
        W = sympy.Matrix(layer.W)
        b = sympy.Matrix(layer.b) if layer.b is not None else None
        if lay < net.depth - 1:
            W, b = G * W, (G * b if b is not None else None)
        if lay > 0:
            W = W * G.inv()
        layers.append((W.tolist(), list(b) if b is not None else None))
    return Point.of(
        [([[F(str(v)) for v in r] for r in W], [F(str(v)) for v in b] if b else None) for W, b in layers]
    )


@pytest.mark.parametrize("G", [[[1, 1], [0, 1]], [[2, 1], [1, 1]]])
@pytest.mark.parametrize("bias", [False, True])
def test_a_change_of_hidden_basis_keeps_the_flat_saddle(G, bias):
    """The rank-1 point above with every hidden layer's basis changed by G: the same function (the
    reference loss is unchanged) and still critical, but no hidden direction is dead on both sides any
    more (sympy: ker W_(l+1) ∩ range(W_l)^⊥ = 0 in each hidden layer); the chain links a ∈ ker W_(l+1)
    to c ⊥ range W_l with cᵀa ≠ 0, and the fourth-order descent is still proved."""
    net, data, point = case_point((3, 2, 2, 2, 3), bias, (0,))
    mixed = change_hidden_basis(net, point, G)
    assert reference_loss(net, data, mixed) == reference_loss(net, data, point)
    assert all(g == 0 for g in reference_gradient(net, data, mixed))
    for lay in range(net.depth - 1):
        W, nxt = sympy.Matrix(mixed.layers[lay].W), sympy.Matrix(mixed.layers[lay + 1].W)
        if bias:
            W = W.row_join(sympy.Matrix(mixed.layers[lay].b))
        assert not sympy.Matrix.vstack(nxt, W.T).nullspace()
    cert = certify(Trap(net, data, mixed), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "rank-growth-saddle", cert.reason
    assert (
        reference_loss(net, data, cert.witness) == cert.witness_loss_upper < reference_loss(net, data, mixed)
    )


@pytest.mark.parametrize(
    ("widths", "bias", "unbalanced"),
    diagonal([(3, 2, 3), (3, 2, 2, 3), (3, 2, 2, 2, 3)], [False, True], [False, True]),
)
def test_rank_constrained_global_minimum(widths, bias, unbalanced):
    """The top-2 point of a bottleneck net (factors unbalanced by diag(10, 1/7) rescalings, or not) is a
    global minimum: the loss equals L* from 60-digit eigenvalues, and certify proves local-min exactly."""
    rescaling = ((F(10), F(0)), (F(1), F(1, 7))) if unbalanced else None
    net, data, point = case_point(widths, bias, (0, 1), rescaling)
    assert linear_hypotheses(net, data) is None
    star = optimum_60(net, data)
    assert abs(_mp(reference_loss(net, data, point)) - star) < mpmath.mpf("1e-50")
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN and cert.code == "reduced-rank-optimum", cert.reason
    assert cert.rigor == "exact" and abs(_mp(cert.loss_lower) - star) < mpmath.mpf("1e-50")


@pytest.mark.parametrize("subset", [(1,), (0, 2), (1, 2)])
def test_a_non_top_subspace_proves_no_optimum(subset):
    """Column spaces that are not the top eigenvectors (Σ on V below Σ on V^⊥, or rank 1 < 2 with Σ ≠ 0
    on V^⊥) give no optimum; and the optimum a top point proves is L* at 60 digits."""
    net, data, point = case_point((3, 2, 2, 3), False, subset)
    assert rank_optimum(net, data, point) is None
    _, _, top = case_point((3, 2, 2, 3), False, (0, 1))
    assert abs(_mp(rank_optimum(net, data, top).value) - optimum_60(net, data)) < mpmath.mpf("1e-50")


def test_a_tie_at_a_rational_eigenvalue_is_still_proved():
    """Σ = 4I on a 2-1-2 net: every unit direction is optimal (loss 2 by hand: one of the two outputs
    fitted, the other left at (0² + 2²)/2); the separator is the tied eigenvalue 4 itself."""
    net = Network((2, 1, 2), "identity", bias=False)
    data = Dataset.of([[1, 0], [0, 1]], [[2, 0], [0, 2]])
    point = Point.of([([[1, 1]], None), ([[1], [1]], None)])
    assert reference_loss(net, data, point) == 2
    opt = rank_optimum(net, data, point)
    assert opt is not None and opt.value == 2 and opt.separator == 4


@pytest.mark.parametrize(("digits", "subset"), diagonal([6, 17, 30], [(0,), (0, 1)]))
def test_rounded_points_snap_to_an_exact_critical_point(digits, subset):
    """Rounded to 6, 17 or 30 digits, the point snaps back: the verdict is about an exactly critical
    point (reference gradient 0) within 10 rounding scales of the given one (≤ 10^(1 − digits)·scale)."""
    net, data, point = case_point((3, 2, 2, 2, 3), True, subset)
    given = rounded(net, point, digits)
    assert given != point
    cert = certify(Trap(net, data, given), probes=0)
    expected = Verdict.LOCAL_MIN if subset == (0, 1) else Verdict.SADDLE
    assert cert.verdict is expected, cert.reason
    center = cert.box_center
    assert all(g == 0 for g in reference_gradient(net, data, center))
    scale = max(1, max(abs(v) for v in given.flatten()))
    assert 0 < cert.box_radius <= 10 * scale * F(1, 10 ** (digits - 1))
    assert cert.box_radius == max(abs(a - b) for a, b in zip(given.flatten(), center.flatten(), strict=True))
    if expected is Verdict.SADDLE:
        assert reference_loss(net, data, cert.witness) < reference_loss(net, data, center)
    literal = certify(Trap(net, data, given), probes=0, literal=True)
    assert literal.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE)


def test_snapping_needs_an_exactly_critical_point():
    """A point 1e-12 off the critical one, then written to 17 digits, has no exactly critical point of
    simplest rationals within its rounding: no snap, and never a minimum."""
    net, data, point = case_point((3, 2, 2, 3), False, (0, 1))
    moved = rounded(net, Point.unflatten(net, [v + F(1, 10**12) for v in point.flatten()]), 17)
    assert snap_critical(net, data, moved) is None
    cert = certify(Trap(net, data, moved), probes=0)
    assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), cert.reason


# --- soundness property ------------------------------------------------------------------------------


def _skew(draw, n):
    entry = st.fractions(min_value=-3, max_value=3, max_denominator=3)
    return [draw(entry) for _ in range(n * (n - 1) // 2)]


@st.composite
def linear_critical_points(draw):
    """A deep linear net on data with Σ = U diag(σ²) Uᵀ exactly (Kawaguchi's hypotheses hold: S_xx = I,
    distinct σ), at the Baldi–Hornik critical point of a drawn eigenvector subset (possibly empty: the
    origin) with drawn rescalings, exact or rounded (17 digits) or moved off (by 1/(3·10⁹), then written to
    17 digits: far beyond rounding, inside a float print's window).
    Truth by Kawaguchi's theorem: a global minimum iff the subset is the top r = min(widths); otherwise a
    saddle."""
    dy = draw(st.integers(1, 3))
    dx = draw(st.integers(dy, 3))
    depth = draw(st.integers(2, 4))
    p = draw(st.integers(0, dy))
    hidden = [draw(st.integers(max(p, 1), max(p, 1) + 1)) for _ in range(depth - 1)]
    bias = draw(st.booleans())
    K = draw(st.integers(dx, dx + 2))
    frame, rotation, U = (cayley(_skew(draw, k), k) for k in (K, dx, dy))
    sigma = draw(st.lists(st.integers(1, 6).map(F), min_size=dy, max_size=dy, unique=True))
    residual = tuple(tuple(F(draw(st.integers(-2, 2))) for _ in range(dy)) for _ in range(K - dx))
    data = spectral_dataset(frame, rotation, U, sigma, residual=residual, mirrored=bias)
    net = Network((dx, *hidden, dy), "identity", bias=bias)
    ranked = sorted(range(dy), key=lambda i: sigma[i], reverse=True)
    if draw(st.booleans()):  # the top p: the global minimum when p is the narrowest width
        subset = tuple(sorted(ranked[:p]))
    else:
        subset = tuple(sorted(draw(st.sampled_from(list(itertools.combinations(range(dy), p))))))
    if p == 0:
        point = Point.unflatten(net, [F(0)] * net.n_params)
    else:
        diag = st.sampled_from([F(1), F(-1), F(2), F(1, 2), F(10), F(-1, 7)])
        scales = tuple(
            tuple(
                tuple(
                    draw(diag) if i == j else F(draw(st.integers(-1, 1))) if j < i else F(0) for j in range(p)
                )
                for i in range(p)
            )
            for _ in range(depth - 1)
        )
        point = subspace_point(SubspaceCase(net, data, U, subset, scales))
    r = min(net.widths)
    top = tuple(sorted(ranked[:r]))
    is_global = subset == top
    form = draw(st.sampled_from(["exact", "rounded", "moved"]))
    if form == "rounded":
        point = rounded(net, point, 17)
    elif form == "moved":
        point = rounded(net, Point.unflatten(net, [v + F(1, 3 * 10**9) for v in point.flatten()]), 17)
    return net, data, point, is_global, p < r, form


def _check(example):
    net, data, point, is_global, deficient, form = example
    assert linear_hypotheses(net, data) is None
    cert = certify(Trap(net, data, point), probes=0)
    v = cert.verdict
    if not is_global:
        assert not v.is_minimum, cert.reason
    if v is Verdict.SADDLE:
        center = cert.box_center if cert.box_center is not None else point
        assert reference_loss(net, data, cert.witness) < reference_loss(net, data, center)
        assert not is_global
    if v.is_minimum:  # a bound on the optimum: exact, or a ball proof's lower bound over its box
        gap = optimum_60(net, data) - _mp(cert.loss_lower)
        assert -mpmath.mpf("1e-50") < gap < mpmath.mpf("1e-40" if cert.rigor == "exact" else "1e-30")
    if form == "moved":  # inside a float print's window (1e-3 relative): about the point moved from
        right = Verdict.LOCAL_MIN if is_global else Verdict.SADDLE
        assert v in (right, Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), cert.reason
        assert v is not right or cert.box_center is not None, cert.reason
    elif form == "rounded":
        assert v in (Verdict.LOCAL_MIN if is_global else Verdict.SADDLE, Verdict.INCONCLUSIVE), cert.reason
    elif is_global:
        assert v is Verdict.LOCAL_MIN, cert.reason
    elif deficient:  # rank below r: a direction is dead in every hidden layer, so the growth chain exists
        assert v is Verdict.SADDLE, cert.reason
    return cert


@FAST
@given(linear_critical_points())
def test_soundness_on_constructed_critical_points(example):
    _check(example)


@pytest.mark.slow
@SLOW
@given(linear_critical_points())
def test_soundness_on_constructed_critical_points_thorough(example):
    _check(example)


@pytest.mark.slow
def test_a_moved_global_minimum_of_a_square_linear_net_bounds_its_loss_tightly():
    """The slow property's find (session s36): a 3-3-3 linear net fitting y = diag(1, 2, 3)·x exactly
    (loss 0), its point 3.3e-10 off the factorisation (diag(1, 2, 3), I) in every number. The
    prediction-span minimum's loss bound was its 1e-12 box's, −1.9e-23; the optimum 0 is the truth."""
    e = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]
    X = [*e, *([-v for v in row] for row in e)]
    Y = [[v * (k + 1) for k, v in enumerate(row)] for row in X]
    s = F(33333333333333333, 10**26)
    diag = [F(10000000003333333, 10**16), F(20000000003333333, 10**16), F(30000000003333333, 10**16)]
    one = F(10000000003333333, 10**16)
    W1 = [[diag[i] if i == j else s for j in range(3)] for i in range(3)]
    W2 = [[one if i == j else s for j in range(3)] for i in range(3)]
    net = Network((3, 3, 3), "identity")
    point = Point.of([(W1, [s, s, s]), (W2, [s, s, s])])
    _check((net, Dataset.of(X, Y), point, True, False, "moved"))


def test_an_exact_large_weight_neither_moves_nor_widens_the_rounding_of_the_others():
    # s19 red team: f = w₁w₂w₃·x on (1, 1), (2, 3). Least squares: the product 7/5 = Σxy/Σx², loss 1/10,
    # the floor of every linear map: a global minimum wherever the product is 7/5. The point
    # (1e8, 4.2e-8, 0.3333) rounds (1e8, 4.2e-8, 1/3) (0.3333 is the 4-digit rounding of 1/3, the rest
    # exact). An exact 1e8 once scaled the rounding to 1e4 and the snap moved it to 99900000.
    net = Network((1, 1, 1, 1), "identity", bias=False)
    data = Dataset.of([[1], [2]], [[1], [3]])
    meant = Point.unflatten(net, [10**8, F(42, 10**9), F(1, 3)])
    assert reference_loss(net, data, meant) == F(1, 10)
    point = Point.unflatten(net, [10**8, F("0.000000042"), F("0.3333")])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN, cert.reason
    assert cert.box_center.flatten()[:2] == point.flatten()[:2]  # the exact numbers stay
    assert cert.loss_lower == F(1, 10)


def test_numbers_written_exactly_are_not_snapped_away():
    # (0.30000000000000001, 1e-17, −1e-17): the two short numbers are exact, and then ∂F/∂w₁ = w₂w₃·Σ(…)
    # is not 0 for any w₁ (the residuals at w₁w₂w₃ ≈ −3e-35 are −1 and −3): no critical point has them
    net = Network((1, 1, 1, 1), "identity", bias=False)
    data = Dataset.of([[1], [2]], [[1], [3]])
    tiny = F(1, 10**17)
    point = Point.unflatten(net, [F("0.30000000000000001"), tiny, -tiny])
    assert snap_critical(net, data, point) is None
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE), cert.reason
