"""The package's exception family: every error a user can cause is a `BadminimaError`.

Each child also inherits the built-in kind it refines, so ``except ValueError`` keeps working.
The command line turns any `BadminimaError` into one line on stderr and exit status 2.
"""

from __future__ import annotations


class BadminimaError(Exception):
    """Base class of every error badminima raises on purpose."""


class InvalidModelError(BadminimaError, ValueError):
    """A `Network`, `Dataset`, `Point` or `Trap` was built from inconsistent or non-exact data."""


class TrapFileError(BadminimaError, ValueError):
    """A trap file cannot be read: the message names the file, the field and what was expected."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        where = f"{file}: {field}: " if field else f"{file}: "
        super().__init__(where + problem)


class UndecidableSignError(BadminimaError, ArithmeticError):
    """A branch (a ReLU side, a comparison) depends on a sign the arithmetic cannot decide."""


class BackendError(BadminimaError, ValueError):
    """A computation was asked of a number backend that cannot perform it (say why and what to use)."""


class CatalogueError(BadminimaError, ValueError):
    """A search catalogue cannot be opened, read or written; the message names the file and what was
    expected."""


class ClaimError(BadminimaError, ValueError):
    """A claim was asked for that does not exist, or checked with impossible settings."""


class ExecutorError(BadminimaError, RuntimeError):
    """Where a search's evaluations should run cannot be used: a missing optional package (distributed),
    or a Dask scheduler that cannot be reached; the message says which and how to fix it."""


class SettingsError(BadminimaError, ValueError):
    """A search, optimiser, initialisation, stopping, budget or clustering setting is out of its range;
    the message names the setting and the range."""


class ResumeError(BadminimaError, ValueError):
    """A search was asked to resume, but its catalogue has no earlier run with these settings and seed."""


class ConstructionError(BadminimaError, ValueError):
    """An unknown construction, or a parameter it does not have or cannot take."""


class FigureError(BadminimaError, ValueError):
    """A figure was asked for by a name no figure has, or cannot be drawn here (a missing optional
    package); the message lists the known names or says what to install."""
