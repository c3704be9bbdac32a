"""Certificates of population traps: the verdicts, and their numbers re-checked independently
(autograd Hessians in float64 at the certified centre, a 60-digit mpmath loss, the published k = 7 loss)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from badminima.arithmetic.floating import FloatArithmetic
from badminima.constructions.safran_shamir import (
    PUBLISHED_K7,
    PUBLISHED_K7_LOSS,
    Compact,
    safran_shamir,
    symmetric_minimum,
    teacher,
)
from badminima.landscape.population import population_gradient, population_loss
from badminima.model.population import PopulationTrap, student_point, sum_of_relus
from badminima.verify.certificate import Verdict
from badminima.verify.population import certify_population

FLOAT = FloatArithmetic()


def _rows(point) -> torch.Tensor:
    return torch.tensor([[float(v) for v in r] for r in point.layers[0].W], dtype=torch.float64)


@pytest.mark.parametrize("k", [6, 7, 9])
def test_stored_minima_are_certified_bad_local_minima(k):
    trap = safran_shamir(k)
    cert = certify_population(trap)
    assert cert.verdict is Verdict.BAD_LOCAL_MIN and cert.rigor == "interval"
    # Independent checks at the certified centre: autograd's Hessian is at least the proved μ, the
    # gradient is tiny, the centre lies in the stated box, and the gap is below the loss itself.
    W, V = _rows(cert.box_center), torch.eye(k, dtype=torch.float64)
    auto = torch.func.hessian(lambda w: population_loss(w.reshape(k, k), V, arith=FLOAT))(W.reshape(-1))
    assert float(cert.min_eigenvalue_bound) <= float(torch.linalg.eigvalsh(auto)[0]) + 1e-12
    assert float(population_gradient(W, V, arith=FLOAT).norm()) < 1e-12
    given = trap.point.layers[0].W
    centre = cert.box_center.layers[0].W
    assert (
        max(abs(a - b) for ra, rb in zip(given, centre, strict=True) for a, b in zip(ra, rb, strict=True))
        <= cert.box_radius
    )
    assert 0 < cert.gap_lower <= cert.loss_lower


def test_published_k7_point_to_ten_digits_is_certified_with_the_published_loss():
    pop = teacher(7)
    rows = Compact(7, *(Fraction(v) for v in PUBLISHED_K7)).rows()
    trap = PopulationTrap(sum_of_relus(7, 7), pop, student_point(rows), pop.teacher_point)
    cert = certify_population(trap)
    assert cert.verdict is Verdict.BAD_LOCAL_MIN
    published = Fraction(PUBLISHED_K7_LOSS)  # Safran & Shamir's value, 10 digits
    assert abs(cert.loss_lower - published) < Fraction(5, 10**11)
    assert abs(cert.loss_upper - published) < Fraction(5, 10**11)


def test_symmetric_critical_point_for_k5_is_not_certified():
    # Below k = 6 the symmetric critical point has negative curvature (float eigenvalue about −0.008):
    # the verifier must not call it a minimum.
    k = 5
    rows = [
        [Fraction(v) for v in r] for r in Compact(k, *map(Fraction, map(repr, symmetric_minimum(k)))).rows()
    ]
    pop = teacher(k)
    cert = certify_population(PopulationTrap(sum_of_relus(k, k), pop, student_point(rows), pop.teacher_point))
    assert cert.verdict is Verdict.INCONCLUSIVE
    assert cert.diagnostics.hessian_eigenvalues[0] < 0


def test_teacher_point_is_inconclusive_not_bad():
    # At W = V every neuron is parallel to a teacher neuron: the closed-form Hessian is not defined
    # there, so nothing is proved — and certainly no bad minimum.
    pop = teacher(6)
    cert = certify_population(PopulationTrap(sum_of_relus(6, 6), pop, pop.teacher_point, pop.teacher_point))
    assert cert.verdict is Verdict.INCONCLUSIVE
    assert cert.gap_lower is None and cert.better_loss_upper < Fraction(1, 10**30)
