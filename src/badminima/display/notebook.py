"""Rich displays for Jupyter: a `Trap`, a `Certificate` or a catalogue `Entry` shows an HTML table of
what matters (verdict, losses, gap) and a small picture of the data, the hidden units and the fitted
function (`badminima.display.plot`). The classes' ``_repr_html_`` call these functions.

Example:
    >>> from badminima.model.trapfile import load_trap
    >>> "<table" in trap_html(load_trap("examples/relu-blind-spot.json"))
    True
"""

from __future__ import annotations

import base64
import html
from typing import Any

from badminima.model.population import data_summary
from badminima.model.trap import Trap


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
        f"{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table><caption style='text-align:left'><b>{html.escape(title)}</b></caption>{body}</table>"


def _picture(trap: Trap) -> str:
    from badminima.display.plot import png

    try:
        data = png(trap, dpi=60)
    except Exception:  # a picture is a courtesy: a display must never fail for it
        return ""
    if data is None:
        return ""
    encoded = base64.b64encode(data).decode("ascii")
    return f"<img alt='data, hidden units and fitted function' src='data:image/png;base64,{encoded}'/>"


def _loss(trap: Trap, which: str) -> str:
    from badminima.model.rational import readable

    point = trap.point if which == "point" else trap.better
    if point is None:
        return "—"
    if trap.network.has_rational_loss:
        from badminima.arithmetic import ExactArithmetic
        from badminima.landscape.losses import loss

        return readable(loss(trap.network, trap.dataset, point, arith=ExactArithmetic()))
    from badminima.arithmetic import FloatArithmetic
    from badminima.landscape.losses import loss as float_loss

    return f"{float(float_loss(trap.network, trap.dataset, point, arith=FloatArithmetic())):.6g}"


def trap_html(trap: Trap) -> str:
    """A trap: name, network, data size, the losses at its point and better point (exact where the loss
    is rational, float64 otherwise), and the picture. Not certified here: `certify` says what it is."""
    rows = [
        ("name", trap.name or "—"),
        ("network", f"{trap.network.describe()} ({trap.network.n_params} parameters)"),
        ("data", f"{trap.dataset.n_points} points, {trap.dataset.input_dim} input(s)"),
        ("loss at the point", _loss(trap, "point")),
        ("loss at the better point", _loss(trap, "better")),
        ("verdict", "not certified yet: badminima.certify(trap)"),
    ]
    return _table("trap", rows) + _picture(trap)


def certificate_html(cert: Any, trap: Trap | None = None) -> str:
    """A certificate: verdict, rigor, method, losses, proved gap and why; with ``trap``, the picture."""
    from badminima.display.text import annotate
    from badminima.model.rational import readable

    gap = "—" if cert.gap_lower is None else f"≥ {readable(cert.gap_lower, decimal=False)}"
    rows = [
        ("verdict", str(cert.verdict.value)),
        ("rigor", str(cert.rigor)),
        ("method", str(cert.method)),
        ("loss at the point", annotate(cert.loss)),
        ("better point's loss", "—" if cert.better_loss is None else annotate(cert.better_loss)),
        ("proved gap", gap),
        ("why", annotate(cert.reason)),
    ]
    return _table("certificate", rows) + (_picture(trap) if trap is not None else "")


def entry_html(entry: Any) -> str:
    """A catalogue row: status, verdict, gaps, basin share, where it was found, and the picture."""
    cert = entry.certificate or {}
    share = "—"
    if entry.basin_share is not None:
        share = f"{entry.basin_share:.3g}"
        if entry.basin_interval is not None:
            share += f" [{entry.basin_interval[0]:.3g}, {entry.basin_interval[1]:.3g}]"
    rows = [
        ("entry", f"{entry.id} ({entry.status})"),
        ("verdict", f"{cert.get('verdict', '—')} ({cert.get('rigor', '—')})"),
        ("network", entry.trap.network.describe()),
        ("data", data_summary(entry.trap)),
        ("loss gap", "—" if entry.loss_gap is None else f"{entry.loss_gap:.4g}"),
        ("accuracy gap", "—" if entry.accuracy_gap is None else f"{entry.accuracy_gap:.4g}"),
        ("basin share", share),
        ("found", f"run {entry.run_id}, candidate {entry.candidate}, {entry.found_at}"),
    ]
    return _table("catalogue entry", rows) + _picture(entry.trap)
