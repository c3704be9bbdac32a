"""The README's degenerate-point examples are what `tools/degenerate_examples.py` writes today (so the
files are generated, not typed, and cannot drift from the constructions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from badminima.model import load_trap

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_example_files_are_regenerated_identically(tmp_path, monkeypatch):
    import tools.degenerate_examples as gen

    monkeypatch.setattr(gen, "OUT", tmp_path)
    gen.main()
    assert (
        len(list(tmp_path.glob("*.json")))
        == len(list((ROOT / "examples" / "degenerate").glob("*.json")))
        == 27
    )
    for fresh in sorted(tmp_path.glob("*.json")):
        stored = load_trap(ROOT / "examples" / "degenerate" / fresh.name)
        assert load_trap(fresh) == stored, fresh.name
