"""Where commands write: check an output location before any work starts, and write files that respect
the user's umask.

A command that computes for minutes and then cannot write its result has wasted the minutes, so every
``--out``/``-o`` is checked first (`check_output_dir`, `check_output_file`); the checks change nothing
on disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from badminima.errors import BadminimaError


class OutputError(BadminimaError, OSError):
    """An output location cannot be used: the message names the option, the path and why."""


def umask() -> int:
    """The process's file-creation mask (read without changing it for longer than one call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def public_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give a new file: 0o666 less the umask."""
    return 0o666 & ~umask()


def _nearest_existing(path: Path) -> Path:
    here = path.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def check_output_dir(path: str | os.PathLike[str], *, option: str = "--out") -> None:
    """Raise `OutputError` unless ``path`` is a directory this process can write into, or one it can
    create (its nearest existing ancestor is a writable directory). Creates nothing.

    Example:
        >>> try:
        ...     check_output_dir("/proc/version/sub")
        ... except OutputError as exc:
        ...     print(exc)
        --out: cannot create the directory /proc/version/sub: /proc/version is a file
    """
    if not str(path):
        raise OutputError(f"{option}: expected a directory name, got an empty one")
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{option}: expected a directory, but {target} is a file")
    base = _nearest_existing(target)
    if not base.is_dir():
        raise OutputError(f"{option}: cannot create the directory {target}: {base} is a file")
    if not os.access(base, os.W_OK | os.X_OK):
        verb = "write into" if base == target.absolute() else "create"
        raise OutputError(f"{option}: cannot {verb} the directory {target}: {base} is not writable")


def check_regular(path: str | os.PathLike[str], *, option: str = "-o") -> None:
    """Raise `OutputError` when ``path`` exists and is not a regular file (a device such as /dev/null, a
    pipe, a socket): an atomic write renames over it, and run with the rights to do so that would replace
    the device itself."""
    target = Path(path)
    if (target.exists() or target.is_symlink()) and not target.is_file() and not target.is_dir():
        raise OutputError(
            f"{option}: {target} exists and is not a regular file (a device, pipe or socket); not replaced"
        )


def check_output_file(path: str | os.PathLike[str], *, option: str = "-o") -> None:
    """Raise `OutputError` unless a file can be written at ``path`` (its directory exists and is
    writable, and ``path`` is not a directory, a device, a pipe or a socket). Creates nothing."""
    if not str(path):
        raise OutputError(f"{option}: expected a file name, got an empty one")
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{option}: expected a file name, but {target} is a directory")
    check_regular(target, option=option)
    parent = target.absolute().parent
    if not parent.is_dir():
        raise OutputError(f"{option}: cannot write {target}: no directory {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{option}: cannot write {target}: {parent} is not writable")
