"""``badminima search`` as a user runs it: the summary and --json on stdout, a kill or SIGTERM in the middle
of a search, and one line on stderr (exit 2, nothing written) for every bad input."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from badminima.cli import main
from badminima.search.catalogue import Catalogue

# A cheap search (16 candidates, the command's generation, take about a second): 6 points with 0/1
# labels on a 2-2-1 sigmoid network, 32 starts of 100 steps each, nothing shrunk, in this process (which
# commits candidates in index order).
SEARCH = [
    "search",
    "--widths", "2,2,1",
    "--activation", "sigmoid",
    "--points", "6",
    "--grid", "2",
    "--starts", "32",
    "--steps", "100",
    "--no-shrink",
    "--seed", "3",
    "--workers", "1",
]  # fmt: skip


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _evaluated(path: Path) -> list[int]:
    """The candidates recorded so far, read without a write lock (as a second user would)."""
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            return [c for (c,) in db.execute("SELECT candidate FROM evaluations ORDER BY run_id, candidate")]
        finally:
            db.close()
    except sqlite3.Error:  # not created yet, or the schema not yet committed
        return []


def _start(path: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CI": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "badminima.cli", *SEARCH, "--catalogue", str(path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _signal_once_recording(proc: subprocess.Popen[str], path: Path, signum: int) -> list[int]:
    """Send ``signum`` as soon as the search has recorded a candidate; returns what was recorded by then.

    A round's 16 records are written one after another within milliseconds; polling every 2 ms, the
    signal lands in the middle of them (measured: 3-6 of 16 recorded when it was sent)."""
    guard = threading.Timer(120, proc.kill)  # never hang the test suite
    guard.start()
    try:
        while not (seen := _evaluated(path)):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.002)
        proc.send_signal(signum)
        proc.wait()
    finally:
        guard.cancel()
    return seen


# --- output ---------------------------------------------------------------------------------------------


def test_json_output_parses_and_has_the_fields(capsys, tmp_path):
    path = tmp_path / "c.sqlite"
    code, out, err = _run(capsys, *SEARCH, "--budget", "4", "--catalogue", str(path), "--json")
    assert code == 0
    doc = json.loads(out)  # stdout holds the JSON alone; progress goes to stderr
    assert set(doc) == {
        "run",
        "resumed",
        "candidates",
        "candidates_in_run",
        "new_traps",
        "uncertified",
        "best_gap",
        "init_steps",
        "seconds",
        "interrupted",
        "ends",
    }
    assert (doc["run"], doc["resumed"], doc["candidates"], doc["candidates_in_run"]) == (1, False, 4, 4)
    # every start of the 4 candidates (32 each) ends exactly one way
    assert set(doc["ends"]) == {"critical", "escaped", "diverged", "unconverged"}
    assert sum(doc["ends"].values()) == 4 * 32 and min(doc["ends"].values()) >= 0
    assert doc["interrupted"] is False and doc["init_steps"] > 0 and doc["seconds"] > 0
    assert isinstance(doc["new_traps"], list) and isinstance(doc["uncertified"], int)
    assert "{" not in err
    code, out, _ = _run(capsys, *SEARCH, "--budget", "6", "--catalogue", str(path), "--json", "--resume")
    doc = json.loads(out)
    assert (code, doc["run"], doc["resumed"], doc["candidates"], doc["candidates_in_run"]) == (
        0,
        1,
        True,
        2,
        6,
    )


def test_the_summary_goes_to_stdout(capsys, tmp_path):
    code, out, err = _run(capsys, *SEARCH, "--budget", "2", "--catalogue", str(tmp_path / "c.sqlite"))
    # stderr is no terminal here: plain progress lines every 10 s, and one at the end that counts what
    # the summary counts (the log used to end at "tried 1" when the summary said 2).
    logged = err.splitlines()
    assert code == 0 and logged and all(line.startswith("search: ") for line in logged)
    assert "tried 2 (2/2 in run)" in logged[-1]
    lines = out.splitlines()
    assert lines[0] == f"run 1 in {tmp_path / 'c.sqlite'}"
    assert lines[1].startswith("candidates: 2 this session; ") and "init-steps/s" in lines[1]
    assert lines[2].startswith("certified traps: ") and lines[3].startswith("best certified loss gap")


# --- kill and stop --------------------------------------------------------------------------------------


@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_the_catalogue_survives_a_kill_in_the_middle_of_a_write_and_the_search_resumes(tmp_path):
    path = tmp_path / "c.sqlite"
    proc = _start(path, "--budget", "32")
    seen = _signal_once_recording(proc, path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    with Catalogue.open(path, create=False) as cat:
        before = cat.evaluations(1)
    done = [i for i, _ in before]
    assert done == list(range(len(done))) and len(done) >= len(seen) >= 1  # whole candidates, in order

    proc = _start(path, "--budget", "32", "--resume")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "(resumed)" in out
    assert f"candidates: {32 - len(done)} this session, 32 in the run" in out
    with Catalogue.open(path, create=False) as cat:
        after = cat.evaluations(1)
        assert [r.id for r in cat.runs()] == [1]
    assert [i for i, _ in after] == list(range(32))  # no candidate twice, none missing
    assert after[: len(before)] == before  # what was recorded before the kill is kept as it was


@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_sigterm_stops_cleanly_with_the_summary_and_status_130(tmp_path):
    path = tmp_path / "c.sqlite"
    proc = _start(path, "--budget", "1000")
    _signal_once_recording(proc, path, signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert out.startswith("run 1 in ")
    assert "interrupted: everything recorded is kept; add --resume to continue this run" in out
    done = _evaluated(path)
    assert f"candidates: {len(done)} this session" in out and done == list(range(len(done)))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()


# --- bad input ------------------------------------------------------------------------------------------


def _catalogue_with_another_run(path: Path) -> None:
    with Catalogue.open(path) as cat:
        cat.start_run({"another": "search"}, 3)


def _text_file(path: Path) -> None:
    path.write_text("my notes, not a catalogue\n")


BAD = [
    (["--widths", "2,x"], None, "argument --widths: expected layer sizes like 2,2,1, got '2,x'"),
    (["--widths", "2"], None, "expected at least two positive layer sizes"),
    (["--widths", "2,1"], None, "--widths: expected at least one hidden layer, got 2,1"),
    (["--budget", "10x"], None, "budget: expected a time like 90s, 10m, 1.5h or a number of candidates"),
    (["--budget", "0"], None, "got '0'"),
    (["--budget", "2.5"], None, "a number of candidates must be whole, got '2.5'"),
    (["--resume"], _catalogue_with_another_run, "has no run with these settings and seed 3"),
    (["--resume"], None, "no such catalogue file"),
    (
        ["--scheduler", "tcp://127.0.0.1:8786"],
        None,
        "only meaningful with the dask executor (--executor dask)",
    ),
    (["--workers", "0"], None, "argument --workers"),
    (["--margin", "0.5"], None, "argument --margin: expected 0 <= margin < 1/2, got 0.5"),
    (["--margin", "x"], None, "argument --margin: expected a number like 0.05 or 1/20, got 'x'"),
    ([], _text_file, "not a badminima catalogue"),
]


@pytest.mark.parametrize(("extra", "prepare", "fragment"), BAD)
def test_bad_input_is_one_line_exit_2_and_changes_no_file(capsys, tmp_path, extra, prepare, fragment):
    path = tmp_path / "c.sqlite"
    if prepare is not None:
        prepare(path)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    argv = [*SEARCH, "--catalogue", str(path), *extra]
    if "--budget" not in extra:
        argv += ["--budget", "4"]
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(("badminima: error: ", "badminima search: error: ")) and fragment in lines[0]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files


def test_an_unreachable_scheduler_is_one_line_and_creates_no_catalogue(capsys, tmp_path):
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "c.sqlite"
    argv = [*SEARCH, "--budget", "4", "--catalogue", str(path), "--executor", "dask"]
    code, out, err = _run(capsys, *argv, "--scheduler", f"tcp://127.0.0.1:{port}")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert f"cannot reach the Dask scheduler at 'tcp://127.0.0.1:{port}'" in err
    assert not path.exists()


def test_the_dask_executor_without_distributed_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    path = tmp_path / "c.sqlite"
    code, _, err = _run(capsys, *SEARCH, "--budget", "4", "--catalogue", str(path), "--executor", "dask")
    assert code == 2 and len(err.splitlines()) == 1
    assert "pip install 'badminima[cluster]'" in err and not path.exists()
