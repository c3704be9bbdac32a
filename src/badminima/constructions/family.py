"""A construction is a parametrised family of traps: its data and points are sympy expressions in the
family's parameters, kept symbolic until `Construction.build` substitutes exact rationals.

Keeping them symbolic lets a test ask sympy whether the loss really is constant along a symmetry, or
how the bad point moves with a margin, instead of checking one instance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import sympy

from badminima.errors import ConstructionError
from badminima.model.dataset import Dataset
from badminima.model.limits import magnitude_problem, scale_problem
from badminima.model.network import Network
from badminima.model.point import Layer, Point
from badminima.model.rational import (
    FLOAT_PRINT_DIGITS,
    format_rational,
    from_float,
    last_place,
    parse_rational,
    short,
)
from badminima.model.trap import Trap

Kind = Literal["trap", "dataset", "near-stationary"]

MAX_INTEGER_PARAMETER = 1000
"""Largest value of an integer (structural) parameter such as a depth or a width: a family builds its
layers symbolically, and depth 1000 already takes about 15 s to show."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a family: its default, a line saying what it is, and the values it may take."""

    name: str
    default: Fraction
    doc: str
    minimum: Fraction | None = None
    exclusive: bool = True
    integer: bool = False

    def check(self, value: Fraction, construction: str) -> Fraction:
        where = f"{construction}: parameter {self.name}"
        if self.integer and value.denominator != 1:
            raise ConstructionError(f"{where}: expected an integer, got {format_rational(value)}")
        if self.integer and value > MAX_INTEGER_PARAMETER:
            raise ConstructionError(
                f"{where}: expected at most {MAX_INTEGER_PARAMETER}, got {format_rational(value)}"
            )
        problem = magnitude_problem(value)
        if problem:
            raise ConstructionError(f"{where}: {problem}")
        if self.minimum is not None and (value <= self.minimum if self.exclusive else value < self.minimum):
            bound = f"{'>' if self.exclusive else '>='} {format_rational(self.minimum)}"
            raise ConstructionError(f"{where}: expected a value {bound}, got {format_rational(value)}")
        return value


SymLayer = tuple[sympy.Matrix, sympy.Matrix | None]


@dataclass(frozen=True)
class SymbolicTrap:
    """A trap whose entries are sympy expressions in ``symbols`` (name → Symbol)."""

    network: Network
    X: sympy.Matrix
    y: sympy.Matrix
    point: tuple[SymLayer, ...] | None
    better: tuple[SymLayer, ...] | None
    symbols: Mapping[str, sympy.Symbol] = field(default_factory=dict)

    def substitute(self, values: Mapping[str, Fraction]) -> tuple[Dataset, Point | None, Point | None]:
        """The exact dataset and points at ``values`` of the parameters."""
        subs = {
            self.symbols[k]: sympy.Rational(v.numerator, v.denominator)
            for k, v in values.items()
            if k in self.symbols
        }

        def rational(e: Any, field_name: str) -> Fraction:
            value = sympy.sympify(e).subs(subs)
            if not value.is_Rational:
                raise ConstructionError(
                    f"{field_name}: expected an exact rational at these parameters, got {value}"
                )
            return Fraction(int(value.p), int(value.q))

        def matrix(m: sympy.Matrix, field_name: str) -> list[list[Fraction]]:
            return [[rational(m[i, j], field_name) for j in range(m.cols)] for i in range(m.rows)]

        def point(layers: tuple[SymLayer, ...] | None, field_name: str) -> Point | None:
            if layers is None:
                return None
            out = []
            for W, b in layers:
                bias = None if b is None else [row[0] for row in matrix(b, field_name)]
                out.append(Layer.of(matrix(W, field_name), bias))
            return Point(tuple(out))

        data = Dataset.of(matrix(self.X, "X"), matrix(self.y, "y"))
        return data, point(self.point, "point"), point(self.better, "better")


@dataclass(frozen=True)
class Construction:
    """A registered construction: what it is, where it comes from, what the paper states, and how to
    build it. ``symbolic`` gets every parameter's value: structural ones (a depth, a width) shape the
    family, the others stay sympy symbols until `build` substitutes them. ``paper`` holds the published
    values in our conventions (mse is a mean over points);
    ``provenance`` says plainly which parts are the paper's and which are ours. ``float_point``: the
    point is an optimiser's float output, so a number the parameters move beyond a float's 17 digits is
    printed again as the nearest float (`reprinted`), not judged as 19 digits its writer chose."""

    name: str
    summary: str
    source: str
    kind: Kind
    parameters: tuple[Parameter, ...]
    symbolic: Callable[[Mapping[str, Fraction]], SymbolicTrap]
    provenance: str
    paper: Mapping[str, str] = field(default_factory=dict)
    float_point: bool = False

    def values(self, overrides: Mapping[str, object] | None = None) -> dict[str, Fraction]:
        """Parameter values: the defaults, with ``overrides`` (numbers or exact strings) checked."""
        known = {p.name: p for p in self.parameters}
        values = {p.name: p.default for p in self.parameters}
        for key, raw in (overrides or {}).items():
            if key not in known:
                names = ", ".join(known) or "none"
                raise ConstructionError(f"{self.name}: no parameter {key!r} (parameters: {names})")
            try:
                value = parse_rational(raw)
            except (TypeError, ValueError) as exc:
                raise ConstructionError(f"{self.name}: parameter {key}: {exc}") from None
            values[key] = known[key].check(value, self.name)
        return values

    def dataset(self, **overrides: object) -> Dataset:
        """The construction's data at the given parameters."""
        values = self.values(overrides)
        return self.symbolic(values).substitute(values)[0]

    def build(self, **overrides: object) -> Trap:
        """The trap at the given parameters (numbers or exact strings)."""
        if self.kind == "dataset":
            raise ConstructionError(
                f"{self.name} is a dataset, not a trap: it has no point to export or verify "
                f"(use `badminima show {self.name}`, or .dataset() in Python)"
            )
        values = self.values(overrides)
        sym = self.symbolic(values)
        data, point, better = sym.substitute(values)
        assert point is not None
        if self.float_point:
            point = reprinted(sym.network, point)
        shown = ", ".join(f"{k}={format_rational(v)}" for k, v in values.items())
        trap = Trap(
            sym.network,
            data,
            point,
            better,
            name=self.name,
            description=f"{self.summary}{f' ({shown})' if shown else ''}. {self.provenance}",
            source=self.source,
        )
        problem = scale_problem(trap)
        if problem:
            at = ", ".join(f"{k}={short(v)}" for k, v in values.items())
            raise ConstructionError(f"{self.name} at {at}: {problem}")
        return trap


def reprinted(network: Network, point: Point) -> Point:
    """``point`` with each number written to more significant digits than a float's print (17)
    replaced by the shortest print of the float nearest to it (`from_float`).

    Example:
        >>> net = Network((1, 1), "identity")
        >>> x = Point.unflatten(net, [Fraction("1.0000000000000000001"), Fraction(1, 3)])
        >>> [str(q) for q in reprinted(net, x).flatten()]
        ['1', '1/3']
    """
    flat = [
        from_float(float(q)) if last_place(q) and abs(q) >= last_place(q) * 10 ** FLOAT_PRINT_DIGITS[1] else q
        for q in point.flatten()
    ]
    return point if flat == list(point.flatten()) else Point.unflatten(network, flat)


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["key=value", ...]`` from the command line as a dict (values stay strings, parsed exactly)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConstructionError(f"--param: expected key=value, got {item!r}")
        if key.strip() in out:
            raise ConstructionError(
                f"--param: {key.strip()} is given twice ({out[key.strip()]} and {value.strip()}); "
                f"expected each parameter once"
            )
        out[key.strip()] = value.strip()
    return out


def sym(value: object) -> sympy.Expr:
    """An exact sympy number from an int, Fraction or exact string."""
    q = parse_rational(value) if not isinstance(value, sympy.Basic) else None
    return sympy.Rational(q.numerator, q.denominator) if q is not None else value


def column(values: Sequence[object]) -> sympy.Matrix:
    return sympy.Matrix([[v if isinstance(v, sympy.Basic) else sym(v)] for v in values])


def matrix(rows: Sequence[Sequence[object]]) -> sympy.Matrix:
    return sympy.Matrix([[v if isinstance(v, sympy.Basic) else sym(v) for v in row] for row in rows])
