"""Curvature in the output layer alone: with every hidden number held, the loss is a generalised linear
model of the last hidden layer's features.

Output k's logit is z_ik = V_k·φ_i (φ_i = (a_i, 1): the last hidden layer's activations at x_i and the
bias's 1), and the loss is (1/N) Σ_i Σ_k ℓ(z_ik, y_ik), so its Hessian in the output layer's numbers is
block diagonal over the outputs with blocks

    H_k = (1/N) Σ_i ℓ''(z_ik) φ_i φ_iᵀ  ⪰  M_k = (1/N) Σ_i m_ik φ_i φ_iᵀ,   m_ik ≤ ℓ''(z_ik) over the box,

because H_k − M_k = (1/N) Σ_i (ℓ''_ik − m_ik) φ_i φ_iᵀ is a sum of positive semidefinite terms. One
matrix M, in balls, bounds the Hessian over the whole box: its error in a direction u is a multiple of
uᵀH u itself (the curvatures' relative spread), where an entrywise enclosure of H adds the spread times
|φ|² to every entry and loses a curvature of 1e-6 beside features of size 1.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

import flint
import numpy as np

from badminima.landscape.derivatives import logit_curvature
from badminima.landscape.forward_pass import forward, unflatten
from badminima.verify.curvature import curvature_bound_balls
from badminima.verify.parameter_box import ParameterBox


def output_layer_curvature(
    box: ParameterBox,
    basis: np.ndarray,
    radius: Fraction | Sequence[Fraction],
    moving: Collection[int] | None = None,
) -> Fraction | None:
    """A proved lower bound on the Hessian along ``basis`` over the box of ``radius`` (one for all
    numbers, or one each; only ``moving`` varying, when given) where only output-layer numbers move and
    ``basis`` lies in them (see the module docstring), else None.

    Example (logistic regression on one feature: H = (1/N) Σ σ'(z_i) (x_i, 1)(x_i, 1)ᵀ):
        >>> from badminima.model import Dataset, Network, Point
        >>> net = Network((1, 1), "identity", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [1], [2]], [[0], [1], [0]])
        >>> box = ParameterBox(net, data, Point.unflatten(net, [0, 0]), 128)
        >>> basis = np.linalg.eigh(np.array([[5.0, 3], [3, 3]]))[1]  # H's eigenvectors at the centre
        >>> mu = output_layer_curvature(box, basis, Fraction(1, 10**6))
        >>> 0.0698 < float(mu) < (4 - 10**0.5) / 12  # λ_min of (1/12)·[[5, 3], [3, 3]] = 0.069810…
        True
    """
    network = box.network
    P, K, h = network.n_params, network.widths[-1], network.widths[-2]
    first = P - K * h - (K if network.bias else 0)
    radii = list(radius) if isinstance(radius, Sequence) else [radius] * P
    varying = [k for k in range(P) if radii[k] and (moving is None or k in moving)]
    if any(k < first for k in varying) or np.any(basis[:first]):
        return None
    ball = box.ball
    with ball.context():
        flat = box.flat(radius, moving)
        fwd = forward(network, unflatten(network, flat), box.prob.inputs, arith=ball, masks=box.masks)
        curv = logit_curvature(network, fwd.logits, box.prob.targets, arith=ball)
        N = len(box.dataset.X)
        feats = [
            [fwd.a[-1][j, i] for j in range(h)] + ([flint.arb(1)] if network.bias else []) for i in range(N)
        ]
        M = flint.arb_mat(P, P)
        for k in range(K):
            cols = [first + k * h + j for j in range(h)] + ([first + K * h + k] if network.bias else [])
            for i in range(N):
                low = curv[k, i].lower()
                if not low.is_finite():
                    return None
                m = flint.arb(low) / N
                for p, cp in enumerate(cols):
                    for q, cq in enumerate(cols):
                        M[cp, cq] += m * feats[i][p] * feats[i][q]
        mu = curvature_bound_balls(M, _exact(basis))
        if mu is not None:
            return mu
        # M is not the centre's Hessian: a 1% spread of ℓ'' over the box turns its eigenvectors by more
        # than a weak direction's curvature (1e-9 beside 0.3), which Gershgorin's test then cannot see
        # past. M's own eigenvectors in the same span leave only the balls' radii off the diagonal.
        mid = np.array([[float(M[i, j].mid()) for j in range(P)] for i in range(P)])
        turned = basis @ np.linalg.eigh(basis.T @ mid @ basis)[1]
        return curvature_bound_balls(M, _exact(turned))


def _exact(basis: np.ndarray) -> flint.arb_mat:
    """``basis``'s float entries, each exactly, as an ``arb_mat``."""
    return flint.arb_mat(basis.shape[0], basis.shape[1], [float(v) for v in basis.ravel()])
