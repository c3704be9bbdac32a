"""`list`, `show`, `export` and `reproduce`: the paper's constructions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from badminima.cli.format import print_table, write_plot
from badminima.errors import BadminimaError

if TYPE_CHECKING:
    from badminima.progress import ProgressHook


def add_parser(sub: Any) -> None:
    """Register `list`, `show`, `export` and `reproduce` on ``sub``."""
    lst = sub.add_parser("list", help="the paper's constructions: name, network, description, source")
    lst.add_argument("--json", action="store_true", help="print a JSON list")
    lst.set_defaults(run=run)

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
    show.set_defaults(run=run)
    exp = construction_parser("export", "write a construction as a trap file")
    exp.add_argument("-o", "--output", required=True, metavar="FILE", help="the trap file to write")
    exp.add_argument(
        "--force",
        action="store_true",
        help="replace FILE even when it is not a trap file (a trap file is always replaced)",
    )
    exp.set_defaults(run=run)

    rep = sub.add_parser(
        "reproduce",
        help="build and certify every construction; our numbers beside the paper's",
        description=(
            "For every construction: build it, certify it with verify, and print one row: name, network, bad "
            "and better loss, accuracies (classification), the paper's stated values, verdict, rigor, time."
        ),
    )
    rep.add_argument("--json", action="store_true", help="print a JSON list of objects")
    rep.set_defaults(run=run)


def _construction_args(args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    from badminima.constructions.family import parse_assignments
    from badminima.constructions.registry import construction

    return construction(args.name), parse_assignments(args.param or [])


def _cmd_list(args: argparse.Namespace) -> int:
    from badminima.cli.population import list_entries
    from badminima.constructions.registry import REGISTRY

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


def _show_population(args: argparse.Namespace) -> int:
    """`show` of a population family (listed by `list`): what it is, and the loss and gradient of its
    point and better point in balls."""
    from badminima.cli.population import describe, evaluate_population
    from badminima.constructions.family import parse_assignments
    from badminima.constructions.safran_shamir import FAMILIES

    if args.plot:
        raise BadminimaError(f"--plot: {args.name} is a population trap; it has no finite data to draw")
    fam = FAMILIES[args.name]
    trap = fam.build(**parse_assignments(args.param or []))
    out = [
        f"{fam.name} (population): {fam.summary}",
        f"source: {fam.source}",
        f"parameters: {fam.parameter}={trap.population.dimension} (default {fam.default})",
        f"population: {describe(trap)}  ({trap.n_params} parameters)",
    ]
    for which in ("point", "better"):
        if (trap.point if which == "point" else trap.better) is None:
            continue
        doc = evaluate_population(trap, which=which, backend="ball", precision=128)
        out.append(
            f"{which}: loss ½E[(f − g)²] {doc['loss']}  (≈ {doc['loss_float']:.10g}), gradient norm "
            f"{doc['gradient_norm']:.3g}"
        )
    out.append(f"(`badminima export {fam.name} -o FILE` writes it; `badminima verify FILE` certifies it)")
    print("\n".join(out))
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from badminima.constructions.safran_shamir import FAMILIES
    from badminima.progress import Heartbeat

    if args.name in FAMILIES:
        return _show_population(args)
    if args.plot:
        from badminima.model.outputs import check_output_file

        check_output_file(args.plot, option="--plot")
        c, params = _construction_args(args)
        if c.kind == "dataset":
            raise BadminimaError(f"--plot: {c.name} is a dataset, not a trap; there is no point to draw")
    with Heartbeat(f"show {args.name}") as progress:
        lines = _show_lines(args, progress)
    print("\n".join(lines))
    if args.plot:
        write_plot(c.build(**params), args.plot, quiet=False)
    return 0


def _show_lines(args: argparse.Namespace, progress: ProgressHook) -> list[str]:
    from badminima.arithmetic import BallArithmetic, ExactArithmetic
    from badminima.constructions.sketch import sketch
    from badminima.display.text import accuracy_text, annotate
    from badminima.landscape.evaluation import accuracy, exact_text
    from badminima.landscape.losses import loss
    from badminima.model.rational import format_rational

    c, params = _construction_args(args)
    progress("building the construction")
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
        points = [
            (label, p) for label, p in (("point", trap.point), ("better", trap.better)) if p is not None
        ]
        steps = 3 * len(points)  # loss, accuracy, sketch of each point
        for n, (label, point) in enumerate(points):
            out.append(f"{label}:")
            for k, layer in enumerate(point.layers):
                W = "; ".join(", ".join(format_rational(v) for v in row) for row in layer.W)
                b = ", ".join(format_rational(v) for v in layer.b) if layer.b is not None else "none"
                out.append(f"  layer {k}: W = [{W}]  b = [{b}]")
            progress("loss, accuracy and sketch", 3 * n, steps, note=f"of the {label}: loss")
            value = loss(net, trap.dataset, point, arith=arith)
            progress("loss, accuracy and sketch", 3 * n + 1, steps, note=f"of the {label}: accuracy")
            acc = accuracy(net, trap.dataset, point)
            acc_text = f", accuracy {accuracy_text(acc, trap.dataset.n_points)}" if acc is not None else ""
            out.append(f"  loss {annotate(exact_text(value))}{acc_text}")
            progress("loss, accuracy and sketch", 3 * n + 2, steps, note=f"of the {label}: sketch")
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
    from badminima.constructions.reproduction import reproduce

    def progress(name: str) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"certifying {name} ...", file=sys.stderr, flush=True)

    from badminima.cli.population import reproduce_rows

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
    print_table(table)
    total = sum(r.seconds for r in rows)
    print(
        f"total {total:.2f} s. Losses are mse (mean over points); the paper states sums of squares "
        f"(sse = N·mse), compared exactly in 'matches'."
    )
    population = [r for r in rows if r.kind == "population-trap" and r.name.startswith("safran-shamir-k")]
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


_HANDLERS = {"list": _cmd_list, "show": _cmd_show, "export": _cmd_export, "reproduce": _cmd_reproduce}


def run(args: argparse.Namespace) -> int:
    """Run the command that ``args`` names; returns the exit status."""
    return _HANDLERS[args.command](args)
