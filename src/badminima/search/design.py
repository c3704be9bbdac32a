"""Inverse design: move the data so that a chosen bad local minimum stays a strict minimum while a
better point gets better, widening the gap between them.

At a critical point θ*(X) of the data X, the envelope theorem gives d/dX L(θ*(X), X) = ∂L/∂X (the
θ-gradient vanishes), so the gap L(θ_bad; X) − L(θ_good; X) has a cheap data gradient: one reverse
pass with the two points as the two columns of a batch. Each step moves every coordinate by at most
``step`` along that gradient (inside the grid's box), re-polishes the bad point to the new data's
nearby critical point, and keeps the move only while that point is still a numerically strict
minimum; the better point is re-trained on the new data. Numeric: the result is a candidate that
`certify` must still prove.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch

from badminima.arithmetic.batch import Batch
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.rational import from_float
from badminima.search.columns import column_losses
from badminima.search.float_polish import polish
from badminima.search.starts import Optimizer, Stopping, train


@dataclass(frozen=True)
class Design:
    """The moved data (exact, on the grid of ``1/denominator``), the bad point re-polished on it, the
    re-trained better point, and the numeric gap after each accepted step (the first entry is the
    gap before any move)."""

    dataset: Dataset
    bad: np.ndarray
    better: np.ndarray
    gaps: tuple[float, ...]


def _tensors(dataset: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.tensor([[float(v) for v in col] for col in zip(*dataset.X, strict=True)], dtype=torch.float64)
    y = torch.tensor([[float(v) for v in col] for col in zip(*dataset.y, strict=True)], dtype=torch.float64)
    return X, y


def _exact(
    X: torch.Tensor, y: torch.Tensor, denominator: int, move_targets: bool, original: Dataset
) -> Dataset:
    def snap(v: float) -> Fraction:
        return from_float(v, "grid", denominator=denominator)

    inputs = [[snap(v) for v in row] for row in X.T.tolist()]
    targets = (
        [[snap(v) for v in row] for row in y.T.tolist()] if move_targets else [list(r) for r in original.y]
    )
    return Dataset.of(inputs, targets)


def _strict_minimum(network: Network, dataset: Dataset, theta: np.ndarray) -> np.ndarray | None:
    t = torch.tensor(theta, dtype=torch.float64)[:, None]
    out, _, gn, min_eig, index = polish(network, dataset, t, iterations=15)
    curved = min_eig[0] > 1e-9 or network.is_piecewise_linear
    if not (np.isfinite(gn[0]) and gn[0] < 1e-9 and index[0] == 0 and curved):
        return None
    return np.asarray(out[:, 0].numpy())


def inverse_design(
    network: Network,
    dataset: Dataset,
    bad: np.ndarray,
    better: np.ndarray,
    *,
    steps: int = 20,
    step: float = 0.25,
    extent: float = 4.0,
    denominator: int = 8,
    move_targets: bool = False,
    accept: Callable[[Dataset, np.ndarray, np.ndarray], bool] | None = None,
) -> Design:
    """Up to ``steps`` moves of the data (inputs, and real targets when ``move_targets``) that widen the
    gap between the strict local minimum ``bad`` and the point ``better`` (flat parameter vectors),
    each coordinate moving at most ``step`` and staying in [−extent, extent] on the grid of
    ``1/denominator``; a move that breaks the minimum (or does not widen the gap, or that ``accept``,
    given the moved data, bad point and better point, refuses) is undone and the step halved."""
    theta_bad = _strict_minimum(network, dataset, np.asarray(bad, dtype=np.float64))
    theta_good = np.asarray(better, dtype=np.float64)
    if theta_bad is None:
        return Design(dataset, np.asarray(bad, dtype=np.float64), theta_good, ())
    retrain = Stopping(max_steps=100, check_every=50)
    current = dataset
    gap, dX, dy = _gap_gradient(network, current, theta_bad, theta_good)
    gaps = [gap]
    for _ in range(steps):
        moved = None
        while step >= 1 / denominator and moved is None:
            X, y = _tensors(current)
            X = (X + step * dX / max(float(dX.abs().max()), 1e-300)).clamp(-extent, extent)
            if move_targets:
                y = (y + step * dy / max(float(dy.abs().max()), 1e-300)).clamp(-extent, extent)
            candidate = _exact(X, y, denominator, move_targets, current)
            if candidate == current or len(set(candidate.X)) < candidate.n_points:
                step /= 2
                continue
            moved_bad = _strict_minimum(network, candidate, theta_bad)
            if moved_bad is None:
                step /= 2
                continue
            good, *_ = train(
                network,
                candidate,
                torch.tensor(theta_good, dtype=torch.float64)[:, None],
                optimizer=Optimizer("adam", lr=0.05),
                stopping=retrain,
            )
            new_gap, new_dX, new_dy = _gap_gradient(network, candidate, moved_bad, good[:, 0].numpy())
            if new_gap <= gaps[-1] or (
                accept is not None and not accept(candidate, moved_bad, good[:, 0].numpy())
            ):
                step /= 2
                continue
            moved = candidate, moved_bad, good[:, 0].numpy(), new_gap, new_dX, new_dy
        if moved is None:
            break
        current, theta_bad, theta_good, gap, dX, dy = moved
        gaps.append(gap)
    return Design(current, theta_bad, theta_good, tuple(gaps))


def _gap_gradient(
    network: Network, dataset: Dataset, bad: np.ndarray, better: np.ndarray
) -> tuple[float, torch.Tensor, torch.Tensor]:
    """The gap L(bad) − L(better) on ``dataset`` and its gradients with respect to the inputs (d0, N)
    and targets (dL, N): one reverse pass, the two points as a batch of two."""
    X, y = _tensors(dataset)
    X.requires_grad_(True)
    y.requires_grad_(True)
    theta = torch.tensor(np.stack([bad, better], axis=1), dtype=torch.float64)
    losses = column_losses(network, Batch(X[..., None]), Batch(y[..., None]), theta)
    gap = losses[0] - losses[1]
    dX, dy = torch.autograd.grad(gap, (X, y))
    return float(gap.detach()), dX, dy
