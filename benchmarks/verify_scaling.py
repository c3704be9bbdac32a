"""Certification time against parameter count.

Each row is a teacher network with random weights whose own outputs, rounded to 12 decimals, are the
targets on N = 2P random inputs: the least-squares minimum then sits next to the teacher (a strict
minimum when the Jacobian has full rank), and `certify` starts from the teacher's weights rounded to
17 digits, so it must polish the point and prove the box. The baseline is the first row, a 2-2-1
sigmoid network on 10 points, measured in this same process; every row prints its time as a ratio.

    python benchmarks/verify_scaling.py                  # up to ~200 parameters
    python benchmarks/verify_scaling.py --max-params 1000 # the 1,000-parameter target: under a minute
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np
import torch

from badminima.arithmetic import FloatArithmetic
from badminima.landscape import forward, unflatten
from badminima.landscape.forward_pass import predictions
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import certify


def _teacher_trap(net: Network, n: int, seed: int) -> Trap:
    gen = torch.Generator().manual_seed(seed)
    theta = torch.randn(net.n_params, generator=gen, dtype=torch.float64)
    rng = np.random.default_rng(seed)
    X = [[Fraction(str(v)) for v in row] for row in rng.uniform(-2, 2, size=(n, net.widths[0])).round(2)]
    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*X, strict=True)))
    out = predictions(net, forward(net, unflatten(net, theta), inputs, arith=arith), arith=arith)[0]
    data = Dataset.of(X, [[Fraction(f"{float(v):.12f}")] for v in out])
    point = Point.unflatten(net, [Fraction(f"{float(v):.17g}") for v in theta])
    return Trap(net, data, point)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--max-params", type=int, default=200)
    args = parser.parse_args()
    rows = [(Network((2, 2, 1), "sigmoid"), 10)]
    # Ten inputs: tanh ridge features in 2-D are numerically dependent beyond a few units (Hessian
    # condition ~1e14), in 10-D they stay independent enough for a certifiable strict minimum.
    for h in (2, 4, 8, 16, 32, 64, 80):  # 10-h-1: 12h + 1 parameters
        net = Network((10, h, 1), "tanh")
        if net.n_params > args.max_params:
            break
        rows.append((net, 2 * net.n_params))
    certify(_teacher_trap(*rows[0], 0), probes=0)  # warm-up: torch's first calls
    base = None
    print(f"{'network':<36}{'params':>7}{'points':>7}{'verdict':>14}{'seconds':>10}{'ratio':>8}")
    for net, n in rows:
        trap = _teacher_trap(net, n, 0)
        start = time.perf_counter()
        cert = certify(trap, probes=0)
        seconds = time.perf_counter() - start
        base = base or seconds
        print(
            f"{net.describe():<36}{net.n_params:>7}{n:>7}{cert.verdict.value:>14}"
            f"{seconds:>10.3f}{seconds / base:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
