"""Every figure by name, in the order `badminima figures` draws them, and the runner both entry points
share. A figure module defines ``NAME``, ``TITLE`` and ``make(out, *, small=False, seed=0, progress=None)``
(``progress``: a `badminima.progress.ProgressHook` that hears the figure's long loop); heavy imports stay
inside ``make``."""

from __future__ import annotations

import importlib
import pathlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from badminima.errors import FigureError
from badminima.model.outputs import check_output_dir
from badminima.progress import Heartbeat

MODULES = (
    "paper_figures.constructions",
    "paper_figures.barrier",
    "paper_figures.basins",
    "paper_figures.digits_init",
    "paper_figures.width_spread",
    "paper_figures.hessian_index",
    "paper_figures.sgd_step",
    "paper_figures.small_networks",
    "paper_figures.safran_shamir",
)
"""Figure modules in drawing order."""
_OPTIONAL = ("matplotlib", "sklearn")
"""The packages of the ``figures`` extra; a figure without them is a `FigureError`, not a traceback."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: its ``name`` (what ``--only`` takes), its one-line ``title``, and ``make``."""

    name: str
    title: str
    make: Callable[..., list[pathlib.Path]]
    module: str


def figures() -> tuple[Figure, ...]:
    """All figures, in `MODULES` order.

    Raises:
        FigureError: a figure needs an optional package that is not installed (matplotlib,
            scikit-learn: ``pip install 'badminima[figures]'``).
    """
    out: list[Figure] = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.split(".")[0] not in _OPTIONAL:
                raise
            raise FigureError(
                f"figures: {name} needs {exc.name.split('.')[0]}, which is not installed "
                "(pip install 'badminima[figures]')"
            ) from None
        out.append(Figure(module.NAME, module.TITLE, module.make, name))
    return tuple(out)


def figure(name: str) -> Figure:
    """The figure called ``name``.

    Raises:
        FigureError: no figure has that name (the message lists them).
    """
    known = figures()
    for f in known:
        if f.name == name:
            return f
    raise FigureError(
        f"figures: no figure named {name!r}; expected one of: {', '.join(f.name for f in known)}"
    )


def run(
    out: str | pathlib.Path = "figures",
    *,
    only: Sequence[str] | None = None,
    small: bool = False,
    seed: int = 0,
    stream: TextIO | None = None,
) -> list[pathlib.Path]:
    """Draw the figures (all, or those named in ``only``, in registry order) into ``out``; print one
    line per figure written to ``stream`` (stdout by default) and return every path written.

    Raises:
        FigureError: a name in ``only`` is unknown (checked before anything is drawn).
        OutputError: ``out`` cannot be written or created (checked before anything is drawn).
    """
    stream = sys.stdout if stream is None else stream
    chosen = [figure(n) for n in dict.fromkeys(only)] if only else list(figures())
    if only:
        order = {f.name: i for i, f in enumerate(figures())}
        chosen.sort(key=lambda f: order[f.name])
    check_output_dir(out)  # before pathlib, which reads "" as "."
    directory = pathlib.Path(out)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FigureError(
            f"--out: cannot create the directory {str(directory)!r}: {exc.strerror or exc}"
        ) from None
    written: list[pathlib.Path] = []
    for i, f in enumerate(chosen, 1):
        print(f"[{i}/{len(chosen)}] {f.name}: {f.title} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        with Heartbeat(f"[{i}/{len(chosen)}] {f.name}") as progress:
            paths = f.make(directory, small=small, seed=seed, progress=progress)
        seconds = time.perf_counter() - start
        print(f"wrote {', '.join(str(p) for p in paths)} ({seconds:.1f} s)", file=stream, flush=True)
        written.extend(paths)
    return written
