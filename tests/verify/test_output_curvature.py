"""The generalised linear model's curvature bound in the output layer, against the Hessian written out by
hand in mpmath at points of the box: the bound must lie below every one of them."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import mpmath
import numpy as np
from hypothesis import given, settings, strategies as st

from badminima.model import Dataset, Network, Point
from badminima.verify.output_curvature import output_layer_curvature
from badminima.verify.parameter_box import ParameterBox

small = st.fractions(min_value=-2, max_value=2, max_denominator=7)


def _mp(q: F) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _curvature(output: str, loss: str, z: mpmath.mpf, y: mpmath.mpf) -> mpmath.mpf:
    """ℓ''(z) by hand: 2 for squares on an identity output, σ' for cross-entropy, and for squares on a
    sigmoid output d²/dz² (σ − y)² = 2σ'² + 2(σ − y)σ'(1 − 2σ)."""
    if output == "identity":
        return mpmath.mpf(2)
    s = 1 / (1 + mpmath.exp(-z))
    d = s * (1 - s)
    return d if loss == "bce" else 2 * d * d + 2 * (s - y) * d * (1 - 2 * s)


def _hessian(X, ys, hidden, out, output, loss) -> mpmath.matrix:
    """(1/N) Σ_i ℓ''(z_i) φ_i φ_iᵀ over the output layer's (v₁, v₂, c), φ_i = (tanh(W x_i + b), 1)."""
    (W, b), (v, c) = hidden, out
    H = mpmath.zeros(3, 3)
    for x, y in zip(X, ys, strict=True):
        phi = [
            mpmath.tanh(sum(_mp(w) * _mp(xi) for w, xi in zip(row, x, strict=True)) + _mp(bb))
            for row, bb in zip(W, b, strict=True)
        ] + [mpmath.mpf(1)]
        z = sum(vv * p for vv, p in zip(v, phi[:2], strict=True)) + c
        m = _curvature(output, loss, z, _mp(y))
        for i, j in itertools.product(range(3), repeat=2):
            H[i, j] += m * phi[i] * phi[j] / len(X)
    return H


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    X=st.lists(st.tuples(small, small), min_size=3, max_size=6),
    labels=st.lists(
        st.fractions(min_value=F(1, 10), max_value=F(9, 10), max_denominator=10), min_size=6, max_size=6
    ),
    hidden=st.tuples(st.lists(small, min_size=4, max_size=4), st.lists(small, min_size=2, max_size=2)),
    out=st.lists(small, min_size=3, max_size=3),
    head=st.sampled_from([("sigmoid", "bce"), ("sigmoid", "mse"), ("identity", "mse")]),
    exponent=st.sampled_from([6, 3, 1]),
)
def test_the_bound_lies_below_the_hessian_everywhere_in_the_box(X, labels, hidden, out, head, exponent):
    output, loss = head
    net = Network((2, 2, 1), "tanh", output=output, loss=loss)
    ys = labels[: len(X)]
    W, b = [hidden[0][:2], hidden[0][2:]], hidden[1]
    point = Point.unflatten(net, [*hidden[0], *b, *out])
    box = ParameterBox(net, Dataset.of([list(x) for x in X], [[y] for y in ys]), point, 128)
    r = F(1, 10**exponent)
    radii = [F(0)] * 6 + [r] * 3
    with mpmath.workdps(40):
        centre = _hessian(X, ys, (W, b), ([_mp(out[0]), _mp(out[1])], _mp(out[2])), output, loss)
        vecs = np.linalg.eigh(np.array(centre.tolist(), dtype=float))[1]
    basis = np.zeros((9, 3))
    basis[6:, :] = vecs
    mu = output_layer_curvature(box, basis, radii, moving=[6, 7, 8])
    with mpmath.workdps(40):
        low = min(mpmath.eigsy(centre)[0])
        if mu is None:
            # only where the centre's curvature is small beside the box's spread may the bound fail
            assert low < 1e-2 or exponent == 1
            return
        for corner in itertools.product((-1, 1), repeat=3):
            moved = [_mp(q) + s * _mp(r) for q, s in zip(out, corner, strict=True)]
            H = _hessian(X, ys, (W, b), (moved[:2], moved[2]), output, loss)
            assert min(mpmath.eigsy(H)[0]) >= _mp(mu) - mpmath.mpf(10) ** -30


def test_a_hidden_number_that_moves_is_not_a_generalised_linear_model():
    net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
    box = ParameterBox(net, Dataset.of([[0], [1]], [[0], [1]]), Point.unflatten(net, [1, 0, 1, 0]), 128)
    assert output_layer_curvature(box, np.eye(4), F(1, 10**6)) is None
    # only the output layer moves, but the directions reach the hidden numbers
    assert output_layer_curvature(box, np.eye(4), [F(0), F(0), F(1, 10**6), F(1, 10**6)]) is None
