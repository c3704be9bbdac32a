"""Certificates of population traps: the verdicts, and their numbers re-checked independently
(autograd Hessians in float64 at the certified centre, a 60-digit mpmath loss, the published k = 7 loss)."""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

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
from tests.reference import mp_rows, reference_population_loss

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


def _parallel(a: list[Fraction], b: list[Fraction]) -> bool:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot * dot == sum(x * x for x in a) * sum(y * y for y in b)


def _symmetric_trap(k: int) -> PopulationTrap:
    rows = Compact(k, *map(Fraction, map(repr, symmetric_minimum(k)))).rows()
    pop = teacher(k)
    return PopulationTrap(sum_of_relus(k, k), pop, student_point(rows), pop.teacher_point)


def _mp_of(point) -> list[list[mpmath.mpf]]:
    return mp_rows([list(r) for r in point.layers[0].W])


@pytest.mark.parametrize("k", [3, 4, 5])
def test_symmetric_critical_points_below_k6_are_proved_saddles(k):
    # Below k = 6 the symmetric critical point has negative curvature: a proved saddle, never a minimum.
    cert = certify_population(_symmetric_trap(k))
    assert cert.verdict is Verdict.SADDLE and cert.code == "krawczyk-saddle" and cert.rigor == "interval"
    assert cert.witness_loss_upper < cert.loss_lower
    # Independently, at 60 digits with the mpmath closed form: the centre is critical to the last digits
    # a central difference sees, the second difference along the witness direction is negative (and
    # below the proved bound's sign), and the witness is lower than the centre.
    mpmath.mp.dps = 60
    V = mp_rows(teacher(k).teacher_rows)
    c, w = _mp_of(cert.box_center), _mp_of(cert.witness)
    flat_c = [x for r in c for x in r]
    u = [a - b for a, b in zip((x for r in w for x in r), flat_c, strict=True)]
    norm = mpmath.sqrt(mpmath.fsum(x * x for x in u))
    u = [x / norm for x in u]

    def at(s: mpmath.mpf, d: list[mpmath.mpf]) -> mpmath.mpf:
        moved = [a + s * b for a, b in zip(flat_c, d, strict=True)]
        return reference_population_loss([moved[i * k : (i + 1) * k] for i in range(k)], V)

    h = mpmath.mpf(10) ** -12
    f0 = at(mpmath.mpf(0), u)
    second = (at(h, u) - 2 * f0 + at(-h, u)) / h**2
    assert second < 0
    for i in range(k * k):
        e = [mpmath.mpf(int(j == i)) for j in range(k * k)]
        assert abs((at(h, e) - at(-h, e)) / (2 * h)) < mpmath.mpf(10) ** -15
    assert reference_population_loss(w, V) < f0
    assert Fraction(mpmath.nstr(f0, 50)) <= cert.loss_upper


rows_3x3 = st.lists(
    st.lists(st.integers(-9, 9).map(lambda v: Fraction(v, 4)), min_size=3, max_size=3), min_size=3, max_size=3
)


@settings(max_examples=8)
@given(rows_3x3, st.integers(0, 2**31 - 1))
def test_points_far_from_critical_are_not_critical_with_a_lower_witness(rows, seed):
    assume(all(sum(v * v for v in r) >= 1 for r in rows))
    # no row parallel to another or to a teacher row e_i: the closed form's angles need σ > 0
    assume(all(sum(v != 0 for v in r) >= 2 for r in rows))
    assume(not any(_parallel(a, b) for i, a in enumerate(rows) for b in rows[:i]))
    pop = teacher(3)
    mpmath.mp.dps = 60
    V = mp_rows(pop.teacher_rows)
    W = mp_rows(rows)
    h = mpmath.mpf(10) ** -25
    flat = [x for r in W for x in r]

    def at(i: int, s: mpmath.mpf) -> mpmath.mpf:
        moved = list(flat)
        moved[i] += s
        return reference_population_loss([moved[j * 3 : (j + 1) * 3] for j in range(3)], V)

    fd = [(at(i, h) - at(i, -h)) / (2 * h) for i in range(9)]
    assume(max(abs(x) for x in fd) > mpmath.mpf(10) ** -2)  # the 60-digit gradient is far from zero
    cert = certify_population(PopulationTrap(sum_of_relus(3, 3), pop, student_point(rows), pop.teacher_point))
    assert cert.verdict is Verdict.NOT_CRITICAL and cert.code == "gradient-nonzero"
    lower = reference_population_loss(_mp_of(cert.witness), V)
    assert Fraction(mpmath.nstr(lower, 50)) <= cert.witness_loss_upper + Fraction(1, 10**40)
    assert lower < reference_population_loss(W, V)
    # Monte Carlo, paired samples: the witness's loss is lower beyond six standard errors of the mean
    # difference (wrong with probability about 1e-9 when the closed forms are right).
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((100_000, 3))
    target = np.maximum(x, 0).sum(1)
    Wn = np.array([[float(v) for v in r] for r in rows])
    Wc = np.array([[float(v) for v in r] for r in cert.witness.layers[0].W])
    diff = (
        0.5 * (np.maximum(x @ Wn.T, 0).sum(1) - target) ** 2
        - 0.5 * (np.maximum(x @ Wc.T, 0).sum(1) - target) ** 2
    )
    closed = float(reference_population_loss(W, V) - lower)
    assert abs(diff.mean() - closed) <= 6 * diff.std() / np.sqrt(len(diff)) + 1e-12


def test_a_rounded_critical_point_without_a_proof_is_near_critical_not_not_critical():
    # With no precision to run a box proof at, the 10-digit k = 7 point (gradient ~1e-10, proved
    # non-zero) is about its digits: inconclusive near-critical-set; literal=True answers not-critical.
    pop = teacher(7)
    rows = Compact(7, *(Fraction(v) for v in PUBLISHED_K7)).rows()
    trap = PopulationTrap(sum_of_relus(7, 7), pop, student_point(rows), pop.teacher_point)
    cert = certify_population(trap, precisions=())
    assert cert.verdict is Verdict.INCONCLUSIVE and cert.code == "near-critical-set"
    literal = certify_population(trap, precisions=(), literal=True)
    assert literal.verdict is Verdict.NOT_CRITICAL and literal.code == "gradient-nonzero"


def test_teacher_point_is_inconclusive_not_bad():
    # At W = V every neuron is parallel to a teacher neuron: the closed-form Hessian is not defined
    # there, so nothing is proved — and certainly no bad minimum.
    pop = teacher(6)
    cert = certify_population(PopulationTrap(sum_of_relus(6, 6), pop, pop.teacher_point, pop.teacher_point))
    assert cert.verdict is Verdict.INCONCLUSIVE
    assert cert.gap_lower is None and cert.better_loss_upper < Fraction(1, 10**30)


def test_verify_command_reports_a_population_saddle_with_its_witness(tmp_path, capsys):
    from badminima.cli import main
    from badminima.model.trapfile import save_trap

    path = tmp_path / "k5.json"
    save_trap(_symmetric_trap(5), path)
    assert main(["verify", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["verdict"], doc["code"], doc["rigor"]) == ("saddle", "krawczyk-saddle", "interval")
    assert doc["witness"] is not None
    assert Fraction(doc["witness_loss_upper"]) < Fraction(doc["loss_lower"])
    assert main(["verify", str(path)]) == 0
    assert "lower point (witness" in capsys.readouterr().out


@pytest.mark.parametrize("width", [7, 8])
def test_wider_students_have_a_proved_better_point_and_round_trip(width):
    # n = k + 1 and k + 2 student neurons for the teacher I_6: the padded teacher's loss, enclosed in
    # balls, contains the 60-digit mpmath value and is tiny; a point of the wider student is certified
    # (here: not critical) and its trap file reads back equal.
    from badminima.model.population import padded_teacher
    from badminima.model.trapfile import dumps_trap, loads_any_trap
    from badminima.verify.parameter_box import ball_bounds
    from badminima.verify.population import enclose_loss

    pop = teacher(6)
    better = padded_teacher(pop, width)
    rows = [list(r) for r in better.layers[0].W]
    lo, hi = ball_bounds(enclose_loss(rows, [list(r) for r in pop.teacher_rows]))
    mpmath.mp.dps = 60
    ref = reference_population_loss(mp_rows(rows), mp_rows(pop.teacher_rows))
    assert lo - Fraction(1, 10**30) <= Fraction(mpmath.nstr(ref, 50)) <= hi + Fraction(1, 10**30)
    assert 0 < ref < mpmath.mpf(10) ** -5
    point = [[Fraction((7 * i + 3 * j + i * j) % 11 - 5, 4) for j in range(6)] for i in range(width)]
    assert not any(_parallel(a, b) for i, a in enumerate(point) for b in point[:i])
    trap = PopulationTrap(sum_of_relus(6, width), pop, student_point(point), better)
    assert loads_any_trap(dumps_trap(trap)) == trap
    cert = certify_population(trap)
    assert cert.verdict is Verdict.NOT_CRITICAL and cert.witness is not None
    # two equal rows: the closed form is singular there; the verifier must answer, not raise
    twins = PopulationTrap(sum_of_relus(6, width), pop, student_point([point[0], *point[:-1]]), better)
    assert certify_population(twins).verdict in (Verdict.NOT_CRITICAL, Verdict.INCONCLUSIVE)
