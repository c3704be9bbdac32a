"""Inputs whose first-layer weights the proof can drop: 0 on every data point, or dependent and unweighted.

The first layer sees the data only through [X | 1]. If input k is a combination Σ_j c_kj x_j (+ c_k·1)
of the others on every data point (`dependent_inputs.input_dependencies`; c = 0 for an input that is 0
on the data), then F(θ) = F'(π θ), where F' is the loss of the network without input k and π adds
c_kj·U_k to each pivot's weights U_j (and c_k·U_k to the bias) and drops U_k: a linear surjection. So θ
is a (bad) local minimum, a saddle, or not critical exactly when π θ is. Input k is dropped when that
changes no written number: its data column is 0 (π only drops U_k), or U_k = 0 at the given point
(π θ is θ without U_k). A lower point of F' lifts with U_k as given; a box of radius r around a point of
F' holds the image of the box of radius r/(1 + C) around its lift, C = max_j Σ_k |c_kj|, and every
distance between the given point and a lifted one is the reduced distance.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.trap import Trap
from badminima.verify.dependent_inputs import dependency_spread, input_dependencies
from badminima.verify.outcome import Outcome


def droppable_inputs(network: Network, dataset: Dataset, point: Point) -> dict[int, dict[int, Fraction]]:
    """The inputs the proof can drop (the module docstring), each with its exact coefficients on the kept
    columns (the bias column is index d); empty when there are none.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((3, 1, 1), "tanh")
        >>> data = Dataset.of([[1, 0, 1], [2, 0, 2], [0, 0, 0]], [[1], [0], [1]])
        >>> point = Point.unflatten(net, [1, 5, 0, 0, 1, 0])  # x₂ = 0 and x₃ = x₁ (weight 0 on x₃)
        >>> droppable_inputs(net, data, point)
        {1: {}, 2: {0: Fraction(1, 1)}}
    """
    d = network.widths[0]
    W = point.layers[0].W
    unweighted = tuple(k for k in range(d) if all(row[k] == 0 for row in W))
    deps = input_dependencies(network, dataset, last=unweighted)
    dropped = {k: c for k, c in deps.items() if not c or k in unweighted}
    return dropped if len(dropped) < d else {}


def _drop(point: Point, columns: dict[int, dict[int, Fraction]]) -> Point:
    first = point.layers[0]
    W = tuple(tuple(w for k, w in enumerate(row) if k not in columns) for row in first.W)
    return Point((replace(first, W=W), *point.layers[1:]))


def _restore(reduced: Point, given: Point, columns: dict[int, dict[int, Fraction]]) -> Point:
    """``reduced`` with the given point's weights on the dropped columns put back (a preimage under π only
    where those weights are 0 or their data columns are: the droppable ones)."""
    rows = []
    for row, given_row in zip(reduced.layers[0].W, given.layers[0].W, strict=True):
        kept = iter(row)
        rows.append(tuple(given_row[k] if k in columns else next(kept) for k in range(len(given_row))))
    return Point((Layer(tuple(rows), reduced.layers[0].b), *reduced.layers[1:]))


def without_dropped_inputs(trap: Trap) -> tuple[Trap, dict[int, dict[int, Fraction]]] | None:
    """The trap without its droppable inputs (`droppable_inputs`; no better point: its loss is the given
    trap's business), and those inputs; None when there are none.

    Example:
        >>> from badminima.model import load_trap
        >>> trap = load_trap("examples/degenerate/born-unit.json")
        >>> without_dropped_inputs(trap) is None
        True
    """
    columns = droppable_inputs(trap.network, trap.dataset, trap.point)
    if not columns:
        return None
    net = trap.network
    network = replace(net, widths=(net.widths[0] - len(columns), *net.widths[1:]))
    X = [[v for k, v in enumerate(x) if k not in columns] for x in trap.dataset.X]
    dataset = Dataset.of(X, [list(y) for y in trap.dataset.y])
    return Trap(network, dataset, _drop(trap.point, columns), name=trap.name), columns


def lift_dropped_inputs(
    out: Outcome, given: Point, columns: dict[int, dict[int, Fraction]], network: Network
) -> Outcome:
    """The reduced network's outcome stated for the given one: its points with the dropped weights as
    given, its distances and losses unchanged, its proof box shrunk by 1 + C (the module docstring)."""
    names = ", ".join(str(k + 1) for k in sorted(columns))
    kept = network.widths[0] - len(columns)
    which = f"input {names} is" if len(columns) == 1 else f"inputs {names} are"
    combination = "a combination of the other inputs (and 1) on every data point, with weights 0 in layer 1"
    if not any(columns.values()):
        how = "0 on every data point"
    elif all(columns.values()):
        how = combination
    else:
        how = f"0 on every data point or {combination}"
    spread = dependency_spread(columns)
    note = (
        f"{which} {how}, so the network without {'it' if len(columns) == 1 else 'them'} ({kept} "
        f"input{'s' if kept > 1 else ''}) decides, and its answer holds here with those weights as given"
        f"{'' if spread == 0 else f' (its proof box shrunk by 1 + {spread})'}: "
    )
    return replace(
        out,
        reason=note + out.reason,
        proof_radius=None if out.proof_radius is None else out.proof_radius / (1 + spread),
        box_center=None if out.box_center is None else _restore(out.box_center, given, columns),
        witness=None if out.witness is None else _restore(out.witness, given, columns),
        steps=(f"dropped {which.split()[0]} {names}", *out.steps),
    )
