"""Saturated losses are computed without cancellation: the float shown for a cross-entropy of 1e-27 or a
sigmoid-output mse of 1e-53 is right to 1e-12 relative (checked against tests.reference at 60 digits)."""

from __future__ import annotations

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from badminima.landscape import evaluate
from badminima.model import Dataset, Network, Point
from tests.reference import reference_loss


def _problem(output: str, loss: str, weight: int, bias: int, labels: tuple[int, int]):
    net = Network((1, 1, 1), "sigmoid", output=output, loss=loss)
    data = Dataset.of([[1], [2]], [[labels[0]], [labels[1]]])
    return net, data, Point.of([([[weight]], [0]), ([[2]], [bias])])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.sampled_from([("sigmoid", "bce"), ("sigmoid", "mse")]),
    st.integers(-90, 90),
    st.sampled_from([(1, 1), (0, 0), (1, 0)]),
    st.sampled_from(["exact", "ball"]),
)
def test_saturated_loss_float_is_right(kind, bias, labels, backend):
    net, data, point = _problem(*kind, weight=30, bias=bias, labels=labels)
    truth = reference_loss(net, data, point)
    got = evaluate(net, data, point, backend=backend).loss_float
    assert got > 0
    assert abs(mpmath.mpf(got) - truth) <= 1e-12 * truth


@pytest.mark.parametrize("backend", ["exact", "ball"])
def test_cross_entropy_of_1e_minus_27(backend):
    # Both outputs are σ(2σ(30x) + 59) ≈ 1 − e^{-61} with label 1: the loss is about 3.2e-27; written as
    # softplus(z) − y z it was shown as a negative number of order 1e-22.
    net, data, point = _problem("sigmoid", "bce", weight=30, bias=59, labels=(1, 1))
    truth = reference_loss(net, data, point)
    assert 1e-27 < truth < 1e-26
    assert abs(mpmath.mpf(evaluate(net, data, point, backend=backend).loss_float) - truth) <= 1e-12 * truth


def test_float_backend_cross_entropy_does_not_cancel():
    net, data, point = _problem("sigmoid", "bce", weight=30, bias=59, labels=(1, 1))
    truth = reference_loss(net, data, point)
    assert abs(mpmath.mpf(evaluate(net, data, point, backend="float").loss_float) - truth) <= 1e-12 * truth
