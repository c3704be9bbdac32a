"""The wide-network claims (Soudry & Carmon 2016; Nguyen & Hein 2017): their checks, and the machinery
behind them against hand computations, the package's own exact gradients, and a published trap."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.floating import FloatArithmetic
from badminima.claims import claim as claim_named
from badminima.claims.checking import Agrees, Found, Skip, Undecided
from badminima.claims.wide_networks import (
    CLAIMS,
    Tally,
    certify_critical,
    certify_dlm,
    exact_rank,
    examine_critical,
    examine_dlms,
    feature_matrix,
    feature_rank,
    khatri_rao,
    proved_full_rank,
    snap_to_least_squares,
)
from badminima.constructions import construction
from badminima.landscape.derivatives import gradient
from badminima.landscape.forward_pass import forward, predictions, unflatten
from badminima.landscape.losses import loss
from badminima.landscape.region_fit import snap
from badminima.model import Dataset, Network, Point, Trap
from badminima.search.shrinking import to_point
from badminima.verify.certificate import Verdict
from badminima.verify.certification import certify

F = Fraction
LEAKY = Network((1, 2, 1), "leaky_relu", bias=False, leaky_slope=F(1, 10))
# Both inputs positive: each unit takes one slope on both points, so f(x) = c·x and G has rank 1 < N = 2.
LINEAR_REGIME = Dataset.of([[1], [2]], [[1], [3]])


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c.expected == "held"], ids=lambda c: c.name)
def test_claim_check_gives_the_expected_status(claim, profile):
    out = claim.check(profile=profile)
    assert out.status == claim.expected, out.reason
    assert out.examples > 0
    assert out.counterexample is None


def test_the_literal_noise_free_claim_is_refuted_by_the_hand_example(profile):
    c = claim_named("wide-leaky-relu-zero-error")
    assert (c.quantifier, c.kind, c.expected) == ("all", "certified", "counterexample")
    assert "noise" in c.statement and "rank" not in " ".join(c.hypotheses[:3])
    out = c.check(profile=profile)
    assert out.status == c.expected == "counterexample", out.reason
    assert out.examples > 0
    found = out.counterexample
    assert found is not None and found.certificate is not None
    # The hand example runs first: 1-2-1 leaky ReLU, no biases, x = (1, 2), y = (1, 3), N = d0·d1 = 2.
    assert found.trap.network == LEAKY and found.trap.dataset == LINEAR_REGIME
    assert found.certificate.verdict is Verdict.LOCAL_MIN and found.certificate.loss_lower == F(1, 10)
    # Independently: exact loss 1/10 > 0, exact zero gradient, and no pre-activation is 0 (a DLM).
    exact = ExactArithmetic()
    assert loss(LEAKY, LINEAR_REGIME, found.trap.point, arith=exact) == F(1, 10)
    assert all(v == 0 for v in gradient(LEAKY, LINEAR_REGIME, found.trap.point, arith=exact))
    W = found.trap.point.layers[0].W
    assert all(W[j][0] * x[0] != 0 for j in range(2) for x in LINEAR_REGIME.X)


def test_the_full_rank_claim_says_its_rank_condition():
    c = claim_named("wide-leaky-relu-full-rank-zero-error")
    assert "rank N" in c.title and c.kind == "numerical" and c.expected == "held"
    assert any("has rank N" in h for h in c.hypotheses)


def test_khatri_rao_matches_a_hand_computation():
    # Rows (a_i1·x_i, a_i2·x_i): x_1 = (1, 2) with slopes (1, 1/10), x_2 = (3, −1) with slopes (1/10, 1).
    X = [[F(1), F(2)], [F(3), F(-1)]]
    slopes = [[F(1), F(1, 10)], [F(1, 10), F(1)]]
    assert khatri_rao(slopes, X, bias=False) == [
        [F(1), F(2), F(1, 10), F(1, 5)],
        [F(3, 10), F(-1, 10), F(3), F(-1)],
    ]
    # With biases each block gains the slope itself (x̃ = (x, 1)), and the row ends with the output's 1.
    assert khatri_rao(slopes, X, bias=True) == [
        [F(1), F(2), F(1), F(1, 10), F(1, 5), F(1, 10), F(1)],
        [F(3, 10), F(-1, 10), F(1, 10), F(3), F(-1), F(1), F(1)],
    ]
    assert exact_rank(khatri_rao(slopes, X, bias=False)) == 2
    assert exact_rank([[F(1), F(2)], [F(2), F(4)]]) == 1


def test_khatri_rao_is_the_first_layer_gradient():
    # ∂L/∂w_j = (2/N)·v_j·Σ_i e_i a_ij x̃_i: the package's autograd gradient against G's columns.
    net = Network((2, 3, 1), "leaky_relu", bias=True, leaky_slope=F(1, 3))
    data = Dataset.of([[1, 2], ["0.5", -1], [-2, "0.25"], [3, 1]], [[1], [0], [2], [-1]])
    rng = np.random.default_rng(0)
    theta = rng.normal(size=net.n_params)
    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*data.X, strict=True)))
    params = unflatten(net, torch.tensor(theta))
    fwd = forward(net, params, inputs, arith=arith)
    e = (predictions(net, fwd, arith=arith) - arith.matrix(list(zip(*data.y, strict=True))))[0].numpy()
    z = fwd.z[0].numpy()
    slopes = [[F(1) if z[j, i] > 0 else F(1, 3) for j in range(3)] for i in range(4)]
    G = np.array(khatri_rao(slopes, data.X, bias=True), dtype=float)
    point = Point.unflatten(net, [F(float(t)) for t in theta])
    g = gradient(net, data, point, arith=arith).numpy()
    v = params[1][0].numpy()[0]
    for j in range(3):
        # Flat order: W1 row-major (unit j's weights at 2j, 2j + 1), then b1 (unit j's bias at 6 + j).
        expected = 2 / 4 * v[j] * (G[:, 3 * j : 3 * j + 3].T @ e)
        got = np.array([g[2 * j], g[2 * j + 1], g[6 + j]])
        assert np.allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert np.isclose(g[-1], 2 / 4 * e.sum())


def test_linear_regime_dlm_has_positive_loss_outside_the_rank_hypothesis():
    # Hand derivation: f(x) = c·x on x = (1, 2), y = (1, 3): c = (1 + 6)/5 = 7/5, loss ((2/5)² + (1/5)²)/2.
    point = snap_to_least_squares(LEAKY, LINEAR_REGIME, [0.7, -1.3, 1.5, 0.4])
    assert point is not None
    exact = ExactArithmetic()
    assert loss(LEAKY, LINEAR_REGIME, point, arith=exact) == F(1, 10)
    assert all(v == 0 for v in gradient(LEAKY, LINEAR_REGIME, point, arith=exact))
    cert = certify(Trap(LEAKY, LINEAR_REGIME, point))
    assert cert.verdict is Verdict.LOCAL_MIN and cert.loss_lower == F(1, 10)
    # A zero output weight: the package's `snap` refuses it, the claim's own fallback sets v_2 = 0 and
    # still lands on the least-squares slope 7/5 (the dead unit's column x/10 is in the span of x).
    theta = [0.7, -1.3, 1.5, 0.0]
    assert snap(LEAKY, LINEAR_REGIME, to_point(LEAKY, theta)) is None
    dead = snap_to_least_squares(LEAKY, LINEAR_REGIME, theta)
    assert dead is not None and dead.layers[1].W[0][1] == 0
    assert dead.layers[1].W[0][0] * dead.layers[0].W[0][0] == F(7, 5)
    assert loss(LEAKY, LINEAR_REGIME, dead, arith=exact) == F(1, 10)
    assert all(v == 0 for v in gradient(LEAKY, LINEAR_REGIME, dead, arith=exact))


def test_the_noise_free_reading_without_the_rank_hypothesis_is_refuted():
    # The deliberately wrong variant (no rank condition) finds and certifies the linear-regime DLM ...
    found = examine_dlms(LEAKY, LINEAR_REGIME, rank_hypothesis=False)
    assert isinstance(found, Found)
    assert found.trap.certificate is not None
    assert found.trap.certificate.verdict is Verdict.LOCAL_MIN
    assert found.trap.certificate.loss_lower == F(1, 10)
    # ... which the claim itself sets apart: rank G = 1 < N = 2, outside its hypothesis.
    tally = Tally()
    kept = examine_dlms(LEAKY, LINEAR_REGIME, tally=tally)
    assert isinstance(kept, Agrees) and "vacuous" in kept.label
    assert tally.deficient_bad > 0 and tally.full_rank == 0
    assert tally.certified_deficient is not None and "1/10" in tally.certified_deficient


def test_rank_n_pattern_leaves_no_room_for_positive_loss():
    # Units w = (1, −1) on x = (1, −1): slopes (1, 1/10) and (1/10, 1), G = [[1, 1/10], [−1/10, −1]] has
    # rank 2 = N, so the least-squares point of the region interpolates: loss exactly 0.
    data = Dataset.of([[1], [-1]], [[2], [3]])
    theta = [1.0, -1.0, 0.3, -0.2]
    point = snap_to_least_squares(LEAKY, data, theta)
    assert point is not None
    assert loss(LEAKY, data, point, arith=ExactArithmetic()) == 0
    # Hand solution: v1 − v2/10 = 2, −v1/10 + v2 = 3 gives v = (230/99, 320/99) for w = (1, −1).
    W, v = point.layers[0].W, point.layers[1].W[0]
    assert [v[j] * W[j][0] for j in range(2)] == [F(230, 99), F(-320, 99)]
    result = certify_dlm(LEAKY, data, theta)
    assert isinstance(result, Undecided)


def test_examples_outside_the_hypotheses_are_skipped():
    data = Dataset.of([[1], [2], [3]], [[0], [1], [0]])
    assert isinstance(examine_dlms(LEAKY, data), Skip)  # N = 3 > d0·d1 = 2
    assert isinstance(examine_dlms(Network((1, 2, 1), "relu", bias=False), LINEAR_REGIME), Skip)
    deadlock = construction("sigmoid-deadlock").build()
    assert isinstance(examine_critical(deadlock.network, deadlock.dataset), Skip)  # width 2 < N − 1 = 9
    sigmoid = Network((1, 2, 1), "sigmoid")
    assert isinstance(examine_critical(sigmoid, Dataset.of([[1], [1]], [[0], [1]])), Skip)  # repeated input


def test_feature_matrix_is_the_output_layer_gradient():
    # ∂L/∂(v, c) = (2/N)·Fᵀe with F = [σ(Z), 1]: the package's gradient against the claim's F.
    net = Network((2, 3, 1), "tanh")
    data = Dataset.of([[1, 2], ["0.5", -1], [-2, "0.25"]], [[1], [0], [2]])
    theta = np.random.default_rng(1).normal(size=net.n_params)
    Fm = feature_matrix(net, data, theta)
    point = Point.unflatten(net, [F(float(t)) for t in theta])
    g = gradient(net, data, point, arith=FloatArithmetic()).numpy()
    arith = FloatArithmetic()
    fwd = forward(
        net, unflatten(net, torch.tensor(theta)), arith.matrix(list(zip(*data.X, strict=True))), arith=arith
    )
    e = predictions(net, fwd, arith=arith)[0].numpy() - np.array([1.0, 0.0, 2.0])
    assert np.allclose(g[-4:], 2 / 3 * Fm.T @ e, rtol=1e-12, atol=1e-12)
    assert feature_rank(Fm) == (True, pytest.approx(np.linalg.svd(Fm, compute_uv=False)[-1]))


def test_full_rank_is_proved_on_a_box_and_not_for_duplicated_units():
    net = Network((1, 2, 1), "sigmoid")
    data = Dataset.of([[-1], [0], [2]], [[0], [1], [0]])
    generic = Point.of([([[1], [-2]], [0, "0.5"]), ([[1, 1]], [0])])
    assert proved_full_rank(net, data, generic, F(1, 1000))
    # Two identical units give two equal columns of F: rank 2 < N = 3 at the centre of any box.
    twins = Point.of([([[1], [1]], [0, 0]), ([[1, 1]], [0])])
    assert not proved_full_rank(net, data, twins, F(1, 1000))
    assert not feature_rank(feature_matrix(net, data, [1, 1, 0, 0, 1, 1, 0]))[0]


def test_certified_bad_minimum_refutes_only_the_variant_without_the_rank_hypothesis():
    # The sigmoid deadlock: a certified strict local minimum at loss ≈ 0.1296 (its construction's value).
    trap = construction("sigmoid-deadlock").build()
    theta = [float(v) for v in trap.point.flatten()]
    found = certify_critical(trap.network, trap.dataset, theta, rank_hypothesis=False)
    assert isinstance(found, Found)
    assert found.trap.certificate is not None and found.trap.certificate.verdict is Verdict.LOCAL_MIN
    assert found.trap.certificate.loss_lower is not None
    assert abs(float(found.trap.certificate.loss_lower) - 0.1296) < 1e-4
    # F has n + 1 = 3 columns for N = 10 points: rank N is impossible, so the claim is not refuted.
    assert isinstance(certify_critical(trap.network, trap.dataset, theta), Undecided)
