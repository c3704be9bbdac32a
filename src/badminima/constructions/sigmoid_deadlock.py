"""The sigmoid "deadlock" (Swirszcz, Czarnecki & Pascanu 2016, §3, Figure 1): ten points in the plane,
0/1 labels, a 2-2-1 sigmoid network stuck at a finite local minimum that classifies far worse than an
explicitly given point.

The paper describes the construction but its data and weights are not in our notes, so this instance is
ours (found by a multistart search over mirror-symmetric integer datasets, then certified):

- data: label 1 at (±1, 2) and (±3, 2); label 0 at (±1, 0), (±1, 3), (0, 1), (0, 4);
- network: sigmoid hidden units, identity output, mean squared error (with a sigmoid output and
  cross-entropy, every minimum we met on such data runs off to infinity);
- trap: the two hidden lines are mirror images, nearly vertical at x ≈ ±1.26, each held by an outer
  point (±3, 2). On the column x = ±1 (labels 0, 1, 0 going up) one tilted unit can only rise or fall
  monotonically, so it settles below 1/2 on all three: accuracy 8/10, loss ≈ 0.1296. The point is given
  to 17 digits; `verify` proves a strict local minimum within 1.2e-12 of it;
- better point: both lines turned horizontal into the stripe 1.5 < y < 2.5: accuracy 10/10, loss ≈ 8.5e-5.

The paper reports the trap at about half the better point's accuracy; ours is at 80% of it. Among the
finite strict minima our searches found (about 1–2% of datasets have one), none had a worse ratio.
Parameters ``scale`` s > 0 and ``shift_x``, ``shift_y`` move the data (x → s·x + t) and the first layer
with it (W → W/s, b → b − W t / s): exact symmetries, so every instance is the same trap. The point is
an optimiser's float output: a number the move writes beyond 17 digits is printed as the nearest float.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import sympy

from badminima.constructions.family import (
    Construction,
    Parameter,
    SymbolicTrap,
    SymLayer,
    column,
    matrix,
    sym,
)
from badminima.model.network import Network

X = [[1, 2], [1, 0], [3, 2], [1, 3], [-1, 2], [-1, 0], [-3, 2], [-1, 3], [0, 1], [0, 4]]
Y = [[1], [0], [1], [0], [1], [0], [1], [0], [0], [0]]
TRAP_W1 = [["2.7083462800794105", "0.20468693412941433"], ["-2.7083462800797462", "0.20468693412941907"]]
TRAP_B1 = ["-3.4046358492238227", "-3.4046358492241682"]
TRAP_V = [["1.1385333321639621", "1.1385333321639575"]]
TRAP_C = ["-0.13597751330946023"]
BETTER_W1 = [[0, 10], [0, -10]]
BETTER_B1 = [-15, 25]
BETTER_V = [[1, 1]]
BETTER_C = [-1]

SCALE, SHIFT_X, SHIFT_Y = sympy.symbols("s t_x t_y")


def symbolic() -> SymbolicTrap:
    """The deadlock with the data moved by x → s·x + t and the first layer moved with it."""
    shift = sympy.Matrix([[SHIFT_X], [SHIFT_Y]])

    def layers(
        W1: Sequence[Sequence[object]],
        b1: Sequence[object],
        V: Sequence[Sequence[object]],
        c: Sequence[object],
    ) -> tuple[SymLayer, ...]:
        W = matrix(W1) / SCALE
        b = column(b1) - W * shift
        return (W, b), (matrix(V), column(c))

    return SymbolicTrap(
        network=Network((2, 2, 1), "sigmoid", "identity", "mse"),
        X=matrix([[SCALE * sym(a) + SHIFT_X, SCALE * sym(b) + SHIFT_Y] for a, b in X]),
        y=matrix(Y),
        point=layers(TRAP_W1, TRAP_B1, TRAP_V, TRAP_C),
        better=layers(BETTER_W1, BETTER_B1, BETTER_V, BETTER_C),
        symbols={"scale": SCALE, "shift_x": SHIFT_X, "shift_y": SHIFT_Y},
    )


CONSTRUCTIONS = (
    Construction(
        name="sigmoid-deadlock",
        summary="10 points, 2-2-1 sigmoid net stuck at 80% accuracy; a better point has 100%",
        source="Swirszcz, Czarnecki & Pascanu 2016, arXiv:1611.06310 (Theorem 1 / Figure 1)",
        kind="trap",
        parameters=(
            Parameter("scale", Fraction(1), "data scale s > 0 (x → s·x + t; an exact symmetry)", Fraction(0)),
            Parameter("shift_x", Fraction(0), "data translation t_x (an exact symmetry)"),
            Parameter("shift_y", Fraction(0), "data translation t_y (an exact symmetry)"),
        ),
        symbolic=lambda _: symbolic(),
        provenance=(
            "The paper describes this trap; the dataset, both points and the output/loss choice are ours "
            "(the paper's trap is at about half the better accuracy, ours at 80%)."
        ),
        paper={"accuracy_ratio": "about 1/2"},  # stated in words; our ratio is 4/5,
        float_point=True,
    ),
)
