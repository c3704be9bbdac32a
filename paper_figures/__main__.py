"""``python -m paper_figures [--out DIR] [--only NAME ...] [--small] [--seed S]``: the same as
``badminima figures``."""

from __future__ import annotations

import sys

from badminima.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", *sys.argv[1:]]))
