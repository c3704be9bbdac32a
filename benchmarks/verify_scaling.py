"""Certification time against parameter count.

Fits small sigmoid/tanh networks to noisy data with L-BFGS (float64), rounds the end point to 17
digits, and times `certify` on it. The baseline is the first row, a 2-2-1 sigmoid network on 10
points, measured in this same process; every other row prints its time as a ratio to it.

    python benchmarks/verify_scaling.py                # up to ~100 parameters
    python benchmarks/verify_scaling.py --max-params 400
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np
import torch

from badminima.landscape import batched_losses
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import certify
from badminima.verify.diagnostics import float_derivatives


def _fit(net: Network, data: Dataset, seed: int) -> Point:
    gen = torch.Generator().manual_seed(seed)
    theta = torch.randn(net.n_params, generator=gen, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS(
        [theta],
        max_iter=5000,
        tolerance_grad=1e-15,
        tolerance_change=1e-30,
        line_search_fn="strong_wolfe",
        history_size=50,
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        value = batched_losses(net, data, theta[None])[0]
        value.backward()
        return value

    for _ in range(3):
        opt.step(closure)
    return Point.unflatten(net, [Fraction(repr(float(v))) for v in theta.detach()])


def _strict_minimum(net: Network, data: Dataset) -> Point | None:
    for seed in range(8):
        point = _fit(net, data, seed)
        eig = np.linalg.eigvalsh(float_derivatives(net, data, point)[2])
        if eig[0] > 1e-7 * max(1.0, eig[-1]):
            return point
    return None


def _data(n: int, d0: int, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, d0)).round(2)
    y = (np.sin(2 * X.sum(axis=1)) + 0.3 * rng.standard_normal(n)).round(3)
    return Dataset.of([[Fraction(str(v)) for v in row] for row in X], [[Fraction(str(v))] for v in y])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-params", type=int, default=100)
    args = parser.parse_args()
    rows = [(Network((2, 2, 1), "sigmoid"), _data(10, 2, 0))]
    for h in (4, 8, 16, 32, 64, 128, 256):
        net = Network((1, h, 1), "tanh")
        if net.n_params > args.max_params:
            break
        rows.append((net, _data(net.n_params + 10, 1, h)))
    certify(Trap(*rows[0], _fit(*rows[0], 0)), probes=0)  # warm-up: torch's first calls
    base = None
    print(f"{'network':<28}{'params':>7}{'points':>7}{'verdict':>14}{'seconds':>10}{'ratio':>8}")
    for net, data in rows:
        point = _strict_minimum(net, data)
        if point is None:
            print(f"{net.describe():<28}{net.n_params:>7}{data.n_points:>7}   no strict minimum found")
            continue
        start = time.perf_counter()
        cert = certify(Trap(net, data, point), probes=0)
        seconds = time.perf_counter() - start
        base = base or seconds
        print(
            f"{net.describe():<28}{net.n_params:>7}{data.n_points:>7}{cert.verdict.value:>14}"
            f"{seconds:>10.3f}{seconds / base:>8.1f}"
        )


if __name__ == "__main__":
    main()
