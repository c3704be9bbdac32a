"""Careless users and extreme inputs: every command, on every bad input in the table, answers one line
on stderr naming what is wrong and exits 2 — no traceback, nothing written, nothing the user had
changed. Plus a fuzz of trap files: random JSON mutations of the example files get one line and exit 2,
or a valid result."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from badminima.cli import main
from badminima.model.limits import MAX_DIGITS, MAX_FILE_BYTES

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BLIND = json.loads((EXAMPLES / "relu-blind-spot.json").read_text())
DEADLOCK = json.loads((EXAMPLES / "sigmoid-deadlock.json").read_text())


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    """The command in this process (argparse's usage errors exit through SystemExit)."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``root``: its mode and a hash of its bytes (what 'nothing changed' compares)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes() if path.stat().st_size < 2**20 else b"(big)"
            found[str(path.relative_to(root))] = (path.stat().st_mode, hashlib.sha256(data).hexdigest())
        else:
            found[str(path.relative_to(root))] = (path.stat().st_mode, "dir")
    return found


def edit(doc: dict[str, Any], where: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    target = out
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return out


def text(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


W = ("point", 0, "W", 0, 0)
DIGITS = "9" * (MAX_DIGITS * 10 + 1)
# (label, file text, fragment of the one-line message); each is run through evaluate and verify.
TRAP_FILES: list[tuple[str, str, str]] = [
    ("weight 1e200", text(edit(BLIND, W, "1e200")), "expected a magnitude at most 1e100, got about 1e200"),
    ("weight 1e400", text(edit(BLIND, W, "1e400")), "expected a magnitude at most 1e100"),
    ("literal 1e999", text(BLIND).replace('"W": [[1]], "b": [-3]', '"W": [[1e999]], "b": [-3]'), "1e100"),
    ("y 1e10000", text(edit(BLIND, ("data", "y", 0, 0), "1e10000")), "exponent within ±1000"),
    ("exponent 1e-1001", text(edit(BLIND, W, "1e-1001")), "exponent within ±1000"),
    (
        "bare 10001-digit integer",
        text(BLIND).replace('"W": [[1]], "b": [-3]', f'"W": [[{DIGITS}]], "b": [-3]'),
        f"at most {MAX_DIGITS} digits",
    ),
    ("10001-digit string", text(edit(BLIND, W, DIGITS)), f"at most {MAX_DIGITS} digits"),
    ("long denominator", text(edit(BLIND, W, "1/" + DIGITS)), f"at most {MAX_DIGITS} digits"),
    ("long decimal", text(edit(BLIND, W, "0." + DIGITS)), f"at most {MAX_DIGITS} digits"),
    ("weights beyond float64", text(edit(BLIND, W, "1e60")), "numbers too large"),
    ("zero denominator", text(edit(BLIND, W, "1/0")), "non-zero denominator"),
    ("NaN", text(BLIND).replace('"b": [-3]', '"b": [NaN]'), "expected a finite number, got NaN"),
    ("Infinity", text(BLIND).replace('"b": [-3]', '"b": [Infinity]'), "got Infinity"),
    ("-Infinity", text(BLIND).replace('"b": [-3]', '"b": [-Infinity]'), "got -Infinity"),
    ("null weight", text(edit(BLIND, W, None)), "expected a number, got null"),
    ("boolean weight", text(edit(BLIND, W, True)), "got the boolean true"),
    ("list weight", text(edit(BLIND, W, [1])), "expected a number, got a list"),
    ("hex string", text(edit(BLIND, W, "0x10")), 'got "0x10"'),
    ("fractional width", text(edit(BLIND, ("network", "widths", 1), 1.5)), "got [1, 1.5, 1]"),
    ("negative width", text(edit(BLIND, ("network", "widths", 1), -1)), "got [1, -1, 1]"),
    ("null widths", text(edit(BLIND, ("network", "widths"), None)), "got null"),
    ("unknown activation", text(edit(BLIND, ("network", "activation"), "softmax")), "expected one of"),
    (
        "leaky slope 2",
        text(edit(edit(BLIND, ("network", "activation"), "leaky_relu"), ("network", "leaky_slope"), 2)),
        "leaky_slope",
    ),
    ("leaky slope on relu", text(edit(BLIND, ("network", "leaky_slope"), "1/2")), "leaky_slope"),
    ("bias null", text(edit(BLIND, ("network", "bias"), None)), "expected true or false, got null"),
    ("wrong format", text(edit(BLIND, ("format",), "badminima.trap/2")), "format"),
    ("missing format", text({k: v for k, v in BLIND.items() if k != "format"}), "format: missing"),
    ("unknown key", text(edit(BLIND, ("extra",), 1)), "extra: unknown key"),
    ("name a number", text(edit(BLIND, ("name",), 1.5)), "name: expected a string, got 1.5"),
    ("too few layers", text(edit(BLIND, ("point",), BLIND["point"][:1])), "expected 2 layers"),
    ("W too wide", text(edit(BLIND, ("point", 0, "W", 0), [1, 2])), "point[0].W[0]: expected 1 entries"),
    ("b missing", text(edit(BLIND, ("point", 0), {"W": [[1]]})), "point[0].b: missing"),
    ("b without bias", text(edit(BLIND, ("network", "bias"), False)), "network.bias is false"),
    ("no data points", text(edit(BLIND, ("data", "X"), [])), "data.X: expected a non-empty list"),
    ("y row too long", text(edit(BLIND, ("data", "y", 0), [1, 2])), "data.y[0]: expected 1 entries"),
    ("better wrong shape", text(edit(BLIND, ("better", 1, "W"), [[1, 2]])), "better[1].W[0]"),
    (
        "bce target 2",
        text(
            edit(
                edit(edit(DEADLOCK, ("network", "output"), "sigmoid"), ("network", "loss"), "bce"),
                ("data", "y", 0, 0),
                2,
            )
        ),
        "bce",
    ),
    ("not JSON", "{format: trap}", "not valid JSON"),
    ("empty file", "", "not valid JSON"),
    ("top-level list", "[1, 2]", "expected a JSON object at the top level, got [1, 2]"),
    ("nested too deeply", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize("command", [["evaluate"], ["verify", "--probes", "0"]])
@pytest.mark.parametrize(("label", "content", "fragment"), TRAP_FILES, ids=[r[0] for r in TRAP_FILES])
def test_bad_trap_files_get_one_line_and_exit_2(capsys, tmp_path, command, label, content, fragment):
    path = tmp_path / "trap.json"
    path.write_text(content, encoding="utf-8")
    before = snapshot(tmp_path)
    code, out, err = run(capsys, [*command, str(path)])
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("badminima: error: ") and fragment in err, err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("weight", ["1e20", "-1e100"])
def test_saturated_units_are_evaluated_and_verified(capsys, tmp_path, activation, weight):
    """Pre-activations of 1e20 or 1e100 are evaluated in every backend (float diagnostics saturate
    cleanly) against the 60-digit reference, and verify answers at once: never a minimum (the saturated
    unit's weight is a flat direction no second-order proof covers), and not-critical only where the
    reference's gradient is non-zero."""
    from badminima import Point, load_trap
    from tests.reference import reference_loss

    path = tmp_path / "trap.json"
    path.write_text(text(edit(edit(DEADLOCK, ("network", "activation"), activation), W, weight)))
    trap = load_trap(path)
    truth = reference_loss(trap.network, trap.dataset, trap.point)  # mpmath, 60 digits
    for backend in ("exact", "ball", "float"):
        code, out, err = run(capsys, ["evaluate", str(path), "--json", "--backend", backend])
        assert code == 0, err
        assert abs(json.loads(out)["loss_float"] - float(truth)) <= 1e-13 * float(truth)
    code, out, err = run(capsys, ["verify", str(path), "--json", "--probes", "0"])
    assert code == 0, err
    cert = json.loads(out)
    assert cert["verdict"] in ("not-critical", "inconclusive", "saddle"), cert["verdict"]
    if cert["verdict"] == "not-critical":
        x, h = list(trap.point.flatten()), Fraction(1, 10**20)

        def at(i, d):
            y = list(x)
            y[i] += d
            return reference_loss(trap.network, trap.dataset, Point.unflatten(trap.network, y))

        assert max(abs((at(i, h) - at(i, -h)) / (2 * h)) for i in range(len(x))) > 1e-15


def _files(tmp_path: Path) -> None:
    from badminima.constructions.safran_shamir import FAMILIES
    from badminima.model.trapfile import save_trap

    save_trap(FAMILIES["safran-shamir"].build(k=6), tmp_path / "population.json")
    os.mkfifo(tmp_path / "fifo")  # a pipe: an atomic write would rename over it and destroy it
    (tmp_path / "notes.txt").write_text("my notes\n")
    (tmp_path / "afile").write_text("not a directory\n")
    (tmp_path / "bad.bin").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "folder").mkdir()
    with (tmp_path / "huge.json").open("wb") as fh:  # sparse: no disk used
        fh.truncate(MAX_FILE_BYTES + 1)


# (argv with {tmp} for the directory, fragment); one line, exit 2, nothing changed under {tmp}.
COMMANDS: list[tuple[list[str], str]] = [
    (["evaluate", "{tmp}/missing.json"], "cannot read the file"),
    (["evaluate", "{tmp}/folder"], "cannot read the file"),
    (["evaluate", "{tmp}/bad.bin"], "cannot read the file"),
    (["verify", "{tmp}/huge.json"], f"at most {MAX_FILE_BYTES:,} are read"),
    (["evaluate", str(EXAMPLES / "relu-blind-spot.json"), "--precision", "8"], "at least 16"),
    (["evaluate", str(EXAMPLES / "relu-blind-spot.json"), "--backend", "quad"], "invalid choice"),
    (["evaluate", str(EXAMPLES / "jellyfish-sigmoid.json"), "--which", "better"], "needs a 'better' point"),
    (["verify", str(EXAMPLES / "relu-blind-spot.json"), "--probes", "-1"], "at least 0"),
    (["show", "relu-blind-spot", "--param", "scale=1e400"], "expected a magnitude at most 1e100"),
    (["show", "relu-blind-spot", "--param", "scale=1e90"], "numbers too large"),
    (["show", "relu-blind-spot", "--param", "scale=1e-90"], "numbers too large"),
    (["show", "saturated-relu", "--param", "depth=100000"], "expected at most 1000"),
    (["show", "relu-blind-spot", "--param", "scale=abc"], 'got "abc"'),
    (["show", "relu-blind-spot", "--param", "scale"], "expected key=value"),
    (["show", "relu-blind-spot", "--param", "size=2"], "no parameter 'size'"),
    (["show", "no-such-thing"], "no-such-thing"),
    (["export", "relu-blind-spot", "-o", "{tmp}/notes.txt"], "not a trap file; not replaced (--force"),
    (["export", "relu-blind-spot", "-o", "{tmp}/folder"], "is a directory"),
    (["export", "relu-blind-spot", "-o", "{tmp}/nowhere/t.json"], "no directory"),
    (["export", "relu-blind-spot", "-o", "{tmp}/afile/t.json"], "no directory"),
    (["export", "relu-blind-spot", "--param", "scale=1e400", "-o", "{tmp}/t.json"], "1e100"),
    (["catalogue", "list", "--catalogue", "{tmp}/notes.txt"], "not a badminima catalogue"),
    (
        ["catalogue", "show", "99999999999999999999999", "--catalogue", "{tmp}/none.sqlite"],
        "no such catalogue",
    ),
    (["catalogue", "list", "--catalogue", "{tmp}/folder"], "is a directory"),
    (["catalogue", "export", "--out", "{tmp}/x", "--catalogue", "{tmp}/none.sqlite"], "no such catalogue"),
    (["figures", "--out", "{tmp}/afile/x", "--small"], "{tmp}/afile is a file"),
    (["figures", "--out", "{tmp}/notes.txt", "--small"], "is a file"),
    (["figures", "--only", "no-such-figure", "--out", "{tmp}/f"], "no figure named"),
    (["claims", "check", "no-bad-local-minima", "--profile", "ci", "--out", "{tmp}/afile/x"], "is a file"),
    (["claims", "check", "no-bad-local-minima", "--profile", "ci", "--out", "{tmp}/notes.txt"], "is a file"),
    (["claims", "check", "no-such-claim", "--out", "{tmp}/c"], "no-such-claim"),
    (["claims", "check", "--examples", "0"], "at least 1"),
    (
        [
            "search",
            "--widths",
            "2,2,1",
            "--activation",
            "sigmoid",
            "--points",
            "10",
            "--budget",
            "1",
            "--steps",
            "0",
            "--catalogue",
            "{tmp}/c.sqlite",
        ],
        "at least 1",
    ),
    (
        [
            "search",
            "--widths",
            "2,2,1",
            "--activation",
            "sigmoid",
            "--points",
            "10",
            "--budget",
            "1",
            "--explore",
            "1.5",
            "--catalogue",
            "{tmp}/c.sqlite",
        ],
        "--explore",
    ),
    (
        [
            "search",
            "--widths",
            "2,2,1",
            "--activation",
            "sigmoid",
            "--points",
            "10",
            "--budget",
            "1",
            "--minima",
            "0",
            "--catalogue",
            "{tmp}/c.sqlite",
        ],
        "--minima",
    ),
    (
        [
            "search",
            "--widths",
            "0,1",
            "--activation",
            "sigmoid",
            "--points",
            "10",
            "--budget",
            "1",
            "--catalogue",
            "{tmp}/c.sqlite",
        ],
        "--widths",
    ),
    (
        [
            "search",
            "--widths",
            "2,2,1",
            "--activation",
            "sigmoid",
            "--points",
            "10",
            "--budget",
            "soon",
            "--catalogue",
            "{tmp}/c.sqlite",
        ],
        "budget",
    ),
    (
        [
            "search",
            "--widths",
            "2,2,1",
            "--activation",
            "sigmoid",
            "--points",
            "10",
            "--budget",
            "1",
            "--catalogue",
            "{tmp}/notes.txt",
        ],
        "not a badminima catalogue",
    ),
    (
        [
            "search",
            "--widths",
            "2,2,1",
            "--activation",
            "sigmoid",
            "--points",
            "10",
            "--budget",
            "1",
            "--resume",
            "--catalogue",
            "{tmp}/none.sqlite",
        ],
        "no such catalogue",
    ),
    (["show", "relu-blind-spot", "--plot", "{tmp}/afile/p.png"], "no directory"),
    (["show", "jellyfish", "--plot", "{tmp}/p.png"], "is a dataset, not a trap"),
    (["verify", str(EXAMPLES / "relu-blind-spot.json"), "--plot", "{tmp}/folder"], "is a directory"),
    (["reproduce", "--fast"], "unrecognized arguments"),
    (["no-such-command"], "invalid choice"),
    # Found walking through the commands as a careless user (each was a traceback, a hang or a silent no-op):
    (
        ["verify", str(EXAMPLES / "relu-blind-spot.json"), "--seed", "9" * 23],
        "at most 9,223,372,036,854,775,807",
    ),
    (["verify", str(EXAMPLES / "relu-blind-spot.json"), "--probes", "99999999999"], "at most 10,000"),
    (["evaluate", str(EXAMPLES / "relu-blind-spot.json"), "--precision", "99999999999"], "at most 1,000,000"),
    (["figures", "--seed", "99999999999", "--only", "barrier", "--out", "{tmp}/f"], "at most 4,294,967,295"),
    (["evaluate", "/dev/zero"], f"more than {MAX_FILE_BYTES:,} bytes to read"),
    (["evaluate", ""], "expected a file name, got an empty one"),
    (["export", "relu-blind-spot", "-o", ""], "-o: expected a file name, got an empty one"),
    (["claims", "check", "no-bad-local-minima", "--profile", "ci", "--out", ""], "expected a directory name"),
    (["figures", "--only", "barrier", "--out", ""], "--out: expected a directory name, got an empty one"),
    (
        ["catalogue", "list", "--catalogue", ""],
        "--catalogue: expected a catalogue file name, got an empty one",
    ),
    (["claims", "check", "no-bad-local-minima", "--examples", "10000000000"], "at most 100,000"),
    (["export", "relu-blind-spot", "--force", "-o", "{tmp}/fifo"], "is not a regular file"),
    (["verify", str(EXAMPLES / "relu-blind-spot.json"), "--plot", "{tmp}/fifo"], "is not a regular file"),
    (["show", "relu-blind-spot", "--param", "scale=1", "--param", "scale=2"], "scale is given twice"),
    (["show", "safran-shamir", "--plot", "{tmp}/p.png"], "population trap; it has no finite data"),
    (["verify", "{tmp}/population.json", "--plot", "{tmp}/p.png"], "population trap; it has no finite data"),
]


@pytest.mark.parametrize(("argv", "fragment"), COMMANDS, ids=[" ".join(a[:3]) for a, _ in COMMANDS])
def test_bad_commands_get_one_line_and_exit_2_and_change_nothing(capsys, tmp_path, argv, fragment):
    _files(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = run(capsys, [a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and fragment.replace("{tmp}", str(tmp_path)) in err, err
    assert "Traceback" not in err and "internal error" not in err
    assert snapshot(tmp_path) == before


def test_export_replaces_a_trap_file_and_with_force_anything(capsys, tmp_path):
    from badminima import load_trap

    _files(tmp_path)
    target = tmp_path / "t.json"
    assert run(capsys, ["export", "relu-blind-spot", "-o", str(target)])[0] == 0
    assert run(capsys, ["export", "relu-blind-spot", "--param", "scale=2", "-o", str(target)])[0] == 0
    assert load_trap(target).point.layers[0].W[0][0] == 2  # the old trap file was replaced
    notes = tmp_path / "notes.txt"
    assert run(capsys, ["export", "relu-blind-spot", "--force", "-o", str(notes)])[0] == 0
    assert load_trap(notes).name == "relu-blind-spot"


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_written_trap_files_respect_the_umask(capsys, tmp_path, mask):
    import os

    old = os.umask(mask)
    try:
        target = tmp_path / "t.json"
        assert run(capsys, ["export", "relu-blind-spot", "-o", str(target)])[0] == 0
        plain = tmp_path / "plain.txt"
        plain.write_text("x")  # what any program writing a new file gets
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_output_locations_that_cannot_be_written_are_refused_before_any_work(tmp_path):
    from tests.readonly import run_read_only

    locked = tmp_path / "locked"
    locked.mkdir()
    for argv in (
        ["figures", "--small", "--out", str(locked / "figs")],
        ["figures", "--small", "--out", str(locked)],
        ["claims", "check", "no-bad-local-minima", "--profile", "ci", "--out", str(locked)],
        ["export", "relu-blind-spot", "-o", str(locked / "t.json")],
    ):
        code, out, err = run_read_only(locked, argv, cwd=tmp_path)
        assert (code, out) == (2, ""), err
        assert err.count("\n") == 1 and "not writable" in err, err
    assert list(locked.iterdir()) == []


# --- fuzz -----------------------------------------------------------------------------------------------

NASTY: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    "1.5",
    "-3/7",
    "1e400",
    "1e-400",
    "1/0",
    "abc",
    "",
    [],
    {},
    [[]],
    "9" * (MAX_DIGITS + 1),
    10**30,
    -(10**99),
    1e300,
    "0.1",
    [0, 1],
    {"W": [[1]]},
    "relu",
    2**70,
]


def _paths(doc: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here] if here else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*here, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _paths(value, (*here, i))
    return found


@st.composite
def mutated_traps(draw: st.DrawFn) -> str:
    """A valid example trap file with one to three random edits: a value replaced by a nasty one, a
    key or list entry deleted, or a list entry duplicated."""
    doc = copy.deepcopy(draw(st.sampled_from([BLIND, DEADLOCK])))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        where = draw(st.sampled_from(paths))
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "delete", "duplicate"]))
        if action == "replace":
            parent[where[-1]] = copy.deepcopy(draw(st.sampled_from(NASTY)))
        elif action == "delete":
            del parent[where[-1]]
        elif isinstance(parent, list):
            parent.insert(where[-1], copy.deepcopy(parent[where[-1]]))
    return json.dumps(doc)


def _check_one_line_or_result(path: Path, argv: list[str]) -> None:
    out_buf, err_buf = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out_buf), contextlib.redirect_stderr(err_buf):
        try:
            code = main([*argv, str(path)])
        except SystemExit as exc:
            code = int(exc.code or 0)
    out, err = out_buf.getvalue(), err_buf.getvalue()
    if code == 0:
        assert out.strip(), "a result on stdout"
    else:
        assert code == 2, err
        assert out == "" and err.count("\n") == 1 and err.startswith("badminima: error: "), err


# Few examples by default (each runs two commands); HYPOTHESIS_PROFILE=thorough runs hundreds.
_FUZZ_EXAMPLES = 300 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 12


@settings(max_examples=_FUZZ_EXAMPLES)
@given(content=mutated_traps())
def test_fuzzed_trap_files_get_one_line_and_exit_2_or_a_valid_result(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "trap.json"
    path.write_text(content, encoding="utf-8")
    _check_one_line_or_result(path, ["evaluate", "--backend", "float"])
    _check_one_line_or_result(path, ["verify", "--probes", "2"])


def test_population_traps_are_shown_and_evaluated_without_asking_for_a_backend(capsys, tmp_path):
    """`show` of the population family that `list` lists, and `evaluate` of its file, which used to need
    --backend ball (the default, exact, has no value for a loss with π and arccos)."""
    from badminima.constructions.safran_shamir import FAMILIES, PUBLISHED_K7_LOSS
    from badminima.model.trapfile import save_trap

    code, out, err = run(capsys, ["show", "safran-shamir"])
    assert code == 0, err
    loss = float(out.split("point: loss ½E[(f − g)²] ")[1].split("(≈ ")[1].split(")")[0])
    assert abs(loss - float(PUBLISHED_K7_LOSS)) < 1e-10  # Safran & Shamir's published k = 7 loss
    save_trap(FAMILIES["safran-shamir"].build(k=7), tmp_path / "p.json")
    code, out, err = run(capsys, ["evaluate", str(tmp_path / "p.json"), "--json"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["backend"] == "ball" and abs(doc["loss_float"] - float(PUBLISHED_K7_LOSS)) < 1e-10
