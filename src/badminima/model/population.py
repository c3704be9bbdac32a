"""Population traps: a student fitted to a teacher under an input distribution instead of a finite dataset.

The model is Safran & Shamir's (ICML 2018): x ~ N(0, I_n), student x ↦ Σ_{i≤k} relu(w_i·x) and teacher
x ↦ Σ_{j≤m} relu(v_j·x), both one hidden ReLU layer without biases and with output weights fixed at 1
(they are part of the point but not parameters), and the objective F(W) = ½ E[(student − teacher)²].
The parameters are the student's first-layer rows w_i, flattened row-major.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from badminima.errors import InvalidModelError
from badminima.model.network import Network
from badminima.model.point import Point

DISTRIBUTIONS = ("gaussian",)


def check_sum_of_relus(network: Network, point: Point | None, field: str) -> None:
    """Raise unless ``network`` is an n-k-1 ReLU net without biases, identity output and mse, and
    ``point`` (if given) has every output weight exactly 1 — the model the closed form covers.

    Raises:
        InvalidModelError: naming ``field`` and what was expected.
    """
    if (
        network.depth != 2
        or network.widths[-1] != 1
        or network.activation != "relu"
        or network.output != "identity"
        or network.loss != "mse"
        or network.bias
    ):
        raise InvalidModelError(
            f"{field}: a population trap needs an n-k-1 relu→identity network, mse, no bias; "
            f"got {network.describe()}"
        )
    if point is None:
        return
    point.check_fits(network)
    weights = point.layers[1].W[0]
    if any(v != 1 for v in weights):
        raise InvalidModelError(
            f"{field}[1].W: the population form fixes every output weight at 1 (Safran & Shamir), "
            f"got {[str(v) for v in weights]}"
        )


@dataclass(frozen=True, slots=True)
class Population:
    """Inputs x ~ ``distribution`` on R^``dimension`` (only ``gaussian``: N(0, I)), labelled by the
    ``teacher`` network at ``teacher_point``."""

    distribution: str
    dimension: int
    teacher: Network
    teacher_point: Point

    def __post_init__(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise InvalidModelError(
                f"distribution: expected one of {', '.join(DISTRIBUTIONS)}, got {self.distribution!r}"
            )
        if isinstance(self.dimension, bool) or not isinstance(self.dimension, int) or self.dimension < 1:
            raise InvalidModelError(f"dimension: expected a positive integer, got {self.dimension!r}")
        check_sum_of_relus(self.teacher, self.teacher_point, "teacher.point")
        if self.teacher.widths[0] != self.dimension:
            raise InvalidModelError(
                f"teacher.network.widths: expected input width {self.dimension} (the dimension), "
                f"got {self.teacher.widths[0]}"
            )

    @property
    def teacher_rows(self) -> tuple[tuple[Fraction, ...], ...]:
        """The teacher's first-layer rows v_j."""
        return self.teacher_point.layers[0].W


@dataclass(frozen=True, slots=True)
class PopulationTrap:
    """A student ``network`` at ``point`` claimed to be a (bad) local minimum of the population loss,
    maybe with a ``better`` point (for a realisable teacher: the teacher itself, loss 0)."""

    network: Network
    population: Population
    point: Point
    better: Point | None = None
    name: str | None = None
    description: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        check_sum_of_relus(self.network, self.point, "point")
        if self.better is not None:
            check_sum_of_relus(self.network, self.better, "better")
        if self.network.widths[0] != self.population.dimension:
            raise InvalidModelError(
                f"network.widths: expected input width {self.population.dimension} (data.dimension), "
                f"got {self.network.widths[0]}"
            )

    @property
    def n_params(self) -> int:
        """The student's first-layer weights: k·n (the output weights are fixed)."""
        k, n = self.network.layer_shapes[0]
        return k * n


def student_point(rows: tuple[tuple[Fraction, ...], ...] | list[list[Fraction]]) -> Point:
    """The point of a sum of ReLUs with first-layer ``rows`` and every output weight 1.

    Example:
        >>> student_point([[Fraction(1), Fraction(0)]]).layers[1].W
        ((Fraction(1, 1),),)
    """
    from badminima.model.point import Layer

    rows = [list(r) for r in rows]
    return Point((Layer.of(rows, None), Layer.of([[Fraction(1)] * len(rows)], None)))


def padded_teacher(population: Population, width: int, *, scale: Fraction = Fraction(1, 1000)) -> Point:
    """A student point of ``width`` neurons near the global minimum: the teacher's rows, then one row
    ``scale``·(e_0 + e_j) per extra neuron j = 1, 2, … (not parallel to each other or to e_i, so the
    closed form applies; its loss is O(scale²), far below every spurious minimum). With as many neurons
    as the teacher it is the teacher itself (loss 0).

    Raises:
        InvalidModelError: ``width`` below the teacher's width, or more extra neurons than the
            dimension allows (j runs up to dimension − 1).

    Example:
        >>> from badminima.model.population import Population
        >>> eye = student_point([[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]])
        >>> pop = Population("gaussian", 2, sum_of_relus(2, 2), eye)
        >>> [list(map(str, r)) for r in padded_teacher(pop, 3).layers[0].W]
        [['1', '0'], ['0', '1'], ['1/1000', '1/1000']]
    """
    rows = [list(r) for r in population.teacher_rows]
    n, extra = population.dimension, width - len(rows)
    if extra < 0 or extra > n - 1:
        raise InvalidModelError(
            f"width: expected between {len(rows)} (the teacher's) and {len(rows) + n - 1} neurons, "
            f"got {width}"
        )
    for j in range(1, extra + 1):
        rows.append([scale if i in (0, j) else Fraction(0) for i in range(n)])
    return student_point(rows)


def sum_of_relus(n: int, k: int) -> Network:
    """The n-k-1 ReLU network without biases whose point `student_point` fills."""
    return Network((n, k, 1), "relu", output="identity", loss="mse", bias=False)


def data_summary(trap: object) -> str:
    """What a trap is fitted to, in a few words: ``10 points`` for a finite dataset, ``N(0, I_7),
    teacher 7-7-1`` for a population trap (catalogue listings show both kinds)."""
    if isinstance(trap, PopulationTrap):
        teacher = "-".join(map(str, trap.population.teacher.widths))
        return f"N(0, I_{trap.population.dimension}), teacher {teacher}"
    return f"{trap.dataset.n_points} points"  # type: ignore[attr-defined]


def points_of(trap: object) -> int | None:
    """The number of data points of a finite-data trap; None for a population trap."""
    return None if isinstance(trap, PopulationTrap) else int(trap.dataset.n_points)  # type: ignore[attr-defined]
