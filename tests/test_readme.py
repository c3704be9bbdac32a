"""The README cannot go stale: every console sample is run and compared with what the command prints
today (modulo times; `tools/readme_samples.py` says how, and `--write` regenerates them), and every
Python snippet is executed. Samples marked ``<!-- readme-sample: slow -->`` run under ``-m slow``."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys

import pytest

from badminima.cli import main
from tools.readme_samples import README, ROOT, matches, rewritten, run, samples

TEXT = README.read_text(encoding="utf-8")


def _cases() -> list[object]:
    out = []
    for sample in samples(TEXT):
        if sample.mark == "skip":
            continue
        marks = [pytest.mark.slow] if sample.mark == "slow" else []
        for command in sample.commands:
            out.append(pytest.param(command, marks=marks, id=f"line {sample.start}: {command.text[:50]}"))
    return out


@pytest.mark.parametrize("command", _cases())
def test_console_sample_is_what_the_command_prints(command, monkeypatch):
    argv = shlex.split(command.text)
    if argv[0] == "badminima":  # in this process: no interpreter start-up per sample
        monkeypatch.chdir(ROOT)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(argv[1:])
        shown = out.getvalue() if out.getvalue().strip() else err.getvalue()
        shown = "\n".join(line for line in shown.rstrip("\n").split("\n") if not _progress(line))
    else:
        shown, _ = run(command.text)
    actual = shown.split("\n") if shown else []
    assert matches(command.expected, actual), "\n".join(["README:", *command.expected, "today:", *actual])


def _progress(line: str) -> bool:
    return bool(re.match(r"^\[\d+/\d+\] .*elapsed", line))


_PYTHON = re.compile(r"(<!--\s*readme-sample:\s*(\w+)[^>]*-->\n)?```python\n(.*?)```", re.S)


def _snippets() -> list[object]:
    out = []
    for match in _PYTHON.finditer(TEXT):
        line = TEXT[: match.start(3)].count("\n") + 1
        marks = [pytest.mark.slow] if match.group(2) == "slow" else []
        out.append(pytest.param(match.group(3), marks=marks, id=f"line {line}"))
    return out


@pytest.mark.parametrize("code", _snippets())
@pytest.mark.slow  # measured among the slowest of the default run (see README, Development)
def test_python_snippet_runs(code):
    """In a fresh interpreter, as a reader would run it (imports earlier tests made cannot help it)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("expected", "actual", "fits"),
    [
        (("a: …, 0.4",), ["a: 2.4e-15, 0.4"], True),  # … inside a line: any text there
        (("a: …, 0.4",), ["a: 2.4e-15, 0.5"], False),  # the rest is still compared
        (("gradient norm …",), ["gradient norm 0.02; Hessian 1, 2"], True),  # a line ending in …
        (("x", "…", "z"), ["x", "y1", "y2", "z"], True),  # a line … : any number of lines
        (("x", "z"), ["x", "y", "z"], False),
        (("loss 1.5 (time: 2.0 s)",), ["loss 1.5 (time: 0.3 s)"], True),  # times
        (("loss 1.5",), ["loss 1.6"], False),
    ],
)
def test_expected_lines_fit_only_what_their_wildcards_allow(expected, actual, fits):
    assert matches(expected, actual) is fits


def test_a_rewritten_sample_keeps_its_ellipses_where_they_still_match():
    """`--write` on a sample whose one line changed keeps the README's ``…`` on the others (it once
    replaced an elided float diagnostic by today's digits)."""
    expected = ("why: old", "  gradient norm …", "loss 0.5")
    actual = ["why: new", "  gradient norm 6.9e-12; Hessian eigenvalues -0.03, 2", "loss 0.5"]
    assert rewritten(expected, actual) == ["why: new", "  gradient norm …", "loss 0.5"]
    assert rewritten(expected, [*actual, "extra"]) == [*actual, "extra"]
