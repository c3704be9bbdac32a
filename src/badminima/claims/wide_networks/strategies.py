"""Wide networks, the drawn examples: one-hidden-layer leaky-ReLU and wide sigmoid/tanh problems, and the
hand counterexample to the noise-free reading (public hypothesis strategies)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.strategies import datasets, networks

if TYPE_CHECKING:
    pass


@st.composite
def leaky_examples(draw: st.DrawFn) -> tuple[Network, Dataset]:
    """One hidden layer of 1–3 leaky ReLUs on 1–3 inputs, one identity output, square loss, with or
    without biases; 2–6 distinct float-valued points (generic data: the theorem holds almost everywhere)."""
    net = draw(
        networks(
            activations=("leaky_relu",),
            min_hidden_layers=1,
            max_hidden_layers=1,
            max_width=3,
            max_inputs=3,
            max_outputs=1,
            outputs=("identity",),
            losses=("mse",),
        )
    )
    data = draw(datasets(net, min_points=2, max_points=6, numbers="float", task="regression"))
    return net, data


HAND_NETWORK = Network((1, 2, 1), "leaky_relu", bias=False, leaky_slope=Fraction(1, 10))
HAND_DATA = Dataset.of([[1], [2]], [[1], [3]])
"""The hand counterexample to the noise-free reading: both inputs positive, so in the region where both
units are positive on both points f(x) = c·x, and the least-squares slope c = 7/5 leaves loss 1/10 at a
DLM although N = 2 ≤ d0·d1 = 2 (rank G = 1). Every (x, y) with x_1, x_2 > 0 and y not proportional to x
does the same (an open set of datasets), so "almost every dataset" does not save the noise-free reading."""


@st.composite
def wide_examples(draw: st.DrawFn) -> tuple[Network, Dataset]:
    """Sigmoid or tanh networks with one or two hidden layers (the last of 1–4 units) on 1–2 inputs, 1–2
    identity outputs, square loss, biases; 2–5 distinct float-valued points."""
    net = draw(
        networks(
            activations=("sigmoid", "tanh"),
            min_hidden_layers=1,
            max_hidden_layers=2,
            max_width=4,
            max_inputs=2,
            max_outputs=2,
            outputs=("identity",),
            losses=("mse",),
            bias=True,
        )
    )
    data = draw(datasets(net, min_points=2, max_points=5, numbers="float", task="regression"))
    return net, data
