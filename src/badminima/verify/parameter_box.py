"""Loss, gradient and Hessian enclosed over a box of parameters: `ParameterBox` evaluates the landscape on
balls (or float64 enclosures) around a centre point, the one place the box proofs, the lifts and the
claims get their enclosures from; `ball_bounds` and `norm_upper` read exact bounds off balls."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction
from badminima.errors import BackendError
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.forward_pass import KinkSide, forward, unflatten
from badminima.landscape.losses import loss_of_flat
from badminima.landscape.problem import Problem, prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point

HESSIAN_CHUNK = 4_000_000  # tangent entries (units × points × P) per chunk of data


def ball_bounds(x: Any) -> tuple[Fraction, Fraction]:
    """Exact rational endpoints of a ball (at a working precision that keeps them tight)."""
    with flint.ctx.workprec(1024):
        return arb_to_fraction(x.lower()), arb_to_fraction(x.upper())


def strong_convexity_floor(loss_lower: Fraction, gradient_upper: Fraction, mu: Fraction) -> Fraction:
    """A lower bound on the minimum of a loss μ-strongly convex on a box that holds its minimiser x*, from
    a centre c of the box: F(x*) ≥ F(c) − ‖∇F(c)‖²/(2μ) (F(y) ≥ F(c) + ∇F(c)·(y − c) + μ‖y − c‖²/2,
    least at y − c = −∇F(c)/μ), given F(c) ≥ ``loss_lower`` and ‖∇F(c)‖ ≤ ``gradient_upper``.

    Example:
        >>> strong_convexity_floor(Fraction(1), Fraction(1, 10), Fraction(2))
        Fraction(399, 400)
    """
    return loss_lower - gradient_upper * gradient_upper / (2 * mu)


class ParameterBox:
    """One point laid out in `arb` balls at ``precision`` bits (the box Hessian goes through float64
    enclosures, see `hessian`); with ``precision`` None, in float64 enclosures only, for the cheap
    Newton steps of `polish`."""

    def __init__(
        self,
        network: Network,
        dataset: Dataset,
        point: Point,
        precision: int | None,
        kink_side: KinkSide = "active",
    ) -> None:
        self.network, self.dataset, self.point = network, dataset, point
        self.ball = BallArithmetic(precision or 128)
        self.arith: Any = self.ball if precision else EnclosureArithmetic()
        self.prob: Problem = prepare(network, dataset, point, arith=self.arith, kink_side=kink_side)
        self.masks = self.prob.masks

    def flat(self, radius: Fraction | Sequence[Fraction], moving: Collection[int] | None = None) -> Any:
        """The box of ``radius`` (∞-norm; or one radius per flat index) around the point, as a flat array
        of the backend; with ``moving``, only those flat indices vary (the others stay at the point: a
        slice's box)."""
        radii = list(radius) if isinstance(radius, Sequence) else [radius] * len(self.prob.flat)
        with self.ball.context():
            return self.ball.vector(
                [
                    v
                    if (moving is not None and i not in moving) or not r
                    else v + flint.arb(0, self.ball.constant(r).upper())
                    for i, (v, r) in enumerate(zip(self.prob.flat, radii, strict=True))
                ]
            )

    def loss(self, flat: Any) -> Any:
        p = self.prob
        with self.arith.context():
            return loss_of_flat(self.network, p.inputs, p.targets, flat, arith=self.arith, masks=self.masks)

    def gradient_mid(self) -> tuple[np.ndarray, Fraction | None]:
        """Float midpoints of the gradient at the point (for Newton steps), and a proved upper bound on
        its norm at ball levels (None for float enclosures: a sum over N points is about N ulps wide,
        too wide to prove the tiny gradient a small box needs)."""
        if isinstance(self.arith, EnclosureArithmetic):
            p = self.prob
            g = gradient_of_flat(
                self.network, p.inputs, p.targets, p.flat, arith=self.arith, masks=self.masks
            )
            if not g.is_finite():
                raise BackendError("the float enclosure of the gradient is not finite")
            return g.mid, None
        balls = self.ball_gradient()
        return np.array([float(v.mid()) for v in balls]), norm_upper(self.ball, balls)

    def ball_gradient(self) -> list[Any]:
        """The gradient at the point in balls (``precision`` bits; 128 at the float level)."""
        p = self.prob
        prob = p if p.arith is self.ball else prepare(self.network, self.dataset, self.point, arith=self.ball)
        with self.ball.context():
            return list(
                gradient_of_flat(
                    self.network, prob.inputs, prob.targets, prob.flat, arith=self.ball, masks=self.masks
                )
            )

    def gradient_bound(self) -> Fraction:
        """A proved upper bound on ‖∇F‖ at the point."""
        return norm_upper(self.ball, self.ball_gradient())

    def hessian(
        self, radius: Fraction | Sequence[Fraction], moving: Collection[int] | None = None
    ) -> Enclosure:
        """An enclosure of ∇²F over the whole box of ``radius`` around the point (only the ``moving``
        indices varying, when given): float64 midpoint-radius arithmetic with every rounding bounded
        (`badminima.arithmetic.enclosure`), all P directions at once, and the data in chunks so the
        (units × points × P) tangents stay a few MB."""
        p = self.prob
        enc = EnclosureArithmetic()
        with self.ball.context():
            flat = Enclosure.of_balls(self.flat(radius, moving))
            inputs, targets = Enclosure.of_balls(p.inputs), Enclosure.of_balls(p.targets)
        n = inputs.shape[1]
        chunk = max(1, HESSIAN_CHUNK // (max(self.network.widths) * len(flat)))
        total: Enclosure | None = None
        for start in range(0, n, chunk):
            cols = slice(start, min(n, start + chunk))
            masks = None if self.masks is None else [m[:, cols] for m in self.masks]
            part = hessian_of_flat(
                self.network, inputs[:, cols], targets[:, cols], flat, arith=enc, masks=masks
            ) * (cols.stop - cols.start)
            total = part if total is None else total + part
        assert total is not None
        return total / n

    def hessian_balls(
        self, radius: Fraction | Sequence[Fraction], moving: Collection[int] | None = None
    ) -> Any:
        """An enclosure of ∇²F over the box of ``radius`` (only ``moving`` varying, when given) in `arb`
        balls at the box's precision (an ``arb_mat``): slower than `hessian`, but as tight as the
        precision, for curvatures that float64 roundings would swamp (1e-11, or large weights)."""
        p = self.prob
        prob = p if p.arith is self.ball else prepare(self.network, self.dataset, self.point, arith=self.ball)
        flat = self.flat(radius, moving)
        with self.ball.context():
            H = hessian_of_flat(
                self.network, prob.inputs, prob.targets, flat, arith=self.ball, masks=self.masks
            )
            n = len(flat)
            return flint.arb_mat(n, n, [H[i, j] for i in range(n) for j in range(n)])

    def region_holds(self, flat: Any) -> bool:
        """True when every hidden pre-activation keeps its (non-zero) sign on the whole box."""
        if self.prob.region is None:
            return True
        with self.ball.context():
            fwd = forward(
                self.network,
                unflatten(self.network, flat),
                self.prob.inputs,
                arith=self.ball,
                masks=self.masks,
            )
            return signs_hold(self.ball, fwd.z[:-1], self.prob.region.signs, kinks=False)


def signs_hold(
    ball: Any, pre: Sequence[Any], signs: Sequence[Sequence[Sequence[int]]], kinks: bool = True
) -> bool:
    """Whether every hidden pre-activation ``pre[layer][unit, point]`` (balls, from one forward pass over a
    box) has its strict sign in ``signs`` (a region's); a 0 there (a kink) is skipped, or fails when not
    ``kinks``. Call inside the ball context."""
    for z, layer in zip(pre, signs, strict=True):
        for u, row in enumerate(layer):
            for i, s in enumerate(row):
                if (s == 0 and not kinks) or (s and ball.sign(z[u, i]) != s):
                    return False
    return True


def norm_upper(ball: BallArithmetic, values: Sequence[Any]) -> Fraction:
    """A proved upper bound on the Euclidean norm of a vector of balls."""
    with ball.context():
        total = sum((v * v for v in values), flint.arb(0)).upper()
        return Fraction(0) if total <= 0 else arb_to_fraction(total.sqrt().upper())
