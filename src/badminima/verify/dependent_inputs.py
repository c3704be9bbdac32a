"""Minima and saddles where the data's inputs are linearly dependent: flat directions of the first layer.

The first layer sees the data only through M = [X | 1] (N × (d+1); X alone without biases): the
pre-activations are P = U Mᵀ with U = [W₁ | b₁]. When M has rank below its column count (an input that is
0 or constant on every data point, two inputs that agree, more inputs than points), pick pivot columns J
and write each other column exactly as M_k = Σ_{j∈J} c_kj M_j (rationals, reduced row echelon form).
Then moving U_k by t and every U_j by −c_kj t leaves P, hence the loss, unchanged: an exact group of
translations of dimension (width of layer 1) × (number of dependent columns).

The slice fixes every U_k (k ∉ J) at its given value and is cut once by every orbit. The slice proof of
`symmetry_slices` applies as it stands: a unique minimiser x* of F on the slice is critical for F, since
∂F/∂U_k = (∂F/∂P) M_k = Σ_j c_kj ∂F/∂U_j = 0 there; and every y within η of the centre c lies on the orbit
of m(y) + t with m(y) = x* moved along the orbit until its fixed coordinates are y's, t on the slice's
tangent: ‖m(y) − c‖∞ ≤ max(η, r + Cη) with C = max_j Σ_k |c_kj| (`dependent_input_slice`'s bound). A
saddle of F restricted to the slice is a saddle of F by the same identities (`certify_saddle_on_slice`).
"""

from __future__ import annotations

from fractions import Fraction

from badminima.arithmetic.least_squares import null_space
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.lift import Lifted
from badminima.verify.rounding import pinned_numbers
from badminima.verify.symmetry_slices import Slice, certify_on_slice, certify_saddle_on_slice


def input_dependencies(
    network: Network, dataset: Dataset, last: tuple[int, ...] = ()
) -> dict[int, dict[int, Fraction]]:
    """Each dependent column k of [X | 1] (the bias column is index d, listed first so that it stays a
    pivot; X alone without biases) with its exact coefficients {j: c_kj} on the pivot columns; empty when
    the columns are independent. Pivots are taken left to right with the inputs in ``last`` moved to the
    end, so that those become the dependent ones wherever they can.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((3, 1, 1), "tanh")
        >>> data = Dataset.of([[1, 0, 2], [2, 0, 3], [0, 0, 1]], [[1], [0], [1]])
        >>> input_dependencies(net, data)  # x₂ = 0 and x₃ = 1 + x₁ on the data
        {1: {}, 2: {3: Fraction(1, 1), 0: Fraction(1, 1)}}
    """
    d = network.widths[0]
    order = ([d] if network.bias else []) + [k for k in range(d) if k not in last] + list(last)
    rows = [[*x, Fraction(1)] for x in dataset.X]
    out: dict[int, dict[int, Fraction]] = {}
    # The null space's vector for a free (dependent) column f is 1 at f and −c_fj at the pivots left of it.
    for v in null_space([[row[k] for k in order] for row in rows]):
        f = max(c for c, q in enumerate(v) if q)
        out[order[f]] = {order[c]: -q for c, q in enumerate(v[:f]) if q}
    return out


def dependency_spread(deps: dict[int, dict[int, Fraction]]) -> Fraction:
    """C = max_j Σ_k |c_kj|: how far moving the dependent columns' weights by ε moves a pivot's (≤ Cε).

    Example:
        >>> dependency_spread({2: {0: Fraction(1), 3: Fraction(-2)}, 4: {0: Fraction(1, 2)}})
        Fraction(2, 1)
    """
    pivots = {j for coefficients in deps.values() for j in coefficients}
    return max(
        (sum((abs(c.get(j, Fraction(0))) for c in deps.values()), Fraction(0)) for j in pivots),
        default=Fraction(0),
    )


def dependent_input_slice(network: Network, dataset: Dataset, point: Point | None = None) -> Slice | None:
    """The slice fixing the first layer's weights on every dependent input column (the module docstring),
    or None when the inputs are independent on the data. With ``point``, an input whose weight there is
    written exactly on purpose (`rounding.pinned_numbers`) is taken dependent wherever it can be, so
    that the slice keeps that number.

    Example:
        >>> from badminima.model import Dataset
        >>> net = Network((2, 1, 1), "tanh")
        >>> data = Dataset.of([[1, 0], [2, 0], [3, 0]], [[1], [0], [1]])
        >>> dependent_input_slice(net, data).fixed  # W₁[0][1], the weight on the input that is always 0
        (1,)
    """
    d, p = network.widths[0], network.widths[1]
    held = pinned_numbers(point) if point is not None else frozenset()
    deps = input_dependencies(
        network, dataset, last=tuple(k for k in range(d) if any(u * d + k in held for u in range(p)))
    )
    if not deps:
        return None

    def index(unit: int, column: int) -> int:
        return p * d + unit if column == d else unit * d + column

    fixed = tuple(sorted(index(u, k) for u in range(p) for k in deps))
    spread = dependency_spread(deps)

    def bound(center: Point, r: Fraction, eta: Fraction) -> Fraction:
        return r + (1 + spread) * eta

    inputs = ", ".join("the bias" if k == d else f"input {k + 1}" for k in sorted(deps))
    return Slice(
        fixed,
        bound,
        f"translations of layer 1's weights along the data's input dependencies ({inputs} a combination "
        f"of the others on every data point)",
        "lift-dependent-inputs",
        p * len(deps),
    )


def certify_dependent_inputs(network: Network, dataset: Dataset, point: Point) -> Lifted | None:
    """A minimum (code ``lift-dependent-inputs``) or a saddle (``slice-saddle``) on the slice that fixes
    the first layer's weights on dependent input columns, for a network whose hidden units are smooth
    (sigmoid, tanh); None otherwise or when neither proof goes through.

    Example:
        >>> from badminima.model import load_trap
        >>> trap = load_trap("examples/degenerate/dependent-inputs.json")
        >>> certify_dependent_inputs(trap.network, trap.dataset, trap.point).code
        'lift-dependent-inputs'
    """
    if network.activation not in ("sigmoid", "tanh"):
        return None
    chart = dependent_input_slice(network, dataset, point)
    if chart is None:
        return None
    return certify_on_slice(network, dataset, point, chart) or certify_saddle_on_slice(
        network, dataset, point, chart
    )
