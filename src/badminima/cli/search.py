"""`search` and `catalogue`: find traps, and read what a search committed."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from badminima.cli.args import (
    int_at_least,
    layer_widths,
    positive_float,
    probability,
    search_margin,
    search_seed,
)
from badminima.cli.format import print_table
from badminima.model.population import data_summary, points_of

_DEFAULT_CATALOGUE = "badminima-catalogue.sqlite"


def add_parser(sub: Any) -> None:
    """Register `search` and `catalogue` (list, show, export) on ``sub``."""
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
    srch.add_argument("--widths", type=layer_widths, required=True, help="layer sizes, e.g. 2,2,1")
    srch.add_argument(
        "--activation", required=True, choices=["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
    )
    srch.add_argument(
        "--output", default="identity", choices=["identity", "sigmoid"], help="(default identity)"
    )
    srch.add_argument("--loss", default="mse", choices=["mse", "bce"], help="(default mse)")
    srch.add_argument("--points", type=int_at_least(2, "a number of points"), required=True, help="N")
    srch.add_argument(
        "--targets",
        default="binary",
        choices=["binary", "real"],
        help="0/1 labels or grid values (default binary)",
    )
    srch.add_argument(
        "--grid",
        type=int_at_least(1, "a grid extent"),
        default=3,
        help="coordinates in {-G..G}/denominator (default 3)",
    )
    srch.add_argument("--denominator", type=int_at_least(1, "a denominator"), default=1, help="(default 1)")
    srch.add_argument("--budget", required=True, help="time (90s, 10m, 1.5h) or a number of candidates (200)")
    srch.add_argument("--seed", type=search_seed, default=0, help="0 <= S < 2^63 (default 0)")
    srch.add_argument(
        "--workers",
        type=int_at_least(1, "a number of workers"),
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
        type=int_at_least(1, "a number of starts"),
        default=128,
        help="initialisations per candidate (default 128)",
    )
    srch.add_argument(
        "--steps",
        type=int_at_least(1, "a number of optimiser steps"),
        default=None,
        help="optimiser steps before polishing (default 300 Newton steps, 1000 first-order ones)",
    )
    srch.add_argument(
        "--optimizer",
        default="newton",
        choices=["newton", "gd", "momentum", "adam"],
        help="newton: batched saddle-free Newton (default); gd, momentum, adam: first order with --lr",
    )
    srch.add_argument("--lr", type=positive_float, default=0.5, help="first-order step size (default 0.5)")
    srch.add_argument(
        "--init", default="normal", choices=["normal", "uniform", "xavier", "he"], help="(default normal)"
    )
    srch.add_argument("--init-scale", type=positive_float, default=3.0, help="(default 3)")
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
        type=search_margin,
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
    srch.add_argument(
        "--explore",
        type=probability,
        default=0.2,
        help="share of proposals drawn fresh rather than mutated from the best datasets so far (default 0.2)",
    )
    srch.add_argument(
        "--minima",
        type=int_at_least(1, "a number of minima per candidate"),
        default=6,
        help="certify up to this many distinct bad minima of each candidate, worst first (default 6)",
    )
    srch.add_argument("--json", action="store_true", help="print the summary as JSON")
    srch.set_defaults(run=run)

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
    cat_list.set_defaults(run=run)
    cat_show = catalogue_parser("show", "one entry: the trap, its certificate, and the search that found it")
    cat_show.add_argument("id", type=int_at_least(1, "an entry id"), metavar="ID", help="entry id (see list)")
    cat_show.add_argument("--json", action="store_true", help="print the whole entry as one JSON object")
    cat_show.set_defaults(run=run)
    cat_export = catalogue_parser("export", "write every certified trap as a trap file into a directory")
    cat_export.add_argument("--out", required=True, metavar="DIR", help="the directory (created if missing)")
    cat_export.set_defaults(run=run)


def _cmd_search(args: argparse.Namespace) -> int:
    import signal

    from badminima.errors import InvalidModelError, ResumeError
    from badminima.model.network import Network
    from badminima.search.candidates import FIRST_ORDER_STEPS, NEWTON_STEPS, SearchSettings
    from badminima.search.catalogue import Catalogue
    from badminima.search.display import ends_of, live_progress, summary
    from badminima.search.executors import check_executor, make_executor
    from badminima.search.pipeline import Budget, run_search
    from badminima.search.proposals import DatasetSpec
    from badminima.search.starts import Init, Optimizer, Stopping

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
        explore=args.explore,
        minima=args.minima,
    )
    # --resume never creates a catalogue: a missing file is a mistyped path, not a fresh start.
    with Catalogue.open(args.catalogue, create=not args.resume) as catalogue:
        if args.resume and catalogue.latest_run(settings.to_json(), args.seed) is None:
            raise ResumeError(
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
        "points": points_of(entry.trap),
        "data": data_summary(entry.trap),
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
                data_summary(e.trap).removesuffix(" points"),
                _opt(e.loss_gap),
                _opt(e.accuracy_gap),
                _basin_text(e),
                str(e.run_id),
                str(e.candidate),
                e.found_at,
            )
        )
    print_table(table)
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
    out.append(f"data: {data_summary(trap)}; better point: {'yes' if trap.better else 'none'}")
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


_HANDLERS = {
    "search": _cmd_search,
    "list": _cmd_catalogue_list,
    "show": _cmd_catalogue_show,
    "export": _cmd_catalogue_export,
}


def run(args: argparse.Namespace) -> int:
    """Run the command that ``args`` names; returns the exit status."""
    return _HANDLERS[args.action if args.command == "catalogue" else args.command](args)
