"""Hand-derived values (each test names its derivation) and the paper's published numbers."""

from __future__ import annotations

from fractions import Fraction

import sympy

from badminima import Dataset, ExactArithmetic, Network, Point, evaluate, gradient, hessian, loss

EXACT = ExactArithmetic()

# Swirszcz, Czarnecki & Pascanu (2016), ReLU example 1: f(x) = v relu(w x + b) + c.
EX1_NET = Network((1, 1, 1), "relu")
EX1_DATA = Dataset.of([[5], [4], [3], [1], [-1]], [[2], [1], [0], [-3], [3]])
EX1_TRAP = Point.of([([[1]], [-3]), ([[1]], [0])])
EX1_BETTER = Point.of([([[-1]], [0]), ([[3]], [0])])


def test_relu_example_1_losses_are_the_papers():
    # Paper: sum of squares 18 at the trap, 14 at the better point; our mse divides by N = 5.
    assert loss(EX1_NET, EX1_DATA, EX1_TRAP, arith=EXACT) == Fraction(18, 5)
    assert loss(EX1_NET, EX1_DATA, EX1_BETTER, arith=EXACT) == Fraction(14, 5)


def test_relu_example_1_one_sided_gradients_at_the_kink():
    # Residuals r = f - y at x = 5, 4, 3 are 0; x = 1, -1 are dead (f = 0, r = 3, -3).
    # Active side at x = 3 (z = 0): every residual of a live point is 0, so the gradient is 0.
    assert list(gradient(EX1_NET, EX1_DATA, EX1_TRAP, arith=EXACT)) == [0, 0, 0, 0]
    # d/dc = (2/N) Σ r = (2/5)(0+0+0+3-3) = 0 on either side; the inactive side changes only which
    # points feed (w, b, v), and their residuals are all 0: also 0.
    assert list(gradient(EX1_NET, EX1_DATA, EX1_TRAP, arith=EXACT, kink_side="inactive")) == [0] * 4
    # Hessian of the active piece, d²/dc² = 2 (mean of 2·1); d²/dv² = (2/5) Σ_live relu(z)² = (2/5)(4+1+0).
    h = hessian(EX1_NET, EX1_DATA, EX1_TRAP, arith=EXACT)
    assert h[3, 3] == 2
    assert h[2, 2] == Fraction(2, 5) * 5
    # On the active piece x = 3 contributes to d²/dw²: (2/5) v² Σ_live x² = (2/5)(25+16+9).
    assert h[0, 0] == Fraction(2, 5) * 50
    h_in = hessian(EX1_NET, EX1_DATA, EX1_TRAP, arith=EXACT, kink_side="inactive")
    assert h_in[0, 0] == Fraction(2, 5) * 41


def test_relu_example_2_with_positive_second_weight():
    # Paper (w2 = +1): trap sum of squares 8/3, better point fits exactly. mse = SSE / 6.
    net = Network((1, 2, 1), "relu")
    data = Dataset.of([[-1], [0], [1], [10], [11], [12]], [[5], [0], [-1], [-3], [-4], [-5]])
    trap = Point.of([([[-3], [1]], ["13/3", -10]), ([[1, -1]], [-3])])
    better = Point.of([([[-5], [1]], [1, -8]), ([[1, -1]], [-1])])
    assert loss(net, data, trap, arith=EXACT) == Fraction(8, 3) / 6
    assert loss(net, data, better, arith=EXACT) == 0


def test_single_sigmoid_neuron_bce_at_zero_weights():
    # σ(0) = 1/2 everywhere: bce = log 2 per point; ∂/∂w = mean((σ - y) x), ∂/∂b = mean(σ - y).
    net = Network((1, 1), "identity", output="sigmoid", loss="bce")
    data = Dataset.of([[2], [-1], [1]], [[1], [0], [1]])
    point = Point.of([([[0]], [0])])
    value = loss(net, data, point, arith=EXACT)
    assert sympy.simplify(value - sympy.log(2)) == 0
    g = gradient(net, data, point, arith=EXACT)
    assert g[0] == Fraction(-1 * 2 + 1 * -1 + -1 * 1, 2 * 3)  # (1/3)Σ (1/2 - y) x
    assert g[1] == Fraction(-1 + 1 - 1, 2 * 3)


def test_linear_network_without_bias_hand_gradient():
    # f(x) = v w x, one point (x, y) = (2, 1), w = v = 1: loss (2 - 1)² = 1,
    # ∂/∂w = 2 (f - y) v x = 4, ∂/∂v = 2 (f - y) w x = 4; ∂²/∂w∂v = 2 (x² v w + (f - y) x) = 12.
    net = Network((1, 1, 1), "identity", bias=False)
    data = Dataset.of([[2]], [[1]])
    point = Point.of([([[1]], None), ([[1]], None)])
    assert loss(net, data, point, arith=EXACT) == 1
    assert list(gradient(net, data, point, arith=EXACT)) == [4, 4]
    h = hessian(net, data, point, arith=EXACT)
    assert h[0, 1] == h[1, 0] == 12
    assert h[0, 0] == h[1, 1] == 8  # 2 v² x² and 2 w² x²


def test_evaluate_reports_accuracy_dead_units_and_kinks():
    ev = evaluate(EX1_NET, EX1_DATA, EX1_TRAP)
    assert ev.accuracy is None  # regression targets
    # The rescaling (αw, αb, v/α, c) keeps the loss at 18/5 (paper): a flat direction, so the
    # Hessian is singular, exactly: its direction (w, b, -v, 0) = (1, -3, -1, 0) is in the kernel.
    assert ev.hessian_nullity == 1
    h = ev.hessian
    kernel = (1, -3, -1, 0)
    assert all(sum(h[i][j] * kernel[j] for j in range(4)) == 0 for i in range(4))
    assert ev.pattern.kinks == ((0, 0, 2),)  # x = 3 sits on the kink of the only unit
    assert ev.pattern.dead == ()
    dead = Point.of([([[0]], [-1]), ([[1]], [0])])
    assert evaluate(EX1_NET, EX1_DATA, dead).pattern.dead == ((0, 0),)
    # XOR with f = σ(z): z = x1 + x2 - 1 puts (0,0) below 1/2, (1,1) above, (0,1),(1,0) exactly at 1/2.
    xor = Dataset.of([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    ev = evaluate(
        Network((2, 1), "identity", output="sigmoid", loss="bce"), xor, Point.of([([[1, 1]], [-1])])
    )
    assert ev.accuracy == Fraction(1, 4) and ev.undecided_predictions == 2


def test_saturation_is_proved_in_ball_arithmetic():
    net = Network((1, 1, 1), "sigmoid")
    data = Dataset.of([[1], [2]], [[0], [1]])
    assert evaluate(net, data, Point.of([([[20]], [0]), ([[1]], [0])])).pattern.saturated == ((0, 0),)
    assert evaluate(net, data, Point.of([([[1]], [0]), ([[1]], [0])])).pattern.saturated == ()
