"""The table of contents: every public name imports and is documented."""

import inspect

import pytest

import badminima
import badminima.strategies


@pytest.mark.parametrize("name", [n for n in badminima.__all__ if n != "__version__"])
def test_public_names_import_and_have_docstrings(name):
    obj = getattr(badminima, name)
    assert inspect.getdoc(obj), f"{name} has no docstring"


def test_strategies_are_documented():
    for name in ("networks", "datasets", "points", "traps", "rationals"):
        assert inspect.getdoc(getattr(badminima.strategies, name))
