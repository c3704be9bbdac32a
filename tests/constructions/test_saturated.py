"""Saturated layers on random data, depths and widths: the layer is dead by the margin (checked by an
independent Fraction forward pass), the loss is the constant-prediction loss, every instance certifies,
and a strictly better point exists exactly when the targets' mean varies between distinct inputs."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from badminima.constructions import ConstructionError, construction, gradient_bound, saturated_layers
from badminima.model import Dataset
from badminima.strategies import rationals
from badminima.verify import certify


def relu_forward(point, x):
    """Pre-activations of every layer at input x, in Fractions (a separate implementation)."""
    a, zs = list(x), []
    for k, lay in enumerate(point.layers):
        z = [
            sum((w * v for w, v in zip(row, a, strict=True)), Fraction(0)) + b
            for row, b in zip(lay.W, lay.b, strict=True)
        ]
        zs.append(z)
        a = [max(v, Fraction(0)) for v in z] if k < len(point.layers) - 1 else z
    return zs


def variance_loss(dataset):
    n = dataset.n_points
    total = Fraction(0)
    for k in range(dataset.output_dim):
        col = [r[k] for r in dataset.y]
        mean = sum(col, Fraction(0)) / n
        total += sum(((v - mean) ** 2 for v in col), Fraction(0)) / n
    return total


def group_means_vary(dataset):
    groups = {}
    for x, y in zip(dataset.X, dataset.y, strict=True):
        groups.setdefault(x, []).append(y)
    means = {
        tuple(sum(col, Fraction(0)) / len(ys) for col in zip(*ys, strict=True)) for ys in groups.values()
    }
    return len(means) > 1


@st.composite
def instances(draw):
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    X = [[draw(rationals(max_numerator=6, max_denominator=3)) for _ in range(d)] for _ in range(n)]
    y = [[draw(rationals(max_numerator=4, max_denominator=2))] for _ in range(n)]
    if draw(st.booleans()) and n > 1:  # duplicate inputs, possibly with conflicting targets
        X[-1] = list(X[0])
    depth = draw(st.integers(1, 3))
    widths = (d, *[draw(st.integers(1, 3)) for _ in range(depth)], 1)
    layer = draw(st.integers(0, depth - 1))
    margin = draw(st.fractions(min_value=Fraction(1, 10), max_value=5, max_denominator=10))
    return Dataset.of(X, y), widths, layer, margin


@settings(max_examples=40)
@given(instances())
def test_every_saturated_relu_instance_is_dead_by_the_margin_and_certifies(instance):
    dataset, widths, layer, margin = instance
    trap = saturated_layers(dataset, widths, layer=layer, margin=margin)
    for x in dataset.X:
        assert all(z <= -margin for z in relu_forward(trap.point, x)[layer])
    cert = certify(trap, probes=0)
    assert cert.loss == str(variance_loss(dataset)) or Fraction(cert.loss) == variance_loss(dataset)
    if group_means_vary(dataset):
        assert trap.better is not None
        assert cert.verdict.value == "bad-local-min" and cert.rigor == "exact"
        assert cert.gap_lower is not None and cert.gap_lower > 0
    else:
        assert trap.better is None
        assert cert.verdict.value == "local-min" and cert.rigor == "exact"


@pytest.mark.parametrize(
    ("activation", "margins", "decay"),
    # σ'(z) ≤ e^-m for sigmoid: 4 more margin → e^-4 smaller; tanh'(z) ≤ 4e^-2m: 2 more → e^-4 smaller.
    [("sigmoid", (4, 8, 12), math.exp(-3)), ("tanh", (2, 4, 6), math.exp(-3))],
)
@pytest.mark.parametrize("layer", [0, 1])
def test_saturated_smooth_gradient_is_tiny_not_zero_and_decays_with_the_margin(
    activation, margins, decay, layer
):
    data = construction("saturated-relu").dataset()
    bounds = []
    for m in margins:
        trap = saturated_layers(data, (2, 3, 3, 1), layer=layer, margin=m, activation=activation)
        bounds.append(gradient_bound(trap))
        assert bounds[-1] > 0
        assert certify(trap, probes=0).verdict.value not in ("local-min", "bad-local-min")
    assert bounds[1] < bounds[0] * Fraction(decay) and bounds[2] < bounds[1] * Fraction(decay)


def test_layer_and_widths_are_checked():
    data = construction("saturated-relu").dataset()
    with pytest.raises(ConstructionError, match=r"layer: expected a hidden layer index in 0\.\.1"):
        saturated_layers(data, (2, 3, 3, 1), layer=2)
    with pytest.raises(ConstructionError, match="at least one hidden layer"):
        saturated_layers(data, (2, 1))
    with pytest.raises(ConstructionError, match="parameter depth: expected an integer"):
        construction("saturated-relu").build(depth="3/2")
