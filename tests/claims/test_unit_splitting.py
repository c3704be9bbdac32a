"""The unit-splitting claim (Fukumizu & Amari 2000, Theorem 3) against independent derivations: the split
map and the critical-line lemma in exact (sympy) arithmetic, the curvature identity by a float Hessian and
a hand-written NumPy A, proved saddles re-checked by a lower loss in balls, and a wrong sign rule found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.floating import FloatArithmetic
from badminima.claims import Agrees, Found, Skip, claim
from badminima.claims.unit_splitting import (
    CLAIMS,
    MINIMA,
    SADDLES,
    SplitCase,
    definite_case,
    definite_splits,
    examine_split,
    fukumizu_amari_sign,
    small_minimum,
    split_cases,
    split_curvature_matrix,
    split_direction,
    split_point,
)
from badminima.landscape.derivatives import gradient
from badminima.landscape.forward_pass import forward, predictions, unflatten
from badminima.landscape.losses import loss
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.trap import Trap
from badminima.strategies import points, rationals
from badminima.verify.certificate import Certificate, Verdict
from badminima.verify.numerics import float_derivatives

THIRD, HALF, THREE_HALVES = Fraction(1, 3), Fraction(-1, 2), Fraction(3, 2)


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def minima() -> dict[int, tuple[Trap, Certificate]]:
    """The certified small minima of the two constructed cases (A positive / negative definite)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = {}
        for sign in (1, -1):
            case = definite_case(sign)
            found = small_minimum(case.network, case.dataset, start=case.start)
            assert not isinstance(found, Skip), found
            out[sign] = found
        return out
    finally:
        torch.set_num_threads(threads)


def _case(sign: int, *lambdas: Fraction) -> SplitCase:
    return replace(definite_case(sign), lambdas=lambdas)


def test_saddles_check_agrees_with_the_literature(profile: str) -> None:
    c = claim(SADDLES)
    assert c is CLAIMS[0] and c.kind == "certified"
    out = c.check(profile=profile)
    assert out.status == c.expected, (out.reason, out.tally)
    assert out.examples > 0
    labels = " ".join(label for label, _ in out.tally)
    # The certified claim counts proved saddles only: no numerical minimum is agreement here.
    assert "saddle proved" in labels and "numerical" not in labels
    assert out.witnesses and all(
        w.certificate is None and "negative curvature" in w.proof for w in out.witnesses
    )


def test_minima_check_agrees_with_the_literature(profile: str) -> None:
    c = claim(MINIMA)
    assert c is CLAIMS[1] and c.kind == "certified"
    out = c.check(profile=profile)
    assert out.status == c.expected, (out.reason, out.tally)
    assert out.examples > 0
    labels = [label for label, _ in out.tally]
    # Both constructed cases run first: minima of both signs of A, each proved; no saddle is counted here.
    assert all(label.endswith("minimum proved") for label in labels)
    assert any("positive definite" in x for x in labels) and any("negative definite" in x for x in labels)
    assert out.witnesses and all(
        w.certificate is not None and w.certificate.code == "lift-duplicated-units" for w in out.witnesses
    )


# --- the split map and the critical-line lemma, exactly -------------------------------------------


@st.composite
def split_inputs(draw: st.DrawFn) -> tuple[Network, Point, int, Fraction, Dataset]:
    d0, m = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    net = Network((d0, m, 1), "tanh")
    X = draw(st.lists(st.tuples(*[rationals()] * d0), min_size=1, max_size=3, unique=True))
    y = [[draw(rationals())] for _ in X]
    lam = draw(rationals(max_numerator=6))
    return net, draw(points(net)), draw(st.integers(0, m - 1)), lam, Dataset.of(X, y)


@settings(max_examples=25, deadline=None)
@given(split_inputs())
def test_split_preserves_the_network_function_exactly(
    example: tuple[Network, Point, int, Fraction, Dataset],
) -> None:
    """S_λ changes no output: the outputs, as sympy expressions in tanh of rationals, are identical."""
    net, point, unit, lam, data = example
    big, split = split_point(net, point, unit, lam)
    assert big.widths == (net.widths[0], net.widths[1] + 1, 1)
    exact = ExactArithmetic()
    outs = []
    for n, p in ((net, point), (big, split)):
        prob = prepare(n, data, p, arith=exact)
        fwd = forward(n, unflatten(n, prob.flat), prob.inputs, arith=exact)
        outs.append(predictions(n, fwd, arith=exact))
    for a, b in zip(outs[0].ravel(), outs[1].ravel(), strict=True):
        assert sympy.expand(sympy.sympify(a) - sympy.sympify(b)) == 0


@settings(max_examples=15, deadline=None)
@given(split_inputs())
def test_the_gradient_at_a_split_point_is_the_mapped_small_gradient(
    example: tuple[Network, Point, int, Fraction, Dataset],
) -> None:
    """Step 1 of the module docstring, exactly: unit a's input-weight gradient is λ·∂L/∂w_j, unit b's
    (1−λ)·∂L/∂w_j, both output weights get ∂L/∂v_j, everything else is unchanged; so a critical point
    splits into critical points."""
    net, point, unit, lam, data = example
    d0, m = net.widths[0], net.widths[1]
    big, split = split_point(net, point, unit, lam)
    exact = ExactArithmetic()
    g = [sympy.sympify(x) for x in gradient(net, data, point, arith=exact)]
    G = [sympy.sympify(x) for x in gradient(big, data, split, arith=exact)]
    # Hand layout of the flat order (W1 rows, b1, W2, b2) of both networks.
    W1 = [g[k * d0 : (k + 1) * d0] for k in range(m)]
    b1 = g[m * d0 : m * d0 + m]
    W2, b2 = g[m * d0 + m : m * d0 + 2 * m], g[-1]
    rows = [[lam * x if k == unit else x for x in W1[k]] for k in range(m)] + [
        [(1 - lam) * x for x in W1[unit]]
    ]
    biases = [lam * b1[k] if k == unit else b1[k] for k in range(m)] + [(1 - lam) * b1[unit]]
    expected = [x for r in rows for x in r] + biases + [*W2, W2[unit], b2]
    assert len(expected) == len(G) == big.n_params
    for want, got in zip(expected, G, strict=True):
        assert sympy.expand(want - got) == 0


# --- the curvature identity, two independent ways --------------------------------------------------


def test_curvature_identity_float_hessian_versus_a_by_hand() -> None:
    """vᵀ∇²L v (float Hessian of the package, big network) = λ(1−λ)uᵀAu (A written out in NumPy), at a
    split point that is not even critical: the identity needs only ∂f/∂t = 0."""
    net = Network((2, 2, 1), "tanh")
    data = Dataset.of(
        [[0, 1], [1, -1], ["1/2", "1/2"], [-2, 0], ["3/2", "-1/3"]], [[1], [-1], ["1/4"], [0], ["2/3"]]
    )
    point = Point.of([([["1/2", -1], [2, "1/3"]], ["1/4", -1]), ([["3/2", "-2"]], ["1/5"])])
    unit, lam, u = 1, THREE_HALVES, (Fraction(1), Fraction(-1, 2), Fraction(1, 3))
    big, split = split_point(net, point, unit, lam)
    v = np.array([float(x) for x in split_direction(net, unit, lam, u)])
    hess = float_derivatives(big, data, split)[2]
    lhs = float(v @ hess @ v)

    X = np.array([[float(a) for a in row] for row in data.X])
    y = np.array([float(row[0]) for row in data.y])
    W1, b1 = np.array([[0.5, -1.0], [2.0, 1 / 3]]), np.array([0.25, -1.0])
    W2, b2 = np.array([1.5, -2.0]), 0.2
    t = np.tanh(X @ W1.T + b1)
    resid = 2 * (t @ W2 + b2 - y) / len(y)
    phi2 = -2 * t[:, unit] * (1 - t[:, unit] ** 2)
    Xt = np.hstack([X, np.ones((len(y), 1))])
    A = W2[unit] * (Xt * (resid * phi2)[:, None]).T @ Xt
    uf = np.array([float(x) for x in u])
    rhs = float(lam * (1 - lam)) * float(uf @ A @ uf)
    assert abs(rhs) > 1e-3
    assert lhs == pytest.approx(rhs, rel=1e-10)

    # The module's generic A (on float tensors) is the hand-written one.
    arith = FloatArithmetic()
    prob = prepare(net, data, point, arith=arith)
    mine = split_curvature_matrix(net, prob.inputs, prob.targets, prob.flat, unit, arith=arith)
    assert np.allclose(np.array([[float(x) for x in row] for row in mine]), A, rtol=1e-12, atol=1e-15)


def test_the_sign_rule_is_the_theorems_table() -> None:
    """A ≻ 0: minima inside (0, 1), saddles outside; A ≺ 0: the reverse (positive predicted curvature
    along every split direction is 'minimum')."""
    for lam in (THIRD, Fraction(1, 2), Fraction(9, 10)):
        assert fukumizu_amari_sign(lam, 1) == 1 and fukumizu_amari_sign(lam, -1) == -1
    for lam in (HALF, THREE_HALVES, Fraction(-3), Fraction(5)):
        assert fukumizu_amari_sign(lam, 1) == -1 and fukumizu_amari_sign(lam, -1) == 1


# --- proved saddles, numerical minima, and a wrong rule found --------------------------------------


def test_a_predicted_saddle_is_proved(minima: dict[int, tuple[Trap, Certificate]]) -> None:
    """A ≻ 0 and λ = 3/2: a saddle, proved. Re-checked independently: the witness is S_λ of the certified
    centre, and along the float Hessian's most negative eigenvector the loss drops, proved in balls."""
    found = examine_split(_case(1, THREE_HALVES), minimum=minima[1])
    # The minima claim does not count it: the only λ is a predicted saddle.
    assert isinstance(examine_split(_case(1, THREE_HALVES), minimum=minima[1], side="minima"), Skip)
    assert isinstance(found, Agrees) and found.label == "A positive definite: saddle proved"
    assert found.witness is not None and found.witness.certificate is None
    trap = found.witness.trap
    center = minima[1][1].box_center
    assert center is not None
    assert trap.point == split_point(minima[1][0].network, center, 0, THREE_HALVES)[1]
    assert "λ = 3/2" in found.witness.proof and "< 0" in found.witness.proof

    ball = BallArithmetic(256)
    eig, vecs = np.linalg.eigh(float_derivatives(trap.network, trap.dataset, trap.point)[2])
    assert eig[0] < 0
    here = loss(trap.network, trap.dataset, trap.point, arith=ball)
    x = trap.point.flatten()
    e = [Fraction(float(c)) for c in vecs[:, 0]]
    lower = []
    for k in range(4, 16):
        step = Fraction(1, 2**k)
        moved = Point.unflatten(trap.network, [a + step * b for a, b in zip(x, e, strict=True)])
        lower.append(bool(loss(trap.network, trap.dataset, moved, arith=ball) < here))
    assert any(lower)


def test_predicted_minima_are_proved(minima: dict[int, tuple[Trap, Certificate]]) -> None:
    pos = examine_split(_case(1, THIRD), minimum=minima[1], side="minima")
    assert isinstance(pos, Agrees) and pos.label == "A positive definite: minimum proved"
    neg = examine_split(_case(-1, THREE_HALVES, HALF), minimum=minima[-1], side="minima")
    assert isinstance(neg, Agrees) and neg.label == "A negative definite: minimum proved"
    for found in (pos, neg):
        assert found.witness is not None and found.witness.certificate is not None
        assert found.witness.certificate.verdict is Verdict.LOCAL_MIN
    saddle = examine_split(_case(-1, THIRD), minimum=minima[-1])
    assert isinstance(saddle, Agrees) and saddle.label == "A negative definite: saddle proved"
    # The certified claim never counts a numerical minimum as agreement: a case whose every λ is a
    # predicted minimum is skipped there, and a mixed case's label names the saddles only.
    assert isinstance(examine_split(_case(1, THIRD), minimum=minima[1]), Skip)
    mixed = examine_split(_case(1, THIRD, THREE_HALVES), minimum=minima[1])
    assert isinstance(mixed, Agrees) and mixed.label == "A positive definite: saddle proved"
    assert mixed.witness is not None


def _flipped(lam: Fraction, sign: int) -> int:
    return -fukumizu_amari_sign(lam, sign)


def test_a_flipped_sign_rule_is_found(minima: dict[int, tuple[Trap, Certificate]]) -> None:
    """The rule with its sign flipped predicts minima where the theorem has saddles and vice versa;
    both ways the contradiction is certified."""
    outside = examine_split(_case(1, HALF), rule=_flipped, minimum=minima[1])
    assert isinstance(outside, Found), outside
    assert "negative curvature proved where the rule predicts positive" in outside.label
    assert "not a local minimum" in outside.trap.proof
    inside = examine_split(_case(1, THIRD), rule=_flipped, minimum=minima[1])
    assert isinstance(inside, Found), inside
    assert "positive curvature proved where the rule predicts negative" in inside.label
    assert "> 0" in inside.trap.proof
    # A proved contradiction is found by either claim, whichever side the rule's prediction is on.
    for side in ("saddles", "minima"):
        for lam in (HALF, THIRD):
            assert isinstance(
                examine_split(_case(1, lam), rule=_flipped, minimum=minima[1], side=side), Found
            )


# --- strategy and input checks -----------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(split_cases())
def test_drawn_cases_meet_the_sampling_plan(case: SplitCase) -> None:
    net, data = case.network, case.dataset
    assert net.depth == 2 and net.activation == "tanh" and net.widths[1] in (1, 2)
    assert net.n_params < data.n_points <= net.n_params + 3
    assert len(set(data.X)) == data.n_points
    assert 0 <= case.unit < net.widths[1]
    assert all(lam not in (0, 1) for lam in case.lambdas) and len(case.lambdas) >= 3


@settings(max_examples=20, deadline=None)
@given(definite_splits())
def test_definite_splits_predict_a_minimum_for_either_sign(case: SplitCase) -> None:
    inside, outside = case.lambdas
    assert 0 < inside < 1 and not 0 <= outside <= 1
    assert case.start is not None and case.dataset in (definite_case(1).dataset, definite_case(-1).dataset)


@pytest.mark.parametrize(
    "network",
    [Network((1, 2, 1), "relu"), Network((1, 2, 2, 1), "tanh"), Network((1, 2, 1), "tanh", bias=False)],
)
def test_split_point_refuses_other_networks(network: Network) -> None:
    point = Point.unflatten(network, [0] * network.n_params)
    with pytest.raises(ValueError, match="expected d0-m-1 tanh"):
        split_point(network, point, 0, THIRD)
