"""A point whose predictions are exactly the best any function could give: a global minimum.

The loss is a mean over data points of ℓ(p(x_i), y_i) summed over outputs, and for mse and cross-entropy
Σ_{i : x_i = x} ℓ(p, y_i) is minimised over the prediction p by the mean of those targets. So for every
parameter θ′, F(θ′) ≥ F_inf = the loss of predicting, at each distinct input, its targets' mean — and a
point whose predictions equal those means exactly attains it: a global, hence local, minimum (non-strict
wherever the Hessian is singular). `certify_best_fit` needs the predictions to come out as exact
rationals (σ(0) = 1/2, tanh(0) = 0, rational piecewise-linear values) equal to the means exactly.

*Odd networks.* Without biases, with odd hidden units (tanh, identity) and an identity or sigmoid output,
every parameter gives z(−x) = −z(x): the predictions at −x are −p (identity) or 1 − p (sigmoid) when
they are p at x, and ℓ(−p, y) = ℓ(p, −y), ℓ(1 − p, y) = ℓ(p, 1 − y) for mse and cross-entropy. So on each
pair of inputs {x, −x} the loss is that of one prediction p against the targets at x together with the
reflected targets at −x (−y, or 1 − y), minimised by their mean; at x = 0 the prediction is fixed (0 or
1/2) whatever θ. Predictions equal to those means are the best any *odd* function could give: a global
minimum again (code ``best-odd-fit``), though a function with biases could do better.

*Sigmoid units without biases.* σ(t) − 1/2 is odd, so one hidden layer of sigmoid units without biases
gives logits z_k(x) = Σ_j v_kj/2 + Σ_j v_kj (σ(w_j·x) − 1/2): a constant plus an odd function, for every
parameter. On the data those vectors lie in the subspace S spanned by 1, by e_x − e_−x for each pair of
inputs {x, −x} and by e_x for an input whose reflection is not in the data (e_x: the indicator of the
points at x). For identity output with mse, or sigmoid output with cross-entropy, the loss is convex in
the logits, so logits in S at which its gradient (p − y per point) is orthogonal to S minimise it over
all of S: no parameter does better (code ``best-shifted-odd-fit``; the gradient must come out exact).

A point written to many digits whose predictions are the means only up to its rounding (a sigmoid
output at logit(1/3), say) is taken, as everywhere in `certify`, as the critical set it rounds:
`certify_nearby_best_fit` proves, by the Krawczyk test on the M equations z(x_g; θ) = logit-or-mean of
group g (one per distinct input and output, solved for M well-conditioned parameters with the others
kept as written), that parameters attaining every mean exactly lie within a proved distance. Those
parameters are a global minimum; the certificate's box holds them (code ``nearby-best-fit``).
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import scipy.linalg

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction, to_arb
from badminima.errors import BackendError
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import exact_pass, prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.verify.certificate import Verdict
from badminima.verify.krawczyk import inside_radius, krawczyk_offset
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.suboptimality import LossEnclosure, enclose_loss


def group_means(dataset: Dataset) -> dict[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """Each distinct input's mean target vector.

    Example:
        >>> group_means(Dataset.of([[0], [0], [1]], [[1], [0], [1]]))[(Fraction(0),)]
        (Fraction(1, 2),)
    """
    groups: dict[tuple[Fraction, ...], list[tuple[Fraction, ...]]] = defaultdict(list)
    for x, y in zip(dataset.X, dataset.y, strict=True):
        groups[tuple(x)].append(tuple(y))
    return {
        x: tuple(sum(col, Fraction(0)) / len(ys) for col in zip(*ys, strict=True)) for x, ys in groups.items()
    }


def odd_means(network: Network, dataset: Dataset) -> dict[tuple[Fraction, ...], tuple[Fraction, ...]] | None:
    """The best predictions any odd network can make (module docstring: ``x ↦`` the mean of the targets
    at x and the reflected ones at −x; 0 or 1/2 at x = 0), or None when the network is not odd.

    Example:
        >>> net = Network((1, 2, 1), "tanh", bias=False)
        >>> means = odd_means(net, Dataset.of([[1], [-1], [-1]], [[1], [1], [-1]]))  # pooled: 1, −1, 1
        >>> means[(Fraction(1),)], means[(Fraction(-1),)]
        ((Fraction(1, 3),), (Fraction(-1, 3),))
    """
    if network.bias or network.activation not in ("tanh", "identity"):
        return None
    if network.output not in ("identity", "sigmoid") or network.loss not in ("mse", "bce"):
        return None
    sigmoid = network.output == "sigmoid"

    def flip(x: tuple[Fraction, ...]) -> bool:
        return next((c < 0 for c in x if c != 0), False)

    def reflect(v: Fraction) -> Fraction:
        return 1 - v if sigmoid else -v

    pooled: dict[tuple[Fraction, ...], list[tuple[Fraction, ...]]] = defaultdict(list)
    for x, y in zip(dataset.X, dataset.y, strict=True):
        if flip(tuple(x)):
            pooled[tuple(-c for c in x)].append(tuple(reflect(v) for v in y))
        else:
            pooled[tuple(x)].append(tuple(y))
    out = {}
    for key, ys in pooled.items():
        if not any(key):
            out[key] = tuple(Fraction(1, 2) if sigmoid else Fraction(0) for _ in ys[0])
            continue
        mean = tuple(sum(col, Fraction(0)) / len(ys) for col in zip(*ys, strict=True))
        out[key] = mean
        out[tuple(-c for c in key)] = tuple(reflect(v) for v in mean)
    return out


def orthogonal_to_shifted_odd(network: Network, dataset: Dataset, slopes: Any) -> bool:
    """Whether the loss's exact gradient in the logits (``slopes[k, i]``: p − y for output k at point i,
    up to a positive factor) is orthogonal to the constants-plus-odd subspace S of the module docstring,
    for a one-hidden-layer sigmoid net without biases and a head convex in its logits; False otherwise.

    Example:
        >>> net = Network((1, 2, 1), "sigmoid", bias=False)
        >>> data = Dataset.of([[-1], [1], [2], [-2]], [[1], [1], [0], [0]])  # even targets, mean 1/2
        >>> half = Fraction(1, 2)
        >>> orthogonal_to_shifted_odd(net, data, np.array([[-half, -half, half, half]], dtype=object))
        True
        >>> orthogonal_to_shifted_odd(net, data, np.array([[-half, half, half, -half]], dtype=object))
        False
    """
    if network.bias or network.activation != "sigmoid" or network.depth != 2:
        return False
    if (network.output, network.loss) not in (("identity", "mse"), ("sigmoid", "bce")):
        return False
    at: dict[tuple[Fraction, ...], list[int]] = defaultdict(list)
    for i, x in enumerate(dataset.X):
        at[tuple(x)].append(i)
    for k in range(slopes.shape[0]):
        row = [slopes[k, i] for i in range(dataset.n_points)]
        if not all(isinstance(g, Fraction) for g in row) or sum(row, Fraction(0)) != 0:
            return False
        for x, points in at.items():
            mirror = at.get(tuple(-c for c in x), [])
            if any(x) and sum((row[i] for i in points), Fraction(0)) != sum(
                (row[i] for i in mirror), Fraction(0)
            ):
                return False
    return True


def _slopes(pred: Any, dataset: Dataset) -> Any:
    """p − y per output (rows) and data point (columns): the loss's gradient in the logits up to a positive
    factor, for mse with identity output (2/N) and cross-entropy with sigmoid output (1/N)."""
    outs, n = pred.shape
    return np.array([[pred[k, i] - dataset.y[i][k] for i in range(n)] for k in range(outs)], dtype=object)


def certify_best_fit(network: Network, dataset: Dataset, point: Point) -> Outcome | None:
    """``local-min`` (code ``best-possible-fit``) when the point's predictions are exactly its inputs'
    mean targets, so no parameter whatever does better; None otherwise.

    Example:
        >>> net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[-1], [-1], [1], [1]], [[0], [1], [0], [1]])
        >>> certify_best_fit(net, data, Point.unflatten(net, [0, 0, 0, 0])).code
        'best-possible-fit'
    """
    if network.loss not in ("mse", "bce"):
        return None
    run = exact_pass(network, dataset, point)
    if run is None:
        return None
    pred = run.predictions

    def attains(means: dict[tuple[Fraction, ...], tuple[Fraction, ...]]) -> bool:
        return all(
            isinstance(pred[k, i], Fraction) and pred[k, i] == m
            for i, x in enumerate(dataset.X)
            for k, m in enumerate(means[tuple(x)])
        )

    if attains(group_means(dataset)):
        code = "best-possible-fit"
        why = (
            "every prediction is exactly the mean of its input's targets, which minimises the loss over "
            "all functions (mse and cross-entropy are minimised pointwise by the mean target): no "
            "parameter does better, so this is a global, hence local, minimum"
        )
    elif (odd := odd_means(network, dataset)) is not None and attains(odd):
        code = "best-odd-fit"
        why = (
            "the network has no biases and odd hidden units, so every parameter gives an odd logit, "
            "z(−x) = −z(x); on each pair of inputs {x, −x} the loss is then that of one prediction "
            "against the targets at x and the reflected ones at −x, minimised by their mean, and every "
            "prediction is exactly that mean (at x = 0 the prediction is fixed): no parameter does "
            "better, so this is a global, hence local, minimum"
        )
    elif all(isinstance(q, Fraction) for q in pred.flat) and orthogonal_to_shifted_odd(
        network, dataset, _slopes(pred, dataset)
    ):
        code = "best-shifted-odd-fit"
        why = (
            "the network has one hidden layer of sigmoid units and no biases, and σ(t) − 1/2 is odd, so "
            "every parameter gives logits that are a constant plus an odd function of the input; the loss "
            "is convex in the logits and its exact gradient here is orthogonal to every such logit vector "
            "(the constants, and on each pair of inputs {x, −x} the odd moves): no parameter does better, "
            "so this is a global, hence local, minimum"
        )
    else:
        return None
    value = enclose_loss(network, dataset, point)
    return Outcome(
        Verdict.LOCAL_MIN,
        "exact" if value.lower == value.upper else "interval",
        code,
        why,
        value,
        box_radius=Fraction(0),
        proof_radius=Fraction(0),
        code=code,
    )


def _groups(dataset: Dataset) -> tuple[list[int], list[tuple[Fraction, ...]], list[int]]:
    """One representative data index per distinct input, its mean targets, and its group's size."""
    means = group_means(dataset)
    first: dict[tuple[Fraction, ...], int] = {}
    for i, x in enumerate(dataset.X):
        first.setdefault(tuple(x), i)
    reps = sorted(first.values())
    sizes = [sum(1 for x in dataset.X if tuple(x) == tuple(dataset.X[i])) for i in reps]
    return reps, [means[tuple(dataset.X[i])] for i in reps], sizes


def _infimum(
    network: Network, dataset: Dataset, mean_of: dict[tuple[Fraction, ...], tuple[Fraction, ...]]
) -> Any:
    """F_inf in a ball: the loss of predicting ``mean_of[x]`` at each input (within-group squared
    deviations for mse; y·log(1/m) + (1 − y)·log(1/(1 − m)) summed for cross-entropy)."""
    total = flint.arb(0)
    for x, y in zip(dataset.X, dataset.y, strict=True):
        for yk, m in zip(y, mean_of[tuple(x)], strict=True):
            if network.loss == "mse":
                total += to_arb((yk - m) ** 2)
            else:
                if yk != 0:
                    total -= to_arb(yk) * to_arb(m).log()
                if yk != 1:
                    total -= to_arb(1 - yk) * to_arb(1 - m).log()
    return total / len(dataset.X)


def certify_nearby_best_fit(
    network: Network, dataset: Dataset, point: Point, *, reach: Fraction
) -> Outcome | None:
    """``local-min`` (code ``nearby-best-fit``) when parameters predicting every input's mean targets
    exactly are proved to lie within ``reach`` (∞-norm) of ``point``: a global minimum there, which the
    digits round; None otherwise (no proof, the means out of reach, or logit(0)/logit(1) needed).

    Example:
        >>> net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [0], [0]], [[0], [1], [1]])
        >>> x = Point.unflatten(net, [0, 0, 0, Fraction("0.69314718055994530942")])  # log 2 = logit(2/3)
        >>> certify_nearby_best_fit(net, data, x, reach=Fraction(1, 1000)).code
        'nearby-best-fit'
    """
    if network.loss not in ("mse", "bce") or reach <= 0:
        return None
    best = odd_means(network, dataset)
    odd = best is not None
    if best is None:
        reps = _groups(dataset)[0]
        best = group_means(dataset)
    else:  # an odd network: one equation per pair {x, −x}; at x = 0 the prediction is fixed already
        reps, seen = [], set()
        for i, x in enumerate(dataset.X):
            if any(x) and tuple(x) not in seen:
                reps.append(i)
                seen |= {tuple(x), tuple(-c for c in x)}
    means = [best[tuple(dataset.X[i])] for i in reps]
    if not means or (network.output == "sigmoid" and any(m in (0, 1) for ms in means for m in ms)):
        return None  # the mean is only approached as a logit runs off to infinity
    sub = Dataset.of([dataset.X[i] for i in reps], [dataset.y[i] for i in reps])
    try:
        found = _nearby(network, sub, point, means, reach)
    except (BackendError, ArithmeticError, ValueError, np.linalg.LinAlgError):
        return None
    return None if found is None else _outcome(network, dataset, point, best, odd, *found)


def _nearby(
    network: Network, sub: Dataset, point: Point, means: list[tuple[Fraction, ...]], reach: Fraction
) -> tuple[list[int], Fraction] | None:
    """The Krawczyk test on z(x_g; θ_S) = goal_g over boxes of growing radius up to ``reach``."""
    ball = BallArithmetic(256)
    with ball.context():
        prob = prepare(network, sub, point, arith=ball)
        z = forward(network, unflatten(network, prob.flat), prob.inputs, arith=ball, masks=prob.masks).logits
        values = []
        for k in range(z.shape[0]):
            for g, ms in enumerate(means):
                goal = to_arb(ms[k] / (1 - ms[k])).log() if network.output == "sigmoid" else to_arb(ms[k])
                values.append(z[k, g] - goal)
    residual = Enclosure.of_balls(values)
    enc = EnclosureArithmetic()
    eprob = prepare(network, sub, point, arith=enc)
    if eprob.region is not None and eprob.region.kinks:
        return None

    def logits(flat: Any, arith: Any) -> Any:
        out = forward(network, unflatten(network, flat), eprob.inputs, arith=arith, masks=eprob.masks)
        return arith.flat(out.logits)

    x = point.flatten()
    M, P = len(values), len(x)
    J0 = enc.jacobian(logits, Enclosure.of_rationals(list(x))).mid
    if M > P or not np.all(np.isfinite(J0)):
        return None
    chosen = sorted(int(c) for c in scipy.linalg.qr(J0, pivoting=True)[2][:M])
    if np.linalg.cond(J0[:, chosen]) > 1e12:
        return None
    C = np.linalg.inv(J0[:, chosen])
    r = max(4 * float(np.max(np.abs(C @ residual.mid))), 1e-30)
    while r <= float(reach):
        radius = inside_radius(Fraction(r))
        spread = np.array([radius if j in chosen else 0.0 for j in range(P)])
        box = Enclosure.of_rationals(list(x)) + Enclosure(np.zeros(P), spread)
        if eprob.region is not None:
            wide = ParameterBox(network, sub, point, 128)
            if not wide.region_holds(wide.flat(Fraction(radius))):
                return None
        offset = krawczyk_offset(residual, C, enc.jacobian(logits, box)[:, chosen], radius)
        if offset is not None:
            return chosen, Fraction(offset)
        r *= 16
    return None


def _outcome(
    network: Network,
    dataset: Dataset,
    point: Point,
    best: dict[tuple[Fraction, ...], tuple[Fraction, ...]],
    odd: bool,
    chosen: list[int],
    offset: Fraction,
) -> Outcome:
    ball = BallArithmetic(256)
    with ball.context():
        inf = _infimum(network, dataset, best)
        lo, hi = arb_to_fraction(inf.lower()), arb_to_fraction(inf.upper())
    target = (
        "the mean of its input's targets and the reflected ones at −x" if odd else "its inputs' mean target"
    )
    if network.output == "sigmoid":
        target = f"the logit of {target}"
    over = (
        "the best any odd function can predict (no biases and odd hidden units make every logit odd, "
        "z(−x) = −z(x); at x = 0 it is fixed)"
        if odd
        else "what minimises the loss over all functions (mse and cross-entropy are minimised pointwise "
        "by the mean target)"
    )
    return Outcome(
        Verdict.LOCAL_MIN,
        "interval",
        "krawczyk-best-possible-fit",
        f"the Krawczyk test proves that moving the {len(chosen)} parameter(s) {chosen} by at most "
        f"{float(offset):.3g} (the rest as written) sets every output's logit exactly to "
        f"{target}: those parameters predict {over}, a global, hence local, minimum that the given "
        f"digits round (loss {inf.str(10)}); the given point itself is at most that far from it",
        LossEnclosure(inf.str(20, radius=False), lo, hi),
        box_radius=offset,
        box_center=point,
        proof_radius=offset,
        code="nearby-best-odd-fit" if odd else "nearby-best-fit",
    )
