"""Run every console sample in README.md and compare it with what the commands print today (modulo
times), or write what they print into the README.

A console sample is a fenced block whose first line starts with ``$ ``; each ``$ badminima ...`` line is
run (from the repository root) and the lines after it, up to the next ``$`` line, are its expected
output: stdout, or stderr when stdout is empty (error samples). In expected output, a line ``...`` or
``…`` stands for any number of lines, and ``…`` inside a line for any text there (a line ending in ``…``
is any line starting with the rest): numbers that float64 rounding makes differ between machines (an
eigenvalue of an exactly singular Hessian, a bound around a float-computed centre) are shown as ``…``.
Times (``0.05 s``, ``2.5 min``, the last column of ``reproduce``) are compared as ``<time>``.
A comment line ``<!-- readme-sample: skip REASON -->`` right before a block skips it (machine-dependent
output); ``<!-- readme-sample: slow -->`` marks a block the default test run leaves to ``pytest -m slow``.

    python tools/readme_samples.py            # check every sample; print differences; exit 1 if any
    python tools/readme_samples.py --write    # rewrite the samples with today's output (and times)
    python tools/readme_samples.py --fast     # leave out the slow ones
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_MARK = re.compile(r"<!--\s*readme-sample:\s*(skip|slow)\b(.*?)-->")
_TIME = re.compile(r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)? ?(?:s|min|h)\b")
_TRAILING_SECONDS = re.compile(r"(\s)\d+\.\d\d$")
_WILDCARDS = ("...", "…")


@dataclass(frozen=True)
class Command:
    """One ``$ command`` of a sample and the lines the README shows after it."""

    text: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Sample:
    """A console block: where it is in the README (line numbers of its body), its marker, its commands."""

    start: int
    end: int
    mark: str | None
    commands: tuple[Command, ...]


def samples(text: str) -> list[Sample]:
    """Every console sample in the README text, in order."""
    lines = text.split("\n")
    found = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("```") and i + 1 < len(lines) and lines[i + 1].startswith("$ "):
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            mark = None
            if i > 0 and (m := _MARK.search(lines[i - 1])):
                mark = m.group(1)
            commands: list[Command] = []
            for line in lines[i + 1 : j]:
                if line.startswith("$ "):
                    commands.append(Command(line[2:], ()))
                else:
                    last = commands[-1]
                    commands[-1] = Command(last.text, (*last.expected, line))
            trimmed = tuple(Command(c.text, _strip_blank(c.expected)) for c in commands)
            found.append(Sample(i + 1, j, mark, trimmed))
            i = j
        i += 1
    return found


def _strip_blank(lines: tuple[str, ...]) -> tuple[str, ...]:
    out = list(lines)
    while out and not out[-1].strip():
        out.pop()
    return tuple(out)


def normalise(line: str) -> str:
    """A line with its times replaced by ``<time>``."""
    return _TRAILING_SECONDS.sub(r"\1<time>", _TIME.sub("<time>", line.rstrip()))


def run(command: str) -> tuple[str, float]:
    """What ``command`` prints (stdout, or stderr if stdout is empty) and how long it took."""
    argv = shlex.split(command)
    if argv[0] == "badminima":
        argv = [sys.executable, "-m", "badminima.cli", *argv[1:]]
    elif argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "COLUMNS": "120"}
    env.pop("CI", None)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    shown = done.stdout if done.stdout.strip() else done.stderr
    return shown.rstrip("\n"), seconds


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Whether the actual lines fit the expected ones (wildcards and times as the module says)."""
    exp = [normalise(e) for e in expected]
    act = [normalise(a) for a in actual]

    def fit(i: int, j: int) -> bool:
        if i == len(exp):
            return j == len(act)
        if exp[i].strip() in _WILDCARDS:
            return any(fit(i + 1, k) for k in range(j, len(act) + 1))
        if j == len(act):
            return False
        line = exp[i]
        if line.endswith("...") and act[j].startswith(line.rstrip(".").rstrip()):
            return fit(i + 1, j + 1)
        if "…" in line:
            glob = ".*".join(re.escape(part) for part in line.split("…"))
            return re.fullmatch(glob, act[j].rstrip(), re.S) is not None and fit(i + 1, j + 1)
        return line == act[j] and fit(i + 1, j + 1)

    return fit(0, 0)


def rewritten(expected: tuple[str, ...], actual: list[str]) -> list[str]:
    """The sample's new body: today's lines, cut where the README's sample ended in ``...``; the
    README's own lines (and their ``…``) where they still match."""
    if matches(expected, actual):
        return list(expected)
    if (
        expected
        and expected[-1].strip() in _WILDCARDS
        and all(e.strip() not in _WILDCARDS for e in expected[:-1])
    ):
        return [*actual[: len(expected) - 1], expected[-1]]
    if len(expected) == len(actual):  # line by line: a changed line does not cost the others their ``…``
        return [e if matches((e,), [a]) else a for e, a in zip(expected, actual, strict=True)]
    return actual


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite README.md with today's output")
    parser.add_argument("--fast", action="store_true", help="leave out samples marked slow")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    lines = text.split("\n")
    failures = 0
    for sample in reversed(samples(text)):  # from the end, so earlier line numbers stay valid
        if sample.mark == "skip" or (args.fast and sample.mark == "slow"):
            continue
        body: list[str] = []
        for command in sample.commands:
            output, seconds = run(command.text)
            actual = output.split("\n") if output else []
            ok = matches(command.expected, actual)
            print(f"{'ok  ' if ok else 'DIFF'} {seconds:7.1f} s  $ {command.text}", flush=True)
            if not ok:
                failures += 1
                if not args.write:
                    print("\n".join(f"    - {e}" for e in command.expected))
                    print("\n".join(f"    + {a}" for a in actual))
            body += [
                f"$ {command.text}",
                *rewritten(command.expected, actual),
            ]
            if command is not sample.commands[-1]:
                body.append("")
        if args.write:
            lines[sample.start : sample.end] = body
    if args.write:
        README.write_text("\n".join(lines), encoding="utf-8")
        print(f"rewrote the samples in {README} ({failures} had changed beyond their times)")
        return 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
