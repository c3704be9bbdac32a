"""The network's forward pass, written once for every number backend.

Arrays are laid out ``(units, points)``: layer l maps ``a`` (in, N) to ``z = W a + b[:, None]`` (out, N).
Piecewise-linear units take their side from a boolean mask (True = the z ≥ 0 piece): the mask comes
from an exactly computed activation region, or from the backend's own ``positive`` test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from badminima.arithmetic.protocol import Arithmetic
from badminima.model.network import Network

KinkSide = Literal["active", "inactive"]
KINK_SIDES: tuple[KinkSide, ...] = ("active", "inactive")


@dataclass(frozen=True)
class Forward:
    """Pre-activations ``z`` of every layer, the activations ``a`` feeding each layer (``a[0]`` is the
    input), and the piece masks of piecewise-linear hidden layers (None for smooth ones)."""

    z: list[Any]
    a: list[Any]
    masks: list[Any]

    @property
    def logits(self) -> Any:
        """The last layer's pre-activation (before the output activation)."""
        return self.z[-1]


def unflatten(network: Network, flat: Any) -> list[tuple[Any, Any]]:
    """Split a flat parameter array (any backend) into per-layer ``(W, b)`` views, ``b`` None
    without biases; the flat order is the one of `badminima.model.Point.flatten`."""
    params = []
    i = 0
    for out, inp in network.layer_shapes:
        W = flat[i : i + out * inp].reshape(out, inp)
        i += out * inp
        b = None
        if network.bias:
            b = flat[i : i + out]
            i += out
        params.append((W, b))
    return params


def forward(
    network: Network,
    params: Sequence[tuple[Any, Any]],
    inputs: Any,
    *,
    arith: Arithmetic,
    masks: Sequence[Any] | None = None,
    kink_side: KinkSide = "active",
) -> Forward:
    """Run the network on ``inputs`` (d0, N) with per-layer ``params``.

    Args:
        masks: one boolean (units, N) array per hidden layer choosing each piecewise-linear unit's
            piece; computed from the pre-activations when None (``kink_side`` decides z = 0).
    """
    a = inputs
    zs, acts, used_masks = [], [a], []
    slope = network.negative_slope
    for layer, (W, b) in enumerate(params):
        z = arith.matmul(W, a)
        if b is not None:
            z = z + b[:, None]
        zs.append(z)
        if layer == len(params) - 1:
            break
        mask = None
        if network.activation == "identity":
            a = z
        elif network.activation in ("relu", "leaky_relu"):
            assert slope is not None
            mask = masks[layer] if masks is not None else arith.positive(z, at_zero=kink_side == "active")
            a = arith.where(mask, z, arith.constant(slope) * z if slope else arith.constant(Fraction(0)))
        elif network.activation == "sigmoid":
            a = arith.sigmoid(z)
        else:
            a = arith.tanh(z)
        used_masks.append(mask)
        acts.append(a)
    return Forward(zs, acts, used_masks)


def predictions(network: Network, fwd: Forward, *, arith: Arithmetic) -> Any:
    """The network's outputs f(x) (dL, N): the logits, or their sigmoid."""
    return arith.sigmoid(fwd.logits) if network.output == "sigmoid" else fwd.logits
