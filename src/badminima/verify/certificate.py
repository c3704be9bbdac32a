"""What `certify` returns: a verdict, how rigorously it was proved, and the evidence behind it.

Verdicts (the contract):

- ``bad-local-min``: a local minimum (strict or not) is proved at the point, or inside the stated box
  around an approximate point, and the ``better`` point's loss is proved lower than that minimum's
  loss.
- ``local-min``: the same, without a (proved) better point.
- ``saddle``: the point (or the unique critical point in the box) is proved critical and proved not a
  local minimum; a nearby point of strictly lower loss is exhibited and its loss enclosed.
- ``not-critical``: the gradient, or a one-sided directional derivative at a kink, is proved non-zero
  (a first-order descent direction exists).
- ``inconclusive``: none of the above could be proved; ``reason`` says which step failed and why.

``local-min`` and ``bad-local-min`` are only ever returned with rigor ``exact`` or ``interval``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from badminima.arithmetic.protocol import Rigor
from badminima.model.point import Point
from badminima.model.rational import format_rational
from badminima.model.trapfile import point_to_json


class Verdict(enum.Enum):
    """What was proved about a trap's point."""

    BAD_LOCAL_MIN = "bad-local-min"
    LOCAL_MIN = "local-min"
    SADDLE = "saddle"
    NOT_CRITICAL = "not-critical"
    INCONCLUSIVE = "inconclusive"

    @property
    def is_minimum(self) -> bool:
        """True for ``local-min`` and ``bad-local-min``."""
        return self in (Verdict.BAD_LOCAL_MIN, Verdict.LOCAL_MIN)


@dataclass(frozen=True)
class Diagnostics:
    """Float64 evidence at the point — never a proof. ``probe_min_decrease`` is the most negative
    loss change seen over random probes ``x + ρ u`` (‖u‖ = 1, several radii ρ); ``looks_like_minimum``
    says whether the float evidence is that of a minimum (small gradient, no negative curvature, no
    probe went down)."""

    gradient_norm: float
    hessian_eigenvalues: tuple[float, ...]
    probes: int
    probe_radii: tuple[float, ...]
    probe_min_decrease: float
    looks_like_minimum: bool

    def to_json(self) -> dict[str, object]:
        return {
            "gradient_norm": self.gradient_norm,
            "hessian_eigenvalues": list(self.hessian_eigenvalues),
            "probes": self.probes,
            "probe_radii": list(self.probe_radii),
            "probe_min_decrease": self.probe_min_decrease,
            # no probes, no verdict of the probes: null rather than a guess
            "looks_like_minimum": self.looks_like_minimum if self.probes else None,
        }


def _q(x: Fraction | None) -> str | None:
    return None if x is None else format_rational(x, decimal=False)


def _qf(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class Certificate:
    """A verdict with its proof's ingredients.

    ``loss`` is the loss at the given point (exact, or a ball). Exact bounds are rationals:
    ``loss_lower``/``loss_upper`` enclose the loss of the certified minimiser or critical point (equal
    to ``loss`` at an exact point). ``box_radius`` is the ∞-norm radius of the stated box around the
    given point that contains it (0 for an exact proof at the point); the proof itself ran on the box of
    radius ``proof_radius`` around ``box_center`` (an exact point near the given one, found by Newton
    steps), where the Hessian is proved ≥ ``min_eigenvalue_bound``·I (code ``strong-convexity-box``; for
    a slice or Morse–Bott proof, the Hessian restricted to the directions that proof moves).
    ``gap_lower`` is a proved lower bound on (the certified minimiser's loss) − (the better point's
    loss); for a box proof the bound F(c) − ‖∇F(c)‖²/(2μ) it rests on holds for every loss in the proof
    box. ``witness`` is the exhibited lower point of a ``saddle``/``not-critical`` verdict, with its loss
    enclosed in ``witness_loss_upper`` (a proved upper bound, below ``loss_lower``). ``steps`` records
    each method tried and its outcome. ``code`` is the reason in one machine-readable word
    (``least-squares-bound``, ``strong-convexity-box``, ``krawczyk-saddle``, ``first-order-descent``,
    ``higher-order-descent``, ``gradient-nonzero``, ``near-critical-set``, ``degenerate-critical-point``,
    ``no-proof``, …).
    """

    verdict: Verdict
    rigor: Rigor
    method: str
    reason: str
    loss: str
    loss_lower: Fraction | None
    loss_upper: Fraction | None
    better_loss: str | None
    better_loss_upper: Fraction | None
    gap_lower: Fraction | None
    box_radius: Fraction | None
    box_center: Point | None
    proof_radius: Fraction | None
    min_eigenvalue_bound: Fraction | None
    witness: Point | None
    witness_loss_upper: Fraction | None
    seconds: float
    diagnostics: Diagnostics | None
    steps: tuple[str, ...] = field(default=())
    code: str = ""

    def _repr_html_(self) -> str:
        """The certificate as an HTML table in a notebook (verdict, losses, gap)."""
        from badminima.display.notebook import certificate_html

        return certificate_html(self)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; every proved bound as an exact rational string and as a float."""
        return {
            "verdict": self.verdict.value,
            "rigor": self.rigor,
            "method": self.method,
            "reason": self.reason,
            "code": self.code,
            "loss": self.loss,
            "loss_lower": _q(self.loss_lower),
            "loss_upper": _q(self.loss_upper),
            "loss_float": _qf(self.loss_upper if self.loss_upper is not None else self.loss_lower),
            "better_loss": self.better_loss,
            "better_loss_upper": _q(self.better_loss_upper),
            "gap_lower": _q(self.gap_lower),
            "gap_lower_float": _qf(self.gap_lower),
            "box_radius": _q(self.box_radius),
            "box_center": point_to_json(self.box_center) if self.box_center is not None else None,
            "proof_radius": _q(self.proof_radius),
            "min_eigenvalue_bound": _q(self.min_eigenvalue_bound),
            "min_eigenvalue_bound_float": _qf(self.min_eigenvalue_bound),
            "witness": point_to_json(self.witness) if self.witness is not None else None,
            "witness_loss_upper": _q(self.witness_loss_upper),
            "seconds": self.seconds,
            "diagnostics": self.diagnostics.to_json() if self.diagnostics is not None else None,
            "steps": list(self.steps),
        }
