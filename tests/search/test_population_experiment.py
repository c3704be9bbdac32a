"""Safran & Shamir's GD experiment: stopping rules, the symmetry invariants, and the spurious minimum GD
finds at k = 8 against the certified symmetric one."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from badminima.constructions.safran_shamir import safran_shamir
from badminima.errors import SettingsError
from badminima.landscape.population import batched_population_gradients
from badminima.model.population import sum_of_relus
from badminima.search.clustering import cluster_points
from badminima.search.population import (
    PROTOCOLS,
    canonical_columns,
    descend,
    max_steps_for,
    run_experiment,
    xavier,
)
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


def test_a_run_ends_where_it_ends_alone():
    # the compact stack drops finished runs; every run must take the same path as on its own
    V = torch.eye(5, dtype=torch.float64)
    W0 = xavier(5, 5, 6, generator=torch.Generator().manual_seed(2))
    together = descend(W0, V, step=1.0, tol=1e-9, max_steps=4000)
    for j in range(len(W0)):
        alone = descend(W0[j : j + 1], V, step=1.0, tol=1e-9, max_steps=4000)
        assert abs(int(alone.steps[0]) - int(together.steps[j])) <= 1
        assert bool(alone.at_global[0]) == bool(together.at_global[j])
        assert float((alone.W[0] - together.W[j]).abs().max()) < 1e-8


def test_neuron_norm_stops_on_the_largest_neuron_gradient():
    V = torch.eye(5, dtype=torch.float64)
    W0 = xavier(5, 5, 4, generator=torch.Generator().manual_seed(4))
    end = descend(W0, V, step=1.0, tol=1e-6, max_steps=4000, norm="neuron")
    fresh = batched_population_gradients(end.W, V)
    per_neuron = fresh.norm(dim=2).amax(dim=1)  # max_i ‖∇_{w_i} F‖, from the gradient itself
    stopped = ~end.at_global
    assert torch.allclose(per_neuron[stopped], end.gradient_norm[stopped])
    assert torch.all(end.gradient_norm[stopped] <= 1e-6)


def test_descend_restores_the_thread_count_and_refuses_an_unknown_norm():
    V = torch.eye(3, dtype=torch.float64)
    W0 = xavier(3, 3, 2, generator=torch.Generator().manual_seed(0))
    before = torch.get_num_threads()
    descend(W0, V, step=1.0, tol=1e-6, max_steps=10)
    assert torch.get_num_threads() == before
    with pytest.raises(SettingsError, match="norm: expected one of frobenius, neuron"):
        descend(W0, V, step=1.0, norm="max")


def test_protocols_read_as_their_code_says():
    # 2021 (local_minima.py): step = 5/W.shape[0]; 2018 (findMinimum.m): stepsize 0.1/(2π) on 2π∇F
    assert PROTOCOLS["2021"].step_size(10) == 5 / 10 and PROTOCOLS["2018"].step_size(10) == 0.1
    assert PROTOCOLS["2018"].tol * 2 * math.pi == pytest.approx(1e-9, rel=1e-15)
    # W = randn(d, k)/sqrt(d): N(0, 1/n) whatever the width; 160,000 draws of N(0, 1/8) have a sample
    # variance within 1.25e-3 of 0.125 (3.6 standard errors of 3.5e-4)
    W = PROTOCOLS["2018"].starts(10, 8, 2000, generator=torch.Generator().manual_seed(0))
    assert W.shape == (2000, 10, 8) and abs(float(W.var()) - 1 / 8) < 1.25e-3
    assert max_steps_for(PROTOCOLS["2021"], 10) == 60_000
    assert max_steps_for(PROTOCOLS["2018"], 6) == 500_000  # 60,000 steps of 5/6 cover 50,000 = 500,000·0.1


@pytest.mark.slow  # 16 runs of steps of 0.1 to a tolerance of 1e-8: among the slowest default tests
def test_the_2018_protocol_finds_the_k7_minimum():
    ex = run_experiment(7, runs=16, seed=3, protocol=PROTOCOLS["2018"], tol=1e-8, max_steps=20_000)
    assert ex.protocol == "2018" and ex.runs == ex.global_runs + ex.spurious_runs + ex.unconverged_runs
    assert ex.spurious_runs > 0 and ex.unconverged_runs == 0
    published = 0.0232027149  # Safran & Shamir's k = 7 minimum (paper-notes), certified in test_population
    assert all(abs(m.loss - published) < 1e-9 for m in ex.minima)
