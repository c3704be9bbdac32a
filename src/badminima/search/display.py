"""What a running search shows: live progress on stderr (a rich bar on a terminal; plain lines when
stderr is not a terminal or ``CI`` is set) and the summary table, printed on stdout at the end."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TextIO

from badminima.model.population import data_summary
from badminima.search.catalogue import Catalogue
from badminima.search.pipeline import Budget, Progress, SearchReport

# The summary warns when more than this share of starts ended unconverged.
UNCONVERGED_WARNING = 0.05


def _gap(x: float | None) -> str:
    return "—" if x is None else f"{x:.4g}"


def _clock(seconds: float | None) -> str:
    if seconds is None or not seconds < 1e8:
        return "-:--:--"
    whole = max(0, round(seconds))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _status(p: Progress) -> str:
    """Candidates tried (and the run's count against a candidate budget), traps found, best gap, rate."""
    run = f" ({p.evaluated}/{p.budget.candidates} in run)" if p.budget.candidates is not None else ""
    return (
        f"tried {p.tried}{run} · traps {p.traps}"
        + (f" (+{p.uncertified} uncertified)" if p.uncertified else "")
        + f" · best gap {_gap(p.best_gap)} · {p.rate:.3g} init-steps/s"
    )


def _fraction_and_eta(budget: Budget, p: Progress | None, elapsed: float) -> tuple[float, float | None]:
    """How much of the budget is spent, and the seconds left (None until there is a pace to go by)."""
    fraction, eta = 0.0, None
    if budget.seconds is not None:
        fraction, eta = elapsed / budget.seconds, max(0.0, budget.seconds - elapsed)
    if budget.candidates is not None and p is not None:
        fraction = max(fraction, p.evaluated / budget.candidates)
        if p.tried and p.seconds > 0:
            left = max(0, budget.candidates - p.evaluated) * p.seconds / p.tried
            eta = left if eta is None else min(eta, left)
    return min(1.0, fraction), eta


class _PlainLines:
    """Plain progress lines: one when a result arrives and ``every`` seconds have passed, and, from a
    background thread, one every ``every`` seconds even while no result arrives (a pool's first batch
    can take half a minute), so that a log never falls silent for longer than ``every``; and a last
    one at the end when candidates were recorded since the last line, so that the log's final count
    is the summary's."""

    def __init__(self, budget: Budget, stream: TextIO, started: float, every: float) -> None:
        self.budget, self.stream, self.started, self.every = budget, stream, started, every
        self.latest: Progress | None = None
        self.last = started
        self.shown = 0  # candidates tried as of the last line printed
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._tick, daemon=True) if every >= 1 else None

    def _print(self, now: float) -> None:
        p = self.latest
        if p is not None and p.tried:
            _, eta = _fraction_and_eta(self.budget, p, now - self.started)
            text = f"ETA {_clock(eta)}: {_status(p)}"
            self.shown = p.tried
        else:
            text = "starting: the first candidates take a few seconds (a pool's workers start first)"
        print(f"search: {_clock(now - self.started)} elapsed, {text}", file=self.stream, flush=True)
        self.last = now

    def update(self, p: Progress) -> None:
        with self.lock:
            self.latest = p
            now = time.monotonic()
            if p.tried and now - self.last >= self.every:
                self._print(now)

    def _tick(self) -> None:
        while not self.stop.wait(1.0):
            with self.lock:
                now = time.monotonic()
                if now - self.last >= self.every:
                    self._print(now)

    def __enter__(self) -> _PlainLines:
        if self.thread is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        with self.lock:
            if self.latest is not None and self.latest.tried != self.shown:
                self._print(time.monotonic())


def _plain(
    budget: Budget, stream: TextIO, started: float, every: float
) -> tuple[AbstractContextManager[Any], Callable[[Progress], None]]:
    lines = _PlainLines(budget, stream, started, every)
    return lines, lines.update


def live_progress(
    budget: Budget, *, stream: TextIO | None = None, every: float = 10.0
) -> tuple[AbstractContextManager[Any], Callable[[Progress], None]]:
    """A context (the live display) and the callback `run_search` calls with its `Progress`.

    On a terminal: a bar over the budget (time or candidates) with elapsed time and ETA, and below it
    candidates tried, traps found, best gap and init-steps/s, redrawn four times a second. When
    ``stream`` is not a terminal or ``CI`` is set: a plain line every ``every`` seconds instead.
    """
    stream = stream or sys.stderr
    started = time.monotonic()
    if not stream.isatty() or os.environ.get("CI"):
        return _plain(budget, stream, started, every)

    from rich.console import Console, Group
    from rich.live import Live
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    latest: list[Progress | None] = [None]

    def render() -> Group:
        elapsed = time.monotonic() - started
        p = latest[0]
        fraction, eta = _fraction_and_eta(budget, p, elapsed)
        head = Table.grid(padding=(0, 1))
        head.add_row(
            "search",
            ProgressBar(total=1.0, completed=fraction, width=30),
            f"{fraction:>4.0%}",
            f"{_clock(elapsed)} elapsed",
            f"ETA {_clock(eta)}",
        )
        status = (
            _status(p) if p is not None and p.tried else "starting: the first candidates take a few seconds"
        )
        return Group(head, Text(status))  # wraps on a narrow terminal rather than losing the rate

    def update(p: Progress) -> None:
        latest[0] = p

    # stdout stays the summary's alone (--json output must parse): nothing is redirected into the bar.
    live = Live(
        get_renderable=render,
        console=Console(file=stream),
        refresh_per_second=4,
        redirect_stdout=False,
    )
    return live, update


def ends_of(report: SearchReport) -> dict[str, int]:
    """How this session's starts ended: the four counts ``critical``, ``escaped``, ``diverged``,
    ``unconverged`` (the ``ends`` object of ``badminima search --json``)."""
    return {k: int(report.ends.get(k, 0)) for k in ("critical", "escaped", "diverged", "unconverged")}


def summary(report: SearchReport, catalogue: Catalogue) -> list[str]:
    """The closing table: what this session did, then each trap it certified."""
    lines = [
        f"run {report.run_id}{' (resumed)' if report.resumed else ''} in {catalogue.path}",
        f"candidates: {report.tried} this session"
        + (f", {report.evaluated_before + report.tried} in the run" if report.resumed else "")
        + f"; {report.init_steps / max(report.seconds, 1e-9):.3g} init-steps/s over {report.seconds:.1f} s",
        f"certified traps: {len(report.new_traps)} new; "
        f"uncertified candidates kept apart: {report.uncertified}",
        f"best certified loss gap in the run: {_gap(report.best_gap)}",
    ]
    ends = ends_of(report)
    total = sum(ends.values())
    if total:
        share = {k: v / total for k, v in ends.items()}
        lines.append(
            f"starts: {total}; at a finite critical point {share['critical']:.1%}, escaping to "
            f"infinity {share['escaped']:.1%}, diverged {share['diverged']:.1%}, "
            f"unconverged {share['unconverged']:.1%}"
        )
        if share["diverged"] > 0.5:
            lines.append("most starts diverged: lower --lr (or --init-scale)")
        if share["unconverged"] > UNCONVERGED_WARNING:
            lines.append(
                f"warning: {share['unconverged']:.1%} of starts did not converge (more than "
                f"{UNCONVERGED_WARNING:.0%}): basin shares count only the others; raise --steps"
            )
    if report.interrupted:
        lines.append("interrupted: everything recorded is kept; add --resume to continue this run")
    if report.new_traps:
        lines.append("")
        lines.append(
            f"{'id':>4}  {'points':>6}  {'loss gap':>10}  {'acc. gap':>8}  {'basin share [95%]':>20}  found"
        )
        for entry_id in report.new_traps:
            e = catalogue.entry(entry_id)
            name = e.trap.name or ""
            kind = next((k for k in ("shrunk", "designed") if name.endswith(f"-{k}")), None)
            basin = (
                f"{e.basin_share:.3g} [{e.basin_interval[0]:.2g}, {e.basin_interval[1]:.2g}]"
                if e.basin_share is not None and e.basin_interval is not None
                else "— (data changed)"
            )
            lines.append(
                f"{e.id:>4}  {data_summary(e.trap).removesuffix(' points'):>6}  {_gap(e.loss_gap):>10}  "
                f"{_gap(e.accuracy_gap):>8}  {basin:>20}  candidate {e.candidate}"
                + (f" ({kind})" if kind else "")
            )
        lines.append("")
        lines.append(
            "badminima catalogue show ID (details), badminima catalogue export --out DIR (trap files)"
        )
    return lines
