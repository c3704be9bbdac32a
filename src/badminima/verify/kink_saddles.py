"""Second-order saddles at kinks under a smooth loss, where every piece is exactly critical.

At a point of a piecewise-linear network (ReLU or leaky-ReLU units, any head) with pre-activations
exactly at a kink, each side assignment M of the kinks gives a smooth piece F_M that equals F on the
closed cell where the kinks take those sides. If ∇F_M(x) = 0 exactly for every M (rationals; a sigmoid
output is rational only at logit 0, so there every logit must be 0), then every one-sided derivative
F'(x; v) = ∇F_{M(v)}(x)·v is 0, M(v) the piece the ray x + t v enters: x is first-order stationary. The
ray's piece is decided exactly from the germs of the pre-activations (`kink_descent.ray_masks`, never
relu'(0)), and on it

    F(x + t v) = F_{M(v)}(x + t v) = F(x) + ½ t² vᵀ∇²F_{M(v)}(x) v + O(t³),

so an exact negative vᵀ∇²F_{M(v)}(x)v puts points of lower loss arbitrarily close along v: x is not a
local minimum, a saddle (code ``higher-order-descent``). Candidate directions are ± the eigenvectors of
the pieces' negative float eigenvalues, made rational; a point of proved lower loss is exhibited (balls).
This decides units born at a kink (output weight 0) beside a fit whose every piece is critical, leaky
ones included, where the dead-unit argument (`dead_kinks`) does not apply.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.exact import ExactArithmetic
from badminima.errors import BackendError
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.landscape.regions import Region
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.box import lower_point
from badminima.verify.descent import rational_direction
from badminima.verify.kink_descent import ray_masks

MAX_KINKS = 6
"""At most this many kinks (2^6 pieces, each an exact gradient and Hessian)."""

WITNESS_START = Fraction(1, 2**64)
"""First step tried for the lower point (doubled until its loss is proved lower)."""


@dataclass(frozen=True)
class PieceSaddle:
    """Along ``direction`` the ray enters a piece on which the second-order term ½·``curvature``·t² < 0
    (exact); ``witness`` = x + ``step``·v has loss ≤ ``witness_loss_upper`` < the loss at x."""

    direction: tuple[Fraction, ...]
    curvature: Fraction
    witness: Point
    step: Fraction
    witness_loss_upper: Fraction


def _key(masks: Any) -> bytes:
    return b"".join(np.packbits(np.asarray(m, dtype=bool)).tobytes() for m in masks)


def _pieces(region: Region) -> list[list[np.ndarray]]:
    out = []
    for sides in itertools.product((False, True), repeat=len(region.kinks)):
        masks = region.masks("inactive")
        for on, (lay, u, i) in zip(sides, region.kinks, strict=True):
            masks[lay][u, i] = on
        out.append(masks)
    return out


def kink_piece_saddle(
    network: Network, dataset: Dataset, point: Point, region: Region, loss_lower: Fraction | None
) -> PieceSaddle | None:
    """A second-order descent at a kink where every piece is exactly critical (module docstring), with a
    point of loss proved below ``loss_lower``; None when a piece's gradient is not exactly 0, no candidate
    direction has a negative second-order term, or no lower point is proved.

    Example (a leaky unit born at its kink beside a constant fit whose every piece is critical):
        >>> from badminima.model import Dataset
        >>> net = Network((1, 2, 1), "leaky_relu", output="sigmoid", loss="bce", leaky_slope=Fraction(1, 2))
        >>> data = Dataset.of([[2], [-4], [0], [0]], [[0], [0], [1], [1]])
        >>> point = Point.unflatten(net, [1, 0, 0, 1, 0, 0, 0])  # unit 0 (x) kinks at x = 0, v = 0
        >>> from badminima.landscape import region_of
        >>> from badminima.verify.suboptimality import enclose_loss
        >>> found = kink_piece_saddle(net, data, point, region_of(net, data, point),
        ...                           enclose_loss(net, data, point).lower)
        >>> found is not None and found.curvature < 0
        True
    """
    if not region.kinks or len(region.kinks) > MAX_KINKS or loss_lower is None:
        return None
    exact = ExactArithmetic()
    prob = prepare(network, dataset, point, arith=exact)
    hessians: dict[bytes, Any] = {}
    try:
        with exact.context():
            logits = forward(
                network, unflatten(network, prob.flat), prob.inputs, arith=exact, masks=prob.masks
            )
            if network.output == "sigmoid" and any(z != 0 for z in logits.logits.flat):
                return None  # σ is rational only at 0: no piece gradient is exactly 0 (short of sympy)
            for masks in _pieces(region):
                g = gradient_of_flat(network, prob.inputs, prob.targets, prob.flat, arith=exact, masks=masks)
                if any(exact.sign(v) != 0 for v in g):
                    return None
                hessians[_key(masks)] = hessian_of_flat(
                    network, prob.inputs, prob.targets, prob.flat, arith=exact, masks=masks
                )
    except (BackendError, TypeError, ValueError, ArithmeticError):
        return None
    tried: set[tuple[Fraction, ...]] = set()
    for H in hessians.values():
        Hf = np.array(H, dtype=float)
        eig, vecs = np.linalg.eigh((Hf + Hf.T) / 2)
        top = max(1.0, float(np.max(np.abs(eig)))) if len(eig) else 1.0
        for k in np.nonzero(eig < -1e-12 * top)[0]:
            for sign in (1, -1):
                v = rational_direction(sign * vecs[:, k])
                if v in tried:
                    continue
                tried.add(v)
                found = _along(network, dataset, point, v, hessians, loss_lower)
                if found is not None:
                    return found
    return None


def _along(
    network: Network,
    dataset: Dataset,
    point: Point,
    v: tuple[Fraction, ...],
    hessians: dict[bytes, Any],
    loss_lower: Fraction,
) -> PieceSaddle | None:
    H = hessians.get(_key(ray_masks(network, dataset, point, v)))
    if H is None:
        return None
    curvature = sum((v[a] * H[a][b] * v[b] for a in range(len(v)) for b in range(len(v))), Fraction(0))
    if not isinstance(curvature, Fraction) or curvature >= 0:
        return None
    scale = 1 + max((abs(float(x)) for x in point.flatten()), default=0.0)
    lower = lower_point(network, dataset, point, v, WITNESS_START, scale, loss_lower, BallArithmetic(256))
    if lower is None:
        return None
    witness, step, upper = lower
    return PieceSaddle(v, curvature, witness, step, upper)
