"""The symmetry-reduced population proof: the isotypic blocks reproduce the whole Hessian spectrum (a
dense float eigen-decomposition, computed independently), the proof agrees with the dense one and with
the published k = 7 loss, and it refuses the symmetric saddle at k = 5."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from badminima.arithmetic.floating import FloatArithmetic
from badminima.constructions.safran_shamir import PUBLISHED_K7_LOSS, STORED, compact, safran_shamir
from badminima.landscape.population import population_hessian
from badminima.verify.population import certify_population
from badminima.verify.population_symmetry import (
    COMPONENTS,
    block_spectra,
    isotypic_bases,
    prove_symmetric_minimum,
    symmetric_rows,
)


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
    dense = certify_population(safran_shamir(k))
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
