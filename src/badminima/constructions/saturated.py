"""Saturated layers (Swirszcz, Czarnecki & Pascanu 2016, §4): on ANY finite dataset, weights that make
every unit of one hidden layer dead on every data point stop learning for good.

`saturated_layers` builds, for any data, depth and widths:

- layers below the chosen one pass the inputs up with every ReLU strictly active (no kinks);
- the chosen layer has all weights 1 and bias −(largest input it sees) − margin, so every
  pre-activation is ≤ −margin on every data point: the layer is dead on a whole neighbourhood;
- layers above are constant (zero weights, bias 1) and the output is the targets' mean.

Near the point the network outputs a constant, so the loss is at least Σ_k Var(y_k) — the loss at the
point: a local minimum, exactly. The better point sends one hinge feature relu(u·x − t) up a chain of
active units and fits the targets on it by least squares; some hinge correlates with the targets
whenever their mean differs between distinct inputs, so it is strictly better then, and never otherwise.

With sigmoid or tanh the saturation is only approximate: the layer's outputs are within e^(−margin)
(sigmoid) or 2e^(−2·margin) (tanh) of a constant, not equal to one, and every derivative through it is
scaled by σ'(z) ≤ e^(−margin) (tanh: ≤ 4e^(−2·margin)). The gradient is tiny, not zero; such a point is
not a local minimum, and `gradient_bound` encloses how tiny it is.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

import sympy

from badminima.arithmetic.least_squares import dot
from badminima.constructions.family import (
    Construction,
    ConstructionError,
    Parameter,
    SymbolicTrap,
    SymLayer,
    column,
    matrix,
    sym,
)
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.trap import Trap

MARGIN = sympy.Symbol("m", positive=True)


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _pass_up(rows: list[list[Fraction]], width: int) -> tuple[list[list[Fraction]], Fraction]:
    """A ReLU layer copying input j to units j, j + in, …, with a bias ``lift`` that keeps every
    pre-activation ≥ 1 (active, no kinks); returns its outputs on the data and the bias."""
    lift = 1 + max([Fraction(0)] + [-v for r in rows for v in r])
    return [[r[u % len(r)] + lift for u in range(width)] for r in rows], lift


# What a saturated sigmoid/tanh unit tends to as the margin grows, and the activation at z = 0.
_LIMIT = {"sigmoid": Fraction(0), "tanh": Fraction(-1)}
_AT_ZERO = {"sigmoid": Fraction(1, 2), "tanh": Fraction(0)}


def symbolic_saturated(
    dataset: Dataset, widths: Sequence[int], layer: int, activation: str = "relu"
) -> SymbolicTrap:
    """The saturated-layer family over ``dataset`` as sympy expressions in the margin ``m``."""
    widths = tuple(widths)
    net = Network(widths, activation)
    hidden = len(widths) - 2
    if hidden < 1:
        raise ConstructionError(f"widths {list(widths)}: expected at least one hidden layer")
    if not 0 <= layer < hidden:
        raise ConstructionError(f"layer: expected a hidden layer index in 0..{hidden - 1}, got {layer}")
    if activation not in ("relu", "sigmoid", "tanh"):
        raise ConstructionError(f"activation: expected relu, sigmoid or tanh, got {activation!r}")
    point: list[SymLayer] = []
    rows = [list(x) for x in dataset.X]
    for k in range(layer):
        inp, out = widths[k], widths[k + 1]
        lift = Fraction(0)
        if activation == "relu":
            rows, lift = _pass_up(rows, out)
        point.append(
            (matrix([[int(j == u % inp) for j in range(inp)] for u in range(out)]), column([lift] * out))
        )
    inp, out = widths[layer], widths[layer + 1]
    # Σ_j a_j over the data: exact for inputs and active ReLUs, < inp for sigmoid/tanh outputs.
    top = max(sum(r, Fraction(0)) for r in rows) if activation == "relu" or layer == 0 else Fraction(inp)
    point.append((matrix([[1] * inp for _ in range(out)]), column([sym(-top) - MARGIN] * out)))
    means = [_mean([r[k] for r in dataset.y]) for k in range(widths[-1])]
    if activation == "relu":
        for k in range(layer + 1, hidden):
            point.append(
                (matrix([[0] * widths[k] for _ in range(widths[k + 1])]), column([1] * widths[k + 1]))
            )
        point.append((matrix([[0] * widths[-2] for _ in range(widths[-1])]), column(means)))
    else:
        # Every weight above is non-zero (so derivatives do flow, scaled by σ'(z) ≤ e^-m), and the biases
        # centre each layer at z = 0 in the limit m → ∞, where the output is exactly the targets' mean.
        limit = _LIMIT[activation]
        for k in range(layer + 1, len(widths) - 1):
            w = Fraction(1, widths[k])
            bias = (
                [m - widths[k] * w * limit for m in means]
                if k == hidden
                else [-widths[k] * w * limit] * widths[k + 1]
            )
            point.append((matrix([[w] * widths[k] for _ in range(widths[k + 1])]), column(bias)))
            limit = _AT_ZERO[activation]
    better = better_point(dataset, widths) if activation == "relu" else None
    return SymbolicTrap(
        network=net,
        X=matrix([list(r) for r in dataset.X]),
        y=matrix([list(r) for r in dataset.y]),
        point=tuple(point),
        better=None
        if better is None
        else tuple((matrix(lay.W), column(lay.b or ())) for lay in better.layers),
        symbols={"margin": MARGIN},
    )


def _injective_projection(X: Sequence[Sequence[Fraction]]) -> list[Fraction]:
    """u = (1, M, M², …) with the smallest positive integer M that separates the distinct inputs."""
    distinct = sorted(set(tuple(r) for r in X))
    d = len(distinct[0])
    for M in range(1, 10 * len(distinct) ** 2 + 10):
        u = [Fraction(M**i) for i in range(d)]
        if len({dot(u, r) for r in distinct}) == len(distinct):
            return u
    raise AssertionError("a separating projection always exists")  # pragma: no cover


def better_point(dataset: Dataset, widths: Sequence[int]) -> Point | None:
    """A ReLU point strictly better than the best constant, or None when no network can beat it (the
    targets' mean is the same on every distinct input)."""
    X, Y = dataset.X, dataset.y
    u = _injective_projection(X)
    s = [dot(u, r) for r in X]
    levels = sorted(set(s))
    # Hinges relu(s − t), t below every level or between two, and constants span all functions of s.
    thresholds = [levels[0] - 1] + [(a + b) / 2 for a, b in itertools.pairwise(levels)]
    for t in thresholds:
        h = [max(v - t, Fraction(0)) for v in s]
        hm = _mean(h)
        var = _mean([(v - hm) ** 2 for v in h])
        if var == 0:
            continue
        betas = []
        for k in range(len(Y[0])):
            yk = [r[k] for r in Y]
            ym = _mean(yk)
            betas.append((_mean([(a - hm) * (b - ym) for a, b in zip(h, yk, strict=True)]) / var, ym))
        if any(beta != 0 for beta, _ in betas):
            break
    else:
        return None
    # Unit 0 of every hidden layer carries the hinge up (relu(a) = a for a ≥ 0); the others are dead.
    zero, one = Fraction(0), Fraction(1)
    layers: list[tuple[list[list[Fraction]], list[Fraction]]] = []
    first = [[u[j] if i == 0 else zero for j in range(widths[0])] for i in range(widths[1])]
    layers.append((first, [-t if i == 0 else -one for i in range(widths[1])]))
    for k in range(1, len(widths) - 2):
        W = [[one if i == j == 0 else zero for j in range(widths[k])] for i in range(widths[k + 1])]
        layers.append((W, [zero if i == 0 else -one for i in range(widths[k + 1])]))
    out_W = [[beta if j == 0 else zero for j in range(widths[-2])] for beta, _ in betas]
    layers.append((out_W, [ym - beta * hm for beta, ym in betas]))
    return Point.of(layers)


def saturated_layers(
    dataset: Dataset,
    widths: Sequence[int],
    *,
    layer: int = 0,
    margin: Fraction | int = 1,
    activation: str = "relu",
) -> Trap:
    """The saturated-layer trap on ``dataset`` for a network of ``widths`` (ReLU: a certified local
    minimum with the constant-prediction loss; sigmoid/tanh: a near-stationary point, see the module)."""
    margin = Fraction(margin)
    if margin <= 0:
        raise ConstructionError(f"margin: expected a value > 0, got {margin}")
    symbolic = symbolic_saturated(dataset, widths, layer, activation)
    data, point, better = symbolic.substitute({"margin": margin})
    assert point is not None
    return Trap(
        symbolic.network,
        data,
        point,
        better,
        name=f"saturated-{activation}",
        description=(
            f"every unit of hidden layer {layer} is {'dead' if activation == 'relu' else 'saturated'} "
            f"on every data point by margin {margin}; the output is the targets' mean"
        ),
        source="construction after Swirszcz, Czarnecki & Pascanu 2016, §4 (instance ours)",
    )


def gradient_bound(trap: Trap, *, precision: int = 128) -> Fraction:
    """A proved upper bound on ‖∇F‖ at the trap's point, in ball arithmetic: for a saturated sigmoid or
    tanh layer it shrinks like e^(−margin) (tanh: e^(−2·margin)) but is not zero."""
    from badminima.arithmetic.ball import BallArithmetic
    from badminima.landscape.derivatives import gradient
    from badminima.verify.parameter_box import norm_upper

    ball = BallArithmetic(precision)
    return norm_upper(ball, list(gradient(trap.network, trap.dataset, trap.point, arith=ball)))


def _default_data() -> Dataset:
    """A 2-D regression set whose targets are not constant: the default for the registry entries."""
    return Dataset.of([[0, 0], [1, 0], [0, 1], [1, 1], [2, 1], ["1/2", 2]], [[0], [1], [1], [0], [2], [1]])


def _widths(depth: int, width: int) -> tuple[int, ...]:
    return (2, *([width] * depth), 1)


def _family(activation: str) -> Construction:
    relu = activation == "relu"
    return Construction(
        name=f"saturated-{activation}",
        summary=(
            f"every {activation} unit of one hidden layer "
            + (
                "dead on every data point: a bad local minimum on any data"
                if relu
                else "saturated: tiny gradient"
            )
        ),
        source="after Swirszcz, Czarnecki & Pascanu 2016, §4",
        kind="trap" if relu else "near-stationary",
        parameters=(
            Parameter(
                "margin",
                Fraction(1 if relu else 8),
                "every pre-activation of the layer is ≤ −margin",
                Fraction(0),
            ),
            Parameter(
                "depth", Fraction(2), "number of hidden layers", Fraction(1), exclusive=False, integer=True
            ),
            Parameter(
                "width", Fraction(3), "units per hidden layer", Fraction(1), exclusive=False, integer=True
            ),
            Parameter(
                "layer", Fraction(0), "which hidden layer is saturated (0-based)", Fraction(0), False, True
            ),
        ),
        symbolic=lambda values: symbolic_saturated(
            _default_data(),
            _widths(int(values["depth"]), int(values["width"])),
            int(values["layer"]),
            activation,
        ),
        provenance=(
            "The paper describes the mechanism; this instance, its data and its better point are ours."
            if relu
            else "The paper describes the mechanism; this instance is ours. Not a minimum: the gradient is "
            "tiny (≤ a multiple of e^-margin), not zero."
        ),
    )


CONSTRUCTIONS = (_family("relu"), _family("sigmoid"))
