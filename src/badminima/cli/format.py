"""Text the commands print: numbers, tables, evaluations and certificates (no parsing, no computing)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from badminima.errors import BadminimaError

MAX_LISTED = 12


def fmt(x: float) -> str:
    """A float in six significant digits, the commands' one style for diagnostics."""
    return f"{x:.6g}"


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Print rows as left-aligned columns two spaces apart (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip())


def pattern_lines(ev: Any, trap: Any) -> list[str]:
    pattern = ev.pattern
    lines = []
    if trap.network.depth == 1:
        return ["pattern: no hidden layer"]
    if trap.network.is_piecewise_linear and trap.network.activation != "identity":
        dead = ", ".join(f"layer {lay} unit {u}" for lay, u in pattern.dead) or "none"
        lines.append(f"dead units (z < 0 on every point): {dead}")
        if pattern.kinks:
            listed = ", ".join(
                f"layer {lay} unit {u} at point {i}" for lay, u, i in pattern.kinks[:MAX_LISTED]
            )
            more = f" (+{len(pattern.kinks) - MAX_LISTED} more)" if len(pattern.kinks) > MAX_LISTED else ""
            lines.append(f"pre-activations exactly 0 (kinks): {listed}{more}")
            lines.append(
                f"note: the loss is not differentiable at a kink; gradient and Hessian above are "
                f"those of the piece where these units are {ev.kink_side} "
                f"(--kink-side {'inactive' if ev.kink_side == 'active' else 'active'} for the other)"
            )
        else:
            lines.append("pre-activations exactly 0 (kinks): none — the point is inside one region")
    elif trap.network.activation in ("sigmoid", "tanh"):
        sat = ", ".join(f"layer {lay} unit {u}" for lay, u in pattern.saturated) or "none"
        lines.append(f"saturated units (|z| >= 10 on every point, proved): {sat}")
    else:
        lines.append("pattern: identity hidden units (no kinks, no saturation)")
    return lines


def print_evaluation(ev: Any, trap: Any, path: str, which: str, ev_bits: int) -> None:
    from badminima.display.text import accuracy_text, ball_text
    from badminima.landscape.evaluation import exact_text

    net = trap.network
    out = []
    title = trap.name or path
    out.append(f"trap: {title}  ({path}, evaluating its {'better ' if which == 'better' else ''}point)")
    out.append(f"network: {net.describe()}  ({net.n_params} parameters)")
    out.append(f"data: {trap.dataset.n_points} points")
    out.append(f"backend: {ev.backend} (rigor: {ev.rigor})")
    loss_text = ball_text(ev.loss, ev_bits) if ev.backend == "ball" else exact_text(ev.loss)
    if len(loss_text) > 200:
        loss_text = loss_text[:200] + f"... ({len(loss_text)} characters; --json has all of it)"
    out.append(f"loss: {loss_text}  (≈ {fmt(ev.loss_float)})")
    if ev.accuracy is not None:
        acc = f"accuracy: {accuracy_text(ev.accuracy, trap.dataset.n_points)}"
        if ev.undecided_predictions:
            acc += f", {ev.undecided_predictions} output(s) exactly at or undecidably near 1/2"
        out.append(acc)
    else:
        out.append("accuracy: n/a (targets are not all 0/1)")
    out.append(f"gradient: norm {fmt(ev.gradient_norm)}, max |entry| {fmt(ev.gradient_max_abs)}")
    if len(ev.gradient) <= MAX_LISTED:
        entries = [ball_text(g, ev_bits) if ev.backend == "ball" else exact_text(g) for g in ev.gradient]
        if sum(len(e) + 2 for e in entries) <= 100:
            out.append("  " + ", ".join(entries))
        elif all(len(e) <= 60 for e in entries):
            out.extend(f"  g[{i}] = {e}" for i, e in enumerate(entries))
    eig = ev.hessian_eigenvalues
    shown = ", ".join(fmt(e) for e in eig[:MAX_LISTED])
    more = f", ... ({len(eig)} in all)" if len(eig) > MAX_LISTED else ""
    source = "" if ev.hessian_backend == ev.backend else f" of the {ev.hessian_backend} Hessian"
    out.append(f"Hessian eigenvalues (float64{source}, ascending): {shown}{more}")
    if ev.hessian_nullity is not None:
        out.append(
            f"Hessian rank (exact): {len(eig) - ev.hessian_nullity} of {len(eig)}"
            f" — {ev.hessian_nullity} eigenvalue(s) exactly 0"
        )
    out.extend(pattern_lines(ev, trap))
    out.append(f"time: {ev.seconds:.3f} s")
    print("\n".join(out))


def warn_size(trap: Any, command: str) -> None:
    from badminima.progress import size_warning

    warning = size_warning(trap.dataset.n_points, trap.network.n_params, command)
    if warning:
        print(warning, file=sys.stderr, flush=True)


def print_certificate(cert: Any, trap: Any, path: str) -> None:
    from badminima.display.text import annotate
    from badminima.model.rational import readable

    def q(x: Any, exact: bool) -> str:
        if x is None:
            return "—"
        return readable(x, decimal=False) if exact else f"{float(x):.6g}"

    exact = cert.rigor == "exact"
    out = [f"trap: {trap.name or path}  ({path})"]
    out.append(f"network: {trap.network.describe()}  ({trap.network.n_params} parameters)")
    out.append(
        f"verdict: {cert.verdict.value}  (rigor: {cert.rigor}, method: {cert.method}, code: {cert.code})"
    )
    out.append(f"why: {annotate(cert.reason)}")
    loss = annotate(cert.loss) if len(cert.loss) <= 200 else cert.loss[:200] + "... (--json has all of it)"
    out.append(f"loss at the point: {loss}")
    certified = cert.verdict.is_minimum or cert.verdict.value == "saddle"
    if certified and cert.loss_lower is not None and cert.loss_lower != cert.loss_upper:
        out.append(
            f"loss of the certified critical point: in "
            f"[{q(cert.loss_lower, False)}, {q(cert.loss_upper, False)}]"
        )
    if cert.better_loss is not None:
        out.append(f"better point's loss: {annotate(cert.better_loss)}")
        out.append(f"proved gap (the minimum's loss − better loss) ≥ {q(cert.gap_lower, exact)}")
    if cert.box_radius is not None:
        if cert.box_radius == 0:
            out.append("box radius: 0  (exact proof at the point)")
        else:
            out.append(
                f"box radius: {q(cert.box_radius, False)}  (∞-norm, around the given point; the proof ran on "
                f"radius {q(cert.proof_radius, False)} around box_center, in --json)"
            )
    if cert.min_eigenvalue_bound is not None:
        where = (
            "on the whole proof box (proved)"
            if cert.code == "strong-convexity-box"
            else "on the directions the proof moves (a slice or a transversal), over its box (proved; the "
            "whole Hessian is singular there)"
        )
        out.append(f"Hessian ≥ {q(cert.min_eigenvalue_bound, False)}·I {where}")
    if cert.witness_loss_upper is not None:
        out.append(f"lower point exhibited: loss ≤ {q(cert.witness_loss_upper, exact)}  (witness in --json)")
    d = cert.diagnostics
    if d is not None:
        eig = ", ".join(fmt(e) for e in d.hessian_eigenvalues[:MAX_LISTED])
        more = (
            f", ... ({len(d.hessian_eigenvalues)} in all)" if len(d.hessian_eigenvalues) > MAX_LISTED else ""
        )
        out.append("numerical diagnostics (float64, not a proof):")
        out.append(f"  gradient norm {fmt(d.gradient_norm)}; Hessian eigenvalues {eig}{more}")
        if d.probes == 0:
            out.append("  no random descent probes (--probes 0)")
        else:
            looks = "looks like" if d.looks_like_minimum else "does not look like"
            out.append(
                f"  {d.probes} random probes at each of {len(d.probe_radii)} radii: smallest loss change "
                f"{fmt(d.probe_min_decrease)}; {looks} a minimum"
            )
    out.append(f"time: {cert.seconds:.3f} s")
    print("\n".join(out))


def write_plot(trap: Any, path: str, *, quiet: bool) -> None:
    from badminima.display.plot import save_png

    try:
        written = save_png(trap, path)
    except OSError as exc:
        raise BadminimaError(f"--plot: cannot write {path} ({exc.strerror or exc})") from None
    if not written:
        raise BadminimaError(
            f"--plot: the data have {trap.dataset.input_dim} input dimensions; a picture needs 1 or 2"
        )
    if not quiet:
        print(f"wrote {path} (the data, the first hidden layer's units, the fitted function)")
