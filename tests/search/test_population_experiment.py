"""Safran & Shamir's GD experiment: stopping rules, the symmetry invariants, and the spurious minimum GD
finds at k = 8 against the certified symmetric one."""

from __future__ import annotations

import torch
from hypothesis import given, strategies as st

from badminima.constructions.safran_shamir import safran_shamir
from badminima.landscape.population import batched_population_gradients
from badminima.search.population import descend, orbit_key, run_experiment, xavier
from badminima.verify.population import certify_population


@given(st.permutations(range(4)), st.permutations(range(4)), st.integers(0, 2**31 - 1))
def test_orbit_key_is_invariant_under_neuron_and_coordinate_permutations(rows, cols, seed):
    W = torch.randn(4, 4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    moved = W[list(rows)][:, list(cols)]
    assert orbit_key(W, 0.5) == orbit_key(moved, 0.5)


def test_descend_stops_each_run_at_the_tolerance():
    V = torch.eye(5, dtype=torch.float64)
    W0 = xavier(5, 5, 6, generator=torch.Generator().manual_seed(1))
    end = descend(W0, V, step=1.0, tol=1e-5, max_steps=3000)
    fresh = batched_population_gradients(end.W, V).flatten(1).norm(dim=1)
    assert torch.all(end.converged(1e-5))
    assert torch.allclose(fresh[~end.at_global], end.gradient_norm[~end.at_global])


def test_xavier_variance_is_two_over_fan_sum():
    W = xavier(6, 10, 4000, generator=torch.Generator().manual_seed(0))
    # 240,000 draws of N(0, 1/8): the sample variance is within 1% of 0.125 except with tiny probability
    # (its standard error is 0.125·√(2/240000) ≈ 3.6e-4, so 1% = 1.25e-3 is 3.5 standard errors).
    assert abs(float(W.var()) - 2 / 16) < 1.25e-3


def test_gd_finds_the_certified_symmetric_minimum_at_k8():
    ex = run_experiment(8, runs=12, seed=8, tol=1e-9, max_steps=8_000)
    assert ex.runs == ex.global_runs + ex.spurious_runs + ex.unconverged_runs
    assert ex.spurious_runs > 0
    cert = certify_population(safran_shamir(8))
    lowest = ex.minima[0]
    # the independent route: GD from random starts lands in the orbit the verifier proved
    assert float(cert.loss_lower) - 1e-9 <= lowest.loss <= float(cert.loss_upper) + 1e-9
    assert abs(lowest.min_eigenvalue - float(cert.diagnostics.hessian_eigenvalues[0])) < 1e-6
    assert sum(m.runs for m in ex.minima) == ex.spurious_runs
