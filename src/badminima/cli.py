"""The ``badminima`` command: parse, call the API, print. Heavy imports happen inside commands.

Exit status (`_EXIT_TEXT`): 0 done, 1 a claim did not come out as expected, 2 bad input or an unusable
output location (one line on stderr, no traceback), 3 an internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, NoReturn

from badminima.errors import BadminimaError

_MAX_LISTED = 12
_EXIT_INTERNAL = 3
_EXIT_TEXT = (
    "Exit status: 0 done; 1 `claims check`: a claim did not come out as the literature expects; "
    "2 bad input or an output location that cannot be written (one line on stderr, checked before any "
    "work, nothing written); 3 an internal error (a bug: please report it); 130 interrupted (Ctrl-C, "
    "or SIGTERM during `search`)."
)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _pattern_lines(ev: Any, trap: Any) -> list[str]:
    pattern = ev.pattern
    lines = []
    if trap.network.depth == 1:
        return ["pattern: no hidden layer"]
    if trap.network.is_piecewise_linear and trap.network.activation != "identity":
        dead = ", ".join(f"layer {lay} unit {u}" for lay, u in pattern.dead) or "none"
        lines.append(f"dead units (z < 0 on every point): {dead}")
        if pattern.kinks:
            listed = ", ".join(
                f"layer {lay} unit {u} at point {i}" for lay, u, i in pattern.kinks[:_MAX_LISTED]
            )
            more = f" (+{len(pattern.kinks) - _MAX_LISTED} more)" if len(pattern.kinks) > _MAX_LISTED else ""
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


def _print_evaluation(ev: Any, trap: Any, path: str, which: str, ev_bits: int) -> None:
    from badminima.landscape.evaluation import exact_text
    from badminima.textformat import accuracy_text, ball_text

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
    out.append(f"loss: {loss_text}  (≈ {_fmt(ev.loss_float)})")
    if ev.accuracy is not None:
        acc = f"accuracy: {accuracy_text(ev.accuracy, trap.dataset.n_points)}"
        if ev.undecided_predictions:
            acc += f", {ev.undecided_predictions} output(s) exactly at or undecidably near 1/2"
        out.append(acc)
    else:
        out.append("accuracy: n/a (targets are not all 0/1)")
    out.append(f"gradient: norm {_fmt(ev.gradient_norm)}, max |entry| {_fmt(ev.gradient_max_abs)}")
    if len(ev.gradient) <= _MAX_LISTED:
        entries = [ball_text(g, ev_bits) if ev.backend == "ball" else exact_text(g) for g in ev.gradient]
        if sum(len(e) + 2 for e in entries) <= 100:
            out.append("  " + ", ".join(entries))
        elif all(len(e) <= 60 for e in entries):
            out.extend(f"  g[{i}] = {e}" for i, e in enumerate(entries))
    eig = ev.hessian_eigenvalues
    shown = ", ".join(_fmt(e) for e in eig[:_MAX_LISTED])
    more = f", ... ({len(eig)} in all)" if len(eig) > _MAX_LISTED else ""
    source = "" if ev.hessian_backend == ev.backend else f" of the {ev.hessian_backend} Hessian"
    out.append(f"Hessian eigenvalues (float64{source}, ascending): {shown}{more}")
    if ev.hessian_nullity is not None:
        out.append(
            f"Hessian rank (exact): {len(eig) - ev.hessian_nullity} of {len(eig)}"
            f" — {ev.hessian_nullity} eigenvalue(s) exactly 0"
        )
    out.extend(_pattern_lines(ev, trap))
    out.append(f"time: {ev.seconds:.3f} s")
    print("\n".join(out))


def _warn_size(trap: Any, command: str) -> None:
    from badminima.progress import size_warning

    warning = size_warning(trap.dataset.n_points, trap.network.n_params, command)
    if warning:
        print(warning, file=sys.stderr, flush=True)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from badminima.landscape.evaluation import evaluate
    from badminima.model.population import PopulationTrap
    from badminima.model.trapfile import load_any_trap
    from badminima.progress import Heartbeat

    trap = load_any_trap(args.file)
    if isinstance(trap, PopulationTrap):
        from badminima import population_report as pr

        doc = pr.evaluate_population(trap, which=args.which, backend=args.backend, precision=args.precision)
        if args.json:
            print(json.dumps({"file": args.file, "name": trap.name, **doc}, indent=2, allow_nan=False))
        else:
            pr.print_evaluation(doc, trap, args.file)
        return 0
    point = trap.point
    if args.which == "better":
        if trap.better is None:
            raise BadminimaError(f"{args.file}: better: missing; --which better needs a 'better' point")
        point = trap.better
    _warn_size(trap, "evaluate")
    with Heartbeat(f"evaluate {args.file}"):
        ev = evaluate(
            trap.network,
            trap.dataset,
            point,
            backend=args.backend,
            kink_side=args.kink_side,
            precision=args.precision,
        )
    if args.json:
        doc = {"file": args.file, "name": trap.name, "which": args.which, **ev.to_json()}
        if ev.backend == "ball":  # balls at the precision asked for, not flint's default 15 digits
            from badminima.textformat import ball_text

            doc["loss"] = ball_text(ev.loss, args.precision)
            doc["gradient"] = [ball_text(g, args.precision) for g in ev.gradient]
        print(json.dumps(doc, indent=2, allow_nan=False))
    else:
        _print_evaluation(ev, trap, args.file, args.which, args.precision)
    return 0


def _print_certificate(cert: Any, trap: Any, path: str) -> None:
    from badminima.model.rational import readable
    from badminima.textformat import annotate

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
        out.append(f"Hessian ≥ {q(cert.min_eigenvalue_bound, False)}·I on the whole proof box (proved)")
    if cert.witness_loss_upper is not None:
        out.append(f"lower point exhibited: loss ≤ {q(cert.witness_loss_upper, exact)}  (witness in --json)")
    d = cert.diagnostics
    if d is not None:
        eig = ", ".join(_fmt(e) for e in d.hessian_eigenvalues[:_MAX_LISTED])
        more = (
            f", ... ({len(d.hessian_eigenvalues)} in all)" if len(d.hessian_eigenvalues) > _MAX_LISTED else ""
        )
        out.append("numerical diagnostics (float64, not a proof):")
        out.append(f"  gradient norm {_fmt(d.gradient_norm)}; Hessian eigenvalues {eig}{more}")
        if d.probes == 0:
            out.append("  no random descent probes (--probes 0)")
        else:
            looks = "looks like" if d.looks_like_minimum else "does not look like"
            out.append(
                f"  {d.probes} random probes at each of {len(d.probe_radii)} radii: smallest loss change "
                f"{_fmt(d.probe_min_decrease)}; {looks} a minimum"
            )
    out.append(f"time: {cert.seconds:.3f} s")
    print("\n".join(out))


def _cmd_verify(args: argparse.Namespace) -> int:
    from badminima.model.population import PopulationTrap
    from badminima.model.trapfile import load_any_trap
    from badminima.progress import Heartbeat
    from badminima.verify.certify import certify

    if args.plot:
        from badminima.model.outputs import check_output_file

        check_output_file(args.plot, option="--plot")
    trap = load_any_trap(args.file)
    if isinstance(trap, PopulationTrap):
        from badminima.population_report import verify_file

        return verify_file(trap, args.file, as_json=args.json)
    _warn_size(trap, "verify")
    with Heartbeat(f"verify {args.file}"):
        cert = certify(trap, probes=args.probes, seed=args.seed, literal=args.literal)
    if args.json:
        print(json.dumps({"file": args.file, "name": trap.name, **cert.to_json()}, indent=2, allow_nan=False))
    else:
        _print_certificate(cert, trap, args.file)
    if args.plot:
        _write_plot(trap, args.plot, quiet=args.json)
    return 0


def _write_plot(trap: Any, path: str, *, quiet: bool) -> None:
    from badminima.plot import save_png

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


def _construction_args(args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    from badminima.constructions.family import parse_assignments
    from badminima.constructions.registry import construction

    return construction(args.name), parse_assignments(args.param or [])


def _cmd_list(args: argparse.Namespace) -> int:
    from badminima.constructions.registry import REGISTRY
    from badminima.population_report import list_entries

    if args.json:
        doc = [
            {
                "name": c.name,
                "kind": c.kind,
                "network": c.symbolic(c.values()).network.describe(),
                "summary": c.summary,
                "source": c.source,
                "parameters": {p.name: str(p.default) for p in c.parameters},
            }
            for c in REGISTRY.values()
        ]
        print(json.dumps(doc + list_entries(), indent=2))
        return 0
    rows = [("name", "kind", "network", "description", "source")]
    for c in REGISTRY.values():
        rows.append((c.name, c.kind, c.symbolic(c.values()).network.describe(), c.summary, c.source))
    for e in list_entries():
        rows.append((e["name"], e["kind"], e["network"], e["summary"], e["source"]))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}  [{r[4]}]")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from badminima.progress import Heartbeat

    if args.plot:
        from badminima.model.outputs import check_output_file

        check_output_file(args.plot, option="--plot")
        c, params = _construction_args(args)
        if c.kind == "dataset":
            raise BadminimaError(f"--plot: {c.name} is a dataset, not a trap; there is no point to draw")
    with Heartbeat(f"show {args.name}"):
        lines = _show_lines(args)
    print("\n".join(lines))
    if args.plot:
        _write_plot(c.build(**params), args.plot, quiet=False)
    return 0


def _show_lines(args: argparse.Namespace) -> list[str]:
    from badminima.arithmetic import BallArithmetic, ExactArithmetic
    from badminima.constructions.sketch import sketch
    from badminima.landscape.evaluation import accuracy, exact_text
    from badminima.landscape.loss import loss
    from badminima.model.rational import format_rational
    from badminima.textformat import accuracy_text, annotate

    c, params = _construction_args(args)
    values = c.values(params)
    out = [f"{c.name} ({c.kind}): {c.summary}", f"source: {c.source}", f"provenance: {c.provenance}"]
    if c.parameters:
        out.append(
            "parameters: "
            + ", ".join(f"{p.name}={format_rational(values[p.name])} ({p.doc})" for p in c.parameters)
        )
    data = c.dataset(**params)
    out.append(f"data ({data.n_points} points):")
    for i, (x, y) in enumerate(zip(data.X, data.y, strict=True)):
        xs = ", ".join(format_rational(v) for v in x)
        ys = ", ".join(format_rational(v) for v in y)
        out.append(f"  {i:>3}  x = ({xs})  y = {ys}")
    if c.kind != "dataset":
        trap = c.build(**params)
        net = trap.network
        out.append(f"network: {net.describe()}  ({net.n_params} parameters)")
        arith = ExactArithmetic() if net.has_rational_loss else BallArithmetic(128)
        for label, point in (("point", trap.point), ("better", trap.better)):
            if point is None:
                continue
            out.append(f"{label}:")
            for k, layer in enumerate(point.layers):
                W = "; ".join(", ".join(format_rational(v) for v in row) for row in layer.W)
                b = ", ".join(format_rational(v) for v in layer.b) if layer.b is not None else "none"
                out.append(f"  layer {k}: W = [{W}]  b = [{b}]")
            value = loss(net, trap.dataset, point, arith=arith)
            acc = accuracy(net, trap.dataset, point)
            acc_text = f", accuracy {accuracy_text(acc, trap.dataset.n_points)}" if acc is not None else ""
            out.append(f"  loss {annotate(exact_text(value))}{acc_text}")
            picture = sketch(trap, point)
            if picture:
                out.append(picture)
    return out


def _cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from badminima.constructions.family import parse_assignments
    from badminima.constructions.safran_shamir import FAMILIES
    from badminima.model.outputs import check_output_file
    from badminima.model.trapfile import is_trap_file, save_trap

    check_output_file(args.output, option="-o")
    if Path(args.output).exists() and not args.force and not is_trap_file(args.output):
        raise BadminimaError(
            f"{args.output}: exists and is not a trap file; not replaced (--force replaces it)"
        )
    if args.name in FAMILIES:
        trap = FAMILIES[args.name].build(**parse_assignments(args.param or []))
        save_trap(trap, args.output)
        print(f"wrote {args.output} ({trap.name}, population trap, {trap.n_params} parameters)")
        return 0
    c, params = _construction_args(args)
    trap = c.build(**params)
    try:
        save_trap(trap, args.output)
    except OSError as exc:
        raise BadminimaError(f"{args.output}: cannot write the trap file: {exc.strerror or exc}") from None
    print(f"wrote {args.output} ({c.name}, {trap.network.describe()})")
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from badminima.constructions.reproduce import reproduce

    def progress(name: str) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"certifying {name} ...", file=sys.stderr, flush=True)

    from badminima.population_report import reproduce_rows

    rows = reproduce(progress) + reproduce_rows(progress)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=2, allow_nan=False))
        return 0

    def short(text: str | None) -> str:
        if text is None:
            return "—"
        if text.startswith("[+/- "):  # a ball centred at 0
            return "±" + text[5:].rstrip("]")
        if text.startswith("["):
            return f"{float(text[1:].split()[0]):.6g}"
        return text

    def acc(x: Any, n: int) -> str:
        return "—" if x is None else f"{x * n}/{n}"

    header = (
        "construction",
        "network",
        "loss",
        "better",
        "acc",
        "better acc",
        "paper",
        "matches",
        "verdict",
        "rigor",
        "s",
    )
    table = [header]
    for r in rows:
        paper = ", ".join(f"{k} {v}" for k, v in r.paper.items()) or "—"
        table.append(
            (
                r.name,
                r.network.split(",")[0],
                short(r.loss),
                short(r.better_loss),
                acc(r.accuracy, r.points),
                acc(r.better_accuracy, r.points),
                paper,
                {True: "yes", False: "NO", None: "—"}[r.matches_paper],
                r.verdict,
                r.rigor,
                f"{r.seconds:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip())
    total = sum(r.seconds for r in rows)
    print(
        f"total {total:.2f} s. Losses are mse (mean over points); the paper states sums of squares "
        f"(sse = N·mse), compared exactly in 'matches'."
    )
    population = [r for r in rows if r.kind == "population-trap"]
    for r in rows:
        if r in population:
            continue
        if r.extra:
            extra = ", ".join(
                f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in r.extra.items()
            )
            print(f"{r.name}: {extra}")
        print(f"{r.name}: {r.provenance}")
    if population:
        print(
            f"safran-shamir-k*: loss ½E[(f − g)²] over x ~ N(0, I_k), better point W = I; "
            f"{population[0].provenance}"
        )
    return 0


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected layer sizes like 2,2,1, got {text!r}") from None
    if len(widths) < 2 or min(widths) < 1:
        raise argparse.ArgumentTypeError(
            f"expected at least two positive layer sizes like 2,2,1, got {text!r}"
        )
    return widths


def _search_seed(text: str) -> int:
    seed = _int_at_least(0, "a seed")(text)
    if seed >= 2**63:
        raise argparse.ArgumentTypeError(
            f"expected a seed below 2^63 (the catalogue stores 64-bit integers), got {text}"
        )
    return seed


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _search_margin(text: str) -> Fraction:
    from badminima.model.rational import parse_rational

    try:
        value = parse_rational(text)
    except (ValueError, ArithmeticError, TypeError):
        raise argparse.ArgumentTypeError(f"expected a number like 0.05 or 1/20, got {text!r}") from None
    if not 0 <= value < Fraction(1, 2):
        raise argparse.ArgumentTypeError(f"expected 0 <= margin < 1/2, got {text}")
    return value


def _cmd_search(args: argparse.Namespace) -> int:
    import signal

    from badminima.errors import InvalidModelError
    from badminima.model.network import Network
    from badminima.search.candidates import FIRST_ORDER_STEPS, NEWTON_STEPS, SearchSettings
    from badminima.search.catalogue import Catalogue
    from badminima.search.display import ends_of, live_progress, summary
    from badminima.search.executors import check_executor, make_executor
    from badminima.search.multistart import Init, Optimizer, Stopping
    from badminima.search.pipeline import Budget, run_search
    from badminima.search.proposals import DatasetSpec

    # Everything a user can get wrong is checked before the catalogue is touched or workers start.
    budget = Budget.parse(args.budget)
    check_executor(args.executor, workers=args.workers, address=args.scheduler)
    net = Network(args.widths, args.activation, output=args.output, loss=args.loss)
    if net.depth < 2:
        raise InvalidModelError(
            f"--widths: expected at least one hidden layer, got {','.join(map(str, args.widths))}"
        )
    settings = SearchSettings(
        network=net,
        data=DatasetSpec(
            n_points=args.points,
            dim=args.widths[0],
            targets=args.targets,
            extent=args.grid,
            denominator=args.denominator,
            outputs=args.widths[-1],
        ),
        starts=args.starts,
        init=Init(args.init, args.init_scale, args.init_mean),
        optimizer=Optimizer(args.optimizer, lr=args.lr),
        stopping=Stopping(
            max_steps=args.steps
            if args.steps is not None
            else (NEWTON_STEPS if args.optimizer == "newton" else FIRST_ORDER_STEPS)
        ),
        strategy=args.strategy,
        objective=args.objective,
        margin=args.margin,
        weight_by_basin=args.weight_by_basin,
        shrink=not args.no_shrink,
    )
    # --resume never creates a catalogue: a missing file is a mistyped path, not a fresh start.
    with Catalogue.open(args.catalogue, create=not args.resume) as catalogue:
        if args.resume and catalogue.latest_run(settings.to_json(), args.seed) is None:
            raise InvalidModelError(
                f"--resume: {args.catalogue} has no run with these settings and seed {args.seed} "
                "(give the same options as the run to continue, or leave out --resume to start one)"
            )

        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        # SIGTERM stops the search as Ctrl-C does: what is recorded stays, the summary is printed.
        previous = signal.signal(signal.SIGTERM, stop)
        executor = None
        try:
            executor = make_executor(args.executor, workers=args.workers, address=args.scheduler)
            display, update = live_progress(budget)
            with display:
                report = run_search(
                    settings,
                    seed=args.seed,
                    budget=budget,
                    catalogue=catalogue,
                    resume=args.resume,
                    executor=executor,
                    on_progress=update,
                )
        finally:
            if executor is not None:
                executor.close()
            signal.signal(signal.SIGTERM, previous)
        if args.json:
            print(
                json.dumps(
                    {
                        "run": report.run_id,
                        "resumed": report.resumed,
                        "candidates": report.tried,
                        "candidates_in_run": report.evaluated_before + report.tried,
                        "new_traps": [catalogue.entry(i).to_json() for i in report.new_traps],
                        "uncertified": report.uncertified,
                        "best_gap": report.best_gap,
                        "init_steps": report.init_steps,
                        "seconds": report.seconds,
                        "interrupted": report.interrupted,
                        "ends": ends_of(report),
                    },
                    indent=2,
                    allow_nan=False,
                )
            )
        else:
            print("\n".join(summary(report, catalogue)))
    return 130 if report.interrupted else 0


# search.catalogue.DEFAULT_PATH, written out so that --help imports no search module
_DEFAULT_CATALOGUE = "badminima-catalogue.sqlite"


def _open_catalogue(args: argparse.Namespace) -> Any:
    from badminima.search.catalogue import Catalogue

    return Catalogue.open(args.catalogue, create=False, readonly=True)


def _opt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _basin_text(entry: Any) -> str:
    if entry.basin_share is None:
        return "—"
    if entry.basin_interval is None:
        return _opt(entry.basin_share, 3)
    low, high = entry.basin_interval
    return f"{entry.basin_share:.3g} [{low:.3g}, {high:.3g}]"


def _entry_row(entry: Any) -> dict[str, Any]:
    """One line of ``catalogue list --json``: the row without the trap's numbers and the certificate."""
    net = entry.trap.network
    return {
        "id": entry.id,
        "key": entry.key,
        "status": entry.status,
        "name": entry.trap.name,
        "network": net.describe(),
        "parameters": net.n_params,
        "points": entry.trap.dataset.n_points,
        "verdict": entry.verdict,
        "rigor": entry.rigor,
        "loss_gap": entry.loss_gap,
        "accuracy_gap": entry.accuracy_gap,
        "basin_share": entry.basin_share,
        "basin_interval": list(entry.basin_interval) if entry.basin_interval is not None else None,
        "run": entry.run_id,
        "candidate": entry.candidate,
        "seed": entry.seed,
        "found_at": entry.found_at,
    }


def _cmd_catalogue_list(args: argparse.Namespace) -> int:
    with _open_catalogue(args) as cat:
        entries = cat.entries(status=None if args.all else "certified")
        hidden = 0 if args.all else cat.count(status="uncertified")
    if args.json:
        print(json.dumps([_entry_row(e) for e in entries], indent=2, allow_nan=False))
        return 0
    more = f"; {hidden} uncertified candidate(s) not shown (--all lists them)" if hidden else ""
    if not entries:
        print(f"no {'entries' if args.all else 'certified traps'} in {args.catalogue}{more}")
        return 0
    table = [
        ("id", "status", "network", "points", "loss gap", "acc gap", "basin share", "run", "cand", "found at")
    ]
    for e in entries:
        table.append(
            (
                str(e.id),
                "certified" if e.is_certified else "UNCERTIFIED",
                e.trap.network.describe(),
                str(e.trap.dataset.n_points),
                _opt(e.loss_gap),
                _opt(e.accuracy_gap),
                _basin_text(e),
                str(e.run_id),
                str(e.candidate),
                e.found_at,
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip())
    certified = sum(e.is_certified for e in entries)
    print(f"{certified} certified trap(s) in {args.catalogue}{more}")
    if certified < len(entries):
        print("UNCERTIFIED: a candidate not proved a local minimum; kept for inspection, never exported")
    return 0


def _cmd_catalogue_show(args: argparse.Namespace) -> int:
    with _open_catalogue(args) as cat:
        entry = cat.entry(args.id)
    if args.json:
        print(json.dumps(entry.to_json(), indent=2, allow_nan=False))
        return 0
    trap, net, cert = entry.trap, entry.trap.network, entry.certificate
    label = "certified" if entry.is_certified else "UNCERTIFIED (not proved; never exported)"
    out = [f"entry {entry.id}: {label}  (key {entry.key[:16]}…)"]
    if trap.name or trap.source:
        out.append(f"trap: {trap.name or '—'}" + (f"  (source: {trap.source})" if trap.source else ""))
    out.append(f"network: {net.describe()}  ({net.n_params} parameters)")
    out.append(f"data: {trap.dataset.n_points} points; better point: {'yes' if trap.better else 'none'}")
    if cert is None:
        out.append("certificate: none")
    else:
        out.append(
            f"verdict: {cert.get('verdict')}  (rigor: {cert.get('rigor')}, method: {cert.get('method')})"
        )
        if cert.get("reason"):
            out.append(f"why: {cert['reason']}")
        if cert.get("gap_lower") is not None:
            out.append(f"proved loss gap ≥ {cert['gap_lower']}  (≈ {_opt(cert.get('gap_lower_float'), 6)})")
    out.append(f"loss gap: {_opt(entry.loss_gap, 6)}; accuracy gap: {_opt(entry.accuracy_gap, 6)}")
    out.append(f"basin share: {_basin_text(entry)}")
    out.append(
        f"found: run {entry.run_id}, candidate {entry.candidate}, seed {entry.seed}, at {entry.found_at}"
    )
    out.append(f"settings: {json.dumps(entry.settings, sort_keys=True)}")
    out.append("the trap file and the whole certificate: --json, or `badminima catalogue export`")
    print("\n".join(out))
    return 0


def _cmd_catalogue_export(args: argparse.Namespace) -> int:
    with _open_catalogue(args) as cat:
        paths = cat.export(args.out)
        skipped = cat.count(status="uncertified")
    for path in paths:
        print(f"wrote {path}")
    more = f"; {skipped} uncertified candidate(s) not exported" if skipped else ""
    print(f"{len(paths)} certified trap file(s) in {args.out}{more}")
    return 0


_DEFAULT_CLAIM_OUT = "claim-traps"
_STATUS_TEXT = {"held": "held", "counterexample": "counterexample found", "inconclusive": "inconclusive"}


def _cmd_claims_list(args: argparse.Namespace) -> int:
    from badminima.claims import claims

    known = claims()
    if args.json:
        rows = [
            {
                "name": c.name,
                "title": c.title,
                "source": c.source,
                "statement": c.statement,
                "hypotheses": list(c.hypotheses),
                "quantifier": c.quantifier,
                "kind": c.kind,
                "expected": c.expected,
                "examples": c.examples,
            }
            for c in known
        ]
        print(json.dumps(rows, indent=2))
        return 0
    table = [("name", "kind", "expected", "source")]
    table += [(c.name, c.kind, _STATUS_TEXT[c.expected], c.source) for c in known]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    print(f"{len(known)} claims; `badminima claims check NAME` checks one, `badminima claims check` all")
    return 0


def _write_claim_traps(outcome: Any, claim: Any, out: str) -> list[tuple[str, str, bool]]:
    """Write the counterexample (and an existential claim's witness) as a trap file, with its proof
    beside it (``NAME.proof.json``: what was proved, and the certificate when `certify` proved it).
    Returns (trap path, proof path, whether `badminima verify` re-derives the proof)."""
    from pathlib import Path

    from badminima.model.trapfile import save_trap

    found = []
    if outcome.counterexample is not None:
        found.append(("counterexample", outcome.counterexample))
    if claim.quantifier == "exists" and outcome.witnesses:
        found.append(("witness", outcome.witnesses[0]))
    written = []
    for role, item in found:
        Path(out).mkdir(parents=True, exist_ok=True)
        path = Path(out) / f"{claim.name}-{role}.json"
        proof_path = Path(out) / f"{claim.name}-{role}.proof.json"
        cert = item.certificate
        proof = {
            "claim": claim.name,
            "role": role,
            "trap_file": path.name,
            "proof": item.proof,
            "certificate": None if cert is None else cert.to_json(),
        }
        save_trap(item.trap, path)
        tmp = proof_path.with_name(f".{proof_path.name}.tmp")
        tmp.write_text(json.dumps(proof, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        os.replace(tmp, proof_path)
        written.append((str(path), str(proof_path), cert is not None))
    return written


def _print_outcome(outcome: Any, claim: Any, paths: list[tuple[str, str, bool]]) -> None:
    verdict = _STATUS_TEXT[outcome.status]
    surprise = (
        ""
        if outcome.status == claim.expected
        else f" (the literature expects: {_STATUS_TEXT[claim.expected]})"
    )
    skipped = f", {outcome.skipped} skipped (hypotheses not met)" if outcome.skipped else ""
    print(f"{claim.name}: {verdict.upper()}{surprise}")
    print(f"  claim       {claim.statement}")
    print(f"  source      {claim.source}")
    print(
        f"  examples    {outcome.examples} tried{skipped}; {outcome.seconds:.1f} s; evidence is {claim.kind}"
    )
    print(f"  result      {outcome.reason}")
    for path, proof, by_certify in paths:
        print(f"  trap file   {path}")
        how = f"; re-derive the certificate: badminima verify {path}" if by_certify else ""
        print(f"  proof       {proof}{how}")
    if outcome.evidence:
        print("  evidence")
        for line in outcome.evidence:
            print(f"    {line}")
    if outcome.tally:
        print("  examples by finding")
        for label, count in outcome.tally:
            print(f"    {count:>4}  {label}")


def _cmd_claims_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from badminima.claims import claim, claims
    from badminima.claims.claim import ClaimError
    from badminima.model.outputs import check_output_dir
    from badminima.progress import Progress

    chosen = [claim(name) for name in args.names] if args.names else list(claims())
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ClaimError(f"--out: expected a directory for the trap files, but {args.out} is a file")
    check_output_dir(args.out)
    results = []
    unexpected = 0
    for i, c in enumerate(chosen, 1):
        label = f"[{i}/{len(chosen)}] {c.name}" if len(chosen) > 1 else c.name
        progress = Progress(label, unit="examples")
        try:
            outcome = c.check(examples=args.examples, profile=args.profile, seed=args.seed, progress=progress)
        finally:
            progress.close()
        paths = _write_claim_traps(outcome, c, args.out)
        unexpected += outcome.status != c.expected
        if args.json:
            results.append(
                {**outcome.to_json(), "expected": c.expected, "trap_files": [p for p, _, _ in paths]}
            )
        else:
            _print_outcome(outcome, c, paths)
            print()
    if args.json:
        print(json.dumps(results, indent=2, allow_nan=False))
    else:
        agree = len(chosen) - unexpected
        print(f"{agree} of {len(chosen)} claim(s) came out as the literature expects")
    return 1 if unexpected else 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from paper_figures.registry import run

    run(args.out, only=args.only, small=args.small, seed=args.seed)
    return 0


def _int_at_least(minimum: int, what: str) -> Any:
    """An argparse type: an integer ≥ ``minimum``, else a message naming ``what`` was expected."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what} (at least {minimum}), got {value}")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    """argparse with the command's error style: a usage mistake is one line on stderr, exit status 2
    (its subcommand parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``badminima`` command."""
    from badminima import __version__

    parser = _Parser(
        prog="badminima",
        description=(
            "Does this network, on this finite dataset, have a bad local minimum, and where? "
            "Evaluate points of trap files exactly, in ball arithmetic, or in float64, and certify them."
        ),
        epilog=_EXIT_TEXT + " Trap file format and limits: see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"badminima {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    ev = sub.add_parser(
        "evaluate",
        help="loss, accuracy, gradient, Hessian spectrum and activation pattern of a trap's point",
        description=(
            "Evaluate the trap file's point (or its better point): loss, accuracy where targets are "
            "0/1, gradient norm and largest entry, Hessian eigenvalues (float64), and the activation "
            "pattern (dead units, pre-activations exactly 0, saturated sigmoid/tanh units). "
            "A report, not a certificate."
        ),
    )
    ev.add_argument("file", metavar="FILE", help="trap file (JSON, format badminima.trap/1)")
    ev.add_argument(
        "--backend",
        choices=("exact", "ball", "float"),
        default="exact",
        help="exact: rationals (sympy expressions for sigmoid/tanh); ball: python-flint balls that "
        "enclose every true value; float: torch float64 (default: exact)",
    )
    ev.add_argument(
        "--precision",
        type=_int_at_least(16, "an integer number of bits"),
        default=128,
        metavar="BITS",
        help="working precision of the ball backend in bits (default: 128)",
    )
    ev.add_argument(
        "--kink-side",
        choices=("active", "inactive"),
        default="active",
        help="at a ReLU pre-activation exactly 0, differentiate the piece where the unit is active "
        "(z >= 0) or inactive (default: active)",
    )
    ev.add_argument(
        "--which",
        choices=("point", "better"),
        default="point",
        help="evaluate the trap's point or its better point (default: point)",
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ev.set_defaults(run=_cmd_evaluate)

    ver = sub.add_parser(
        "verify",
        help="prove the trap's point a (bad) local minimum, a saddle, or not critical — or say why not",
        description=(
            "Certify the trap file's point. Verdicts: bad-local-min (a local minimum, and the better "
            "point proved strictly lower), local-min, saddle (critical, with a proved lower point nearby), "
            "not-critical (a gradient entry or one-sided directional derivative proved non-zero), "
            "inconclusive (with the step that failed). Rigor: exact (rational arithmetic), interval (ball "
            "arithmetic, every rounding enclosed); local-min is never claimed on numerical evidence."
        ),
        epilog="Exit status: 0 a certificate was produced (whatever its verdict), 2 bad input.",
    )
    ver.add_argument("file", metavar="FILE", help="trap file (JSON, format badminima.trap/1)")
    ver.add_argument(
        "--probes",
        type=_int_at_least(0, "a non-negative integer"),
        default=64,
        metavar="N",
        help="random directions per radius in the float descent probes (diagnostics only; default 64)",
    )
    ver.add_argument(
        "--seed",
        type=_int_at_least(0, "a non-negative integer"),
        default=0,
        help="seed of the descent probes (default 0)",
    )
    ver.add_argument(
        "--literal",
        action="store_true",
        help="answer about the given numbers exactly as written: not-critical as soon as a first-order "
        "descent is proved, even when the point is a critical point rounded to many digits (by default "
        "such a point is taken as the critical point it rounds: classified, or inconclusive with reason "
        "code near-critical-set)",
    )
    ver.add_argument("--json", action="store_true", help="print the certificate as one JSON object on stdout")
    ver.add_argument(
        "--plot",
        metavar="FILE.png",
        help="also draw the data, the hidden units and the fitted function at the point and the better "
        "point (PNG; 1- or 2-D inputs)",
    )
    ver.set_defaults(run=_cmd_verify)

    lst = sub.add_parser("list", help="the paper's constructions: name, network, description, source")
    lst.add_argument("--json", action="store_true", help="print a JSON list")
    lst.set_defaults(run=_cmd_list)

    def construction_parser(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("name", metavar="NAME", help="a construction (see `badminima list`)")
        p.add_argument(
            "--param",
            action="append",
            metavar="KEY=VALUE",
            help="instantiate the family at an exact value (repeatable), e.g. --param margin=2",
        )
        return p

    show = construction_parser("show", "a construction's data, points, losses, accuracies and a text sketch")
    show.add_argument(
        "--plot",
        metavar="FILE.png",
        help="also draw the data, the hidden units and the fitted function at both points (PNG)",
    )
    show.set_defaults(run=_cmd_show)
    exp = construction_parser("export", "write a construction as a trap file")
    exp.add_argument("-o", "--output", required=True, metavar="FILE", help="the trap file to write")
    exp.add_argument(
        "--force",
        action="store_true",
        help="replace FILE even when it is not a trap file (a trap file is always replaced)",
    )
    exp.set_defaults(run=_cmd_export)

    rep = sub.add_parser(
        "reproduce",
        help="build and certify every construction; our numbers beside the paper's",
        description=(
            "For every construction: build it, certify it with verify, and print one row: name, network, bad "
            "and better loss, accuracies (classification), the paper's stated values, verdict, rigor, time."
        ),
    )
    rep.add_argument("--json", action="store_true", help="print a JSON list of objects")
    rep.set_defaults(run=_cmd_reproduce)

    srch = sub.add_parser(
        "search",
        help="search for datasets on which a network has a certified bad local minimum",
        description=(
            "Propose datasets (random ones on a grid of small rationals, and mutations of the best so far), "
            "train many initialisations on each at once, cluster the end points modulo the network's "
            "symmetries, certify the worst strict local minimum against the best point found, shrink "
            "every certified find, and commit it to the catalogue as it is found. Interrupt at any time "
            "(Ctrl-C, SIGTERM); --resume continues. Same seed and options, same candidates."
        ),
    )
    srch.add_argument("--widths", type=_widths, required=True, help="layer sizes, e.g. 2,2,1")
    srch.add_argument(
        "--activation", required=True, choices=["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
    )
    srch.add_argument(
        "--output", default="identity", choices=["identity", "sigmoid"], help="(default identity)"
    )
    srch.add_argument("--loss", default="mse", choices=["mse", "bce"], help="(default mse)")
    srch.add_argument("--points", type=_int_at_least(2, "a number of points"), required=True, help="N")
    srch.add_argument(
        "--targets",
        default="binary",
        choices=["binary", "real"],
        help="0/1 labels or grid values (default binary)",
    )
    srch.add_argument(
        "--grid",
        type=_int_at_least(1, "a grid extent"),
        default=3,
        help="coordinates in {-G..G}/denominator (default 3)",
    )
    srch.add_argument("--denominator", type=_int_at_least(1, "a denominator"), default=1, help="(default 1)")
    srch.add_argument("--budget", required=True, help="time (90s, 10m, 1.5h) or a number of candidates (200)")
    srch.add_argument("--seed", type=_search_seed, default=0, help="0 <= S < 2^63 (default 0)")
    srch.add_argument(
        "--workers",
        type=_int_at_least(1, "a number of workers"),
        default=min(os.cpu_count() or 1, 8),
        help="local processes evaluating candidates (default: one per core, at most 8; 1 runs in this "
        "process); with --executor dask, the size of a local cluster",
    )
    srch.add_argument(
        "--executor",
        default="local",
        choices=["local", "dask"],
        help="local processes, or a Dask cluster (pip install 'badminima[cluster]')",
    )
    srch.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: start a local one)"
    )
    srch.add_argument(
        "--catalogue",
        default=_DEFAULT_CATALOGUE,
        metavar="FILE",
        help=f"where finds are committed (default: ./{_DEFAULT_CATALOGUE}; created if missing)",
    )
    srch.add_argument(
        "--resume", action="store_true", help="continue the last run with these options and seed"
    )
    srch.add_argument(
        "--starts",
        type=_int_at_least(1, "a number of starts"),
        default=128,
        help="initialisations per candidate (default 128)",
    )
    srch.add_argument(
        "--steps",
        type=_int_at_least(1, "a number of optimiser steps"),
        default=None,
        help="optimiser steps before polishing (default 150 Newton steps, 1000 first-order ones)",
    )
    srch.add_argument(
        "--optimizer",
        default="newton",
        choices=["newton", "gd", "momentum", "adam"],
        help="newton: batched saddle-free Newton (default); gd, momentum, adam: first order with --lr",
    )
    srch.add_argument("--lr", type=_positive_float, default=0.5, help="first-order step size (default 0.5)")
    srch.add_argument(
        "--init", default="normal", choices=["normal", "uniform", "xavier", "he"], help="(default normal)"
    )
    srch.add_argument("--init-scale", type=_positive_float, default=3.0, help="(default 3)")
    srch.add_argument("--init-mean", type=float, default=0.0, help="shifted-mean initialisation (default 0)")
    srch.add_argument(
        "--strategy",
        default="evolve",
        choices=["evolve", "design"],
        help="evolve: random and mutated datasets; design: also move each find's data by inverse design",
    )
    srch.add_argument(
        "--objective",
        default="loss",
        choices=["loss", "accuracy"],
        help="rank finds by certified loss gap (default) or by accuracy gap (0/1 targets; loss gap ties)",
    )
    srch.add_argument(
        "--margin",
        type=_search_margin,
        default="0.05",
        help="with --objective accuracy: count a find only when every output at the trap and at the "
        "better point is proved at least this far from 1/2 (0 <= margin < 1/2, default 0.05)",
    )
    srch.add_argument(
        "--weight-by-basin",
        action="store_true",
        help="score a find by gap × basin share (how often GD falls in)",
    )
    srch.add_argument("--no-shrink", action="store_true", help="do not shrink certified finds")
    srch.add_argument("--json", action="store_true", help="print the summary as JSON")
    srch.set_defaults(run=_cmd_search)

    cat = sub.add_parser(
        "catalogue",
        help="the traps a search found: list them, show one, export the certified ones as trap files",
        description=(
            "Read a search catalogue (an SQLite file). Certified entries are proved (bad) local minima; "
            "uncertified ones are candidates whose proof failed, kept apart for inspection and never "
            "exported."
        ),
    )
    cat_sub = cat.add_subparsers(dest="action", metavar="ACTION")
    cat_sub.required = True

    def catalogue_parser(name: str, help_text: str) -> argparse.ArgumentParser:
        p = cat_sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--catalogue",
            default=_DEFAULT_CATALOGUE,
            metavar="FILE",
            help=f"the catalogue file (default: ./{_DEFAULT_CATALOGUE})",
        )
        return p

    cat_list = catalogue_parser(
        "list", "one line per trap: id, status, network, points, gaps, basin share, run, time found"
    )
    cat_list.add_argument("--all", action="store_true", help="include uncertified candidates (marked)")
    cat_list.add_argument("--json", action="store_true", help="print a JSON list")
    cat_list.set_defaults(run=_cmd_catalogue_list)
    cat_show = catalogue_parser("show", "one entry: the trap, its certificate, and the search that found it")
    cat_show.add_argument(
        "id", type=_int_at_least(1, "an entry id"), metavar="ID", help="entry id (see list)"
    )
    cat_show.add_argument("--json", action="store_true", help="print the whole entry as one JSON object")
    cat_show.set_defaults(run=_cmd_catalogue_show)
    cat_export = catalogue_parser("export", "write every certified trap as a trap file into a directory")
    cat_export.add_argument("--out", required=True, metavar="DIR", help="the directory (created if missing)")
    cat_export.set_defaults(run=_cmd_catalogue_export)

    clm = sub.add_parser(
        "claims",
        help="property-test published claims about loss landscapes: list them, check one or all",
        description=(
            "Each claim is a published statement (source, hypotheses, property). `check` lets hypothesis "
            "draw examples that meet the hypotheses, tests the property on each, and shrinks and certifies "
            "what it finds: held / counterexample found (trap file written) / inconclusive."
        ),
        epilog=(
            "Exit status of check: 0 every claim came out as the literature expects, 1 one did not "
            "(an unexpected counterexample, or inconclusive), 2 bad input."
        ),
    )
    clm_sub = clm.add_subparsers(dest="action", metavar="ACTION")
    clm_sub.required = True
    clm_list = clm_sub.add_parser("list", help="the claims: name, kind of evidence, expected outcome, source")
    clm_list.add_argument(
        "--json", action="store_true", help="print a JSON list with hypotheses and statements"
    )
    clm_list.set_defaults(run=_cmd_claims_list)
    clm_check = clm_sub.add_parser(
        "check",
        help="check claims (all, or the NAMEs given) on drawn examples",
        description="Check claims (all, or the NAMEs given) on examples drawn by hypothesis.",
    )
    clm_check.add_argument("names", nargs="*", metavar="NAME", help="claim names (see `claims list`)")
    clm_check.add_argument(
        "--examples",
        type=_int_at_least(1, "a number of examples"),
        default=None,
        metavar="N",
        help="examples per claim (default: the claim's count for the profile)",
    )
    clm_check.add_argument(
        "--profile",
        choices=("ci", "dev", "thorough"),
        default="dev",
        help="hypothesis profile: ci (few examples, derandomised), dev (default), thorough (many)",
    )
    clm_check.add_argument(
        "--seed", type=_int_at_least(0, "a seed"), default=None, help="hypothesis seed (dev/thorough)"
    )
    clm_check.add_argument(
        "--out",
        default=_DEFAULT_CLAIM_OUT,
        metavar="DIR",
        help=f"where counterexample and witness trap files go (default: ./{_DEFAULT_CLAIM_OUT})",
    )
    clm_check.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    clm_check.set_defaults(run=_cmd_claims_check)

    fig = sub.add_parser(
        "figures",
        help="regenerate the paper's figures (PNG, plus a CSV of the numbers behind each)",
        description=(
            "Draw every figure of paper_figures (or those named with --only) from the toolkit's own API "
            "into DIR: NAME.png and NAME.csv each; one line per figure written."
        ),
    )
    fig.add_argument(
        "--out", default="figures", metavar="DIR", help="where the figures go (default: ./figures)"
    )
    fig.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="draw only these figures (repeatable), e.g. --only constructions barrier",
    )
    fig.add_argument("--small", action="store_true", help="the quick setting the tests use (seconds each)")
    fig.add_argument("--seed", type=_int_at_least(0, "a seed"), default=0, help="random seed (default 0)")
    fig.set_defaults(run=_cmd_figures)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``badminima`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except BadminimaError as exc:
        print(f"badminima: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("badminima: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug, not the user's fault: one line, the traceback on request
        if os.environ.get("BADMINIMA_TRACEBACK"):
            raise
        print(
            f"badminima: internal error: {type(exc).__name__}: {str(exc)[:200]} — a bug in badminima; "
            "please report it with the command and its input (BADMINIMA_TRACEBACK=1 shows where)",
            file=sys.stderr,
        )
        return _EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
