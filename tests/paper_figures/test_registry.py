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


def test_a_figure_reports_its_inner_loop_with_rate_and_eta(tmp_path, monkeypatch, capsys) -> None:
    """`run` hands each figure a progress hook; the heartbeat prints the figure's loop with its count."""
    import threading

    from badminima import progress
    from paper_figures import registry

    def make(out, *, small=False, seed=0, progress=None):
        pause = threading.Event()
        for step in range(3):
            progress("fake steps", step, 3, note="at once")
            pause.wait(0.05)
        return []

    monkeypatch.setattr(registry, "figures", lambda: (registry.Figure("fake", "a fake", make, "fake"),))
    monkeypatch.setattr(progress, "PLAIN_INTERVAL", 0.01)
    monkeypatch.setenv("CI", "1")
    run(tmp_path, small=True)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[1/1] fake: ")]
    assert any(" fake steps 2/3 at once, " in line and "/s, about " in line for line in lines), lines


@pytest.mark.slow  # among the slowest of the default run, which must stay under 3 minutes
def test_sgd_steps_are_reported_and_the_run_is_the_same_without_a_hook() -> None:
    import numpy as np

    from paper_figures import sgd_step

    setting = sgd_step.Setting(step_sizes=(0.01, 0.1), seeds=2, steps=250, burn_in=50, stride=10)
    network, data = sgd_step.problem()
    theta0 = sgd_step.minimum(network, data)
    calls = []
    watched = sgd_step.simulate(
        network, data, theta0, setting, seed=1, progress=lambda *a, **k: calls.append(a)
    )
    assert np.array_equal(watched, sgd_step.simulate(network, data, theta0, setting, seed=1))
    assert calls == [("SGD steps", 0, 250), ("SGD steps", 100, 250), ("SGD steps", 200, 250)]
