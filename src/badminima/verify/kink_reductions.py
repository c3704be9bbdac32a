"""The narrower problem behind units dead at a kink (`dead_kinks`), when the dead units are a whole hidden
layer: the constant model (`constant_reductions` after the last hidden layer, `silent_layer_reductions`
after an earlier one, whose later layers then receive constants); and the logits over a box
(`BoxPredictions`) that every narrower problem hands on.

If every unit of the last hidden ReLU layer is dead on the data (pre-activation ≤ 0 on every point), the
network without them has no hidden unit left before its output: it computes the constant z = c (the
output bias) on every input, whatever the earlier layers hold. Its loss is Σ_k g_k(c_k) with
g_k(c) = mean_i ℓ(c, y_ik), decreasing then increasing around its unique minimiser C*_k = g⁻¹(ȳ_k) (ȳ_k
for an identity output with mse, logit ȳ_k for a sigmoid output with mse or cross-entropy, ȳ_k ∈ (0, 1):
g_k′ has the sign of c − ȳ_k or σ(c) − ȳ_k, see `dead_layers`), so

    F_red(c) ≥ F* = Σ_k g_k(C*_k)   for every c,

a bound that needs no box at all — the same one as `dead_layers`' constant model, there for a layer
strictly dead, here the reduced problem of `dead_kinks` with every radius R allowed. The point is taken
at C* when its output bias is C* exactly or misses it by its rounding (the verdict is then about the
point with c = C*, as everywhere in `certify`), and `ConstantPredictions` encloses the reduced logits
over the box: z_red,ki = c_k ∈ [C_k − R, C_k + R] on every data point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction
from badminima.errors import BackendError
from badminima.landscape.derivatives import logit_slope
from badminima.landscape.forward_pass import KinkSide, forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import last_place, relative_rounding, rounding_scale
from badminima.verify.constant_units import (
    constant_model_loss,
    exact_optimal_bias,
    optimal_bias,
    target_means,
)
from badminima.verify.parameter_box import ParameterBox, ball_bounds

CONSTANT_RADII = tuple(Fraction(1, 2**k) for k in (4, 8, 12, 16, 24, 32, 40))
"""Box radii R tried around the constant model's optimum, largest first."""

HEADS = (("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"))
"""(output, loss) pairs whose constant model has the unimodal g_k above."""


class Predictions(Protocol):
    """The narrower network's logits over its proof box, in balls: ``slopes(extra)`` is ∂ℓ_i/∂z_ki (a
    (dL, N) array of balls) over those logits plus ``extra[(k, i)]``."""

    ball: BallArithmetic

    def slopes(self, extra: dict[tuple[int, int], Any]) -> Any: ...


@dataclass(frozen=True)
class Reduction:
    """What the narrower problem proved: every narrower loss within ∞-distance ``radius`` of
    ``center``'s narrower part is ≥ F* ∈ [``loss_lower``, ``loss_upper``], and F* is attained there.
    ``center`` is the whole network's point (dead units as given); ``predictions`` encloses the narrower
    logits over that box; ``reason`` and ``code`` say how the narrower bound was proved. ``shift``: how
    far the dead units' biases must be lowered at the narrower minimiser to keep p ≤ 0 on their kinks
    (0 when the minimiser moves nothing that feeds them); ``rho`` bounds the minimiser's distance from
    ``center`` when it moves what feeds the dead units (0 when it moves nothing that feeds them: then
    their pre-activations at the minimiser are those at ``center``)."""

    center: Point
    radius: Fraction
    loss_lower: Fraction | None
    loss_upper: Fraction | None
    predictions: Predictions
    reason: str
    code: str
    shift: Fraction = Fraction(0)
    rho: Fraction = Fraction(0)


class BoxPredictions:
    """A network's logits enclosed in balls over the ∞-box of ``radius`` around ``point``, and ∂ℓ_i/∂z_ki
    over them plus extra per-point ranges."""

    def __init__(
        self,
        network: Network,
        dataset: Dataset,
        point: Point,
        radius: Fraction,
        precision: int | None = 256,
        kink_side: KinkSide = "active",
    ) -> None:
        self.network = network
        self.box = ParameterBox(network, dataset, point, precision, kink_side)
        self.ball = self.box.ball
        with self.ball.context():
            flat = self.box.flat(radius)
            fwd = forward(
                network, unflatten(network, flat), self.box.prob.inputs, arith=self.ball, masks=self.box.masks
            )
            self.forward = fwd
            self.logits = fwd.logits

    def slopes(self, extra: dict[tuple[int, int], Any]) -> Any:
        """∂ℓ_i/∂z_ki (a (dL, N) array of balls) over the logits plus ``extra[(k, i)]``."""
        z = self.logits.copy()
        for (k, i), ball in extra.items():
            z[k, i] = z[k, i] + ball
        return logit_slope(self.network, z, self.box.prob.targets, arith=self.ball)


class ConstantPredictions:
    """The constant model's logits c_k ∈ [C_k − R, C_k + R] on every data point, in balls."""

    def __init__(self, network: Network, dataset: Dataset, center: Point, radius: Fraction) -> None:
        self.network = network
        self.ball = BallArithmetic(256)
        self.targets = prepare(network, dataset, center, arith=self.ball).targets
        c = center.layers[-1].b
        assert c is not None
        n = len(dataset.X)
        with self.ball.context():
            rad = self.ball.constant(radius).upper()
            self.logits = np.array(
                [[self.ball.constant(ck) + flint.arb(0, rad) for _ in range(n)] for ck in c], dtype=object
            )

    def slopes(self, extra: dict[tuple[int, int], Any]) -> Any:
        """∂ℓ_i/∂z_ki over the constant logits plus ``extra[(k, i)]``."""
        z = self.logits.copy()
        for (k, i), ball in extra.items():
            z[k, i] = z[k, i] + ball
        return logit_slope(self.network, z, self.targets, arith=self.ball)


def _rounds_optimum(
    network: Network, point: Point, biases: tuple[Fraction, ...], misses: list[Fraction]
) -> bool:
    """Whether output biases that miss the constant model's optimum by ``misses`` may be its rounding: each
    miss is 0, or its bias was written rounded (a short number is exact and never moves) and the miss is
    within 10√P times the point's relative rounding of the bias's own size (one large coarse number
    elsewhere does not widen it)."""
    rel = 10 * Fraction(math.sqrt(network.n_params)) * relative_rounding(point.flatten())
    return all(
        m == 0 or (last_place(b) != 0 and m <= rel * max(Fraction(1), abs(b)))
        for b, m in zip(biases, misses, strict=True)
    )


def constant_optimum(network: Network, dataset: Dataset) -> tuple[list[Any], Any] | None:
    """(C*_k, F*): the constant model's optimal logits (Fractions where exact, else balls at 256 bits)
    and its optimal loss (a Fraction for mse, a ball for cross-entropy); None when the head is not one
    of `HEADS` or a sigmoid output cannot reach a target mean.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="mse")
        >>> C, F = constant_optimum(net, Dataset.of([[0], [1]], [[1], [0]]))
        >>> C, F
        ([Fraction(0, 1)], Fraction(1, 4))
    """
    if (network.output, network.loss) not in HEADS:
        return None
    means = target_means(network, dataset)
    if means is None:
        return None
    ball = BallArithmetic(256)
    with ball.context():
        C: list[Any] = [
            q if (q := exact_optimal_bias(network, m)) is not None else optimal_bias(ball, network, m)
            for m in means
        ]
        return C, constant_model_loss(network, dataset, means, ball)


def constant_reductions(
    network: Network, dataset: Dataset, point: Point, *, literal: bool = False
) -> list[Reduction]:
    """The constant model as `dead_kinks`' narrower problem, one `Reduction` per radius of
    `CONSTANT_RADII` (empty when the point's output bias is not C*, exactly or — unless ``literal`` —
    to its rounding scale): the centre is the point with its output bias set to (a 256-bit rational
    approximation of) C*.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1]], [[1], [0]])
        >>> found = constant_reductions(net, data, Point.unflatten(net, [1, -1, 1, 0]))
        >>> len(found), found[0].radius, found[0].code
        (7, Fraction(1, 16), 'constant-model optimum')
    """
    found = constant_optimum(network, dataset)
    if found is None:
        return []
    C, F_star = found
    out = point.layers[-1]
    assert out.b is not None
    ball = BallArithmetic(256)
    mids, misses = [], []
    with ball.context():
        for ck, given in zip(C, out.b, strict=True):
            if isinstance(ck, Fraction):
                mids.append(ck)
                misses.append(abs(given - ck))
            else:
                mids.append(arb_to_fraction(ck.mid()))
                lo, hi = ball_bounds(ball.constant(given) - ck)
                misses.append(max(abs(lo), abs(hi)))
        lo, hi = (F_star, F_star) if isinstance(F_star, Fraction) else ball_bounds(F_star)
    miss, rho = max(misses, default=Fraction(0)), rounding_scale(point.flatten())
    if miss and (literal or not _rounds_optimum(network, point, out.b, misses)):
        return []
    center = Point((*point.layers[:-1], Layer(out.W, tuple(mids))))
    reason = (
        "without them the network's output is the constant c (its output bias), whose loss is at least "
        "the constant model's optimum F* (c_k = g⁻¹(ȳ_k), g_k decreasing then increasing) for every c"
        + (
            ""
            if not miss
            else f"; the point's output bias misses that optimum by {float(miss):.2g}, at its "
            f"rounding scale {float(rho):.2g}, and the verdict is about the point with c = C*"
        )
    )
    return [
        Reduction(
            center,
            R,
            lo,
            hi,
            ConstantPredictions(network, dataset, center, R),
            reason,
            "constant-model optimum",
        )
        for R in CONSTANT_RADII
    ]


def silent_layer_reductions(
    network: Network, dataset: Dataset, point: Point, layer: int, *, literal: bool = False
) -> list[Reduction]:
    """The constant model as `dead_kinks`' narrower problem when every unit of hidden layer ``layer``, not
    the last, is dead on the data: with that layer silent (its kinks on their zero side) every later
    layer receives the same constants on every data point, so the network outputs one constant vector
    c(θ) and its loss is at least the constant model's optimum F* for every θ. One `Reduction` per radius
    of `CONSTANT_RADII` when c at the point is C* exactly or (unless ``literal``) to its rounding scale;
    the centre then moves only the output bias, by C* − c (which feeds nothing before it), and the
    logits are enclosed over the box with the silent layer at zero.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1, 1), "relu", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1]], [[1], [0]])
        >>> found = silent_layer_reductions(net, data, Point.unflatten(net, [1, -1, 1, 1, 2, -2]), 0)
        >>> len(found), found[0].code
        (7, 'constant-model optimum')
    """
    found = constant_optimum(network, dataset)
    if found is None:
        return []
    C, F_star = found
    exact = ExactArithmetic()
    try:
        prob = prepare(network, dataset, point, arith=exact, kink_side="inactive")
        with exact.context():
            fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=exact, masks=prob.masks)
            c = [Fraction(fwd.logits[k, 0]) for k in range(network.widths[-1])]
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return []
    ball = BallArithmetic(256)
    mids, misses = [], []
    with ball.context():
        for ck, given in zip(C, c, strict=True):
            mid = ck if isinstance(ck, Fraction) else arb_to_fraction(ck.mid())
            mids.append(mid)
            if isinstance(ck, Fraction):
                lo_miss = hi_miss = mid - given
            else:
                lo_miss, hi_miss = ball_bounds(ck - ball.constant(given))
            misses.append(max(abs(lo_miss), abs(hi_miss)))
        lo, hi = (F_star, F_star) if isinstance(F_star, Fraction) else ball_bounds(F_star)
    miss = max(misses, default=Fraction(0))
    out = point.layers[-1]
    assert out.b is not None
    if miss and (literal or not _rounds_optimum(network, point, out.b, misses)):
        return []
    bias = tuple(b + (m - g) for b, m, g in zip(out.b, mids, c, strict=True))
    center = Point((*point.layers[:-1], Layer(out.W, bias)))
    reason = (
        f"with hidden layer {layer + 1} silent every later layer receives constants, so the network "
        f"outputs one constant vector c on every input, whose loss is at least the constant model's optimum "
        f"F* (c_k = g⁻¹(ȳ_k)) for every parameter"
        + (
            ""
            if not miss
            else f"; c misses that optimum by {float(miss):.2g} at the point, and the verdict is "
            f"about the point with its output bias moved to reach it"
        )
    )
    return [
        Reduction(
            center,
            R,
            lo,
            hi,
            BoxPredictions(network, dataset, center, R, kink_side="inactive"),
            reason,
            "constant-model optimum",
        )
        for R in CONSTANT_RADII
    ]
