"""Planted critical points of one-hidden-layer smooth networks with any head (identity output and mse,
sigmoid output and mse or bce) and any number of outputs, their truth computed here in mpmath at 80
digits, sharing no code with `badminima`.

The loss is (1/N) Σ_i Σ_k ℓ(z_ik, y_ik) of the output pre-activations z = V σ(W x + b) + c. Its gradient
is (1/N) Jᵀ e with e_ik = ∂ℓ/∂z_ik and J the Jacobian of every z_ik. Choose θ, then e in the null space of
Jᵀ, and the targets that give that e (mse: y = z − e/2; mse with a sigmoid output: y = σ(z) − e/(2σ'(z));
bce: y = σ(z) − e), written to 60 digits: θ is then within about 1e-60 of a critical point θ*, which
Newton steps at 80 digits reach (`Planted.theta` is θ*, to ~1e-75), and whose Hessian
(1/N) Σ (ℓ''_ik ∇z_ik ∇z_ikᵀ + ℓ'_ik ∇²z_ik) is computed here to know its index. A large e makes saddles.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F

import numpy as np

from badminima.model import Dataset, Network, Point
from tests.verify.planted import CTX, act_derivatives, q, rounded


def layout(widths: tuple[int, int, int]) -> dict[str, int]:
    """Flat offsets of W₁, b₁, W₂, c in the package's order (W row-major, then b, layer by layer)."""
    d, h, k = widths
    return {"W1": 0, "b1": h * d, "W2": h * d + h, "c": h * d + h + k * h, "P": h * d + h + k * h + k}


def output_jets(activation: str, widths, theta, x):
    """z_k(x), ∇z_k and ∇²z_k for every output k (80 digits)."""
    d, h, K = widths
    L = layout(widths)
    P = L["P"]
    th = [q(t) if isinstance(t, F) else t for t in theta]
    xs = [q(t) for t in x]
    acts = []
    for j in range(h):
        z = sum(th[j * d + i] * xs[i] for i in range(d)) + th[L["b1"] + j]
        acts.append(act_derivatives(activation, z))
    out = []
    for k in range(K):
        f = th[L["c"] + k]
        g = [CTX.mpf(0)] * P
        H = CTX.matrix(P, P)
        g[L["c"] + k] = CTX.mpf(1)
        for j in range(h):
            s, s1, s2 = acts[j]
            vkj = th[L["W2"] + k * h + j]
            f += vkj * s
            ins = [(j * d + i, xs[i]) for i in range(d)] + [(L["b1"] + j, CTX.mpf(1))]
            vj = L["W2"] + k * h + j
            g[vj] = s
            for a, xa in ins:
                g[a] = vkj * s1 * xa
                H[a, vj] = H[vj, a] = s1 * xa
                for bb, xb in ins:
                    H[a, bb] = vkj * s2 * xa * xb
        out.append((f, g, H))
    return out


def _head(network: Network, z, y):
    """ℓ'(z), ℓ''(z) of one output's loss."""
    if network.loss == "bce":
        s = 1 / (1 + CTX.exp(-z))
        return s - y, s * (1 - s)
    if network.output == "sigmoid":
        s, s1, s2 = act_derivatives("sigmoid", z)
        return 2 * (s - y) * s1, 2 * s1 * s1 + 2 * (s - y) * s2
    return 2 * (z - y), CTX.mpf(2)


def loss(network: Network, theta, X, y):
    """The loss at theta (80 digits)."""
    total = CTX.mpf(0)
    for x, t in zip(X, y, strict=True):
        for (z, _, _), yk in zip(output_jets(network.activation, network.widths, theta, x), t, strict=True):
            yk = q(yk)
            if network.loss == "bce":
                s = 1 / (1 + CTX.exp(-z))
                total -= yk * CTX.log(s) + (1 - yk) * CTX.log(1 - s)
            else:
                f = 1 / (1 + CTX.exp(-z)) if network.output == "sigmoid" else z
                total += (f - yk) ** 2
    return total / len(X)


def derivatives(network: Network, theta, X, y):
    """The gradient (a list) and the Hessian (an mpmath matrix) of the loss at theta (80 digits)."""
    P = layout(network.widths)["P"]
    g = [CTX.mpf(0)] * P
    H = CTX.matrix(P, P)
    for x, t in zip(X, y, strict=True):
        for (z, gz, Hz), yk in zip(output_jets(network.activation, network.widths, theta, x), t, strict=True):
            e1, e2 = _head(network, z, q(yk))
            for a in range(P):
                g[a] += e1 * gz[a] / len(X)
                for b in range(P):
                    H[a, b] += (e2 * gz[a] * gz[b] + e1 * Hz[a, b]) / len(X)
    return g, H


def newton(network: Network, theta, X, y, *, steps: int = 8):
    """θ polished by Newton steps at 80 digits; returns (θ as mpf, ‖∇F‖∞ there)."""
    th = [q(t) if isinstance(t, F) else t for t in theta]
    for _ in range(steps):
        g, H = derivatives(network, th, X, y)
        if max(abs(v) for v in g) < CTX.mpf(10) ** -76:
            break
        step = CTX.lu_solve(H, CTX.matrix(g))
        th = [a - step[i] for i, a in enumerate(th)]
    g, _ = derivatives(network, th, X, y)
    return th, max(abs(v) for v in g)


@dataclass(frozen=True)
class Planted:
    network: Network
    dataset: Dataset
    theta: tuple[F, ...]  # the critical point θ* to 75 digits (an exact decimal)
    gradient: float  # ‖∇F(θ)‖∞ at `theta`, 80 digits
    eigenvalues: tuple[float, ...]  # of the Hessian at θ*, 80 digits

    @property
    def index(self) -> int:
        return sum(e < 0 for e in self.eigenvalues)

    @property
    def smallest(self) -> float:
        return min(abs(e) for e in self.eigenvalues)

    def point(self, digits: int | None = None) -> Point:
        """θ*, or θ* rounded to ``digits`` significant decimal digits."""
        if digits is None:
            return Point.unflatten(self.network, list(self.theta))
        return Point.unflatten(self.network, [rounded(v, digits) for v in self.theta])

    def loss(self, point: Point):
        """The loss at ``point`` (80 digits)."""
        return loss(self.network, point.flatten(), self.dataset.X, self.dataset.y)


def _targets(network: Network, z, e):
    if network.loss == "bce":
        s = 1 / (1 + CTX.exp(-z))
        return s - e
    if network.output == "sigmoid":
        s, s1, _ = act_derivatives("sigmoid", z)
        return s - e / (2 * s1)
    return z - e / 2


def plant(
    seed: int,
    *,
    network: Network,
    points: int = 8,
    residual: float = 1.0,
    theta: list[F] | None = None,
    inputs: list[list[F]] | None = None,
    target_digits: int = 60,
    residual_decimals: int | None = None,
) -> Planted | None:
    """A planted critical point (see the module docstring), or None when the draw plants nothing (a
    Jacobian without null space, or targets outside [0, 1] for a sigmoid head). ``residual_decimals``
    rounds the residual's float direction before its exact projection: a float SVD's last bits differ
    between BLAS builds, and files that must come out the same on every machine round them away."""
    rng = np.random.default_rng(seed)
    d, _, K = network.widths
    P = network.n_params
    if theta is None:
        base = rng.integers(2, 13, P) * rng.choice([-1, 1], P)  # away from 0: no near-invariance
        theta = [
            F(int(v), 8) + F(int(u), 10**6) for v, u in zip(base, rng.integers(-999, 1000, P), strict=True)
        ]
    if inputs is None:
        grid = (
            [(a,) for a in range(-8, 9)] if d == 1 else [(a, b) for a in range(-8, 9) for b in range(-8, 9)]
        )
        picks = rng.choice(len(grid), size=points, replace=False)  # distinct inputs (d ≤ 2)
        inputs = [[F(grid[int(i)][t], 4) for t in range(d)] for i in picks]
    X = inputs
    jets = [output_jets(network.activation, network.widths, theta, x) for x in X]
    rows = [g for jet in jets for (_, g, _) in jet]
    J = np.array([[float(v) for v in g] for g in rows])
    if J.shape[0] <= P:
        return None
    _, sv, vt = np.linalg.svd(J.T)
    null = vt[int(np.sum(sv > 1e-9 * sv[0])) :]
    e = rng.normal(size=len(null)) @ null
    e = e * residual / np.abs(e).max()
    if residual_decimals is not None:
        e = np.round(e, residual_decimals)
    em = CTX.matrix([float(t) for t in e])
    Jm = CTX.matrix([[v for v in g] for g in rows])
    live = [k for k in range(P) if any(Jm[i, k] != 0 for i in range(Jm.rows))]
    Jl = CTX.matrix([[Jm[i, k] for k in live] for i in range(Jm.rows)])
    try:
        em = em - Jl * CTX.lu_solve(Jl.T * Jl, Jl.T * em)  # exact (80-digit) projection onto null(Jᵀ)
    except ZeroDivisionError:
        return None
    y = []
    for n, jet in enumerate(jets):
        row = []
        for k, (z, _, _) in enumerate(jet):
            t = _targets(network, z, em[n * K + k])
            if network.output == "sigmoid" and not 0 < t < 1:
                return None
            row.append(F(CTX.nstr(t, target_digits, min_fixed=-(10**6), max_fixed=10**6)))
        y.append(row)
    th, _ = newton(network, theta, X, y)
    theta_star = tuple(F(CTX.nstr(v, 75, min_fixed=-(10**6), max_fixed=10**6)) for v in th)
    g, H = derivatives(network, theta_star, X, y)
    eig = CTX.eigsy(H, eigvals_only=True)
    return Planted(
        network,
        Dataset.of(X, y),
        theta_star,
        float(max(abs(v) for v in g)),
        tuple(sorted(float(v) for v in eig)),
    )


def _decimal(v) -> F:
    return F(CTX.nstr(v, 75, min_fixed=-(10**6), max_fixed=10**6))


def _exactly(network: Network, dataset: Dataset, theta) -> Planted:
    """A Planted from a critical point known by construction (``theta``: Fractions or mpf, critical to
    ~1e-75); the Hessian's spectrum at 80 digits."""
    th = tuple(t if isinstance(t, F) else _decimal(t) for t in theta)
    g, H = derivatives(network, th, dataset.X, dataset.y)
    eig = CTX.eigsy(H, eigvals_only=True)
    return Planted(network, dataset, th, float(max(abs(v) for v in g)), tuple(sorted(float(v) for v in eig)))


def constant_unit_two_outputs(
    seed: int, *, activation: str = "tanh", output: str = "identity", loss: str = "mse", points: int = 6
) -> Planted:
    """A 1-1-2 net whose hidden unit is constant on the data (w = 0), output weights V ⊥ (D_k m_k)_k,
    m_k = Σ_i (ȳ_k − y_ik) x_i, and output biases C*_k − V_k σ(b), C*_k = ȳ_k (identity output) or
    logit(ȳ_k) (sigmoid output): every output is ȳ_k at every point, so each derivative is a sum of
    residual factors ℓ'_ik = D_k·(ȳ_k − y_ik)·const (D_k = 1 for identity-mse and cross-entropy,
    σ'(C*_k) = ȳ_k(1 − ȳ_k) for sigmoid-mse), and ∂F/∂w ∝ σ'(b) Σ_k V_k D_k m_k = 0: exactly critical, on
    the 2-dimensional manifold {w = 0, V ⊥ (D_k m_k), c = C* − V σ(b)} (b and |V| free). The (w, V along
    (D_k m_k)) block couples through σ'(b)·(D_k m_k) ≠ 0 beside a zero diagonal: a saddle."""
    rng = np.random.default_rng(seed)
    net = Network((1, 1, 2), activation, output=output, loss=loss)
    xs = rng.choice(17, size=points, replace=False) - 8
    X = [[F(int(v), 4)] for v in xs]
    if output == "sigmoid":
        Y = [[F(int(a), 16), F(int(b), 16)] for a, b in rng.integers(1, 16, size=(points, 2))]
    else:
        Y = [[F(int(a), 4), F(int(b), 4)] for a, b in rng.integers(-8, 9, size=(points, 2))]
    mean = [sum(r[k] for r in Y) / points for k in range(2)]
    D = [mean[k] * (1 - mean[k]) if (output, loss) == ("sigmoid", "mse") else F(1) for k in range(2)]
    m = [D[k] * sum((mean[k] - r[k]) * x[0] for r, x in zip(Y, X, strict=True)) for k in range(2)]
    t = F(int(rng.choice([-3, -2, -1, 1, 2, 3])), 4)
    V = [t * m[1], -t * m[0]]
    b = F(int(rng.integers(-8, 9)), 8)
    s = act_derivatives(activation, q(b))[0]
    C = [q(v) if output == "identity" else CTX.log(q(v) / (1 - q(v))) for v in mean]
    c = [C[k] - q(V[k]) * s for k in range(2)]
    return _exactly(net, Dataset.of(X, Y), [F(0), b, V[0], V[1], c[0], c[1]])


def split_units(base: Planted, lam: F) -> Planted:
    """A 1-1-K critical point duplicated into a 1-2-K net with output weights λV, (1 − λ)V (Fukumizu &
    Amari 2000): critical for every λ, on the line of splits."""
    d, _, K = base.network.widths
    L = layout(base.network.widths)
    th = base.theta
    net = Network((d, 2, K), base.network.activation, output=base.network.output, loss=base.network.loss)
    W = list(th[:d]) * 2
    b = [th[L["b1"]]] * 2
    V = []
    for k in range(K):
        v = th[L["W2"] + k]
        V += [lam * v, (1 - lam) * v]
    c = list(th[L["c"] :])
    return _exactly(net, base.dataset, W + b + V + c)


def born_unit(base: Planted, bias: F) -> Planted:
    """A 1-1-K critical point with a second unit of zero incoming and output weights and bias ``bias``:
    exactly critical (∂F/∂v = σ(bias)·∂F/∂c = 0)."""
    d, _, K = base.network.widths
    L = layout(base.network.widths)
    th = base.theta
    net = Network((d, 2, K), base.network.activation, output=base.network.output, loss=base.network.loss)
    W = list(th[:d]) + [F(0)] * d
    V = []
    for k in range(K):
        V += [th[L["W2"] + k], F(0)]
    return _exactly(net, base.dataset, [*W, th[L["b1"]], bias, *V, *th[L["c"] :]])


def split_unit(base: Planted, unit: int, lam: F) -> Planted:
    """A d-h-K critical point with hidden unit ``unit`` split into itself and a copy appended as unit h:
    output weight vectors λV and (1 − λ)V (Fukumizu & Amari 2000; for K ≥ 2 critical because
    Σ_k V_k G_k = 0 at the narrower critical point)."""
    d, h, K = base.network.widths
    L = layout(base.network.widths)
    th = base.theta
    net = Network((d, h + 1, K), base.network.activation, output=base.network.output, loss=base.network.loss)
    W = list(th[: h * d]) + list(th[unit * d : unit * d + d])
    b = [*th[L["b1"] : L["b1"] + h], th[L["b1"] + unit]]
    V = []
    for k in range(K):
        row = list(th[L["W2"] + k * h : L["W2"] + (k + 1) * h])
        whole = row[unit]
        row[unit] = lam * whole
        V += [*row, (1 - lam) * whole]
    return _exactly(net, base.dataset, W + b + V + list(th[L["c"] :]))
