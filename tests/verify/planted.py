"""Planted critical points of one-hidden-layer smooth networks, with their truth computed here in mpmath
at 80 digits, sharing no code with `badminima`.

For f(x) = Σ_j v_j σ(w_j·x + b_j) + c and mse, the gradient at θ is (2/N) Jᵀr with r = f(X) − y. Choose θ,
then residuals r in the null space of Jᵀ, and targets y = f(X) − r written to ``target_digits``: θ is then
within about 10^−target_digits of a critical point θ* whose Hessian (2/N)(JᵀJ + Σ r_i ∇²f_i) is computed
here exactly enough to know θ*'s index. Large residuals make saddles, small ones minima.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F

import mpmath
import numpy as np

from badminima.model import Dataset, Network, Point

CTX = mpmath.mp.clone()
CTX.dps = 80


def q(v: F):
    """A Fraction as an 80-digit mpmath number."""
    return CTX.mpf(v.numerator) / v.denominator


def act_derivatives(name: str, z):
    """σ, σ', σ'' for tanh or sigmoid."""
    if name == "tanh":
        t = CTX.tanh(z)
        return t, 1 - t * t, -2 * t * (1 - t * t)
    s = 1 / (1 + CTX.exp(-z))
    return s, s * (1 - s), s * (1 - s) * (1 - 2 * s)


@dataclass(frozen=True)
class Planted:
    network: Network
    dataset: Dataset
    theta: tuple[F, ...]  # within ~10^-target_digits of the critical point
    eigenvalues: tuple[float, ...]  # of the Hessian at theta (80-digit arithmetic)

    @property
    def index(self) -> int:
        return sum(e < 0 for e in self.eigenvalues)

    def point(self, digits: int | None = None) -> Point:
        """theta, or theta rounded to ``digits`` significant decimal digits."""
        if digits is None:
            return Point.unflatten(self.network, list(self.theta))
        return Point.unflatten(self.network, [rounded(v, digits) for v in self.theta])


def rounded(v: F, digits: int) -> F:
    return F(CTX.nstr(q(v), digits, min_fixed=-(10**6), max_fixed=10**6)) if v else F(0)


def _unpack(widths, theta):
    d, h = widths[0], widths[1]
    W = [[q(theta[j * d + k]) for k in range(d)] for j in range(h)]
    b = [q(theta[h * d + j]) for j in range(h)]
    v = [q(theta[h * d + h + j]) for j in range(h)]
    c = q(theta[h * d + 2 * h])
    return W, b, v, c


def outputs_and_derivatives(activation, widths, theta, X):
    """f(x_i), ∇f(x_i) and ∇²f(x_i) in the package's parameter order (W row-major, b, v, c)."""
    d, h = widths[0], widths[1]
    W, b, v, c = _unpack(widths, theta)
    P = h * d + 2 * h + 1
    out = []
    for x in X:
        xs = [q(t) for t in x]
        f = c
        g = [CTX.mpf(0)] * P
        H = CTX.matrix(P, P)
        g[P - 1] = CTX.mpf(1)
        for j in range(h):
            z = sum(W[j][k] * xs[k] for k in range(d)) + b[j]
            s, s1, s2 = act_derivatives(activation, z)
            f += v[j] * s
            ins = [(j * d + k, xs[k]) for k in range(d)] + [(h * d + j, CTX.mpf(1))]
            vj = h * d + h + j
            g[vj] = s
            for a, xa in ins:
                g[a] = v[j] * s1 * xa
                H[a, vj] = H[vj, a] = s1 * xa
                for bb, xb in ins:
                    H[a, bb] = v[j] * s2 * xa * xb
        out.append((f, g, H))
    return out


def loss(activation, widths, theta, X, y):
    """The mse at theta (80 digits)."""
    vals = outputs_and_derivatives(activation, widths, theta, X)
    return sum((f - q(t[0])) ** 2 for (f, _, _), t in zip(vals, y, strict=True)) / len(X)


def hessian_eigenvalues(activation, widths, theta, X, y) -> tuple[float, ...]:
    vals = outputs_and_derivatives(activation, widths, theta, X)
    P = len(theta)
    H = CTX.matrix(P, P)
    for (f, g, Hf), t in zip(vals, y, strict=True):
        r = f - q(t[0])
        for a in range(P):
            for bb in range(P):
                H[a, bb] += 2 * (g[a] * g[bb] + r * Hf[a, bb]) / len(X)
    E = CTX.eigsy(H, eigvals_only=True)
    return tuple(sorted(float(e) for e in E))


def plant(
    seed: int,
    *,
    widths: tuple[int, int, int] = (1, 2, 1),
    activation: str = "tanh",
    points: int = 12,
    residual: float = 1.0,
    theta_digits: int = 40,
    target_digits: int = 60,
    theta: list[F] | None = None,
    inputs: list[list[F]] | None = None,
) -> Planted:
    """A planted critical point (see the module docstring); ``theta`` and ``inputs`` override the random
    ones (``points`` is then ignored)."""
    rng = np.random.default_rng(seed)
    net = Network(widths, activation)
    if theta is None:
        base = [F(int(v), 8) for v in rng.integers(-12, 13, size=net.n_params)]
        noise = [F(int(v), 10**theta_digits) for v in rng.integers(-(10**12), 10**12, size=net.n_params)]
        theta = [a + n * 10 ** (theta_digits - 15) for a, n in zip(base, noise, strict=True)]
        theta = [rounded(v, theta_digits) for v in theta]
    X = [[F(int(v), 4) for v in rng.integers(-8, 9, size=widths[0])] for _ in range(points)]
    if inputs is not None:
        X, points = inputs, len(inputs)
    vals = outputs_and_derivatives(activation, widths, theta, X)
    J = CTX.matrix([[gk for gk in g] for _, g, _ in vals])
    Jf = np.array([[float(J[i, k]) for k in range(J.cols)] for i in range(J.rows)])
    _, _, vt = np.linalg.svd(Jf.T)
    null = vt[net.n_params :]
    r = rng.normal(size=len(null)) @ null
    r = r * residual / np.abs(r).max()
    rm = CTX.matrix([float(t) for t in r])
    live = [k for k in range(J.cols) if any(J[i, k] != 0 for i in range(J.rows))]  # v_j = 0 kills columns
    Jl = CTX.matrix([[J[i, k] for k in live] for i in range(J.rows)])
    rm = rm - Jl * CTX.lu_solve(Jl.T * Jl, Jl.T * rm)  # exact (80-digit) projection onto null(Jᵀ)
    y = [
        [F(CTX.nstr(vals[i][0] - rm[i], target_digits, min_fixed=-(10**6), max_fixed=10**6))]
        for i in range(points)
    ]
    eig = hessian_eigenvalues(activation, widths, theta, X, y)
    return Planted(net, Dataset.of(X, y), tuple(theta), eig)
