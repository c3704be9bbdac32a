"""Safran & Shamir's GD experiment: stopping rules, the symmetry invariants, and the spurious minimum GD
finds at k = 8 against the certified symmetric one."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, strategies as st

from badminima.constructions.safran_shamir import safran_shamir
from badminima.landscape.population import batched_population_gradients
from badminima.model.population import sum_of_relus
from badminima.search.clustering import cluster_points
from badminima.search.population import canonical_columns, descend, run_experiment, xavier
from badminima.verify.population import certify_population


def _one_cluster(W: torch.Tensor, moved: torch.Tensor) -> bool:
    k, n = W.shape
    pts = torch.stack([canonical_columns(W), canonical_columns(moved)])
    thetas = torch.cat([pts.flatten(1), torch.ones(2, k, dtype=torch.float64)], dim=1).numpy()
    return len(cluster_points(sum_of_relus(n, k), thetas, np.array([0.5, 0.5]))) == 1


@given(st.permutations(range(4)), st.permutations(range(4)), st.integers(0, 2**31 - 1))
def test_neuron_and_coordinate_permutations_fall_in_one_cluster(rows, cols, seed):
    W = torch.randn(4, 4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    assert _one_cluster(W, W[list(rows)][:, list(cols)])


@given(st.permutations(range(7)), st.permutations(range(7)))
def test_permuted_symmetric_minima_fall_in_one_cluster(rows, cols):
    # columns 1…6 of the symmetric minimum tie: the hard case for a canonical column order
    W = torch.tensor([[float(v) for v in r] for r in safran_shamir(7).point.layers[0].W], dtype=torch.float64)
    assert _one_cluster(W, W[list(rows)][:, list(cols)])


def test_different_points_stay_apart():
    W = torch.randn(4, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    moved = W.clone()
    moved[0, 0] += 1e-2
    assert not _one_cluster(W, moved)


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
