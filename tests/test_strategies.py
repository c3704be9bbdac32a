"""The public strategies draw what their docstrings promise."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from badminima.strategies import datasets, floats, networks, points, rationals, traps


@given(
    networks(
        min_hidden_layers=1, max_hidden_layers=2, min_width=2, max_width=3, outputs=("identity",), bias=False
    )
)
def test_networks_respect_their_bounds(net):
    assert 1 <= len(net.widths) - 2 <= 2 and all(2 <= w <= 3 for w in net.widths[1:-1])
    assert net.output == "identity" and net.loss == "mse" and net.bias is False


@given(st.data())
def test_datasets_have_distinct_inputs_and_the_asked_targets(data):
    task = data.draw(st.sampled_from(["classification", "regression"]))
    kind = data.draw(st.sampled_from(["rational", "float"]))
    ds = data.draw(datasets(input_dim=2, output_dim=2, min_points=2, max_points=6, task=task, numbers=kind))
    assert 2 <= ds.n_points <= 6 and ds.input_dim == 2 and ds.output_dim == 2
    assert len(set(ds.X)) == ds.n_points
    if task == "classification":
        assert ds.is_binary
    if kind == "float":
        # exact values of float32s: dyadic, and small enough to keep exact arithmetic cheap
        values = [v for row in ds.X for v in row]
        assert all(v.denominator & (v.denominator - 1) == 0 and v.denominator <= 2**44 for v in values)
        assert all(float(v) == v for v in values)


@given(networks(outputs=("sigmoid",), losses=("bce",)).flatmap(lambda n: datasets(n, task="regression")))
def test_bce_targets_are_probabilities(ds):
    assert all(v in (0, Fraction(1, 2), 1) for row in ds.y for v in row)


@given(traps(with_better=True, max_points=2))
def test_traps_fit_their_network(trap):
    assert trap.better is not None and trap.dataset.n_points <= 2
    trap.point.check_fits(trap.network)


@given(floats(bound=2.0), rationals(max_numerator=3, max_denominator=5))
def test_scalars_are_small_exact_numbers(x, q):
    assert isinstance(x, Fraction) and abs(x) <= 2
    assert abs(q.numerator) <= 3 * q.denominator and q.denominator <= 5


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_impossible_requests_are_refused():
    with pytest.raises(ValueError, match="bce needs sigmoid"):
        networks(outputs=("identity",), losses=("bce",)).example()
    with pytest.raises(ValueError, match="numbers"):
        datasets(numbers="complex").example()  # type: ignore[arg-type]


@given(networks().flatmap(points))
def test_points_are_exact(point):
    assert all(isinstance(v, Fraction) for v in point.flatten())
