"""Inputs the proof can drop: 0 on every data point, or combinations of the others there.

The first layer sees the data only through [X | 1]. If input k is a combination Σ_j c_kj x_j (+ c_k·1)
of the others on every data point (`dependent_inputs.input_dependencies`; c = 0 for an input that is 0
on the data), then F(θ) = F'(π θ), where F' is the loss of the network without input k and π adds
c_kj·U_k to each pivot's weights U_j (and c_k·U_k to the bias) and drops U_k (*folds* input k): a linear
surjection. So θ is a (bad) local minimum, a saddle, or not critical exactly when π θ is. A point of F'
lifts with U_k as given and c_kj·U_k taken off each pivot again (a preimage under π at the reduced
distance from the given point); a box of radius r around a point of F' holds the image of the box of
radius r/(1 + C) around its lift, C = max_j Σ_k |c_kj|. Where U_k = 0 or the column is 0, π changes no
written number; elsewhere the folded weights are new exact numbers, judged against the given digits'
rounding scale times 1 + C.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import relative_rounding, rounding_scale
from badminima.model.trap import Trap
from badminima.verify.dependent_inputs import dependency_spread, input_dependencies
from badminima.verify.options import CertifyOptions
from badminima.verify.outcome import Outcome

FOLD_SLACK = 1000
"""How much coarser than the given digits folded numbers may read (a sum of two numbers written to 32
digits may end in two zeros): more, and they are not tried. Exact points stay exact (0 times anything)."""


def droppable_inputs(network: Network, dataset: Dataset, point: Point) -> dict[int, dict[int, Fraction]]:
    """The inputs the proof can drop (the module docstring), each with its exact coefficients on the kept
    columns (the bias column is index d); empty when there are none. Inputs whose first-layer weights are
    all 0 are chosen as the dropped ones wherever the dependencies allow (no number is rewritten).

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
    dropped = input_dependencies(network, dataset, last=unweighted)
    return dropped if len(dropped) < d else {}


def folds_numbers(point: Point, columns: dict[int, dict[int, Fraction]]) -> bool:
    """Whether folding ``columns`` rewrites a number of ``point`` (a dependent input with a non-zero
    first-layer weight).

    Example:
        >>> from badminima.model import Network
        >>> point = Point.unflatten(Network((2, 1, 1), "tanh"), [1, 5, 0, 1, 0])
        >>> folds_numbers(point, {1: {0: Fraction(1)}}), folds_numbers(point, {1: {}})
        (True, False)
    """
    return any(c and any(row[k] for row in point.layers[0].W) for k, c in columns.items())


def _moved(row: tuple[Fraction, ...], columns: dict[int, dict[int, Fraction]]) -> list[Fraction]:
    """What π adds to each pivot's weight (index d: the bias) from one unit's ``row`` of layer-1 weights."""
    zero = Fraction(0)
    return [sum((c.get(m, zero) * row[k] for k, c in columns.items()), zero) for m in range(len(row) + 1)]


def _fold(point: Point, columns: dict[int, dict[int, Fraction]]) -> Point:
    """π θ (the module docstring): each dropped column's weights added to its pivots', then dropped."""
    first = point.layers[0]
    moved = [_moved(row, columns) for row in first.W]
    W = tuple(
        tuple(w + add[m] for m, w in enumerate(row) if m not in columns)
        for row, add in zip(first.W, moved, strict=True)
    )
    b = None if first.b is None else tuple(b + add[-1] for b, add in zip(first.b, moved, strict=True))
    return Point((Layer(W, b), *point.layers[1:]))


def _restore(reduced: Point, given: Point, columns: dict[int, dict[int, Fraction]]) -> Point:
    """A preimage of ``reduced`` under π: the given point's weights on the dropped columns, each pivot's
    weight and bias less what π adds from them."""
    first, given_W = reduced.layers[0], given.layers[0].W
    moved = [_moved(row, columns) for row in given_W]
    rows = []
    for row, given_row, add in zip(first.W, given_W, moved, strict=True):
        kept = iter(row)
        rows.append(tuple(g if m in columns else next(kept) - add[m] for m, g in enumerate(given_row)))
    b = None if first.b is None else tuple(b - add[-1] for b, add in zip(first.b, moved, strict=True))
    return Point((Layer(tuple(rows), b), *reduced.layers[1:]))


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
    return Trap(network, dataset, _fold(trap.point, columns), name=trap.name), columns


def narrower_options(
    given: Point, reduced: Point, columns: dict[int, dict[int, Fraction]], options: CertifyOptions
) -> CertifyOptions | None:
    """The options the narrower network is certified with: ``options`` when no number was folded; else
    with its slopes judged against the given digits' rounding scale times 1 + C; None when the folded
    numbers read as coarser digits than `FOLD_SLACK` times that (a sum of exact short numbers that is a
    long one, or a coordinate whose long digits folded away): they would pass for a rounding of points
    farther than the given digits allow.

    Example:
        >>> from badminima.model import Network
        >>> net, columns = Network((2, 1, 1), "tanh"), {1: {0: Fraction("0.0123")}}  # x₂ = 0.0123·x₁
        >>> given = Point.unflatten(net, [Fraction("0.25"), Fraction("0.75"), 0, 1, 0])  # exact
        >>> reduced = _fold(given, columns)  # 0.25 + 0.75·0.0123 = 0.259225: six digits, a rounded number
        >>> reduced.layers[0].W, narrower_options(given, reduced, columns, CertifyOptions()) is None
        (((Fraction(10369, 40000),),), True)
    """
    if not folds_numbers(given, columns):
        return options
    reach = 1 + dependency_spread(columns)
    rho = options.rounding if options.rounding is not None else rounding_scale(given.flatten())
    if (
        rounding_scale(reduced.flatten()) > FOLD_SLACK * rho * reach
        or relative_rounding(reduced.flatten()) > FOLD_SLACK * relative_rounding(given.flatten()) * reach
    ):
        return None
    return replace(options, rounding=rho * reach)


def lift_dropped_inputs(
    out: Outcome, given: Point, columns: dict[int, dict[int, Fraction]], network: Network
) -> Outcome:
    """The reduced network's outcome stated for the given one: its points lifted (`_restore`), its
    distances and losses unchanged, its proof box shrunk by 1 + C (the module docstring)."""
    names = ", ".join(str(k + 1) for k in sorted(columns))
    kept = network.widths[0] - len(columns)
    which = f"input {names} is" if len(columns) == 1 else f"inputs {names} are"
    combination = "a combination of the other inputs (and 1) on every data point"
    if not any(columns.values()):
        how = "0 on every data point"
    elif all(columns.values()):
        how = combination
    else:
        how = f"0 on every data point or {combination}"
    spread = dependency_spread(columns)
    them = "it" if len(columns) == 1 else "them"
    folded = (
        f", {'its' if len(columns) == 1 else 'their'} layer-1 weights added to those of the inputs combined,"
        if folds_numbers(given, columns)
        else ""
    )
    note = (
        f"{which} {how}, so the network without {them} ({kept} input{'s' if kept > 1 else ''}){folded} "
        f"decides, and its answer holds here with {them} weighted as given"
        f"{'' if spread == 0 else f' (its proof box shrunk by 1 + {spread})'}: "
    )
    return replace(
        out,
        reason=note + out.reason,
        proof_radius=None if out.proof_radius is None else out.proof_radius / (1 + spread),
        box_center=None if out.box_center is None else _restore(out.box_center, given, columns),
        witness=None if out.witness is None else _restore(out.witness, given, columns),
        steps=(f"dropped {which.split()[0]} {names}", *out.steps),
        on_slice=None,  # the narrower network's indices
    )
