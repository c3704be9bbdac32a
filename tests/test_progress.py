"""Progress lines: redrawn with rate and ETA on a terminal, a plain line every PLAIN_INTERVAL seconds
otherwise, nothing for quick work; the size warning before large work."""

from __future__ import annotations

import io
import re
import threading

import pytest

from badminima import progress
from badminima.progress import Heartbeat, Progress, size_warning


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(progress.time, "perf_counter", c)
    monkeypatch.delenv("CI", raising=False)
    return c


def test_plain_lines_every_interval_with_rate_and_time_left(clock):
    stream = io.StringIO()
    p = Progress("check", unit="examples", stream=stream)
    clock.now += 5
    p(5, 20)  # before the first interval: silent
    assert stream.getvalue() == ""
    clock.now += 5
    p(10, 20)  # 10 done in 10 s: 1/s, 10 left -> 10 s
    assert stream.getvalue() == "check: 10/20 examples, 1/s, 10 s elapsed, 10 s left\n"
    clock.now += 1
    p(11, 20)
    assert stream.getvalue().count("\n") == 1  # next line only after another interval


def test_terminal_redraws_one_line_with_a_bar_and_eta_and_clears_it(clock):
    stream = Terminal()
    p = Progress("check", unit="examples", stream=stream)
    clock.now += 4
    p(8, 16)  # 2/s, 8 left -> ETA 4 s
    assert stream.getvalue().startswith("\rcheck [##########..........] 8/16 examples · 2/s · ETA 4 s")
    p.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_ci_means_plain_lines_even_on_a_terminal(clock, monkeypatch):
    monkeypatch.setenv("CI", "1")
    stream = Terminal()
    p = Progress("check", stream=stream)
    clock.now += 1
    p(1, 10)
    assert "\r" not in stream.getvalue()


def test_heartbeat_prints_elapsed_time_while_a_call_runs(monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_INTERVAL", 0.01)
    stream = io.StringIO()
    done = threading.Event()
    with Heartbeat("verify x.json", estimate=3600, stream=stream):
        done.wait(0.2)
    lines = stream.getvalue().splitlines()
    assert lines and all(line.startswith("verify x.json: ") for line in lines)
    assert "left (estimate)" in lines[0]


def test_a_quick_call_prints_nothing():
    stream = io.StringIO()
    with Heartbeat("evaluate", stream=stream):
        pass
    assert stream.getvalue() == ""


def test_size_warning_only_for_large_work():
    assert size_warning(10, 9, "verify") is None
    line = size_warning(202_000, 4, "verify")
    assert line is not None and "202,000 data points × 4 parameters: verify may take minutes" in line


def test_search_plain_progress_speaks_even_while_no_result_arrives(monkeypatch):
    """A pool's first batch can take half a minute: the log still gets a line every interval."""
    from badminima.search.display import live_progress
    from badminima.search.pipeline import Budget

    monkeypatch.delenv("CI", raising=False)
    stream = io.StringIO()
    display, _ = live_progress(Budget(candidates=16), stream=stream, every=1)
    seen = threading.Event()
    with display:
        for _ in range(50):  # poll: the line comes from the display's own thread
            if stream.getvalue():
                seen.set()
                break
            seen.wait(0.1)
    assert seen.is_set()
    assert re.match(r"search: 0:00:0\d elapsed, starting: the first candidates", stream.getvalue())
