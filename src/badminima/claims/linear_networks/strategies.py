"""Deep linear networks, the drawn examples: linear regression problems, and subspace cases with an exact
eigen-decomposition of Σ (public hypothesis strategies)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

from badminima.claims.linear_networks.maths import SubspaceCase, cayley, spectral_dataset
from badminima.model.dataset import Dataset, Matrix
from badminima.model.network import Network
from badminima.strategies import Numbers, datasets, rationals


@dataclass(frozen=True)
class LinearProblem:
    """A deep linear network and a dataset for it."""

    network: Network
    dataset: Dataset


@st.composite
def linear_problems(
    draw: st.DrawFn,
    *,
    max_hidden_layers: int = 2,
    max_width: int = 3,
    max_inputs: int = 3,
    max_points: int = 6,
    numbers: Numbers = "rational",
) -> LinearProblem:
    """Deep linear networks (d_y ≤ d_x, 1..``max_hidden_layers`` hidden layers) with a regression
    dataset of small rationals (or ``numbers="float"``: float-valued numbers, down to 2^-20, whose
    losses can be too small for the float64 search's absolute tolerances), with enough points for S_xx
    to be invertible."""
    dx = draw(st.integers(1, max_inputs))
    dy = draw(st.integers(1, dx))
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_hidden_layers))
    bias = draw(st.booleans())
    net = Network((dx, *hidden, dy), "identity", bias=bias)
    least = dx + int(bias)
    data = draw(
        datasets(
            net, min_points=least, max_points=max(max_points, least + 1), task="regression", numbers=numbers
        )
    )
    return LinearProblem(net, data)


def _lower_triangular(draw: st.DrawFn, p: int) -> Matrix:
    """An invertible p × p rescaling: lower triangular with a non-zero diagonal."""
    diagonal = rationals(max_numerator=2, max_denominator=2).filter(lambda v: v != 0)
    below = rationals(max_numerator=1)
    return tuple(
        tuple(draw(diagonal) if i == j else draw(below) if j < i else Fraction(0) for j in range(p))
        for i in range(p)
    )


def _skew(draw: st.DrawFn, n: int) -> tuple[Fraction, ...]:
    entry = rationals(max_numerator=3, max_denominator=3)
    return tuple(draw(st.lists(entry, min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2)))


@st.composite
def subspace_cases(
    draw: st.DrawFn, *, max_depth: int = 3, max_outputs: int = 3, max_inputs: int = 3, max_extra: int = 2
) -> SubspaceCase:
    """Cases with an exact eigen-decomposition (`spectral_dataset` from Cayley matrices), a drawn
    non-top subset of p < d_y eigenvectors, depth 2..``max_depth``, and lower-triangular rescalings."""
    dy = draw(st.integers(2, max_outputs))
    dx = draw(st.integers(dy, max(dy, max_inputs)))
    p = draw(st.integers(1, dy - 1))
    depth = draw(st.integers(2, max_depth))
    hidden = [draw(st.integers(p, p + 1)) for _ in range(depth - 1)]
    hidden[draw(st.integers(0, depth - 2))] = p
    bias = draw(st.booleans())
    K = draw(st.integers(dx, dx + max_extra))
    frame, rotation, eigenvectors = (cayley(_skew(draw, k), k) for k in (K, dx, dy))
    positive = st.builds(Fraction, st.integers(1, 6), st.integers(1, 2))
    sigma = draw(st.lists(positive, min_size=dy, max_size=dy, unique=True))
    residual = tuple(tuple(draw(rationals(max_numerator=2)) for _ in range(dy)) for _ in range(K - dx))
    scale = draw(st.sampled_from((Fraction(1), Fraction(1, 2), Fraction(2), Fraction(3, 2))))
    data = spectral_dataset(
        frame, rotation, eigenvectors, sigma, scale=scale, residual=residual, mirrored=bias
    )
    top = sorted(range(dy), key=lambda i: sigma[i], reverse=True)[:p]
    subsets = [s for s in itertools.combinations(range(dy), p) if set(s) != set(top)]
    subset = draw(st.sampled_from(subsets))
    scales = tuple(_lower_triangular(draw, p) for _ in range(depth - 1))
    net = Network((dx, *hidden, dy), "identity", bias=bias)
    return SubspaceCase(net, data, eigenvectors, subset, scales)
