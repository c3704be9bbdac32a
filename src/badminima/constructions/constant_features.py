"""Yun, Sra & Jadbabaie's flat trap: a bad local minimum made of hidden units constant on the data.

Theorem 2 of Yun, Sra & Jadbabaie (ICLR 2019) takes a 2-2-1 network with a smooth activation h, squared
loss and the dataset X = [[1, 0, 1/2], [0, 1, 1/2]] (columns are points), Y = [0, 0, 1]. The three inputs
lie on the line x₁ + x₂ = 1 and the affine least-squares fit is the constant 1/3. With W₁ = 0, biases
(v₁, v₂) and output weights (u₁, u₂) with u₁h(v₁) + u₂h(v₂) = 1/3 the network computes that constant;
under their conditions (C2.6)–(C2.7) on h', h'' at v₁, v₂ this is a local minimum, while a network of the
same shape fits the data exactly (loss 0): a spurious minimum for sigmoid, tanh, arctan, ELU, SELU.

Here the output bias carries what the hidden units leave over: b₂ = 1/3 − u₁h(v₁) − u₂h(v₂) (the paper
takes b₂ = 0 and solves for the u's; both lie on the same manifold of equal loss). That number is
irrational unless every h(v_j) is rational, so it is written to ``digits`` significant digits: the trap's
point is then a rounded point next to the manifold, which `badminima.verify.certify` handles.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import mpmath

from badminima.errors import InvalidModelError
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.trap import Trap

SOURCE = (
    "Yun, Sra & Jadbabaie 2019, ICLR (Small nonlinearities in activation functions create bad local "
    "minima), Theorem 2"
)

BUMP = 10
"""Slope of the two units of the better point (a bump at the middle input)."""


def _value(activation: str, v: Fraction, digits: int) -> Fraction:
    """h(v): exact when rational (sigmoid(0) = 1/2, tanh(0) = 0), else to ``digits + 10`` digits."""
    if v == 0:
        return Fraction(1, 2) if activation == "sigmoid" else Fraction(0)
    with mpmath.workdps(digits + 10):
        z = mpmath.mpf(v.numerator) / v.denominator
        value = 1 / (1 + mpmath.exp(-z)) if activation == "sigmoid" else mpmath.tanh(z)
        return Fraction(mpmath.nstr(value, digits + 10, strip_zeros=False))


def _round(q: Fraction, digits: int) -> Fraction:
    with mpmath.workdps(digits + 10):
        return Fraction(mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, digits, strip_zeros=False))


def yun_flat_trap(
    activation: str = "sigmoid",
    *,
    biases: Sequence[Fraction | int | str] = (-1, -2),
    output_weights: Sequence[Fraction | int | str] = (1, 1),
    digits: int = 30,
) -> Trap:
    """The Theorem 2 trap with hidden biases ``biases`` (the paper's v₁, v₂) and output weights
    ``output_weights`` (u₁, u₂); the output bias is 1/3 − Σ u_j h(v_j) to ``digits`` digits (exact when
    every h(v_j) is rational). The better point is a bump of two units (loss far below the trap's 2/9).

    Example:
        >>> trap = yun_flat_trap("tanh", biases=(1, -1), output_weights=(1, 1))
        >>> [float(b) for b in trap.point.layers[0].b], trap.point.layers[0].W
        ([1.0, -1.0], ((Fraction(0, 1), Fraction(0, 1)), (Fraction(0, 1), Fraction(0, 1))))
    """
    if activation not in ("sigmoid", "tanh"):
        raise InvalidModelError(f"activation: expected 'sigmoid' or 'tanh', got {activation!r}")
    b = [Fraction(v) for v in biases]
    u = [Fraction(v) for v in output_weights]
    if len(b) != 2 or len(u) != 2:
        raise InvalidModelError("biases and output_weights: expected two numbers each (the paper's d₁ = 2)")
    network = Network((2, 2, 1), activation)
    half = Fraction(1, 2)
    dataset = Dataset.of([[1, 0], [0, 1], [half, half]], [[0], [0], [1]])
    rest = Fraction(1, 3) - sum(
        (uj * _value(activation, bj, digits) for uj, bj in zip(u, b, strict=True)), Fraction(0)
    )
    exact = all(bj == 0 for bj in b)
    c = rest if exact else _round(rest, digits)
    point = Point.of([([[0, 0], [0, 0]], b), ([u], [c])])
    # Better: h(k t + k/2) − h(k t − k/2) with t = x₁ − x₂ ∈ {1, −1, 0} is a bump at the middle point.
    k = BUMP
    top = _value(activation, Fraction(k, 2), 12) - _value(activation, Fraction(-k, 2), 12)
    side = _value(activation, Fraction(3 * k, 2), 12) - _value(activation, Fraction(k, 2), 12)
    V = _round(1 / (top - side), 8)
    better = Point.of(
        [([[k, -k], [k, -k]], [Fraction(k, 2), Fraction(-k, 2)]), ([[V, -V]], [_round(-V * side, 8)])]
    )
    return Trap(
        network,
        dataset,
        point,
        better=better,
        name=f"yun-flat-trap-{activation}",
        description=(
            f"Yun, Sra & Jadbabaie's Theorem 2 trap: both hidden units constant (W1 = 0, biases "
            f"{', '.join(str(v) for v in b)}), output weights {', '.join(str(v) for v in u)}; the output "
            f"bias makes the output the least-squares constant 1/3"
            + ("" if exact else f" (written to {digits} digits)")
        ),
        source=SOURCE,
    )
