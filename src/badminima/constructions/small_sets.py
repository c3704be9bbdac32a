"""The paper's small classification sets for its initialisation experiments (Swirszcz, Czarnecki &
Pascanu 2016, §5): the 4-point "jellyfish" and XOR, 0/1 labels, for 2-h-1 networks. Data only."""

from __future__ import annotations

from collections.abc import Sequence

from badminima.constructions.family import Construction, SymbolicTrap, matrix
from badminima.model.dataset import Dataset
from badminima.model.network import Network

SOURCE = "Swirszcz, Czarnecki & Pascanu 2016, arXiv:1611.06310"
JELLYFISH_X: list[list[object]] = [[1, 0], ["0.2", "0.6"], [0, 1], ["0.6", "0.2"]]
JELLYFISH_Y = [[1], [1], [0], [0]]
XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_Y = [[0], [1], [1], [0]]


def jellyfish() -> Dataset:
    """X = ((1, 0), (0.2, 0.6), (0, 1), (0.6, 0.2)), labels (1, 1, 0, 0)."""
    return Dataset.of(JELLYFISH_X, JELLYFISH_Y)


def xor() -> Dataset:
    """X = ((0, 0), (0, 1), (1, 0), (1, 1)), labels (0, 1, 1, 0)."""
    return Dataset.of(XOR_X, XOR_Y)


def _symbolic(X: Sequence[Sequence[object]], y: Sequence[Sequence[object]]) -> SymbolicTrap:
    return SymbolicTrap(Network((2, 2, 1), "sigmoid", "sigmoid", "bce"), matrix(X), matrix(y), None, None)


CONSTRUCTIONS = (
    Construction(
        name="jellyfish",
        summary="the paper's 4-point 'jellyfish' classification set (data only)",
        source=SOURCE,
        kind="dataset",
        parameters=(),
        symbolic=lambda _: _symbolic(JELLYFISH_X, JELLYFISH_Y),
        provenance="The data are the paper's.",
    ),
    Construction(
        name="xor",
        summary="XOR, the paper's companion 4-point classification set (data only)",
        source=SOURCE,
        kind="dataset",
        parameters=(),
        symbolic=lambda _: _symbolic(XOR_X, XOR_Y),
        provenance="The data are the paper's.",
    ),
)
