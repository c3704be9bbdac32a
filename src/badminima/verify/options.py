"""Every setting of `certify` in one frozen value: the diagnostics' probes, and the thresholds at which the
verifier tries a proof or gives up (defaults: the values the project's tests and held-out cases were run
with). None of them can turn a failed proof into a claim: a threshold only decides which proof is
*attempted*; a larger limit costs time, a smaller one gives ``inconclusive`` sooner."""

from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction

from badminima.errors import SettingsError


@dataclass(frozen=True, slots=True)
class CertifyOptions:
    """Settings of `certify`.

    Attributes:
        probes: random directions per radius in the float descent probes (diagnostics only).
        seed: seed of those probes.
        literal: answer about the given numbers exactly as written, digits and all.
        precisions: ball precisions (bits) at which the box proofs are tried, lowest first.
        resolved: float64 eigenvalues are trusted when the smallest exceeds this fraction of the largest;
            below it the spectrum is refined in balls.
        near_critical: the box proofs are tried when the float Newton step is below this, relative to
            1 + ‖x‖∞.
        max_ball_hessian: ball-arithmetic Hessians up to this many parameters (beyond, float64
            enclosures only).
        max_exact_gradient: symbolic gradients (proving a gradient exactly zero) up to this many
            parameters.
        max_side_kinks: the second-order search at a kink tries every side of up to this many kinks.
        max_region_kinks: the least-squares region bound enumerates 2^k kink sides up to this k.
        max_unit_kinks: first-order kink analysis per unit up to this many relevant kinks.
        max_cone_faces: the sign-cone least-squares bound solves up to this many face problems.
        dense: population traps: the dense box proof even where the symmetry-reduced one applies.
        snap_kinks: at a rounded ReLU point that is not critical as written, move the pre-activations
            within the digits' reach of 0 to their kink and classify that point first (`kink_snap`).
        rounding: judge a slope or gradient "at rounding level" against this rounding scale instead of
            the point's own (None): for a point snapped from given digits, the given digits' scale.

    Example:
        >>> CertifyOptions(probes=0, precisions=(128, 256)).precisions
        (128, 256)
        >>> CertifyOptions(resolved=-1)
        Traceback (most recent call last):
        ...
        badminima.errors.SettingsError: resolved: expected a number in (0, 1), got -1
    """

    probes: int = 64
    seed: int = 0
    literal: bool = False
    precisions: tuple[int, ...] = (128, 256, 512)
    resolved: float = 1e-6
    near_critical: float = 1e-3
    max_ball_hessian: int = 150
    max_exact_gradient: int = 200
    max_side_kinks: int = 4
    max_region_kinks: int = 12
    max_unit_kinks: int = 10
    max_cone_faces: int = 4096
    dense: bool = False
    snap_kinks: bool = True
    rounding: Fraction | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("literal", "dense", "snap_kinks"):
                if not isinstance(value, bool):
                    raise SettingsError(f"{f.name}: expected True or False, got {value!r}")
            elif f.name == "rounding":
                if value is not None and (not isinstance(value, Fraction) or value < 0):
                    raise SettingsError(f"rounding: expected None or a Fraction ≥ 0, got {value!r}")
            elif f.name == "precisions":
                if not value or any(isinstance(p, bool) or not isinstance(p, int) or p < 16 for p in value):
                    raise SettingsError(f"precisions: expected integers of at least 16 bits, got {value!r}")
            elif f.name in ("resolved", "near_critical"):
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
                    raise SettingsError(f"{f.name}: expected a number in (0, 1), got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SettingsError(f"{f.name}: expected a non-negative integer, got {value!r}")


DEFAULTS = CertifyOptions()
"""The default settings; the verifier modules' own constants (``PRECISIONS``, ``RESOLVED``, ...) are read
from here, so each default lives in one place."""
