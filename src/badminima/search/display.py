"""What a running search shows: a live progress line on stderr (rich; off when stderr is not a
terminal or ``CI`` is set) and the summary table printed at the end."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TextIO

from badminima.search.catalogue import Catalogue
from badminima.search.pipeline import Budget, Progress, SearchReport


def _gap(x: float | None) -> str:
    return "—" if x is None else f"{x:.4g}"


def _status(p: Progress) -> str:
    return (
        f"tried {p.tried} · traps {p.traps}"
        + (f" (+{p.uncertified} uncertified)" if p.uncertified else "")
        + f" · best gap {_gap(p.best_gap)} · {p.rate:.3g} init-steps/s"
    )


def live_progress(
    budget: Budget, *, stream: TextIO | None = None
) -> tuple[AbstractContextManager[Any], Callable[[Progress], None]]:
    """A context (the live display) and the callback that updates it. On a terminal: a bar over the
    budget (time or candidates) with rate and ETA; otherwise a plain line every 10 seconds."""
    stream = stream or sys.stderr
    if not stream.isatty() or os.environ.get("CI"):
        last = [time.monotonic()]

        def plain(p: Progress) -> None:
            if time.monotonic() - last[0] >= 10:
                last[0] = time.monotonic()
                print(f"search: {p.seconds:.0f}s, {_status(p)}", file=stream, flush=True)

        return nullcontext(), plain

    from rich.console import Console
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("search"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=Console(file=stream),
        refresh_per_second=4,
    )
    total = budget.seconds if budget.seconds is not None else float(budget.candidates or 1)
    task = bar.add_task("search", total=total, status="starting (the first batch takes a few seconds)")
    started = time.monotonic()

    def update(p: Progress) -> None:
        done = time.monotonic() - started if budget.seconds is not None else float(p.evaluated)
        bar.update(task, completed=min(done, total), status=_status(p))

    return bar, update


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
    if report.interrupted:
        lines.append("interrupted: everything recorded is kept; add --resume to continue this run")
    if report.new_traps:
        lines.append("")
        lines.append(
            f"{'id':>4}  {'points':>6}  {'loss gap':>10}  {'acc. gap':>8}  {'basin share':>20}  found"
        )
        for entry_id in report.new_traps:
            e = catalogue.entry(entry_id)
            basin = (
                f"{e.basin_share:.3g} [{e.basin_interval[0]:.2g}, {e.basin_interval[1]:.2g}]"
                if e.basin_share is not None and e.basin_interval is not None
                else "— (shrunk data)"
            )
            lines.append(
                f"{e.id:>4}  {e.trap.dataset.n_points:>6}  {_gap(e.loss_gap):>10}  "
                f"{_gap(e.accuracy_gap):>8}  {basin:>20}  candidate {e.candidate}"
                + (" (shrunk)" if (e.trap.name or "").endswith("-shrunk") else "")
            )
        lines.append("")
        lines.append(
            "badminima catalogue show ID (details), badminima catalogue export --out DIR (trap files)"
        )
    return lines
