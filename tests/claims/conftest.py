"""The claims' own checks run under the hypothesis profile the suite runs under (tests/conftest.py)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def profile() -> str:
    """``ci`` under CI, ``thorough`` with HYPOTHESIS_PROFILE=thorough, else ``dev``."""
    return os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
