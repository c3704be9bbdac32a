"""Second-order saddles at kinks where every piece is exactly critical (`badminima.verify.kink_saddles`).

Cases: a leaky-ReLU unit born at its kink (output weight 0) beside a fit with logit 0, hand-built, and two
of the red team's (which imports nothing from badminima: the residual planted over Q in null(Jᵀ) of
every piece). Truth, independent of `badminima.verify`: the witness's loss by `tests.reference` is below
the point's; and the point is stationary: along random directions the one-sided difference quotient
(F(x + t v) − F(x))/t at t = 10⁻²⁵ is ≥ −10⁻²⁰ (60-digit mpmath), where a non-zero slope would show
at its own size.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from tests.reference import reference_loss
from tests.verify.saved import saved_trap


def _hand_case():
    # Leaky slope 1/2; unit 0 computes x, kinked on the two x = 0 points; unit 1 is the constant 1; every
    # output weight and the bias 0 (logit 0, σ = 1/2). Residuals r = 1/2 − y = (1/2, 1/2, −1/2, −1/2):
    # Σ r = 0 and Σ r·leaky(x) = 1 − 1 + 0 = 0, so every piece's gradient is 0 (v = 0 kills the rest);
    # ∂²F/∂v0∂b0 = (1/4)Σ r_i·slope_i = (1/4)(3/4 − (s_C + s_D)/2) ≠ 0 on every piece: indefinite.
    net = Network((1, 2, 1), "leaky_relu", output="sigmoid", loss="bce", leaky_slope=F(1, 2))
    data = Dataset.of([[2], [-4], [0], [0]], [[0], [0], [1], [1]])
    return Trap(net, data, Point.unflatten(net, [1, 0, 0, 1, 0, 0, 0]))


def _stationary(trap, n=30, seed=0):
    rng = random.Random(seed)
    base = reference_loss(trap.network, trap.dataset, trap.point)
    t = mpmath.mpf(10) ** -25
    x = trap.point.flatten()
    for _ in range(n):
        v = [F(rng.randint(-100, 100), 100) for _ in x]
        moved = Point.unflatten(trap.network, [a + F(1, 10**25) * b for a, b in zip(x, v, strict=True)])
        slope = (reference_loss(trap.network, trap.dataset, moved) - base) / t
        assert slope >= -(mpmath.mpf(10) ** -20), (slope, v)


@pytest.mark.parametrize(
    "name", ["hand", "leaky-born-kink-saddle-depth1-sigmoid-bce", "leaky-born-kink-saddle-depth2-sigmoid-mse"]
)
def test_a_born_unit_at_a_kink_with_every_piece_critical_is_a_saddle(name):
    trap = _hand_case() if name == "hand" else saved_trap(name)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.SADDLE and cert.code == "higher-order-descent", cert.reason
    assert reference_loss(trap.network, trap.dataset, cert.witness) < reference_loss(
        trap.network, trap.dataset, trap.point
    )
    _stationary(trap)
