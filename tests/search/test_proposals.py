"""Candidate datasets: deterministic in (seed, index) alone, on the grid, with distinct points and both
labels; mutations are small edits that keep all of that; grid coordinates and exact datasets round-trip.
Expected values come from the spec's own definition (grid {−e, …, e}/q) checked entry by entry."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st

from badminima import Dataset, SettingsError
from badminima.search.proposals import (
    DatasetSpec,
    candidate_rng,
    grid_of,
    mutate,
    propose,
    random_dataset,
    to_dataset,
)


@st.composite
def specs(draw, *, targets=None):
    dim = draw(st.integers(1, 3))
    extent = draw(st.integers(1, 3))
    cells = (2 * extent + 1) ** dim
    return DatasetSpec(
        n_points=draw(st.integers(2, min(cells, 12))),
        dim=dim,
        targets=targets or draw(st.sampled_from(("binary", "real"))),
        extent=extent,
        denominator=draw(st.integers(1, 4)),
        outputs=draw(st.integers(1, 2)),
    )


SEEDS = st.integers(0, 2**63 - 1)
INDICES = st.integers(0, 10**6)


def assert_valid(spec: DatasetSpec, coords: np.ndarray, targets: np.ndarray) -> None:
    """What every proposal must be, straight from the spec's definition."""
    assert coords.shape == (spec.n_points, spec.dim) and targets.shape == (spec.n_points, spec.outputs)
    assert np.issubdtype(coords.dtype, np.integer) and np.issubdtype(targets.dtype, np.integer)
    assert np.abs(coords).max() <= spec.extent
    assert len({tuple(row) for row in coords.tolist()}) == spec.n_points  # distinct points
    if spec.targets == "binary":
        assert set(np.unique(targets).tolist()) <= {0, 1}
        for j in range(spec.outputs):
            assert 0 < targets[:, j].sum() < spec.n_points  # both labels in every column
    else:
        assert np.abs(targets).max() <= spec.extent


@given(specs(), SEEDS, INDICES)
def test_random_datasets_are_valid_and_a_function_of_seed_and_index(spec, seed, index):
    coords, targets = random_dataset(spec, candidate_rng(seed, index))
    assert_valid(spec, coords, targets)
    again = propose(spec, seed, index, [])
    assert np.array_equal(again[0], coords) and np.array_equal(again[1], targets)


@given(specs(), SEEDS, st.lists(INDICES, min_size=2, max_size=5, unique=True))
def test_a_candidate_does_not_depend_on_the_others_or_their_order(spec, seed, indices):
    forward = [propose(spec, seed, i, []) for i in indices]
    backward = [propose(spec, seed, i, []) for i in reversed(indices)][::-1]
    for (c1, y1), (c2, y2) in zip(forward, backward, strict=True):
        assert np.array_equal(c1, c2) and np.array_equal(y1, y2)
    # ...and the streams of two indices (or two seeds) are different streams
    a, b = candidate_rng(seed, indices[0]).random(4), candidate_rng(seed, indices[1]).random(4)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, candidate_rng(seed + 1, indices[0]).random(4))


@given(specs(), SEEDS, INDICES)
def test_mutations_are_small_valid_edits_and_leave_their_input_alone(spec, seed, index):
    coords, targets = random_dataset(spec, candidate_rng(seed, index))
    before = coords.copy(), targets.copy()
    new_coords, new_targets = mutate(spec, coords, targets, candidate_rng(seed, index + 1))
    assert np.array_equal(coords, before[0]) and np.array_equal(targets, before[1])
    assert_valid(spec, new_coords, new_targets)
    # One to three edits, each moving one coordinate or one target by one grid step (or flipping a label).
    moved = np.abs(new_coords - coords)
    nudged = np.abs(new_targets - targets)
    assert moved.max() <= 3 and nudged.max() <= 3
    assert moved.sum() + nudged.sum() <= 3


@given(specs(), SEEDS, INDICES, st.integers(1, 4))
def test_proposals_mutate_the_elite_or_draw_fresh(spec, seed, index, size):
    elite = [random_dataset(spec, candidate_rng(seed + 1, i)) for i in range(size)]

    def distance(a, b):
        return np.abs(a[0] - b[0]).sum() + np.abs(a[1] - b[1]).sum()

    exploit = propose(spec, seed, index, elite, explore=0.0)
    assert_valid(spec, *exploit)
    assert min(distance(exploit, e) for e in elite) <= 3
    assert np.array_equal(propose(spec, seed, index, elite, explore=0.0)[0], exploit[0])
    explore = propose(spec, seed, index, elite, explore=1.0)
    assert_valid(spec, *explore)
    # Exploring draws one number to decide, then a fresh dataset from the rest of the stream.
    rng = candidate_rng(seed, index)
    rng.random()
    fresh = random_dataset(spec, rng)
    assert np.array_equal(explore[0], fresh[0]) and np.array_equal(explore[1], fresh[1])


@given(specs(), SEEDS, INDICES)
def test_grid_coordinates_and_exact_datasets_round_trip(spec, seed, index):
    coords, targets = random_dataset(spec, candidate_rng(seed, index))
    dataset = to_dataset(spec, coords, targets)
    q = spec.denominator
    assert tuple(tuple(Fraction(int(v), q) for v in row) for row in coords) == dataset.X
    scale = 1 if spec.targets == "binary" else q  # 0/1 labels stay 0/1; real targets share the grid
    assert dataset.y == tuple(tuple(Fraction(int(v), scale) for v in row) for row in targets)
    back = grid_of(spec, dataset)
    assert np.array_equal(back[0], coords) and np.array_equal(back[1], targets)
    assert to_dataset(spec, *back) == dataset


def test_points_are_drawn_uniformly_from_the_grid():
    # 3×3 grid, 4 points: every cell is chosen with probability 4/9 per draw. Over 900 draws each count
    # is Binomial(900, 4/9): mean 400, sd 14.9, so ±90 (6 sd) fails with probability below 1e-8.
    spec = DatasetSpec(n_points=4, dim=2, extent=1)
    counts: dict[tuple[int, ...], int] = {}
    for i in range(900):
        coords, _ = random_dataset(spec, candidate_rng(7, i))
        for row in coords.tolist():
            counts[tuple(row)] = counts.get(tuple(row), 0) + 1
    assert set(counts) == {(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)}
    assert all(abs(c - 400) <= 90 for c in counts.values())


def test_a_full_grid_is_every_grid_point():
    spec = DatasetSpec(n_points=5, dim=1, extent=2)
    coords, targets = random_dataset(spec, candidate_rng(0, 0))
    assert sorted(coords[:, 0].tolist()) == [-2, -1, 0, 1, 2]
    assert_valid(spec, coords, targets)


def test_spec_json_names_every_field():
    spec = DatasetSpec(10, 2, "real", extent=3, denominator=2, outputs=2)
    assert spec.to_json() == {
        "n_points": 10,
        "dim": 2,
        "targets": "real",
        "extent": 3,
        "denominator": 2,
        "outputs": 2,
    }
    assert isinstance(to_dataset(spec, *random_dataset(spec, candidate_rng(0, 0))), Dataset)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"n_points": 4, "dim": 2, "targets": "ternary"}, "targets: expected one of binary, real"),
        ({"n_points": 1, "dim": 2}, "at least 2 points"),
        ({"n_points": 4, "dim": 0}, "at least 2 points"),
        ({"n_points": 4, "dim": 1, "outputs": 0}, "at least 2 points"),
        ({"n_points": 4, "dim": 1, "extent": 0}, "extent >= 1"),
        ({"n_points": 4, "dim": 1, "denominator": 0}, "denominator >= 1"),
        ({"n_points": 6, "dim": 1, "extent": 2}, "do not fit on a grid of 5^1"),
    ],
)
def test_bad_specs_are_refused(kwargs, fragment):
    with pytest.raises(SettingsError, match=re.escape(fragment)):
        DatasetSpec(**kwargs)
