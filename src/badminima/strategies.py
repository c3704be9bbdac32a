"""Public hypothesis strategies for networks, datasets, points and traps, for your own tests.

Example:
    >>> from hypothesis import given
    >>> from badminima.strategies import traps
    >>> @given(traps())
    ... def test_loss_is_nonnegative(trap): ...
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from badminima.model.dataset import Dataset
from badminima.model.network import ACTIVATIONS, Network
from badminima.model.point import Layer, Point
from badminima.model.trap import Trap


def rationals(*, max_numerator: int = 4, max_denominator: int = 4) -> st.SearchStrategy[Fraction]:
    """Small exact rationals p/q with |p| ≤ max_numerator, 1 ≤ q ≤ max_denominator."""
    return st.builds(
        Fraction,
        st.integers(-max_numerator, max_numerator),
        st.integers(1, max_denominator),
    )


@st.composite
def networks(
    draw: st.DrawFn,
    *,
    activations: tuple[str, ...] = ACTIVATIONS,
    max_hidden_layers: int = 3,
    max_width: int = 3,
    max_inputs: int = 2,
    max_outputs: int = 2,
) -> Network:
    """Networks with 0..max_hidden_layers hidden layers, any activation, output and loss, with or
    without biases."""
    hidden = draw(st.lists(st.integers(1, max_width), max_size=max_hidden_layers))
    widths = (draw(st.integers(1, max_inputs)), *hidden, draw(st.integers(1, max_outputs)))
    activation = draw(st.sampled_from(activations))
    output = draw(st.sampled_from(("identity", "sigmoid")))
    loss = draw(st.sampled_from(("mse", "bce"))) if output == "sigmoid" else "mse"
    slope = draw(st.sampled_from((Fraction(1, 10), Fraction(1, 3)))) if activation == "leaky_relu" else None
    return Network(widths, activation, output, loss, draw(st.booleans()), slope)


@st.composite
def datasets(draw: st.DrawFn, network: Network, *, max_points: int = 5) -> Dataset:
    """Datasets fitting ``network``: small rational inputs; targets in {0, 1/2, 1} for bce, or 0/1
    labels, or small rationals for mse."""
    n = draw(st.integers(1, max_points))
    X = [[draw(rationals()) for _ in range(network.widths[0])] for _ in range(n)]
    if network.loss == "bce":
        target = st.sampled_from((Fraction(0), Fraction(1, 2), Fraction(1)))
    else:
        target = draw(st.sampled_from((st.sampled_from((Fraction(0), Fraction(1))), rationals())))
    y = [[draw(target) for _ in range(network.widths[-1])] for _ in range(n)]
    return Dataset.of(X, y)


@st.composite
def points(draw: st.DrawFn, network: Network, *, max_numerator: int = 4) -> Point:
    """Parameter points of ``network`` with small rational entries."""
    values = rationals(max_numerator=max_numerator)
    layers = []
    for out, inp in network.layer_shapes:
        W = tuple(tuple(draw(values) for _ in range(inp)) for _ in range(out))
        b = tuple(draw(values) for _ in range(out)) if network.bias else None
        layers.append(Layer(W, b))
    return Point(tuple(layers))


@st.composite
def traps(draw: st.DrawFn, networks_: st.SearchStrategy[Network] | None = None) -> Trap:
    """Whole traps: a network, a dataset, a point and (half the time) a better point."""
    net = draw(networks_ if networks_ is not None else networks())
    better = draw(st.one_of(st.none(), points(net)))
    return Trap(
        net, draw(datasets(net)), draw(points(net)), better, name=draw(st.none() | st.text(max_size=8))
    )
