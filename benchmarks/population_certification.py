"""Certification time of Safran & Shamir's spurious minima against k (n = k, P = k² parameters).

Each row builds the stored symmetric minimum (`badminima.constructions.safran_shamir`), certifies it with
`certify_population` (Newton polish in float64 and balls, the box Hessian enclosed, Gershgorin bound on
the dense P × P Hessian) and prints the verdict, the proved curvature μ, the proved loss gap to W = I and
the wall time. One process, the times as measured (shared machines move them).

    python benchmarks/population_certification.py                 # k = 6 … 20
    python benchmarks/population_certification.py --k 25 30 40 50 # beyond the paper
"""

from __future__ import annotations

import argparse
import time

from badminima.constructions.safran_shamir import safran_shamir
from badminima.verify.population import certify_population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, nargs="+", default=list(range(6, 21)))
    args = parser.parse_args()
    print(f"{'k':>3} {'P':>5}  {'verdict':<14} {'rigor':<9} {'loss':>12} {'μ ≥':>9} {'gap ≥':>11} {'s':>7}")
    for k in args.k:
        start = time.perf_counter()
        cert = certify_population(safran_shamir(k))
        seconds = time.perf_counter() - start
        mu = cert.min_eigenvalue_bound
        gap = cert.gap_lower
        loss = float(cert.loss_upper) if cert.loss_upper is not None else float("nan")
        print(
            f"{k:>3} {k * k:>5}  {cert.verdict.value:<14} {cert.rigor:<9} {loss:>12.10f} "
            f"{float(mu) if mu else 0:>9.3g} {float(gap) if gap else 0:>11.6g} {seconds:>7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
