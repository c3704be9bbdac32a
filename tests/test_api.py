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


_PACKAGES = (
    "badminima",
    "badminima.arithmetic",
    "badminima.claims",
    "badminima.constructions",
    "badminima.landscape",
    "badminima.model",
    "badminima.search",
    "badminima.verify",
)

# Prints, for every package, each public name and what it resolves to (module + qualified name), after
# importing every submodule first (ORDER=modules-first) or after touching every public name first.
_RESOLVE = """
import importlib, json, pkgutil, sys
packages = json.loads(sys.argv[1])
def submodules():
    for p in packages:
        pkg = importlib.import_module(p)
        for info in pkgutil.iter_modules(pkg.__path__, p + "."):
            if not info.name.startswith(("badminima.cli", "badminima.__main__")):
                importlib.import_module(info.name)
def describe(obj):
    if type(obj).__name__ == "module" or hasattr(obj, "__path__"):
        return "module " + obj.__name__
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__name__)}"
def table():
    mods = {p: importlib.import_module(p) for p in packages}
    return {p: {n: describe(getattr(m, n)) for n in m.__all__ if n != "__version__"} for p, m in mods.items()}
if sys.argv[2] == "modules-first":
    submodules()
    print(json.dumps(table()))
else:
    first = table()
    submodules()
    print(json.dumps([first, table()]))
"""


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_public_names_resolve_the_same_whatever_was_imported_first():
    # The bug this guards: a function named like a submodule (`multistart`, `landscape`) became the
    # module once something imported that module, so `badminima.multistart(...)` failed by import order.
    import json
    import subprocess
    import sys

    def run(order):
        argv = [sys.executable, "-c", _RESOLVE, json.dumps(_PACKAGES), order]
        return json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)

    names_first, after_modules = run("names-first")
    modules_first = run("modules-first")
    assert names_first == after_modules == modules_first
    assert modules_first["badminima"]["landscape"] == "module badminima.landscape"
    assert modules_first["badminima"]["multistart"] == "badminima.search.starts.multistart"


@pytest.mark.parametrize("package", _PACKAGES)
def test_no_public_function_shares_its_module_name(package):
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(pkg.__path__)}
    for name in pkg.__all__:
        obj = getattr(pkg, name)
        if name in submodules:
            assert inspect.ismodule(obj), f"{package}.{name} names a submodule but is not it"
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert name not in submodules, f"{package}.{name} is both a public name and a submodule"
            assert obj.__module__.rsplit(".", 1)[-1] != name, f"{obj.__module__}.{name}"
