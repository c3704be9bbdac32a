"""Yun, Sra & Jadbabaie (2019), Theorem 1: the affine least-squares fit is a bad local minimum of a
one-hidden-layer (leaky) ReLU network. The fit is checked against normal equations solved by hand,
the point's predictions against the fit, the bent better point's exact loss against the 1-D
least-squares formula, and the judge against a deliberately wrong point (certified not critical)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from badminima import ExactArithmetic, certify, loads_trap, loss
from badminima.claims import Agrees, Found, Skip, Undecided, claim
from badminima.claims.affine_fit import (
    Bend,
    affine_fit_point,
    affine_least_squares,
    bent_point,
    best_bend,
    examine,
    judge,
)
from badminima.landscape import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model import Dataset, Network, Point, Trap
from badminima.model.trapfile import dumps_trap
from badminima.verify.certificate import Verdict

EXACT = ExactArithmetic()
F = Fraction
RELU = Network((1, 2, 1), "relu")
LEAKY = Network((1, 3, 1), "leaky_relu", leaky_slope=F(1, 10))
# x = 0, 1, 2 with y = 0, 1, 4 (a parabola). By hand: x̄ = 1, ȳ = 5/3, Sxy = 4, Sxx = 2, so the
# least-squares line is 2x − 1/3, residuals (1/3, −2/3, 1/3), mean loss (1/9 + 4/9 + 1/9)/3 = 2/9.
PARABOLA = Dataset.of([[0], [1], [2]], [[0], [1], [4]])


def _predictions(net: Network, data: Dataset, point: Point) -> list[Fraction]:
    prob = prepare(net, data, point, arith=EXACT)
    with EXACT.context():
        out = forward(net, unflatten(net, prob.flat), prob.inputs, arith=EXACT, masks=prob.masks).logits
        return [F(v) for v in out[0]]


def test_the_claim_holds_with_certified_bad_minima(profile):
    c = claim("relu-affine-fit-bad-minimum")
    out = c.check(profile=profile)
    assert out.status == c.expected == "held"
    assert out.examples > 0
    assert out.witnesses and all(w.certificate.verdict is Verdict.BAD_LOCAL_MIN for w in out.witnesses)
    # A witness re-certifies from its trap file alone, exactly.
    again = certify(loads_trap(dumps_trap(out.witnesses[0].trap)))
    assert again.verdict is Verdict.BAD_LOCAL_MIN and again.rigor == "exact"


def test_affine_fit_matches_hand_normal_equations():
    fit = affine_least_squares(PARABOLA)
    assert (fit.slopes, fit.intercept) == ((F(2),), F(-1, 3))
    assert fit.residuals == (F(1, 3), F(-2, 3), F(1, 3))
    # 2-D, y = AND of two bits: by symmetry a = (s, s), and the normal equations Σr = 0, Σr·x1 = 0 give
    # s = 1/2, c = −1/4 (residuals ±1/4).
    bits = Dataset.of([[0, 0], [1, 0], [0, 1], [1, 1]], [[0], [0], [0], [1]])
    fit2 = affine_least_squares(bits)
    assert (fit2.slopes, fit2.intercept) == ((F(1, 2), F(1, 2)), F(-1, 4))
    assert fit2.residuals == (F(1, 4), F(-1, 4), F(-1, 4), F(1, 4))
    # Collinear inputs in the plane: the same fitted values as the 1-D parabola (coefficients not unique).
    line = Dataset.of([[0, 0], [1, 1], [2, 2]], [[0], [1], [4]])
    assert affine_least_squares(line).residuals == fit.residuals


@pytest.mark.parametrize("net", [RELU, LEAKY, Network((2, 2, 1), "relu")], ids=lambda n: n.describe())
def test_the_point_predicts_the_affine_fit_with_strict_signs(net):
    from badminima.landscape import region_of

    data = (
        PARABOLA if net.widths[0] == 1 else Dataset.of([[0, 0], [1, 0], [0, 1], [1, 1]], [[0], [0], [0], [1]])
    )
    fit = affine_least_squares(data)
    point = affine_fit_point(net, data, fit)
    fitted = [sum((a * x for a, x in zip(fit.slopes, row, strict=True)), fit.intercept) for row in data.X]
    assert _predictions(net, data, point) == fitted
    signs = region_of(net, data, point).signs[0]
    assert all(s > 0 for s in signs[0]) and all(s < 0 for unit in signs[1:] for s in unit)


def test_the_bent_point_lowers_the_loss_by_the_one_dimensional_least_squares_amount():
    """ReLU, by hand: threshold 3/2 on x gives g = (0, 0, 1/2), r·g = 1/6, g·g = 1/4: γ = 2/3 and the
    loss drops by (1/6)²/((1/4)·3) = 1/27, from 2/9 to 5/27 (new residuals (1/3, −2/3, 0))."""
    fit = affine_least_squares(PARABOLA)
    point = affine_fit_point(RELU, PARABOLA, fit)
    bend = best_bend(RELU, PARABOLA, fit)
    assert bend == Bend((F(1),), F(3, 2), F(2, 3), F(1, 27))
    better = bent_point(RELU, point, bend)
    assert loss(RELU, PARABOLA, point, arith=EXACT) == F(2, 9)
    assert loss(RELU, PARABOLA, better, arith=EXACT) == F(5, 27)
    cert = certify(Trap(RELU, PARABOLA, point, better))
    assert cert.verdict is Verdict.BAD_LOCAL_MIN and cert.gap_lower == F(1, 27)


def test_leaky_bend_matches_its_formula():
    """Leaky slope 1/10, threshold 3/2: g = (−3/20, −1/20, 1/2), r·g = 3/20 (= (1 − α)·1/6, the affine
    part of the leaky unit is orthogonal to r), g·g = 11/40: the loss drops by (3/20)²/((11/40)·3) = 3/110."""
    fit = affine_least_squares(PARABOLA)
    point = affine_fit_point(LEAKY, PARABOLA, fit)
    bend = best_bend(LEAKY, PARABOLA, fit)
    assert bend is not None and bend.decrease >= F(3, 110)
    at = Bend((F(1),), F(3, 2), F(3, 20) / F(11, 40), F(3, 110))
    drop = loss(LEAKY, PARABOLA, point, arith=EXACT) - loss(
        LEAKY, PARABOLA, bent_point(LEAKY, point, at), arith=EXACT
    )
    assert drop == F(3, 110)
    assert isinstance(judge(Trap(LEAKY, PARABOLA, point, bent_point(LEAKY, point, bend))), Agrees)


def test_without_a_nonlinearity_no_bend_helps():
    # Identity units (slope 1): a bent unit is affine, and r is orthogonal to every affine column.
    net = Network((1, 2, 1), "identity")
    assert best_bend(net, PARABOLA, affine_least_squares(PARABOLA)) is None


def test_a_plane_dataset_with_tied_projections_finds_a_direction():
    bits = Dataset.of([[0, 0], [1, 0], [0, 1], [1, 1]], [[0], [0], [0], [1]])
    bend = best_bend(Network((2, 2, 1), "relu"), bits, affine_least_squares(bits))
    assert bend is not None and bend.decrease > 0


def test_affinely_fittable_data_and_wrong_architectures_are_skipped():
    line = Dataset.of([[0], [1], [2]], [[1], [3], [5]])
    assert examine((RELU, line)) == Skip("an affine model fits the data exactly")
    assert isinstance(examine((Network((1, 1, 1), "relu"), PARABOLA)), Skip)
    assert isinstance(examine((Network((1, 2, 1), "sigmoid"), PARABOLA)), Skip)
    assert isinstance(examine((RELU, PARABOLA)), Agrees)


def test_the_judge_reports_a_wrong_point_as_a_certified_counterexample():
    # The affine fit with its output bias moved by 1 is not critical (the bias gradient is 2·mean(r)):
    # were the construction this point, the claim would be refuted, with a certificate.
    fit = affine_least_squares(PARABOLA)
    point = affine_fit_point(RELU, PARABOLA, fit)
    first, last = point.layers
    wrong = Point((first, type(last)(last.W, (last.b[0] + 1,))))
    found = judge(Trap(RELU, PARABOLA, wrong, None))
    assert isinstance(found, Found)
    assert found.trap.certificate.verdict is Verdict.NOT_CRITICAL
    # The right point without a better one is a proved minimum but not a bad one: undecided.
    assert isinstance(judge(Trap(RELU, PARABOLA, point, None)), Undecided)
