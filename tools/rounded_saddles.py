"""Rounded saddles of two-output 1-1-2 tanh nets and 1-2-1 nets with a sigmoid output and cross-entropy,
with their truth known by construction (`tests.verify.planted_heads`: exact or 80-digit critical points,
spectra at 80 digits), rounded to 6, 17 and 30 digits and certified: the diagnosis table of the README's
"Rounded saddles on degenerate critical sets".

    python tools/rounded_saddles.py              # the table (about a minute)
    python tools/rounded_saddles.py --examples   # examples/rounded/{embedded,constant-unit}-saddle.json

Families (every point exactly critical, to 1e-75; a Hessian eigenvalue below −1e-40 at 80 digits makes
it a saddle; the degenerate ones have zero eigenvalues from the invariance named):
- generic: a planted critical point of the net itself (no invariance; `planted_heads.plant`);
- constant: the 1-1-2 net's unit constant on the data (w = 0), output weights V ⊥ the residual moment,
  c = ȳ − V tanh(b): a 2-dimensional critical manifold (b and |V|);
- split: a 1-1-1 cross-entropy critical point duplicated with output weights λv, (1 − λ)v (a line);
- born: the same with a second unit of zero incoming and output weights (a line: its bias).
"""

from __future__ import annotations

import argparse
import collections
from fractions import Fraction
from pathlib import Path

from badminima.model import Network, Trap, save_trap
from badminima.verify import certify
from tests.verify import planted_heads as ph

OUT = Path(__file__).resolve().parents[1] / "examples" / "rounded"
BCE = {a: Network((1, 1, 1), a, output="sigmoid", loss="bce") for a in ("tanh", "sigmoid")}


def cases(n: int):
    """(family, Planted) pairs: every family on seeds 0 … n − 1 (draws that plant nothing are skipped)."""
    for seed in range(n):
        for residual in (0.3, 1.0):
            p = ph.plant(seed, network=Network((1, 1, 2), "tanh"), residual=residual)
            if p is not None and p.gradient < 1e-60:
                yield "1-1-2 tanh generic", p
        yield "1-1-2 tanh constant unit", ph.constant_unit_two_outputs(seed)
        for act, net in BCE.items():
            for residual in (0.02, 0.3):
                base = ph.plant(seed, network=net, residual=residual)
                if base is None or base.gradient > 1e-60:
                    continue
                kind = "minimum" if base.index == 0 else "saddle"
                yield f"1-2-1 {act} bce split of a {kind}", ph.split_units(base, Fraction(1, 3))
                yield f"1-2-1 {act} bce born on a {kind}", ph.born_unit(base, Fraction(1, 2))


def table(n: int) -> None:
    counts: dict[tuple[str, str, str], int] = collections.Counter()
    for family, p in cases(n):
        truth = "saddle" if p.eigenvalues[0] < -1e-40 else "minimum" if p.eigenvalues[0] > 1e-40 else "other"
        for digits in (6, 17, 30):
            cert = certify(Trap(p.network, p.dataset, p.point(digits)), probes=0)
            counts[(family, truth, f"{cert.verdict.value} ({cert.code})")] += 1
    for (family, truth, answer), k in sorted(counts.items()):
        print(f"{family:36s} truth {truth:7s} {k:3d} × {answer}")


def examples() -> None:
    base = ph.plant(0, network=BCE["sigmoid"], residual=0.3, residual_decimals=9)
    assert base is not None and base.index == 1
    born = ph.born_unit(base, Fraction(1, 2))
    const = ph.constant_unit_two_outputs(0)
    for name, p, digits, what in (
        (
            "embedded-saddle",
            born,
            17,
            "a planted saddle of a 1-1-1 sigmoid net with cross-entropy, with a second unit born at zero "
            "(w = v = 0, bias 1/2)",
        ),
        (
            "constant-unit-saddle",
            const,
            17,
            "a 1-1-2 tanh net whose unit is constant on the data (w = 0), output weights orthogonal to the "
            "residual moment, output biases ȳ − V tanh(b): a saddle on a 2-dimensional critical manifold",
        ),
    ):
        save_trap(
            Trap(p.network, p.dataset, p.point(digits), name=name, description=what), OUT / f"{name}.json"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", action="store_true", help="write the two example trap files")
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    if args.examples:
        examples()
    else:
        table(args.seeds)


if __name__ == "__main__":
    main()
