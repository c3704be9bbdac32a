"""Shrink a certified trap as hypothesis shrinks a failing example: fewer points, then simpler numbers,
keeping each edit only while `certify` still proves ``bad-local-min``.

After an edit of the data the old point is no longer exactly critical, so it is re-polished (damped
Newton, float64) on the new data before the verifier is asked; the better point is kept as it is,
and the verifier re-proves the gap on the new data. Smaller means shortlex on (number of points, the
sum of |numerator| + denominator over all data).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import torch

from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import from_float
from badminima.model.trap import Trap
from badminima.verify.certificate import Certificate, Verdict
from badminima.verify.certification import certify


def size(dataset: Dataset) -> tuple[int, int]:
    """(number of points, Σ |numerator| + denominator over every input and target entry)."""
    digits = sum(abs(v.numerator) + v.denominator for row in (*dataset.X, *dataset.y) for v in row)
    return dataset.n_points, digits


def to_point(network: Network, theta: Sequence[float]) -> Point:
    """A float vector as an exact point, each entry the shortest decimal that reads back as the float."""
    return Point.unflatten(network, [from_float(v, "decimal") for v in theta])


def repolish(trap: Trap, datasets: Sequence[Dataset]) -> list[Trap | None]:
    """The trap moved to each of ``datasets`` (all of one size): its point re-polished to a nearby
    critical point of the new data, in one batch; None where polishing does not reach a critical point
    of index 0 (with a numerically positive definite Hessian, unless the network is piecewise linear)."""
    from badminima.search.float_polish import polish

    if not datasets:
        return []
    column = [float(v) for v in trap.point.flatten()]
    theta = torch.tensor([column] * len(datasets), dtype=torch.float64).T.contiguous()
    theta, _, gn, min_eig, index = polish(trap.network, list(datasets), theta, iterations=12)
    out: list[Trap | None] = []
    for j, dataset in enumerate(datasets):
        # Piecewise-linear nets keep zero eigenvalues at every minimum (rescalings): index 0 is enough
        # to ask the verifier, whose exact region proofs need no positive definite Hessian.
        curved = min_eig[j] > 0 or trap.network.is_piecewise_linear
        ok = math.isfinite(gn[j]) and gn[j] < 1e-9 and index[j] == 0 and curved
        point = to_point(trap.network, theta[:, j].tolist()) if ok else None
        out.append(replace(trap, dataset=dataset, point=point) if point is not None else None)
    return out


def _simpler(value: Fraction) -> Iterator[Fraction]:
    """Simpler numbers to try in place of ``value``, simplest first: 0, then integers and rationals
    with small denominators between 0 and ``value``, then the continued-fraction convergents."""
    if value == 0:
        return
    yield Fraction(0)
    seen = {Fraction(0), value}
    sign = 1 if value > 0 else -1
    whole = math.floor(abs(value))
    candidates = [Fraction(sign * (whole // 2)), Fraction(sign * max(whole - 1, 0)), Fraction(sign * whole)]
    if value.denominator != 1:
        candidates += [Fraction(round(value)), Fraction(round(2 * value), 2)]
        candidates += [value.limit_denominator(d) for d in (2, 4, 10, 100)]
    for c in candidates:
        if (
            c not in seen
            and abs(c) <= abs(value) + 1
            and (abs(c.numerator) + c.denominator) < (abs(value.numerator) + value.denominator)
        ):
            seen.add(c)
            yield c


@dataclass(frozen=True)
class Shrunk:
    """The smallest trap reached, its certificate, the sizes before and after, and the edits tried."""

    trap: Trap
    certificate: Certificate
    size_before: tuple[int, int]
    size_after: tuple[int, int]
    attempts: int
    accepted: int


def _edits(dataset: Dataset, *, binary_targets: bool) -> list[Dataset]:
    """Every single edit of ``dataset``, smallest result first: delete one point (the last first; never
    the last point of a label), then replace one number by a simpler one (inputs, then real targets)."""
    out = []
    labels_fixed = binary_targets and dataset.is_binary
    for i in range(dataset.n_points - 1, -1, -1):
        X, y = list(dataset.X), list(dataset.y)
        del X[i], y[i]
        if dataset.n_points > 2 and not (labels_fixed and len(set(y)) < len(set(dataset.y))):
            out.append(Dataset(tuple(X), tuple(y)))
    for which in ("X", "y"):
        if which == "y" and labels_fixed:
            continue
        rows = getattr(dataset, which)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                for simpler in _simpler(value):
                    table = [list(t) for t in rows]
                    table[r][c] = simpler
                    new = replace(dataset, **{which: tuple(tuple(t) for t in table)})
                    if len(set(new.X)) == new.n_points:
                        out.append(new)
    return out


def shrink(
    trap: Trap,
    certificate: Certificate,
    *,
    max_attempts: int = 200,
    binary_targets: bool = True,
    check: Callable[[Trap], Certificate] = certify,
) -> Shrunk:
    """Greedy passes: re-polish the trap on every single edit of its data at once, then verify the
    edits in order (fewer points first, then simpler numbers) and keep the first that ``check`` proves
    ``bad-local-min``; stop when a pass keeps nothing or after ``max_attempts`` verifications. 0/1
    labels are never edited when ``binary_targets``, and no edit removes the last point of a label."""
    start = size(trap.dataset)
    attempts = accepted = 0
    best, best_cert = trap, certificate
    while attempts < max_attempts:
        edits = _edits(best.dataset, binary_targets=binary_targets)
        moved: list[Trap | None] = []
        for n in sorted({d.n_points for d in edits}):
            moved += repolish(best, [d for d in edits if d.n_points == n])
        kept = False
        for candidate in moved:
            if candidate is None or attempts >= max_attempts:
                continue
            attempts += 1
            cert = check(candidate)
            if cert.verdict is Verdict.BAD_LOCAL_MIN:
                best, best_cert, accepted, kept = candidate, cert, accepted + 1, True
                break
        if not kept:
            break
    return Shrunk(best, best_cert, start, size(best.dataset), attempts, accepted)
