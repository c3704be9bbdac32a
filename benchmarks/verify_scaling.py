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

from badminima.arithmetic import FloatArithmetic
from badminima.landscape import batched_losses, forward, unflatten
from badminima.landscape.forward import predictions
from badminima.model import Dataset, Network, Point, Trap
from badminima.verify import certify
from badminima.verify.diagnostics import float_derivatives


def _teacher(net: Network, n: int, seed: int) -> tuple[Dataset, torch.Tensor]:
    """Inputs in [-2, 2], targets from a random network of the same shape plus noise: with more points
    than parameters the least-squares fit near the teacher is a finite, strict minimum."""
    gen = torch.Generator().manual_seed(seed)
    theta = torch.randn(net.n_params, generator=gen, dtype=torch.float64)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, net.widths[0])).round(2)
    data = Dataset.of([[Fraction(str(v)) for v in row] for row in X], [[Fraction(0)] for _ in X])
    clean = _predictions(net, data, theta)
    y = (clean + 0.05 * rng.standard_normal(n)).round(3)
    return Dataset.of(data.X, [[Fraction(str(v))] for v in y]), theta


def _predictions(net: Network, data: Dataset, theta: torch.Tensor) -> np.ndarray:
    arith = FloatArithmetic()
    inputs = arith.matrix(list(zip(*data.X, strict=True)))
    fwd = forward(net, unflatten(net, theta), inputs, arith=arith)
    return predictions(net, fwd, arith=arith)[0].numpy()


def _fit(net: Network, data: Dataset, start: torch.Tensor) -> Point | None:
    theta = start.clone().requires_grad_(True)
    opt = torch.optim.LBFGS(
        [theta],
        max_iter=1000,
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
    point = Point.unflatten(net, [Fraction(repr(float(v))) for v in theta.detach()])
    eig = np.linalg.eigvalsh(float_derivatives(net, data, point)[2])
    return point if eig[0] > 1e-7 * max(1.0, eig[-1]) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-params", type=int, default=100)
    args = parser.parse_args()
    rows = [(Network((2, 2, 1), "sigmoid"), 10)]
    for h in (4, 8, 16, 32, 64, 128, 256):  # 2-h-1: 4h + 1 parameters
        net = Network((2, h, 1), "tanh")
        if net.n_params > args.max_params:
            break
        rows.append((net, 3 * net.n_params))
    base = None
    print(f"{'network':<36}{'params':>7}{'points':>7}{'verdict':>14}{'seconds':>10}{'ratio':>8}")
    for k, (net, n) in enumerate(rows):
        point = None
        for seed in range(10):
            data, teacher = _teacher(net, n, 100 * k + seed)
            point = _fit(net, data, teacher)
            if point is not None:
                break
        if point is None:
            print(f"{net.describe():<36}{net.n_params:>7}{n:>7}   no strict minimum found")
            continue
        if base is None:
            certify(Trap(net, data, point), probes=0)  # warm-up: torch's first calls
        start = time.perf_counter()
        cert = certify(Trap(net, data, point), probes=0)
        seconds = time.perf_counter() - start
        base = base or seconds
        print(
            f"{net.describe():<36}{net.n_params:>7}{n:>7}{cert.verdict.value:>14}"
            f"{seconds:>10.3f}{seconds / base:>8.1f}"
        )


if __name__ == "__main__":
    main()
