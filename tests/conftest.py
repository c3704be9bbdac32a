"""Hypothesis profiles: `dev` (default), `ci` (derandomised, used when CI is set), `thorough`
(select with HYPOTHESIS_PROFILE=thorough); and mpmath at 60 digits at the start of every test."""

from __future__ import annotations

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=60, **_common)
settings.register_profile("ci", max_examples=12, derandomize=True, database=None, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _reference_precision():
    """Every test starts at the 60 digits `tests.reference` assumes: a test that lowers mpmath's global
    precision (30 or 50 digits) must not change what a later test on the same worker computes."""
    mpmath.mp.dps = 60
    yield
    mpmath.mp.dps = 60
