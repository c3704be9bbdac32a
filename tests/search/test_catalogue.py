"""The search catalogue: round trips, deduplication, resume bookkeeping, export, refusal of foreign files,
crash safety under SIGKILL, and the ``badminima catalogue`` command."""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from badminima import Dataset, Network, Point, Trap, dumps_trap, load_trap
from badminima.cli import main
from badminima.cli.search import _DEFAULT_CATALOGUE
from badminima.errors import BadminimaError, CatalogueError
from badminima.search.catalogue import APPLICATION_ID, DEFAULT_PATH, Catalogue
from badminima.search.catalogue_entries import CERTIFIED, UNCERTIFIED, NewTrap, canonical_settings, trap_key
from badminima.strategies import traps

# Shaped like Certificate.to_json() (a real certify() call takes seconds; the catalogue only stores the dict).
PROOF = {
    "verdict": "bad-local-min",
    "rigor": "exact",
    "method": "regions",
    "reason": "exact proof on every adjacent activation region",
    "loss": "18/5",
    "gap_lower": "4/5",
    "gap_lower_float": 0.8,
}
INCONCLUSIVE = {"verdict": "inconclusive", "rigor": "float", "method": "box", "reason": "box proof failed"}
SETTINGS = {"widths": [1, 2, 1], "activation": "relu", "points": 5}


def _trap(bias: int = 0, *, name: str | None = None) -> Trap:
    """A 1-1 identity trap; ``bias`` tells traps apart."""
    return Trap(
        Network((1, 1), "identity"),
        Dataset.of([[0], [1], [2]], [[0], [2], [1]]),
        Point.of([([[1]], [bias])]),
        name=name,
    )


def _certified(bias: int = 0, **kw: object) -> NewTrap:
    return NewTrap(_trap(bias), CERTIFIED, PROOF, loss_gap=0.8, **kw)  # type: ignore[arg-type]


@pytest.fixture
def cat(tmp_path):
    with Catalogue.open(tmp_path / "c.sqlite") as catalogue:
        yield catalogue


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- round trip -----------------------------------------------------------------------------------------

_shares = st.floats(0, 1)


@st.composite
def new_traps(draw: st.DrawFn) -> NewTrap:
    """Any storable NewTrap: certified with a proof, or uncertified with an inconclusive certificate or
    none."""
    certified = draw(st.booleans())
    share = draw(st.none() | _shares)
    interval = None
    if share is not None and draw(st.booleans()):
        low, high = sorted((draw(_shares), draw(_shares)))
        interval = (low, high)
    gaps = st.none() | st.floats(allow_nan=False, allow_infinity=False)
    return NewTrap(
        draw(traps()),
        CERTIFIED if certified else UNCERTIFIED,
        PROOF if certified else draw(st.sampled_from((None, INCONCLUSIVE))),
        loss_gap=draw(gaps),
        accuracy_gap=draw(gaps),
        basin_share=share,
        basin_interval=interval,
    )


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One catalogue for every hypothesis example; without fsyncs, since only the round trip is tested
    here (durability is the kill tests' business)."""
    with Catalogue.open(tmp_path_factory.mktemp("shared") / "c.sqlite") as catalogue:
        catalogue._db.execute("PRAGMA synchronous=OFF")
        yield catalogue


@given(new=new_traps(), seed=st.integers(0, 2**63 - 1), candidate=st.integers(0, 2**40))
def test_what_is_recorded_reads_back_unchanged(shared, new, seed, candidate):
    run = shared.start_run(SETTINGS, seed)
    ids = shared.record(run, candidate, {"score": 1.25}, [new])
    if not ids:  # hypothesis drew this trap before (shrinking replays examples): stored once
        assert trap_key(new.trap) in {e.key for e in shared.entries()}
        return
    entry = shared.entry(ids[0])
    assert entry.trap == new.trap
    assert dumps_trap(entry.trap) == dumps_trap(new.trap)
    assert (entry.status, entry.certificate) == (new.status, new.certificate)
    assert (entry.loss_gap, entry.accuracy_gap) == (new.loss_gap, new.accuracy_gap)
    assert (entry.basin_share, entry.basin_interval) == (new.basin_share, new.basin_interval)
    expected = (new.certificate or {}).get("verdict"), (new.certificate or {}).get("rigor")
    assert (entry.verdict, entry.rigor) == expected
    assert (entry.run_id, entry.candidate, entry.seed, entry.settings) == (run, candidate, seed, SETTINGS)
    assert entry.key == trap_key(new.trap)
    assert entry.found_at.endswith("Z")
    assert datetime.fromisoformat(entry.found_at.replace("Z", "+00:00")).utcoffset().total_seconds() == 0
    assert shared.entries(run_id=run) == [entry]
    assert json.loads(json.dumps(entry.to_json(), allow_nan=False))["trap"]["format"] == "badminima.trap/1"


def test_the_file_is_a_wal_database_with_full_sync(cat):
    # journal_mode persists in the file; synchronous is per connection (FULL = 2).
    other = sqlite3.connect(cat.path)
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert other.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    other.close()
    assert cat._db.execute("PRAGMA synchronous").fetchone() == (2,)
    assert cat._db.execute("PRAGMA foreign_keys").fetchone() == (1,)


# --- duplicates -----------------------------------------------------------------------------------------


def test_the_same_trap_is_stored_once_whatever_its_labels(cat):
    run = cat.start_run(SETTINGS, 0)
    assert cat.record(run, 0, {}, [_certified(1), _certified(1), _certified(2)]) == [1, 2]
    relabelled = NewTrap(_trap(1, name="found again"), CERTIFIED, PROOF, loss_gap=0.5)
    assert trap_key(relabelled.trap) == trap_key(_trap(1))
    assert cat.record(run, 1, {}, [relabelled]) == []
    assert cat.count() == 2
    first = cat.entry(1)
    assert (first.candidate, first.loss_gap, first.trap.name) == (0, 0.8, None)  # the first find is kept


def test_a_certified_find_upgrades_an_uncertified_entry_in_place_and_never_the_reverse(cat):
    run = cat.start_run(SETTINGS, 0)
    assert cat.record(run, 0, {}, [NewTrap(_trap(1), UNCERTIFIED, INCONCLUSIVE)]) == [1]
    assert cat.record(run, 1, {}, [_certified(1)]) == [1]
    entry = cat.entry(1)
    assert (entry.status, entry.verdict, entry.candidate, entry.loss_gap) == (
        CERTIFIED,
        "bad-local-min",
        1,
        0.8,
    )
    assert cat.record(run, 2, {}, [NewTrap(_trap(1), UNCERTIFIED)]) == []
    assert cat.entry(1).status == CERTIFIED


# --- evaluations and resume -----------------------------------------------------------------------------


def test_evaluations_come_back_in_candidate_order_per_run(cat):
    run, other = cat.start_run(SETTINGS, 0), cat.start_run(SETTINGS, 1)
    for c in (3, 0, 2, 1):
        cat.record(run, c, {"dataset": f"d{c}", "score": c / 2, "outcome": "none"})
    cat.record(other, 7, {"score": float("-inf")})  # non-finite scores survive in summaries
    assert cat.evaluations(run) == [
        (c, {"dataset": f"d{c}", "score": c / 2, "outcome": "none"}) for c in range(4)
    ]
    assert cat.evaluations(other) == [(7, {"score": float("-inf")})]
    assert [(r.id, r.seed, r.evaluated, r.settings) for r in cat.runs()] == [
        (run, 0, 4, SETTINGS),
        (other, 1, 1, SETTINGS),
    ]


def test_resume_finds_the_latest_run_with_the_same_settings_and_seed(cat):
    assert cat.latest_run(SETTINGS, 0) is None
    first = cat.start_run(SETTINGS, 0)
    cat.start_run(SETTINGS, 1)
    cat.start_run({**SETTINGS, "points": 6}, 0)
    assert cat.latest_run(dict(reversed(SETTINGS.items())), 0) == first  # key order does not matter
    second = cat.start_run(SETTINGS, 0)
    assert cat.latest_run(SETTINGS, 0) == second
    assert cat.latest_run(SETTINGS, 2) is None
    assert canonical_settings({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_a_failed_record_writes_nothing(cat):
    run = cat.start_run(SETTINGS, 0)
    cat.record(run, 0, {"score": 1}, [_certified(1)])
    with pytest.raises(CatalogueError, match="candidate 0 of run 1 is already recorded"):
        cat.record(run, 0, {"score": 2}, [_certified(2)])
    with pytest.raises(CatalogueError, match="no run 9"):
        cat.record(9, 0, {}, [_certified(3)])
    assert cat.evaluations(run) == [(0, {"score": 1})]
    assert [e.id for e in cat.entries()] == [1]
    assert cat.record(run, 1, {}, [_certified(2)]) == [2]  # and the catalogue goes on working


# --- export ---------------------------------------------------------------------------------------------


def test_export_writes_the_certified_traps_only_and_they_load_back_equal(cat, tmp_path):
    run = cat.start_run(SETTINGS, 0)
    cat.record(run, 0, {}, [_certified(1), NewTrap(_trap(2), UNCERTIFIED, INCONCLUSIVE), _certified(3)])
    out = tmp_path / "out" / "traps"
    paths = cat.export(out)
    assert [p.name for p in paths] == [
        f"trap-0001-{trap_key(_trap(1))[:8]}.json",
        f"trap-0003-{trap_key(_trap(3))[:8]}.json",
    ]
    assert sorted(out.iterdir()) == paths  # nothing else, no temporaries
    assert [load_trap(p) for p in paths] == [e.trap for e in cat.entries(status=CERTIFIED)]
    assert cat.export(out) == paths  # again: the same files, kept


def test_export_never_overwrites_a_different_file(cat, tmp_path):
    run = cat.start_run(SETTINGS, 0)
    cat.record(run, 0, {}, [_certified(1), _certified(2)])
    name = f"trap-0002-{trap_key(_trap(2))[:8]}.json"
    (tmp_path / name).write_text("mine\n")
    with pytest.raises(CatalogueError, match="exists and is not entry 2's trap; not overwritten"):
        cat.export(tmp_path)
    assert (tmp_path / name).read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("trap-")] == [name]  # checked first


# --- bad input ------------------------------------------------------------------------------------------


def _write_text(path: Path) -> None:
    path.write_text('{"format": "badminima.trap/1"}\n')


def _foreign_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (body TEXT)")
    db.execute("INSERT INTO notes VALUES ('keep me')")
    db.commit()
    db.close()


def _newer_schema(path: Path) -> None:
    Catalogue.open(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()


def _missing_table(path: Path) -> None:
    Catalogue.open(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE runs")
    db.close()


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


BAD_FILES = [
    (None, "no such catalogue file"),
    (_write_text, "not a badminima catalogue (expected an SQLite database; the file starts with b'{\"format"),
    (_foreign_sqlite, "an SQLite database, but not a badminima catalogue (application_id 0, tables notes)"),
    (_newer_schema, "catalogue schema 99 (written by a newer badminima); this badminima reads schema 1"),
    (_missing_table, "damaged catalogue: table runs has columns (missing)"),
    (_empty_file, "an empty database, not a badminima catalogue"),
    (lambda p: p.mkdir(), "is a directory; expected a catalogue file"),
]


@pytest.mark.parametrize(("make", "fragment"), BAD_FILES)
def test_bad_files_are_refused_with_one_line_and_left_untouched(tmp_path, make, fragment):
    path = tmp_path / "c.sqlite"
    if make is not None:
        make(path)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(CatalogueError) as info:
        Catalogue.open(path, create=False)
    message = str(info.value)
    assert isinstance(info.value, BadminimaError) and isinstance(info.value, ValueError)
    assert message.startswith(f"{path}: ") and fragment in message and "\n" not in message
    if make not in (None, _empty_file, BAD_FILES[-1][0]):
        with pytest.raises(CatalogueError, match="catalogue"):
            Catalogue.open(path, create=True)  # create=True never takes over a file that is there
    assert (path.read_bytes() if path.is_file() else None) == before


def test_an_empty_file_becomes_a_catalogue_when_creating(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"")
    with Catalogue.open(path) as cat:
        assert cat.entries() == []
    with Catalogue.open(path, create=False) as cat:
        assert cat.runs() == []


def test_an_unknown_entry_names_the_ids_there_are(cat):
    with pytest.raises(CatalogueError, match=r"no entry 7 in .*c\.sqlite \(the catalogue is empty\)"):
        cat.entry(7)
    run = cat.start_run(SETTINGS, 0)
    cat.record(run, 0, {}, [_certified(1), _certified(2)])
    with pytest.raises(CatalogueError, match=r"no entry 7 in .*c\.sqlite \(ids 1-2\)"):
        cat.entry(7)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"status": "proved"}, "status: expected one of certified, uncertified, got 'proved'"),
        ({"status": CERTIFIED}, "'certified' needs a certificate with verdict bad-local-min,"),
        ({"status": CERTIFIED, "certificate": INCONCLUSIVE}, "got 'inconclusive'"),
        ({"certificate": {"reason": "no verdict"}}, "certificate: expected a dict with a 'verdict'"),
        ({"certificate": {**INCONCLUSIVE, "x": float("nan")}}, "certificate: expected JSON-ready data"),
        ({"loss_gap": float("nan")}, "loss_gap: expected a finite number or None, got nan"),
        ({"accuracy_gap": "0.5"}, "accuracy_gap: expected a finite number or None"),
        ({"basin_share": 1.5}, "basin_share: expected a fraction in [0, 1], got 1.5"),
        ({"basin_interval": (0.1, 0.2)}, "basin_interval: given without a basin_share"),
        ({"basin_share": 0.5, "basin_interval": (0.6, 0.4)}, "basin_interval: expected low ≤ high"),
        ({"basin_share": 0.5, "basin_interval": [0.4, 0.6]}, "basin_interval: expected a pair"),
    ],
)
def test_bad_new_traps_are_refused(kwargs, fragment):
    fields = {"trap": _trap(), "status": UNCERTIFIED, **kwargs}
    with pytest.raises(CatalogueError) as info:
        NewTrap(**fields)
    assert fragment in str(info.value)


def test_bad_settings_and_summaries_are_refused(cat):
    with pytest.raises(CatalogueError, match="settings: expected JSON-ready data"):
        cat.start_run({"widths": {1, 2}}, 0)
    run = cat.start_run(SETTINGS, 0)
    with pytest.raises(CatalogueError, match="summary: expected a JSON object"):
        cat.record(run, 0, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(CatalogueError, match="candidate: expected a non-negative 64-bit integer, got -1"):
        cat.record(run, -1, {})
    with pytest.raises(CatalogueError, match="seed: expected an integer that fits in 64 bits"):
        cat.start_run(SETTINGS, 2**64)
    assert cat.evaluations(run) == []


# --- crash safety ---------------------------------------------------------------------------------------

# Records candidates forever, each with four ~115 kB traps, resuming the run it finds; prints
# "<candidate> <WAL size>" after each commit. With argv[2] = n >= 0 it stops inside the transaction of
# its (n+1)-th candidate, after two of the four traps are inserted: a tiny page cache has by then spilled
# their pages into the WAL (no checkpoints, so the WAL only grows), and it prints "blocked <WAL size>".
_WRITER = textwrap.dedent(
    """
    import itertools, os, sys, time
    from badminima import Dataset, Network, Point, Trap
    from badminima.search.catalogue import Catalogue
    from badminima.search.catalogue_entries import NewTrap
    path, block_after = sys.argv[1], int(sys.argv[2])
    data = Dataset.of([[i, -i] for i in range(1500)], [[i % 3] for i in range(1500)])
    net = Network((2, 1), "identity")
    settings = {"test": "kill"}
    inserts = itertools.count(1)

    def block_mid_transaction(sql):
        if sql.startswith("INSERT OR IGNORE INTO entries") and next(inserts) == 4 * block_after + 3:
            print("blocked", os.path.getsize(path + "-wal"), flush=True)
            time.sleep(60)

    with Catalogue.open(path) as cat:
        cat._db.execute("PRAGMA cache_size=8")
        cat._db.execute("PRAGMA wal_autocheckpoint=0")
        cat._db.set_trace_callback(block_mid_transaction)
        run = cat.latest_run(settings, 0) or cat.start_run(settings, 0)
        for c in itertools.count(len(cat.evaluations(run))):
            found = [NewTrap(Trap(net, data, Point.of([([[c, k]], [1])])), "uncertified") for k in range(4)]
            cat.record(run, c, {"traps": len(found)}, found)
            print(c, os.path.getsize(path + "-wal"), flush=True)
    """
)


def _kill_writer(path: Path, *, block_after: int = -1, commits: int = 0, delay: float = 0.0) -> list[str]:
    """Start the writer; SIGKILL it once blocked mid-transaction (``block_after`` >= 0), or ``delay`` s
    after its ``commits``-th commit. Returns its output lines."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(block_after)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    guard = threading.Timer(60, proc.kill)  # never hang the test suite
    guard.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("blocked") or (block_after < 0 and len(lines) == commits):
                break
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        guard.cancel()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    return lines


def _check_complete(path: Path) -> int:
    """Integrity, and every evaluated candidate complete with its traps; returns how many are done."""
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    with Catalogue.open(path, create=False) as cat:
        run = cat.latest_run({"test": "kill"}, 0)
        assert run is not None
        evaluated = cat.evaluations(run)
        assert [c for c, _ in evaluated] == list(range(len(evaluated)))
        entries = cat.entries(run_id=run)  # each trap parsed back with loads_trap
        per_candidate = collections.Counter(e.candidate for e in entries)
        assert per_candidate == {c: summary["traps"] for c, summary in evaluated}
        assert all(e.key == trap_key(e.trap) for e in entries)
        return len(evaluated)


def test_a_writer_killed_inside_a_transaction_loses_only_that_candidate(tmp_path):
    path = tmp_path / "c.sqlite"
    *committed, blocked = _kill_writer(path, block_after=3)
    assert [line.split()[0] for line in committed] == ["0", "1", "2"]
    assert blocked.startswith("blocked")
    # Uncommitted pages of candidate 3 were in the WAL when it died ...
    assert int(blocked.split()[1]) > int(committed[-1].split()[1]) + 100_000
    # ... and the reopened file holds candidates 0-2, whole, and nothing of 3.
    assert _check_complete(path) == 3


@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_a_writer_killed_at_any_time_resumes_and_stays_consistent(tmp_path):
    path = tmp_path / "c.sqlite"
    done = 0
    for delay in (0.0, 0.005, 0.02):
        lines = _kill_writer(path, commits=2, delay=delay)
        assert lines[0].split()[0] == str(done)  # resumed after the last committed candidate
        done = _check_complete(path)
        assert done >= int(lines[-1].split()[0]) + 1
    with Catalogue.open(path, create=False) as cat:
        run = cat.latest_run({"test": "kill"}, 0)
        assert run is not None
        assert len(cat.record(run, done, {"traps": 1}, [NewTrap(_trap(), UNCERTIFIED)])) == 1
    assert _check_complete(path) == done + 1


# --- the command ----------------------------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path):
    path = tmp_path / "c.sqlite"
    with Catalogue.open(path) as cat:
        run = cat.start_run(SETTINGS, 5)
        cat.record(run, 0, {}, [_certified(1, basin_share=0.25, basin_interval=(0.125, 0.5))])
        cat.record(run, 1, {}, [NewTrap(_trap(2), UNCERTIFIED, INCONCLUSIVE, accuracy_gap=0.5)])
    return path


def test_cli_list_shows_certified_traps_and_marks_uncertified_ones_with_all(capsys, filled):
    code, out, _ = _run(capsys, "catalogue", "list", "--catalogue", str(filled))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split()[:4] == ["id", "status", "network", "points"]
    assert lines[1].split()[:2] == ["1", "certified"] and "0.25 [0.125, 0.5]" in lines[1]
    assert "UNCERTIFIED" not in out and "1 uncertified candidate(s) not shown" in out
    code, out, _ = _run(capsys, "catalogue", "list", "--catalogue", str(filled), "--all")
    assert code == 0 and out.splitlines()[2].split()[:2] == ["2", "UNCERTIFIED"]
    assert "never exported" in out
    code, out, _ = _run(capsys, "catalogue", "list", "--catalogue", str(filled), "--json", "--all")
    rows = json.loads(out)
    assert [(r["id"], r["status"], r["seed"], r["points"]) for r in rows] == [
        (1, CERTIFIED, 5, 3),
        (2, UNCERTIFIED, 5, 3),
    ]


def test_cli_show_prints_the_entry_and_json_gives_the_whole_row(capsys, filled):
    code, out, _ = _run(capsys, "catalogue", "show", "1", "--catalogue", str(filled))
    assert code == 0
    assert "entry 1: certified" in out and "verdict: bad-local-min  (rigor: exact, method: regions)" in out
    assert "proved loss gap ≥ 4/5" in out and "run 1, candidate 0, seed 5" in out
    code, out, _ = _run(capsys, "catalogue", "show", "2", "--catalogue", str(filled), "--json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["status"], doc["certificate"], doc["settings"]) == (UNCERTIFIED, INCONCLUSIVE, SETTINGS)
    assert doc["trap"]["format"] == "badminima.trap/1" and doc["accuracy_gap"] == 0.5


def test_cli_export_writes_and_names_the_files(capsys, filled, tmp_path):
    code, out, _ = _run(
        capsys, "catalogue", "export", "--catalogue", str(filled), "--out", str(tmp_path / "x")
    )
    [written] = sorted((tmp_path / "x").iterdir())
    assert code == 0
    assert f"wrote {written}" in out and "1 uncertified candidate(s) not exported" in out
    assert load_trap(written) == _trap(1)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["list"], "badminima-catalogue.sqlite: no such catalogue file"),
        (["show", "1"], "badminima-catalogue.sqlite: no such catalogue file"),
        (["export", "--out", "x"], "badminima-catalogue.sqlite: no such catalogue file"),
    ],
)
def test_cli_without_a_catalogue_fails_with_one_line(capsys, tmp_path, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "catalogue", *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and fragment in err
    assert list(tmp_path.iterdir()) == []  # reading never creates a catalogue


def test_cli_unknown_entry_and_default_path(capsys, filled, monkeypatch):
    assert _DEFAULT_CATALOGUE == DEFAULT_PATH
    monkeypatch.chdir(filled.parent)
    filled.rename(DEFAULT_PATH)
    code, _, err = _run(capsys, "catalogue", "show", "9")
    assert code == 2 and err == f"badminima: error: no entry 9 in {DEFAULT_PATH} (ids 1-2)\n"
    assert _run(capsys, "catalogue", "list")[0] == 0


def test_the_catalogue_loads_no_heavy_library():
    code = (
        "import sys, badminima.search as s, badminima.search.catalogue; s.Catalogue; "
        "print(sorted({'torch', 'sympy', 'flint'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_reads_a_catalogue_in_a_read_only_directory(filled, tmp_path):
    from tests.readonly import run_read_only

    where = filled.parent / "ro"
    where.mkdir()
    for suffix in ("", "-wal", "-shm"):  # a closed catalogue: its log checkpointed into the file
        if Path(f"{filled}{suffix}").exists():
            Path(f"{filled}{suffix}").rename(where / f"c.sqlite{suffix}")
    before = sorted(p.name for p in where.iterdir())
    out_dir = tmp_path / "exported"
    path = str(where / "c.sqlite")
    code, out, err = run_read_only(where, ["catalogue", "list", "--catalogue", path], cwd=tmp_path)
    assert (code, err) == (0, "") and out.splitlines()[1].split()[:2] == ["1", "certified"]
    code, out, err = run_read_only(where, ["catalogue", "show", "1", "--catalogue", path], cwd=tmp_path)
    assert (code, err) == (0, "") and "entry 1: certified" in out
    code, out, err = run_read_only(
        where, ["catalogue", "export", "--catalogue", path, "--out", str(out_dir)], cwd=tmp_path
    )
    assert (code, err) == (0, "")
    [written] = out_dir.iterdir()
    assert load_trap(written) == _trap(1)
    assert sorted(p.name for p in where.iterdir()) == before


@pytest.mark.parametrize("entry_id", ["99999999999999999999999", str(2**63)])
def test_cli_show_of_an_id_beyond_sqlite_integers_is_no_such_entry(capsys, filled, entry_id):
    code, out, err = _run(capsys, "catalogue", "show", entry_id, "--catalogue", str(filled))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "ids 1-2" in err
