"""Second-order saddles at units born at a kink beside kink units in another hidden layer
(`verify.born_units`, through `layered_kinks`), and first-order descents that cut a raised unit's chain.

Truth is independent of the verifier. The nets are `test_layered_kinks`' 2-2-2-1 construction (the
narrower network at its best affine fit by construction, kinks of B in layer 1 and D in layer 2 on
x = (0, 0)): with B's path to the logits through C cut (w_CB = 0) or D's output weight 0, the unit is born.
A saddle's witness must be below the point by the 60-digit reference loss (`tests.reference`), and every
one-sided derivative along ±e_k and random directions must be ≥ 0 there (a 60-digit difference quotient
at t = 1e-25): the point is critical and not a minimum. A descent's witness must be lower too.
"""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest

from badminima.model import Point
from badminima.verify import Verdict, certify
from tests.reference import reference_loss
from tests.verify.test_layered_kinks import _trap


def _slopes_not_negative(trap, n: int = 12, seed: int = 0) -> None:
    """(F(x + t v) − F(x))/t ≥ −1e-20 at t = 1e-25 along ±e_k and ``n`` random directions: no
    first-order descent (the difference quotient is the one-sided derivative up to O(t))."""
    net, data, point = trap.network, trap.dataset, trap.point
    x = point.flatten()
    rng = random.Random(seed)
    dirs = [[F(s if m == k else 0) for m in range(len(x))] for k in range(len(x)) for s in (1, -1)]
    dirs += [[F(rng.randint(-9, 9)) for _ in x] for _ in range(n)]
    base, t = reference_loss(net, data, point), F(1, 10**25)
    for v in dirs:
        moved = Point.unflatten(net, [a + t * b for a, b in zip(x, v, strict=True)])
        slope = (reference_loss(net, data, moved) - base) * t.denominator / t.numerator
        assert slope >= -(mpmath.mpf(10) ** -20), (v, slope)


@pytest.mark.parametrize(
    ("v_d", "w_cb", "w_db"),
    [
        (1, 0, 0),  # B born (its path through C cut), D pushes away
        (1, 0, 1),  # B born and feeding D: raising B alone would raise D, so D's bias goes down with it
        (0, 1, 0),  # D born (output weight 0), B pushes away through C
    ],
)
def test_a_unit_born_at_a_kink_beside_another_kink_layer_is_a_saddle(v_d, w_cb, w_db):
    trap = _trap("sigmoid", "bce", v_d=v_d, w_cb=w_cb, w_db=w_db)
    cert = certify(trap, probes=0)
    assert (cert.verdict, cert.code) == (Verdict.SADDLE, "kink-born-unit-saddle"), cert.reason
    assert reference_loss(trap.network, trap.dataset, cert.witness) < reference_loss(
        trap.network, trap.dataset, trap.point
    )
    _slopes_not_negative(trap)


def test_a_born_unit_beside_a_kink_that_pulls_towards_its_target_is_not_critical():
    # D's output weight −1 pulls towards the target at x = (0, 0): raising D is a first-order descent
    trap = _trap("sigmoid", "bce", v_d=-1, w_cb=0, w_db=0)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL, cert.reason
    assert reference_loss(trap.network, trap.dataset, cert.witness) < reference_loss(
        trap.network, trap.dataset, trap.point
    )
