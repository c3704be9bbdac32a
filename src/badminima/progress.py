"""Progress on stderr for long commands: a redrawn line with rate and ETA on a terminal, and a plain line
every 10 s when stderr is not a terminal (a log, CI) or ``CI`` is set; nothing at all for work that ends
in the first second (terminal) or the first 10 s (otherwise).

`Progress` is for work that counts its steps (examples of a claim, figures); `Heartbeat` is for one long
call that cannot report (an evaluation, a certificate): it shows the time elapsed, and the time left
when given an estimate. `size_warning` says before the work starts when a trap's data are large enough
for minutes.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

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
    """``42 s``, ``3.5 min``, ``1.2 h``."""
    if seconds < 100:
        return f"{seconds:.0f} s"
    if seconds < 6000:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


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


class Heartbeat:
    """A context manager that, while one long call runs, shows ``label: 40 s elapsed, about 2.1 min
    left`` (the estimate, when one is given); a background thread, silent for quick calls.

    Example:
        >>> import io
        >>> with Heartbeat("verify", stream=io.StringIO()):
        ...     pass
    """

    def __init__(self, label: str, *, estimate: float | None = None, stream: TextIO | None = None) -> None:
        self.label, self.estimate = label, estimate
        self.stream = sys.stderr if stream is None else stream
        self.live = is_live(self.stream)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.start = 0.0
        self.drawn = False

    def _line(self) -> str:
        elapsed = time.perf_counter() - self.start
        text = f"{self.label}: {duration(elapsed)} elapsed"
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
