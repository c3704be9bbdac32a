"""Loss, gradient and Hessian at many parameter points at once (float64, `torch.func.vmap`, points on the
first axis, ``(K, P)``): for the verifier's float diagnostics (descent probes), figures and claims that
evaluate a few hundred points. The search's training engine is a different layout on purpose —
`badminima.search.starts` keeps the init index *last* (``(P, K)``), which torch vectorises and
compiles several times faster for thousands of starts (see the multistart benchmark). Pieces of ReLU
units are taken from the computed sign of each pre-activation (relu'(0) counted as 0): numeric
diagnostics, never a certificate."""

from __future__ import annotations

from typing import Any

import torch

from badminima.arithmetic.floating import DTYPE, FloatArithmetic
from badminima.errors import InvalidModelError
from badminima.landscape.derivatives import gradient_of_flat
from badminima.landscape.losses import loss_of_flat
from badminima.model.dataset import Dataset
from badminima.model.network import Network

_FLOAT = FloatArithmetic()


def _data(network: Network, dataset: Dataset, thetas: Any) -> tuple[Any, Any]:
    if thetas.ndim != 2 or thetas.shape[1] != network.n_params:
        raise InvalidModelError(
            f"thetas: expected a (K, {network.n_params}) tensor for {network.describe()}, "
            f"got shape {tuple(thetas.shape)}"
        )
    inputs = _FLOAT.matrix(list(zip(*dataset.X, strict=True)))
    targets = _FLOAT.matrix(list(zip(*dataset.y, strict=True)))
    return inputs, targets


def batched_losses(network: Network, dataset: Dataset, thetas: torch.Tensor) -> torch.Tensor:
    """Losses (K,) at the K flat parameter vectors ``thetas`` (K, P)."""
    inputs, targets = _data(network, dataset, thetas)
    return torch.func.vmap(
        lambda t: loss_of_flat(network, inputs, targets, t, arith=_FLOAT, kink_side="inactive")
    )(thetas.to(DTYPE))


def batched_gradients(network: Network, dataset: Dataset, thetas: torch.Tensor) -> torch.Tensor:
    """Gradients (K, P) at the K flat parameter vectors ``thetas`` (K, P)."""
    inputs, targets = _data(network, dataset, thetas)
    return torch.func.vmap(
        lambda t: gradient_of_flat(network, inputs, targets, t, arith=_FLOAT, kink_side="inactive")
    )(thetas.to(DTYPE))


def batched_hessians(network: Network, dataset: Dataset, thetas: torch.Tensor) -> torch.Tensor:
    """Hessians (K, P, P) at the K flat parameter vectors ``thetas`` (K, P)."""
    inputs, targets = _data(network, dataset, thetas)

    def grad(t: Any) -> Any:
        return gradient_of_flat(network, inputs, targets, t, arith=_FLOAT, kink_side="inactive")

    return torch.func.vmap(torch.func.jacfwd(grad))(thetas.to(DTYPE))
