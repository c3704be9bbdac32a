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


def test_help_does_not_load_the_heavy_libraries():
    # `badminima --help` must answer at once: the package re-exports load on first use.
    import subprocess
    import sys

    code = (
        "import sys, badminima.cli as c; c.build_parser(); "
        "print(sorted({'torch', 'sympy', 'flint'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = badminima.no_such_name
