"""Trap files: JSON ``{"format": "badminima.trap/1", ...}`` <-> `Trap`, exactly.

Every number may be a JSON number or a string holding an exact rational (``"-3/7"``) or decimal
(``"0.1"``, ``"2.2e-6"``); a JSON number is read from its decimal text, so ``0.1`` is exactly 1/10.
Writers write exact strings, so load → save → load is the identity.

Layout::

    {"format": "badminima.trap/1", "name": "...", "description": "...", "source": "...",
     "network": {"widths": [2, 2, 1], "activation": "sigmoid", "output": "sigmoid",
                 "loss": "bce", "bias": true},
     "data": {"X": [[0, 1], ...], "y": [[1], ...]},
     "point": [{"W": [[...], [...]], "b": [...]}, {"W": [[...]], "b": [...]}],
     "better": [...]}

A population trap (Safran & Shamir's Gaussian model, `badminima.model.population`) names the input
distribution and a teacher in place of X and y; its network is an n-k-1 relu net without biases whose
output weights are fixed at 1::

    "data": {"distribution": "gaussian", "dimension": 7,
             "teacher": {"network": {"widths": [7, 7, 1], ...}, "point": [{"W": ...}, {"W": [[1, ...]]}]}}

`load_trap` reads finite-data traps only; `load_any_trap` reads both forms.
"""

from __future__ import annotations

import json
import os
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

from badminima.errors import InvalidModelError, TrapFileError
from badminima.model.dataset import Dataset
from badminima.model.limits import MAX_DIGITS, MAX_FILE_BYTES, magnitude_problem, scale_problem
from badminima.model.network import ACTIVATIONS, LOSSES, OUTPUTS, Network
from badminima.model.outputs import check_regular, public_mode
from badminima.model.point import Layer, Point
from badminima.model.population import Population, PopulationTrap
from badminima.model.rational import format_rational, parse_rational, show_value
from badminima.model.trap import Trap

AnyTrap = Trap | PopulationTrap

FORMAT = "badminima.trap/1"
_TOP_KEYS = ("format", "name", "description", "source", "network", "data", "point", "better")
_NETWORK_KEYS = ("widths", "activation", "output", "loss", "bias", "leaky_slope")
_POPULATION_KEYS = ("distribution", "dimension", "teacher")


class _NonFinite:
    """Marks NaN/Infinity in the JSON so the field that holds it can be named."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _Literal:
    """A JSON number kept as its text (a decimal, or an integer too long to convert at once), so that
    the digit and exponent limits are checked, and the field named, before any big integer is built."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _parse_int(text: str) -> int | _Literal:
    return int(text) if len(text) <= MAX_DIGITS else _Literal(text)


class _Reader:
    """Validates one decoded document, raising `TrapFileError` with the field path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, field: str, problem: str) -> TrapFileError:
        return TrapFileError(self.file, field, problem)

    def number(self, value: object, field: str) -> Fraction:
        if isinstance(value, _NonFinite):
            raise self.fail(field, f"expected a finite number, got {value.text}")
        try:
            q = parse_rational(value.text if isinstance(value, _Literal) else value)
        except ValueError as exc:
            raise self.fail(field, str(exc)) from None
        problem = magnitude_problem(q)
        if problem:
            raise self.fail(field, problem)
        return q

    def vector(self, value: object, field: str, length: int | None = None) -> tuple[Fraction, ...]:
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list of numbers, got {_show(value)}")
        if length is not None and len(value) != length:
            raise self.fail(field, f"expected {length} entries, got {len(value)}")
        return tuple(self.number(v, f"{field}[{i}]") for i, v in enumerate(value))

    def matrix(
        self, value: object, field: str, shape: tuple[int | None, int | None]
    ) -> tuple[tuple[Fraction, ...], ...]:
        rows, cols = shape
        if not isinstance(value, list) or not value:
            raise self.fail(field, f"expected a non-empty list of rows, got {_show(value)}")
        if rows is not None and len(value) != rows:
            raise self.fail(field, f"expected {rows} rows, got {len(value)}")
        if cols is None:
            first = value[0]
            cols = len(first) if isinstance(first, list) else None
        return tuple(self.vector(r, f"{field}[{i}]", cols) for i, r in enumerate(value))

    def network(self, doc: object) -> Network:
        if not isinstance(doc, dict):
            raise self.fail("network", f"expected an object, got {_show(doc)}")
        for key in doc:
            if key not in _NETWORK_KEYS:
                raise self.fail(f"network.{key}", f"unknown key; expected one of {', '.join(_NETWORK_KEYS)}")
        for key in ("widths", "activation", "output", "loss"):
            if key not in doc:
                raise self.fail(f"network.{key}", "missing (required)")
        widths = doc["widths"]
        if (
            not isinstance(widths, list)
            or len(widths) < 2
            or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths)
        ):
            raise self.fail(
                "network.widths",
                f"expected a list of at least two positive integers, got {_show(widths)}",
            )
        choices = {"activation": ACTIVATIONS, "output": OUTPUTS, "loss": LOSSES}
        for key, allowed in choices.items():
            if doc[key] not in allowed:
                raise self.fail(
                    f"network.{key}", f"expected one of {', '.join(allowed)}, got {_show(doc[key])}"
                )
        bias = doc.get("bias", True)
        if not isinstance(bias, bool):
            raise self.fail("network.bias", f"expected true or false, got {_show(bias)}")
        slope = doc.get("leaky_slope")
        if slope is not None:
            slope = self.number(slope, "network.leaky_slope")
        try:
            return Network(tuple(widths), doc["activation"], doc["output"], doc["loss"], bias, slope)
        except InvalidModelError as exc:
            field, _, problem = str(exc).partition(": ")
            raise self.fail(f"network.{field}", problem) from None

    def point(self, doc: object, field: str, network: Network) -> Point:
        if not isinstance(doc, list):
            raise self.fail(field, f"expected a list of layers {{'W': ..., 'b': ...}}, got {_show(doc)}")
        if len(doc) != network.depth:
            raise self.fail(
                field,
                f"expected {network.depth} layers for widths {list(network.widths)}, got {len(doc)}",
            )
        layers = []
        for i, (layer, (out, inp)) in enumerate(zip(doc, network.layer_shapes, strict=True)):
            where = f"{field}[{i}]"
            if not isinstance(layer, dict):
                raise self.fail(where, f"expected an object with W and b, got {_show(layer)}")
            for key in layer:
                if key not in ("W", "b"):
                    raise self.fail(f"{where}.{key}", "unknown key; expected W and b")
            if "W" not in layer:
                raise self.fail(f"{where}.W", "missing (required)")
            W = self.matrix(layer["W"], f"{where}.W", (out, inp))
            if network.bias:
                if "b" not in layer:
                    raise self.fail(f"{where}.b", "missing (network.bias is true)")
                b: tuple[Fraction, ...] | None = self.vector(layer["b"], f"{where}.b", out)
            else:
                if "b" in layer:
                    raise self.fail(f"{where}.b", "given, but network.bias is false; remove it")
                b = None
            layers.append(Layer(W, b))
        return Point(tuple(layers))

    def any_trap(self, doc: object) -> AnyTrap:
        if isinstance(doc, dict) and isinstance(doc.get("data"), dict) and "distribution" in doc["data"]:
            return self.population_trap(doc)
        return self.trap(doc)

    def population_trap(self, doc: dict[str, Any]) -> PopulationTrap:
        self.header(doc)
        texts = self.texts(doc)
        network = self.network(doc["network"])
        data = doc["data"]
        for key in data:
            if key not in _POPULATION_KEYS:
                raise self.fail(f"data.{key}", f"unknown key; expected {', '.join(_POPULATION_KEYS)}")
        for key in _POPULATION_KEYS:
            if key not in data:
                raise self.fail(f"data.{key}", "missing (required in a population trap)")
        dim = data["dimension"]
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise self.fail("data.dimension", f"expected a positive integer, got {_show(dim)}")
        teacher = data["teacher"]
        if not isinstance(teacher, dict) or set(teacher) != {"network", "point"}:
            raise self.fail(
                "data.teacher", f"expected an object with network and point, got {_show(teacher)}"
            )
        try:
            teacher_net = self.network(teacher["network"])
        except TrapFileError as exc:
            raise self.fail(f"data.teacher.{exc.field}", exc.problem) from None
        teacher_point = self.point(teacher["point"], "data.teacher.point", teacher_net)
        try:
            population = Population(data["distribution"], dim, teacher_net, teacher_point)
        except InvalidModelError as exc:
            field, _, problem = str(exc).partition(": ")
            raise self.fail(f"data.{field}", problem) from None
        point = self.point(doc["point"], "point", network)
        better = self.point(doc["better"], "better", network) if doc.get("better") is not None else None
        try:
            return PopulationTrap(network, population, point, better, **texts)
        except InvalidModelError as exc:
            field, _, problem = str(exc).partition(": ")
            raise self.fail(field, problem) from None

    def header(self, doc: dict[str, Any]) -> None:
        if "format" not in doc:
            raise self.fail("format", f'missing; expected "{FORMAT}"')
        if doc["format"] != FORMAT:
            raise self.fail("format", f'expected "{FORMAT}", got {_show(doc["format"])}')
        for key in doc:
            if key not in _TOP_KEYS:
                raise self.fail(key, f"unknown key; expected one of {', '.join(_TOP_KEYS)}")
        for key in ("network", "data", "point"):
            if key not in doc:
                raise self.fail(key, "missing (required)")

    def texts(self, doc: dict[str, Any]) -> dict[str, str | None]:
        texts = {}
        for key in ("name", "description", "source"):
            value = doc.get(key)
            if value is not None and not isinstance(value, str):
                raise self.fail(key, f"expected a string, got {_show(value)}")
            texts[key] = value
        return texts

    def trap(self, doc: object) -> Trap:
        if not isinstance(doc, dict):
            raise self.fail("", f"expected a JSON object at the top level, got {_show(doc)}")
        self.header(doc)
        texts = self.texts(doc)
        network = self.network(doc["network"])
        data = doc["data"]
        if isinstance(data, dict) and "distribution" in data:
            raise self.fail(
                "data",
                "a population trap (data.distribution); read it with load_any_trap or `badminima verify`",
            )
        if not isinstance(data, dict) or "X" not in data or "y" not in data:
            raise self.fail("data", f"expected an object with X and y, got {_show(data)}")
        for key in data:
            if key not in ("X", "y"):
                raise self.fail(f"data.{key}", "unknown key; expected X and y")
        X = self.matrix(data["X"], "data.X", (None, network.widths[0]))
        y = self.matrix(data["y"], "data.y", (len(X), network.widths[-1]))
        if network.loss == "bce":
            for i, row in enumerate(y):
                for k, v in enumerate(row):
                    if not 0 <= v <= 1:
                        raise self.fail(
                            f"data.y[{i}][{k}]",
                            f"loss 'bce' needs targets in [0, 1], got {format_rational(v)}",
                        )
        point = self.point(doc["point"], "point", network)
        better = None
        if doc.get("better") is not None:
            better = self.point(doc["better"], "better", network)
        trap = Trap(network, Dataset(X, y), point, better, **texts)
        problem = scale_problem(trap)
        if problem:
            raise self.fail("", problem)
        return trap


def _json_text(value: object) -> str:
    if isinstance(value, (_NonFinite, _Literal)):
        return value.text
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    return show_value(value)


def _show(value: object, limit: int = 60) -> str:
    """``value`` as it stood in the JSON (``1.5``, ``-1``, ``null``), cut at ``limit`` characters."""
    text = _json_text(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _decode(text: str, origin: str) -> Any:
    try:
        return json.loads(
            text,
            parse_float=_Literal,
            parse_int=_parse_int,
            parse_constant=_NonFinite,
        )
    except json.JSONDecodeError as exc:
        raise TrapFileError(
            origin, "", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise TrapFileError(origin, "", "not a trap file: lists or objects nested too deeply") from None


def loads_trap(text: str, *, origin: str = "<string>") -> Trap:
    """Parse a trap document; ``origin`` names it in error messages.

    Raises:
        TrapFileError: naming ``origin``, the field, and what was expected.
    """
    return _Reader(origin).trap(_decode(text, origin))


def is_trap_file(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` holds a trap file of either form (one `load_any_trap` reads); replacing such a
    file loses no other kind of work."""
    try:
        load_any_trap(path)
    except TrapFileError:
        return False
    return True


def loads_any_trap(text: str, *, origin: str = "<string>") -> AnyTrap:
    """Parse a trap document of either form (finite data, or a population).

    Raises:
        TrapFileError: naming ``origin``, the field, and what was expected.
    """
    return _Reader(origin).any_trap(_decode(text, origin))


def load_any_trap(path: str | os.PathLike[str]) -> AnyTrap:
    """Read a trap file of either form (finite data, or a population).

    Raises:
        TrapFileError: the file cannot be read or is not a valid trap (message names file and field).
    """
    return loads_any_trap(_read(path), origin=str(path))


def _read(path: str | os.PathLike[str]) -> str:
    """The file's text, at most `MAX_FILE_BYTES` of it: a device or pipe that never ends (``/dev/zero``)
    is refused once it passes the limit instead of being read forever."""
    if not str(path):
        raise TrapFileError('""', "", "expected a file name, got an empty one")
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise TrapFileError(
                str(path), "", f"the file has {size:,} bytes; at most {MAX_FILE_BYTES:,} are read"
            )
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise TrapFileError(
                str(path),
                "",
                f"more than {MAX_FILE_BYTES:,} bytes to read; at most {MAX_FILE_BYTES:,} are read",
            )
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise TrapFileError(str(path), "", f"cannot read the file ({reason})") from None


def load_trap(path: str | os.PathLike[str]) -> Trap:
    """Read a trap file.

    Raises:
        TrapFileError: the file cannot be read or is not a valid trap (message names file and field).
    """
    return loads_trap(_read(path), origin=str(path))


def point_to_json(point: Point) -> list[dict[str, object]]:
    """A point as the JSON list of layers that trap files hold (exact strings)."""
    out: list[dict[str, object]] = []
    for layer in point.layers:
        entry: dict[str, object] = {"W": [[format_rational(v) for v in row] for row in layer.W]}
        if layer.b is not None:
            entry["b"] = [format_rational(v) for v in layer.b]
        out.append(entry)
    return out


def _network_to_json(net: Network) -> dict[str, object]:
    network: dict[str, object] = {
        "widths": list(net.widths),
        "activation": net.activation,
        "output": net.output,
        "loss": net.loss,
        "bias": net.bias,
    }
    if net.leaky_slope is not None:
        network["leaky_slope"] = format_rational(net.leaky_slope)
    return network


def trap_to_dict(trap: AnyTrap) -> dict[str, object]:
    """The trap as a JSON-ready document with every number an exact string."""
    doc: dict[str, object] = {"format": FORMAT}
    for key in ("name", "description", "source"):
        if getattr(trap, key) is not None:
            doc[key] = getattr(trap, key)
    doc["network"] = _network_to_json(trap.network)
    if isinstance(trap, PopulationTrap):
        pop = trap.population
        doc["data"] = {
            "distribution": pop.distribution,
            "dimension": pop.dimension,
            "teacher": {"network": _network_to_json(pop.teacher), "point": point_to_json(pop.teacher_point)},
        }
    else:
        doc["data"] = {
            "X": [[format_rational(v) for v in row] for row in trap.dataset.X],
            "y": [[format_rational(v) for v in row] for row in trap.dataset.y],
        }
    doc["point"] = point_to_json(trap.point)
    if trap.better is not None:
        doc["better"] = point_to_json(trap.better)
    return doc


def dumps_trap(trap: AnyTrap) -> str:
    """The trap file text (pretty JSON, exact strings, trailing newline)."""
    return json.dumps(trap_to_dict(trap), indent=2, allow_nan=False) + "\n"


def save_trap(trap: AnyTrap, path: str | os.PathLike[str]) -> None:
    """Write a trap file atomically: a crash leaves either the old file or the new one, never half.
    The file gets the mode a plain write would (0o666 less the umask), not the temporary file's 0o600.

    Raises:
        OutputError: ``path`` is a device, pipe or socket (renaming over it would replace the device).
    """
    target = Path(path)
    check_regular(target, option="save_trap")
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, public_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps_trap(trap))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
