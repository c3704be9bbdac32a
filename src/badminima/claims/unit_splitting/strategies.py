"""Unit splitting, the drawn examples: split cases on drawn data, the constructed minima with A definite, and
split ratios for them (public hypothesis strategies)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import from_float
from badminima.strategies import rationals

if TYPE_CHECKING:
    pass


LAMBDAS = (Fraction(-1, 2), Fraction(1, 3), Fraction(3, 2))
"""Split ratios tried on every example (one on each side of [0, 1] and one inside), plus one drawn."""


@dataclass(frozen=True)
class SplitCase:
    """A small network (H − 1 tanh units), its data, the unit to split and the split ratios λ; ``start``
    (optional) a point near a known strict minimum, polished there instead of a multistart search."""

    network: Network
    dataset: Dataset
    unit: int
    lambdas: tuple[Fraction, ...]
    start: Point | None = None


def definite_case(sign: int) -> SplitCase:
    """A constructed example whose minimum has a *definite* A (positive for ``sign`` = 1, negative for
    −1); drawn examples almost always give an indefinite A, hence only saddles.

    Construction: θ* = (w, b, v, c) = (−1, 3/4, 7/4, 0) on the seven inputs below. The first-order
    conditions at θ* are four linear conditions on the residual vector r (Σr = Σr·tanh z = Σr·tanh'z =
    Σr·tanh'z·x = 0); r was chosen in their null space with A(r) definite (A is linear in r, so −r gives
    the opposite sign), and the targets are ``v·tanh(w x + b) − sign·r/2`` rounded to hundredths. The
    rounding moves the minimum by about 5·10⁻³ (polished before `certify`), not enough to change A's
    definiteness (|eigenvalues| between 10⁻³ and 6·10⁻³; the definiteness is proved in balls on every run).
    """
    y = {
        1: ("31/20", "43/20", "111/100", "29/50", "-59/100", "-51/50", "-167/100"),
        -1: ("193/100", "23/20", "93/50", "27/100", "-27/100", "-121/100", "-81/50"),
    }[sign]
    X = ("-5/2", "-1", "-1/2", "1/2", "1", "3/2", "5/2")
    net = Network((1, 1, 1), "tanh")
    start = Point.of([([["-1"]], ["3/4"]), ([["7/4"]], ["0"])])
    return SplitCase(net, Dataset.of([[x] for x in X], [[t] for t in y]), 0, LAMBDAS, start)


@st.composite
def split_cases(draw: st.DrawFn) -> SplitCase:
    """d0 ∈ {1, 2} inputs, H − 1 ∈ {1, 2} tanh units, P + 1..P + 3 distinct rational inputs (P the small
    network's parameter count: with fewer points the minima are interpolating and flat, never strict),
    targets from a teacher tanh network with one more unit (rational weights in [−2, 2]) rounded to
    eighths plus noise k/8, |k| ≤ 2 (random targets mostly send tanh units off to infinity), the unit to
    split, and one drawn λ ∉ {0, 1} besides `LAMBDAS`."""
    d0 = draw(st.integers(1, 2))
    m = draw(st.integers(1, 2))
    net = Network((d0, m, 1), "tanh")
    n = net.n_params + draw(st.integers(1, 3))
    X = draw(st.lists(st.tuples(*[rationals()] * d0), min_size=n, max_size=n, unique=True))
    weight = rationals(max_numerator=2, max_denominator=2)
    teacher = [
        (draw(st.tuples(*[weight] * d0)), draw(weight), draw(weight.filter(bool))) for _ in range(m + 1)
    ]
    y = []
    for x in X:
        f = sum(
            float(v) * math.tanh(sum(float(a * b) for a, b in zip(w, x, strict=True)) + float(c))
            for w, c, v in teacher
        )
        y.append([from_float(f, "grid", denominator=8) + Fraction(draw(st.integers(-2, 2)), 8)])
    unit = draw(st.integers(0, m - 1))
    extra = draw(rationals(max_numerator=6, max_denominator=4).filter(lambda q: q not in (0, 1)))
    lambdas = tuple(dict.fromkeys((*LAMBDAS, extra)))
    return SplitCase(net, Dataset.of(X, y), unit, lambdas)


@st.composite
def definite_splits(draw: st.DrawFn) -> SplitCase:
    """A constructed minimum with A definite (`definite_case`, sign drawn) split at two drawn ratios, one
    in (0, 1) and one outside [0, 1]: whatever A's sign, one of them is predicted a local minimum."""
    case = definite_case(draw(st.sampled_from((1, -1))))
    d = draw(st.integers(2, 6))
    inside = Fraction(draw(st.integers(1, d - 1)), d)
    outside = draw(rationals(max_numerator=6, max_denominator=4).filter(lambda q: q < 0 or q > 1))
    return SplitCase(case.network, case.dataset, case.unit, (inside, outside), case.start)
