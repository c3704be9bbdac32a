"""The limits on what badminima reads, and the check that a trap's numbers fit them.

Exact arithmetic has no range, but every command also computes float64 diagnostics (Hessian spectra,
descent probes) and draws sketches, and a digit string of a million characters would stall the reader.
So a trap is refused, with one line saying which number or bound is over, when

- a number has more than `MAX_DIGITS` digits (numerator, denominator or decimal mantissa, as written),
  or an exponent beyond ±`MAX_EXPONENT`;
- a number's magnitude is over ``10**MAX_MAGNITUDE_EXP`` (tiny numbers are fine: exact, and 0 in float);
- the float64 range is at risk: an a-priori bound on the network's loss or its Hessian entries over the
  data, computed from the absolute weights (`scale_bounds`), is over ``10**MAX_FLOAT_EXP``;
- a file is larger than `MAX_FILE_BYTES`.

Saturated sigmoid/tanh units (pre-activations of 1e20 or 1e100) are read, evaluated and verified: the box
proof flushes eigenvector entries below 2^-2p (a unit saturated at z once put about 1.44·z bits into them,
and verify hung at z = 1e10; on the sigmoid deadlock with one weight at 1e7, 1e10, 1e30 and 1e100 it now
answers in about 2.5 s).

Example:
    >>> from badminima.model.trapfile import load_trap
    >>> scale_bounds(load_trap("examples/relu-blind-spot.json")).loss < 3
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rational.py imports this module's constants, and point.py imports rational.py
    from badminima.model.dataset import Dataset
    from badminima.model.network import Network
    from badminima.model.point import Point
    from badminima.model.trap import Trap

MAX_DIGITS = 1000
"""Most digits in one written number's numerator, denominator or decimal mantissa."""
MAX_EXPONENT = 1000
"""Largest |exponent| of a decimal such as ``2.2e-6``."""
MAX_MAGNITUDE_EXP = 100
"""Largest magnitude of a number in a trap file or a construction parameter: 1e100."""
MAX_FLOAT_EXP = 150
"""Largest a-priori bound (as a power of ten) on the loss and the Hessian entries: float64 ends near
1.8e308, and a Hessian's eigenvalues need room for its norm."""
MAX_FILE_BYTES = 64 * 2**20
"""Largest trap file read: 64 MiB (about a million data points)."""

# sigmoid'(z) <= 1/4; identity, ReLU, leaky ReLU (slope < 1) and tanh have slopes <= 1.
_SLOPE_LOG = {"sigmoid": math.log10(0.25)}
_BOUNDED = ("sigmoid", "tanh")


def log10_abs(q: Fraction) -> float:
    """log10 |q| for any rational, however large its numerator or denominator (-inf for 0)."""
    if q == 0:
        return -math.inf
    return math.log10(abs(q.numerator)) - math.log10(q.denominator)


def magnitude_problem(q: Fraction) -> str | None:
    """Why ``q`` is over the magnitude limit, or None when it is within."""
    if log10_abs(q) > MAX_MAGNITUDE_EXP:
        return f"expected a magnitude at most 1e{MAX_MAGNITUDE_EXP}, got about 1e{log10_abs(q):.0f}"
    return None


def _log_sum(logs: Iterable[float]) -> float:
    values = [v for v in logs if v != -math.inf]
    if not values:
        return -math.inf
    top = max(values)
    return top + math.log10(sum(10 ** (v - top) for v in values))


@dataclass(frozen=True, slots=True)
class ScaleBounds:
    """Upper bounds, as powers of ten, over the data: the largest sigmoid/tanh pre-activation, the loss, the
    largest gradient entry of the output, and the largest Hessian entry of the loss (all crude but sound
    for these networks; used only to refuse what float64 cannot hold)."""

    preactivation: float
    loss: float
    gradient: float
    hessian: float

    @property
    def worst(self) -> float:
        return max(self.loss, self.hessian)


def _point_bounds(network: Network, x_log: float, y_log: float, point: Point) -> ScaleBounds:
    act = network.activation
    a_log = max(x_log, 0.0)  # activations are bounded by max|x| (and the bias input 1)
    a_logs = [a_log]
    pre = -math.inf
    for k, layer in enumerate(point.layers):
        rows = [
            _log_sum([*(log10_abs(w) + a_logs[-1] for w in row), log10_abs(b)])
            for row, b in zip(layer.W, layer.b or (Fraction(0),) * len(layer.W), strict=True)
        ]
        z = max(rows)
        kind = act if k < network.depth - 1 else network.output
        if kind in _BOUNDED:
            pre = max(pre, z)
        a_logs.append(0.0 if kind in _BOUNDED else max(z, 0.0))
    out = a_logs[-1]
    residual = _log_sum([out, y_log])
    # Back-propagated bound: |d f / d z_l| <= slope_l * colsum|W_{l+1}| * |d f / d z_{l+1}|.
    grad = -math.inf
    delta = _SLOPE_LOG.get(network.output, 0.0)
    for k in range(network.depth - 1, -1, -1):
        grad = max(grad, delta + max(a_logs[k], 0.0))
        if k > 0:
            W = point.layers[k].W
            col = max(_log_sum(log10_abs(W[i][j]) for i in range(len(W))) for j in range(len(W[0])))
            delta = delta + max(col, 0.0) + _SLOPE_LOG.get(act, 0.0)
    loss = 2 * max(residual, 0.0)
    hessian = 2 * max(grad, 0.0) + max(residual, 0.0) + math.log10(max(network.n_params, 1))
    return ScaleBounds(pre, loss, grad, hessian)


def scale_bounds(trap: Trap) -> ScaleBounds:
    """The `ScaleBounds` of the trap's point (and its better point: the larger of each)."""
    data = trap.dataset
    x_log = max((log10_abs(v) for row in data.X for v in row), default=-math.inf)
    y_log = max((log10_abs(v) for row in data.y for v in row), default=-math.inf)
    bounds = [_point_bounds(trap.network, x_log, y_log, p) for p in (trap.point, trap.better) if p]
    return ScaleBounds(*(max(getattr(b, f) for b in bounds) for f in ScaleBounds.__slots__))


def scale_problem(trap: Trap) -> str | None:
    """Why the trap is beyond what float64 diagnostics can hold, or None when it is within."""
    b = scale_bounds(trap)
    if b.worst <= MAX_FLOAT_EXP:
        return None
    what = "loss" if b.loss >= b.hessian else "Hessian entries"
    return (
        f"numbers too large: the {what} could reach about 1e{b.worst:.0f} on these data (bounded from the "
        f"absolute weights), beyond the 1e{MAX_FLOAT_EXP} that float64 diagnostics can hold; "
        f"rescale the data or the point"
    )


def check_numbers(network: Network, dataset: Dataset, point: Point, better: Point | None = None) -> None:
    """Refuse, with one line, what the trap-file reader refuses: a number of the data or the points over
    ``10**MAX_MAGNITUDE_EXP``, or a-priori loss / Hessian bounds beyond float64's diagnostics. For the
    Python entry points (`certify`, `evaluate`), whose float diagnostics would otherwise overflow.

    Raises:
        InvalidModelError: naming the number or the bound that is over, and what to do.

    Example:
        >>> from badminima.model import Dataset, Network, Point
        >>> net = Network((1, 1, 1), "sigmoid")
        >>> check_numbers(net, Dataset.of([[0], [1]], [[0], [1]]), Point.unflatten(net, ["1e900", 0, 1, 0]))
        Traceback (most recent call last):
        ...
        badminima.errors.InvalidModelError: point[0]: expected a magnitude at most 1e100, got about 1e900
    """
    from badminima.errors import InvalidModelError
    from badminima.model.trap import Trap

    named = [("X", v) for row in dataset.X for v in row] + [("y", v) for row in dataset.y for v in row]
    for name, p in (("point", point), ("better", better)):
        if p is not None:
            named += [(f"{name}[{i}]", v) for i, v in enumerate(p.flatten())]
    for where, value in named:
        problem = magnitude_problem(value)
        if problem:
            raise InvalidModelError(f"{where}: {problem}")
    problem = scale_problem(Trap(network, dataset, point, better))
    if problem:
        raise InvalidModelError(problem)
