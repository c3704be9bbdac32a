"""`evaluate`: loss, accuracy, gradient, Hessian spectrum and activation pattern of one point, in one
backend — what ``badminima evaluate`` prints. A report, not a certificate."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import fmpq_matrix
from badminima.arithmetic.protocol import Arithmetic
from badminima.arithmetic.registry import backend as make_backend
from badminima.landscape.derivatives import gradient_of_flat, hessian_of_flat
from badminima.landscape.forward_pass import KinkSide, forward, predictions, unflatten
from badminima.landscape.losses import loss, loss_from_forward
from badminima.landscape.problem import prepare
from badminima.landscape.regions import PatternSummary, pattern_summary
from badminima.model.dataset import Dataset
from badminima.model.limits import check_numbers
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import format_rational
from badminima.progress import ProgressHook, report


def exact_text(x: Any) -> str:
    """A value as text that loses nothing: ``35/16``, a sympy expression, or a ball ``[m +/- r]``."""
    if isinstance(x, Fraction):
        return format_rational(x, decimal=False)
    if hasattr(x, "mid") and hasattr(x, "rad"):
        return str(x.str(radius=True, more=True))
    if hasattr(x, "item") and callable(x.item):
        return repr(float(x.item()))
    return str(x)


LOSS_PRECISIONS = (256, 512, 1024, 2048, 4096)
"""Ball precisions at which a loss too wide for its float is recomputed, in turn."""


def _loss_float(
    network: Network,
    dataset: Dataset,
    point: Point,
    value: Any,
    arith: Arithmetic,
    kink_side: KinkSide,
    progress: ProgressHook | None = None,
) -> float:
    """The loss as the nearest float: the exact value or the ball, recomputed in balls at rising precision
    when the ball is too wide for its midpoint to be right to the last digits (a saturated loss cancels)."""
    f = arith.to_float(value)
    if not isinstance(arith, BallArithmetic) or value.rad() <= abs(value.mid()) * 2.0**-55:
        return f
    precisions = [p for p in LOSS_PRECISIONS if p > arith.precision]
    for k, prec in enumerate(precisions):
        report(progress, "loss at rising precision", k, len(precisions), note=f"at {prec} bits")
        ball = BallArithmetic(prec)
        better = loss(network, dataset, point, arith=ball, kink_side=kink_side)
        if better.rad() <= abs(better.mid()) * 2.0**-55:
            return float(better.mid())
    return f


@dataclass(frozen=True)
class Evaluation:
    """One point seen through one backend. ``loss``/``gradient``/``hessian`` are the backend's own
    numbers (exact, enclosures, or floats); the ``*_float`` fields are for display. ``hessian_nullity``
    is the exact number of zero Hessian eigenvalues when the Hessian is an exact rational matrix."""

    backend: str
    rigor: str
    hessian_backend: str
    kink_side: KinkSide
    loss: Any
    gradient: tuple[Any, ...]
    hessian: tuple[tuple[Any, ...], ...]
    loss_float: float
    gradient_norm: float
    gradient_max_abs: float
    hessian_eigenvalues: tuple[float, ...]
    hessian_nullity: int | None
    accuracy: Fraction | None
    undecided_predictions: int
    pattern: PatternSummary
    seconds: float

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict; exact values as exact strings (``"35/16"``)."""
        return {
            "backend": self.backend,
            "rigor": self.rigor,
            "hessian_backend": self.hessian_backend,
            "kink_side": self.kink_side,
            "loss": exact_text(self.loss),
            "loss_float": self.loss_float,
            "accuracy": float(self.accuracy) if self.accuracy is not None else None,
            "accuracy_exact": format_rational(self.accuracy, decimal=False)
            if self.accuracy is not None
            else None,
            "undecided_predictions": self.undecided_predictions,
            "gradient": [exact_text(g) for g in self.gradient],
            "gradient_norm": self.gradient_norm,
            "gradient_max_abs": self.gradient_max_abs,
            "hessian_eigenvalues": list(self.hessian_eigenvalues),
            "hessian_nullity": self.hessian_nullity,
            "pattern": self.pattern.to_json(),
            "seconds": self.seconds,
        }


def _exact_rank(rows: list[list[Fraction]]) -> int:
    if not rows:
        return 0
    return int(fmpq_matrix(rows).rank())


def _accuracy(network: Network, dataset: Dataset, out: Any, arith: Arithmetic) -> tuple[Fraction | None, int]:
    """Share of points whose every output lies on the target's side of 1/2; an output exactly at
    1/2, or whose side the backend cannot decide, counts as wrong and as undecided."""
    if not dataset.is_binary:
        return None, 0
    half = arith.constant(Fraction(1, 2))
    correct = undecided = 0
    for i, row in enumerate(dataset.y):
        ok = True
        for k, target in enumerate(row):
            s = arith.sign(out[k, i] - half)
            if s is None or s == 0:
                undecided += 1
                ok = False
            elif (s > 0) != (target == 1):
                ok = False
        correct += ok
    return Fraction(correct, dataset.n_points), undecided


def accuracy(network: Network, dataset: Dataset, point: Point, *, precision: int = 128) -> Fraction | None:
    """The share of points classified correctly (0/1 targets; None otherwise), decided in balls: an
    output at, or undecidably near, 1/2 counts as wrong."""
    arith = make_backend("ball", precision=precision)
    prob = prepare(network, dataset, point, arith=arith)
    with arith.context():
        fwd = forward(network, unflatten(network, prob.flat), prob.inputs, arith=arith, masks=prob.masks)
        return _accuracy(network, dataset, predictions(network, fwd, arith=arith), arith)[0]


def evaluate(
    network: Network,
    dataset: Dataset,
    point: Point,
    *,
    backend: str | Arithmetic = "exact",
    kink_side: KinkSide = "active",
    precision: int = 128,
    progress: ProgressHook | None = None,
) -> Evaluation:
    """Evaluate ``point`` in the named backend (``exact``, ``ball`` at ``precision`` bits, ``float``).

    At a ReLU kink the gradient and Hessian are those of the piece on ``kink_side`` (``active``: the
    unit's z ≥ 0 piece); the pattern lists every kink so the reader knows the loss is not smooth there.
    The exact Hessian of a sigmoid/tanh (or sigmoid-output) network is a large symbolic matrix, slow to
    build; its spectrum is reported from the ball Hessian instead (``hessian_backend`` says which).
    ``progress`` hears each stage (the data in the backend, loss, accuracy, gradient, Hessian columns,
    the loss at rising precision, the activation pattern) as it starts.

    Example:
        >>> from badminima.model import load_trap
        >>> t = load_trap("examples/relu-blind-spot.json")
        >>> evaluate(t.network, t.dataset, t.point).loss
        Fraction(18, 5)
    """
    check_numbers(network, dataset, point)
    arith = make_backend(backend, precision=precision) if isinstance(backend, str) else backend
    start = time.perf_counter()
    report(progress, "data and point in the backend")
    prob = prepare(network, dataset, point, arith=arith, kink_side=kink_side)
    with arith.context():
        report(progress, "loss")
        fwd = forward(
            network,
            unflatten(network, prob.flat),
            prob.inputs,
            arith=arith,
            masks=prob.masks,
            kink_side=kink_side,
        )
        value = loss_from_forward(network, fwd, prob.targets, arith=arith)
        report(progress, "accuracy")
        accuracy, undecided = _accuracy(network, dataset, predictions(network, fwd, arith=arith), arith)
        report(progress, "gradient")
        grad = gradient_of_flat(
            network,
            prob.inputs,
            prob.targets,
            prob.flat,
            arith=arith,
            masks=prob.masks,
            kink_side=kink_side,
        )
        grad_f = np.array([arith.to_float(g) for g in grad], dtype=float)
    hess_arith: Arithmetic = arith
    hprob = prob
    if arith.rigor == "exact" and not network.has_rational_loss:
        hess_arith = BallArithmetic(precision)
        report(progress, "data and point in balls (for the Hessian)")
        hprob = prepare(network, dataset, point, arith=hess_arith, kink_side=kink_side)
    with hess_arith.context():
        hess = hessian_of_flat(
            network,
            hprob.inputs,
            hprob.targets,
            hprob.flat,
            arith=hess_arith,
            masks=hprob.masks,
            kink_side=kink_side,
            progress=progress,
        )
        n = len(grad_f)
        hess_f = np.array(
            [[hess_arith.to_float(hess[i, j]) for j in range(n)] for i in range(n)], dtype=float
        )
    nullity = None
    if all(isinstance(v, Fraction) for v in np.asarray(hess, dtype=object).ravel()):
        rows = [[hess[i, j] for j in range(n)] for i in range(n)]
        report(progress, "exact Hessian rank")
        nullity = n - _exact_rank(rows)
    eig = np.linalg.eigvalsh((hess_f + hess_f.T) / 2) if n else np.zeros(0)
    loss_float = _loss_float(network, dataset, point, value, arith, kink_side, progress)
    report(progress, "activation pattern")
    pattern = pattern_summary(network, dataset, point)
    return Evaluation(
        backend=arith.name,
        rigor=arith.rigor,
        hessian_backend=hess_arith.name,
        kink_side=kink_side,
        loss=value,
        gradient=tuple(grad),
        hessian=tuple(tuple(hess[i, j] for j in range(n)) for i in range(n)),
        loss_float=loss_float,
        gradient_norm=float(math.sqrt(float(np.sum(grad_f**2)))),
        gradient_max_abs=float(np.max(np.abs(grad_f))) if n else 0.0,
        hessian_eigenvalues=tuple(float(e) for e in eig),
        hessian_nullity=nullity,
        accuracy=accuracy,
        undecided_predictions=undecided,
        pattern=pattern,
        seconds=time.perf_counter() - start,
    )
