"""Taylor coefficients of the loss along a polynomial curve, enclosed over a whole segment of base points.

φ(ε) = F(x(ε)) with x(ε) = x + ε d₁ + ε² d₂ + … is computed by the package's one forward pass and loss
run in jet arithmetic (`badminima.arithmetic.jet`), for every depth, activation, output and loss. The
curve is re-expanded at ξ: x(ξ + t) = Σ_j t^j Σ_{k≥j} C(k, j) ξ^{k−j} d_k, with ξ the ball [0, s₀] (and x
an ∞-norm box), so coefficient m encloses φ⁽ᵐ⁾(ξ)/m! at *every* ξ ∈ [0, s₀] — what a Lagrange remainder
needs:

    if φ'(0) = … = φ⁽ᵐ⁻¹⁾(0) = 0 exactly, then φ(s) − φ(0) = φ⁽ᵐ⁾(ξ)/m! · sᵐ for some ξ ∈ (0, s), so an
    order-m coefficient enclosed below zero over [0, s₀] proves F(x(s)) < F(x) for every s ∈ (0, s₀]:
    x is not a local minimum (a higher-order saddle).

The vanishing of the lower coefficients must come from an exact argument (balls cannot prove a number
is 0): exact jet coefficients at the point itself (radius and reach 0), or `badminima.verify.lift`'s
structure at a split line's end points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction, to_arb
from badminima.arithmetic.jet import Jet, JetArithmetic, add, mul
from badminima.landscape.losses import loss_of_flat
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import lower_point
from badminima.verify.descent import rational_direction


def curve_coefficients(
    network: Network,
    dataset: Dataset,
    center: Point,
    radius: Fraction,
    curve: Sequence[Sequence[Fraction | Any]],
    reach: Fraction,
    *,
    order: int = 3,
    precision: int = 128,
) -> list[Any]:
    """Taylor coefficients 0…``order`` of t ↦ F(y(ξ + t)), y(ε) = y + ε·curve[0] + ε²·curve[1] + …,
    enclosed for every base y ∈ B(``center``, ``radius``) (∞-norm) and every ξ ∈ [0, ``reach``]. Each is a
    `Fraction` where it is exactly known (radius and reach 0, rational values) and an ``arb`` ball
    otherwise; a curve entry may be a ball, and then every curve with entries in those balls is covered.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "tanh")
        >>> data = Dataset.of([[1]], [[0]])
        >>> zero = Point.unflatten(net, [0, 0, 0, 0])
        >>> curve_coefficients(net, data, zero, Fraction(0), [[1, 0, 1, 0]], Fraction(0), order=4)
        [Fraction(0, 1), Fraction(0, 1), Fraction(0, 1), Fraction(0, 1), Fraction(1, 1)]

    (F(ε) = tanh(ε)²ε² = ε⁴ + …: zero up to order 3, exactly.)
    """
    arith = JetArithmetic(order, precision)
    x = center.flatten()
    with arith.context():
        xi: Any = Fraction(0) if reach == 0 else flint.arb(0).union(to_arb(reach))
        box: Any = Fraction(0) if radius == 0 else flint.arb(0, to_arb(radius).upper())
        params = []
        for p, base in enumerate(x):
            d = [add(base, box), *(Fraction(c[p]) if isinstance(c[p], int) else c[p] for c in curve)]
            coeffs = []
            for j in range(min(order, len(d) - 1) + 1):
                acc: Any = Fraction(0)
                for k in range(j, len(d)):
                    acc = add(acc, mul(Fraction(math.comb(k, j)), mul(_power(xi, k - j), d[k])))
                coeffs.append(acc)
            params.append(Jet(coeffs, order))
        prob = prepare(network, dataset, center, arith=arith)
        value = loss_of_flat(network, prob.inputs, prob.targets, arith.vector(params), arith=arith)
        return value.coefficients() if isinstance(value, Jet) else arith.jet([value]).coefficients()


def cubic_direction(rows: np.ndarray, weights: np.ndarray) -> tuple[tuple[Fraction, ...], int] | None:
    """(u, sign): a rational direction u, the eigenvector of M = Σ_i weights_i · rows_i rows_iᵀ with the
    largest |eigenvalue|, and that eigenvalue's sign (±1); None when M is 0 in floats.

    The cubic coefficients of the split-end and silent-unit curves are −(κ/2)·C·uᵀMu with a known
    positive C and κ = ±1 free: this picks u, and the caller picks κ to make the coefficient negative.
    A float choice only: the coefficient itself is then enclosed by `curve_coefficients`.

    Example:
        >>> u, sign = cubic_direction(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([-1.0, 3.0]))
        >>> [float(v) for v in u], sign
        ([0.0, 1.0], 1)
    """
    M = (rows.T * weights) @ rows
    eig, vecs = np.linalg.eigh(M)
    k = int(np.argmax(np.abs(eig)))
    if eig[k] == 0 or not np.isfinite(eig[k]):
        return None
    return rational_direction(vecs[:, k]), 1 if eig[k] > 0 else -1


def second_derivative(activation: str, z: np.ndarray) -> np.ndarray:
    """σ''(z) in floats for ``activation`` "sigmoid" or "tanh": σ(1 − σ)(1 − 2σ), or −2 tanh(1 − tanh²).
    A float choice of directions only (`cubic_direction`); proofs enclose the coefficients themselves.

    Example:
        >>> [round(float(second_derivative(act, np.array(1.0))), 6) for act in ("sigmoid", "tanh")]
        [-0.090858, -0.6397]
    """
    if activation == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s) * (1 - 2 * s)
    t = np.tanh(z)
    return -2 * t * (1 - t * t)


THIRD_ORDER_REACH = tuple(Fraction(1, 2**k) for k in (4, 8, 12, 16, 20))
"""Lengths s₀ of the segment over which a third-order descent coefficient is enclosed, longest first."""


@dataclass(frozen=True)
class CubicDescent:
    """A proved third-order descent: the cubic coefficient is ≤ ``cubic`` < 0 over every base point and
    every ξ ∈ [0, ``reach``]; ``witness`` lies ``step`` along the direction, with loss ≤ ``upper``."""

    cubic: Fraction
    reach: Fraction
    witness: Point
    step: Fraction
    upper: Fraction

    def explain(self) -> str:
        """The proof's sentence for a certificate's reason (the direction named d by the caller)."""
        return (
            f"the first two Taylor coefficients of F(m + s d) vanish exactly and the third is ≤ "
            f"{float(self.cubic):.3g} < 0 over every point within {float(self.reach):.3g} along d, so "
            f"F(m + s d) < F(m) for 0 < s ≤ {float(self.reach):.3g}: a third-order saddle; a point at "
            f"distance {float(self.step):.3g} along d has loss ≤ {float(self.upper):.17g}, below the "
            f"critical loss"
        )


def cubic_descent(
    network: Network,
    dataset: Dataset,
    center: Point,
    radius: Fraction,
    direction: Sequence[Fraction | Any],
    below: Fraction,
    ball: BallArithmetic,
) -> CubicDescent | None:
    """The third-order descent along ``direction`` from an exactly critical point within ``radius`` of
    ``center`` (∞-norm) at which the caller has shown the first two Taylor coefficients vanish exactly:
    the cubic one enclosed below zero over the longest segment of `THIRD_ORDER_REACH` that allows it,
    then a point along the direction whose loss is proved below ``below``. None when either fails.
    Entries of ``direction`` may be balls (formed in ``ball.context()``); the witness moves along their
    midpoints, which the cubic bound covers.

    Example (one point x = 1, y = 0; from the origin along w = v = 1, F(s) = tanh(s)²s² = s⁴ + …: the
    cubic coefficient is not negative, so nothing is proved):
        >>> from badminima.model import Dataset
        >>> net, data = Network((1, 1, 1), "tanh"), Dataset.of([[1]], [[0]])
        >>> zero = Point.unflatten(net, [0, 0, 0, 0])
        >>> print(cubic_descent(net, data, zero, Fraction(0), [1, 0, 1, 0], Fraction(0), BallArithmetic(128)))
        None
    """
    with ball.context():
        for reach in THIRD_ORDER_REACH:
            cubic = curve_coefficients(network, dataset, center, radius, [direction], reach, order=3)[3]
            if cubic < 0:
                break
        else:
            return None
        upper_cubic = cubic if isinstance(cubic, Fraction) else arb_to_fraction(cubic.upper())
        rational = [v if isinstance(v, Fraction) else arb_to_fraction(v.mid()) for v in direction]
    scale = 1 + max((abs(float(v)) for v in center.flatten()), default=0.0)
    found = lower_point(network, dataset, center, rational, Fraction(1, 2**30), scale, below, ball)
    if found is None:
        return None
    witness, step, upper = found
    return CubicDescent(upper_cubic, reach, witness, step, upper)


def _power(xi: Any, n: int) -> Any:
    out: Any = Fraction(1)
    for _ in range(n):
        out = mul(out, xi)
    return out
