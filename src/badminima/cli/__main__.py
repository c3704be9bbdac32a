"""``python -m badminima.cli``: the ``badminima`` command."""

import sys

from badminima.cli import main

sys.exit(main())
