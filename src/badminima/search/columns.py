"""The search's float layout, one start per *column*: parameters (P, K), data shared (one column) or
per column, and the loss, gradient and Hessian of every column at once. torch vectorises and compiles
this layout faster for thousands of starts than `landscape.batched`'s (K, P) rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from badminima.arithmetic.batch import Batch, BatchArithmetic
from badminima.arithmetic.batch_tangent import batch_jacobian
from badminima.errors import InvalidModelError
from badminima.landscape.derivatives import gradient_of_flat
from badminima.landscape.losses import loss_of_flat
from badminima.model.dataset import Dataset
from badminima.model.network import Network

# Each dataset's block of columns is padded to a multiple of this many: torch's CPU kernels round a
# column differently in a SIMD body than in a scalar tail (and pick reduction paths by width), so only
# then does a column's arithmetic not depend on what else shares the batch. 64 covers 4 AVX-512
# vectors of float32; small batches are per-step overhead, so the padding is nearly free.
LANES = 64

# Columns per forward-mode block in `column_derivatives`: a multiple of LANES; P times this many
# tangent entries per array stay in cache (4-5× faster per column at 256 than at 2,048).
TANGENT_BLOCK = 256


def column_data(
    network: Network, data: Dataset | Sequence[Dataset], k: int, dtype: torch.dtype
) -> tuple[Batch, Batch]:
    """Inputs (d0, N, 1) and targets (dL, N, 1) of one dataset, shared by all K columns; or, for G
    datasets of one size, (d0, N, K) and (dL, N, K) with dataset g in columns g·K/G to (g+1)·K/G − 1."""
    datasets = [data] if isinstance(data, Dataset) else list(data)
    if not datasets or k % len(datasets):
        raise InvalidModelError(
            f"datasets: expected a dataset per K/G columns, got {len(datasets)} for K = {k}"
        )
    if len({d.n_points for d in datasets}) != 1:
        raise InvalidModelError("datasets: expected datasets of one size to train together")
    for dataset in datasets:
        if dataset.input_dim != network.widths[0] or dataset.output_dim != network.widths[-1]:
            raise InvalidModelError(
                f"dataset: expected {network.widths[0]} input and {network.widths[-1]} target columns for "
                f"{network.describe()}, got {dataset.input_dim} and {dataset.output_dim}"
            )
    arith = BatchArithmetic(dtype)
    inputs = [arith.matrix(list(zip(*d.X, strict=True))).t for d in datasets]
    targets = [arith.matrix(list(zip(*d.y, strict=True))).t for d in datasets]
    per = k // len(datasets)
    if len(datasets) == 1:
        return Batch(inputs[0]), Batch(targets[0])
    return (
        Batch(torch.cat(inputs, -1).repeat_interleave(per, -1)),
        Batch(torch.cat(targets, -1).repeat_interleave(per, -1)),
    )


def column_slice(batch: Batch, start: int, stop: int) -> Batch:
    """Columns ``start:stop`` of data that may be shared (one column) or per column."""
    return batch if batch.t.shape[-1] == 1 else Batch(batch.t[..., start:stop])


def column_losses(network: Network, inputs: Batch, targets: Batch, theta: torch.Tensor) -> Any:
    """Losses (K,) at the K points ``theta`` (P, K), one start per *column*: the search's layout, which
    torch vectorises and compiles faster for thousands of starts than `landscape.batched_losses`'s
    (K, P) rows. Inputs (d0, N, 1), targets (dL, N, 1). A ReLU at exactly 0 takes the inactive piece
    (numeric diagnostics only)."""
    arith = BatchArithmetic(theta.dtype)
    return loss_of_flat(network, inputs, targets, Batch(theta), arith=arith, kink_side="inactive")


def column_derivatives(network: Network, inputs: Any, targets: Any, theta: Any) -> tuple[Any, Any, Any]:
    """Losses (K,), gradients (P, K) and Hessians (K, P, P) at ``theta`` (P, K): the package's one
    back-propagation (`gradient_of_flat`) run on forward-mode tangents along all P directions at once
    (`batch_jacobian`), in blocks of columns that stay in cache, then symmetrised. 1.5-5× as fast here
    as reverse-over-reverse autograd, which needs one more pass through the graph per parameter."""
    gs, jacs = [], []
    with torch.no_grad():
        losses = column_losses(network, inputs, targets, theta)
        for i in range(0, theta.shape[1], TANGENT_BLOCK):
            x, y = column_slice(inputs, i, i + TANGENT_BLOCK), column_slice(targets, i, i + TANGENT_BLOCK)

            def grad(th: Any, arith: Any, x: Any = x, y: Any = y) -> Any:
                return gradient_of_flat(network, x, y, th, arith=arith, kink_side="inactive")

            g, jac = batch_jacobian(grad, theta[:, i : i + TANGENT_BLOCK])
            gs.append(g)
            jacs.append(jac)
    jac = torch.cat(jacs, 0)
    return losses, torch.cat(gs, 1), (jac + jac.transpose(1, 2)) / 2


def column_gradient_fn(network: Network, inputs: Batch, targets: Batch) -> Callable[[Any], Any]:
    """The function θ ↦ (∇ Σ_k loss_k(θ), losses) of the (P, K) columns, for first-order steps."""

    def summed(theta: Any) -> tuple[Any, Any]:
        losses = column_losses(network, inputs, targets, theta)
        return losses.sum(), losses

    return torch.func.grad(summed, has_aux=True)
