"""Inputs that are 0 on every data point: their first-layer weights change nothing, so prove without them.

If input k is 0 on every data point, the loss does not depend on column k of W₁ at all: F(θ) = F'(θ')
where θ' drops that column and F' is the loss of the network without input k. So θ is a (bad) local
minimum, a saddle, or not critical exactly when θ' is; a box around θ' of radius r is the box around θ of
radius r whatever column k holds, and a lower point of F' is one of F with column k as given. The reduced
point keeps every written number as it was (nothing is recombined), so its rounding is the given one's.
"""

from __future__ import annotations

from dataclasses import replace

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.trap import Trap
from badminima.verify.outcome import Outcome


def zero_inputs(dataset: Dataset) -> tuple[int, ...]:
    """The inputs that are 0 on every data point (none when every input is: nothing would remain).

    Example:
        >>> zero_inputs(Dataset.of([[1, 0, 2], [3, 0, 0]], [[1], [0]]))
        (1,)
    """
    d = len(dataset.X[0])
    zeros = tuple(k for k in range(d) if all(x[k] == 0 for x in dataset.X))
    return () if len(zeros) == d else zeros


def _drop(point: Point, columns: tuple[int, ...]) -> Point:
    first = point.layers[0]
    W = tuple(tuple(w for k, w in enumerate(row) if k not in columns) for row in first.W)
    return Point((replace(first, W=W), *point.layers[1:]))


def _restore(reduced: Point, given: Point, columns: tuple[int, ...]) -> Point:
    """``reduced`` with the given point's weights on the dropped columns put back."""
    rows = []
    for row, given_row in zip(reduced.layers[0].W, given.layers[0].W, strict=True):
        kept = iter(row)
        rows.append(tuple(given_row[k] if k in columns else next(kept) for k in range(len(given_row))))
    return Point((Layer(tuple(rows), reduced.layers[0].b), *reduced.layers[1:]))


def without_zero_inputs(trap: Trap) -> tuple[Trap, tuple[int, ...]] | None:
    """The trap without its zero inputs (`zero_inputs`), and those inputs; None when there are none.

    Example:
        >>> from badminima.model import load_trap
        >>> trap = load_trap("examples/degenerate/born-unit.json")
        >>> without_zero_inputs(trap) is None
        True
    """
    columns = zero_inputs(trap.dataset)
    if not columns:
        return None
    net = trap.network
    network = replace(net, widths=(net.widths[0] - len(columns), *net.widths[1:]))
    X = [[v for k, v in enumerate(x) if k not in columns] for x in trap.dataset.X]
    dataset = Dataset.of(X, [list(y) for y in trap.dataset.y])
    better = None if trap.better is None else _drop(trap.better, columns)
    reduced = Trap(network, dataset, _drop(trap.point, columns), better=better, name=trap.name)
    return reduced, columns


def lift_zero_inputs(out: Outcome, given: Point, columns: tuple[int, ...], network: Network) -> Outcome:
    """The reduced network's outcome stated for the given one: its points with the dropped columns as
    given, its radii and losses unchanged (the loss does not see those weights)."""
    names = ", ".join(str(k + 1) for k in columns)
    kept = network.widths[0] - len(columns)
    which = f"input {names} is" if len(columns) == 1 else f"inputs {names} are"
    note = (
        f"{which} 0 on every data point, so layer 1's weights on it change no prediction: the network "
        f"without it ({kept} input{'s' if kept > 1 else ''}) decides, and its answer holds here with those "
        f"weights as given: "
    )
    return replace(
        out,
        reason=note + out.reason,
        box_center=None if out.box_center is None else _restore(out.box_center, given, columns),
        witness=None if out.witness is None else _restore(out.witness, given, columns),
        steps=(f"dropped zero {which.split()[0]} {names}", *out.steps),
    )
