"""Damped Newton polish of float end points in the (P, K) layout: each column's own Levenberg–Marquardt
damping, chunked to bound memory, so a trained start reaches the critical point it approximates (or is
reported as not reaching one). Float only: a diagnostic that feeds the verifier, never a proof."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from badminima.arithmetic.batch import Batch
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.search.columns import LANES, column_data, column_derivatives, column_gradient_fn, column_slice

# Polishing solves K systems of size P at once; this bounds the K·P² floats held at a time.
_POLISH_FLOATS = 1 << 24


_MAX_DAMPING = 1e8


def polish(
    network: Network,
    dataset: Dataset | Sequence[Dataset],
    thetas: torch.Tensor,
    *,
    iterations: int = 40,
    grad_tol: float = 1e-11,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Damped Newton steps (float64) from each of the (P, K) ``thetas`` towards a nearby critical
    point of any index: step −(H + λI)⁻¹g, kept only when it lowers ‖g‖, with λ adapted per point
    (Levenberg–Marquardt on the gradient). Returns the polished points (P, K), losses, gradient
    norms, smallest Hessian eigenvalues and Hessian indices (eigenvalues below −1e-9·max(1, |λ|max))."""
    p, k = thetas.shape
    inputs, targets = column_data(network, dataset, k, torch.float64)
    size = max(1, _POLISH_FLOATS // max(1, p * p) // LANES) * LANES
    parts = [
        _polish_chunk(
            network,
            column_slice(inputs, i, i + size),
            column_slice(targets, i, i + size),
            thetas[:, i : i + size].to(torch.float64),
            iterations,
            grad_tol,
        )
        for i in range(0, k, size)
    ]
    theta = torch.cat([q[0] for q in parts], dim=1)
    return (theta, *(np.concatenate([q[j] for q in parts]) for j in range(1, 5)))  # type: ignore[return-value]


def _polish_chunk(
    network: Network, inputs: Any, targets: Any, theta: Any, iterations: int, grad_tol: float
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    p, k = theta.shape
    eye = torch.eye(p, dtype=torch.float64)
    lam = torch.full((k,), 1e-6, dtype=torch.float64)
    with torch.no_grad():
        losses, g, hess = column_derivatives(network, inputs, targets, theta)
        gn = torch.linalg.vector_norm(g, dim=0)
        for _ in range(iterations):
            # A point whose damping has grown to its cap has stopped making progress: leave it.
            todo = torch.isfinite(gn) & (gn > grad_tol) & (lam < _MAX_DAMPING)
            if not bool(todo.any()):
                break
            system = hess + lam[:, None, None] * eye
            step, info = torch.linalg.solve_ex(system, -g.T[:, :, None])
            cand = theta + step[:, :, 0].T
            c_losses, c_g, c_hess = column_derivatives(network, inputs, targets, cand)
            c_gn = torch.linalg.vector_norm(c_g, dim=0)
            ok = todo & (info == 0) & torch.isfinite(c_gn) & torch.isfinite(cand).all(0) & (c_gn < gn)
            theta = torch.where(ok, cand, theta)
            losses = torch.where(ok, c_losses, losses)
            g = torch.where(ok, c_g, g)
            hess = torch.where(ok[:, None, None], c_hess, hess)
            gn = torch.where(ok, c_gn, gn)
            lam = torch.where(ok, lam / 10, lam * 10).clamp(1e-12, _MAX_DAMPING)
        finite = torch.isfinite(hess).all(2).all(1)
        eig = torch.linalg.eigvalsh(torch.where(finite[:, None, None], hess, eye))
        scale = eig.abs().amax(1).clamp(min=1)
        index = (eig < -1e-9 * scale[:, None]).sum(1)
        min_eig = torch.where(finite, eig[:, 0], torch.nan)
        index = torch.where(finite, index, -1)
    return theta, losses.numpy(), gn.numpy(), min_eig.numpy(), index.numpy()


def polish_some(
    network: Network,
    data: Dataset | Sequence[Dataset],
    theta: torch.Tensor,
    which: torch.Tensor,
    iterations: int,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`polish` on the columns ``which`` (padded to a multiple of the SIMD lanes with copies, so that
    a column's rounding does not depend on the others); every column gets its loss and gradient norm,
    the rest NaN smallest eigenvalue and index −1."""
    p, k = theta.shape
    inputs, targets = column_data(network, data, k, torch.float64)
    theta = theta.to(torch.float64).clone()
    with torch.no_grad():
        g, losses_t = column_gradient_fn(network, inputs, targets)(theta)
    losses, gn = losses_t.numpy().copy(), torch.linalg.vector_norm(g, dim=0).numpy().copy()
    min_eig = np.full(k, np.nan)
    index = np.full(k, -1, dtype=np.int64)
    live = torch.nonzero(which).flatten()
    if live.numel():
        n = live.numel()
        cols = torch.cat([live, live[:1].repeat((-n) % LANES)])
        size = max(1, _POLISH_FLOATS // max(1, p * p) // LANES) * LANES
        for i in range(0, cols.numel(), size):
            part = cols[i : i + size]
            x = inputs if inputs.t.shape[-1] == 1 else Batch(inputs.t[..., part])
            y = targets if targets.t.shape[-1] == 1 else Batch(targets.t[..., part])
            th, *rest = _polish_chunk(network, x, y, theta[:, part], iterations, 1e-11)
            m = min(part.numel(), max(0, n - i))
            dest = part[:m]
            theta[:, dest] = th[:, :m]
            for arr, new in zip((losses, gn, min_eig, index), rest, strict=True):
                arr[dest.numpy()] = new[:m]
    return theta, losses, gn, min_eig, index
