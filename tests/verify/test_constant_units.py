"""Points whose hidden units are all constant on the data (Yun, Sra & Jadbabaie 2019, Theorem 2).

Truth, independent of badminima: at such a point the output is the constant C and the loss F* = mean of
(C − y_i)², 2/9 on Yun et al.'s data (residuals 1/3, 1/3, −2/3). With every point of the manifold critical
(Σ_i (ȳ − y_i) x_i = 0), the second-order behaviour transversal to it is the quadratic form derived by hand
in `_transversal_form` (for the paper's data it is their (C2.6)–(C2.7) matrix
[[a₁² + e₁, a₁a₂], [a₁a₂, a₂² + e₂]] with a_j = u_j h'(v_j), e_j = u_j h''(v_j)/3), evaluated here at 60
digits with mpmath; lower points are checked with tests.reference.
"""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from badminima.constructions.constant_features import yun_flat_trap
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from badminima.verify.constant_units import constant_units
from tests.grid import diagonal
from tests.reference import reference_loss

mp = mpmath.mpf


def _q(x):
    x = F(x)
    return mp(x.numerator) / x.denominator


def _derivatives(act: str, z):
    """h'(z), h''(z) at 60 digits, from the closed forms."""
    if act == "sigmoid":
        s = 1 / (1 + mpmath.exp(-z))
        return s * (1 - s), s * (1 - s) * (1 - 2 * s)
    t = mpmath.tanh(z)
    return 1 - t * t, -2 * t * (1 - t * t)


def _loss_derivatives(output, loss, ybar, t):
    """ℓ'(C*), ℓ''(C*) of one target t with respect to the logit, at the logit C* whose prediction is the
    mean ȳ (closed forms: mse (z − t)²; mse (σ(z) − t)²; cross-entropy softplus(z) − t z)."""
    if output == "identity":
        return 2 * (ybar - t), mp(2)
    s1 = ybar * (1 - ybar)
    if loss == "bce":
        return ybar - t, s1
    return 2 * (ybar - t) * s1, 2 * s1 * s1 + 2 * (ybar - t) * s1 * (1 - 2 * ybar)


def _transversal_form(act, X, Y, biases, V, output="identity", loss="mse"):
    """The smallest eigenvalue of the Hessian on T (incoming weights along the data's affine span, then
    the output biases) at a point of the manifold, by hand: ∂z_ik/∂w_j[u] = V_kj h'(β_j) u·x_i,
    ∂z_ik/∂c_l = δ_kl, ∂²z_ik/∂w_j² [u, u'] = V_kj h''(β_j)(u·x_i)(u'·x_i), and
    H = (1/N) Σ_i Σ_k (ℓ''_ik ∇z_ik ∇z_ikᵀ + ℓ'_ik ∇²z_ik)."""
    with mpmath.workdps(60):
        N, o = len(X), len(Y[0])
        ybar = [sum((_q(t[k]) for t in Y), mp(0)) / N for k in range(o)]
        dl = [[_loss_derivatives(output, loss, ybar[k], _q(t[k])) for k in range(o)] for t in Y]
        xs = [[_q(v) for v in x] for x in X]
        diffs = sympy.Matrix(
            [[sympy.Rational(str(F(a) - F(b))) for a, b in zip(x, X[0], strict=True)] for x in X[1:]]
        )
        span = [list(map(lambda v: mp(str(v)), vec)) for vec in diffs.T.columnspace()]
        basis = []
        for vec in span:  # Gram–Schmidt, so the blocks are in an orthonormal basis of the span
            for b in basis:
                dot = sum(p * q for p, q in zip(vec, b, strict=True))
                vec = [p - dot * q for p, q in zip(vec, b, strict=True)]
            norm = mpmath.sqrt(sum(p * p for p in vec))
            basis.append([p / norm for p in vec])
        cols = []  # (unit, direction) per transversal coordinate; ("c", k) for the output biases
        for j in range(len(biases)):
            cols += [(j, b) for b in basis]
        cols += [("c", k) for k in range(o)]
        n = len(cols)
        H = mpmath.matrix(n, n)

        def grad(col, i, k):
            if col[0] == "c":
                return mp(1) if col[1] == k else mp(0)
            j, u = col
            d1, _ = _derivatives(act, _q(biases[j]))
            return _q(V[k][j]) * d1 * sum(a * b for a, b in zip(u, xs[i], strict=True))

        for p in range(n):
            for q in range(n):
                total = mp(0)
                for i in range(N):
                    for k in range(o):
                        d1l, d2l = dl[i][k]
                        total += d2l * grad(cols[p], i, k) * grad(cols[q], i, k)
                        if cols[p][0] != "c" and cols[p][0] == cols[q][0]:
                            j = cols[p][0]
                            _, d2 = _derivatives(act, _q(biases[j]))
                            up = sum(a * b for a, b in zip(cols[p][1], xs[i], strict=True))
                            uq = sum(a * b for a, b in zip(cols[q][1], xs[i], strict=True))
                            total += d1l * _q(V[k][j]) * d2 * up * uq
                H[p, q] = total / N
        return min(mpmath.eigsy(H, eigvals_only=True))


YUN_X = [[1, 0], [0, 1], [F(1, 2), F(1, 2)]]
YUN_Y = [0, 0, 1]

CASES = [
    ("sigmoid", (-1, -2), (1, 1)),
    ("sigmoid", (F(-1, 2), 1), (2, F(1, 3))),
    ("sigmoid", (2, 3), (1, 1)),
    ("sigmoid", (1, -1), (-1, 2)),
    ("tanh", (-1, -2), (1, 1)),
    ("tanh", (1, F(-1, 3)), (-1, 1)),
    ("tanh", (1, -1), (1, 1)),
    ("tanh", (0, 1), (1, F(1, 2))),
]


def test_the_paper_matrix_is_the_transversal_form():
    # (C2.6)-(C2.7) of the paper against the hand-derived form, so the truth below is the paper's.
    for act, b, u in CASES:
        a = [_q(uj) * _derivatives(act, _q(bj))[0] for uj, bj in zip(u, b, strict=True)]
        e = [_q(uj) * _derivatives(act, _q(bj))[1] / 3 for uj, bj in zip(u, b, strict=True)]
        M = mpmath.matrix([[a[0] ** 2 + e[0], a[0] * a[1]], [a[0] * a[1], a[1] ** 2 + e[1]]])
        paper = min(mpmath.eigsy(M, eigvals_only=True))
        ours = _transversal_form(act, YUN_X, [[t] for t in YUN_Y], b, [u])
        assert (paper > 0) == (ours > 0) and (paper < 0) == (ours < 0)


@pytest.mark.parametrize(("case", "digits"), diagonal(CASES, [30, 17]))
def test_yun_trap_is_a_bad_minimum_exactly_where_the_hypotheses_hold(case, digits):
    act, biases, weights = case
    trap = yun_flat_trap(act, biases=biases, output_weights=weights, digits=digits)
    lam = _transversal_form(act, YUN_X, [[t] for t in YUN_Y], biases, [weights])
    assert abs(lam) > mpmath.mpf(10) ** -6  # every case is clear-cut
    cert = certify(trap, probes=0)
    F_star = F(2, 9)
    assert reference_loss(trap.network, trap.dataset, trap.better) < _q(F_star) - mp("0.2")
    if lam > 0:
        assert cert.verdict is Verdict.BAD_LOCAL_MIN and cert.code == "lift-constant-units", cert.reason
        assert cert.min_eigenvalue_bound > 0 and cert.gap_lower > 0
        assert cert.loss_lower == F_star == cert.loss_upper
    else:
        assert cert.verdict is Verdict.SADDLE and cert.code == "lifted-saddle", cert.reason
        assert reference_loss(trap.network, trap.dataset, cert.witness) < _q(F_star)


def test_degenerate_case_of_the_theorem_is_a_third_order_saddle():
    # sigmoid''(0) = 0: (C2.7) holds with equality, the transversal form is singular (by hand: a aᵀ with
    # a = u/4), so no second-order proof either way. Third order, by hand: the inputs lie on x₁ + x₂ = 1,
    # r = f − y = (1/3, 1/3, −2/3), σ(su) = ½ + su/4 − s³u³/48. Along δw₀ = (1, 0), δw₁ = (0, 1),
    # δc = −1/12 (biases and output weights fixed): u₀ + u₁ = x₁ + x₂ = 1, so the s-term of f,
    # δc + Σ_j v_j u_j/4 = −1/12 + 1/12, vanishes at every point, there is no s² term, and
    # c₃ = 2 mean(r · (−Σ_j v_j u_j³/48)) = −(1/72) mean(r (x₁³ + x₂³)) = −(1/72)(1/6) = −1/432 < 0.
    from badminima.verify.higher_order import curve_coefficients

    trap = yun_flat_trap("sigmoid", biases=(0, 0), output_weights=(F(1, 3), F(1, 3)))
    assert trap.point.layers[1].b == (0,)  # 1/3 − (1/3 + 1/3)/2: exact, on the manifold
    d = [F(1), F(0), F(0), F(1), F(0), F(0), F(0), F(0), F(-1, 12)]
    got = curve_coefficients(trap.network, trap.dataset, trap.point, F(0), [d], F(0), order=3)
    assert got[1:] == [0, 0, F(-1, 432)]
    cert = certify(Trap(trap.network, trap.dataset, trap.point), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "null-direction-descent", cert.reason
    lower = mpmath.mpf(cert.loss_lower.numerator) / cert.loss_lower.denominator
    assert reference_loss(trap.network, trap.dataset, cert.witness) < lower


def test_constant_units_off_the_critical_manifold_are_not_critical():
    # y = (0, 1/2, 1): the mean 1/2 leaves Σ (ȳ − y_i) x_i = (1/4, −1/4) ≠ 0, so by hand
    # ∂F/∂w_j = u_j h'(v_j)·(2/3)·(−(1/4), 1/4) ≠ 0 at the constant fit.
    net = Network((2, 2, 1), "tanh")
    data = Dataset.of(YUN_X, [[0], [F(1, 2)], [1]])
    point = Point.of([([[0, 0], [0, 0]], [0, 0]), ([[1, 1]], [F(1, 2)])])
    assert constant_units(net, data, point) == [0, 1]
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL, cert.reason


def _orthogonal_residual(X, z):
    """z minus its least-squares fit on [1, X] (exact): mean 0 and orthogonal to every input column."""
    A = sympy.Matrix([[1, *[sympy.Rational(str(v)) for v in x]] for x in X])
    zz = sympy.Matrix([sympy.Rational(str(v)) for v in z])
    coef = (A.T * A).LUsolve(A.T * zz)
    return [F(str(v)) for v in zz - A * coef]


small = st.fractions(min_value=-3, max_value=3, max_denominator=4)
HEADS = [("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce")]


@st.composite
def _constant_traps(draw):
    act = draw(st.sampled_from(["sigmoid", "tanh"]))
    output, loss = draw(st.sampled_from(HEADS))
    d0 = draw(st.integers(1, 2))
    o = draw(st.integers(1, 2))
    n = draw(st.integers(d0 + 2, 5))
    X = draw(st.lists(st.lists(small, min_size=d0, max_size=d0), min_size=n, max_size=n, unique_by=tuple))
    columns = []
    for _ in range(o):
        res = _orthogonal_residual(X, draw(st.lists(small, min_size=n, max_size=n)))
        top = max(abs(v) for v in res)
        if top == 0:
            return None  # an affine model fits this column: nothing to lift
        # targets with that residual around their mean: any numbers for mse, inside [1/4, 3/4] for a sigmoid
        columns.append(
            [F(1, 3) + v for v in res] if output == "identity" else [F(1, 2) + v / (4 * top) for v in res]
        )
    Y = [list(row) for row in zip(*columns, strict=True)]
    h = draw(st.integers(1, 3))
    biases = draw(st.lists(small, min_size=h, max_size=h))
    V = [draw(st.lists(small.filter(lambda v: v != 0), min_size=h, max_size=h)) for _ in range(o)]
    return act, output, loss, X, Y, biases, V


_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much]


@settings(max_examples=4, deadline=None, suppress_health_check=_HEALTH, derandomize=True)
@given(_constant_traps())
@example(
    (
        "sigmoid",
        "identity",
        "mse",
        [[F(0)], [F(1)], [F(-1)]],
        [[F(0)], [F(1, 2)], [F(1, 2)]],
        [F(0)],
        [[F(1)]],
    )
)
def test_soundness_fuzz_constant_units(case):
    _check_constant(case)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=_HEALTH)
@given(_constant_traps())
def test_soundness_fuzz_constant_units_thorough(case):
    _check_constant(case)


def _check_constant(case):
    """One drawn all-constant point: a local-min only where the hand-derived transversal form is
    positive definite, a saddle only with a witness below F* at 60 digits, else inconclusive."""
    assume(case is not None)
    act, output, loss, X, Y, biases, V = case
    o = len(Y[0])
    net = Network((len(X[0]), len(biases), o), act, output=output, loss=loss)
    data = Dataset.of(X, Y)
    ybar = [sum((t[k] for t in Y), F(0)) / len(Y) for k in range(o)]
    with mpmath.workdps(40):
        c = []
        for k in range(o):
            target = _q(ybar[k]) if output == "identity" else mpmath.log(_q(ybar[k]) / (1 - _q(ybar[k])))
            rest = target - sum(
                _q(w) * (1 / (1 + mpmath.exp(-_q(b))) if act == "sigmoid" else mpmath.tanh(_q(b)))
                for w, b in zip(V[k], biases, strict=True)
            )
            c.append(F(mpmath.nstr(rest, 30)))
    point = Point.of([([[0] * len(X[0]) for _ in biases], biases), (V, c)])
    cert = certify(Trap(net, data, point), probes=0)
    with mpmath.workdps(60):  # F* of the constant prediction ȳ, by hand (exact for mse)
        exact = sum(((ybar[k] - t[k]) ** 2 for t in Y for k in range(o)), F(0)) / len(Y)
        if loss == "mse":
            F_star = _q(exact)
        else:
            F_star = -sum(
                _q(t[k]) * mpmath.log(_q(ybar[k])) + (1 - _q(t[k])) * mpmath.log(1 - _q(ybar[k]))
                for t in Y
                for k in range(o)
            ) / len(Y)
    lam = _transversal_form(act, X, Y, biases, V, output, loss)
    if cert.verdict is Verdict.LOCAL_MIN:
        assert lam > 0, (lam, cert.reason)
        if loss == "mse":
            assert cert.loss_lower <= exact <= cert.loss_upper
        else:
            with mpmath.workdps(60):
                assert _q(cert.loss_lower) <= F_star <= _q(cert.loss_upper)
    elif cert.verdict is Verdict.SADDLE:
        assert reference_loss(net, data, cert.witness) < F_star
    else:
        assert cert.verdict is Verdict.INCONCLUSIVE, cert.reason
    FUZZ_TALLY[cert.verdict.value] = FUZZ_TALLY.get(cert.verdict.value, 0) + 1


FUZZ_TALLY: dict[str, int] = {}


def test_weights_along_the_datas_affine_complement_are_an_invariance():
    # Yun et al.'s inputs lie on x₁ + x₂ = 1, so w = (1/2, 1/2) adds exactly 1/2 to every pre-activation
    # (by hand): with biases lowered by 1/2 the network is the same function on the data, on the same
    # manifold, and must get the same answer as W₁ = 0.
    flat = yun_flat_trap("sigmoid", biases=(-1, -2), output_weights=(1, 1))
    out = flat.point.layers[1]
    half = F(1, 2)
    tilted = Point.of([([[half, half], [half, half]], [-1 - half, -2 - half]), (out.W, out.b)])
    assert constant_units(flat.network, flat.dataset, tilted) == [0, 1]
    assert reference_loss(flat.network, flat.dataset, tilted) == reference_loss(
        flat.network, flat.dataset, flat.point
    )
    cert = certify(Trap(flat.network, flat.dataset, tilted, better=flat.better), probes=0)
    assert cert.verdict is Verdict.BAD_LOCAL_MIN and cert.code == "lift-constant-units", cert.reason


# Silent constant units on data symmetric under x ↦ −x with even targets (issue #17, red team's
# silent-tanh-sym): w_j = 0 and V_j = 0 for every unit, c = C* (the constant fit). Then Σ_i (ȳ − y_i) x_i = 0,
# the whole manifold is critical and the Hessian is positive semidefinite (its (w_j, V_j) coupling is
# σ'(b_j)·(2/N)Σ_i (C* − y_i)x_i = 0). Third order, by hand: along d = (δw_j = 1, δV_j = −κ, δc = κσ(b_j))
# the logits move by Δz_i = −κs(σ(b_j + s x_i) − σ(b_j)), so with ℓ'_i = D(ȳ − y_i) (D = 2 for identity
# and mse, 1 for cross-entropy, 2ȳ(1 − ȳ) for a sigmoid output with mse)
#     F(m + s d) − F* = −½κ σ''(b_j) D (1/N) Σ_i (ȳ − y_i) x_i² · s³ + O(s⁴),
# a saddle whenever σ''(b_j) ≠ 0 and Σ_i (ȳ − y_i) x_i² ≠ 0. Checked here by a 60-digit forward pass
# written below (the loss along d for small s), and the certificate's witness by tests.reference.


def _sym_loss(act, output, loss, X, Y, w, biases, V, c):
    """The loss of a 1-h-1 net at 60 digits (its own forward pass)."""
    with mpmath.workdps(60):
        total = mp(0)
        for (x,), (y,) in zip(X, Y, strict=True):
            z = _q(c) if isinstance(c, F) else c
            for wj, bj, vj in zip(w, biases, V, strict=True):
                pre = (_q(wj) if isinstance(wj, F) else wj) * _q(x) + _q(bj)
                h = 1 / (1 + mpmath.exp(-pre)) if act == "sigmoid" else mpmath.tanh(pre)
                z += (_q(vj) if isinstance(vj, F) else vj) * h
            t = _q(y)
            if loss == "bce":
                total += mpmath.log(1 + mpmath.exp(z)) - t * z
            else:
                f = 1 / (1 + mpmath.exp(-z)) if output == "sigmoid" else z
                total += (f - t) ** 2
        return total / len(X)


def _sym_cubic(act, output, loss, X, Y, b):
    """The hand-derived cubic coefficient along d with κ = 1, and F* (60 digits)."""
    with mpmath.workdps(60):
        N = len(X)
        ybar = sum((y for (y,) in Y), F(0)) / N
        D = 2 if output == "identity" else 1 if loss == "bce" else 2 * _q(ybar) * (1 - _q(ybar))
        s2 = _derivatives(act, _q(b))[1]
        moment = sum(((ybar - y) * x * x for (x,), (y,) in zip(X, Y, strict=True)), F(0)) / N
        return -s2 * D * _q(moment) / 2


def _sym_case(act, output, loss, xs, ys, biases):
    X = [[x] for x in xs] + [[-x] for x in xs]
    Y = [[y] for y in ys] * 2
    N = len(X)
    ybar = sum((y for (y,) in Y), F(0)) / N
    if output == "identity":
        c = ybar
    else:
        with mpmath.workdps(60):
            c = F(mpmath.nstr(mpmath.log(_q(ybar) / (1 - _q(ybar))), 40)) if ybar != F(1, 2) else F(0)
    h = len(biases)
    net = Network((1, h, 1), act, output=output, loss=loss)
    point = Point.of([([[0]] * h, biases), ([[0] * h], [c])])
    return net, Dataset.of(X, Y), point, c


@pytest.mark.parametrize(
    ("act", "output", "loss", "ys"),
    [
        ("tanh", "identity", "mse", [F(-1), F(1)]),  # the red team's silent-tanh-sym, by hand
        ("sigmoid", "identity", "mse", [F(-1), F(1)]),
        ("tanh", "sigmoid", "bce", [F(1, 4), F(3, 4)]),
        ("sigmoid", "sigmoid", "mse", [F(1, 4), F(3, 4)]),
    ],
)
def test_silent_constant_units_on_symmetric_data_are_third_order_saddles(act, output, loss, ys):
    xs = [F(1), F(2)]
    net, data, point, c = _sym_case(act, output, loss, xs, ys, [F(1, 2), F(-1)])
    X, Y = data.X, data.y
    F_star = _sym_loss(act, output, loss, X, Y, [0, 0], [F(1, 2), F(-1)], [0, 0], c)
    cubic = _sym_cubic(act, output, loss, X, Y, F(1, 2))
    assert abs(cubic) > 1e-3
    kappa = -1 if cubic > 0 else 1
    with mpmath.workdps(60):
        sig = 1 / (1 + mpmath.exp(-mp(0.5))) if act == "sigmoid" else mpmath.tanh(mp(0.5))
        for s in (mp("1e-2"), mp("1e-4")):  # the truth: explicit lower points, and the cubic term
            moved = _sym_loss(
                act, output, loss, X, Y, [s, 0], [F(1, 2), F(-1)], [-kappa * s, 0], c + kappa * s * sig
            )
            assert moved < F_star
            assert abs((moved - F_star) / s**3 - kappa * cubic) < 50 * s * abs(cubic) + mp("1e-20")
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "higher-order-lifted-saddle", cert.reason
    with mpmath.workdps(60):
        assert reference_loss(net, data, cert.witness) <= _q(cert.witness_loss_upper) < _q(cert.loss_lower)
        assert _q(cert.loss_lower) <= F_star + mp("1e-50")


@st.composite
def _symmetric_cases(draw):
    act = draw(st.sampled_from(["sigmoid", "tanh"]))
    output, loss = draw(st.sampled_from(HEADS))
    xs = draw(
        st.lists(
            st.fractions(min_value=F(1, 4), max_value=3, max_denominator=4),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    if output == "identity":
        ys = draw(st.lists(small, min_size=len(xs), max_size=len(xs)))
    else:
        ys = draw(
            st.lists(
                st.fractions(min_value=F(1, 8), max_value=F(7, 8), max_denominator=8),
                min_size=len(xs),
                max_size=len(xs),
            )
        )
    biases = draw(st.lists(small, min_size=1, max_size=2))
    return act, output, loss, xs, ys, biases


def _check_symmetric(case):
    act, output, loss, xs, ys, biases = case
    net, data, point, c = _sym_case(act, output, loss, xs, ys, biases)
    h = len(biases)
    F_star = _sym_loss(act, output, loss, data.X, data.y, [0] * h, biases, [0] * h, c)
    cubic = max(abs(_sym_cubic(act, output, loss, data.X, data.y, b)) for b in biases)
    cert = certify(Trap(net, data, point), probes=0)
    if cubic > 1e-30:  # a third-order saddle (the hand expansion above)
        assert not cert.verdict.is_minimum, cert.reason
    if cert.verdict is Verdict.SADDLE:
        with mpmath.workdps(60):
            assert reference_loss(net, data, cert.witness) < _q(cert.loss_lower) <= F_star + mp("1e-50")
    if cubic > 1e-3:
        assert cert.verdict is Verdict.SADDLE, (cubic, cert.reason)


@settings(max_examples=6, deadline=None, suppress_health_check=_HEALTH, derandomize=True)
@given(_symmetric_cases())
def test_soundness_fuzz_silent_constant_units_on_symmetric_data(case):
    _check_symmetric(case)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=_HEALTH)
@given(_symmetric_cases())
def test_soundness_fuzz_silent_constant_units_on_symmetric_data_thorough(case):
    _check_symmetric(case)
