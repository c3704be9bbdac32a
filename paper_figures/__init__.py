"""The paper's figures, regenerated from the toolkit's own API: one module per figure, each writing a
PNG and the CSV of the numbers behind it. Run ``badminima figures`` or ``python -m paper_figures``."""

from paper_figures.registry import MODULES, Figure, FigureError, figure, figures, run

__all__ = ["MODULES", "Figure", "FigureError", "figure", "figures", "run"]
