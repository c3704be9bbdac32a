"""Certification time of Safran & Shamir's spurious minima against k (n = k, P = k² parameters): the
dense proof beside the symmetry-reduced one.

Each row builds the stored symmetric minimum (`badminima.constructions.safran_shamir`; for a k not stored,
`symmetric_minimum`'s five numbers) and proves it twice, timing each in the same process:

- dense: `certify_population(..., dense=True)` (Newton polish in float64 and balls, the box Hessian
  enclosed, Gershgorin bound on QᵀHQ for the dense P × P Hessian, Q its float eigenvectors): verdict,
  proved curvature μ,
  proved loss gap to W = I;
- reduced: `badminima.verify.population_symmetry.prove_symmetric_minimum` (Newton on the five numbers,
  the same box Hessian enclosure, then four isotypic blocks of size ≤ 5): the proved lower bound on the
  minimum's loss and the proved μ (the smallest block bound).

    python benchmarks/population_certification.py                       # k = 6 … 20
    python benchmarks/population_certification.py --k 25 30 40 50       # beyond the paper
    python benchmarks/population_certification.py --k 60 70 --no-dense  # the reduced proof only
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

from badminima.constructions.safran_shamir import STORED, safran_shamir, symmetric_minimum
from badminima.verify.population import certify_population
from badminima.verify.population_symmetry import prove_symmetric_minimum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, nargs="+", default=list(range(6, 21)))
    parser.add_argument("--no-dense", action="store_true", help="skip the dense proof")
    args = parser.parse_args()
    print(
        f"{'':10}{'dense':-^52}  {'symmetry-reduced':-^37}\n"
        f"{'k':>3} {'P':>5}  {'verdict':<14} {'loss':>12} {'μ ≥':>9} {'gap ≥':>11} {'s':>7}  "
        f"{'loss ≥':>12} {'μ ≥':>9} {'s':>7} {'ratio':>6}"
    )
    for k in args.k:
        dense = "-"
        seconds = float("nan")
        if not args.no_dense:
            start = time.perf_counter()
            cert = certify_population(safran_shamir(k), dense=True)
            seconds = time.perf_counter() - start
            mu, gap = cert.min_eigenvalue_bound, cert.gap_lower
            loss = float(cert.loss_upper) if cert.loss_upper is not None else float("nan")
            dense = (
                f"{cert.verdict.value:<14} {loss:>12.10f} {float(mu) if mu else 0:>9.3g} "
                f"{float(gap) if gap else 0:>11.6g} {seconds:>7.2f}"
            )
        five = (
            [Fraction(v) for v in STORED[k]] if k in STORED else [Fraction(v) for v in symmetric_minimum(k)]
        )
        start = time.perf_counter()
        proof = prove_symmetric_minimum(k, five)
        reduced_s = time.perf_counter() - start
        if isinstance(proof, tuple):
            reduced = f"{'failed: ' + proof[0]:>30}"
        else:
            reduced = f"{float(proof.loss_lower):>12.10f} {float(proof.mu):>9.3g} {reduced_s:>7.2f}"
        ratio = "—" if args.no_dense else f"{seconds / reduced_s:.1f}×"
        print(f"{k:>3} {k * k:>5}  {dense:<52}  {reduced} {ratio:>6}", flush=True)


if __name__ == "__main__":
    main()
