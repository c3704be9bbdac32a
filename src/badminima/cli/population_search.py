"""`population-search`: Safran & Shamir's GD experiment on the Gaussian population loss, each new
distinct spurious minimum certified and committed to the catalogue (`badminima catalogue` reads it)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from badminima.cli.args import int_at_least, positive_float, search_seed
from badminima.cli.format import print_table

_DEFAULT_CATALOGUE = "badminima-catalogue.sqlite"


def add_parser(sub: Any) -> None:
    """Register `population-search` on ``sub``."""
    p = sub.add_parser(
        "population-search",
        help="gradient descent on Safran & Shamir's population loss; certify and catalogue the minima",
        description=(
            "Run gradient descent (Xavier starts, step 5/k, until the gradient norm is at most --tol) on "
            "the Gaussian population loss of a sum of --student ReLUs fitting the teacher V = I_k "
            "(Safran & Shamir 2018), or the teacher of a population trap file (--trap), in batches; "
            "cluster the spurious end points modulo permutations of neurons and the coordinate "
            "permutations the teacher allows, certify each new one (better point: the teacher, padded "
            "with tiny neurons when the student is wider), and commit it to the catalogue after each "
            "batch. --resume continues at the first batch not recorded."
        ),
    )
    p.add_argument(
        "--k",
        type=int_at_least(2, "a teacher width"),
        default=None,
        help="teacher neurons = n for V = I_k (with --trap: optional, must be the trap's teacher width)",
    )
    p.add_argument(
        "--trap",
        metavar="FILE",
        default=None,
        help="a population trap file: search its landscape (its teacher, dimension and student width)",
    )
    p.add_argument(
        "--student",
        type=int_at_least(2, "a student width"),
        default=None,
        help="student neurons, k to k + n − 1 (default k, or the trap's; k + 1: mild over-parameterisation)",
    )
    p.add_argument("--runs", type=int_at_least(1, "a number of runs"), required=True, help="GD runs in all")
    p.add_argument("--batch", type=int_at_least(1, "a batch size"), default=50, help="runs per batch (50)")
    p.add_argument("--seed", type=search_seed, default=0, help="0 <= S < 2^63 (default 0)")
    p.add_argument("--tol", type=positive_float, default=1e-12, help="gradient-norm stop (default 1e-12)")
    p.add_argument(
        "--steps", type=int_at_least(1, "a number of steps"), default=60_000, help="step cap (60000)"
    )
    p.add_argument(
        "--catalogue",
        default=_DEFAULT_CATALOGUE,
        metavar="FILE",
        help=f"where finds are committed (default: ./{_DEFAULT_CATALOGUE}; created if missing)",
    )
    p.add_argument("--resume", action="store_true", help="continue the last run with these options and seed")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the population search ``args`` describes; returns the exit status."""
    from badminima.errors import SettingsError
    from badminima.search.catalogue import Catalogue
    from badminima.search.population_search import search_population

    population, label, k, n, width = _landscape(args)
    student = width if args.student is None else args.student
    if not k <= student <= k + n - 1:
        raise SettingsError(
            f"--student: expected between k = {k} and k + n − 1 = {k + n - 1} neurons, got {student}"
        )
    # --resume never creates a catalogue: a missing file is a mistyped path, not a fresh start.
    with Catalogue.open(args.catalogue, create=not args.resume) as cat:
        found = search_population(
            k,
            cat,
            runs=args.runs,
            student=student,
            batch=args.batch,
            seed=args.seed,
            tol=args.tol,
            max_steps=args.steps,
            resume=args.resume,
            report=None if args.json else lambda line: print(line, file=sys.stderr),
            population=population,
            label=label,
        )
        entries = [cat.entry(i) for i in found.new_entries]
    rows = [
        {
            "id": e.id,
            "status": e.status,
            "verdict": e.verdict,
            "loss": (e.certificate or {}).get("loss"),
            "loss_gap": e.loss_gap,
            "basin_share": e.basin_share,
        }
        for e in entries
    ]
    if args.json:
        doc = {
            "trap": args.trap,
            "k": found.k,
            "dimension": n,
            "coordinate_symmetries": _symmetry_json(population, k),
            "student": found.student,
            "batches": found.batches,
            "skipped_batches": found.skipped,
            "runs": found.runs,
            "global_runs": found.global_runs,
            "spurious_runs": found.spurious_runs,
            "unconverged_runs": found.unconverged_runs,
            "repeated": found.repeated,
            "catalogue": args.catalogue,
            "new_entries": rows,
        }
        print(json.dumps(doc, indent=2, allow_nan=False))
        return 0
    if args.trap is not None:
        sym = _symmetry_json(population, k)
        print(
            f"{args.trap}: teacher of {k} neurons on R^{n}; coordinate permutations fixing it: "
            f"{sym['order']} (blocks {sym['blocks']}, {len(sym['cosets'])} coset(s)"
            + ("" if sym["complete"] else ", search stopped at its limit: maybe not all")
            + ")"
        )
    print(
        f"k = {found.k}, {found.student} student neurons: {found.runs} runs in "
        f"{found.batches - found.skipped} batch(es) ({found.skipped} already recorded): "
        f"{found.global_runs} global, {found.spurious_runs} spurious, {found.unconverged_runs} unconverged"
    )
    print(
        f"{len(rows)} new distinct spurious minimum(s) in {args.catalogue}"
        + (f"; {found.repeated} already catalogued" if found.repeated else "")
    )
    if rows:
        table = [("id", "status", "verdict", "loss", "loss gap ≥", "basin share")]
        for r in rows:
            table.append(
                (
                    str(r["id"]),
                    str(r["status"]),
                    str(r["verdict"]),
                    str(r["loss"]),
                    "—" if r["loss_gap"] is None else f"{r['loss_gap']:.4g}",
                    "—" if r["basin_share"] is None else f"{r['basin_share']:.3g}",
                )
            )
        print_table(table)
        print("badminima catalogue show ID (details), badminima catalogue export --out DIR (trap files)")
    return 0


def _landscape(args: argparse.Namespace) -> tuple[Any, str | None, int, int, int]:
    """(population or None, entry label, teacher neurons k, dimension n, default student width) from
    --trap or --k, checked before any work."""
    from badminima.errors import SettingsError

    if args.trap is None:
        if args.k is None:
            raise SettingsError("--k: expected the teacher width (V = I_k), or --trap FILE")
        return None, None, args.k, args.k, args.k
    import re

    from badminima.errors import TrapFileError
    from badminima.model.population import PopulationTrap
    from badminima.model.trapfile import load_any_trap

    trap = load_any_trap(args.trap)
    if not isinstance(trap, PopulationTrap):
        raise TrapFileError(
            args.trap,
            "data",
            "expected a population trap (distribution, dimension, teacher), got finite data",
        )
    k = len(trap.population.teacher_rows)
    if args.k is not None and args.k != k:
        raise SettingsError(f"--k: {args.trap} has a teacher of {k} neurons, got --k {args.k}")
    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", trap.name or "trap")
    return trap.population, label, k, trap.population.dimension, trap.network.widths[1]


def _symmetry_json(population: Any, k: int) -> dict[str, Any]:
    """The coordinate symmetries of the teacher (V = I_k when ``population`` is None)."""
    from badminima.constructions.safran_shamir import teacher
    from badminima.search.population_orbits import coordinate_symmetries

    sym = coordinate_symmetries((teacher(k) if population is None else population).teacher_rows)
    return {
        "order": sym.order,
        "blocks": [list(b) for b in sym.blocks],
        "cosets": [list(c) for c in sym.cosets],
        "complete": sym.complete,
    }
