"""Shrinking certified traps: every candidate edit is strictly smaller (so shrinking terminates), keeps
the points distinct and both labels; the shrunk trap is re-certified here by an independent `certify`
call, and is never larger than the input. Sizes are checked against hand counts."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import example, given, strategies as st

from badminima import Dataset, Network, Verdict, certify
from badminima.constructions import construction
from badminima.search.shrinking import _edits, _simpler, repolish, shrink, size, to_point
from badminima.strategies import rationals

FRACTIONS = st.builds(Fraction, st.integers(-(10**6), 10**6), st.integers(1, 10**6))


def _complexity(q: Fraction) -> int:
    return abs(q.numerator) + q.denominator


def test_size_counts_points_then_numerator_and_denominator_digits():
    # By hand: 1/2 → 1 + 2, −3 → 3 + 1, 1 → 1 + 1, 0 → 0 + 1; 2 points.
    data = Dataset.of([[Fraction(1, 2)], [-3]], [[1], [0]])
    assert size(data) == (2, (1 + 2) + (3 + 1) + (1 + 1) + (0 + 1))


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=4, max_size=4))
@example([0.1, -2.5e-300, 1e300, -0.0])
def test_to_point_is_the_shortest_decimal_that_reads_back_exactly(values):
    net = Network((1, 1, 1), "tanh")
    point = to_point(net, values)
    flat = point.flatten()
    assert [float(v) for v in flat] == [float(v) for v in values]  # exact round trip
    for v, q in zip(values, flat, strict=True):
        assert q == Fraction(repr(float(v)))


@given(FRACTIONS)
@example(Fraction(7, 3))
@example(Fraction(0))
@example(Fraction(-13, 4))
def test_simpler_numbers_are_strictly_simpler_and_nearby(value):
    out = list(_simpler(value))
    assert len(out) == len(set(out)) and value not in out
    if value == 0:
        assert out == []
        return
    assert out[0] == 0  # the simplest number first
    for c in out:
        assert _complexity(c) < _complexity(value)
        assert abs(c) <= abs(value) + 1 and c * value >= 0  # no sign flips, no far jumps


def test_simpler_numbers_by_hand():
    # 7/3: 0, then whole parts 1 and 2, then the best halves 5/2 (7/3 itself is the best quarter).
    assert list(_simpler(Fraction(7, 3))) == [0, 1, 2, Fraction(5, 2)]
    assert list(_simpler(Fraction(-7, 3))) == [0, -1, -2, Fraction(-5, 2)]
    assert list(_simpler(Fraction(5))) == [0, 2, 4]
    assert list(_simpler(Fraction(1))) == [0]


@st.composite
def small_datasets(draw):
    dim = draw(st.integers(1, 2))
    n = draw(st.integers(2, 6))
    X = draw(
        st.lists(
            st.tuples(*[rationals(max_numerator=3, max_denominator=3)] * dim),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    binary = draw(st.booleans())
    if binary:
        labels = draw(
            st.lists(st.sampled_from((0, 1)), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < n)
        )
        y = [[Fraction(v)] for v in labels]
    else:
        y = [[draw(rationals(max_numerator=5, max_denominator=3))] for _ in range(n)]
    return Dataset.of([list(x) for x in X], y)


@given(small_datasets(), st.booleans())
def test_every_edit_is_strictly_smaller_valid_and_one_step(dataset, binary_targets):
    edits = _edits(dataset, binary_targets=binary_targets)
    labels_fixed = binary_targets and dataset.is_binary
    rows = list(zip(dataset.X, dataset.y, strict=True))
    deletions = [e for e in edits if e.n_points < dataset.n_points]
    # deletions first, the last point first
    assert edits[: len(deletions)] == deletions
    for edit in edits:
        assert size(edit) < size(dataset)  # shortlex: shrinking always terminates
        assert len(set(edit.X)) == edit.n_points  # points stay distinct
        if labels_fixed:
            assert set(edit.y) == set(dataset.y)  # no label disappears
    for edit in deletions:
        kept = list(zip(edit.X, edit.y, strict=True))
        assert edit.n_points == dataset.n_points - 1 >= 2
        assert all(row in rows for row in kept)
    if deletions:
        assert list(zip(deletions[0].X, deletions[0].y, strict=True)) == rows[:-1] or labels_fixed
    for edit in edits[len(deletions) :]:
        changes = [
            (old, new)
            for which in ("X", "y")
            for r_old, r_new in zip(getattr(dataset, which), getattr(edit, which), strict=True)
            for old, new in zip(r_old, r_new, strict=True)
            if old != new
        ]
        assert len(changes) == 1
        old, new = changes[0]
        assert new in list(_simpler(old))
        if labels_fixed:
            assert edit.y == dataset.y  # 0/1 labels are never edited
    if dataset.n_points == 2:
        assert not deletions


def test_the_last_point_of_a_label_is_never_deleted():
    data = Dataset.of([[0], [1], [2]], [[0], [0], [1]])
    deleted = [e for e in _edits(data, binary_targets=True) if e.n_points == 2]
    # Only the two 0-labelled points may go; the single 1 stays.
    assert sorted(e.X for e in deleted) == [
        ((Fraction(0),), (Fraction(2),)),
        ((Fraction(1),), (Fraction(2),)),
    ]
    # With real targets nothing is protected.
    assert len([e for e in _edits(data, binary_targets=False) if e.n_points == 2]) == 3


# ---------------------------------------------------------------------------------------------------
# On a certified trap


@pytest.fixture(scope="module")
def deadlock():
    trap = construction("sigmoid-deadlock").build()
    return trap, certify(trap, probes=0)


def test_repolish_on_unchanged_data_keeps_the_point(deadlock):
    trap, _ = deadlock
    (moved,) = repolish(trap, [trap.dataset])
    assert moved is not None and moved.dataset == trap.dataset and moved.better == trap.better
    before = [float(v) for v in trap.point.flatten()]
    after = [float(v) for v in moved.point.flatten()]
    # the published point is critical to ~1e-16 in the gradient and the minimum is strict
    assert max(abs(a - b) for a, b in zip(after, before, strict=True)) < 1e-6
    assert repolish(trap, []) == []


def test_shrinking_the_deadlock_gives_a_smaller_certified_trap(deadlock):
    trap, cert = deadlock
    assert cert.verdict is Verdict.BAD_LOCAL_MIN
    result = shrink(trap, cert, max_attempts=30)
    assert result.size_before == size(trap.dataset) and result.size_after == size(result.trap.dataset)
    assert result.size_after <= result.size_before
    assert 0 <= result.accepted <= result.attempts <= 30
    assert (result.accepted == 0) == (result.trap == trap)
    # Re-proved here from scratch, not taken from the shrinker's own certificate.
    again = certify(result.trap, probes=0)
    assert again.verdict is Verdict.BAD_LOCAL_MIN and result.certificate.verdict is Verdict.BAD_LOCAL_MIN
    data = result.trap.dataset
    assert len(set(data.X)) == data.n_points and {y for (y,) in data.y} == {0, 1}
    assert result.trap.network == trap.network and result.trap.better == trap.better
    if result.accepted:
        assert result.size_after < result.size_before


def test_shrink_keeps_only_what_the_check_proves_and_respects_the_budget(deadlock):
    trap, cert = deadlock
    seen = []

    def refuse(candidate):
        seen.append(candidate)
        return replace(cert, verdict=Verdict.INCONCLUSIVE)

    result = shrink(trap, cert, max_attempts=4, check=refuse)
    assert result.trap == trap and result.certificate == cert and result.accepted == 0
    assert result.attempts == len(seen) <= 4
    for candidate in seen:
        assert size(candidate.dataset) < size(trap.dataset)

    def accept(candidate):
        seen.append(candidate)
        return cert

    seen.clear()
    result = shrink(trap, cert, max_attempts=3, check=accept)
    assert result.attempts == len(seen) <= 3 and result.accepted == result.attempts
    sizes = [size(trap.dataset)] + [size(c.dataset) for c in seen]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)  # each step smaller
    if seen:
        assert result.trap == seen[-1]
