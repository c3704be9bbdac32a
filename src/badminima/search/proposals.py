"""Candidate datasets for the search: random ones on a grid of small rationals, and mutations of
good ones (the evolutionary strategy). Every proposal is a deterministic function of the seed, the
candidate's index and the evaluations before it, so a resumed or re-run search proposes the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from badminima.errors import SettingsError
from badminima.model.dataset import Dataset

TARGETS = ("binary", "real")


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """The shape of the datasets searched: ``n_points`` distinct inputs in ``dim`` dimensions with
    coordinates on the grid {−extent, …, extent}/denominator, and ``binary`` (0/1) targets with both
    labels present, or ``real`` targets on the same grid, ``outputs`` columns of them."""

    n_points: int
    dim: int
    targets: str = "binary"
    extent: int = 4
    denominator: int = 1
    outputs: int = 1

    def __post_init__(self) -> None:
        if self.targets not in TARGETS:
            raise SettingsError(f"targets: expected one of {', '.join(TARGETS)}, got {self.targets!r}")
        if self.n_points < 2 or self.dim < 1 or self.outputs < 1:
            raise SettingsError(
                f"points: expected at least 2 points of dimension >= 1 with >= 1 target column, got "
                f"{self.n_points} points in {self.dim}-D with {self.outputs}"
            )
        if self.extent < 1 or self.denominator < 1:
            raise SettingsError(
                f"grid: expected extent >= 1 and denominator >= 1, got {self.extent} and {self.denominator}"
            )
        if self.dim < 64 and self.n_points > (2 * self.extent + 1) ** self.dim:
            raise SettingsError(
                f"points: {self.n_points} distinct points do not fit on a grid of "
                f"{2 * self.extent + 1}^{self.dim} values; raise --grid"
            )

    def to_json(self) -> dict[str, object]:
        return {
            "n_points": self.n_points,
            "dim": self.dim,
            "targets": self.targets,
            "extent": self.extent,
            "denominator": self.denominator,
            "outputs": self.outputs,
        }


def candidate_rng(seed: int, index: int) -> np.random.Generator:
    """The random stream of candidate ``index`` of a search with ``seed``: independent of every other
    candidate and of the order candidates are evaluated in."""
    return np.random.default_rng(np.random.SeedSequence([seed, index]))


def to_dataset(spec: DatasetSpec, coords: np.ndarray, targets: np.ndarray) -> Dataset:
    """Integer grid coordinates (N, d) and integer targets (N, outputs) as an exact dataset."""
    q = spec.denominator
    X = [[Fraction(int(v), q) for v in row] for row in coords]
    y = [
        [Fraction(int(v)) if spec.targets == "binary" else Fraction(int(v), q) for v in row]
        for row in targets
    ]
    return Dataset.of(X, y)


def grid_of(spec: DatasetSpec, dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `to_dataset` for data on the spec's grid."""
    q = spec.denominator
    coords = np.array([[int(v * q) for v in row] for row in dataset.X], dtype=np.int64)
    scale = 1 if spec.targets == "binary" else q
    targets = np.array([[int(v * scale) for v in row] for row in dataset.y], dtype=np.int64)
    return coords, targets


def _targets(spec: DatasetSpec, rng: np.random.Generator) -> np.ndarray:
    if spec.targets == "binary":
        while True:
            y = rng.integers(0, 2, size=(spec.n_points, spec.outputs))
            if all(0 < y[:, j].sum() < spec.n_points for j in range(spec.outputs)):
                return y
    return rng.integers(-spec.extent, spec.extent + 1, size=(spec.n_points, spec.outputs))


def random_dataset(spec: DatasetSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """N distinct grid points drawn uniformly, with random targets (both labels present)."""
    side = 2 * spec.extent + 1
    if side**spec.dim <= 1 << 62:
        cells = rng.choice(side**spec.dim, size=spec.n_points, replace=False)
        coords = np.array(np.unravel_index(cells, (side,) * spec.dim)).T - spec.extent
        return coords.astype(np.int64), _targets(spec, rng)
    # Too many cells to number: draw each axis, redrawing a point that repeats an earlier one.
    rows: list[tuple[int, ...]] = []
    while len(rows) < spec.n_points:
        row = tuple(int(v) for v in rng.integers(-spec.extent, spec.extent + 1, size=spec.dim))
        if row not in rows:
            rows.append(row)
    return np.array(rows, dtype=np.int64), _targets(spec, rng)


def mutate(
    spec: DatasetSpec, coords: np.ndarray, targets: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One to three small edits: move a point one grid step along one axis (staying on the grid and
    distinct from the others), flip a label, or nudge a real target by one step."""
    coords, targets = coords.copy(), targets.copy()
    for _ in range(int(rng.integers(1, 4))):
        if rng.random() < 0.7:
            i, axis = int(rng.integers(spec.n_points)), int(rng.integers(spec.dim))
            moved = coords[i].copy()
            moved[axis] = np.clip(moved[axis] + rng.choice([-1, 1]), -spec.extent, spec.extent)
            if not any((moved == other).all() for other in coords):
                coords[i] = moved
        else:
            i, j = int(rng.integers(spec.n_points)), int(rng.integers(spec.outputs))
            if spec.targets == "binary":
                flipped = targets.copy()
                flipped[i, j] = 1 - flipped[i, j]
                if 0 < flipped[:, j].sum() < spec.n_points:
                    targets = flipped
            else:
                targets[i, j] = np.clip(targets[i, j] + rng.choice([-1, 1]), -spec.extent, spec.extent)
    return coords, targets


def propose(
    spec: DatasetSpec,
    seed: int,
    index: int,
    elite: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    explore: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate ``index``: a fresh random dataset, or (with probability 1 − ``explore``, when there
    is an ``elite`` of good datasets) a mutation of an elite member chosen uniformly."""
    rng = candidate_rng(seed, index)
    if elite and rng.random() >= explore:
        coords, targets = elite[int(rng.integers(len(elite)))]
        return mutate(spec, np.asarray(coords), np.asarray(targets), rng)
    return random_dataset(spec, rng)
