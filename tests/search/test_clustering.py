"""Canonical forms are constant on symmetry orbits and keep the network function; clustering merges
symmetric copies, keeps distinct points apart, and survives the switches of the canonical form; the
Wilson interval matches published values and the closed form at 0 successes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, example, given, strategies as st

from badminima import InvalidModelError, Network, SettingsError
from badminima.landscape.symmetries import (
    has_scale_symmetry,
    join_layers,
    permute_units,
    random_symmetry,
    split_layers,
)
from badminima.search.clustering import Cluster, canonical, cluster_points, wilson_interval

from ..landscape.test_symmetries import hidden_networks, network_outputs

# Φ⁻¹(0.975) and Φ⁻¹(0.995), as tabulated (Abramowitz & Stegun 26.2; any statistics table to 10 digits).
Z95, Z99 = 1.959963984540054, 2.5758293035489004


def _is_generic(network: Network) -> bool:
    # With a one-dimensional incoming space (d_{l-1} = 1, no bias) every rescaled unit of an inner
    # hidden layer has the same direction, so its order rests on the outgoing weights, which the next
    # layer's own symmetries move: such networks have extra symmetry and no generic points.
    return not has_scale_symmetry(network) or all(
        network.widths[layer - 1] + network.bias >= 2 for layer in range(1, network.depth - 1)
    )


def _generic_point(network: Network, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=network.n_params) * 1.5


@given(hidden_networks(), st.integers(0, 2**32 - 1))
@example(Network((2, 3, 3, 1), "sigmoid", output="sigmoid", loss="bce"), 3)
def test_canonical_is_constant_on_orbits_and_keeps_the_function(network, seed):
    assume(_is_generic(network))
    rng = np.random.default_rng(seed)
    theta = _generic_point(network, rng)
    images = np.stack([random_symmetry(network, theta, rng=rng) for _ in range(4)])
    forms = canonical(network, np.vstack([theta, images]))
    scale = 1 + np.abs(forms).max()
    assert np.abs(forms - forms[0]).max() <= 1e-9 * scale
    assert np.abs(canonical(network, forms[0]) - forms[0]).max() <= 1e-9 * scale  # idempotent
    assert canonical(network, theta).shape == theta.shape
    X = rng.normal(size=(6, network.widths[0]))
    f, g = network_outputs(network, theta, X), network_outputs(network, forms[0], X)
    assert np.abs(f - g).max() <= 1e-10 * (1 + np.abs(f).max())


@given(hidden_networks(), st.integers(0, 2**32 - 1), st.lists(st.integers(1, 6), min_size=3, max_size=3))
def test_symmetric_copies_of_three_points_make_three_clusters(network, seed, counts):
    assume(_is_generic(network))
    rng = np.random.default_rng(seed)
    centres = [_generic_point(network, rng) for _ in range(3)]
    # Two distinct points share a loss: only the parameters can tell them apart.
    true_losses = [0.3, 0.1, 0.3]
    rows, losses, labels = [], [], []
    for label, (centre, count) in enumerate(zip(centres, counts, strict=True)):
        for _ in range(count):
            noise = rng.normal(size=network.n_params) * 1e-10
            rows.append(random_symmetry(network, centre, rng=rng) + noise)
            losses.append(true_losses[label] * (1 + rng.normal() * 1e-9))
            labels.append(label)
    order = rng.permutation(len(rows))
    thetas, losses, labels = np.array(rows)[order], np.array(losses)[order], np.array(labels)[order]
    clusters = cluster_points(network, thetas, losses)
    assert len(clusters) == 3
    assert [c.loss for c in clusters] == sorted(c.loss for c in clusters)
    assert clusters[0].loss == pytest.approx(0.1)
    for cluster in clusters:
        label = labels[cluster.index]
        assert set(cluster.members) == set(np.flatnonzero(labels == label).tolist())
        assert cluster.count == counts[label]
        assert cluster.loss_min == losses[list(cluster.members)].min() == losses[cluster.index]
        assert cluster.loss_max == losses[list(cluster.members)].max()
        assert np.array_equal(np.array(cluster.representative), thetas[cluster.index])
        assert np.allclose(cluster.canonical, canonical(network, thetas[cluster.index]))


def test_points_that_are_not_symmetric_stay_apart():
    net = Network((2, 3, 1), "relu")
    rng = np.random.default_rng(5)
    theta = _generic_point(net, rng)
    nudged = theta.copy()
    nudged[0] += 1e-2  # one weight moved: the same loss given, yet a different point
    negated = theta.copy()
    negated[[0, 1, 6, 9]] *= -1  # a relu "flip" of unit 0: not a symmetry
    clusters = cluster_points(net, np.stack([theta, nudged, negated]), np.full(3, 0.5))
    assert sorted(c.members for c in clusters) == [(0,), (1,), (2,)]
    # ...and a different loss separates even exact copies.
    assert len(cluster_points(net, np.stack([theta, theta]), np.array([0.5, 0.5 + 1e-3]))) == 2


@pytest.mark.parametrize(
    ("network", "layer"),
    [
        (Network((2, 3, 1), "tanh"), 1),
        (Network((2, 3, 3, 1), "tanh"), 1),
        (Network((2, 3, 3, 1), "sigmoid"), 1),
        (Network((2, 3, 3, 1), "relu"), 1),
        (Network((2, 3, 3, 1), "leaky_relu"), 2),
    ],
)
def test_nearly_duplicated_units_cluster_across_the_switch_of_the_order(network, layer):
    # Units 0 and 1 of `layer` have incoming weights 1e-6 apart (nearly a duplicated unit, Fukumizu &
    # Amari), more than the order key's grid: moving unit 1 across unit 0 reorders the canonical form,
    # so the canonical vectors are far apart, but aligned they agree to within the tolerance.
    rng = np.random.default_rng(11)
    theta = _generic_point(network, rng)

    def with_unit_1_moved(step: float) -> np.ndarray:
        layers = split_layers(network, theta[None, :].copy())
        w, b = layers[layer - 1]
        w[0, 1], b[0, 1] = w[0, 0] + np.eye(w.shape[2])[0] * step, b[0, 0]
        return join_layers(layers)[0]

    one, other = with_unit_1_moved(1e-6), random_symmetry(network, with_unit_1_moved(-1e-6), rng=rng)
    forms = canonical(network, np.stack([one, other]))
    assert np.abs(forms[0] - forms[1]).max() > 1e-2  # the switch: canonical forms alone would split them
    clusters = cluster_points(network, np.stack([one, other]), np.array([0.25, 0.25]))
    assert [c.members for c in clusters] == [(0, 1)]


def test_dead_units_and_duplicates_do_not_break_canonical():
    net = Network((2, 3, 1), "relu")
    theta = np.zeros(net.n_params)
    forms = canonical(net, np.stack([theta, permute_units(net, theta, 1, [2, 0, 1])]))
    assert np.all(np.isfinite(forms)) and np.array_equal(forms[0], forms[1])


def test_no_hidden_layer_and_empty_input():
    net = Network((2, 1), "relu")
    thetas = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    assert np.array_equal(canonical(net, thetas), thetas)
    assert [c.members for c in cluster_points(net, thetas, np.zeros(3))] == [(0, 1), (2,)]
    assert cluster_points(net, np.zeros((0, 3)), np.zeros(0)) == []


def test_clustering_a_large_batch_is_fast_enough():
    # 20,000 rows, 12 distinct points: the sweep queries a k-d tree per cluster, not per pair.
    net = Network((3, 6, 6, 1), "tanh")
    rng = np.random.default_rng(2)
    centres = [_generic_point(net, rng) for _ in range(12)]
    images = np.stack([[random_symmetry(net, c, rng=rng) for _ in range(50)] for c in centres])
    labels = rng.integers(12, size=20_000)
    thetas = images[labels, rng.integers(50, size=20_000)] + rng.normal(size=(20_000, net.n_params)) * 1e-10
    clusters = cluster_points(net, thetas, (labels // 2) * 0.01)  # pairs of distinct points share a loss
    assert sorted(c.count for c in clusters) == sorted(np.bincount(labels, minlength=12).tolist())


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # 95% score intervals as published: 81 of 263 is Newcombe's worked example (Stat. Med. 17,
        # 857-872, 1998: 0.2553-0.3662); the n = 10 rows are the textbook values, to 4 digits.
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval_matches_published_values(successes, trials, low, high):
    lo, hi = wilson_interval(successes, trials)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)
    assert lo <= successes / trials <= hi


def test_wilson_interval_at_zero_successes_is_the_closed_form():
    # At 0 of n the formula reduces by hand to [0, z²/(n + z²)].
    for confidence, z in ((0.95, Z95), (0.99, Z99)):
        lo, hi = wilson_interval(0, 10, confidence=confidence)
        assert lo == 0.0 and hi == pytest.approx(z * z / (10 + z * z), rel=1e-12)


@given(st.integers(1, 10_000), st.data(), st.floats(0.5, 0.999))
def test_wilson_interval_contains_the_share_and_grows_with_confidence(trials, data, confidence):
    successes = data.draw(st.integers(0, trials))
    lo, hi = wilson_interval(successes, trials, confidence=confidence)
    assert 0 <= lo <= successes / trials <= hi <= 1
    lo2, hi2 = wilson_interval(successes, trials, confidence=min(0.9999, confidence + 0.0001))
    assert lo2 <= lo + 1e-15 and hi <= hi2 + 1e-15
    assert hi - lo <= 2 * 4 / math.sqrt(trials)  # width O(1/√n) (z < 4)


NET = Network((2, 3, 1), "tanh")
BAD = [
    (lambda: wilson_interval(3, 0), "trials ≥ 1"),
    (lambda: wilson_interval(11, 10), "0 ≤ successes ≤ trials"),
    (lambda: wilson_interval(1.5, 10), "successes: expected an integer count"),
    (lambda: wilson_interval(1, 10, confidence=1.0), "confidence: expected a level strictly between"),
    (lambda: canonical(NET, np.zeros((2, 12))), r"thetas: expected shape \(13,\) or \(K, 13\)"),
    (lambda: cluster_points(NET, np.zeros(13), np.zeros(1)), r"thetas: expected a \(K, 13\) array"),
    (lambda: cluster_points(NET, np.zeros((2, 13)), np.zeros(3)), r"losses: expected shape \(2,\)"),
    (lambda: cluster_points(NET, np.full((2, 13), np.nan), np.zeros(2)), "drop diverged runs"),
    (lambda: cluster_points(NET, np.zeros((2, 13)), np.array([0.0, np.inf])), "row 1"),
    (lambda: cluster_points(NET, np.zeros((2, 13)), np.zeros(2), rtol=-1.0), "rtol: expected a tolerance"),
    (lambda: Cluster((0.0,), (0.0,), 0, (1,), 0.0, 0.0), "members: expected"),
]


@pytest.mark.parametrize(("call", "fragment"), BAD)
def test_bad_inputs_are_refused_with_a_reason(call, fragment):
    with pytest.raises((InvalidModelError, SettingsError), match=fragment):
        call()
