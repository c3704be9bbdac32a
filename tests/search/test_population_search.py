"""Population searches: GD end points certified and committed to the catalogue, checked against the
certified symmetric minimum of the constructions (an independent route to the same orbit); resume,
de-duplication against earlier entries, and the catalogue commands on population entries."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from badminima.cli import main
from badminima.constructions.safran_shamir import safran_shamir
from badminima.model.population import PopulationTrap
from badminima.model.trapfile import load_any_trap
from badminima.search.catalogue import Catalogue
from badminima.search.population_search import search_population
from badminima.verify.population import certify_population

# Two runs at k = 8 from seed 3: one ends in the spurious symmetric minimum (found once, deterministic).
SETTINGS = dict(runs=2, batch=2, seed=3, tol=1e-7, max_steps=4000)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "c.sqlite"
    with Catalogue.open(path) as cat:
        first = search_population(8, cat, **SETTINGS)
    return path, first


def test_the_spurious_end_point_is_certified_and_is_the_symmetric_minimum(searched):
    path, first = searched
    assert first.runs == first.global_runs + first.spurious_runs + first.unconverged_runs == 2
    assert first.spurious_runs == 1 and len(first.new_entries) == 1
    with Catalogue.open(path, readonly=True, create=False) as cat:
        entry = cat.entry(first.new_entries[0])
    assert isinstance(entry.trap, PopulationTrap) and entry.is_certified
    assert entry.verdict == "bad-local-min" and entry.rigor == "interval"
    # independently: the stored symmetric k = 8 minimum, certified on its own, has the same loss
    symmetric = certify_population(safran_shamir(8))
    found = entry.certificate
    lo, hi = Fraction(found["loss_lower"]), Fraction(found["loss_upper"])
    assert (
        symmetric.loss_lower - Fraction(1, 10**12) <= lo <= hi <= symmetric.loss_upper + Fraction(1, 10**12)
    )
    assert entry.basin_share == 0.5 and entry.basin_interval[0] < 0.5 < entry.basin_interval[1]


def test_resume_skips_recorded_batches_and_a_second_run_stores_nothing_twice(searched, tmp_path):
    path, _ = searched
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    with Catalogue.open(copy) as cat:
        resumed = search_population(8, cat, resume=True, **SETTINGS)
        assert resumed.skipped == 1 and resumed.runs == 0 and resumed.new_entries == ()
        again = search_population(8, cat, **SETTINGS)  # a new run: same starts, same minimum
        assert again.spurious_runs == 1 and again.new_entries == () and again.repeated == 1
        assert cat.count() == 1


def test_catalogue_commands_list_show_and_export_population_entries(searched, tmp_path, capsys):
    path, first = searched
    assert main(["catalogue", "list", "--json", "--catalogue", str(path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == list(first.new_entries)
    assert rows[0]["points"] is None and rows[0]["data"].startswith("N(0, I_8)")
    assert main(["catalogue", "show", str(first.new_entries[0]), "--catalogue", str(path)]) == 0
    assert "N(0, I_8)" in capsys.readouterr().out
    out = tmp_path / "traps"
    assert main(["catalogue", "export", "--out", str(out), "--catalogue", str(path)]) == 0
    (written,) = out.glob("*.json")
    with Catalogue.open(path, readonly=True, create=False) as cat:
        assert load_any_trap(written) == cat.entry(first.new_entries[0]).trap


def test_population_search_command_resumes_and_refuses_a_bad_student(searched, tmp_path, capsys):
    path, _ = searched
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    argv = ["population-search", "--k", "8", "--runs", "2", "--batch", "2", "--seed", "3"]
    argv += ["--tol", "1e-7", "--steps", "4000", "--catalogue", str(copy), "--resume", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["skipped_batches"] == 1 and doc["runs"] == 0 and doc["new_entries"] == []
    assert main(["population-search", "--k", "8", "--student", "16", "--runs", "2"]) == 2
    assert "--student" in capsys.readouterr().err
    other = [a if a != "3" else "4" for a in argv]  # another seed: no run to resume, nothing created
    assert main(other) == 2
    assert "resume" in capsys.readouterr().err
