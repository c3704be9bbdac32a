"""Planted critical points of one-hidden-layer ReLU networks with a sigmoid output and cross-entropy,
strictly inside an activation region, with their Hessian spectra in 80-digit mpmath (independent of
`badminima`). As in `planted`: for bce the gradient is (1/N) Jᵀρ with ρ_i = σ(z_i) − y_i and J the
Jacobian of the logits, so residuals ρ in null(Jᵀ) and targets y = σ(z) − ρ make θ critical. The loss is
invariant under (αw_j, αb_j, v_j/α): h eigenvalues are exactly 0."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F

import numpy as np

from badminima.model import Dataset, Network, Point
from tests.verify.planted import CTX, rounded


def _q(v):
    return CTX.mpf(v.numerator) / v.denominator


@dataclass(frozen=True)
class PlantedRelu:
    network: Network
    dataset: Dataset
    theta: tuple[F, ...]
    eigenvalues: tuple[float, ...]  # ascending; h of them are 0 (rescalings)

    def point(self, digits: int | None = None) -> Point:
        if digits is None:
            return Point.unflatten(self.network, list(self.theta))
        return Point.unflatten(self.network, [rounded(v, digits) for v in self.theta])


def _logits(h, theta, X):
    W, b, v, c = theta[:h], theta[h : 2 * h], theta[2 * h : 3 * h], theta[3 * h]
    out = []
    for (x,) in X:
        xs = _q(x)
        z = _q(c)
        g = [CTX.mpf(0)] * (3 * h + 1)
        g[3 * h] = CTX.mpf(1)
        cross = []
        for j in range(h):
            pre = _q(W[j]) * xs + _q(b[j])
            if pre > 0:
                z += _q(v[j]) * pre
                g[j], g[h + j], g[2 * h + j] = _q(v[j]) * xs, _q(v[j]), pre
                cross.append((j, xs))
        out.append((z, g, cross))
    return out


def plant_relu(seed: int, *, hidden: int = 2, points: int = 10, residual: float = 0.05) -> PlantedRelu:
    rng = np.random.default_rng(seed)
    net = Network((1, hidden, 1), "relu", output="sigmoid", loss="bce")
    X = [[F(int(v), 4)] for v in rng.integers(-8, 9, size=points)]
    while True:
        base = [F(int(v), 8) for v in rng.integers(-12, 13, size=net.n_params)]
        theta = [
            rounded(a + F(int(n), 10**25), 40)
            for a, n in zip(base, rng.integers(-(10**12), 10**12, size=net.n_params), strict=True)
        ]
        pre = [_q(theta[j]) * _q(x[0]) + _q(theta[hidden + j]) for j in range(hidden) for x in X]
        sets = [
            frozenset(i for i, x in enumerate(X) if _q(theta[j]) * _q(x[0]) + _q(theta[hidden + j]) > 0)
            for j in range(hidden)
        ]
        mixed = all(2 <= len(a) <= points - 2 for a in sets) and len(set(sets)) == hidden
        if (
            mixed
            and all(abs(p) > 1e-3 for p in pre)
            and all(theta[2 * hidden + j] != 0 for j in range(hidden))
        ):
            break
    vals = _logits(hidden, theta, X)
    J = np.array([[float(t) for t in g] for _, g, _ in vals])
    _, _, vt = np.linalg.svd(J.T)
    rank = int(np.sum(np.linalg.svd(J, compute_uv=False) > 1e-9))
    null = vt[rank:]
    rho = rng.normal(size=len(null)) @ null
    rho = rho * residual / np.abs(rho).max()
    Jm = CTX.matrix([[t for t in g] for _, g, _ in vals])
    # exact projection of ρ onto null(Jᵀ): least squares on J's column space (rank-deficient: use JJᵀ's
    # pseudo-inverse through an 80-digit SVD)
    U, S, _ = CTX.svd_r(Jm)
    rm = CTX.matrix([float(t) for t in rho])
    for k in range(len(S)):
        if S[k] > CTX.mpf("1e-30"):
            col = U[:, k]
            rm = rm - col * (col.T * rm)[0]
    sig = [1 / (1 + CTX.exp(-z)) for z, _, _ in vals]
    y = [[F(CTX.nstr(sig[i] - rm[i], 60, min_fixed=-(10**6), max_fixed=10**6))] for i in range(points)]
    assert all(0 < t[0] < 1 for t in y)
    P = net.n_params
    H = CTX.matrix(P, P)
    for i, (_, g, cross) in enumerate(vals):
        s = sig[i]
        r = s - _q(y[i][0])
        for a in range(P):
            for b in range(P):
                H[a, b] += s * (1 - s) * g[a] * g[b] / points
        for j, xs in cross:  # ∂²z/∂w_j∂v_j = x, ∂²z/∂b_j∂v_j = 1
            for a, val in ((j, xs), (hidden + j, CTX.mpf(1))):
                H[a, 2 * hidden + j] += r * val / points
                H[2 * hidden + j, a] += r * val / points
    eig = sorted(float(e) for e in CTX.eigsy(H, eigvals_only=True))
    return PlantedRelu(net, Dataset.of(X, y), tuple(theta), tuple(eig))
