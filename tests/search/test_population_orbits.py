"""The coordinate symmetries of a population teacher: the group computed from blocks and cosets is the
group found by brute force over every permutation (n ≤ 5), hand-derived groups for named teachers, and
the canonical form is the same for every point of an orbit."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from itertools import permutations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from badminima.errors import SettingsError
from badminima.search.population_orbits import coordinate_symmetries

F = Fraction


def _brute_force(rows: list[list[Fraction]]) -> set[tuple[int, ...]]:
    """Every σ with {v∘σ} = {v} as multisets, by trying all n! permutations."""
    counts = Counter(tuple(r) for r in rows)
    n = len(rows[0])
    return {s for s in permutations(range(n)) if Counter(tuple(r[a] for a in s) for r in rows) == counts}


teachers = st.integers(1, 5).flatmap(
    lambda n: st.lists(
        st.lists(st.sampled_from([F(0), F(1), F(2), F(-1, 3)]), min_size=n, max_size=n),
        min_size=1,
        max_size=4,
    )
)


@settings(max_examples=60)
@given(teachers)
def test_the_group_is_the_brute_force_group(rows):
    sym = coordinate_symmetries(rows)
    found = list(sym.elements())
    assert sym.complete and len(found) == len(set(found)) == sym.order
    assert set(found) == _brute_force(rows)


def _eye(k: int) -> list[list[Fraction]]:
    return [[F(int(i == j)) for j in range(k)] for i in range(k)]


def test_hand_derived_groups():
    # V = I_5: every permutation (5! = 120), one block
    sym = coordinate_symmetries(_eye(5))
    assert (sym.blocks, sym.order) == (((0, 1, 2, 3, 4),), 120)
    # I_8 rotated by (3/5, 4/5) in coordinates 0 and 1: column 0 holds {3/5, −4/5}, column 1 {4/5, 3/5},
    # no other column holds either, so only coordinates 2…7 permute: 6! = 720
    rot = _eye(8)
    rot[0][:2], rot[1][:2] = [F(3, 5), F(4, 5)], [F(-4, 5), F(3, 5)]
    sym = coordinate_symmetries(rot)
    assert (sym.blocks, sym.cosets, sym.order) == (
        ((0,), (1,), (2, 3, 4, 5, 6, 7)),
        ((0, 1, 2, 3, 4, 5, 6, 7),),
        720,
    )
    # diag(2, 1, 2, 1) with its rows reversed: coordinates of equal scale swap, 2!·2! = 4
    sym = coordinate_symmetries(
        [
            [F(0), F(0), F(0), F(1)],
            [F(0), F(0), F(2), F(0)],
            [F(0), F(1), F(0), F(0)],
            [F(2), F(0), F(0), F(0)],
        ]
    )
    assert (sym.blocks, sym.order) == (((0, 2), (1, 3)), 4)
    # rows (1, 2, 0), (0, 1, 2), (2, 0, 1): the cyclic shifts only, no transposition: 3 cosets
    sym = coordinate_symmetries([[F(1), F(2), F(0)], [F(0), F(1), F(2)], [F(2), F(0), F(1)]])
    assert sym.blocks == ((0,), (1,), (2,)) and sorted(sym.cosets) == [(0, 1, 2), (1, 2, 0), (2, 0, 1)]


def test_a_coset_search_past_its_limit_says_so():
    # seven blocks of one coordinate each, alike by signature: 7! block maps, more than a limit of 100
    rows = [[F(int(j == (i + 1) % 7)) + F(j == i, 2) for j in range(7)] for i in range(7)]
    sym = coordinate_symmetries(rows, limit=100)
    assert not sym.complete and all(s in _brute_force(rows) for s in sym.cosets)


def test_bad_teachers_are_refused():
    with pytest.raises(SettingsError, match="teacher"):
        coordinate_symmetries([])
    with pytest.raises(SettingsError, match="teacher"):
        coordinate_symmetries([[F(1)], [F(1), F(0)]])


@settings(max_examples=30)
@given(st.sampled_from(["eye", "rotated", "scaled", "cyclic"]), st.integers(0, 2**32 - 1))
def test_every_point_of_an_orbit_has_one_canonical_form(name, seed):
    teachers = {
        "eye": _eye(4),
        "rotated": [[F(3, 5), F(4, 5), F(0)], [F(-4, 5), F(3, 5), F(0)], [F(0), F(0), F(1)]],
        "scaled": [
            [F(0), F(0), F(0), F(1)],
            [F(0), F(0), F(2), F(0)],
            [F(0), F(1), F(0), F(0)],
            [F(2), F(0), F(0), F(0)],
        ],
        "cyclic": [[F(1), F(2), F(0)], [F(0), F(1), F(2)], [F(2), F(0), F(1)]],
    }
    sym = coordinate_symmetries(teachers[name])
    rng = np.random.default_rng(seed)
    W = torch.tensor(rng.standard_normal((4, sym.n)), dtype=torch.float64)
    group = list(sym.elements())
    g = group[rng.integers(len(group))]
    moved = W[:, list(g)][torch.as_tensor(rng.permutation(4))]
    a, b = sym.canonical(W), sym.canonical(moved)
    # generic entries: the canonical forms agree up to the order of the neurons (rows)
    assert sorted(map(tuple, a.tolist())) == sorted(map(tuple, b.tolist()))
