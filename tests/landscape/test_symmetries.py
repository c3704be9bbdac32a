"""Every symmetry leaves the network function unchanged: exactly (Fractions through the exact loss) for
piecewise-linear hidden units, to 1e-12 in float64 against an independent numpy forward pass for all;
flips and rescalings are refused where they are not symmetries."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from badminima import ExactArithmetic, InvalidModelError, Network, Point, loss
from badminima.landscape.symmetries import (
    apply_symmetry,
    flip_unit,
    has_scale_symmetry,
    has_sign_symmetry,
    hidden_layers,
    join_layers,
    permute_units,
    random_symmetry,
    rescale_unit,
    split_layers,
)
from badminima.model.network import ACTIVATIONS
from badminima.strategies import datasets, points

EXACT = ExactArithmetic()
PIECEWISE_LINEAR = ("relu", "leaky_relu", "identity")


@st.composite
def hidden_networks(draw, *, activations=ACTIVATIONS, max_width=4):
    """Networks with 1-3 hidden layers of 1-4 units, with and without biases."""
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=3))
    widths = (draw(st.integers(1, 3)), *hidden, draw(st.integers(1, 2)))
    activation = draw(st.sampled_from(activations))
    output = draw(st.sampled_from(("identity", "sigmoid")))
    lossname = draw(st.sampled_from(("mse", "bce"))) if output == "sigmoid" else "mse"
    slope = draw(st.sampled_from((Fraction(1, 10), Fraction(1, 3)))) if activation == "leaky_relu" else None
    return Network(widths, activation, output, lossname, draw(st.booleans()), slope)


def network_outputs(network: Network, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """f(X) (N, dL) by a plain numpy forward pass that shares no code with the package."""
    at, a = 0, X
    for i, (out, inp) in enumerate(network.layer_shapes):
        W = theta[at : at + out * inp].reshape(out, inp)
        at += out * inp
        b = np.zeros(out)
        if network.bias:
            b = theta[at : at + out]
            at += out
        z = a @ W.T + b
        name = network.activation if i < network.depth - 1 else network.output
        if name == "relu":
            a = np.maximum(z, 0.0)
        elif name == "leaky_relu":
            a = np.where(z > 0, z, float(network.leaky_slope) * z)
        elif name == "sigmoid":
            a = 0.5 * (1 + np.tanh(z / 2))  # σ(z), without overflow for large |z|
        elif name == "tanh":
            a = np.tanh(z)
        else:
            a = z
    assert at == network.n_params
    return a


def _same_function(network: Network, a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> None:
    X = rng.normal(size=(7, network.widths[0])) * 2
    fa, fb = network_outputs(network, a, X), network_outputs(network, b, X)
    assert np.abs(fa - fb).max() <= 1e-12 * (1 + np.abs(fa).max())


@given(hidden_networks(), st.integers(0, 2**32 - 1))
@example(Network((2, 2, 1), "sigmoid", output="sigmoid", loss="bce"), 0)
def test_random_symmetries_keep_the_network_function(network, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=network.n_params) * 1.5
    image = random_symmetry(network, theta, rng=rng)
    assert image.shape == theta.shape and image.dtype == np.float64
    _same_function(network, theta, image, rng)
    batch = random_symmetry(network, np.stack([theta, 2 * theta]), rng=rng)
    assert batch.shape == (2, network.n_params)
    _same_function(network, theta, batch[0], rng)
    _same_function(network, 2 * theta, batch[1], rng)


@given(hidden_networks(), st.integers(0, 2**32 - 1))
def test_each_generator_keeps_the_network_function_or_is_refused(network, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=network.n_params)
    for layer in hidden_layers(network):
        d = network.widths[layer]
        _same_function(network, theta, permute_units(network, theta, layer, rng.permutation(d)), rng)
        unit = int(rng.integers(d))
        if has_sign_symmetry(network):
            _same_function(network, theta, flip_unit(network, theta, layer, unit), rng)
        else:
            with pytest.raises(InvalidModelError, match="flip"):
                flip_unit(network, theta, layer, unit)
        if has_scale_symmetry(network):
            _same_function(network, theta, rescale_unit(network, theta, layer, unit, 0.3), rng)
        else:
            with pytest.raises(InvalidModelError, match="not positively homogeneous"):
                rescale_unit(network, theta, layer, unit, 0.3)


@st.composite
def exact_cases(draw):
    net = draw(hidden_networks(activations=PIECEWISE_LINEAR, max_width=3))
    return net, draw(datasets(net, max_points=4)), draw(points(net)), draw(st.integers(0, 2**32 - 1))


@given(exact_cases())
def test_symmetries_keep_the_exact_loss_of_piecewise_linear_networks(case):
    network, data, point, seed = case
    rng = np.random.default_rng(seed)
    theta = point.flatten()
    image = random_symmetry(network, theta, rng=rng)
    assert isinstance(image, tuple) and all(isinstance(v, Fraction) for v in image)
    expected = loss(network, data, point, arith=EXACT)  # exact: a Fraction, or sympy for sigmoid outputs
    assert loss(network, data, Point.unflatten(network, image), arith=EXACT) == expected
    layer = int(rng.choice(hidden_layers(network)))
    unit = int(rng.integers(network.widths[layer]))
    alpha = Fraction(int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    scaled = rescale_unit(network, theta, layer, unit, alpha)
    assert loss(network, data, Point.unflatten(network, scaled), arith=EXACT) == expected
    assert rescale_unit(network, scaled, layer, unit, 1 / alpha) == theta  # the group law, exactly
    if has_sign_symmetry(network):
        flipped = flip_unit(network, theta, layer, unit)
        assert loss(network, data, Point.unflatten(network, flipped), arith=EXACT) == expected
        assert flip_unit(network, flipped, layer, unit) == theta


@given(hidden_networks(activations=("sigmoid",)), st.integers(0, 2**32 - 1))
def test_sigmoid_flip_is_an_involution_exactly(network, seed):
    # σ(−z) = 1 − σ(z): flipping twice moves c into the bias and back, exactly with Fractions.
    rng = np.random.default_rng(seed)
    theta = tuple(
        Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 5))) for _ in range(network.n_params)
    )
    layer = int(rng.choice(hidden_layers(network)))
    unit = int(rng.integers(network.widths[layer]))
    if network.bias:
        assert flip_unit(network, flip_unit(network, theta, layer, unit), layer, unit) == theta
    else:
        with pytest.raises(InvalidModelError, match="no biases"):
            flip_unit(network, theta, layer, unit)


def test_generators_by_hand():
    # 1-2-1 without biases: theta = (w0, w1, c0, c1); every expected value written out by hand.
    net = Network((1, 2, 1), "tanh", bias=False)
    assert permute_units(net, (1, 2, 3, 4), 1, [1, 0]) == (2, 1, 4, 3)
    assert flip_unit(net, (1, 2, 3, 4), 1, 1) == (1, -2, 3, -4)
    relu = Network((1, 2, 1), "relu", bias=False)
    assert rescale_unit(relu, tuple(map(Fraction, (1, 2, 3, 4))), 1, 0, Fraction(1, 2)) == (
        Fraction(1, 2),
        2,
        6,
        4,
    )
    # 1-1-1 sigmoid with biases: (w, b, c, b2) -> (−w, −b, −c, b2 + c).
    sig = Network((1, 1, 1), "sigmoid")
    assert flip_unit(sig, np.array([2.0, 1.0, 3.0, 5.0]), 1, 0).tolist() == [-2.0, -1.0, -3.0, 8.0]
    # Two hidden layers 1-2-2-1 without biases: layer 2's units are rows of W2 and columns of W3.
    deep = Network((1, 2, 2, 1), "identity", bias=False)
    theta = (1, 2, 3, 4, 5, 6, 7, 8)  # W1 = [[1], [2]], W2 = [[3, 4], [5, 6]], W3 = [[7, 8]]
    assert permute_units(deep, theta, 2, [1, 0]) == (1, 2, 5, 6, 3, 4, 8, 7)
    assert permute_units(deep, theta, 1, [1, 0]) == (2, 1, 4, 3, 6, 5, 7, 8)


def test_batched_elements_act_row_by_row():
    net = Network((1, 2, 1), "tanh", bias=False)
    thetas = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    out = apply_symmetry(net, thetas, 1, perm=[[0, 1], [1, 0]], signs=[[1, -1], [-1, 1]])
    assert out.tolist() == [[1.0, -2.0, 3.0, -4.0], [-6.0, 5.0, -8.0, 7.0]]
    assert np.array_equal(join_layers(split_layers(net, thetas)), thetas)


NET = Network((2, 3, 1), "relu")
BAD = [
    (lambda: flip_unit(NET, np.zeros(13), 1, 0), "relu is not odd"),
    (lambda: flip_unit(Network((2, 3, 1), "sigmoid", bias=False), np.zeros(9), 1, 0), "no biases"),
    (lambda: rescale_unit(Network((2, 3, 1), "tanh"), np.zeros(13), 1, 0, 2.0), "not positively homogeneous"),
    (lambda: rescale_unit(NET, np.zeros(13), 1, 0, -1.0), "alpha: expected a positive scale"),
    (lambda: rescale_unit(NET, np.zeros(13), 1, 0, 0), "alpha: expected a positive scale"),
    (lambda: permute_units(NET, np.zeros(13), 0, [0, 1, 2]), "layer: expected a hidden layer index 1..1"),
    (lambda: permute_units(NET, np.zeros(13), 2, [0, 1, 2]), "layer: expected a hidden layer index 1..1"),
    (lambda: permute_units(NET, np.zeros(13), 1, [0, 0, 1]), "perm: expected a permutation of 0..2"),
    (lambda: permute_units(NET, np.zeros(13), 1, [0, 1]), r"perm: expected shape \(3,\)"),
    (lambda: permute_units(NET, np.zeros(12), 1, [0, 1, 2]), r"theta: expected shape \(13,\)"),
    (lambda: flip_unit(Network((2, 3, 1), "tanh"), np.zeros(13), 1, 3), "unit: expected a unit index 0..2"),
    (lambda: apply_symmetry(Network((2, 3, 1), "tanh"), np.zeros(13), 1, signs=[1, 0, 1]), "signs: expected"),
    (lambda: permute_units(Network((2, 1), "tanh"), np.zeros(3), 1, [0]), "no hidden layers"),
]


@pytest.mark.parametrize(("call", "fragment"), BAD)
def test_bad_inputs_are_refused_with_a_reason(call, fragment):
    with pytest.raises(InvalidModelError, match=fragment):
        call()


def test_no_hidden_layers_means_no_symmetry():
    net = Network((2, 1), "tanh")
    theta = np.arange(3.0)
    assert np.array_equal(random_symmetry(net, theta, rng=np.random.default_rng(0)), theta)
