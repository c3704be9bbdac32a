import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given

from badminima import Dataset, InvalidModelError, Network, Point, Trap
from badminima.strategies import networks, points


def test_network_counts_parameters():
    assert Network((2, 2, 1), "sigmoid").n_params == 9
    assert Network((2, 2, 1), "sigmoid", bias=False).n_params == 6
    assert Network((3, 1), "identity").n_params == 4  # a single neuron, no hidden layer


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"widths": (2,), "activation": "relu"}, "widths"),
        ({"widths": (2, 0, 1), "activation": "relu"}, "positive integers"),
        ({"widths": (2, 1), "activation": "swish"}, "activation"),
        ({"widths": (2, 1), "activation": "relu", "output": "softmax"}, "output"),
        ({"widths": (2, 1), "activation": "relu", "loss": "bce"}, "needs output 'sigmoid'"),
        ({"widths": (2, 1), "activation": "relu", "leaky_slope": Fraction(1, 2)}, "leaky_slope"),
        ({"widths": (2, 1), "activation": "leaky_relu", "leaky_slope": Fraction(2)}, "(0, 1)"),
    ],
)
def test_network_rejects(kwargs, fragment):
    with pytest.raises(InvalidModelError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Network(**kwargs)


def test_leaky_relu_default_slope():
    assert Network((1, 1, 1), "leaky_relu").leaky_slope == Fraction(1, 100)


@given(networks().flatmap(lambda n: points(n).map(lambda p: (n, p))))
def test_flatten_unflatten_roundtrip(net_point):
    net, p = net_point
    assert len(p.flatten()) == net.n_params
    assert Point.unflatten(net, p.flatten()) == p


def test_dataset_is_exact_and_validated():
    d = Dataset.of([[0.1]], [["1/3"]])
    assert d.X[0][0] == Fraction(0.1)  # a float means its exact binary value
    assert d.y[0][0] == Fraction(1, 3)
    with pytest.raises(InvalidModelError, match="one target row per input row"):
        Dataset.of([[0], [1]], [[0]])
    with pytest.raises(InvalidModelError, match="exact Fractions"):
        Dataset(((0.5,),), ((Fraction(1),),))  # type: ignore[arg-type]


def test_trap_checks_shapes_and_bce_targets():
    net = Network((1, 1), "identity", output="sigmoid", loss="bce")
    data = Dataset.of([[0]], [[2]])
    point = Point.of([([[1]], [0])])
    with pytest.raises(InvalidModelError, match=r"targets in \[0, 1\]"):
        Trap(net, data, point)
    with pytest.raises(InvalidModelError, match="input columns"):
        Trap(net, Dataset.of([[0, 1]], [[1]]), point)
    with pytest.raises(InvalidModelError, match="no biases"):
        Trap(Network((1, 1), "identity", bias=False), Dataset.of([[0]], [[1]]), point)


@pytest.mark.parametrize(
    ("where", "value", "fragment"),
    [
        ("point", "1e900", "point[0]: expected a magnitude at most 1e100"),
        ("better", "-1e101", "better[0]: expected a magnitude at most 1e100"),
        ("data", "1e300", "X: expected a magnitude at most 1e100"),
        ("point", "1e90", "numbers too large"),  # each number fits; the loss bound does not
    ],
)
def test_the_python_entry_points_refuse_what_the_trap_file_reader_refuses(where, value, fragment):
    # certify and evaluate convert to float64 for their diagnostics; without this check a weight of
    # 1e900 raised OverflowError deep inside numpy.
    from badminima import certify, evaluate

    net = Network((1, 1, 1), "identity")
    big = Fraction(value) if "e" not in value else Fraction(Decimal(value))
    ordinary = Point.unflatten(net, [1, 0, 1, 0])
    point = Point.unflatten(net, [big, 0, big, 0]) if where == "point" else ordinary
    better = Point.unflatten(net, [big, 0, 1, 0]) if where == "better" else ordinary
    data = Dataset.of([[big if where == "data" else 1], [0]], [[0], [1]])
    trap = Trap(net, data, point, better)
    with pytest.raises(InvalidModelError, match=re.escape(fragment)):
        certify(trap)
    if where != "better":
        with pytest.raises(InvalidModelError, match=re.escape(fragment)):
            evaluate(net, data, point)
