"""Public hypothesis strategies for networks, datasets, points and traps, for your own tests.

Every value drawn is valid for the package (the constructors' checks pass), exact (rationals, or the
exact values of drawn floats), and shrinks towards small networks, few points and simple numbers.

Example:
    >>> from hypothesis import given
    >>> from badminima import FloatArithmetic, loss
    >>> from badminima.strategies import traps
    >>> @given(traps())
    ... def test_loss_is_nonnegative(trap):
    ...     assert loss(trap.network, trap.dataset, trap.point, arith=FloatArithmetic()) >= 0
    >>> test_loss_is_nonnegative()
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from hypothesis import strategies as st

from badminima.model.dataset import Dataset
from badminima.model.network import ACTIVATIONS, Network
from badminima.model.point import Layer, Point
from badminima.model.trap import Trap

Numbers = Literal["rational", "float"]
Task = Literal["any", "classification", "regression"]


def rationals(*, max_numerator: int = 4, max_denominator: int = 4) -> st.SearchStrategy[Fraction]:
    """Small exact rationals p/q with |p| ≤ max_numerator, 1 ≤ q ≤ max_denominator."""
    return st.builds(
        Fraction,
        st.integers(-max_numerator, max_numerator),
        st.integers(1, max_denominator),
    )


def floats(*, bound: float = 4.0) -> st.SearchStrategy[Fraction]:
    """Finite float32 values in [-bound, bound], as the exact rationals they are (``Fraction(x)``);
    magnitudes below 2^-20 become 0, so denominators stay below 2^44 and exact arithmetic stays cheap."""
    drawn = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=32)
    return drawn.map(lambda x: Fraction(x) if abs(x) >= 2**-20 else Fraction(0))


def scalars(
    kind: Numbers = "rational", *, max_numerator: int = 4, max_denominator: int = 4
) -> st.SearchStrategy[Fraction]:
    """`rationals` for ``kind="rational"``, `floats` (bound ``max_numerator``) for ``kind="float"``."""
    if kind == "rational":
        return rationals(max_numerator=max_numerator, max_denominator=max_denominator)
    if kind == "float":
        return floats(bound=float(max_numerator))
    raise ValueError(f"numbers: expected 'rational' or 'float', got {kind!r}")


@st.composite
def networks(
    draw: st.DrawFn,
    *,
    activations: tuple[str, ...] = ACTIVATIONS,
    min_hidden_layers: int = 0,
    max_hidden_layers: int = 3,
    min_width: int = 1,
    max_width: int = 3,
    max_inputs: int = 2,
    max_outputs: int = 2,
    outputs: tuple[str, ...] = ("identity", "sigmoid"),
    losses: tuple[str, ...] = ("mse", "bce"),
    bias: bool | None = None,
) -> Network:
    """Networks with ``min_hidden_layers..max_hidden_layers`` hidden layers of ``min_width..max_width``
    units, one of ``activations``, an output in ``outputs`` and a loss in ``losses`` that fits it (bce
    only with a sigmoid output), with biases when ``bias`` is True, without when False, either if None.
    """
    hidden = draw(
        st.lists(st.integers(min_width, max_width), min_size=min_hidden_layers, max_size=max_hidden_layers)
    )
    widths = (draw(st.integers(1, max_inputs)), *hidden, draw(st.integers(1, max_outputs)))
    activation = draw(st.sampled_from(activations))
    output = draw(st.sampled_from(outputs))
    fitting = [name for name in losses if name == "mse" or output == "sigmoid"]
    if not fitting:
        raise ValueError(f"losses: none of {losses!r} fits an output of {output!r} (bce needs sigmoid)")
    loss_ = draw(st.sampled_from(fitting))
    slope = draw(st.sampled_from((Fraction(1, 10), Fraction(1, 3)))) if activation == "leaky_relu" else None
    with_bias = draw(st.booleans()) if bias is None else bias
    return Network(widths, activation, output, loss_, with_bias, slope)


@st.composite
def datasets(
    draw: st.DrawFn,
    network: Network | None = None,
    *,
    min_points: int = 1,
    max_points: int = 5,
    input_dim: int | None = None,
    output_dim: int | None = None,
    numbers: Numbers = "rational",
    task: Task = "any",
    distinct: bool = True,
    max_numerator: int = 4,
    max_denominator: int = 4,
) -> Dataset:
    """Datasets of ``min_points..max_points`` points with small exact inputs.

    Dimensions come from ``network`` (or ``input_dim``/``output_dim``, else 1). Inputs are `rationals`
    (``numbers="rational"``) or the exact values of floats (``"float"``); with ``distinct`` no two
    inputs are equal. Targets: ``task="classification"`` gives 0/1 labels, ``"regression"`` numbers
    like the inputs, ``"any"`` either; a bce network also gets 1/2 among its targets.
    """
    d0 = network.widths[0] if network is not None else input_dim or 1
    dl = network.widths[-1] if network is not None else output_dim or 1
    value = scalars(numbers, max_numerator=max_numerator, max_denominator=max_denominator)
    row = st.tuples(*[value] * d0)
    X = draw(st.lists(row, min_size=min_points, max_size=max_points, unique=distinct))
    if task == "any":
        task = draw(st.sampled_from(("classification", "regression")))
    if network is not None and network.loss == "bce":
        target: st.SearchStrategy[Fraction] = st.sampled_from(
            (Fraction(0), Fraction(1))
            if task == "classification"
            else (Fraction(0), Fraction(1, 2), Fraction(1))
        )
    elif task == "classification":
        target = st.sampled_from((Fraction(0), Fraction(1)))
    elif task == "regression":
        target = value
    else:
        raise ValueError(f"task: expected 'any', 'classification' or 'regression', got {task!r}")
    y = [[draw(target) for _ in range(dl)] for _ in X]
    return Dataset.of(X, y)


@st.composite
def points(
    draw: st.DrawFn, network: Network, *, max_numerator: int = 4, numbers: Numbers = "rational"
) -> Point:
    """Parameter points of ``network`` with small rational (or float-valued) entries."""
    values = scalars(numbers, max_numerator=max_numerator)
    layers = []
    for out, inp in network.layer_shapes:
        W = tuple(tuple(draw(values) for _ in range(inp)) for _ in range(out))
        b = tuple(draw(values) for _ in range(out)) if network.bias else None
        layers.append(Layer(W, b))
    return Point(tuple(layers))


@st.composite
def traps(
    draw: st.DrawFn,
    networks_: st.SearchStrategy[Network] | None = None,
    *,
    max_points: int = 5,
    with_better: bool | None = None,
) -> Trap:
    """Whole traps: a network (from ``networks_``, default `networks()`), a dataset for it, a point,
    and a better point (always if ``with_better``, never if False, half the time if None)."""
    net = draw(networks_ if networks_ is not None else networks())
    if with_better is None:
        better = draw(st.one_of(st.none(), points(net)))
    else:
        better = draw(points(net)) if with_better else None
    return Trap(
        net,
        draw(datasets(net, max_points=max_points)),
        draw(points(net)),
        better,
        name=draw(st.none() | st.text(max_size=8)),
    )
