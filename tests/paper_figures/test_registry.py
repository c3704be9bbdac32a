"""The registry and the two entry points (``badminima figures``, ``python -m paper_figures``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from badminima.cli import main
from paper_figures import FigureError, figure, figures
from paper_figures.registry import MODULES, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_registry_lists_existing_modules_in_order() -> None:
    names = [f.name for f in figures()]
    assert names[:2] == ["constructions", "barrier"]
    assert "sgd-step" in names
    order = [f.module for f in figures()]
    assert order == [m for m in MODULES if m in order]


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(FigureError, match=r"no figure named 'nope'; expected one of: constructions, barrier"):
        figure("nope")


def test_cli_unknown_name_is_one_line_exit_2(tmp_path, capsys) -> None:
    assert main(["figures", "--out", str(tmp_path), "--only", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected one of: constructions" in err[0]
    assert not any(tmp_path.iterdir())


def test_cli_bad_seed_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["figures", "--seed", "-1"])
    assert exc.value.code == 2
    assert "expected a seed" in capsys.readouterr().err


def test_cli_draws_one_figure(tmp_path, capsys) -> None:
    assert main(["figures", "--out", str(tmp_path / "f"), "--only", "constructions", "--small"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("wrote ") and out[0].endswith(" s)")
    assert (tmp_path / "f" / "constructions.png").read_bytes()[:8] == PNG_MAGIC
    assert (tmp_path / "f" / "constructions.csv").exists()


def test_run_returns_the_paths(tmp_path) -> None:
    import io

    stream = io.StringIO()
    paths = run(tmp_path, only=["constructions"], small=True, stream=stream)
    assert all(p.exists() for p in paths)
    assert stream.getvalue().count("wrote") == 1


def test_python_dash_m_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paper_figures", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "--only" in done.stdout and "--small" in done.stdout
