"""Population searches: GD end points certified and committed to the catalogue, checked against the
certified symmetric minimum of the constructions (an independent route to the same orbit); resume,
de-duplication against earlier entries, and the catalogue commands on population entries."""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest

from badminima.cli import main
from badminima.constructions.safran_shamir import safran_shamir
from badminima.model.population import Population, PopulationTrap, student_point, sum_of_relus
from badminima.model.trapfile import load_any_trap, save_trap
from badminima.search.catalogue import Catalogue
from badminima.search.population_search import search_population
from badminima.verify.population import certify_population
from tests.reference import mp_rows, reference_population_loss

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


# --- population-search --trap: any teacher -------------------------------------------------------------


def _rotated_trap(k: int) -> PopulationTrap:
    """I_k rotated by (3/5, 4/5) in coordinates 0 and 1: orthonormal rows, exact, not a permutation."""
    rows = [[Fraction(int(i == j)) for j in range(k)] for i in range(k)]
    rows[0][:2], rows[1][:2] = [Fraction(3, 5), Fraction(4, 5)], [Fraction(-4, 5), Fraction(3, 5)]
    pop = Population("gaussian", k, sum_of_relus(k, k), student_point(rows))
    return PopulationTrap(sum_of_relus(k, k), pop, pop.teacher_point, None, name="rotated k8")


@pytest.fixture(scope="module")
def rotated(tmp_path_factory):
    # seed 13: of two runs, one ends in a spurious minimum (deterministic)
    tmp = tmp_path_factory.mktemp("rot")
    trap_path, cat_path = tmp / "rot8.json", tmp / "c.sqlite"
    save_trap(_rotated_trap(8), trap_path)
    argv = ["population-search", "--trap", str(trap_path), "--runs", "2", "--batch", "2", "--seed", "13"]
    argv += ["--tol", "1e-7", "--steps", "4000", "--catalogue", str(cat_path), "--json"]
    return trap_path, cat_path, argv


def test_a_rotated_teacher_runs_with_its_own_symmetry_group_and_certifies_its_find(rotated, capsys):
    trap_path, cat_path, argv = rotated
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    # by hand: columns 0 and 1 hold {3/5, −4/5} and {4/5, 3/5}, unlike every other column; columns 2…7
    # are e_2…e_7 and permute freely: the group is S_6 on coordinates 2…7, order 720, one coset
    sym = doc["coordinate_symmetries"]
    assert sym == {
        "order": 720,
        "blocks": [[0], [1], [2, 3, 4, 5, 6, 7]],
        "cosets": [list(range(8))],
        "complete": True,
    }
    assert (doc["k"], doc["dimension"], doc["spurious_runs"], len(doc["new_entries"])) == (8, 8, 1, 1)
    with Catalogue.open(cat_path, readonly=True, create=False) as cat:
        entry = cat.entry(doc["new_entries"][0]["id"])
    assert (
        entry.is_certified
        and entry.verdict == "bad-local-min"
        and entry.trap.name == "population-rotated-k8-n8"
    )
    assert entry.trap.population == _rotated_trap(8).population  # certified against the trap's teacher
    cert = entry.certificate
    lo, hi = Fraction(cert["loss_lower"]), Fraction(cert["loss_upper"])
    # independently (1): the 60-digit mpmath closed form at the certified centre lies in the enclosure
    mpmath.mp.dps = 60
    teacher_rows = load_any_trap(trap_path).population.teacher_rows
    box_centre = [[Fraction(v) for v in layer] for layer in cert["box_center"][0]["W"]]
    ref = reference_population_loss(mp_rows(box_centre), mp_rows(teacher_rows))
    assert lo <= Fraction(mpmath.nstr(ref, 50)) <= hi
    # independently (2): a rotation of the inputs maps the landscape of V = I onto this one, so the
    # minimum has the loss of the stored symmetric k = 8 minimum of V = I, certified on its own
    symmetric = certify_population(safran_shamir(8))
    assert (
        symmetric.loss_lower - Fraction(1, 10**12) <= lo <= hi <= symmetric.loss_upper + Fraction(1, 10**12)
    )


def test_population_search_refuses_bad_trap_input_with_one_line(rotated, tmp_path, capsys):
    trap_path, _, _ = rotated
    cat = str(tmp_path / "c.sqlite")
    base = ["population-search", "--runs", "1", "--catalogue", cat]
    cases = [
        (["--trap", "examples/relu-blind-spot.json"], "population trap"),
        (["--trap", str(tmp_path / "missing.json")], "missing.json"),
        (["--trap", str(trap_path), "--k", "7"], "--k"),
        ([], "--k"),
    ]
    for extra, fragment in cases:
        assert main(base + extra) == 2
        err = capsys.readouterr().err
        assert fragment in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "c.sqlite").exists()  # refused before any work
