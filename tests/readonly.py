"""Run the command line with a directory made read-only, also when the tests run as root (who ignores
file modes): then the directory is bind-mounted read-only in a private mount namespace (``unshare``),
and the test is skipped where that is not allowed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_read_only(directory: Path, argv: list[str], *, cwd: Path) -> tuple[int, str, str]:
    """``badminima ARGV`` (a subprocess, in ``cwd``) while ``directory`` cannot be written; returns
    (exit status, stdout, stderr)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "COLUMNS": "200"}
    command = [sys.executable, "-m", "badminima.cli", *argv]
    if os.geteuid() != 0:
        mode = directory.stat().st_mode
        directory.chmod(0o555)
        try:
            done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        finally:
            directory.chmod(mode)
        return done.returncode, done.stdout, done.stderr
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a directory read-only")
    quoted = " ".join(_quote(a) for a in command)
    script = (
        f"mount --bind {_quote(str(directory))} {_quote(str(directory))} && "
        f"mount -o remount,ro,bind {_quote(str(directory))} && exec {quoted}"
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0 and "mount" in done.stderr and "badminima" not in done.stderr:
        pytest.skip(f"cannot bind-mount read-only here: {done.stderr.strip()}")
    return done.returncode, done.stdout, done.stderr


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
