"""Saddles at exactly critical points of smooth networks with a silent unit (every outgoing weight 0).

Let unit u of hidden layer ℓ send only zeros on: its incoming weights and bias θ_u then change nothing
the network computes, so F(θ*[θ_u]) = F(θ*) for every θ_u (θ*[θ_u] is θ* with u's numbers replaced).
There the gradient along u's outgoing weights is

    a(θ_u) = ∂F/∂V_{·u}(θ*[θ_u]) = (1/N) Σ_i δ_i·φ(w·h_i + b),

δ_i the loss's derivative by layer ℓ+1's pre-activations at x_i and h_i u's inputs — both those of θ*,
which θ_u does not reach. For φ = tanh or σ, a is real-analytic in θ_u. If a(θ_u* + t₁d) ≠ 0 (proved
in balls) for one direction d and step t₁, the analytic t ↦ a(θ_u* + td) is not identically 0, so its
zeros are isolated: a ≠ 0 on (0, t₀) for some t₀ > 0. Every θ*[θ_u* + td], 0 < t < t₀, has the loss F(θ*)
and a non-zero gradient, so points of lower loss lie arbitrarily close to it, and so to θ*: θ* is not a
local minimum, whatever the order of its degeneracy — no Taylor coefficient has to be shown to vanish,
which balls cannot show at σ(β) or tanh(β) for β ≠ 0. With its gradient proved exactly zero, θ* is a
saddle. The lower point exhibited is θ*[θ_u* + t₁d] moved against a's sign.
"""

from __future__ import annotations

from fractions import Fraction

from badminima.arithmetic.ball import BallArithmetic
from badminima.landscape.derivatives import gradient
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.verify.box import first_lower
from badminima.verify.certificate import Verdict
from badminima.verify.constant_units import exact_optimal_bias, target_means
from badminima.verify.kink_units import incoming, outgoing
from badminima.verify.outcome import Outcome
from badminima.verify.suboptimality import LossEnclosure

STEPS = (Fraction(1), Fraction(1, 4), Fraction(4))
"""Steps t₁ tried along each direction (any t₁ with a ≠ 0 is a proof)."""

SKEW = (Fraction(1), Fraction(-1, 2), Fraction(1, 3), Fraction(-1, 5), Fraction(2, 7))
"""Coefficients of the two mixed directions tried after the unit's coordinate axes: a can vanish on every
axis and not on a mixed line (tanh at b = 0 is odd: Σ_i r_i tanh(w x_i) ≡ 0 on data symmetric about 0
with even residuals, while Σ_i r_i tanh(w x_i + b) is not)."""

WITNESS_HALVINGS = 80
"""Steps 1, 1/2, 1/4, … against a's sign tried for the lower point, until its loss is proved lower (the
first such step takes about the largest decrease there is along that line)."""


def silent_units(network: Network, point: Point) -> list[tuple[int, int]]:
    """(layer, unit) of every hidden unit whose outgoing weights are all exactly 0.

    Example:
        >>> net = Network((1, 2, 1), "tanh")
        >>> silent_units(net, Point.unflatten(net, [1, 2, 0, 0, 0, 3, 0]))
        [(0, 0)]
    """
    flat = point.flatten()
    return [
        (layer, j)
        for layer in range(network.depth - 1)
        for j in range(network.widths[layer + 1])
        if all(flat[k] == 0 for k in outgoing(network, layer, j))
    ]


def silent_constant_fit(network: Network, dataset: Dataset, point: Point) -> Point | None:
    """``point`` with every output weight 0 and the output biases at the constant model's optimum (ȳ for
    an identity output, 0 for a sigmoid output at ȳ = 1/2): the network then predicts that optimum on
    every input, and every unit of the last hidden layer is silent. None for an irrational optimum, a
    network without biases, or when that is the point itself; whether the digits may round it is the
    caller's question.

    Example:
        >>> net = Network((1, 1, 1), "tanh")
        >>> data = Dataset.of([[0], [1]], [[0], [1]])
        >>> fit = silent_constant_fit(net, data, Point.unflatten(net, [0, 1, "1e-9", "0.4999"]))
        >>> fit.layers[1]
        Layer(W=((Fraction(0, 1),),), b=(Fraction(1, 2),))
    """
    last = point.layers[-1]
    means = target_means(network, dataset)
    optimum = None if means is None else [exact_optimal_bias(network, m) for m in means]
    if last.b is None or optimum is None or None in optimum:
        return None
    silent = Layer(
        tuple(tuple(Fraction(0) for _ in row) for row in last.W), tuple(v for v in optimum if v is not None)
    )
    return None if silent == last else Point((*point.layers[:-1], silent))


def _directions(n: int) -> list[tuple[Fraction, ...]]:
    """The unit's ``n`` coordinate axes, then two mixed directions (`SKEW`, forwards and reversed)."""
    axes = [tuple(Fraction(int(i == m)) for i in range(n)) for m in range(n)]
    mixed = [
        tuple(SKEW[i % len(SKEW)] for i in range(n)),
        tuple(SKEW[(n - 1 - i) % len(SKEW)] for i in range(n)),
    ]
    return axes + [d for d in dict.fromkeys(mixed) if d not in axes]


def certify_silent_saddle(
    network: Network, dataset: Dataset, point: Point, value: LossEnclosure
) -> Outcome | None:
    """``saddle`` (code ``analytic-silent-saddle``) at ``point``, whose gradient the caller has proved exactly
    zero, when a silent unit's would-be gradient a is proved non-zero a step away along one of its own
    coordinates (module docstring); None otherwise, or for a network with kinks (a must be analytic).

    Example (one tanh unit, silent and constant, beside the best constant fit of targets that are no
    affine function of x, yet uncorrelated with it: the Hessian is singular, the cubic term decides):
        >>> from badminima.verify.suboptimality import enclose_loss
        >>> net = Network((1, 1, 1), "tanh")
        >>> data = Dataset.of([[-1], [0], [1], [2]], [[1], [0], [0], [1]])
        >>> point = Point.unflatten(net, [0, "1/2", 0, "1/2"])
        >>> certify_silent_saddle(net, data, point, enclose_loss(net, data, point)).code
        'analytic-silent-saddle'
    """
    if network.activation not in ("tanh", "sigmoid"):
        return None
    below = value.lower
    if below is None:
        return None
    ball = BallArithmetic(128)
    flat = point.flatten()
    for layer, j in silent_units(network, point):
        out = outgoing(network, layer, j)
        own = incoming(network, layer, j)
        for d in _directions(len(own)):
            for t in STEPS:
                moved = list(flat)
                for m, dm in zip(own, d, strict=True):
                    moved[m] += t * dm
                there = Point.unflatten(network, moved)
                g = gradient(network, dataset, there, arith=ball)
                signs = {k: ball.sign(g[k]) for k in out}
                proved = {k: s for k, s in signs.items() if s not in (0, None)}
                if not proved:
                    continue
                v = [Fraction(0)] * network.n_params
                for k, s in proved.items():
                    v[k] = Fraction(-s)
                halving = (Fraction(1, 2**k) for k in range(WITNESS_HALVINGS))
                lower = first_lower(network, dataset, there, v, halving, below, ball)
                if lower is None:
                    continue
                witness, step, upper = lower
                k = next(iter(proved))
                return Outcome(
                    Verdict.SADDLE,
                    "interval",
                    "silent-unit-descent",
                    f"unit {j} of hidden layer {layer} is silent (every outgoing weight 0), so its own "
                    f"numbers change nothing: moving them by {t}·({', '.join(str(c) for c in d)}) keeps the "
                    f"loss, and there the gradient along its outgoing weight (parameter {k}) is proved "
                    f"non-zero (in {g[k].str(radius=True)}). That gradient is an analytic function of the "
                    f"unit's numbers, not identically 0, so it is non-zero at every small step along the "
                    f"same line: points of equal loss with lower points beside them lie arbitrarily close, "
                    f"and this exactly critical point is not a local minimum (a saddle, whatever the order "
                    f"of its degeneracy); the witness moves that outgoing weight by {float(step):.3g} "
                    f"against the gradient's sign",
                    value,
                    box_radius=Fraction(0),
                    witness=witness,
                    witness_loss_upper=upper,
                    code="analytic-silent-saddle",
                )
    return None
