"""An independent reference: the network and its loss written as plain per-point loops over exact
Fractions (mpmath at 60 digits for sigmoid/tanh), sharing no code with `badminima.landscape`."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath

from badminima.model import Dataset, Network, Point

mpmath.mp.dps = 60


def _mp(v):
    return mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else v


def _act(name: str, z, slope):
    if name == "identity":
        return z
    if name == "relu":
        return z if z > 0 else z * 0
    if name == "leaky_relu":
        return z if z > 0 else z * slope
    if name == "sigmoid":
        return 1 / (1 + mpmath.exp(-_mp(z)))
    return mpmath.tanh(_mp(z))


def reference_loss(network: Network, data: Dataset, point: Point):
    """The loss as a Fraction (piecewise-linear hidden units, identity output) or an mpmath number."""
    total = Fraction(0)
    for x, y in zip(data.X, data.y, strict=True):
        a = list(x)
        for li, layer in enumerate(point.layers):
            z = []
            for j, row in enumerate(layer.W):
                s = sum((w * v for w, v in zip(row, a, strict=True)), Fraction(0))
                if layer.b is not None:
                    s = s + layer.b[j]
                z.append(s)
            if li < len(point.layers) - 1:
                a = [_act(network.activation, v, network.leaky_slope) for v in z]
            else:
                a = z
        for zk, yk in zip(a, y, strict=True):
            if network.loss == "bce":
                # −y log σ(z) − (1 − y) log(1 − σ(z)) = log(1 + e^z) − y z, which keeps its digits where
                # 1 − σ(z) would cancel (σ(128) is 1 − 2.6e-56: 60 digits leave 4 of its log)
                t = _mp(zk)
                total = _mp(total) + mpmath.log1p(mpmath.exp(t)) - _mp(yk) * t
            else:
                f = _act("sigmoid", zk, None) if network.output == "sigmoid" else zk
                total = (_mp(total) if not isinstance(f, Fraction) else total) + (
                    f - _mp(yk) if not isinstance(f, Fraction) else f - yk
                ) ** 2
    return total / len(data.X)


def reference_output(network: Network, point: Point, x):
    """The network's first output at input ``x`` (a Fraction, or an mpmath number for sigmoid/tanh)."""
    a = list(x)
    for li, layer in enumerate(point.layers):
        z = []
        for j, row in enumerate(layer.W):
            s = sum((w * v for w, v in zip(row, a, strict=True)), Fraction(0))
            z.append(s + layer.b[j] if layer.b is not None else s)
        a = [_act(network.activation, v, network.leaky_slope) for v in z] if li < len(point.layers) - 1 else z
    return _act("sigmoid", a[0], None) if network.output == "sigmoid" else a[0]


def reference_population_loss(W, V):
    """Safran & Shamir's Gaussian population loss ½ Σ κ(w_i, w_j) − Σ κ(w_i, v_j) + ½ Σ κ(v_i, v_j),
    κ(u, v) = ‖u‖‖v‖(sin θ + (π − θ) cos θ)/(2π) written out in mpmath from rows of mpf numbers."""

    def kappa(u, v):
        nu = mpmath.sqrt(mpmath.fsum(x * x for x in u))
        nv = mpmath.sqrt(mpmath.fsum(x * x for x in v))
        c = mpmath.fsum(x * y for x, y in zip(u, v, strict=True)) / (nu * nv)
        c = min(max(c, mpmath.mpf(-1)), mpmath.mpf(1))
        th = mpmath.acos(c)
        return nu * nv * (mpmath.sin(th) + (mpmath.pi - th) * c) / (2 * mpmath.pi)

    s = mpmath.fsum(kappa(a, b) for a in W for b in W) / 2
    s -= mpmath.fsum(kappa(a, b) for a in W for b in V)
    return s + mpmath.fsum(kappa(a, b) for a in V for b in V) / 2


def mp_rows(rows):
    """Rows of Fractions as rows of mpmath numbers (exact at the current precision)."""
    return [[_mp(v) for v in r] for r in rows]


def half_unit(q: Fraction) -> Fraction:
    """Half a unit of the last decimal place of a terminating decimal ``q`` (0 for an integer)."""
    d = 0
    while (q * 10**d).denominator != 1:
        d += 1
    return Fraction(1, 2 * 10**d) if d else Fraction(0)


def readme_window(point: Point) -> list[Fraction]:
    """The README's window for digits all shorter than a float's print, by hand: 100⌈√P⌉ half units of
    each number's last decimal place."""
    flat = point.flatten()
    units = 100 * (math.isqrt(len(flat) - 1) + 1)  # 100⌈√P⌉
    return [units * half_unit(q) for q in flat]
