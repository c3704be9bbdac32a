"""Gradient (back-propagation, written once for every backend) and Hessian (forward-mode
differentiation of that gradient: exact `Dual` numbers for exact/ball, `torch.func.jacfwd` for float).

On a piecewise-linear network the derivatives are those of the polynomial piece chosen by ``masks``:
at a pre-activation exactly zero that is a one-sided derivative, never relu'(0) = 0 by convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.protocol import Arithmetic
from badminima.landscape.forward_pass import Forward, KinkSide, forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.progress import ProgressHook, report


def activation_slope(network: Network, a: Any, mask: Any, arith: Arithmetic) -> Any:
    """σ'(z) of a non-identity hidden activation, elementwise, through ``a = σ(z)`` (smooth) or the
    piece mask (piecewise linear).

    Example:
        >>> from badminima.arithmetic import ExactArithmetic
        >>> activation_slope(Network((1, 1, 1), "sigmoid"), Fraction(1, 4), None, ExactArithmetic())
        Fraction(3, 16)
    """
    if network.activation == "sigmoid":
        return a * (1 - a)
    if network.activation == "tanh":
        return 1 - a * a
    slope = network.negative_slope
    assert slope is not None
    return arith.where(mask, arith.constant(Fraction(1)), arith.constant(slope))


def logit_slope(network: Network, z: Any, targets: Any, *, arith: Arithmetic, sigmoid: Any = None) -> Any:
    """∂/∂z of each data point's loss at the output logits ``z`` (dL, N), elementwise: σ(z) − y for bce,
    2(σ(z) − y)σ(z)(1 − σ(z)) for a sigmoid output with mse, 2(z − y) for an identity output. The loss
    is (1/N) Σ_i of these per-point losses; the sign of Σ_k v_k·(this)_ki says whether adding a small
    multiple of v to the logits of point i raises the loss (`badminima.verify.dead_kinks`). ``sigmoid``,
    when given, is σ(z) (an irrational z whose σ is rational: logit(1/3)).

    Example:
        >>> from badminima.arithmetic import ExactArithmetic
        >>> exact = ExactArithmetic()
        >>> net = Network((1, 1), "identity", output="sigmoid", loss="bce")
        >>> logit_slope(net, exact.matrix([[0, 0]]), exact.matrix([[1, 0]]), arith=exact).tolist()
        [[Fraction(-1, 2), Fraction(1, 2)]]
    """
    if network.output == "identity":
        return 2 * (z - targets)
    f = arith.sigmoid(z) if sigmoid is None else sigmoid
    if network.loss == "bce":
        return f - targets
    return 2 * (f - targets) * f * (1 - f)


def logit_curvature(network: Network, z: Any, targets: Any, *, arith: Arithmetic, sigmoid: Any = None) -> Any:
    """∂²/∂z² of each data point's loss at the output logits ``z`` (dL, N), elementwise: σ(z)(1 − σ(z))
    for bce, 2σ'(z)(σ'(z) + (σ(z) − y)(1 − 2σ(z))) for a sigmoid output with mse (σ' = σ(1 − σ)), 2 for
    an identity output. Where it is ≥ 0 the loss is convex in the logits (`badminima.verify.affine_fits`).
    ``sigmoid``, when given, is σ(z).

    Example:
        >>> from badminima.arithmetic import ExactArithmetic
        >>> exact = ExactArithmetic()
        >>> net = Network((1, 1), "identity", output="sigmoid", loss="mse")
        >>> logit_curvature(net, exact.matrix([[0, 0]]), exact.matrix([[1, 0]]), arith=exact).tolist()
        [[Fraction(1, 8), Fraction(1, 8)]]
    """
    if network.output == "identity":
        return 2 + 0 * z
    f = arith.sigmoid(z) if sigmoid is None else sigmoid
    slope = f * (1 - f)
    if network.loss == "bce":
        return slope
    return 2 * slope * (slope + (f - targets) * (1 - 2 * f))


def backward(
    network: Network, params: Sequence[tuple[Any, Any]], fwd: Forward, targets: Any, *, arith: Arithmetic
) -> list[Any]:
    """∂ loss/∂z of every layer's pre-activations (one (units, N) array per layer, the loss being the
    mean over the N points), by back-propagation through ``fwd``: δ_L = ℓ'(z_L)/N and
    δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(z_l). The gradient of a layer's W is δ_l a_lᵀ, of its bias Σ_i δ_l.

    Example:
        >>> from badminima.arithmetic import ExactArithmetic
        >>> from badminima.landscape.forward_pass import forward
        >>> exact = ExactArithmetic()
        >>> net = Network((1, 1, 1), "identity", bias=False)
        >>> params = [(exact.matrix([[2]]), None), (exact.matrix([[3]]), None)]
        >>> fwd = forward(net, params, exact.matrix([[1]]), arith=exact)
        >>> [d.tolist() for d in backward(net, params, fwd, exact.matrix([[5]]), arith=exact)]
        [[[Fraction(6, 1)]], [[Fraction(2, 1)]]]
    """
    z = fwd.logits
    delta = logit_slope(network, z, targets, arith=arith) / z.shape[1]
    deltas = [delta]
    for layer in range(len(params) - 1, 0, -1):
        back = params[layer][0].T @ delta
        if network.activation == "identity":
            delta = back
        else:
            delta = back * activation_slope(network, fwd.a[layer], fwd.masks[layer - 1], arith)
        deltas.insert(0, delta)
    return deltas


def gradient_of_flat(
    network: Network,
    inputs: Any,
    targets: Any,
    flat: Any,
    *,
    arith: Arithmetic,
    masks: Sequence[Any] | None = None,
    kink_side: KinkSide = "active",
) -> Any:
    """∇ loss at the flat parameter array, by back-propagation (`backward`), as a flat array of the
    backend."""
    params = unflatten(network, flat)
    fwd = forward(network, params, inputs, arith=arith, masks=masks, kink_side=kink_side)
    parts: list[Any] = []
    for (_, b), a_in, delta in zip(
        params, fwd.a, backward(network, params, fwd, targets, arith=arith), strict=True
    ):
        parts.append(arith.flat(delta @ a_in.T))
        if b is not None:
            parts.append(delta.sum(1))
    return arith.concat(parts)


def hessian_of_flat(
    network: Network,
    inputs: Any,
    targets: Any,
    flat: Any,
    *,
    arith: Arithmetic,
    masks: Sequence[Any] | None = None,
    kink_side: KinkSide = "active",
    progress: ProgressHook | None = None,
) -> Any:
    """∇² loss (P × P) at the flat parameter array: the Jacobian of `gradient_of_flat`. ``progress``
    hears ``"Hessian columns"`` as the columns are done."""
    n = len(flat)
    done = 0

    def grad(theta: Any, ar: Arithmetic) -> Any:
        nonlocal done
        out = gradient_of_flat(network, inputs, targets, theta, arith=ar, masks=masks, kink_side=kink_side)
        # The object-array backends (exact, ball) seed one direction per call, so each call is one
        # column; vectorised backends do all the columns in one or a few calls and report only at the end.
        if isinstance(theta, np.ndarray) and theta.dtype == object and done < n:
            done += 1
            report(progress, "Hessian columns", done, n)
        return out

    report(progress, "Hessian columns", 0, n)
    result = arith.jacobian(grad, flat)
    if done < n:
        report(progress, "Hessian columns", n, n)
    return result


def gradient(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    arith: Arithmetic,
    kink_side: KinkSide = "active",
) -> Any:
    """∇ loss at ``point`` as a flat array of ``arith`` (order of `Point.flatten`). At a kink it is
    the gradient of the piece on ``kink_side``."""
    prob = prepare(network, dataset, point, arith=arith, kink_side=kink_side)
    with arith.context():
        return gradient_of_flat(
            network,
            prob.inputs,
            prob.targets,
            prob.flat,
            arith=arith,
            masks=prob.masks,
            kink_side=kink_side,
        )


def hessian(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    arith: Arithmetic,
    kink_side: KinkSide = "active",
) -> Any:
    """∇² loss at ``point`` (P × P array of ``arith``), of the piece on ``kink_side`` at a kink."""
    prob = prepare(network, dataset, point, arith=arith, kink_side=kink_side)
    with arith.context():
        return hessian_of_flat(
            network,
            prob.inputs,
            prob.targets,
            prob.flat,
            arith=arith,
            masks=prob.masks,
            kink_side=kink_side,
        )
