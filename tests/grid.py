"""Parameter grids whose default run is a covering diagonal: every value of every axis is met at least
once without `-m slow`, and the whole product runs with it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest


def diagonal(*axes: Sequence[object]) -> list[object]:
    """Every combination of `axes` as pytest params; all but the diagonal i ↦ (axis[i mod len]) are slow.

    >>> [p.values for p in diagonal([1, 2], "ab") if not p.marks]
    [(1, 'a'), (2, 'b')]
    """
    n = max(len(axis) for axis in axes)
    keep = {tuple(i % len(axis) for axis in axes) for i in range(n)}
    params = []
    for index in itertools.product(*(range(len(axis)) for axis in axes)):
        values = [axis[i] for axis, i in zip(axes, index, strict=True)]
        marks = () if index in keep else pytest.mark.slow
        params.append(pytest.param(*values, marks=marks))
    return params
