"""The three one-hidden-layer ReLU regression traps of Swirszcz, Czarnecki & Pascanu (2016), §3:
f(x) = Σ_j v_j relu(w_j x + b_j) + c on scalar inputs.

- ``relu-blind-spot`` (their example 1): one unit fits three points; the other two lie in its dead
  region, its *blind spot*, so nothing pulls the unit towards them.
- ``relu-no-blind-spot`` (example 2): two units, every point seen by some unit, yet the units split the
  line suboptimally; the global fit has a blind spot.
- ``relu-blind-spot-in-better`` (example 3): three units, no blind spot at the trap, while the better
  point leaves x = 1 unseen.

Data and points are the paper's (example 2 with the second input weight +1, not the printed −1: with −1
the text's numbers do not hold). Each family has two exact symmetries as parameters: ``scale`` α > 0
rescales every unit, (w, b, v) → (αw, αb, v/α), and ``shift`` t moves the data, x → x + t, b → b − wt.
Neither changes any loss, so every instance is the same trap.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import sympy

from badminima.constructions.family import Construction, Parameter, SymbolicTrap, SymLayer, column, sym
from badminima.model.network import Network

SOURCE = "Swirszcz, Czarnecki & Pascanu 2016, arXiv:1611.06310"
ALPHA, SHIFT = sympy.symbols("alpha t")
SYMMETRIES = (
    Parameter("scale", Fraction(1), "rescaling α > 0 of every hidden unit (an exact symmetry)", Fraction(0)),
    Parameter("shift", Fraction(0), "translation t of the inputs, absorbed by the biases (a symmetry)"),
)


def one_hidden_layer(
    xs: Sequence[object],
    ys: Sequence[object],
    point: tuple[Sequence[object], Sequence[object], Sequence[object], object],
    better: tuple[Sequence[object], Sequence[object], Sequence[object], object],
) -> SymbolicTrap:
    """A scalar 1-h-1 ReLU trap from (w, b, v, c) of the point and the better point, with the ``scale``
    and ``shift`` symmetries applied symbolically."""

    def layers(
        w: Sequence[object], b: Sequence[object], v: Sequence[object], c: object
    ) -> tuple[SymLayer, ...]:
        W = column([ALPHA * sym(wj) for wj in w])
        B = column([ALPHA * (sym(bj) - sym(wj) * SHIFT) for wj, bj in zip(w, b, strict=True)])
        V = sympy.Matrix([[sym(vj) / ALPHA for vj in v]])
        return (W, B), (V, column([c]))

    h = len(point[0])
    return SymbolicTrap(
        network=Network((1, h, 1), "relu"),
        X=column([sym(x) + SHIFT for x in xs]),
        y=column(ys),
        point=layers(*point),
        better=layers(*better),
        symbols={"scale": ALPHA, "shift": SHIFT},
    )


def blind_spot() -> SymbolicTrap:
    """Example 1: relu(x − 3) fits x = 5, 4, 3; x = 1 and −1 are in its blind spot. The point is on a
    kink (x = 3) and on a rescaling orbit: a minimum, not a strict one."""
    return one_hidden_layer([5, 4, 3, 1, -1], [2, 1, 0, -3, 3], ([1], [-3], [1], 0), ([-1], [0], [3], 0))


def no_blind_spot() -> SymbolicTrap:
    """Example 2: two units see every point but split the line badly; unit 2 is on a kink at x = 10."""
    return one_hidden_layer(
        [-1, 0, 1, 10, 11, 12],
        [5, 0, -1, -3, -4, -5],
        ([-3, 1], ["13/3", -10], [1, -1], -3),
        ([-5, 1], [1, -8], [1, -1], -1),
    )


def blind_spot_in_better() -> SymbolicTrap:
    """Example 3: three units, no blind spot at the trap; the better point leaves x = 1 unseen."""
    return one_hidden_layer(
        [-1, 0, 1, 10, 11, 12],
        [3, 0, -1, -3, -4, -6],
        ([-2, 1, 1], ["11/3", -10, -11], [1, -1, -1], -3),
        (["-3/2", "-3/2", "3/2"], [1, 0, "-79/6"], [1, 1, -1], -1),
    )


CONSTRUCTIONS = (
    Construction(
        name="relu-blind-spot",
        summary="1-1-1 ReLU regression trap made by a blind spot (paper's example 1)",
        source=SOURCE,
        kind="trap",
        parameters=SYMMETRIES,
        symbolic=lambda _: blind_spot(),
        provenance="Data and both points are the paper's.",
        paper={"sse": "18", "better_sse": "14"},
    ),
    Construction(
        name="relu-no-blind-spot",
        summary="1-2-1 ReLU regression trap without blind spots (paper's example 2)",
        source=SOURCE,
        kind="trap",
        parameters=SYMMETRIES,
        symbolic=lambda _: no_blind_spot(),
        provenance=(
            "Data and points are the paper's, with the second unit's input weight +1 where copies print -1 "
            "(with -1 the paper's numbers do not hold)."
        ),
        paper={"sse": "8/3", "better_sse": "0"},
    ),
    Construction(
        name="relu-blind-spot-in-better",
        summary="1-3-1 ReLU trap without blind spots whose better point has one (paper's example 3)",
        source=SOURCE,
        kind="trap",
        parameters=SYMMETRIES,
        symbolic=lambda _: blind_spot_in_better(),
        provenance="Data and both points are the paper's; its better point is better, not global.",
        paper={"sse": "2/3", "better_sse": "1/6"},
    ),
)
