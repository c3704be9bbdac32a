"""`reproduce`: build every construction, certify it, and set our numbers beside the paper's."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from badminima.constructions.family import Construction
from badminima.constructions.registry import REGISTRY
from badminima.landscape.evaluation import accuracy
from badminima.model.rational import format_rational, parse_rational
from badminima.verify.certification import certify


@dataclass(frozen=True)
class Row:
    """One construction's result: its certificate's verdict and numbers, and the paper's values."""

    name: str
    network: str
    points: int | None  # None for a population (no finite data)
    kind: str
    verdict: str
    rigor: str
    method: str
    loss: str
    better_loss: str | None
    gap_lower: Fraction | None
    accuracy: Fraction | None
    better_accuracy: Fraction | None
    paper: dict[str, str]
    provenance: str
    matches_paper: bool | None
    seconds: float
    reason: str
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def accuracy_ratio(self) -> Fraction | None:
        """Trap accuracy / better-point accuracy (the paper's "about half" for its deadlock)."""
        if self.accuracy is None or not self.better_accuracy:
            return None
        return self.accuracy / self.better_accuracy

    def to_json(self) -> dict[str, object]:
        """JSON types throughout: exact values as strings (with a number beside them, ``*_float``),
        accuracies as numbers (``*_exact`` the fraction), ``matches_paper`` true, false or null (the
        paper states no number to compare)."""

        def q(x: Fraction | None) -> str | None:
            return None if x is None else format_rational(x, decimal=False)

        def f(x: Fraction | None) -> float | None:
            return None if x is None else float(x)

        return {
            "name": self.name,
            "network": self.network,
            "points": self.points,
            "kind": self.kind,
            "verdict": self.verdict,
            "rigor": self.rigor,
            "method": self.method,
            "loss": self.loss,
            "better_loss": self.better_loss,
            "gap_lower": q(self.gap_lower),
            "gap_lower_float": f(self.gap_lower),
            "accuracy": f(self.accuracy),
            "accuracy_exact": q(self.accuracy),
            "better_accuracy": f(self.better_accuracy),
            "better_accuracy_exact": q(self.better_accuracy),
            "accuracy_ratio": f(self.accuracy_ratio),
            "accuracy_ratio_exact": q(self.accuracy_ratio),
            "paper": self.paper,
            "matches_paper": self.matches_paper,
            "provenance": self.provenance,
            "seconds": round(self.seconds, 4),
            "reason": self.reason,
            **self.extra,
        }


def _matches(c: Construction, n: int, loss: str, better_loss: str | None) -> bool | None:
    """Whether our losses are the paper's sums of squares (compared exactly: sse = N·mse); None when
    the paper states none."""
    stated = [(c.paper.get("sse"), loss), (c.paper.get("better_sse"), better_loss)]
    checks = [
        parse_rational(ours) * n == parse_rational(sse) for sse, ours in stated if sse is not None and ours
    ]
    if not checks:
        return None
    return all(checks)


def reproduce_one(c: Construction) -> Row:
    """Build ``c`` at its defaults and certify it (timing both)."""
    start = time.perf_counter()
    trap = c.build()
    cert = certify(trap, probes=0)
    seconds = time.perf_counter() - start
    extra: dict[str, object] = {}
    if c.kind == "near-stationary":
        from badminima.constructions.saturated import gradient_bound

        extra["gradient_norm_upper"] = float(f"{float(gradient_bound(trap)):.3g}")
        extra["margin"] = format_rational(c.values()["margin"])
    binary = trap.dataset.is_binary
    acc = accuracy(trap.network, trap.dataset, trap.point) if binary else None
    better_acc = accuracy(trap.network, trap.dataset, trap.better) if binary and trap.better else None
    return Row(
        name=c.name,
        network=trap.network.describe(),
        points=trap.dataset.n_points,
        kind=c.kind,
        verdict=cert.verdict.value,
        rigor=cert.rigor,
        method=cert.method,
        loss=cert.loss,
        better_loss=cert.better_loss,
        gap_lower=cert.gap_lower,
        accuracy=acc,
        better_accuracy=better_acc,
        paper=dict(c.paper),
        matches_paper=_matches(c, trap.dataset.n_points, cert.loss, cert.better_loss),
        provenance=c.provenance,
        seconds=seconds,
        reason=cert.reason,
        extra=extra,
    )


def reproduce(progress: Callable[[str], None] | None = None) -> list[Row]:
    """One `Row` per trap construction of the registry (datasets are skipped), in registry order."""
    rows = []
    for c in REGISTRY.values():
        if c.kind == "dataset":
            continue
        if progress is not None:
            progress(c.name)
        rows.append(reproduce_one(c))
    return rows
