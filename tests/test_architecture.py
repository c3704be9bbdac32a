"""The tree is the architecture: the layers import only downward, and the README's map is the tree."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "badminima"

LAYERS = {
    "errors": 0,
    "progress": 0,
    "model": 1,
    "strategies": 2,
    "arithmetic": 2,
    "landscape": 3,
    "verify": 4,
    "constructions": 5,
    "display": 6,
    "search": 6,
    "claims": 7,
    "cli": 8,
}
"""Lowest first; a module may import, at module level, from its own layer and the ones below. Imports
inside functions (deferred, for speed: `badminima --help` loads no torch) may reach up, and a few do:
`_repr_html_` on model objects draws through `display`."""


def _top(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _module_level_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in tree.body:  # module level only; `if TYPE_CHECKING:` blocks are not imports at run time
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("badminima."):
            out.append((node.lineno, node.module.split(".")[1]))
        elif isinstance(node, ast.Import):
            out += [
                (node.lineno, a.name.split(".")[1]) for a in node.names if a.name.startswith("badminima.")
            ]
    return out


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_every_top_level_entry_has_a_layer():
    entries = {p.name.removesuffix(".py") for p in PACKAGE.iterdir() if not p.name.startswith(("__", "."))}
    assert entries - {"py.typed"} == set(LAYERS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_level_imports_point_down_the_layers(path):
    here = LAYERS[_top(path)]
    for line, target in _module_level_imports(path):
        assert LAYERS[target] <= here, f"{path.relative_to(PACKAGE)}:{line} imports {target} from below it"


def test_the_readme_architecture_map_is_the_tree():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^  ([a-z_]+)(?:/|\.py)\s", section, flags=re.M))
    entries = {p.name.removesuffix(".py") for p in PACKAGE.iterdir() if not p.name.startswith(("__", "."))}
    assert listed == entries - {"py.typed"}
