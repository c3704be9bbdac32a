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
group g (one per distinct input and output, solved along the M least-change directions in units of each
number's window), that parameters attaining every mean exactly lie within each number's window. Those
parameters are a global minimum; the certificate's box holds them (code ``nearby-best-fit``). Identity
units make the logits affine in x, so only an independent subset of the inputs gets an equation (the
others' goals must follow exactly), and float noise printed as an output weight (1e-62 beside 12-digit
numbers) is set to the 0 it rounds first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from badminima.arithmetic.ball import BallArithmetic
from badminima.arithmetic.enclosure import Enclosure, EnclosureArithmetic
from badminima.arithmetic.flint_bridge import arb_to_fraction, to_arb
from badminima.arithmetic.least_squares import least_squares, pivots
from badminima.errors import BackendError
from badminima.landscape.forward_pass import forward, unflatten
from badminima.landscape.problem import exact_pass, prepare
from badminima.model.dataset import Dataset
from badminima.model.network import Network
from badminima.model.point import Point
from badminima.model.rational import rounding_radius
from badminima.verify.certificate import Verdict
from badminima.verify.krawczyk import inside_radius, krawczyk_offset
from badminima.verify.outcome import Outcome
from badminima.verify.parameter_box import ParameterBox
from badminima.verify.rounding import rounding_box
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
    network: Network, dataset: Dataset, point: Point, *, reach: Fraction | Sequence[Fraction]
) -> Outcome | None:
    """``local-min`` (code ``nearby-best-fit``) when parameters predicting every input's mean targets
    exactly are proved to lie within ``reach`` of ``point`` (one radius for all, or one per coordinate: the
    digits' window, 0 where a number must not move): a global minimum there, which the digits round; None
    otherwise (no proof, the means out of reach, or logit(0)/logit(1) needed).

    Example:
        >>> net = Network((1, 1, 1), "tanh", output="sigmoid", loss="bce")
        >>> data = Dataset.of([[0], [0], [0]], [[0], [1], [1]])
        >>> x = Point.unflatten(net, [0, 0, 0, Fraction("0.69314718055994530942")])  # log 2 = logit(2/3)
        >>> certify_nearby_best_fit(net, data, x, reach=Fraction(1, 1000)).code
        'nearby-best-fit'
    """
    radii = [reach] * len(point.flatten()) if isinstance(reach, Fraction) else list(reach)
    if network.loss not in ("mse", "bce") or not any(r > 0 for r in radii):
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
    if network.activation == "identity":
        kept = _independent_inputs(network, dataset, reps, means)
        if kept is None:
            return None
        reps, means = kept
    if not means or (network.output == "sigmoid" and any(m in (0, 1) for ms in means for m in ms)):
        return None  # the mean is only approached as a logit runs off to infinity
    sub = Dataset.of([dataset.X[i] for i in reps], [dataset.y[i] for i in reps])
    # Float noise (`rounding_box`: a number at the level of the others' rounding) set to 0 where its window
    # reaches 0: a 1e-62 output weight printed to 12 digits leaves logits varying far below the Krawczyk
    # test's resolution, and 0 is what it rounds.
    x, box = point.flatten(), rounding_box(point)
    noise = {j for j, q in enumerate(x) if q and box[j] > rounding_radius(q) and radii[j] >= abs(q)}
    starts = [(point, radii, [Fraction(0)] * len(x))]
    if noise:
        zeroed = [Fraction(0) if j in noise else q for j, q in enumerate(x)]
        gone = [abs(q) if j in noise else Fraction(0) for j, q in enumerate(x)]
        rest = [r - g for r, g in zip(radii, gone, strict=True)]
        starts.append((Point.unflatten(network, zeroed), rest, gone))
    for start, reach_left, gone in starts:
        goals, on = means, sub
        if not any(v for row in start.layers[-1].W for v in row):
            # output weights 0: constant logits, one equation, and only the output biases may move
            if any(m != means[0] for m in means):
                continue
            goals, on = means[:1], Dataset.of(sub.X[:1], sub.y[:1])
            biases = len(x) - network.widths[-1] if network.bias else len(x)
            reach_left = [r if j >= biases else Fraction(0) for j, r in enumerate(reach_left)]
        try:
            found = _nearby(network, on, start, goals, reach_left)
        except (BackendError, ArithmeticError, ValueError, np.linalg.LinAlgError):
            continue
        if found is not None:
            moved = sorted({*found[0], *noise}) if start is not point else found[0]
            move = dict(zip(found[0], found[1], strict=True))
            offsets = [gone[j] + move.get(j, Fraction(0)) for j in moved]
            return _outcome(network, dataset, point, best, odd, moved, offsets)
    return None


def _independent_inputs(
    network: Network, dataset: Dataset, reps: list[int], means: list[tuple[Fraction, ...]]
) -> tuple[list[int], list[tuple[Fraction, ...]]] | None:
    """Identity units make each logit affine in x (linear without biases): z(x_g) = Σ_i λ_i z(x_i) when
    (x_g, 1) = Σ_i λ_i (x_i, 1). So the equations of an independent subset of the inputs fix the rest,
    provided the goals obey the same relation exactly — Σ λ_i m_i = m_g for mse; for a sigmoid's logits
    (not linear in m) only equal means m, with Σ λ_i = 1 or m = 1/2. That subset and its means, or None
    when a goal breaks the relation (no affine logit attains every mean)."""
    feats = [[*dataset.X[i], *([Fraction(1)] if network.bias else [])] for i in reps]
    basis = pivots(feats)
    for g in range(len(reps)):
        if g in basis:
            continue
        lam, _ = least_squares([feats[i] for i in basis], feats[g])
        for k, goal in enumerate(means[g]):
            parts = [(c, means[i][k]) for c, i in zip(lam, basis, strict=True) if c]
            if network.output == "sigmoid":
                same = all(m == goal for _, m in parts)
                if not same or (goal != Fraction(1, 2) and sum(c for c, _ in parts) != 1):
                    return None
            elif sum((c * m for c, m in parts), Fraction(0)) != goal:
                return None
    return [reps[i] for i in basis], [means[i] for i in basis]


def _residuals(network: Network, sub: Dataset, point: Point, means: list[tuple[Fraction, ...]]) -> Enclosure:
    """z(x_g; θ) − goal_g at ``point`` in 256-bit balls, one per output and group."""
    ball = BallArithmetic(256)
    with ball.context():
        prob = prepare(network, sub, point, arith=ball)
        z = forward(network, unflatten(network, prob.flat), prob.inputs, arith=ball, masks=prob.masks).logits
        values = []
        for k in range(z.shape[0]):
            for g, ms in enumerate(means):
                goal = to_arb(ms[k] / (1 - ms[k])).log() if network.output == "sigmoid" else to_arb(ms[k])
                values.append(z[k, g] - goal)
    return Enclosure.of_balls(values)


def _nearby(
    network: Network, sub: Dataset, point: Point, means: list[tuple[Fraction, ...]], reach: list[Fraction]
) -> tuple[list[int], list[Fraction]] | None:
    """The Krawczyk test on g(u) = z(x_g; c + B u) − goal_g = 0 over boxes |u|∞ ≤ r, where the M columns
    of B ∝ D S^T are the least-change directions in units of each coordinate's reach (S = J D, J the
    logits' Jacobian at θ, D = diag(reach as doubles)) and c = θ + B u₀ the float Newton step along them
    (exact rationals). A zero found moves θ_j by at most |c_j − θ_j| + ‖B_j‖₁·r, kept within reach_j
    (none where it is 0). The moved parameters and each one's proved largest move, or None."""
    enc = EnclosureArithmetic()
    eprob = prepare(network, sub, point, arith=enc)
    if eprob.region is not None and eprob.region.kinks:
        return None

    def logits(flat: Any, arith: Any) -> Any:
        out = forward(network, unflatten(network, flat), eprob.inputs, arith=arith, masks=eprob.masks)
        return arith.flat(out.logits)

    x = point.flatten()
    residual = _residuals(network, sub, point, means)
    M, P = len(residual), len(x)
    d = np.array([inside_radius(q) for q in reach])
    J0 = enc.jacobian(logits, Enclosure.of_rationals(list(x))).mid
    S = J0 * d
    if M > P or not np.all(np.isfinite(S)) or not np.any(S):
        return None
    B = d[:, None] * S.T / np.max(np.abs(S))
    if not np.all(np.isfinite(B)) or np.linalg.cond(J0 @ B) > 1e12:
        return None
    u0 = np.linalg.solve(J0 @ B, -residual.mid)
    least_change = [q + Fraction(float(v)) for q, v in zip(x, B @ u0, strict=True)]
    goals = _Goals(network, sub, point, means, reach, logits, eprob)
    for c in (least_change, _minimax_start(goals)):
        if c is None:
            continue
        found = _krawczyk_near(goals, B, c)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class _Goals:
    """`_nearby`'s equations z(x_g; θ) = goal_g: the network on one input per group (``sub``), the goals
    (``means``), the given ``point``, each number's ``reach``, the logits map on a flat vector of any
    arithmetic and the enclosure pass's problem (``prob``: its masks and region)."""

    network: Network
    sub: Dataset
    point: Point
    means: list[tuple[Fraction, ...]]
    reach: list[Fraction]
    logits: Any
    prob: Any

    def __iter__(self) -> Iterator[Any]:
        return iter((self.network, self.sub, self.point, self.means, self.reach, self.logits, self.prob))


def _minimax_start(goals: _Goals) -> list[Fraction] | None:
    """A float point near the solutions of z(x_g; θ) = goal_g that moves no number by more than the
    smallest common fraction of its reach (Newton steps, each the linear program min t subject to
    J Δ = −g, |θ + Δ − x|_j ≤ t·reach_j): the least-change step measures moves in the 2-norm, so on a
    manifold of solutions it may leave the window in one coordinate where another point keeps every
    number in it. None where the program fails or leaves the reach."""
    from scipy.optimize import linprog

    network, sub, point, means, reach, logits, _ = goals
    enc = EnclosureArithmetic()
    x = point.flatten()
    free = [j for j, q in enumerate(reach) if q > 0]
    d = np.array([float(reach[j]) for j in free])
    n = len(free)
    c = list(x)
    for _ in range(4):
        residual = _residuals(network, sub, Point.unflatten(network, c), means).mid
        # in units of each number's reach (δ = Δ/reach), each equation scaled to a largest entry of 1
        A = enc.jacobian(logits, Enclosure.of_rationals(c)).mid[:, free] * d
        norms = np.max(np.abs(A), axis=1)
        if not np.all(np.isfinite(A)) or not np.all(norms > 0):
            return None
        off = np.array([float((c[j] - x[j]) / reach[j]) for j in free])
        # variables (δ, t): |off + δ| ≤ t
        A_ub = np.block([[np.eye(n), -np.ones((n, 1))], [-np.eye(n), -np.ones((n, 1))]])
        found = linprog(
            np.r_[np.zeros(n), 1.0],
            A_ub=A_ub,
            b_ub=np.concatenate([-off, off]),
            A_eq=np.hstack([A / norms[:, None], np.zeros((len(A), 1))]),
            b_eq=-residual / norms,
            bounds=(None, None),
        )
        if not found.success or not np.all(np.isfinite(found.x)):
            return None
        for j, v in zip(free, found.x[:n], strict=True):
            c[j] += Fraction(float(v)) * reach[j]
    if any(abs(a - q) > r for a, q, r in zip(c, x, reach, strict=True)):
        return None
    return c


def _krawczyk_near(
    goals: _Goals, B: np.ndarray, c: list[Fraction]
) -> tuple[list[int], list[Fraction]] | None:
    """`_nearby`'s Krawczyk test about the start ``c``: the zero's proved moves, or None."""
    network, sub, point, means, reach, logits, eprob = goals
    enc = EnclosureArithmetic()
    x = point.flatten()
    P = len(x)
    shift = [abs(a - q) for a, q in zip(c, x, strict=True)]
    if any(s > r for s, r in zip(shift, reach, strict=True)):
        return None
    center = Point.unflatten(network, c)
    residual = _residuals(network, sub, center, means)
    C = np.linalg.inv(enc.jacobian(logits, Enclosure.of_rationals(c)).mid @ B)
    moved = [j for j in range(P) if np.any(B[j]) or shift[j]]
    rows = [sum((Fraction(abs(b)) for b in B[j]), Fraction(0)) for j in range(P)]  # |Δc_j| ≤ rows_j·|u|∞
    # |u|∞ below it keeps every number in reach
    top = min(((reach[j] - shift[j]) / rows[j] for j in moved if rows[j]), default=Fraction(0))
    first = max(4 * float(np.max(np.abs(C @ residual.mid))), 1e-300)
    for r in [*(first * 8.0**k for k in range(60) if first * 8.0**k < top), float(top) * 0.999]:
        u = inside_radius(Fraction(r))
        spread = np.array([np.nextafter(float(rows[j] * Fraction(u)), np.inf) for j in range(P)])
        box = Enclosure.of_rationals(c) + Enclosure(np.zeros(P), spread)
        if eprob.region is not None:
            wide = ParameterBox(network, sub, point, 128)
            if not wide.region_holds(wide.flat(max(shift) + Fraction(float(spread.max())))):
                return None
        offset = krawczyk_offset(residual, C, enc.jacobian(logits, box) @ Enclosure.exact(B), u)
        if offset is not None:
            moves = [shift[j] + rows[j] * Fraction(offset) for j in range(P)]
            if any(moves[j] > reach[j] for j in range(P)):
                return None
            return moved, [moves[j] for j in moved]
    return None


def _outcome(
    network: Network,
    dataset: Dataset,
    point: Point,
    best: dict[tuple[Fraction, ...], tuple[Fraction, ...]],
    odd: bool,
    chosen: list[int],
    offsets: list[Fraction],
) -> Outcome:
    offset = max(offsets)
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
        f"{', '.join(f'{float(q):.3g}' for q in offsets)} respectively (the rest as written) sets "
        f"every output's logit exactly to "
        f"{target}: those parameters predict {over}, a global, hence local, minimum that the given "
        f"digits round (loss {inf.str(10)}); the given point itself is at most that far from it",
        LossEnclosure(inf.str(20, radius=False), lo, hi),
        box_radius=offset,
        box_center=point,
        proof_radius=offset,
        code="nearby-best-odd-fit" if odd else "nearby-best-fit",
    )
