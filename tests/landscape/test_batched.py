"""Batched float evaluation equals one-at-a-time evaluation (and, off kinks, the exact values)."""

from __future__ import annotations

import torch
from hypothesis import given, strategies as st

from badminima import FloatArithmetic, gradient, hessian, loss
from badminima.landscape import batched_gradients, batched_hessians, batched_losses
from badminima.strategies import datasets, networks, points

FLOAT = FloatArithmetic()


@st.composite
def batches(draw):
    net = draw(networks(max_hidden_layers=2, max_width=3))
    pts = draw(st.lists(points(net), min_size=1, max_size=4))
    return net, draw(datasets(net)), pts


@given(batches())
def test_batched_equals_pointwise(case):
    net, data, pts = case
    thetas = torch.tensor([[float(v) for v in p.flatten()] for p in pts], dtype=torch.float64)
    losses = batched_losses(net, data, thetas)
    grads = batched_gradients(net, data, thetas)
    hessians = batched_hessians(net, data, thetas)
    for k, p in enumerate(pts):
        # pointwise with the inactive side at exact kinks, as the batched (numeric) pieces do
        assert torch.allclose(losses[k], loss(net, data, p, arith=FLOAT), rtol=1e-12, atol=1e-12)
        assert torch.allclose(grads[k], gradient(net, data, p, arith=FLOAT, kink_side="inactive"), atol=1e-11)
        assert torch.allclose(
            hessians[k], hessian(net, data, p, arith=FLOAT, kink_side="inactive"), atol=1e-10
        )


def test_batched_rejects_wrong_shape():
    import pytest

    from badminima import Dataset, InvalidModelError, Network

    net = Network((1, 1), "identity")
    with pytest.raises(InvalidModelError, match=r"\(K, 2\)"):
        batched_losses(net, Dataset.of([[0]], [[0]]), torch.zeros(3, 5))
