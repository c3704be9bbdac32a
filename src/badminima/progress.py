"""Progress on stderr for long commands: a redrawn line with rate and ETA on a terminal, and a plain line
every 10 s when stderr is not a terminal (a log, CI) or ``CI`` is set; nothing at all for work that ends
in the first second (terminal) or the first 10 s (otherwise).

`Progress` is for work that counts its steps (examples of a claim, figures); `Heartbeat` is for one long
call (an evaluation, a certificate): it shows the time elapsed, and, since it is also a `ProgressHook`
that the computation calls as it goes, the stage running now with its rate and ETA. `size_warning` says
before the work starts when a trap's data are large enough for minutes.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol, TextIO

PLAIN_INTERVAL = 10.0
"""Seconds between plain progress lines when stderr is not a terminal."""
_LIVE_DELAY = 1.0


def is_live(stream: TextIO) -> bool:
    """True when progress may redraw one line: ``stream`` is a terminal and ``CI`` is not set."""
    try:
        return stream.isatty() and not os.environ.get("CI")
    except (AttributeError, ValueError):
        return False


def duration(seconds: float) -> str:
    """``42 s``, ``3.5 min``, ``1.2 h``, ``3.4 days``, ``more than a year`` (an ETA of 364348114.9 h,
    from ``claims check --examples 99999999999``, says nothing a reader can use)."""
    if seconds < 100:
        return f"{seconds:.0f} s"
    if seconds < 6000:
        return f"{seconds / 60:.1f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds < 365 * 86400:
        return f"{seconds / 86400:.1f} days"
    return "more than a year"


class Progress:
    """``label [#####.....] 12/40 examples · 2.1/s · ETA 13 s`` on a terminal; ``label: 12/40 examples,
    2.1/s, 13 s left`` every 10 s otherwise. Call it with (done, total); `close` when finished.

    Example:
        >>> import io
        >>> p = Progress("check", unit="examples", stream=io.StringIO())
        >>> p(3, 10); p.close()
    """

    def __init__(self, label: str, *, unit: str = "", stream: TextIO | None = None) -> None:
        self.label, self.unit = label, unit
        self.stream = sys.stderr if stream is None else stream
        self.live = is_live(self.stream)
        self.start = time.perf_counter()
        self.last = self.start
        self.drawn = False

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.perf_counter()
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if total and rate > 0 and done < total else None
        count = f"{done}/{total}" if total else f"{done}"
        unit = f" {self.unit}" if self.unit else ""
        if self.live:
            if elapsed < _LIVE_DELAY and not self.drawn:
                return
            filled = int(20 * min(1.0, done / total)) if total else 0
            bar = f" [{'#' * filled}{'.' * (20 - filled)}]" if total else ""
            eta = duration(left) if left is not None else "-"
            self.stream.write(f"\r{self.label}{bar} {count}{unit} · {rate:.2g}/s · ETA {eta}  \033[K")
            self.stream.flush()
            self.drawn = True
        elif now - self.last >= PLAIN_INTERVAL:
            eta = f", {duration(left)} left" if left is not None else ""
            print(
                f"{self.label}: {count}{unit}, {rate:.2g}/s, {duration(elapsed)} elapsed{eta}",
                file=self.stream,
                flush=True,
            )
            self.last = now

    def close(self) -> None:
        if self.live and self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


class ProgressHook(Protocol):
    """What a long computation calls as it goes (the keyword-only ``progress=`` of `evaluate`, `certify`,
    the box proofs, the figures): ``stage`` names the loop running now, ``done`` of its ``total`` steps
    are finished (``total`` None: the count is not known), ``note`` says what the current step is
    (``at 256 bits``) without starting a new stage. Called with ``done = 0`` when a stage starts. A hook
    only watches: the computation's result never depends on it."""

    def __call__(self, stage: str, done: int = 0, total: int | None = None, *, note: str = "") -> None: ...


def report(
    progress: ProgressHook | None, stage: str, done: int = 0, total: int | None = None, *, note: str = ""
) -> None:
    """Call ``progress`` when there is one (the computations' ``progress=None`` default)."""
    if progress is not None:
        progress(stage, done, total, note=note)


def noter(
    progress: ProgressHook | None, stage: str, done: int = 0, total: int | None = None
) -> Callable[[str], None] | None:
    """A one-argument callback that reports ``note`` within this stage and step (None without a hook),
    for a helper that only says what it is doing now."""
    if progress is None:
        return None
    hook = progress

    def note(text: str) -> None:
        hook(stage, done, total, note=text)

    return note


class Heartbeat:
    """A context manager that, while one long call runs, shows ``label: 40 s elapsed, about 2.1 min
    left`` (the estimate, when one is given); a background thread, silent for quick calls. Passed as the
    call's ``progress=`` hook it also shows the stage, its steps, rate and ETA: ``verify x.json: Hessian
    columns 2/4, 0.1/s, about 20 s left in this stage; 45 s elapsed``.

    Example:
        >>> import io
        >>> with Heartbeat("verify", stream=io.StringIO()) as hook:
        ...     hook("Hessian columns", 1, 4)
    """

    def __init__(self, label: str, *, estimate: float | None = None, stream: TextIO | None = None) -> None:
        self.label, self.estimate = label, estimate
        self.stream = sys.stderr if stream is None else stream
        self.live = is_live(self.stream)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.start = 0.0
        self.drawn = False
        # (stage, done, total, note, when the stage started, when ``done`` was last reported): one tuple,
        # replaced whole, so the drawing thread never sees half an update.
        self._stage: tuple[str, int, int | None, str, float, float] | None = None

    def __call__(self, stage: str, done: int = 0, total: int | None = None, *, note: str = "") -> None:
        now = time.perf_counter()
        old = self._stage
        if old is None or old[0] != stage or done < old[1]:
            self._stage = (stage, done, total, note, now, now)
        else:
            self._stage = (stage, done, total, note, old[4], now if done != old[1] else old[5])

    def _stage_text(self, now: float) -> str:
        if self._stage is None:
            return ""
        stage, done, total, note, started, at = self._stage
        count = f" {done}/{total}" if total is not None else (f" {done}" if done else "")
        text = stage + count + (f" {note}" if note else "")
        if total is None:
            return text + f", {duration(now - started)} in this stage"
        if done <= 0 or at <= started:
            return text + f", {duration(now - started)} in this stage"
        rate = done / (at - started)
        left = max(0.0, (total - done) / rate - (now - at))
        eta = f"about {duration(left)} left in this stage" if done < total else "finishing"
        return text + f", {rate:.2g}/s, {eta}"

    def _line(self) -> str:
        now = time.perf_counter()
        elapsed = now - self.start
        stage = self._stage_text(now)
        text = (
            f"{self.label}: {stage}; {duration(elapsed)} elapsed"
            if stage
            else f"{self.label}: {duration(elapsed)} elapsed"
        )
        if self.estimate is not None:
            left = self.estimate - elapsed
            text += f", about {duration(left)} left (estimate)" if left > 0 else ", longer than estimated"
        return text

    def _run(self) -> None:
        wait = _LIVE_DELAY if self.live else PLAIN_INTERVAL
        while not self._stop.wait(wait):
            if self.live:
                self.stream.write(f"\r{self._line()}  \033[K")
                self.drawn = True
            else:
                print(self._line(), file=self.stream)
            self.stream.flush()

    def __enter__(self) -> Heartbeat:
        self.start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.live and self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


LARGE_WORK = 20_000
"""Data points × parameters from which `size_warning` speaks: on a 2-core machine 20,000 points of a
1-1-1 ReLU net (4 parameters) took 32 s to evaluate exactly and over 5 minutes to verify, and 5,000
points of a 2-2-1 sigmoid net (9 parameters) over 5 minutes to evaluate exactly (sympy)."""


def size_warning(n_points: int, n_params: int, command: str) -> str | None:
    """One line warning that ``command`` on this many points and parameters may take minutes, or None."""
    if n_points * n_params < LARGE_WORK:
        return None
    return (
        f"badminima: warning: {n_points:,} data points × {n_params:,} parameters: {command} may take "
        f"minutes (progress every {PLAIN_INTERVAL:.0f} s; Ctrl-C stops it)"
    )
