"""Float64 diagnostics beside every certificate: gradient norm, Hessian spectrum, random descent
probes. Evidence for a reader, never a proof: a certificate's verdict never rests on these numbers."""

from __future__ import annotations

import math

import numpy as np
import torch

from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.landscape.batched import batched_losses
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.progress import ProgressHook, report
from badminima.verify.certificate import Diagnostics

PROBE_RADII = (1e-2, 1e-4, 1e-6)


def float_derivatives(
    network: Network, dataset: Dataset, point: Point, *, progress: ProgressHook | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """Float loss, gradient and symmetrised Hessian at ``point`` (the piece on the active side at a kink)."""
    arith = FloatArithmetic()
    prob = prepare(network, dataset, point, arith=arith)
    args = (network, prob.inputs, prob.targets, prob.flat)
    grad = gradient_of_flat(*args, arith=arith, masks=prob.masks).detach().numpy()
    hess = hessian_of_flat(*args, arith=arith, masks=prob.masks, progress=progress).detach().numpy()
    value = float(batched_losses(network, dataset, prob.flat[None, :])[0])
    return value, grad, (hess + hess.T) / 2


def diagnostics(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    probes: int = 64,
    seed: int = 0,
    derivatives: tuple[float, np.ndarray, np.ndarray] | None = None,
    progress: ProgressHook | None = None,
) -> Diagnostics:
    """Float gradient, Hessian spectrum and the smallest loss change over ``probes`` random unit
    directions at each radius of `PROBE_RADII` (scaled by 1 + ‖x‖∞); ``derivatives`` reuses a
    `float_derivatives` result."""
    value, grad, hess = derivatives or float_derivatives(network, dataset, point)
    eig = np.linalg.eigvalsh(hess) if len(grad) else np.zeros(0)
    x = torch.tensor([float(v) for v in point.flatten()], dtype=DTYPE)
    scale = 1.0 + float(x.abs().max()) if len(x) else 1.0
    gen = torch.Generator().manual_seed(seed)
    decrease = math.inf
    if probes > 0 and len(x):
        u = torch.randn(probes, len(x), generator=gen, dtype=DTYPE)
        u = u / u.norm(dim=1, keepdim=True)
        for k, rho in enumerate(PROBE_RADII):
            report(progress, "float descent probes", k, len(PROBE_RADII), note=f"at radius {rho:g}")
            losses = batched_losses(network, dataset, x[None, :] + rho * scale * u)
            decrease = min(decrease, float((losses - value).min()))
    gnorm = float(np.linalg.norm(grad))
    curv_scale = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
    looks = (
        gnorm <= 1e-6 * curv_scale * scale
        and (len(eig) == 0 or float(eig[0]) >= -1e-9 * curv_scale)
        and decrease >= -1e-12 * max(1.0, abs(value))
    )
    return Diagnostics(
        gradient_norm=gnorm,
        hessian_eigenvalues=tuple(float(e) for e in eig),
        probes=probes,
        probe_radii=tuple(r * scale for r in PROBE_RADII),
        probe_min_decrease=decrease if decrease != math.inf else 0.0,
        looks_like_minimum=bool(looks),
    )
