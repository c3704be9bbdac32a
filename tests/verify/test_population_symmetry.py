"""The symmetry-reduced population proof: the isotypic blocks reproduce the whole Hessian spectrum (a
dense float eigen-decomposition, computed independently), the proof agrees with the dense one and with
the published k = 7 loss, and it refuses the symmetric saddle at k = 5."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from badminima.arithmetic.floating import FloatArithmetic
from badminima.constructions.safran_shamir import PUBLISHED_K7_LOSS, STORED, compact, safran_shamir, teacher
from badminima.landscape.population import population_hessian, population_loss
from badminima.model.population import Population, PopulationTrap, student_point, sum_of_relus
from badminima.verify.certificate import Verdict
from badminima.verify.population import certify_population
from badminima.verify.population_symmetry import (
    COMPONENTS,
    block_spectra,
    copies,
    is_standard_basis,
    isotypic_bases,
    prove_symmetric_minimum,
    symmetric_form,
    symmetric_rows,
)
from tests.reference import mp_rows, reference_population_loss


def _hessian(k: int) -> np.ndarray:
    rows = [[float(v) for v in r] for r in compact(k).rows()]
    W, V = torch.tensor(rows, dtype=torch.float64), torch.eye(k, dtype=torch.float64)
    return population_hessian(W, V, arith=FloatArithmetic()).numpy()


@pytest.mark.parametrize("k", [5, 6, 9])
def test_the_components_split_the_parameter_space_orthogonally(k):
    bases = isotypic_bases(k)
    for i, a in enumerate(COMPONENTS):
        for b in COMPONENTS[i + 1 :]:
            assert not np.any(bases[a].T @ bases[b])  # exact integer arithmetic
    dims = {
        "trivial": 1,
        "standard": k - 2,
        "symmetric": (k - 1) * (k - 4) // 2,
        "antisymmetric": (k - 2) * (k - 3) // 2,
    }
    assert sum(bases[c].shape[1] * dims[c] for c in COMPONENTS) == k * k


@pytest.mark.parametrize("k", [6, 7, 11])
def test_block_spectra_are_the_hessian_spectrum_with_multiplicities(k):
    H = _hessian(k)
    blocks = block_spectra(H, k)
    copies = {
        "trivial": 1,
        "standard": k - 2,
        "symmetric": (k - 1) * (k - 4) // 2,
        "antisymmetric": (k - 2) * (k - 3) // 2,
    }
    from_blocks = np.sort(np.concatenate([np.repeat(blocks[c], copies[c]) for c in COMPONENTS]))
    assert np.allclose(from_blocks, np.linalg.eigvalsh(H), atol=1e-12)


def test_symmetric_rows_are_the_compact_rows():
    c = compact(8)
    assert symmetric_rows(8, [c.a, c.b, c.c, c.d, c.e]) == c.rows()


@pytest.mark.parametrize("k", [6, 7, 12])
def test_the_reduced_proof_agrees_with_the_dense_one(k):
    proof = prove_symmetric_minimum(k, [Fraction(v) for v in STORED[k]])
    assert not isinstance(proof, tuple), proof
    dense = certify_population(safran_shamir(k), dense=True)
    assert dense.verdict.value == "bad-local-min"
    # the two proofs enclose the same minimum's loss, and the same smallest Hessian eigenvalue
    assert proof.loss_lower <= dense.loss_upper + Fraction(1, 10**9)
    assert dense.loss_lower <= proof.loss_upper + Fraction(1, 10**9)
    smallest = float(np.linalg.eigvalsh(_hessian(k))[0])
    assert float(proof.mu) <= smallest + 1e-12 and float(proof.mu) > smallest - 1e-6
    if k == 7:
        published = Fraction(PUBLISHED_K7_LOSS)  # Safran & Shamir's k = 7 minimum, 10 digits
        assert abs(proof.loss_lower - published) < Fraction(5, 10**11)


def test_the_symmetric_saddle_at_k5_is_not_proved_a_minimum():
    from badminima.constructions.safran_shamir import symmetric_minimum

    found = prove_symmetric_minimum(5, [Fraction(v) for v in symmetric_minimum(5)])
    assert isinstance(found, tuple)  # (reason, steps): the standard block has a negative eigenvalue
    assert "standard" in found[0] or "not a minimum" in found[0]


def test_below_k5_the_decomposition_is_refused_with_a_settings_error():
    from badminima.errors import SettingsError

    with pytest.raises(SettingsError, match="isotypic_bases: expected k >= 5"):
        isotypic_bases(4)


def _distance(a, b) -> Fraction:
    return max(abs(x - y) for r, s in zip(a, b, strict=True) for x, y in zip(r, s, strict=True))


def _permuted(rows, neurons, coordinates):
    """rows[neurons[i]][coordinates[a]] as the new (i, a) entry: the same point up to order."""
    return [[rows[i][a] for a in coordinates] for i in neurons]


@settings(max_examples=25)
@given(
    k=st.integers(5, 9),
    numbers=st.lists(st.fractions(-3, 3, max_denominator=7), min_size=5, max_size=5, unique=True),
    data=st.data(),
)
def test_symmetric_form_is_found_up_to_any_order_and_lost_by_one_changed_entry(k, numbers, data):
    neurons = data.draw(st.permutations(range(k)))
    coordinates = data.draw(st.permutations(range(k)))
    eye = [[Fraction(int(i == j)) for j in range(k)] for i in range(k)]
    rows = symmetric_rows(k, numbers)
    shuffled = [[None] * k for _ in range(k)]
    for i in range(k):  # row neurons[i] of the shuffled point is neuron i, coordinate likewise
        for a in range(k):
            shuffled[neurons[i]][coordinates[a]] = rows[i][a]
    teacher_rows = data.draw(st.permutations(eye))
    form = symmetric_form(shuffled, teacher_rows)
    assert form is not None
    # five distinct numbers fix the form: the same numbers, and the orders undo the shuffle
    assert list(form.numbers) == numbers
    assert form.canonical(shuffled) == rows and form.given(rows) == shuffled
    # an e entry (neuron 1, coordinate 2) changed to a new value: two values occur once, a form has one
    broken = [list(r) for r in shuffled]
    broken[neurons[1]][coordinates[2]] = Fraction(100)
    assert symmetric_form(broken, teacher_rows) is None


def test_teachers_other_than_the_standard_basis_are_not_the_symmetric_setting():
    k = 6
    rows = symmetric_rows(k, [Fraction(v) for v in STORED[k]])
    eye = [[Fraction(int(i == j)) for j in range(k)] for i in range(k)]
    rotated = [list(r) for r in eye]
    rotated[0][:2], rotated[1][:2] = [Fraction(3, 5), Fraction(4, 5)], [Fraction(-4, 5), Fraction(3, 5)]
    for bad in ([[2 * v for v in r] for r in eye], rotated, [eye[0], *eye[:-1]]):
        assert not is_standard_basis(bad) and symmetric_form(rows, bad) is None
    assert is_standard_basis(eye[::-1]) and symmetric_form(rows, eye) is not None
    assert symmetric_form(rows[:4], eye[:4]) is None  # k < 5: no decomposition


@pytest.mark.parametrize("k", [6, 7, 8])
def test_certify_uses_the_reduced_proof_and_agrees_with_the_dense_one(k):
    trap = safran_shamir(k)
    reduced = certify_population(trap)
    dense = certify_population(trap, dense=True)
    assert (reduced.method, reduced.code) == ("population-symmetry", "isotypic-blocks")
    assert (dense.method, dense.code) == ("population-box", "strong-convexity-box")
    assert reduced.verdict is dense.verdict is Verdict.BAD_LOCAL_MIN and reduced.rigor == "interval"
    # the two enclosures of the minimum's loss overlap, and both gaps are proved
    assert reduced.loss_lower <= dense.loss_upper and dense.loss_lower <= reduced.loss_upper
    assert 0 < reduced.gap_lower <= reduced.loss_lower
    # the four blocks and their bounds are stated, with the multiplicities of the representation
    blocks = [s for s in reduced.steps if s.startswith("block ")]
    assert len(blocks) == 4 and all(
        f"{copies(k)[c]} cop" in b for c, b in zip(COMPONENTS, blocks, strict=True)
    )
    # independently: the smallest float eigenvalue of the dense Hessian is at least the proved μ, and a
    # 60-digit mpmath closed form at the certified centre lies in the proved loss enclosure
    assert float(reduced.min_eigenvalue_bound) <= float(np.linalg.eigvalsh(_hessian(k))[0]) + 1e-12
    mpmath.mp.dps = 60
    ref = reference_population_loss(mp_rows(reduced.box_center.layers[0].W), mp_rows(teacher(k).teacher_rows))
    assert reduced.loss_lower <= Fraction(mpmath.nstr(ref, 50)) <= reduced.loss_upper
    assert _distance(trap.point.layers[0].W, reduced.box_center.layers[0].W) <= reduced.box_radius


def test_the_reduced_proof_runs_on_a_permuted_layout_with_a_permuted_teacher():
    k = 7
    rows = [list(r) for r in safran_shamir(k).point.layers[0].W]
    neurons, coordinates = [3, 0, 6, 1, 5, 2, 4], [2, 4, 0, 6, 1, 5, 3]
    shuffled = _permuted(rows, neurons, coordinates)
    eye = [[Fraction(int(i == j)) for j in range(k)] for i in range(k)]
    pop = Population("gaussian", k, sum_of_relus(k, k), student_point(eye[::-1]))
    cert = certify_population(
        PopulationTrap(sum_of_relus(k, k), pop, student_point(shuffled), pop.teacher_point)
    )
    assert cert.verdict is Verdict.BAD_LOCAL_MIN and cert.method == "population-symmetry"
    # the certified centre is stated in the given layout: within the box of the given point, and critical
    W = torch.tensor([[float(v) for v in r] for r in cert.box_center.layers[0].W], dtype=torch.float64)
    V = torch.tensor([[float(v) for v in r] for r in eye[::-1]], dtype=torch.float64)
    grad = torch.func.grad(lambda w: population_loss(w, V, arith=FloatArithmetic()))(W)
    assert float(grad.norm()) < 1e-12
    assert _distance(shuffled, cert.box_center.layers[0].W) <= cert.box_radius
    published = Fraction(PUBLISHED_K7_LOSS)  # Safran & Shamir's k = 7 loss, 10 digits
    assert abs(cert.loss_lower - published) < Fraction(5, 10**11)


def test_a_perturbed_point_falls_back_to_the_dense_proof():
    k = 7
    rows = [list(r) for r in safran_shamir(k).point.layers[0].W]
    rows[3][5] += Fraction(1, 10**12)  # off the symmetric form, still next to the minimum
    pop = teacher(k)
    trap = PopulationTrap(sum_of_relus(k, k), pop, student_point(rows), pop.teacher_point)
    cert = certify_population(trap)
    assert (cert.verdict, cert.method) == (Verdict.BAD_LOCAL_MIN, "population-box")
    assert not any(s.startswith("symmetry-reduced") for s in cert.steps)  # never tried: not in the form


def test_the_symmetric_saddle_at_k5_falls_back_to_the_dense_saddle_proof():
    from badminima.constructions.safran_shamir import symmetric_minimum

    rows = symmetric_rows(5, [Fraction(repr(v)) for v in symmetric_minimum(5)])
    pop = teacher(5)
    cert = certify_population(PopulationTrap(sum_of_relus(5, 5), pop, student_point(rows), pop.teacher_point))
    assert (cert.verdict, cert.code, cert.method) == (Verdict.SADDLE, "krawczyk-saddle", "population-box")
    assert any(s.startswith("symmetry-reduced: not proved") for s in cert.steps)
