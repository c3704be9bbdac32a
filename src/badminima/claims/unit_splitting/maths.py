"""Unit splitting, the maths: the split map S_λ, the split directions, Fukumizu–Amari's matrix A and its
sign rule, and ball quadratic forms and definiteness."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from badminima.model.network import Network
from badminima.model.point import Layer, Point

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------------------------------------------
# The split map and the matrix A
# ---------------------------------------------------------------------------------------------------


def _check_shape(network: Network) -> tuple[int, int]:
    """``(d0, hidden width)`` of a one-hidden-layer tanh network with scalar identity output, mse,
    biases; ValueError otherwise."""
    ok = (
        network.depth == 2
        and network.widths[-1] == 1
        and network.activation == "tanh"
        and network.output == "identity"
        and network.loss == "mse"
        and network.bias
    )
    if not ok:
        raise ValueError(
            f"network: expected d0-m-1 tanh→identity, mse, with biases, got {network.describe()}"
        )
    return network.widths[0], network.widths[1]


def split_network(network: Network) -> Network:
    """The network with one more hidden unit (the split copy is appended as the last unit)."""
    d0, m = _check_shape(network)
    return Network((d0, m + 1, 1), network.activation)


def split_point(network: Network, point: Point, unit: int, lam: Fraction) -> tuple[Network, Point]:
    """``S_λθ``: hidden unit ``unit`` duplicated (the copy appended last), output weights λ·v_j on the
    original and (1 − λ)·v_j on the copy. Exact, linear in θ, and the network function is unchanged.

    Example:
        >>> net = Network((1, 1, 1), "tanh")
        >>> big, p = split_point(net, Point.of([([[2]], [1]), ([[3]], [0])]), 0, Fraction(1, 3))
        >>> [str(x) for x in p.flatten()]
        ['2', '2', '1', '1', '1', '2', '0']
    """
    _, m = _check_shape(network)
    if not 0 <= unit < m:
        raise ValueError(f"unit: expected 0..{m - 1}, got {unit!r}")
    hidden, out = point.layers
    assert hidden.b is not None
    v = list(out.W[0])
    vj = v[unit]
    v[unit] = lam * vj
    v.append((1 - lam) * vj)
    layers = (Layer((*hidden.W, hidden.W[unit]), (*hidden.b, hidden.b[unit])), Layer((tuple(v),), out.b))
    return split_network(network), Point(layers)


def split_direction(
    network: Network, unit: int, lam: Fraction, u: Sequence[Fraction]
) -> tuple[Fraction, ...]:
    """The flat direction of the big network ``δw_a = (1 − λ)u``, ``δw_b = −λu`` (``u`` = input weights
    then bias of the split unit; a = ``unit``, b = the appended copy), zero elsewhere."""
    d0, m = _check_shape(network)
    if len(u) != d0 + 1:
        raise ValueError(f"u: expected {d0 + 1} entries (input weights, bias), got {len(u)}")
    W = [[Fraction(0)] * d0 for _ in range(m + 1)]
    b = [Fraction(0)] * (m + 1)
    for row, scale in ((unit, 1 - lam), (m, -lam)):
        W[row] = [scale * x for x in u[:d0]]
        b[row] = scale * u[d0]
    zero = Layer(((Fraction(0),) * (m + 1),), (Fraction(0),))
    return Point((Layer(tuple(map(tuple, W)), tuple(b)), zero)).flatten()


def split_curvature_matrix(
    network: Network, inputs: Any, targets: Any, flat: Any, unit: int, *, arith: Any
) -> list[list[Any]]:
    """Fukumizu–Amari's ``A = v_j Σ_i ℓ'_i φ''(w_j·x̃_i) x̃_i x̃_iᵀ`` at the flat parameters (any backend:
    a ball array gives an enclosure over a box), with ``ℓ'_i = 2(f_i − y_i)/N`` and, for tanh,
    ``φ'' = −2 tanh (1 − tanh²)``. Uses the package's forward pass; ``inputs`` (d0, N), ``targets`` (1, N)
    as laid out by `badminima.landscape.problem.prepare`."""
    from badminima.landscape.forward_pass import forward, unflatten

    d0, _ = _check_shape(network)
    params = unflatten(network, flat)
    fwd = forward(network, params, inputs, arith=arith)
    n = inputs.shape[1]
    a = fwd.a[1][unit]
    weight = params[1][0][0, unit] * (2 * (fwd.logits[0] - targets[0]) / n) * (-2 * a * (1 - a * a))
    rows = [inputs[p] for p in range(d0)]
    A: list[list[Any]] = [[None] * (d0 + 1) for _ in range(d0 + 1)]
    for p in range(d0 + 1):
        for q in range(p, d0 + 1):
            term = weight
            for k in (p, q):
                if k < d0:
                    term = term * rows[k]
            A[p][q] = A[q][p] = arith.total(term)
    return A


def fukumizu_amari_sign(lam: Fraction, sign_uAu: int) -> int:
    """The sign of ``vᵀ∇²L v = λ(1−λ)uᵀAu`` along the split direction of u (step 2 of the module
    docstring), from λ and the sign of ``uᵀAu``."""
    return (1 if lam * (1 - lam) > 0 else -1) * sign_uAu


def quadratic_form(ball: Any, M: Any, v: Sequence[Fraction]) -> Any:
    """``vᵀMv`` in balls for an arb matrix M (an enclosure over every matrix M stands for)."""
    import flint

    n = len(v)
    vb = flint.arb_mat(n, 1, [ball.constant(x) for x in v])
    return (vb.transpose() * M * vb)[0, 0]


def definiteness(A: list[list[Any]]) -> str | None:
    """``positive definite`` / ``negative definite`` when Sylvester's leading minors of ±A are proved
    positive for every symmetric matrix in the ball matrix A, else None."""
    import flint

    n = len(A)
    for sign, name in ((1, "positive definite"), (-1, "negative definite")):
        minors = [
            flint.arb_mat([[sign * A[i][j] for j in range(k)] for i in range(k)]).det()
            for k in range(1, n + 1)
        ]
        if all(d > 0 for d in minors):
            return name
    return None
