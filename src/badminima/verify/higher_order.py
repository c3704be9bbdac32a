"""Taylor coefficients of the loss along a line, enclosed in balls over a whole box (smooth nets).

For a one-hidden-layer sigmoid/tanh network with identity output and mse, φ(ε) = F(y + ε d) is computed
as a truncated Taylor series in ε (a *jet*): every parameter is the jet y_k + d_k ε; a pre-activation is
affine in ε; σ(z₀ + z₁ε) = Σ_k σ⁽ᵏ⁾(z₀) z₁ᵏ εᵏ / k!, with σ⁽ᵏ⁾ written as a polynomial in s = σ(z₀)
(σ' = s − s² for sigmoid, 1 − s² for tanh); products are truncated. With y a ball box, coefficient k
encloses D^kF(y)[d, …, d]/k! at *every* y in the box, which is what a Lagrange remainder needs:

    if φ'(0) = φ''(0) = 0 exactly at a critical point m, then φ(s) − φ(0) = φ'''(ξ)/6 · s³ for some
    ξ ∈ (0, s), so a third coefficient enclosed below zero over {m + ξ d : ξ ∈ [0, s₀]} proves
    F(m + s d) < F(m) for every s ∈ (0, s₀]: m is not a local minimum (a higher-order saddle).

The vanishing of the first two coefficients must come from an exact argument (balls cannot prove a
number is 0); `badminima.verify.lift` supplies one for the end points λ ∈ {0, 1} of a Fukumizu–Amari
split line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import to_arb
from badminima.errors import BackendError
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point

Jet = list[Any]


def _mul(a: Jet, b: Jet, order: int) -> Jet:
    out = [flint.arb(0)] * (order + 1)
    for i, x in enumerate(a):
        for j in range(order + 1 - i):
            if j < len(b):
                out[i + j] = out[i + j] + x * b[j]
    return out


def _derivative_polynomials(activation: str, order: int) -> list[list[int]]:
    """Integer coefficients (in s = σ(z), lowest first) of σ, σ', …, σ⁽ᵒʳᵈᵉʳ⁾."""
    g = [0, 1, -1] if activation == "sigmoid" else [1, 0, -1]  # σ' as a polynomial in s
    polys = [[0, 1]]
    for _ in range(order):
        p = polys[-1]
        dp = [k * c for k, c in enumerate(p)][1:] or [0]
        out = [0] * (len(dp) + len(g) - 1)
        for i, x in enumerate(dp):
            for j, y in enumerate(g):
                out[i + j] += x * y
        polys.append(out)
    return polys


def _compose(activation: str, z0: Any, z1: Any, order: int, polys: list[list[int]]) -> Jet:
    """σ(z₀ + z₁ε) as a jet, z₀ a ball (σ⁽ᵏ⁾ enclosed through s = σ(z₀) over the whole ball)."""
    ball = BallArithmetic(flint.ctx.prec)
    s = ball.sigmoid1(z0) if activation == "sigmoid" else ball.tanh1(z0)
    out = []
    power = flint.arb(1)
    for k in range(order + 1):
        value = sum((c * s**i for i, c in enumerate(polys[k]) if c), flint.arb(0))
        out.append(value * power / math.factorial(k))
        power = power * z1
    return out


def line_coefficients(
    network: Network,
    dataset: Dataset,
    center: Point,
    radius: Fraction,
    direction: Sequence[Fraction | Any],
    reach: Fraction,
    *,
    order: int = 3,
    precision: int = 128,
) -> list[Any]:
    """Balls enclosing the Taylor coefficients 0…``order`` of ε ↦ F(y + ε d) at every base point
    y ∈ B(``center``, ``radius``) + [0, ``reach``]·d (∞-norm box, d = ``direction``; an entry may be an
    ``arb`` ball, and then every d with entries in those balls is covered).

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((1, 1, 1), "tanh")
        >>> data = Dataset.of([[1]], [[0]])
        >>> zero = Point.unflatten(net, [0, 0, 0, 0])
        >>> c = line_coefficients(net, data, zero, Fraction(0), [1, 0, 1, 0], Fraction(0))
        >>> [float(v.mid()) for v in c]  # F(ε) = tanh(ε)² ε² = ε⁴ + …: zero up to order 3
        [0.0, 0.0, 0.0, 0.0]
    """
    if len(network.widths) != 3 or network.activation not in ("sigmoid", "tanh"):
        raise BackendError("line_coefficients: one hidden layer of sigmoid or tanh units")
    if network.output != "identity" or network.loss != "mse" or not network.bias:
        raise BackendError("line_coefficients: identity output, mse, with biases")
    d0, h, o = network.widths
    x = center.flatten()
    polys = _derivative_polynomials(network.activation, order)
    with flint.ctx.workprec(precision):
        q = to_arb
        rad = q(radius)
        dirs = [b if isinstance(b, flint.arb) else q(Fraction(b)) for b in direction]
        span = q(reach)
        base = [
            q(a) + span * b / 2 + flint.arb(0, (rad + abs(span * b) / 2).upper())
            for a, b in zip(x, dirs, strict=True)
        ]

        def w(j: int, m: int) -> int:
            return j * d0 + m

        total = [flint.arb(0)] * (order + 1)
        for xi, yi in zip(dataset.X, dataset.y, strict=True):
            acts = []
            for j in range(h):
                z0 = base[h * d0 + j] + sum((base[w(j, m)] * q(xi[m]) for m in range(d0)), flint.arb(0))
                z1 = dirs[h * d0 + j] + sum((dirs[w(j, m)] * q(xi[m]) for m in range(d0)), flint.arb(0))
                acts.append(_compose(network.activation, z0, z1, order, polys))
            for k in range(o):
                vi = h * d0 + h + k * h
                ci = h * d0 + h + o * h + k
                f: Jet = [base[ci] - q(yi[k]), dirs[ci]] + [flint.arb(0)] * (order - 1)
                for j in range(h):
                    term = _mul([base[vi + j], dirs[vi + j]], acts[j], order)
                    f = [a + b for a, b in zip(f, term, strict=True)]
                sq = _mul(f, f, order)
                total = [a + b for a, b in zip(total, sq, strict=True)]
        n = len(dataset.X)
        return [t / n for t in total]
