"""Minima at ReLU units dead at kinks in two hidden layers at once (`verify.layered_kinks`), under smooth
heads. Truth is independent of the verifier: the narrower network sits at its best affine fit by
construction (targets 1/2 − E with E ⟂ span{1, x1, x2}, so the logits 0 satisfy the normal equations),
every proved minimum's box is sampled with the 60-digit reference loss (`tests.reference`), the kink
units are raised alone and together, and a flipped sign's descent is checked by the same reference."""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest
import sympy

from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import Verdict, certify
from tests.reference import reference_loss

X = [(0, 0), (1, 0), (0, 1), (1, 1), (2, 1)]


def _residual() -> list[F]:
    """E ⟂ span{1, x1, x2} on X with E_0 > 0 (the exact null space, scaled to |E| ≤ 1/4)."""
    A = sympy.Matrix([[1, a, b] for a, b in X]).T
    e = A.nullspace()[0]
    e = e / (4 * max(abs(v) for v in e)) * (1 if e[0] > 0 else -1)
    return [F(int(sympy.fraction(v)[0]), int(sympy.fraction(v)[1])) for v in e]


def _trap(output: str, loss: str, v_d: int = 1, w_cb: int = 1, w_db: int = 1) -> Trap:
    # layer 1: A = relu(x1 + x2 + 1) (live), B = relu(−x1 − x2) (dead, kink at x = (0, 0));
    # layer 2: C = relu(w_cb·B + 1) (live, constant 1), D = relu(1 − A + w_db·B) (dead, kink at (0, 0));
    # output v_C·C + v_D·D − 1 = 0 on the data: a_B = w_cb (through C), a_D = v_D.
    net = Network((2, 2, 2, 1), "relu", output=output, loss=loss)
    E = _residual()
    data = Dataset.of([list(x) for x in X], [[F(1, 2) - e] for e in E])
    theta = [1, 1, -1, -1, 1, 0, 0, w_cb, -1, w_db, 1, 1, 1, v_d, -1]
    return Trap(net, data, Point.unflatten(net, [F(t) for t in theta]))


def _not_below(trap: Trap, cert, n: int, seed: int) -> None:
    base = reference_loss(trap.network, trap.dataset, trap.point)
    rng = random.Random(seed)
    moves = []
    for _ in range(n):
        moves.append([cert.proof_radius * F(rng.randint(-1000, 1000), 1000) for _ in trap.point.flatten()])
    # directed: raise B's bias, D's bias, and both (B feeds D)
    for idx in ((5,), (11,), (5, 11)):
        moves.append([cert.proof_radius / 2 if k in idx else F(0) for k in range(len(trap.point.flatten()))])
    for d in moves:
        moved = [q + dq for q, dq in zip(cert.box_center.flatten(), d, strict=True)]
        near = reference_loss(trap.network, trap.dataset, Point.unflatten(trap.network, moved))
        assert near >= base - mpmath.mpf(10) ** -40, (near, base)


@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("sigmoid", "mse")])
def test_kinks_in_two_layers_pushing_away_from_their_targets_are_a_minimum(output, loss):
    trap = _trap(output, loss)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.LOCAL_MIN and cert.code == "kink-dead-unit-minimum", cert.reason
    assert cert.box_center == trap.point and cert.proof_radius > 0
    _not_below(trap, cert, 60, seed=1)


@pytest.mark.parametrize(("v_d", "w_cb"), [(-1, 1), (1, -1)])
def test_either_kink_unit_pulling_towards_its_target_is_a_descent(v_d, w_cb):
    # w_db = 0: raising B alone moves the logit by w_cb·u_B (D does not see it)
    trap = _trap("sigmoid", "bce", v_d=v_d, w_cb=w_cb, w_db=0)
    cert = certify(trap, probes=0)
    assert cert.verdict is Verdict.NOT_CRITICAL, cert.reason
    assert cert.witness is not None
    assert reference_loss(trap.network, trap.dataset, cert.witness) < reference_loss(
        trap.network, trap.dataset, trap.point
    )


def test_a_kink_unit_whose_only_path_is_a_zero_output_weight_is_not_proved_a_minimum():
    # v_C = 0: B reaches the logits only through C's output weight 0, so B born with C is a third-order
    # move (u_B·w_CB·v_C); nothing proves a minimum, and a minimum must not be claimed.
    trap = _trap("sigmoid", "bce")
    theta = list(trap.point.flatten())
    theta[12], theta[14] = F(0), F(0)  # v_C = 0 and c = 0: the logits stay 0 (C is constant 1)
    moved = Trap(trap.network, trap.dataset, Point.unflatten(trap.network, theta))
    cert = certify(moved, probes=0)
    assert cert.verdict is not Verdict.LOCAL_MIN and cert.verdict is not Verdict.BAD_LOCAL_MIN
