"""Hand-derived cases for each verdict and each method; every expected number names its source."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
import torch

from badminima.landscape import batched_losses, region_of
from badminima.model import Dataset, Network, Point, Trap, load_trap
from badminima.verify import Verdict, certify, first_order, least_squares_bound, loss_germ_term
from tests.reference import reference_loss


def relu1(xs, ys, w, b, v, c, better=None, activation="relu"):
    """One-hidden-layer scalar network f(x) = Σ_j v_j relu(w_j x + b_j) + c (the paper's notation)."""
    net = Network((1, len(w), 1), activation)
    data = Dataset.of([[x] for x in xs], [[y] for y in ys])

    def pt(w, b, v, c):
        return Point.of([([[wi] for wi in w], b), ([v], [c])])

    return Trap(net, data, pt(w, b, v, c), pt(*better) if better else None)


# Swirszcz, Czarnecki & Pascanu (2016): the paper's sums of squares divided by N (our mse is a mean).
PAPER = {
    "example 1": (
        relu1([5, 4, 3, 1, -1], [2, 1, 0, -3, 3], [1], [-3], [1], 0, ([-1], [0], [3], 0)),
        F(18, 5),
        F(14, 5),
    ),
    "example 2": (
        relu1(
            [-1, 0, 1, 10, 11, 12],
            [5, 0, -1, -3, -4, -5],
            [-3, 1],
            [F(13, 3), -10],
            [1, -1],
            -3,
            ([-5, 1], [1, -8], [1, -1], -1),
        ),
        F(8, 3) / 6,
        F(0),
    ),
    "example 3": (
        relu1(
            [-1, 0, 1, 10, 11, 12],
            [3, 0, -1, -3, -4, -6],
            [-2, 1, 1],
            [F(11, 3), -10, -11],
            [1, -1, -1],
            -3,
            ([F(-3, 2), F(-3, 2), F(3, 2)], [1, 0, F(-79, 6)], [1, 1, -1], -1),
        ),
        F(2, 3) / 6,
        F(1, 6) / 6,
    ),
}


@pytest.mark.parametrize("name", sorted(PAPER))
def test_paper_relu_examples_are_bad_local_minima(name):
    trap, loss, better = PAPER[name]
    cert = certify(trap, probes=8)
    assert cert.verdict is Verdict.BAD_LOCAL_MIN, cert.reason
    assert cert.rigor == "exact" and cert.method == "least-squares"
    assert (
        cert.loss_lower == cert.loss_upper == loss == reference_loss(trap.network, trap.dataset, trap.point)
    )
    assert cert.better_loss_upper == better
    assert cert.gap_lower == loss - better
    assert cert.box_radius == 0


def test_example_file_matches_the_paper():
    cert = certify(load_trap("examples/relu-blind-spot.json"), probes=8)
    assert cert.verdict is Verdict.BAD_LOCAL_MIN
    assert (cert.loss, cert.better_loss) == ("18/5", "14/5")


def test_rescaling_orbit_of_example_1_stays_a_minimum():
    # (αw, αb, v/α, c) keeps the loss at 18/5 (paper): the verifier must treat it as a symmetry.
    for alpha in (F(1, 3), F(2), F(7, 5)):
        trap = relu1([5, 4, 3, 1, -1], [2, 1, 0, -3, 3], [alpha], [-3 * alpha], [1 / alpha], 0)
        assert certify(trap, probes=0).verdict is Verdict.LOCAL_MIN


def test_kink_of_example_1_is_first_order_stationary():
    trap = PAPER["example 1"][0]
    region = region_of(trap.network, trap.dataset, trap.point)
    assert region.kinks == ((0, 0, 2),)  # x = 3 sits exactly on the unit's kink (paper notes)
    fo = first_order(trap.network, trap.dataset, trap.point, region)
    assert fo.stationary is True


def test_kink_with_a_descent_side_is_not_critical():
    # Hand derivation: relu(x − 2) on x = (0, 1, 2), y = (0, 0, 3), v = 1, c = 1 = mean(y). Only x = 2 is on
    # the kink; along (dw, db) = (2, 1)/5 its pre-activation is t, f(2) = 1 + t, and the loss is
    # ((1 − 0)² + (1 − 0)² + (t − 2)²)/3, so loss(t) − loss(0) = (−4t + t²)/3.
    trap = relu1([0, 1, 2], [0, 0, 3], [1], [-2], [1], 1)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL and cert.rigor == "exact"
    assert loss_germ_term(trap.network, trap.dataset, trap.point, [F(2, 5), F(1, 5), 0, 0]) == (1, F(-4, 3))
    assert cert.witness is not None
    assert reference_loss(trap.network, trap.dataset, cert.witness) == cert.witness_loss_upper < F(2)
    # relu'(0) = 0 (autograd's convention) would call the point stationary: torch's gradient is zero.
    import torch

    w, b, v, c = (torch.tensor(float(q), dtype=torch.float64, requires_grad=True) for q in (1, -2, 1, 1))
    xs = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
    ys = torch.tensor([0.0, 0.0, 3.0], dtype=torch.float64)
    torch.mean((v * torch.relu(w * xs + b) + c - ys) ** 2).backward()
    assert all(t.grad is not None and float(t.grad) == 0.0 for t in (w, b, v, c))
    # The exact one-sided test is not fooled.
    inactive = first_order(
        trap.network, trap.dataset, trap.point, region_of(trap.network, trap.dataset, trap.point)
    )
    assert inactive.stationary is False


def test_linear_network_at_zero_is_an_exact_saddle():
    # F(a, b) = ((ab − 1)² + (2ab − 2)²)/2 = (5/2)(ab − 1)²: zero gradient at 0, and along (1, 1)
    # F(t, t) − F(0, 0) = (5/2)((1 − t²)² − 1) = −5t² + (5/2)t⁴.
    trap = Trap(
        Network((1, 1, 1), "identity", bias=False),
        Dataset.of([[1], [2]], [[1], [2]]),
        Point.of([([[0]], None), ([[0]], None)]),
    )
    assert loss_germ_term(trap.network, trap.dataset, trap.point, [1, 1]) == (2, F(-5))
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.rigor == "exact"
    assert cert.witness_loss_upper is not None and cert.witness_loss_upper < F(5, 2)
    assert reference_loss(trap.network, trap.dataset, cert.witness) == cert.witness_loss_upper


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_zero_hidden_weights_are_a_saddle(activation):
    # With w = b = v = 0 and c = mean(y) = 2 the gradient is exactly zero;
    # ∂²F/∂w∂v = (2/N) Σ (c − y_i) σ'(0) x_i = (2/3)·σ'(0)·(−1) ≠ 0 while ∂²F/∂w² = ∂²F/∂v² = 0,
    # so the Hessian is indefinite.
    trap = Trap(
        Network((1, 1, 1), activation),
        Dataset.of([[1], [2], [3]], [[1], [3], [2]]),
        Point.of([([[0]], [0]), ([[0]], [2])]),
    )
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.rigor == "interval", cert.reason
    assert cert.witness is not None and cert.witness_loss_upper < cert.loss_lower
    assert reference_loss(trap.network, trap.dataset, cert.witness) < _mp(F(2, 3))


def test_zero_gradient_and_singular_hessian_is_a_fourth_order_saddle():
    # Symmetric data: Σ (y_i − ȳ) x_i = 0, so at zero hidden weights the gradient is 0 and the Hessian is
    # diag(0, 0, 0, 2): positive semidefinite with zero eigenvalues, which proves nothing by itself. By
    # hand, with r = ȳ − y = (−1/3, 2/3, −1/3) and u = δw x + δb, along x + εd + ε²e (δc = 0, e = e_c on c):
    # f − y = r + ε²(e_c + δv u) − ε⁴ δv u³/3 + …, so c₁ = c₂ = c₃ = 0 (mean r = mean r x = 0) and
    # c₄ = −(2/3) δv mean(r u³) + mean((e_c + δv u)²). With δw = δb = 1, δv = −1/3, e_c = 1/3:
    # mean(r u³) = (2/3 − 8/3)/3 = −2/3 and e_c + δv u = −x/3, so c₄ = −4/27 + 2/27 = −2/27 < 0: a saddle.
    from badminima.verify.higher_order import curve_coefficients

    trap = Trap(
        Network((1, 1, 1), "tanh"),
        Dataset.of([[-1], [0], [1]], [[1], [0], [1]]),
        Point.of([([[0]], [0]), ([[0]], [F(2, 3)])]),
    )
    d, e = [F(1), F(1), F(-1, 3), F(0)], [F(0), F(0), F(0), F(1, 3)]
    got = curve_coefficients(trap.network, trap.dataset, trap.point, F(0), [d, e], F(0), order=4)
    assert got[1:] == [0, 0, 0, F(-2, 27)]
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "null-direction-descent", cert.reason
    assert reference_loss(trap.network, trap.dataset, cert.witness) < _mp(cert.loss_lower)


def test_random_point_is_not_critical():
    cert = certify(load_trap("examples/jellyfish-sigmoid.json"), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL and cert.rigor == "interval"


def _mp(q):
    return mpmath.mpf(q.numerator) / q.denominator


def _fit(net, data, seed):
    gen = torch.Generator().manual_seed(seed)
    th = torch.randn(net.n_params, generator=gen, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS(
        [th],
        max_iter=3000,
        tolerance_grad=1e-16,
        tolerance_change=1e-32,
        line_search_fn="strong_wolfe",
        history_size=50,
    )

    def closure():
        opt.zero_grad()
        value = batched_losses(net, data, th[None])[0]
        value.backward()
        return value

    for _ in range(3):
        opt.step(closure)
    return [float(v) for v in th.detach()]


@pytest.fixture(scope="module")
def smooth_minimum():
    # 12 noisy samples of sin(2x): a 1-2-1 tanh network has a finite strict minimum there (float Hessian
    # eigenvalues all ≥ 3.7e-4 at the LBFGS end point).
    rng = np.random.default_rng(0)
    xs = np.linspace(-2, 2, 12)
    ys = np.sin(2 * xs) + 0.3 * rng.standard_normal(12)
    data = Dataset.of([[F(str(round(x, 3)))] for x in xs], [[F(str(round(y, 3)))] for y in ys])
    net = Network((1, 2, 1), "tanh")
    return net, data, _fit(net, data, 0)


def _polished(net, data, theta):
    """Newton's method at 80 digits (tests/verify/planted.py's own derivatives): the critical point
    that the float fit ``theta`` approximates, as 60-digit Fractions."""
    from tests.verify.planted import CTX, outputs_and_derivatives, q

    x = [F(repr(v)) for v in theta]
    X, y = data.X, data.y
    for _ in range(8):
        vals = outputs_and_derivatives(net.activation, net.widths, x, X)
        P = len(x)
        g, H = CTX.matrix(P, 1), CTX.matrix(P, P)
        for (f, gf, Hf), t in zip(vals, y, strict=True):
            r = f - q(t[0])
            for a in range(P):
                g[a] += 2 * r * gf[a] / len(X)
                for b in range(P):
                    H[a, b] += 2 * (gf[a] * gf[b] + r * Hf[a, b]) / len(X)
        step = CTX.lu_solve(H, g)
        x = [F(CTX.nstr(q(v) - step[k], 60, min_fixed=-(10**6), max_fixed=10**6)) for k, v in enumerate(x)]
    return x


@pytest.mark.parametrize("digits", [6, 17, 30])
def test_box_method_proves_a_strict_minimum_from_rounded_points(smooth_minimum, digits):
    # The float fit to float length (17 digits or fewer, as JSON writers print floats) is certified as the
    # minimum it approximates; 30 digits round the minimum itself (polished at 80 digits).
    from tests.verify.planted import rounded

    net, data, theta = smooth_minimum
    if digits == 30:
        point = Point.unflatten(net, [rounded(v, 30) for v in _polished(net, data, theta)])
    else:
        point = Point.unflatten(net, [F(f"{v:.{digits}g}") for v in theta])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN and cert.rigor == "interval", cert.reason
    assert cert.min_eigenvalue_bound is not None and cert.min_eigenvalue_bound > 0
    assert cert.box_radius is not None and cert.box_radius > 0 and cert.box_center is not None
    # Independent check: the reference loss at the box centre lies in the proved enclosure.
    centre = reference_loss(net, data, cert.box_center)
    assert _mp(cert.loss_lower) <= centre <= _mp(cert.loss_upper)


def test_a_float_fit_written_to_30_digits_is_taken_at_its_word(smooth_minimum):
    # 30 digits are more than a float holds: their writer chose them, so the critical point they round
    # must lie within 1000 units of the last digit. The float fit is about 1e-8 from the minimum (80-digit
    # Newton, independent of badminima), so it is not a rounding of it: not critical, however close.
    net, data, theta = smooth_minimum
    point = Point.unflatten(net, [F(f"{v:.30g}") for v in theta])
    minimum = _polished(net, data, theta)
    distance = max(abs(a - b) for a, b in zip(point.flatten(), minimum, strict=True))
    assert F(1, 10**12) < distance < F(1, 10**5)
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL and cert.code == "gradient-nonzero", cert.reason
    # the same digits cut to float length keep the verdict about the minimum they approximate
    short = certify(Trap(net, data, Point.unflatten(net, [F(repr(v)) for v in theta])), probes=0)
    assert short.verdict is Verdict.LOCAL_MIN
    assert short.box_radius is not None and short.box_radius >= distance - F(1, 10**15)


def test_box_method_gap_to_a_better_point(smooth_minimum):
    net, data, theta = smooth_minimum
    point = Point.unflatten(net, [F(repr(v)) for v in theta])
    high = Point.unflatten(net, [F(0)] * net.n_params)  # loss mean(y²) > minimum: "better" is worse
    cert = certify(Trap(net, data, point, better=high), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN
    assert cert.gap_lower is not None and cert.gap_lower < 0
    assert "not proved lower" in cert.reason


def test_least_squares_bound_is_at_most_the_loss_on_example_2():
    trap = PAPER["example 2"][0]
    bound = least_squares_bound(trap.network, trap.dataset, region_of(trap.network, trap.dataset, trap.point))
    assert bound.value == F(8, 3) / 6


def test_box_around_an_inexact_point_contains_it():
    # Logistic regression is convex with a unique minimiser near (w, b) = (0.54974172, −0.34368276); the point
    # is 1e-3 off in w, so its own gradient is non-zero. Written as a float's print (17 digits: an
    # optimiser's output, whose accuracy its length does not tell), the verdict is about the minimiser,
    # and the stated box around the given point must reach it. Written to 8 digits of its writer's
    # choosing, 1e-3 is 2e5 halves of its last digit: the digits round no critical point.
    net = Network((1, 1), "identity", output="sigmoid", loss="bce")
    data = Dataset.of([[1], [-1], [2], [-2], [3]], [[F(3, 4)], [F(1, 4)], [F(9, 10)], [F(1, 10)], [F(1, 2)]])
    short = certify(Trap(net, data, Point.of([([["0.55074172"]], ["-0.34368276"])])), probes=0)
    assert short.verdict is Verdict.NOT_CRITICAL, short.reason
    point = Point.of([([["0.55074172000000001"]], ["-0.34368276000000001"])])
    cert = certify(Trap(net, data, point), probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN and "given point itself is not critical" in cert.reason
    distance = max(abs(a - b) for a, b in zip(point.flatten(), cert.box_center.flatten(), strict=True))
    assert cert.box_radius >= distance + cert.proof_radius
    assert F(999, 10**6) < distance < F(1001, 10**6)
