"""Batched saddle-free Newton: every start of a multistart run taken to where it ends, in few steps.

First-order methods crawl in the flat valleys of small sigmoid networks (the sigmoid deadlock's
smallest Hessian eigenvalue is about 9e-6), so most of their runs end ``unconverged``. Here each of the
K starts, in the ``(P, K)`` layout, with its exact Hessian H = V Λ Vᵀ (forward-over-reverse, batched),
tries the steps

    d(μ) = −V (|Λ| + μ I)⁻¹ Vᵀ g

Newton's step with the eigenvalues replaced by their absolute values (Dauphin et al. 2014, "saddle-free
Newton"): a descent direction everywhere, Newton's own step near a strict minimum (quadratic
convergence), and a step *away* from a saddle along its negative curvature. One eigendecomposition
gives d(μ) for several dampings μ·4^j at once, and the least damped one is also tried 4 … 256 times as
long; the lowest loss wins (ties to the longest move) and sets the next μ (Levenberg–Marquardt style).
μ never falls below 1e-13 of the largest |λ|.

How a start ends (numerically; `verify` proves what matters):

- ``critical``: gradient norm below ``grad_tol`` and the undamped Newton step (over eigenvalues above
  the 1e-13 cut) below ``step_tol``; or, at bounded weights, a loss that stopped falling (by 1e-10
  relative over 10 steps) with a gradient below 1e-5: a degenerate critical point such as a manifold
  of zero-loss fits, where Newton converges only linearly. The float64 polish then has to confirm it.
- ``escaped``: a weight beyond ``max_norm``; or a loss that stopped falling while the weight norm still
  grows (by 1% over 10 steps): a valley descending to a minimum at infinity, where the gradient is
  tiny too (a 0/1-label sigmoid fit reaches loss 1e-14 at |θ| < 50) but the Newton step is not; or
  a *drift*: over each of the last two windows of 10 steps the loss fell by at most 1e-6 (relative),
  the start moved mostly outwards (the norm grew by at least half the path length) and its steps did
  not shrink (the last window's path at least half the one before). Converging to a finite point,
  even a degenerate one, Newton's steps shrink geometrically; on a valley to infinity, where the
  curvature fades as fast as the gradient (a unit sharpening into a step), they keep their length
  and the loss creeps towards its limit. Or, after ``max_steps``, a sigmoid/tanh unit saturated
  (|z| ≥ 10) on every data point: a step function.
- ``diverged``: NaN/inf; ``unconverged``: none of these within ``max_steps``.

Finished starts leave the batch (`pack`), which keeps the later, few-start steps cheap without
letting a start's rounding depend on which others are still running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from badminima.model.network import Network

# Line-search lengths along the damped Newton direction (the first is Newton's own step).
LENGTHS = (4.0, 16.0, 64.0, 256.0)
# Eigenvalues below this fraction of the largest |λ| count as flat: they bound μ from below and are
# left out of the undamped step that decides convergence.
FLAT = 1e-13
# Over WINDOW steps, a loss that fell by at most SETTLED (relative) while the weight norm grew by the
# factor GROWTH marks a start on its way to a minimum at infinity.
WINDOW = 10
SETTLED = 1e-10
GROWTH = 1.01
# A drift to infinity: over each of the last two windows the loss fell by at most DRIFT (relative),
# the norm grew by at least OUTWARD times the path length, and the path did not shrink below
# OUTWARD times the window's before.
DRIFT = 1e-6
OUTWARD = 0.5
STALLED = 1e-5
# |pre-activation| from which a unit counts as saturated (the README's saturation threshold).
SATURATED = 10.0
_MU_START = 1e-3
# Damping factors tried at each step, most damped first.
_FACTORS = torch.tensor([4.0**j for j in (6, 4, 2, 1, 0, -1, -2)], dtype=torch.float64)
_MU_MAX = 1e12
_MU_MIN = 1e-30


def has_saturated_unit(network: Network, inputs: Any, theta: Any, *, threshold: float = SATURATED) -> Any:
    """(K,) bool: some sigmoid/tanh unit (hidden, or a sigmoid output) of the point ``theta`` (P, K)
    has |pre-activation| ≥ ``threshold`` on every data point: it acts as a step function there."""
    from badminima.arithmetic.batch import Batch, BatchArithmetic
    from badminima.landscape.forward_pass import forward, unflatten

    fwd = forward(
        network,
        unflatten(network, Batch(theta)),
        inputs,
        arith=BatchArithmetic(theta.dtype),
        kink_side="inactive",
    )
    smooth = [network.activation in ("sigmoid", "tanh")] * (network.depth - 1) + [network.output == "sigmoid"]
    out = torch.zeros(theta.shape[1], dtype=torch.bool)
    for z, is_smooth in zip(fwd.z, smooth, strict=True):
        if is_smooth:
            out |= (z.t.abs().amin(1) >= threshold).any(0)
    return out


def pack(live: np.ndarray, lanes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Columns for the live starts ``live`` (ascending indices) in a batch of a multiple of ``lanes``
    columns, each at a position congruent to its own index mod ``lanes`` (free positions repeat
    ``live[0]``, whose extra results are dropped); returns that batch's column indices and, per live
    start, its position in the batch.

    Only this keeps a start's arithmetic independent of which others are still live: elementwise
    kernels round a column by its SIMD lane, and batched LAPACK (``eigh``) by the memory alignment of
    its matrix, both fixed by the position mod ``lanes``; yet finished starts do leave the batch.

    Example:
        >>> cols, slots = pack(np.array([1, 6, 9]), 4)
        >>> cols.tolist(), slots.tolist()
        ([1, 1, 6, 1, 1, 9, 1, 1], [1, 2, 5])
    """
    residue = live % lanes
    order = np.argsort(residue, kind="stable")
    counts = np.bincount(residue, minlength=lanes)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty_like(live)
    rank[order] = np.arange(live.size) - first[residue[order]]
    slots = rank * lanes + residue
    cols = np.full(int(rank.max() + 1) * lanes, live[0])
    cols[slots] = live
    return torch.from_numpy(cols), torch.from_numpy(slots)


def newton_train(
    network: Network,
    inputs: Any,
    targets: Any,
    theta: torch.Tensor,
    *,
    max_steps: int,
    grad_tol: float,
    step_tol: float,
    max_norm: float,
    lanes: int,
    report: Callable[[int, int], None] | None = None,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Saddle-free Newton from the (P, K) ``theta``, data ``inputs``/``targets`` shared (last axis 1)
    or one column per start. Returns the end points (P, K), each start's status (``critical``,
    ``escaped``, ``diverged`` or ``unconverged``: see the module docstring) and the steps each took.
    ``report(step, max_steps)`` is called before each step (progress displays)."""
    from badminima.arithmetic.batch import Batch
    from badminima.search.columns import column_derivatives, column_losses

    p, k = theta.shape
    theta = theta.to(torch.float64).clone()
    mu = torch.full((k,), _MU_START, dtype=torch.float64)
    active = torch.ones(k, dtype=torch.bool)
    status = np.array(["unconverged"] * k, dtype=object)
    steps = np.zeros(k, dtype=np.int64)
    shared = inputs.t.shape[-1] == 1
    lengths = torch.tensor(LENGTHS, dtype=torch.float64)
    # The loss, weight norm and path length travelled at the last 2·WINDOW steps, per start: step
    # it's values go to row it mod 2·WINDOW (NaN before the start).
    past_loss = torch.full((2 * WINDOW, k), torch.nan, dtype=torch.float64)
    past_norm = torch.full((2 * WINDOW, k), torch.nan, dtype=torch.float64)
    past_path = torch.full((2 * WINDOW, k), torch.nan, dtype=torch.float64)
    path = torch.zeros(k, dtype=torch.float64)
    with torch.no_grad():
        for it in range(max_steps + 1):
            if report is not None:
                report(it, max_steps)
            live = np.flatnonzero(active.numpy())
            if live.size == 0:
                break
            cols, slots = pack(live, lanes)
            x = inputs if shared else Batch(inputs.t[..., cols])
            y = targets if shared else Batch(targets.t[..., cols])
            th, m = theta[:, cols], mu[cols]
            f, g, h = column_derivatives(network, x, y, th)
            finite = torch.isfinite(f) & torch.isfinite(g).all(0) & torch.isfinite(h).all(2).all(1)
            eye = torch.eye(p, dtype=torch.float64)
            lam, vec = torch.linalg.eigh(torch.where(finite[:, None, None], h, eye))
            top = lam.abs().amax(1)
            # Products and sums, never matmul kernels, whose blocking (and rounding) depends on K.
            gv = (vec * torch.where(finite, g, 0.0).T[:, :, None]).sum(1)  # (K, P): Vᵀg
            m = torch.maximum(m, FLAT * top)
            # Every try from one eigendecomposition: the step at dampings μ·4^j, the least damped
            # one also at lengths 4 … 256; ordered from the shortest move to the longest.
            coef = gv[:, None, :] / (lam.abs()[:, None, :] + (m[:, None] * _FACTORS)[:, :, None])
            direction = -(vec[:, :, None, :] * coef[:, None, :, :]).sum(3).permute(1, 0, 2)  # (P, K, D)
            moves = torch.cat([direction, direction[:, :, -1:] * lengths], dim=2)  # (P, K, C)
            reps = moves.shape[2]
            # Columns ordered (start, try), whatever the data layout, so that a start's lane
            # position, and with it its rounding, is the same alone and among other datasets.
            tried = column_losses(
                network,
                x if shared else Batch(x.t.repeat_interleave(reps, -1)),
                y if shared else Batch(y.t.repeat_interleave(reps, -1)),
                (th[:, :, None] + moves).reshape(p, -1),
            ).reshape(-1, reps)
            tried = torch.where(torch.isfinite(tried), tried, torch.inf)
            # The longest of the lowest tries: on a plateau where float64 no longer sees the loss fall
            # (saturated units on their way to infinity) the ties go outwards, not nowhere.
            best = reps - 1 - tried.flip(1).argmin(1)
            lowest = tried.gather(1, best[:, None])[:, 0]
            chosen = moves.gather(2, best[None, :, None].expand(p, -1, 1))[:, :, 0]
            flat = lam.abs() <= FLAT * top[:, None]
            undamped = torch.linalg.vector_norm(torch.where(flat, 0.0, gv / lam), dim=1)
            saturated = has_saturated_unit(network, x, th) if it == max_steps else None
            # From here on, the live starts only (the batch's spare columns dropped).
            th, m, f, finite, best, lowest, chosen, undamped = (
                a[..., slots] if a.ndim == 2 else a[slots]
                for a in (th, m, f, finite, best, lowest, chosen, undamped)
            )
            gn = torch.linalg.vector_norm(g, dim=0)[slots]
            done = finite & (gn < grad_tol) & (undamped < step_tol)
            # A minimum at infinity: the loss has stopped falling measurably over WINDOW steps while
            # the weights still grow (and the Newton step has not shrunk: not ``done``).
            norm = torch.linalg.vector_norm(th, dim=0)
            old, mid = it % (2 * WINDOW), (it - WINDOW) % (2 * WINDOW)
            loss0, loss1 = past_loss[old, live], past_loss[mid, live]
            norm0, norm1 = past_norm[old, live], past_norm[mid, live]
            path0, path1, path2 = past_path[old, live], past_path[mid, live], path[live]
            scale = f.abs().clamp(min=1)
            settled = loss1 - f <= SETTLED * scale
            growing = norm >= GROWTH * norm1
            drifting = (
                (loss0 - loss1 <= DRIFT * scale)
                & (loss1 - f <= DRIFT * scale)
                & (norm1 - norm0 >= OUTWARD * (path1 - path0))
                & (norm - norm1 >= OUTWARD * (path2 - path1))
                & (path2 - path1 >= OUTWARD * (path1 - path0))
                & (path2 > path1)
            )
            past_loss[old, live], past_norm[old, live], past_path[old, live] = f, norm, path2
            receding = finite & ~done & ((settled & growing) | drifting)
            # Settled with a small gradient at bounded weights: a degenerate critical point (a
            # manifold of minima, say), where Newton converges slowly; the polish decides.
            done |= finite & settled & ~growing & (gn < STALLED)
            if saturated is not None:
                # Still moving after the last step: a start with a unit saturated on every data
                # point is a unit turned into a step on its way to infinity, not an unsettled run.
                receding |= finite & ~done & saturated[slots]
                move = torch.zeros_like(done)
            else:
                move = finite & ~done & ~receding
            ok = move & (lowest <= f)
            th = torch.where(ok, th + chosen, th)
            kept = _FACTORS[best.clamp(max=len(_FACTORS) - 1)]
            m = torch.where(ok, m * kept / 4, m * _FACTORS[0] * 4).clamp(_MU_MIN, _MU_MAX)
            escaped = receding | (ok & (th.abs().amax(0) > max_norm))
            steps[live[move.numpy()]] += 1
            status[live[done.numpy()]] = "critical"
            status[live[~finite.numpy()]] = "diverged"
            status[live[escaped.numpy()]] = "escaped"
            theta[:, live] = th
            mu[live] = m
            path[live] = path2 + torch.where(ok, torch.linalg.vector_norm(chosen, dim=0), 0.0)
            active[live] = move & ~escaped & (m < _MU_MAX)
    return theta, status, steps
