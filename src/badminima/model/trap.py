"""`Trap`: a network, a dataset, a point claimed to be a (bad) local minimum, and maybe a better point."""

from __future__ import annotations

from dataclasses import dataclass

from badminima.errors import InvalidModelError
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point


@dataclass(frozen=True, slots=True)
class Trap:
    """Everything a certificate is about. ``source`` records provenance (a paper, a search run)."""

    network: Network
    dataset: Dataset
    point: Point
    better: Point | None = None
    name: str | None = None
    description: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        net, data = self.network, self.dataset
        if data.input_dim != net.widths[0]:
            raise InvalidModelError(
                f"X: expected {net.widths[0]} input columns for widths {list(net.widths)}, "
                f"got {data.input_dim}"
            )
        if data.output_dim != net.widths[-1]:
            raise InvalidModelError(
                f"y: expected {net.widths[-1]} target columns for widths {list(net.widths)}, "
                f"got {data.output_dim}"
            )
        if net.loss == "bce" and not all(0 <= v <= 1 for row in data.y for v in row):
            raise InvalidModelError("y: loss 'bce' needs targets in [0, 1]")
        self.point.check_fits(net)
        if self.better is not None:
            self.better.check_fits(net)

    def _repr_html_(self) -> str:
        """Jupyter's rich display: a table of the losses and a picture (`badminima.display.notebook`)."""
        from badminima.display.notebook import trap_html

        return trap_html(self)
