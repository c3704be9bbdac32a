"""`evaluate` and `verify`: what a trap file's point is, and the proof of it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from badminima.cli.args import int_at_least
from badminima.cli.format import print_certificate, print_evaluation, warn_size, write_plot
from badminima.errors import BadminimaError

MAX_PRECISION = 1_000_000
"""Most bits `evaluate --precision` takes (flint's own limit is far beyond what prints in a lifetime)."""
MAX_PROBES = 10_000
"""Most random directions per radius `verify --probes` takes."""


def add_parser(sub: Any) -> None:
    """Register `evaluate` and `verify` on the subcommand table ``sub``."""
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
        default=None,
        help="exact: rationals (sympy expressions for sigmoid/tanh); ball: python-flint balls that "
        "enclose every true value; float: torch float64 (default: exact; ball for a population trap, "
        "whose loss has no exact rational value)",
    )
    ev.add_argument(
        "--precision",
        type=int_at_least(16, "an integer number of bits", maximum=MAX_PRECISION, why="about 300,000 digits"),
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
    ev.set_defaults(run=run)

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
        type=int_at_least(
            0, "a non-negative integer", maximum=MAX_PROBES, why="each probe is a float loss evaluation"
        ),
        default=64,
        metavar="N",
        help="random directions per radius in the float descent probes (diagnostics only; default 64)",
    )
    ver.add_argument(
        "--seed",
        type=int_at_least(0, "a non-negative integer", maximum=2**63 - 1, why="a 64-bit seed"),
        default=0,
        help="seed of the descent probes, 0 <= S < 2^63 (default 0)",
    )
    ver.add_argument(
        "--literal",
        action="store_true",
        help="answer about the given numbers exactly as written: not-critical as soon as a first-order "
        "descent is proved, even when the point is a critical point rounded to many digits (by default "
        "such a point is taken as the critical point it rounds: classified, or inconclusive with reason "
        "code near-critical-set)",
    )
    ver.add_argument(
        "--dense",
        action="store_true",
        help="population traps: the dense box proof over the whole Hessian, even where the point has Safran "
        "& Shamir's symmetric form and the symmetry-reduced proof applies",
    )
    ver.add_argument("--json", action="store_true", help="print the certificate as one JSON object on stdout")
    ver.add_argument(
        "--plot",
        metavar="FILE.png",
        help="also draw the data, the hidden units and the fitted function at the point and the better "
        "point (PNG; 1- or 2-D inputs)",
    )
    ver.set_defaults(run=run)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from badminima.landscape.evaluation import evaluate
    from badminima.model.population import PopulationTrap
    from badminima.model.trapfile import load_any_trap
    from badminima.progress import Heartbeat

    trap = load_any_trap(args.file)
    if isinstance(trap, PopulationTrap):
        from badminima.cli import population as pr

        backend = args.backend or "ball"
        doc = pr.evaluate_population(trap, which=args.which, backend=backend, precision=args.precision)
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
    warn_size(trap, "evaluate")
    with Heartbeat(f"evaluate {args.file}") as progress:
        ev = evaluate(
            trap.network,
            trap.dataset,
            point,
            backend=args.backend or "exact",
            kink_side=args.kink_side,
            precision=args.precision,
            progress=progress,
        )
    if args.json:
        doc = {"file": args.file, "name": trap.name, "which": args.which, **ev.to_json()}
        if ev.backend == "ball":  # balls at the precision asked for, not flint's default 15 digits
            from badminima.display.text import ball_text

            doc["loss"] = ball_text(ev.loss, args.precision)
            doc["gradient"] = [ball_text(g, args.precision) for g in ev.gradient]
        print(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print_evaluation(ev, trap, args.file, args.which, args.precision)
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from badminima.model.population import PopulationTrap
    from badminima.model.trapfile import load_any_trap
    from badminima.progress import Heartbeat
    from badminima.verify.certification import certify

    if args.plot:
        from badminima.model.outputs import check_output_file

        check_output_file(args.plot, option="--plot")
    trap = load_any_trap(args.file)
    if isinstance(trap, PopulationTrap):
        from badminima.cli.population import verify_file

        if args.plot:
            raise BadminimaError(f"--plot: {args.file} is a population trap; it has no finite data to draw")

        return verify_file(trap, args.file, as_json=args.json, literal=args.literal, dense=args.dense)
    warn_size(trap, "verify")
    with Heartbeat(f"verify {args.file}") as progress:
        cert = certify(trap, probes=args.probes, seed=args.seed, literal=args.literal, progress=progress)
    if args.json:
        print(json.dumps({"file": args.file, "name": trap.name, **cert.to_json()}, indent=2, allow_nan=False))
    else:
        print_certificate(cert, trap, args.file)
    if args.plot:
        write_plot(trap, args.plot, quiet=args.json)
    return 0


_HANDLERS = {"evaluate": _cmd_evaluate, "verify": _cmd_verify}


def run(args: argparse.Namespace) -> int:
    """Run the command that ``args`` names; returns the exit status."""
    return _HANDLERS[args.command](args)
