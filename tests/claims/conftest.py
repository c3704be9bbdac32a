"""Whole-claim checks run twice: with the derandomised ``ci`` profile in the default run (every claim,
few examples), and under the suite's hypothesis profile (tests/conftest.py: ``dev``, or
HYPOTHESIS_PROFILE) with ``-m slow``."""

from __future__ import annotations

import os

import pytest


def suite_profile() -> str:
    """``ci`` under CI, ``thorough`` with HYPOTHESIS_PROFILE=thorough, else ``dev``."""
    return os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")


@pytest.fixture(params=["ci", pytest.param("suite", marks=pytest.mark.slow)])
def profile(request: pytest.FixtureRequest) -> str:
    """The profile a whole-claim check runs under: ``ci``, or (``-m slow``) the suite's profile."""
    return "ci" if request.param == "ci" else suite_profile()
