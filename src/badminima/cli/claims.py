"""`claims list` and `claims check`: published statements as executable properties."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from badminima.cli.args import int_at_least

_DEFAULT_CLAIM_OUT = "claim-traps"

_STATUS_TEXT = {"held": "held", "counterexample": "counterexample found", "inconclusive": "inconclusive"}


def add_parser(sub: Any) -> None:
    """Register `claims` (list, check) on ``sub``."""
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
    clm_list.set_defaults(run=run)
    clm_check = clm_sub.add_parser(
        "check",
        help="check claims (all, or the NAMEs given) on drawn examples",
        description="Check claims (all, or the NAMEs given) on examples drawn by hypothesis.",
    )
    clm_check.add_argument("names", nargs="*", metavar="NAME", help="claim names (see `claims list`)")
    clm_check.add_argument(
        "--examples",
        type=int_at_least(
            1, "a number of examples", maximum=100_000, why="the thorough profile draws a few thousand"
        ),
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
        "--seed", type=int_at_least(0, "a seed"), default=None, help="hypothesis seed (dev/thorough)"
    )
    clm_check.add_argument(
        "--out",
        default=_DEFAULT_CLAIM_OUT,
        metavar="DIR",
        help=f"where counterexample and witness trap files go (default: ./{_DEFAULT_CLAIM_OUT})",
    )
    clm_check.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    clm_check.set_defaults(run=run)


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


def _print_outcome(outcome: Any, claim: Any, paths: Sequence[tuple[str, str, bool]]) -> None:
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

    from badminima.claims import claim, claims, write_claim_files
    from badminima.claims.checking import ClaimError
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
        paths = write_claim_files(outcome, c, args.out)
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


_HANDLERS = {"list": _cmd_claims_list, "check": _cmd_claims_check}


def run(args: argparse.Namespace) -> int:
    """Run the command that ``args`` names; returns the exit status."""
    return _HANDLERS[args.action](args)
