"""What a search catalogue stores, as frozen records: a find handed over for storage (`NewTrap`), a stored
entry (`Entry`), a run (`Run`), the key that makes one trap one entry, and the checks on their values
(the SQLite file itself is `badminima.search.catalogue`)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from badminima.errors import CatalogueError
from badminima.model.population import PopulationTrap
from badminima.model.trap import Trap
from badminima.model.trapfile import AnyTrap, dumps_trap

CERTIFIED = "certified"
UNCERTIFIED = "uncertified"
STATUSES = (CERTIFIED, UNCERTIFIED)

# Only a proved bad local minimum is a trap: a plain `local-min` certificate proves nothing bad.
_MINIMUM_VERDICTS = ("bad-local-min",)


def trap_key(trap: AnyTrap) -> str:
    """The catalogue key of a trap: sha256 (hex) of its canonical trap-file text without the labels.

    ``name``, ``description`` and ``source`` are left out, so the same network, data and points found
    twice (say by two candidates, each labelling its find) are one entry; `dumps_trap` writes every
    number in one exact form, so equal traps have equal text.
    """
    bare = dataclasses.replace(trap, name=None, description=None, source=None)
    return hashlib.sha256(dumps_trap(bare).encode("utf-8")).hexdigest()


def canonical_settings(settings: Mapping[str, Any]) -> str:
    """The settings as canonical JSON (sorted keys, no spaces): what `Catalogue.latest_run` compares.

    Raises:
        CatalogueError: ``settings`` is not a JSON object of finite values.
    """
    if not isinstance(settings, Mapping):
        raise CatalogueError(f"settings: expected a JSON object (a dict), got {type(settings).__name__}")
    return json_text(settings, "settings", sort_keys=True)


def json_text(value: object, what: str, *, sort_keys: bool = False, allow_nan: bool = False) -> str:
    """Compact JSON for a catalogue column; a `CatalogueError` naming ``what`` if it cannot be written."""
    try:
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, allow_nan=allow_nan)
    except (TypeError, ValueError) as exc:
        raise CatalogueError(f"{what}: expected JSON-ready data ({exc})") from None


def check_finite(value: object, what: str, *, unit: bool = False) -> None:
    """Refuse (`CatalogueError`) a value that is neither None nor a finite number (in [0, 1] if ``unit``)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CatalogueError(f"{what}: expected a finite number or None, got {value!r}")
    if unit and not 0 <= value <= 1:
        raise CatalogueError(f"{what}: expected a fraction in [0, 1], got {value!r}")


def optional_float(value: float | None) -> float | None:
    """``value`` as a plain float (SQLite stores numpy scalars badly), None kept."""
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class NewTrap:
    """A trap the search hands over for storage, with what is known about it.

    ``certified`` needs a certificate (`Certificate.to_json`) whose verdict is ``bad-local-min`` (a
    plain ``local-min`` proves nothing bad and is refused); ``uncertified`` candidates may carry the
    inconclusive certificate or none.
    ``loss_gap`` is the proved lower bound on (trap loss − better loss) for certified traps,
    ``basin_share`` the fraction of starts that ended in this minimum and ``basin_interval`` its
    confidence interval.

    Raises:
        CatalogueError: a field is out of range (the message names it and shows the value).
    """

    trap: AnyTrap
    status: str
    certificate: dict[str, Any] | None = None
    loss_gap: float | None = None
    accuracy_gap: float | None = None
    basin_share: float | None = None
    basin_interval: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.trap, Trap | PopulationTrap):
            raise CatalogueError(f"trap: expected a Trap or PopulationTrap, got {type(self.trap).__name__}")
        if self.status not in STATUSES:
            raise CatalogueError(f"status: expected one of {', '.join(STATUSES)}, got {self.status!r}")
        cert = self.certificate
        if cert is not None:
            if not isinstance(cert, dict) or not isinstance(cert.get("verdict"), str):
                raise CatalogueError("certificate: expected a dict with a 'verdict' (Certificate.to_json())")
            json_text(cert, "certificate")
        if self.status == CERTIFIED and (cert is None or cert["verdict"] not in _MINIMUM_VERDICTS):
            verdict = None if cert is None else cert["verdict"]
            raise CatalogueError(
                f"status: 'certified' needs a certificate with verdict {' or '.join(_MINIMUM_VERDICTS)}, "
                f"got {verdict!r}; store the candidate as 'uncertified'"
            )
        check_finite(self.loss_gap, "loss_gap")
        check_finite(self.accuracy_gap, "accuracy_gap")
        check_finite(self.basin_share, "basin_share", unit=True)
        if self.basin_interval is not None:
            if self.basin_share is None:
                raise CatalogueError("basin_interval: given without a basin_share")
            if not isinstance(self.basin_interval, tuple) or len(self.basin_interval) != 2:
                raise CatalogueError(
                    f"basin_interval: expected a pair (low, high), got {self.basin_interval!r}"
                )
            low, high = self.basin_interval
            check_finite(low, "basin_interval low", unit=True)
            check_finite(high, "basin_interval high", unit=True)
            if low is None or high is None or low > high:
                raise CatalogueError(f"basin_interval: expected low ≤ high, got {self.basin_interval!r}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalogue row, parsed back: the trap, what was proved about it, and where the search found it.

    ``settings`` and ``seed`` are those of run ``run_id``; ``found_at`` is ISO-8601 UTC.
    """

    id: int
    key: str
    status: str
    trap: AnyTrap
    certificate: dict[str, Any] | None
    verdict: str | None
    rigor: str | None
    loss_gap: float | None
    accuracy_gap: float | None
    basin_share: float | None
    basin_interval: tuple[float, float] | None
    run_id: int
    candidate: int
    seed: int
    settings: dict[str, Any]
    found_at: str

    @property
    def is_certified(self) -> bool:
        """True for a proved minimum (the only entries `Catalogue.export` writes)."""
        return self.status == CERTIFIED

    def _repr_html_(self) -> str:
        """Jupyter's rich display: verdict, gaps, basin share and a picture (`badminima.display.notebook`)."""
        from badminima.display.notebook import entry_html

        return entry_html(self)

    def to_json(self) -> dict[str, Any]:
        """The whole row as a JSON-ready dict (the trap as its trap-file document)."""
        from badminima.model.trapfile import trap_to_dict

        return {
            "id": self.id,
            "key": self.key,
            "status": self.status,
            "verdict": self.verdict,
            "rigor": self.rigor,
            "loss_gap": self.loss_gap,
            "accuracy_gap": self.accuracy_gap,
            "basin_share": self.basin_share,
            "basin_interval": list(self.basin_interval) if self.basin_interval is not None else None,
            "run": self.run_id,
            "candidate": self.candidate,
            "seed": self.seed,
            "settings": self.settings,
            "found_at": self.found_at,
            "trap": trap_to_dict(self.trap),
            "certificate": self.certificate,
        }


@dataclass(frozen=True, slots=True)
class Run:
    """One search run: its settings and seed (what ``--resume`` matches), times, and candidates done."""

    id: int
    settings: dict[str, Any]
    seed: int
    started_at: str
    updated_at: str
    evaluated: int
