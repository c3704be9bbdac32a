"""The split of a fit's off points into free and signed ones (`badminima.verify.signed_points`); the
proofs that use it are checked end to end in `test_affine_fits` (born units beside pushing kinks, active
units at a kink), against hand sign arguments and 60-digit losses.

Truth here by construction: each off point is built from the common piece by zeroing some of its signs
(a kink), by flipping one to the opposite strict sign, or is given a zero loss slope; the split must list
exactly the zeroed units per layer, keep the zero-slope points free, and refuse any strict flip.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given, strategies as st

from badminima.model import Dataset, Network
from badminima.verify.kink_units import DeadUnits
from badminima.verify.signed_points import signed_split


@st.composite
def splits(draw):
    """(network, dataset, signs, off, slopes, expected split or None)."""
    widths = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    n = draw(st.integers(2, 6))
    common = [[draw(st.sampled_from((-1, 1))) for _ in range(w)] for w in widths]
    off = sorted(draw(st.sets(st.integers(0, n - 1), max_size=n - 1)))
    rows = {}
    free, kinked, refused = [], {}, False
    slopes = np.array([[F(draw(st.integers(1, 3))) for _ in range(n)]], dtype=object)
    for i in range(n):
        signs = [list(layer) for layer in common]
        if i in off:
            kind = draw(st.sampled_from(("free", "kink", "flip")))
            cells = [(lay, u) for lay, w in enumerate(widths) for u in range(w)]
            chosen = draw(st.sets(st.sampled_from(cells), min_size=1))
            for lay, u in chosen:
                signs[lay][u] = -signs[lay][u] if kind == "flip" else 0
            if kind == "free":
                slopes[0, i] = F(0)
                free.append(i)
            elif kind == "flip":
                refused = True
            else:
                for cell in chosen:
                    kinked.setdefault(cell, []).append(i)
        rows[i] = signs
    signs = tuple(
        tuple(tuple(rows[i][lay][u] for i in range(n)) for u in range(w)) for lay, w in enumerate(widths)
    )
    net = Network((1, *widths, 1), "relu")
    data = Dataset.of([[i] for i in range(n)], [[0] for _ in range(n)])
    on = min(i for i in range(n) if i not in off)
    if refused:
        return net, data, signs, off, slopes, None
    layers = sorted({lay for lay, _ in kinked})
    expected = (
        tuple(free),
        tuple(
            DeadUnits(
                tuple(u for lay, u in sorted(kinked) if lay == layer),
                tuple(tuple(kinked[(lay, u)]) for lay, u in sorted(kinked) if lay == layer),
                layer,
            )
            for layer in layers
        ),
        on,
    )
    return net, data, signs, off, slopes, expected


@given(splits())
def test_off_points_split_into_free_and_signed_or_are_refused(case):
    net, data, signs, off, slopes, expected = case
    split = signed_split(net, data, signs, off, slopes)
    if expected is None:
        assert split is None
    else:
        assert split is not None
        assert (split.free, split.signed, split.common) == expected


def test_a_slope_that_is_not_rational_refuses_the_split():
    """Balls take the signed points' slopes exactly: a float slope (an irrational one left in sympy
    would do the same) is refused."""
    net = Network((1, 1, 1), "relu")
    data = Dataset.of([[0], [1]], [[0], [0]])
    slopes = np.array([[0.5, F(0)]], dtype=object)
    assert signed_split(net, data, (((0, 1),),), [0], slopes) is None
    assert signed_split(net, data, (((0, 1),),), [0], np.array([[F(1, 2), F(0)]], dtype=object)) is not None
