"""The catalogue of a dataset search: one SQLite file with every trap a search found, proved or not, and
every candidate each run evaluated, so that a killed search resumes where it stopped.

Layout (schema 1; ``PRAGMA application_id`` marks the file as a badminima catalogue and
``PRAGMA user_version`` holds the schema, so a foreign file is recognised before anything is written)::

    runs(id, settings, seed, started_at, updated_at)
    evaluations(run_id, candidate, summary, evaluated_at)       primary key (run_id, candidate)
    entries(id, key unique, status, trap, certificate, verdict, rigor, loss_gap, accuracy_gap,
            basin_share, basin_low, basin_high, run_id, candidate, found_at)

Crash safety: a write-ahead log with ``synchronous=FULL`` (one fsync per commit, which is nothing beside
the seconds a candidate takes to evaluate, and makes a commit survive power loss too), and each
`Catalogue.record` is one transaction. A process killed at any instant leaves every earlier candidate
complete, with all its traps, and nothing of the one in flight.

Example:
    >>> import tempfile, pathlib
    >>> from badminima import Dataset, Network, Point, Trap
    >>> trap = Trap(Network((1, 1), "identity"), Dataset.of([[0], [1]], [[0], [2]]), Point.of([([[1]], [0])]))
    >>> with tempfile.TemporaryDirectory() as tmp, Catalogue.open(pathlib.Path(tmp) / "c.sqlite") as cat:
    ...     run = cat.start_run({"width": 2}, seed=0)
    ...     ids = cat.record(run, 0, {"score": 1.5}, [NewTrap(trap, UNCERTIFIED)])
    ...     (ids, cat.entry(ids[0]).status, cat.evaluations(run))
    ([1], 'uncertified', [(0, {'score': 1.5})])
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from badminima.errors import CatalogueError
from badminima.model.trapfile import dumps_trap, loads_any_trap, save_trap
from badminima.search.catalogue_entries import (
    CERTIFIED,
    STATUSES,
    UNCERTIFIED,
    Entry,
    NewTrap,
    Run,
    canonical_settings,
    json_text,
    optional_float,
    trap_key,
)

DEFAULT_PATH = "badminima-catalogue.sqlite"
"""The catalogue file a search writes and ``badminima catalogue`` reads when none is named."""


APPLICATION_ID = 0x42444D43  # "BDMC": marks the SQLite file as a badminima catalogue
SCHEMA_VERSION = 1

_SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_SECONDS = 30.0  # how long a writer waits for another's transaction (a `list` during a search)

_COLUMNS = {
    "runs": ("id", "settings", "seed", "started_at", "updated_at"),
    "evaluations": ("run_id", "candidate", "summary", "evaluated_at"),
    "entries": (
        "id",
        "key",
        "status",
        "trap",
        "certificate",
        "verdict",
        "rigor",
        "loss_gap",
        "accuracy_gap",
        "basin_share",
        "basin_low",
        "basin_high",
        "run_id",
        "candidate",
        "found_at",
    ),
}

_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    settings TEXT NOT NULL,
    seed INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX runs_by_settings ON runs (settings, seed);
CREATE TABLE evaluations (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    candidate INTEGER NOT NULL CHECK (candidate >= 0),
    summary TEXT NOT NULL,
    evaluated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, candidate)
) WITHOUT ROWID;
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('certified', 'uncertified')),
    trap TEXT NOT NULL,
    certificate TEXT,
    verdict TEXT,
    rigor TEXT,
    loss_gap REAL,
    accuracy_gap REAL,
    basin_share REAL,
    basin_low REAL,
    basin_high REAL,
    run_id INTEGER NOT NULL,
    candidate INTEGER NOT NULL,
    found_at TEXT NOT NULL,
    FOREIGN KEY (run_id, candidate) REFERENCES evaluations (run_id, candidate)
);
CREATE INDEX entries_by_status ON entries (status, id);
CREATE INDEX entries_by_run ON entries (run_id, candidate);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not -(2**63) <= seed < 2**63:
        raise CatalogueError(f"seed: expected an integer that fits in 64 bits, got {seed!r}")
    return seed


def _check_header(file: Path) -> None:
    try:
        with file.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise CatalogueError(f"{file}: cannot read the catalogue ({exc.strerror or exc})") from None
    if head and head != _SQLITE_HEADER:
        raise CatalogueError(
            f"{file}: not a badminima catalogue (expected an SQLite database; the file starts with {head!r})"
        )


class Catalogue:
    """An open catalogue file (one SQLite connection); use as a context manager, or call `close`.

    Open with `Catalogue.open`. Every method is one transaction; `record` is the only one a search
    needs to call per candidate.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(
        cls, path: str | Path = DEFAULT_PATH, *, create: bool = True, readonly: bool = False
    ) -> Catalogue:
        """Open the catalogue at ``path``, creating it if missing (and ``create``) or empty.

        An existing file that is not a badminima catalogue of this schema is refused and left untouched.
        ``readonly`` opens it for reading only (``list``, ``show``, ``export``), which also works where
        the file or its directory cannot be written: SQLite then cannot make its shared-memory file, so
        a catalogue with no pending write-ahead log is opened as immutable.

        Raises:
            CatalogueError: missing file (``create=False``), not SQLite, another SQLite database, another
                schema, or unreadable; the message names the file and what was expected.
        """
        if not str(path):
            raise CatalogueError("--catalogue: expected a catalogue file name, got an empty one")
        file = Path(path)
        if file.is_dir():
            raise CatalogueError(f"{file}: is a directory; expected a catalogue file (SQLite)")
        if file.exists():
            _check_header(file)
        elif not create or readonly:
            raise CatalogueError(f"{file}: no such catalogue file (a search creates it)")
        elif not file.parent.is_dir():
            raise CatalogueError(f"{file}: cannot create the catalogue: no directory {file.parent}")
        if readonly:
            try:
                return cls._connect(file, "ro", create=False, readonly=True)
            except CatalogueError:
                wal = file.with_name(file.name + "-wal")
                if os.access(file.parent, os.W_OK) or (wal.exists() and wal.stat().st_size > 0):
                    raise
                return cls._connect(file, "ro&immutable=1", create=False, readonly=True)
        return cls._connect(file, "rwc" if create else "rw", create=create, readonly=False)

    @classmethod
    def _connect(cls, file: Path, mode: str, *, create: bool, readonly: bool) -> Catalogue:
        try:
            db = sqlite3.connect(
                f"{file.absolute().as_uri()}?mode={mode}",
                uri=True,
                isolation_level=None,
                timeout=_BUSY_SECONDS,
            )
        except sqlite3.Error as exc:
            raise CatalogueError(f"{file}: cannot open the catalogue ({exc})") from None
        catalogue = cls(db, file)
        try:
            catalogue._prepare(create=create, readonly=readonly)
        except BaseException:
            db.close()
            raise
        return catalogue

    def _fail(self, problem: str) -> CatalogueError:
        return CatalogueError(f"{self.path}: {problem}")

    @contextmanager
    def _sqlite(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._fail(f"cannot {doing} ({exc})") from None

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception: all of it is written, or none."""
        with self._sqlite(doing):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # some errors (a full disk) have rolled it back already
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _prepare(self, *, create: bool, readonly: bool = False) -> None:
        db = self._db
        with self._sqlite("read the catalogue"):
            if self._validate():
                if not create:
                    raise self._fail("an empty database, not a badminima catalogue (a search fills it)")
                if not self._initialise():
                    self._validate()  # another process created it meanwhile: check what it wrote
            if readonly:
                return
            # Per-connection settings; WAL persists in the file (and is already set by _initialise).
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")

    def _validate(self) -> bool:
        """True for an empty database, False for a catalogue of this schema; raises for anything else."""
        db = self._db
        try:
            app = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
        except sqlite3.DatabaseError as exc:
            raise self._fail(f"not a badminima catalogue (expected an SQLite database: {exc})") from None
        if app == 0 and version == 0 and not names:
            return True
        if app != APPLICATION_ID:
            tables = ", ".join(sorted(names)) or "none"
            raise self._fail(
                f"an SQLite database, but not a badminima catalogue (application_id {app}, tables "
                f"{tables}); expected one written by badminima; left untouched"
            )
        if version != SCHEMA_VERSION:
            newer = " (written by a newer badminima)" if version > SCHEMA_VERSION else ""
            raise self._fail(
                f"catalogue schema {version}{newer}; this badminima reads schema {SCHEMA_VERSION}"
            )
        self._check_tables()
        return False

    def _initialise(self) -> bool:
        """Create the schema in an empty database; False if another process got there first."""
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        with self._transaction("create the catalogue"):
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                return False
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return True

    def _check_tables(self) -> None:
        for table, expected in _COLUMNS.items():
            found = tuple(r[1] for r in self._db.execute(f"PRAGMA table_info({table})"))
            if found != expected:
                shown = ", ".join(found) if found else "missing"
                raise self._fail(
                    f"damaged catalogue: table {table} has columns ({shown}); "
                    f"expected ({', '.join(expected)})"
                )

    def close(self) -> None:
        """Close the connection (committed data are already on disk)."""
        self._db.close()

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_run(self, settings: Mapping[str, Any], seed: int) -> int:
        """Register a new run with these search settings and seed; returns its id."""
        text = canonical_settings(settings)
        now = _now()
        with self._transaction("start a run") as db:
            cur = db.execute(
                "INSERT INTO runs (settings, seed, started_at, updated_at) VALUES (?, ?, ?, ?)",
                (text, _seed(seed), now, now),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def latest_run(self, settings: Mapping[str, Any], seed: int) -> int | None:
        """The newest run with exactly these settings (as canonical JSON) and seed: what ``--resume``
        continues. None if there is none."""
        text = canonical_settings(settings)
        with self._sqlite("look up runs"):
            row = self._db.execute(
                "SELECT id FROM runs WHERE settings = ? AND seed = ? ORDER BY id DESC LIMIT 1",
                (text, _seed(seed)),
            ).fetchone()
        return None if row is None else int(row[0])

    def runs(self) -> list[Run]:
        """Every run, oldest first, with how many candidates each has evaluated."""
        with self._sqlite("read runs"):
            rows = self._db.execute(
                "SELECT r.id, r.settings, r.seed, r.started_at, r.updated_at, "
                "(SELECT count(*) FROM evaluations e WHERE e.run_id = r.id) FROM runs r ORDER BY r.id"
            ).fetchall()
        return [Run(r[0], json.loads(r[1]), r[2], r[3], r[4], r[5]) for r in rows]

    def record(
        self, run_id: int, candidate: int, summary: Mapping[str, Any], traps: Sequence[NewTrap] = ()
    ) -> list[int]:
        """Mark candidate ``candidate`` of run ``run_id`` evaluated, with its ``summary``, and store its
        traps — in one transaction, so a crash leaves both or neither.

        A trap already in the catalogue (same `trap_key`) is not stored again, except that a certified
        find replaces an uncertified entry of the same trap in place (same id). ``summary`` may hold
        non-finite floats (they round-trip as Python's json writes them).

        Returns:
            The ids of entries added or newly certified, in the order of ``traps``.

        Raises:
            CatalogueError: no such run, the candidate was already recorded, or a summary that is not a
                JSON object; nothing is written then.
        """
        if isinstance(candidate, bool) or not isinstance(candidate, int) or not 0 <= candidate < 2**63:
            raise CatalogueError(f"candidate: expected a non-negative 64-bit integer, got {candidate!r}")
        if not isinstance(summary, Mapping):
            raise CatalogueError(f"summary: expected a JSON object (a dict), got {type(summary).__name__}")
        summary_text = json_text(summary, "summary", allow_nan=True)
        rows = []
        for new in traps:
            if not isinstance(new, NewTrap):
                raise CatalogueError(f"traps: expected NewTrap values, got {type(new).__name__}")
            cert = new.certificate
            low, high = new.basin_interval if new.basin_interval is not None else (None, None)
            rows.append(
                {
                    "key": trap_key(new.trap),
                    "status": new.status,
                    "trap": dumps_trap(new.trap),
                    "certificate": None if cert is None else json_text(cert, "certificate"),
                    "verdict": None if cert is None else cert.get("verdict"),
                    "rigor": None if cert is None else cert.get("rigor"),
                    "loss_gap": optional_float(new.loss_gap),
                    "accuracy_gap": optional_float(new.accuracy_gap),
                    "basin_share": optional_float(new.basin_share),
                    "basin_low": optional_float(low),
                    "basin_high": optional_float(high),
                    "run_id": run_id,
                    "candidate": candidate,
                }
            )
        now = _now()
        changed: list[int] = []
        with self._transaction(f"record candidate {candidate} of run {run_id}") as db:
            if db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise self._fail(f"no run {run_id} (start_run gives run ids)")
            if db.execute(
                "SELECT 1 FROM evaluations WHERE run_id = ? AND candidate = ?", (run_id, candidate)
            ).fetchone():
                raise self._fail(f"candidate {candidate} of run {run_id} is already recorded")
            db.execute(
                "INSERT INTO evaluations (run_id, candidate, summary, evaluated_at) VALUES (?, ?, ?, ?)",
                (run_id, candidate, summary_text, now),
            )
            for row in rows:
                row["found_at"] = now
                cur = db.execute(
                    f"INSERT OR IGNORE INTO entries ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()),
                )
                if cur.rowcount == 1:
                    assert cur.lastrowid is not None
                    changed.append(cur.lastrowid)
                elif row["status"] == CERTIFIED:
                    upgraded = db.execute(
                        "SELECT id FROM entries WHERE key = ? AND status = ?", (row["key"], UNCERTIFIED)
                    ).fetchone()
                    if upgraded is not None:
                        fields = [k for k in row if k != "key"]
                        db.execute(
                            f"UPDATE entries SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                            (*(row[k] for k in fields), upgraded[0]),
                        )
                        changed.append(upgraded[0])
            db.execute("UPDATE runs SET updated_at = ? WHERE id = ?", (now, run_id))
        return list(dict.fromkeys(changed))

    def evaluations(self, run_id: int) -> list[tuple[int, dict[str, Any]]]:
        """The candidates of run ``run_id`` already evaluated, as ``(index, summary)`` in index order:
        what a resumed run skips, and rebuilds its state from."""
        with self._sqlite("read evaluations"):
            rows = self._db.execute(
                "SELECT candidate, summary FROM evaluations WHERE run_id = ? ORDER BY candidate", (run_id,)
            ).fetchall()
        return [(int(c), json.loads(s)) for c, s in rows]

    def count(self, *, status: str | None = None) -> int:
        """How many entries (of this ``status``, or all)."""
        where, args = self._where(status, None)
        with self._sqlite("count entries"):
            return int(self._db.execute(f"SELECT count(*) FROM entries e{where}", args).fetchone()[0])

    def _where(self, status: str | None, run_id: int | None) -> tuple[str, tuple[object, ...]]:
        clauses: list[str] = []
        args: list[object] = []
        if status is not None:
            if status not in STATUSES:
                raise CatalogueError(f"status: expected one of {', '.join(STATUSES)}, got {status!r}")
            clauses.append("e.status = ?")
            args.append(status)
        if run_id is not None:
            clauses.append("e.run_id = ?")
            args.append(run_id)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)

    _SELECT = (
        "SELECT e.id, e.key, e.status, e.trap, e.certificate, e.verdict, e.rigor, e.loss_gap, "
        "e.accuracy_gap, e.basin_share, e.basin_low, e.basin_high, e.run_id, e.candidate, r.seed, "
        "r.settings, e.found_at FROM entries e JOIN runs r ON r.id = e.run_id"
    )

    def _entry(self, row: Sequence[Any]) -> Entry:
        (id_, key, status, trap, cert, verdict, rigor, loss_gap, acc_gap, share, low, high) = row[:12]
        run_id, candidate, seed, settings, found_at = row[12:]
        return Entry(
            id=id_,
            key=key,
            status=status,
            trap=loads_any_trap(trap, origin=f"{self.path} entry {id_}"),
            certificate=None if cert is None else json.loads(cert),
            verdict=verdict,
            rigor=rigor,
            loss_gap=loss_gap,
            accuracy_gap=acc_gap,
            basin_share=share,
            basin_interval=None if low is None else (low, high),
            run_id=run_id,
            candidate=candidate,
            seed=seed,
            settings=json.loads(settings),
            found_at=found_at,
        )

    def entries(self, *, status: str | None = None, run_id: int | None = None) -> list[Entry]:
        """The entries, by id; only those of this ``status`` and ``run_id`` where given."""
        where, args = self._where(status, run_id)
        with self._sqlite("read entries"):
            rows = self._db.execute(f"{self._SELECT}{where} ORDER BY e.id", args).fetchall()
        return [self._entry(r) for r in rows]

    def entry(self, entry_id: int) -> Entry:
        """The entry with id ``entry_id``.

        Raises:
            CatalogueError: no such entry (the message gives the range of ids there are).
        """
        with self._sqlite("read entries"):
            row = None
            if 0 < entry_id < 2**63:  # SQLite integers are 64-bit: no id lies beyond
                row = self._db.execute(f"{self._SELECT} WHERE e.id = ?", (entry_id,)).fetchone()
            if row is None:
                low, high = self._db.execute("SELECT min(id), max(id) FROM entries").fetchone()
        if row is None:
            there = "the catalogue is empty" if low is None else f"ids {low}-{high}"
            raise CatalogueError(f"no entry {entry_id} in {self.path} ({there})")
        return self._entry(row)

    def export(self, out_dir: str | Path) -> list[Path]:
        """Write one trap file per certified entry into ``out_dir`` (created if missing), each
        atomically, named ``trap-<id, 4 digits>-<key[:8]>.json``; uncertified entries never are.

        A file already there with the same text is kept; one with other text is never overwritten.

        Returns:
            The paths of the certified entries' files, by entry id.

        Raises:
            CatalogueError: ``out_dir`` is not a directory, cannot be written, or holds a different
                file under one of the names (checked before anything is written).
        """
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogueError(
                f"{out}: cannot create the export directory ({exc.strerror or exc})"
            ) from None
        plan = []
        for entry in self.entries(status=CERTIFIED):
            target = out / f"trap-{entry.id:04d}-{entry.key[:8]}.json"
            text = dumps_trap(entry.trap)
            if target.exists():
                try:
                    same = target.read_text(encoding="utf-8") == text
                except (OSError, UnicodeDecodeError):
                    same = False
                if not same:
                    raise CatalogueError(
                        f"{target}: exists and is not entry {entry.id}'s trap; not overwritten "
                        f"(export into an empty directory)"
                    )
            plan.append((target, entry.trap, target.exists()))
        for target, trap, present in plan:
            if not present:
                try:
                    save_trap(trap, target)
                except OSError as exc:
                    raise CatalogueError(
                        f"{target}: cannot write the trap file ({exc.strerror or exc})"
                    ) from None
        return [target for target, _, _ in plan]
