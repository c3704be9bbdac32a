"""Boxes that hold no critical point: a gradient entry proved non-zero over each part of the box.

A box of parameters (a rounded point's window, a proof's reach) holds no critical point of the loss when
some entry of ∇F keeps one strict sign over all of it, enclosed in `arb` balls. A box long in a few
coordinates is halved along its widest side until each part has such an entry, or a caller's own
argument clears the part (`no_critical_point_within`'s ``alone``). For ReLU and leaky-ReLU units the box
must keep every pre-activation's sign, and a kink's numbers must be held (it stays exactly at 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import flint

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction, to_arb
from badminima.errors import BackendError
from badminima.landscape.derivatives import gradient_of_flat
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.kink_units import held_kinks, incoming
from badminima.verify.parameter_box import signs_hold

GRADIENT_PRECISIONS = (128, 256, 512, 1024, 2048)
"""Ball precisions tried in turn to sign every gradient entry (`smooth` at the point, before any symbolic
computation; the finest here, over a box)."""

SPLIT_PARTS = 64
"""`no_critical_point_within` halves the box along its widest side into at most this many parts."""


def _ball_box(ball: BallArithmetic, flat: Any, radii: Sequence[Fraction]) -> Any:
    """The box ``flat`` ± ``radii`` as a vector of balls (radius 0: the number itself). Call inside the
    ball context."""
    return ball.vector(
        [v + flint.arb(0, to_arb(r).upper()) if r else v for v, r in zip(flat, radii, strict=True)]
    )


def _nonzero_entry(
    network: Network, dataset: Dataset, centre: list[Fraction], radii: list[Fraction]
) -> tuple[int, int] | None:
    """A gradient entry proved non-zero over the box (balls), as (index, 0), or None. For ReLU /
    leaky-ReLU units, only where every pre-activation keeps its sign over the box and every kink stays
    exactly 0 (its inputs and weights held): then the loss is smooth there in every parameter but those
    feeding a kink, whose entries are one-sided (`_kink_pull`)."""
    ball = BallArithmetic(GRADIENT_PRECISIONS[-1])
    point = Point.unflatten(network, centre)
    piecewise = network.activation in ("relu", "leaky_relu")
    prob = prepare(network, dataset, point, arith=ball, kink_side="inactive")
    one_sided: set[int] = set()
    with ball.context():
        flat = _ball_box(ball, prob.flat, radii)
        try:
            if piecewise:
                region = prob.region
                assert region is not None
                fwd = forward(network, unflatten(network, flat), prob.inputs, arith=ball, masks=prob.masks)
                pre = fwd.z[:-1]
                if not signs_hold(ball, pre, region.signs):
                    return None
                # a kink's pre-activation (exactly 0 at the centre) depends on its feeding numbers only:
                # held (radius 0), it stays 0 over the box; moving any of them may move it off 0
                feeding = held_kinks(network, dataset, region, radii)
                if feeding is None:
                    return None  # a kink the box moves off 0: not smooth there
                one_sided.update(feeding)
            g = list(gradient_of_flat(network, prob.inputs, prob.targets, flat, arith=ball, masks=prob.masks))
            entry = next(
                (i for i, v in enumerate(g) if i not in one_sided and ball.sign(v) not in (0, None)), None
            )
            if entry is not None:
                return entry, 0
            if not piecewise or prob.region is None or not prob.region.kinks:
                return None
            return _kink_pull(network, dataset, prob, flat, ball)
        except BackendError:
            return None


def _kink_pull(
    network: Network, dataset: Dataset, prob: Any, flat: Any, ball: BallArithmetic
) -> tuple[int, int] | None:
    """A number feeding a first-layer kink (held over the box, so the kink stays at 0) along which the
    loss's one-sided derivative is proved negative over the whole box: moving it by s > 0 (sign ±) sends
    each kink on a point whose coefficient (its input, or 1 for the bias) has that sign to the active
    side and leaves the others at 0, so the derivative is the gradient entry with those kinks active.
    Every point of the box then has a direction of descent: none is critical. (k, ±1), or None; kinks
    deeper in the network are left alone."""
    region = prob.region
    kinks = region.kinks
    if any(layer != 0 for layer, _, _ in kinks):
        return None
    d0 = network.widths[0]
    gradients: dict[frozenset[tuple[int, int]], Any] = {}  # one gradient per set of kinks made active
    for u in sorted({u for _, u, _ in kinks}):
        for m, k in enumerate(incoming(network, 0, u)):
            for side in (1, -1):
                raised = frozenset(
                    (u, i)
                    for _, unit, i in kinks
                    if unit == u and side * (dataset.X[i][m] if m < d0 else Fraction(1)) > 0
                )
                if raised not in gradients:
                    masks = region.masks("inactive")
                    for unit, i in raised:
                        masks[0][unit, i] = True
                    gradients[raised] = gradient_of_flat(
                        network, prob.inputs, prob.targets, flat, arith=ball, masks=masks
                    )
                slope = side * gradients[raised][k]
                if ball.sign(slope) == -1:
                    return k, side
    return None


def _output_biases_solved(
    network: Network, dataset: Dataset, centre: list[Fraction], radii: list[Fraction]
) -> tuple[list[Fraction], list[Fraction], int | None]:
    """The part (``centre``, ``radii``) with each output bias c_k narrowed to where ∂F/∂c_k = 0 may hold,
    and None; or the part and an output bias k whose ∂F/∂c_k is non-zero over all of it. With an
    identity output and squares, F = (1/N) Σ_i Σ_k (c_k + g_ik − y_ik)² is quadratic in c_k:
    ∂F/∂c_k = 2(c_k − c*_k), c*_k the mean of y_ik − g_ik, which does not depend on c_k. So every
    critical point in the part has c_k = c*_k, enclosed with c_k held at its centre (balls; smooth
    units, whose box gradient needs no sign checks). A long window in c_k beside a short one in a silent
    unit's weights shrinks to the one value the others allow."""
    P, K = len(centre), network.widths[-1]
    biases = range(P - K, P)
    if (
        (network.output, network.loss) != ("identity", "mse")
        or not network.bias
        or network.activation in ("relu", "leaky_relu")
        or not any(radii[k] for k in biases)
    ):
        return centre, radii, None
    ball = BallArithmetic(GRADIENT_PRECISIONS[-1])
    prob = prepare(network, dataset, Point.unflatten(network, centre), arith=ball)
    narrowed, reach = list(centre), list(radii)
    with ball.context():
        flat = _ball_box(ball, prob.flat, [Fraction(0) if k in biases else r for k, r in enumerate(radii)])
        try:
            g = gradient_of_flat(network, prob.inputs, prob.targets, flat, arith=ball, masks=prob.masks)
        except BackendError:
            return centre, radii, None
        for k in biases:
            if not g[k].is_finite():
                return centre, radii, None
            lo = max(centre[k] - radii[k], centre[k] - arb_to_fraction(g[k].upper()) / 2)
            hi = min(centre[k] + radii[k], centre[k] - arb_to_fraction(g[k].lower()) / 2)
            if lo > hi:
                return centre, radii, k
            narrowed[k], reach[k] = (lo + hi) / 2, (hi - lo) / 2
    return narrowed, reach, None


def no_critical_point_within(
    network: Network,
    dataset: Dataset,
    point: Point,
    radius: Fraction | Sequence[Fraction],
    *,
    piecewise: bool = False,
    alone: Callable[[Sequence[Fraction], Sequence[Fraction]], bool] | None = None,
) -> str | None:
    """Which gradient entries are proved non-zero (balls; smooth hidden units only) over the box of
    ``radius`` around ``point`` (one radius, or one per coordinate) — over the whole box, or over each of
    up to `SPLIT_PARTS` parts got by halving its widest side — or None: then no critical point lies in
    that box. Halving decides boxes long in a few coordinates (four-digit numbers beside thirty-digit
    ones), where one entry's range over the whole box straddles 0 though no two vanish together.
    ``piecewise`` admits ReLU / leaky-ReLU units on boxes that keep every sign and every kink at 0.
    ``alone(centre, radii)``, where given, decides a part too: True is the caller's proof that the part
    holds no critical point but one the caller already knows (the only one in a cube about it), which
    the caller accounts for."""
    if network.activation in ("relu", "leaky_relu") and not piecewise:
        return None
    radii = [radius] * network.n_params if isinstance(radius, Fraction) else list(radius)
    boxes = [(list(point.flatten()), radii)]
    entries: list[tuple[int, int]] = []
    lone = 0
    narrowed = False
    while boxes:
        part = boxes.pop()
        centre, r, solved = _output_biases_solved(network, dataset, *part)
        if solved is not None:
            entries.append((solved, 0))
            continue
        narrowed = narrowed or r != part[1]
        entry = _nonzero_entry(network, dataset, centre, r)
        if entry is not None:
            entries.append(entry)
            continue
        if alone is not None and alone(centre, r):
            lone += 1
            continue
        k = max(range(len(r)), key=lambda m: r[m])
        if not r[k] or len(entries) + lone + len(boxes) + 2 > SPLIT_PARTS:
            return None
        half = r[k] / 2
        for side in (-1, 1):
            moved = list(centre)
            moved[k] += side * half
            boxes.append((moved, [half if m == k else v for m, v in enumerate(r)]))
    return _apart(entries, lone) + (
        "; each part first narrowed to the output biases where their gradient entries may vanish (F is "
        "quadratic in them)"
        if narrowed
        else ""
    )


def _apart(entries: list[tuple[int, int]], lone: int) -> str:
    """What cleared a box: the gradient entries proved non-zero on its parts, and the parts in a cube
    that holds one known critical point."""
    near = (
        "the box lies in a cube that holds one critical point at most, the one already known"
        if lone == 1 and not entries
        else f"{lone} part(s) lie in a cube that holds one critical point at most, the one already known"
    )
    if len(entries) == 1 and not lone:
        k, side = entries[0]
        if side:
            return (
                f"the one-sided derivative along {_label(k, side)} (a number feeding a kink, held) is "
                f"proved negative over that whole box"
            )
        return f"gradient entry {k} is proved non-zero over that whole box"
    if not entries:
        return near
    nonzero = (
        f"on each of {len(entries)} parts of that box (halved along its widest sides) a gradient entry "
        f"({', '.join(_label(k, side) for k, side in sorted(set(entries)))}) is proved non-zero"
    )
    return f"{nonzero}, and {near}" if lone else nonzero


def _label(k: int, side: int) -> str:
    """A gradient entry's index, or a one-sided direction's (+θ_k, −θ_k)."""
    return str(k) if not side else f"{'+' if side > 0 else '−'}θ_{k} one-sided"
